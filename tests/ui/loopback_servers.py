"""Real servers on free ports of 127.0.0.1, each in a temp dir of its own, for the tests that need
several processes to share them: Debian's redis-server (`make test` installs it) and a Chroma
server (`chroma run` from the installed chromadb)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

REDIS_MISSING = "redis-server is not installed: `make test` installs Debian's redis-server (or: apt-get install redis-server)"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until(ready: Callable[[], bool], proc: subprocess.Popen[bytes], what: str, log: Path, timeout_s: float) -> None:
    """Return once ``ready()``; fail with the process's log when it exits or the time runs out."""
    deadline = time.monotonic() + timeout_s
    while True:
        if proc.poll() is not None:
            pytest.fail(f"{what} exited with {proc.returncode}:\n{log.read_text(errors='replace')[-3000:]}")
        try:
            if ready():
                return
        except (OSError, httpx.TransportError):
            pass
        if time.monotonic() > deadline:
            pytest.fail(f"{what} did not come up within {timeout_s:.0f}s:\n{log.read_text(errors='replace')[-3000:]}")
        time.sleep(0.2)


@contextmanager
def running(cmd: list[str], log: Path, env: dict[str, str] | None = None) -> Iterator[subprocess.Popen[bytes]]:
    """The command as a child process with its output in ``log``; terminated (then killed) at the end."""
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env)
        try:
            yield proc
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=30)


def _answers_ping(port: int) -> bool:
    with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
        s.sendall(b"PING\r\n")
        return s.recv(16).startswith(b"+PONG")


@contextmanager
def redis_server(directory: Path) -> Iterator[str]:
    """A redis-server with its files in ``directory`` (append-only file on); yields its URI."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip(REDIS_MISSING)
    directory.mkdir(parents=True, exist_ok=True)
    port = free_port()
    cmd = [binary, "--bind", "127.0.0.1", "--port", str(port), "--dir", str(directory), "--appendonly", "yes", "--save", ""]
    log = directory / "redis.log"
    with running(cmd, log) as proc:
        wait_until(lambda: _answers_ping(port), proc, "redis-server", log, 30)
        yield f"redis://127.0.0.1:{port}"


@contextmanager
def chroma_server(directory: Path) -> Iterator[int]:
    """`chroma run` over ``directory``; yields its port."""
    directory.mkdir(parents=True, exist_ok=True)
    port = free_port()
    chroma = Path(sys.executable).with_name("chroma")
    env = {**os.environ, "ANONYMIZED_TELEMETRY": "False"}
    log = directory.parent / f"{directory.name}.log"
    cmd = [str(chroma), "run", "--path", str(directory), "--host", "127.0.0.1", "--port", str(port)]
    with running(cmd, log, env) as proc:
        wait_until(
            lambda: httpx.get(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=2).status_code == 200, proc, "chroma run", log, 120
        )
        yield port
