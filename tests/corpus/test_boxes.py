"""A 解读 printed in boxes (heading, 政策原文, the 问/答 beside it), in either extraction order."""

from __future__ import annotations

from corpus.documents import clauses_of
from corpus.structure import structure_text

BOX_AFTER = """问：甲补贴怎么申请？
答：向区科技局申请。

甲补贴
政策原文：对企业给予甲补贴，最高10万元。
问：乙奖励谁能拿？
答：市级平台。

问：乙奖励何时兑现？
答：每年二季度。

乙奖励
政策原文：对平台给予乙奖励，最高50万元。
某市出台新政
某市科技局解读科技相关政策

近日，某市出台了若干措施。
"""

BOX_FIRST = """某市科技局解读科技相关政策

甲补贴
政策原文：对企业给予甲补贴，最高10万元。
问：甲补贴怎么申请？
答：向区科技局申请。

乙奖励
政策原文：对平台给予乙奖励，最高50万元。
问：乙奖励谁能拿？
答：市级平台。
"""


def _labels(text: str) -> list[tuple[str, ...]]:
    document, sections = structure_text(text, source="t.txt", doc_id="box-test", region="福建省厦门市")
    assert document.kind.value == "faq"
    return [c.labels for c in clauses_of(document, sections)]


def test_questions_printed_before_their_box_go_under_it_and_the_lead_goes_first() -> None:
    document, sections = structure_text(BOX_AFTER, source="t.txt", doc_id="box-test", region="福建省厦门市")
    clauses = clauses_of(document, sections)
    assert [c.labels for c in clauses] == [
        ("[导语]",),
        ("甲补贴", "[政策原文]"),
        ("甲补贴", "[问答1]"),
        ("乙奖励", "[政策原文]"),
        ("乙奖励", "[问答1]"),
        ("乙奖励", "[问答2]"),
    ]
    assert document.title == "某市科技局解读科技相关政策"
    assert clauses[0].title == "某市出台新政"
    assert clauses[1].text == "对企业给予甲补贴，最高10万元。"
    assert "每年二季度" in clauses[5].text


def test_questions_printed_after_their_box_go_under_it() -> None:
    assert _labels(BOX_FIRST)[-4:] == [
        ("甲补贴", "[政策原文]"),
        ("甲补贴", "[问答1]"),
        ("乙奖励", "[政策原文]"),
        ("乙奖励", "[问答1]"),
    ]
