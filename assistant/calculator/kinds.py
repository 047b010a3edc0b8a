"""The rule kinds, one class each (ratio, fixed, per item, per step, interest, premium …): how each computes."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Annotated, Any, ClassVar, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    TypeAdapter,
    model_validator,
)

from assistant.calculator.inputs import INPUTS, InputSpec
from assistant.calculator.kinds_schedule import BandsRule, SharePerUnitRule
from assistant.calculator.money import _HUNDRED, _THOUSAND, Amount, _f, _q, _w
from assistant.calculator.rules import _PASS_WORD, ItemSpec, Rule, Tier, UnitSpec, _fail_text, _holds
from assistant.records import CalcStep
from corpus.errors import RuleError


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
            if not self.item.attributes:  # only their number counts: ask for it once, not "每家的或家数"
                return InputSpec("items", f"{self.item.noun}数", "items")
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


class LoanCeiling(BaseModel):
    """A loan ceiling of the measure ("研发创新贷款上限从5000万元提高至1亿元"): the loan it names
    (``loans``), whom a raised ceiling is for (``subjects``, empty for every company) and its amount.
    A larger loan is subsidised up to the ceiling."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    loans: tuple[str, ...] = Field(min_length=1)
    subjects: tuple[str, ...] = ()
    amount: Amount
    words: str  # the text's words for it


class FinancingCostCapRule(Rule):
    """融资成本最高2%，其余贴息: the part of the loan rate above the cost cap is subsidised, on a loan
    up to the measure's ceiling for that loan and company (``loan_ceilings``)."""

    kind: Literal["financing_cost_cap"]
    cost_cap: Amount
    loan_ceilings: tuple[LoanCeiling, ...] = ()

    core: ClassVar[tuple[str, ...]] = ("loan_wan", "rate_pct", "months")

    def wanted_inputs(self) -> tuple[str, ...]:
        names = super().wanted_inputs()
        return (*names, "loan_ceiling_wan") if self.loan_ceilings else names

    def optional_inputs(self) -> tuple[str, ...]:
        return ("loan_ceiling_wan",)

    def ceiling_for(self, loan_words: str, subject: Callable[[str], bool]) -> LoanCeiling | None:
        """The ceiling of the loan the question names, raised when ``subject`` holds for its subjects."""
        fits = [c for c in self.loan_ceilings if any(w in loan_words for w in c.loans)]
        raised = [c for c in fits if c.subjects and any(subject(s) for s in c.subjects)]
        plain = [c for c in fits if not c.subjects]
        return next(iter(raised or plain), None)

    def describe(self) -> str:
        return f"企业融资成本{self.cost_cap}，贷款利率高于{self.cost_cap}的部分由财政贴息（需贷款金额、年利率和期限）"

    def settled(self, v: Mapping[str, Any]) -> str | None:
        rate = v.get("rate_pct")
        if rate is not None and rate <= self.cost_cap.value:
            return f"贷款年利率{_f(rate)}%未超过企业融资成本{self.cost_cap}（原文：{self.source_span}），无贴息"
        return None

    def compute(self, v: Mapping[str, Any], steps: list[CalcStep], reasons: list[str]) -> tuple[Decimal | None, str]:
        loan: Decimal = v["loan_wan"]
        rate: Decimal = v["rate_pct"]
        months: Decimal = v["months"]
        cap = self.cost_cap.value
        ceiling = v.get("loan_ceiling_wan")
        if ceiling is not None and loan > ceiling:
            words = next((c.words for c in self.loan_ceilings if c.amount.wan == ceiling), "")
            over = f"贷款金额{_w(loan)}万元超过贷款额度上限{_w(ceiling)}万元（原文：{words}），按{_w(ceiling)}万元计"
            steps.append(CalcStep(over, ceiling))
            loan = ceiling
        if rate <= cap:
            text = f"年利率{_f(rate)}%未超过融资成本{self.cost_cap}，无需贴息，贴息0万元"
            steps.append(CalcStep(text, Decimal(0)))
            return Decimal(0), text
        amount = loan * (rate - cap) / _HUNDRED * months / 12
        body = f"{_w(loan)}×({_f(rate)}%−{self.cost_cap})×{_f(months)}/12={_w(amount)}万元"
        steps.append(CalcStep(f"贴息利率{_f(rate)}%−{self.cost_cap}={_f(rate - cap)}%", None))
        steps.append(CalcStep(body, _q(amount)))
        if ceiling is not None and v["loan_wan"] > ceiling:
            body = f"{over}；{body}"
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
    cap: Amount | None = None  # the total's cap (按200元/人…，补贴总额最高不超过50000元)

    def core_inputs(self) -> tuple[str, ...]:
        return tuple(u.input for u in self.units)

    def describe(self) -> str:
        text = f"{self.per}{'最高' if self.rate_is_max else ''}{self.rate}"
        for u in self.units:
            if u.max is not None:
                text += f"，最长{u.max}"
        if self.cap is not None:
            text += f"，{self.cap_phrase(self.cap)}"
        return text

    def compute(self, v: Mapping[str, Any], steps: list[CalcStep], reasons: list[str]) -> tuple[Decimal | None, str]:
        product, factors = self.unit_product(self.units, v, steps, reasons)
        amount = product * self.rate.wan
        if self.rate_is_max:
            # 每人每年最高15万元: the product is the most that can be granted, not the grant
            formula = "×".join(factors) + f"×{self.rate}=最多{_w(amount)}万元"
            steps.append(CalcStep(formula, _q(amount)))
            if self.cap is not None and amount > self.cap.wan:
                steps.append(CalcStep(f"{_w(amount)}万元超过{self.cap_phrase(self.cap)}，最多{_w(self.cap.wan)}万元", _q(self.cap.wan)))
                formula += f"，超过{self.cap_phrase(self.cap)}，最多{_w(self.cap.wan)}万元"
            reasons.append(f"标准为“{self.per}最高{self.rate}”，算得的是上限，实际以核定为准")
            return None, formula
        formula = "×".join(factors) + f"×{self.rate}={_w(amount)}万元"
        steps.append(CalcStep(formula, _q(amount)))
        if self.cap is None:
            return amount, formula
        return _cap(amount, self.cap.wan, self.cap_phrase(self.cap), steps, formula)

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
    | PerUnitRule
    | BandsRule
    | SharePerUnitRule,
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
        BandsRule,
        SharePerUnitRule,
    )
}


class NoRule(BaseModel):
    """A money figure with no rule, and why (a fund total, a loan limit, an eligibility threshold)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    clause_id: str
    span: str = Field(min_length=2)
    reason: str = Field(min_length=4)
