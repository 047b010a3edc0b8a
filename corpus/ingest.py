"""``policyqa ingest``: a raw .txt / .md policy text → a structured document written for review.

Reading a file is ``corpus.convert``'s; structuring its text is ``corpus.structure``'s. This
module writes the result atomically and checks that what it wrote loads back.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Unpack

from corpus.convert.text import ENCODINGS, decode
from corpus.documents import Section, clauses_of, dump_document, parse_document
from corpus.errors import CorpusError, IngestError
from corpus.records import DocKind, PolicyDocument
from corpus.structure import Overrides, structure_text, walk

__all__ = ["ENCODINGS", "SUFFIXES", "ingest_command", "ingest_file", "ingest_text", "write_ingested"]

SUFFIXES = (".txt", ".md")
ingest_text = structure_text


def _check_path(path: Path) -> None:
    if path.suffix.lower() not in SUFFIXES:
        raise IngestError(
            f"{str(path)!r}: only {list(SUFFIXES)!r} files can be ingested; extract the text to a .txt file first",
            message_zh="仅支持 .txt 或 .md 文本文件。",
        )


def ingest_file(path: Path, *, source: str | None = None, **overrides: Unpack[Overrides]) -> tuple[PolicyDocument, list[Section]]:
    """Read and structure a .txt / .md file (UTF-8, UTF-8 with BOM or GB18030)."""
    _check_path(path)
    try:
        data = path.read_bytes()
    except OSError as e:
        raise IngestError(f"cannot read {str(path)!r}: {e}", message_zh="无法读取文件。") from e
    text = decode(data, str(path))
    return ingest_text(text, source=source or path.name, **overrides)


def _labels_not_read_back(written: list[Section], reloaded: list[Section]) -> list[str]:
    pairs = zip(walk(written), walk(reloaded), strict=False)
    return list(dict.fromkeys(a.label for a, b in pairs if a.label != b.label))


def write_ingested(path: Path, out_dir: Path, *, force: bool = False, **overrides: Unpack[Overrides]) -> Path:
    """Ingest ``path`` and write ``<out_dir>/<doc_id>.md`` for review; returns the file written.

    Writes atomically; refuses to replace an existing file unless ``force``. On any error nothing
    is written.
    """
    document, sections = ingest_file(path, **overrides)
    text = dump_document(document, sections)
    try:  # what a reviewer gets must load as it is
        reloaded = parse_document(text, where=f"{document.id}.md")[1]
        clauses_of(document, reloaded)
    except CorpusError as e:
        raise IngestError(f"{str(path)!r}: the written document would not load: {e}", message_zh="文件结构有误。") from e
    if unread := _labels_not_read_back(sections, reloaded):
        # e.g. 第一章, 1、, （1）: printed numbering the loader's label pattern does not know yet
        notes = f"{document.notes} The loader reads these labels back as part of their heading: {unread!r}."
        text = dump_document(replace(document, notes=notes.strip()), sections)
    target = out_dir / f"{document.id}.md"
    if target.exists() and not force:
        raise IngestError(
            f"{str(target)!r} already exists; review or move it, or pass --force to overwrite it",
            message_zh="目标文件已存在。",
        )
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=out_dir, prefix=f".{document.id}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(text)
                f.flush()
                os.fsync(f.fileno())
            if force:
                os.replace(tmp, target)
            else:
                os.link(tmp, target)  # fails if the file appeared meanwhile: never clobbers
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
    except FileExistsError as e:
        raise IngestError(
            f"{str(target)!r} already exists; review or move it, or pass --force to overwrite it",
            message_zh="目标文件已存在。",
        ) from e
    except OSError as e:
        raise IngestError(f"cannot write {str(target)!r}: {e}", message_zh="无法写入文件。") from e
    return target


def ingest_command(
    path: Path,
    out_dir: Path,
    *,
    doc_id: str | None = None,
    region: str | None = None,
    kind: DocKind | str = DocKind.POLICY,
    force: bool = False,
    title: str | None = None,
) -> Path:
    """``policyqa ingest FILE``: structure FILE and write it under ``out_dir`` for review."""
    return write_ingested(path, out_dir, force=force, doc_id=doc_id, region=region, kind=kind, title=title)
