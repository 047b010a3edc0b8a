"""Feedback rows in a Redis server, so that several app replicas (processes, machines) share one
store: ``POLICYQA_FEEDBACK_STORE_URI=redis://host:6379/1``. ``ui.feedback.FeedbackStore`` wraps
it as it wraps the SQLite file (its writer thread, size budget, errors and health).

Each write is one Lua script, which Redis runs atomically: a new row takes the next id, its
hash and its place in the id list together; a second verdict on the same answer (``answer_id``)
replaces the first's verdict, comment, citations and time, as SQLite's upsert does. A reader
never sees half a row, and two replicas writing at once never share an id. All keys carry one
hash tag, so they sit in one slot.

Durability is the Redis server's: run it with ``appendonly yes`` (the README says so) for
feedback to survive a restart of Redis.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import redis

from corpus.errors import PolicyQAError

__all__ = ["RedisRows"]

PREFIX = "policyqa:{feedback}:"
_FIELDS = ("created_at", "source", "question", "answer", "citations", "useful", "comment", "answer_id")
_UPDATED = ("created_at", "useful", "comment", "citations")  # what a second verdict on one answer replaces

# KEYS: next id, id list, answer_id -> id, bytes stored. ARGV: row key prefix, answer_id ('' for
# none), then the values of _FIELDS without answer_id. Returns the row's id.
_WRITE = """
local prefix, answer_id = ARGV[1], ARGV[2]
local created_at, source, question, answer, citations, useful, comment = ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7], ARGV[8], ARGV[9]
if answer_id ~= '' then
  local id = redis.call('HGET', KEYS[3], answer_id)
  if id then
    local key = prefix .. id
    local old = redis.call('HMGET', key, 'created_at', 'useful', 'comment', 'citations')
    local grown = #created_at + #useful + #comment + #citations
    for _, v in ipairs(old) do if v then grown = grown - #v end end
    redis.call('HSET', key, 'created_at', created_at, 'useful', useful, 'comment', comment, 'citations', citations)
    redis.call('INCRBY', KEYS[4], grown)
    return tonumber(id)
  end
end
local id = redis.call('INCR', KEYS[1])
redis.call('HSET', prefix .. id, 'created_at', created_at, 'source', source, 'question', question, 'answer', answer,
           'citations', citations, 'useful', useful, 'comment', comment, 'answer_id', answer_id)
redis.call('RPUSH', KEYS[2], id)
if answer_id ~= '' then redis.call('HSET', KEYS[3], answer_id, id) end
redis.call('INCRBY', KEYS[4], #created_at + #source + #question + #answer + #citations + #useful + #comment + #answer_id)
return id
"""


def _masked(uri: str) -> str:
    """The URI without its password, for messages and logs."""
    parts = urlsplit(uri)
    if parts.password is None:
        return uri
    host = parts.hostname or ""
    netloc = f"{parts.username or ''}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


class RedisRows:
    """The feedback rows in the Redis server at ``uri``; PolicyQAError when it cannot be reached."""

    errors: tuple[type[BaseException], ...] = (redis.RedisError, OSError)

    def __init__(self, uri: str, *, timeout_s: float = 5.0) -> None:
        self.where = f"the Redis feedback store {_masked(uri)}"
        try:
            self._redis = redis.Redis.from_url(uri, socket_timeout=timeout_s, socket_connect_timeout=timeout_s, decode_responses=True)
            self._redis.ping()
        except (redis.RedisError, OSError, ValueError) as e:
            raise PolicyQAError(
                f"feedback store unreachable: {_masked(uri)} ({type(e).__name__}: {e}); start Redis there, correct "
                "POLICYQA_FEEDBACK_STORE_URI, or unset it to keep feedback in SQLite under the data directory"
            ) from e
        self._script = self._redis.register_script(_WRITE)
        self._keys = [PREFIX + "next", PREFIX + "ids", PREFIX + "answers", PREFIX + "bytes"]

    def size(self) -> int:
        """Bytes of feedback text stored (the values, without Redis's own overhead)."""
        return int(self._redis.get(PREFIX + "bytes") or 0)

    def probe(self) -> None:
        """A write that expires at once: raises on a read-only replica, a full server, a lost link."""
        self._redis.set(PREFIX + "probe", "1", px=1000)

    def write(self, row: dict[str, Any]) -> int:
        values = [str(row[f]) for f in _FIELDS[:-1]]
        return int(self._script(keys=self._keys, args=[PREFIX + "row:", row["answer_id"] or "", *values]))

    def rows(self) -> Iterator[dict[str, Any]]:
        ids = [int(i) for i in self._redis.lrange(PREFIX + "ids", 0, -1)]
        for start in range(0, len(ids), 500):
            batch = ids[start : start + 500]
            pipe = self._redis.pipeline(transaction=False)
            for i in batch:
                pipe.hgetall(f"{PREFIX}row:{i}")
            for i, h in zip(batch, pipe.execute(), strict=True):
                yield {
                    "id": i,
                    **{f: h[f] for f in _FIELDS if f != "answer_id"},
                    "useful": int(h["useful"]),
                    "answer_id": h["answer_id"] or None,
                }

    def count(self) -> int:
        return int(self._redis.llen(PREFIX + "ids"))
