"""Files as governments publish them → plain text for the structurer (one module per format).

``convert(path)`` reads a ``.txt``, ``.md``, ``.html``/``.htm`` (a saved web page), ``.docx`` or
``.pdf`` (with a text layer) and returns a ``Converted``: the document's text, one paragraph or
heading per line, with the page furniture removed (navigation, scripts and footers of a web
page; running headers, footers and page numbers of a PDF), plus what the page prints about the
document outside its body (a web page's 文号 / 成文日期 / 发布机构 box) as ``hints``. The
maintained libraries do the reading (BeautifulSoup + lxml, python-docx, pdfplumber); only the
policy-specific choices are written here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from corpus.errors import IngestError

__all__ = ["SUFFIXES", "Converted", "convert", "convert_bytes"]

SUFFIXES = (".txt", ".md", ".html", ".htm", ".docx", ".pdf")


@dataclass(frozen=True, slots=True)
class Converted:
    """A file's text and what the file says about the document outside its text."""

    text: str  # one paragraph, heading or line per line, as printed
    format: str  # txt | md | html | docx | pdf
    source: str  # the file's name
    title: str | None = None  # the page's or file's own title, when it has one
    hints: tuple[tuple[str, str], ...] = ()  # printed metadata outside the body: ("文号", "穗府办规〔2024〕13号")
    notes: tuple[str, ...] = ()  # what the converter removed or could not read, for the reviewer

    def hint(self, *keys: str) -> str | None:
        """The first printed value under any of ``keys``."""
        for key in keys:
            for k, v in self.hints:
                if k == key and v:
                    return v
        return None


def _reader(suffix: str) -> Callable[[bytes, str], Converted]:
    # Imported on demand: a text file never pays for lxml or pdfminer.
    if suffix in (".txt", ".md"):
        from corpus.convert.text import convert_text

        return convert_text
    if suffix in (".html", ".htm"):
        from corpus.convert.html import convert_html

        return convert_html
    if suffix == ".docx":
        from corpus.convert.docx import convert_docx

        return convert_docx
    if suffix == ".pdf":
        from corpus.convert.pdf import convert_pdf

        return convert_pdf
    raise IngestError(
        f"{suffix!r} files cannot be read; give one of {list(SUFFIXES)!r} (save a .doc as .docx, a web page as .html)",
        message_zh="不支持该文件格式，请上传 txt、md、html、docx 或 pdf 文件。",
    )


def convert_bytes(data: bytes, name: str) -> Converted:
    """Convert a file's bytes; ``name`` (a file name) decides the format by its suffix."""
    reader = _reader(Path(name).suffix.lower())
    if not data.strip():
        raise IngestError(f"{name}: the file is empty; give a file that holds the policy text", message_zh="文件为空。")
    return reader(data, name)


def convert(path: Path) -> Converted:
    """Read and convert one file."""
    _reader(path.suffix.lower())  # refuse an unknown format before reading anything
    try:
        data = path.read_bytes()
    except OSError as e:
        raise IngestError(f"cannot read {str(path)!r}: {e}", message_zh="无法读取文件。") from e
    return convert_bytes(data, path.name)
