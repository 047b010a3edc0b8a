"""Parts of a stated sum the clause does not count: the public money in an investment when only
非财政资金 counts ("总投入2000万，其中500万是区里拨的"), the part not yet paid when only what was paid
counts (应缴已缴: "应缴500万，但有100万缓缴还没交"). The base is the rest."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from assistant.calculator.facts import find_mentions
from assistant.calculator.money import _w
from assistant.calculator.rules import Rule

_STOP = "，。；？！,;?!"


@dataclass(frozen=True, slots=True)
class _Excluded:
    """One kind of part a clause leaves out: the clause's words that leave it out, and how a
    question says a part is of that kind — right after the figure, or before it."""

    counted: re.Pattern[str]  # in the clause: only this kind of money counts
    after: re.Pattern[str]  # "500万是财政资金", "100万缓缴还没交"
    before: re.Pattern[str]  # "其中区里给了45万", "其中财政资金500万"


_BODIES = r"(?<!非)(?:财政|政府|区里|市里|省里|区级|市级|省级|上级|国家)"
_UNPAID = r"(?:缓缴|未缴|没交|没缴|欠缴|未付|没付|未支付|还没交|还没缴|还没付|尚未缴纳|尚未支付)"

_KINDS = (
    _Excluded(
        re.compile(r"非财政"),
        re.compile(rf"^[^{_STOP}]{{0,6}}?{_BODIES}[^{_STOP}]{{0,4}}(?:资金|拨|补|给|出)"),
        re.compile(rf"其中[^{_STOP}]{{0,3}}{_BODIES}[^{_STOP}]{{0,5}}$"),
    ),
    _Excluded(
        re.compile(r"已缴|实缴|实际缴纳|实际支付|实际发生"),
        re.compile(rf"^[^{_STOP}]{{0,6}}?{_UNPAID}"),
        re.compile(rf"(?:其中|里面|里)[^{_STOP}]{{0,3}}{_UNPAID}[^{_STOP}]{{0,3}}$"),
    ),
)


def without_excluded_part(question: str, rule: Rule, values: dict[str, object]) -> tuple[dict[str, object], tuple[str, ...]]:
    """``values`` with each money base the clause counts only in part (非财政资金, 已缴) reduced by the
    parts the question says are of the kind left out, and a line for each deduction; unchanged
    when it says none, or when the parts would leave nothing."""
    notes: list[str] = []
    mentions = [m for m in find_mentions(question) if m.kind == "money"]
    for name, value in list(values.items()):
        if not isinstance(value, Decimal) or rule.input_spec(name).type != "money":
            continue
        words = f"{rule.input_spec(name).zh} {rule.source_span}"
        for kind in _KINDS:
            counted = kind.counted.search(words)
            if counted is None:
                continue
            parts = [
                m.value
                for m in mentions
                if m.value != value
                and (kind.after.match(question[m.end :]) or kind.before.search(question[max(0, m.start - 10) : m.start]))
            ]
            if parts and sum(parts, Decimal(0)) < value:
                rest = value - sum(parts, Decimal(0))
                said = "−".join(_w(p) for p in parts)
                notes.append(f"{rule.input_spec(name).zh}：{_w(value)}−{said}={_w(rest)}万元（原文只计{counted.group(0)}部分）")
                value = rest
                values = {**values, name: value}
    return values, tuple(notes)
