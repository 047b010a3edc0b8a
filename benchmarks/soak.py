"""A soak run of `policyqa serve`: prints figures, asserts nothing.

    python benchmarks/soak.py [--minutes 10] [--clients 8] [--url http://127.0.0.1:7860]

Starts `policyqa serve` on a free port of 127.0.0.1 (its own data directory under var/soak, the
model built by `policyqa setup`), unless --url names a running one. N clients, each with an
address of its own (X-Forwarded-For from 127.0.0.1, configured as a trusted proxy), ask a mix of
questions (examples, follow-ups, compound, crafted 500-character ones, bad input) and send
feedback on one answer in four; halfway through, `policyqa index` runs against the same store.
Prints errors (any 5xx or unexpected status), latency percentiles and the server's memory over
time. Rate limits are off for the run: the point is sustained load, not the limiter.
"""

from __future__ import annotations

import argparse
import os
import random
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from ui.page import EXAMPLES  # noqa: E402

QUESTIONS = [
    *EXAMPLES,
    "专精特新企业有什么补贴？",
    "小巨人企业数字化改造投了300万，达到三级了，能补多少？另外贷款贴息怎么算？",
    "厦门和山东的科技服务业政策分别有什么支持？",
    "新能源汽车有什么补贴？",
    ("另外专精特新补贴多少" * 50)[:500],
    ("补贴？" * 166)[:500],
    "投了" + "，".join(f"{i * 7 + 1}万" for i in range(80)),
]
FOLLOW_UPS = ["这个文件有效期到什么时候？", "那山东呢？", "去哪里申请？"]
BAD = [{"question": ""}, {"question": "补" * 501}, {"question": 5}]
EXPECTED = {200, 201, 400, 403, 422}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))] if ordered else 0.0


class Stats:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.latency: dict[str, list[float]] = {"ask": [], "feedback": []}
        self.status: Counter[tuple[str, int]] = Counter()
        self.errors: list[str] = []

    def record(self, kind: str, status: int, seconds: float, detail: str = "") -> None:
        with self.lock:
            self.status[(kind, status)] += 1
            if status in (200, 201):
                self.latency[kind].append(seconds)
            if status not in EXPECTED:
                self.errors.append(f"{kind} {status} {detail[:160]}")


def client_loop(url: str, who: int, stop: threading.Event, stats: Stats) -> None:
    rng = random.Random(who)
    headers = {"x-forwarded-for": f"10.77.0.{who + 1}"}
    history: list[str] = []
    with httpx.Client(base_url=url, timeout=120, headers=headers) as c:
        while not stop.is_set():
            roll = rng.random()
            if roll < 0.05:
                body: dict[str, object] = dict(rng.choice(BAD))
            elif roll < 0.25 and history:
                body = {"question": rng.choice(FOLLOW_UPS), "history": history[-3:]}
            else:
                body = {"question": rng.choice(QUESTIONS)}
            t0 = time.perf_counter()
            try:
                r = c.post("/api/ask", json=body)
            except httpx.HTTPError as e:
                stats.record("ask", 0, 0, repr(e))
                continue
            stats.record("ask", r.status_code, time.perf_counter() - t0, r.text)
            if r.status_code != 200:
                continue
            a = r.json()
            history = (history + [str(body["question"])])[-10:]
            if rng.random() < 0.25:
                fb = {
                    "question": a["question"],
                    "answer": a["answer"],
                    "answer_id": a["answer_id"],
                    "citations": [x["reference"] for x in a["citations"]],
                    "useful": rng.random() < 0.7,
                    "comment": rng.choice(["", None, "清楚", "没找到我要的"]),
                }
                t0 = time.perf_counter()
                try:
                    f = c.post("/api/feedback", json=fb)
                    stats.record("feedback", f.status_code, time.perf_counter() - t0, f.text)
                except httpx.HTTPError as e:
                    stats.record("feedback", 0, 0, repr(e))


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--minutes", type=float, default=10)
    p.add_argument("--clients", type=int, default=8)
    p.add_argument("--url", help="a running server (then no re-index and no memory figures)")
    args = p.parse_args()

    proc = None
    env = {
        **os.environ,
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "GRADIO_ANALYTICS_ENABLED": "False",
        "ANONYMIZED_TELEMETRY": "False",
        "POLICYQA_DATA_DIR": str(REPO / "var" / "soak"),
        "POLICYQA_MODEL_DIR": str(REPO / "var" / "models" / "multilingual-e5-small"),
        "POLICYQA_TRUSTED_PROXIES": "127.0.0.1",
        "POLICYQA_RATE_LIMIT_PER_MINUTE": "0",
        "POLICYQA_FEEDBACK_PER_MINUTE": "0",
    }
    cli = Path(sys.executable).with_name("policyqa")
    url = args.url
    if url is None:
        port = _free_port()
        url = f"http://127.0.0.1:{port}"
        log = (REPO / "var" / "soak-serve.log").open("w")
        proc = subprocess.Popen([str(cli), "serve", "--port", str(port)], env=env, stdout=log, stderr=subprocess.STDOUT)
        t0 = time.monotonic()
        while True:
            try:
                if httpx.get(f"{url}/api/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None or time.monotonic() - t0 > 900:  # a first index build on a busy machine
                print("the server did not start; see var/soak-serve.log")
                proc.terminate()
                return 1
            time.sleep(0.5)
        print(f"server up in {time.monotonic() - t0:.1f}s (pid {proc.pid}), RSS {_rss_mb(proc.pid):.0f} MB")

    stats = Stats()
    stop = threading.Event()
    threads = [threading.Thread(target=client_loop, args=(url, i, stop, stats), daemon=True) for i in range(args.clients)]
    started = time.monotonic()
    for t in threads:
        t.start()
    memory: list[tuple[float, float]] = []
    reindexed = False
    duration = args.minutes * 60
    try:
        while (elapsed := time.monotonic() - started) < duration:
            if proc is not None:
                memory.append((elapsed, _rss_mb(proc.pid)))
            if proc is not None and not reindexed and elapsed >= duration / 2:
                reindexed = True
                t0 = time.monotonic()
                r = subprocess.run([str(cli), "index"], env=env, capture_output=True, text=True)
                print(f"re-index at {elapsed:.0f}s: exit {r.returncode} in {time.monotonic() - t0:.1f}s: {r.stdout.strip()[-200:]}")
            time.sleep(min(10.0, max(duration - elapsed, 0.1)))
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=130)
        health = httpx.get(f"{url}/api/health", timeout=30).json()
        if proc is not None:
            memory.append((time.monotonic() - started, _rss_mb(proc.pid)))
            proc.terminate()
            proc.wait(timeout=30)

    total = sum(stats.status.values())
    print(f"\n{args.clients} clients, {args.minutes:g} min: {total} requests ({total / duration:.1f}/s)")
    for (kind, status), n in sorted(stats.status.items()):
        print(f"  {kind:8} {status}: {n}")
    print(f"errors (5xx, transport, unexpected status): {len(stats.errors)}")
    for e in stats.errors[:10]:
        print("  ", e)
    for kind, values in stats.latency.items():
        if values:
            print(
                f"{kind} latency (s): p50 {_pct(values, 50):.3f}  p95 {_pct(values, 95):.3f}  "
                f"p99 {_pct(values, 99):.3f}  max {max(values):.3f}  (n={len(values)})"
            )
    if memory:
        step = max(1, len(memory) // 12)
        print("server RSS (MB) over time: " + ", ".join(f"{t / 60:.1f}m {m:.0f}" for t, m in memory[::step]))
        print(f"  first {memory[0][1]:.0f}, max {max(m for _, m in memory):.0f}, last {memory[-1][1]:.0f}")
    print(f"health at the end: {health['status']} " + "; ".join(f"{k} {v['status']} ({v['detail']})" for k, v in health["stores"].items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
