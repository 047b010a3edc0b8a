"""Policy matching: from a company's profile to every measure it can claim, with amounts.

``政策找企业``: the company says where it is registered, what it is and the figures it knows
(``CompanyProfile``); ``match_profile`` applies every rule of every document in force for that
region with the calculator and groups the measures into 可申报 / 可能符合 / 不符合, each cited,
with its amount or cap, its 就高不重复 group, department and validity, and a total that never
adds overlapping measures twice. Who qualifies is the rules' data (``applies_to``, ``not_for``,
``conditions``, ``qualifications``); this package holds no code per measure.

Public surface::

    profile = profile_from_mapping(yaml.safe_load(text))      # InputError (Chinese) when invalid
    result = match_profile(profile, corpus, rules, today, include_ineligible=False)
    answer = match_answer(result, profile)                     # an Answer: text, citations, calculations
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from assistant.match.answer import match_answer, render_match
    from assistant.match.matcher import TOTAL_RULE_ID, department_of, match_profile, rule_inputs
    from assistant.match.profile import COMPANY_TYPES, FIGURES, LOAN_KINDS, CompanyProfile, CompanyType, Figure, Loan, profile_from_mapping
    from assistant.match.records import AMOUNT_BY_AUTHORITY, ELIGIBLE, GROUP_ZH, INELIGIBLE, POSSIBLE, MatchLine, MatchResult

__all__ = [
    "AMOUNT_BY_AUTHORITY",
    "COMPANY_TYPES",
    "ELIGIBLE",
    "FIGURES",
    "GROUP_ZH",
    "INELIGIBLE",
    "LOAN_KINDS",
    "POSSIBLE",
    "TOTAL_RULE_ID",
    "CompanyProfile",
    "CompanyType",
    "Figure",
    "Loan",
    "MatchLine",
    "MatchResult",
    "department_of",
    "match_answer",
    "match_profile",
    "profile_from_mapping",
    "render_match",
    "rule_inputs",
]

# Where each public name lives. Loaded at first use (PEP 562), so that importing a submodule
# (``assistant.match.cli`` to build the command line's parser) does not load the matcher.
_HOME = {
    **dict.fromkeys(("match_answer", "render_match"), "answer"),
    **dict.fromkeys(("TOTAL_RULE_ID", "department_of", "match_profile", "rule_inputs"), "matcher"),
    **dict.fromkeys(
        ("COMPANY_TYPES", "FIGURES", "LOAN_KINDS", "CompanyProfile", "CompanyType", "Figure", "Loan", "profile_from_mapping"), "profile"
    ),
    **dict.fromkeys(("AMOUNT_BY_AUTHORITY", "ELIGIBLE", "GROUP_ZH", "INELIGIBLE", "POSSIBLE", "MatchLine", "MatchResult"), "records"),
}


def __getattr__(name: str) -> Any:
    if name not in _HOME:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{_HOME[name]}"), name)
    globals()[name] = value
    return value
