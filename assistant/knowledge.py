"""Managing the knowledge base: add, remove and re-index documents without interrupting answers.

Every update runs the same steps, and the previous state keeps serving until the last one:

1. **prepare** — convert and structure the files (``corpus.library.prepare``), draft their money
   rules (the calculator's ``draft_rules`` hook, skipped while it does not exist);
2. **stage** — load the whole documents directory as it would be after the change, from a copy;
3. **embed** — a new ``ClauseIndex`` over the staged corpus upserts only new or changed pieces into
   the same Chroma collection and deletes nothing (``build(prune=False)``): the serving index only
   ever reads the pieces of its own clauses, so it does not see them;
4. **commit** — one atomic file operation in the documents directory (a renamed temporary file, a
   move into ``.removed/``);
5. **swap** — the serving assistant takes the new index under the app's answer lock (no answer
   runs half on the old corpus and half on the new);
6. **prune** — the pieces no document has any more are deleted.

A failure or a kill before step 4 leaves the directory and the serving state as they were (the
extra pieces of step 3 belong to no clause and are pruned by the next build); after step 4 a
restarted server loads the new directory. One update runs at a time.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from langchain_core.embeddings import Embeddings

from corpus.documents import Corpus, load_corpus
from corpus.errors import PolicyQAError
from corpus.library import Prepared, commit_add, commit_remove, prepare, stage
from corpus.records import Clause, PolicyDocument
from corpus.settings import Settings
from index import BuildSummary, ClauseIndex, load_embeddings, open_index

__all__ = ["KnowledgeBase", "UpdateReport", "UpdateBusyError", "draft_rules_for"]


class UpdateBusyError(PolicyQAError):
    """Another knowledge-base update is running."""

    message_zh = "另一项知识库更新正在进行，请稍后再试。"


@dataclass(frozen=True, slots=True)
class UpdateReport:
    """What an update did."""

    added: tuple[Prepared, ...]
    removed: tuple[str, ...]
    written: tuple[Path, ...]
    rules: tuple[str, ...]  # per added document: what the rule drafting did
    summary: BuildSummary
    pruned: int
    seconds: float


def draft_rules_for(document: PolicyDocument, clauses: Sequence[Clause]) -> tuple[str | None, str]:
    """The document's money rules drafted from its text (``assistant.calculator.draft``), as the
    YAML written to ``<rules_dir>/<doc_id>.yaml`` for review (``reviewed: false``).
    Returns (YAML text or None when there is nothing to draft, what happened)."""
    from assistant.calculator.draft import draft_document, to_yaml_data

    report = draft_document(document, tuple(clauses))
    if not report.rules:
        return None, "no money provision to draft a rule for"
    text = yaml.safe_dump(to_yaml_data(report), allow_unicode=True, sort_keys=False)
    return text, f"{len(report.rules)} money rule(s) drafted (reviewed: false): review them against their source_span"


class KnowledgeBase:
    """The documents directory and the index over it; optionally the assistant serving from them."""

    def __init__(
        self,
        settings: Settings,
        *,
        embeddings: Embeddings | None = None,
        client: Any | None = None,
        serving: Any | None = None,
        answer_lock: threading.Lock | None = None,
    ) -> None:
        """``serving``: the running ``Assistant`` to swap the new index into, under ``answer_lock``."""
        self.settings = settings
        self.serving = serving
        self.answer_lock = answer_lock or threading.Lock()
        current = serving.index if serving is not None else None
        self._embeddings = embeddings if embeddings is not None else (current.embeddings if current is not None else None)
        self._client = client if client is not None else (current.client if current is not None else None)
        self._model_name = current.model_name if current is not None else None
        self._update = threading.Lock()

    @property
    def documents_dir(self) -> Path:
        return self.settings.documents_dir

    @contextlib.contextmanager
    def _one_at_a_time(self, wait: float) -> Iterator[None]:
        if not self._update.acquire(timeout=wait):
            raise UpdateBusyError(f"another knowledge-base update has been running for over {wait:.0f}s; retry when it has finished")
        try:
            yield
        finally:
            self._update.release()

    def _index(self, corpus: Corpus) -> ClauseIndex:
        if self._embeddings is None:  # the command line: the configured model, loaded on first use
            self._embeddings = load_embeddings(self.settings)
        idx = open_index(self.settings, corpus=corpus, embeddings=self._embeddings, client=self._client, model_name=self._model_name)
        self._client = idx.client
        return idx

    def _apply(self, corpus: Corpus, commit: Any) -> tuple[tuple[Path, ...], BuildSummary, int]:
        new = self._index(corpus)
        summary = new.build(prune=False)  # embed: the serving index does not see the new pieces
        written = commit()  # the commit point
        if self.serving is not None:
            with self.answer_lock:
                self.serving.use_index(new)
        return written, summary, len(new.prune())

    def add(self, paths: Sequence[Path] = (), *, uploads: Sequence[tuple[str, bytes]] = (), region: str | None = None,
            doc_id: str | None = None, replace: bool = False, wait: float = 600.0) -> UpdateReport:  # fmt: skip
        """Take files in (paths, or uploaded (name, bytes)); ``doc_id`` only for a single file."""
        start = time.perf_counter()
        count = len(paths) + len(uploads)
        if doc_id and count != 1:
            raise PolicyQAError(f"--id names one document, but {count} files were given; add them one by one to name each")
        prepared = [prepare(p, doc_id=doc_id, region=region) for p in paths]
        prepared += [prepare(data=data, name=name, doc_id=doc_id, region=region) for name, data in uploads]
        ids = [p.document.id for p in prepared]
        if len(set(ids)) != len(ids):
            raise PolicyQAError(f"two of the files give the same document id {ids!r}; add them one by one with --id")
        drafts = [draft_rules_for(p.document, p.clauses) for p in prepared]
        with self._one_at_a_time(wait):
            corpus = stage(self.documents_dir, add=prepared, replace=replace)

            def commit() -> tuple[Path, ...]:
                return tuple(
                    commit_add(self.documents_dir, p, self.settings.rules_dir, text) for p, (text, _) in zip(prepared, drafts, strict=True)
                )

            written, summary, pruned = self._apply(corpus, commit)
        return UpdateReport(tuple(prepared), (), written, tuple(what for _, what in drafts), summary, pruned, time.perf_counter() - start)

    def remove(self, doc_id: str, *, wait: float = 600.0) -> UpdateReport:
        """Take a document out of the answers and the index (its file is kept in ``.removed/``)."""
        start = time.perf_counter()
        with self._one_at_a_time(wait):
            corpus = stage(self.documents_dir, remove=[doc_id])
            written, summary, pruned = self._apply(corpus, lambda: (commit_remove(self.documents_dir, doc_id, self.settings.rules_dir),))
        return UpdateReport((), (doc_id,), written, (), summary, pruned, time.perf_counter() - start)

    def reindex(self, *, wait: float = 600.0) -> UpdateReport:
        """Rebuild the index from the documents directory as it is, and serve it."""
        start = time.perf_counter()
        with self._one_at_a_time(wait):
            written, summary, pruned = self._apply(load_corpus(self.documents_dir), tuple)
        return UpdateReport((), (), written, (), summary, pruned, time.perf_counter() - start)
