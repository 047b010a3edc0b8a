"""Quality gates on the project's question sets, with the real embedding model (slow).

The thresholds are the issue's: they are what a maintainer may rely on after every change.
The measured figures are printed beside them (and named in the failure message) so a red run
says how far off it is and which questions caused it.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from assistant.baseline import NaiveRAG
from assistant.chain import Assistant
from assistant.evaluation import (
    EvalQuestion,
    EvalResult,
    aggregate,
    load_questions,
    run_eval,
    score_answer,
    summary_table,
    write_report,
)
from corpus.settings import Settings

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
TODAY = dt.date(2026, 11, 23)

# Gates on eval/faq.jsonl: at least the (hit@5 0.95, amount 1.0, refusals 0.9, false
# refusals 0.05), set just under what was measured when they were last raised (2026-11-23:
# hit@5 1.000, amount 1.000, refusals 1.000, false refusals 0.022, citation P/R 0.956/0.973,
# facts 0.953), so a change that makes answers worse fails here.
MIN_HIT_AT_5 = 0.97
MIN_AMOUNT_EXACT = 1.0
# Out of scope refused: the user's need (issue 9) is 0.95. Measured 2026-12-01 after the
# understanding changes of issue 9: 13/15 = 0.867 on this set (faq-083 研发费用加计扣除 and faq-092
# 独角兽企业 answered from clauses that share words); 0.593 on the blind held-out set. Measured
# 2026-12-02 (fourth round): 14/15 = 0.933 here, 0.783 on held-out understanding-h4 (0.870 after the
# missing-reference and establishment-site changes of branch r5-oos). The gate
# stays at the need and is a known failure until that is fixed (see issue 9's note).
MIN_REFUSALS = 0.95
MAX_FALSE_REFUSALS = 0.05
MIN_CITATION_PRECISION = 0.92
MIN_CITATION_RECALL = 0.94
MIN_FACTS = 0.92
# Issue 2's gate on the held-out retrieval set.
MIN_HYBRID_HIT_AT_5 = 0.9


@pytest.fixture(scope="session")
def model_dir() -> Path:
    """The default model, built once into the shared var/models folder (the POLICYQA default)."""
    from index.e5_model import ensure_model

    return ensure_model(Settings(data_dir=REPO / "var"))


@pytest.fixture(scope="module")
def assistant(model_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Assistant:
    settings = Settings(data_dir=tmp_path_factory.mktemp("data"), model_dir=model_dir, today=TODAY)
    return Assistant.from_settings(settings)


def _failing(result: EvalResult, reason: str) -> list[str]:
    """Ids of the questions with a failure reason starting with ``reason``."""
    return [r.question.id for r in result.records if any(w.startswith(reason) for w in r.score.failures)]


def test_faq_quality_gates(assistant: Assistant, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    questions = load_questions(REPO / "eval" / "faq.jsonl", assistant.index.corpus)
    result = run_eval(assistant, questions)
    baseline = run_eval(NaiveRAG(assistant.index.corpus, assistant.index.embeddings, today=TODAY), questions, name="baseline")
    write_report(result, baseline, tmp_path)
    with capsys.disabled():
        print(f"\n\neval/faq.jsonl ({len(questions)} questions), product vs naive baseline:\n")
        print(summary_table(result, baseline))
        for r in result.failures:
            print(f"  {r.question.id} ({r.question.kind}): {'; '.join(r.score.failures)}")
    m = result.metrics["overall"]
    problems = []
    if (m["hit@5"] or 0) < MIN_HIT_AT_5:
        problems.append(f"hit@5 {m['hit@5']:.3f} < {MIN_HIT_AT_5}: {_failing(result, 'gold not in top 5')}")
    if (m["amount_exact"] or 0) < MIN_AMOUNT_EXACT:
        problems.append(f"amount exact {m['amount_exact']:.3f} < {MIN_AMOUNT_EXACT}: {_failing(result, 'amount ')}")
    if (m["false_refusal_rate"] or 0) > MAX_FALSE_REFUSALS:
        problems.append(f"false refusals {m['false_refusal_rate']:.3f} > {MAX_FALSE_REFUSALS}: {_failing(result, 'false refusal')}")
    if m["errors"]:
        problems.append(f"{m['errors']} questions raised: {_failing(result, 'error: ')}")
    for key, floor, reason in (
        ("citation_precision", MIN_CITATION_PRECISION, "citation precision"),
        ("citation_recall", MIN_CITATION_RECALL, "citation recall"),
        ("facts", MIN_FACTS, "missing"),
    ):
        if (m[key] or 0) < floor:
            problems.append(f"{key} {m[key]:.3f} < {floor}: {_failing(result, reason)}")
    assert not problems, "\n".join(problems)


@pytest.mark.xfail(reason="out-of-scope refusals measured 0.933 < 0.95 (issue 9, open): shared-word questions", strict=False)
def test_faq_out_of_scope_questions_are_refused(assistant: Assistant) -> None:
    questions = [q for q in load_questions(REPO / "eval" / "faq.jsonl", assistant.index.corpus) if q.expects_refusal]
    result = run_eval(assistant, questions)
    rate = result.metrics["overall"]["refusal_rate"] or 0
    assert rate >= MIN_REFUSALS, f"refusals {rate:.3f} < {MIN_REFUSALS}: {_failing(result, 'answered an out-of-scope')}"


def test_every_answer_quotes_its_clauses_and_every_figure_has_a_source(assistant: Assistant) -> None:
    """Over the whole question set: quotes are exact substrings of the cited clauses, every marker
    [n] resolves, and every figure in the text comes from a cited clause or a calculation."""
    import dataclasses
    import re

    questions = load_questions(REPO / "eval" / "faq.jsonl", assistant.index.corpus)
    clauses = {c.id: c for c in assistant.index.corpus.clauses}
    for q in questions:
        answer = assistant.answer(q.question, q.history)
        numbers = {c.n for c in answer.citations}
        for c in (*answer.citations, *answer.related):
            assert c.quote and c.quote in clauses[c.clause_id].text, (q.id, c.clause_id, c.quote)
            assert c.text == clauses[c.clause_id].text
        for n in re.findall(r"\[(\d+)\]", answer.text):
            assert int(n) in numbers, (q.id, n, answer.text)
        for calc in answer.calculations:
            if calc.citation is not None:
                assert calc.citation.n in numbers and calc.citation.quote in clauses[calc.citation.clause_id].text
        assert assistant.unsourced_figures(answer) == [], (q.id, answer.text)
    # and the check can fail: a figure no source gives is found
    forged = dataclasses.replace(answer, text=answer.text + "另可获得987654万元。")
    assert "987654" in assistant.unsourced_figures(forged)


def _retrieval_scores(assistant: Assistant, questions: list[EvalQuestion], mode: str) -> dict[str, float | int | None]:
    scores = []
    for q in questions:
        hits = assistant.index.search(q.question, k=5, mode=mode)
        scores.append(score_answer(q, {"retrieved": [h.clause.id for h in hits]}))
    return aggregate(scores)


def test_held_out_retrieval_by_mode(assistant: Assistant, capsys: pytest.CaptureFixture[str]) -> None:
    questions = [q for q in load_questions(REPO / "eval" / "retrieval.jsonl", assistant.index.corpus) if q.gold]
    modes = ("bm25", "dense", "hybrid")
    table = {mode: _retrieval_scores(assistant, questions, mode) for mode in modes}
    with capsys.disabled():
        print(f"\n\neval/retrieval.jsonl ({len(questions)} questions), index only, k=5:\n")
        print("| metric | " + " | ".join(modes) + " |\n|---|" + "---:|" * len(modes))
        for key in ("hit@1", "hit@3", "hit@5", "mrr"):
            print(f"| {key} | " + " | ".join(f"{table[mode][key]:.3f}" for mode in modes) + " |")
    hybrid = table["hybrid"]["hit@5"]
    assert hybrid is not None and hybrid >= MIN_HYBRID_HIT_AT_5, f"hybrid hit@5 {hybrid:.3f} < {MIN_HYBRID_HIT_AT_5}"


def test_held_out_answers(assistant: Assistant, capsys: pytest.CaptureFixture[str]) -> None:
    """The whole chain on eval/retrieval.jsonl, a set written apart from the FAQ set the chain was
    developed on: the figures that matter must hold on questions it was not tuned to."""
    questions = load_questions(REPO / "eval" / "retrieval.jsonl", assistant.index.corpus)
    result = run_eval(assistant, questions)
    with capsys.disabled():
        print(f"\n\neval/retrieval.jsonl ({len(questions)} questions), whole chain:\n")
        print(summary_table(result, None))
    m = result.metrics["overall"]
    assert (m["hit@5"] or 0) >= 0.95, _failing(result, "gold not in top 5")
    assert (m["amount_exact"] or 0) >= 0.94, _failing(result, "amount ")
    assert (m["false_refusal_rate"] or 0) <= 0.05, _failing(result, "false refusal")
    assert not m["errors"], _failing(result, "error: ")


def test_the_package_level_answer_uses_the_configured_settings(model_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``assistant.answer(question, history=())``: the one call the CLI, API and evaluation share."""
    import assistant as package

    monkeypatch.setenv("POLICYQA_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("POLICYQA_MODEL_DIR", str(model_dir))
    monkeypatch.setenv("POLICYQA_TODAY", TODAY.isoformat())
    monkeypatch.setattr(package, "_default", None)
    first = package.answer("小巨人企业数字化改造投了120万，达到二级了，能补多少？")
    assert first.calculations and first.calculations[0].amount_wan == 25
    assert first.citations[0].clause_id == "xm-zjtx-2024/二/（三）/7"
    follow = package.answer("那最高能拿多少？", ["小巨人企业做数字化改造有补助吗？"])
    assert "小巨人" in follow.condensed_question and follow.calculations[0].cap_wan == 25
    assert package.default_assistant() is package.default_assistant()  # loaded once
    assert (tmp_path / "chroma").exists()


def test_a_broad_question_lists_the_measures_that_cover_it(assistant: Assistant) -> None:
    """'专精特新企业有什么补贴？' is answered with the measures, each quoted where it says what is
    given, not with one arbitrary clause; a specific question in the same words is not."""
    broad = assistant.answer("专精特新企业有什么补贴？")
    assert broad.intent == "overview" and not broad.no_basis
    assert len(broad.citations) >= 3
    assert {c.doc_id for c in broad.citations} == {"xm-zjtx-2024"}
    assert all(re.search("给予|补助|补贴|奖励|资助|贴息|支持", c.quote) for c in broad.citations)
    assert all(f"[{c.n}]" in broad.lead for c in broad.citations)
    specific = assistant.answer("我们刚首次拿到小巨人称号，有什么奖励？")
    assert specific.intent == "lookup" and specific.citations[0].clause_id == "xm-zjtx-2024/二/（一）/2"


def test_a_clause_number_a_document_named_by_its_words_lacks_is_said_so(assistant: Assistant) -> None:
    """'引领工程那个若干措施第15条': the document is named by its title's words, not its 文号; it has 12
    measures, so the answer says it has no 第15条 instead of quoting another clause."""
    missing = assistant.answer("科技创新引领工程那个若干措施第15条是什么内容")
    assert missing.no_basis and not missing.citations and "没有第15条" in missing.text
    present = assistant.answer("专精特新若干措施第7条讲什么")
    assert present.citations[0].clause_id == "xm-zjtx-2024/二/（三）/7"


def test_an_expiry_comparison_names_every_document_compared(assistant: Assistant) -> None:
    answer = assistant.answer("专精特新那个措施和科技服务业那个措施，哪个先到期")
    cited = {c.clause_id for c in answer.citations}
    assert {"xm-zjtx-2024/附则2", "xm-kjfwy-2025/附则3"} <= cited
    assert "2026年12月31日" in answer.lead and "2026年12月8日" in answer.lead


def test_whether_two_measures_can_both_be_had_is_answered_by_the_overlap_rule(assistant: Assistant) -> None:
    """Each measure the question names is cited, and the lead is the documents' own rule."""
    answer = assistant.answer(
        "我们建的国家级制造业中试平台，引领工程按设备投入最高3000万，科技服务业措施里中试公共服务平台最高2000万，能两个都申请吗"
    )
    cited = {c.clause_id for c in answer.citations}
    assert {"xm-kjcx-jd/四/（二）/6", "xm-kjfwy-2025/六"} <= cited
    assert answer.lead.count("就高不重复") >= 1 and answer.lead.startswith("《")


def test_an_ask_over_two_things_answers_each(assistant: Assistant) -> None:
    answer = assistant.answer("专精特新企业信用保险保费补贴和场租补贴分别最高多少")
    cited = [c.clause_id for c in answer.citations]
    assert "xm-zjtx-2024/二/（六）/15" in cited and "xm-zjtx-2024/二/（六）/13" in cited
    assert "30万元" in answer.text and "10万元" in answer.text


@pytest.mark.parametrize(
    ("question", "history", "department"),
    [
        ("专精特新企业专利商标质押贴息找哪个部门", (), "责任单位：市市场监管局、工信局"),
        ("科技服务企业增信子基金贴息这条，责任单位有哪些", (), "责任单位：市科技局、市工信局、市财政局、市委金融办"),
        # a follow-up: the department of the measure the conversation is about, not a clause naming 部门
        ("这个归哪个部门管", ("专精特新企业数字化改造补贴多少",), "责任单位：市工信局、财政局"),
    ],
)
def test_asked_who_handles_it_the_lead_is_the_clauses_responsible_units(
    assistant: Assistant, question: str, history: tuple[str, ...], department: str
) -> None:
    answer = assistant.answer(question, history)
    assert answer.lead.startswith(department), answer.lead
    assert department in answer.citations[0].quote
