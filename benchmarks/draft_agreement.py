"""How good are rules drafted from the text alone? Prints three figures and every difference.

1. Agreement on the seeds: each hand-reviewed rule matched to the drafted rule of its clause whose
   source span overlaps most; reproduced when kind, rates, money figures, cap scope and thresholds
   agree (``assistant.calculator.review``). Every difference is listed.
2. Drafted rules only, over the seeds: the documents copied to a temporary folder without their
   reviewed YAML, drafted with ``write_draft`` (what ``policyqa rules draft`` does), and the amount
   questions of eval/faq.jsonl run through ``calculate_question`` over their gold clauses (gold
   first, then distractors, as tests/assistant/test_calc_faq.py orders them).
3. Real pages from elsewhere (../shared/realdocs/*.html): text taken out of the HTML, ingested with
   ``ingest_text`` (title and region given as a user passes them to ``policyqa ingest``), drafted, and
   the amount questions of eval/dev/realdocs-d1.jsonl run through ``calculate_question`` over their
   gold clauses.

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
from benchmarks.realdocs_text import page_text  # noqa: E402
from corpus.documents import Corpus, clauses_of, load_corpus  # noqa: E402
from corpus.ingest import ingest_text  # noqa: E402
from corpus.settings import DOCUMENTS_DIR  # noqa: E402
from index.bm25 import BM25  # noqa: E402

# what a user types to `policyqa ingest --id … --title … --region …` for each saved page
REAL_PAGES = {
    "11": ("rd-gz-gzf", "广州市公共租赁住房管理办法", "广东省广州市"),
    "15": ("rd-gz-cydb", "创业担保贷款常见问题", "广东省广州市"),
    "16": ("rd-gz-cybt", "广州市高校毕业生创业补贴，请查收", "广东省广州市"),
    "18": ("rd-gz-jxjd", "广州市就业见习基地管理办法", "广东省广州市"),
    "37": ("rd-cn-scztdj", "中华人民共和国市场主体登记管理条例", "全国"),
}


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
        key = path.name.split("_")[0]
        if key not in REAL_PAGES:
            continue
        doc_id, title, region = REAL_PAGES[key]
        document, sections = ingest_text(page_text(path), source=path.name, doc_id=doc_id, title=title, region=region)
        documents.append(document)
        clauses += clauses_of(document, sections)
    corpus = Corpus(tuple(documents), tuple(clauses))
    rules = [r for d in documents for r in draft_rules(d, corpus.clauses_of(d.id))]
    book = RuleBook(tuple(rules))
    print(f"3. real pages: {len(documents)} documents, {len(rules)} rules drafted")
    questions = _real_questions(ROOT / "eval" / "dev" / "realdocs-d1.jsonl", corpus)
    run_questions(questions, book, corpus, "   real pages, eval/dev/realdocs-d1.jsonl, gold clauses first")
    run_questions(questions, book, corpus, "   real pages, eval/dev/realdocs-d1.jsonl, BM25 top 5", bm25=True)


def _real_questions(path: Path, corpus: Corpus) -> list[EvalQuestion]:
    """The amount questions, gold clauses found by printed title and by the clause's printed start
    (the ingester keeps a FAQ heading "五、…？" as the clause's first words), with the clauses under it."""
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
                head = (c.labels[-1].rstrip("、.．") + c.title).replace(" ", "") if c.labels else ""
                if head == want or c.text.replace("、", "").startswith(want) or (c.labels and c.labels[-1].strip() == g["clause"]):
                    ids += [x.id for x in corpus.clauses_of(doc.id) if x.id == c.id or x.id.startswith(c.id + "/")]
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
