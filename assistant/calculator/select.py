"""The calculations a question asks for: rules chosen by the question's words and facts, the headline first."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping, Sequence
from decimal import Decimal

from assistant.calculator.book import RuleBook, load_rules
from assistant.calculator.combine import OVERLAP_REASON, _most_calculation, combine_overlapping, combine_stacked, over_count, over_years
from assistant.calculator.compute import calculate
from assistant.calculator.deduct import without_excluded_part
from assistant.calculator.facts import cued_inputs, extract_params, stated_ceilings, stated_conditions
from assistant.calculator.items import calculate_items, calculate_people, item_spans
from assistant.calculator.kinds import CombinedCapRule
from assistant.calculator.money import Amount, _q, _w
from assistant.calculator.rules import Rule
from assistant.calculator.wording import _covered_length, _plain, _set_aside_spans, _taken, _with_policy_text, asks_most, asks_total
from assistant.records import CalcStep, Calculation, Citation

_DRAFTED_FROM_TOP = 2  # retrieved clauses whose drafted rules may be used


def _read_from(rule: Rule, clause_id: str) -> bool:
    """The rule is read from this clause, from an item under it, or from it as another section of
    the same measure (its conditions, its period: ``restated_in``)."""
    return (
        rule.clause_id == clause_id or rule.clause_id.startswith(clause_id + "/") or any(x.clause_id == clause_id for x in rule.restated_in)
    )


def calculate_question(
    question: str,
    clause_ids: Sequence[str],
    *,
    rules: RuleBook | None = None,
    citations: Mapping[str, Citation] | None = None,
    overlap_reason: str = OVERLAP_REASON,
    limit: int = 3,
    focus: str = "",
) -> list[Calculation]:
    """The calculations an amount question asks for, over the clauses retrieval found; the first
    is the headline — the one that answers the question — and the parts behind it follow.

    The rules of ``clause_ids`` are ranked by the question's words and the facts it states
    (``RuleBook.ranked``); the best-scoring ones (ties kept, at most ``limit``; the first rule when
    nothing matches) are computed from the facts the question states
    (``assistant.calculator.facts.extract_params``). Then the headline:

    - a total (加起来, 一共能拿, 两项, 补助加叠加奖励) over the rules of the top rule's clause that
      the question names, or a question matching a combined cap (以上奖励补助合计…最高500万元):
      ``combine_stacked`` of them, capped by the clause's combined cap;
    - otherwise, for rules marked overlapping: the 就高不重复 result (``combine_overlapping``);
    - otherwise the best rule's calculation.

    A question that asks for the most (最多/最高) but states no facts gets the rule's own maximum
    (``cap_wan``, nothing missing) when that maximum does not depend on the facts. ``citations``
    maps a clause id to the chain's ``Citation`` for it, so each calculation cites its clause.
    """

    book = rules if rules is not None else load_rules()
    total = asks_total(question)
    most = asks_most(question)
    # the items under a retrieved section ("3、创业租金补贴" → its （1）（2）（3）) carry its drafted rules
    items = [r.clause_id for r in book if not r.reviewed and any(r.clause_id.startswith(c + "/") for c in clause_ids[:_DRAFTED_FROM_TOP])]
    ranked = book.ranked(question, [*clause_ids, *dict.fromkeys(items)], total=total, focus=focus)
    if ranked and not ranked[0][1].reviewed:
        # a rule drafted from the text and not yet reviewed is used only from the clauses retrieval
        # ranks best (the first two and the items under them), and only when the question's words or
        # facts point at it: a lower-ranked clause's drafted rule is a guess, and a wrong amount
        best = _with_policy_text(list(clause_ids[:_DRAFTED_FROM_TOP]))
        ranked = [(w, r) for w, r in ranked if r.reviewed or any(_read_from(r, c) for c in best)]
        if ranked and not ranked[0][1].reviewed and ranked[0][0] <= 0:
            return []
    if not ranked:
        return []
    top = ranked[0][0]
    chosen = [r for w, r in ranked if w == top][:limit] if top > 0 else [ranked[0][1]]

    if _LOAN_MOST.search(_asking(focus or question)):
        # "最多给贷多少", "固定资产投资贷款上限是多少": the loan's ceiling is the answer, not a subsidy
        ceilings = [c for r in chosen if (c := _loan_ceiling(question, r, focus, citations)) is not None]
        if ceilings:
            return ceilings

    def run(rule: Rule, foreign: Sequence[str] = ()) -> Calculation:
        cite = (citations or {}).get(rule.clause_id)
        failures, holds = stated_conditions(question, rule, focus)
        several = (
            None
            if failures
            else calculate_items(question, rule, foreign=foreign, citation=cite) or calculate_people(question, rule, citation=cite)
        )
        if several is not None:  # 一笔600万…一笔1000万: each item under the rule, then the sum
            return several
        values, _ = extract_params(question, rule, foreign=foreign)
        values, deducted = without_excluded_part(question, rule, values)
        values |= stated_ceilings(question, rule, focus)
        calc = calculate(rule, values, citation=cite, stated_failures=failures, stated_holds=holds)
        if deducted:
            calc = dataclasses.replace(calc, steps=(*(CalcStep(d) for d in deducted), *calc.steps), reasons=(*deducted, *calc.reasons))
        if calc.missing:
            calc = _most_calculation(rule, values, calc, most=most, citation=cite) or calc
            return over_count(question, rule, calc) or calc
        return over_years(question, rule, calc) or over_count(question, rule, calc) or calc  # "5年内一共": the yearly award over its years

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

    return any(n != "tier" for n in cued_inputs(question, rule))


def _cue_positions(question: str, rule: Rule) -> set[int]:
    """Where in the question the rule's cue words and tier names stand."""
    text = _plain(question)
    taken = _taken(text, _set_aside_spans(text))
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
            # a word this rule's own text says, whole or in its two-character pieces (设备投入 of
            # 新增研发设备…投入), names it too, not only the other
            out += [c for c in other.cues if c not in rule.cues and not _said_in(c, rule.source_span) and c not in out]
    return tuple(out)


def _said_in(word: str, text: str) -> bool:
    return all(word[i : i + 2] in text for i in range(0, len(word), 2))


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
        doc = anchor.clause_id.split("/")[0]
        itemized = item_spans(question, anchor) is not None
        for _, r in ranked:
            if isinstance(r, CombinedCapRule) or r.clause_id.split("/")[0] != doc:
                continue
            words = _cue_positions(question, r)
            if r.clause_id != anchor.clause_id:
                # another measure of the same document (市区奖励加数字化补助): named by its own words
                # of at least three characters, not by a word it shares with the first
                if len(words - said) >= 3:
                    parts.append(r)
                    said |= words
                continue
            # "两笔…贴息合计": a total over the items the question lists under the first rule, not
            # over another rule of the clause that reads the same facts
            if len(words - said) >= 2 or (words and not itemized and _states_facts_for(question, r)):
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


# the most a company may borrow under the measure, asked (not the subsidy on it)
_LOAN_MOST = re.compile(
    r"(最多|最高|上限)[^，。；？！,;?!]{0,6}(贷|批|融资|授信)|(贷款|额度|融资支持)[^。；？！;?!]{0,12}(上限|最多|最高)"
    # "额度能批到多少", "能贷到多少": how much may be lent, asked
    r"|(额度|授信)[^，。；？！,;?!]{0,6}(多少|多大|几)|(能|可以|可)(贷|批|借|融)到?(多少|多大|几)"
)
_SUBSIDY = re.compile(r"贴息|补贴|补助|利息|奖励")


def _asking(question: str) -> str:
    """The piece of the question that asks (the last sentence with 多少/上限), without the others."""
    pieces = [p for p in re.split(r"[。？！?!；;]", question) if p.strip()]
    asking = [p for p in pieces if re.search(r"多少|上限|几", p)]
    piece = asking[-1] if asking else (pieces[-1] if pieces else "")
    return "" if _SUBSIDY.search(piece) else piece


def _loan_ceiling(question: str, rule: Rule, focus: str, citations: Mapping[str, Citation] | None) -> Calculation | None:
    """The rule's ceiling on the loan the question names (研发创新贷款 of a 小巨人: 1亿元; 单户贷款最高
    2000万元), as a maximum with the text's words; None when the rule sets none for that loan."""
    ceiling = stated_ceilings(question, rule, focus).get("loan_ceiling_wan")
    words = ""
    if isinstance(ceiling, Decimal):
        words = next((c.words for c in getattr(rule, "loan_ceilings", ()) if c.amount.wan == ceiling), "")
    elif isinstance(cap := getattr(rule, "loan_cap", None), Amount) and cap.is_money:
        ceiling, words = cap.wan, f"{rule.cap_scope}贷款最高{cap}"
    if not isinstance(ceiling, Decimal):
        return None
    formula = f"贷款额度最高{_w(ceiling)}万元（原文：{words}）；这是贷款的上限，不是贴息金额"
    return Calculation(
        rule_id=rule.id,
        clause_id=rule.clause_id,
        amount_wan=None,
        formula=formula,
        inputs={},
        missing=(),
        steps=(CalcStep(f"贷款额度上限：{words}", _q(ceiling)),),
        citation=(citations or {}).get(rule.clause_id),
        source_span=rule.source_span,
        cap_wan=_q(ceiling),
        reviewed=rule.reviewed,
    )
