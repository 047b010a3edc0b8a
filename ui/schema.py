"""The JSON API's request and response bodies, so that ``/openapi.json`` says what is really sent.

The answer models mirror ``Answer.to_dict()`` (the one JSON contract) plus what the app adds to
it (each citation's ``source_url``, ``ui/source.py``); a test compares their fields with a real
answer's keys, so the two cannot drift apart silently.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, StrictBool, StrictStr
from pydantic.json_schema import JsonDict

__all__ = [
    "AskRequest",
    "FeedbackRequest",
    "AnswerOut",
    "CitationOut",
    "CalculationOut",
    "CalcStepOut",
    "ValidityOut",
    "DocumentOut",
    "HealthOut",
    "StoresOut",
    "StoreHealthOut",
    "DocumentsOut",
    "ClauseOut",
    "FeedbackOut",
    "ErrorOut",
    "ErrorDetail",
]

Status = Literal["in_force", "expiring", "expired", "not_yet", "not_stated"]


# -- requests --------------------------------------------------------------------------------
# a character that is no space to a JSON-schema regex nor to Python's str.strip (which also takes
# \x1c-\x1f and \x85 for space): a text matching it is never blank to the server
_NOT_BLANK = r"[^\s\u001c-\u001f\u0085]"
_TEXT_500: JsonDict = {"minLength": 1, "maxLength": 500, "pattern": _NOT_BLANK}


class AskRequest(BaseModel):
    """A question, the earlier questions of the conversation, and an optional default region."""

    # The limits are checked in code (a 400 that says what to fix, not a 422); the schema states them.
    question: StrictStr = Field(
        description="The question, at most `max_question_chars` (500) characters.",
        examples=["厦门专精特新企业在国内举办产品推介会有什么补贴？"],
        json_schema_extra=_TEXT_500,
    )
    history: list[StrictStr] = Field(
        default_factory=list,
        description="Earlier user questions of the conversation, oldest first; at most `max_history` (10).",
        json_schema_extra={"maxItems": 10, "items": {"type": "string", "maxLength": 500}},
    )
    region: StrictStr | None = Field(
        default=None,
        json_schema_extra={"anyOf": [{"type": "string", "maxLength": 20}, {"type": "null"}]},
        description="Default region (e.g. 厦门), at most 20 characters. Used only to scope retrieval: it is added to the "
        "question when neither the question nor the history names a region.",
    )


class FeedbackRequest(BaseModel):
    """A verdict on one answer."""

    question: StrictStr = Field(description="The question as asked.", json_schema_extra=_TEXT_500)
    answer: StrictStr = Field(
        description="The answer text shown.", json_schema_extra={"minLength": 1, "maxLength": 20000, "pattern": _NOT_BLANK}
    )
    citations: list[StrictStr] = Field(
        default_factory=list,
        description="References (or clause ids) shown with the answer; at most 20.",
        json_schema_extra={"maxItems": 20, "items": {"type": "string", "maxLength": 500}},
    )
    useful: StrictBool = Field(description="true: useful; false: not useful.")
    comment: StrictStr | None = Field(
        default="",
        description="Optional, at most 1000 characters; null means none.",
        json_schema_extra={"anyOf": [{"type": "string", "maxLength": 1000}, {"type": "null"}]},
    )
    answer_id: StrictStr = Field(
        max_length=200,
        description="The `answer_id` the answer came with: feedback is accepted only on an answer this service gave, "
        "for a limited time (`answer_id_ttl_hours`). A second verdict on the same answer replaces the first.",
    )


# -- the answer --------------------------------------------------------------------------------
class CitationOut(BaseModel):
    """A numbered reference [n] to one clause, with the exact quoted span."""

    n: int
    doc_id: str
    title: str
    doc_no: str | None = Field(description="文号, when the document has one.")
    region: str
    kind: str = Field(description="policy / interpretation / faq")
    clause_id: str
    label: str = Field(description="The printed position, e.g. 第二部分（六）第13条.")
    path: str = Field(description="The headings above the clause, joined by ›.")
    quote: str = Field(description="An exact substring of `text`.")
    text: str = Field(description="The whole clause.")
    status: Status
    status_zh: str = Field(description="有效 / 即将到期 / 已失效 / 尚未生效 / 未载明")
    reference: str = Field(description="《title》（文号）label title, built from metadata.")
    source_url: str = Field(
        description="The clause's readable source view (HTML: the clause in its document, the quote marked, the "
        "document's 文号, region and validity), relative to the app's root, e.g. `/source/xm-zjtx-2024/二/（六）/13?q=…`."
    )


class CalcStepOut(BaseModel):
    text: str
    value_wan: str | None = Field(description="The value this step yields, 万元, as a decimal string.")


class CalculationOut(BaseModel):
    """A deterministic calculation under one rule."""

    rule_id: str
    clause_id: str
    amount_wan: str | None = Field(description="万元 as a decimal string; null when inputs are missing.")
    formula: str
    inputs: dict[str, str]
    input_labels: dict[str, str] = Field(description="Each input's name in the rule, in Chinese (base_wan → 数字化改造实际投入资金).")
    missing: list[str] = Field(description="Inputs (in Chinese) still needed.")
    steps: list[CalcStepOut]
    eligible: bool | None
    reasons: list[str]
    citation: CitationOut | None = Field(description="The rule's clause.")
    source_span: str
    cap_wan: str | None = Field(description="The most the rule gives for the stated facts (万元), when it states a cap.")
    reviewed: bool = Field(
        description="False when a rule it rests on was drafted from the clause text and not yet reviewed by a person; "
        "the answer then says so in one line."
    )


class AnswerOut(BaseModel):
    """``Answer.to_dict()``, with ``question`` as the user typed it."""

    question: str
    condensed_question: str = Field(description="The question the chain answered (follow-ups made self-contained).")
    answer: str = Field(description="The answer text; [n] markers point at `citations`.")
    no_basis: bool = Field(description="True when the documents give no basis (the text then starts 现有政策文件中未找到依据).")
    citations: list[CitationOut]
    calculations: list[CalculationOut]
    notices: list[str] = Field(description="Validity, region and overlap notes.")
    related: list[CitationOut] = Field(description="Pointers shown with a no-basis answer; not an answer.")
    intent: str
    region: str | None = Field(description="The region the question named, if any.")
    retrieved: list[str] = Field(description="Clause ids retrieved, best first.")
    parts: list[str] = Field(description="The sub-questions of a compound question, each answered in turn.")
    elapsed_ms: float
    answer_id: str = Field(description="Signed by the service; send it back with feedback on this answer.")


# -- documents ---------------------------------------------------------------------------------
class ValidityOut(BaseModel):
    status: Status
    status_zh: str
    text: str = Field(description="One Chinese sentence, e.g. 该文件有效期至2026年12月31日.")
    days_left: int | None


class DocumentOut(BaseModel):
    id: str
    title: str
    doc_no: str | None
    region: str
    kind: str
    kind_zh: str
    issuers: list[str]
    issued: str | None = Field(description="YYYY-MM-DD")
    expires: str | None = Field(description="YYYY-MM-DD")
    validity: ValidityOut
    source: str = Field(description="Where the text was published.")
    clauses: int | None = Field(default=None, description="Number of clauses (in /api/documents only).")


class StoreHealthOut(BaseModel):
    status: Literal["ok", "degraded"]
    detail: str = Field(description="What was checked, or what is wrong (English, for the operator).")


class StoresOut(BaseModel):
    answers: StoreHealthOut = Field(description="Whether questions are being answered.")
    index: StoreHealthOut = Field(description="The Chroma index: reachable, and how many pieces.")
    feedback: StoreHealthOut = Field(description="The feedback database: writable and within its budget.")


class HealthOut(BaseModel):
    status: Literal["ok", "degraded"] = Field(description="degraded when any store is.")
    stores: StoresOut
    model: str = Field(description="The embedding model's name.")
    collection: str = Field(description="The Chroma collection (named after model and chunking).")
    index_size: int = Field(description="Pieces in the index.")
    today: str = Field(description="The date validity is judged against.")
    documents: list[DocumentOut]


class DocumentsOut(BaseModel):
    documents: list[DocumentOut]


class ClauseOut(BaseModel):
    id: str
    doc_id: str
    label: str
    labels: list[str]
    title: str
    path: str
    text: str
    reference: str
    document: DocumentOut


class FeedbackOut(BaseModel):
    ok: Literal[True]
    id: int = Field(description="The stored record (the same for a second verdict on the same answer).")
    message: str


# -- errors ------------------------------------------------------------------------------------
class ErrorDetail(BaseModel):
    code: str = Field(description="invalid_input, invalid_request, rate_limited, not_found, http_error, internal_error")
    message: str = Field(description="A Chinese sentence for the user.")


class ErrorOut(BaseModel):
    """Every error of the API: never a stack trace."""

    error: ErrorDetail
