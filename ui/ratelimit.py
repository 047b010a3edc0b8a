"""Per-client rate limits, on the maintained ``limits`` library (sliding window counter).

The client is the connection's address. ``X-Forwarded-For`` is believed only from the proxies
the operator lists in ``POLICYQA_TRUSTED_PROXIES`` (``trusted_client_middleware``): uvicorn's own
default trusts it from any local client, which let anyone on the host pick their own address.

Counts live in a ``limits`` storage named by ``POLICYQA_RATE_LIMIT_STORAGE_URI`` (``memory://``
by default; ``redis://…`` to share them between processes). The sliding window counter keeps two
counters per client (this window and the last, weighted) and its memory storage drops both when
they expire, so neither memory nor the cost of a hit grows with the number of clients seen.
(The moving-window strategy's memory storage, limits 5.8, keeps an empty list for every client
it ever saw: tests/ui/test_hostile.py checks that clients are forgotten.)
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from limits import RateLimitItemPerSecond
from limits.storage import storage_from_string
from limits.strategies import SlidingWindowCounterRateLimiter

from corpus.settings import Settings

__all__ = ["RateLimiter", "InFlight", "limiter_storage", "trusted_client_middleware"]


def limiter_storage(settings: Settings) -> Any:
    """The storage every limiter of the app shares."""
    return storage_from_string(settings.rate_limit_storage_uri)


class RateLimiter:
    """At most ``limit`` events per client in any ``window`` seconds; ``limit`` 0 means no limit."""

    def __init__(self, limit: int, window: int = 60, *, storage: Any = None, namespace: str = "ask") -> None:
        self.limit = limit
        self.window = window
        self.namespace = namespace
        self._item = RateLimitItemPerSecond(max(limit, 1), window)
        self._limiter = SlidingWindowCounterRateLimiter(storage if storage is not None else storage_from_string("memory://"))

    def hit(self, client: str) -> float:
        """Record an event; return 0 when allowed, else the seconds until the next one is."""
        if self.limit <= 0:
            return 0.0
        if self._limiter.hit(self._item, self.namespace, client):
            return 0.0
        reset = self._limiter.get_window_stats(self._item, self.namespace, client).reset_time
        return max(reset - time.time(), 0.001)


class InFlight:
    """How many requests each client has in progress; at most ``per_client`` at once.

    Only clients with something in progress are kept, so the table is as large as the number of
    requests being served, never the number of clients seen."""

    def __init__(self, per_client: int) -> None:
        self.per_client = per_client
        self._busy: dict[str, int] = {}
        self._lock = threading.Lock()

    @contextmanager
    def slot(self, client: str) -> Iterator[bool]:
        """Yields True with a slot held, or False when the client already has ``per_client``."""
        with self._lock:
            n = self._busy.get(client, 0)
            if n >= self.per_client:
                got = False
            else:
                self._busy[client] = n + 1
                got = True
        try:
            yield got
        finally:
            if got:
                with self._lock:
                    left = self._busy[client] - 1
                    if left:
                        self._busy[client] = left
                    else:
                        del self._busy[client]

    def __len__(self) -> int:
        return len(self._busy)


def trusted_client_middleware(settings: Settings) -> tuple[type, dict[str, Any]] | None:
    """The middleware (class, options) that takes the client from X-Forwarded-For when the
    connection comes from a configured proxy; None when no proxy is configured."""
    if not settings.trusted_proxies:
        return None
    from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

    return ProxyHeadersMiddleware, {"trusted_hosts": list(settings.trusted_proxies)}
