"""Structured policy documents: the Markdown format, its parser and writer, and the loader.

A document file is YAML front matter (the metadata) and a body of headings and paragraphs::

    ---
    id: xm-zjtx-2024
    title: 厦门市支持专精特新企业高质量发展的若干措施
    doc_no: 厦府办规〔2024〕11号
    ...
    ---
    # 二、 具体措施
    ## （六） 助力市场开拓
    ### 15. 支持国内市场开拓
    15.支持国内市场开拓。鼓励企业运用国内贸易信用保险工具……

A heading is ``#``…``####``, a label, a space, and the title. The label is the numbering exactly
as printed (``一、``, ``（一）``, ``1.``, ``第一条``); a label the text does not print is written in
ASCII brackets (``[前言]``, ``[附则1]``, ``[政策原文]``); an unnumbered printed heading (a FAQ
block) is written as ``#`` and the heading alone. Paragraphs under a heading are its text, exactly
as printed. Every heading with text is a citable ``Clause``; a heading with only sub-headings is
a group.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from corpus.errors import CorpusError
from corpus.records import Clause, DocKind, PolicyDocument, citation_label, label_key

# libyaml's parser when installed (the same values, about 5x faster: front matter and rule files
# are read at every start), else PyYAML's own.
YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

__all__ = ["Section", "Corpus", "parse_document", "dump_document", "load_corpus", "iter_clauses", "YAML_LOADER"]

_HEADING = re.compile(r"^(#{1,4}) (.+?)\s*$")
_LABEL = re.compile(
    r"^(?P<label>[一二三四五六七八九十百]+、|（[一二三四五六七八九十百]+）|（\d+）|\d+[.．、]|第[一二三四五六七八九十百零〇\d]+[条章节]|[①-⑳]|附[件表][\d一二三四五六七八九十]*|\[[^\]]+\])\s*(?P<title>.*)$"
)
_CN_TOP_LABEL = re.compile(r"^[一二三四五六七八九十百]+、$")
_REQUIRED = ("id", "title", "region", "kind", "source")
_ID = re.compile(r"^[a-z0-9][a-z0-9-]{2,40}$")


@dataclass(slots=True)
class Section:
    """A heading of a document while it is parsed or ingested (mutable; not a record)."""

    label: str
    title: str
    level: int
    paragraphs: list[str] = field(default_factory=list)
    children: list[Section] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n".join(self.paragraphs)


def _split_front_matter(text: str, where: str) -> tuple[dict[str, object], str]:
    if not text.startswith("---\n"):
        raise CorpusError(f"{where}: a document must start with '---' front matter; add the metadata block")
    end = text.find("\n---\n", 4)
    if end < 0:
        raise CorpusError(f"{where}: front matter is not closed with a '---' line")
    try:
        meta = yaml.load(text[4:end], Loader=YAML_LOADER) or {}
    except yaml.YAMLError as e:
        raise CorpusError(f"{where}: front matter is not valid YAML: {e}") from e
    if not isinstance(meta, dict):
        raise CorpusError(f"{where}: front matter must be a mapping, got {type(meta).__name__}")
    return meta, text[end + 5 :]


def _date(meta: dict[str, object], key: str, where: str) -> dt.date | None:
    value = meta.get(key)
    if value is None:
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError as e:
        raise CorpusError(f"{where}: {key}={value!r} is not a YYYY-MM-DD date") from e


def _document(meta: dict[str, object], where: str) -> PolicyDocument:
    missing = [k for k in _REQUIRED if not meta.get(k)]
    if missing:
        raise CorpusError(f"{where}: front matter lacks {missing!r}; add them")
    doc_id = str(meta["id"])
    if not _ID.match(doc_id):
        raise CorpusError(f"{where}: id={doc_id!r} must be 3-41 characters of [a-z0-9-]")
    try:
        kind = DocKind(str(meta["kind"]))
    except ValueError as e:
        raise CorpusError(f"{where}: kind={meta['kind']!r} must be one of {[k.value for k in DocKind]}") from e
    corrections = tuple((str(c["printed"]), str(c["corrected"])) for c in meta.get("corrections") or [])  # type: ignore[attr-defined]
    return PolicyDocument(
        id=doc_id,
        title=str(meta["title"]),
        doc_no=str(meta["doc_no"]) if meta.get("doc_no") else None,
        issuers=tuple(str(i) for i in meta.get("issuers") or []),  # type: ignore[attr-defined]
        region=str(meta["region"]),
        kind=kind,
        issued=_date(meta, "issued", where),
        validity_text=str(meta["validity_text"]) if meta.get("validity_text") else None,
        effective_from=_date(meta, "effective_from", where),
        expires=_date(meta, "expires", where),
        source=str(meta["source"]),
        notes=str(meta.get("notes") or ""),
        corrections=corrections,
    )


def parse_body(body: str, where: str = "<body>") -> list[Section]:
    """Parse the heading/paragraph body into a section tree."""
    roots: list[Section] = []
    stack: list[Section] = []
    paragraph: list[str] = []

    def flush() -> None:
        if paragraph:
            if not stack:
                raise CorpusError(f"{where}: text {''.join(paragraph)[:30]!r} stands before any heading")
            stack[-1].paragraphs.append("".join(paragraph))
            paragraph.clear()

    for lineno, line in enumerate(body.splitlines(), 1):
        if m := _HEADING.match(line):
            flush()
            level, head = len(m.group(1)), m.group(2)
            if lm := _LABEL.match(head):
                label, title = lm.group("label"), lm.group("title").strip()
            else:
                label, title = head, head
            section = Section(label=label, title=title, level=level)
            while stack and stack[-1].level >= level:
                stack.pop()
            if (stack and level != stack[-1].level + 1) or (not stack and level != 1):
                raise CorpusError(f"{where}:{lineno}: heading {head!r} skips a level; use one more '#' than its parent")
            (stack[-1].children if stack else roots).append(section)
            stack.append(section)
        elif line.strip():
            paragraph.append(line.strip())
        else:
            flush()
    flush()
    return roots


def parse_document(text: str, where: str = "<document>") -> tuple[PolicyDocument, list[Section]]:
    """Parse a structured document file's text into its metadata and section tree."""
    meta, body = _split_front_matter(text, where)
    return _document(meta, where), parse_body(body, where)


def clauses_of(document: PolicyDocument, sections: list[Section]) -> list[Clause]:
    """Every section with text becomes a Clause, its id built from the printed labels."""
    out: list[Clause] = []

    def walk(
        nodes: list[Section], labels: tuple[str, ...], titles: tuple[str, ...], branch: tuple[bool, ...], keys: tuple[str, ...]
    ) -> None:
        seen: set[str] = set()
        # "一、主要目标" is a part, not an article, when a sibling "二、具体措施" has sub-items.
        parts_level = any(n.children for n in nodes if _CN_TOP_LABEL.match(n.label))
        for node in nodes:
            key = label_key(node.label)
            if key in seen:
                raise CorpusError(
                    f"{document.id}: two sibling headings share the id piece {key!r} under {'/'.join(keys)!r}; give them distinct labels"
                )
            seen.add(key)
            path_labels, path_titles = labels + (node.label,), titles + (node.title,)
            path_keys = keys + (key,)
            path_branch = branch + (bool(node.children) or (parts_level and bool(_CN_TOP_LABEL.match(node.label))),)
            if node.paragraphs:
                out.append(
                    Clause(
                        id="/".join((document.id,) + path_keys),
                        document=document,
                        labels=path_labels,
                        titles=path_titles,
                        # a heading that has both text and sub-items is cited as a part
                        label=citation_label(path_labels, path_titles, path_branch),
                        text=node.text,
                        order=len(out),
                    )
                )
            walk(node.children, path_labels, path_titles, path_branch, path_keys)

    walk(sections, (), (), (), ())
    if not out:
        raise CorpusError(f"{document.id}: the document has no text under any heading")
    return out


def _yaml_scalar(value: object) -> str:
    return yaml.safe_dump(value, allow_unicode=True, default_flow_style=True, width=10_000).strip().removesuffix("\n...").strip()


def dump_document(document: PolicyDocument, sections: list[Section]) -> str:
    """Write a document in the structured format (the inverse of ``parse_document``)."""
    meta: dict[str, object] = {
        "id": document.id,
        "title": document.title,
        "doc_no": document.doc_no,
        "issuers": list(document.issuers),
        "region": document.region,
        "kind": document.kind.value,
        "issued": document.issued.isoformat() if document.issued else None,
        "validity_text": document.validity_text,
        "effective_from": document.effective_from.isoformat() if document.effective_from else None,
        "expires": document.expires.isoformat() if document.expires else None,
        "source": document.source,
    }
    if document.notes:
        meta["notes"] = document.notes
    if document.corrections:
        meta["corrections"] = [{"printed": p, "corrected": c} for p, c in document.corrections]
    lines = ["---"] + [f"{k}: {_yaml_scalar(v)}" for k, v in meta.items()] + ["---"]

    def walk(nodes: list[Section]) -> None:
        for node in nodes:
            head = node.label if node.label == node.title else f"{node.label} {node.title}".rstrip()
            lines.append("")
            lines.append(f"{'#' * node.level} {head}")
            for para in node.paragraphs:
                lines.append("")
                lines.append(para)
            walk(node.children)

    walk(sections)
    return "\n".join(lines) + "\n"


@dataclass(frozen=True, slots=True)
class Corpus:
    """All documents and their clauses, in file order."""

    documents: tuple[PolicyDocument, ...]
    clauses: tuple[Clause, ...]

    def document(self, doc_id: str) -> PolicyDocument:
        for d in self.documents:
            if d.id == doc_id:
                return d
        raise CorpusError(f"no document with id {doc_id!r}; known: {[d.id for d in self.documents]}", message_zh="未找到该政策文件。")

    def clause(self, clause_id: str) -> Clause:
        for c in self.clauses:
            if c.id == clause_id:
                return c
        raise CorpusError(f"no clause with id {clause_id!r}", message_zh="未找到该条款。")

    def clauses_of(self, doc_id: str) -> tuple[Clause, ...]:
        return tuple(c for c in self.clauses if c.document.id == doc_id)


def load_document(path: Path) -> tuple[PolicyDocument, list[Clause]]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise CorpusError(f"cannot read document {str(path)!r}: {e}") from e
    document, sections = parse_document(text, where=str(path))
    return document, clauses_of(document, sections)


def load_corpus(directory: Path) -> Corpus:
    """Load every ``*.md`` document of ``directory``; ids must be unique."""
    paths = sorted(directory.glob("*.md"))
    if not paths:
        raise CorpusError(f"no documents (*.md) in {str(directory)!r}; set POLICYQA_DOCUMENTS_DIR or add documents")
    documents: list[PolicyDocument] = []
    clauses: list[Clause] = []
    for path in paths:
        document, doc_clauses = load_document(path)
        if any(d.id == document.id for d in documents):
            raise CorpusError(f"{str(path)!r}: document id {document.id!r} is used twice")
        documents.append(document)
        clauses.extend(doc_clauses)
    return Corpus(tuple(documents), tuple(clauses))


def iter_clauses(corpus: Corpus, doc_ids: Iterable[str] | None = None) -> Iterator[Clause]:
    wanted = set(doc_ids) if doc_ids is not None else None
    return (c for c in corpus.clauses if wanted is None or c.document.id in wanted)
