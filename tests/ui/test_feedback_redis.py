"""The Redis feedback store (ui/feedback_redis.py) against a real redis-server: the same rows and
upserts as the SQLite file, atomic under writers in several processes, and its failures said."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from loopback_servers import free_port, redis_server

from corpus.errors import PolicyQAError
from ui.feedback import Feedback, FeedbackError, FeedbackStore, export_feedback, open_feedback_store

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def redis_uri(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with redis_server(tmp_path_factory.mktemp("redis")) as uri:
        yield uri


_db = iter(range(1, 16))


@pytest.fixture
def fresh_uri(redis_uri: str) -> str:
    """A database of its own (1-15) for each test, emptied first."""
    import redis

    uri = f"{redis_uri}/{next(_db)}"
    redis.Redis.from_url(uri).flushdb()
    return uri


@pytest.fixture(params=["sqlite", "redis"])
def store_settings(request: pytest.FixtureRequest, tmp_path: Path) -> Any:
    from corpus.settings import Settings

    uri = request.getfixturevalue("fresh_uri") if request.param == "redis" else None
    return Settings(data_dir=tmp_path, feedback_store_uri=uri)


def _verdict(i: int, **kw: Any) -> Feedback:
    return Feedback(question=f"问题{i}", answer=f"回答{i}：按第{i}条", citations=(f"《办法》第{i}条",), useful=True, **kw)


def test_both_stores_keep_the_same_rows_and_replace_a_second_verdict(store_settings: Any, tmp_path: Path) -> None:
    store = open_feedback_store(store_settings)
    assert store.add(_verdict(1)) == 1
    assert store.add(_verdict(2, answer_id="a2")) == 2
    # a second verdict on the same answer replaces the first: same id, new verdict, comment, citations
    again = Feedback("问题2", "回答2：按第2条", (), useful=False, comment="不对", answer_id="a2")
    assert store.add(again) == 2
    third = store.add(_verdict(3, comment="多谢"))  # SQLite's AUTOINCREMENT spent an id on the upsert; Redis did not
    rows = list(store.rows())
    assert [r["id"] for r in rows] == [1, 2, third] and third > 2 and store.count() == 3
    assert rows[1] | {"created_at": ""} == {
        "id": 2,
        "created_at": "",
        "source": "api",
        "question": "问题2",
        "answer": "回答2：按第2条",
        "citations": [],
        "useful": False,
        "comment": "不对",
        "answer_id": "a2",
    }
    assert rows[0]["citations"] == ["《办法》第1条"] and rows[0]["useful"] is True and rows[0]["answer_id"] is None
    assert store.health() == ("ok", "3 records")
    assert export_feedback(store_settings, tmp_path / "out.jsonl", fmt="jsonl") == 3
    exported = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()]
    assert exported == rows
    store.close()


_WRITER = """
import sys
from concurrent.futures import ThreadPoolExecutor
from corpus.settings import Settings
from ui.feedback import Feedback, open_feedback_store
uri, who, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
store = open_feedback_store(Settings(data_dir=sys.argv[4], feedback_store_uri=uri))
def one(i):
    # every third verdict is on one answer judged again by every writer: an upsert race
    aid = f"shared-{i % 7}" if i % 3 == 0 else None
    return store.add(Feedback(f"{who}-{i}", f"{who}-{i}" * 50, (f"{who}-{i}",), i % 2 == 0, f"{who}-{i}", answer_id=aid))
with ThreadPoolExecutor(8) as pool:
    ids = list(pool.map(one, range(n)))
print(len(ids))
"""


def test_writers_in_several_processes_lose_nothing_and_never_share_an_id(fresh_uri: str, tmp_path: Path) -> None:
    n = 150
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _WRITER, fresh_uri, who, str(n), str(tmp_path / who)], cwd=REPO, stdout=subprocess.PIPE, text=True
        )
        for who in ("a", "b", "c")
    ]
    assert [p.communicate(timeout=120)[0].strip() for p in procs] == [str(n)] * 3
    assert all(p.returncode == 0 for p in procs)
    from corpus.settings import Settings

    rows = list(open_feedback_store(Settings(data_dir=tmp_path, feedback_store_uri=fresh_uri)).rows())
    shared = {r["answer_id"] for r in rows if r["answer_id"]}
    # 100 rows of each writer without an answer id, and one row for each of the 7 shared answers
    assert shared == {f"shared-{k}" for k in range(7)}
    assert len(rows) == 3 * sum(1 for i in range(n) if i % 3) + 7
    assert [r["id"] for r in rows] == sorted(r["id"] for r in rows) and len({r["id"] for r in rows}) == len(rows)
    for r in rows:  # each row whole: the question and answer of one write, the verdict of one write
        asked, judged = r["question"], r["comment"]
        assert r["answer"] == asked * 50 and r["citations"] == [judged] and r["useful"] == (int(judged.split("-")[1]) % 2 == 0)
        assert r["answer_id"] is not None or asked == judged


def test_the_budget_refuses_feedback_with_507(fresh_uri: str) -> None:
    from ui.feedback_redis import RedisRows

    store = FeedbackStore(rows=RedisRows(fresh_uri), max_bytes=300)
    store.add(_verdict(1, comment="长" * 100))
    with pytest.raises(FeedbackError) as e:
        store.add(_verdict(2))
    assert e.value.status == 507 and store.count() == 1
    assert store.health()[0] == "degraded" and "budget" in store.health()[1]


def test_an_unreachable_redis_stops_the_start_with_the_fix(tmp_path: Path) -> None:
    from corpus.settings import Settings

    with pytest.raises(PolicyQAError) as e:
        open_feedback_store(Settings(data_dir=tmp_path, feedback_store_uri=f"redis://:hunter2@127.0.0.1:{free_port()}/0"))
    assert "POLICYQA_FEEDBACK_STORE_URI" in str(e.value) and "hunter2" not in str(e.value)


def test_redis_gone_while_serving_gives_503_and_a_degraded_health(tmp_path: Path) -> None:
    from corpus.settings import Settings

    with redis_server(tmp_path / "redis") as uri:
        store = open_feedback_store(Settings(data_dir=tmp_path, feedback_store_uri=uri))
        store.add(_verdict(1))
    # the server has stopped
    with pytest.raises(FeedbackError) as e:
        store.add(_verdict(2))
    assert e.value.status == 503 and "redis://127.0.0.1" in str(e.value)
    state, why = store.health()
    assert state == "degraded" and "cannot be written" in why
