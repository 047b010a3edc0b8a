"""A PDF with a text layer → its text, without running headers, footers and page numbers.

pdfplumber gives the words with their positions. Per page we:

- read two columns one after the other when the page has a gutter: a vertical band near the
  middle that no word crosses while both sides hold text on most lines;
- drop the lines in the top and bottom bands that are page furniture: a page number
  (``— 5 —``, ``- 5 -``, ``5``, ``第5页``) or a line that repeats on most pages (a running
  header, digits aside).

Lines broken mid-sentence are left as lines: the structurer rejoins wrapped lines for every
format. A PDF without a text layer (a scan) is refused: OCR is out of scope.
"""

from __future__ import annotations

import io
import re
from collections import Counter
from typing import Any

import pdfplumber
from pdfminer.pdfparser import PDFSyntaxError
from pdfplumber.utils.exceptions import PdfminerException

from corpus.convert import Converted
from corpus.errors import IngestError

__all__ = ["convert_pdf"]

_BAND = 0.09  # top and bottom share of the page where headers and footers stand
_PAGE_NUMBER = re.compile(
    r"^(?:[-—–－―~·\s]*\d{1,4}[-—–－―~·\s]*|第\s*\d{1,4}\s*页(?:\s*[，,/]?\s*共\s*\d{1,4}\s*页)?|\d{1,4}\s*/\s*\d{1,4})$"
)
_MIN_CHARS_PER_PAGE = 10


def _rows(words: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """Words grouped into printed lines by their vertical position, each line left to right."""
    rows: list[list[dict[str, Any]]] = []
    for w in sorted(words, key=lambda w: (round(w["top"]), w["x0"])):
        if rows and abs(rows[-1][0]["top"] - w["top"]) <= max(2.0, 0.4 * (w["bottom"] - w["top"])):
            rows[-1].append(w)
        else:
            rows.append([w])
    return [sorted(r, key=lambda w: w["x0"]) for r in rows]


def _line_text(row: list[dict[str, Any]]) -> str:
    out = ""
    for prev, w in zip([None, *row[:-1]], row, strict=True):
        gap = w["x0"] - prev["x1"] if prev is not None else 0
        size = w["bottom"] - w["top"]
        out += (" " if prev is not None and gap > 0.5 * size else "") + w["text"]
    return out.strip()


def _gutter(rows: list[list[dict[str, Any]]], width: float) -> float | None:
    """The x of a column gutter near the middle of the page, when the page has two columns."""
    if len(rows) < 6:
        return None
    for x in sorted((width * f for f in (0.5, 0.48, 0.52, 0.46, 0.54, 0.44, 0.56)), key=lambda v: abs(v - width / 2)):
        crossing = sum(1 for r in rows if any(w["x0"] < x < w["x1"] for w in r))
        left = sum(1 for r in rows if any(w["x1"] <= x for w in r))
        right = sum(1 for r in rows if any(w["x0"] >= x for w in r))
        # a single-column page crosses the middle on most lines; a page of two has a gutter,
        # though its last page may hold only a few lines on the right
        if crossing <= 0.05 * len(rows) and left >= 3 and right >= max(3, 0.2 * len(rows)):
            return x
    return None


def _key(line: str) -> str:
    return re.sub(r"\d+", "#", re.sub(r"\s+", "", line))


def convert_pdf(data: bytes, name: str) -> Converted:
    """The text of every page, columns in reading order, page furniture removed."""
    try:
        pages, two_columns, chars = _read(data)
    except (PDFSyntaxError, PdfminerException, ValueError, TypeError, KeyError) as e:
        raise IngestError(f"{name}: not a readable PDF ({e}); export it again as PDF", message_zh="无法读取该 PDF 文件。") from e
    return _assemble(pages, two_columns, chars, name)


def _read(data: bytes) -> tuple[list[list[tuple[str, bool]]], int, int]:
    pages: list[list[tuple[str, bool]]] = []  # per page: (line, in the header/footer band)
    two_columns = 0
    chars = 0
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        for page in pdf.pages:
            words = page.extract_words(keep_blank_chars=False, use_text_flow=False)
            chars += sum(len(w["text"]) for w in words)
            rows = _rows(words)
            band_top, band_bottom = page.height * _BAND, page.height * (1 - _BAND)
            gutter = _gutter([r for r in rows if band_top < r[0]["top"] < band_bottom], page.width)
            lines: list[tuple[str, bool]] = []

            def in_band(row: list[dict[str, Any]], top: float = band_top, bottom: float = band_bottom) -> bool:
                return bool(row[0]["top"] <= top or row[0]["top"] >= bottom)

            if gutter is not None:
                two_columns += 1
                # a line across the gutter (a running header, a centred page number) stays whole
                spanning = [r for r in rows if any(w["x0"] < gutter < w["x1"] for w in r)]
                split = [r for r in rows if not any(w["x0"] < gutter < w["x1"] for w in r)]
                left = [[w for w in r if w["x1"] <= gutter] for r in split]
                right = [[w for w in r if w["x0"] >= gutter] for r in split]
                mid = page.height / 2
                ordered = (
                    [(r, in_band(r)) for r in spanning if r[0]["top"] < mid]
                    + [(r, in_band(r)) for r in left + right if r]
                    + [(r, in_band(r)) for r in spanning if r[0]["top"] >= mid]
                )
            else:
                ordered = [(r, in_band(r)) for r in rows]
            for row, banded in ordered:
                if text := _line_text(row):
                    lines.append((text, banded))
            pages.append(lines)
    return pages, two_columns, chars


def _assemble(pages: list[list[tuple[str, bool]]], two_columns: int, chars: int, name: str) -> Converted:
    if chars < _MIN_CHARS_PER_PAGE * max(1, len(pages)):
        raise IngestError(
            f"{name}: the PDF has no text layer ({chars} characters on {len(pages)} pages): it is a scan. "
            "OCR is not supported; give the text PDF, the Word file or the web page the government published",
            message_zh="该 PDF 是扫描件（没有文字层），无法识别。请提供文字版 PDF、Word 文件或网页。",
        )
    # A line in a band that repeats on most pages is a running header or footer.
    repeats = Counter(_key(t) for lines in pages for t in {t for t, band in lines if band})
    running = {k for k, n in repeats.items() if len(pages) >= 2 and n >= max(2, 0.6 * len(pages))}
    out: list[str] = []
    dropped = Counter[str]()
    for lines in pages:
        for text, band in lines:
            if band and _PAGE_NUMBER.match(text):
                dropped["page number"] += 1
            elif band and _key(text) in running:
                dropped["running header/footer"] += 1
            else:
                out.append(text)
    notes = [f"dropped {what} ×{n}" for what, n in sorted(dropped.items())]
    if two_columns:
        notes.append(f"{two_columns} pages read as two columns")
    return Converted(text="\n".join(out), format="pdf", source=name, notes=tuple(notes))
