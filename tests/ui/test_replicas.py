"""Several app replicas, as the README's "Several replicas" runs them: one Chroma server, one
redis-server, and two `policyqa serve` processes (each with its own data directory) pointed at
both. Every server is real and started here, on free ports of 127.0.0.1."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from loopback_servers import chroma_server, free_port, redis_server, running, wait_until

pytestmark = pytest.mark.slow

STARTUP_TIMEOUT_S = 900  # two processes loading the model at once on a busy 2-core machine
ASKS_PER_MINUTE = 4
QUESTION = "厦门专精特新企业在国内举办产品推介会有什么补贴？"


def _env(data: Path, model_dir: Path, chroma_port: int, redis_uri: str) -> dict[str, str]:
    return {
        **os.environ,
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "GRADIO_ANALYTICS_ENABLED": "False",
        "ANONYMIZED_TELEMETRY": "False",
        "POLICYQA_DATA_DIR": str(data),
        "POLICYQA_MODEL_DIR": str(model_dir),
        "POLICYQA_CHROMA_HOST": "127.0.0.1",
        "POLICYQA_CHROMA_PORT": str(chroma_port),
        "POLICYQA_RATE_LIMIT_STORAGE_URI": f"{redis_uri}/0",
        "POLICYQA_FEEDBACK_STORE_URI": f"{redis_uri}/1",
        "POLICYQA_SECRET_KEY": "replicas-share-this-key-so-either-checks-the-others-answer-ids",
        "POLICYQA_RATE_LIMIT_PER_MINUTE": str(ASKS_PER_MINUTE),
    }


@pytest.fixture(scope="module")
def replicas(tmp_path_factory: pytest.TempPathFactory, real_model_dir: Path) -> Iterator[list[tuple[str, dict[str, str]]]]:
    """Two served replicas: [(url, environment)], after the index was built once into the Chroma server."""
    tmp = tmp_path_factory.mktemp("replicas")
    cli = str(Path(sys.executable).with_name("policyqa"))
    with redis_server(tmp / "redis") as redis_uri, chroma_server(tmp / "chroma") as chroma_port:
        envs = [_env(tmp / name, real_model_dir, chroma_port, redis_uri) for name in ("a", "b")]
        built = subprocess.run([cli, "index"], env=envs[0], capture_output=True, text=True, timeout=STARTUP_TIMEOUT_S)
        assert built.returncode == 0, built.stdout + built.stderr
        ports = [free_port(), free_port()]
        with (
            running([cli, "serve", "--host", "127.0.0.1", "--port", str(ports[0])], tmp / "a.log", envs[0]) as a,
            running([cli, "serve", "--host", "127.0.0.1", "--port", str(ports[1])], tmp / "b.log", envs[1]) as b,
        ):
            urls = [f"http://127.0.0.1:{p}" for p in ports]
            for proc, url, log in ((a, urls[0], tmp / "a.log"), (b, urls[1], tmp / "b.log")):
                wait_until(
                    lambda url=url: httpx.get(f"{url}/api/health", timeout=2).status_code == 200,  # type: ignore[misc]
                    proc,
                    f"policyqa serve at {url}",
                    log,
                    STARTUP_TIMEOUT_S,
                )
            yield list(zip(urls, envs, strict=True))


def _ask(url: str) -> httpx.Response:
    return httpx.post(f"{url}/api/ask", json={"question": QUESTION}, timeout=300)


def test_both_replicas_answer_from_the_one_chroma_server(replicas: list[tuple[str, dict[str, str]]]) -> None:
    for url, env in replicas:
        h = httpx.get(f"{url}/api/health", timeout=30).json()
        assert h["index_size"] >= 100 and h["stores"]["index"]["status"] == "ok"
        assert env["POLICYQA_CHROMA_PORT"] == replicas[0][1]["POLICYQA_CHROMA_PORT"]
    # replica b never built an index: its data directory has no embedded Chroma store at all
    assert not (Path(replicas[1][1]["POLICYQA_DATA_DIR"]) / "chroma").exists()


def test_the_rate_limit_is_shared_and_feedback_written_through_one_is_read_through_the_other(
    replicas: list[tuple[str, dict[str, str]]],
) -> None:
    (a, env_a), (b, env_b) = replicas
    started = time.monotonic()
    # ASKS_PER_MINUTE questions split over the two replicas, all at once: each replica alone
    # would allow ASKS_PER_MINUTE, so half as many on each are all answered...
    with ThreadPoolExecutor(ASKS_PER_MINUTE) as pool:
        answered = list(pool.map(_ask, [a, b] * (ASKS_PER_MINUTE // 2)))
    assert [r.status_code for r in answered] == [200] * ASKS_PER_MINUTE, [r.text[:300] for r in answered]
    # ...and the next one is refused by whichever replica gets it: they count in one place
    refused = [_ask(a), _ask(b)]
    # the limiter's window starts at the first hit: all of this must fall inside one minute
    assert time.monotonic() - started < 55, "too slow to judge a per-minute limit"
    assert [r.status_code for r in refused] == [429, 429]
    assert all(r.json()["error"]["code"] == "rate_limited" for r in refused), [r.text for r in refused]

    # feedback on an answer of replica a, sent through replica b, and the other way round
    verdicts = []
    for answer, via, useful in ((answered[0], b, True), (answered[1], a, False)):
        body: dict[str, Any] = answer.json()
        fb = {
            "question": QUESTION,
            "answer": body["answer"],
            "citations": [c["label"] for c in body["citations"]],
            "useful": useful,
            "comment": f"经由{via[-5:]}",
            "answer_id": body["answer_id"],
        }
        r = httpx.post(f"{via}/api/feedback", json=fb, timeout=60)
        assert r.status_code == 201, r.text
        verdicts.append((r.json()["id"], fb))
    assert [v[0] for v in verdicts] == [1, 2]  # one id sequence for both replicas
    for url, _ in replicas:
        assert httpx.get(f"{url}/api/health", timeout=30).json()["stores"]["feedback"]["detail"] == "2 records"
    # `policyqa feedback export` with either replica's configuration reads both verdicts
    cli = str(Path(sys.executable).with_name("policyqa"))
    for env in (env_a, env_b):
        out = subprocess.run([cli, "feedback", "export", "--format", "jsonl"], env=env, capture_output=True, text=True, timeout=300)
        assert out.returncode == 0, out.stderr
        rows = [json.loads(line) for line in out.stdout.splitlines()]
        assert [(r["id"], r["useful"], r["comment"], r["answer_id"]) for r in rows] == [
            (i, fb["useful"], fb["comment"], fb["answer_id"]) for i, fb in verdicts
        ]
        assert not (Path(env["POLICYQA_DATA_DIR"]) / "feedback.sqlite3").exists()  # nothing went to a local file
