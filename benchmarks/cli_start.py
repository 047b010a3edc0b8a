"""How fast the command line starts and how much memory it takes: prints figures, asserts nothing.

    python benchmarks/cli_start.py [--runs 3] [--code DIR] [--steps]

For ``policyqa ask "…"`` and ``policyqa search --mode bm25 "…"`` on the built index, each run a
fresh process: wall time, CPU time (user + system: on a machine other jobs share, wall grows with
the load while CPU time does not) and peak memory (max RSS). ``--code DIR`` runs another checkout's
code (e.g. ``git worktree add /tmp/base main``) on this checkout's data, for a before/after in one
run. ``--steps`` also times each loading step in one process, one after the other, as ``ask`` meets
them (imports, jieba's tables, tokenizer, ONNX session, Chroma, first answer).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
QUESTION = "专精特新企业数字化改造最高补贴多少？"
QUERY = "高新技术企业认定奖励"


def _env(code: Path) -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(code), "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "ANONYMIZED_TELEMETRY": "False"}
    env.setdefault("POLICYQA_DATA_DIR", str(REPO / "var"))
    env.setdefault("POLICYQA_DOCUMENTS_DIR", str(REPO / "corpus" / "documents"))
    return env


def _run(code: Path, argv: list[str]) -> dict[str, float]:
    """One fresh ``policyqa`` process: wall seconds, CPU seconds, peak RSS in MB."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-c", "from assistant.cli import main; raise SystemExit(main())", *argv],
        cwd=str(code),
        env=_env(code),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    err = proc.stderr.read().decode() if proc.stderr else ""
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        raise SystemExit(f"policyqa {' '.join(argv)} failed ({proc.returncode}): {err[-2000:]}")
    return {"wall_s": wall, "cpu_s": usage.ru_utime + usage.ru_stime, "max_rss_mb": usage.ru_maxrss / 1024}


def _summary(runs: list[dict[str, float]]) -> str:
    def fig(key: str, fmt: str) -> str:
        values = [r[key] for r in runs]
        return f"{format(statistics.median(values), fmt)} ({format(min(values), fmt)}–{format(max(values), fmt)})"

    return f"wall {fig('wall_s', '.1f')} s · CPU {fig('cpu_s', '.1f')} s · max RSS {fig('max_rss_mb', '.0f')} MB"


def _steps() -> None:
    """In this process, each step ``ask`` goes through, timed one after the other (this code only)."""
    sys.path.insert(0, str(Path.cwd()))
    marks: list[tuple[str, float, float]] = []
    last = time.perf_counter()

    def rss_mb() -> float:
        line = next(x for x in Path("/proc/self/status").read_text().splitlines() if x.startswith("VmRSS:"))
        return int(line.split()[1]) / 1024

    def mark(name: str) -> None:
        nonlocal last
        now = time.perf_counter()
        marks.append((name, now - last, rss_mb()))
        last = now

    from assistant.cli import build_parser

    build_parser()
    mark("imports for the parser + build_parser")
    from corpus.settings import Settings

    settings = Settings()
    from index import jieba_tables

    jieba_tables.use_cache_dir(settings.text_cache_dir)
    mark("import index (langchain_core, jieba)")
    jieba_tables.copy_of_default()
    mark("jieba dictionary (shared, cached)")
    jieba_tables.general_idf()
    mark("jieba idf table (cached)")
    jieba_tables.pos_tokenizer()
    mark("jieba.posseg + word tags (cached)")
    from index.onnx_embed import piece_cache
    from index.piece_tokenizer import PieceTokenizer

    model_dir = settings.resolved_model_dir
    tokenizer = PieceTokenizer(model_dir / "tokenizer.json", piece_cache(model_dir), encode_special_tokens=True, max_length=512)
    mark("the tokenizer (its vocabulary as a cached table; holds the GIL)")
    tokenizer.whole()
    mark("tokenizers Tokenizer.from_file, the whole vocabulary (ask no longer loads it)")
    del tokenizer
    mark("(that tokenizer freed again)")
    from index.embeddings import load_embeddings

    embedder = load_embeddings(settings)
    mark("the ONNX embedder (session in a thread beside its tokenizer)")
    import assistant.chain  # noqa: F401

    mark("import assistant.chain (calculator, langchain runnables)")
    import chromadb  # noqa: F401

    mark("import chromadb")
    from assistant.chain import Assistant

    bot = Assistant.from_settings(settings, embeddings=embedder)
    mark("open the index (corpus, Chroma, BM25) and check it is current")
    bot.answer(QUESTION)
    mark("first answer")
    print(json.dumps(marks, ensure_ascii=False))


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--code", type=Path, default=REPO, help="the checkout whose code runs (default: this one)")
    p.add_argument("--question", default=QUESTION)
    p.add_argument("--query", default=QUERY)
    p.add_argument("--steps", action="store_true", help="also time each loading step (this checkout's code)")
    p.add_argument("--child-steps", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.child_steps:
        _steps()
        return 0
    code = args.code.resolve()
    print(f"code: {code} · data: {_env(code)['POLICYQA_DATA_DIR']} · load average {os.getloadavg()[0]:.1f} · {args.runs} runs")
    _run(code, ["search", "--mode", "bm25", args.query])  # warm the page cache and the derived caches
    for name, argv in (("ask", ["ask", args.question]), ("search --mode bm25", ["search", "--mode", "bm25", args.query])):
        runs = [_run(code, argv) for _ in range(args.runs)]
        print(f"policyqa {name}: {_summary(runs)}")
    if args.steps:
        out = subprocess.run(
            [sys.executable, __file__, "--child-steps"], cwd=str(REPO), env=_env(REPO), capture_output=True, text=True, check=True
        )
        print("  each step (s), resident memory after it (MB):")
        for name, seconds, rss in json.loads(out.stdout.strip().splitlines()[-1]):
            print(f"  {seconds:6.2f} s  {rss:5.0f} MB  {name}")
    print(f"load average at the end {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
