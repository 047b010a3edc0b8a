"""The one web app: the Gradio chat page, the JSON API, the widget and its compact chat.

``create_app(settings)`` loads the model and the index once (through ``Assistant.from_settings``)
and serves:

- ``/`` → ``/chat/``: the chat page (Gradio);
- ``POST /api/ask``, ``GET /api/health``, ``GET /api/documents``,
  ``GET /api/documents/{id}/clauses/{clause_id}``, ``POST /api/feedback``: the JSON API;
- ``/widget.js``: the script a partner site adds; ``/embed``: the compact chat it opens in an iframe;
- ``/demo/embed.html``: a host page embedding the widget as a partner would.

Errors are JSON ``{"error": {"code", "message"}}`` with a Chinese message, never a stack trace.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections import defaultdict, deque
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
from ui.feedback import Feedback, FeedbackStore
from ui.schema import AnswerOut, AskRequest, ClauseOut, DocumentsOut, ErrorOut, FeedbackOut, FeedbackRequest, HealthOut

__all__ = ["create_app", "RateLimiter", "AskRequest", "FeedbackRequest", "CHAT_PATH"]

log = logging.getLogger(__name__)
STATIC_DIR = Path(__file__).resolve().parent / "static"
FAVICON = STATIC_DIR / "favicon.svg"
CHAT_PATH = "/chat"
MAX_REGION_CHARS = 20


class RateLimiter:
    """At most ``limit`` events per client in any ``window`` seconds (sliding window, in memory)."""

    def __init__(self, limit: int, window: float = 60.0) -> None:
        self.limit = limit
        self.window = window
        self._events: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def hit(self, client: str, now: float | None = None) -> float:
        """Record an event; return 0 when allowed, else the seconds until the next one is."""
        if self.limit <= 0:
            return 0.0
        now = time.monotonic() if now is None else now
        with self._lock:
            q = self._events[client]
            while q and q[0] <= now - self.window:
                q.popleft()
            if len(q) >= self.limit:
                return max(q[0] + self.window - now, 0.001)
            q.append(now)
            if len(self._events) > 10000:  # forget idle clients so memory stays bounded
                for k in [k for k, v in self._events.items() if not v or v[-1] <= now - self.window]:
                    del self._events[k]
            return 0.0


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


def frame_ancestors(settings: Settings) -> str:
    origins = " ".join(o.rstrip("/") for o in settings.embed_origins if o and all(ch not in o for ch in " ;,'\""))
    return f"frame-ancestors 'self' {origins}".strip()


def create_app(settings: Settings, assistant: Assistant | None = None) -> FastAPI:
    """The FastAPI app; ``assistant`` defaults to the real one, loaded once."""
    import gradio as gr

    from ui.page import build_page, page_css, page_head, page_js, page_theme

    assistant = assistant if assistant is not None else Assistant.from_settings(settings)
    feedback = FeedbackStore(settings.feedback_db)
    limiter = RateLimiter(settings.rate_limit_per_minute)
    # Several answers at once: embedding (onnxruntime) and Chroma release the GIL, so they overlap
    # on both cores; the bound keeps a burst from slowing every answer in it.
    answer_slots = threading.BoundedSemaphore(settings.answer_threads)

    def ask(question: str, history: list[str]) -> dict[str, Any]:
        with answer_slots:
            return assistant.answer(question, history).to_dict()

    app = FastAPI(
        title="政策问答 policyqa",
        version="0.1.0",
        description="Cited answers about Chinese government support policies, from the policy texts themselves.",
    )
    app.state.assistant = assistant
    app.state.feedback = feedback
    app.state.limiter = limiter

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        return _error(422, "invalid_request", _validation_message(exc))

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
        msg = {404: "未找到该地址。", 405: "不支持该请求方法。"}.get(exc.status_code, "请求有误。")
        return _error(exc.status_code, "http_error", msg)

    @app.exception_handler(Exception)
    async def _crash(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s", request.url.path, exc_info=exc)
        return _error(500, "internal_error", "系统处理出错，请稍后再试或联系管理员。")

    # -- API ----------------------------------------------------------------------------------
    def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
        what = {
            400: "Invalid input (empty, too long, too much history); the message says what to fix.",
            404: "No such document or clause.",
            422: "The body is not JSON of the documented shape.",
            429: "Too many questions from this client; see Retry-After.",
        }
        return {s: {"model": ErrorOut, "description": what[s]} for s in statuses}

    @app.post(
        "/api/ask",
        tags=["api"],
        summary="A cited answer to a question (Answer JSON)",
        response_model=AnswerOut,
        responses=errors(400, 422, 429),
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
        result["question"] = body.question.strip()
        return result

    @app.get("/api/health", tags=["api"], summary="Model, index size and the documents with their validity", response_model=HealthOut)
    def api_health() -> dict[str, Any]:
        return {
            "status": "ok",
            "model": assistant.index.model_name,
            "collection": assistant.index.name,
            "index_size": assistant.index.count(),
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
        responses=errors(400, 422),
    )
    def api_feedback(body: FeedbackRequest) -> dict[str, Any]:
        fb = Feedback.checked(
            body.question,
            body.answer,
            body.citations,
            body.useful,
            body.comment,
            source="api",
            max_question_chars=settings.max_question_chars,
        )
        return {"ok": True, "id": feedback.add(fb), "message": "已收到您的反馈，谢谢！"}

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
        files = {"embed.js": "text/javascript; charset=utf-8", "embed.css": "text/css; charset=utf-8"}
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

    blocks = build_page(assistant, settings, feedback, ask, limiter)
    return gr.mount_gradio_app(
        app, blocks, path=CHAT_PATH, css=page_css(), head=page_head(), js=page_js(), theme=page_theme(), footer_links=[]
    )
