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

from corpus.convert import Converted
from corpus.documents import Section, clauses_of
from corpus.errors import CorpusError, IngestError
from corpus.records import DocKind, PolicyDocument
from corpus.structure.boxes import box_sections
from corpus.structure.lines import ORG, clean_lines, normalise_doc_no
from corpus.structure.metadata import notice_title, validity_dates
from corpus.structure.numbering import SERVICE_SECTIONS, assemble
from corpus.structure.region import detect_region
from corpus.structure.segment import boxed_result, segment_blocks, walk
from corpus.structure.text import printed_date, squash

__all__ = ["DOC_ID", "Overrides", "infer_kind", "structure", "structure_text", "walk"]

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


def structure(converted: Converted, **overrides: Unpack[Overrides]) -> tuple[PolicyDocument, list[Section]]:
    """Structure a converted file: its text, with what the file prints outside it as fallbacks."""
    return structure_text(converted.text, source=converted.source, hints=converted, **overrides)


def _issuer_names(value: str | None) -> list[str]:
    """ "市人力资源社会保障局  市劳动就业服务管理中心" → two names; "…官网" is a site, not an issuer."""
    names = [re.sub(r"(?:官网|官方网站|网站)$", "", n) for n in (value or "").split()]
    return [n for n in names if ORG.match(n)]


def infer_kind(title: str, sections: list[Section]) -> DocKind:
    """policy / interpretation / FAQ / service guide, from the title and the shape of the clauses."""
    nodes = [n for n in walk(sections) if n.paragraphs]  # the clauses: a heading over 问/答 is none
    questions = sum(1 for n in nodes if n.label.startswith("[问答") or n.title.endswith(("？", "?")))
    # a service section is a clause of its own, or a paragraph of its measure ("补贴标准：10000元。")
    services = sum(1 for n in nodes if n.label in SERVICE_SECTIONS) + sum(
        1 for n in nodes for p in n.paragraphs if re.match(r"^(?:" + "|".join(SERVICE_SECTIONS) + r")\s*[：:]", p)
    )
    if re.search(r"问答|常见问题|答疑|解答|百问", title) or questions >= max(2, len(nodes) // 2):
        return DocKind.FAQ
    if re.search(r"办事指南|服务指南|申办指南|办理指南", title) or services >= 2:
        return DocKind.SERVICE
    if "解读" in title:
        return DocKind.INTERPRETATION
    return DocKind.POLICY


def structure_text(
    text: str, *, source: str, hints: Converted | None = None, **overrides: Unpack[Overrides]
) -> tuple[PolicyDocument, list[Section]]:
    """Structure a raw policy text: its metadata and section tree, ready for ``dump_document``.

    ``hints`` is the converted file, whose printed metadata outside the text (a web page's
    文号 / 成文日期 / 实施日期 / 失效日期 / 发布机构 box) fills what the text does not print.
    ``overrides`` set metadata the text does not print or prints ambiguously (``doc_id``,
    ``region``, ``kind``, ``title``, ``issued`` …). Raises IngestError when the text has no
    numbered headings or 问/答 blocks, or when the region cannot be detected and is not given.
    """
    where = source
    hint = hints.hint if hints is not None else (lambda *keys: None)
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
    if (boxed := box_sections(blocks)) is not None:  # a 解读 page printed in boxes (see boxes.py)
        result = boxed_result(boxed)
    else:
        result = segment_blocks(blocks, cleaned, title, where)
    title = overrides.get("title") or result.title or (hints.title if hints is not None else None)
    if not title:
        raise IngestError(
            f"{where}: cannot find the document's title (no 《…》 in an issuing notice, no title line); "
            "pass it with --title, e.g. --title '关于……的若干措施'",
            message_zh="未识别到文件标题。",
        )
    found: list[str] = []  # where a value came from, when not from the text itself

    doc_no = overrides.get("doc_no") or cleaned.doc_no
    if not doc_no and (printed := hint("文号")):
        doc_no = normalise_doc_no(printed)
        found.append(f"文号 from the page's information box {printed!r}")
    promulgated_on, promulgator = cleaned.promulgated or (None, None)
    issuers = list(overrides.get("issuers") or result.issuers or ([promulgator] if promulgator else []))
    if not issuers:
        for key in ("发布机构", "来源"):
            if printed_names := _issuer_names(hint(key)):
                issuers = printed_names
                found.append(f"issuers from the page's {key} {hint(key)!r}")
                break
    candidates: list[str | None] = [*issuers, *cleaned.letterhead, title, hint("发布机构"), hint("来源"), hint("主办")]
    region = overrides.get("region") or detect_region(candidates, doc_no)
    if not region:
        raise IngestError(
            f"{where}: cannot tell the region from the title {title!r} or the issuers {issuers!r}; "
            "pass it with --region (e.g. --region 福建省厦门市)",
            message_zh="未识别到政策所属地区，请指定地区。",
        )
    kind_value = overrides.get("kind") or infer_kind(title, result.sections)
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

    issued = overrides.get("issued") or result.issued or promulgated_on
    for key in ("成文日期", "发布日期"):
        if issued is None and (day := printed_date(hint(key))):
            issued = day
            found.append(f"issued from the page's {key} {hint(key)!r}")
    validity_text = overrides.get("validity_text") or result.validity_text
    printed_start, printed_end = printed_date(hint("实施日期")), printed_date(hint("失效日期"))
    effective_from, expires = validity_dates(validity_text, issued, cleaned.printed_on, printed_start)
    if printed_start:
        found.append(f"effective_from from the page's 实施日期 {hint('实施日期')!r}")
    if printed_end:
        if expires and expires != printed_end:
            found.append(
                f"the page's 失效日期 {hint('失效日期')!r} differs from {expires.isoformat()} computed from the text; the page's is kept"
            )
        else:
            found.append(f"expires from the page's 失效日期 {hint('失效日期')!r}")
        expires = printed_end
    effective_from = overrides.get("effective_from") or effective_from
    expires = overrides.get("expires") or expires

    notes = overrides.get("notes")
    if notes is None:
        dropped = ", ".join(f"{what} ×{n}" for what, n in sorted(cleaned.dropped.items()))
        parts = [f"Ingested by corpus.structure from {source}; review the structure and the dates before use."]
        if hints is not None:
            parts.extend(f"{n[0].upper()}{n[1:]}." for n in hints.notes)
        if dropped:
            parts.append(f"Dropped: {dropped}.")
        if cleaned.printed_on:
            parts.append(f"The footer gives the 印发 date {cleaned.printed_on.isoformat()}.")
        parts.extend(f"{n[0].upper()}{n[1:]}." for n in [*result.notes, *found])
        notes = " ".join(parts)

    document = PolicyDocument(
        id=doc_id,
        title=title,
        doc_no=doc_no,
        issuers=tuple(issuers),
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
