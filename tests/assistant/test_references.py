"""A question that cites a document's item by number: found when the document has it, and a
plain "no such item" (with what the document does have) when it has not."""

from __future__ import annotations

import pytest

from assistant.references import find_clause_ref, label_number, numbering_summary, resolve_ref
from corpus.documents import load_corpus
from corpus.settings import DOCUMENTS_DIR

CORPUS = load_corpus(DOCUMENTS_DIR)


@pytest.mark.parametrize(
    ("label", "number"),
    [("15.", 15), ("（十）", 10), ("七、", 7), ("第十二条", 12), ("第 1 1 条", 11), ("[附则1]", None), ("[前言]", None)],
)
def test_label_number(label: str, number: int | None) -> None:
    assert label_number(label) == number


@pytest.mark.parametrize(
    ("text", "number", "part"),
    [
        ("第二十条讲的是什么", 20, False),
        ("第7条的补贴", 7, False),
        ("第（十七）条", 17, False),
        ("第二部分", 2, True),
        ("（十）孵化", 10, False),
    ],
)
def test_find_clause_ref(text: str, number: int, part: bool) -> None:
    ref = find_clause_ref(text)
    assert ref is not None and (ref.number, ref.part) == (number, part)


def test_no_reference_in_a_plain_question() -> None:
    assert find_clause_ref("数字化改造能补多少") is None


def test_an_item_the_document_has_resolves_to_it() -> None:
    clauses = CORPUS.clauses_of("xm-zjtx-2024")
    ref = find_clause_ref("第七条")
    assert ref is not None
    (found,) = resolve_ref(ref, clauses)
    assert found.labels[-1] == "7." and "数字化" in found.text


def test_an_item_beyond_the_numbering_is_not_found_and_the_numbering_is_told() -> None:
    doc = CORPUS.document("xm-zjtx-2024")
    clauses = CORPUS.clauses_of(doc.id)
    ref = find_clause_ref("第二十条")
    assert ref is not None and resolve_ref(ref, clauses) == []
    summary = numbering_summary(doc, clauses)
    assert "1至15" in summary and doc.title in summary


def test_paren_items_of_a_document_numbered_that_way() -> None:
    clauses = CORPUS.clauses_of("sd-kjfwy-2025")
    ref = find_clause_ref("第十条")
    assert ref is not None
    (found,) = resolve_ref(ref, clauses)
    assert found.labels[-1] == "（十）"
    assert resolve_ref(find_clause_ref("第十七条"), clauses) == []  # type: ignore[arg-type]


def test_a_closing_provision_is_found_by_its_own_number_and_one_beyond_is_not() -> None:
    doc = CORPUS.document("xm-kjfwy-2025")
    clauses = CORPUS.clauses_of(doc.id)
    annexes = sorted({c.labels[0] for c in clauses if c.labels[0].startswith("[附则")})
    last = len(annexes)
    ref = find_clause_ref(f"附则第{last}条是什么意思")
    assert ref is not None and ref.annex and ref.number == last
    (found,) = resolve_ref(ref, clauses)
    assert found.labels[0] == f"[附则{last}]"
    beyond = find_clause_ref(f"附则{last + 2}里写了啥")
    assert beyond is not None and beyond.annex and resolve_ref(beyond, clauses) == []
    assert f"附则1至附则{last}" in numbering_summary(doc, clauses)


def test_an_item_named_inside_a_part_is_sought_in_that_part_only() -> None:
    clauses = CORPUS.clauses_of("xm-zjtx-2024")
    ref = find_clause_ref("第二部分第（三）项讲什么")
    assert ref is not None and not ref.part and ref.within == 2 and ref.number == 3
    found = resolve_ref(ref, clauses)
    assert found and all(c.labels[0] == "二、" and c.labels[1] == "（三）" for c in found)
    # a part with fewer parenthesised items than asked: nothing, not the measure numbered so
    parens = {c.labels[1] for c in clauses if c.labels[0] == "二、" and len(c.labels) > 1}
    missing = find_clause_ref(f"第二部分（{'十' if len(parens) < 10 else '二十'}）")
    assert missing is not None and missing.within == 2 and resolve_ref(missing, clauses) == []


def test_a_part_and_a_later_unrelated_item_stay_one_part_reference() -> None:
    ref = find_clause_ref("第二部分讲了很多，另外第7条呢")
    assert ref is not None and ref.part and ref.number == 2
