"""Several items under one rule: two loans, two policies, two projects, two years, each with its
own figures ("一笔600万利率3.0%，一笔1000万利率4.2%").

Each item is computed on its own, with the facts the question states for all items (the LPR,
the term) beside its own. The rule's cap is the text's: per item when its scope names the item
(单笔, 每个项目, 每张保单, 每年), otherwise for the company, over the items' sum. Every item is a
line of the calculation, and the sum is its amount.
"""

from __future__ import annotations

import dataclasses
import itertools
import re
from collections.abc import Sequence
from decimal import Decimal

from assistant.calculator.compute import calculate
from assistant.calculator.facts import Mention, extract_params, find_mentions
from assistant.calculator.inputs import INPUTS
from assistant.calculator.money import Amount, _w
from assistant.calculator.rules import Rule
from assistant.records import CalcStep, Calculation, Citation
from corpus.errors import RuleError

__all__ = ["calculate_items", "item_spans"]

# The question counts several of a thing (两笔, 三张, 2个项目), lists them (分别, 第一…第二, 一笔…另一笔),
# or tells them apart by year (第一年…第二年).
_SEVERAL = re.compile(
    r"(两|二|三|四|五|[2-9])\s*(笔|张|个|项|台|套|份|年|期|位|名|家|批)|分别|各(是|为)|第一[笔张个项台年].{0,30}第二|一笔.{0,30}(另一笔|一笔)|一个.{0,30}(另一个|一个)"
)
# Words that make a second figure part of the first (其中30万是财政资金): a deduction, not an item.
_PART_OF = re.compile(r"其中|里面|含|包括|财政|自有")
# A cap scope that names the item, not the company: the cap applies to each item.
_PER_ITEM_SCOPE = re.compile(r"单笔|每笔|每个|每项|单个|单项|每张|单张|每台|单台|每份|每人|每年|每期")


def _primary(rule: Rule) -> str | None:
    """The money input an item varies in: the rule's first core money input."""
    for name in rule.core_inputs():
        if INPUTS[name].type == "money":
            return name
    return None


def item_spans(question: str, rule: Rule) -> list[tuple[int, int]] | None:
    """Where each item's own words stand, or None when the question does not list several items
    of this rule's kind (one figure, a deduction, this year against last year)."""
    name = _primary(rule)
    if "items" in rule.wanted_inputs():
        return None  # a per-item rule reads its items itself (台套, 家)
    if name is None or name in ("current_wan", "last_wan") or not _SEVERAL.search(question):
        return None
    money = [m for m in find_mentions(question) if m.kind == "money" and not m.rule_like]
    if len(money) < 2:
        return None
    for a, b in itertools.pairwise(money):
        if _PART_OF.search(question[a.end : b.end]):
            return None  # 2000万，其中500万是财政资金: one item with a part of it
    starts = [_item_start(question, m, money[i - 1] if i else None) for i, m in enumerate(money)]
    ends = [*starts[1:], _item_end(question, money[-1])]
    return list(zip(starts, ends, strict=True))


def _item_start(question: str, m: Mention, prev: Mention | None) -> int:
    lo = prev.end if prev is not None else 0
    cut = max((question.rfind(p, lo, m.start) for p in "，,；;：:、。"), default=-1)
    return cut + 1 if cut >= 0 else (lo if prev is not None else m.start)


def _item_end(question: str, last: Mention) -> int:
    ends = [i for i in (question.find(p, last.end) for p in "；;。？?") if i >= 0]
    commas = [i for i in (question.find(p, last.end) for p in "，,") if i >= 0]
    # an item's own figures may follow its amount after a comma (一笔600万，利率3.0%)
    cut = min(ends, default=len(question))
    if commas and min(commas) < cut:
        nxt = question[min(commas) + 1 : cut]
        if not any(m.kind == "money" for m in find_mentions(nxt)):
            return cut
    return min([*ends, *commas], default=len(question))


def calculate_items(question: str, rule: Rule, *, foreign: Sequence[str] = (), citation: Citation | None = None) -> Calculation | None:
    """The rule computed for each item the question lists and added up; None when it lists no
    several items of this rule, or when an item lacks a fact the rule needs."""
    spans = item_spans(question, rule)
    if spans is None:
        return None
    first, last = spans[0][0], spans[-1][1]
    # what the question says of all items stands around each item's own words, as it was asked
    before, after = question[:first], question[last:]
    cap = getattr(rule, "cap", None)
    per_item = bool(_PER_ITEM_SCOPE.search(rule.cap_scope)) or not isinstance(cap, Amount)
    uncapped = rule if per_item else rule.model_copy(update={"cap": None})
    calcs: list[Calculation] = []
    for a, b in spans:
        values, _ = extract_params(f"{before}{question[a:b]}{after}", rule, foreign=foreign)
        try:
            calc = calculate(uncapped, values, citation=citation)
        except RuleError:  # the item's facts do not fit the rule: not a list of this rule's items
            return None
        if calc.missing or calc.amount_wan is None:
            return None
        calcs.append(calc)
    amounts = [c.amount_wan or Decimal(0) for c in calcs]
    total = sum(amounts, Decimal(0))
    steps = [CalcStep(f"第{i}项：{c.formula}", c.amount_wan) for i, c in enumerate(calcs, 1)]
    formula = "+".join(_w(x) for x in amounts) + f"={_w(total)}万元"
    if not per_item and isinstance(cap, Amount) and cap.is_money and total > cap.wan:
        formula += f"，超过{rule.cap_phrase(cap)}，按{_w(cap.wan)}万元"
        total = cap.wan
    steps.append(CalcStep(f"合计：{formula}", total))
    head = calcs[0]
    return dataclasses.replace(
        head,
        amount_wan=total,
        formula=formula,
        steps=tuple(steps),
        inputs={f"{k}#{i}": v for i, c in enumerate(calcs, 1) for k, v in c.inputs.items()},
        input_labels={f"{k}#{i}": f"第{i}项{v}" for i, c in enumerate(calcs, 1) for k, v in c.input_labels.items()},
        eligible=any(c.eligible is not False for c in calcs) if calcs else head.eligible,
        reasons=tuple(dict.fromkeys(r for c in calcs for r in c.reasons)),
        cap_wan=cap.wan if isinstance(cap, Amount) and cap.is_money and not per_item else head.cap_wan,
    )
