"""The app's stores at start-up and in health: the data directory, the index, the feedback database.

At start a damaged or unwritable store stops the app with one English sentence that says what
to do (``policyqa serve`` prints it and exits 2), never a traceback; while serving, ``/api/health``
reports each store as it is.
"""

from __future__ import annotations

import logging
import sqlite3
import tempfile
import threading
from pathlib import Path
from typing import Any

from assistant.chain import Assistant
from corpus.errors import IndexError_, PolicyQAError
from corpus.settings import Settings

__all__ = ["check_writable", "open_assistant", "index_health", "AnswerHealth", "REBUILD_HINT"]

log = logging.getLogger(__name__)
REBUILD_HINT = "run `policyqa index --rebuild`"


def check_writable(directory: Path, what: str = "data directory") -> None:
    """PolicyQAError unless ``directory`` exists (or can be made) and a file can be written in it."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=directory, prefix=".write-check-"):
            pass
    except OSError as e:
        raise PolicyQAError(
            f"{what} not writable: {directory} ({e.strerror or e}); make it writable by the user running policyqa, "
            "or point POLICYQA_DATA_DIR at a directory that is"
        ) from e


def _check_chroma_file(path: Path) -> None:
    """IndexError_ when the embedded store's SQLite file is not a sound database."""
    db = path / "chroma.sqlite3"
    if not db.exists():
        return
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
            verdict = conn.execute("PRAGMA quick_check").fetchone()[0]
    except sqlite3.Error as e:
        verdict = str(e)
    if verdict != "ok":
        raise IndexError_(f"index store damaged: {db} is not a sound database ({verdict}); {REBUILD_HINT}")


def open_assistant(settings: Settings, **kwargs: Any) -> Assistant:
    """``Assistant.from_settings`` with the stores checked first and their failures explained."""
    check_writable(settings.data_dir)
    embedded = settings.chroma_host is None and "client" not in kwargs
    if embedded:
        if settings.resolved_chroma_path.exists():
            check_writable(settings.resolved_chroma_path, "index directory")
        _check_chroma_file(settings.resolved_chroma_path)
    try:
        return Assistant.from_settings(settings, **kwargs)
    except PolicyQAError:
        raise
    except Exception as e:
        where = (
            f"the embedded store {settings.resolved_chroma_path}"
            if embedded
            else f"the Chroma server {settings.chroma_host}:{settings.chroma_port}"
        )
        raise IndexError_(f"index store damaged or unreachable: {where} failed to open ({type(e).__name__}: {e}); {REBUILD_HINT}") from e


class AnswerHealth:
    """Whether answering works: degraded after an answer failed with an internal error, ok again
    after the next one succeeds."""

    def __init__(self) -> None:
        self._failure: str | None = None
        self._answered = 0
        self._lock = threading.Lock()

    def ok(self) -> None:
        with self._lock:
            self._failure = None
            self._answered += 1

    def failed(self, exc: BaseException) -> None:
        with self._lock:
            self._failure = f"the last answer failed: {type(exc).__name__}: {str(exc)[:200]}"

    def report(self) -> tuple[str, str]:
        with self._lock:
            if self._failure:
                return "degraded", self._failure
            return "ok", f"{self._answered} answered since start"


def index_health(assistant: Assistant) -> tuple[str, str]:
    try:
        return "ok", f"{assistant.index.count()} pieces in {assistant.index.name}"
    except Exception as e:  # a store gone bad while serving: reported, not raised
        log.warning("index health check failed: %s", e)
        return "degraded", f"the index cannot be read ({type(e).__name__}: {str(e)[:200]}); {REBUILD_HINT}"
