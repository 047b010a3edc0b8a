"""Every clause of the curated corpus is text printed in its raw source file.

The cleaned documents may only join broken lines, drop page markers, stray page numbers and
Markdown bold markers, and fix the typos recorded in a document's ``corrections``. So every
sentence of every clause, with whitespace removed and the recorded corrections undone, must
occur in the whitespace-stripped raw text. A paraphrase, an added word or an unrecorded fix
fails here.
"""

from __future__ import annotations

import re
from functools import cache

import pytest

from corpus.documents import load_corpus
from corpus.records import Clause, PolicyDocument
from corpus.settings import DOCUMENTS_DIR, RAW_DIR

CORPUS = load_corpus(DOCUMENTS_DIR)

# "— 5 —" page markers and page numbers standing alone on a line ("1", "12" in 004).
_PAGE_LINE = re.compile(r"^\s*(?:[—-]+\s*\d+\s*[—-]+|\d{1,3})\s*$")
_SENTENCE_END = re.compile(r"[。！？；\n]")
_WHITESPACE = re.compile(r"\s+")


def _strip(text: str) -> str:
    return _WHITESPACE.sub("", text)


@cache
def raw_text(source: str) -> str:
    """The raw file without page markers, page-number lines and ``**``, whitespace removed."""
    lines = (RAW_DIR / source).read_text(encoding="utf-8").splitlines()
    kept = [line for line in lines if not _PAGE_LINE.match(line)]
    return _strip("".join(kept).replace("**", ""))


def printed_pattern(sentence: str, document: PolicyDocument) -> re.Pattern[str]:
    """A pattern for ``sentence`` as printed: each corrected form may stand in its printed form.

    Undoing a correction with a plain replace would also "un-correct" the places where the
    source prints the word correctly (004 prints 公共技术服务平台 correctly several times and
    公共术服务平台 once, sometimes in the same sentence), so each occurrence may match either.
    """
    if not document.corrections:
        return re.compile(re.escape(sentence))
    alternatives = {corrected: printed for printed, corrected in document.corrections}
    splitter = re.compile("(" + "|".join(map(re.escape, sorted(alternatives, key=len, reverse=True))) + ")")
    pieces = []
    for piece in splitter.split(sentence):
        if piece in alternatives:
            pieces.append(f"(?:{re.escape(piece)}|{re.escape(alternatives[piece])})")
        else:
            pieces.append(re.escape(piece))
    return re.compile("".join(pieces))


def sentences(clause: Clause) -> list[str]:
    return [s for s in (_strip(part) for part in _SENTENCE_END.split(clause.text)) if s]


@pytest.mark.parametrize("clause", CORPUS.clauses, ids=[c.id for c in CORPUS.clauses])
def test_every_sentence_of_a_clause_is_printed_in_its_source(clause: Clause) -> None:
    raw = raw_text(clause.document.source)
    missing = [s for s in sentences(clause) if not printed_pattern(s, clause.document).search(raw)]
    assert not missing, f"{clause.id}: not printed in {clause.document.source}: {missing!r}"


@pytest.mark.parametrize("clause", CORPUS.clauses, ids=[c.id for c in CORPUS.clauses])
def test_printed_headings_of_a_clause_occur_in_its_source(clause: Clause) -> None:
    """Printed labels and titles (一、培育…, （六）助力市场开拓, FAQ headings) are the source's own."""
    raw = raw_text(clause.document.source)
    for label, title in zip(clause.labels, clause.titles, strict=True):
        heading = title if label.startswith("[") else (label if label == title else label + title)
        if heading:
            assert printed_pattern(_strip(heading), clause.document).search(raw), f"{clause.id}: heading {heading!r} is not printed"


# Raw lines (whitespace removed) deliberately left out of the cleaned copy: letterheads,
# signature blocks, dates under signatures, "（此件主动公开）" and distribution footers. Their
# content is metadata (title, 文号, issuers, dates in notes), not clause text.
OMITTED = {
    "000_6365750914b6be39.txt": {
        "文件",
        "---",
        "厦门市科学技术局厦门市工业和信息化局",
        "厦门市住房和建设局厦门市财政局关于印发",
        "若干措施（试行）》的通知",
        "2025年12月9日",
        "（此件主动公开）",
    },
    "001_54f6fdd3a74cea2d.txt": {
        "关于印发厦门市支持专精特新企业",
        "高质量发展的若干措施的通知",
        "2024年9月11日",
        "（此件主动公开）",
        "有关单位：市委组织部、金融办，厦门海关、厦门金融监管局、厦门",
        "证监局。",
        "厦门市人民政府办公厅2024年9月12日印发",
    },
    "003_67f8b1a5c69588a0.txt": {"关于印发《关于支持科技服务业高质量发展的若干措施》的通知"},
}


def _raw_lines(source: str) -> list[str]:
    lines = (RAW_DIR / source).read_text(encoding="utf-8").splitlines()
    stripped = (_strip(line.replace("**", "")).lstrip("#") for line in lines if not _PAGE_LINE.match(line))
    # the FAQ's "政策原文：" prefix is carried by the [政策原文] label
    return [line.removeprefix("政策原文：") for line in stripped if line]


@pytest.mark.parametrize("document", CORPUS.documents, ids=[d.id for d in CORPUS.documents])
def test_nothing_printed_is_dropped(document: PolicyDocument) -> None:
    """Every raw line is in the cleaned copy (clause text, a heading or the metadata) or listed as omitted."""
    parts = [document.title, document.doc_no or "", *document.issuers]
    for clause in CORPUS.clauses_of(document.id):
        parts.append(clause.text)
        parts.extend(label if label == title else label + title for label, title in zip(clause.labels, clause.titles, strict=True))
    cleaned = _strip("\n".join(parts))
    as_printed = cleaned
    for printed, corrected in document.corrections:
        as_printed = as_printed.replace(corrected, printed)
    omitted = OMITTED.get(document.source, set())
    raw = _raw_lines(document.source)
    assert omitted <= set(raw), f"OMITTED lists lines not in {document.source}: {omitted - set(raw)!r}"
    dropped = [line for line in raw if line not in omitted and line not in cleaned and line not in as_printed]
    assert not dropped, f"{document.id}: raw lines missing from the cleaned copy: {dropped!r}"


def test_cleaning_removed_page_markers_and_page_numbers() -> None:
    texts = "\n".join(c.text for c in CORPUS.clauses)
    assert "— 5 —" not in texts
    assert "**" not in texts
    assert not any(_PAGE_LINE.match(p) for c in CORPUS.clauses for p in c.text.split("\n"))


_CORRECTIONS = [(d, printed, corrected) for d in CORPUS.documents for printed, corrected in d.corrections]


@pytest.mark.parametrize(("document", "printed", "corrected"), _CORRECTIONS, ids=[f"{d.id}:{p}" for d, p, _ in _CORRECTIONS])
def test_a_correction_fixes_a_typo_that_is_really_printed(document: PolicyDocument, printed: str, corrected: str) -> None:
    cleaned = _strip("".join(c.text for c in CORPUS.clauses_of(document.id)))
    assert printed in raw_text(document.source), f"{printed!r} is not in {document.source}; drop the correction"
    assert corrected in cleaned, f"{document.id}: the corrected form {corrected!r} is not in the cleaned text"
    assert printed not in cleaned, f"{document.id}: the typo {printed!r} is still in the cleaned text"


def test_the_known_typos_are_recorded() -> None:
    faq = CORPUS.document("xm-sangao-faq")
    assert set(faq.corrections) == {("应缴巳缴", "应缴已缴"), ("公共术服务平台", "公共技术服务平台")}
    assert all(not d.corrections for d in CORPUS.documents if d.id != "xm-sangao-faq")


def test_printed_pattern_rejects_an_unrecorded_change() -> None:
    """The check itself can fail: a word the source does not print is not found."""
    faq = CORPUS.document("xm-sangao-faq")
    raw = raw_text(faq.source)
    assert printed_pattern("按其应缴已缴增值税地方留成部分的60%给予补助", faq).search(raw)
    assert not printed_pattern("按其应缴未缴增值税地方留成部分的60%给予补助", faq).search(raw)
    assert not printed_pattern("按其应缴已缴增值税地方留成部分的70%给予补助", faq).search(raw)
