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
