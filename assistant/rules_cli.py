"""``policyqa rules draft DOC`` and ``policyqa rules compare``: rules drafted from a document's text,
written for review beside the reviewed ones, and how far the drafter reproduces the reviewed rules."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from corpus.errors import RuleError
from corpus.settings import Settings

if TYPE_CHECKING:  # the drafter and the corpus load only when a rules command runs, not for `policyqa --help`
    from assistant.calculator.draft import DraftReport
    from corpus.records import Clause, PolicyDocument

__all__ = ["add_rules_parser", "cmd_rules", "write_draft"]


def add_rules_parser(sub: Any) -> None:
    r = sub.add_parser("rules", help="money rules: draft them from a document's text for review, or compare drafts with reviewed rules")
    rsub = r.add_subparsers(dest="rules_command", required=True)
    d = rsub.add_parser("draft", help="draft the rules of a document into <rules_dir>/<doc_id>.yaml (reviewed: false)")
    d.add_argument("doc", help="a document id of the documents directory, or the path of a structured document (.md)")
    c = rsub.add_parser("compare", help="draft every document with reviewed rules and list where the drafts differ")
    c.add_argument("doc", nargs="?", help="only this document id")


def cmd_rules(settings: Settings, args: argparse.Namespace) -> int:
    if args.rules_command == "draft":
        document, clauses = _document(settings, args.doc)
        path, report = write_draft(settings.rules_dir, document, clauses)
        print(describe_draft(report, path))
        return 0
    return _compare(settings, args.doc)


def _document(settings: Settings, doc: str) -> tuple[PolicyDocument, list[Clause]]:
    from corpus.documents import load_corpus, load_document

    path = Path(doc)
    if path.suffix == ".md" and path.exists():
        return load_document(path)
    corpus = load_corpus(settings.documents_dir)
    document = corpus.document(doc)
    return document, list(corpus.clauses_of(document.id))


def _is_reviewed(path: Path) -> bool:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return True  # an unreadable file is a person's: never overwrite it
    return not (isinstance(data, dict) and data.get("reviewed") is False)


def write_draft(rules_dir: Path, document: PolicyDocument, clauses: list[Clause]) -> tuple[Path, DraftReport]:
    """Draft the document's rules into ``<rules_dir>/<doc_id>.yaml``; a reviewed file is never replaced.

    A file marked ``reviewed: false`` (an earlier draft) is redrafted; any other file raises
    ``RuleError`` naming it.
    """
    from assistant.calculator.draft import draft_document, to_yaml_data

    report = draft_document(document, clauses)
    path = Path(rules_dir) / f"{document.id}.yaml"
    if path.exists() and _is_reviewed(path):
        raise RuleError(
            f"{path} holds reviewed rules; they win over a draft. Delete it or mark it `reviewed: false` to redraft",
            message_zh=f"“{path.name}”是已审核的规则文件，不会被起草结果覆盖。",
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    header = (
        f"# Rules drafted from the text of {document.id} by `policyqa rules draft`: NOT reviewed.\n"
        "# Check each rule against its source_span and reading, fix what is wrong, then set reviewed: true\n"
        "# (or delete the line). Until then every answer that uses them says they are unreviewed.\n"
    )
    body = yaml.safe_dump(to_yaml_data(report), allow_unicode=True, sort_keys=False, width=120)
    tmp = path.with_suffix(".yaml.tmp")
    tmp.write_text(header + body, encoding="utf-8")
    tmp.replace(path)
    return path, report


def describe_draft(report: DraftReport, path: Path) -> str:
    lines = [f"wrote {path}: {len(report.rules)} rules drafted (reviewed: false)"]
    for r in report.rules:
        lines.append(f"  {r.id} [{r.kind}] {r.clause_id}: {r.source_span}")
    if report.review:
        lines.append("needs review:")
        lines += [f"  - {n}" for n in report.review]
    if report.skipped:
        lines.append("amounts printed without a grant (not drafted; add them to _no_rule.yaml if they are not awards):")
        lines += [f"  - {cid}: {s}" for cid, s in report.skipped]
    return "\n".join(lines)


def _compare(settings: Settings, only: str | None) -> int:
    from assistant.calculator import load_rules
    from assistant.calculator.draft import draft_document
    from assistant.calculator.review import compare_rules
    from corpus.documents import load_corpus

    corpus = load_corpus(settings.documents_dir)
    book = load_rules(settings.rules_dir)
    reviewed = [r for r in book if r.reviewed and (only is None or r.clause_id.startswith(only + "/"))]
    docs = [d for d in corpus.documents if only is None or d.id == only]
    drafted = [r for d in docs for r in draft_document(d, corpus.clauses_of(d.id)).rules]
    agreement = compare_rules(reviewed, drafted, lambda cid: corpus.clause(cid).text)
    print(agreement.report())
    return 0
