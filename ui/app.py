"""The one web app: the Gradio chat page, the JSON API, the widget and its compact chat.

``create_app(settings)`` loads the model and the index once (through ``Assistant.from_settings``)
and serves:

- ``/`` → ``/chat/``: the chat page (Gradio);
- ``POST /api/ask``, ``GET /api/health``, ``GET /api/documents``,
  ``GET /api/documents/{id}/clauses/{clause_id}``, ``POST /api/feedback``: the JSON API;
- ``/widget.js``: the script a partner site adds; ``/embed``: the compact chat it opens in an iframe;
- ``/demo/embed.html``: a host page embedding the widget as a partner would;
- ``/source/{doc_id}/{clause_id}?q=…``: a cited clause, readable, in its document (``ui/source.py``);
- ``/docs``: Swagger UI from local files (``ui/apidocs.py``).

Errors are JSON ``{"error": {"code", "message"}}`` with a Chinese message, never a stack trace.
What guards it lives beside it: ``ui.limits`` (request size and time), ``ui.ratelimit`` (per-client
limits), ``ui.security`` (headers, Gradio's routes, answer ids), ``ui.stores`` (start-up checks, health).
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Any

# Before gradio is imported: no lookups of outside hosts at start.
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from assistant.chain import Assistant
from assistant.understand import detect_region
from corpus.errors import CorpusError, InputError, PolicyQAError
from corpus.records import PolicyDocument
from corpus.settings import Settings
from ui.admin import register_admin
from ui.feedback import Feedback, FeedbackError, open_feedback_store
from ui.limits import BodyGuard
from ui.match_api import register_match_api
from ui.ratelimit import InFlight, RateLimiter, limiter_storage, trusted_client_middleware
from ui.schema import AnswerOut, AskRequest, ClauseOut, DocumentsOut, ErrorOut, FeedbackOut, FeedbackRequest, HealthOut
from ui.security import AnswerSigner, SecurityHeaders, UnknownAnswerError, check_text, frame_ancestors, prune_gradio_routes
from ui.stores import AnswerHealth, index_health, open_assistant

__all__ = ["create_app", "RateLimiter", "AskRequest", "FeedbackRequest", "CHAT_PATH", "frame_ancestors"]

log = logging.getLogger(__name__)
STATIC_DIR = Path(__file__).resolve().parent / "static"
FAVICON = STATIC_DIR / "favicon.svg"
CHAT_PATH = "/chat"
MAX_REGION_CHARS = 20


def _error(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status, headers=headers)


_PYDANTIC_ZH = {
    "missing": "缺少此字段",
    "string_type": "应为文本",
    "list_type": "应为文本列表",
    "bool_type": "应为 true 或 false",
    "json_invalid": "不是有效的 JSON",
    "model_attributes_type": "应为 JSON 对象",
    "dict_type": "应为 JSON 对象",
}


def _validation_message(exc: RequestValidationError) -> str:
    parts = []
    for err in exc.errors()[:3]:
        loc = ".".join(str(x) for x in err.get("loc", ()) if x != "body") or "请求体"
        parts.append(f"{loc}{_PYDANTIC_ZH.get(err.get('type', ''), '格式有误')}")
    return "请求格式有误：" + "；".join(parts) + "。"


def document_dict(d: PolicyDocument, settings: Settings, clauses: int | None = None) -> dict[str, Any]:
    v = d.validity(settings.today_date())
    out: dict[str, Any] = {
        "id": d.id,
        "title": d.title,
        "doc_no": d.doc_no,
        "region": d.region,
        "kind": d.kind.value,
        "kind_zh": d.kind.zh,
        "issuers": list(d.issuers),
        "issued": d.issued.isoformat() if d.issued else None,
        "expires": d.expires.isoformat() if d.expires else None,
        "validity": {"status": v.status.value, "status_zh": v.status.zh, "text": v.describe(), "days_left": v.days_left},
        "source": d.source,
    }
    if clauses is not None:
        out["clauses"] = clauses
    return out


def scoped_question(question: str, history: list[str], region: str | None, max_chars: int | None = None) -> str:
    """The question with the default region added, when neither it nor the history names one.

    The region goes at the end, in brackets: a follow-up ("这个文件…", "那…") must still start
    the way it was typed, or the chain would no longer read it as one. A question already at
    the length limit is left as it is: the chain would refuse it with the region added, and the
    user typed nothing wrong."""
    if not region or not region.strip():
        return question
    if detect_region(question)[0] is not None or any(detect_region(h)[0] is not None for h in history):
        return question
    scoped = f"{question.strip()}（{region.strip()}）"
    return question if max_chars is not None and len(scoped) > max_chars else scoped


class _CatchAll:
    """The last resort: an unexpected exception becomes a JSON 500 and is logged once (Starlette's
    own handler for Exception logs nothing but re-raises, and the server then logs it again)."""

    def __init__(self, app: Callable[..., Awaitable[None]]) -> None:
        self.app = app

    async def __call__(self, scope: MutableMapping[str, Any], receive: Any, send: Any) -> None:
        started = False

        async def tracked(message: MutableMapping[str, Any]) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracked)
        except Exception:
            log.exception("unhandled error on %s", scope.get("path"))
            if scope["type"] != "http" or started:
                return
            response = _error(500, "internal_error", "系统处理出错，请稍后再试或联系管理员。")
            await response(scope, receive, send)


def create_app(settings: Settings, assistant: Assistant | None = None) -> FastAPI:
    """The FastAPI app; ``assistant`` defaults to the real one, loaded once."""
    import gradio as gr

    from ui.apidocs import docs_router
    from ui.page import build_page, page_css, page_head, page_js, page_theme
    from ui.source import add_source_urls, source_router

    assistant = assistant if assistant is not None else open_assistant(settings)
    feedback = open_feedback_store(settings)  # SQLite, or Redis shared by several replicas
    storage = limiter_storage(settings)
    limiter = RateLimiter(settings.rate_limit_per_minute, storage=storage, namespace="ask")
    feedback_limiter = RateLimiter(settings.feedback_per_minute, storage=storage, namespace="feedback")
    signer = AnswerSigner.from_settings(settings)
    # Answers run side by side (a slow one no longer holds up everyone), at most answer_workers at
    # once, and at most answers_per_client of them for one client.
    answer_slots = threading.BoundedSemaphore(settings.answer_workers)
    in_flight = InFlight(settings.answers_per_client)
    answers = AnswerHealth()
    # knowledge-base updates take turns under this lock; answers never wait for it: the new index
    # is swapped in with one assignment, and an answer under way finishes on the one it started with
    answer_lock = threading.Lock()

    def signed(result: dict[str, Any]) -> dict[str, Any]:
        return {**result, "answer_id": signer.issue(result["question"], result["answer"])}

    def ask(question: str, history: list[str]) -> dict[str, Any]:
        check_text([question, history])
        with answer_slots:
            try:
                result = add_source_urls(assistant.answer(question, history).to_dict())
            except InputError:
                raise
            except Exception as e:
                answers.failed(e)
                raise
        answers.ok()
        return signed(result)

    app = FastAPI(
        title="政策问答 policyqa",
        version="0.1.0",
        description="Cited answers about Chinese government support policies, from the policy texts themselves.",
        docs_url=None,  # ui/apidocs.py serves /docs from local files: FastAPI's loads from a CDN
        redoc_url=None,
    )
    app.state.assistant = assistant
    app.state.feedback = feedback
    app.state.limiter = limiter
    app.state.answer_lock = answer_lock  # knowledge-base updates swap the index under it
    register_admin(app, settings)  # /admin: upload, list, remove, re-index (operator token)
    app.state.signer = signer

    @app.exception_handler(FeedbackError)
    async def _feedback_refused(request: Request, exc: FeedbackError) -> JSONResponse:
        headers = {"Retry-After": str(exc.retry_after)} if exc.retry_after else None
        return _error(exc.status, exc.code, exc.message_zh, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        return _error(422, "invalid_request", _validation_message(exc))

    @app.exception_handler(UnknownAnswerError)
    async def _unknown_answer(request: Request, exc: UnknownAnswerError) -> JSONResponse:
        return _error(403, "unknown_answer", exc.message_zh)

    @app.exception_handler(InputError)
    async def _bad_input(request: Request, exc: InputError) -> JSONResponse:
        return _error(400, "invalid_input", exc.message_zh)

    @app.exception_handler(CorpusError)
    async def _not_found(request: Request, exc: CorpusError) -> JSONResponse:
        return _error(404, "not_found", exc.message_zh)

    @app.exception_handler(PolicyQAError)
    async def _ours(request: Request, exc: PolicyQAError) -> JSONResponse:
        log.exception("policyqa error on %s", request.url.path, exc_info=exc)
        return _error(500, "internal_error", exc.message_zh)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        if not request.url.path.startswith("/api/"):
            return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=getattr(exc, "headers", None))
        msg = {404: "未找到该地址。", 405: "不支持该请求方法。", 400: "请求内容无法解析，请发送 UTF-8 编码的 JSON。"}.get(
            exc.status_code, "请求有误。"
        )
        return _error(exc.status_code, "http_error", msg)

    # -- API ----------------------------------------------------------------------------------
    def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
        what = {
            400: "Invalid input (empty, too long, too much history, invalid UTF-8 or characters, JSON nested too deep); "
            "the message says what to fix.",
            403: "Feedback on an answer this service did not give, or whose answer_id has expired.",
            404: "No such document or clause.",
            408: "The request's body was not sent in time.",
            413: "The body is larger than `max_body_bytes`.",
            422: "The body is not JSON of the documented shape.",
            429: "Too many requests from this client, or too many of its questions in progress; see Retry-After.",
            503: "Feedback cannot be stored at the moment (see /api/health).",
            507: "The feedback store has reached its size budget.",
        }
        return {s: {"model": ErrorOut, "description": what[s]} for s in statuses}

    @app.post(
        "/api/ask",
        tags=["api"],
        summary="A cited answer to a question (Answer JSON)",
        response_model=AnswerOut,
        responses=errors(400, 408, 413, 422, 429),
    )
    def api_ask(body: AskRequest, request: Request) -> Any:
        client = request.client.host if request.client else "unknown"
        wait = limiter.hit(client)
        if wait:
            return _error(
                429,
                "rate_limited",
                f"提问过于频繁（每分钟最多{settings.rate_limit_per_minute}次），请{int(wait) + 1}秒后再试。",
                headers={"Retry-After": str(int(wait) + 1)},
            )
        with in_flight.slot(client) as got:
            if not got:
                return _error(429, "busy", "您的上一个问题仍在回答中，请稍候再问。", headers={"Retry-After": "1"})
            return _answer_api(body)

    def _answer_api(body: AskRequest) -> dict[str, Any]:
        check_text([body.question, body.history, body.region])
        if body.region is not None and len(body.region) > MAX_REGION_CHARS:
            raise InputError(f"region {body.region[:30]!r} is too long", message_zh="地区名称过长。")
        question = body.question
        if len(question) > settings.max_question_chars:
            # Checked before the region is prepended, so the message counts what the user typed.
            raise InputError(
                f"the question has {len(question)} characters; the limit is {settings.max_question_chars}",
                message_zh=f"问题过长（{len(question)}字），请控制在{settings.max_question_chars}字以内。",
            )
        if question.strip():
            question = scoped_question(question, list(body.history), body.region, settings.max_question_chars)
        result = ask(question, list(body.history))
        return signed({**result, "question": body.question.strip()})

    @app.get(
        "/api/health",
        tags=["api"],
        summary="Each store's state (answers, index, feedback), the model, the index size and the documents",
        response_model=HealthOut,
    )
    def api_health() -> dict[str, Any]:
        stores = {
            name: dict(zip(("status", "detail"), state, strict=True))
            for name, state in (("answers", answers.report()), ("index", index_health(assistant)), ("feedback", feedback.health()))
        }
        size = assistant.index.count() if stores["index"]["status"] == "ok" else 0
        return {
            "status": "ok" if all(v["status"] == "ok" for v in stores.values()) else "degraded",
            "stores": stores,
            "model": assistant.index.model_name,
            "collection": assistant.index.name,
            "index_size": size,
            "today": settings.today_date().isoformat(),
            "documents": [document_dict(d, settings) for d in assistant.documents],
        }

    @app.get("/api/documents", tags=["api"], summary="The documents answers come from", response_model=DocumentsOut)
    def api_documents() -> dict[str, Any]:
        corpus = assistant.index.corpus
        return {"documents": [document_dict(d, settings, len(corpus.clauses_of(d.id))) for d in corpus.documents]}

    @app.get(
        "/api/documents/{doc_id}/clauses/{clause_id:path}",
        tags=["api"],
        summary="The source text behind a citation",
        description="`clause_id` is the citation's `clause_id`, with or without the leading document id (e.g. `二/（六）/13`).",
        response_model=ClauseOut,
        responses=errors(404, 422),
    )
    def api_clause(doc_id: str, clause_id: str) -> dict[str, Any]:
        corpus = assistant.index.corpus
        d = corpus.document(doc_id)  # CorpusError → 404
        full = clause_id if clause_id.startswith(f"{doc_id}/") or clause_id == doc_id else f"{doc_id}/{clause_id}"
        c = corpus.clause(full)
        if c.document.id != d.id:
            raise CorpusError(f"clause {clause_id!r} is not in {doc_id!r}", message_zh="未找到该条款。")
        return {
            "id": c.id,
            "doc_id": d.id,
            "label": c.label,
            "labels": list(c.labels),
            "title": c.title,
            "path": c.path,
            "text": c.text,
            "reference": c.citation,
            "document": document_dict(d, settings),
        }

    @app.post(
        "/api/feedback",
        tags=["api"],
        summary="Store a verdict on an answer",
        status_code=201,
        response_model=FeedbackOut,
        responses=errors(400, 403, 408, 413, 422, 429, 503, 507),
    )
    async def api_feedback(body: FeedbackRequest, request: Request) -> dict[str, Any]:
        # async, with the write on the store's own thread: feedback never takes an answering thread
        client = request.client.host if request.client else "unknown"
        wait = feedback_limiter.hit(client)
        if wait:
            raise FeedbackError(
                f"feedback from {client} over the limit",
                status=429,
                code="rate_limited",
                message_zh=f"反馈过于频繁（每分钟最多{settings.feedback_per_minute}次），请{int(wait) + 1}秒后再试。",
                retry_after=int(wait) + 1,
            )
        fb = Feedback.checked(
            body.question,
            body.answer,
            body.citations,
            body.useful,
            body.comment,
            source="api",
            max_question_chars=settings.max_question_chars,
            answer_id=body.answer_id,
        )
        signer.check(body.answer_id, fb.question, fb.answer)
        row = await asyncio.wrap_future(feedback.submit(fb))
        return {"ok": True, "id": row, "message": "已收到您的反馈，谢谢！"}

    register_match_api(app, settings, errors)  # POST /api/match: 政策体检

    # -- widget, embed, demo ------------------------------------------------------------------
    embed_csp = (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
        f"base-uri 'none'; form-action 'none'; {frame_ancestors(settings)}"
    )

    @app.get("/widget.js", include_in_schema=False)
    def widget_js() -> FileResponse:
        return FileResponse(STATIC_DIR / "widget.js", media_type="text/javascript; charset=utf-8", headers={"Cache-Control": "max-age=300"})

    @app.get("/embed", include_in_schema=False)
    def embed() -> FileResponse:
        return FileResponse(
            STATIC_DIR / "embed.html", media_type="text/html; charset=utf-8", headers={"Content-Security-Policy": embed_csp}
        )

    @app.get("/static/{name}", include_in_schema=False)
    def static(name: str) -> FileResponse:
        files = {
            "embed.js": "text/javascript; charset=utf-8",
            "embed.css": "text/css; charset=utf-8",
            "embed_match.js": "text/javascript; charset=utf-8",
            "embed_match.css": "text/css; charset=utf-8",
        }
        if name not in files:
            raise StarletteHTTPException(404)
        return FileResponse(STATIC_DIR / name, media_type=files[name])

    @app.get("/favicon.ico", include_in_schema=False)
    @app.get("/favicon.svg", include_in_schema=False)
    def favicon() -> FileResponse:
        return FileResponse(FAVICON, media_type="image/svg+xml", headers={"Cache-Control": "max-age=86400"})

    @app.get("/demo/embed.html", include_in_schema=False)
    def demo() -> FileResponse:
        return FileResponse(STATIC_DIR / "demo.html", media_type="text/html; charset=utf-8")

    @app.get("/", include_in_schema=False)
    def root() -> RedirectResponse:
        return RedirectResponse(f"{CHAT_PATH}/")

    app.include_router(docs_router(app.title))
    app.include_router(source_router(lambda: assistant.index.corpus, settings.today_date))

    blocks = build_page(assistant, settings, feedback, ask, limiter)
    blocks.queue(default_concurrency_limit=settings.answer_workers)
    app = gr.mount_gradio_app(
        app, blocks, path=CHAT_PATH, css=page_css(), head=page_head(), js=page_js(), theme=page_theme(), footer_links=[]
    )
    prune_gradio_routes(_mounted(app, CHAT_PATH))
    # Added last = outermost: the client address first, then the headers on every response.
    app.add_middleware(_CatchAll)
    app.add_middleware(BodyGuard, max_body_bytes=settings.max_body_bytes, body_timeout=settings.request_timeout_s)
    proxy = trusted_client_middleware(settings)
    if proxy is not None:
        app.add_middleware(proxy[0], **proxy[1])
    app.add_middleware(SecurityHeaders, frame_policy=frame_ancestors(settings), frame_prefix=CHAT_PATH)
    return app


def _mounted(app: FastAPI, path: str) -> Any:
    from starlette.routing import Mount

    return next(r.app for r in app.routes if isinstance(r, Mount) and r.path == path)
