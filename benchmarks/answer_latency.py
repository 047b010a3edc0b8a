"""Speed and memory of the answer chain on this machine: prints figures, asserts nothing.

    python benchmarks/answer_latency.py [--rounds 3] [--questions eval/faq.jsonl]

Reports the cold start (model + index load), the embedding throughput over every clause, the
warm latency per answer (p50/p95/max, overall and by question kind) and the peak resident
memory. Targets live here, not in timed tests that flake on a busy machine.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kilobytes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3, help="warm passes over the question set")
    parser.add_argument("--questions", type=Path, default=REPO / "eval" / "faq.jsonl")
    args = parser.parse_args()

    from assistant.chain import Assistant
    from corpus.settings import Settings

    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}")
    t0 = time.perf_counter()
    assistant = Assistant.from_settings(Settings())
    cold = time.perf_counter() - t0
    print(f"cold start (model + index, index already built by `policyqa setup`): {cold:.1f} s")

    texts = [c.text for c in assistant.index.corpus.clauses]
    t0 = time.perf_counter()
    assistant.index.embeddings.embed_documents(texts)
    embed = time.perf_counter() - t0
    chars = sum(map(len, texts))
    print(f"embedding: {len(texts)} clauses ({chars} characters) in {embed:.2f} s = {len(texts) / embed:.1f} clauses/s")

    questions = [json.loads(line) for line in args.questions.read_text(encoding="utf-8").splitlines() if line.strip()]
    assistant.answer(questions[0]["question"])  # warm-up
    by_kind: dict[str, list[float]] = defaultdict(list)
    for _ in range(args.rounds):
        for q in questions:
            t0 = time.perf_counter()
            assistant.answer(q["question"], q.get("history") or [])
            by_kind[q["kind"]].append((time.perf_counter() - t0) * 1000)
    every = [v for vs in by_kind.values() for v in vs]
    print(f"\nwarm latency per answer, {len(questions)} questions x {args.rounds} rounds (ms):")
    print(f"{'kind':<14}{'n':>5}{'p50':>9}{'p95':>9}{'max':>9}")
    for kind, values in sorted(by_kind.items()):
        print(f"{kind:<14}{len(values):>5}{statistics.median(values):>9.0f}{_percentile(values, 95):>9.0f}{max(values):>9.0f}")
    print(f"{'overall':<14}{len(every):>5}{statistics.median(every):>9.0f}{_percentile(every, 95):>9.0f}{max(every):>9.0f}")
    print(f"\npeak resident memory: {_peak_rss_mb():.0f} MB")


if __name__ == "__main__":
    main()
