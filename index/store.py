"""The hybrid clause index: dense vectors in Chroma plus BM25 over jieba tokens, fused by RRF.

One Chroma record per clause piece (a long clause is split at sentence boundaries, every
piece pointing to its clause). The embedded text carries the breadcrumb (document title and
label path); the stored text is the clause's own words. Records are upserted by id and stale
ones deleted, so building twice gives the same index. The collection is named after the model
and the chunking parameters, so two models' vectors never mix.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from langchain_core.embeddings import Embeddings

from corpus.documents import Corpus
from corpus.errors import IndexError_
from corpus.records import Clause, DocKind, ValidityStatus
from corpus.settings import Settings
from index.bm25 import BM25
from index.text import add_corpus_terms, split_sentences

__all__ = [
    "Piece",
    "Hit",
    "BuildSummary",
    "ClauseIndex",
    "LazyClient",
    "pieces_of",
    "index_name",
    "make_client",
    "RRF_K",
    "DENSE_WEIGHT",
]

RRF_K = 60  # the usual reciprocal-rank constant (Cormack et al.): damps the weight of the very top ranks
# The dense ranking's weight in the fusion (BM25's is 1). Measured 2026-11-23 with e5-small, hit@1
# of the gold clause at weights 1.0 / 0.8 / 0.6 / 0.5 / 0.3: eval/faq.jsonl .848/.880/.891/.891/.859,
# eval/retrieval.jsonl .796/.889/.889/.907/.926; hit@5 unchanged. Short Chinese policy questions
# share exact terms with their clause, which BM25 ranks well and e5-small ranks less sharply.
DENSE_WEIGHT = 0.6
_SCHEMA = "v1"  # bump when the piece text or metadata layout changes: it renames the collection
_MAX_ADD = 5000  # Chroma refuses more than 5461 records in one add


@dataclass(frozen=True, slots=True)
class Piece:
    """One embedded unit: a clause, or a sentence-bounded part of a long one."""

    id: str
    clause_id: str
    text: str  # the clause's own words (stored)
    embed_text: str  # breadcrumb + words (embedded)


@dataclass(frozen=True, slots=True)
class Hit:
    """A retrieved clause with both rankings' evidence."""

    clause: Clause
    score: float  # fused RRF score
    dense: float | None  # cosine similarity of the best piece, None if not in the dense list
    bm25: float | None  # BM25 score, None if no query term occurs
    dense_rank: int | None
    bm25_rank: int | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "clause_id": self.clause.id,
            "citation": self.clause.citation,
            "score": round(self.score, 6),
            "dense": None if self.dense is None else round(self.dense, 4),
            "bm25": None if self.bm25 is None else round(self.bm25, 4),
            "dense_rank": self.dense_rank,
            "bm25_rank": self.bm25_rank,
        }


@dataclass(frozen=True, slots=True)
class BuildSummary:
    collection: str
    clauses: int
    pieces: int
    embedded: int
    unchanged: int
    removed: int
    seconds: float


def pieces_of(clause: Clause, chunk_chars: int) -> list[Piece]:
    """Split a clause at sentence boundaries into pieces of at most ``chunk_chars`` characters.

    A single sentence longer than the limit stays whole: cutting inside a sentence would make a
    piece that no longer says anything by itself.
    """
    head = f"{clause.document.title} {clause.path}"
    groups: list[str] = []
    current = ""
    for sentence in split_sentences(clause.text) or [clause.text]:
        if current and len(current) + len(sentence) > chunk_chars:
            groups.append(current)
            current = ""
        current += sentence
    if current:
        groups.append(current)
    return [Piece(f"{clause.id}#{i}", clause.id, g, f"{head}\n{g}") for i, g in enumerate(groups)]


def index_name(model_name: str, chunk_chars: int) -> str:
    """Collection name keyed by what built it (Chroma allows 3-512 chars of [a-zA-Z0-9._-])."""
    digest = hashlib.sha1(f"{model_name}|{chunk_chars}|{_SCHEMA}".encode()).hexdigest()[:12]
    return f"clauses-{digest}"


def make_client(settings: Settings) -> Any:
    """The Chroma client the settings ask for: a server when a host is set, else embedded."""
    import chromadb  # two seconds of imports: only when a vector is read or written
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    if settings.chroma_host:
        try:
            return chromadb.HttpClient(host=settings.chroma_host, port=settings.chroma_port, settings=chroma_settings)
        except Exception as e:  # chromadb raises several types for an unreachable server
            raise IndexError_(
                f"cannot reach the Chroma server at {settings.chroma_host!r}:{settings.chroma_port}: {e}; "
                "start it (chroma run --path DIR --port P) or unset POLICYQA_CHROMA_HOST to use the embedded store"
            ) from e
    path = settings.resolved_chroma_path
    path.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(path), settings=chroma_settings)


class LazyClient:
    """The Chroma client the settings ask for, made at its first use: a keyword search never
    imports chromadb nor opens the store. Stands for the client (attributes pass through)."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._client: Any | None = None
        self._lock = threading.Lock()

    def connect(self) -> Any:
        """The real client, made now if needed (raises ``IndexError_`` when a server is unreachable)."""
        if self._client is None:
            with self._lock:
                if self._client is None:
                    self._client = make_client(self._settings)
        return self._client

    def __getattr__(self, name: str) -> Any:
        return getattr(self.connect(), name)


def _bm25_depth(k: int) -> int | None:
    """How deep the BM25 ranking must go for the fused top ``k`` to be exact.

    A clause below BM25 rank n fuses to at most DENSE_WEIGHT / (RRF_K + 1) + 1 / (RRF_K + n + 1),
    while the k-th fused score is at least 1 / (RRF_K + k) (the BM25 top k alone reach it); so
    ranks below the n where the first is smaller cannot enter the top k. None: no such n."""
    room = 1 / (RRF_K + k) - DENSE_WEIGHT / (RRF_K + 1)
    if room <= 0:
        return None
    return int(1 / room) - RRF_K + 2


def _content_hash(text: str) -> str:
    return hashlib.sha1(text.encode()).hexdigest()


class ClauseIndex:
    """Dense + keyword retrieval over the clauses of a corpus."""

    def __init__(
        self, corpus: Corpus, embeddings: Embeddings, client: Any, *, model_name: str, chunk_chars: int, bm25_dir: Path | None = None
    ) -> None:
        self.corpus = corpus
        self.embeddings = embeddings
        self.client = client
        self.model_name = model_name
        self.chunk_chars = chunk_chars
        self.name = index_name(model_name, chunk_chars)
        self._opened: Any | None = None
        self._open_lock = threading.Lock()
        self._clauses = {c.id: c for c in corpus.clauses}
        self._by_document: dict[str, list[str]] = {}
        for c in corpus.clauses:
            self._by_document.setdefault(c.document.id, []).append(c.id)
        add_corpus_terms([c.text for c in corpus.clauses])
        # BM25 sees the breadcrumb too: a question naming 专精特新 should find 001's measures.
        # Saved under bm25_dir keyed by this text, so a start with an unchanged corpus loads it.
        self._bm25 = BM25([(c.id, f"{c.document.title} {c.path}\n{c.text}") for c in corpus.clauses], directory=bm25_dir)
        self._pieces_digest: str | None = None

    @property
    def _collection(self) -> Any:
        """The Chroma collection, opened (or created) at its first use."""
        if self._opened is None:
            with self._open_lock:
                if self._opened is None:
                    self._opened = self.client.get_or_create_collection(
                        self.name,
                        configuration={"hnsw": {"space": "cosine"}},
                        metadata={"model": self.model_name, "chunk_chars": self.chunk_chars, "schema": _SCHEMA},
                        embedding_function=None,
                    )
        return self._opened

    # -- building ---------------------------------------------------------------------------
    def build(self, progress: Callable[[int, int], None] | None = None, batch: int = 16, *, prune: bool = True) -> BuildSummary:
        """Upsert every piece whose text changed, delete pieces of removed clauses.

        ``prune=False`` keeps the pieces this corpus no longer has, so an index still serving the
        previous corpus keeps its vectors until the new one has replaced it (then ``prune()``).
        """
        start = time.perf_counter()
        pieces = [p for c in self.corpus.clauses for p in pieces_of(c, self.chunk_chars)]
        existing = self._collection.get(include=["metadatas"])
        old = {i: (m or {}).get("hash") for i, m in zip(existing["ids"], existing["metadatas"] or [], strict=False)}
        todo = [p for p in pieces if old.get(p.id) != _content_hash(p.embed_text)]
        for i in range(0, len(todo), batch):
            part = todo[i : i + batch]
            vectors = self.embeddings.embed_documents([p.embed_text for p in part])
            self._collection.upsert(
                ids=[p.id for p in part],
                embeddings=vectors,
                documents=[p.text for p in part],
                metadatas=[self._metadata(p) for p in part],
            )
            if progress:
                progress(min(i + batch, len(todo)), len(todo))
        stale = self.prune(old) if prune else []
        self._record_digest(pieces)
        return BuildSummary(
            collection=self.name,
            clauses=len(self.corpus.clauses),
            pieces=len(pieces),
            embedded=len(todo),
            unchanged=len(pieces) - len(todo),
            removed=len(stale),
            seconds=time.perf_counter() - start,
        )

    def prune(self, stored: Iterable[str] | None = None) -> list[str]:
        """Delete the stored pieces this corpus does not have; returns their ids."""
        if stored is None:
            stored = self._collection.get(include=[])["ids"]
        wanted = {p.id for c in self.corpus.clauses for p in pieces_of(c, self.chunk_chars)}
        stale = [i for i in stored if i not in wanted]
        for i in range(0, len(stale), _MAX_ADD):
            self._collection.delete(ids=stale[i : i + _MAX_ADD])
        return stale

    def _metadata(self, p: Piece) -> dict[str, str | int | float | bool]:
        c = self._clauses[p.clause_id]
        d = c.document
        # Chroma metadata values must be scalars: dates as ISO strings, "" when unknown.
        return {
            "clause_id": c.id,
            "doc_id": d.id,
            "region": d.region,
            "kind": d.kind.value,
            "expires": d.expires.isoformat() if d.expires else "",
            "hash": _content_hash(p.embed_text),
        }

    def count(self) -> int:
        """Number of pieces stored in the collection."""
        return int(self._collection.count())

    def _digest(self, pieces: Sequence[Piece]) -> str:
        digest = hashlib.sha1()
        for p in sorted(pieces, key=lambda p: p.id):
            digest.update(f"{p.id}\0{_content_hash(p.embed_text)}\0".encode())
        return digest.hexdigest()

    def _record_digest(self, pieces: Sequence[Piece]) -> None:
        # A digest of the pieces built, in the collection's metadata: checking that the index is
        # current then reads one record instead of every record's metadata (200,000 at scale).
        digest = self._digest(pieces)
        metadata = {"model": self.model_name, "chunk_chars": self.chunk_chars, "schema": _SCHEMA, "pieces": digest}
        self._collection.modify(metadata=metadata)
        self._pieces_digest = digest

    def is_current(self) -> bool:
        """True when the stored pieces are exactly the corpus's pieces (no rebuild needed)."""
        pieces = [p for c in self.corpus.clauses for p in pieces_of(c, self.chunk_chars)]
        digest = self._digest(pieces)
        # the collection's metadata as stored now (opening it first creates it when missing)
        recorded = (self.client.get_collection(self._collection.name).metadata or {}).get("pieces")
        if recorded == digest and self.count() == len(pieces):
            return True
        wanted = {p.id: _content_hash(p.embed_text) for p in pieces}
        existing = self._collection.get(include=["metadatas"])
        stored = {i: (m or {}).get("hash") for i, m in zip(existing["ids"], existing["metadatas"] or [], strict=False)}
        if stored != wanted:
            return False
        self._record_digest(pieces)  # built before digests were recorded: record it now
        return True

    # -- searching --------------------------------------------------------------------------
    def allowed_clauses(
        self,
        regions: Iterable[str] | None = None,
        kinds: Iterable[DocKind | str] | None = None,
        valid_on: dt.date | None = None,
        doc_ids: Iterable[str] | None = None,
    ) -> set[str]:
        """Clause ids passing the metadata filters. A region matches by prefix or containment
        ("厦门" matches 福建省厦门市); ``valid_on`` drops documents expired on that day but keeps
        those whose validity is not stated."""
        region_list = list(regions) if regions is not None else None
        kind_set = {DocKind(k) for k in kinds} if kinds is not None else None
        doc_set = set(doc_ids) if doc_ids is not None else None
        out: set[str] = set()
        for d in self.corpus.documents:  # a document's clauses share its metadata: decide per document
            if region_list is not None and not any(r and (d.region.startswith(r) or r in d.region) for r in region_list):
                continue
            if kind_set is not None and d.kind not in kind_set:
                continue
            if doc_set is not None and d.id not in doc_set:
                continue
            if valid_on is not None and d.validity(valid_on).status in (ValidityStatus.EXPIRED, ValidityStatus.NOT_YET):
                continue
            out.update(self._by_document.get(d.id, ()))
        return out

    def dense_rank(self, query: str, allowed: set[str] | None = None, n: int = 30) -> list[tuple[str, float]]:
        """Clause ids by the cosine similarity of their best piece."""
        total = self.count()
        if total == 0:
            raise IndexError_(f"the collection {self.name!r} is empty; run `policyqa index` first")
        vector = self.embeddings.embed_query(query)
        where: dict[str, Any] | None = None
        if allowed is not None:
            if not allowed:
                return []
            docs = sorted({self._clauses[c].document.id for c in allowed})
            where = {"doc_id": {"$in": docs}}
        res = self._collection.query(
            query_embeddings=[vector], n_results=min(total, n * 3), where=where, include=["metadatas", "distances"]
        )
        best: dict[str, float] = {}
        for meta, dist in zip(res["metadatas"][0], res["distances"][0], strict=True):
            cid = str(meta["clause_id"])
            if cid not in self._clauses or (allowed is not None and cid not in allowed):
                continue
            sim = 1.0 - float(dist)
            if sim > best.get(cid, -2.0):
                best[cid] = sim
        return sorted(best.items(), key=lambda kv: (-kv[1], kv[0]))[:n]

    def idf(self, term: str) -> float:
        """The keyword index's idf of a term (rare terms weigh more)."""
        return self._bm25.idf(term)

    def bm25_rank(self, query: str, allowed: set[str] | None = None, n: int | None = None) -> list[tuple[str, float]]:
        """Clause ids by BM25 score, the first ``n`` (all with a query term when None)."""
        return self._bm25.rank(query, allowed, n)

    def search(
        self,
        query: str,
        k: int = 5,
        *,
        regions: Sequence[str] | None = None,
        kinds: Sequence[DocKind | str] | None = None,
        valid_on: dt.date | None = None,
        doc_ids: Sequence[str] | None = None,
        mode: str = "hybrid",
    ) -> list[Hit]:
        """Top ``k`` clauses for ``query``: ``mode`` is "hybrid" (RRF of both), "dense" or "bm25"."""
        if k < 1:
            raise IndexError_(f"k must be at least 1. Currently, k is {k}")
        if mode not in ("hybrid", "dense", "bm25"):
            raise IndexError_(f"mode must be hybrid, dense or bm25, not {mode!r}")
        filtered = regions is not None or kinds is not None or valid_on is not None or doc_ids is not None
        allowed = self.allowed_clauses(regions, kinds, valid_on, doc_ids) if filtered else None
        dense = self.dense_rank(query, allowed) if mode != "bm25" else []
        sparse = self.bm25_rank(query, allowed, _bm25_depth(k) if mode == "hybrid" else None) if mode != "dense" else []
        dense_pos = {cid: (i + 1, s) for i, (cid, s) in enumerate(dense)}
        sparse_pos = {cid: (i + 1, s) for i, (cid, s) in enumerate(sparse)}
        fused: dict[str, float] = {}
        for cid, (rank, _) in dense_pos.items():
            fused[cid] = fused.get(cid, 0.0) + DENSE_WEIGHT / (RRF_K + rank)
        for cid, (rank, _) in sparse_pos.items():
            fused[cid] = fused.get(cid, 0.0) + 1.0 / (RRF_K + rank)
        order = sorted(fused.items(), key=lambda kv: (-kv[1], kv[0]))[:k]
        return [
            Hit(
                clause=self._clauses[cid],
                score=score,
                dense=dense_pos[cid][1] if cid in dense_pos else None,
                bm25=sparse_pos[cid][1] if cid in sparse_pos else None,
                dense_rank=dense_pos[cid][0] if cid in dense_pos else None,
                bm25_rank=sparse_pos[cid][0] if cid in sparse_pos else None,
            )
            for cid, score in order
        ]
