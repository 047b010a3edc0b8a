"""The readable source view of a cited clause: ``GET /source/{doc_id}/{clause_id}?q=QUOTE``.

One HTML page per clause: the document's title, 文号, region, issuers and validity with its
dates, the headings above the clause, the neighbouring clauses of its section (each a link to
its own view) and the clause itself with the quoted words marked. ``q`` is matched as an exact
substring of the clause; every piece of text is escaped. The chat page's and the widget's
citation cards link here, and the API gives the link in each citation's ``source_url``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from html import escape
from pathlib import Path
from typing import Any

from fastapi import APIRouter
from fastapi.responses import FileResponse, HTMLResponse

from corpus.errors import CorpusError
from corpus.records import Clause, PolicyDocument
from ui.render import MAX_QUOTE_CHARS, clause_url, highlight, source_url, text_html, validity_html, zh_date

__all__ = ["source_router", "source_page", "add_source_urls", "NEIGHBOURS"]

STATIC_DIR = Path(__file__).resolve().parent / "static"
# Clauses shown either side of the cited one, within its section.
NEIGHBOURS = 3
_CSP = "default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'"


def add_source_urls(answer: dict[str, Any]) -> dict[str, Any]:
    """``answer`` (an ``Answer.to_dict()``) with ``source_url`` in every citation: the cards',
    the related clauses' and each calculation's rule clause."""
    cites = [*answer.get("citations", ()), *answer.get("related", ())]
    cites += [k["citation"] for k in answer.get("calculations", ()) if k.get("citation")]
    for c in cites:
        c["source_url"] = source_url(c["doc_id"], c["clause_id"], c.get("quote", ""))
    return answer


def _meta(d: PolicyDocument, today: dt.date) -> str:
    rows = [
        ("文号", escape(d.doc_no) if d.doc_no else "无"),
        ("地区", escape(d.region)),
        ("发文单位", escape("、".join(d.issuers)) if d.issuers else "未载明"),
        ("类型", escape(d.kind.zh)),
        ("印发日期", zh_date(d.issued) if d.issued else "未载明"),
        ("有效期", validity_html(d, today)),
    ]
    if d.validity_text:
        rows.append(("原文", escape(d.validity_text)))
    return "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in rows)


def _heading(c: Clause) -> str:
    """A clause's own heading: its printed label and title (13.实施强链补链行动)."""
    lab, tit = c.labels[-1], c.title
    if lab.startswith("["):
        return f"{lab[1:-1]} {tit}".strip()
    return tit if lab == tit else f"{lab}{tit}"


def source_page(clauses: tuple[Clause, ...], clause: Clause, quote: str, today: dt.date) -> str:
    """The whole page for ``clause`` of a document whose clauses, in order, are ``clauses``."""
    d = clause.document
    i = clauses.index(clause)
    parent = clause.labels[:-1]
    section = [c for c in clauses if c.labels[:-1] == parent]
    k = section.index(clause)
    window = section[max(0, k - NEIGHBOURS) : k + NEIGHBOURS + 1]
    crumbs = "".join(
        f"<li>{escape(f'{lab}{tit}' if lab != tit and not lab.startswith('[') else (tit or lab.strip('[]')))}</li>"
        for lab, tit in zip(clause.labels[:-1], clause.titles[:-1], strict=True)
    )
    found = bool(quote) and quote in clause.text
    items = []
    for c in window:
        if c is clause:
            note = ""
            if quote and not found:
                note = '<p class="note">回答引用的文字未在本条中找到，未作标注。</p>'
            items.append(
                '<li class="current" aria-current="true">'
                f'<h2 id="clause">{escape(_heading(c))}<span class="label">{escape(c.label)}</span></h2>'
                f'<div class="text">{highlight(c.text, quote) if found else text_html(c.text)}</div>{note}</li>'
            )
        else:
            items.append(f'<li><a href="{escape(source_url(d.id, c.id))}">{escape(_heading(c))}</a></li>')
    prev_ = clauses[i - 1] if i > 0 else None
    next_ = clauses[i + 1] if i + 1 < len(clauses) else None
    nav = []
    if prev_ is not None:
        nav.append(f'<a rel="prev" href="{escape(source_url(d.id, prev_.id))}">← 上一条：{escape(prev_.label)}</a>')
    if next_ is not None:
        nav.append(f'<a rel="next" href="{escape(source_url(d.id, next_.id))}">下一条：{escape(next_.label)} →</a>')
    parts = [
        '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(clause.label)} · 《{escape(d.title)}》 · 政策问答</title>"
        '<link rel="icon" href="/favicon.svg" type="image/svg+xml"><link rel="stylesheet" href="/source.css">'
        # the clause as JSON, for programs (not shown to a reader)
        f'<link rel="alternate" type="application/json" href="{escape(clause_url(d.id, clause.id))}"></head><body>'
        '<header class="top"><a href="/">政策问答</a><span>条款原文</span></header><main>',
        f'<section class="doc" aria-label="文件信息"><h1>《{escape(d.title)}》</h1><dl class="meta">{_meta(d, today)}</dl></section>',
        f'<nav class="crumbs" aria-label="条款在文件中的位置"><ol>{crumbs}</ol></nav>' if crumbs else "",
        '<p class="legend"><mark>黄色底纹</mark>为回答引用的原文。</p>' if found else "",
        '<p class="more">…</p>' if k - NEIGHBOURS > 0 else "",
        f'<ol class="context">{"".join(items)}</ol>',
        '<p class="more">…</p>' if k + NEIGHBOURS + 1 < len(section) else "",
        f'<nav class="pager" aria-label="翻页">{"".join(nav)}</nav>',
        f'<p class="ref">引用格式：{escape(clause.citation)}</p>',
        "</main></body></html>",
    ]
    return "".join(parts)


def _not_found(message_zh: str) -> HTMLResponse:
    body = (
        '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1"><title>未找到 · 政策问答</title>'
        '<link rel="stylesheet" href="/source.css"></head><body><header class="top"><a href="/">政策问答</a></header>'
        f'<main><p class="note" role="alert">{escape(message_zh)}请返回问答页重新查看引用。</p></main></body></html>'
    )
    return HTMLResponse(body, status_code=404, headers={"Content-Security-Policy": _CSP})


def source_router(corpus: Callable[[], Any], today: Callable[[], dt.date]) -> APIRouter:
    """The routes of the source view: ``corpus()`` gives the current ``Corpus``, ``today()`` the
    date validity is judged on."""
    router = APIRouter()

    @router.get("/source.css", include_in_schema=False)
    def source_css() -> FileResponse:
        return FileResponse(STATIC_DIR / "source.css", media_type="text/css; charset=utf-8", headers={"Cache-Control": "max-age=300"})

    @router.get("/source/{doc_id}/{clause_id:path}", include_in_schema=False, response_class=HTMLResponse)
    def source(doc_id: str, clause_id: str = "", q: str = "") -> HTMLResponse:
        c = corpus()
        try:
            d = c.document(doc_id)
            full = clause_id if clause_id.startswith(f"{doc_id}/") or clause_id == doc_id else f"{doc_id}/{clause_id}"
            clause = c.clause(full.rstrip("/"))
        except CorpusError as e:
            return _not_found(e.message_zh)
        if clause.document.id != d.id:
            return _not_found("未找到该条款。")
        html = source_page(c.clauses_of(d.id), clause, q[:MAX_QUOTE_CHARS], today())
        return HTMLResponse(html, headers={"Content-Security-Policy": _CSP})

    return router
