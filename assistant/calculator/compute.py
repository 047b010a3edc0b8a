"""Applying one rule to the stated facts: ``calculate`` → ``Calculation`` with every step and the formula."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from decimal import Decimal
from typing import Any

from assistant.calculator.inputs import format_value, parse_value
from assistant.calculator.kinds import _tier
from assistant.calculator.money import _HUNDRED, Amount, _q
from assistant.calculator.rules import _PASS_WORD, Rule, _fail_text, _holds, _pass_text
from assistant.records import CalcStep, Calculation, Citation
from corpus.errors import RuleError

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


def calculate(
    rule: Rule,
    inputs: Mapping[str, object],
    *,
    citation: Citation | None = None,
    stated_failures: Sequence[str] = (),
    stated_holds: Collection[str] = (),
) -> Calculation:
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
    ``stated_failures`` are conditions the question's own words fail (a company type the rule
    does not name, a lower level than it requires, not the first award), each quoting the text:
    they settle the amount at 0 like a failed threshold. ``stated_holds`` names the inputs a
    comparison needs that the question's words settle in its favour ("比上一年有增长": last_wan).
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
        reviewed=rule.reviewed,
    )
    reasons: list[str] = [f"前提：{q}" for q in rule.qualifications] + list(rule.notes)
    steps: list[CalcStep] = []
    failures: list[str] = [f"{f}，不符合条件" for f in stated_failures]
    for f in failures:
        steps.append(CalcStep(f, Decimal(0)))
    unverified: list[str] = []
    failed_words: list[str] = []  # the rule's own words for each threshold the facts fail
    for c in rule.conditions:
        value, other = values.get(c.input), values.get(c.than) if c.than else None
        spec = rule.input_spec(c.input)
        other_spec = rule.input_spec(c.than) if c.than else None
        if value is None and c.input.startswith("age_") and any(k.startswith("age_") for k in values):
            continue  # an age limit of the other sex does not apply to the asker
        if value is not None and c.than is not None and other is None and c.than in stated_holds:
            steps.append(CalcStep(f"{spec.zh}{_PASS_WORD[c.op]}{other_spec.zh if other_spec else ''}（{c.word}，据您所述）"))
            continue
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
            if c.word:
                failed_words.append(c.word)
    settled = rule.settled(values)  # a stated fact that alone gives nothing (利率1.9% ≤ 融资成本2%)
    if settled is not None and not failures:
        failures.append(settled)
        steps.append(CalcStep(settled, Decimal(0)))
    # a stated fact that fails a threshold settles it, whatever else is missing (个税9.8万 < 10万)
    if failures:
        return Calculation(
            amount_wan=_q(Decimal(0)),
            formula="；".join(failures),
            missing=(),
            steps=tuple(steps),
            eligible=False,
            reasons=tuple(failures + reasons),
            failed_conditions=tuple(dict.fromkeys(failed_words)),
            **base,  # type: ignore[arg-type]
        )
    missing = rule.missing(values, given=stated_holds)
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
