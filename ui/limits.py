"""Limits on what one connection or request may cost: header size, request time, body size.

``server_config(app, settings, host, port)`` is how ``policyqa serve`` (and the tests) run
uvicorn. Its HTTP protocol is h11 (a header block larger than ``max_header_bytes`` is refused
with 431 as soon as it passes the limit; httptools, uvicorn's default when installed, buffers any
size) with two timers uvicorn lacks: a client must send a request's headers within
``request_timeout_s`` of connecting (or of its previous response) and its body within
``request_timeout_s`` of the headers, or the connection is closed. X-Forwarded-For is left to
the app (``ui.ratelimit``): uvicorn's own proxy handling trusts it from any local client.

``BodyGuard`` is the ASGI middleware in front of ``/api/*``: bodies up to ``max_body_bytes``,
strict UTF-8, JSON at most ``MAX_JSON_DEPTH`` deep, no lone surrogates, valid JSON accepted as
``text/plain`` too, and paths up to ``MAX_PATH_CHARS``; each refusal is a JSON error in Chinese.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

from corpus.settings import Settings
from ui.security import has_lone_surrogate

__all__ = ["server_config", "server_options", "BodyGuard", "protocol_class", "MAX_JSON_DEPTH", "MAX_PATH_CHARS"]

log = logging.getLogger(__name__)
MAX_JSON_DEPTH = 32
MAX_PATH_CHARS = 2048

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def _json_bytes(status: int, code: str, message: str) -> bytes:
    return json.dumps({"error": {"code": code, "message": message}}, ensure_ascii=False).encode()


def _raw_response(status: int, reason: str, code: str, message: str) -> bytes:
    body = _json_bytes(status, code, message)
    head = (
        f"HTTP/1.1 {status} {reason}\r\ncontent-type: application/json; charset=utf-8\r\n"
        f"x-content-type-options: nosniff\r\ncontent-length: {len(body)}\r\nconnection: close\r\n\r\n"
    )
    return head.encode("ascii") + body


class _GuardedH11(H11Protocol):
    """uvicorn's h11 protocol with a deadline on each request's headers and body, and JSON errors."""

    request_timeout = 10.0
    max_header_bytes = 16384

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._deadline: asyncio.TimerHandle | None = None
        self._arm()

    def _arm(self) -> None:
        self._disarm()
        self._deadline = self.loop.call_later(self.request_timeout, self._too_slow)

    def _disarm(self) -> None:
        if getattr(self, "_deadline", None) is not None:
            self._deadline.cancel()  # type: ignore[union-attr]
            self._deadline = None

    def _too_slow(self) -> None:
        self._deadline = None
        if self.transport.is_closing():
            return
        state = self.conn.their_state
        if state is h11.IDLE and self.conn.trailing_data[0]:  # part of a request line or headers
            log.warning("closing a connection from %s: headers not received within %.0fs", self.client, self.request_timeout)
            self.transport.write(_raw_response(408, "Request Timeout", "request_timeout", "请求发送超时，请重试。"))
        elif state is h11.SEND_BODY:
            log.warning("closing a connection from %s: body not received within %.0fs", self.client, self.request_timeout)
        # a connection that sends nothing is closed too: uvicorn arms its keep-alive timer only after a response
        self.transport.close()  # a stalled body: the app sees a disconnect

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        self._follow()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing():
            self._arm()  # the next request's headers get the same deadline

    def _follow(self) -> None:
        state = self.conn.their_state
        if state is h11.SEND_BODY and self._deadline is None:
            self._arm()  # headers in: now the body's deadline
        elif state in (h11.DONE, h11.MUST_CLOSE, h11.CLOSED, h11.ERROR):
            self._disarm()
        elif state is h11.SEND_BODY:
            pass  # the body's deadline runs from the headers, not from each chunk

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def send_400_response(self, msg: str) -> None:
        buffered = len(self.conn.trailing_data[0])
        if buffered > self.max_header_bytes:
            line_done = b"\r\n" in self.conn.trailing_data[0][:buffered]
            status, reason, code, zh = (
                (431, "Request Header Fields Too Large", "headers_too_large", "请求头过长。")
                if line_done
                else (414, "URI Too Long", "uri_too_long", "请求地址过长。")
            )
        else:
            status, reason, code, zh = 400, "Bad Request", "bad_http", "请求格式有误，无法识别。"
        self._disarm()
        self.transport.write(_raw_response(status, reason, code, zh))
        self.transport.close()


def protocol_class(settings: Settings) -> type[asyncio.Protocol]:
    """The HTTP protocol class for uvicorn, with the settings' limits."""
    return type(
        "PolicyQAHTTP",
        (_GuardedH11,),
        {"request_timeout": settings.request_timeout_s, "max_header_bytes": settings.max_header_bytes},
    )


def __getattr__(name: str) -> Any:
    # uvicorn's worker processes (serve_workers > 1) are spawned and import their protocol class
    # by name, "ui.limits:ServedHTTP": built here from the same environment's settings.
    if name == "ServedHTTP":
        return protocol_class(Settings())
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def server_options(settings: Settings, host: str, port: int, *, by_name: bool = False) -> dict[str, Any]:
    """uvicorn's options for ``policyqa serve``: h11 with limits, no proxy trust of its own.
    ``by_name``: the protocol as an import string, for worker processes (a built class does not
    cross a spawn)."""
    return {
        "host": host,
        "port": port,
        "http": "ui.limits:ServedHTTP" if by_name else protocol_class(settings),
        "h11_max_incomplete_event_size": settings.max_header_bytes,
        "timeout_keep_alive": settings.keep_alive_s,
        "limit_concurrency": settings.max_connections,
        "proxy_headers": False,  # X-Forwarded-For only from POLICYQA_TRUSTED_PROXIES (ui.ratelimit)
        "server_header": False,
        "timeout_graceful_shutdown": 10,
    }


def server_config(app: Any, settings: Settings, host: str, port: int, **overrides: Any) -> Any:
    """The uvicorn Config ``policyqa serve`` runs in one process (see :func:`server_options`)."""
    import uvicorn

    return uvicorn.Config(app, **{**server_options(settings, host, port), **overrides})


class BodyGuard:
    """Checks ``/api/*`` requests before the app parses them (see the module's docstring)."""

    def __init__(self, app: ASGIApp, max_body_bytes: int = 65536, body_timeout: float = 10.0) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.body_timeout = body_timeout

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if len(scope.get("raw_path") or scope["path"]) > MAX_PATH_CHARS:
            await _send_error(send, 414, "uri_too_long", "请求地址过长。")
            return
        if not scope["path"].startswith("/api/") or scope["method"] not in ("POST", "PUT", "PATCH"):
            await self.app(scope, receive, send)
            return
        body = await self._read(scope, receive, send)
        if body is None:
            return
        problem = _json_problem(body)
        if problem is not None:
            await _send_error(send, 400, *problem)
            return
        headers = [(k, v) for k, v in scope["headers"] if k != b"content-type"]
        ctype = dict(scope["headers"]).get(b"content-type", b"").split(b";")[0].strip().lower()
        if ctype in (b"", b"text/plain"):  # valid JSON sent as text: taken as JSON
            ctype = b"application/json"
        scope = {**scope, "headers": [*headers, (b"content-type", ctype)]}
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _read(self, scope: Scope, receive: Receive, send: Send) -> bytes | None:
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_body_bytes:
            await _send_error(send, 413, "body_too_large", f"请求内容过大（上限{self.max_body_bytes // 1024}KB）。")
            return None
        chunks: list[bytes] = []
        size = 0
        try:
            async with asyncio.timeout(self.body_timeout):
                while True:
                    message = await receive()
                    if message["type"] == "http.disconnect":
                        return None
                    chunk = message.get("body", b"")
                    size += len(chunk)
                    if size > self.max_body_bytes:
                        await _send_error(send, 413, "body_too_large", f"请求内容过大（上限{self.max_body_bytes // 1024}KB）。")
                        return None
                    chunks.append(chunk)
                    if not message.get("more_body", False):
                        return b"".join(chunks)
        except TimeoutError:
            await _send_error(send, 408, "request_timeout", "请求发送超时，请重试。")
            return None


def _json_problem(body: bytes) -> tuple[str, str] | None:
    """(code, Chinese message) when the body cannot be the JSON of a request; None when it can
    (or when it is not JSON at all: the app then says which field is wrong)."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return "invalid_encoding", "请求内容不是有效的 UTF-8 编码文本。"
    if not text.strip():
        return None
    # Bracket depth before parsing: json.loads recurses, and 100k-deep input should cost nothing.
    # Fewer brackets than the limit cannot nest past it: ordinary requests skip the scan.
    if text.count("[") + text.count("{") > MAX_JSON_DEPTH and _too_deep(text):
        return "too_deep", f"请求内容嵌套层数过多（上限{MAX_JSON_DEPTH}层）。"
    try:
        data = json.loads(text)
    except ValueError:
        return None  # the app's own parser says 不是有效的 JSON
    if has_lone_surrogate(data):
        return "invalid_text", "请求中含有无效字符（孤立的代理项），请删除后重试。"
    return None


def _too_deep(text: str) -> bool:
    depth = 0
    in_string = escaped = False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            if depth > MAX_JSON_DEPTH:
                return True
        elif ch in "]}":
            depth -= 1
    return False


async def _send_error(send: Send, status: int, code: str, message: str) -> None:
    body = _json_bytes(status, code, message)
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})
