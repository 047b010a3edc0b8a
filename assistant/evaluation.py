"""The evaluation harness: question sets, metrics, a baseline side by side, a report to look at.

Question sets are JSONL, one question per line::

    {"id": "faq-026", "question": "…", "history": [], "kind": "amount",
     "gold": [{"doc": "xm-zjtx-2024", "clause": "7"}], "expected_amount_wan": 18,
     "must_mention": ["18万元"], "notes": "…"}

``gold[].doc`` is a document id, its 文号 or its exact title; ``gold[].clause`` a label as printed
("五", "（十）", "15", "第十五条"), a clause title, a FAQ heading (every clause under it), or "附则"
(any closing provision). Every gold is resolved to clause ids when the file is loaded, so a typo
is a load error naming the line, not a silent zero.

A question whose ``gold`` is empty expects the no-basis answer (out-of-scope questions, prompt
injections with no policy question, a date the documents do not state); every other question is
in scope and a no-basis answer to it is a false refusal.

The metrics are pure functions of (question, answer dict) pairs — ``score_answer`` and
``aggregate`` — so tests feed hand-made answers; ``run_eval`` only collects the pairs.
"""

from __future__ import annotations

import html
import json
import math
import re
import sys
import time
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol

from corpus.documents import Corpus, load_corpus
from corpus.errors import PolicyQAError
from corpus.records import Clause, PolicyDocument
from corpus.settings import DOCUMENTS_DIR, Settings

__all__ = [
    "KINDS",
    "EvalFormatError",
    "EvalQuestion",
    "EvalResult",
    "Gold",
    "QuestionScore",
    "aggregate",
    "eval_command",
    "evaluate_pairs",
    "load_questions",
    "mentions",
    "normalise_fact",
    "percentile",
    "render_html",
    "resolve_gold",
    "run_eval",
    "score_answer",
    "summary_table",
    "write_report",
]

KINDS = ("lookup", "amount", "cap", "multi", "followup", "out_of_scope", "validity", "adversarial")
AMOUNT_TOLERANCE_WAN = 0.005  # "exact to 0.01 万元"
HIT_KS = (1, 3, 5)


class EvalFormatError(PolicyQAError):
    """A question-set file is malformed (the message names the file and line)."""

    message_zh = "评测问题集格式有误，请按报错行号修改。"


class AssistantLike(Protocol):
    def answer(self, question: str, history: Sequence[Any] = ()) -> Any: ...


# -- question sets ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Gold:
    """One expected clause as written in the file, with the clause ids it resolved to."""

    doc: str
    clause: str
    clause_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class EvalQuestion:
    id: str
    question: str
    kind: str
    history: tuple[str, ...] = ()
    gold: tuple[Gold, ...] = ()
    expected_amount_wan: float | None = None
    must_mention: tuple[str, ...] = ()
    notes: str = ""
    source: str = ""  # file:line, for messages
    tags: tuple[str, ...] = ()  # the phrasing kinds it tests (chatty, injection, multi_item …), for figures by kind

    @property
    def expects_refusal(self) -> bool:
        """No clause answers it: the right answer is the no-basis answer."""
        return not self.gold

    @property
    def gold_ids(self) -> frozenset[str]:
        return frozenset(i for g in self.gold for i in g.clause_ids)


_CN_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}


def _cn_to_int(text: str) -> int | None:
    """一 → 1, 十五 → 15, 二十三 → 23, 一百零五 → 105; None when ``text`` is not a Chinese numeral."""
    if not text or any(ch not in _CN_DIGITS and ch not in "十百" for ch in text):
        return None
    total, current = 0, 0
    for ch in text:
        if ch in _CN_DIGITS:
            current = _CN_DIGITS[ch]
        else:
            unit = 10 if ch == "十" else 100
            total += (current or 1) * unit
            current = 0
    return total + current


_ARTICLE = re.compile(r"^第([一二三四五六七八九十百零〇两\d]+)条$")


def _label_norm(text: str) -> str:
    """The comparable form of a printed label or a gold clause string.

    Full/half width folded; trailing 、 . dropped; 第十五条 and 第15条 read 15 (so they equal the
    label "15."), while a bare "三" stays "三" (a part "三、" is not article "3.").
    """
    s = unicodedata.normalize("NFKC", text).strip().strip("《》")
    s = re.sub(r"\s+", "", s)
    if s.startswith("[") and s.endswith("]"):
        s = s[1:-1]
    if m := _ARTICLE.match(s):
        num = m.group(1)
        return num if num.isdigit() else str(_cn_to_int(num))
    return s.rstrip("、.")


def _is_numbered(label: str) -> bool:
    return bool(re.match(r"^([一二三四五六七八九十百]+、|（[一二三四五六七八九十百]+）|\d+[.．]|第.+条|\[.+\])$", label))


def _clause_matches(clause: Clause, gold_clause: str) -> bool:
    want = _label_norm(gold_clause)
    if want == "附则":
        return clause.labels[-1].startswith("[附则")
    if want == _label_norm(clause.labels[-1]) or want == _label_norm(clause.title):
        return True
    # An unnumbered printed heading (a FAQ block) covers every clause under it, and so does a
    # heading written whole, number and title ("1、一次性创业资助", "五、创业担保贷款有哪些申请条件？").
    if any(not _is_numbered(lab) and _label_norm(lab) == want for lab in clause.labels):
        return True
    whole = _name_norm(gold_clause)
    return bool(whole) and any(
        tit and not lab.startswith("[") and _name_norm(lab + tit) == whole for lab, tit in zip(clause.labels, clause.titles, strict=True)
    )


def _name_norm(text: str) -> str:
    """A title or 文号 as compared: width folded, spaces, 《》 quotes and punctuation dropped, 〔〕[]（） alike."""
    s = unicodedata.normalize("NFKC", text)
    return "".join(ch for ch in s if not (ch.isspace() or unicodedata.category(ch).startswith("P")))


def _document_for(corpus: Corpus, doc: str) -> PolicyDocument | None:
    """The document a gold names: its id, 文号 or title exactly; else the one whose title or 文号
    equals it up to spacing, width and punctuation (a title taken in by ``policyqa add`` keeps the
    page's line breaks and brackets); else the single document whose title contains it or is
    contained in it."""
    want = unicodedata.normalize("NFKC", doc).strip().strip("《》")
    for d in corpus.documents:
        names = (d.id, d.doc_no or "", d.title)
        if any(want == unicodedata.normalize("NFKC", n) for n in names if n):
            return d
    key = _name_norm(want)
    if not key:
        return None
    loose = [d for d in corpus.documents if key in {_name_norm(n) for n in (d.doc_no or "", d.title) if n}]
    if len(loose) == 1:
        return loose[0]
    if len(key) >= 6:
        inside = [d for d in corpus.documents if (t := _name_norm(d.title)) and (key in t or t in key) and len(t) >= 6]
        if len(inside) == 1:
            return inside[0]
    return None


def resolve_gold(corpus: Corpus, doc: str, clause: str) -> tuple[str, ...]:
    """The ids of the clauses a gold names; ``()`` when the document or clause is unknown."""
    d = _document_for(corpus, doc)
    if d is None:
        return ()
    return tuple(c.id for c in corpus.clauses_of(d.id) if _clause_matches(c, clause))


def _fail(where: str, reason: str) -> EvalFormatError:
    return EvalFormatError(f"{where}: {reason}", message_zh=f"评测问题集格式有误（{where}）：{reason}")


def _parse_line(raw: str, where: str, corpus: Corpus) -> EvalQuestion:
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as e:
        raise _fail(where, f"not valid JSON ({e.msg} at column {e.colno}); write one JSON object per line") from e
    if not isinstance(data, dict):
        raise _fail(where, f"expected a JSON object, got {type(data).__name__}")
    known = {"id", "question", "history", "kind", "gold", "expected_amount_wan", "must_mention", "notes", "tags"}
    if unknown := sorted(set(data) - known):
        raise _fail(where, f"unknown field(s) {unknown!r}; allowed: {sorted(known)!r}")
    for key in ("id", "question", "kind"):
        if not isinstance(data.get(key), str) or not data[key].strip():
            raise _fail(where, f"{key!r} must be a non-empty string, got {data.get(key)!r}")
    if data["kind"] not in KINDS:
        raise _fail(where, f"kind={data['kind']!r} must be one of {list(KINDS)!r}")
    history = data.get("history") or []
    if not isinstance(history, list) or not all(isinstance(h, str) for h in history):
        raise _fail(where, f"history must be a list of earlier questions (strings), got {history!r}")
    must = data.get("must_mention") or []
    if not isinstance(must, list) or not all(isinstance(m, str) and m for m in must):
        raise _fail(where, f"must_mention must be a list of non-empty strings, got {must!r}")
    amount = data.get("expected_amount_wan")
    if amount is not None and (isinstance(amount, bool) or not isinstance(amount, int | float) or not math.isfinite(amount)):
        raise _fail(where, f"expected_amount_wan must be a number or null, got {amount!r}")
    gold_raw = data.get("gold")
    if gold_raw is None:
        gold_raw = []
    if not isinstance(gold_raw, list):
        raise _fail(where, f"gold must be a list of {{doc, clause}}, got {gold_raw!r}")
    golds: list[Gold] = []
    for g in gold_raw:
        if not isinstance(g, dict) or not isinstance(g.get("doc"), str) or not isinstance(g.get("clause"), str):
            raise _fail(where, f'each gold must be {{"doc": str, "clause": str}}, got {g!r}')
        if _document_for(corpus, g["doc"]) is None:
            known_docs = [d.id for d in corpus.documents]
            raise _fail(where, f"gold doc {g['doc']!r} is no document id, 文号 or title; known ids: {known_docs!r}")
        ids = resolve_gold(corpus, g["doc"], g["clause"])
        if not ids:
            raise _fail(
                where,
                f"gold clause {g['clause']!r} matches no clause of {g['doc']!r}; use a printed label, a title or a FAQ heading",
            )
        golds.append(Gold(g["doc"], g["clause"], ids))
    if data["kind"] == "out_of_scope" and golds:
        raise _fail(where, "an out_of_scope question cannot have gold clauses")
    notes = data.get("notes") or ""
    if not isinstance(notes, str):
        raise _fail(where, f"notes must be a string, got {notes!r}")
    tags = data.get("tags") or []
    if not isinstance(tags, list) or not all(isinstance(t, str) and t for t in tags):
        raise _fail(where, f"tags must be a list of non-empty strings, got {tags!r}")
    return EvalQuestion(
        id=data["id"].strip(),
        question=data["question"],
        kind=data["kind"],
        history=tuple(history),
        gold=tuple(golds),
        expected_amount_wan=None if amount is None else float(amount),
        must_mention=tuple(must),
        notes=notes,
        source=where,
        tags=tuple(tags),
    )


def load_questions(path: Path | str, corpus: Corpus | None = None) -> list[EvalQuestion]:
    """Read a JSONL question set; a malformed line raises ``EvalFormatError`` naming the line."""
    path = Path(path)
    corpus = corpus if corpus is not None else load_corpus(DOCUMENTS_DIR)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as e:
        raise EvalFormatError(f"cannot read question set {str(path)!r}: {e}") from e
    out: list[EvalQuestion] = []
    seen: dict[str, str] = {}
    for lineno, raw in enumerate(lines, 1):
        if not raw.strip():
            continue
        where = f"{path}:{lineno}"
        q = _parse_line(raw, where, corpus)
        if q.id in seen:
            raise _fail(where, f"id {q.id!r} is used twice (first at {seen[q.id]})")
        seen[q.id] = where
        out.append(q)
    if not out:
        raise EvalFormatError(f"{path}: the question set is empty")
    return out


# -- scoring one answer ---------------------------------------------------------------------------

_CN_NUM_RUN = re.compile(r"[零〇一二两三四五六七八九十百]+")


def normalise_fact(text: str) -> str:
    """A form in which "7‰" equals "千分之七", "1亿元" equals "10000万元", "30万" equals "30万元"."""
    s = unicodedata.normalize("NFKC", text)
    s = re.sub(r"\s+", "", s)
    s = re.sub(r"(?<=\d),(?=\d{3})", "", s)  # 1,000 → 1000

    def per(m: re.Match[str], sign: str) -> str:
        n = _cn_to_int(m.group(1))
        return f"{n}{sign}" if n is not None else m.group(0)

    s = re.sub(r"千分之([零〇一二两三四五六七八九十百]+)", lambda m: per(m, "‰"), s)
    s = re.sub(r"百分之([零〇一二两三四五六七八九十百]+)", lambda m: per(m, "%"), s)
    s = re.sub(r"千分之(\d+(?:\.\d+)?)", r"\1‰", s)
    s = re.sub(r"百分之(\d+(?:\.\d+)?)", r"\1%", s)

    def yi(m: re.Match[str]) -> str:
        value = float(m.group(1)) * 10000
        return f"{value:g}万"

    s = re.sub(r"(\d+(?:\.\d+)?)亿", yi, s)
    return s.replace("万元", "万")


def mentions(normalised_text: str, fact: str) -> bool:
    """Whether a normalised answer text states ``fact``: "30万元" is not found in "130万元"."""
    needle = normalise_fact(fact)
    before = r"(?<![\d.])" if needle[:1].isdigit() else ""
    after = r"(?![\d])" if needle[-1:].isdigit() else ""
    return re.search(before + re.escape(needle) + after, normalised_text) is not None


def _answer_dict(answer: Any) -> dict[str, Any]:
    if isinstance(answer, Mapping):
        return dict(answer)
    return dict(answer.to_dict())


@dataclass(frozen=True, slots=True)
class QuestionScore:
    """What one answer earned; ``None`` where a metric does not apply to the question."""

    id: str
    kind: str
    rank: int | None  # rank of the first gold clause among the retrieved (None: not retrieved / no gold)
    citation_precision: float | None
    citation_recall: float | None
    amount_ok: bool | None
    amount_given: str | None
    facts: float | None
    facts_missing: tuple[str, ...]
    refused: bool
    expects_refusal: bool
    elapsed_ms: float
    error: str | None = None
    cites_right: bool | None = None  # in scope: at least one citation is a gold clause
    all_cited: bool | None = None  # several gold clauses: every one is cited
    tags: tuple[str, ...] = ()

    @property
    def failures(self) -> tuple[str, ...]:
        """Why this answer is counted as a failure (empty: it passed everything that applies)."""
        out: list[str] = []
        if self.error:
            out.append(f"error: {self.error}")
        if self.expects_refusal and not self.refused:
            out.append("answered an out-of-scope question")
        if not self.expects_refusal and self.refused:
            out.append("false refusal")
        if not self.expects_refusal and (self.rank is None or self.rank > 5):
            out.append("gold not in top 5 retrieved")
        if self.citation_recall is not None and self.citation_recall < 1:
            out.append(f"citation recall {self.citation_recall:.2f}")
        if self.citation_precision is not None and self.citation_precision < 1:
            out.append(f"citation precision {self.citation_precision:.2f}")
        if self.amount_ok is False:
            out.append(f"amount {self.amount_given or 'missing'}")
        if self.facts_missing:
            out.append("missing " + "、".join(self.facts_missing))
        return tuple(out)


def score_answer(q: EvalQuestion, answer: Any, error: str | None = None) -> QuestionScore:
    """Score one answer (an ``Answer``, or its ``to_dict()``) against its question."""
    a = _answer_dict(answer) if answer is not None else {}
    gold = q.gold_ids
    retrieved = list(a.get("retrieved") or [])
    rank = next((i for i, cid in enumerate(retrieved, 1) if cid in gold), None) if gold else None
    cited = list(dict.fromkeys(c["clause_id"] for c in a.get("citations") or []))
    precision = recall = None
    if gold:
        # A citation is correct when it is any gold clause; a gold item is cited when any of its
        # clauses is (a FAQ heading names several).
        recall = sum(1 for g in q.gold if set(g.clause_ids) & set(cited)) / len(q.gold)
        if cited:
            precision = sum(1 for c in cited if c in gold) / len(cited)
    amount_ok, given = None, None
    if q.expected_amount_wan is not None:
        # the headline calculation (the first): its amount, or — for a rule or total that sets only
        # a maximum, every fact given — the stated maximum
        head = (a.get("calculations") or [None])[0]
        value = None
        if head is not None:
            value = head.get("amount_wan") if head.get("amount_wan") is not None else (None if head.get("missing") else head.get("cap_wan"))
        given = None if value is None else str(value)
        amount_ok = given is not None and abs(float(given) - q.expected_amount_wan) < AMOUNT_TOLERANCE_WAN
    facts: float | None = None
    missing: tuple[str, ...] = ()
    if q.must_mention:
        text = normalise_fact(str(a.get("answer") or ""))
        missing = tuple(m for m in q.must_mention if not mentions(text, m))
        facts = 1 - len(missing) / len(q.must_mention)
    return QuestionScore(
        id=q.id,
        kind=q.kind,
        rank=rank,
        citation_precision=precision,
        citation_recall=recall,
        amount_ok=amount_ok,
        amount_given=given,
        facts=facts,
        facts_missing=missing,
        refused=bool(a.get("no_basis")),
        expects_refusal=q.expects_refusal,
        elapsed_ms=float(a.get("elapsed_ms") or 0.0),
        error=error,
        cites_right=bool(set(cited) & gold) if gold else None,
        all_cited=(recall == 1) if len(q.gold) >= 2 and recall is not None else None,
        tags=q.tags,
    )


# -- aggregating ------------------------------------------------------------------------------------

METRICS: tuple[tuple[str, str], ...] = (
    ("n", "questions"),
    ("hit@1", "retrieval hit@1"),
    ("hit@3", "retrieval hit@3"),
    ("hit@5", "retrieval hit@5"),
    ("mrr", "retrieval MRR"),
    ("citation_precision", "citation precision"),
    ("citation_recall", "citation recall"),
    ("cites_right", "a right clause cited"),
    ("all_cited", "every needed clause cited (several gold)"),
    ("amount_exact", "amount exact match"),
    ("facts", "facts mentioned"),
    ("refusal_rate", "out-of-scope refused"),
    ("false_refusal_rate", "false refusals"),
    ("false_answers", "out-of-scope answered (count)"),
    ("errors", "errors (count)"),
    ("latency_p50_ms", "latency p50 (ms)"),
    ("latency_p95_ms", "latency p95 (ms)"),
)
# Metrics where larger is better, drawn in the charts (the rest are counts or costs).
CHART_METRICS = ("hit@5", "mrr", "citation_precision", "citation_recall", "amount_exact", "facts", "refusal_rate")


def _mean(values: Iterable[float]) -> float | None:
    vs = list(values)
    return sum(vs) / len(vs) if vs else None


def percentile(values: Sequence[float], p: float) -> float | None:
    """Linear-interpolated percentile (p in 0..100), as numpy's default; None for no values."""
    if not values:
        return None
    s = sorted(values)
    pos = (len(s) - 1) * p / 100
    lo, hi = math.floor(pos), math.ceil(pos)
    return s[lo] + (s[hi] - s[lo]) * (pos - lo)


def aggregate(scores: Sequence[QuestionScore]) -> dict[str, float | int | None]:
    """The metrics over a group of scored answers; ``None`` when no question of the group applies."""
    in_scope = [s for s in scores if not s.expects_refusal]
    out_scope = [s for s in scores if s.expects_refusal]
    out: dict[str, float | int | None] = {"n": len(scores)}
    for k in HIT_KS:
        out[f"hit@{k}"] = _mean(1.0 if s.rank is not None and s.rank <= k else 0.0 for s in in_scope)
    out["mrr"] = _mean(1.0 / s.rank if s.rank else 0.0 for s in in_scope)
    out["citation_precision"] = _mean(s.citation_precision for s in in_scope if s.citation_precision is not None)
    out["citation_recall"] = _mean(s.citation_recall for s in in_scope if s.citation_recall is not None)
    out["cites_right"] = _mean(1.0 if s.cites_right else 0.0 for s in in_scope if s.cites_right is not None)
    out["all_cited"] = _mean(1.0 if s.all_cited else 0.0 for s in in_scope if s.all_cited is not None)
    out["amount_exact"] = _mean(1.0 if s.amount_ok else 0.0 for s in scores if s.amount_ok is not None)
    out["facts"] = _mean(s.facts for s in scores if s.facts is not None)
    out["refusal_rate"] = _mean(1.0 if s.refused else 0.0 for s in out_scope)
    out["false_refusal_rate"] = _mean(1.0 if s.refused else 0.0 for s in in_scope)
    out["false_answers"] = sum(1 for s in out_scope if not s.refused)
    out["errors"] = sum(1 for s in scores if s.error)
    latencies = [s.elapsed_ms for s in scores if not s.error]
    out["latency_p50_ms"] = percentile(latencies, 50)
    out["latency_p95_ms"] = percentile(latencies, 95)
    return out


@dataclass(frozen=True, slots=True)
class Record:
    """A question, the answer given (its dict) and its score."""

    question: EvalQuestion
    answer: dict[str, Any]
    score: QuestionScore


@dataclass(frozen=True, slots=True)
class EvalResult:
    name: str
    records: tuple[Record, ...]
    metrics: dict[str, dict[str, float | int | None]] = field(default_factory=dict)  # "overall" and each kind

    @classmethod
    def of(cls, name: str, records: Sequence[Record]) -> EvalResult:
        scores = [r.score for r in records]
        metrics = {"overall": aggregate(scores)}
        for kind in KINDS:
            group = [s for s in scores if s.kind == kind]
            if group:
                metrics[kind] = aggregate(group)
        for tag in sorted({t for s in scores for t in s.tags}):
            metrics[f"tag:{tag}"] = aggregate([s for s in scores if tag in s.tags])
        return cls(name, tuple(records), metrics)

    @property
    def failures(self) -> list[Record]:
        return [r for r in self.records if r.score.failures]

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "metrics": self.metrics,
            "questions": [
                {
                    "id": r.question.id,
                    "kind": r.question.kind,
                    "question": r.question.question,
                    "history": list(r.question.history),
                    "gold": [{"doc": g.doc, "clause": g.clause, "clause_ids": list(g.clause_ids)} for g in r.question.gold],
                    "expected_amount_wan": r.question.expected_amount_wan,
                    "must_mention": list(r.question.must_mention),
                    "score": asdict(r.score),
                    "failures": list(r.score.failures),
                    "answer": r.answer,
                }
                for r in self.records
            ],
        }


def evaluate_pairs(name: str, pairs: Iterable[tuple[EvalQuestion, Any]]) -> EvalResult:
    """Score ready-made (question, answer) pairs: the metrics without running anything."""
    records = [Record(q, _answer_dict(a), score_answer(q, a)) for q, a in pairs]
    return EvalResult.of(name, records)


def run_eval(
    assistant: AssistantLike,
    questions: Sequence[EvalQuestion],
    progress: Callable[[int, int], None] | None = None,
    name: str = "product",
) -> EvalResult:
    """Ask every question; an exception from the assistant is recorded as that question's error."""
    records: list[Record] = []
    for i, q in enumerate(questions, 1):
        error: str | None = None
        start = time.perf_counter()
        try:
            a = _answer_dict(assistant.answer(q.question, q.history))
        except Exception as e:  # a crash on one question is a finding, not the end of the run
            error = f"{type(e).__name__}: {e}"
            a = {"answer": "", "no_basis": False, "citations": [], "calculations": [], "retrieved": []}
        if not a.get("elapsed_ms"):
            a["elapsed_ms"] = (time.perf_counter() - start) * 1000
        records.append(Record(q, a, score_answer(q, a, error)))
        if progress:
            progress(i, len(questions))
    return EvalResult.of(name, records)


# -- reporting ------------------------------------------------------------------------------------


def _fmt(key: str, value: float | int | None) -> str:
    if value is None:
        return "–"
    if key in ("n", "false_answers", "errors"):
        return str(int(value))
    if key.startswith("latency"):
        return f"{value:.0f}"
    return f"{value:.3f}"


def summary_table(result: EvalResult, baseline: EvalResult | None = None) -> str:
    """A Markdown table: overall metrics, product beside baseline, then hit@5/amount/facts by kind."""
    lines = ["| metric | product | baseline |", "|---|---:|---:|"] if baseline else ["| metric | product |", "|---|---:|"]
    for key, label in METRICS:
        row = f"| {label} | {_fmt(key, result.metrics['overall'][key])} |"
        if baseline:
            row += f" {_fmt(key, baseline.metrics['overall'][key])} |"
        lines.append(row)
    lines += ["", _by_kind_table(result, baseline)]
    return "\n".join(lines)


_KIND_COLUMNS = (
    "n",
    "hit@5",
    "mrr",
    "citation_precision",
    "citation_recall",
    "cites_right",
    "all_cited",
    "amount_exact",
    "facts",
    "refusal_rate",
    "false_refusal_rate",
)


def _by_kind_table(result: EvalResult, baseline: EvalResult | None) -> str:
    head = "| kind | " + " | ".join(_KIND_COLUMNS) + " |"
    lines = [head, "|---|" + "---:|" * len(_KIND_COLUMNS)]
    for kind, m in result.metrics.items():
        cells = []
        for key in _KIND_COLUMNS:
            cell = _fmt(key, m[key])
            if baseline and key != "n" and kind in baseline.metrics:
                cell += f" / {_fmt(key, baseline.metrics[kind][key])}"
            cells.append(cell)
        lines.append(f"| {kind} | " + " | ".join(cells) + " |")
    if baseline:
        lines.append("")
        lines.append("Cells read product / baseline.")
    return "\n".join(lines)


def _console_table(result: EvalResult, baseline: EvalResult | None) -> str:
    rows = [("metric", "product", "baseline" if baseline else "")]
    for key, label in METRICS:
        rows.append(
            (
                label,
                _fmt(key, result.metrics["overall"][key]),
                _fmt(key, baseline.metrics["overall"][key]) if baseline else "",
            )
        )
    width = max(len(r[0]) for r in rows)
    return "\n".join(f"{a:<{width}}  {b:>9}  {c:>9}".rstrip() for a, b, c in rows)


_CSS = """
body{font-family:-apple-system,"Segoe UI","PingFang SC","Microsoft YaHei",sans-serif;
 margin:2em;color:#222;max-width:1200px}
h1{font-size:1.5em}h2{font-size:1.2em;margin-top:2em;border-bottom:1px solid #ddd}
table{border-collapse:collapse;font-size:.9em;margin:.5em 0}
th,td{border:1px solid #ddd;padding:4px 8px;vertical-align:top;text-align:left}
td.num{text-align:right;font-variant-numeric:tabular-nums}
th{background:#f4f4f4}
.charts{display:flex;flex-wrap:wrap;gap:1.5em}
.legend span{display:inline-block;width:12px;height:12px;margin:0 4px 0 12px;vertical-align:middle}
.fail td{font-size:.85em}.why{color:#a40000}
pre{white-space:pre-wrap;margin:0;font-family:inherit}
"""
_PRODUCT_COLOUR, _BASELINE_COLOUR = "#2b6cb0", "#d69e2e"


def _svg_chart(metric: str, label: str, result: EvalResult, baseline: EvalResult | None) -> str:
    """Horizontal bars for one metric, one group per kind (product over baseline), values 0..1."""
    kinds = [k for k in result.metrics if result.metrics[k].get(metric) is not None]
    bar_h, gap, left, width = 12, 10, 110, 220
    per_group = bar_h * (2 if baseline else 1) + gap
    height = 30 + per_group * len(kinds)
    parts = [
        f'<svg width="{left + width + 60}" height="{height}" role="img" aria-label="{html.escape(label)}">',
        f'<text x="0" y="16" font-size="13" font-weight="bold">{html.escape(label)}</text>',
    ]
    y = 28
    for kind in kinds:
        parts.append(f'<text x="{left - 6}" y="{y + bar_h}" font-size="11" text-anchor="end">{html.escape(kind)}</text>')
        series = [(result, _PRODUCT_COLOUR)] + ([(baseline, _BASELINE_COLOUR)] if baseline else [])
        for res, colour in series:
            value = res.metrics.get(kind, {}).get(metric)
            w = 0 if value is None else max(0.0, min(1.0, float(value))) * width
            parts.append(f'<rect x="{left}" y="{y}" width="{w:.1f}" height="{bar_h}" fill="{colour}"/>')
            parts.append(f'<text x="{left + w + 4:.1f}" y="{y + bar_h - 2}" font-size="10">{_fmt(metric, value)}</text>')
            y += bar_h
        y += gap
    parts.append(f'<line x1="{left}" y1="24" x2="{left}" y2="{height}" stroke="#888"/>')
    parts.append("</svg>")
    return "".join(parts)


def _html_metrics_table(result: EvalResult, baseline: EvalResult | None) -> str:
    e = html.escape
    head = "<tr><th>metric</th><th>product</th>" + ("<th>baseline</th>" if baseline else "") + "</tr>"
    rows = []
    for key, label in METRICS:
        cells = f'<td>{e(label)}</td><td class="num">{_fmt(key, result.metrics["overall"][key])}</td>'
        if baseline:
            cells += f'<td class="num">{_fmt(key, baseline.metrics["overall"][key])}</td>'
        rows.append(f"<tr>{cells}</tr>")
    return f"<table>{head}{''.join(rows)}</table>"


def _html_kind_table(res: EvalResult) -> str:
    e = html.escape
    head = "<tr><th>kind</th>" + "".join(f"<th>{e(k)}</th>" for k in _KIND_COLUMNS) + "</tr>"
    rows = [
        f"<tr><td>{e(kind)}</td>" + "".join(f'<td class="num">{_fmt(k, m[k])}</td>' for k in _KIND_COLUMNS) + "</tr>"
        for kind, m in res.metrics.items()
    ]
    return f"<table>{head}{''.join(rows)}</table>"


def _html_failures(res: EvalResult) -> str:
    e = html.escape
    rows = []
    for r in res.failures:
        q, a, s = r.question, r.answer, r.score
        gold = "<br>".join(e(f"{g.doc} {g.clause} → {', '.join(g.clause_ids)}") for g in q.gold) or "（应拒答：无依据）"
        expected = [gold]
        if q.expected_amount_wan is not None:
            expected.append(e(f"金额 {q.expected_amount_wan:g} 万元"))
        if q.must_mention:
            expected.append(e("须提及：" + "、".join(q.must_mention)))
        cites = "<br>".join(e(f"[{c.get('n', '')}] {c.get('clause_id', '')} {c.get('reference', '')}") for c in a.get("citations") or [])
        amounts = ", ".join(str(c.get("amount_wan")) for c in a.get("calculations") or [] if c.get("amount_wan") is not None)
        given = f"<pre>{e(str(a.get('answer') or ''))}</pre>"
        if amounts:
            given += f"<div>计算结果：{e(amounts)} 万元</div>"
        history = "".join(f"<div>（前问）{e(h)}</div>" for h in q.history)
        rows.append(
            f"<tr><td>{e(q.id)}<br>{e(q.kind)}</td><td>{history}{e(q.question)}</td><td>{'<br>'.join(expected)}</td>"
            f"<td>{given}</td><td>{cites or '–'}<br>retrieved: {e(', '.join((a.get('retrieved') or [])[:5]))}</td>"
            f'<td class="why">{"<br>".join(e(w) for w in s.failures)}</td></tr>'
        )
    head = "<tr><th>id</th><th>question</th><th>expected</th><th>answer given</th><th>citations</th><th>why</th></tr>"
    return f'<p>{len(rows)} of {len(res.records)} questions.</p><table class="fail">{head}{"".join(rows)}</table>'


def render_html(result: EvalResult, baseline: EvalResult | None = None) -> str:
    """A standalone page: inline CSS and SVG only, every text escaped."""
    labels = dict(METRICS)
    charts = "".join(_svg_chart(m, labels[m], result, baseline) for m in CHART_METRICS)
    legend = f'<p class="legend"><span style="background:{_PRODUCT_COLOUR}"></span>product'
    if baseline:
        legend += f'<span style="background:{_BASELINE_COLOUR}"></span>baseline (naive RAG)'
    legend += "</p>"
    body = [
        "<h1>policyqa evaluation</h1>",
        f"<p>{len(result.records)} questions. Generated {html.escape(time.strftime('%Y-%m-%d %H:%M'))}.</p>",
        "<h2>Summary</h2>",
        _html_metrics_table(result, baseline),
        "<h2>Metrics by kind</h2>",
        legend,
        f'<div class="charts">{charts}</div>',
        "<h3>product</h3>",
        _html_kind_table(result),
    ]
    if baseline:
        body += ["<h3>baseline</h3>", _html_kind_table(baseline)]
    body += ["<h2>Failures: product</h2>", _html_failures(result)]
    if baseline:
        body += ["<h2>Failures: baseline</h2>", _html_failures(baseline)]
    return (
        '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>policyqa evaluation</title>'
        f"<style>{_CSS}</style></head><body>{''.join(body)}</body></html>\n"
    )


def write_report(result: EvalResult, baseline: EvalResult | None, report_dir: Path) -> list[Path]:
    """Write report.json, report.md and report.html into ``report_dir``; return their paths."""
    report_dir.mkdir(parents=True, exist_ok=True)
    data = {"product": result.to_dict(), "baseline": baseline.to_dict() if baseline else None}
    paths = [report_dir / "report.json", report_dir / "report.md", report_dir / "report.html"]
    paths[0].write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    md = ["# policyqa evaluation", "", f"{len(result.records)} questions.", "", summary_table(result, baseline), ""]
    md += ["## Failures (product)", ""]
    for r in result.failures:
        md.append(f"- **{r.question.id}** ({r.question.kind}) {r.question.question} — {'; '.join(r.score.failures)}")
    paths[1].write_text("\n".join(md) + "\n", encoding="utf-8")
    paths[2].write_text(render_html(result, baseline), encoding="utf-8")
    return paths


# -- the command ----------------------------------------------------------------------------------


def eval_command(settings: Settings, files: list[Path], report_dir: Path, baseline: bool) -> int:
    """``policyqa eval``: run the question sets through the assistant (and the baseline), report."""
    from tqdm import tqdm

    from assistant.chain import Assistant

    if not files:
        raise EvalFormatError("no question set given; pass a JSONL file such as eval/faq.jsonl")
    corpus = load_corpus(settings.documents_dir)
    questions = [q for f in files for q in load_questions(f, corpus)]
    bot = Assistant.from_settings(settings)

    def run(target: AssistantLike, name: str) -> EvalResult:
        with tqdm(total=len(questions), desc=name, unit="q", file=sys.stderr) as bar:

            def progress(done: int, total: int) -> None:
                bar.update(done - bar.n)

            return run_eval(target, questions, progress, name=name)

    result = run(bot, "product")
    base: EvalResult | None = None
    if baseline:
        from assistant.baseline import NaiveRAG

        base = run(NaiveRAG(corpus, bot.index.embeddings, today=settings.today_date()), "baseline")
    paths = write_report(result, base, report_dir)
    print(_console_table(result, base))
    print()
    print(_by_kind_table(result, base))
    print(f"{len(result.failures)} of {len(questions)} product answers have a failure; report: {paths[2]}")
    return 0
