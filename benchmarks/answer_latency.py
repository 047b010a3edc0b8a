"""Speed and memory of the answer chain on this machine: prints figures, asserts nothing.

    python benchmarks/answer_latency.py [--rounds 3] [--questions eval/faq.jsonl]

Reports, for the product and beside it the naive baseline (assistant/baseline.py on the
sentence-transformers/torch embedder) in the same run, as ratios: a fresh process's peak memory
and start to first answer (index built), the warm latency per answer (p50/p95, and by question
kind for the product), and the embedding rate over every clause piece. Targets live here, not in
timed tests that flake on a busy machine. `benchmarks/throughput.py` measures the served app.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
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
    # VmHWM of this process (getrusage's ru_maxrss survives exec, so it may be a parent's).
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _child(kind: str) -> dict[str, float]:
    """Start to first answer and peak memory of a fresh process (``kind`` product or baseline)."""
    out = subprocess.run([sys.executable, __file__, "--child", kind], capture_output=True, text=True, timeout=1800, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _ask_wall(backend: str) -> float:
    """Seconds of one `policyqa ask` (a fresh process: imports, index, model, one answer)."""
    env = {**os.environ, "POLICYQA_EMBEDDING_BACKEND": backend}
    t0 = time.perf_counter()
    subprocess.run(
        [str(Path(sys.executable).with_name("policyqa")), "ask", "专精特新企业数字化改造最高补贴多少？"],
        env=env,
        capture_output=True,
        timeout=1800,
        check=True,
    )
    return time.perf_counter() - t0


def child(kind: str) -> None:
    t0 = time.perf_counter()
    from corpus.settings import Settings

    question = "专精特新企业数字化改造最高补贴多少？"
    if kind == "product":
        from assistant.chain import Assistant

        Assistant.from_settings(Settings()).answer(question)
    else:
        from assistant.baseline import NaiveRAG
        from corpus.documents import load_corpus
        from index.e5_model import ensure_model, load_embedder

        settings = Settings()
        NaiveRAG(load_corpus(settings.documents_dir), load_embedder(ensure_model(settings))).answer(question)
    print(json.dumps({"first_answer_s": time.perf_counter() - t0, "peak_mb": _peak_rss_mb()}))


def _warm(target: object, questions: list[dict[str, object]], rounds: int) -> dict[str, list[float]]:
    target.answer(questions[0]["question"])  # type: ignore[attr-defined]
    by_kind: dict[str, list[float]] = defaultdict(list)
    for _ in range(rounds):
        for q in questions:
            t0 = time.perf_counter()
            target.answer(q["question"], q.get("history") or [])  # type: ignore[attr-defined]
            by_kind[str(q["kind"])].append((time.perf_counter() - t0) * 1000)
    return by_kind


def _rate(embedder: object, texts: list[str]) -> float:
    t0 = time.perf_counter()
    embedder.embed_documents(texts)  # type: ignore[attr-defined]
    return len(texts) / (time.perf_counter() - t0)


def _row(name: str, product: float, baseline: float, unit: str, lower_is_better: bool = True) -> None:
    ratio = baseline / product if lower_is_better else product / baseline
    print(f"{name:<40}{product:>10.1f}{baseline:>12.1f}  {unit:<10}{ratio:>6.1f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=2, help="warm passes over the question set")
    parser.add_argument("--questions", type=Path, default=REPO / "eval" / "faq.jsonl")
    parser.add_argument("--child", choices=["product", "baseline"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return

    from assistant.baseline import NaiveRAG
    from assistant.chain import Assistant
    from corpus.settings import Settings
    from index.e5_model import ensure_model, load_embedder
    from index.store import pieces_of

    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, load {os.getloadavg()[0]:.1f}")
    cold = {kind: _child(kind) for kind in ("product", "baseline")}
    # The torch backend builds its own collection (its own name) the first time: once untimed.
    ask = {backend: (_ask_wall(backend), _ask_wall(backend))[1] for backend in ("onnx", "torch")}
    settings = Settings()
    product = Assistant.from_settings(settings)
    torch_embedder = load_embedder(ensure_model(settings))
    baseline = NaiveRAG(product.index.corpus, torch_embedder, today=settings.today_date())

    pieces = [p.embed_text for c in product.index.corpus.clauses for p in pieces_of(c, settings.chunk_chars)]
    rate_product, rate_baseline = _rate(product.index.embeddings, pieces), _rate(torch_embedder, pieces)
    questions = [json.loads(line) for line in args.questions.read_text(encoding="utf-8").splitlines() if line.strip()]
    warm_product = _warm(product, questions, args.rounds)
    warm_baseline = _warm(baseline, questions, args.rounds)
    every_p = [v for vs in warm_product.values() for v in vs]
    every_b = [v for vs in warm_baseline.values() for v in vs]

    print(f"\nproduct: {product.index.name} ({product.index.model_name}); baseline: assistant/baseline.py on sentence-transformers (torch)")
    print(f"{'figure':<40}{'product':>10}{'baseline':>12}  {'unit':<10}{'ratio':>7}")
    _row("serving-process memory (peak)", cold["product"]["peak_mb"], cold["baseline"]["peak_mb"], "MB")
    _row("start to first answer (index built)", cold["product"]["first_answer_s"], cold["baseline"]["first_answer_s"], "s")
    _row("`policyqa ask` wall (baseline: torch backend)", ask["onnx"], ask["torch"], "s")
    _row(f"warm answer p50 ({len(every_p)} answers)", statistics.median(every_p), statistics.median(every_b), "ms")
    _row("warm answer p95", _percentile(every_p, 95), _percentile(every_b, 95), "ms")
    _row(f"embedding passages ({len(pieces)} pieces)", rate_product, rate_baseline, "/s", lower_is_better=False)
    print("(ratio: how many times better the product is; the baseline answers with the top chunk, no checks)")

    print(f"\nproduct warm latency by kind, {len(questions)} questions x {args.rounds} rounds (ms):")
    print(f"{'kind':<14}{'n':>5}{'p50':>9}{'p95':>9}{'max':>9}")
    for kind, values in sorted(warm_product.items()):
        print(f"{kind:<14}{len(values):>5}{statistics.median(values):>9.0f}{_percentile(values, 95):>9.0f}{max(values):>9.0f}")
    print(f"{'overall':<14}{len(every_p):>5}{statistics.median(every_p):>9.0f}{_percentile(every_p, 95):>9.0f}{max(every_p):>9.0f}")
    print(f"load average at the end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
