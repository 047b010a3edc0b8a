"""Combined caps: several measures capped together ("以上奖励补助合计每年每家孵化器最高500万元").

A ``combined_cap`` rule is data: the rules it joins (``members``) and its ``cap``. It is no measure
of its own. In a match it limits each member's line (no line gives more than the cap) and the
total (the members a company claims together count at most the cap, computed by the calculator
with the combined rule itself). Nothing here names a measure.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from assistant.calculator import RuleBook, calculate
from assistant.calculator.kinds import CombinedCapRule
from assistant.calculator.money import _q, _w
from assistant.match.records import INELIGIBLE, MatchLine
from assistant.records import CalcStep, Calculation

__all__ = ["Bundle", "bundles", "capped", "bundle_total", "definite_amount"]


@dataclass(frozen=True, slots=True)
class Bundle:
    """A combined cap and those of its members that the match lists (not 不符合)."""

    rule: CombinedCapRule
    members: tuple[str, ...]

    @property
    def key(self) -> str:
        return f"cap:{self.rule.id}"


def bundles(lines: Sequence[MatchLine], book: RuleBook) -> list[Bundle]:
    """The combined caps of the book with at least one member listed."""
    listed = {line.rule_id for line in lines if line.rule_id and line.group != INELIGIBLE}
    out = []
    for rule in book:
        if isinstance(rule, CombinedCapRule):
            members = tuple(m for m in rule.members if m in listed)
            if members:
                out.append(Bundle(rule, members))
    return out


def _limited(calc: Calculation, rule: CombinedCapRule) -> Calculation:
    cap = rule.cap.wan
    if calc.amount_wan is None:
        return calc
    text = f"{_w(calc.amount_wan)}万元超过{rule.describe()}，按{_w(cap)}万元"
    return dataclasses.replace(
        calc, amount_wan=_q(cap), formula=f"{calc.formula}；{text}", steps=(*calc.steps, CalcStep(text, _q(cap))), cap_wan=_q(cap)
    )


def capped(lines: Sequence[MatchLine], found: Sequence[Bundle]) -> list[MatchLine]:
    """Each member line within its combined cap, with the cap's words among its notes."""
    of = {rid: b for b in found for rid in b.members}
    titles = {line.rule_id: line.title for line in lines if line.rule_id}
    out = []
    for line in lines:
        b = of.get(line.rule_id or "")
        if b is None or line.group == INELIGIBLE:
            out.append(line)
            continue
        cap = b.rule.cap.wan
        others = "、".join(titles[m] for m in b.members if m != line.rule_id)
        note = f"{b.rule.describe()}" + (f"（与{others}合计计算）" if others else "")
        line = dataclasses.replace(line, reasons=(*line.reasons, note))
        if line.amount_wan is not None and line.amount_wan > cap and line.calculation is not None:
            calc = _limited(line.calculation, b.rule)
            line = dataclasses.replace(line, amount_wan=calc.amount_wan, formula=calc.formula, calculation=calc)
        if line.cap_wan is not None and line.cap_wan > cap:
            line = dataclasses.replace(line, cap_wan=_q(cap))
        if line.if_met is not None and line.if_met.amount_wan is not None and line.if_met.amount_wan > cap:
            line = dataclasses.replace(line, if_met=_limited(line.if_met, b.rule))
        out.append(line)
    return out


def definite_amount(line: MatchLine) -> Decimal | None:
    """The amount the company gets for sure: none when it is computed at the clause's highest
    rate (按实际投入最高30%: the authority sets the rate, up to that)."""
    return None if line.upper_bound else line.amount_wan


def bundle_total(b: Bundle, members: Sequence[MatchLine]) -> tuple[Decimal | None, Decimal | None, list[CalcStep]]:
    """What the claimable members give together: the definite sum under the cap (by the
    calculator, on the combined rule), the most with their caps, and the steps that say so."""
    definite = [a for a in map(definite_amount, members) if a is not None]
    bounds = [x.amount_wan if x.amount_wan is not None else x.cap_wan for x in members]
    known = [x for x in bounds if x is not None]
    steps: list[CalcStep] = []
    amount = None
    titles = "、".join(x.title for x in members)
    if definite:
        calc = calculate(b.rule, {"amounts_wan": tuple(definite)})
        amount = calc.amount_wan
        steps.append(CalcStep(f"{b.rule.title}（{titles}）：{calc.formula}", amount))
    most = None
    if known:
        whole = sum(known, Decimal(0))
        most = min(whole, b.rule.cap.wan)
        if whole > most:
            text = f"{'+'.join(_w(x) for x in known)}={_w(whole)}万元（含上限），超过{b.rule.describe()}，最多按{_w(most)}万元"
            steps.append(CalcStep(f"{b.rule.title}（{titles}）：{text}", _q(most)))
    return amount, (_q(most) if most is not None else None), steps
