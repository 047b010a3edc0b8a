"""From a company's profile to every measure of the documents in force for its region.

Every rule of every document whose region covers the company's is applied with the calculator
(``assistant.calculator.calculate``) to the facts the profile gives it, and the line goes to:

- 可申报: the company is whom the rule names (``applies_to``, ``not_for``), or states a figure
  the rule reads; every condition is checked and met; nothing is missing;
- 可能符合: something is not known — a figure, a condition's input, the company's type, or a
  prerequisite only the company can confirm — said in the clause's words, with what the measure
  would give were it met (the calculation without its conditions, or the rule's stated maximum);
- 不符合 (only on request): the failing condition, the subject it is for, or the document's
  expiry. An expired or not-yet-valid document's measures are never 可申报.

Measures without a rule — a sentence granting money that no rule computes, or a figure
``_no_rule.yaml`` records — are listed when they name the company's kind, with their clause and
"金额以主管部门核定为准", never a figure. Who qualifies is read from each rule's data only.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from assistant.calculator import OVERLAP_REASON, RuleBook, calculate, derive
from assistant.calculator.kinds import CombinedCapRule, MaxOnlyRule
from assistant.calculator.money import _q, _w
from assistant.calculator.rules import Rule
from assistant.compose import make_citation
from assistant.match.caps import Bundle, bundle_total, bundles, capped, definite_amount
from assistant.match.profile import COMPANY_TYPES, FIGURES, GOVERNMENT_SUBJECTS, ITEM_LISTS, OTHERS, CompanyProfile, plain
from assistant.match.records import AMOUNT_BY_AUTHORITY, ELIGIBLE, INELIGIBLE, POSSIBLE, MatchLine, MatchResult
from assistant.records import CalcStep, Calculation, Citation
from corpus.documents import Corpus
from corpus.records import Clause, PolicyDocument, ValidityStatus

__all__ = ["match_profile", "rule_inputs", "department_of", "TOTAL_RULE_ID"]

TOTAL_RULE_ID = "match-total"
_UNUSABLE = (ValidityStatus.EXPIRED, ValidityStatus.NOT_YET)
_GROUP_NAMES = "甲乙丙丁戊己庚辛壬癸"
# a sentence that grants money: what a measure without a rule looks like
_MONEY_GRANT = re.compile(r"(给予|予以|提供|实施)[^。；]{0,40}?(补助|奖励|补贴|资助|贴息|奖补|资金支持|融资支持|券)")
_DEPARTMENT = re.compile(r"（([^（）]{2,120})）")
_DEPT_LIST = re.compile(r"(?:[市省区][^、，,（）]{1,16}[、，,]?)+")


def rule_inputs(profile: CompanyProfile, rule: Rule) -> dict[str, object]:
    """The facts of the profile that ``rule`` reads, under the rule's own input names.

    A figure feeds an input when the rule's Chinese name of it (or its title) says it is that
    figure (``Figure.feeds``); a loan feeds the rules whose title or clause words name its kind;
    a list of items feeds the per-item rules whose items have the same attributes; the
    company's categories choose a tier.
    """
    wanted = rule.wanted_inputs()
    values: dict[str, object] = {}
    for name in wanted:
        f = next((f for f in FIGURES if f.key in profile.figures and f.feeds(rule, name)), None)
        if f is not None:
            values[name] = profile.figures[f.key]
    if "loan_wan" in wanted:
        words = rule.title + rule.source_span
        loan = next((x for x in profile.loans if x.word() in words), None)
        if loan is not None:
            values.update({k: v for k, v in loan.values.items() if k in wanted})
    if "items" in wanted:
        for key, (_, attrs) in ITEM_LISTS.items():
            if tuple(attrs) == tuple(rule.item_attributes()) and key in profile.items:
                values["items"] = [dict(x) for x in profile.items[key]]
    if "tier" in wanted and profile.levels:
        tier = rule.match_tier(" ".join(profile.levels))
        if tier is not None:
            values["tier"] = tier
    return values


def department_of(clause: Clause) -> str | None:
    """The 责任单位 the clause prints, quoted exactly with its brackets, or None.

    "（责任单位：市工信局、财政局…）", "（省市场监管局牵头负责）", or a closing list of departments
    ("（市科技局、市财政局）")."""
    found = None
    text = clause.text.rstrip("。 ")
    for m in _DEPARTMENT.finditer(clause.text):
        inner = m.group(1)
        if inner.startswith("责任单位") or inner.endswith("负责") or (m.end() >= len(text) and _DEPT_LIST.fullmatch(inner)):
            found = m.group(0)
    return found


# ---------------------------------------------------------------- one rule


def _subject(rule: Rule, profile: CompanyProfile) -> tuple[str, str]:
    """("ok" | "unknown" | "no", why): whether the company is whom the rule is for."""
    excluded = [s for s in rule.not_for if profile.answers_to(s)]
    if excluded:
        return "no", f"本项适用于{'、'.join(rule.applies_to) or '其他企业'}，不适用于{'、'.join(excluded)}"
    if not rule.applies_to:
        return "ok", ""
    if all(s in GOVERNMENT_SUBJECTS for s in rule.applies_to):
        return "no", rule.notes[0] if rule.notes else f"本项的支持对象为{'、'.join(rule.applies_to)}，企业不能直接申请"
    if any(s == OTHERS or profile.answers_to(s) for s in rule.applies_to):
        return "ok", ""
    if not profile.types:
        return "unknown", f"企业类型（本项适用于{'、'.join(rule.applies_to)}）"
    return "no", f"本项适用于{'、'.join(rule.applies_to)}，企业类型为{'、'.join(profile.types)}"


def _upper_bound(rule: Rule) -> bool:
    return any(bool(getattr(rule, a, False)) for a in ("ratio_is_max", "share_is_max", "rate_is_max"))


def _unverified(rule: Rule, values: dict[str, Any]) -> dict[str, list[str]]:
    """The conditions whose inputs the profile does not give: input's name → the clause's words."""
    known = derive(values)
    out: dict[str, list[str]] = {}
    for c in rule.conditions:
        if c.input not in known or (c.than is not None and c.than not in known):
            out.setdefault(rule.input_spec(c.input).zh, []).append(c.word)
    return out


def _missing(calc_missing: Sequence[str], unverified: dict[str, list[str]]) -> list[str]:
    """What is not known, each input once, with the words of the conditions it must meet."""
    out = []
    for m in calc_missing:
        words = unverified.pop(m, None)
        out.append(f"{m}（条款：{'；'.join(words)}）" if words else m)
    out += [f"{zh}（条款：{'；'.join(words)}）" for zh, words in unverified.items()]
    return out


def _evaluate(rule: Rule, profile: CompanyProfile, cite: Citation, usable: bool, validity: str) -> MatchLine:
    values = rule_inputs(profile, rule)
    calc = calculate(rule, values, citation=cite)
    subject, why = _subject(rule, profile)
    matched_by = "facts" if values else "type" if subject == "ok" and rule.applies_to else ""
    base = dict(title=rule.title, rule_id=rule.id, citation=cite, calculation=calc, upper_bound=_upper_bound(rule), matched_by=matched_by)
    stated = rule.stated_max()
    cap = calc.cap_wan if calc.cap_wan is not None else (_q(stated[0]) if stated else None)
    # a category the company holds may settle the prerequisites (rule data: qualified_by)
    settled = next((lv for lv in profile.levels if lv in rule.qualified_by), None)
    held = f"（已获认定类别“{settled}”，视为满足）" if settled else ""
    prerequisites = tuple(f"前提：{q}{held}" for q in rule.qualifications)
    if not usable or subject == "no" or calc.eligible is False:
        if not usable:
            reasons: tuple[str, ...] = (f"{validity}，本项不能申报",)
        else:
            reasons = (why,) if subject == "no" else (calc.formula,)
        return MatchLine(group=INELIGIBLE, amount_wan=None, cap_wan=None, formula=calc.formula, reasons=reasons, **base)  # type: ignore[arg-type]
    missing = _missing(calc.missing, _unverified(rule, values))
    if subject == "unknown":
        missing.insert(0, why)
    # a stated figure the rule computes from shows the company does what the rule pays for (a
    # loan of the fund's kind, a transformation's spend, a 卓越级 incubator); a figure only a
    # condition compares (上年度营业收入) does not: then its prerequisites are for it to confirm
    core = [n for n in rule.core_inputs() if n in values]
    if not missing and rule.qualifications and not core and not settled:
        missing = [f"需确认：{q}" for q in rule.qualifications]
    elif not missing and not (values or (subject == "ok" and rule.applies_to)):
        missing = ["需确认是否属于本项的支持对象（见条款原文）"]
    decided = (AMOUNT_BY_AUTHORITY,) if isinstance(rule, MaxOnlyRule) else ()
    if missing:
        relaxed_rule = rule.model_copy(update={"conditions": ()})
        allowed = set(relaxed_rule.wanted_inputs())
        relaxed = calculate(relaxed_rule, {k: v for k, v in values.items() if k in allowed}, citation=cite)
        known = relaxed.amount_wan is not None or relaxed.cap_wan is not None
        if_met = relaxed if known and not relaxed.missing else None
        return MatchLine(
            group=POSSIBLE,
            amount_wan=None,
            cap_wan=cap if cap is not None or if_met is None else if_met.cap_wan,
            formula=rule.describe() + (f"（条件：{conds}）" if (conds := rule.conditions_text()) else ""),
            if_met=if_met,
            missing=tuple(missing),
            reasons=prerequisites + decided + tuple(rule.notes),
            **base,  # type: ignore[arg-type]
        )
    # the calculator's own words for a cap-only award restate the formula: not repeated
    notes = tuple(r for r in calc.reasons if not r.startswith(("前提：", "本项只规定上限")))
    return MatchLine(
        group=ELIGIBLE,
        amount_wan=calc.amount_wan,
        cap_wan=cap,
        formula=calc.formula,
        reasons=prerequisites + decided + notes,
        **base,  # type: ignore[arg-type]
    )


# ---------------------------------------------------------------- measures without a rule


def _aliases(profile: CompanyProfile) -> list[str]:
    """The words that name the company's kinds in a text (its types, what they belong to, aliases)."""
    kinds = profile.kinds()
    words = {k for k in kinds if len(k) >= 3}
    for t in COMPANY_TYPES:
        if plain(t.name) in kinds:
            words |= {plain(a) for a in t.aliases if len(plain(a)) >= 3}
    return sorted(words, key=len, reverse=True)


def _sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[。；])", text) if s.strip()]


def _unruled(doc_clauses: Sequence[Clause], book: RuleBook, profile: CompanyProfile) -> list[tuple[Clause, str]]:
    """Sentences granting money that no rule reads, which name the company's kind."""
    words = _aliases(profile)
    if not words:
        return []
    spans: dict[str, list[str]] = {}
    for r in book:
        spans.setdefault(r.clause_id, []).append(r.source_span)
        for x in r.restated_in:
            spans.setdefault(x.clause_id, []).append(x.span)
    out = []
    for clause in doc_clauses:
        for s in _sentences(clause.text):
            s = s.strip()
            core = s.rstrip("。；")
            if not _MONEY_GRANT.search(s) or any(sp in s or core in sp for sp in spans.get(clause.id, [])):
                continue
            if any(w in plain(s) for w in words):
                out.append((clause, s))
    return out


# ---------------------------------------------------------------- the whole match


def _overlap_groups(lines: Sequence[MatchLine], book: RuleBook) -> dict[str, set[str]]:
    """Connected sets of listed rules the data marks 就高不重复, by their smallest id."""
    listed = {line.rule_id for line in lines if line.rule_id and line.group != INELIGIBLE}
    parent = {rid: rid for rid in listed}

    def find(x: str) -> str:
        while parent[x] != x:
            x = parent[x]
        return x

    for rid in listed:
        for other in book.overlapping(rid):
            if other.id in listed:
                a, b = find(rid), find(other.id)
                parent[max(a, b)] = min(a, b)
    groups: dict[str, set[str]] = {}
    for rid in listed:
        groups.setdefault(find(rid), set()).add(rid)
    return {k: v for k, v in groups.items() if len(v) > 1}


def _total(
    lines: Sequence[MatchLine], groups: dict[str, set[str]], found: Sequence[Bundle] = ()
) -> tuple[Calculation | None, Decimal | None]:
    """The sum of the definite amounts, a 就高不重复 group once at its maximum, a combined cap's
    members together at most its cap; and the most, with the caps of the amounts the authority sets.

    An amount computed at the clause's highest rate (最高30%, upper_bound) is a cap the authority
    sets within, not a definite amount: it counts in the most, never in the definite total."""
    eligible = [line for line in lines if line.group == ELIGIBLE]
    if not eligible:
        return None, None
    # a unit is what counts once: a line, or the members of one combined cap taken together
    unit_of = {rid: b.key for b in found for rid in b.members}
    units: dict[str, list[MatchLine]] = {}
    for i, line in enumerate(eligible):
        units.setdefault(unit_of.get(line.rule_id or "") or line.rule_id or f"#{i}", []).append(line)
    by_key = {b.key: b for b in found}
    # 就高不重复 groups of units (a group joining only one combined cap's members is that unit)
    merged: list[set[str]] = []
    for ids in groups.values():
        us = {unit_of.get(r, r) for r in ids if unit_of.get(r, r) in units}
        for g in [g for g in merged if g & us]:
            merged.remove(g)
            us |= g
        if us:
            merged.append(us)
    group_of = {u: frozenset(g) for g in merged if len(g) > 1 for u in g}
    terms: list[str] = []
    steps: list[CalcStep] = []
    total = most = Decimal(0)
    done: set[frozenset[str] | str] = set()

    def value(key: str) -> tuple[Decimal | None, Decimal | None, list[CalcStep]]:
        members = units[key]
        if key in by_key:
            return bundle_total(by_key[key], members)
        (line,) = members
        amount = definite_amount(line)
        bound = line.amount_wan if line.amount_wan is not None else line.cap_wan
        step = [CalcStep(f"{line.title}：{_w(amount)}万元", amount)] if amount is not None else []
        return amount, bound, step

    for key in units:
        group = group_of.get(key)
        if (group or key) in done:
            continue
        done.add(group or key)
        if group is None:
            amount, bound, more = value(key)
            steps += more
            if amount is not None:
                total += amount
                terms.append(_w(amount))
            most += bound if bound is not None else amount or Decimal(0)
            continue
        valued = [(u, value(u)) for u in units if u in group]
        definite = [v[0] for _, v in valued if v[0] is not None]
        top = max((v[1] for _, v in valued if v[1] is not None), default=None)
        steps += [step for u, v in valued if u in by_key for step in v[2]]  # a combined cap's own working
        best = max(definite, default=None)
        if best is not None:
            total += best
            text = f"max({'，'.join(_w(a) for a in definite)})"
            terms.append(text if len(definite) > 1 else _w(best))
            titles = "、".join(x.title for u in units if u in group for x in units[u])
            steps.append(CalcStep(f"就高不重复（{titles}）：取{_w(best)}万元", best))
        if top is not None:
            most += top
    if len(terms) > 1 or any(t.startswith("max(") for t in terms):
        formula = f"{'+'.join(terms)}={_w(total)}万元"
    elif terms:
        formula = f"{_w(total)}万元"
    else:
        formula = "可申报的措施金额均由主管部门核定，无确定金额可合计"
    if most > total:
        steps.append(CalcStep(f"连同由主管部门核定金额的措施的上限：最多{_w(most)}万元", _q(most)))
    calc = Calculation(
        rule_id=TOTAL_RULE_ID,
        clause_id="",
        amount_wan=_q(total),
        formula=formula,
        inputs={},
        missing=(),
        steps=tuple(steps),
        eligible=True,
        reasons=(OVERLAP_REASON,) if groups else (),
        cap_wan=_q(most),
    )
    return calc, _q(most)


def _sort_key(line: MatchLine) -> tuple[int, int, Decimal, Decimal]:
    """Groups in order; in a group the lines closest to claimable first (facts or type given,
    then prerequisites to confirm, then measures without a rule), larger amounts first."""
    order = {ELIGIBLE: 0, POSSIBLE: 1, INELIGIBLE: 2}[line.group]
    closeness = 2 if line.rule_id is None else 0 if line.matched_by else 1
    amount = line.amount_wan if line.amount_wan is not None else Decimal(-1)
    if_met = line.if_met.amount_wan if line.if_met is not None and line.if_met.amount_wan is not None else None
    cap = if_met if if_met is not None else line.cap_wan if line.cap_wan is not None else Decimal(-1)
    return order, closeness, -amount, -cap


def match_profile(
    profile: CompanyProfile, corpus: Corpus, book: RuleBook, today: dt.date, *, include_ineligible: bool = False
) -> MatchResult:
    """Every measure of every document for the company's region, grouped, with the total."""
    docs = [d for d in corpus.documents if profile.region.startswith(d.region)]
    notices: list[str] = []
    if not docs:
        regions = "、".join(dict.fromkeys(d.region for d in corpus.documents))
        notices.append(f"现有政策文件不包含{profile.region}的政策（现有文件覆盖：{regions}）。")
    lines: list[MatchLine] = []
    validity: dict[str, dict[str, Any]] = {}
    for d in docs:
        v = d.validity(today)
        validity[d.id] = {
            "status": v.status.value,
            "status_zh": v.status.zh,
            "text": v.describe(),
            "expires": d.expires.isoformat() if d.expires else None,
        }
        usable = v.status not in _UNUSABLE
        if not usable:
            notices.append(f"《{d.title}》：{v.describe()}，其中的措施不再列为可申报。")
        elif v.status is ValidityStatus.EXPIRING:
            notices.append(f"《{d.title}》：{v.describe()}，请在到期前申报。")
        lines += _document_lines(d, corpus, book, profile, today, usable, v.describe())
    found = bundles(lines, book)
    lines = capped(lines, found)
    groups = _overlap_groups(lines, book)
    lines = _with_overlaps(lines, groups, found)
    total, most = _total(lines, groups, found)
    shown = [line for line in lines if include_ineligible or line.group != INELIGIBLE]
    shown.sort(key=_sort_key)
    shown = _numbered(shown)
    if groups:
        notices.append(OVERLAP_REASON)
    return MatchResult(
        lines=tuple(shown),
        total=total,
        total_cap_wan=most,
        notices=tuple(notices),
        region=profile.region,
        documents=tuple(d.id for d in docs),
        validity=validity,
    )


def _document_lines(
    d: PolicyDocument, corpus: Corpus, book: RuleBook, profile: CompanyProfile, today: dt.date, usable: bool, validity: str
) -> list[MatchLine]:
    clauses = corpus.clauses_of(d.id)
    by_id = {c.id: c for c in clauses}
    out: list[MatchLine] = []
    for rule in book:
        clause = by_id.get(rule.clause_id)
        if clause is None or isinstance(rule, CombinedCapRule):  # a combined cap limits measures, it is none itself
            continue
        cite = make_citation(0, clause, rule.source_span, today)
        line = _evaluate(rule, profile, cite, usable, validity)
        out.append(dataclasses.replace(line, department=department_of(clause), issuers=d.issuers))
    for clause, sentence in _unruled(clauses, book, profile):
        cite = make_citation(0, clause, sentence, today)
        out.append(
            MatchLine(
                group=POSSIBLE if usable else INELIGIBLE,
                title=clause.title or clause.label,
                rule_id=None,
                citation=cite,
                amount_wan=None,
                cap_wan=None,
                formula=AMOUNT_BY_AUTHORITY,
                missing=("条款未载明金额的计算方法，需按主管部门规定申报",) if usable else (),
                reasons=(AMOUNT_BY_AUTHORITY,) if usable else (f"{validity}，本项不能申报",),
                department=department_of(clause),
                issuers=d.issuers,
            )
        )
    return out


def _with_overlaps(lines: list[MatchLine], groups: dict[str, set[str]], found: Sequence[Bundle]) -> list[MatchLine]:
    labels = {key: f"就高不重复（{_GROUP_NAMES[i % len(_GROUP_NAMES)]}）" for i, key in enumerate(sorted(groups))}
    titles = {line.rule_id: line.title for line in lines if line.rule_id}
    # members of one combined cap are claimed together (under the cap), not instead of each other
    mates = {rid: set(b.members) for b in found for rid in b.members}
    out = []
    for line in lines:
        key = next((k for k, ids in groups.items() if line.rule_id in ids), None)
        if key is None:
            out.append(line)
            continue
        mine = mates.get(line.rule_id or "", {line.rule_id})
        others = tuple(titles[r] for r in sorted(groups[key]) if r not in mine and r in titles)
        if not others:  # only its combined cap's mates: nothing it is taken instead of
            out.append(line)
            continue
        out.append(dataclasses.replace(line, overlap_group=labels[key], overlaps_with=others))
    return out


def _numbered(lines: list[MatchLine]) -> list[MatchLine]:
    """Citations numbered in the order shown, one number per clause and quote."""
    numbers: dict[tuple[str, str], int] = {}
    out = []
    for line in lines:
        n = numbers.setdefault((line.citation.clause_id, line.citation.quote), len(numbers) + 1)
        cite = dataclasses.replace(line.citation, n=n)
        calc = dataclasses.replace(line.calculation, citation=cite) if line.calculation else None
        if_met = dataclasses.replace(line.if_met, citation=cite) if line.if_met else None
        out.append(dataclasses.replace(line, citation=cite, calculation=calc, if_met=if_met))
    return out
