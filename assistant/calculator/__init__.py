"""Deterministic amounts under the documents' money clauses: rules are data, formulas are shown.

Each monetary provision of a document is a rule in ``<rules dir>/<doc_id>.yaml``, tied to its
clause and to the exact words it was read from. The package's modules are the calculator's steps:

- ``money``, ``inputs``: amounts as printed, the inputs a rule can ask for, Chinese numerals;
- ``rules``, ``kinds``: the rule schema, and one class per kind that computes;
- ``book``: loading and validating the rule files, choosing the rules of a clause;
- ``draft``: drafting rules from a clause's text, for a person to review;
- ``facts``: the facts a question states, assigned to one rule's inputs;
- ``compute``: one rule applied to the facts → ``Calculation`` (steps, formula, reasons);
- ``combine``: 就高不重复, stacked totals, a rule's own maximum;
- ``select``: the calculations a question asks for, headline first;
- ``present``, ``tool``: ``policyqa calc`` and the LangChain tool.

Money is ``Decimal`` throughout and a result is in 万元 to the yuan (0.0001 万元).

Public surface for the answer chain::

    rules = load_rules()                      # RuleBook, validated; a bad file raises RuleError
    calculate_question(question, clause_ids, rules=rules, citations=…)  # headline first, parts after
    rules.select(question, clause_ids)        # the rules of those clauses, best match first
    values, missing = extract_params(question, rule)
    calc = calculate(rule, values, citation=citation)
    combine_overlapping([calc_a, calc_b], reason)      # 就高不重复: the larger, not the sum
    combine_stacked([calc_a, calc_b], [rule_a, rule_b], combined=cap_rule)  # awards that add up
"""

from assistant.calculator.book import NO_RULE_FILE, RuleBook, load_rules
from assistant.calculator.combine import OVERLAP_REASON, STACK_REASON, combine_overlapping, combine_stacked
from assistant.calculator.compute import calculate, derive
from assistant.calculator.facts import Mention, cued_inputs, extract_params, find_mentions
from assistant.calculator.inputs import INPUTS, ITEM_ATTRIBUTES, InputSpec, format_value, parse_cn_number, parse_value
from assistant.calculator.kinds import KINDS, NoRule
from assistant.calculator.money import YUAN, Amount
from assistant.calculator.present import calc_command, render_calculation
from assistant.calculator.rules import Condition, Rule
from assistant.calculator.select import calculate_question
from assistant.calculator.tool import args_model, as_tool
from assistant.calculator.wording import asks_most, asks_total

__all__ = [
    "KINDS",
    "OVERLAP_REASON",
    "STACK_REASON",
    "YUAN",
    "NO_RULE_FILE",
    "Amount",
    "Condition",
    "NoRule",
    "Rule",
    "RuleBook",
    "INPUTS",
    "ITEM_ATTRIBUTES",
    "InputSpec",
    "Mention",
    "args_model",
    "as_tool",
    "calc_command",
    "calculate",
    "calculate_question",
    "asks_most",
    "asks_total",
    "combine_overlapping",
    "combine_stacked",
    "cued_inputs",
    "derive",
    "extract_params",
    "find_mentions",
    "format_value",
    "load_rules",
    "parse_cn_number",
    "parse_value",
    "render_calculation",
]
