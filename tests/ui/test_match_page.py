"""The 政策体检 result as HTML (the page's rendering of the /api/match JSON): groups, totals, escaping."""

from __future__ import annotations

import datetime as dt
from typing import Any

from assistant.match.service import matcher_for
from corpus.settings import Settings
from ui.match_page import city_choices, match_html

PROFILE = {"city": "厦门", "types": ["孵化器运营方"], "levels": ["卓越级"]}


def _out(**kw: Any) -> dict[str, Any]:
    return matcher_for(Settings(today=dt.date(2026, 6, 1))).run(PROFILE, **kw)


def test_result_shows_the_total_the_groups_and_the_overlap() -> None:
    html = match_html(_out())
    assert "可申报确定金额合计</span><strong>500万元</strong>" in html
    # 部级孵化器奖励, 孵化器建设奖励 and the 运营补助 (a 卓越级 部级孵化器 is a 市级及以上孵化器)
    assert "可申报（3项）" in html and "不符合" not in html
    assert html.count("就高不重复（甲）") >= 2  # 部级孵化器奖励 and 孵化器建设奖励 are not added up
    assert "（责任单位：市科技局、市财政局、市教育局，各区人民政府、自贸委、火炬管委会）" in html


def test_ineligible_on_request() -> None:
    html = match_html(_out(include_ineligible=True))
    assert "不符合（" in html and "原因：本项适用于专精特新企业" in html


def test_everything_is_escaped() -> None:
    out = _out()
    out["match"]["groups"]["eligible"][0]["formula"] = "<script>alert(1)</script>"
    html = match_html(out)
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_cities_are_those_the_documents_cover() -> None:
    cities = city_choices(matcher_for(Settings()).corpus)
    assert cities[0] == "厦门" and "济南" in cities and "青岛" in cities
    assert "北京" not in cities and "福州" not in cities
