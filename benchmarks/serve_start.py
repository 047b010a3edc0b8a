"""Start to first answer and memory of the serving process: prints figures, asserts nothing.

    python benchmarks/serve_start.py [--runs 2] [--code DIR] [--answers 6]

Each run starts ``policyqa serve`` on a free loopback port (the index already built), polls
``POST /api/ask`` until the first answer arrives (the seconds from the start of the process), asks
``--answers`` more questions, then reads the server's resident memory (VmRSS) and its peak (VmHWM)
from /proc and stops it. CPU time (user + system) is printed beside the wall time: on a machine
other jobs share, wall grows with the load and CPU time does not. ``--code DIR`` runs another
checkout's code on this checkout's data (a before/after in one run).
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
import urllib.error
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from cli_start import REPO, _env

QUESTIONS = ["专精特新企业数字化改造最高补贴多少？", "高新技术企业认定有什么奖励？", "研发费用加计扣除怎么申请？"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _ask(port: int, question: str, timeout: float = 60) -> dict[str, object]:
    body = json.dumps({"question": question}).encode()
    req = urllib.request.Request(f"http://127.0.0.1:{port}/api/ask", body, {"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=timeout) as resp:
        return dict(json.loads(resp.read()))


def _status(pid: int) -> dict[str, float]:
    out: dict[str, float] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            out[key] = int(value.split()[0]) / 1024
    stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    out["cpu_s"] = (int(stat[11]) + int(stat[12])) / os.sysconf("SC_CLK_TCK")
    return out


def _one(code: Path, answers: int) -> dict[str, float]:
    port = _free_port()
    env = _env(code) | {"POLICYQA_RATE_LIMIT_PER_MINUTE": "0"}
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-c", "from assistant.cli import main; raise SystemExit(main())", "serve", "--port", str(port)],
        cwd=str(code),
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        while True:
            if proc.poll() is not None:
                raise SystemExit(f"policyqa serve exited with {proc.returncode} before answering")
            try:
                _ask(port, QUESTIONS[0])
                break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.2)
        first = time.perf_counter() - start
        at_first = _status(proc.pid)
        for i in range(answers):
            _ask(port, QUESTIONS[i % len(QUESTIONS)])
        after = _status(proc.pid)
    finally:
        proc.terminate()
        proc.wait(timeout=60)
    return {"first_s": first, "cpu_first_s": at_first["cpu_s"], "rss_mb": after["VmRSS"], "peak_mb": after["VmHWM"]}


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--runs", type=int, default=2)
    p.add_argument("--answers", type=int, default=6, help="answers after the first, before memory is read")
    p.add_argument("--code", type=Path, default=REPO)
    args = p.parse_args()
    code = args.code.resolve()
    print(f"code: {code} · load average {os.getloadavg()[0]:.1f} · {args.runs} runs")
    runs = [_one(code, args.answers) for _ in range(args.runs)]

    def fig(key: str, fmt: str) -> str:
        values = [r[key] for r in runs]
        return f"{format(statistics.median(values), fmt)} ({format(min(values), fmt)}–{format(max(values), fmt)})"

    print(
        f"serve: start to first answer {fig('first_s', '.1f')} s (CPU {fig('cpu_first_s', '.1f')} s) · "
        f"after {args.answers} more answers RSS {fig('rss_mb', '.0f')} MB, peak {fig('peak_mb', '.0f')} MB"
    )
    print(f"load average at the end {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
