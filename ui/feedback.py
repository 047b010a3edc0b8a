"""User feedback on answers: stored in SQLite under the data directory, exported as CSV or JSONL.

One row per verdict: the question, the answer text, the citations shown with it, useful or not,
and an optional comment. Every write is one transaction; every query is parameterised.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from corpus.errors import InputError
from corpus.settings import Settings

__all__ = ["FeedbackStore", "Feedback", "export_feedback", "MAX_COMMENT_CHARS", "MAX_ANSWER_CHARS"]

MAX_COMMENT_CHARS = 1000
MAX_ANSWER_CHARS = 20000
MAX_CITATIONS = 20
MAX_CITATION_CHARS = 500
_FIELDS = ("id", "created_at", "source", "question", "answer", "citations", "useful", "comment")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at TEXT NOT NULL,
    source TEXT NOT NULL,
    question TEXT NOT NULL,
    answer TEXT NOT NULL,
    citations TEXT NOT NULL,
    useful INTEGER NOT NULL CHECK (useful IN (0, 1)),
    comment TEXT NOT NULL DEFAULT ''
)
"""


@dataclass(frozen=True, slots=True)
class Feedback:
    """One validated verdict on one answer."""

    question: str
    answer: str
    citations: tuple[str, ...]
    useful: bool
    comment: str = ""
    source: str = "api"

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
    ) -> Feedback:
        """A Feedback from untrusted values, or InputError with a Chinese message."""
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
        return cls(question.strip(), answer, tuple(citations), useful, comment.strip(), source)


class FeedbackStore:
    """The feedback table in one SQLite file (created on first use, WAL journal)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with closing(self._connect()) as conn:
            conn.execute("PRAGMA journal_mode=WAL")
            with conn:
                conn.execute(_SCHEMA)

    def _connect(self) -> sqlite3.Connection:
        # A connection per call: the API answers from a thread pool; sqlite3 connections are per thread.
        conn = sqlite3.connect(self.path, timeout=10)
        conn.row_factory = sqlite3.Row
        return conn

    def add(self, fb: Feedback) -> int:
        """Store one verdict in one transaction; return its row id."""
        now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        with closing(self._connect()) as conn, conn:
            cur = conn.execute(
                "INSERT INTO feedback (created_at, source, question, answer, citations, useful, comment) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (now, fb.source, fb.question, fb.answer, json.dumps(list(fb.citations), ensure_ascii=False), int(fb.useful), fb.comment),
            )
            return int(cur.lastrowid or 0)

    def rows(self) -> Iterator[dict[str, Any]]:
        """All rows, oldest first, with citations as a list and useful as a bool."""
        with closing(self._connect()) as conn:
            for r in conn.execute(f"SELECT {', '.join(_FIELDS)} FROM feedback ORDER BY id"):
                row = dict(r)
                row["citations"] = json.loads(row["citations"])
                row["useful"] = bool(row["useful"])
                yield row

    def count(self) -> int:
        with closing(self._connect()) as conn:
            return int(conn.execute("SELECT COUNT(*) FROM feedback").fetchone()[0])


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
    rows = list(FeedbackStore(settings.feedback_db).rows())
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "csv":
        _write_csv(rows, out)
    else:
        with out.open("w", encoding="utf-8") as f:
            for row in rows:
                f.write(json.dumps(row, ensure_ascii=False) + "\n")
    return len(rows)
