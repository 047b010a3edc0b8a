"""``POST /api/match``: a company's profile in, every measure it can claim out (Answer-like JSON).

Registered by ``ui.app`` with one line (``register_match_api``). Shares the app's rate limit and
its error handlers: an invalid profile is 400 with a Chinese message, a body of the wrong shape
is 422, too many requests 429.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, StrictBool, StrictFloat, StrictInt, StrictStr

from assistant.match.service import matcher_for
from corpus.settings import Settings
from ui.match_form import MAX_LOANS, form_spec
from ui.schema import AnswerOut, ErrorOut
from ui.source import add_source_urls

__all__ = ["MatchRequest", "MatchOut", "MatchFormOut", "register_match_api"]

Number = StrictStr | StrictInt | StrictFloat


class LoanIn(BaseModel):
    kind: StrictStr = Field(description="技术创新基金贷款 / 专利商标质押融资 / 科技信用贷款 / 增信子基金贷款")
    amount_wan: Number | None = Field(default=None, description="贷款金额（万元）")
    rate_pct: Number | None = Field(default=None, description="贷款年利率（%）")
    months: Number | None = Field(default=None, description="贷款期限（月）")
    interest_wan: Number | None = Field(default=None, description="实际支付利息（万元）")


class MatchRequest(BaseModel):
    """A company's profile; every field but the city may be left out."""

    city: StrictStr = Field(max_length=20, description="注册地城市，如 厦门、济南", examples=["厦门"])
    district: StrictStr = Field(default="", max_length=20, description="区（县），如 湖里区", examples=["湖里区"])
    name: StrictStr = Field(default="", max_length=100, description="企业名称（可选，仅用于显示）")
    types: list[StrictStr] = Field(
        default_factory=list,
        max_length=20,
        description="企业类型，取自 assistant.match.COMPANY_TYPES（如 专精特新“小巨人”企业、“三高”企业、高新技术企业、孵化器运营方）",
        examples=[["专精特新“小巨人”企业"]],
    )
    levels: list[StrictStr] = Field(
        default_factory=list, max_length=20, description="认定类别：规则中的类别名称（如 卓越级、重大研发机构）"
    )
    figures: dict[str, Number | None] = Field(
        default_factory=dict,
        max_length=60,
        description="企业数据，按 assistant.match.FIGURES 的键或中文名（如 rd_spend_wan: 900，单位为万元、%、‰、月、人）",
        examples=[{"rd_spend_wan": 900, "rd_spend_last_wan": 700, "digital_spend_wan": 120, "digital_level": 2}],
    )
    loans: list[LoanIn] = Field(default_factory=list, max_length=MAX_LOANS, description="贷款，每笔注明类型")
    rented_equipment: list[dict[str, Number]] = Field(
        default_factory=list, max_length=50, description="租借或使用的研发设备：[{original_value_wan, fee_wan}]"
    )
    incubated_companies: list[dict[str, Number]] = Field(default_factory=list, description="孵化的国家级高新技术企业：[{shareholding_pct}]")
    include_ineligible: StrictBool = Field(default=False, description="true：同时列出不符合的措施及原因")


class MatchLineOut(BaseModel):
    group: str = Field(description="eligible / possible / ineligible")
    group_zh: str = Field(description="可申报 / 可能符合 / 不符合")
    title: str
    rule_id: str | None = Field(description="null: a measure without a rule (金额以主管部门核定为准)")
    doc_id: str
    reference: str
    quote: str = Field(description="The clause words the measure is read from (an exact substring of the clause).")
    citation_n: int = Field(description="The number of its citation in `citations`.")
    amount_wan: str | None = Field(description="The computed amount (万元), for 可申报 lines with a formula.")
    cap_wan: str | None = Field(description="The most it gives (万元), when stated or bounded by the facts.")
    formula: str
    upper_bound: bool = Field(description="The amount uses the clause's highest rate (最高30%): an upper bound.")
    missing: list[str] = Field(description="可能符合: what is not known, in the clause's words.")
    reasons: list[str] = Field(description="不符合: the failing condition; otherwise prerequisites and notes.")
    if_met: dict[str, Any] | None = Field(description="可能符合: the calculation were the missing conditions met.")
    overlap_group: str | None = Field(description="就高不重复 group label shared by measures not added together.")
    overlaps_with: list[str]
    department: str | None = Field(description="责任单位 quoted exactly from the clause, when printed.")
    issuers: list[str]
    matched_by: str = Field(description="type: the company is whom the rule names; facts: it states figures the rule reads.")
    validity: dict[str, str]


class MatchGroupsOut(BaseModel):
    eligible: list[MatchLineOut]
    possible: list[MatchLineOut]
    ineligible: list[MatchLineOut]


class MatchResultOut(BaseModel):
    region: str
    documents: list[str]
    validity: dict[str, dict[str, Any]]
    groups: MatchGroupsOut
    total_wan: str | None = Field(description="The definite amounts, each 就高不重复 group once at its maximum (万元).")
    total_formula: str
    total_cap_wan: str | None = Field(description="With the caps of the amounts set by the authority: the most (万元).")
    notices: list[str]


class ProfileRowOut(BaseModel):
    label: str
    value: str


class MatchOut(AnswerOut):
    """The Answer JSON (text, citations, calculations…) with the grouped measures and the profile read."""

    match: MatchResultOut
    profile: list[ProfileRowOut]


class FormFieldOut(BaseModel):
    key: str = Field(description="The profile's key for it (figures, or a loan's field).")
    label: str = Field(description="Its Chinese label with the unit: 本年度研发费用（万元）.")
    unit: str


class FormSectionOut(BaseModel):
    title: str
    fields: list[FormFieldOut]


class MatchFormOut(BaseModel):
    """What the 政策体检 form asks: the values ``POST /api/match`` accepts, labelled in Chinese."""

    cities: list[str] = Field(description="Cities the documents cover.")
    types: list[str] = Field(description="Company types (assistant.match.COMPANY_TYPES).")
    levels: list[str] = Field(description="Categories a company may hold: the rules' tier names.")
    sections: list[FormSectionOut] = Field(description="The figures, by section.")
    loan_kinds: list[str]
    loan_fields: list[FormFieldOut]
    max_loans: int


def register_match_api(app: FastAPI, settings: Settings, errors: Any) -> None:
    """Add ``POST /api/match`` to the app (its corpus from the app's assistant when there is one)."""

    @app.get(
        "/api/match/form",
        tags=["api"],
        summary="政策体检: the fields of the form (cities, types, figures with units, loans), labelled in Chinese",
        response_model=MatchFormOut,
    )
    def api_match_form(request: Request) -> Any:
        assistant = getattr(request.app.state, "assistant", None)
        return form_spec(matcher_for(settings, assistant.index.corpus if assistant is not None else None))

    @app.post(
        "/api/match",
        tags=["api"],
        summary="政策体检: every measure a company can claim, grouped, with amounts (no model involved)",
        response_model=MatchOut,
        responses={
            **errors(422, 429),
            400: {
                "model": ErrorOut,
                "description": "Invalid profile (unknown city, type or figure, unreadable value); the message says what to fix.",
            },
        },
    )
    def api_match(body: MatchRequest, request: Request) -> Any:
        limiter = getattr(request.app.state, "limiter", None)
        client = request.client.host if request.client else "unknown"
        wait = limiter.hit(client) if limiter is not None else 0
        if wait:
            return JSONResponse(
                {"error": {"code": "rate_limited", "message": f"请求过于频繁，请{int(wait) + 1}秒后再试。"}},
                status_code=429,
                headers={"Retry-After": str(int(wait) + 1)},
            )
        assistant = getattr(request.app.state, "assistant", None)
        corpus = assistant.index.corpus if assistant is not None else None
        data = body.model_dump(exclude={"include_ineligible"})
        data["loans"] = [{k: v for k, v in loan.items() if v is not None} for loan in data["loans"]]
        result = add_source_urls(matcher_for(settings, corpus).run(data, include_ineligible=body.include_ineligible))
        signer = getattr(request.app.state, "signer", None)
        if signer is not None:  # feedback on a match is accepted like feedback on any answer
            result = {**result, "answer_id": signer.issue(result["question"], result["answer"])}
        return result
