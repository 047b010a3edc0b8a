"""``POST /api/match`` over HTTP (the app served by uvicorn), and the chat route to the matcher.

The matcher reads documents and rules only, so these run on the app over the fake embedder."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

PROFILE = {
    "city": "厦门",
    "district": "湖里区",
    "types": ["专精特新“小巨人”企业", "高新技术企业"],
    "figures": {"rd_spend_wan": 900, "rd_spend_last_wan": 700, "digital_spend_wan": "120万", "digital_level": 2, "consulting_fee_wan": 40},
    "loans": [{"kind": "技术创新基金贷款", "amount_wan": 1000, "rate_pct": 3.5, "months": 12}],
}


@pytest.fixture(scope="module")
def app(serve_app: Any, fake_assistant: Any) -> tuple[str, Any]:
    return serve_app(fake_assistant, today=dt.date(2026, 6, 1))


@pytest.fixture()
def client(app: tuple[str, Any]) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=app[0], timeout=60) as c:
        yield c


def test_match_groups_amounts_and_total(client: httpx.Client) -> None:
    r = client.post("/api/match", json=PROFILE)
    assert r.status_code == 200, r.text
    body = r.json()
    m = body["match"]
    eligible = {x["rule_id"]: x for x in m["groups"]["eligible"]}
    assert eligible["zjtx-7-digital"]["amount_wan"] == "25" and eligible["zjtx-7-digital"]["upper_bound"] is True
    assert eligible["kjcx-7-rd-step"]["amount_wan"] == "40"
    assert eligible["zjtx-3-tech-fund-cost-cap"]["amount_wan"] == "15"
    assert eligible["kjcx-7-rd-bonus"]["amount_wan"] is None and eligible["kjcx-7-rd-bonus"]["cap_wan"] == "50"
    # 40+15 definite; 25 (最高30%) and 20 (最高50%) are upper bounds, in the most with the 50
    assert m["total_wan"] == "55" and m["total_cap_wan"] == "150"
    assert m["groups"]["ineligible"] == []  # only on request
    assert eligible["zjtx-7-digital"]["department"] == "（责任单位：市工信局、财政局）"
    # Answer-like: the text cites [n], the citations carry the clause, the calculations the formula
    assert body["intent"] == "match" and body["no_basis"] is False
    n = eligible["zjtx-7-digital"]["citation_n"]
    cite = next(c for c in body["citations"] if c["n"] == n)
    assert cite["quote"] in cite["text"] and f"[{n}]" in body["answer"]
    assert any(c["rule_id"] == "match-total" and c["amount_wan"] == "55" for c in body["calculations"])
    assert {"label": "注册地", "value": "厦门湖里区"} in body["profile"]


def test_match_on_request_lists_what_fails(client: httpx.Client) -> None:
    body = client.post("/api/match", json={**PROFILE, "include_ineligible": True}).json()
    failing = {x["rule_id"]: x for x in body["match"]["groups"]["ineligible"]}
    assert "后备企业" in failing["zjtx-2-reserve-award"]["reasons"][0]
    assert "【不符合】" in body["answer"]


def test_response_has_the_documented_fields(client: httpx.Client) -> None:
    from ui.match_api import MatchOut, MatchResultOut

    body = client.post("/api/match", json=PROFILE).json()
    assert set(body) == set(MatchOut.model_fields)
    assert set(body["match"]) == set(MatchResultOut.model_fields)


def _error(r: httpx.Response, status: int) -> str:
    assert r.status_code == status, r.text
    body = r.json()
    assert set(body) == {"error"} and "Traceback" not in r.text
    return str(body["error"]["message"])


@pytest.mark.parametrize(
    ("body", "status", "words"),
    [
        ({}, 422, "city缺少此字段"),
        ({"city": 5}, 422, "city应为文本"),
        ({"city": "厦门", "types": "小巨人"}, 422, "types应为文本列表"),
        ({"city": ""}, 400, "请填写企业注册地"),
        ({"city": "厦门", "loans": [{"kind": "科技信用贷款"}] * 11}, 422, "loans格式有误"),
        ({"city": "火星"}, 400, "无法识别注册地"),
        ({"city": "厦门", "types": ["独角兽"]}, 400, "不在可选范围内"),
        ({"city": "厦门", "figures": {"rd_spend_wan": "很多"}}, 400, "“本年度研发费用”的值“很多”无法识别"),
        ({"city": "厦门", "loans": [{"kind": "房贷", "amount_wan": 5}]}, 400, "贷款的类型“房贷”"),
    ],
)
def test_match_errors_in_chinese(client: httpx.Client, body: dict[str, Any], status: int, words: str) -> None:
    assert words in _error(client.post("/api/match", json=body), status)


def test_match_is_documented_with_its_errors(client: httpx.Client) -> None:
    spec = client.get("/openapi.json").json()
    op = spec["paths"]["/api/match"]["post"]
    assert {"200", "400", "422", "429"} <= set(op["responses"])
    assert op["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("/MatchRequest")


def test_region_without_documents(client: httpx.Client) -> None:
    body = client.post("/api/match", json={"city": "北京", "types": ["高新技术企业"]}).json()
    assert body["no_basis"] is True and body["answer"].startswith("现有政策文件中未找到依据")


def test_chat_question_describing_a_company_is_matched(client: httpx.Client) -> None:
    q = "我们是厦门的专精特新小巨人企业，今年研发投入900万，去年700万，数字化改造投了120万，达到二级，能享受哪些政策？"
    body = client.post("/api/ask", json={"question": q}).json()
    assert body["intent"] == "match", body["answer"][:200]
    assert "【可申报】" in body["answer"] and "（就高不重复的只计较高者）：40万元。" in body["answer"]
    assert any(c["clause_id"] == "xm-zjtx-2024/二/（三）/7" for c in body["citations"])


def test_match_form_asks_every_figure_in_chinese_with_its_unit(client: httpx.Client) -> None:
    """GET /api/match/form (what the widget's 政策体检 form is built from): every figure of the
    vocabulary once, labelled in Chinese with its unit; every field it asks is one /api/match reads."""
    import re

    from assistant.match import COMPANY_TYPES, FIGURES, LOAN_KINDS

    r = client.get("/api/match/form")
    assert r.status_code == 200, r.text
    form = r.json()
    keys = [f["key"] for s in form["sections"] for f in s["fields"]]
    assert sorted(keys) == sorted(f.key for f in FIGURES)
    labels = [f["label"] for s in form["sections"] for f in s["fields"]] + [f["label"] for f in form["loan_fields"]]
    assert all(re.fullmatch(r"[^A-Za-z]+（[^（）A-Za-z]+）", x) for x in labels), labels
    assert "本年度研发费用（万元）" in labels and "进站博士后人数（人）" in labels and "年利率（%）" in labels
    assert form["types"] == [t.name for t in COMPANY_TYPES] and form["loan_kinds"] == [k.name for k in LOAN_KINDS]
    assert form["cities"][0] == "厦门" and "卓越级" in form["levels"]
    # the form and the API agree: every field it asks, filled, is read (not refused as unknown)
    body = {
        "city": form["cities"][0],
        "types": form["types"][:2],
        "levels": form["levels"][:1],
        "figures": {k: 1 for k in keys},
        "loans": [{"kind": k, **{f["key"]: 1 for f in form["loan_fields"]}} for k in form["loan_kinds"]][: form["max_loans"]],
    }
    assert client.post("/api/match", json=body).status_code == 200


def test_the_widget_serves_its_match_form(client: httpx.Client) -> None:
    page = client.get("/embed")
    assert 'role="tablist"' in page.text and ">政策体检</button>" in page.text and "/static/embed_match.js" in page.text
    js = client.get("/static/embed_match.js")
    assert js.status_code == 200 and js.headers["content-type"].startswith("text/javascript")
    assert "innerHTML" not in js.text and "/api/match/form" in js.text  # text only, the fields from the server
    css = client.get("/static/embed_match.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
