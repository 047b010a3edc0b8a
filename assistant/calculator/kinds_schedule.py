"""Two kinds that pay by the unit in ways a single rate cannot state: a schedule by bands of a
count ("招用3人以下的按每人2000元；4人以上的每增加1人给予3000元，总额最高3万元") and a share of a
base paid per unit ("按本市最低工资标准的50%核拨补贴…最长12个月": base × share × persons × months)."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from assistant.calculator.money import Amount, _f, _q, _w
from assistant.calculator.rules import Rule, UnitSpec
from assistant.records import CalcStep


class Band(BaseModel):
    """Units up to ``upto`` (inclusive; None = without end) earn ``rate`` each, counted from the
    end of the band before: 3人以下每人2000元 → Band(upto=3, rate=2000元)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    upto: int | None = Field(default=None, ge=1)
    rate: Amount
    word: str  # the text's words for the band


class BandsRule(Rule):
    """A rate per unit that changes with the count, each band paying for the units within it."""

    kind: Literal["bands"]
    count: str = "persons"  # the input counted
    bands: tuple[Band, ...] = Field(min_length=2)
    cap: Amount | None = None

    @model_validator(mode="after")
    def _check(self) -> BandsRule:
        ends = [b.upto for b in self.bands]
        if any(e is None for e in ends[:-1]) or ends[:-1] != sorted(ends[:-1]):  # type: ignore[type-var]
            raise ValueError("bands must rise, and only the last may be without end")
        for b in self.bands:
            if not b.rate.is_money:
                raise ValueError(f"a band's rate must be money, got {b.rate}")
        return self

    def core_inputs(self) -> tuple[str, ...]:
        return (self.count,)

    def describe(self) -> str:
        text = "；".join(b.word for b in self.bands)
        return text + (f"，{self.cap_phrase(self.cap)}" if self.cap is not None else "")

    def compute(self, v: Mapping[str, Any], steps: list[CalcStep], reasons: list[str]) -> tuple[Decimal | None, str]:
        n = Decimal(v[self.count])
        parts: list[str] = []
        total = Decimal(0)
        below = 0
        for b in self.bands:
            end = n if b.upto is None else min(n, Decimal(b.upto))
            units = max(end - below, Decimal(0))
            if units:
                total += units * b.rate.wan
                parts.append(f"{_f(units)}×{b.rate}")
            if b.upto is None or n <= b.upto:
                break
            below = b.upto
        formula = ("+".join(parts) or "0") + f"={_w(total)}万元"
        steps.append(CalcStep(f"{self.input_spec(self.count).zh}{_f(n)}：" + formula, _q(total)))
        reasons.append("按档计算：每档的单价只计入该档内的人数（" + "；".join(b.word for b in self.bands) + "）")
        if self.cap is None:
            return total, formula
        cap = self.cap.wan
        phrase = self.cap_phrase(self.cap)
        if total > cap:
            steps.append(CalcStep(f"{_w(total)}万元超过{phrase}，按{_w(cap)}万元", _q(cap)))
            return cap, f"{formula}，超过{phrase}，按{_w(cap)}万元"
        steps.append(CalcStep(f"{_w(total)}万元未超过{phrase}", _q(total)))
        return total, f"{formula}，未超过{phrase}"


class SharePerUnitRule(Rule):
    """A share of a base paid per unit (the base a per-unit figure the question gives, e.g. the
    monthly minimum wage), each unit up to its limit: base × share × persons × months."""

    kind: Literal["share_per_unit"]
    share: Amount
    units: tuple[UnitSpec, ...] = Field(min_length=1)
    per: str  # the text's words for the unit: 每人每月

    core: ClassVar[tuple[str, ...]] = ("base_wan",)

    @model_validator(mode="after")
    def _check(self) -> SharePerUnitRule:
        if self.share.unit != "%":
            raise ValueError(f"share must be a percentage, got {self.share}")
        if "base_wan" not in self.inputs:
            raise ValueError("a share per unit must name its base: inputs: {base_wan: {zh: …, cues: […]}}")
        return self

    def core_inputs(self) -> tuple[str, ...]:
        return ("base_wan", *(u.input for u in self.units))

    def describe(self) -> str:
        text = f"按{self.input_spec('base_wan').zh}的{self.share}{self.per}计发"
        for u in self.units:
            if u.max is not None:
                text += f"，最长{u.max}"
        return text

    def compute(self, v: Mapping[str, Any], steps: list[CalcStep], reasons: list[str]) -> tuple[Decimal | None, str]:
        base: Decimal = v["base_wan"]
        rate = base * self.share.fraction
        steps.append(CalcStep(f"{self.input_spec('base_wan').zh}{_yuan(base)}×{self.share}={_yuan(rate)}（{self.per}）", _q(rate)))
        product, factors = self.unit_product(self.units, v, steps, reasons)
        amount = product * rate
        formula = f"{_yuan(base)}×{self.share}={_yuan(rate)}；" + "×".join([*factors, _yuan(rate)]) + f"={_w(amount)}万元"
        steps.append(CalcStep("×".join([*factors, _yuan(rate)]) + f"={_w(amount)}万元", _q(amount)))
        return amount, formula


def _yuan(wan: Decimal) -> str:
    """A per-unit figure in 元 when under 1万元 (2300元, not 0.23万元)."""
    return f"{_f(wan * 10000)}元" if wan < 1 else f"{_w(wan)}万元"
