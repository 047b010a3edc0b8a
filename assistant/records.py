"""The answer's records: what the chain returns to the CLI, the API, the page and the evaluation.

``Answer.to_dict()`` is the one JSON contract all of them read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

__all__ = ["NO_BASIS", "Citation", "CalcStep", "Calculation", "Answer"]

# One refusal, one constant: when the documents give no basis, this sentence leads the answer.
NO_BASIS = "现有政策文件中未找到依据"


@dataclass(frozen=True, slots=True)
class Citation:
    """A numbered reference [n] to one clause, with the exact quoted span."""

    n: int
    doc_id: str
    title: str
    doc_no: str | None
    region: str
    kind: str  # policy / interpretation / faq
    clause_id: str
    label: str  # 第二部分（六）第15条
    path: str  # 二、具体措施 › （六）助力市场开拓 › 15.支持国内市场开拓
    quote: str  # an exact substring of text
    text: str  # the whole clause
    status: str  # in_force / expiring / expired / not_yet / not_stated
    status_zh: str  # 有效 / 即将到期 / 已失效 / 尚未生效 / 未载明
    reference: str  # 《title》（文号）label title — built from metadata

    def to_dict(self) -> dict[str, Any]:
        return {
            "n": self.n,
            "doc_id": self.doc_id,
            "title": self.title,
            "doc_no": self.doc_no,
            "region": self.region,
            "kind": self.kind,
            "clause_id": self.clause_id,
            "label": self.label,
            "path": self.path,
            "quote": self.quote,
            "text": self.text,
            "status": self.status,
            "status_zh": self.status_zh,
            "reference": self.reference,
        }


@dataclass(frozen=True, slots=True)
class CalcStep:
    """One line of a calculation, in Chinese, with the value it yields (万元) if any."""

    text: str
    value_wan: Decimal | None = None


@dataclass(frozen=True, slots=True)
class Calculation:
    """A deterministic calculation under one rule."""

    rule_id: str
    clause_id: str
    amount_wan: Decimal | None  # None when inputs are missing; 0 when ineligible
    formula: str  # 120×30%=36万元，超过单家企业最高25万元，按25万元
    inputs: dict[str, str]  # name -> value as given (strings keep Decimal exact in JSON)
    missing: tuple[str, ...]  # names (Chinese) of the inputs still needed
    steps: tuple[CalcStep, ...] = ()
    eligible: bool | None = None  # False when a condition fails, None when unknown
    reasons: tuple[str, ...] = ()  # why ineligible, or notes such as 就高不重复
    citation: Citation | None = None
    source_span: str = ""  # the clause words the rule was read from
    cap_wan: Decimal | None = None  # the most the rule gives for these facts (万元), when it states a cap
    input_labels: dict[str, str] = field(default_factory=dict)  # input name -> its Chinese name in the rule
    reviewed: bool = True  # False when a rule it rests on was drafted from the text and not yet reviewed
    failed_conditions: tuple[str, ...] = ()  # the rule's words for each condition the facts fail (达到二级以上)

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule_id": self.rule_id,
            "clause_id": self.clause_id,
            "amount_wan": None if self.amount_wan is None else format(self.amount_wan.normalize(), "f"),
            "formula": self.formula,
            "inputs": dict(self.inputs),
            "input_labels": {k: self.input_labels.get(k, k) for k in self.inputs},
            "missing": list(self.missing),
            "steps": [
                {"text": s.text, "value_wan": None if s.value_wan is None else format(s.value_wan.normalize(), "f")} for s in self.steps
            ],
            "eligible": self.eligible,
            "reasons": list(self.reasons),
            "citation": self.citation.to_dict() if self.citation else None,
            "source_span": self.source_span,
            "cap_wan": None if self.cap_wan is None else format(self.cap_wan.normalize(), "f"),
            "reviewed": self.reviewed,
        }


@dataclass(frozen=True, slots=True)
class Answer:
    """What the assistant says to one question."""

    question: str
    condensed_question: str
    text: str
    no_basis: bool
    citations: tuple[Citation, ...] = ()
    calculations: tuple[Calculation, ...] = ()
    notices: tuple[str, ...] = ()  # validity, region, overlap notes
    related: tuple[Citation, ...] = ()  # pointers shown with a no-basis answer, NOT an answer
    intent: str = "lookup"
    region: str | None = None  # the region the question named, if any
    retrieved: tuple[str, ...] = ()  # clause ids retrieved, best first (for evaluation)
    elapsed_ms: float = 0.0
    lead: str = ""  # the direct answer, the text's first paragraph
    parts: tuple[str, ...] = ()  # the sub-questions of a compound question, each answered in turn
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "condensed_question": self.condensed_question,
            "answer": self.text,
            "no_basis": self.no_basis,
            "citations": [c.to_dict() for c in self.citations],
            "calculations": [c.to_dict() for c in self.calculations],
            "notices": list(self.notices),
            "related": [c.to_dict() for c in self.related],
            "intent": self.intent,
            "region": self.region,
            "retrieved": list(self.retrieved),
            "parts": list(self.parts),
            "elapsed_ms": round(self.elapsed_ms, 1),
        }
