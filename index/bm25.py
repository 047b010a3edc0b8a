"""Okapi BM25 over jieba tokens, the keyword half of the hybrid index, on the bm25s library.

Enterprise questions reuse policy terms (专精特新, 贴息, 研发费用), so exact-term matching is
strong here. bm25s keeps the scores in a sparse matrix, so a query costs the postings of its
terms, not a pass over every clause; the index is saved under a key that covers the corpus
text, the tokenizer and the parameters, so a start reuses it and a changed corpus rebuilds it.

The scores are those of the hand-written Okapi BM25 this replaced (k1 1.5, b 0.75, idf
``log(1 + (n - df + 0.5) / (df + 0.5))``): bm25s' "lucene" variant omits the constant factor
``k1 + 1``, which :meth:`BM25.scores` puts back.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import math
import os
import shutil
import tempfile
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from index.text import tokenize, tokenizer_fingerprint

__all__ = ["BM25", "corpus_key"]

_FORMAT = "bm25s-1"  # bump when what is saved changes: it renames the saved folder
_IDS = "ids.json"


def corpus_key(items: Sequence[tuple[str, str]], k1: float, b: float) -> str:
    """A digest of everything the saved index depends on."""
    digest = hashlib.sha256()
    digest.update(f"{_FORMAT}|{importlib.metadata.version('bm25s')}|{k1}|{b}|{tokenizer_fingerprint()}".encode())
    for key, text in items:
        digest.update(f"\0{key}\0{text}".encode())
    return digest.hexdigest()[:16]


class BM25:
    """BM25 with the usual k1/b; keys are clause ids. Thread-safe for queries.

    With ``directory`` the index is loaded from ``directory/<corpus key>`` when saved there, else
    built and saved there (older keys are removed)."""

    def __init__(self, items: Sequence[tuple[str, str]], *, k1: float = 1.5, b: float = 0.75, directory: Path | None = None) -> None:
        import bm25s  # scipy: only when a keyword index is opened

        self.k1, self.b = k1, b
        self.keys = [key for key, _ in items]
        self.key = corpus_key(items, k1, b)
        self.loaded = False
        folder = directory / self.key if directory is not None else None
        retriever = None
        if folder is not None and (folder / _IDS).is_file():
            try:
                if json.loads((folder / _IDS).read_text(encoding="utf-8")) == self.keys:
                    retriever = bm25s.BM25.load(str(folder), show_progress=False)
                    self.loaded = True
            except (OSError, ValueError, KeyError):
                retriever = None  # a damaged save: removed, rebuilt and saved again below
                shutil.rmtree(folder, ignore_errors=True)
        if retriever is None:
            # float64: the scores, and so the order of near ties, are those of the pure-Python Okapi.
            retriever = bm25s.BM25(k1=k1, b=b, method="lucene", dtype="float64")
            tokens = [tokenize(text) for _, text in items]
            if any(tokens):
                with _Quiet():
                    retriever.index(tokens, show_progress=False)
            if folder is not None and any(tokens):
                _save(retriever, self.keys, folder)
        self._retriever = retriever
        n = len(self.keys)
        self._max_idf = math.log(1 + (n + 0.5) / 0.5)
        self._vocab: dict[str, int] = {}
        self._idf: dict[str, float] = {}
        if self.keys and retriever.vocab_dict:
            df = np.diff(np.asarray(retriever.scores["indptr"]))
            # bm25s adds an empty token outside the score matrix; no query token is empty.
            self._vocab = {t: i for t, i in retriever.vocab_dict.items() if t and i < len(df)}
            self._idf = {t: math.log(1 + (n - int(df[i]) + 0.5) / (int(df[i]) + 0.5)) for t, i in self._vocab.items()}
        # Ties are broken by key: each document's position in key order.
        self._key_order = np.empty(n, dtype=np.int64)
        self._key_order[np.argsort(np.asarray(self.keys, dtype=object), kind="stable")] = np.arange(n)
        self._index_of = {k: i for i, k in enumerate(self.keys)}
        self._lock = threading.Lock()

    def idf(self, term: str) -> float:
        """A term's idf; a term no document contains gets the highest idf there is."""
        return self._idf.get(term, self._max_idf)

    def __len__(self) -> int:
        return len(self.keys)

    def _score_array(self, query: str) -> np.ndarray:
        terms = [t for t in tokenize(query) if t in self._vocab]
        if not terms or not self.keys:
            return np.zeros(len(self.keys), dtype=np.float32)
        # Repeated query terms count once per occurrence, as Okapi's sum over query terms does.
        ids = [self._vocab[t] for t in terms]
        with self._lock:  # bm25s keeps no per-query state, but its numba/numpy paths are not documented as thread-safe
            scores = self._retriever.get_scores_from_ids(ids)
        return np.asarray(scores, dtype=np.float64) * (self.k1 + 1)

    def scores(self, query: str) -> dict[str, float]:
        """Score of every document with at least one query term."""
        scores = self._score_array(query)
        return {self.keys[i]: float(scores[i]) for i in np.flatnonzero(scores > 0)}

    def rank(self, query: str, allowed: set[str] | None = None, n: int | None = None) -> list[tuple[str, float]]:
        """Keys by descending score (ties by key, so the order is deterministic); the first ``n``."""
        scores = self._score_array(query)
        if allowed is not None:
            mask = np.zeros(len(self.keys), dtype=bool)
            rows = [self._index_of[k] for k in allowed if k in self._index_of]
            mask[rows] = True
            scores = np.where(mask, scores, 0.0)
        hits = np.flatnonzero(scores > 0)
        order = hits[np.lexsort((self._key_order[hits], -scores[hits]))]
        if n is not None:
            order = order[:n]
        return [(self.keys[i], float(scores[i])) for i in order]


class _Quiet:
    """bm25s logs and warns while indexing; keep the CLI's output clean."""

    def __enter__(self) -> None:
        import logging

        self._level = logging.getLogger("bm25s").level
        logging.getLogger("bm25s").setLevel(logging.ERROR)

    def __exit__(self, *exc: object) -> None:
        import logging

        logging.getLogger("bm25s").setLevel(self._level)


def _save(retriever: object, keys: list[str], folder: Path) -> None:
    """Save into ``folder`` atomically (another process may be saving the same key), then remove
    the saves of other keys."""
    parent = folder.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}-", dir=parent))
        retriever.save(str(tmp), show_progress=False)  # type: ignore[attr-defined]
        (tmp / _IDS).write_text(json.dumps(keys, ensure_ascii=False), encoding="utf-8")
        try:
            os.rename(tmp, folder)
        except OSError:  # saved meanwhile by another process: theirs is the same index
            shutil.rmtree(tmp, ignore_errors=True)
        for other in parent.iterdir():
            if other.name != folder.name and not other.name.startswith("."):
                shutil.rmtree(other, ignore_errors=True)
    except OSError:
        # The index works from memory; a read-only data directory only costs a rebuild next start.
        return
