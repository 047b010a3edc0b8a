"""The naive baseline the evaluation measures the product against, in the same run.

The textbook LangChain RAG over the same documents: each document's full text split by
``RecursiveCharacterTextSplitter`` (500 characters, 50 overlap), dense-only Chroma retrieval of
the top 4 chunks with the same embedding model, the answer is the top chunk as it stands, no
refusal and no calculation. Each chunk records the clauses it overlaps, so retrieval and citation
metrics are computed on the same clause ids as the product's.
"""

from __future__ import annotations

import datetime as dt
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import chromadb
from chromadb.config import Settings as ChromaSettings
from langchain_chroma import Chroma
from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings
from langchain_text_splitters import RecursiveCharacterTextSplitter

from assistant.compose import make_citation
from assistant.records import Answer, Citation
from corpus.documents import Corpus
from corpus.records import Clause

__all__ = ["CHUNK_OVERLAP", "CHUNK_SIZE", "TOP_K", "NaiveRAG"]

CHUNK_SIZE = 500
CHUNK_OVERLAP = 50
TOP_K = 4
_SEP = "\n"  # between clauses in a document's full text


@dataclass(frozen=True, slots=True)
class _Span:
    clause: Clause
    start: int
    end: int


def _document_text(clauses: Sequence[Clause]) -> tuple[str, list[_Span]]:
    """A document's full text (its clauses joined) and where each clause sits in it."""
    spans: list[_Span] = []
    parts: list[str] = []
    pos = 0
    for c in clauses:
        spans.append(_Span(c, pos, pos + len(c.text)))
        parts.append(c.text)
        pos += len(c.text) + len(_SEP)
    return _SEP.join(parts), spans


class NaiveRAG:
    """Chunk, embed, take the nearest chunk: what the design is measured against."""

    def __init__(self, corpus: Corpus, embeddings: Embeddings, *, today: dt.date | None = None, client: Any | None = None) -> None:
        self.corpus = corpus
        self.today = today or dt.date.today()
        self._clauses = {c.id: c for c in corpus.clauses}
        splitter = RecursiveCharacterTextSplitter(chunk_size=CHUNK_SIZE, chunk_overlap=CHUNK_OVERLAP, add_start_index=True)
        chunks: list[Document] = []
        for d in corpus.documents:
            text, spans = _document_text(corpus.clauses_of(d.id))
            for chunk in splitter.create_documents([text]):
                start = int(chunk.metadata["start_index"])
                end = start + len(chunk.page_content)
                covered = [s for s in spans if max(s.start, start) < min(s.end, end)]
                first = covered[0]
                chunk.metadata = {
                    "doc_id": d.id,
                    # Chroma metadata values are scalars: the covered clause ids joined by "|".
                    "clause_ids": "|".join(s.clause.id for s in covered),
                    # The words of the first covered clause inside the chunk: an exact quote.
                    "quote_start": max(first.start, start) - first.start,
                    "quote_end": min(first.end, end) - first.start,
                }
                chunks.append(chunk)
        client = client if client is not None else chromadb.EphemeralClient(settings=ChromaSettings(anonymized_telemetry=False))
        # In-memory clients of one process share their collections: a fresh name per instance.
        self.store = Chroma(
            collection_name=f"baseline-{uuid.uuid4().hex[:12]}",
            embedding_function=embeddings,  # the product's model, never Chroma's default embedder
            client=client,
            collection_metadata={"hnsw:space": "cosine"},
        )
        self.store.add_documents(chunks, ids=[f"chunk-{i}" for i in range(len(chunks))])
        self.retriever = self.store.as_retriever(search_kwargs={"k": TOP_K})
        self.chunks = tuple(chunks)

    def answer(self, question: str, history: Sequence[Any] = ()) -> Answer:
        """The top chunk as the answer, its first clause as the citation; history is ignored."""
        start = time.perf_counter()
        docs = self.retriever.invoke(question)
        retrieved = list(dict.fromkeys(cid for doc in docs for cid in str(doc.metadata["clause_ids"]).split("|")))
        citations: tuple[Citation, ...] = ()
        text = ""
        if docs:
            top = docs[0]
            text = top.page_content
            clause = self._clauses[str(top.metadata["clause_ids"]).split("|")[0]]
            quote = clause.text[int(top.metadata["quote_start"]) : int(top.metadata["quote_end"])]
            citations = (make_citation(1, clause, quote, self.today),)
        return Answer(
            question=question,
            condensed_question=question,
            text=text,
            no_basis=False,
            citations=citations,
            retrieved=tuple(retrieved),
            elapsed_ms=(time.perf_counter() - start) * 1000,
        )
