"""How good are rules drafted from the text alone? Prints three figures and every difference.

1. Agreement on the seeds: each hand-reviewed rule matched to the drafted rule of its clause whose
   source span overlaps most; reproduced when kind, rates, money figures, cap scope and thresholds
   agree (``assistant.calculator.review``). Every difference is listed.
2. Drafted rules only, over the seeds: the documents copied to a temporary folder without their
   reviewed YAML, drafted with ``write_draft`` (what ``policyqa rules draft`` does), and the amount
   questions of eval/faq.jsonl run through ``calculate_question`` over their gold clauses (gold
   first, then distractors, as tests/assistant/test_calc_faq.py orders them).
3. Real pages from elsewhere (../shared/realdocs/*.html): converted and structured exactly as
   ``policyqa add`` does (``corpus.library.prepare``), drafted, and the amount questions of
   eval/dev/realdocs-d1.jsonl run through ``calculate_question`` over their gold clauses.

A headline is exact when its amount (or, with nothing missing, its stated maximum) is within
0.005万元 of the expected figure; "wrong and definite" counts headlines whose definite amount is wrong.

    .venv/bin/python benchmarks/draft_agreement.py [--realdocs DIR]
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from collections import Counter
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.calculator import RuleBook, calculate_question, load_rules  # noqa: E402
from assistant.calculator.draft import draft_rules  # noqa: E402
from assistant.calculator.review import compare_rules  # noqa: E402
from assistant.evaluation import EvalQuestion, Gold, load_questions  # noqa: E402
from assistant.records import Calculation  # noqa: E402
from assistant.rules_cli import write_draft  # noqa: E402
from corpus.documents import Corpus, load_corpus  # noqa: E402
from corpus.library import prepare  # noqa: E402
from corpus.settings import DOCUMENTS_DIR  # noqa: E402
from index.bm25 import BM25  # noqa: E402


def headline_value(calc: Calculation) -> Decimal | None:
    if calc.amount_wan is not None:
        return calc.amount_wan
    return None if calc.missing else calc.cap_wan


def run_questions(questions: list[EvalQuestion], book: RuleBook, corpus: Corpus, label: str, *, bm25: bool = False) -> tuple[int, int]:
    """Each question over its gold clauses then distractors (or, with ``bm25``, over the top 5
    clauses BM25 ranks for it among the corpus: retrieval without its dense half); one line each."""
    index = BM25([(c.id, f"{c.path} {c.text}") for c in corpus.clauses]) if bm25 else None
    rule_clauses = list(dict.fromkeys(r.clause_id for r in book))
    exact = wrong_definite = 0
    kinds: Counter[str] = Counter()
    right: Counter[str] = Counter()
    for q in questions:
        expected = Decimal(str(q.expected_amount_wan))
        gold = sorted(q.gold_ids)
        if not gold:
            print(f"  --  {q.id}: gold clause not found in the ingested document")
            continue
        doc = gold[0].split("/")[0]
        ids = gold + [c for c in rule_clauses if c.startswith(doc + "/") and c not in gold][:2]
        if index is not None:
            ids = [k for k, _ in index.rank(" ".join([*q.history, q.question]))[:5]]
        calcs = calculate_question(" ".join([*q.history, q.question]), ids, rules=book)
        head = calcs[0] if calcs else None
        given = headline_value(head) if head else None
        ok = given is not None and abs(given - expected) < Decimal("0.005")
        kind = book.get(head.rule_id).kind if head and head.rule_id in {r.id for r in book} else ("none" if not head else "combined")
        kinds[kind] += 1
        right[kind] += ok
        exact += ok
        definite_wrong = head is not None and head.amount_wan is not None and not ok
        wrong_definite += definite_wrong
        mark = "OK " if ok else ("BAD" if definite_wrong else "-- ")
        what = f"{head.rule_id} → {given} ({head.formula[:70]})" if head else "no calculation"
        print(f"  {mark} {q.id} expected {expected}: {what}")
    n = len(questions)
    print(f"{label}: amount exact {exact}/{n} = {exact / n:.3f}; wrong and definite {wrong_definite}")
    print("  by headline rule kind: " + ", ".join(f"{k} {right[k]}/{kinds[k]}" for k in sorted(kinds)))
    return exact, n


def seeds_agreement() -> None:
    corpus = load_corpus(DOCUMENTS_DIR)
    drafted = [r for d in corpus.documents for r in draft_rules(d, corpus.clauses_of(d.id))]
    agreement = compare_rules(load_rules().rules, drafted, lambda cid: corpus.clause(cid).text)
    print("1. " + agreement.report())


def seeds_drafted_only() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        docs = Path(tmp) / "documents"
        docs.mkdir()
        for md in DOCUMENTS_DIR.glob("*.md"):
            shutil.copy(md, docs / md.name)
        corpus = load_corpus(docs)
        for d in corpus.documents:
            write_draft(docs / "rules", d, list(corpus.clauses_of(d.id)))
        book = load_rules(docs / "rules")
        questions = [q for q in load_questions(ROOT / "eval" / "faq.jsonl", corpus) if q.expected_amount_wan is not None]
        print(f"2. drafted rules only over the seeds ({len(book)} rules, none reviewed):")
        run_questions(questions, book, corpus, "   seeds, eval/faq.jsonl, gold clauses first")
        run_questions(questions, book, corpus, "   seeds, eval/faq.jsonl, BM25 top 5", bm25=True)
        other = [q for q in load_questions(ROOT / "eval" / "retrieval.jsonl", corpus) if q.expected_amount_wan is not None]
        run_questions(other, book, corpus, "   seeds, eval/retrieval.jsonl, gold clauses first")


def real_pages(folder: Path) -> None:
    documents, clauses = [], []
    for path in sorted(folder.glob("*.html")):
        prepared = prepare(path)  # what `policyqa add PAGE` converts and structures
        documents.append(prepared.document)
        clauses += prepared.clauses
    corpus = Corpus(tuple(documents), tuple(clauses))
    rules = [r for d in documents for r in draft_rules(d, corpus.clauses_of(d.id))]
    book = RuleBook(tuple(rules))
    print(f"3. real pages: {len(documents)} documents, {len(rules)} rules drafted")
    questions = _real_questions(ROOT / "eval" / "dev" / "realdocs-d1.jsonl", corpus)
    run_questions(questions, book, corpus, "   real pages, eval/dev/realdocs-d1.jsonl, gold clauses first")
    run_questions(questions, book, corpus, "   real pages, eval/dev/realdocs-d1.jsonl, BM25 top 5", bm25=True)


def _real_questions(path: Path, corpus: Corpus) -> list[EvalQuestion]:
    """The amount questions, gold clauses found by printed title and by the clause's printed label
    and heading ("五、创业担保贷款有哪些申请条件？", "3、创业租金补贴", "第十八条"), with the clauses under it."""
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        raw = json.loads(line)
        if raw.get("expected_amount_wan") is None:
            continue
        gold = []
        for g in raw["gold"]:
            ids: list[str] = []
            doc = next(d for d in corpus.documents if d.title == g["doc"])
            want = g["clause"].replace("、", "").replace(" ", "")
            for c in corpus.clauses_of(doc.id):
                for depth, label in enumerate(c.labels):
                    title = c.titles[depth] if depth < len(c.titles) else ""
                    if (label.rstrip("、.．") + title).replace(" ", "") == want or label.strip() == g["clause"]:
                        ids.append(c.id)
                        break
                else:
                    if c.text.replace("、", "").startswith(want):
                        ids.append(c.id)
            gold.append(Gold(g["doc"], g["clause"], tuple(dict.fromkeys(ids))))
        out.append(
            EvalQuestion(raw["id"], raw["question"], raw["kind"], tuple(raw.get("history") or ()), tuple(gold), raw["expected_amount_wan"])
        )
    return out


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--realdocs", type=Path, default=ROOT.parent / "shared" / "realdocs")
    args = p.parse_args()
    seeds_agreement()
    seeds_drafted_only()
    if args.realdocs.is_dir():
        real_pages(args.realdocs)
    else:
        print(f"3. real pages: {args.realdocs} not found; pass --realdocs DIR")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
