"""The operator's admin API and page: upload, list with status, remove, re-index.

``register_admin(app, settings)`` adds, all behind the operator token (``POLICYQA_ADMIN_TOKEN``):

- ``GET /admin``: the admin page;
- ``GET /admin/api/documents``: the documents with validity, review state and clause count;
- ``POST /admin/api/documents``: multipart ``files`` (one or more), optional ``region`` and ``doc_id``;
- ``DELETE /admin/api/documents/{doc_id}``: take one out of the answers and the index;
- ``POST /admin/api/reindex``: rebuild the index from the documents directory.

A request carries the token as ``Authorization: Bearer <token>`` or as the password of HTTP
Basic authentication (so a browser asks for it on ``/admin`` and sends it with the page's own
requests). Without a configured token every admin route answers 401: the admin is off. Updates
run through ``assistant.knowledge.KnowledgeBase``: answers keep being served from the previous
state until the new one is swapped in. Nothing of this is linked from the public page or widget.
"""

from __future__ import annotations

import base64
import binascii
import secrets
import threading
from pathlib import Path
from typing import Any

from fastapi import FastAPI, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from assistant.knowledge import KnowledgeBase, UpdateBusyError, UpdateReport
from corpus.errors import CorpusError, PolicyQAError
from corpus.library import list_documents
from corpus.settings import Settings

__all__ = ["register_admin", "MAX_UPLOAD_BYTES"]

# Not under static/: the page is served only behind the token.
_PAGE = Path(__file__).resolve().parent / "admin_page.html"
MAX_UPLOAD_BYTES = 30 * 1024 * 1024  # a long PDF with pictures stays under this; a scan archive does not
_REALM = 'Basic realm="policyqa admin", charset="UTF-8"'


def _error(status: int, code: str, message: str, detail: str | None = None) -> JSONResponse:
    body: dict[str, Any] = {"error": {"code": code, "message": message}}
    if detail:
        body["error"]["detail"] = detail  # English, for the operator
    headers = {"WWW-Authenticate": _REALM} if status == 401 else None
    return JSONResponse(body, status_code=status, headers=headers)


def _presented_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer":
        return value.strip()
    if scheme.lower() == "basic":
        try:
            decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return None
        return decoded.partition(":")[2]
    return None


def _report_dict(report: UpdateReport) -> dict[str, Any]:
    return {
        "added": [
            {
                "id": p.document.id,
                "title": p.document.title,
                "doc_no": p.document.doc_no,
                "kind": p.document.kind.value,
                "region": p.document.region,
                "issuers": list(p.document.issuers),
                "issued": p.document.issued.isoformat() if p.document.issued else None,
                "effective_from": p.document.effective_from.isoformat() if p.document.effective_from else None,
                "expires": p.document.expires.isoformat() if p.document.expires else None,
                "validity_text": p.document.validity_text,
                "clauses": [c.label for c in p.clauses],
                "money": [{"clause": m.label, "figures": list(m.figures)} for m in p.money],
                "review": list(p.review),
                "rules": rules,
            }
            for p, rules in zip(report.added, report.rules, strict=True)
        ],
        "removed": list(report.removed),
        "index": {
            "collection": report.summary.collection,
            "clauses": report.summary.clauses,
            "embedded": report.summary.embedded,
            "pruned": report.pruned,
        },
        "seconds": round(report.seconds, 2),
    }


def register_admin(app: FastAPI, settings: Settings) -> None:
    """Add the admin routes; they check the operator token on every request."""
    state: dict[str, KnowledgeBase] = {}
    state_lock = threading.Lock()

    def knowledge() -> KnowledgeBase:
        with state_lock:
            if "kb" not in state:
                lock = getattr(app.state, "answer_lock", None) or threading.Lock()
                state["kb"] = KnowledgeBase(settings, serving=getattr(app.state, "assistant", None), answer_lock=lock)
            return state["kb"]

    @app.middleware("http")
    async def _operator_only(request: Request, call_next: Any) -> Response:
        path = request.url.path
        if path == "/admin" or path.startswith("/admin/"):
            if settings.admin_token is None:
                return _error(401, "admin_disabled", "管理功能未启用。", "the admin is disabled: set POLICYQA_ADMIN_TOKEN to enable it")
            presented = _presented_token(request)
            if presented is None or not secrets.compare_digest(presented.encode(), settings.admin_token.get_secret_value().encode()):
                return _error(401, "unauthorized", "需要管理员令牌。", "send 'Authorization: Bearer <POLICYQA_ADMIN_TOKEN>'")
        response: Response = await call_next(request)
        return response

    def _update(run: Any) -> JSONResponse:
        try:
            return JSONResponse(_report_dict(run()))
        except UpdateBusyError as e:
            return _error(409, "busy", e.message_zh, str(e))
        except CorpusError as e:
            status = 404 if "no document" in str(e) else 400
            return _error(status, "not_found" if status == 404 else "bad_document", e.message_zh, str(e))
        except PolicyQAError as e:
            return _error(400, "bad_document", e.message_zh, str(e))

    @app.get("/admin", include_in_schema=False)
    def admin_page() -> HTMLResponse:
        return HTMLResponse(_PAGE.read_text(encoding="utf-8"), headers={"Cache-Control": "no-store"})

    @app.get("/admin/api/documents", include_in_schema=False, summary="Documents with validity and review state (operator token)")
    def admin_documents() -> dict[str, Any]:
        today = settings.today_date()
        serving = getattr(app.state, "assistant", None)
        served = {d.id for d in serving.documents} if serving is not None else set()
        out = []
        for e in list_documents(settings.documents_dir):
            v = e.document.validity(today)
            out.append(
                {
                    "id": e.document.id,
                    "title": e.document.title,
                    "doc_no": e.document.doc_no,
                    "kind": e.document.kind.value,
                    "region": e.document.region,
                    "validity": v.status.value,
                    "validity_zh": v.status.zh,
                    "expires": e.document.expires.isoformat() if e.document.expires else None,
                    "clauses": e.clauses,
                    "review": e.review,
                    "served": e.document.id in served,
                }
            )
        return {"documents": out, "today": today.isoformat()}

    @app.post("/admin/api/documents", include_in_schema=False, summary="Upload policy files (operator token)")
    async def admin_upload(
        files: list[UploadFile] = File(...),  # noqa: B008 - FastAPI's way to declare a form field
        region: str | None = Form(None),
        doc_id: str | None = Form(None),
        replace: bool = Form(False),
    ) -> JSONResponse:
        uploads: list[tuple[str, bytes]] = []
        for f in files:
            data = await f.read(MAX_UPLOAD_BYTES + 1)
            if len(data) > MAX_UPLOAD_BYTES:
                return _error(413, "too_large", "文件过大。", f"{f.filename!r} is over {MAX_UPLOAD_BYTES} bytes")
            uploads.append((f.filename or "upload.txt", data))
        kb = knowledge()
        return await run_in_threadpool(  # the update embeds: off the event loop, answers go on
            _update, lambda: kb.add(uploads=uploads, region=region or None, doc_id=doc_id or None, replace=replace, wait=5)
        )

    @app.delete("/admin/api/documents/{doc_id}", include_in_schema=False, summary="Take a document out (operator token)")
    def admin_remove(doc_id: str) -> JSONResponse:
        return _update(lambda: knowledge().remove(doc_id, wait=5))

    @app.post("/admin/api/reindex", include_in_schema=False, summary="Rebuild the index from the documents directory (operator token)")
    def admin_reindex() -> JSONResponse:
        return _update(lambda: knowledge().reindex(wait=5))
