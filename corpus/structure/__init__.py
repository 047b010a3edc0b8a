"""A converted policy text → its metadata and section tree (``structure_text``).

The steps, one module each::

    text ─lines.clean_lines→ lines ─numbering.assemble→ blocks (paragraphs, headings, 问/答)
      ─segment.segment_blocks→ [印发通知] + [前言], numbered tree, [附则N]
      ─metadata→ title, 文号, issuers, dates, validity, region, kind

Blocks are paragraphs rebuilt from wrapped lines: blank lines are ignored (PDF extraction puts
them inside sentences), and a line continues the previous one unless the previous one ends a
sentence or the line itself starts a heading, a 问/答, a date line. Headings are recognised by
the usual numbering schemes (第X章, 第X条, 一、, （一）, 1. / 1、, （1）, ①); a scheme first seen
inside another nests under it, and a number that is not the next in its sequence is taken for
a wrapped line that happens to start with a digit. Nothing here guesses a date the text does
not print.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from typing import TypedDict, Unpack

from corpus.documents import Section, clauses_of
from corpus.errors import CorpusError, IngestError
from corpus.records import DocKind, PolicyDocument
from corpus.structure.lines import clean_lines
from corpus.structure.metadata import detect_region, notice_title, validity_dates
from corpus.structure.numbering import assemble
from corpus.structure.segment import segment_blocks, walk
from corpus.structure.text import squash

__all__ = ["DOC_ID", "Overrides", "structure_text", "walk"]

# Same rule as the loader's (corpus.documents._ID), so a structured file always loads.
DOC_ID = re.compile(r"^[a-z0-9][a-z0-9-]{2,40}$")


class Overrides(TypedDict, total=False):
    """Metadata the caller may set instead of (or where the text gives no) detected value."""

    doc_id: str | None
    title: str | None
    doc_no: str | None
    issuers: tuple[str, ...] | None
    region: str | None
    kind: DocKind | str | None
    issued: dt.date | None
    validity_text: str | None
    effective_from: dt.date | None
    expires: dt.date | None
    notes: str | None


def structure_text(text: str, *, source: str, **overrides: Unpack[Overrides]) -> tuple[PolicyDocument, list[Section]]:
    """Structure a raw policy text: its metadata and section tree, ready for ``dump_document``.

    ``overrides`` set metadata the text does not print or prints ambiguously (``doc_id``,
    ``region``, ``kind``, ``title``, ``issued`` …). Raises IngestError when the text has no
    numbered headings or 问/答 blocks, or when the region cannot be detected and is not given.
    """
    where = source
    if not text.strip():
        raise IngestError(f"{where}: the text is empty; give a file that holds the policy text", message_zh="文件为空。")
    cleaned = clean_lines(text)
    if not any(line.kind == "text" or line.kind == "md" for line in cleaned.lines):
        raise IngestError(f"{where}: nothing but page markers and letterhead; is this the right file?", message_zh="文件中没有正文。")
    first_pass = assemble(cleaned.lines, None, gate_until_title=False)
    title = overrides.get("title") or notice_title(first_pass)
    # Headings are only looked for after the document's own title when the title stands
    # as a line of its own: a cover letter may number its own points.
    gate = title is not None and any(squash(b.text).startswith(squash(title)) and "印发" not in b.text for b in first_pass)
    blocks = assemble(cleaned.lines, title, gate_until_title=gate)
    if gate and not any(b.kind in ("heading", "question") for b in blocks):
        blocks = assemble(cleaned.lines, title, gate_until_title=False)  # the title line never matched
    result = segment_blocks(blocks, cleaned, title, where)
    title = overrides.get("title") or result.title
    if not title:
        raise IngestError(
            f"{where}: cannot find the document's title (no 《…》 in an issuing notice, no title line); pass title=",
            message_zh="未识别到文件标题。",
        )

    doc_no = overrides.get("doc_no") or cleaned.doc_no
    issuers = tuple(overrides.get("issuers") or result.issuers)
    region = overrides.get("region") or detect_region([title, *issuers, *cleaned.letterhead], doc_no)
    if not region:
        raise IngestError(
            f"{where}: cannot tell the region from the title {title!r} or the issuers {list(issuers)!r}; "
            "pass it with --region (e.g. --region 福建省厦门市)",
            message_zh="未识别到政策所属地区，请指定地区。",
        )
    kind_value = overrides.get("kind") or DocKind.POLICY
    try:
        kind = DocKind(kind_value)
    except ValueError as e:
        raise IngestError(f"kind={kind_value!r} must be one of {[k.value for k in DocKind]}", message_zh="文件类型有误。") from e
    doc_id = overrides.get("doc_id") or f"doc-{hashlib.sha1(title.encode('utf-8')).hexdigest()[:8]}"
    if not DOC_ID.match(doc_id):
        raise IngestError(
            f"doc_id={doc_id!r} must be 3-41 characters of [a-z0-9-] starting with a letter or digit, e.g. xm-example-2026",
            message_zh="文件编号格式有误。",
        )

    issued = overrides.get("issued") or result.issued
    validity_text = overrides.get("validity_text") or result.validity_text
    effective_from, expires = validity_dates(validity_text, issued, cleaned.printed_on)
    effective_from = overrides.get("effective_from") or effective_from
    expires = overrides.get("expires") or expires

    notes = overrides.get("notes")
    if notes is None:
        dropped = ", ".join(f"{what} ×{n}" for what, n in sorted(cleaned.dropped.items()))
        parts = [f"Ingested by corpus.ingest from {source}; review the structure and the dates before use."]
        if dropped:
            parts.append(f"Dropped: {dropped}.")
        if cleaned.printed_on:
            parts.append(f"The footer gives the 印发 date {cleaned.printed_on.isoformat()}.")
        parts.extend(f"{n[0].upper()}{n[1:]}." for n in result.notes)
        notes = " ".join(parts)

    document = PolicyDocument(
        id=doc_id,
        title=title,
        doc_no=doc_no,
        issuers=issuers,
        region=region,
        kind=kind,
        issued=issued,
        validity_text=validity_text,
        effective_from=effective_from,
        expires=expires,
        source=source,
        notes=notes,
    )
    try:
        clauses_of(document, result.sections)
    except CorpusError as e:
        raise IngestError(
            f"{where}: the recovered structure is not citable: {e}; fix the numbering in the text",
            message_zh="文件结构有误。",
        ) from e
    return document, result.sections
