"""What the app sends and serves to stay safe in a hostile browser or network.

- ``SecurityHeaders``: ``X-Content-Type-Options: nosniff`` on every response, and on the chat
  page ``Content-Security-Policy: frame-ancestors 'self' <embed origins>`` (other sites cannot
  frame it; ``/embed`` sets its own, stricter policy).
- ``prune_gradio_routes``: the chat page is served by Gradio, whose app also offers file upload,
  file serving, login, monitoring, an MCP server and API listings. The page uses none of them;
  they are removed, so they answer 404.
- ``AnswerSigner``: every answer the service gives carries an ``answer_id`` it signed (HMAC over
  the time, the question and the answer text); feedback must bring it back, so feedback can only
  be about an answer the service gave, and only for ``answer_id_ttl_hours``.
- ``has_lone_surrogate``: text with a lone UTF-16 surrogate (``"\\ud800"``) cannot be encoded,
  stored or shown; requests carrying one are refused up front.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
import time
from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Any

from corpus.errors import InputError, PolicyQAError
from corpus.settings import Settings

__all__ = [
    "SecurityHeaders",
    "AnswerSigner",
    "UnknownAnswerError",
    "prune_gradio_routes",
    "has_lone_surrogate",
    "check_text",
    "frame_ancestors",
    "GRADIO_ROUTES_KEPT",
]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
ASGIApp = Callable[[Scope, Callable[[], Awaitable[Message]], Callable[[Message], Awaitable[None]]], Awaitable[None]]


def has_lone_surrogate(value: Any) -> bool:
    """Whether any string in ``value`` (a str, or lists and dicts of them) has a lone surrogate."""
    stack = [value]
    while stack:
        v = stack.pop()
        if isinstance(v, str):
            try:
                v.encode("utf-8")
            except UnicodeEncodeError:
                return True
        elif isinstance(v, dict):
            stack.extend(v.keys())
            stack.extend(v.values())
        elif isinstance(v, list | tuple):
            stack.extend(v)
    return False


def check_text(value: Any) -> None:
    """InputError (Chinese) when ``value`` holds text that cannot be encoded."""
    if has_lone_surrogate(value):
        raise InputError("text contains a lone UTF-16 surrogate", message_zh="输入中含有无效字符（孤立的代理项），请删除后重试。")


def frame_ancestors(settings: Settings) -> str:
    """The frame-ancestors directive: the app itself and the configured embed origins."""
    return " ".join(["frame-ancestors 'self'", *settings.embed_origins])


class SecurityHeaders:
    """Adds nosniff everywhere and frame-ancestors under ``frame_prefix`` (the chat page)."""

    def __init__(self, app: ASGIApp, frame_policy: str, frame_prefix: str = "/chat") -> None:
        self.app = app
        self.frame_policy = frame_policy.encode()
        self.frame_prefix = frame_prefix

    async def __call__(self, scope: Scope, receive: Callable[[], Awaitable[Message]], send: Callable[[Message], Awaitable[None]]) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        framed = scope["path"] == self.frame_prefix or scope["path"].startswith(self.frame_prefix + "/")

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"x-content-type-options"]
                headers.append((b"x-content-type-options", b"nosniff"))
                if framed and not any(k.lower() == b"content-security-policy" for k, _ in headers):
                    headers.append((b"content-security-policy", self.frame_policy))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)


# What the chat page uses of Gradio's routes (loading the page, asking, following up, feedback,
# clearing; tests/ui/test_browser.py drives all of it). Everything else Gradio mounts is removed:
# upload, file and proxy serving, streams, login, monitoring, run history, the API listings.
GRADIO_ROUTES_KEPT = frozenset(
    {
        "/",
        "/config",
        "/config/",
        "/theme.css",
        "/robots.txt",
        "/manifest.json",
        "/pwa_icon",
        "/favicon.ico",
        "/assets/{path:path}",
        "/static/{path:path}",
        "/svelte/{path:path}",
        "/gradio_api/info",
        "/gradio_api/info/",
        "/gradio_api/theme.css",
        "/gradio_api/queue/join",
        "/gradio_api/queue/data",
        "/gradio_api/queue/status",
        "/gradio_api/heartbeat/{session_hash}",
        "/gradio_api/cancel",
        "/gradio_api/reset",
        "/gradio_api/reset/",
        "/gradio_api/startup-events",
        "/gradio_api/run/{api_name}",  # events that skip the queue (an example's text into the box, clear)
        "/gradio_api/run/{api_name}/",
        "/gradio_api/custom_component/{id}/{environment}/{type}/{file_name}",
    }
)


def prune_gradio_routes(gradio_app: Any, keep: frozenset[str] = GRADIO_ROUTES_KEPT) -> list[str]:
    """Remove every route of Gradio's app (and of the routers it includes) not in ``keep``;
    return the removed paths. Done before the app serves, so no route table is cached yet."""
    removed: list[str] = []

    def prune(router: Any) -> None:
        kept = []
        for route in router.routes:
            inner = getattr(route, "original_router", None)  # an included router: prune inside it
            if inner is not None:
                prune(inner)
                kept.append(route)
            elif getattr(route, "path", None) in keep:
                kept.append(route)
            else:
                removed.append(getattr(route, "path", repr(route)))
        router.routes[:] = kept
        if hasattr(router, "_routes_version"):
            router._routes_version += 1  # FastAPI caches included routes by this counter

    prune(gradio_app.router)
    return removed


class AnswerSigner:
    """Issues and checks ``answer_id``s: ``<unix time, hex>.<nonce>.<HMAC-SHA256 of them, the question and the answer>``
    (the nonce keeps two equal answers given in the same second two answers)."""

    def __init__(self, key: bytes, ttl_s: float) -> None:
        self._key = key
        self.ttl_s = ttl_s

    @classmethod
    def from_settings(cls, settings: Settings) -> AnswerSigner:
        if settings.secret_key is not None:
            key = settings.secret_key.get_secret_value().encode()
        else:
            key = _stored_key(settings.secret_key_file)
        return cls(key, settings.answer_id_ttl_hours * 3600)

    def _mac(self, issued: int, nonce: str, question: str, answer: str) -> str:
        digest = hmac.new(self._key, f"{issued}\n{nonce}\n{question.strip()}\n{answer}".encode(), hashlib.sha256).digest()[:16]
        return base64.urlsafe_b64encode(digest).decode().rstrip("=")

    def issue(self, question: str, answer: str, now: float | None = None) -> str:
        issued = int(time.time() if now is None else now)
        nonce = secrets.token_urlsafe(6)
        return f"{issued:x}.{nonce}.{self._mac(issued, nonce, question, answer)}"

    def check(self, answer_id: str, question: str, answer: str, now: float | None = None) -> None:
        """UnknownAnswerError (403, Chinese) unless ``answer_id`` was issued here for this question and answer, and has not expired."""
        stamp, nonce, mac = ([*answer_id.split(".", 2), "", ""])[:3]
        try:
            issued = int(stamp, 16)
        except ValueError:
            issued = -1
        if issued < 0 or not hmac.compare_digest(mac, self._mac(issued, nonce, question, answer)):
            raise UnknownAnswerError(
                f"answer_id {answer_id[:40]!r} was not issued for this answer", message_zh="该回答不是本服务给出的，无法评价。"
            )
        age = (time.time() if now is None else now) - issued
        if age > self.ttl_s or age < -300:
            raise UnknownAnswerError(f"answer_id {answer_id[:40]!r} has expired", message_zh="该回答已过评价期限，请重新提问后再评价。")


class UnknownAnswerError(PolicyQAError):
    """Feedback on an answer this service did not give (or no longer takes feedback on): HTTP 403."""


def _stored_key(path: Path) -> bytes:
    """The key in ``path``, made (32 random bytes, mode 0600) when missing."""
    try:
        return path.read_bytes().strip()
    except FileNotFoundError:
        pass
    key = secrets.token_hex(32).encode()
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it first
        return path.read_bytes().strip()
    except OSError as e:
        raise PolicyQAError(
            f"data directory not writable: cannot create {path} ({e.strerror}); "
            "make the directory writable by this user, or set POLICYQA_SECRET_KEY"
        ) from e
    with os.fdopen(fd, "wb") as f:
        f.write(key)
    return key
