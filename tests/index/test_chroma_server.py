"""The index against a real Chroma server (``chroma run``), as configured by POLICYQA_CHROMA_HOST."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from langchain_core.embeddings import DeterministicFakeEmbedding

from corpus.errors import IndexError_
from corpus.settings import Settings
from index import open_index
from index.store import make_client

pytestmark = pytest.mark.slow

CHROMA = Path(sys.executable).with_name("chroma")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    if not CHROMA.exists():
        pytest.fail(f"{CHROMA} is missing: chromadb's console script should be installed with the project")
    port = _free_port()
    data = tmp_path_factory.mktemp("chroma-server")
    env = {**os.environ, "ANONYMIZED_TELEMETRY": "False"}
    proc = subprocess.Popen(
        [str(CHROMA), "run", "--path", str(data), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"chroma run did not listen on port {port}") from None
                time.sleep(0.2)
        yield port
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        shutil.rmtree(data, ignore_errors=True)


def test_index_builds_and_searches_on_a_chroma_server(server: int, tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, chroma_host="127.0.0.1", chroma_port=server)
    client = make_client(settings)
    index = open_index(settings, embeddings=DeterministicFakeEmbedding(size=32), client=client, model_name="fake-32")
    first = index.build()
    assert first.embedded > 0 and index.is_current()
    again = index.build()  # upserts by content: nothing re-embedded, nothing removed
    assert again.embedded == 0 and again.removed == 0
    assert index.count() == first.pieces
    hits = index.search("专精特新企业数字化改造能补多少", k=5)
    assert len(hits) == 5 and all(h.clause.id for h in hits)
    # the embedded store is untouched: the server holds the collection
    assert not settings.resolved_chroma_path.exists()


def test_an_unreachable_server_says_what_to_do(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, chroma_host="127.0.0.1", chroma_port=_free_port())
    with pytest.raises(IndexError_, match="chroma run"):
        index = open_index(settings, embeddings=DeterministicFakeEmbedding(size=32), client=make_client(settings), model_name="fake-32")
        index.build()
