"""The app under hostile input, floods and faults (issue 13), over HTTP against the served app.

Feedback tied to answers the service gave, its limits and budget; Gradio's unused routes gone;
X-Forwarded-For only from configured proxies; answers side by side; lone surrogates, bad bytes,
deep JSON and long paths refused in Chinese; security headers; damaged or unwritable stores.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

QUESTION = "厦门专精特新企业在国内举办产品推介会有什么补贴？"


def _error(r: httpx.Response, status: int) -> str:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/json"), r.headers
    body = r.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}
    assert "Traceback" not in r.text
    return str(body["error"]["message"])


def _answer(c: httpx.Client, question: str = QUESTION, **headers: str) -> dict[str, Any]:
    r = c.post("/api/ask", json={"question": question}, headers=headers)
    assert r.status_code == 200, r.text
    return dict(r.json())


def _feedback_on(a: dict[str, Any], **change: Any) -> dict[str, Any]:
    body = {
        "question": a["question"],
        "answer": a["answer"],
        "answer_id": a["answer_id"],
        "citations": [c["reference"] for c in a["citations"]],
        "useful": True,
        "comment": "清楚",
    }
    return {**body, **change}


def _count(settings: Any) -> int:
    with sqlite3.connect(settings.feedback_db) as conn:
        return int(conn.execute("SELECT COUNT(*) FROM feedback").fetchone()[0])


# -- 1. feedback --------------------------------------------------------------------------------
def test_feedback_only_on_an_answer_the_service_gave(serve_app: Any, fake_assistant: Any) -> None:
    url, settings = serve_app(fake_assistant)
    with httpx.Client(base_url=url, timeout=60) as c:
        a = _answer(c)
        assert a["answer_id"]
        r = c.post("/api/feedback", json=_feedback_on(a))
        assert r.status_code == 201, r.text
        first = r.json()["id"]
        # a second verdict on the same answer replaces the first: one row per answer
        r = c.post("/api/feedback", json=_feedback_on(a, useful=False, comment="改主意了"))
        assert r.status_code == 201 and r.json()["id"] == first
        assert "不是本服务给出" in _error(c.post("/api/feedback", json=_feedback_on(a, answer="我编的回答")), 403)
        assert "不是本服务给出" in _error(c.post("/api/feedback", json=_feedback_on(a, answer_id="0.AAAA")), 403)
        stamp, nonce, mac = a["answer_id"].split(".")
        forged = f"{stamp}.{nonce}.{'B' if mac[0] != 'B' else 'C'}{mac[1:]}"
        assert "不是本服务给出" in _error(c.post("/api/feedback", json=_feedback_on(a, answer_id=forged)), 403)
        no_id = {k: v for k, v in _feedback_on(a).items() if k != "answer_id"}
        assert "answer_id缺少此字段" in _error(c.post("/api/feedback", json=no_id), 422)
    with sqlite3.connect(settings.feedback_db) as conn:
        rows = conn.execute("SELECT useful, comment, answer_id FROM feedback").fetchall()
    assert rows == [(0, "改主意了", a["answer_id"])]


def test_feedback_on_an_expired_answer_is_refused(serve_app: Any, fake_assistant: Any) -> None:
    from ui.security import AnswerSigner

    url, settings = serve_app(fake_assistant, answer_id_ttl_hours=1)
    old = AnswerSigner.from_settings(settings).issue("问题", "回答", now=time.time() - 2 * 3600)
    with httpx.Client(base_url=url, timeout=60) as c:
        body = {"question": "问题", "answer": "回答", "answer_id": old, "useful": True}
        assert "评价期限" in _error(c.post("/api/feedback", json=body), 403)


def test_feedback_rate_limit_per_client(serve_app: Any, fake_assistant: Any) -> None:
    url, _ = serve_app(fake_assistant, feedback_per_minute=2)
    with httpx.Client(base_url=url, timeout=60) as c:
        a = _answer(c)
        assert [c.post("/api/feedback", json=_feedback_on(a)).status_code for _ in range(2)] == [201, 201]
        r = c.post("/api/feedback", json=_feedback_on(a))
        assert "反馈过于频繁" in _error(r, 429) and int(r.headers["retry-after"]) >= 1
        assert c.post("/api/ask", json={"question": QUESTION}).status_code == 200  # answering goes on


def test_feedback_store_budget_gives_507_and_answers_go_on(serve_app: Any, fake_assistant: Any) -> None:
    url, settings = serve_app(fake_assistant, feedback_max_mb=1)
    with sqlite3.connect(settings.feedback_db) as conn:  # the store already at its budget
        conn.execute("CREATE TABLE filler (x BLOB)")
        conn.execute("INSERT INTO filler VALUES (zeroblob(1100000))")
    with httpx.Client(base_url=url, timeout=60) as c:
        a = _answer(c)
        assert "反馈存储空间已满" in _error(c.post("/api/feedback", json=_feedback_on(a)), 507)
        assert _answer(c)["answer"]
        health = c.get("/api/health").json()
        assert health["status"] == "degraded" and health["stores"]["feedback"]["status"] == "degraded"
        assert "budget" in health["stores"]["feedback"]["detail"]


def test_a_big_body_is_refused_before_it_is_read(client: httpx.Client) -> None:
    r = client.post("/api/feedback", content=b'{"comment": "' + b"x" * 200_000 + b'"}', headers={"content-type": "application/json"})
    assert "请求内容过大" in _error(r, 413)


def test_blocked_feedback_writes_do_not_hold_up_answers(serve_app: Any, fake_assistant: Any) -> None:
    """Feedback is written on a thread of its own: 60 writes stuck behind a locked database
    (more than the server's 40 worker threads) leave questions answered."""
    url, settings = serve_app(fake_assistant, feedback_per_minute=0)
    with httpx.Client(base_url=url, timeout=60) as c:
        a = _answer(c)
    lock = sqlite3.connect(settings.feedback_db, isolation_level=None)
    lock.execute("BEGIN EXCLUSIVE")
    try:
        with ThreadPoolExecutor(max_workers=60) as pool, httpx.Client(base_url=url, timeout=60) as c:
            stuck = [pool.submit(c.post, "/api/feedback", json=_feedback_on(a, comment=str(i))) for i in range(60)]
            time.sleep(1.0)
            t0 = time.monotonic()
            r = httpx.post(f"{url}/api/ask", json={"question": QUESTION}, timeout=8)
            assert r.status_code == 200 and time.monotonic() - t0 < 8
            assert not all(f.done() for f in stuck)  # the writes really were stuck
            lock.execute("ROLLBACK")
            codes = {f.result().status_code for f in stuck}
    finally:
        lock.close()
    assert codes == {201}


# -- 2. Gradio's routes --------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/chat/gradio_api/upload"),
        ("GET", "/chat/gradio_api/upload_progress"),
        ("GET", "/chat/gradio_api/file=/etc/passwd"),
        ("GET", "/chat/gradio_api/proxy=http://example.com/"),
        ("POST", "/chat/login"),
        ("GET", "/chat/monitoring"),
        ("GET", "/chat/gradio_api/openapi.json"),
        ("POST", "/chat/gradio_api/call/respond"),
    ],
)
def test_gradio_routes_the_page_does_not_use_are_gone(client: httpx.Client, method: str, path: str) -> None:
    files = {"files": ("big.bin", b"\0" * 100_000)} if path.endswith("upload") else None
    r = client.request(method, path, files=files)
    assert r.status_code in (403, 404, 405), (path, r.status_code, r.text[:200])


def test_the_page_still_loads(client: httpx.Client) -> None:
    assert client.get("/chat/").status_code == 200
    assert client.get("/chat/config").status_code == 200


# -- 3./4. concurrency, rate limit, X-Forwarded-For -------------------------------------------------
class _Stalling:
    """The fake chain, with a stall before the answer to one marked question (a slow request)."""

    def __init__(self, inner: Any, stall_s: float) -> None:
        self._inner = inner
        self.stall_s = stall_s

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def answer(self, question: str, history: Any = ()) -> Any:
        if question.startswith("慢"):
            time.sleep(self.stall_s)
        return self._inner.answer(question.lstrip("慢"), history)


def test_one_slow_answer_does_not_hold_up_another_client(serve_app: Any, fake_assistant: Any) -> None:
    url, _ = serve_app(_Stalling(fake_assistant, 3.0), trusted_proxies=["127.0.0.1"])
    done: dict[str, float] = {}

    def ask(who: str, question: str) -> None:
        r = httpx.post(f"{url}/api/ask", json={"question": question}, headers={"x-forwarded-for": who}, timeout=30)
        assert r.status_code == 200, r.text
        done[who] = time.monotonic()

    slow = threading.Thread(target=ask, args=("10.0.0.1", "慢" + QUESTION))
    slow.start()
    time.sleep(0.3)
    ask("10.0.0.2", QUESTION)
    slow.join()
    assert done["10.0.0.2"] < done["10.0.0.1"]


def test_one_client_may_have_only_so_many_answers_in_progress(serve_app: Any, fake_assistant: Any) -> None:
    url, _ = serve_app(_Stalling(fake_assistant, 2.0), answers_per_client=1)
    with ThreadPoolExecutor(max_workers=1) as pool:
        first = pool.submit(httpx.post, f"{url}/api/ask", json={"question": "慢" + QUESTION}, timeout=30)
        time.sleep(0.5)
        r = httpx.post(f"{url}/api/ask", json={"question": QUESTION}, timeout=30)
        assert "上一个问题仍在回答中" in _error(r, 429)
        assert first.result().status_code == 200


def test_x_forwarded_for_is_ignored_unless_the_proxy_is_trusted(serve_app: Any, fake_assistant: Any) -> None:
    url, _ = serve_app(fake_assistant, rate_limit_per_minute=2)
    with httpx.Client(base_url=url, timeout=60) as c:
        codes = [c.post("/api/ask", json={"question": ""}, headers={"x-forwarded-for": f"10.1.0.{i}"}).status_code for i in range(3)]
    assert codes == [400, 400, 429]  # one client, whatever it claims
    url, _ = serve_app(fake_assistant, rate_limit_per_minute=2, trusted_proxies=["127.0.0.1"])
    with httpx.Client(base_url=url, timeout=60) as c:
        codes = [c.post("/api/ask", json={"question": ""}, headers={"x-forwarded-for": f"10.2.0.{i}"}).status_code for i in range(3)]
    assert codes == [400, 400, 400]  # behind a configured proxy: three clients


def test_limiter_forgets_clients_whose_window_has_passed() -> None:
    from limits.storage import MemoryStorage

    from ui.ratelimit import RateLimiter

    storage = MemoryStorage()
    rl = RateLimiter(5, window=1, storage=storage)
    start = time.monotonic()
    for i in range(5000):
        assert rl.hit(f"10.{i // 250}.{i % 250}.1") == 0
    if time.monotonic() - start < 1:  # on a busy machine the first clients' windows may pass during the loop
        assert len(storage.storage) >= 5000
    time.sleep(2.5)  # the window and the one before it, which the sliding counter weighs
    rl.hit("10.255.0.1")
    deadline = time.monotonic() + 5
    while len(storage.storage) + len(storage.events) > 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(storage.storage) + len(storage.events) <= 2


# -- 6./9. bad text, bytes, JSON, paths ----------------------------------------------------------------
@pytest.mark.parametrize(
    "raw",
    [
        '{"question": "\\ud800补贴"}',
        '{"question": "补贴", "history": ["\\udfff"]}',
        '{"question": "补贴", "region": "\\ud83d"}',
    ],
)
def test_a_lone_surrogate_in_a_question_is_a_chinese_400(client: httpx.Client, raw: str) -> None:
    r = client.post("/api/ask", content=raw.encode(), headers={"content-type": "application/json"})
    assert "无效字符" in _error(r, 400)


def test_a_lone_surrogate_in_feedback_is_a_chinese_400(client: httpx.Client) -> None:
    a = _answer(client)
    raw = json.dumps(_feedback_on(a, comment="x")).replace('"x"', '"\\ud800"')
    r = client.post("/api/feedback", content=raw.encode(), headers={"content-type": "application/json"})
    assert "无效字符" in _error(r, 400)


def test_the_chain_wrapper_refuses_a_lone_surrogate_too() -> None:
    from corpus.errors import InputError
    from ui.feedback import Feedback
    from ui.security import check_text

    with pytest.raises(InputError):
        check_text(["好", ["\ud800"]])
    with pytest.raises(InputError):
        Feedback.checked("问题", "回答", [], True, "\udc00")


def test_invalid_utf8_and_deep_json_get_specific_messages(client: httpx.Client) -> None:
    r = client.post("/api/ask", content=b'{"question": "\xff\xfe"}', headers={"content-type": "application/json"})
    assert "UTF-8" in _error(r, 400)
    deep = b"[" * 100_000 + b"]" * 100_000
    t0 = time.monotonic()
    r = client.post("/api/ask", content=deep[:60_000], headers={"content-type": "application/json"})
    assert "嵌套层数过多" in _error(r, 400) and time.monotonic() - t0 < 5


def test_valid_json_sent_as_text_plain_is_accepted(client: httpx.Client) -> None:
    r = client.post("/api/ask", content=json.dumps({"question": QUESTION}).encode(), headers={"content-type": "text/plain"})
    assert r.status_code == 200 and r.json()["question"] == QUESTION


def test_comment_null_is_accepted(client: httpx.Client) -> None:
    a = _answer(client)
    assert client.post("/api/feedback", json=_feedback_on(a, comment=None)).status_code == 201


def test_a_long_path_is_json(client: httpx.Client) -> None:
    assert "地址过长" in _error(client.get("/api/documents/" + "a" * 5000), 414)


def test_an_unexpected_error_is_logged_once(serve_app: Any, fake_assistant: Any, caplog: pytest.LogCaptureFixture) -> None:
    class Broken(_Stalling):
        def answer(self, question: str, history: Any = ()) -> Any:
            raise RuntimeError("disk on fire")

    url, _ = serve_app(Broken(fake_assistant, 0))
    with caplog.at_level("ERROR"):
        r = httpx.post(f"{url}/api/ask", json={"question": QUESTION}, timeout=30)
        time.sleep(0.2)
    assert "系统处理出错" in _error(r, 500)
    tracebacks = [rec for rec in caplog.records if rec.exc_info and "disk on fire" in str(rec.exc_info[1])]
    assert len(tracebacks) == 1, [rec.name for rec in tracebacks]
    health = httpx.get(f"{url}/api/health").json()
    assert health["stores"]["answers"]["status"] == "degraded" and "disk on fire" in health["stores"]["answers"]["detail"]


# -- 8. headers and embed origins ----------------------------------------------------------------------
@pytest.mark.parametrize("path", ["/api/health", "/chat/", "/widget.js", "/embed", "/api/nothing", "/demo/embed.html"])
def test_nosniff_everywhere(client: httpx.Client, path: str) -> None:
    assert client.get(path).headers["x-content-type-options"] == "nosniff"


def test_the_chat_page_may_be_framed_only_by_itself_and_partners(client: httpx.Client, partner_origin: str) -> None:
    csp = client.get("/chat/").headers["content-security-policy"]
    assert csp == f"frame-ancestors 'self' {partner_origin}"
    embed = client.get("/embed").headers["content-security-policy"]
    assert "script-src 'self'" in embed  # /embed keeps its own, stricter policy


@pytest.mark.parametrize(
    "bad",
    [
        "*",
        "javascript:alert(1)",
        "http:",
        "https://partner.example.cn/path",
        "http://partner.example.cn",
        "https://*.example.cn",
        "ftp://x.cn",
    ],
)
def test_embed_origins_are_validated(bad: str, tmp_path: Path) -> None:
    from pydantic import ValidationError

    from corpus.settings import Settings

    with pytest.raises(ValidationError, match="is not an origin"):
        Settings(data_dir=tmp_path, embed_origins=[bad])
    ok = Settings(data_dir=tmp_path, embed_origins=["https://www.example.gov.cn/", "http://localhost:8080"])
    assert ok.embed_origins == ["https://www.example.gov.cn", "http://localhost:8080"]


@pytest.mark.parametrize("value", ["https://www.example.gov.cn", '["*"]', "[not json"])
def test_a_bad_embed_origins_variable_is_one_english_line(value: str, tmp_path: Path) -> None:
    import os

    env = {**os.environ, "POLICYQA_EMBED_ORIGINS": value, "POLICYQA_DATA_DIR": str(tmp_path)}
    cli = Path(sys.executable).with_name("policyqa")
    r = subprocess.run([str(cli), "feedback", "export", "--out", str(tmp_path / "x.jsonl")], env=env, capture_output=True, text=True)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert "POLICYQA_EMBED_ORIGINS" in r.stderr and ("JSON list" in r.stderr or "not an origin" in r.stderr)


# -- 7. stores --------------------------------------------------------------------------------------------
def _immutable(path: Path, on: bool) -> bool:
    """chattr ±i: read-only even for root (tests run as root in CI); False when unsupported."""
    if shutil.which("chattr") is None:
        return False
    return subprocess.run(["chattr", "+i" if on else "-i", str(path)], capture_output=True).returncode == 0


def test_a_damaged_index_store_is_one_english_line_with_the_fix(tmp_path: Path, ui_settings: Any) -> None:
    from corpus.errors import PolicyQAError
    from ui.stores import open_assistant

    settings = ui_settings(tmp_path)
    store = settings.resolved_chroma_path
    store.mkdir(parents=True)
    conn = sqlite3.connect(store / "chroma.sqlite3")
    conn.execute("CREATE TABLE t (x)")
    conn.executemany("INSERT INTO t VALUES (?)", [("x" * 1000,)] * 200)
    conn.commit()
    conn.close()
    with (store / "chroma.sqlite3").open("r+b") as f:  # half overwritten
        f.seek(4096)
        f.write(b"\x00garbage" * 8000)
    with pytest.raises(PolicyQAError, match=r"index store damaged: .*run `policyqa index --rebuild`"):
        open_assistant(settings)


def test_index_rebuild_sets_the_damaged_store_aside(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from assistant.cli import _set_aside_store
    from corpus.settings import Settings

    settings = Settings(data_dir=tmp_path)
    settings.resolved_chroma_path.mkdir(parents=True)
    (settings.resolved_chroma_path / "chroma.sqlite3").write_bytes(b"damaged")
    _set_aside_store(settings)
    assert not settings.resolved_chroma_path.exists()
    [aside] = list(tmp_path.glob("chroma.damaged-*"))
    assert (aside / "chroma.sqlite3").read_bytes() == b"damaged"  # kept, not deleted


def test_a_read_only_data_directory_is_one_english_line(tmp_path: Path, ui_settings: Any) -> None:
    from corpus.errors import PolicyQAError
    from ui.stores import open_assistant

    data = tmp_path / "data"
    data.mkdir()
    if not _immutable(data, True):
        pytest.skip("chattr +i is not supported here")
    try:
        with pytest.raises(PolicyQAError, match=r"data directory not writable: .*data"):
            open_assistant(ui_settings(data))
    finally:
        _immutable(data, False)


def test_a_read_only_feedback_database_makes_health_degraded(serve_app: Any, fake_assistant: Any) -> None:
    url, settings = serve_app(fake_assistant)
    with httpx.Client(base_url=url, timeout=60) as c:
        a = _answer(c)
        assert c.get("/api/health").json()["stores"]["feedback"]["status"] == "ok"
        if not _immutable(settings.feedback_db, True):
            pytest.skip("chattr +i is not supported here")
        try:
            health = c.get("/api/health").json()
            assert health["status"] == "degraded" and health["stores"]["feedback"]["status"] == "degraded"
            assert "cannot be written" in health["stores"]["feedback"]["detail"]
            assert health["stores"]["index"]["status"] == "ok" and health["stores"]["answers"]["status"] == "ok"
            assert "暂时无法保存" in _error(c.post("/api/feedback", json=_feedback_on(a)), 503)
        finally:
            _immutable(settings.feedback_db, False)
        assert c.post("/api/feedback", json=_feedback_on(a)).status_code == 201
        assert c.get("/api/health").json()["stores"]["feedback"]["status"] == "ok"
