"""Deterministic amounts under the documents' money clauses: rules are data, formulas are shown.

Each monetary provision of the five documents is a rule in ``corpus/rules/<doc_id>.yaml``, tied to
its clause and to the exact words it was read from. ``calculate`` applies one rule to the facts a
person gives and returns a ``Calculation``: every step, the formula in Chinese, why a condition
fails, which inputs are still missing, and the rule's cap. Money is ``Decimal`` throughout and a
result is in 万元 to the yuan (0.0001 万元).

Public surface for the answer chain::

    rules = load_rules()                      # RuleBook, validated; a bad file raises RuleError
    calculate_question(question, clause_ids, rules=rules, citations=…)  # headline first, parts after
    rules.select(question, clause_ids)        # the rules of those clauses, best match first
    values, missing = extract_params(question, rule)   # assistant.params
    calc = calculate(rule, values, citation=citation)
    combine_overlapping([calc_a, calc_b], reason)      # 就高不重复: the larger, not the sum
    combine_stacked([calc_a, calc_b], [rule_a, rule_b], combined=cap_rule)  # awards that add up
"""

from __future__ import annotations

import dataclasses
import difflib
import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal, Union

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    create_model,
    field_validator,
    model_validator,
)

from assistant.params import INPUTS, ITEM_ATTRIBUTES, InputSpec, format_value, parse_value
from assistant.records import CalcStep, Calculation, Citation
from corpus.errors import RuleError
from corpus.settings import RULES_DIR

if TYPE_CHECKING:
    from langchain_core.tools import StructuredTool

    from corpus.documents import Corpus

__all__ = [
    "KINDS",
    "OVERLAP_REASON",
    "STACK_REASON",
    "YUAN",
    "Amount",
    "Condition",
    "NoRule",
    "Rule",
    "RuleBook",
    "args_model",
    "as_tool",
    "calc_command",
    "calculate",
    "calculate_question",
    "asks_most",
    "asks_total",
    "combine_overlapping",
    "combine_stacked",
    "load_rules",
    "render_calculation",
]

YUAN = Decimal("0.0001")  # one yuan in 万元: every result is quantized to it
_HUNDRED = Decimal(100)
_THOUSAND = Decimal(1000)
_WAN = Decimal(10000)
NO_RULE_FILE = "_no_rule.yaml"


def _q(value: Decimal) -> Decimal:
    return value.quantize(YUAN, rounding=ROUND_HALF_UP)


def _f(value: Decimal | int) -> str:
    """A number as a person writes it: no exponent, no trailing zeros (36, 18.6, 0.05)."""
    if isinstance(value, int):
        return str(value)
    d = value.normalize()
    return format(d, "f")


def _w(value: Decimal) -> str:
    """An amount in 万元 to the yuan, for a formula."""
    return _f(_q(value))


# ---------------------------------------------------------------- rule data

_AMOUNT = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(万元|亿元|元|%|‰|年|个月|级)\s*$")
_MONEY_UNITS = {"元": Decimal(1) / _WAN, "万元": Decimal(1), "亿元": _WAN}


class Amount(BaseModel):
    """A number from the clause with its unit, written as printed (``25万元``, ``30%``, ``7‰``, ``2年``)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    value: Decimal
    unit: str

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, data: Any) -> Any:
        if isinstance(data, str):
            m = _AMOUNT.match(data)
            if not m:
                raise ValueError(f"{data!r} is not a number with a unit (万元/亿元/元/%/‰/年/个月/级); write e.g. '25万元'")
            return {"value": Decimal(m.group(1)), "unit": m.group(2)}
        if isinstance(data, (int, float, Decimal)) and not isinstance(data, bool):
            raise ValueError(f"{data!r} has no unit; write it as printed with its unit, e.g. '25万元' or '30%'")
        return data

    @property
    def is_money(self) -> bool:
        return self.unit in _MONEY_UNITS

    @property
    def wan(self) -> Decimal:
        if not self.is_money:
            raise ValueError(f"{self} is not an amount of money")
        return self.value * _MONEY_UNITS[self.unit]

    @property
    def fraction(self) -> Decimal:
        """30% → 0.3, 7‰ → 0.007."""
        if self.unit == "%":
            return self.value / _HUNDRED
        if self.unit == "‰":
            return self.value / _THOUSAND
        raise ValueError(f"{self} is not a rate")

    @property
    def months(self) -> Decimal:
        if self.unit == "年":
            return self.value * 12
        if self.unit == "个月":
            return self.value
        raise ValueError(f"{self} is not a duration")

    def __str__(self) -> str:
        return f"{_f(self.value)}{self.unit}"


_Op = Literal["gt", "ge", "lt", "le"]
_FAIL_WORD = {"gt": "不高于", "ge": "低于", "lt": "不低于", "le": "高于"}
_PASS_WORD = {"gt": "高于", "ge": "不低于", "lt": "低于", "le": "不高于"}


class Condition(BaseModel):
    """A threshold the text sets, with its strictness as printed.

    ``word`` is the text's own word (高于/超过 → gt; 以上/不低于/（含） → ge); ``required`` inputs
    are asked for when missing, others are stated as unverified prerequisites.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    input: str
    op: _Op
    value: Amount | None = None
    than: str | None = None  # compare with another input (较上年实现增长: current_wan > last_wan)
    word: str
    required: bool = True
    otherwise: str = ""  # what the text says applies when the condition fails

    @model_validator(mode="after")
    def _check(self) -> Condition:
        if self.input not in INPUTS:
            raise ValueError(f"condition input {self.input!r} is not a known input; use one of {sorted(INPUTS)}")
        if (self.value is None) == (self.than is None):
            raise ValueError(f"condition on {self.input!r} needs exactly one of value or than")
        if self.than is not None and self.than not in INPUTS:
            raise ValueError(f"condition compares with unknown input {self.than!r}")
        if self.value is not None:
            t = INPUTS[self.input].type
            ok = {"money": self.value.is_money, "pct": self.value.unit == "%", "level": self.value.unit == "级"}.get(t, True)
            if not ok:
                raise ValueError(f"condition on {self.input!r} ({t}) cannot compare with {self.value}")
        return self

    def threshold(self) -> Decimal:
        assert self.value is not None
        return self.value.wan if self.value.is_money else self.value.value


class Tier(BaseModel):
    """One category the text distinguishes (卓越级/标准级; 新型研发机构/重大研发机构)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    aliases: tuple[str, ...] = ()
    amount: Amount

    @field_validator("amount")
    @classmethod
    def _money(cls, v: Amount) -> Amount:
        if not v.is_money:
            raise ValueError(f"a tier's amount must be money, got {v}")
        return v


class Restatement(BaseModel):
    """Another clause that states the same terms (a FAQ answer repeating the 政策原文)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    clause_id: str
    span: str


class InputNote(BaseModel):
    """What an input is called under this rule, and the words that name it in a question."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    zh: str
    cues: tuple[str, ...] = ()


class ItemSpec(BaseModel):
    """Per-item terms: what counts as an item, what each earns, how many count."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    noun: str  # 台套 / 家
    nouns: tuple[str, ...] = ()  # classifiers that count items in a question (台, 套, 家)
    attributes: tuple[str, ...] = ()
    conditions: tuple[Condition, ...] = ()
    amount: Amount | None = None  # a fixed sum per item
    ratio: Amount | None = None  # or a share of one attribute
    ratio_of: str | None = None
    max_items: int | None = Field(default=None, ge=1)

    @model_validator(mode="after")
    def _check(self) -> ItemSpec:
        for a in self.attributes:
            if a not in ITEM_ATTRIBUTES:
                raise ValueError(f"item attribute {a!r} unknown; use one of {list(ITEM_ATTRIBUTES)}")
        if (self.amount is None) == (self.ratio is None):
            raise ValueError("an item earns either a fixed amount or a ratio of an attribute")
        if self.ratio is not None and self.ratio_of not in self.attributes:
            raise ValueError(f"ratio_of {self.ratio_of!r} must be one of the item's attributes {self.attributes!r}")
        for c in self.conditions:
            if c.input not in self.attributes:
                raise ValueError(f"item condition on {c.input!r} must use one of the item's attributes")
        return self


class UnitSpec(BaseModel):
    """One dimension of a per-unit rule (人, 年; 人次, 天) and its limit if the text sets one."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    input: str
    max: Amount | None = None


class Rule(BaseModel):
    """One monetary provision of a clause; a subclass per kind computes it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{2,60}$")
    clause_id: str
    kind: str
    title: str
    source_span: str = Field(min_length=4)
    cues: tuple[str, ...] = Field(min_length=1)
    applies_to: tuple[str, ...] = ()
    # whom the text puts outside this rule (其他企业 = neither 三高 nor 民营): a question saying it is
    # not one of them ("既不是三高也不是民营企业") points here
    not_for: tuple[str, ...] = ()
    conditions: tuple[Condition, ...] = ()
    qualifications: tuple[str, ...] = ()  # prerequisites stated in words, not computed
    reading: str = ""  # how ambiguous wording was read (for reviewers and the issue note)
    notes: tuple[str, ...] = ()  # said to the user with every calculation
    overlaps: tuple[str, ...] = ()  # rules of the same region on the same matter (就高不重复)
    restated_in: tuple[Restatement, ...] = ()
    inputs: dict[str, InputNote] = Field(default_factory=dict)
    cap_scope: str = ""  # the text's words before 最高 (单家企业, 每家企业每年)

    core: ClassVar[tuple[str, ...]] = ()

    # -- inputs
    @model_validator(mode="after")
    def _check_inputs(self) -> Rule:
        for name in self.inputs:
            if name not in INPUTS:
                raise ValueError(f"input {name!r} is not a known input; use one of {sorted(INPUTS)}")
        return self

    def core_inputs(self) -> tuple[str, ...]:
        return self.core

    def wanted_inputs(self) -> tuple[str, ...]:
        """Every input this rule reads, core first, then those its conditions compare."""
        names = list(self.core_inputs())
        for c in self.conditions:
            for n in (c.input, c.than):
                if n and n not in names:
                    names.append(n)
        # growth is given either as last year's figure or as the rate: accept both
        if "growth_pct" in names or ("current_wan" in names and "last_wan" in names):
            names += [n for n in ("current_wan", "last_wan", "growth_pct", "increase_wan") if n not in names]
        return tuple(names)

    def input_spec(self, name: str) -> InputSpec:
        base = INPUTS[name]
        note = self.inputs.get(name)
        if note is None:
            return base
        return InputSpec(name, note.zh, base.type, tuple(dict.fromkeys(note.cues + base.cues)))

    def core_requirements(self) -> list[tuple[tuple[str, ...], ...]]:
        """The kind's own inputs; each entry is satisfied when all names of one alternative are given."""
        return [((n,),) for n in self.core_inputs() if n not in self.optional_inputs()]

    def requirements(self) -> list[tuple[tuple[str, ...], ...]]:
        """The kind's inputs, then what the required conditions compare."""
        reqs = self.core_requirements()
        covered = {n for r in reqs for alt in r for n in alt}
        for c in self.conditions:
            if not c.required:
                continue
            if c.input == "growth_pct" or c.than == "last_wan":
                if "last_wan" not in covered:
                    reqs.append((("last_wan",), ("growth_pct",)))
                    covered |= {"last_wan", "growth_pct"}
                if c.input == "growth_pct":
                    continue
            if c.input not in covered:
                reqs.append(((c.input,),))
                covered.add(c.input)
        return reqs

    def optional_inputs(self) -> tuple[str, ...]:
        return ()

    def missing(self, values: Mapping[str, object]) -> tuple[str, ...]:
        """Chinese names of the inputs still needed (alternatives joined by 或)."""
        out: list[str] = []
        for req in self.requirements():
            if any(all(n in values for n in alt) for alt in req):
                continue
            # name only what is still lacking in each alternative (保额 given: "实缴保险费或单张保单保险费率")
            alts = dict.fromkeys("、".join(self.input_spec(n).zh for n in alt if n not in values) for alt in req)
            out.append("或".join(alts))
        return tuple(out)

    def item_attributes(self) -> tuple[str, ...]:
        return ()

    def item_nouns(self) -> tuple[str, ...]:
        return ()

    def tiers(self) -> tuple[Tier, ...]:
        return ()

    def match_tier(self, text: str) -> str | None:
        """The tier a question names (longest name or alias found), or None."""
        best: tuple[int, str] | None = None
        for t in self.tiers():
            for word in (t.name, *t.aliases):
                if word in text and (best is None or len(word) > best[0]):
                    best = (len(word), t.name)
        return best[1] if best else None

    def top_tier(self) -> Tier | None:
        """The tier with the largest amount: the most a person can get when the tier is not said."""
        return max(self.tiers(), key=lambda t: t.amount.wan, default=None)

    def stated_max(self) -> tuple[Decimal, str] | None:
        """The most this rule gives whatever the facts (万元), with the text's words for it; None when
        the maximum depends on facts (a per-unit rate, a loan's term, what was already received).

        Rules with tiers answer with their largest tier (the question did not say which).
        """
        top = self.top_tier()
        if top is not None:
            return top.amount.wan, f"{top.name}{self.cap_phrase(top.amount)}"
        cap = getattr(self, "cap", None)
        if isinstance(cap, Amount) and cap.is_money:
            return cap.wan, self.cap_phrase(cap)
        return None

    def upper_bound(self, v: Mapping[str, Any]) -> Decimal | None:
        """The most the rule gives for these facts when ``compute`` returns no definite amount."""
        return None

    # -- the numbers of the rule, for the test that each appears in the source span
    def numbers(self) -> tuple[Decimal, ...]:
        out: list[Decimal] = []

        def walk(value: Any) -> None:
            if isinstance(value, Amount):
                out.append(value.value)
            elif isinstance(value, BaseModel):
                for name in type(value).model_fields:
                    walk(getattr(value, name))
            elif isinstance(value, (list, tuple)):
                for v in value:
                    walk(v)
            elif isinstance(value, dict):
                for v in value.values():
                    walk(v)
            elif isinstance(value, int) and not isinstance(value, bool):
                out.append(Decimal(value))

        walk(self)
        return tuple(out)

    # -- text
    def conditions_text(self) -> str:
        """The thresholds in words ("年度自主研发费用高于200万元、较上年实现增长"), empty when none."""
        parts = []
        for c in self.conditions:
            zh = self.input_spec(c.input).zh
            if c.than is not None:
                parts.append(f"{zh}{_PASS_WORD[c.op]}{self.input_spec(c.than).zh}（{c.word}）")
            else:
                word = "超过" if c.op == "gt" and "超过" in c.word else _PASS_WORD[c.op]
                parts.append(f"{zh}{word}{c.value}")
        return "、".join(parts)

    def cap_phrase(self, cap: Amount | Decimal, prefix: str = "最高") -> str:
        amount = cap.wan if isinstance(cap, Amount) else cap
        return f"{self.cap_scope}{prefix}{_w(amount)}万元"

    def describe(self) -> str:  # pragma: no cover - every kind overrides
        raise NotImplementedError

    def compute(self, v: Mapping[str, Any], steps: list[CalcStep], reasons: list[str]) -> tuple[Decimal | None, str]:  # pragma: no cover
        raise NotImplementedError


def _cap(amount: Decimal, cap: Decimal | None, phrase: str, steps: list[CalcStep], formula: str) -> tuple[Decimal, str]:
    """Apply a cap and say so in the text's words ("超过单家企业最高25万元，按25万元")."""
    if cap is None:
        return amount, formula
    if amount > cap:
        steps.append(CalcStep(f"{_w(amount)}万元超过{phrase}，按{_w(cap)}万元", _q(cap)))
        return cap, f"{formula}，超过{phrase}，按{_w(cap)}万元"
    steps.append(CalcStep(f"{_w(amount)}万元未超过{phrase}", _q(amount)))
    return amount, f"{formula}，未超过{phrase}"


class FixedRule(Rule):
    """A fixed award (一次性50万元), by tier (卓越级500万元/标准级200万元), or paid by each level (市级、区级分别)."""

    kind: Literal["fixed"]
    amount: Amount | None = None
    tiers_: tuple[Tier, ...] = Field(default=(), alias="tiers")
    payers: tuple[str, ...] = ()  # 市级、区级: each pays the amount
    period: str = "一次性"

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    @model_validator(mode="after")
    def _one(self) -> FixedRule:
        if (self.amount is None) == (not self.tiers_):
            raise ValueError("a fixed award has either amount or tiers")
        if self.amount is not None and not self.amount.is_money:
            raise ValueError(f"amount must be money, got {self.amount}")
        return self

    def tiers(self) -> tuple[Tier, ...]:
        return self.tiers_

    def core_inputs(self) -> tuple[str, ...]:
        return ("tier",) if self.tiers_ else ()

    def input_spec(self, name: str) -> InputSpec:
        if name == "tier" and self.tiers_ and name not in self.inputs:
            return InputSpec("tier", f"类别（{'/'.join(t.name for t in self.tiers_)}）", "choice")
        return super().input_spec(name)

    def stated_max(self) -> tuple[Decimal, str] | None:
        top = self.top_tier()
        if top is not None:
            return top.amount.wan, f"{top.name}{self.period}{top.amount}"
        assert self.amount is not None
        return self.amount.wan * max(len(self.payers), 1), self.describe()

    def describe(self) -> str:
        if self.tiers_:
            return "，".join(f"{t.name}{self.period}{t.amount}" for t in self.tiers_)
        assert self.amount is not None
        if self.payers:
            return f"{'、'.join(self.payers)}分别给予{self.period}{self.amount}"
        return f"给予{self.period}{self.amount}"

    def compute(self, v: Mapping[str, Any], steps: list[CalcStep], reasons: list[str]) -> tuple[Decimal | None, str]:
        if self.tiers_:
            tier = _tier(self, v["tier"])
            steps.append(CalcStep(f"{tier.name}：{self.period}{tier.amount}", tier.amount.wan))
            return tier.amount.wan, f"{tier.name}{self.period}给予{_w(tier.amount.wan)}万元"
        assert self.amount is not None
        each = self.amount.wan
        if self.payers:
            total = each * len(self.payers)
            parts = "+".join(f"{p}{_w(each)}万元" for p in self.payers)
            steps.append(CalcStep(f"{parts}={_w(total)}万元", total))
            return total, f"{parts}={_w(total)}万元"
        steps.append(CalcStep(f"{self.period}{_w(each)}万元", each))
        return each, f"{self.period}给予{_w(each)}万元"


def _tier(rule: Rule, given: str) -> Tier:
    for t in rule.tiers():
        if given == t.name or given in t.aliases:
            return t
    names = [t.name for t in rule.tiers()]
    raise RuleError(
        f"rule {rule.id!r}: tier {given!r} is not one of {names}; pass tier=<one of them>",
        message_zh=f"类别“{given}”不在本条规定的类别中（{'、'.join(names)}）。",
    )


class PerItemRule(Rule):
    """Per item with a condition and a count limit (单台原值超过50万元，30%，最多两台套，最高50万元)."""

    kind: Literal["per_item"]
    item: ItemSpec
    cap: Amount | None = None

    def core_inputs(self) -> tuple[str, ...]:
        return ("items", "count") if self._count_allowed() else ("items",)

    def _count_allowed(self) -> bool:
        return not self.item.attributes

    def item_attributes(self) -> tuple[str, ...]:
        return self.item.attributes

    def item_nouns(self) -> tuple[str, ...]:
        return self.item.nouns or (self.item.noun,)

    def core_requirements(self) -> list[tuple[tuple[str, ...], ...]]:
        if self._count_allowed():
            return [(("items",), ("count",))]
        return [(("items",),)]

    def input_spec(self, name: str) -> InputSpec:
        if name == "items" and name not in self.inputs:
            attrs = "、".join(INPUTS[a].zh for a in self.item.attributes)
            return InputSpec("items", f"每{self.item.noun}的{attrs}", "items")
        if name == "count" and name not in self.inputs:
            return InputSpec("count", f"{self.item.noun}数", "count", INPUTS["count"].cues)
        return super().input_spec(name)

    def describe(self) -> str:
        if self.item.amount:
            each = f"每{self.item.noun}{self.item.amount}"
        else:
            each = f"按{INPUTS[self.item.ratio_of or ''].zh}的{self.item.ratio}"
        parts = [each]
        for c in self.item.conditions:
            word = "超过" if c.op == "gt" and "超过" in c.word else _PASS_WORD[c.op]
            parts.append(f"限{INPUTS[c.input].zh}{word}{c.value}的")
        if self.item.max_items:
            parts.append(f"最多{self.item.max_items}{self.item.noun}")
        if self.cap:
            parts.append(self.cap_phrase(self.cap))
        return "，".join(parts)

    def compute(self, v: Mapping[str, Any], steps: list[CalcStep], reasons: list[str]) -> tuple[Decimal | None, str]:
        items: tuple[dict[str, Any], ...] = v.get("items") or tuple({} for _ in range(v.get("count", 0)))
        if not items:
            steps.append(CalcStep(f"符合条件的{self.item.noun}数为0", Decimal(0)))
            return Decimal(0), f"没有{self.item.noun}，补助0万元"
        earned: list[tuple[Decimal, int, str]] = []
        failed: list[str] = []
        for i, item in enumerate(items, start=1):
            label = f"第{i}{self.item.noun}"
            lacking = [INPUTS[a].zh for a in self.item.attributes if a not in item]
            if lacking:
                raise RuleError(
                    f"rule {self.id!r}: item {i} lacks {[a for a in self.item.attributes if a not in item]}; "
                    "give every item its attributes",
                    message_zh=f"{label}缺少{'、'.join(lacking)}。",
                )
            fails = [
                _fail_text(c, item[c.input], None, INPUTS[c.input]) for c in self.item.conditions if not _holds(c, item[c.input], None)
            ]
            if fails:
                failed.append(f"{label}：{'；'.join(fails)}")
                steps.append(CalcStep(f"{label}：{'；'.join(fails)}，不符合条件", Decimal(0)))
                continue
            if self.item.amount is not None:
                amount = self.item.amount.wan
                text = f"{label}：{_w(amount)}万元"
            else:
                assert self.item.ratio is not None and self.item.ratio_of is not None
                base = item[self.item.ratio_of]
                amount = base * self.item.ratio.fraction
                text = f"{label}：{_w(base)}×{self.item.ratio}={_w(amount)}万元"
            steps.append(CalcStep(text, _q(amount)))
            earned.append((amount, i, text.split("：", 1)[1]))
        if not earned:
            reasons.extend(failed)
            return Decimal(0), "；".join(failed) + "，不符合条件"
        chosen = earned
        if self.item.max_items and len(earned) > self.item.max_items:
            chosen = sorted(earned, key=lambda e: (-e[0], e[1]))[: self.item.max_items]
            chosen.sort(key=lambda e: e[1])
            picked = "、".join(f"第{i}{self.item.noun}" for _, i, _ in chosen)
            steps.append(CalcStep(f"最多补{self.item.max_items}{self.item.noun}：取补贴额最高的{picked}"))
            reasons.append(f"最多补{self.item.max_items}{self.item.noun}，按补贴额最高的{self.item.max_items}{self.item.noun}计算")
        total = sum((a for a, _, _ in chosen), Decimal(0))
        if len(chosen) > 1:
            formula = "+".join(_w(a) for a, _, _ in chosen) + f"={_w(total)}万元"
            steps.append(CalcStep(f"合计{formula}", _q(total)))
        else:
            formula = chosen[0][2]
        if failed:
            formula = "；".join(failed) + "，不计；" + formula
        cap = self.cap.wan if self.cap else None
        return _cap(total, cap, self.cap_phrase(self.cap) if self.cap else "", steps, formula)


class RatioRule(Rule):
    """A share of a base with a cap (实际投入资金最高30%，单家企业最高25万元), caps by tier if the text has them."""

    kind: Literal["ratio"]
    ratio: Amount
    ratio_is_max: bool = False  # 最高30% / 不超过10%: the share is an upper bound
    cap: Amount | None = None
    tiers_: tuple[Tier, ...] = Field(default=(), alias="tiers")  # caps by category
    cap_years: Amount | None = None  # 5年内…最高: a cumulative cap; prior_wan is deducted

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    core: ClassVar[tuple[str, ...]] = ("base_wan",)

    @model_validator(mode="after")
    def _check(self) -> RatioRule:
        if self.ratio.unit != "%":
            raise ValueError(f"ratio must be a percentage, got {self.ratio}")
        if self.cap is not None and self.tiers_:
            raise ValueError("a ratio rule has either one cap or caps by tier")
        if "base_wan" not in self.inputs:
            raise ValueError("a ratio rule must name its base: inputs: {base_wan: {zh: …, cues: […]}}")
        return self

    def tiers(self) -> tuple[Tier, ...]:
        return self.tiers_

    def core_inputs(self) -> tuple[str, ...]:
        names = ["base_wan"]
        if self.tiers_:
            names.append("tier")
        if self.cap_years is not None:
            names.append("prior_wan")
        return tuple(names)

    def optional_inputs(self) -> tuple[str, ...]:
        return ("prior_wan",)

    def input_spec(self, name: str) -> InputSpec:
        if name == "tier" and self.tiers_ and name not in self.inputs:
            return InputSpec("tier", f"类别（{'/'.join(t.name for t in self.tiers_)}）", "choice")
        return super().input_spec(name)

    def describe(self) -> str:
        share = f"{'最高' if self.ratio_is_max else ''}{self.ratio}"
        text = f"按{self.input_spec('base_wan').zh}的{share}计算"
        if self.cap is not None:
            text += f"，{self.cap_phrase(self.cap)}"
        for t in self.tiers_:
            text += f"，{t.name}{self.cap_phrase(t.amount)}"
        return text

    def compute(self, v: Mapping[str, Any], steps: list[CalcStep], reasons: list[str]) -> tuple[Decimal | None, str]:
        base: Decimal = v["base_wan"]
        raw = base * self.ratio.fraction
        formula = f"{_w(base)}×{self.ratio}={_w(raw)}万元"
        steps.append(CalcStep(f"{self.input_spec('base_wan').zh}{_w(base)}万元×{self.ratio}={_w(raw)}万元", _q(raw)))
        if self.ratio_is_max:
            reasons.append(f"比例为“最高{self.ratio}”，按最高比例算得的是可获金额的上限，实际比例以主管部门核定为准")
        cap_amount: Amount | None = self.cap
        if self.tiers_:
            tier = _tier(self, v["tier"])
            cap_amount = tier.amount
            steps.append(CalcStep(f"{tier.name}：{self.cap_phrase(tier.amount)}"))
        if cap_amount is None:
            return raw, formula
        cap = cap_amount.wan
        phrase = self.cap_phrase(cap_amount)
        if self.tiers_:
            phrase = _tier(self, v["tier"]).name + phrase
        if self.cap_years is not None:
            prior: Decimal | None = v.get("prior_wan")
            if prior is None:
                reasons.append(f"{self.cap_years}内累计{phrase}；此前已获本项补助的，应从上限中扣除")
            else:
                left = max(cap - prior, Decimal(0))
                steps.append(
                    CalcStep(
                        f"{self.cap_years}内累计{phrase}，此前已获{_w(prior)}万元，剩余额度{_w(cap)}−{_w(prior)}={_w(left)}万元",
                        _q(left),
                    )
                )
                cap, phrase = left, f"{self.cap_years}内剩余额度{_w(left)}万元"
        return _cap(raw, cap, phrase, steps, formula)


class PerStepRule(Rule):
    """Per full step (每满200万元给予10万元，最高500万元) behind an entry condition (高于200万元且较上年增长)."""

    kind: Literal["per_step"]
    step: Amount
    per_step: Amount
    cap: Amount | None = None

    core: ClassVar[tuple[str, ...]] = ("current_wan",)

    def describe(self) -> str:
        text = f"{self.input_spec('current_wan').zh}每满{self.step}给予{self.per_step}"
        if self.cap is not None:
            text += f"，{self.cap_phrase(self.cap)}"
        return text

    def compute(self, v: Mapping[str, Any], steps: list[CalcStep], reasons: list[str]) -> tuple[Decimal | None, str]:
        current: Decimal = v["current_wan"]
        n = int(current // self.step.wan)
        raw = self.per_step.wan * n
        formula = f"⌊{_w(current)}÷{_w(self.step.wan)}⌋={n}，{n}×{_w(self.per_step.wan)}={_w(raw)}万元"
        steps.append(CalcStep(f"每满{self.step}：{_w(current)}÷{_w(self.step.wan)}，取整得{n}个{self.step}"))
        steps.append(CalcStep(f"{n}×{_w(self.per_step.wan)}={_w(raw)}万元", _q(raw)))
        return _cap(raw, self.cap.wan if self.cap else None, self.cap_phrase(self.cap) if self.cap else "", steps, formula)


class MaxOnlyRule(Rule):
    """最高X万元 decided by assessment: the calculator states the cap, never claims it as the amount."""

    kind: Literal["max_only"]
    cap: Amount | None = None
    tiers_: tuple[Tier, ...] = Field(default=(), alias="tiers")
    per_year: bool = False  # 每年最高: the cap is per year
    years: Amount | None = None  # 连续2年 (per year) / 分3年 (the cap is spread over the years)
    decided_by: str  # 根据绩效考核结果确定

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    @model_validator(mode="after")
    def _one(self) -> MaxOnlyRule:
        if (self.cap is None) == (not self.tiers_):
            raise ValueError("a max-only rule has either cap or tiers")
        return self

    def tiers(self) -> tuple[Tier, ...]:
        return self.tiers_

    def core_inputs(self) -> tuple[str, ...]:
        return ("tier",) if self.tiers_ else ()

    def input_spec(self, name: str) -> InputSpec:
        if name == "tier" and self.tiers_ and name not in self.inputs:
            return InputSpec("tier", f"类别（{'/'.join(t.name for t in self.tiers_)}）", "choice")
        return super().input_spec(name)

    def _cap_text(self, cap: Amount) -> str:
        text = self.cap_phrase(cap)
        if self.years is not None and self.per_year:
            total = cap.wan * self.years.value
            text += f"，连续{self.years}，合计最高{_w(total)}万元"
        elif self.years is not None:
            text = f"分{self.years}给予，合计{text}"
        return text

    def describe(self) -> str:
        if self.tiers_:
            caps = "；".join(f"{t.name}{self._cap_text(t.amount)}" for t in self.tiers_)
        else:
            assert self.cap is not None
            caps = self._cap_text(self.cap)
        return f"{caps}，具体金额{self.decided_by}"

    def compute(self, v: Mapping[str, Any], steps: list[CalcStep], reasons: list[str]) -> tuple[Decimal | None, str]:
        cap = self.cap
        prefix = ""
        if self.tiers_:
            tier = _tier(self, v["tier"])
            cap, prefix = tier.amount, tier.name
        assert cap is not None
        text = prefix + self._cap_text(cap)
        steps.append(CalcStep(f"{text}（上限，不是测算金额）", cap.wan))
        reasons.append(f"本项只规定上限（{text}），具体金额{self.decided_by}，无法按公式测算")
        return None, f"{text}，具体金额{self.decided_by}"


class InterestFixedRateRule(Rule):
    """年化1%贴息 on the actual loan and term, the loan counted up to a cap (单户贷款最高2000万元)."""

    kind: Literal["interest_fixed_rate"]
    rate: Amount
    loan_cap: Amount | None = None

    core: ClassVar[tuple[str, ...]] = ("loan_wan", "months")

    def describe(self) -> str:
        text = f"按实际贷款金额和实际贷款期限年化{self.rate}贴息"
        if self.loan_cap is not None:
            text += f"，{self.cap_scope}贷款最高{self.loan_cap}"
        return text

    def compute(self, v: Mapping[str, Any], steps: list[CalcStep], reasons: list[str]) -> tuple[Decimal | None, str]:
        loan: Decimal = v["loan_wan"]
        months: Decimal = v["months"]
        principal = loan
        head = ""
        if self.loan_cap is not None and loan > self.loan_cap.wan:
            principal = self.loan_cap.wan
            head = f"贷款{_w(loan)}万元超过{self.cap_scope}贷款最高{self.loan_cap}，按{_w(principal)}万元计；"
            steps.append(CalcStep(head.rstrip("；"), _q(principal)))
        amount = principal * self.rate.fraction * months / 12
        body = f"{_w(principal)}×{self.rate}×{_f(months)}/12={_w(amount)}万元"
        steps.append(CalcStep(body, _q(amount)))
        return amount, head + body


class FinancingCostCapRule(Rule):
    """融资成本最高2%，其余贴息: the part of the loan rate above the cost cap is subsidised."""

    kind: Literal["financing_cost_cap"]
    cost_cap: Amount

    core: ClassVar[tuple[str, ...]] = ("loan_wan", "rate_pct", "months")

    def describe(self) -> str:
        return f"企业融资成本{self.cost_cap}，贷款利率高于{self.cost_cap}的部分由财政贴息（需贷款金额、年利率和期限）"

    def compute(self, v: Mapping[str, Any], steps: list[CalcStep], reasons: list[str]) -> tuple[Decimal | None, str]:
        loan: Decimal = v["loan_wan"]
        rate: Decimal = v["rate_pct"]
        months: Decimal = v["months"]
        cap = self.cost_cap.value
        if rate <= cap:
            text = f"年利率{_f(rate)}%未超过融资成本{self.cost_cap}，无需贴息，贴息0万元"
            steps.append(CalcStep(text, Decimal(0)))
            return Decimal(0), text
        amount = loan * (rate - cap) / _HUNDRED * months / 12
        body = f"{_w(loan)}×({_f(rate)}%−{self.cost_cap})×{_f(months)}/12={_w(amount)}万元"
        steps.append(CalcStep(f"贴息利率{_f(rate)}%−{self.cost_cap}={_f(rate - cap)}%", None))
        steps.append(CalcStep(body, _q(amount)))
        return amount, body


class InterestShareRule(Rule):
    """A share of interest (实际支付利息的30%; LPR-capped interest ×60%, term ≤1年, yearly cap 30万元)."""

    kind: Literal["interest_share"]
    share: Amount
    share_is_max: bool = False
    lpr_capped: bool = False  # 融资利率最高不超过一年期贷款市场报价利率
    term_cap: Amount | None = None  # 单笔贷款补贴期限最长不超过1年
    cap: Amount | None = None

    def core_inputs(self) -> tuple[str, ...]:
        if self.lpr_capped:
            return ("loan_wan", "rate_pct", "months", "lpr_pct")
        return ("interest_wan", "loan_wan", "rate_pct", "months")

    def core_requirements(self) -> list[tuple[tuple[str, ...], ...]]:
        if self.lpr_capped or self.term_cap is not None:
            return [((n,),) for n in self.core_inputs()]
        return [(("interest_wan",), ("loan_wan", "rate_pct", "months"))]

    def describe(self) -> str:
        base = "实际支付利息"
        if self.lpr_capped:
            base = "按不超过一年期贷款市场报价利率（LPR）计算的利息"
        text = f"{base}的{'最高' if self.share_is_max else ''}{self.share}"
        if self.term_cap is not None:
            text += f"，单笔贷款补贴期限最长{self.term_cap}"
        if self.cap is not None:
            text += f"，{self.cap_phrase(self.cap)}"
        return text

    def compute(self, v: Mapping[str, Any], steps: list[CalcStep], reasons: list[str]) -> tuple[Decimal | None, str]:
        parts: list[str] = []
        if "interest_wan" in v and not (self.lpr_capped or self.term_cap is not None):
            interest: Decimal = v["interest_wan"]
            steps.append(CalcStep(f"实际支付利息{_w(interest)}万元", _q(interest)))
        else:
            loan: Decimal = v["loan_wan"]
            rate: Decimal = v["rate_pct"]
            months: Decimal = v["months"]
            if self.lpr_capped:
                lpr: Decimal = v["lpr_pct"]
                used = min(rate, lpr)
                word = "不超过" if rate <= lpr else "超过"
                note = f"年利率{_f(rate)}%{word}一年期LPR {_f(lpr)}%，按{_f(used)}%计"
                steps.append(CalcStep(note))
                parts.append(note)
                rate = used
            if self.term_cap is not None and months > self.term_cap.months:
                note = f"期限{_f(months)}个月超过补贴期限最长{self.term_cap}，按{_f(self.term_cap.months)}个月计"
                steps.append(CalcStep(note))
                parts.append(note)
                months = self.term_cap.months
            interest = loan * rate / _HUNDRED * months / 12
            text = f"{_w(loan)}×{_f(rate)}%×{_f(months)}/12={_w(interest)}万元"
            steps.append(CalcStep(f"计补贴的利息：{text}", _q(interest)))
            parts.append(text)
        amount = interest * self.share.fraction
        text = f"{_w(interest)}×{self.share}={_w(amount)}万元"
        steps.append(CalcStep(text, _q(amount)))
        parts.append(text)
        if self.share_is_max:
            reasons.append(f"比例为“最高{self.share}”，按最高比例算得的是可获贴息的上限，实际比例以主管部门核定为准")
        formula = "；".join(parts)
        return _cap(amount, self.cap.wan if self.cap else None, self.cap_phrase(self.cap) if self.cap else "", steps, formula)


class PremiumRule(Rule):
    """Premium subsidy: only the premium within 7‰ of the insured amount counts, 40%, cap 30万元."""

    kind: Literal["premium"]
    rate_cap: Amount
    share: Amount
    cap: Amount | None = None

    core: ClassVar[tuple[str, ...]] = ("premium_wan", "insured_wan", "premium_rate_permille")

    @model_validator(mode="after")
    def _check(self) -> PremiumRule:
        if self.rate_cap.unit != "‰":
            raise ValueError(f"rate_cap must be per mille, got {self.rate_cap}")
        return self

    def core_requirements(self) -> list[tuple[tuple[str, ...], ...]]:
        # the premium is stated, or follows from 保额×费率; the 7‰ limit needs 保额 or 费率
        return [(("premium_wan",), ("insured_wan", "premium_rate_permille")), (("insured_wan",), ("premium_rate_permille",))]

    def describe(self) -> str:
        text = f"单张保单保险费率{self.rate_cap}以内部分的保费，按实缴保险费用{self.share}补贴"
        if self.cap is not None:
            text += f"，{self.cap_phrase(self.cap)}"
        return text

    def compute(self, v: Mapping[str, Any], steps: list[CalcStep], reasons: list[str]) -> tuple[Decimal | None, str]:
        parts: list[str] = []
        if "premium_wan" in v:
            premium: Decimal = v["premium_wan"]
        else:
            insured_: Decimal = v["insured_wan"]
            rate_: Decimal = v["premium_rate_permille"]
            premium = insured_ * rate_ / _THOUSAND
            text = f"保费：{_w(insured_)}×{_f(rate_)}‰={_w(premium)}万元（按保险金额×费率计，以实缴保费为准）"
            steps.append(CalcStep(text, _q(premium)))
            parts.append(text)
        if "insured_wan" in v:
            insured: Decimal = v["insured_wan"]
            limit = insured * self.rate_cap.fraction
            text = f"费率{self.rate_cap}以内的保费：{_w(insured)}×{self.rate_cap}={_w(limit)}万元"
            steps.append(CalcStep(text, _q(limit)))
            parts.append(text)
            paid = "实缴保费" if "premium_wan" in v else "保费"
            if premium > limit:
                counted = limit
                note = f"{paid}{_w(premium)}万元超过费率{self.rate_cap}以内部分，按{_w(limit)}万元计"
            else:
                counted = premium
                note = f"{paid}{_w(premium)}万元在费率{self.rate_cap}以内，全额计入"
        else:
            rate: Decimal = v["premium_rate_permille"]
            if rate > self.rate_cap.value:
                counted = premium * self.rate_cap.value / rate
                share = f"{_w(premium)}×{_f(self.rate_cap.value)}/{_f(rate)}={_w(counted)}万元"
                note = f"费率{_f(rate)}‰超过{self.rate_cap}，只计{self.rate_cap}以内部分：{share}"
            else:
                counted = premium
                note = f"费率{_f(rate)}‰未超过{self.rate_cap}，实缴保费{_w(premium)}万元全额计入"
        steps.append(CalcStep(note, _q(counted)))
        parts.append(note)
        amount = counted * self.share.fraction
        text = f"{_w(counted)}×{self.share}={_w(amount)}万元"
        steps.append(CalcStep(text, _q(amount)))
        parts.append(text)
        return _cap(
            amount,
            self.cap.wan if self.cap else None,
            self.cap_phrase(self.cap) if self.cap else "",
            steps,
            "；".join(parts),
        )


class TaxShareRule(Rule):
    """A share of the locally retained tax (地方留成部分的50%/60%), per year, for a number of years."""

    kind: Literal["tax_share"]
    tax_zh: str  # 个人所得税 / 增值税
    share: Amount
    years: Amount
    cap: Amount | None = None  # per year

    core: ClassVar[tuple[str, ...]] = ("local_share_wan",)

    def input_spec(self, name: str) -> InputSpec:
        if name == "local_share_wan" and name not in self.inputs:
            base = INPUTS[name]
            return InputSpec(name, f"当年缴纳{self.tax_zh}的地方留成部分金额", base.type, base.cues)
        return super().input_spec(name)

    def describe(self) -> str:
        text = f"按当年缴纳{self.tax_zh}地方留成部分的{self.share}计算，{self.years}内"
        if self.cap is not None:
            text += f"，{self.cap_phrase(self.cap)}"
        return text

    def compute(self, v: Mapping[str, Any], steps: list[CalcStep], reasons: list[str]) -> tuple[Decimal | None, str]:
        local: Decimal = v["local_share_wan"]
        amount = local * self.share.fraction
        formula = f"{_w(local)}×{self.share}={_w(amount)}万元（每年）"
        steps.append(CalcStep(f"{self.tax_zh}地方留成部分{_w(local)}万元×{self.share}={_w(amount)}万元", _q(amount)))
        reasons.append(f"按年计算，享受期限为{self.years}；地方留成部分以税务部门核定的数额为准")
        return _cap(amount, self.cap.wan if self.cap else None, self.cap_phrase(self.cap) if self.cap else "", steps, formula)


class TopUpRule(Rule):
    """一次性补足至500万元: the difference between the target and what was already received."""

    kind: Literal["top_up"]
    target: Amount

    core: ClassVar[tuple[str, ...]] = ("received_wan",)

    def describe(self) -> str:
        return f"一次性补足至{self.target}（需已获得的补助金额）"

    def compute(self, v: Mapping[str, Any], steps: list[CalcStep], reasons: list[str]) -> tuple[Decimal | None, str]:
        got: Decimal = v["received_wan"]
        target = self.target.wan
        if got >= target:
            text = f"已获得{_w(got)}万元，不低于补足目标{self.target}，补足0万元"
            steps.append(CalcStep(text, Decimal(0)))
            return Decimal(0), text
        amount = target - got
        text = f"{_w(target)}−{_w(got)}={_w(amount)}万元"
        steps.append(CalcStep(f"补足至{self.target}：{text}", _q(amount)))
        return amount, text


class CombinedCapRule(Rule):
    """以上奖励补助合计每年每家最高500万元: the sum of the member awards, capped."""

    kind: Literal["combined_cap"]
    cap: Amount
    members: tuple[str, ...] = Field(min_length=2)

    core: ClassVar[tuple[str, ...]] = ("amounts_wan",)

    def describe(self) -> str:
        return f"以上奖励补助合计{self.cap_phrase(self.cap)}"

    def compute(self, v: Mapping[str, Any], steps: list[CalcStep], reasons: list[str]) -> tuple[Decimal | None, str]:
        amounts: tuple[Decimal, ...] = v["amounts_wan"]
        total = sum(amounts, Decimal(0))
        formula = "+".join(_w(a) for a in amounts) + f"={_w(total)}万元"
        steps.append(CalcStep(f"合计{formula}", _q(total)))
        return _cap(total, self.cap.wan, self.cap_phrase(self.cap), steps, formula)


class PerUnitRule(Rule):
    """A rate per unit (每人每年最高15万元，最长2年; 每天每人次最高500元)."""

    kind: Literal["per_unit"]
    rate: Amount
    rate_is_max: bool = False
    units: tuple[UnitSpec, ...] = Field(min_length=1)
    per: str  # the text's words for the unit: 每人每年, 每天每人次

    def core_inputs(self) -> tuple[str, ...]:
        return tuple(u.input for u in self.units)

    def describe(self) -> str:
        text = f"{self.per}{'最高' if self.rate_is_max else ''}{self.rate}"
        for u in self.units:
            if u.max is not None:
                text += f"，最长{u.max}"
        return text

    def compute(self, v: Mapping[str, Any], steps: list[CalcStep], reasons: list[str]) -> tuple[Decimal | None, str]:
        factors: list[str] = []
        product = Decimal(1)
        for u in self.units:
            spec = self.input_spec(u.input)
            value = Decimal(v[u.input])
            if u.max is not None and value > u.max.value:
                steps.append(CalcStep(f"{spec.zh}{format_value(spec, v[u.input])}超过最长{u.max}，按{u.max}计"))
                reasons.append(f"最长{u.max}")
                value = u.max.value
            if spec.type == "years" and value != value.to_integral_value():
                whole = value.to_integral_value(rounding=ROUND_FLOOR)
                reasons.append(f"按整年计算：{_f(value)}年中不足一年的部分，文件未载明如何计算，未计入")
                value = whole
            product *= value
            factors.append(format_value(spec, value) if spec.type != "count" else _f(value))
        amount = product * self.rate.wan
        if self.rate_is_max:
            # 每人每年最高15万元: the product is the most that can be granted, not the grant
            formula = "×".join(factors) + f"×{self.rate}=最多{_w(amount)}万元"
            steps.append(CalcStep(formula, _q(amount)))
            reasons.append(f"标准为“{self.per}最高{self.rate}”，算得的是上限，实际以核定为准")
            return None, formula
        formula = "×".join(factors) + f"×{self.rate}={_w(amount)}万元"
        steps.append(CalcStep(formula, _q(amount)))
        return amount, formula

    def upper_bound(self, v: Mapping[str, Any]) -> Decimal | None:
        steps: list[CalcStep] = []
        self.compute(v, steps, [])
        return steps[-1].value_wan

    def unit_rate(self) -> tuple[Decimal, str]:
        """The rate for one of each unit (每人每年最高15万元): what "每年补助多少" asks."""
        return self.rate.wan, f"{self.per}{'最高' if self.rate_is_max else ''}{self.rate}"


_RuleUnion = Annotated[
    FixedRule
    | PerItemRule
    | RatioRule
    | PerStepRule
    | MaxOnlyRule
    | InterestFixedRateRule
    | FinancingCostCapRule
    | InterestShareRule
    | PremiumRule
    | TaxShareRule
    | TopUpRule
    | CombinedCapRule
    | PerUnitRule,
    Field(discriminator="kind"),
]
_RULE_ADAPTER: TypeAdapter[Any] = TypeAdapter(_RuleUnion)
KINDS: dict[str, type[Rule]] = {
    cls.model_fields["kind"].annotation.__args__[0]: cls  # type: ignore[union-attr]
    for cls in (
        FixedRule,
        PerItemRule,
        RatioRule,
        PerStepRule,
        MaxOnlyRule,
        InterestFixedRateRule,
        FinancingCostCapRule,
        InterestShareRule,
        PremiumRule,
        TaxShareRule,
        TopUpRule,
        CombinedCapRule,
        PerUnitRule,
    )
}


class NoRule(BaseModel):
    """A money figure with no rule, and why (a fund total, a loan limit, an eligibility threshold)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    clause_id: str
    span: str = Field(min_length=2)
    reason: str = Field(min_length=4)


# ---------------------------------------------------------------- reading a question

# A stated fact the rule takes as input weighs as much as a two-character cue word.
_FACT_WEIGHT = 4
_QUOTES = str.maketrans("", "", "“”\"'‘’「」『』")
_SEGMENT = re.compile(r"[^，。；？！,;?!\s]+")
_DENIAL = re.compile(r"(?<!是)(?:不是|并非|不属于|不算)([^，。；？！,;?!\s也又而但呢吗]+)")
_RECEIVED = re.compile(r"(?<![能可会要还])(?:已经获得|已获得|获得了|拿到了|已获|拿到|已拿|拿了|已领|领了|已收到|收到了|得到了)")
_AWARD_WORD = re.compile(r"补助|奖励|补贴|资助|经费|贴息|奖金|\d+(?:\.\d+)?\s*万|[一二两三四五六七八九十百千]+万")
_TOTAL = re.compile(
    r"(?:一共|总共|合计|共计|总计)(?:能|可以|可|最多|最高|多少|有多少|拿|领|给|补|奖|是)"
    r"|加起来|加在一起|加一起|合起来|两项|几项|各项|都算上|市里区里|市区两级"
    r"|(?:补助|奖励|补贴|资助|贴息|支持)再?加上?"
)
_MOST = re.compile(r"最多|最高|上限|封顶|顶格|至多|最大")


def asks_total(question: str) -> bool:
    """The question asks for a sum over several awards (加起来, 一共能拿, 两项, 补助加叠加奖励)."""
    return bool(_TOTAL.search(_plain(question)))


def asks_most(question: str) -> bool:
    """The question asks for the most that can be had (最多, 最高, 上限, 封顶)."""
    return bool(_MOST.search(question))


def _with_policy_text(clause_ids: Sequence[str]) -> list[str]:
    """The clauses given, then the 政策原文 of each FAQ answer given (…/问答2 → …/政策原文): a FAQ
    answer is about the policy text under its heading, which holds the terms the rules are read from."""
    out = list(clause_ids)
    for cid in clause_ids:
        head, _, leaf = cid.rpartition("/")
        if head and leaf.startswith("问答"):
            out.append(f"{head}/政策原文")
    return list(dict.fromkeys(out))


def _plain(text: str) -> str:
    return text.translate(_QUOTES).replace(" ", "").replace("\u3000", "")


def _taken(text: str, skip: Sequence[tuple[int, int]]) -> list[bool]:
    taken = [False] * len(text)
    for a, b in skip:
        for i in range(a, b):
            taken[i] = True
    return taken


def _covered_length(text: str, words: Sequence[str], taken: list[bool]) -> int:
    """Characters of ``text`` the words cover, longest word first, each stretch counted once
    (``taken`` marks what earlier words, or skipped sentences, already hold)."""
    total = 0
    for word in sorted(set(words), key=len, reverse=True):
        start = text.find(word) if word else -1
        while start >= 0:
            end = start + len(word)
            if not any(taken[start:end]):
                for i in range(start, end):
                    taken[i] = True
                total += len(word)
                break
            start = text.find(word, start + 1)
    return total


def _received_spans(text: str) -> list[tuple[int, int]]:
    """Stretches of the question that tell of an award already received, with its amount or name."""
    spans = []
    for seg in _SEGMENT.finditer(text):
        words = seg.group()
        m = _RECEIVED.search(words)
        if m is None or re.search(r"多少|吗|几|怎么|如何", words):
            continue
        if _AWARD_WORD.search(words, m.end()) or _AWARD_WORD.search(words[: m.start()]):
            spans.append((seg.start(), seg.end()))
    return spans


def _denied(text: str) -> list[str]:
    return [m.group(1) for m in _DENIAL.finditer(text)]


def _is_denied(subject: str, denied: Sequence[str]) -> bool:
    """The subject (三高企业) or its name without 企业/单位 (三高) is what the question says it is not."""
    short = re.sub(r"(企业|单位|机构)$", "", subject)
    return any(subject in d or (short and d.startswith(short)) for d in denied)


# ---------------------------------------------------------------- the rule book


@dataclass(frozen=True, slots=True)
class RuleBook:
    """All rules, by id and by clause, and the money figures recorded as having no rule."""

    rules: tuple[Rule, ...]
    no_rule: tuple[NoRule, ...] = ()
    _by_id: dict[str, Rule] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._by_id.update({r.id: r for r in self.rules})

    def __iter__(self) -> Iterator[Rule]:
        return iter(self.rules)

    def __len__(self) -> int:
        return len(self.rules)

    def get(self, rule_id: str) -> Rule:
        """The rule with this id; an unknown id raises RuleError listing close matches."""
        try:
            return self._by_id[rule_id]
        except KeyError:
            close = difflib.get_close_matches(rule_id, list(self._by_id), n=5, cutoff=0.4)
            close += [i for i in self._by_id if rule_id and rule_id in i and i not in close][:5]
            hint = f"did you mean {close!r}?" if close else f"known rules: {sorted(self._by_id)!r}"
            raise RuleError(
                f"no rule with id {rule_id!r}; {hint}",
                message_zh=f"未找到计算规则“{rule_id}”" + (f"，您是否要找：{'、'.join(close)}" if close else "") + "。",
            ) from None

    def for_clause(self, clause_id: str) -> tuple[Rule, ...]:
        """Rules read from this clause, or restated in it (a FAQ answer repeating the terms)."""
        return tuple(r for r in self.rules if r.clause_id == clause_id or any(x.clause_id == clause_id for x in r.restated_in))

    def select(self, question: str, clause_ids: Sequence[str]) -> list[Rule]:
        """The rules of the given clauses, those the question points at most strongly first.

        A rule's weight is its cue words and the subjects it applies to (``score``), plus the facts
        the question states that the rule takes as inputs. Ties keep the clause order given
        (retrieval's ranking) and the file order within a clause.
        """
        return [r for _, r in self.ranked(question, clause_ids)]

    def ranked(self, question: str, clause_ids: Sequence[str], *, total: bool | None = None) -> list[tuple[int, Rule]]:
        """``select`` with each rule's weight, best first."""
        from assistant.params import cued_inputs

        if total is None:
            total = asks_total(question)
        seen: dict[str, tuple[int, Rule]] = {}
        for cid in _with_policy_text(clause_ids):
            for r in self.for_clause(cid):
                if r.id not in seen:
                    seen[r.id] = (len(seen), r)
        weighted = []
        for order, r in seen.values():
            facts = [k for k in cued_inputs(question, r) if k != "tier"]
            weighted.append((self.score(question, r, total=total) + _FACT_WEIGHT * len(facts), order, r))
        weighted.sort(key=lambda e: (-e[0], e[1]))
        return [(w, r) for w, _, r in weighted]

    @staticmethod
    def score(question: str, rule: Rule, *, total: bool = False) -> int:
        """How strongly a question points at a rule by its words.

        Cue words count twice their length, each stretch of the question once (全国重点实验室 is
        not also 重点实验室 and 实验室); tier names and the subjects the rule applies to count their
        length, and a subject the question denies ("既不是三高也不是民营企业") counts against the
        rule and for the rule whose ``not_for`` names it. Unless a total is asked, words in a
        sentence about an award already received ("认定时拿了100万初创期补助") do not count: the
        question is about something else.
        """
        text = _plain(question)
        taken = _taken(text, [] if total else _received_spans(text))
        s = 2 * _covered_length(text, rule.cues, taken)
        s += _covered_length(text, [t.name for t in rule.tiers()], taken)
        denied = _denied(text)
        for subject in rule.applies_to:
            word = _plain(subject)
            if _is_denied(word, denied):
                s -= 2 * len(word)
            elif word in text:
                s += len(word)
        for subject in rule.not_for:
            word = _plain(subject)
            if _is_denied(word, denied):
                s += 2 * len(word)
            elif word in text:
                s -= len(word)
        return s

    @staticmethod
    def cue_score(question: str, rule: Rule) -> int:
        """The weight of the rule's own cue words and tier names alone (not whom it applies to)."""
        text = _plain(question)
        taken = _taken(text, [])
        return 2 * _covered_length(text, rule.cues, taken) + _covered_length(text, [t.name for t in rule.tiers()], taken)

    def overlapping(self, rule_id: str) -> tuple[Rule, ...]:
        """Rules the data marks as covering the same matter as this one (就高不重复 applies)."""
        rule = self.get(rule_id)
        ids = set(rule.overlaps) | {r.id for r in self.rules if rule_id in r.overlaps}
        return tuple(r for r in self.rules if r.id in ids)


def load_rules(rules_dir: Path = RULES_DIR) -> RuleBook:
    """Load and validate every ``*.yaml`` rule file of ``rules_dir`` and ``_no_rule.yaml``.

    A malformed file or rule raises ``RuleError`` naming the file and the rule.
    """
    paths = sorted(p for p in Path(rules_dir).glob("*.yaml") if not p.name.startswith("_"))
    if not paths:
        raise RuleError(f"no rule files (*.yaml) in {str(rules_dir)!r}; add them or point rules_dir at corpus/rules")
    rules: list[Rule] = []
    for path in paths:
        data = _read_yaml(path)
        if not isinstance(data, dict) or not isinstance(data.get("rules"), list) or not data.get("doc_id"):
            raise RuleError(f"{path.name}: a rule file is a mapping with doc_id and a list under 'rules'; fix its layout")
        doc_id = str(data["doc_id"])
        for n, raw in enumerate(data["rules"], start=1):
            rid = raw.get("id", f"#{n}") if isinstance(raw, dict) else f"#{n}"
            try:
                rule = _RULE_ADAPTER.validate_python(raw)
            except ValidationError as e:
                problems = "; ".join(f"{'.'.join(str(x) for x in err['loc'])}: {err['msg']}" for err in e.errors())
                raise RuleError(f"{path.name}: rule {rid!r} is invalid: {problems}; fix the rule") from e
            if not rule.clause_id.startswith(doc_id + "/"):
                raise RuleError(
                    f"{path.name}: rule {rid!r} has clause_id {rule.clause_id!r} outside document {doc_id!r}; move it or fix the id"
                )
            if any(r.id == rule.id for r in rules):
                raise RuleError(f"{path.name}: rule id {rule.id!r} is used twice; ids must be unique across files")
            rules.append(rule)
    ids = {r.id for r in rules}
    for r in rules:
        refs = list(r.overlaps) + list(getattr(r, "members", ()))
        unknown = [x for x in refs if x not in ids]
        if unknown:
            raise RuleError(f"rule {r.id!r} refers to unknown rules {unknown!r}; fix overlaps/members")
    no_rule: list[NoRule] = []
    extra = Path(rules_dir) / NO_RULE_FILE
    if extra.exists():
        data = _read_yaml(extra)
        entries = data.get("entries") if isinstance(data, dict) else None
        if not isinstance(entries, list):
            raise RuleError(f"{NO_RULE_FILE}: expected a mapping with a list under 'entries'")
        for n, raw in enumerate(entries, start=1):
            try:
                no_rule.append(NoRule.model_validate(raw))
            except ValidationError as e:
                raise RuleError(f"{NO_RULE_FILE}: entry {n} is invalid: {e.errors()[0]['msg']}; give clause_id, span and reason") from e
    return RuleBook(tuple(rules), tuple(no_rule))


def _read_yaml(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as e:
        raise RuleError(f"{path.name}: cannot read the rule file: {e}") from e


# ---------------------------------------------------------------- calculating


def _coerce(rule: Rule, inputs: Mapping[str, object]) -> dict[str, Any]:
    allowed = set(rule.wanted_inputs())
    out: dict[str, Any] = {}
    for key, raw in inputs.items():
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            continue
        if key not in allowed:
            raise RuleError(
                f"rule {rule.id!r} takes no input {key!r}; its inputs are {sorted(allowed)!r}",
                message_zh=f"规则“{rule.title}”没有参数“{key}”，可用参数："
                + "、".join(f"{n}（{rule.input_spec(n).zh}）" for n in sorted(allowed))
                + "。",
            )
        spec = rule.input_spec(key)
        try:
            out[key] = parse_value(spec, raw)
        except ValueError as e:
            raise RuleError(
                f"rule {rule.id!r}: {key}={raw!r} is not a valid {spec.type}: {e}; give e.g. {key}={_EXAMPLE[spec.type]}",
                message_zh=f"参数“{spec.zh}”的值“{raw}”无法识别，请按示例填写：{_EXAMPLE[spec.type]}。",
            ) from e
    out = derive(out)
    if "tier" in out and rule.tiers():
        out["tier"] = _tier(rule, out["tier"]).name
    return out


def derive(values: Mapping[str, Any]) -> dict[str, Any]:
    """The inputs that follow from others: last year's figure from the increase ("比去年多了30万"),
    the growth rate from two years' figures, or last year's figure from the rate."""
    out = dict(values)
    if "current_wan" in out and "increase_wan" in out and "last_wan" not in out and "growth_pct" not in out:
        out["last_wan"] = out["current_wan"] - out["increase_wan"]
    if "current_wan" in out and "last_wan" in out and "growth_pct" not in out and out["last_wan"] > 0:
        out["growth_pct"] = (out["current_wan"] - out["last_wan"]) / out["last_wan"] * _HUNDRED
    elif "current_wan" in out and "growth_pct" in out and "last_wan" not in out:
        out["last_wan"] = out["current_wan"] / (1 + out["growth_pct"] / _HUNDRED)
    return out


_EXAMPLE = {
    "money": "120（万元），或 120万、1.2亿、3000元",
    "pct": "4.2（%），或 4.2%",
    "permille": "7（‰），或 7‰、0.7%",
    "months": "12（个月），或 1年、8个月",
    "years": "2（年），或 两年",
    "count": "3",
    "level": "2",
    "choice": "本条规定的类别名称",
    "items": "original_value_wan:80,fee_wan:20;original_value_wan:60,fee_wan:15",
    "money_list": "500,100",
}


def _holds(c: Condition, value: Any, other: Any) -> bool:
    limit = other if c.than is not None else c.threshold()
    return {"gt": value > limit, "ge": value >= limit, "lt": value < limit, "le": value <= limit}[c.op]


def _fail_text(c: Condition, value: Any, other: Any, spec: InputSpec, other_spec: InputSpec | None = None) -> str:
    """ "年度自主研发费用200万元不高于200万元" — the given value, the failing relation, the threshold."""
    if c.than is not None:
        assert other_spec is not None
        theirs = f"{other_spec.zh}{format_value(other_spec, other)}"
        return f"{spec.zh}{format_value(spec, value)}{_FAIL_WORD[c.op]}{theirs}（条件：{c.word}）"
    word = _FAIL_WORD[c.op]
    if c.op == "gt" and "超过" in c.word:
        word = "未超过"
    return f"{spec.zh}{format_value(spec, value)}{word}{c.value}"


def _pass_text(c: Condition, value: Any, other: Any, spec: InputSpec, other_spec: InputSpec | None = None) -> str:
    if c.than is not None:
        assert other_spec is not None
        theirs = f"{other_spec.zh}{format_value(other_spec, other)}"
        return f"{spec.zh}{format_value(spec, value)}{_PASS_WORD[c.op]}{theirs}（{c.word}）"
    word = {"gt": "超过" if "超过" in c.word else "高于"}.get(c.op, _PASS_WORD[c.op])
    return f"{spec.zh}{format_value(spec, value)}{word}{c.value}（{c.word}）"


def _rule_cap(rule: Rule, values: Mapping[str, Any]) -> Decimal | None:
    """The money cap the rule states for these facts (the chosen tier's, when it has tiers)."""
    if rule.tiers():
        if "tier" not in values:
            return None
        amount: Amount | None = _tier(rule, values["tier"]).amount
    else:
        cap = getattr(rule, "cap", None)
        amount = cap if isinstance(cap, Amount) else None
    return _q(amount.wan) if amount is not None and amount.is_money else None


def calculate(rule: Rule, inputs: Mapping[str, object], *, citation: Citation | None = None) -> Calculation:
    """Compute the amount a policy clause gives, from the facts stated, under one rule.

    Use it for "能拿多少/补贴多少/贴息多少" questions. ``rule`` comes from ``load_rules()``;
    ``inputs`` maps input names (``base_wan``, ``current_wan``/``last_wan``, ``loan_wan``/
    ``rate_pct``/``months``/``lpr_pct``, ``premium_wan``/``insured_wan``, ``items`` …) to values —
    Decimals, ints, or strings with units such as "120万", "1.2亿", "4.2%", "12‰", "8个月".
    Money is in 万元 unless a unit says otherwise.

    Returns a ``Calculation``: ``amount_wan`` (Decimal, 万元, to the yuan), the formula in Chinese
    ("120×30%=36万元，超过单家企业最高25万元，按25万元"), every step, the clause citation, and:
    - ``eligible=False`` and amount 0 with the reason when a threshold fails
      ("年度自主研发费用200万元不高于200万元，不符合条件");
    - ``amount_wan=None`` with ``missing`` naming each needed input (in Chinese) and the formula
      stating the rule and its cap, when facts are missing — nothing is ever assumed;
    - ``amount_wan=None`` with the cap in the formula for "最高X万元" awards whose amount is set
      by assessment: the cap is never presented as the amount.
    Unknown input names or unreadable values raise ``RuleError``.
    """
    values = _coerce(rule, inputs)
    shown = {k: format_value(rule.input_spec(k), v) for k, v in values.items() if k in inputs}
    base = dict(
        rule_id=rule.id,
        clause_id=rule.clause_id,
        citation=citation,
        source_span=rule.source_span,
        inputs=shown,
        input_labels={k: rule.input_spec(k).zh for k in shown},
        cap_wan=_rule_cap(rule, values),
    )
    reasons: list[str] = [f"前提：{q}" for q in rule.qualifications] + list(rule.notes)
    steps: list[CalcStep] = []
    failures: list[str] = []
    unverified: list[str] = []
    for c in rule.conditions:
        value, other = values.get(c.input), values.get(c.than) if c.than else None
        spec = rule.input_spec(c.input)
        other_spec = rule.input_spec(c.than) if c.than else None
        if value is None or (c.than is not None and other is None):
            want = (
                f"{spec.zh}{_PASS_WORD[c.op]}{c.value}"
                if c.value is not None
                else f"{spec.zh}{_PASS_WORD[c.op]}{other_spec.zh if other_spec else ''}"
            )
            unverified.append(f"需满足：{want}（原文：{c.word}），未核实")
            continue
        if _holds(c, value, other):
            steps.append(CalcStep(_pass_text(c, value, other, spec, other_spec)))
        else:
            text = _fail_text(c, value, other, spec, other_spec) + "，不符合条件"
            if c.otherwise:
                text += f"（{c.otherwise}）"
            failures.append(text)
            steps.append(CalcStep(text, Decimal(0)))
    # a stated fact that fails a threshold settles it, whatever else is missing (个税9.8万 < 10万)
    if failures:
        return Calculation(
            amount_wan=_q(Decimal(0)),
            formula="；".join(failures),
            missing=(),
            steps=tuple(steps),
            eligible=False,
            reasons=tuple(failures + reasons),
            **base,  # type: ignore[arg-type]
        )
    missing = rule.missing(values)
    if missing:
        return Calculation(
            amount_wan=None,
            formula=f"{rule.describe()}{f'（条件：{conds}）' if (conds := rule.conditions_text()) else ''}；需提供：{'、'.join(missing)}",
            missing=missing,
            steps=(CalcStep(f"规则：{rule.describe()}"),),
            eligible=None,
            reasons=tuple(reasons),
            **base,  # type: ignore[arg-type]
        )
    amount, formula = rule.compute(values, steps, reasons)
    if amount is None and base["cap_wan"] is None:
        bound = rule.upper_bound(values)
        base["cap_wan"] = None if bound is None else _q(bound)
    eligible: bool | None = None if (unverified or rule.qualifications) else True
    if amount is not None and amount == 0 and rule.kind == "per_item" and formula.endswith("不符合条件"):
        eligible = False
    return Calculation(
        amount_wan=None if amount is None else _q(amount),
        formula=formula,
        missing=(),
        steps=tuple(steps),
        eligible=eligible,
        reasons=tuple(unverified + reasons),
        **base,  # type: ignore[arg-type]
    )


def combine_overlapping(calcs: Sequence[Calculation], reason: str) -> Calculation:
    """就高不重复: of calculations under overlapping rules, the larger applies — never the sum.

    ``reason`` is the documents' own sentence (e.g. 本措施与其他同类型政策存在交叉、重复的，按“就高不
    重复”原则落实). The result carries the chosen rule's id and citation and lists every candidate.
    When any amount is unknown (missing inputs, a cap-only award) the maximum cannot be taken:
    amount is None and the formula says why.
    """
    if not calcs:
        raise RuleError("combine_overlapping needs at least one calculation")
    if len(calcs) == 1:
        return calcs[0]
    steps = [CalcStep(f"{c.rule_id}：{'未能测算' if c.amount_wan is None else _w(c.amount_wan) + '万元'}", c.amount_wan) for c in calcs]
    known = [c for c in calcs if c.amount_wan is not None]
    if len(known) < len(calcs):
        unknown = "、".join(c.rule_id for c in calcs if c.amount_wan is None)
        first = calcs[0]
        return Calculation(
            rule_id=first.rule_id,
            clause_id=first.clause_id,
            amount_wan=None,
            formula=f"就高不重复：{unknown}的金额未能测算，无法比较取高",
            inputs=dict(first.inputs),
            input_labels=dict(first.input_labels),
            missing=tuple(dict.fromkeys(m for c in calcs for m in c.missing)),
            steps=tuple(steps),
            eligible=None,
            reasons=(reason,),
            citation=first.citation,
            source_span=first.source_span,
        )
    best = max(known, key=lambda c: c.amount_wan or Decimal(0))  # first of equals wins
    values = "，".join(_w(c.amount_wan or Decimal(0)) for c in calcs)
    formula = f"就高不重复：max({values})={_w(best.amount_wan or Decimal(0))}万元，按{best.rule_id}执行，不叠加"
    steps.append(CalcStep(formula, best.amount_wan))
    inputs = {k: v for c in calcs for k, v in c.inputs.items()}
    return Calculation(
        rule_id=best.rule_id,
        clause_id=best.clause_id,
        amount_wan=best.amount_wan,
        formula=formula,
        inputs=inputs,
        input_labels={k: v for c in calcs for k, v in c.input_labels.items()},
        missing=(),
        steps=tuple(steps),
        eligible=best.eligible,
        reasons=(reason, *best.reasons),
        citation=best.citation,
        source_span=best.source_span,
    )


OVERLAP_REASON = "同类政策存在交叉、重复的，按“就高不重复”原则落实：取其中较高者，不叠加。"


STACK_REASON = "合计为本条各项分别测算后相加；各项能否同时享受，以条款规定和主管部门认定为准。"


def combine_stacked(
    calcs: Sequence[Calculation],
    rules: Sequence[Rule],
    *,
    combined: CombinedCapRule | None = None,
    citation: Citation | None = None,
) -> Calculation:
    """The total of awards that stack (研发费用补助 + 叠加奖励; 认定奖励 + 运营补助), capped by the
    text's combined cap when it has one (以上奖励补助合计每年每家孵化器最高500万元).

    A part stated only as a maximum (最高50万元) makes the total a maximum: ``amount_wan`` is None
    and ``cap_wan`` is the most the parts give together ("50万元（…）+最高50万元（…）=最多100万元").
    When the definite parts alone reach the combined cap, the total is the cap, definitely. A part
    with inputs missing leaves the total unknown and its inputs missing. ``calcs`` and ``rules``
    are in the same order.
    """
    if len(calcs) != len(rules) or not calcs:
        raise RuleError("combine_stacked needs one rule per calculation, and at least one")
    low = high = Decimal(0)
    terms: list[str] = []
    steps: list[CalcStep] = []
    missing: list[str] = []
    for calc, rule in zip(calcs, rules, strict=True):
        name = rule.title
        if calc.missing:
            missing += [m for m in calc.missing if m not in missing]
            terms.append(f"（{name}：需提供{'、'.join(calc.missing)}）")
        elif calc.amount_wan is not None:
            low += calc.amount_wan
            high += calc.amount_wan
            why = "，不符合条件" if calc.eligible is False else ""
            terms.append(f"{_w(calc.amount_wan)}万元（{name}{why}）")
        elif calc.cap_wan is not None:
            high += calc.cap_wan
            terms.append(f"最高{_w(calc.cap_wan)}万元（{name}）")
        else:  # pragma: no cover - every calculation without missing inputs has an amount or a cap
            missing.append(name)
            terms.append(f"（{name}：未能测算）")
        steps.append(CalcStep(f"{name}：{calc.formula}", calc.amount_wan if calc.amount_wan is not None else calc.cap_wan))
    head = "+".join(terms)
    first = calcs[0]
    reasons = [STACK_REASON] + [r for c in calcs for r in c.reasons]
    if missing:
        formula = f"{head}：合计还需提供{'、'.join(missing)}"
        amount: Decimal | None = None
        cap: Decimal | None = None
    else:
        definite = low == high
        formula = f"{head}={'' if definite else '最多'}{_w(high)}万元"
        if combined is not None:
            limit = combined.cap.wan
            phrase = f"以上奖励补助合计{combined.cap_phrase(combined.cap)}"
            if high > limit:
                formula += f"，超过{phrase}，按{'' if low >= limit else '最多'}{_w(limit)}万元"
            else:
                formula += f"，未超过{phrase}"
            low, high = min(low, limit), min(high, limit)
        amount = _q(low) if low == high else None
        cap = _q(high)
        steps.append(CalcStep(formula, amount if amount is not None else cap))
    ids = [r.id for r in rules]
    return Calculation(
        rule_id=combined.id if combined is not None else "+".join(ids),
        clause_id=combined.clause_id if combined is not None else first.clause_id,
        amount_wan=amount,
        formula=formula,
        inputs={k: v for c in calcs for k, v in c.inputs.items()},
        input_labels={k: v for c in calcs for k, v in c.input_labels.items()},
        missing=tuple(missing),
        steps=tuple(steps),
        eligible=False if all(c.eligible is False for c in calcs) else None,
        reasons=tuple(dict.fromkeys(reasons)),
        citation=citation if citation is not None else first.citation,
        source_span=combined.source_span if combined is not None else "；".join(r.source_span for r in rules),
        cap_wan=cap,
    )


def _most_calculation(
    rule: Rule, values: Mapping[str, Any], calc: Calculation, *, most: bool, citation: Citation | None
) -> Calculation | None:
    """For a question that lacks inputs: the rule's own maximum, when the question asks for the
    most (最多/最高) and the maximum does not depend on the missing facts.

    A per-unit rule takes its longest duration (最长2年) for a missing duration when the most is
    asked, and states its rate per unit (每人每年最高15万元) when no unit is given at all.
    """
    if isinstance(rule, PerUnitRule):
        filled = dict(values)
        notes = []
        if most:
            for u in rule.units:
                if u.input not in filled and u.max is not None:
                    spec = rule.input_spec(u.input)
                    filled[u.input] = int(u.max.value) if spec.type == "count" else u.max.value
                    notes.append(f"未给出{spec.zh}，按{rule.title}最长{u.max}计")
        if notes and not rule.missing(filled):
            out = calculate(rule, filled, citation=citation)
            return dataclasses.replace(out, reasons=(*notes, *out.reasons))
        if any(u.input in values for u in rule.units):
            return None
        rate, phrase = rule.unit_rate()
        return dataclasses.replace(
            calc,
            formula=rule.describe(),
            missing=(),
            steps=(CalcStep(f"{phrase}（标准，不是测算金额）", _q(rate)),),
            cap_wan=_q(rate),
            reasons=(
                *calc.reasons,
                f"以上为{phrase}的标准；总额按{'、'.join(rule.input_spec(u.input).zh for u in rule.units)}计算",
            ),
        )
    if not most or any(n in values for n in rule.core_inputs() if n != "tier"):
        return None
    stated = rule.stated_max()
    if stated is None:
        return None
    cap, phrase = stated
    top = rule.top_tier()
    formula = rule.describe()
    if conds := rule.conditions_text():
        formula += f"（条件：{conds}）"
    if top is not None and "tier" not in values:
        formula += f"；未说明类别，按最高的{top.name}计：最多{_w(cap)}万元"
    elif phrase not in formula:
        formula += f"；最多{_w(cap)}万元"
    return dataclasses.replace(
        calc,
        formula=formula,
        missing=(),
        steps=(CalcStep(f"{phrase}（上限，不是测算金额）", _q(cap)),),
        cap_wan=_q(cap),
        reasons=(*calc.reasons, f"以上为本项规定的上限；测算具体金额还需提供：{'、'.join(calc.missing)}"),
    )


def calculate_question(
    question: str,
    clause_ids: Sequence[str],
    *,
    rules: RuleBook | None = None,
    citations: Mapping[str, Citation] | None = None,
    overlap_reason: str = OVERLAP_REASON,
    limit: int = 3,
) -> list[Calculation]:
    """The calculations an amount question asks for, over the clauses retrieval found; the first
    is the headline — the one that answers the question — and the parts behind it follow.

    The rules of ``clause_ids`` are ranked by the question's words and the facts it states
    (``RuleBook.ranked``); the best-scoring ones (ties kept, at most ``limit``; the first rule when
    nothing matches) are computed from the facts the question states
    (``assistant.params.extract_params``). Then the headline:

    - a total (加起来, 一共能拿, 两项, 补助加叠加奖励) over the rules of the top rule's clause that
      the question names, or a question matching a combined cap (以上奖励补助合计…最高500万元):
      ``combine_stacked`` of them, capped by the clause's combined cap;
    - otherwise, for rules marked overlapping: the 就高不重复 result (``combine_overlapping``);
    - otherwise the best rule's calculation.

    A question that asks for the most (最多/最高) but states no facts gets the rule's own maximum
    (``cap_wan``, nothing missing) when that maximum does not depend on the facts. ``citations``
    maps a clause id to the chain's ``Citation`` for it, so each calculation cites its clause.
    """
    from assistant.params import extract_params

    book = rules if rules is not None else load_rules()
    total = asks_total(question)
    most = asks_most(question)
    ranked = book.ranked(question, clause_ids, total=total)
    if not ranked:
        return []
    top = ranked[0][0]
    chosen = [r for w, r in ranked if w == top][:limit] if top > 0 else [ranked[0][1]]

    def run(rule: Rule, foreign: Sequence[str] = ()) -> Calculation:
        values, _ = extract_params(question, rule, foreign=foreign)
        cite = (citations or {}).get(rule.clause_id)
        calc = calculate(rule, values, citation=cite)
        if calc.missing:
            return _most_calculation(rule, values, calc, most=most, citation=cite) or calc
        return calc

    # other awards the question names and states facts for: a figure introduced by their words is
    # theirs, not this rule's ("数字化改造花了60万，管理咨询花了40万")
    named = [r for _, r in ranked if book.cue_score(question, r) > 0 and _states_facts_for(question, r)]
    out = [run(rule, _foreign_cues(rule, named)) for rule in chosen]
    by_id = {c.rule_id: c for c in out}

    parts, combined = _stack_parts(book, question, ranked, total=total, top=top)
    if parts:
        with_facts = [r for r in parts if _states_facts_for(question, r)]
        part_calcs = [run(r, _foreign_cues(r, with_facts)) for r in parts]
        cite = (citations or {}).get(combined.clause_id) if combined is not None else None
        head = combine_stacked(part_calcs, parts, combined=combined, citation=cite)
        rest = [c for c in out if c.rule_id not in {r.id for r in parts}]
        return [head, *part_calcs, *rest]

    combos: list[Calculation] = []
    for rule in chosen:
        pair = [by_id[o.id] for o in book.overlapping(rule.id) if o.id in by_id and o.id > rule.id]
        if pair:
            combos.append(combine_overlapping([by_id[rule.id], *pair], overlap_reason))
    return [*combos, *out]


def _states_facts_for(question: str, rule: Rule) -> bool:
    from assistant.params import cued_inputs

    return any(n != "tier" for n in cued_inputs(question, rule))


def _cue_positions(question: str, rule: Rule) -> set[int]:
    """Where in the question the rule's cue words and tier names stand."""
    text = _plain(question)
    taken = _taken(text, [])
    _covered_length(text, rule.cues, taken)
    _covered_length(text, [t.name for t in rule.tiers()], taken)
    return {i for i, t in enumerate(taken) if t}


def _foreign_cues(rule: Rule, parts: Sequence[Rule]) -> tuple[str, ...]:
    """The cue words of the other parts of a total that read different facts from this rule's
    (数字化改造 vs 管理咨询 — each its own 费用), not of those sharing facts (研发费用补助 and
    叠加奖励 both read the year's 研发费用)."""
    mine = {n: rule.input_spec(n).zh for n in rule.wanted_inputs()}
    out: list[str] = []
    for other in parts:
        if other.id == rule.id:
            continue
        shared = any(mine.get(n) == other.input_spec(n).zh for n in other.wanted_inputs() if n in mine)
        if not shared:
            out += [c for c in other.cues if c not in rule.cues and c not in out]
    return tuple(out)


def _stack_parts(
    book: RuleBook, question: str, ranked: Sequence[tuple[int, Rule]], *, total: bool, top: int
) -> tuple[list[Rule], CombinedCapRule | None]:
    """The awards a total is asked over, and the combined cap that limits them, if any.

    A total is over the rules of the best rule's clause whose own cue words the question uses;
    a question matching a combined-cap rule as strongly as anything else (孵化器一年最多能拿多少)
    asks about all of its members. Rules marked overlapping (就高不重复) never stack.
    """
    if top <= 0:
        return [], None
    best = [r for w, r in ranked if w == top]
    combined = next((r for r in best if isinstance(r, CombinedCapRule)), None)
    if not total and combined is None:
        return [], None
    anchor = combined or best[0]
    if total:
        # each award the question names, best first; one whose words are all taken by a better
        # one (重大研发机构 named for the 补足, not also for the 绩效奖励) is not named by them,
        # unless the question states the facts it is computed from (研发费用两千万 for the 补助
        # of "补助加叠加奖励")
        parts = []
        said: set[int] = set()
        for _, r in ranked:
            if r.clause_id != anchor.clause_id or isinstance(r, CombinedCapRule):
                continue
            words = _cue_positions(question, r)
            if len(words - said) >= 2 or (words and _states_facts_for(question, r)):
                parts.append(r)
                said |= words
    else:
        assert combined is not None
        parts = [book.get(m) for m in combined.members]
    order = {r.id: i for i, r in enumerate(book.rules)}
    parts.sort(key=lambda r: order[r.id])  # as the clause lists them: 补助, then 叠加奖励
    kept: list[Rule] = []
    for r in parts:
        if not any(r.id in k.overlaps or k.id in r.overlaps for k in kept):
            kept.append(r)
    if len(kept) < 2:
        return [], None
    if combined is None:
        ids = {r.id for r in kept}
        combined = next(
            (
                r
                for r in book.for_clause(anchor.clause_id)
                if isinstance(r, CombinedCapRule) and r.clause_id == anchor.clause_id and ids & set(r.members)
            ),
            None,
        )
    return kept, combined


# ---------------------------------------------------------------- for people: policyqa calc


def render_calculation(calc: Calculation, rule: Rule) -> str:
    """The printable text of a calculation: rule, source, inputs, steps, result."""
    lines = [f"{rule.title}（{rule.id}）"]
    if calc.citation is not None:
        lines.append(f"依据：{calc.citation.reference}")
    else:
        lines.append(f"依据：条款 {rule.clause_id}")
    lines.append(f"原文：“{rule.source_span}”")
    if calc.inputs:
        lines.append("输入：" + "；".join(f"{rule.input_spec(k).zh}={v}" for k, v in calc.inputs.items()))
    if calc.steps:
        lines.append("计算：")
        lines += [f"  {s.text}" for s in calc.steps]
    if calc.missing:
        lines.append(f"还需提供：{'、'.join(calc.missing)}")
    elif calc.amount_wan is None:
        lines.append(f"结果：{calc.formula}")
    elif calc.eligible is False:
        lines.append(f"结果：不符合条件，金额0万元（{calc.formula}）")
    else:
        lines.append(f"结果：{_w(calc.amount_wan)}万元（{calc.formula}）")
    for r in calc.reasons:
        if calc.eligible is False and r in calc.formula:
            continue
        lines.append(f"提示：{r}")
    return "\n".join(lines)


def calc_command(rule_id: str, pairs: list[str], *, rules: RuleBook | None = None, corpus: Corpus | None = None) -> str:
    """``policyqa calc RULE_ID key=value …``: the printable calculation.

    Unknown rule → RuleError listing close matches; a pair without ``=``, an unknown key or an
    unreadable value → RuleError naming it. ``policyqa calc RULE_ID`` alone lists the rule's inputs.
    """
    book = rules if rules is not None else load_rules()
    rule = book.get(rule_id)
    inputs: dict[str, object] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise RuleError(
                f"{pair!r} is not key=value; write e.g. base_wan=120",
                message_zh=f"参数“{pair}”应写成 名称=值，例如 base_wan=120。",
            )
        key = key.strip()
        if key in inputs:
            raise RuleError(f"{key!r} is given twice; give each input once", message_zh=f"参数“{key}”重复。")
        inputs[key] = value.strip()
    citation = None
    clause = _clause(rule.clause_id, corpus)
    if clause is not None:
        import datetime as dt

        from assistant.compose import make_citation

        citation = make_citation(1, clause, rule.source_span, dt.date.today())
    calc = calculate(rule, inputs, citation=citation)
    text = render_calculation(calc, rule)
    if not pairs:
        names = "\n".join(
            f"  {n}={_EXAMPLE[rule.input_spec(n).type].split('（')[0].split('，')[0]}  {rule.input_spec(n).zh}"
            for n in rule.wanted_inputs()
        )
        text += f"\n可用参数：\n{names}"
    return text


def _clause(clause_id: str, corpus: Corpus | None) -> Any:
    from corpus.errors import CorpusError

    try:
        if corpus is None:
            from corpus.documents import load_corpus
            from corpus.settings import DOCUMENTS_DIR

            corpus = load_corpus(DOCUMENTS_DIR)
        return corpus.clause(clause_id)
    except CorpusError:
        return None


# ---------------------------------------------------------------- for a tool-calling model


def args_model(kind: str) -> type[BaseModel]:
    """The pydantic arguments model of one rule kind: its core inputs, plus ``facts`` for conditions."""
    cls = KINDS.get(kind)
    if cls is None:
        raise RuleError(f"unknown rule kind {kind!r}; kinds are {sorted(KINDS)!r}")
    return _ARGS_MODELS[kind]


def _kind_inputs(kind: str) -> tuple[str, ...]:
    return {
        "fixed": ("tier",),
        "per_item": ("items", "count"),
        "ratio": ("base_wan", "tier", "prior_wan"),
        "per_step": ("current_wan", "last_wan", "growth_pct"),
        "max_only": ("tier",),
        "interest_fixed_rate": ("loan_wan", "months"),
        "financing_cost_cap": ("loan_wan", "rate_pct", "months"),
        "interest_share": ("interest_wan", "loan_wan", "rate_pct", "months", "lpr_pct"),
        "premium": ("premium_wan", "insured_wan", "premium_rate_permille"),
        "tax_share": ("local_share_wan",),
        "top_up": ("received_wan",),
        "combined_cap": ("amounts_wan",),
        "per_unit": ("persons", "years", "person_times", "days"),
    }[kind]


_JSON_TYPE: dict[str, Any] = {
    "money": Decimal | None,
    "pct": Decimal | None,
    "permille": Decimal | None,
    "months": Decimal | None,
    "years": Decimal | None,
    "count": int | None,
    "level": int | None,
    "choice": str | None,
    "items": list[dict[str, Decimal]] | None,
    "money_list": list[Decimal] | None,
}
_UNIT_NOTE = {
    "money": "万元",
    "pct": "%",
    "permille": "‰",
    "months": "月",
    "years": "年",
    "count": "个",
    "level": "级",
    "choice": "",
    "items": "",
    "money_list": "万元",
}


def _make_args_model(kind: str) -> type[BaseModel]:
    fields: dict[str, Any] = {"kind": (Literal[kind], Field(description="the rule's kind; must match the rule"))}  # type: ignore[valid-type]
    for name in _kind_inputs(kind):
        spec = INPUTS[name]
        fields[name] = (
            _JSON_TYPE[spec.type],
            Field(default=None, description=f"{spec.zh}（{_UNIT_NOTE[spec.type]}）".replace("（）", "")),
        )
    fields["facts"] = (
        dict[str, Decimal | str],
        Field(
            default_factory=dict,
            description="facts the rule's conditions compare, by input name "
            "(e.g. digital_level, shareholding_pct, revenue_last_wan, annual_tax_wan)",
        ),
    )
    model: type[BaseModel] = create_model(f"{''.join(p.title() for p in kind.split('_'))}Args", **fields)
    return model


_ARGS_MODELS: dict[str, type[BaseModel]] = {k: _make_args_model(k) for k in KINDS}


def as_tool(rules: RuleBook | None = None) -> StructuredTool:
    """The calculator as a LangChain ``StructuredTool``: ``rule_id`` plus the arguments of its kind.

    The JSON schema of ``args`` is a union discriminated by ``kind`` — one schema per rule kind.
    The tool returns the calculation as JSON (``Calculation.to_dict()``), or ``{"error": …}``.
    """
    from langchain_core.tools import StructuredTool

    book = rules if rules is not None else load_rules()
    ids = tuple(r.id for r in book)
    # one arguments schema per rule kind, told apart by "kind" (built at run time, hence Union[...])
    kind_union = Annotated[Union[tuple(_ARGS_MODELS.values())], Field(discriminator="kind")]  # type: ignore[valid-type]  # noqa: UP007
    schema = create_model(
        "PolicyCalculatorInput",
        rule_id=(Literal[ids], Field(description="the rule to apply (a clause's money provision)")),  # type: ignore[valid-type,arg-type]
        args=(kind_union, Field(description="the facts stated by the user; leave out what was not stated")),  # type: ignore[arg-type]
    )

    def run(rule_id: str, args: Any) -> str:
        try:
            rule = book.get(rule_id)
            data = args.model_dump() if isinstance(args, BaseModel) else dict(args)
            if data.get("kind") != rule.kind:
                raise RuleError(f"rule {rule_id!r} is of kind {rule.kind!r}, the arguments are of kind {data.get('kind')!r}")
            facts = data.pop("facts", {}) or {}
            data.pop("kind", None)
            inputs = {k: v for k, v in data.items() if v is not None} | dict(facts)
            if "items" in inputs:
                inputs["items"] = [{k: v for k, v in row.items()} for row in inputs["items"]]
            return json.dumps(calculate(rule, inputs).to_dict(), ensure_ascii=False)
        except RuleError as e:
            return json.dumps({"error": str(e), "error_zh": e.message_zh}, ensure_ascii=False)

    return StructuredTool.from_function(
        func=run,
        name="policy_calculator",
        description=(calculate.__doc__ or "").strip(),
        args_schema=schema,
    )
