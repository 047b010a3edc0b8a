"""The composer's pure parts: citations numbered once across the parts of a compound answer."""

from __future__ import annotations

import datetime as dt

from assistant.compose import make_citation, merge_answers, numbers_without_source
from assistant.records import NO_BASIS, Answer
from corpus.documents import load_corpus
from corpus.settings import DOCUMENTS_DIR

TODAY = dt.date(2026, 11, 23)


def _answer(question: str, clause_ids: list[str], lead: str) -> Answer:
    corpus = load_corpus(DOCUMENTS_DIR)
    cites = []
    for n, cid in enumerate(clause_ids, start=1):
        clause = corpus.clause(cid)
        quote = clause.text.split("。")[0]
        cites.append(make_citation(n, clause, quote, TODAY))
    return Answer(question=question, condensed_question=question, text=lead, lead=lead, no_basis=False, citations=tuple(cites))


def test_merge_renumbers_citations_and_shares_a_repeated_clause() -> None:
    a = _answer("甲", ["xm-zjtx-2024/二/（一）/2", "xm-zjtx-2024/附则1"], "奖励见条款[1]，另见[2]。")
    b = _answer("乙", ["xm-zjtx-2024/二/（三）/7", "xm-zjtx-2024/附则1"], "补助见条款[1]，另见[2]。")
    merged = merge_answers("甲？乙？", "甲？乙？", [("甲", a), ("乙", b)])
    assert [c.n for c in merged.citations] == [1, 2, 3]
    assert [c.clause_id for c in merged.citations] == ["xm-zjtx-2024/二/（一）/2", "xm-zjtx-2024/附则1", "xm-zjtx-2024/二/（三）/7"]
    first, second = merged.lead.splitlines()
    assert first.startswith("①") and "关于“甲”" in first and "[1]" in first and "[2]" in first
    # b's [1] became [3]; its [2] is the same clause and quote as a's [2]
    assert second.startswith("②") and "[3]" in second and "[2]" in second and "[1]" not in second
    assert merged.parts == ("甲", "乙") and not merged.no_basis
    for c in merged.citations:
        assert c.quote in c.text


def test_merge_of_parts_without_basis_is_a_refusal() -> None:
    refusal = Answer(question="丙", condensed_question="丙", text=f"{NO_BASIS}。", lead=f"{NO_BASIS}。", no_basis=True)
    merged = merge_answers("丙？丁？", "丙？丁？", [("丙", refusal), ("丁", refusal)])
    assert merged.no_basis and merged.text.count(NO_BASIS) == 2 and not merged.citations


def test_figures_without_a_source_are_found() -> None:
    a = _answer("甲", ["xm-zjtx-2024/二/（一）/2"], "")
    ok = Answer(**{**_fields(a), "text": "一次性50万元奖励[1]。"})
    bad = Answer(**{**_fields(a), "text": "一次性80万元奖励[1]。"})
    assert numbers_without_source(ok) == []
    assert numbers_without_source(bad) == ["80"]


def _fields(a: Answer) -> dict[str, object]:
    return {f: getattr(a, f) for f in a.__dataclass_fields__}


def test_expiry_order_says_which_document_ends_first() -> None:
    """A validity answer over several documents says in words which ends first, from their stored
    end dates; a document with no end date is said to be not comparable, never guessed."""
    import dataclasses

    from assistant.compose import _expiry_order

    docs = {d.id: d for d in load_corpus(DOCUMENTS_DIR).documents}
    dated = sorted((d for d in docs.values() if d.expires is not None), key=lambda d: d.expires or dt.date.max)
    assert len(dated) >= 2
    early, late = dated[0], dated[-1]
    assert early.expires is not None and late.expires is not None and early.expires < late.expires
    said = _expiry_order([late, early])
    assert said.startswith(f"两者相比，《{early.title}》先到期（{early.expires.year}年{early.expires.month}月{early.expires.day}日）")
    assert f"《{late.title}》" in said
    assert _expiry_order([early]) == ""
    undated = dataclasses.replace(late, id="undated", title="某未载明有效期的文件", expires=None)
    with_undated = _expiry_order([late, early, undated])
    assert "《某未载明有效期的文件》未载明到期日期，无法比较" in with_undated
    same = dataclasses.replace(late, id="same", title="同日文件", expires=early.expires)
    assert "同日到期" in _expiry_order([early, same])


def test_expiry_order_over_three_documents_does_not_say_two() -> None:
    import dataclasses

    from assistant.compose import _expiry_order

    docs = sorted((d for d in load_corpus(DOCUMENTS_DIR).documents if d.expires is not None), key=lambda d: d.expires or dt.date.max)
    undated = dataclasses.replace(docs[-1], id="undated", title="未载明文件", expires=None)
    said = _expiry_order([undated, docs[-1], docs[0]])
    assert not said.startswith("两者相比"), said
    assert said.startswith(f"载明到期日期的两份中，《{docs[0].title}》先到期"), said
