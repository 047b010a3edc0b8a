"""The chain's calculate step: the rules of the chosen clauses, computed from the question's facts.

A thin adapter between the answer chain (which knows the evidence clauses) and the calculator
(which knows the rules): each calculation cites its clause with the rule's own source span as the
quote, numbered as the composer numbers that clause.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Sequence

from assistant.calculator import RuleBook, calculate_question, load_rules
from assistant.compose import make_citation
from assistant.records import Calculation
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
        # a follow-up's own words weigh over the conversation's ("要是被认定为重大研发机构呢？")
        calcs = calculate_question(u.query, [c.id for c in clauses], rules=self.rules, focus=u.question if u.followup else "")
        return [self._cited(calc, today) for calc in calcs]

    def _cited(self, calc: Calculation, today: dt.date) -> Calculation:
        """The calculation with a citation of its rule's clause, quoting the rule's source span."""
        clause = self.clause_of(calc.clause_id)
        if clause is None:
            return calc
        quote = calc.source_span if calc.source_span and calc.source_span in clause.text else clause.text
        return dataclasses.replace(calc, citation=make_citation(0, clause, quote, today))


def calculator_for_chain(
    clause_of: Callable[[str], Clause | None], today: Callable[[], dt.date], rules: RuleBook | None = None
) -> ChainCalculator:
    """The calculator the chain uses by default: every rule of the documents directory (``Settings.rules_dir``)."""
    return ChainCalculator(rules if rules is not None else load_rules(), clause_of, today)
