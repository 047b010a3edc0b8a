"""Plain text and Markdown files: bytes decoded (UTF-8, UTF-8 with BOM, GB18030), binary refused."""

from __future__ import annotations

from corpus.convert import Converted
from corpus.errors import IngestError

__all__ = ["ENCODINGS", "convert_text", "decode"]

ENCODINGS = ("utf-8", "utf-8-sig", "gb18030")  # tried in this order


def decode(data: bytes, where: str) -> str:
    if not data.strip():
        raise IngestError(f"{where}: the file is empty; give a file that holds the policy text", message_zh="文件为空。")
    if b"\x00" in data:
        raise IngestError(
            f"{where}: the file holds NUL bytes, so it is binary (or UTF-16), not text; extract the text first and save it as UTF-8 .txt",
            message_zh="文件不是文本文件，请先提取文字并保存为 UTF-8 文本。",
        )
    for encoding in ENCODINGS:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        break
    else:
        raise IngestError(
            f"{where}: the bytes are not valid in any of the encodings tried {list(ENCODINGS)!r}; convert the file to UTF-8",
            message_zh="无法识别文件编码，请将文件转换为 UTF-8 编码。",
        )
    text = text.removeprefix("\ufeff")
    controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\t\n\r\f\v")
    if controls > max(2, len(text) // 200):
        raise IngestError(
            f"{where}: {controls} control characters in the decoded text: it is binary, not text; "
            "extract the text first and save it as UTF-8 .txt",
            message_zh="文件不是文本文件，请先提取文字并保存为 UTF-8 文本。",
        )
    return text


def convert_text(data: bytes, name: str) -> Converted:
    """A ``.txt`` or ``.md`` file: its decoded text as it stands (Markdown headings are kept)."""
    fmt = "md" if name.lower().endswith(".md") else "txt"
    return Converted(text=decode(data, name), format=fmt, source=name)
