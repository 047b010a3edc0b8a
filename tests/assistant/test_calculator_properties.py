"""Properties every rule keeps, whatever the facts: never above the cap, never negative, monotone
in the amount, zero when ineligible, to the yuan, and a cap-only award never turned into an amount.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.calculator import (
    KINDS,
    YUAN,
    Rule,
    calculate,
    load_rules,
)
from assistant.calculator.draft import draft_rules
from assistant.calculator.kinds import (
    CombinedCapRule,
    FinancingCostCapRule,
    InterestFixedRateRule,
    InterestShareRule,
    MaxOnlyRule,
    PerItemRule,
    PerStepRule,
    PerUnitRule,
    PremiumRule,
    RatioRule,
    TaxShareRule,
    TopUpRule,
)
from assistant.calculator.kinds_schedule import BandsRule, SharePerUnitRule
from corpus.documents import load_corpus
from corpus.library import prepare
from corpus.settings import DOCUMENTS_DIR

RULES = load_rules()
CORPUS = load_corpus(DOCUMENTS_DIR)
# the rules the drafter reads from the seeds' text alone keep the same properties
DRAFTED = [r for d in CORPUS.documents for r in draft_rules(d, CORPUS.clauses_of(d.id))]
# and those it reads from five real pages from elsewhere, taken in as `policyqa add` does
PAGES = Path(__file__).resolve().parents[1] / "corpus" / "fixtures"
_PREPARED = [prepare(p) for p in sorted(PAGES.glob("*.html"))]
DRAFTED_PAGES = [r for pr in _PREPARED for r in draft_rules(pr.document, list(pr.clauses))]
MONEY = st.decimals(min_value=0, max_value=100_000, places=4, allow_nan=False, allow_infinity=False)
RATE = st.decimals(min_value=0, max_value=30, places=2, allow_nan=False, allow_infinity=False)
MONTHS = st.integers(min_value=0, max_value=60)


def of(kind: type[Rule]) -> list[Rule]:
    return [r for r in RULES if isinstance(r, kind)]


def _caps(rule: Rule, inputs: dict[str, object]) -> list[Decimal]:
    """Every cap the text sets that bounds this calculation (万元)."""
    caps: list[Decimal] = []
    cap = getattr(rule, "cap", None)
    if cap is not None:
        caps.append(cap.wan)
    for t in rule.tiers():
        if inputs.get("tier") == t.name:
            caps.append(t.amount.wan)
    if isinstance(rule, TopUpRule):
        caps.append(rule.target.wan)
    return caps


def _inputs_strategy(rule: Rule) -> st.SearchStrategy[dict[str, object]]:
    """Facts of every shape the rule takes, including ones that fail its conditions."""
    if isinstance(rule, RatioRule):
        parts: dict[str, st.SearchStrategy[object]] = {"base_wan": MONEY}
        if rule.tiers():
            parts["tier"] = st.sampled_from([t.name for t in rule.tiers()])
        if rule.cap_years is not None:
            parts["prior_wan"] = MONEY
        if any(c.input == "digital_level" for c in rule.conditions):
            parts["digital_level"] = st.integers(0, 5)
        return st.fixed_dictionaries(parts)
    if isinstance(rule, PerStepRule):
        return st.fixed_dictionaries({"current_wan": MONEY, "last_wan": MONEY})
    if isinstance(rule, InterestFixedRateRule):
        return st.fixed_dictionaries({"loan_wan": MONEY, "months": MONTHS})
    if isinstance(rule, FinancingCostCapRule):
        return st.fixed_dictionaries({"loan_wan": MONEY, "rate_pct": RATE, "months": MONTHS})
    if isinstance(rule, InterestShareRule):
        if rule.lpr_capped:
            return st.fixed_dictionaries({"loan_wan": MONEY, "rate_pct": RATE, "months": MONTHS, "lpr_pct": RATE})
        return st.one_of(
            st.fixed_dictionaries({"interest_wan": MONEY}),
            st.fixed_dictionaries({"loan_wan": MONEY, "rate_pct": RATE, "months": MONTHS}),
        )
    if isinstance(rule, PremiumRule):
        return st.one_of(
            st.fixed_dictionaries({"premium_wan": MONEY, "insured_wan": MONEY}),
            st.fixed_dictionaries({"premium_wan": MONEY, "premium_rate_permille": st.decimals(min_value=0, max_value=50, places=2)}),
        )
    if isinstance(rule, TaxShareRule):
        parts = {"local_share_wan": MONEY}
        if any(c.input == "annual_tax_wan" for c in rule.conditions):
            parts["annual_tax_wan"] = MONEY
        return st.fixed_dictionaries(parts)
    if isinstance(rule, TopUpRule):
        return st.fixed_dictionaries({"received_wan": MONEY})
    if isinstance(rule, CombinedCapRule):
        return st.fixed_dictionaries({"amounts_wan": st.lists(MONEY, min_size=1, max_size=4)})
    if isinstance(rule, BandsRule):
        return st.fixed_dictionaries({rule.count: st.integers(0, 60)})
    if isinstance(rule, SharePerUnitRule):
        units = {u.input: st.integers(0, 50) if rule.input_spec(u.input).type == "count" else st.integers(0, 30) for u in rule.units}
        return st.fixed_dictionaries({"base_wan": st.decimals(min_value=0, max_value=2, places=4), **units})
    if isinstance(rule, PerUnitRule):
        return st.fixed_dictionaries(
            {u.input: st.integers(0, 50) if rule.input_spec(u.input).type == "count" else st.integers(0, 6) for u in rule.units}
        )
    if isinstance(rule, PerItemRule):
        attrs = {
            "original_value_wan": MONEY,
            "fee_wan": MONEY,
            "shareholding_pct": st.decimals(min_value=0, max_value=100, places=2),
        }
        if rule.item.attributes:
            item = st.fixed_dictionaries({a: attrs[a] for a in rule.item.attributes})
            return st.fixed_dictionaries({"items": st.lists(item, min_size=1, max_size=5)})
        return st.fixed_dictionaries({"count": st.integers(0, 20)})
    parts = {}
    if rule.tiers():
        parts["tier"] = st.sampled_from([t.name for t in rule.tiers()])
    if any(c.input == "revenue_last_wan" for c in rule.conditions):
        parts["revenue_last_wan"] = MONEY
    if any(c.input in ("current_wan", "growth_pct") for c in rule.conditions):
        parts |= {k: MONEY for k in ("current_wan", "last_wan") if k in rule.wanted_inputs()}
    if any(c.input == "persons" for c in rule.conditions):  # drafted: 吸纳就业3人或以上
        parts["persons"] = st.integers(0, 20)
    return st.fixed_dictionaries(parts)


ALL = [*RULES, *DRAFTED, *DRAFTED_PAGES]


@pytest.mark.parametrize("rule", ALL, ids=lambda r: r.id)
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_never_above_the_cap_never_negative_to_the_yuan(rule: Rule, data: st.DataObject) -> None:
    inputs = data.draw(_inputs_strategy(rule))
    calc = calculate(rule, inputs)
    assert calc.missing == ()
    if isinstance(rule, MaxOnlyRule):
        assert calc.amount_wan is None or (calc.eligible is False and calc.amount_wan == 0)
        return
    if isinstance(rule, PerUnitRule) and rule.rate_is_max:
        # 每人每年最高15万元: the product is a maximum, stated as the cap and never as the amount
        assert calc.amount_wan is None and calc.cap_wan is not None
        result = calc.cap_wan
    else:
        assert calc.amount_wan is not None
        result = calc.amount_wan
    assert result >= 0
    assert result == result.quantize(YUAN)
    for cap in _caps(rule, inputs):
        assert result <= cap, (inputs, calc.formula)
    if calc.eligible is False:
        assert result == 0


# The main amount of each rule kind; raising it never lowers the result. Rules whose text sends
# a larger amount elsewhere (设备投入500万元（含）以上 → 工业固投补助政策) are excluded by name.
_MAIN = {
    RatioRule: "base_wan",
    PerStepRule: "current_wan",
    InterestFixedRateRule: "loan_wan",
    FinancingCostCapRule: "loan_wan",
    InterestShareRule: "loan_wan",
    PremiumRule: "premium_wan",
    TaxShareRule: "local_share_wan",
    BandsRule: "persons",
    SharePerUnitRule: "base_wan",
}
_UPPER_BOUNDED = {r.id for r in RULES for c in r.conditions if c.op in ("lt", "le")}
_DRAFTED_UPPER_BOUNDED = {r.id for r in DRAFTED for c in r.conditions if c.op in ("lt", "le")}
MONOTONE = [r for r in [*RULES, *DRAFTED, *DRAFTED_PAGES] if type(r) in _MAIN and r.id not in _UPPER_BOUNDED | _DRAFTED_UPPER_BOUNDED]


def test_drafted_rules_cover_the_kinds_and_the_upper_bounded_one_is_the_tech_upgrade() -> None:
    assert len(DRAFTED) >= 55 and all(not r.reviewed for r in DRAFTED)
    # every kind is drafted from some seed clause or real page; the pages' own shapes among them
    assert {r.kind for r in [*DRAFTED, *DRAFTED_PAGES]} == set(KINDS)
    assert {"bands", "share_per_unit"} <= {r.kind for r in DRAFTED_PAGES}
    # the pages' upper bounds are ages (女性不超过55周岁), never the amount's own base
    assert {c.input for r in DRAFTED_PAGES for c in r.conditions if c.op in ("lt", "le")} == {"age_female", "age_male"}
    # the drafter's reading of 100～500万元 … 500万元（含）以上: one upper-bounded rule, the same clause as the reviewed one
    assert [CORPUS.clause(next(r for r in DRAFTED if r.id == i).clause_id).id for i in _DRAFTED_UPPER_BOUNDED] == [
        "xm-zjtx-2024/二/（二）/3"
    ]


def _failing(value: Decimal, op: str) -> Decimal:
    """A value on the wrong side of a threshold."""
    return {"ge": max(value - Decimal("0.01"), Decimal(0)), "gt": value, "le": value + 1, "lt": value}[op]


WITH_THRESHOLDS = [
    r for r in [*DRAFTED, *DRAFTED_PAGES] if any(c.value is not None and c.input not in ("digital_level",) for c in r.conditions)
]


@pytest.mark.parametrize("rule", WITH_THRESHOLDS, ids=lambda r: r.id)
@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_a_drafted_rule_gives_zero_when_a_threshold_fails(rule: Rule, data: st.DataObject) -> None:
    inputs = data.draw(_inputs_strategy(rule))
    cond = next(c for c in rule.conditions if c.value is not None and c.input != "digital_level")
    if cond.op == "ge" and cond.threshold() == 0:
        return
    bad = _failing(cond.threshold(), cond.op)
    inputs[cond.input] = int(bad) if rule.input_spec(cond.input).type == "count" else bad
    calc = calculate(rule, inputs)
    assert calc.eligible is False and calc.amount_wan == 0, (inputs, calc.formula)


def test_the_upper_bounded_exclusion_is_only_the_tech_upgrade_rule() -> None:
    assert _UPPER_BOUNDED == {"zjtx-3-tech-upgrade"}


@pytest.mark.parametrize("rule", MONOTONE, ids=lambda r: r.id)
@settings(max_examples=60, deadline=None)
@given(data=st.data(), extra=MONEY)
def test_monotone_in_the_amount(rule: Rule, data: st.DataObject, extra: Decimal) -> None:
    inputs = data.draw(_inputs_strategy(rule))
    key = _MAIN[type(rule)]
    if key not in inputs:  # the interest-only path of a plain interest share
        key = "interest_wan"
    # (per step: a larger figure this year with last year's fixed only makes growth easier)
    more = dict(inputs)
    more[key] = Decimal(str(inputs[key])) + extra
    if rule.input_spec(key).type == "count":  # a count of people (bands) grows by whole people
        more[key] = int(inputs[key]) + int(extra) % 50  # type: ignore[call-overload]
    a, b = calculate(rule, inputs), calculate(rule, more)
    assert a.amount_wan is not None and b.amount_wan is not None
    assert b.amount_wan >= a.amount_wan, (inputs, more, a.formula, b.formula)


@settings(max_examples=80, deadline=None)
@given(extra=MONEY, fee=MONEY, value=MONEY)
def test_per_item_monotone_in_a_fee_and_a_new_item(extra: Decimal, fee: Decimal, value: Decimal) -> None:
    rule = RULES.get("sangao-equipment-rental")
    base = [{"original_value_wan": value, "fee_wan": fee}, {"original_value_wan": "80", "fee_wan": "10"}]
    richer = [{"original_value_wan": value, "fee_wan": fee + extra}, {"original_value_wan": "80", "fee_wan": "10"}]
    more = [*base, {"original_value_wan": value + extra, "fee_wan": extra}]
    a = calculate(rule, {"items": base}).amount_wan
    assert a is not None
    assert (calculate(rule, {"items": richer}).amount_wan or 0) >= a
    assert (calculate(rule, {"items": more}).amount_wan or 0) >= a


@settings(max_examples=100, deadline=None)
@given(current=st.decimals(min_value=0, max_value=200, places=4), last=MONEY)
def test_rd_step_is_zero_at_or_below_the_threshold(current: Decimal, last: Decimal) -> None:
    calc = calculate(RULES.get("kjcx-7-rd-step"), {"current_wan": current, "last_wan": last})
    assert calc.eligible is False and calc.amount_wan == 0


@settings(max_examples=100, deadline=None)
@given(current=st.decimals(min_value="200.0001", max_value=100_000, places=4), drop=MONEY)
def test_rd_step_is_zero_without_growth(current: Decimal, drop: Decimal) -> None:
    calc = calculate(RULES.get("kjcx-7-rd-step"), {"current_wan": current, "last_wan": current + drop})
    assert calc.eligible is False and calc.amount_wan == 0


@settings(max_examples=100, deadline=None)
@given(share=st.decimals(min_value=0, max_value="29.99", places=2), n=st.integers(1, 5))
def test_incubation_below_30_percent_earns_nothing(share: Decimal, n: int) -> None:
    calc = calculate(RULES.get("sangao-incubate-hightech"), {"items": [{"shareholding_pct": share}] * n})
    assert calc.eligible is False and calc.amount_wan == 0


@settings(max_examples=100, deadline=None)
@given(value=st.decimals(min_value=0, max_value=50, places=4), fee=MONEY)
def test_equipment_at_or_below_50_wan_earns_nothing(value: Decimal, fee: Decimal) -> None:
    calc = calculate(RULES.get("sangao-equipment-rental"), {"items": [{"original_value_wan": value, "fee_wan": fee}]})
    assert calc.eligible is False and calc.amount_wan == 0


@settings(max_examples=100, deadline=None)
@given(premium=MONEY, insured=MONEY)
def test_premium_subsidy_never_exceeds_40_percent_of_7_permille(premium: Decimal, insured: Decimal) -> None:
    calc = calculate(RULES.get("zjtx-15-credit-insurance"), {"premium_wan": premium, "insured_wan": insured})
    assert calc.amount_wan is not None
    assert calc.amount_wan <= (insured * Decimal("0.007") * Decimal("0.4")).quantize(YUAN) + YUAN
    assert calc.amount_wan <= (premium * Decimal("0.4")).quantize(YUAN) + YUAN
