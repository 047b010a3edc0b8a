"""Money and amounts as the clauses print them: ``Amount`` ("25万元", "30%", "7‰") and Decimal helpers."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from pydantic import (
    BaseModel,
    ConfigDict,
    model_validator,
)

YUAN = Decimal("0.0001")  # one yuan in 万元: every result is quantized to it
_HUNDRED = Decimal(100)
_THOUSAND = Decimal(1000)
_WAN = Decimal(10000)


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
