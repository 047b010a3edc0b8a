"""Answers per second against a real `policyqa serve` on 127.0.0.1, at 1, 2, 4 and 8 clients.

    python benchmarks/throughput.py [--requests 48] [--clients 1 2 4 8] [--workers 1] [--backend onnx]

Starts the server as an operator would (its own process, the built model, a data dir under
var/bench-serve-*, its index built beforehand by `policyqa index`, no rate limit and no
per-client cap: every client here is 127.0.0.1, which the app would otherwise hold to
``answers_per_client`` answers at once), times start to first answer, then for each client
count sends ``--requests`` questions of eval/faq.jsonl spread over that many concurrent clients
and reports answers/s, the latency p50/p95, the CPU the server used (in cores: its CPU time over
the wall time; 2 cores here means both are working for it), the speed-up over one client, and
the server's resident memory (peak and now). Prints figures, asserts nothing; every request is
bounded by a timeout, the server is always stopped.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
REQUEST_TIMEOUT_S = 60


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))]


def _family(pid: int) -> list[int]:
    """A process and its children (uvicorn's workers)."""
    try:
        return [pid] + [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return [pid]


def _rss_mb(pid: int) -> tuple[float, float]:
    """(peak, current) resident memory of a process and its children, in MB."""
    peak = now = 0.0
    for p in _family(pid):
        try:
            status = dict(line.split(":", 1) for line in Path(f"/proc/{p}/status").read_text().splitlines() if ":" in line)
        except OSError:
            continue
        peak += int(status.get("VmHWM", "0 kB").split()[0]) / 1024
        now += int(status.get("VmRSS", "0 kB").split()[0]) / 1024
    return peak, now


def _cpu_s(pid: int) -> float:
    """CPU seconds (user + system) of a process and its children so far."""
    total = 0.0
    for p in _family(pid):
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def _env(env_overrides: dict[str, str], data_dir: Path) -> dict[str, str]:
    return {
        **os.environ,
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "GRADIO_ANALYTICS_ENABLED": "False",
        "ANONYMIZED_TELEMETRY": "False",
        "POLICYQA_DATA_DIR": str(data_dir),
        "POLICYQA_MODEL_DIR": str(REPO / "var" / "models" / "multilingual-e5-small"),
        "POLICYQA_RATE_LIMIT_PER_MINUTE": "0",
        "POLICYQA_ANSWERS_PER_CLIENT": "64",
        **env_overrides,
    }


def start_server(env_overrides: dict[str, str], data_dir: Path) -> tuple[subprocess.Popen[bytes], str, float]:
    """Start `policyqa serve`; return it, its URL and the seconds from start to its first answer."""
    import httpx

    port = _free_port()
    env = _env(env_overrides, data_dir)
    policyqa = str(Path(sys.executable).with_name("policyqa"))
    # "start to first answer (index built)": the index is built before the clock starts.
    subprocess.run([policyqa, "index"], env=env, check=True, stdout=subprocess.DEVNULL, timeout=3600)
    started = time.perf_counter()
    proc = subprocess.Popen(
        [policyqa, "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the server exited with status {proc.returncode} before answering")
        try:
            r = httpx.post(f"{url}/api/ask", json={"question": "专精特新企业有什么补贴？"}, timeout=REQUEST_TIMEOUT_S)
            if r.status_code == 200:
                return proc, url, time.perf_counter() - started
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    proc.kill()
    raise SystemExit("the server did not answer within 600 s")


def stop(proc: subprocess.Popen[bytes], timeout: float = 30) -> None:
    """Stop a server the benchmark started: politely, then for good."""
    proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=timeout)


def load(url: str, questions: list[dict[str, object]], clients: int, requests: int) -> tuple[float, float, float, int, float]:
    """(answers/s, p50 ms, p95 ms, errors, wall s) for ``requests`` questions over ``clients`` clients."""
    import httpx

    def one(i: int, http: httpx.Client) -> float:
        q = questions[i % len(questions)]
        t0 = time.perf_counter()
        r = http.post(f"{url}/api/ask", json={"question": q["question"], "history": q.get("history") or []}, timeout=REQUEST_TIMEOUT_S)
        r.raise_for_status()
        return (time.perf_counter() - t0) * 1000

    per_client = [list(range(c, requests, clients)) for c in range(clients)]
    latencies: list[float] = []
    errors = 0

    def client(indices: list[int]) -> None:
        nonlocal errors
        with httpx.Client() as http:
            for i in indices:
                try:
                    latencies.append(one(i, http))
                except httpx.HTTPError:
                    errors += 1

    t0 = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(client, per_client))
    wall = time.perf_counter() - t0
    return len(latencies) / wall, statistics.median(latencies), _percentile(latencies, 95), errors, wall


def run(requests: int, clients: list[int], env: dict[str, str], label: str) -> dict[str, float]:
    questions = [json.loads(line) for line in (REPO / "eval" / "faq.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
    data_dir = REPO / "var" / f"bench-serve-{label}"
    proc, url, first = start_server(env, data_dir)
    out: dict[str, float] = {"start_to_first_answer_s": first}
    try:
        load(url, questions, 2, min(requests, 16))  # warm-up
        for c in clients:
            cpu0 = _cpu_s(proc.pid)
            rate, p50, p95, errors, wall = load(url, questions, c, requests)
            out[f"rate_{c}"], out[f"p50_{c}"], out[f"p95_{c}"], out[f"errors_{c}"] = rate, p50, p95, errors
            out[f"cores_{c}"] = (_cpu_s(proc.pid) - cpu0) / wall
        out["rss_peak_mb"], out["rss_mb"] = _rss_mb(proc.pid)
    finally:
        stop(proc)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=48, help="questions per client count")
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 2, 4, 8])
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--backend", default="onnx", choices=["onnx", "torch"])
    parser.add_argument("--threads", type=int, default=4, help="answers at once per process (1: the former one-at-a-time lock)")
    args = parser.parse_args()
    env = {
        "POLICYQA_SERVE_WORKERS": str(args.workers),
        "POLICYQA_EMBEDDING_BACKEND": args.backend,
        "POLICYQA_ANSWER_WORKERS": str(args.threads),
    }
    out = run(args.requests, args.clients, env, f"{args.backend}-w{args.workers}")
    what = f"{args.backend}, {args.workers} worker(s), {args.threads} answer thread(s)"
    print(f"policyqa serve ({what}), load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print(f"  start to first answer (index built): {out['start_to_first_answer_s']:.1f} s")
    one = out.get(f"rate_{args.clients[0]}", 0.0)
    for c in args.clients:
        print(
            f"  {c} client(s): {out[f'rate_{c}']:.1f} answers/s ({out[f'rate_{c}'] / one:.2f}x {args.clients[0]} client), "
            f"p50 {out[f'p50_{c}']:.0f} ms, p95 {out[f'p95_{c}']:.0f} ms, server CPU {out[f'cores_{c}']:.2f} cores, "
            f"errors {out[f'errors_{c}']:.0f}"
        )
    print(f"  server memory: peak {out['rss_peak_mb']:.0f} MB, now {out['rss_mb']:.0f} MB")


if __name__ == "__main__":
    main()
