"""Okapi BM25 over jieba tokens: the keyword half of the hybrid index.

Enterprise questions reuse policy terms (专精特新, 贴息, 研发费用), so exact-term matching is
strong here; it is cheap enough to rebuild in memory from the corpus at every start.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from index.text import tokenize

__all__ = ["BM25"]


@dataclass(frozen=True, slots=True)
class _Doc:
    key: str
    tf: Counter[str]
    length: int


class BM25:
    """BM25 with the usual k1/b; keys are clause ids."""

    def __init__(self, items: Sequence[tuple[str, str]], *, k1: float = 1.5, b: float = 0.75) -> None:
        self.k1, self.b = k1, b
        self._docs = [_Doc(key, Counter(toks), len(toks)) for key, text in items for toks in [tokenize(text)]]
        n = len(self._docs)
        self._avgdl = sum(d.length for d in self._docs) / n if n else 0.0
        df: Counter[str] = Counter()
        for d in self._docs:
            df.update(d.tf.keys())
        # The "+1" inside the log keeps idf positive for terms in more than half the documents.
        self._idf = {t: math.log(1 + (n - f + 0.5) / (f + 0.5)) for t, f in df.items()}

    def idf(self, term: str) -> float:
        """A term's idf; a term no document contains gets the highest idf there is."""
        return self._idf.get(term, self._max_idf)

    @property
    def _max_idf(self) -> float:
        n = len(self._docs)
        return math.log(1 + (n + 0.5) / 0.5)

    def __len__(self) -> int:
        return len(self._docs)

    def scores(self, query: str) -> dict[str, float]:
        """Score of every document with at least one query term."""
        terms = tokenize(query)
        out: dict[str, float] = {}
        for d in self._docs:
            s = 0.0
            norm = self.k1 * (1 - self.b + self.b * d.length / self._avgdl) if self._avgdl else self.k1
            for t in terms:
                f = d.tf.get(t)
                if f:
                    s += self._idf[t] * f * (self.k1 + 1) / (f + norm)
            if s > 0:
                out[d.key] = s
        return out

    def rank(self, query: str, allowed: set[str] | None = None) -> list[tuple[str, float]]:
        """Keys by descending score (ties by key, so the order is deterministic)."""
        scored = self.scores(query)
        items = [(k, v) for k, v in scored.items() if allowed is None or k in allowed]
        return sorted(items, key=lambda kv: (-kv[1], kv[0]))
