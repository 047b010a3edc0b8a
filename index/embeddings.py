"""The configured embedding model, run by the configured backend, loaded only when it embeds.

A command that embeds nothing (``search --mode bm25``, answering from a cached index's keyword
half) never pays for the model: :class:`LazyEmbeddings` knows the model's name (which keys the
collection) from the folder alone and loads the model at its first embedding call.
"""

from __future__ import annotations

import threading
from concurrent.futures import Future
from pathlib import Path

from langchain_core.embeddings import Embeddings

from corpus.settings import Settings

__all__ = ["LazyEmbeddings", "embedding_name", "load_embeddings", "prepare_embeddings", "start_loading"]

# Loads started ahead by start_loading, by what they load; the first LazyEmbeddings to need one takes it.
_AHEAD: dict[tuple[object, ...], Future[Embeddings]] = {}
_AHEAD_LOCK = threading.Lock()


def _load_key(settings: Settings) -> tuple[object, ...]:
    return (settings.resolved_model_dir, settings.embedding_backend, settings.embedding_quantize, settings.embedding_threads)


def start_loading(settings: Settings) -> None:
    """Begin loading the configured model in a background thread, now: a command that will embed
    (``ask``, ``serve``) calls it first, so that the model loads (onnxruntime builds its session
    without the GIL) while the process imports the rest and reads the index."""
    key = _load_key(settings)
    with _AHEAD_LOCK:
        if key in _AHEAD:
            return
        future: Future[Embeddings] = Future()
        _AHEAD[key] = future

    def run() -> None:
        try:
            future.set_result(load_embeddings(settings))
        except BaseException as e:  # handed to the thread that needs the model
            future.set_exception(e)

    threading.Thread(target=run, name="policyqa-model-load", daemon=True).start()


def _take_ahead(settings: Settings) -> Embeddings | None:
    with _AHEAD_LOCK:
        future = _AHEAD.pop(_load_key(settings), None)
    return future.result() if future is not None else None


def prepare_embeddings(settings: Settings) -> Path:
    """Make the model usable by the configured backend: build the default folder when missing
    and, for onnx, export it (once; this step imports torch). Returns the folder."""
    from index.e5_model import ensure_model

    folder = ensure_model(settings)
    if settings.embedding_backend == "onnx":
        from index.onnx_embed import export_onnx, is_exported, onnx_file
        from index.onnx_table import is_split, split_table

        if not is_exported(folder, quantize=settings.embedding_quantize):
            export_onnx(folder, quantize=settings.embedding_quantize)
        whole = onnx_file(folder, quantize=settings.embedding_quantize)
        if settings.embedding_quantize == "none" and not is_split(whole):
            split_table(whole)  # the token table out of the session, memory-mapped (≈ 380 MB less resident)
        from index.onnx_embed import piece_cache, tokenizer_file
        from index.piece_tokenizer import write_piece_cache

        if tokenizer_file(folder).is_file():
            write_piece_cache(tokenizer_file(folder), piece_cache(folder))  # the vocabulary as a table: loads in 0.2 s, not 1–2 s
    return folder


def embedding_name(settings: Settings) -> str:
    """The name the configured model and backend give the index, without loading the model."""
    from index.e5_model import ensure_model, model_name
    from index.onnx_embed import backend_suffix

    return model_name(ensure_model(settings)) + backend_suffix(settings.embedding_backend, settings.embedding_quantize)


def load_embeddings(settings: Settings) -> Embeddings:
    """The configured sentence-transformers model (the default one is built on first use), run by
    the configured backend: onnxruntime (exported on first use) or sentence-transformers."""
    folder = prepare_embeddings(settings)
    if settings.embedding_backend == "torch":
        from index.e5_model import load_embedder  # heavy imports: torch, transformers

        return load_embedder(folder)
    from index.memory import release_freed_memory
    from index.onnx_embed import load_onnx_embedder

    embedder = load_onnx_embedder(folder, quantize=settings.embedding_quantize, threads=settings.embedding_threads)
    release_freed_memory()  # what loading the session and the tokenizer freed (≈ 60 MB a process keeps otherwise)
    return embedder


class LazyEmbeddings(Embeddings):
    """The configured model, loaded at its first use (once, even from several threads)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.name = embedding_name(settings)
        self._loaded: Embeddings | None = None
        self._lock = threading.Lock()

    @property
    def loaded(self) -> bool:
        return self._loaded is not None

    def model(self) -> Embeddings:
        """The real embedder, loading it now if needed."""
        if self._loaded is None:
            with self._lock:
                if self._loaded is None:
                    self._loaded = _take_ahead(self.settings) or load_embeddings(self.settings)
        return self._loaded

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.model().embed_documents(texts)

    def embed_query(self, text: str) -> list[float]:
        return self.model().embed_query(text)

    def __repr__(self) -> str:
        return f"LazyEmbeddings(name={self.name!r}, loaded={self.loaded})"
