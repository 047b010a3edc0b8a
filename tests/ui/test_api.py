"""The JSON API over HTTP, against the app served by uvicorn.

What an answer says is checked against the real chain (real model, marked slow); input limits,
errors, rate limit, feedback and headers against the same app over a fake embedder (see conftest).
"""

from __future__ import annotations

import csv
import json
import sqlite3
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import httpx
import pytest


@pytest.fixture()
def real(real_app: tuple[str, Any]) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=real_app[0], timeout=60) as c:
        yield c


def _error(r: httpx.Response, status: int) -> str:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/json")
    body = r.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}
    assert "Traceback" not in r.text and 'File "' not in r.text
    return str(body["error"]["message"])


@pytest.mark.parametrize(
    ("body", "status", "words"),
    [
        ({"question": ""}, 400, "请输入"),
        ({"question": "   \n "}, 400, "请输入"),
        ({"question": "补贴" * 251}, 400, "500字以内"),
        ({"question": "有什么补贴？", "history": ["专精特新"] * 11}, 400, "对话轮数过多"),
        ({"question": "有什么补贴？", "history": ["长" * 501]}, 400, "过长"),
        ({"question": "有什么补贴？", "region": "厦" * 21}, 400, "地区名称过长"),
        ({"question": 123}, 422, "question应为文本"),
        ({"question": None}, 422, "question应为文本"),
        ({"question": ["a"]}, 422, "question应为文本"),
        ({}, 422, "question缺少此字段"),
        ({"question": "补贴", "history": "专精特新"}, 422, "history应为文本列表"),
        ({"question": "补贴", "history": [1, 2]}, 422, "history.0应为文本"),
        ({"question": "补贴", "region": 5}, 422, "region应为文本"),
        ([1, 2], 422, "请求格式有误"),
    ],
)
def test_ask_bad_input_is_a_chinese_json_error(client: httpx.Client, body: Any, status: int, words: str) -> None:
    assert words in _error(client.post("/api/ask", json=body), status)


def test_ask_body_that_is_not_json(client: httpx.Client) -> None:
    r = client.post("/api/ask", content=b"{not json", headers={"content-type": "application/json"})
    assert "JSON" in _error(r, 422)
    r = client.post("/api/ask", content="question=补贴".encode(), headers={"content-type": "text/plain"})
    assert "请求格式有误" in _error(r, 422)


def test_unknown_api_route_and_method_are_json(client: httpx.Client) -> None:
    assert _error(client.get("/api/nothing"), 404)
    assert _error(client.get("/api/ask"), 405)


def test_rate_limit_answers_429_with_a_message(serve_app: Any, fake_assistant: Any) -> None:
    url, _ = serve_app(fake_assistant, rate_limit_per_minute=3)
    with httpx.Client(base_url=url, timeout=60) as c:
        codes = [c.post("/api/ask", json={"question": ""}).status_code for _ in range(3)]
        assert codes == [400, 400, 400]  # counted even when the question is rejected
        r = c.post("/api/ask", json={"question": "专精特新有什么补贴？"})
        assert "提问过于频繁" in _error(r, 429) and "3次" in r.json()["error"]["message"]
        assert int(r.headers["retry-after"]) >= 1
        assert c.get("/api/health").status_code == 200  # only /api/ask is limited


def test_rate_limiter_window_slides() -> None:
    from ui.app import RateLimiter

    rl = RateLimiter(2, window=1)
    assert rl.hit("a") == 0 and rl.hit("a") == 0
    wait = rl.hit("a")
    assert 0 < wait <= 1
    assert rl.hit("b") == 0  # per client
    time.sleep(wait + 0.05)
    assert rl.hit("a") == 0  # the first event left the window
    assert RateLimiter(0).hit("a") == 0  # 0 = no limit


def test_health_names_model_index_and_documents(client: httpx.Client, fake_assistant: Any) -> None:
    h = client.get("/api/health").json()
    assert h["status"] == "ok" and h["model"] == "fake"
    assert h["index_size"] == fake_assistant.index.count() > 0
    ids = {d["id"] for d in h["documents"]}
    assert "xm-zjtx-2024" in ids and len(ids) == len(fake_assistant.documents)
    zjtx = next(d for d in h["documents"] if d["id"] == "xm-zjtx-2024")
    assert zjtx["validity"]["status"] in ("in_force", "expiring", "expired")
    assert "2026年12月31日" in zjtx["validity"]["text"]


def test_documents_list(client: httpx.Client) -> None:
    docs = client.get("/api/documents").json()["documents"]
    zjtx = next(d for d in docs if d["id"] == "xm-zjtx-2024")
    assert zjtx["doc_no"] == "厦府办规〔2024〕11号" and zjtx["clauses"] > 10 and zjtx["region"] == "福建省厦门市"


@pytest.mark.parametrize("clause", ["二/（六）/13", "xm-zjtx-2024/二/（六）/13"])
def test_clause_source_text(client: httpx.Client, clause: str) -> None:
    r = client.get(f"/api/documents/xm-zjtx-2024/clauses/{quote(clause)}")
    assert r.status_code == 200, r.text
    c = r.json()
    assert c["id"] == "xm-zjtx-2024/二/（六）/13" and c["label"] == "第二部分（六）第13条"
    assert "场租补贴" in c["text"] and c["document"]["title"].startswith("厦门市支持专精特新企业")


@pytest.mark.parametrize(
    "path",
    [
        "/api/documents/nope/clauses/一",
        "/api/documents/xm-zjtx-2024/clauses/九十九",
        "/api/documents/xm-zjtx-2024/clauses/sd-kjfwy-2025/一",
    ],
)
def test_unknown_clause_is_404_json(client: httpx.Client, path: str) -> None:
    assert "未找到" in _error(client.get(path), 404)


GOOD_FEEDBACK = {
    "question": "专精特新企业有什么补贴？<b>",
    "answer": "单家企业给予不超过10万元的场租补贴。",
    "citations": ["《厦门市支持专精特新企业高质量发展的若干措施》第二部分（六）第13条"],
    "useful": True,
    "comment": "清楚，谢谢",
}


def signed(settings: Any, body: dict[str, Any], now: float | None = None) -> dict[str, Any]:
    """``body`` with the answer_id the app at ``settings`` would have issued for its question and answer."""
    from ui.security import AnswerSigner

    return {**body, "answer_id": AnswerSigner.from_settings(settings).issue(body["question"], body["answer"], now)}


def _rows(settings: Any) -> list[tuple[Any, ...]]:
    if not settings.feedback_db.exists():
        return []
    with sqlite3.connect(settings.feedback_db) as conn:
        return conn.execute("SELECT question, answer, citations, useful, comment FROM feedback ORDER BY id").fetchall()


@pytest.mark.parametrize(
    ("change", "status"),
    [
        ({"useful": "yes"}, 422),
        ({"useful": 1}, 422),
        ({"useful": None}, 422),
        ({"comment": "长" * 1001}, 400),
        ({"question": ""}, 400),
        ({"answer": " "}, 400),
        ({"citations": "not a list"}, 422),
        ({"citations": [{"n": 1}]}, 422),
        ({"citations": ["x"] * 21}, 400),
        ({"comment": 5}, 422),
    ],
)
def test_feedback_bad_input_stores_nothing(serve_app: Any, fake_assistant: Any, change: dict[str, Any], status: int) -> None:
    url, settings = serve_app(fake_assistant)
    with httpx.Client(base_url=url) as c:
        _error(c.post("/api/feedback", json={**signed(settings, GOOD_FEEDBACK), **change}), status)
        missing = {k: v for k, v in signed(settings, GOOD_FEEDBACK).items() if k != "useful"}
        _error(c.post("/api/feedback", json=missing), 422)
    assert _rows(settings) == []


def test_feedback_is_stored_and_exported(serve_app: Any, fake_assistant: Any, tmp_path: Any) -> None:
    from ui.feedback import export_feedback

    url, settings = serve_app(fake_assistant)
    with httpx.Client(base_url=url) as c:
        r = c.post("/api/feedback", json=signed(settings, GOOD_FEEDBACK, now=time.time() - 2))
        assert r.status_code == 201 and r.json()["ok"] is True
        body = {**GOOD_FEEDBACK, "useful": False, "comment": "", "citations": []}
        r = c.post("/api/feedback", json=signed(settings, body, now=time.time() - 1))  # answers of their own
        assert r.status_code == 201
        comment = "x" * 1000  # exactly the limit is accepted
        assert c.post("/api/feedback", json=signed(settings, {**GOOD_FEEDBACK, "comment": comment})).status_code == 201
    rows = _rows(settings)
    assert [(r[0], r[3], r[4]) for r in rows] == [
        (GOOD_FEEDBACK["question"], 1, "清楚，谢谢"),
        (GOOD_FEEDBACK["question"], 0, ""),
        (GOOD_FEEDBACK["question"], 1, comment),
    ]
    assert json.loads(rows[0][2]) == GOOD_FEEDBACK["citations"]

    n = export_feedback(settings, tmp_path / "fb.jsonl", fmt="jsonl")
    lines = [json.loads(x) for x in (tmp_path / "fb.jsonl").read_text(encoding="utf-8").splitlines()]
    assert n == 3 == len(lines)
    assert lines[0]["question"] == GOOD_FEEDBACK["question"] and lines[0]["useful"] is True
    assert lines[0]["citations"] == GOOD_FEEDBACK["citations"] and lines[1]["useful"] is False

    assert export_feedback(settings, tmp_path / "out" / "fb.csv", fmt="csv") == 3
    with (tmp_path / "out" / "fb.csv").open(encoding="utf-8-sig", newline="") as f:
        table = list(csv.DictReader(f))
    assert [r["useful"] for r in table] == ["1", "0", "1"]
    assert table[0]["comment"] == "清楚，谢谢" and table[0]["answer"] == GOOD_FEEDBACK["answer"]
    assert "第13条" in table[0]["citations"]


def test_export_of_an_empty_store_and_a_bad_format(tmp_path: Any, ui_settings: Any) -> None:
    from corpus.errors import InputError
    from ui.feedback import export_feedback

    settings = ui_settings(tmp_path)
    assert export_feedback(settings, tmp_path / "empty.jsonl", fmt="jsonl") == 0
    assert (tmp_path / "empty.jsonl").read_text() == ""
    with pytest.raises(InputError):
        export_feedback(settings, tmp_path / "x.xml", fmt="xml")


def test_embed_sends_frame_ancestors(client: httpx.Client, partner_origin: str) -> None:
    r = client.get("/embed?region=厦门")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    csp = r.headers["content-security-policy"]
    directive = next(d.strip() for d in csp.split(";") if d.strip().startswith("frame-ancestors"))
    assert directive == f"frame-ancestors 'self' {partner_origin}"
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "/static/embed.js" in r.text


def test_widget_script_is_javascript(client: httpx.Client) -> None:
    r = client.get("/widget.js")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/javascript")
    assert "attachShadow" in r.text and "/embed" in r.text
    assert "http" not in r.text.replace("https://HOST", "")  # nothing loads from elsewhere
    assert len(r.content) < 8000
    js = client.get("/static/embed.js")
    assert js.headers["content-type"].startswith("text/javascript") and "innerHTML" not in js.text


def test_pages_are_served(client: httpx.Client) -> None:
    r = client.get("/", follow_redirects=False)
    assert r.status_code in (302, 307) and r.headers["location"].endswith("/chat/")
    page = client.get("/", follow_redirects=True)
    assert page.status_code == 200 and "政策问答" in page.text
    demo = client.get("/demo/embed.html")
    assert demo.status_code == 200 and 'src="/widget.js"' in demo.text and 'data-region="厦门"' in demo.text


def test_openapi_lists_the_api(client: httpx.Client) -> None:
    spec = client.get("/openapi.json").json()
    paths = spec["paths"]
    assert {"/api/ask", "/api/health", "/api/documents", "/api/feedback"} <= set(paths)
    assert any(p.startswith("/api/documents/{doc_id}/clauses/") for p in paths)
    ask = paths["/api/ask"]["post"]
    assert ask["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("/AskRequest")
    assert ask["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith("/AnswerOut")
    for status in ("400", "422", "429"):  # what errors really look like, not FastAPI's default 422 body
        assert ask["responses"][status]["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorOut")
    assert "HTTPValidationError" not in json.dumps(paths)
    schemas = spec["components"]["schemas"]
    assert {"question", "history", "region"} == set(schemas["AskRequest"]["properties"])
    assert {"citations", "calculations", "no_basis"} <= set(schemas["AnswerOut"]["properties"])
    assert paths["/api/health"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith("/HealthOut")


def test_a_question_at_the_limit_is_accepted_with_a_default_region(client: httpx.Client) -> None:
    """The default region is prepended for retrieval; it must not count against the user's 500 characters."""
    r = client.post("/api/ask", json={"question": "专精特新企业有什么补贴" * 45 + "？" * 5, "region": "厦门"})
    assert r.status_code == 200, r.text
    assert len(r.json()["question"]) == 500
    assert "501字" in _error(client.post("/api/ask", json={"question": "补" * 501, "region": "厦门"}), 400)


def test_favicon(client: httpx.Client) -> None:
    for path in ("/favicon.ico", "/favicon.svg"):
        r = client.get(path)
        assert r.status_code == 200 and r.headers["content-type"].startswith("image/svg+xml") and b"<svg" in r.content


def test_feedback_export_command_writes_csv_and_jsonl(
    serve_app: Any, fake_assistant: Any, tmp_path: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """``policyqa feedback export`` reads the store under POLICYQA_DATA_DIR."""
    from assistant.cli import main

    url, settings = serve_app(fake_assistant)
    with httpx.Client(base_url=url) as c:
        assert c.post("/api/feedback", json=signed(settings, GOOD_FEEDBACK)).status_code == 201
    monkeypatch.setenv("POLICYQA_DATA_DIR", str(settings.data_dir))
    assert main(["feedback", "export", "--format", "csv", "--out", str(tmp_path / "fb.csv")]) == 0
    assert "1" in capsys.readouterr().out
    with (tmp_path / "fb.csv").open(encoding="utf-8-sig", newline="") as f:
        [row] = list(csv.DictReader(f))
    assert row["question"] == GOOD_FEEDBACK["question"] and row["useful"] == "1" and row["source"] == "api"
    assert main(["feedback", "export", "--out", str(tmp_path / "fb.jsonl")]) == 0  # JSONL by default
    [line] = (tmp_path / "fb.jsonl").read_text(encoding="utf-8").splitlines()
    assert json.loads(line)["comment"] == "清楚，谢谢"
    capsys.readouterr()
    # Without --out: the records on standard output, and no file left in the current directory.
    (tmp_path / "empty").mkdir()
    monkeypatch.chdir(tmp_path / "empty")
    assert main(["feedback", "export"]) == 0
    out = capsys.readouterr()
    [line] = out.out.splitlines()
    assert json.loads(line)["question"] == GOOD_FEEDBACK["question"] and "1 feedback records" in out.err
    assert list((tmp_path / "empty").iterdir()) == []


# -- what answers say: the real chain ------------------------------------------------------------
PROMO = "厦门专精特新企业在国内举办产品推介会有什么补贴？"


@pytest.mark.slow
def test_ask_returns_the_answer_contract_with_citations(real: httpx.Client) -> None:
    r = real.post("/api/ask", json={"question": PROMO})
    assert r.status_code == 200, r.text
    a = r.json()
    assert a["question"] == PROMO and not a["no_basis"] and a["citations"]
    c = a["citations"][0]
    assert c["doc_id"] == "xm-zjtx-2024" and c["label"] == "第二部分（六）第13条"
    assert c["quote"] and c["quote"] in c["text"]
    assert c["status_zh"] in ("有效", "即将到期", "已失效", "尚未生效", "未载明")
    assert "[1]" in a["answer"] and "10万元" in a["answer"]


@pytest.mark.slow
def test_ask_follow_up_uses_history(real: httpx.Client) -> None:
    r = real.post("/api/ask", json={"question": "这个文件有效期到什么时候？", "history": [PROMO]})
    assert r.status_code == 200, r.text
    a = r.json()
    assert not a["no_basis"] and {c["doc_id"] for c in a["citations"]} == {"xm-zjtx-2024"}
    assert "2026年12月31日" in a["answer"]


@pytest.mark.slow
def test_region_is_added_only_when_the_question_names_none(real: httpx.Client) -> None:
    r = real.post("/api/ask", json={"question": "科技服务业有哪些支持政策？", "region": "山东"})
    assert r.status_code == 200, r.text
    a = r.json()
    assert a["question"] == "科技服务业有哪些支持政策？"  # shown as asked
    assert a["region"] == "山东省" and a["citations"] and all(c["region"] == "山东省" for c in a["citations"])
    r = real.post("/api/ask", json={"question": "厦门科技服务业有哪些支持政策？", "region": "山东"})
    a = r.json()
    assert a["region"] == "福建省厦门市" and a["citations"]  # the question's own region wins
    assert all(c["region"] == "福建省厦门市" for c in a["citations"])


@pytest.mark.slow
def test_a_follow_up_with_a_default_region_is_still_a_follow_up(real: httpx.Client) -> None:
    """The widget sends its default region with every question; a follow-up must stay one."""
    first = "专精特新企业在国内举办产品推介会有什么补贴？"
    a = real.post("/api/ask", json={"question": first, "region": "厦门"}).json()
    assert a["region"] == "福建省厦门市" and a["citations"][0]["label"] == "第二部分（六）第13条"
    r = real.post("/api/ask", json={"question": "这个文件有效期到什么时候？", "history": [first], "region": "厦门"})
    assert r.status_code == 200, r.text
    a = r.json()
    assert {c["doc_id"] for c in a["citations"]} == {"xm-zjtx-2024"} and "2026年12月31日" in a["answer"]


@pytest.mark.slow
def test_amount_question_carries_its_calculation(real: httpx.Client) -> None:
    a = real.post("/api/ask", json={"question": "小巨人企业数字化改造投了120万，达到二级了，能补多少？"}).json()
    assert a["calculations"], a["answer"]
    k = a["calculations"][0]
    assert k["amount_wan"] == "25" and "120" in k["formula"] and k["steps"]
    assert k["citation"]["clause_id"] == "xm-zjtx-2024/二/（三）/7"


@pytest.mark.slow
def test_citation_links_resolve(real: httpx.Client) -> None:
    a = real.post("/api/ask", json={"question": PROMO}).json()
    assert a["citations"]
    for c in a["citations"]:
        r = real.get(f"/api/documents/{quote(c['doc_id'])}/clauses/{quote(c['clause_id'])}")
        assert r.status_code == 200 and r.json()["text"] == c["text"]


@pytest.mark.slow
def test_answer_schema_matches_the_answer_contract(real: httpx.Client, real_assistant: Any) -> None:
    """The documented fields are exactly the keys of ``Answer.to_dict()`` (plus each citation's
    ``source_url``, which the app adds), at every level, and exactly what the API sends."""
    from ui.schema import AnswerOut, CalculationOut, CitationOut

    raw = real_assistant.answer("小巨人企业数字化改造投了120万，达到二级了，能补多少？").to_dict()
    assert set(AnswerOut.model_fields) == set(raw) | {"answer_id"}
    assert raw["citations"] and set(CitationOut.model_fields) == set(raw["citations"][0]) | {"source_url"}
    assert raw["calculations"] and set(CalculationOut.model_fields) == set(raw["calculations"][0])
    served = real.post("/api/ask", json={"question": "小巨人企业数字化改造投了120万，达到二级了，能补多少？"}).json()
    assert set(served) == set(raw) | {"answer_id"}  # the id the service signs, for feedback
    assert all(set(c) == set(CitationOut.model_fields) for c in served["citations"])
    assert set(served["calculations"][0]["citation"]) == set(CitationOut.model_fields)
