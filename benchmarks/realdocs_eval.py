"""End to end over documents nobody curated: real pages in through ``policyqa add``, questions out.

What an operator does, in a scratch knowledge base (settings only; the package's
``corpus/documents`` is never touched):

1. a temporary documents directory, holding a copy of the package's curated documents and their
   rules (``--base package``, the default: the knowledge base a deployment has before the new
   pages) or nothing (``--base empty``);
2. ``policyqa add PAGE …`` run as a command, on the files exactly as they are (no title typed;
   the region inferred from the page, or ``--region`` for a page that does not print it, as an
   operator who knows where the page comes from would pass it: ``--page-region FILE=REGION``);
3. the index built by that command, then every question of the given files through the whole
   assistant chain (``Assistant.answer``: understanding, retrieval, refusal, calculator, compose),
   scored by ``assistant.evaluation`` (gold ``doc`` is the document's printed title).

It prints: right clause cited, every needed clause cited, wrongly refused, out-of-scope refused,
facts, amount exact, the same by tag, and every failure with what was cited. The report (json,
md, html) goes to ``--report``.

    .venv/bin/python benchmarks/realdocs_eval.py eval/dev/realdocs-d1.jsonl

``--workdir DIR`` keeps the scratch data directory (embeddings already computed are reused on the
next run; the documents directory is rebuilt every run).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.evaluation import EvalResult, load_questions, run_eval, write_report  # noqa: E402
from corpus.documents import load_corpus  # noqa: E402
from corpus.settings import DOCUMENTS_DIR, Settings  # noqa: E402

DEFAULT_PAGES = Path("/work/shared/realdocs")
FALLBACK_PAGES = ROOT / "tests" / "corpus" / "fixtures"
_PAGE_SUFFIXES = {".html", ".htm", ".pdf", ".docx", ".txt", ".md"}

ROWS = (
    ("cites_right", "right clause cited"),
    ("all_cited", "every needed clause cited"),
    ("false_refusal_rate", "wrongly refused"),
    ("refusal_rate", "out-of-scope refused"),
    ("facts", "facts"),
    ("amount_exact", "amount exact"),
    ("hit@5", "gold in top 5 retrieved"),
)


def _pages(directory: Path) -> list[Path]:
    pages = sorted(p for p in directory.iterdir() if p.suffix.lower() in _PAGE_SUFFIXES and p.name.lower() != "readme.md")
    if not pages:
        raise SystemExit(f"no pages (.html .pdf .docx .txt .md) in {directory}; pass --pages DIR")
    return pages


def _scratch_settings(work: Path, model_dir: Path) -> dict[str, str]:
    """The POLICYQA_* variables of the scratch knowledge base (the same for the command and here)."""
    return {
        "POLICYQA_DOCUMENTS_DIR": str(work / "documents"),
        "POLICYQA_RULES_DIR": str(work / "documents" / "rules"),
        "POLICYQA_DATA_DIR": str(work / "data"),
        "POLICYQA_MODEL_DIR": str(model_dir),
    }


def _prepare_documents(work: Path, base: str) -> None:
    docs = work / "documents"
    if docs.exists():
        shutil.rmtree(docs)
    if base == "package":
        shutil.copytree(DOCUMENTS_DIR, docs, ignore=shutil.ignore_patterns(".removed"))
    else:
        (docs / "rules").mkdir(parents=True)


def _add(pages: list[Path], regions: dict[str, str], env: dict[str, str]) -> None:
    """``policyqa add`` as an operator runs it: all pages that need no region at once, then each
    page with its ``--region``."""
    cli = [str(ROOT / ".venv" / "bin" / "policyqa")]
    if not Path(cli[0]).exists():
        cli = [sys.executable, "-m", "assistant.cli"]
    plain = [p for p in pages if p.name not in regions]
    runs = ([[*cli, "add", *map(str, plain)]] if plain else []) + [
        [*cli, "add", str(p), "--region", regions[p.name]] for p in pages if p.name in regions
    ]
    for cmd in runs:
        print("$ policyqa " + " ".join(cmd[len(cli) :]), flush=True)
        done = subprocess.run(cmd, env={**os.environ, **env, "HF_HUB_OFFLINE": "1"}, cwd=ROOT, text=True, capture_output=True)
        sys.stdout.write(done.stdout)
        if done.returncode:
            sys.stderr.write(done.stderr)
            raise SystemExit(f"policyqa add failed (exit {done.returncode})")


def _fmt(value: float | int | None) -> str:
    return "–" if value is None else f"{value:.3f}"


def print_result(result: EvalResult) -> None:
    overall = result.metrics["overall"]
    print(f"\n{overall['n']} questions")
    for key, label in ROWS:
        print(f"  {label:<28} {_fmt(overall[key])}")
    print("\nby tag / kind: " + " · ".join(label for _, label in ROWS))
    for name, m in result.metrics.items():
        if name == "overall":
            continue
        print(f"  {name:<24} n={m['n']:<3} " + " ".join(f"{_fmt(m[k]):>6}" for k, _ in ROWS))
    print(f"\nfailures ({len(result.failures)}):")
    for r in result.failures:
        q, a = r.question, r.answer
        gold = "; ".join(f"{g.clause}→{','.join(g.clause_ids)}" for g in q.gold) or "(refusal)"
        cited = ",".join(c["clause_id"] for c in a.get("citations") or []) or "—"
        amounts = ",".join(str(c.get("amount_wan")) for c in a.get("calculations") or [] if c.get("amount_wan") is not None)
        print(f"- {q.id} [{','.join(q.tags)}] {q.question}")
        print(f"    gold {gold} | cited {cited}{' | amount ' + amounts if amounts else ''} | {'; '.join(r.score.failures)}")
        print(f"    retrieved {','.join((a.get('retrieved') or [])[:5])}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("files", nargs="+", type=Path, help="question sets (JSONL) over the pages")
    ap.add_argument("--pages", type=Path, default=DEFAULT_PAGES if DEFAULT_PAGES.is_dir() else FALLBACK_PAGES)
    ap.add_argument("--base", choices=("package", "empty"), default="package", help="what the knowledge base holds before the pages")
    ap.add_argument("--page-region", action="append", default=[], metavar="FILE=REGION", help="--region for that page's add")
    ap.add_argument("--workdir", type=Path, help="keep the scratch data here (default: a temporary directory)")
    ap.add_argument("--report", type=Path, default=ROOT / "artifacts" / "realdocs-eval")
    args = ap.parse_args(argv)

    regions = dict(item.split("=", 1) for item in args.page_region)
    pages = _pages(args.pages)
    model_dir = Settings().resolved_model_dir.resolve()
    if not model_dir.is_dir():
        raise SystemExit(f"no embedding model at {model_dir}; run `policyqa setup` first")
    with tempfile.TemporaryDirectory(prefix="policyqa-realdocs-") as tmp:
        work = (args.workdir or Path(tmp)).resolve()
        work.mkdir(parents=True, exist_ok=True)
        env = _scratch_settings(work, model_dir)
        _prepare_documents(work, args.base)
        start = time.perf_counter()
        _add(pages, regions, env)
        print(f"added {len(pages)} pages in {time.perf_counter() - start:.0f}s")

        from assistant.chain import Assistant

        settings = Settings(
            documents_dir=Path(env["POLICYQA_DOCUMENTS_DIR"]),
            rules_dir=Path(env["POLICYQA_RULES_DIR"]),
            data_dir=Path(env["POLICYQA_DATA_DIR"]),
            model_dir=model_dir,
        )
        corpus = load_corpus(settings.documents_dir)
        questions = [q for f in args.files for q in load_questions(f, corpus)]
        bot = Assistant.from_settings(settings)
        start = time.perf_counter()
        result = run_eval(bot, questions, name="realdocs")
        print(f"answered {len(questions)} questions in {time.perf_counter() - start:.0f}s")
        paths = write_report(result, None, args.report)
    print_result(result)
    print(f"\nreport: {paths[2]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
