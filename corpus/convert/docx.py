"""A Word file (.docx) → its text: the body's paragraphs and tables in order (python-docx).

Running headers and footers live outside the body in a .docx, so they never reach the text.
A table row becomes one line, its cells separated by a space. Word's automatic list numbering
is not part of a paragraph's text: a paragraph numbered that way is flagged for review.
"""

from __future__ import annotations

import io
import zipfile

import docx
from docx.oxml.ns import qn
from docx.table import Table
from docx.text.paragraph import Paragraph

from corpus.convert import Converted
from corpus.errors import IngestError

__all__ = ["convert_docx"]


def convert_docx(data: bytes, name: str) -> Converted:
    """The paragraphs and table rows of the document body, in order."""
    try:
        document = docx.Document(io.BytesIO(data))
    except (zipfile.BadZipFile, KeyError, ValueError) as e:
        raise IngestError(
            f"{name}: not a readable .docx ({e}); save it again from Word or LibreOffice as .docx (a .doc must be converted)",
            message_zh="无法读取该 Word 文件，请另存为 .docx 后重试。",
        ) from e
    lines: list[str] = []
    auto_numbered = 0
    for child in document.element.body.iterchildren():
        if child.tag == qn("w:p"):
            paragraph = Paragraph(child, document)
            if paragraph.text.strip():
                lines.append(paragraph.text.strip())
                ppr = child.pPr
                if ppr is not None and ppr.numPr is not None:
                    auto_numbered += 1
        elif child.tag == qn("w:tbl"):
            for row in Table(child, document).rows:
                cells = list(dict.fromkeys(c.text.strip() for c in row.cells if c.text.strip()))  # merged cells repeat
                if cells:
                    lines.append(" ".join(cells))
    if not lines:
        raise IngestError(f"{name}: the Word file holds no text", message_zh="Word 文件中没有文字。")
    notes: list[str] = []
    if auto_numbered:
        notes.append(f"{auto_numbered} paragraphs use Word's automatic numbering, which is not in their text: check their labels")
    title = (document.core_properties.title or "").strip() or None
    return Converted(text="\n".join(lines), format="docx", source=name, title=title, notes=tuple(notes))
