"""Combining calculations: 就高不重复 (the larger), stacked totals under a combined cap, a rule's own maximum."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from assistant.calculator.compute import calculate
from assistant.calculator.facts import _NUM, find_mentions
from assistant.calculator.inputs import _FULLWIDTH, parse_cn_number
from assistant.calculator.kinds import CombinedCapRule, FixedRule, MaxOnlyRule, PerUnitRule, TaxShareRule
from assistant.calculator.money import Amount, _f, _q, _w
from assistant.calculator.rules import Rule
from assistant.records import CalcStep, Calculation, Citation
from corpus.errors import RuleError


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
            reviewed=all(c.reviewed for c in calcs),
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
        reviewed=all(c.reviewed for c in calcs),
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
        reviewed=all(c.reviewed for c in calcs) and (combined is None or combined.reviewed),
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
            if "persons" not in filled and any(u.input == "persons" for u in rule.units) and any(n in values for n in ("years", "months")):
                # "博士后在站两年半，最多多少": the duration of one person said, no head count — per person
                filled["persons"] = 1
                notes.append(f"未给出{rule.input_spec('persons').zh}，按每人计")
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


# "5年内一共", "5年奖励期一共", "连续两年都拿…一共": a yearly award added up over the years asked
_YEARS_TOTAL = re.compile(r"一共|总共|合计|累计|加起来|共计")
# "两年奖补最多能有多少", "三年的补助最高多少": the years said as the award's own span
_YEARS_AWARD = re.compile(r"^(?:内|里|下来)?的?(?:奖补|补助|奖励|补贴|资助)[^，,。；;？?！!]{0,4}(?:最多|最高|多少)")


def over_years(question: str, rule: Rule, calc: Calculation) -> Calculation | None:
    """A yearly award stacked over the years the question asks a total for, within the clause's
    period limit ("5年内" for a tax share; "连续2年" for a yearly maximum); None when the question
    asks for no years' total, the rule is not yearly, or the yearly figure is not known."""
    limit = getattr(rule, "years", None)
    yearly = isinstance(rule, TaxShareRule) or (isinstance(rule, MaxOnlyRule) and rule.per_year)
    if not yearly or calc.missing or calc.eligible is False:
        return None
    each = calc.amount_wan if calc.amount_wan is not None else calc.cap_wan
    if each is None:
        return None
    asked = None
    for m in find_mentions(question):
        said_total = _YEARS_TOTAL.search(question[m.end :]) or (not m.rule_like and _YEARS_AWARD.match(question[m.end :]))
        if m.kind == "duration" and m.value >= 24 and m.value % 12 == 0 and said_total:
            asked = m
            break
    if asked is None:
        return None
    years = asked.value / 12
    steps = list(calc.steps)
    if isinstance(limit, Amount) and years > limit.value:
        steps.append(CalcStep(f"问及{_w(years)}年，超过期限{limit}，按{limit}计"))
        years = limit.value
    total = _q(each * years)
    head = "最多" if calc.amount_wan is None else ""
    formula = f"{calc.formula}；每年{_w(each)}万元×{_w(years)}年={head}{_w(total)}万元"
    steps.append(CalcStep(f"{_w(years)}年合计：{_w(each)}×{_w(years)}={_w(total)}万元", total))
    if calc.amount_wan is None:
        return dataclasses.replace(calc, cap_wan=total, formula=formula, steps=tuple(steps))
    return dataclasses.replace(calc, amount_wan=total, formula=formula, steps=tuple(steps))


# whom the company itself is: a count of these is not a count of awards (两家企业 is not the asker)
_COMPANY = ("企业", "单位", "公司", "户")
_COUNTED = re.compile(rf"(?P<n>{_NUM})\s*(?:个|家|项|次|张|台|笔|份|所)")
_EACH_SCOPE = re.compile(r"^(?:每|单)(?:个|家|张|项|台|笔|份|次|所)?(?P<noun>[^每年度]*)")


def award_nouns(rule: Rule) -> tuple[str, ...]:
    """What one award of the rule is given for, as the text names it: the noun of a per-item cap
    scope (每个项目 → 项目, 单个平台每年 → 平台), else the head of whom it is given to (对…合作项目
    给予 → 项目; 对认定为市级技术创新中心的 → 中心), else a periodic event (每两年评估一次 → 评估).
    Empty when the award is per company (单家企业, 每家企业每年): a count cannot multiply it."""
    scope = _EACH_SCOPE.match(rule.cap_scope)
    if (rule.cap_scope and scope is None) or any(c in rule.cap_scope for c in _COMPANY):
        return ()
    noun = scope.group("noun") if scope is not None else ""
    if noun.endswith(_COMPANY):
        return ()
    out = [noun[-2:]] if len(noun) >= 2 else []
    span = rule.source_span
    m = re.search(r"对([^，。；]{2,60}?)(?:给予|按|[，,])", span)
    if m is not None:
        head = re.sub(r"(的|，)+$", "", m.group(1))
        if len(head) >= 2 and not head.endswith(_COMPANY):
            out.append(head[-2:])
    event = re.search(r"每[^，。；]{0,3}?(?:年|月)([^，。；\d]{2})一次", span)
    if event is not None:
        out.append(event.group(1))
    return tuple(dict.fromkeys(out))


def over_count(question: str, rule: Rule, calc: Calculation) -> Calculation | None:
    """An award given per item (每个项目最高300万元; 每两年评估一次，最高500万元) over the items the
    question counts and asks a total of ("两个金砖创新合作项目…合计", "三次评估…累计最多"): the
    award's amount (or its maximum) times the count, each line shown. None when the question counts
    none of the award's own items, asks no total, or the award is per company."""
    if not isinstance(rule, MaxOnlyRule | FixedRule) or calc.missing or calc.eligible is False:
        return None  # other kinds count their items themselves (台套, 人, 笔)
    each = calc.amount_wan if calc.amount_wan is not None else calc.cap_wan
    if each is None or not _YEARS_TOTAL.search(question):
        return None
    text = question.translate(_FULLWIDTH)
    count, noun = None, ""
    for noun in award_nouns(rule):
        for m in _COUNTED.finditer(text):
            rest = text[m.end() : m.end() + 14]
            cut = re.search(r"[，,。；;？?！!]", rest)
            before = re.split(r"[，,。；;？?！!]", text[max(0, m.start() - 6) : m.start()])[-1]
            # 两个金砖创新合作项目, 评估过两次: the item named after its count or just before it
            if noun in (rest[: cut.start()] if cut else rest) or noun in before:
                count = m
                break
        if count is not None:
            break
    if count is None:
        return None
    try:
        n = parse_cn_number(count.group("n"))
    except ValueError:
        return None
    if n < 2 or n != n.to_integral_value():
        return None
    total = _q(each * n)
    upper = calc.amount_wan is None
    head = "最多" if upper else ""
    after = text.find(noun, count.end())
    said = text[count.start() : after + len(noun)] if 0 <= after < count.end() + 14 else f"{noun}{count.group(0)}"
    line = f"{said}：每{'次' if '次' in count.group(0) else '项'}{head}{_w(each)}万元×{_f(n)}={head}{_w(total)}万元"
    formula = f"{calc.formula}；{line}"
    steps = (*calc.steps, CalcStep(line, total))
    if upper:
        return dataclasses.replace(calc, cap_wan=total, formula=formula, steps=steps)
    return dataclasses.replace(calc, amount_wan=total, formula=formula, steps=steps)
