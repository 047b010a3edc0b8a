"""index: dense vectors (sentence-transformers into Chroma) and BM25 over jieba, fused by RRF."""

from __future__ import annotations

from typing import Any

from langchain_core.embeddings import Embeddings

from corpus.documents import Corpus, load_corpus
from corpus.settings import Settings
from index.embeddings import LazyEmbeddings, load_embeddings, prepare_embeddings
from index.jieba_tables import use_cache_dir
from index.store import BuildSummary, ClauseIndex, Hit, LazyClient, index_name, make_client, pieces_of

__all__ = [
    "open_index",
    "load_embeddings",
    "prepare_embeddings",
    "LazyEmbeddings",
    "ClauseIndex",
    "Hit",
    "BuildSummary",
    "index_name",
    "pieces_of",
    "make_client",
    "LazyClient",
]


def open_index(
    settings: Settings,
    *,
    corpus: Corpus | None = None,
    embeddings: Embeddings | None = None,
    client: Any | None = None,
    model_name: str | None = None,
) -> ClauseIndex:
    """Open (without building) the clause index the settings describe.

    Defaults are the real parts: the documents under ``settings.documents_dir``, the configured
    embedding model (loaded at its first use), and the embedded or server Chroma (connected at its
    first use: a keyword search never imports chromadb). Tests pass
    small real parts instead.
    """
    use_cache_dir(settings.text_cache_dir)  # jieba's derived tables, cached beside the index
    corpus = corpus if corpus is not None else load_corpus(settings.documents_dir)
    embeddings = embeddings if embeddings is not None else LazyEmbeddings(settings)
    name = model_name or getattr(embeddings, "name", None) or type(embeddings).__name__
    client = client if client is not None else LazyClient(settings)  # connected when a vector is read
    return ClauseIndex(corpus, embeddings, client, model_name=str(name), chunk_chars=settings.chunk_chars, bm25_dir=settings.bm25_dir)
