"""The matcher's records: one line per measure, grouped, and the result with its total."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from assistant.records import Calculation, Citation

__all__ = ["ELIGIBLE", "POSSIBLE", "INELIGIBLE", "GROUP_ZH", "AMOUNT_BY_AUTHORITY", "MatchLine", "MatchResult"]

ELIGIBLE, POSSIBLE, INELIGIBLE = "eligible", "possible", "ineligible"
GROUP_ZH = {ELIGIBLE: "可申报", POSSIBLE: "可能符合", INELIGIBLE: "不符合"}
# said of every measure whose amount no rule computes
AMOUNT_BY_AUTHORITY = "金额以主管部门核定为准"


def _dec(value: Decimal | None) -> str | None:
    return None if value is None else format(value.normalize(), "f")


@dataclass(frozen=True, slots=True)
class MatchLine:
    """One measure for one company: which group, why, how much, cited, with its department and validity."""

    group: str  # eligible / possible / ineligible
    title: str
    rule_id: str | None  # None: a measure without a rule (its amount is for the authority to set)
    citation: Citation
    amount_wan: Decimal | None  # a computed amount (可申报), else None
    cap_wan: Decimal | None  # the most it gives, when the text states or the facts bound it
    formula: str
    calculation: Calculation | None = None  # the calculator's result on the company's facts
    if_met: Calculation | None = None  # 可能符合: the result were the missing conditions met
    missing: tuple[str, ...] = ()  # 可能符合: what is not known, in the clause's words
    reasons: tuple[str, ...] = ()  # 不符合: the failing condition; otherwise prerequisites and notes
    upper_bound: bool = False  # the amount is computed at the text's highest rate (最高30%)
    overlap_group: str | None = None  # 就高不重复 group label, shared by the lines it joins
    overlaps_with: tuple[str, ...] = ()  # titles of the measures it does not add to
    department: str | None = None  # 责任单位 quoted exactly from the clause, when printed
    issuers: tuple[str, ...] = ()  # the document's issuers, shown when the clause names no department
    matched_by: str = ""  # "type": the company is whom the rule names; "facts": it states figures the rule reads

    def to_dict(self) -> dict[str, Any]:
        c = self.citation
        return {
            "group": self.group,
            "group_zh": GROUP_ZH[self.group],
            "title": self.title,
            "rule_id": self.rule_id,
            "doc_id": c.doc_id,
            "reference": c.reference,
            "quote": c.quote,
            "citation_n": c.n,
            "amount_wan": _dec(self.amount_wan),
            "cap_wan": _dec(self.cap_wan),
            "formula": self.formula,
            "upper_bound": self.upper_bound,
            "missing": list(self.missing),
            "reasons": list(self.reasons),
            "if_met": self.if_met.to_dict() if self.if_met else None,
            "overlap_group": self.overlap_group,
            "overlaps_with": list(self.overlaps_with),
            "department": self.department,
            "issuers": list(self.issuers),
            "matched_by": self.matched_by,
            "validity": {"status": c.status, "status_zh": c.status_zh},
        }


@dataclass(frozen=True, slots=True)
class MatchResult:
    """Every measure of the documents in force for a company's region, grouped, with the total."""

    lines: tuple[MatchLine, ...]
    total: Calculation | None  # the definite amounts, each 就高不重复 group once at its maximum
    total_cap_wan: Decimal | None  # with the caps of the amounts set by the authority: the most
    notices: tuple[str, ...]
    region: str
    documents: tuple[str, ...]  # ids of the documents considered
    validity: dict[str, dict[str, Any]]  # doc id -> status, status_zh, text, expires

    def group(self, name: str) -> tuple[MatchLine, ...]:
        return tuple(line for line in self.lines if line.group == name)

    def to_dict(self) -> dict[str, Any]:
        return {
            "region": self.region,
            "documents": list(self.documents),
            "validity": self.validity,
            "groups": {g: [line.to_dict() for line in self.group(g)] for g in (ELIGIBLE, POSSIBLE, INELIGIBLE)},
            "total_wan": _dec(self.total.amount_wan) if self.total else "0",
            "total_formula": self.total.formula if self.total else "",
            "total_cap_wan": _dec(self.total_cap_wan),
            "notices": list(self.notices),
        }
