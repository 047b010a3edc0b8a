"""The 政策体检 form in a real browser (Debian's chromium via Playwright), at desktop and phone width.

The matcher reads documents and rules only, so the app is the one over the fake embedder; the
chat tab beside it is the same page as in test_browser.py. Screenshots go to artifacts/."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from test_browser import CHROMIUM_ARGS, browser, open_page, shoot  # noqa: F401 - fixtures shared with the chat page's tests

pytestmark = pytest.mark.slow

DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
TIMEOUT_MS = 30_000


@pytest.fixture(scope="module")
def match_app(serve_app: Any, fake_assistant: Any) -> str:
    url, _ = serve_app(fake_assistant, today=dt.date(2026, 6, 1))
    return url


def _field(page: Any, elem_id: str) -> Any:
    return page.locator(f"#{elem_id}").locator("textarea, input").first


def _open_form(page: Any) -> None:
    page.get_by_role("tab", name="政策体检").click()
    page.locator("#pq-m-run").wait_for(timeout=TIMEOUT_MS)


def _fill_company(page: Any) -> None:
    city = _field(page, "pq-m-city")
    city.click()
    page.get_by_role("option", name="厦门", exact=True).click()
    _field(page, "pq-m-district").fill("湖里区")
    page.locator("#pq-m-types").get_by_label("专精特新“小巨人”企业").check()
    _field(page, "pq-m-rd_spend_wan").fill("900")
    _field(page, "pq-m-rd_spend_last_wan").fill("700万")
    page.get_by_text("数字化、咨询与培训").click()
    _field(page, "pq-m-digital_spend_wan").fill("120")
    _field(page, "pq-m-digital_level").fill("2")


def _result(page: Any) -> Any:
    from playwright.sync_api import expect

    out = page.locator("#pq-match-output")
    expect(out).to_be_visible(timeout=TIMEOUT_MS)
    return out


def test_form_at_desktop_width(match_app: str, open_page: Any, artifacts: Path) -> None:  # noqa: F811
    from playwright.sync_api import expect

    page = open_page(match_app + "/", viewport=DESKTOP)
    _open_form(page)
    shoot(page, artifacts, "match-desktop-form")
    # validation in Chinese before anything is matched
    page.locator("#pq-m-run").click()
    expect(page.locator("#pq-m-result .pq-error")).to_contain_text("请填写企业注册地", timeout=TIMEOUT_MS)
    _fill_company(page)
    _field(page, "pq-m-consulting_fee_wan").fill("很多")
    page.locator("#pq-m-run").click()
    expect(page.locator("#pq-m-result .pq-error")).to_contain_text("“管理咨询服务费用”的值“很多”无法识别", timeout=TIMEOUT_MS)
    _field(page, "pq-m-consulting_fee_wan").fill("")
    page.locator("#pq-m-run").click()
    out = _result(page)
    # 研发费用 ⌊900/200⌋×10 = 40; 数字化改造 120×30% = 36 → 单家企业最高25万元, at 最高30%: an upper bound, not in the total
    expect(out.locator(".pq-m-total strong")).to_have_text("40万元")
    ok = out.locator(".pq-m-ok")
    expect(ok).to_contain_text("企业年度自主研发费用补助")
    expect(ok).to_contain_text("数字化改造补助")
    expect(ok.locator(".pq-m-line", has_text="数字化改造补助").locator(".pq-m-amount")).to_have_text("25万元（上限）")
    expect(ok).to_contain_text("（责任单位：市工信局、财政局）")
    expect(out.locator(".pq-m-maybe")).to_contain_text("首次获得专精特新“小巨人”称号")
    expect(out.locator(".pq-m-no")).to_have_count(0)  # 不符合 only on request
    out.scroll_into_view_if_needed()
    page.evaluate("document.querySelector('#pq-match-output').scrollIntoView({block: 'start'})")
    shoot(page, artifacts, "match-desktop")
    page.locator("#pq-m-all").get_by_role("checkbox").check()
    page.locator("#pq-m-run").click()
    expect(page.locator("#pq-match-output .pq-m-no")).to_contain_text("后备企业", timeout=TIMEOUT_MS)


def test_form_at_phone_width(match_app: str, open_page: Any, artifacts: Path) -> None:  # noqa: F811
    from playwright.sync_api import expect

    page = open_page(match_app + "/", viewport=PHONE)
    _open_form(page)
    _fill_company(page)
    page.locator("#pq-m-run").click()
    out = _result(page)
    expect(out.locator(".pq-m-total strong")).to_have_text("40万元")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    for sel in ("#pq-m-run", "#pq-match-output .pq-m-line >> nth=0"):
        box = page.locator(sel).bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], (sel, box)
    page.evaluate("document.querySelector('#pq-match-output').scrollIntoView({block: 'start'})")
    shoot(page, artifacts, "match-phone")
    page.evaluate("window.scrollTo(0, 0)")
    shoot(page, artifacts, "match-phone-form")


def test_chat_question_describing_a_company(match_app: str, open_page: Any, artifacts: Path) -> None:  # noqa: F811
    """The chat tab routes "…能享受哪些政策？" to the matcher: the same groups and total as the form."""
    from playwright.sync_api import expect

    page = open_page(match_app + "/", viewport=DESKTOP)
    page.locator("#pq-input textarea").wait_for(timeout=TIMEOUT_MS)
    page.locator("#pq-input textarea").fill(
        "我们是厦门湖里区的专精特新小巨人企业，今年研发投入900万，去年700万，数字化改造投了120万，达到二级，能享受哪些政策？"
    )
    page.locator("#pq-send").click()
    answer = page.locator("#pq-chat .pq-answer").last
    expect(answer).to_contain_text("（就高不重复的只计较高者）：40万元。", timeout=TIMEOUT_MS)
    expect(answer).to_contain_text("【可申报】")
    page.locator("#pq-chat [data-testid='user']").last.evaluate("e => e.scrollIntoView({block: 'start'})")
    shoot(page, artifacts, "match-chat")
