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
from assistant.calculator.facts import Mention, extract_params, find_mentions, measures_asked
from assistant.calculator.inputs import INPUTS
from assistant.calculator.money import Amount, _w
from assistant.calculator.rules import Rule
from assistant.records import CalcStep, Calculation, Citation
from corpus.errors import RuleError

__all__ = ["calculate_items", "calculate_people", "item_spans"]

# The question counts several of a thing (两笔, 三张, 2个项目), lists them (分别, 第一…第二, 一笔…另一笔),
# or tells them apart by year (第一年…第二年).
_SEVERAL = re.compile(
    r"(两|二|三|四|五|[2-9])\s*(笔|张|个|项|台|套|份|年|期|位|名|家|批)|分别|各(是|为)|第一[笔张个项台年].{0,30}第二|一笔.{0,30}(另一笔|一笔)|一个.{0,30}(另一个|一个)"
)
# Words that make a second figure part of the first (其中30万是财政资金): a deduction, not an item.
_PART_OF = re.compile(r"其中|里面|含|包括|财政|自有")
# A cap scope that names the item, not the company: the cap applies to each item.
_PER_ITEM_SCOPE = re.compile(r"单笔|每笔|每个|每项|单个|单项|每张|单张|每台|单台|每份|每人|每期")
# A yearly cap (每家企业每年, 每年): per item only when the items are the years themselves
_PER_YEAR_SCOPE = re.compile(r"每年|年度")
_BY_YEAR = re.compile(
    r"第[一二三四五1-5]年|(去年|前年|今年|明年|\d{4}年)[^。？?]{0,40}(去年|前年|今年|明年|\d{4}年)|(两|二|三|四|五|[2-9])\s*年(?!期)"
)


def _lists_several(question: str) -> bool:
    """The question counts or lists several things — not only the measures it asks a total of (这两项加起来)."""
    return any(not (m.group(2) and measures_asked(question, m.start(), m.end(), m.group(2))) for m in _SEVERAL.finditer(question))


def per_item_cap(rule: Rule, question: str) -> bool:
    """Whether the rule's cap holds for each item the question lists (每个项目最高100万元), not for
    their sum (每家企业每年补助最高30万元 over two consulting projects of one year)."""
    scope = rule.cap_scope
    if _PER_ITEM_SCOPE.search(scope):
        return True
    return bool(_PER_YEAR_SCOPE.search(scope)) and bool(_BY_YEAR.search(question))


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
    if name is None or name in ("current_wan", "last_wan") or not _lists_several(question):
        return None
    money = [m for m in find_mentions(question) if m.kind == "money" and not m.rule_like]
    if len(money) < 2:
        return None
    for a, b in itertools.pairwise(money):
        if _PART_OF.search(question[a.end : b.end]):
            return None  # 2000万，其中500万是财政资金: one item with a part of it
    grouped = _grouped_items(question, money)
    if grouped is not None:
        return grouped
    starts = [_item_start(question, m, money[i - 1] if i else None) for i, m in enumerate(money)]
    ends = [*starts[1:], _item_end(question, money[-1], _own_figures(question, starts[0], starts[1]) if len(starts) > 1 else 1)]
    return list(zip(starts, ends, strict=True))


def _list_pieces(question: str) -> list[tuple[int, int]]:
    """The pieces of a list the question makes, cut at 、，；： outside brackets."""
    pieces, depth, start = [], 0, 0
    for i, ch in enumerate(question):
        if ch in "（(":
            depth += 1
        elif ch in "）)":
            depth = max(0, depth - 1)
        elif depth == 0 and ch in "、，,；;：:。？?！!":
            pieces.append((start, i))
            start = i + 1
    pieces.append((start, len(question)))
    return pieces


def _grouped_items(question: str, money: Sequence[Mention]) -> list[tuple[int, int]] | None:
    """Items that each state several sums in one piece of a list ("张总15万（地方留成6万）、李工12万
    （地方留成4.8万）"): each piece is an item, when at least two pieces state the same number of sums,
    at least two each, and no sum stands outside them."""
    pieces = [(a, b, [m for m in money if a <= m.start < b]) for a, b in _list_pieces(question)]
    with_money = [(a, b, ms) for a, b, ms in pieces if ms]
    counts = {len(ms) for _, _, ms in with_money}
    if len(with_money) < 2 or len(counts) != 1 or counts.pop() < 2:
        return None
    return [(a, b) for a, b, _ in with_money]


def _own_figures(question: str, start: int, end: int) -> int:
    """How many figures the first item states (一笔600万利率3.0% → 2): each item states as many."""
    return sum(1 for m in find_mentions(question) if start <= m.start < end and not m.rule_like)


def _item_start(question: str, m: Mention, prev: Mention | None) -> int:
    lo = prev.end if prev is not None else 0
    cut = max((question.rfind(p, lo, m.start) for p in "，,；;：:、。"), default=-1)
    return cut + 1 if cut >= 0 else (lo if prev is not None else m.start)


def _item_end(question: str, last: Mention, figures: int) -> int:
    """Where the last item's own words end: after as many figures as the first item states, at the
    next comma or stop; what follows (当时一年期LPR是3.1%) is said of all items."""
    after = [m for m in find_mentions(question) if m.start >= last.start and not m.rule_like]
    if figures > 1 and len(after) >= figures:
        own_end = after[figures - 1].end
        cuts = [i for i in (question.find(p, own_end) for p in "，,；;。？?") if i >= 0]
        return min(cuts, default=len(question))
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
    per_item = per_item_cap(rule, question) or not isinstance(cap, Amount)
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


# a segment of the question about one person or group: cut at commas, stops and colons
_SEGMENTS = re.compile(r"[^，,；;。？?！!：:]+")
_HEADS = ("个", "人", "名", "位", "个人")


def calculate_people(question: str, rule: Rule, *, citation: Citation | None = None) -> Calculation | None:
    """A per-person, per-year rule over people with different durations ("小王在站满2年，小李1年，
    小张两年半"; "两个都满2年…再加一个只待一年"): each duration is a line for the people its own
    words count (one when they count none), under the rule's period limit, then summed. None when
    the question states fewer than two durations, or a head count the lines do not add up to."""
    units = {u.input for u in getattr(rule, "units", ())}
    if not {"persons", "years"} <= units:
        return None
    mentions = [m for m in find_mentions(question) if not m.rule_like]
    durations = [m for m in mentions if m.kind == "duration"]
    if len(durations) < 2:
        return None
    lines: list[tuple[int, Decimal]] = []
    counted: set[int] = set()
    for d in durations:
        seg = next(s for s in _SEGMENTS.finditer(question) if s.start() <= d.start < s.end())
        heads = [m for m in mentions if m.kind == "count" and seg.start() <= m.start < d.start and m.unit in _HEADS]
        counted |= {m.start for m in heads}
        lines.append((int(heads[-1].value) if heads else 1, d.value / 12))
    # a head count said before the durations (三个博士后：…) must be what the lines add up to; "一个"
    # introducing one more person is that person's line
    stated = [
        m
        for m in mentions
        if m.kind == "count" and m.start not in counted and m.start < durations[0].start and m.value >= 2 and m.unit in _HEADS
    ]
    if len(stated) == 1 and int(stated[0].value) != sum(n for n, _ in lines):
        return None  # 三个人 but the lines count otherwise: ask, do not guess
    calcs = [calculate(rule, {"persons": n, "years": y}, citation=citation) for n, y in lines]
    values = [c.amount_wan if c.amount_wan is not None else c.cap_wan for c in calcs]
    if any(v is None or c.missing for v, c in zip(values, calcs, strict=True)):
        return None
    amounts = [v for v in values if v is not None]
    total = sum(amounts, Decimal(0))
    steps = [CalcStep(f"第{i}项：{c.formula}", v) for i, (c, v) in enumerate(zip(calcs, amounts, strict=True), 1)]
    upper = any(c.amount_wan is None for c in calcs)
    formula = "+".join(_w(x) for x in amounts) + f"={'最多' if upper else ''}{_w(total)}万元"
    steps.append(CalcStep(f"合计：{formula}", total))
    head = calcs[0]
    return dataclasses.replace(
        head,
        amount_wan=None if upper else total,
        cap_wan=total if upper else head.cap_wan,
        formula=formula,
        steps=tuple(steps),
        inputs={f"{k}#{i}": v for i, c in enumerate(calcs, 1) for k, v in c.inputs.items()},
        input_labels={f"{k}#{i}": f"第{i}项{v}" for i, c in enumerate(calcs, 1) for k, v in c.input_labels.items()},
        reasons=tuple(dict.fromkeys(r for c in calcs for r in c.reasons)),
    )
