"""The readable source view of a clause (``/source/…``) and the offline ``/docs``, over HTTP
against the app served by uvicorn (fake embedder: no answer is involved)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator
from html.parser import HTMLParser
from typing import Any

import httpx
import pytest

from ui.render import source_url
from ui.source import add_source_urls, source_page

CLAUSE = "xm-zjtx-2024/二/（六）/13"
QUOTE = "单家企业给予不超过10万元的场租补贴。"


@pytest.fixture(scope="module")
def app(serve_app: Any, fake_assistant: Any) -> tuple[str, Any]:
    return serve_app(fake_assistant)


@pytest.fixture()
def client(app: tuple[str, Any]) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=app[0], timeout=60) as c:
        yield c


class _Text(HTMLParser):
    """The text inside each tag of interest (mark, h1, dd …) and every tag seen."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.stack: list[str] = []
        self.text: dict[str, list[str]] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        if tag not in ("br", "meta", "link"):
            self.stack.append(tag)
            self.text.setdefault(tag, []).append("")

    def handle_endtag(self, tag: str) -> None:
        if self.stack and self.stack[-1] == tag:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        for tag in set(self.stack):
            self.text[tag][-1] += data


def parsed(html: str) -> _Text:
    p = _Text()
    p.feed(html)
    return p


def test_the_source_view_shows_the_clause_in_its_document(client: httpx.Client) -> None:
    r = client.get(source_url("xm-zjtx-2024", CLAUSE, QUOTE))
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert "script-src" not in r.headers["content-security-policy"] and "default-src 'none'" in r.headers["content-security-policy"]
    page = parsed(r.text)
    assert page.text["h1"] == ["《厦门市支持专精特新企业高质量发展的若干措施》"]
    meta = " ".join(page.text["dd"])
    for fact in ("厦府办规〔2024〕11号", "福建省厦门市", "厦门市人民政府办公厅", "2024年9月11日", "有效期至2026年12月31日"):
        assert fact in meta
    assert page.text["mark"][-1] == QUOTE  # the quote, exactly, marked once in the clause
    assert page.text["nav"][0] == "二、具体措施（六）助力市场开拓"  # the headings above it
    assert "13.实施强链补链行动" in page.text["h2"][0]
    # the neighbouring clauses of its section are there, as links to their own views
    assert "14.支持国外市场开拓" in r.text and 'rel="next"' in r.text and 'rel="prev"' in r.text
    assert "script" not in page.tags


def test_a_quote_that_is_not_in_the_clause_marks_nothing_and_is_not_echoed(client: httpx.Client) -> None:
    evil = "<script>alert(1)</script>10万元"
    r = client.get(source_url("xm-zjtx-2024", CLAUSE, evil))
    assert r.status_code == 200
    assert "<mark>" not in r.text.split('class="legend"')[0] + r.text.split("</h2>")[1]
    assert "未在本条中找到" in r.text and "alert(1)" not in r.text and "<script" not in r.text


def test_the_clause_id_may_repeat_the_document_id(client: httpx.Client) -> None:
    from urllib.parse import quote

    r = client.get(f"/source/xm-zjtx-2024/{quote(CLAUSE)}")
    assert r.status_code == 200 and "13.实施强链补链行动" in r.text and "<mark>" not in r.text.split("</dl>")[1]


@pytest.mark.parametrize("path", ["/source/nope/一", "/source/xm-zjtx-2024/九十九", "/source/xm-zjtx-2024/sd-kjfwy-2025/一"])
def test_an_unknown_clause_is_a_chinese_404_page(client: httpx.Client, path: str) -> None:
    r = client.get(path)
    assert r.status_code == 404 and r.headers["content-type"].startswith("text/html")
    assert "未找到" in r.text and "Traceback" not in r.text


def test_markup_in_a_document_is_shown_as_text(fake_assistant: Any) -> None:
    real = fake_assistant.index.corpus.clause(CLAUSE)
    evil = '<img src=x onerror="alert(1)">'
    doc = dataclasses.replace(real.document, title=evil, doc_no=evil, region=evil, issuers=(evil,), validity_text=evil)
    clause = dataclasses.replace(
        real, document=doc, text=f"{evil}{QUOTE}", titles=(*real.titles[:-1], evil), labels=(*real.labels[:-1], evil)
    )
    html = source_page((clause,), clause, QUOTE, dt.date(2026, 1, 1))
    page = parsed(html)
    assert "img" not in page.tags and "onerror=" not in html.replace("onerror=&quot;", "")
    assert page.text["mark"][-1] == QUOTE


def test_the_api_gives_each_citation_its_source_url() -> None:
    cite = {"doc_id": "xm-zjtx-2024", "clause_id": CLAUSE, "quote": QUOTE}
    a = add_source_urls(
        {"citations": [dict(cite)], "related": [dict(cite)], "calculations": [{"citation": dict(cite)}, {"citation": None}]}
    )
    urls = [a["citations"][0]["source_url"], a["related"][0]["source_url"], a["calculations"][0]["citation"]["source_url"]]
    assert urls == [source_url("xm-zjtx-2024", CLAUSE, QUOTE)] * 3


def test_source_css_is_served(client: httpx.Client) -> None:
    r = client.get("/source.css")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/css") and "mark" in r.text


# -- /docs from local files --------------------------------------------------------------------
def test_docs_load_swagger_ui_from_the_app_itself(client: httpx.Client) -> None:
    html = client.get("/docs").text
    assert "/static/swagger-ui/swagger-ui-bundle.js" in html and "/static/swagger-ui/swagger-ui.css" in html
    assert "cdn" not in html.lower() and "https://" not in html and "http://" not in html
    js = client.get("/static/swagger-ui/swagger-ui-bundle.js")
    assert js.status_code == 200 and js.headers["content-type"].startswith("text/javascript") and len(js.content) > 500_000
    assert client.get("/static/swagger-ui/swagger-ui.css").status_code == 200
    assert client.get("/static/swagger-ui/nothing.js").status_code == 404
    assert client.get("/redoc").status_code == 404  # it would load from a CDN
