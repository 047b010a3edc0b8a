"""政策体检 in the widget, in a real browser (Debian's chromium via Playwright): the demo host page at
desktop width (the 380 px panel), at phone widths (the panel fills the screen), and /embed itself
at desktop width. Driven by the keyboard where a user would be; screenshots go to artifacts/."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from test_browser import NOT_CHINESE_JS, browser, open_page, shoot  # noqa: F401 - fixtures shared with the chat page's tests

pytestmark = pytest.mark.slow

DESKTOP = {"width": 1366, "height": 900}
PHONES = [{"width": 360, "height": 740}, {"width": 414, "height": 896}]
TIMEOUT_MS = 30_000
# Visible words a user reads as labels: none may be English (the figures' names carry no LPR either).
LABELS_JS = """() => Array.from(document.querySelectorAll('label, legend, summary, button, option, h2, h3, [role=tab]'))
  .map(e => e.textContent.trim()).filter(t => /[A-Za-z]{2,}/.test(t))"""
# Anything wider than its scrolling box: the user would have to scroll sideways.
OVERFLOW_JS = """() => { const out = [];
  for (const e of document.querySelectorAll('#pane-match *')) {
    const r = e.getBoundingClientRect();
    if (r.width && (r.left < -1 || r.right > document.documentElement.clientWidth + 1)) out.push(e.tagName + '.' + e.className);
  } return out.slice(0, 5); }"""


@pytest.fixture(scope="module")
def match_app(serve_app: Any, fake_assistant: Any) -> str:
    url, _ = serve_app(fake_assistant, today=dt.date(2026, 6, 1))
    return url


def _open_widget_form(page: Any) -> Any:
    """Open the widget and reach the 政策体检 tab by the keyboard (→ on the tab bar)."""
    from playwright.sync_api import expect

    page.locator("[data-policyqa-widget] .btn").click()
    frame = page.frame_locator("[data-policyqa-widget] iframe")
    expect(frame.locator(".examples button")).to_have_count(3, timeout=TIMEOUT_MS)  # the frame's scripts have run
    chat_tab = frame.get_by_role("tab", name="政策问答")
    expect(chat_tab).to_have_attribute("aria-selected", "true")
    chat_tab.focus()
    chat_tab.press("ArrowRight")
    match_tab = frame.get_by_role("tab", name="政策体检")
    expect(match_tab).to_have_attribute("aria-selected", "true")
    expect(match_tab).to_be_focused()
    expect(frame.locator("#q")).to_be_hidden()
    expect(frame.locator("#m-run")).to_be_visible(timeout=TIMEOUT_MS)
    return frame


def _open_section(frame: Any, title: str) -> None:
    section = frame.locator("details.m-section", has=frame.locator("summary", has_text=title))
    if section.get_attribute("open") is None:
        section.locator("summary").click()


def _fill_little_giant(frame: Any) -> None:
    """The first profile of tests/assistant/test_match.py: 厦门湖里 小巨人 with its figures and a loan."""
    frame.get_by_label("区（县）").fill("湖里区")
    frame.locator(".m-chip", has_text="专精特新“小巨人”企业").get_by_role("checkbox").check()
    frame.get_by_label("本年度研发费用（万元）").fill("900")
    frame.get_by_label("上年度研发费用（万元）").fill("700万")
    _open_section(frame, "数字化、咨询与培训")
    frame.get_by_label("数字化改造实际投入（万元）").fill("120")
    frame.get_by_label("改造后数字化水平等级（级）").fill("2")
    frame.get_by_label("管理咨询服务费用（万元）").fill("40")
    _open_section(frame, "贷款")
    frame.get_by_role("button", name="添加一笔贷款").click()
    loan = frame.locator(".m-loan").first
    expect_focused = loan.get_by_label("贷款类型")
    from playwright.sync_api import expect

    expect(expect_focused).to_be_focused()  # a new loan takes the focus
    expect_focused.select_option("技术创新基金贷款")
    loan.get_by_label("贷款金额（万元）").fill("1000")
    loan.get_by_label("年利率（%）").fill("3.5")
    loan.get_by_label("期限（月）").fill("12")


def test_widget_match_form_at_desktop_width(match_app: str, open_page: Any, artifacts: Path) -> None:  # noqa: F811
    from playwright.sync_api import expect

    page = open_page(match_app + "/demo/embed.html", viewport=DESKTOP)
    frame = _open_widget_form(page)
    city = frame.get_by_label("注册地城市（必填）")
    expect(city).to_have_value("厦门")  # the widget's data-region
    options = city.locator("option").all_inner_texts()
    assert {"厦门", "济南", "青岛"} <= set(options), options
    shoot(page, artifacts, "widget-match-desktop-form")

    # Validation in Chinese, on the field, before anything is sent: no city; a word for a figure.
    city.select_option("")
    _open_section(frame, "数字化、咨询与培训")
    frame.get_by_label("管理咨询服务费用（万元）").fill("很多")
    frame.locator("#m-run").click()
    expect(frame.locator("#m-alert")).to_have_text("请先更正标出的2处信息。")
    expect(city).to_have_attribute("aria-invalid", "true")
    expect(city).to_be_focused()
    expect(frame.locator("#m-city-err")).to_have_text("请选择企业注册地城市。")
    consulting = frame.get_by_label("管理咨询服务费用（万元）")
    expect(consulting).to_have_attribute("aria-invalid", "true")
    err = frame.locator("#" + consulting.get_attribute("aria-describedby"))
    expect(err).to_have_text("“管理咨询服务费用”应填写数值，单位：万元。")
    shoot(page, artifacts, "widget-match-desktop-errors")
    # the server's own message when it cannot read a value, put on the field it names
    city.select_option("厦门")
    consulting.fill("")
    frame.get_by_label("本年度研发费用（万元）").fill("-5")
    frame.get_by_label("本年度研发费用（万元）").press("Enter")  # Enter in a field sends the form
    expect(frame.locator("#m-alert")).to_contain_text("“本年度研发费用”的值“-5”无法识别", timeout=TIMEOUT_MS)
    expect(frame.get_by_label("本年度研发费用（万元）")).to_have_attribute("aria-invalid", "true")

    _fill_little_giant(frame)
    frame.get_by_label("期限（月）").press("Enter")
    out = frame.locator("#m-out")
    head = out.locator(".m-result-head")
    expect(head).to_be_focused(timeout=TIMEOUT_MS)  # a screen reader lands on the result
    expect(frame.locator("#m-alert")).to_have_text("")
    # kjcx 7 ⌊900/200⌋×10=40; zjtx 3 1000×(3.5%−2%)=15; and at the clauses' highest rates (upper bounds, in the
    # most): zjtx 7 120×30%=36 → 25, 咨询 40×50%=20; with the 叠加奖励 最高50万元: at most 150
    expect(out.locator(".m-total strong")).to_have_text("55万元")
    expect(out.locator(".m-total")).to_contain_text("40+15=55万元")
    expect(out.locator(".m-total")).to_contain_text("最多150万元")
    ok = out.locator(".m-ok")
    expect(ok.locator("h3")).to_have_text("可申报（5项）")
    rd = ok.locator(".m-line", has_text="企业年度自主研发费用补助")
    expect(rd.locator(".m-amount")).to_have_text("40万元")
    expect(rd.locator("cite")).to_contain_text("第四部分（三）第7条")
    digital = ok.locator(".m-line", has_text="数字化改造补助")
    expect(digital.locator(".m-amount")).to_have_text("25万元（上限）")
    expect(digital.locator(".m-dept")).to_have_text("责任单位：（责任单位：市工信局、财政局）")
    expect(digital.locator("mark")).to_contain_text("25万元")
    assert (digital.locator("a.src").get_attribute("href") or "").startswith("/source/xm-zjtx-2024/")  # the clause in its file
    maybe = out.locator(".m-maybe")
    expect(maybe.locator(".m-line", has_text="首次获得专精特新“小巨人”称号").locator(".m-missing")).to_contain_text("还需")
    expect(out.locator(".m-no")).to_have_count(0)  # 不符合 only on request
    assert frame.locator("body").evaluate(NOT_CHINESE_JS) == []
    assert frame.locator("body").evaluate(LABELS_JS) == []
    assert page.evaluate(NOT_CHINESE_JS) == []
    shoot(page, artifacts, "widget-match-desktop-result")

    frame.get_by_label("同时列出不符合的措施及原因").check()
    frame.locator("#m-run").click()
    expect(out.locator(".m-no .m-line", has_text="后备企业").locator(".m-why")).to_contain_text("原因：", timeout=TIMEOUT_MS)
    # Escape closes the panel from inside the form too, and the chat tab is one ← away
    frame.get_by_role("tab", name="政策体检").press("ArrowLeft")
    expect(frame.locator("#q")).to_be_visible()
    frame.locator("#q").press("Escape")
    expect(page.locator("[data-policyqa-widget] .panel")).to_be_hidden()


@pytest.mark.parametrize("viewport", PHONES, ids=["360", "414"])
def test_widget_match_form_fills_a_phone(match_app: str, open_page: Any, artifacts: Path, viewport: dict[str, int]) -> None:  # noqa: F811
    from playwright.sync_api import expect

    page = open_page(match_app + "/demo/embed.html", viewport=viewport)
    frame = _open_widget_form(page)
    panel = page.locator("[data-policyqa-widget] .panel").bounding_box()
    assert panel is not None and panel["width"] == viewport["width"] and panel["height"] == viewport["height"]
    _fill_little_giant(frame)
    assert frame.locator("body").evaluate(OVERFLOW_JS) == []  # nothing wider than the phone
    shoot(page, artifacts, f"widget-match-phone-{viewport['width']}-form")
    run = frame.locator("#m-run")
    run.scroll_into_view_if_needed()
    box = run.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"] and box["height"] >= 36, box
    run.click()
    total = frame.locator("#m-out .m-total strong")
    expect(total).to_have_text("55万元", timeout=TIMEOUT_MS)
    assert frame.locator("body").evaluate(OVERFLOW_JS) == []
    assert frame.locator("body").evaluate(NOT_CHINESE_JS) == []
    assert frame.locator("body").evaluate(LABELS_JS) == []
    tb = total.bounding_box()
    assert tb is not None and 0 <= tb["y"] < viewport["height"], tb  # the result opens at its total
    shoot(page, artifacts, f"widget-match-phone-{viewport['width']}-result")


def test_embed_match_tab_at_desktop_width(match_app: str, open_page: Any, artifacts: Path) -> None:  # noqa: F811
    """/embed?tab=match (what data-tab="match" opens) on a wide screen: the fields side by side."""
    from playwright.sync_api import expect

    page = open_page(match_app + "/embed?tab=match&region=济南", viewport=DESKTOP)
    expect(page.get_by_role("tab", name="政策体检")).to_have_attribute("aria-selected", "true")
    expect(page.get_by_label("注册地城市（必填）")).to_have_value("济南", timeout=TIMEOUT_MS)
    rd, last = page.get_by_label("本年度研发费用（万元）").bounding_box(), page.get_by_label("上年度研发费用（万元）").bounding_box()
    assert rd is not None and last is not None and rd["y"] == last["y"]  # one row, not one field a line
    page.locator(".m-chip", has_text="科技服务企业").first.get_by_role("checkbox").check()
    page.locator("#m-run").click()
    out = page.locator("#m-out")
    expect(out.locator(".m-maybe h3")).to_contain_text("可能符合", timeout=TIMEOUT_MS)
    expect(out.locator(".m-line", has_text="创新券").locator(".m-cap")).to_have_text("金额以主管部门核定为准")
    assert page.evaluate(NOT_CHINESE_JS) == [] and page.evaluate(LABELS_JS) == []
    shoot(page, artifacts, "widget-match-embed-desktop", full_page=False)
