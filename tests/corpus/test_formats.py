"""Files in every format governments publish, taken in exactly as they are.

- The raw seeds, and the Word and PDF files LibreOffice made from them
  (``fixtures/make_office_files.py``), reproduce the curated documents of ``corpus/documents/``:
  the same clauses (labels, ids, text) and the same printed metadata.
- Five real government web pages (``fixtures/*.html``, copied unchanged from ``shared/realdocs``)
  give the clauses and metadata of their golden files (``golden/*.json``, checked by hand
  against the pages).
- A scanned PDF without a text layer is refused with a message that says so.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from corpus.convert import convert, convert_bytes
from corpus.documents import clauses_of, load_document
from corpus.errors import IngestError
from corpus.records import Clause, PolicyDocument
from corpus.settings import DOCUMENTS_DIR, RAW_DIR
from corpus.structure import structure

FIXTURES = Path(__file__).parent / "fixtures"
GOLDEN = Path(__file__).parent / "golden"

# (file, curated document, overrides the text cannot supply)
SEED_FILES = [
    (RAW_DIR / "000_6365750914b6be39.txt", "xm-kjfwy-2025.md", {}),
    (RAW_DIR / "001_54f6fdd3a74cea2d.txt", "xm-zjtx-2024.md", {}),
    (RAW_DIR / "003_67f8b1a5c69588a0.txt", "sd-kjfwy-2025.md", {}),
    # 002 prints neither its region nor that it is an interpretation in a way the text decides
    (RAW_DIR / "002_8ffd0d0a52d4a783.txt", "xm-kjcx-jd.md", {"region": "福建省厦门市", "kind": "interpretation"}),
    # 004's two columns put each box's 问/答 before its heading and 政策原文, and the lead last;
    # its only issuer is the title's "市科技局", which names no place
    (RAW_DIR / "004_8d410486aa229f19.txt", "xm-sangao-faq.md", {"region": "福建省厦门市"}),
    (FIXTURES / "seed000.docx", "xm-kjfwy-2025.md", {}),
    (FIXTURES / "seed003.docx", "sd-kjfwy-2025.md", {}),
    (FIXTURES / "seed001.pdf", "xm-zjtx-2024.md", {}),
    (FIXTURES / "seed000-two-columns.pdf", "xm-kjfwy-2025.md", {}),
]
PAGES = sorted(FIXTURES.glob("*.html"))


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _corrected(text: str, document: PolicyDocument) -> str:
    for printed, corrected in document.corrections:
        text = text.replace(printed, corrected)
    return text


def _take_in(path: Path, **overrides: object) -> tuple[PolicyDocument, list[Clause]]:
    document, sections = structure(convert(path), **overrides)  # type: ignore[arg-type]
    return document, clauses_of(document, sections)


@pytest.mark.parametrize(("path", "curated", "overrides"), SEED_FILES, ids=[p.name for p, _, _ in SEED_FILES])
def test_a_seed_in_any_format_reproduces_the_curated_document(path: Path, curated: str, overrides: dict[str, str]) -> None:
    golden, golden_clauses = load_document(DOCUMENTS_DIR / curated)
    document, clauses = _take_in(path, doc_id=golden.id, **overrides)

    assert [c.labels for c in clauses] == [c.labels for c in golden_clauses]
    assert [c.id for c in clauses] == [c.id for c in golden_clauses]
    for ours, theirs in zip(clauses, golden_clauses, strict=True):
        assert _squash(_corrected(ours.text, golden)) == _squash(theirs.text), ours.id
    assert _squash(document.title) == _squash(golden.title)
    assert (document.doc_no, document.region, document.kind) == (golden.doc_no, golden.region, golden.kind)
    assert (document.issued, document.effective_from, document.expires) == (golden.issued, golden.effective_from, golden.expires)
    assert document.validity_text == golden.validity_text


def _summary(document: PolicyDocument, clauses: list[Clause]) -> dict[str, object]:
    return {
        "title": document.title,
        "doc_no": document.doc_no,
        "issuers": list(document.issuers),
        "region": document.region,
        "kind": document.kind.value,
        "issued": document.issued.isoformat() if document.issued else None,
        "validity_text": document.validity_text,
        "effective_from": document.effective_from.isoformat() if document.effective_from else None,
        "expires": document.expires.isoformat() if document.expires else None,
        "clauses": [{"labels": list(c.labels), "title": c.title, "text_start": _squash(c.text)[:24]} for c in clauses],
    }


@pytest.mark.parametrize("page", PAGES, ids=[p.name[:2] for p in PAGES])
def test_a_real_government_page_gives_its_golden_clauses_and_metadata(page: Path) -> None:
    golden = json.loads((GOLDEN / f"{page.stem}.json").read_text(encoding="utf-8"))
    document, clauses = _take_in(page, doc_id="golden-page")
    ours = _summary(document, clauses)

    assert [c["labels"] for c in ours["clauses"]] == [c["labels"] for c in golden["clauses"]]  # type: ignore[index]
    assert ours == golden


@pytest.mark.parametrize("page", PAGES, ids=[p.name[:2] for p in PAGES])
def test_page_furniture_never_reaches_a_clause(page: Path) -> None:
    _, clauses = _take_in(page, doc_id="golden-page")
    text = "".join(c.text for c in clauses)
    for furniture in ("无障碍", "长者助手", "网站地图", "ICP备", "公网安备", "返回顶部", "打印本页", "分享到", "var ", "function("):
        assert furniture not in text


def test_numbers_split_over_inline_elements_stay_in_their_sentence() -> None:
    # page 18 prints every figure in a <span> of its own: "接收见习人员<span>20</span>人以上"
    _, clauses = _take_in(FIXTURES / "18_广州就业见习基地管理办法_穗人社规字2019-6号.html", doc_id="golden-page")
    article = next(c for c in clauses if c.labels[-1] == "第五条")
    assert "接收见习人员20人以上，能按不低于20%的比例录用见习人员" in _squash(article.text)


def test_a_scanned_pdf_without_a_text_layer_is_refused() -> None:
    with pytest.raises(IngestError, match="no text layer") as e:
        convert(FIXTURES / "scanned.pdf")
    assert "扫描件" in e.value.message_zh


@pytest.mark.parametrize(("name", "data"), [("a.pdf", b"%PDF-1.4 not really"), ("a.docx", b"PK\x03\x04 broken"), ("a.doc", b"x")])
def test_a_broken_or_unknown_file_is_refused_with_what_to_do(name: str, data: bytes) -> None:
    with pytest.raises(IngestError) as e:
        convert_bytes(data, name)
    assert e.value.message_zh
