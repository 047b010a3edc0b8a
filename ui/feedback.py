"""User feedback on answers: stored in SQLite under the data directory (or Redis, shared by several
app replicas: ui/feedback_redis.py), exported as CSV or JSONL.

One row per verdict: the question, the answer text, the citations shown with it, useful or not,
and an optional comment. Every write is one transaction; every query is parameterised.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import logging
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from corpus.errors import InputError, PolicyQAError
from corpus.settings import Settings
from ui.security import has_lone_surrogate

__all__ = [
    "FeedbackStore",
    "open_feedback_store",
    "Feedback",
    "FeedbackError",
    "export_feedback",
    "MAX_COMMENT_CHARS",
    "MAX_ANSWER_CHARS",
]

log = logging.getLogger(__name__)

MAX_COMMENT_CHARS = 1000
MAX_ANSWER_CHARS = 20000
MAX_CITATIONS = 20
MAX_CITATION_CHARS = 500
_FIELDS = ("id", "created_at", "source", "question", "answer", "citations", "useful", "comment", "answer_id")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at TEXT NOT NULL,
    source TEXT NOT NULL,
    question TEXT NOT NULL,
    answer TEXT NOT NULL,
    citations TEXT NOT NULL,
    useful INTEGER NOT NULL CHECK (useful IN (0, 1)),
    comment TEXT NOT NULL DEFAULT '',
    answer_id TEXT
)
"""
# One row per answer: a second verdict on the same answer replaces the first, so feedback cannot
# grow faster than answers are given.
_ANSWER_INDEX = "CREATE UNIQUE INDEX IF NOT EXISTS feedback_answer ON feedback (answer_id) WHERE answer_id IS NOT NULL"


class FeedbackError(PolicyQAError):
    """Feedback not stored: too frequent (429), the store's budget spent (507), or the store
    unwritable (503). ``status`` is the HTTP status; ``message_zh`` says so to the user."""

    def __init__(self, message: str, *, status: int, code: str, message_zh: str, retry_after: int | None = None) -> None:
        super().__init__(message, message_zh=message_zh)
        self.status = status
        self.code = code
        self.retry_after = retry_after


@dataclass(frozen=True, slots=True)
class Feedback:
    """One validated verdict on one answer."""

    question: str
    answer: str
    citations: tuple[str, ...]
    useful: bool
    comment: str = ""
    source: str = "api"
    answer_id: str | None = None

    @classmethod
    def checked(
        cls,
        question: Any,
        answer: Any,
        citations: Any,
        useful: Any,
        comment: Any = "",
        *,
        source: str = "api",
        max_question_chars: int = 500,
        answer_id: str | None = None,
    ) -> Feedback:
        """A Feedback from untrusted values, or InputError with a Chinese message."""
        if has_lone_surrogate([question, answer, citations, comment]):
            raise InputError("feedback text contains a lone surrogate", message_zh="反馈中含有无效字符（孤立的代理项），请删除后重试。")
        if not isinstance(question, str) or not question.strip():
            raise InputError("feedback needs the question", message_zh="反馈缺少对应的问题。")
        if len(question) > max_question_chars:
            raise InputError(
                f"feedback question has {len(question)} characters", message_zh=f"问题过长，请控制在{max_question_chars}字以内。"
            )
        if not isinstance(answer, str) or not answer.strip():
            raise InputError("feedback needs the answer", message_zh="反馈缺少对应的回答。")
        if len(answer) > MAX_ANSWER_CHARS:
            raise InputError(f"feedback answer has {len(answer)} characters", message_zh="回答内容过长，无法保存反馈。")
        if not isinstance(citations, list | tuple) or not all(isinstance(c, str) for c in citations):
            raise InputError(f"citations must be a list of strings, got {citations!r:.80}", message_zh="引用列表格式有误。")
        if len(citations) > MAX_CITATIONS or any(len(c) > MAX_CITATION_CHARS for c in citations):
            raise InputError("too many or too long citations", message_zh="引用列表过长。")
        if not isinstance(useful, bool):
            raise InputError(f"useful must be true or false, got {useful!r:.40}", message_zh="请选择“有用”或“没用”。")
        if comment is None:
            comment = ""
        if not isinstance(comment, str):
            raise InputError(f"comment must be a string, got {comment!r:.40}", message_zh="意见内容格式有误。")
        if len(comment) > MAX_COMMENT_CHARS:
            raise InputError(
                f"comment has {len(comment)} characters; the limit is {MAX_COMMENT_CHARS}",
                message_zh=f"意见过长（{len(comment)}字），请控制在{MAX_COMMENT_CHARS}字以内。",
            )
        return cls(question.strip(), answer, tuple(citations), useful, comment.strip(), source, answer_id)


class _SqliteRows:
    """The feedback table in one SQLite file (created on first use, WAL journal): one machine,
    any number of processes (SQLite locks the file for each write)."""

    errors: tuple[type[BaseException], ...] = (sqlite3.Error,)

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.where = str(self.path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with closing(self._connect()) as conn:
            conn.execute("PRAGMA journal_mode=WAL")
            with conn:
                conn.execute(_SCHEMA)
                if "answer_id" not in {r[1] for r in conn.execute("PRAGMA table_info(feedback)")}:
                    conn.execute("ALTER TABLE feedback ADD COLUMN answer_id TEXT")  # a store made before answer ids
                conn.execute(_ANSWER_INDEX)

    def _connect(self) -> sqlite3.Connection:
        # A connection per call: the API answers from a thread pool; sqlite3 connections are per thread.
        conn = sqlite3.connect(self.path, timeout=10)
        conn.row_factory = sqlite3.Row
        return conn

    def size(self) -> int:
        """Bytes on disk: the database and its write-ahead log."""
        total = 0
        for p in (self.path, self.path.with_name(self.path.name + "-wal")):
            try:
                total += p.stat().st_size
            except FileNotFoundError:
                pass
        return total

    def probe(self) -> None:
        """A row written and rolled back: file permissions do not tell (root, a read-only mount)."""
        with closing(sqlite3.connect(self.path, timeout=2, isolation_level=None)) as conn:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute(
                "INSERT INTO feedback (created_at, source, question, answer, citations, useful) VALUES ('', 'probe', '', '', '[]', 0)"
            )
            conn.execute("ROLLBACK")

    def write(self, row: dict[str, Any]) -> int:
        """Insert one row in one transaction (or, for an answer already judged, replace its verdict)."""
        values = tuple(row[f] for f in _FIELDS[1:8])
        with closing(self._connect()) as conn, conn:
            if row["answer_id"] is None:
                cur = conn.execute(
                    "INSERT INTO feedback (created_at, source, question, answer, citations, useful, comment) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    values,
                )
                return int(cur.lastrowid or 0)
            cur = conn.execute(
                "INSERT INTO feedback (created_at, source, question, answer, citations, useful, comment, answer_id) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (answer_id) WHERE answer_id IS NOT NULL DO UPDATE SET "
                "created_at = excluded.created_at, useful = excluded.useful, comment = excluded.comment, "
                "citations = excluded.citations RETURNING id",
                (*values, row["answer_id"]),
            )
            return int(cur.fetchone()[0])

    def rows(self) -> Iterator[dict[str, Any]]:
        with closing(self._connect()) as conn:
            yield from (dict(r) for r in conn.execute(f"SELECT {', '.join(_FIELDS)} FROM feedback ORDER BY id"))

    def count(self) -> int:
        with closing(self._connect()) as conn:
            return int(conn.execute("SELECT COUNT(*) FROM feedback").fetchone()[0])


class FeedbackStore:
    """Stored feedback: in one SQLite file (``path``), or in the rows given (``rows``, e.g. the
    Redis store of ui/feedback_redis.py that several app replicas share).

    Writes go through one thread of their own (``submit``), so a flood of feedback never takes
    the threads that answer questions; each is acknowledged only once committed. The store may
    grow to ``max_bytes``; past it feedback is refused and answering goes on."""

    def __init__(self, path: Path | None = None, *, max_bytes: int | None = None, rows: Any = None) -> None:
        self._rows = rows if rows is not None else _SqliteRows(Path(path))  # type: ignore[arg-type]
        self.where: str = self._rows.where
        self.max_bytes = max_bytes
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="feedback")
        self._failure: str | None = None
        self._lock = threading.Lock()

    def size(self) -> int:
        """Bytes the store holds (SQLite: the file and its write-ahead log)."""
        return int(self._rows.size())

    def health(self) -> tuple[str, str]:
        """("ok" | "degraded", why): a write is tried and undone; degraded too past the budget."""
        try:
            self._rows.probe()
        except self._rows.errors as e:
            return "degraded", f"{self.where} cannot be written ({e}): feedback is refused until it can"
        if self.max_bytes is not None and self.size() >= self.max_bytes:
            return "degraded", f"{self.where} has reached its budget of {self.max_bytes // 2**20} MiB (POLICYQA_FEEDBACK_MAX_MB)"
        with self._lock:
            failure = self._failure
        return ("degraded", failure) if failure else ("ok", f"{self.count()} records")

    def add(self, fb: Feedback) -> int:
        """Store one verdict in one transaction, on the writer thread; return its row id."""
        return self.submit(fb).result()

    def submit(self, fb: Feedback) -> Future[int]:
        """Queue one verdict for the writer thread; the future is its row id or FeedbackError."""
        try:
            full = self.max_bytes is not None and self.size() >= self.max_bytes
        except self._rows.errors as e:
            raise self._unwritable(e) from e
        if full:
            log.warning("feedback refused: %s has reached its budget of %d bytes", self.where, self.max_bytes)
            raise FeedbackError(
                f"feedback store {self.where} is full ({self.max_bytes} bytes)",
                status=507,
                code="feedback_full",
                message_zh="反馈存储空间已满，暂时无法保存反馈，请稍后再试。",
            )
        return self._writer.submit(self._write, fb)

    def _unwritable(self, e: BaseException) -> FeedbackError:
        with self._lock:
            self._failure = f"the last feedback write to {self.where} failed: {e}"
        log.error("feedback not stored in %s: %s", self.where, e)
        return FeedbackError(
            f"feedback store {self.where} cannot be written: {e}",
            status=503,
            code="feedback_unavailable",
            message_zh="反馈暂时无法保存，请稍后再试。",
        )

    def _write(self, fb: Feedback) -> int:
        row = {
            "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "source": fb.source,
            "question": fb.question,
            "answer": fb.answer,
            "citations": json.dumps(list(fb.citations), ensure_ascii=False),
            "useful": int(fb.useful),
            "comment": fb.comment,
            "answer_id": fb.answer_id,
        }
        try:
            row_id = self._rows.write(row)
        except self._rows.errors as e:
            raise self._unwritable(e) from e
        with self._lock:
            self._failure = None
        return int(row_id)

    def close(self) -> None:
        self._writer.shutdown(wait=True)

    def rows(self) -> Iterator[dict[str, Any]]:
        """All rows, oldest first, with citations as a list and useful as a bool."""
        for r in self._rows.rows():
            yield {**r, "citations": json.loads(r["citations"]), "useful": bool(r["useful"])}

    def count(self) -> int:
        return int(self._rows.count())


def open_feedback_store(settings: Settings) -> FeedbackStore:
    """The configured store: SQLite under the data directory, or Redis (``feedback_store_uri``)."""
    max_bytes = settings.feedback_max_mb * 2**20
    if settings.feedback_store_uri:
        from ui.feedback_redis import RedisRows  # the redis client only when configured

        return FeedbackStore(rows=RedisRows(settings.feedback_store_uri), max_bytes=max_bytes)
    return FeedbackStore(settings.feedback_db, max_bytes=max_bytes)


def _write_csv(rows: Sequence[dict[str, Any]], out: Path) -> None:
    # utf-8-sig: spreadsheet programs then read the Chinese text correctly.
    with out.open("w", newline="", encoding="utf-8-sig") as f:
        w = csv.DictWriter(f, fieldnames=list(_FIELDS))
        w.writeheader()
        for row in rows:
            w.writerow({**row, "citations": " | ".join(row["citations"]), "useful": "1" if row["useful"] else "0"})


def export_feedback(settings: Settings, out: Path, fmt: str = "csv") -> int:
    """Write all stored feedback to ``out`` as ``csv`` or ``jsonl``; return how many rows."""
    if fmt not in ("csv", "jsonl"):
        raise InputError(f"format must be csv or jsonl, not {fmt!r}", message_zh="导出格式只能是 csv 或 jsonl。")
    rows = list(open_feedback_store(settings).rows())
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "csv":
        _write_csv(rows, out)
    else:
        with out.open("w", encoding="utf-8") as f:
            for row in rows:
                f.write(json.dumps(row, ensure_ascii=False) + "\n")
    return len(rows)
