"""``/docs``: Swagger UI from files the app serves itself, so the API's schema reads offline.

FastAPI's default ``/docs`` page loads Swagger UI from a CDN, which never answers here. The
``fastapi-offline`` package ships Swagger UI 5 (the first that reads OpenAPI 3.1, which FastAPI
writes); only its files are used: they are served under ``/static/swagger-ui/`` and the page is
FastAPI's own ``get_swagger_ui_html`` pointed at them.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse
from starlette.exceptions import HTTPException

__all__ = ["docs_router", "SWAGGER_FILES", "swagger_dir"]

ASSETS = "/static/swagger-ui"
SWAGGER_FILES = {"swagger-ui-bundle.js": "text/javascript; charset=utf-8", "swagger-ui.css": "text/css; charset=utf-8"}


def swagger_dir() -> Path:
    """The folder of the installed Swagger UI files; a clear error when the package is missing."""
    try:
        import fastapi_offline
    except ImportError as e:  # a dependency of the project: only a broken install lacks it
        raise RuntimeError("fastapi-offline is not installed; run `pip install -e .` (it is in pyproject.toml)") from e
    return Path(fastapi_offline.__file__).resolve().parent / "static"


def docs_router(title: str, openapi_url: str = "/openapi.json") -> APIRouter:
    """``/docs`` and the Swagger UI files; give the app ``docs_url=None`` so that it serves this one."""
    folder = swagger_dir()
    missing = [name for name in SWAGGER_FILES if not (folder / name).is_file()]
    if missing:
        raise RuntimeError(f"{folder} lacks {missing}; reinstall fastapi-offline")
    router = APIRouter()

    @router.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=openapi_url,
            title=f"{title} · 接口文档",
            swagger_js_url=f"{ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{ASSETS}/swagger-ui.css",
            swagger_favicon_url="/favicon.svg",
        )

    @router.get(ASSETS + "/{name}", include_in_schema=False)
    def asset(name: str) -> FileResponse:
        if name not in SWAGGER_FILES:
            raise HTTPException(404)
        return FileResponse(folder / name, media_type=SWAGGER_FILES[name], headers={"Cache-Control": "max-age=86400"})

    return router
