"""The question sets' amount questions through ``calculate_question``, as the chain calls it.

Each question gets its gold clauses among distractors (other rule clauses of the same document
and of other documents), in three orders, since retrieval may rank any of them first; a
follow-up reaches the calculator as "<previous question> <this question>". The headline — the
first calculation — must give the expected figure: its amount, or, when it states only a
maximum with nothing missing, that maximum.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from assistant.calculator import calculate_question, load_rules
from assistant.evaluation import EvalQuestion, load_questions
from corpus.documents import load_corpus
from corpus.settings import DOCUMENTS_DIR

RULES = load_rules()
CORPUS = load_corpus(DOCUMENTS_DIR)
EVAL = Path(__file__).resolve().parents[2] / "eval"
QUESTIONS = [
    q for name in ("faq.jsonl", "retrieval.jsonl") for q in load_questions(EVAL / name, CORPUS) if q.expected_amount_wan is not None
]
RULE_CLAUSES = list(dict.fromkeys(r.clause_id for r in RULES))


def _orders(q: EvalQuestion) -> list[list[str]]:
    gold = sorted(q.gold_ids)
    doc = gold[0].split("/")[0]
    same = [c for c in RULE_CLAUSES if c.startswith(doc + "/") and c not in gold][:2]
    others = [c for c in RULE_CLAUSES if not c.startswith(doc + "/")]
    other = others[:: max(1, len(others) // 2)][:2]
    return [gold + same + other, same + gold + other, other + gold]


def test_the_sets_have_amount_questions() -> None:
    assert len(QUESTIONS) >= 60


@pytest.mark.parametrize("q", QUESTIONS, ids=lambda q: q.id)
def test_the_headline_gives_the_expected_amount(q: EvalQuestion) -> None:
    question = " ".join([*q.history, q.question])
    expected = Decimal(str(q.expected_amount_wan))
    for ids in _orders(q):
        calcs = calculate_question(question, ids, rules=RULES)
        assert calcs, f"{q.id}: no calculation over {ids}"
        head = calcs[0]
        given = head.amount_wan if head.amount_wan is not None else (None if head.missing else head.cap_wan)
        assert given is not None and abs(given - expected) < Decimal("0.005"), (
            f"{q.id} over {ids}: expected {expected}, headline {head.rule_id} gave {given} ({head.formula})"
        )
