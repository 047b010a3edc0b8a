"""Drafted rules beside reviewed ones: which reviewed rules the drafter reproduces, and every difference.

A reviewed rule is matched to the drafted rule of the same clause whose source span overlaps it
(by position in the clause text) and agrees with it, else the one overlapping it most; the two
agree when their kind, rate (ratio, share, rate, cost cap, step), money figures (cap, amount,
tiers, loan cap, target), cap scope and thresholds (operator and value of each condition) are
equal. Cap scopes are compared without a trailing award word ("每家企业每年补贴" = "每家企业每年").
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from assistant.calculator.money import Amount
from assistant.calculator.rules import Rule

__all__ = ["Agreement", "Difference", "compare_rules", "signature"]

_RATES = ("ratio", "share", "rate", "cost_cap", "rate_cap", "step", "per_step")
_MONEY = ("cap", "amount", "loan_cap", "target")


@dataclass(frozen=True, slots=True)
class Difference:
    """One reviewed rule the drafter did not reproduce, and how the two differ."""

    reviewed_id: str
    drafted_id: str | None  # None when no drafted rule of the clause overlaps it
    fields: tuple[tuple[str, str, str], ...]  # (field, reviewed value, drafted value)

    def describe(self) -> str:
        if self.drafted_id is None:
            return f"{self.reviewed_id}: not drafted (no drafted rule overlaps its source span)"
        parts = "; ".join(f"{f}: reviewed {a} / drafted {b}" for f, a, b in self.fields)
        return f"{self.reviewed_id} ~ {self.drafted_id}: {parts}"


@dataclass(frozen=True, slots=True)
class Agreement:
    """How many reviewed rules the drafted ones reproduce, with every difference."""

    total: int
    reproduced: tuple[str, ...]
    differences: tuple[Difference, ...]
    extra: tuple[str, ...]  # drafted rules no reviewed rule was matched to

    @property
    def rate(self) -> float:
        return len(self.reproduced) / self.total if self.total else 0.0

    def report(self) -> str:
        lines = [f"reviewed rules reproduced by the drafter: {len(self.reproduced)}/{self.total} = {self.rate:.1%}"]
        lines += [f"  DIFF {d.describe()}" for d in self.differences]
        lines += [f"  EXTRA drafted rule with no reviewed counterpart: {x}" for x in self.extra]
        return "\n".join(lines)


def _text(value: Any) -> str:
    if isinstance(value, Amount):
        return str(value)
    return str(value)


def signature(rule: Rule) -> dict[str, str]:
    """The compared reading of a rule: kind, rates, money figures, cap scope, thresholds."""
    data = {name: getattr(rule, name) for name in type(rule).model_fields}
    rates = [f"{n}={_text(data[n])}" for n in _RATES if data.get(n) is not None]
    money = [f"{n}={_text(data[n])}" for n in _MONEY if data.get(n) is not None]
    money += [f"{t.name}={t.amount}" for t in rule.tiers()]
    conds = [f"{c.op} {c.value if c.value is not None else c.than}" for c in rule.conditions]
    item = data.get("item")
    if isinstance(item, BaseModel):
        i = item.model_dump(mode="json", exclude_defaults=True)
        for key in ("amount", "ratio"):
            if i.get(key):
                (money if key == "amount" else rates).append(f"item.{key}={_text(getattr(item, key))}")
        if i.get("max_items"):
            money.append(f"item.max_items={i['max_items']}")
        conds += [f"item {c.op} {c.value}" for c in getattr(item, "conditions", ())]
    return {
        "kind": rule.kind,
        "rates": ", ".join(sorted(rates)),
        "money": ", ".join(sorted(money)),
        "cap_scope": re.sub(r"(?:补助|补贴|奖励|资助|奖补|奖励金额|补贴金额|金额)+$", "", rule.cap_scope),
        "thresholds": ", ".join(sorted(conds)),
    }


def _overlap(text: str, a: str, b: str) -> int:
    """Characters shared by two spans at their places in the clause text (0 when either is absent)."""
    sa, sb = text.find(a), text.find(b)
    if sa < 0 or sb < 0:
        return 0
    return max(0, min(sa + len(a), sb + len(b)) - max(sa, sb))


def compare_rules(reviewed: Sequence[Rule], drafted: Sequence[Rule], clause_text: Callable[[str], str]) -> Agreement:
    """Match each reviewed rule to an overlapping drafted rule of its clause (one that agrees, else the
    one overlapping most); compare."""
    reproduced: list[str] = []
    differences: list[Difference] = []
    used: set[str] = set()
    for rule in reviewed:
        text = clause_text(rule.clause_id)
        candidates = [(d, _overlap(text, rule.source_span, d.source_span)) for d in drafted if d.clause_id == rule.clause_id]
        candidates = [(d, n) for d, n in candidates if n > 0]
        if not candidates:
            differences.append(Difference(rule.id, None, ()))
            continue
        ours = signature(rule)
        # a reviewed rule whose span covers two drafted readings ("一次性200万元；考核评估优良的分别给予
        # 不超过100万元、50万元") is matched to the one that states it, the other left as an extra
        best = max(candidates, key=lambda e: (signature(e[0]) == ours, e[1], e[0].kind == rule.kind))[0]
        used.add(best.id)
        theirs = signature(best)
        fields = tuple((k, ours[k] or "—", theirs[k] or "—") for k in ours if ours[k] != theirs[k])
        if fields:
            differences.append(Difference(rule.id, best.id, fields))
        else:
            reproduced.append(rule.id)
    extra = tuple(d.id for d in drafted if d.id not in used)
    return Agreement(len(reviewed), tuple(reproduced), tuple(differences), extra)
