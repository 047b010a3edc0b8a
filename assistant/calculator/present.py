"""``policyqa calc``: one rule's calculation as text for people."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from assistant.calculator.book import RuleBook, load_rules
from assistant.calculator.compute import _EXAMPLE, calculate
from assistant.calculator.money import _w
from assistant.calculator.rules import Rule
from assistant.records import Calculation
from corpus.errors import RuleError

if TYPE_CHECKING:
    from corpus.documents import Corpus


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
