"""The evaluation harness on a small hand-made set, every metric checked against hand-computed values."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from langchain_core.embeddings import DeterministicFakeEmbedding

from assistant.baseline import CHUNK_SIZE, TOP_K, NaiveRAG
from assistant.evaluation import (
    KINDS,
    EvalFormatError,
    EvalQuestion,
    evaluate_pairs,
    load_questions,
    mentions,
    normalise_fact,
    resolve_gold,
    run_eval,
    score_answer,
    write_report,
)
from assistant.records import NO_BASIS, Answer
from corpus.documents import Corpus, load_corpus
from corpus.settings import DOCUMENTS_DIR

ZJTX15 = "xm-zjtx-2024/二/（六）/15"
ZJTX7 = "xm-zjtx-2024/二/（三）/7"
ZJTX2 = "xm-zjtx-2024/二/（一）/2"
TAX = "xm-sangao-faq/提高人才个税奖励"


@pytest.fixture(scope="module")
def corpus() -> Corpus:
    return load_corpus(DOCUMENTS_DIR)


def _write(tmp_path: Path, rows: list[dict[str, Any] | str]) -> Path:
    path = tmp_path / "q.jsonl"
    path.write_text("\n".join(r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8")
    return path


def _q(
    id_: str,
    kind: str,
    gold: list[tuple[str, str]],
    amount: float | None = None,
    must: list[str] | None = None,
    question: str = "问题",
) -> dict[str, Any]:
    return {
        "id": id_,
        "question": question,
        "history": [],
        "kind": kind,
        "gold": [{"doc": d, "clause": c} for d, c in gold],
        "expected_amount_wan": amount,
        "must_mention": must or [],
        "notes": "",
    }


def _a(
    text: str,
    *,
    cited: Sequence[str] = (),
    retrieved: Sequence[str] = (),
    amounts: Sequence[str | None] = (),
    no_basis: bool = False,
    ms: float = 0,
) -> dict[str, Any]:
    return {
        "answer": text,
        "no_basis": no_basis,
        "citations": [{"n": i + 1, "doc_id": c.split("/")[0], "clause_id": c, "label": ""} for i, c in enumerate(cited)],
        "calculations": [{"amount_wan": a} for a in amounts],
        "retrieved": list(retrieved),
        "elapsed_ms": ms,
    }


# Six questions; answers 2, 3, 5 and 6 are deliberately wrong in different ways.
HAND_SET = [
    _q("h1", "lookup", [("xm-zjtx-2024", "第十五条")], amount=30, must=["30万元"]),
    _q("h2", "amount", [("厦府办规〔2024〕11号", "7")], amount=18, must=["18万元", "30%"]),
    _q("h3", "multi", [("xm-zjtx-2024", "2"), ("xm-zjtx-2024", "第7条")], must=["50万元"]),
    _q("h4", "out_of_scope", [], must=["未找到依据"]),
    _q("h5", "out_of_scope", [], must=["未找到依据"]),
    _q("h6", "lookup", [("xm-sangao-faq", "提高人才个税奖励")], must=["50%"]),
]
HAND_ANSWERS = [
    # right: gold first, cited, the headline (first) calculation's amount; parts after it do not count
    _a("单家企业最高30万元。", cited=[ZJTX15], retrieved=[ZJTX15, ZJTX7], amounts=["30", None], ms=100),
    # wrong amount (25 not 18), a wrong extra citation, one fact missing, gold retrieved second
    _a("可补贴25万元，比例30%。", cited=[ZJTX7, ZJTX15], retrieved=[ZJTX15, ZJTX7], amounts=["25"], ms=200),
    # one of two golds cited, first gold at rank 4; "50万" must count for "50万元"
    _a("市级奖励50万。", cited=[ZJTX2], retrieved=["a", "b", "c", ZJTX2, ZJTX7], ms=300),
    # right refusal
    _a(f"{NO_BASIS}。", no_basis=True, ms=400),
    # an out-of-scope question answered
    _a("上海奖励100万元。", cited=[ZJTX15], retrieved=[ZJTX15], ms=500),
    # a false refusal of an in-scope question
    _a(f"{NO_BASIS}。", no_basis=True, ms=600),
]


@pytest.fixture(scope="module")
def hand_questions(corpus: Corpus, tmp_path_factory: pytest.TempPathFactory) -> list[EvalQuestion]:
    return load_questions(_write(tmp_path_factory.mktemp("hand"), HAND_SET), corpus)  # type: ignore[arg-type]


def test_metrics_equal_hand_computed_values(hand_questions: list[EvalQuestion]) -> None:
    result = evaluate_pairs("product", zip(hand_questions, HAND_ANSWERS, strict=True))
    m = result.metrics["overall"]
    # in scope: h1 h2 h3 h6, first gold at ranks 1, 2, 4, none
    assert m["n"] == 6
    assert m["hit@1"] == pytest.approx(1 / 4)
    assert m["hit@3"] == pytest.approx(2 / 4)
    assert m["hit@5"] == pytest.approx(3 / 4)
    assert m["mrr"] == pytest.approx((1 + 1 / 2 + 1 / 4 + 0) / 4)
    # precision over answers citing something (h1 1, h2 1/2, h3 1); recall over in-scope (h6 cites nothing)
    assert m["citation_precision"] == pytest.approx((1 + 0.5 + 1) / 3)
    assert m["citation_recall"] == pytest.approx((1 + 1 + 0.5 + 0) / 4)
    assert m["amount_exact"] == pytest.approx(1 / 2)
    assert m["facts"] == pytest.approx((1 + 0.5 + 1 + 1 + 0 + 0) / 6)
    assert m["refusal_rate"] == pytest.approx(1 / 2)
    assert m["false_refusal_rate"] == pytest.approx(1 / 4)
    assert m["false_answers"] == 1
    assert m["errors"] == 0
    assert m["latency_p50_ms"] == pytest.approx(350)
    assert m["latency_p95_ms"] == pytest.approx(575)
    # per kind
    assert result.metrics["lookup"]["hit@5"] == pytest.approx(1 / 2)
    assert result.metrics["lookup"]["false_refusal_rate"] == pytest.approx(1 / 2)
    assert result.metrics["amount"]["amount_exact"] == 0.0
    assert result.metrics["multi"]["citation_recall"] == pytest.approx(0.5)
    assert result.metrics["out_of_scope"]["refusal_rate"] == pytest.approx(0.5)
    assert result.metrics["out_of_scope"]["hit@5"] is None  # no gold, no retrieval metric
    assert "validity" not in result.metrics
    failed = {r.question.id: r.score.failures for r in result.failures}
    assert set(failed) == {"h2", "h3", "h5", "h6"}
    assert "amount 25" in failed["h2"] and "missing 18万元" in failed["h2"]
    assert "answered an out-of-scope question" in failed["h5"]
    assert "false refusal" in failed["h6"]


def test_a_perfect_answer_set_scores_one(hand_questions: list[EvalQuestion]) -> None:
    perfect = [
        HAND_ANSWERS[0],
        _a("18万元，30%", cited=[ZJTX7], retrieved=[ZJTX7], amounts=["18.00"]),
        _a("50万元", cited=[ZJTX2, ZJTX7], retrieved=[ZJTX2]),
        HAND_ANSWERS[3],
        HAND_ANSWERS[3],
        _a("返奖比例提高到50％", cited=[f"{TAX}/问答1"], retrieved=[f"{TAX}/政策原文"]),
    ]
    m = evaluate_pairs("product", zip(hand_questions, perfect, strict=True)).metrics["overall"]
    for key in ("hit@1", "mrr", "citation_precision", "citation_recall", "amount_exact", "facts", "refusal_rate"):
        assert m[key] == 1.0, key
    assert m["false_refusal_rate"] == 0.0 and m["false_answers"] == 0


class _Scripted:
    """An assistant-like object answering from a script; one question crashes."""

    def __init__(self, answers: list[dict[str, Any]]) -> None:
        self.answers = {i: a for i, a in enumerate(answers)}
        self.calls: list[tuple[str, tuple[str, ...]]] = []

    def answer(self, question: str, history: Sequence[str] = ()) -> Answer:
        self.calls.append((question, tuple(history)))
        if len(self.calls) == 2:
            raise RuntimeError("boom")
        a = self.answers[len(self.calls) - 1]
        return Answer(
            question=question,
            condensed_question=question,
            text=a["answer"],
            no_basis=a["no_basis"],
            retrieved=tuple(a["retrieved"]),
            elapsed_ms=5.0,
        )


def test_run_eval_asks_every_question_and_records_a_crash(hand_questions: list[EvalQuestion]) -> None:
    bot = _Scripted(HAND_ANSWERS)
    seen: list[tuple[int, int]] = []
    result = run_eval(bot, hand_questions, lambda done, total: seen.append((done, total)))
    assert len(bot.calls) == 6 and seen[-1] == (6, 6)
    assert result.metrics["overall"]["errors"] == 1
    crashed = result.records[1].score
    assert crashed.error == "RuntimeError: boom" and crashed.amount_ok is False
    assert result.metrics["overall"]["hit@1"] == pytest.approx(1 / 4)  # h1 only; h3 ranks 4, h6 none


@pytest.mark.parametrize(
    ("doc", "clause", "expected"),
    [
        ("xm-zjtx-2024", "第十五条", (ZJTX15,)),
        ("xm-zjtx-2024", "第15条", (ZJTX15,)),
        ("xm-zjtx-2024", "15", (ZJTX15,)),
        ("xm-zjtx-2024", "15.", (ZJTX15,)),
        ("厦府办规〔2024〕11号", "15", (ZJTX15,)),  # 文号 as doc
        ("厦门市支持专精特新企业高质量发展的若干措施", "支持国内市场开拓", (ZJTX15,)),  # title as doc, clause title
        ("sd-kjfwy-2025", "（十）", ("sd-kjfwy-2025/四/（十）",)),
        ("sd-kjfwy-2025", "(十)", ("sd-kjfwy-2025/四/（十）",)),
        ("xm-kjcx-jd", "三", ("xm-kjcx-jd/三",)),  # a numbered part with its own text
        ("xm-kjfwy-2025", "五", ("xm-kjfwy-2025/五",)),
        ("xm-sangao-faq", "提高人才个税奖励", (f"{TAX}/政策原文", f"{TAX}/问答1", f"{TAX}/问答2")),  # FAQ heading
        ("xm-zjtx-2024", "附则", ("xm-zjtx-2024/附则1", "xm-zjtx-2024/附则2")),
        ("xm-zjtx-2024", "三", ()),  # "三、" has no text of its own here, and is not article 3
        ("xm-zjtx-2024", "第十六条", ()),
        ("no-such-doc", "1", ()),
        # a title as policyqa add takes it in: spaces, 《》, other brackets, a unique part of it
        ("《厦门市支持专精特新企业 高质量发展的若干措施》", "15", (ZJTX15,)),
        ("厦府办规[2024]11号", "15", (ZJTX15,)),
        ("支持专精特新企业高质量发展", "15", (ZJTX15,)),
        ("若干措施", "15", ()),  # too short to name one document
        # a heading written whole, number and title, covers the clauses under it
        ("xm-zjtx-2024", "15. 支持国内市场开拓", (ZJTX15,)),
        ("xm-zjtx-2024", "（六）助力市场开拓", ("xm-zjtx-2024/二/（六）/13", "xm-zjtx-2024/二/（六）/14", ZJTX15)),
    ],
)
def test_gold_normalisation(corpus: Corpus, doc: str, clause: str, expected: tuple[str, ...]) -> None:
    assert resolve_gold(corpus, doc, clause) == expected


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("{not json", "not valid JSON"),
        (json.dumps(_q("x", "chitchat", [])), "kind='chitchat'"),
        (json.dumps(_q("x", "lookup", [("xm-zjtx-2024", "第十六条")])), "gold clause '第十六条'"),
        (json.dumps(_q("x", "lookup", [("鲁科字〔2099〕1号", "1")])), "gold doc"),
        (json.dumps({**_q("x", "lookup", []), "question": ""}), "'question' must be a non-empty string"),
        (json.dumps({**_q("x", "amount", []), "expected_amount_wan": "18"}), "expected_amount_wan"),
        (json.dumps({**_q("x", "lookup", []), "must_mention": "30万元"}), "must_mention"),
        (json.dumps({**_q("x", "lookup", []), "answer": "?"}), "unknown field"),
        (json.dumps(_q("h1", "lookup", [])), "used twice"),
    ],
)
def test_a_malformed_line_is_rejected_with_its_number(corpus: Corpus, tmp_path: Path, line: str, reason: str) -> None:
    path = _write(tmp_path, [json.dumps(_q("h1", "lookup", [("xm-zjtx-2024", "15")])), "", line])
    with pytest.raises(EvalFormatError) as e:
        load_questions(path, corpus)
    assert f"{path}:3:" in str(e.value)
    assert reason in str(e.value)


def test_the_project_question_sets_load(corpus: Corpus) -> None:
    faq = load_questions(Path("eval/faq.jsonl"), corpus)
    assert len(faq) >= 80 and {q.kind for q in faq} == set(KINDS)
    assert len(load_questions(Path("eval/retrieval.jsonl"), corpus)) > 0


@pytest.mark.parametrize(
    ("needle", "hay"),
    [
        ("7‰", "费率千分之七"),
        ("千分之七", "费率7‰"),
        ("1亿元", "最高10000万元"),
        ("10000万元", "最高1亿元"),
        ("30万元", "最高30万"),
        ("30%", "不超过30％"),
        ("50%", "百分之五十"),
        ("1000万元", "补助1,000万元"),
    ],
)
def test_fact_normalisation(needle: str, hay: str) -> None:
    assert mentions(normalise_fact(hay), needle)


@pytest.mark.parametrize(
    ("fact", "hay"),
    [
        ("30万元", "最高130万元"),
        ("30万元", "最高300万元"),
        ("7‰", "千分之八"),
        ("5年", "15年"),
        ("1000万元", "1000.5万元"),
    ],
)
def test_a_different_figure_is_not_a_mention(fact: str, hay: str) -> None:
    assert not mentions(normalise_fact(hay), fact)


def test_report_is_standalone_and_escaped(hand_questions: list[EvalQuestion], tmp_path: Path) -> None:
    hostile = [replace(q, question="<script>alert(1)</script>") if q.id == "h5" else q for q in hand_questions]
    result = evaluate_pairs("product", zip(hostile, HAND_ANSWERS, strict=True))
    baseline = evaluate_pairs("baseline", zip(hostile, [HAND_ANSWERS[0]] * 6, strict=True))
    paths = write_report(result, baseline, tmp_path / "report")
    assert [p.name for p in paths] == ["report.json", "report.md", "report.html"]
    page = (tmp_path / "report" / "report.html").read_text(encoding="utf-8")
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert re.search(r"https?://", page) is None, "the report must not load anything from elsewhere"
    assert "<link" not in page and " src=" not in page
    assert page.count("<svg") >= 5 and "baseline" in page
    # every failure of the product is listed with its reason
    for qid in ("h2", "h3", "h5", "h6"):
        assert f"<td>{qid}<br>" in page
    data = json.loads(paths[0].read_text(encoding="utf-8"))
    assert data["product"]["metrics"]["overall"]["hit@5"] == pytest.approx(0.75)
    assert data["baseline"]["metrics"]["overall"]["n"] == 6
    md = paths[1].read_text(encoding="utf-8")
    assert "| retrieval hit@5 | 0.750 | " in md


def test_baseline_chunks_map_back_to_clauses(corpus: Corpus) -> None:
    bot = NaiveRAG(corpus, DeterministicFakeEmbedding(size=32))
    clauses = {c.id: c for c in corpus.clauses}
    for chunk in bot.chunks:
        assert len(chunk.page_content) <= CHUNK_SIZE
        ids = chunk.metadata["clause_ids"].split("|")
        assert all(clauses[i].document.id == chunk.metadata["doc_id"] for i in ids)
        first = clauses[ids[0]]
        quote = first.text[chunk.metadata["quote_start"] : chunk.metadata["quote_end"]]
        assert quote and quote in chunk.page_content
    a = bot.answer("专精特新企业数字化改造补贴多少").to_dict()
    assert a["no_basis"] is False and a["calculations"] == []
    assert a["answer"] in {c.page_content for c in bot.chunks}
    assert a["citations"][0]["clause_id"] == a["retrieved"][0]
    assert a["citations"][0]["quote"] in a["citations"][0]["text"]
    assert 1 <= len({cid for cid in a["retrieved"]}) <= TOP_K * 4


def test_a_stated_maximum_counts_only_when_nothing_is_missing(hand_questions: list[EvalQuestion]) -> None:
    """The headline of "最多能拿多少" may be a maximum (amount None, cap_wan set): it is the answer
    when every fact was given, and no answer when the calculator still asks for inputs."""
    q = hand_questions[1]  # h2: expected 18
    stated = {"answer": "", "calculations": [{"amount_wan": None, "cap_wan": "18", "missing": []}]}
    asking = {"answer": "", "calculations": [{"amount_wan": None, "cap_wan": "18", "missing": ["实际投入"]}]}
    behind = {"answer": "", "calculations": [{"amount_wan": None, "cap_wan": None, "missing": ["x"]}, {"amount_wan": "18"}]}
    assert score_answer(q, stated).amount_ok is True
    assert score_answer(q, asking).amount_ok is False
    assert score_answer(q, behind).amount_ok is False  # a part behind the headline is not the answer
