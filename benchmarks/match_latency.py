"""How long a 政策体检 takes: the example profile and an empty one, matched N times (no model).

    .venv/bin/python benchmarks/match_latency.py [N]

Prints the median and the worst of N runs of ``Matcher.run`` (profile read, every rule of the
region applied, answer composed, figures checked), and the one-off cost of loading documents and rules.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import yaml

from assistant.match.service import matcher_for
from corpus.settings import Settings


def main(n: int = 50) -> None:
    settings = Settings()
    t0 = time.perf_counter()
    matcher = matcher_for(settings)
    load = time.perf_counter() - t0
    example = yaml.safe_load((Path(__file__).resolve().parents[1] / "docs" / "profile.example.yaml").read_text(encoding="utf-8"))
    profiles = {"example (厦门, 5 figures, a loan)": example, "empty (济南, type only)": {"city": "济南", "types": ["科技服务企业"]}}
    print(f"load documents and rules: {load * 1000:.0f} ms ({len(matcher.rules)} rules, {len(matcher.corpus.clauses)} clauses)")
    for name, data in profiles.items():
        times = []
        for _ in range(n):
            t = time.perf_counter()
            out = matcher.run(data, include_ineligible=True)
            times.append(time.perf_counter() - t)
        lines = sum(len(v) for v in out["match"]["groups"].values())
        print(f"{name}: {lines} measures, median {statistics.median(times) * 1000:.1f} ms, max {max(times) * 1000:.1f} ms over {n} runs")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 50)
