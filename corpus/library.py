"""The documents directory as a knowledge base: take a file in, list, take one out.

``prepare`` converts and structures a file and says what it found and what a person should
review; ``stage`` checks that the whole directory with the change still loads; ``commit_add``
and ``commit_remove`` make the change with one atomic file operation each (a temporary file
renamed into place, a document moved into ``.removed/``), so a reader of the directory — a
server starting, an index build — sees either the old set of documents or the new one, never
half a file. Nothing here touches the index; ``assistant.knowledge`` orders the steps.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from corpus.convert import convert, convert_bytes
from corpus.documents import Corpus, Section, clauses_of, dump_document, load_corpus, parse_document
from corpus.errors import CorpusError, IngestError
from corpus.records import Clause, PolicyDocument
from corpus.structure import structure

__all__ = ["Prepared", "Finding", "DocumentEntry", "prepare", "stage", "commit_add", "commit_remove", "list_documents", "REMOVED_DIR"]

REMOVED_DIR = ".removed"
REVIEW_KEY = "review"  # front matter: "pending" until a person has checked the document
_MONEY = re.compile(r"(?:最高|不超过|最多|给予|补贴|补助|奖励|资助|贴息)?[^，。；]{0,12}?(\d+(?:\.\d+)?)\s*(亿元|万元|千元|元)")


@dataclass(frozen=True, slots=True)
class Finding:
    """A money provision found by a figure scan: the clause and the figures it prints."""

    clause_id: str
    label: str
    figures: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Prepared:
    """A converted and structured file, ready to be written."""

    document: PolicyDocument
    sections: list[Section] = field(repr=False)
    text: str = field(repr=False)  # the structured Markdown file
    clauses: tuple[Clause, ...] = field(repr=False)
    money: tuple[Finding, ...]
    review: tuple[str, ...]  # what a person should check, in English for the operator


@dataclass(frozen=True, slots=True)
class DocumentEntry:
    """One document of the directory, as ``policyqa docs`` lists it."""

    document: PolicyDocument
    clauses: int
    path: Path
    review: str  # "pending" (added by `policyqa add`, not yet reviewed) or "reviewed"


def _money(clauses: list[Clause]) -> tuple[Finding, ...]:
    out = []
    for c in clauses:
        figures = tuple(dict.fromkeys(f"{m.group(1)}{m.group(2)}" for m in _MONEY.finditer(c.text)))
        if figures:
            out.append(Finding(c.id, c.label, figures))
    return tuple(out)


def _review(document: PolicyDocument, clauses: list[Clause], region_given: bool) -> tuple[str, ...]:
    todo: list[str] = []
    if not region_given:
        todo.append(f"region {document.region!r} was inferred from the issuers/title: confirm it (or pass --region)")
    if document.issued is None:
        todo.append("no issue date is printed: left empty (never guessed)")
    if document.validity_text is None:
        todo.append("no validity sentence found: the document reads as 未载明有效期")
    elif document.expires is None:
        todo.append(f"validity {document.validity_text!r} gives no end date the text prints: expires left empty")
    if not document.issuers:
        todo.append("no issuer found in the letterhead, signature or page: add issuers by hand if the source names them")
    if not document.doc_no:
        todo.append("no 文号 found")
    if any(c.labels[0].startswith("[附则") for c in clauses):
        todo.append("closing provisions were split off as [附则N]: check they are not part of the last measure")
    if len(clauses) < 3:
        todo.append(f"only {len(clauses)} clauses found: check the numbering was recognised")
    return tuple(todo)


def prepare(
    path: Path | None = None,
    *,
    data: bytes | None = None,
    name: str | None = None,
    doc_id: str | None = None,
    region: str | None = None,
) -> Prepared:
    """Convert and structure one file (a path, or ``data`` with its file ``name``)."""
    converted = convert(path) if path is not None else convert_bytes(data or b"", name or "upload.txt")
    overrides: dict[str, str] = {}
    if doc_id:
        overrides["doc_id"] = doc_id
    if region:
        overrides["region"] = region
    document, sections = structure(converted, **overrides)  # type: ignore[arg-type]
    text = dump_document(document, sections)
    try:
        reread, reread_sections = parse_document(text, where=f"{document.id}.md")
        clauses = clauses_of(reread, reread_sections)
    except CorpusError as e:
        raise IngestError(f"{converted.source}: the structured document would not load: {e}", message_zh="文件结构有误。") from e
    text = text.replace("\n---\n", f"\n{REVIEW_KEY}: pending\n---\n", 1)
    return Prepared(document, sections, text, tuple(clauses), _money(clauses), _review(document, clauses, bool(region)))


def _read_review(path: Path) -> str:
    try:
        head = path.read_text(encoding="utf-8").split("\n---\n", 1)[0]
        meta = yaml.safe_load(head.removeprefix("---\n")) or {}
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return "reviewed"
    return str(meta.get(REVIEW_KEY) or "reviewed") if isinstance(meta, dict) else "reviewed"


def list_documents(documents_dir: Path) -> list[DocumentEntry]:
    """Every document of the directory with its clause count and review state."""
    corpus = load_corpus(documents_dir)
    paths = {_doc_id_of(p): p for p in sorted(documents_dir.glob("*.md"))}
    return [
        DocumentEntry(d, len(corpus.clauses_of(d.id)), paths[d.id], _read_review(paths[d.id])) for d in corpus.documents if d.id in paths
    ]


def _doc_id_of(path: Path) -> str:
    try:
        head = path.read_text(encoding="utf-8").split("\n---\n", 1)[0]
        meta = yaml.safe_load(head.removeprefix("---\n")) or {}
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return path.stem
    return str(meta.get("id") or path.stem) if isinstance(meta, dict) else path.stem


def _path_of(documents_dir: Path, doc_id: str) -> Path | None:
    for path in sorted(documents_dir.glob("*.md")):
        if _doc_id_of(path) == doc_id:
            return path
    return None


def stage(documents_dir: Path, *, add: Sequence[Prepared] = (), remove: Sequence[str] = (), replace: bool = False) -> Corpus:
    """The corpus the directory would hold after the change, loaded from a copy; raises when it would not load.

    Adding a document whose id is already there is refused unless ``replace``.
    """
    with tempfile.TemporaryDirectory(prefix=".stage-", dir=documents_dir.parent if documents_dir.parent.exists() else None) as tmp:
        staging = Path(tmp)
        known: set[str] = set()
        for path in sorted(documents_dir.glob("*.md")) if documents_dir.exists() else []:
            doc_id = _doc_id_of(path)
            known.add(doc_id)
            if doc_id in remove or (replace and any(p.document.id == doc_id for p in add)):
                continue
            shutil.copy2(path, staging / path.name)
        for doc_id in remove:
            if doc_id not in known:
                raise CorpusError(
                    f"no document {doc_id!r} in {str(documents_dir)!r}; `policyqa docs` lists them", message_zh="未找到该政策文件。"
                )
        for p in add:
            if p.document.id in known and not replace:
                raise IngestError(
                    f"a document with id {p.document.id!r} is already in {str(documents_dir)!r}; pass --id for a new one, "
                    "or remove the old one first",
                    message_zh="已存在同编号的政策文件。",
                )
            (staging / f"{p.document.id}.md").write_text(p.text, encoding="utf-8")
        return load_corpus(staging)


def _atomic_write(target: Path, text: str) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.stem}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)  # the commit point: readers see the old file set or the new one
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def commit_add(documents_dir: Path, prepared: Prepared, rules_dir: Path | None = None, rules_text: str | None = None) -> Path:
    """Write the document (and its drafted rules first, so a document never stands without them)."""
    if rules_text is not None and rules_dir is not None:
        _atomic_write(rules_dir / f"{prepared.document.id}.yaml", rules_text)
    target = documents_dir / f"{prepared.document.id}.md"
    _atomic_write(target, prepared.text)
    return target


def commit_remove(documents_dir: Path, doc_id: str, rules_dir: Path | None = None) -> Path:
    """Move the document into ``.removed/`` (kept, not deleted); returns where it went."""
    path = _path_of(documents_dir, doc_id)
    if path is None:
        raise CorpusError(f"no document {doc_id!r} in {str(documents_dir)!r}; `policyqa docs` lists them", message_zh="未找到该政策文件。")
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S")
    trash = documents_dir / REMOVED_DIR
    trash.mkdir(exist_ok=True)
    target = trash / f"{path.stem}.{stamp}.md"
    os.replace(path, target)
    if rules_dir is not None and (rules := rules_dir / f"{doc_id}.yaml").exists():
        os.replace(rules, trash / f"{doc_id}.{stamp}.yaml")
    return target
