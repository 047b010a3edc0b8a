"""The rule schema: conditions, tiers, items and the ``Rule`` base every kind extends."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from decimal import ROUND_FLOOR, Decimal
from typing import Any, ClassVar, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from assistant.calculator.inputs import INPUTS, ITEM_ATTRIBUTES, InputSpec, format_value
from assistant.calculator.money import Amount, _f, _w
from assistant.records import CalcStep

_Op = Literal["gt", "ge", "lt", "le"]
_ASK_UNIT = {"money": "万元", "pct": "%", "permille": "‰", "years": "年", "months": "月"}
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
    # categories (tier names of the rules) whose holder meets the qualifications: a 部级孵化器 of
    # 标准级 is a 市级及以上孵化器, a 重大研发机构 a 新型研发机构 that was 认定 (used by 政策体检)
    qualified_by: tuple[str, ...] = ()
    reading: str = ""  # how ambiguous wording was read (for reviewers and the issue note)
    notes: tuple[str, ...] = ()  # said to the user with every calculation
    overlaps: tuple[str, ...] = ()  # rules of the same region on the same matter (就高不重复)
    restated_in: tuple[Restatement, ...] = ()
    inputs: dict[str, InputNote] = Field(default_factory=dict)
    cap_scope: str = ""  # the text's words before 最高 (单家企业, 每家企业每年)
    reviewed: bool = True  # False for a rule drafted from the text that no person has reviewed yet

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

    def unit_product(
        self, units: tuple[UnitSpec, ...], v: Mapping[str, Any], steps: list[CalcStep], reasons: list[str]
    ) -> tuple[Decimal, list[str]]:
        """The product of a per-unit rule's units (人 × 年 …), each held to its 最长 limit and years
        counted whole (the text never says how a part year is paid); with the factors as printed."""
        factors: list[str] = []
        product = Decimal(1)
        for u in units:
            spec = self.input_spec(u.input)
            value = Decimal(v[u.input])
            if u.max is not None and value > u.max.value:
                steps.append(CalcStep(f"{spec.zh}{format_value(spec, v[u.input])}超过最长{u.max}，按{u.max}计"))
                reasons.append(f"最长{u.max}")
                value = u.max.value
            if spec.type == "years" and value != value.to_integral_value():
                reasons.append(f"按整年计算：{_f(value)}年中不足一年的部分，文件未载明如何计算，未计入")
                value = value.to_integral_value(rounding=ROUND_FLOOR)
            product *= value
            factors.append(format_value(spec, value) if spec.type != "count" else _f(value))
        return product, factors

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

    def missing(self, values: Mapping[str, object], given: Collection[str] = ()) -> tuple[str, ...]:
        """Chinese names of the inputs still needed (alternatives joined by 或); ``given`` are inputs
        the question's words settle without a figure."""
        out: list[str] = []
        for req in self.requirements():
            if any(all(n in values or n in given for n in alt) for alt in req):
                continue
            # name only what is still lacking in each alternative (保额 given: "实缴保险费或单张保单保险费率")
            alts = dict.fromkeys("、".join(self.asked(n) for n in alt if n not in values) for alt in req)
            out.append("或".join(alts))
        return tuple(out)

    def asked(self, name: str) -> str:
        """An input as the answer asks for it: the clause's own words with the unit to give it in
        (实际支付技术交易额（万元）), unless the words already end with one (贷款期限（月）)."""
        spec = self.input_spec(name)
        unit = _ASK_UNIT.get(spec.type, "")
        said = not unit or spec.zh.endswith("）") or unit in spec.zh[-2:]  # 在站年数 already says 年
        return spec.zh if said else f"{spec.zh}（{unit}）"

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

    def settled(self, v: Mapping[str, Any]) -> str | None:
        """Why these facts give nothing whatever the facts still missing, or None (a loan rate already
        under the fixed financing cost needs no loan amount to give 0)."""
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
