"""The chat page, the widget, the source view and /docs in a real browser (Debian's chromium,
driven by Playwright) over the real chain, at desktop (1366×900) and phone (390×844, emulated as
a touch phone) sizes. Screenshots go to artifacts/ only: `make screenshots` copies the README's
two to docs/, so that `make test` changes no tracked file.

Never `playwright install`: the tests use /usr/bin/chromium (`make browser` installs it)."""

from __future__ import annotations

import http.server
import re
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

pytestmark = pytest.mark.slow

CHROMIUM = "/usr/bin/chromium"
# A closed network: without these, chromium keeps trying (and failing) to reach Google's services.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ANSWER_TIMEOUT_MS = 60_000
DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
SIZES = pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
PROMO = "厦门专精特新企业在国内举办产品推介会有什么补贴？"
CALC_Q = "小巨人企业数字化改造投了120万，达到二级了，能补多少？"
FORMULA = "120×30%=36万元，超过单家企业最高25万元，按25万元"
EVIL = '<script>window.__pq_xss=1</script><img src=x onerror="window.__pq_xss=2">专精特新企业有什么补贴？'


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if shutil.which(CHROMIUM) is None:
        pytest.fail(f"{CHROMIUM} is missing: run `make browser` (apt-get install chromium fonts-wqy-microhei)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture()
def open_page(browser: Any) -> Iterator[Callable[..., Any]]:
    """``open_page(url, viewport=DESKTOP)`` → a page; after the test, every request it made must
    have gone to a local origin (no CDN, no fonts, no analytics)."""
    contexts: list[Any] = []
    requested: list[str] = []

    def open_(url: str, viewport: dict[str, int] = DESKTOP) -> Any:
        phone = viewport["width"] < 600  # a touch phone: its layout viewport grows with a page wider than the screen
        ctx = browser.new_context(viewport=viewport, locale="zh-CN", is_mobile=phone, has_touch=phone)
        contexts.append(ctx)
        page = ctx.new_page()
        page.on("request", lambda r: requested.append(r.url))
        page.goto(url)
        return page

    yield open_
    for ctx in contexts:
        ctx.close()
    outside = {
        u
        for u in requested
        if urlsplit(u).scheme in ("http", "https", "ws", "wss") and urlsplit(u).hostname not in ("127.0.0.1", "localhost")
    }
    assert not outside, f"requests left the machine: {sorted(outside)}"


# -- the chat page -----------------------------------------------------------------------------
def chat_ready(page: Any) -> Any:
    page.locator("#pq-input textarea").wait_for()
    return page


def _send(answers: Any, field: Any, send: Any, question: str) -> Any:
    """Type and send a question; wait for one more answer; return it."""
    from playwright.sync_api import expect

    before = answers.count()
    field.fill(question)
    send.click()
    expect(answers).to_have_count(before + 1, timeout=ANSWER_TIMEOUT_MS)
    return answers.last


def ask_on_page(page: Any, question: str) -> Any:
    """Ask on the chat page; return the answer's message locator."""
    return _send(page.locator("#pq-chat .pq-answer"), page.locator("#pq-input textarea"), page.locator("#pq-send"), question)


def show_last_question(page: Any) -> None:
    """Scroll the conversation so the last question and its answer are in view (for screenshots)."""
    page.locator("#pq-chat [data-testid='user']").last.evaluate("e => e.scrollIntoView({block: 'start'})")
    page.evaluate("window.scrollTo(0, 0)")


def shoot(page: Any, artifacts: Path, name: str, *, full_page: bool = False) -> None:
    path = artifacts / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    assert path.stat().st_size > 10_000  # a blank page compresses to far less


def test_chat_page_answers_with_a_citation_card(real_app: tuple[str, Any], open_page: Any, artifacts: Path) -> None:
    from playwright.sync_api import expect

    page = chat_ready(open_page(real_app[0] + "/"))
    assert page.title() == "政策问答"
    header = page.locator(".pq-header")
    expect(header.locator("h1")).to_have_text("政策问答")
    expect(header.locator(".pq-desc")).to_contain_text("福建省厦门市")
    expect(header.locator(".pq-desc")).to_contain_text("山东省")
    expect(page.locator(".pq-docs li")).to_have_count(5)
    expect(page.locator(".pq-example")).to_have_count(7)
    expect(page.locator("#pq-clear")).to_have_text("清空对话")

    answer = ask_on_page(page, PROMO)
    expect(answer.locator(".pq-p").first).to_contain_text("[1]")
    card = answer.locator("details.pq-cite").first
    expect(card).to_have_attribute("open", "")
    expect(card.locator("summary")).to_contain_text("《厦门市支持专精特新企业高质量发展的若干措施》")
    assert card.locator(".pq-badge").inner_text() in ("有效", "即将到期", "已失效", "尚未生效", "未载明")
    meta = card.locator(".pq-meta").inner_text()
    assert "厦府办规〔2024〕11号" in meta and "福建省厦门市" in meta and "第二部分（六）第13条" in meta
    mark = card.locator(".pq-clause mark").inner_text()
    assert "10万元" in mark and mark in card.locator(".pq-clause").inner_text()
    # The card folds and unfolds.
    card.locator("summary").click()
    expect(card.locator(".pq-clause")).to_be_hidden()
    card.locator("summary").click()
    expect(card.locator(".pq-clause")).to_be_visible()
    show_last_question(page)
    shoot(page, artifacts, "chat-answer")


def test_example_question_follow_up_and_clear(real_app: tuple[str, Any], open_page: Any, artifacts: Path) -> None:
    from playwright.sync_api import expect

    page = chat_ready(open_page(real_app[0] + "/"))
    answers = page.locator("#pq-chat .pq-answer")
    page.locator(".pq-example", has_text="产品推介会").click()
    expect(answers).to_have_count(1, timeout=ANSWER_TIMEOUT_MS)
    expect(page.locator("#pq-chat [data-testid='user']").first).to_have_text(PROMO)
    expect(answers.first.locator(".pq-cite").first).to_contain_text("第13条")

    follow = ask_on_page(page, "这个文件有效期到什么时候？")
    expect(follow).to_contain_text("2026年12月31日")  # the document of the first question
    expect(follow.locator(".pq-cite summary").first).to_contain_text("专精特新")
    shoot(page, artifacts, "chat-follow-up")

    page.locator("#pq-clear").click()
    expect(page.locator("#pq-chat .message-row")).to_have_count(0)
    # After clearing, a question that only makes sense as a follow-up is no longer read as one.
    fresh = ask_on_page(page, "那一家企业最多能补多少？")
    expect(fresh.locator(".pq-cite", has_text="第13条")).to_have_count(0)
    expect(fresh).not_to_contain_text("场租补贴")


def test_a_question_sent_during_an_answer_is_asked_after_it(real_app: tuple[str, Any], open_page: Any) -> None:
    """Enter pressed again before the first answer is back: the second question is neither dropped
    nor emptied; it is asked once the first is answered, as its follow-up. An empty Enter leaves
    the conversation alone and says what to do under the box."""
    from playwright.sync_api import expect

    page = chat_ready(open_page(real_app[0] + "/"))
    field = page.locator("#pq-input textarea")
    field.fill(CALC_Q)
    field.press("Enter")
    # the first question is taken (its bubble shown, the box emptied); the second is typed at once
    expect(page.locator("#pq-chat [data-testid='user']")).to_have_count(1, timeout=ANSWER_TIMEOUT_MS)
    expect(field).to_have_value("")
    field.fill("那如果投了50万呢？")
    field.press("Enter")
    answers = page.locator("#pq-chat .pq-answer")
    expect(answers).to_have_count(2, timeout=ANSWER_TIMEOUT_MS)
    users = page.locator("#pq-chat [data-testid='user']")
    expect(users).to_have_count(2)
    expect(users.last).to_have_text("那如果投了50万呢？")
    expect(answers.first).to_contain_text(FORMULA)
    expect(answers.last).to_contain_text("50×30%=15万元")  # the follow-up keeps 小巨人 and 二级
    expect(field).to_have_value("")
    field.press("Enter")  # nothing typed
    expect(page.locator("#pq-fb-status")).to_contain_text("请输入您的问题")
    expect(page.locator("#pq-chat .pq-error")).to_have_count(0)
    expect(answers).to_have_count(2)


def test_calculation_renders_a_formula_card(real_app: tuple[str, Any], open_page: Any, artifacts: Path) -> None:
    from playwright.sync_api import expect

    page = chat_ready(open_page(real_app[0] + "/", viewport={"width": 1366, "height": 1150}))
    page.locator(".pq-example", has_text="数字化改造").click()
    answer = page.locator("#pq-chat .pq-answer")
    expect(answer).to_have_count(1, timeout=ANSWER_TIMEOUT_MS)
    calc = answer.locator(".pq-calc")
    expect(calc).to_have_count(1)
    expect(calc.locator(".pq-inputs")).to_contain_text("120万元")
    expect(calc.locator(".pq-steps li").first).to_be_visible()
    expect(calc.locator(".pq-steps")).to_contain_text("×30%=36万元")
    expect(calc.locator(".pq-formula")).to_have_count(0)  # the steps are the formula, line by line
    expect(calc.locator(".pq-result")).to_contain_text("25 万元")
    expect(calc.locator(".pq-rule")).to_contain_text("第二部分（三）第7条")
    show_last_question(page)
    shoot(page, artifacts, "chat-calculation")  # the README's picture: `make screenshots`


def test_markup_in_a_question_shows_as_text_on_the_page(real_app: tuple[str, Any], open_page: Any, artifacts: Path) -> None:
    from playwright.sync_api import expect

    page = chat_ready(open_page(real_app[0] + "/"))
    ask_on_page(page, EVIL)
    expect(page.locator("#pq-chat [data-testid='user']").last).to_have_text(EVIL)
    assert page.evaluate("window.__pq_xss") is None
    expect(page.locator("#pq-chat img[src='x'], #pq-chat script")).to_have_count(0)
    shoot(page, artifacts, "chat-escaped")


def test_feedback_from_the_page_is_stored(real_app: tuple[str, Any], open_page: Any) -> None:
    from playwright.sync_api import expect

    from ui.feedback import FeedbackStore

    page = chat_ready(open_page(real_app[0] + "/"))
    expect(page.locator("#pq-fb-wrap")).to_be_hidden()  # nothing to judge yet
    ask_on_page(page, PROMO)
    expect(page.locator("#pq-fb-wrap")).to_be_visible()
    page.locator("#pq-comment textarea").fill("说明清楚<b>谢谢</b>")
    page.locator("#pq-useful").click()
    expect(page.locator("#pq-fb-status")).to_contain_text("已记录")
    expect(page.locator("#pq-comment textarea")).to_have_value("")
    rows = [r for r in FeedbackStore(real_app[1].feedback_db).rows() if r["source"] == "page"]
    assert rows and rows[-1]["question"] == PROMO and rows[-1]["useful"] is True
    assert rows[-1]["comment"] == "说明清楚<b>谢谢</b>" and "第13条" in rows[-1]["citations"][0]


def test_chat_page_at_phone_width(real_app: tuple[str, Any], open_page: Any, artifacts: Path) -> None:
    from playwright.sync_api import expect

    page = chat_ready(open_page(real_app[0] + "/", viewport=PHONE))
    expect(page.locator(".pq-docs")).not_to_have_attribute("open", "")  # folded, so the chat is in view
    answer = ask_on_page(page, PROMO)
    expect(answer.locator(".pq-cite").first).to_be_visible()
    # Nothing is wider than the screen: no sideways scrolling.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    box = answer.locator(".pq-cite").first.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    for sel in ("#pq-send", "#pq-useful", "#pq-clear"):
        b = page.locator(sel).bounding_box()
        assert b is not None and b["x"] + b["width"] <= PHONE["width"]
    show_last_question(page)
    shoot(page, artifacts, "chat-phone")
    # The feedback box, shown now that there is an answer, whole on the screen.
    fb = page.locator("#pq-fb-wrap")
    fb.scroll_into_view_if_needed()
    for sel in ("#pq-comment textarea", "#pq-useful", "#pq-useless"):
        b = page.locator(sel).bounding_box()
        assert b is not None and b["x"] >= 0 and b["x"] + b["width"] <= PHONE["width"] and 0 <= b["y"] <= PHONE["height"] - b["height"]
    comment = page.locator("#pq-comment textarea").bounding_box()
    assert comment is not None and comment["width"] >= 0.6 * PHONE["width"]  # on a line of its own: its hint is not cut off
    shoot(page, artifacts, "chat-phone-feedback")


def test_the_page_shares_the_per_client_rate_limit(serve_app: Any, real_assistant: Any, open_page: Any) -> None:
    from playwright.sync_api import expect

    url, _ = serve_app(real_assistant, rate_limit_per_minute=1)
    page = chat_ready(open_page(url + "/"))
    ask_on_page(page, PROMO)
    page.locator("#pq-input textarea").fill("专精特新企业贷款贴息有什么规定？")
    page.locator("#pq-send").click()
    expect(page.locator("#pq-chat .pq-error")).to_contain_text("提问过于频繁")
    expect(page.locator("#pq-input textarea")).to_have_value("专精特新企业贷款贴息有什么规定？")  # kept for a retry
    assert page.locator("#pq-chat .pq-answer").count() == 1


# -- the widget ----------------------------------------------------------------------------------
def widget_ask(page: Any, question: str) -> Any:
    """Ask in the widget's panel; return the answer's message locator."""
    frame = page.frame_locator("[data-policyqa-widget] iframe")
    return _send(frame.locator(".msg.bot:not(.pending)"), frame.locator("#q"), frame.locator("#send"), question)


def test_widget_on_the_demo_host_page(real_app: tuple[str, Any], open_page: Any, artifacts: Path) -> None:
    from playwright.sync_api import expect

    page = open_page(real_app[0] + "/demo/embed.html")
    launcher = page.locator("[data-policyqa-widget] .btn")
    expect(launcher).to_have_text("政策问答")
    expect(page.locator("[data-policyqa-widget] iframe")).to_have_count(0)  # loads on first open only

    # No style leaks either way: the host's !important button rules do not reach the widget,
    # and the widget leaves the host's own button and fonts as they were.
    style = "e => { const s = getComputedStyle(e); return [s.backgroundColor, s.fontSize, s.fontFamily]; }"
    assert launcher.evaluate(style)[:2] == ["rgb(29, 78, 216)", "15px"]
    assert page.locator("#host-button").evaluate(style)[:2] == ["rgb(204, 0, 0)", "30px"]
    assert page.evaluate("getComputedStyle(document.body).fontFamily") == "serif"
    host = page.locator("[data-policyqa-widget]")
    assert host.evaluate("e => getComputedStyle(e).outlineStyle") == "none"  # the host's `div {outline}` misses it

    launcher.click()
    expect(page.locator("[data-policyqa-widget] .panel")).to_be_visible()
    frame = page.frame_locator("[data-policyqa-widget] iframe")
    expect(frame.locator("#scope")).to_have_text("默认地区：厦门。")  # data-region reached the compact chat
    expect(frame.locator(".examples button")).to_have_count(3)

    answer = widget_ask(page, "专精特新企业在国内举办产品推介会有什么补贴？")
    expect(answer.locator(".text.lead")).to_contain_text("10万元")
    card = answer.locator("details.cite").first
    expect(card.locator("summary")).to_contain_text("《厦门市支持专精特新企业高质量发展的若干措施》")
    assert card.locator(".badge").inner_text() in ("有效", "即将到期", "已失效", "尚未生效", "未载明")
    expect(card.locator(".meta").first).to_contain_text("厦府办规〔2024〕11号")
    expect(card.locator("blockquote mark")).to_contain_text("10万元")
    assert page.locator("#host-button").evaluate(style)[:2] == ["rgb(204, 0, 0)", "30px"]
    frame.locator("#log").evaluate("e => { e.scrollTop = 0; }")
    shoot(page, artifacts, "widget-answer")  # the README's picture: `make screenshots`

    # A follow-up in the widget uses the conversation.
    follow = widget_ask(page, "这个文件有效期到什么时候？")
    expect(follow.locator(".text.lead")).to_contain_text("2026年12月31日")

    # Feedback from the widget is stored too.
    answer.locator(".fb button", has_text="有用").click()
    expect(answer.locator(".fb")).to_contain_text("已记录")

    page.locator("[data-policyqa-widget] .x").click()
    expect(page.locator("[data-policyqa-widget] .panel")).to_be_hidden()


def test_widget_calculation_and_escaping(real_app: tuple[str, Any], open_page: Any, artifacts: Path) -> None:
    from playwright.sync_api import expect

    page = open_page(real_app[0] + "/demo/embed.html")
    page.locator("[data-policyqa-widget] .btn").click()
    frame = page.frame_locator("[data-policyqa-widget] iframe")
    frame.locator(".examples button", has_text="数字化改造").click()
    answers = frame.locator(".msg.bot:not(.pending)")
    expect(answers).to_have_count(1, timeout=ANSWER_TIMEOUT_MS)
    calc = answers.first.locator("details.calc")
    expect(calc.locator(".result")).to_contain_text("25 万元")
    expect(calc.locator("ol")).to_contain_text("×30%=36万元")
    expect(calc.locator(".formula")).to_have_count(0)  # not a fourth step

    widget_ask(page, EVIL)
    expect(frame.locator(".msg.user").last).to_have_text(EVIL)
    expect(frame.locator("#log img, #log script")).to_have_count(0)
    assert page.evaluate("window.__pq_xss") is None
    assert page.frame_locator("[data-policyqa-widget] iframe").locator("body").evaluate("() => window.__pq_xss") is None
    shoot(page, artifacts, "widget-escaped")


def test_widget_at_phone_width_fills_the_screen(real_app: tuple[str, Any], open_page: Any, artifacts: Path) -> None:
    from playwright.sync_api import expect

    page = open_page(real_app[0] + "/demo/embed.html", viewport=PHONE)
    page.locator("[data-policyqa-widget] .btn").click()
    panel = page.locator("[data-policyqa-widget] .panel")
    expect(panel).to_be_visible()
    box = panel.bounding_box()
    assert box is not None and box["width"] == PHONE["width"] and box["height"] == PHONE["height"]
    expect(page.locator("[data-policyqa-widget] .btn")).to_be_hidden()  # it would cover the send button
    answer = widget_ask(page, "专精特新企业贷款贴息有什么规定？")
    expect(answer.locator("details.cite").first).to_be_visible()
    shoot(page, artifacts, "widget-phone")
    page.locator("[data-policyqa-widget] .x").click()
    expect(page.locator("[data-policyqa-widget] .btn")).to_be_visible()


# -- a partner's own site: frame-ancestors ---------------------------------------------------
class _HostPage(http.server.BaseHTTPRequestHandler):
    """A partner's page: the one-line embed, pointing at the app."""

    app_url = ""

    def do_GET(self) -> None:
        # /wide: a page wider than a phone (a long unbroken line, a fixed-width table), as many are
        wide = (
            '<pre>&lt;script src="https://HOST/widget.js" data-title="政策问答" data-region="厦门" async&gt;&lt;/script&gt;</pre>'
            '<table style="width:900px"><tr><td>通知公告</td><td>政策文件</td></tr></table>'
            if self.path.startswith("/wide")
            else ""
        )
        body = (
            '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>合作网站</title>'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f'<link rel="icon" href="data:,"></head><body><h1>合作网站</h1>{wide}'
            f'<script src="{self.app_url}/widget.js" data-title="政策咨询" data-region="山东" async></script></body></html>'
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def partner(serve_app: Any, real_assistant: Any) -> Iterator[dict[str, str]]:
    """A partner site on its own origin, listed in embed_origins; the same site reached as
    ``localhost`` is another origin, not listed."""
    handler: type[_HostPage] = type("Host", (_HostPage,), {})
    with http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler) as server:
        port = server.server_address[1]
        listed = f"http://127.0.0.1:{port}"
        app_url, _ = serve_app(real_assistant, embed_origins=[listed])
        handler.app_url = app_url
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield {"app": app_url, "listed": listed, "unlisted": f"http://localhost:{port}"}
        finally:
            server.shutdown()
            thread.join(timeout=10)


def test_a_listed_partner_origin_may_embed_the_widget(partner: dict[str, str], open_page: Any) -> None:
    from playwright.sync_api import expect

    page = open_page(partner["listed"] + "/")
    launcher = page.locator("[data-policyqa-widget] .btn")
    expect(launcher).to_have_text("政策咨询")  # data-title
    launcher.click()
    frame = page.frame_locator("[data-policyqa-widget] iframe")
    expect(frame.locator("#scope")).to_have_text("默认地区：山东。")
    answer = widget_ask(page, "科技服务业有哪些支持政策？")
    expect(answer.locator("details.cite").first).to_contain_text("山东省")  # the default region scoped it


def test_an_unlisted_origin_cannot_frame_the_chat(partner: dict[str, str], open_page: Any) -> None:
    from playwright.sync_api import expect

    page = open_page(partner["unlisted"] + "/")
    page.locator("[data-policyqa-widget] .btn").click()
    frame = page.locator("[data-policyqa-widget] iframe")
    expect(frame).to_have_count(1)
    # chromium replaces a frame refused by frame-ancestors with its error page.
    deadline = time.monotonic() + 20
    url = ""
    while time.monotonic() < deadline:
        urls = [f.url for f in page.frames if f is not page.main_frame]
        url = urls[0] if urls else ""
        if url.startswith(("chrome-error:", partner["app"])):
            break
        page.wait_for_timeout(100)
    assert url.startswith("chrome-error:"), url


# -- a finished product: lead first, nothing covered, nothing twice, Chinese, keyboard -----------
# Points on each line of an element's text where nothing else may be drawn on top of it.
UNCOVERED_JS = """e => {
  const r = document.createRange(); r.selectNodeContents(e);
  const out = [];
  for (const line of r.getClientRects()) {
    for (const fx of [0.05, 0.5, 0.95]) {
      const x = line.left + line.width * fx, y = line.top + line.height / 2;
      const hit = document.elementFromPoint(x, y);
      if (!hit || !e.contains(hit)) out.push([Math.round(x), Math.round(y), hit ? hit.outerHTML.slice(0, 80) : null]);
    }
  }
  return out;
}"""
# Attributes a screen reader or a tooltip shows, that are English or hold markup.
NOT_CHINESE_JS = """() => {
  const out = [];
  for (const e of document.querySelectorAll('*')) {
    for (const a of ['aria-label', 'title', 'placeholder', 'alt', 'aria-roledescription']) {
      const v = e.getAttribute(a);
      if (v && (/[A-Za-z]{3,}/.test(v) || /[<>]/.test(v))) out.push(`${e.tagName} ${a}=${v.slice(0, 80)}`);
    }
  }
  return out;
}"""


def on_screen(page: Any, loc: Any, viewport: dict[str, int]) -> None:
    """``loc`` lies inside the window and inside the visible part of every box that scrolls it."""
    box = loc.bounding_box()
    assert box is not None
    assert box["y"] >= 0 and box["y"] + min(box["height"], 60) <= viewport["height"], box
    clipped = loc.evaluate(
        """e => { const r = e.getBoundingClientRect();
          for (let p = e.parentElement; p; p = p.parentElement) {
            const s = getComputedStyle(p);
            if (s.overflowY === 'auto' || s.overflowY === 'scroll') {
              const b = p.getBoundingClientRect();
              if (r.top < b.top - 1 || r.top + Math.min(r.height, 40) > b.bottom + 1) return [r.top, b.top, b.bottom];
            }
          } return null; }"""
    )
    assert clipped is None, clipped


@SIZES
def test_an_answer_opens_at_its_lead_with_the_cards_below(
    real_app: tuple[str, Any], open_page: Any, artifacts: Path, viewport: dict[str, int]
) -> None:
    from playwright.sync_api import expect

    page = chat_ready(open_page(real_app[0] + "/", viewport=viewport))
    box = page.locator("#pq-input textarea")
    box.fill(CALC_Q)
    box.press("Enter")  # Enter sends
    answer = page.locator("#pq-chat .pq-answer")
    expect(answer).to_have_count(1, timeout=ANSWER_TIMEOUT_MS)
    lead = answer.locator(".pq-lead")
    expect(lead).to_contain_text("按25万元")
    page.wait_for_timeout(400)  # the page opens the answer once more after Gradio's own updates
    on_screen(page, lead, viewport)  # the user lands on the amount, not on the last card
    calc, cite = answer.locator(".pq-calc"), answer.locator(".pq-cite").first
    assert lead.bounding_box()["y"] < calc.bounding_box()["y"] < cite.bounding_box()["y"]  # type: ignore[index]
    # Nothing floats over the text: no label over the chat box, no ↓ button over the answer.
    assert lead.evaluate(UNCOVERED_JS) == []
    expect(page.locator("#pq-chat [data-testid='block-label']")).to_have_count(0)
    expect(page.locator("#pq-chat .scroll-down-button-container")).to_be_hidden()
    # Nothing said twice: the conditions and the formula once each.
    text = answer.inner_text()
    assert text.count("前提：") == 1 and text.count("比例为“最高30%”") == 1, text
    assert text.count(FORMULA) == 1, text
    if viewport is DESKTOP:  # a phone keeps its keyboard closed so that the answer stays in view
        assert page.evaluate("document.activeElement === document.querySelector('#pq-input textarea')")
    shoot(page, artifacts, f"chat-lead-{'desktop' if viewport is DESKTOP else 'phone'}")


@SIZES
def test_the_interface_is_chinese_for_screen_readers_too(
    real_app: tuple[str, Any], open_page: Any, artifacts: Path, viewport: dict[str, int]
) -> None:
    page = chat_ready(open_page(real_app[0] + "/", viewport=viewport))
    ask_on_page(page, PROMO)
    page.locator("#pq-chat .pq-answer").last.hover()  # the copy button appears on hover
    page.wait_for_timeout(300)
    assert page.evaluate(NOT_CHINESE_JS) == []
    assert page.evaluate("document.documentElement.lang") == "zh-CN"
    assert page.locator("#pq-chat [role='log']").get_attribute("aria-label") == "对话记录"
    copy = page.locator("#pq-chat button[aria-label='复制消息'], #pq-chat button[title='复制消息']")
    assert copy.count() >= 1
    # The widget's compact chat as well.
    page = open_page(real_app[0] + "/demo/embed.html", viewport=viewport)
    page.locator("[data-policyqa-widget] .btn").click()
    widget_ask(page, PROMO)
    frame = page.frame_locator("[data-policyqa-widget] iframe")
    assert frame.locator("body").evaluate(NOT_CHINESE_JS) == []
    assert page.evaluate(NOT_CHINESE_JS) == []


@SIZES
def test_the_document_list_gives_the_dates_behind_its_badges(
    real_app: tuple[str, Any], open_page: Any, artifacts: Path, viewport: dict[str, int]
) -> None:
    from playwright.sync_api import expect

    page = chat_ready(open_page(real_app[0] + "/", viewport=viewport))
    docs = page.locator(".pq-docs")
    if viewport is PHONE:
        docs.locator("summary").click()  # folded on a phone
    items = docs.locator("li")
    expect(items).to_have_count(5)
    for i in range(items.count()):
        item = items.nth(i)
        badge, date = item.locator(".pq-badge").inner_text(), item.locator(".pq-date")
        expect(date).to_be_visible()
        if badge == "即将到期":
            expect(date).to_contain_text("有效期至")
            expect(date).to_contain_text("剩余")
        elif badge == "未载明":
            expect(date).to_contain_text("未载明")
        else:
            expect(date).to_contain_text("年")
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    page.evaluate("window.scrollTo(0, 0)")
    shoot(page, artifacts, f"chat-documents-{'desktop' if viewport is DESKTOP else 'phone'}")


@SIZES
def test_a_citation_opens_its_readable_source(real_app: tuple[str, Any], open_page: Any, artifacts: Path, viewport: dict[str, int]) -> None:
    from playwright.sync_api import expect

    page = chat_ready(open_page(real_app[0] + "/", viewport=viewport))
    card = ask_on_page(page, PROMO).locator("details.pq-cite").first
    quote = card.locator(".pq-clause mark").inner_text()
    link = card.locator("a.pq-src")
    expect(link).to_have_text("查看原文（在文件中的位置）")
    with page.context.expect_page() as opened:
        link.click()
    src = opened.value
    src.wait_for_load_state()
    expect(src.locator("h1")).to_have_text("《厦门市支持专精特新企业高质量发展的若干措施》")
    meta = src.locator(".meta")
    for fact in ("厦府办规〔2024〕11号", "福建省厦门市", "厦门市人民政府办公厅", "有效期至2026年12月31日"):
        expect(meta).to_contain_text(fact)
    expect(src.locator(".crumbs")).to_contain_text("（六）助力市场开拓")
    expect(src.locator(".current mark")).to_have_text(quote)  # the words the answer quoted
    expect(src.locator(".current h2")).to_contain_text("第二部分（六）第13条")
    expect(src.locator(".context li a").first).to_be_visible()  # the neighbouring clauses
    assert src.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    src.locator(".current mark").scroll_into_view_if_needed()
    shoot(src, artifacts, f"source-{'desktop' if viewport is DESKTOP else 'phone'}")


@SIZES
def test_docs_render_offline(real_app: tuple[str, Any], open_page: Any, artifacts: Path, viewport: dict[str, int]) -> None:
    """Swagger UI from the app's own files; ``open_page`` fails the test on any request that
    leaves localhost."""
    from playwright.sync_api import expect

    page = open_page(real_app[0] + "/docs", viewport=viewport)
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("政策问答", timeout=20_000)
    expect(page.locator(".opblock-summary-path", has_text="/api/ask").first).to_be_visible()
    shoot(page, artifacts, f"docs-{'desktop' if viewport is DESKTOP else 'phone'}")


@pytest.mark.parametrize("width", [360, 390, 414])
@pytest.mark.parametrize("host", ["demo", "wide"])
def test_the_widget_is_usable_on_any_phone_and_host_page(
    real_app: tuple[str, Any], partner: dict[str, str], open_page: Any, artifacts: Path, width: int, host: str
) -> None:
    """The button on screen and the panel full screen at 360–414 px, also on a host page wider
    than the phone (its layout viewport then grows past the screen); feedback after an answer,
    inside the screen."""
    from playwright.sync_api import expect

    viewport = {"width": width, "height": 844}
    url = real_app[0] + "/demo/embed.html" if host == "demo" else partner["listed"] + "/wide"
    page = open_page(url, viewport=viewport)
    page_width = page.evaluate("document.documentElement.scrollWidth")
    if host == "demo":
        assert page_width <= width  # the demo's code line wraps
    else:
        assert page_width > width and page.evaluate("innerWidth") > width  # wider than the screen
    launcher = page.locator("[data-policyqa-widget] .btn")
    expect(launcher).to_be_visible()
    b = launcher.bounding_box()
    assert b is not None and 0 <= b["x"] and b["x"] + b["width"] <= width and b["y"] + b["height"] <= viewport["height"], b
    shoot(page, artifacts, f"widget-{host}-{width}-closed")
    launcher.click()
    panel = page.locator("[data-policyqa-widget] .panel")
    expect(panel).to_be_visible()
    assert panel.bounding_box() == {"x": 0, "y": 0, "width": width, "height": viewport["height"]}
    frame = page.frame_locator("[data-policyqa-widget] iframe")
    expect(frame.locator("#q")).to_be_visible()
    expect(frame.locator(".fb")).to_have_count(0)  # no feedback box before an answer
    frame.locator("#q").fill("厦门" + CALC_Q)  # the partner page's default region is 山东
    frame.locator("#q").press("Enter")
    answer = frame.locator(".msg.bot:not(.pending)")
    expect(answer).to_have_count(1, timeout=ANSWER_TIMEOUT_MS)
    lead = answer.locator(".text.lead")
    expect(lead).to_contain_text("按25万元")
    lb = lead.bounding_box()
    assert lb is not None and 0 <= lb["y"] < viewport["height"] - 40  # opens at the lead
    text = answer.inner_text()
    assert text.count(FORMULA) == 1 and text.count("前提：") == 1, text  # no formula line as a fourth step
    expect(answer.locator("a.src").first).to_have_attribute("href", re.compile(r"^/source/xm-zjtx-2024/"))
    shoot(page, artifacts, f"widget-{host}-{width}")
    fb = answer.locator(".fb")
    fb.scroll_into_view_if_needed()
    for part in (fb, fb.locator("input"), fb.locator("button", has_text="没用")):
        pb = part.bounding_box()
        assert pb is not None and pb["x"] >= 0 and pb["x"] + pb["width"] <= width, (part, pb)
        assert pb["y"] >= 0 and pb["y"] + pb["height"] <= viewport["height"], (part, pb)
    shoot(page, artifacts, f"widget-{host}-{width}-feedback")
    page.locator("[data-policyqa-widget] .x").click()
    expect(launcher).to_be_visible()


def test_widget_keyboard_use(real_app: tuple[str, Any], open_page: Any) -> None:
    """Open with the keyboard, the question box takes focus, Enter sends, focus comes back, Escape closes."""
    from playwright.sync_api import expect

    page = open_page(real_app[0] + "/demo/embed.html")
    launcher = page.locator("[data-policyqa-widget] .btn")
    launcher.focus()
    page.keyboard.press("Enter")
    frame = page.frame_locator("[data-policyqa-widget] iframe")
    expect(frame.locator("#q")).to_be_focused()
    page.keyboard.type("专精特新企业贷款贴息有什么规定？")
    page.keyboard.press("Enter")
    expect(frame.locator(".msg.bot:not(.pending)")).to_have_count(1, timeout=ANSWER_TIMEOUT_MS)
    expect(frame.locator("#q")).to_be_focused()
    page.keyboard.press("Escape")
    expect(page.locator("[data-policyqa-widget] .panel")).to_be_hidden()


def test_a_lone_surrogate_typed_on_the_page_gets_a_message_and_the_tab_goes_on(real_app: tuple[str, Any], open_page: Any) -> None:
    """Issue 13: "\\ud800" typed in the box froze the tab (the server could not encode it)."""
    from playwright.sync_api import expect

    page = chat_ready(open_page(real_app[0] + "/"))
    box = page.locator("#pq-input textarea")
    # fill() cannot carry a lone surrogate over the wire; set it as a script would, then send
    box.evaluate(
        "e => { const set = Object.getOwnPropertyDescriptor(HTMLTextAreaElement.prototype, 'value').set;"
        " set.call(e, '补贴\\ud800'); e.dispatchEvent(new Event('input', {bubbles: true})); }"
    )
    page.locator("#pq-send").click()
    expect(page.locator("#pq-chat")).to_contain_text("无效字符", timeout=ANSWER_TIMEOUT_MS)
    answer = ask_on_page(page, "专精特新企业贷款贴息有什么规定？")  # the tab still works
    expect(answer).to_contain_text("贴息")
