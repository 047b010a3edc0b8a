"""``policyqa add`` / ``docs`` / ``remove``: the knowledge base from the command line.

``register(sub, commands)`` adds the three sub-commands to ``policyqa``'s parser (the one hook
in ``assistant/cli.py``).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

from corpus.settings import Settings

__all__ = ["register", "cmd_add", "cmd_docs", "cmd_remove"]


def _date(day: object) -> str:
    return str(day) if day else "—"


def cmd_add(settings: Settings, args: argparse.Namespace) -> int:
    from assistant.knowledge import KnowledgeBase

    report = KnowledgeBase(settings).add([Path(f) for f in args.files], region=args.region, doc_id=args.id, replace=args.replace)
    for prepared, path, rules in zip(report.added, report.written, report.rules, strict=True):
        d = prepared.document
        print(f"added {d.id}: 《{d.title}》{'（' + d.doc_no + '）' if d.doc_no else ''} → {path}")
        print(f"  kind {d.kind.value} · region {d.region} · issuers {'、'.join(d.issuers) or '—'}")
        print(f"  issued {_date(d.issued)} · in force from {_date(d.effective_from)} · expires {_date(d.expires)}")
        print(f"  validity as printed: {d.validity_text or '—'}")
        labels = [c.label for c in prepared.clauses]
        print(f"  {len(labels)} clauses: {' '.join(labels[:12])}{' …' if len(labels) > 12 else ''}")
        if prepared.money:
            print(f"  money provisions ({len(prepared.money)} clauses):")
            for m in prepared.money:
                print(f"    {m.label}: {'、'.join(m.figures)}")
        else:
            print("  money provisions: none found")
        print(f"  rules: {rules}")
        for item in prepared.review:
            print(f"  review: {item}")
    s = report.summary
    print(f"index {s.collection}: {s.clauses} clauses, {s.embedded} pieces embedded, {report.pruned} removed, in {report.seconds:.1f}s")
    return 0


def cmd_docs(settings: Settings, args: argparse.Namespace) -> int:
    today = settings.today_date()
    from corpus.library import list_documents  # converters: only when a command needs them

    entries = list_documents(settings.documents_dir)
    for e in entries:
        d = e.document
        v = d.validity(today)
        print(f"{d.id:<22} {d.kind.value:<14} {v.status.zh:<5} {_date(d.expires):<10} {e.clauses:>3} clauses  {e.review:<8} 《{d.title}》")
    print(f"{len(entries)} documents in {settings.documents_dir} (validity on {today})")
    return 0


def cmd_remove(settings: Settings, args: argparse.Namespace) -> int:
    from assistant.knowledge import KnowledgeBase

    report = KnowledgeBase(settings).remove(args.doc_id)
    print(f"removed {args.doc_id} (file kept at {report.written[0]}); {report.pruned} index pieces deleted")
    return 0


def register(sub: argparse._SubParsersAction, commands: dict[str, Callable[[Settings, argparse.Namespace], int]]) -> None:  # type: ignore[type-arg]
    """Add ``add``, ``docs`` and ``remove`` to the ``policyqa`` parser and its command table."""
    a = sub.add_parser("add", help="take policy files (.txt .md .html .docx .pdf) into the documents directory and the index")
    a.add_argument("files", nargs="+")
    a.add_argument("--region", help="the region, e.g. 吉林省白城市通榆县 (inferred from the issuers when not given)")
    a.add_argument("--id", help="document id for a single file, e.g. gz-gzfb-2024 (default: derived from the title)")
    a.add_argument("--replace", action="store_true", help="replace a document that has the same id")
    sub.add_parser("docs", help="the documents with their validity and review state")
    r = sub.add_parser("remove", help="take a document out of the answers and the index")
    r.add_argument("doc_id")
    commands.update({"add": cmd_add, "docs": cmd_docs, "remove": cmd_remove})
