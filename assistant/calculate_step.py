"""The chain's calculate step: the rules of the chosen clauses, computed from the question's facts.

A thin adapter between the answer chain (which knows the evidence clauses) and the calculator
(which knows the rules): each calculation cites its clause with the rule's own source span as the
quote, numbered as the composer numbers that clause.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

from assistant.calculator import RuleBook, calculate_question, load_rules
from assistant.compose import make_citation
from assistant.records import Calculation, Citation
from assistant.understand import Understanding
from corpus.records import Clause

__all__ = ["ChainCalculator", "calculator_for_chain"]


class ChainCalculator:
    """Calculations for an amount or cap question over the evidence clauses, best first.

    Each calculation cites the clause its rule was read from (quoting the rule's source span),
    even when retrieval found the rule through a FAQ answer that restates it; the composer
    numbers that citation among the answer's own.
    """

    def __init__(self, rules: RuleBook, clause_of: Callable[[str], Clause | None], today: Callable[[], dt.date]) -> None:
        self.rules = rules
        self.clause_of = clause_of
        self.today = today

    def __call__(self, question: str, clauses: Sequence[Clause], u: Understanding) -> list[Calculation]:
        today = self.today()
        ids = [c.id for c in clauses]
        citations: dict[str, Citation] = {}
        for rule in self.rules.select(question, ids):
            clause = self.clause_of(rule.clause_id)
            if clause is None or rule.clause_id in citations:
                continue
            quote = rule.source_span if rule.source_span in clause.text else clause.text
            citations[rule.clause_id] = make_citation(0, clause, quote, today)
        return calculate_question(u.query, ids, rules=self.rules, citations=citations)


def calculator_for_chain(
    clause_of: Callable[[str], Clause | None], today: Callable[[], dt.date], rules: RuleBook | None = None
) -> ChainCalculator:
    """The calculator the chain uses by default: every rule under corpus/rules."""
    return ChainCalculator(rules if rules is not None else load_rules(), clause_of, today)
