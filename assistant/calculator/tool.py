"""The calculator as a LangChain tool, for a tool-calling model: one arguments model per rule kind."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any, Literal, Union

from pydantic import (
    BaseModel,
    Field,
    create_model,
)

from assistant.calculator.book import RuleBook, load_rules
from assistant.calculator.compute import calculate
from assistant.calculator.inputs import INPUTS
from assistant.calculator.kinds import KINDS
from corpus.errors import RuleError

if TYPE_CHECKING:
    from langchain_core.tools import StructuredTool


# ---------------------------------------------------------------- for a tool-calling model


def args_model(kind: str) -> type[BaseModel]:
    """The pydantic arguments model of one rule kind: its core inputs, plus ``facts`` for conditions."""
    cls = KINDS.get(kind)
    if cls is None:
        raise RuleError(f"unknown rule kind {kind!r}; kinds are {sorted(KINDS)!r}")
    return _ARGS_MODELS[kind]


def _kind_inputs(kind: str) -> tuple[str, ...]:
    return {
        "fixed": ("tier",),
        "per_item": ("items", "count"),
        "ratio": ("base_wan", "tier", "prior_wan"),
        "per_step": ("current_wan", "last_wan", "growth_pct"),
        "max_only": ("tier",),
        "interest_fixed_rate": ("loan_wan", "months"),
        "financing_cost_cap": ("loan_wan", "rate_pct", "months"),
        "interest_share": ("interest_wan", "loan_wan", "rate_pct", "months", "lpr_pct"),
        "premium": ("premium_wan", "insured_wan", "premium_rate_permille"),
        "tax_share": ("local_share_wan",),
        "top_up": ("received_wan",),
        "combined_cap": ("amounts_wan",),
        "per_unit": ("persons", "years", "person_times", "days"),
        "bands": ("persons",),
        "share_per_unit": ("base_wan", "persons", "months", "years", "days"),
    }[kind]


_JSON_TYPE: dict[str, Any] = {
    "money": Decimal | None,
    "pct": Decimal | None,
    "permille": Decimal | None,
    "months": Decimal | None,
    "years": Decimal | None,
    "count": int | None,
    "level": int | None,
    "choice": str | None,
    "items": list[dict[str, Decimal]] | None,
    "money_list": list[Decimal] | None,
}
_UNIT_NOTE = {
    "money": "万元",
    "pct": "%",
    "permille": "‰",
    "months": "月",
    "years": "年",
    "count": "个",
    "level": "级",
    "choice": "",
    "items": "",
    "money_list": "万元",
}


def _make_args_model(kind: str) -> type[BaseModel]:
    fields: dict[str, Any] = {"kind": (Literal[kind], Field(description="the rule's kind; must match the rule"))}  # type: ignore[valid-type]
    for name in _kind_inputs(kind):
        spec = INPUTS[name]
        fields[name] = (
            _JSON_TYPE[spec.type],
            Field(default=None, description=f"{spec.zh}（{_UNIT_NOTE[spec.type]}）".replace("（）", "")),
        )
    fields["facts"] = (
        dict[str, Decimal | str],
        Field(
            default_factory=dict,
            description="facts the rule's conditions compare, by input name "
            "(e.g. digital_level, shareholding_pct, revenue_last_wan, annual_tax_wan)",
        ),
    )
    model: type[BaseModel] = create_model(f"{''.join(p.title() for p in kind.split('_'))}Args", **fields)
    return model


_ARGS_MODELS: dict[str, type[BaseModel]] = {k: _make_args_model(k) for k in KINDS}


def as_tool(rules: RuleBook | None = None) -> StructuredTool:
    """The calculator as a LangChain ``StructuredTool``: ``rule_id`` plus the arguments of its kind.

    The JSON schema of ``args`` is a union discriminated by ``kind`` — one schema per rule kind.
    The tool returns the calculation as JSON (``Calculation.to_dict()``), or ``{"error": …}``.
    """
    from langchain_core.tools import StructuredTool

    book = rules if rules is not None else load_rules()
    ids = tuple(r.id for r in book)
    # one arguments schema per rule kind, told apart by "kind" (built at run time, hence Union[...])
    kind_union = Annotated[Union[tuple(_ARGS_MODELS.values())], Field(discriminator="kind")]  # type: ignore[valid-type]  # noqa: UP007
    schema = create_model(
        "PolicyCalculatorInput",
        rule_id=(Literal[ids], Field(description="the rule to apply (a clause's money provision)")),  # type: ignore[valid-type,arg-type]
        args=(kind_union, Field(description="the facts stated by the user; leave out what was not stated")),  # type: ignore[arg-type]
    )

    def run(rule_id: str, args: Any) -> str:
        try:
            rule = book.get(rule_id)
            data = args.model_dump() if isinstance(args, BaseModel) else dict(args)
            if data.get("kind") != rule.kind:
                raise RuleError(f"rule {rule_id!r} is of kind {rule.kind!r}, the arguments are of kind {data.get('kind')!r}")
            facts = data.pop("facts", {}) or {}
            data.pop("kind", None)
            inputs = {k: v for k, v in data.items() if v is not None} | dict(facts)
            if "items" in inputs:
                inputs["items"] = [{k: v for k, v in row.items()} for row in inputs["items"]]
            return json.dumps(calculate(rule, inputs).to_dict(), ensure_ascii=False)
        except RuleError as e:
            return json.dumps({"error": str(e), "error_zh": e.message_zh}, ensure_ascii=False)

    return StructuredTool.from_function(
        func=run,
        name="policy_calculator",
        description=(calculate.__doc__ or "").strip(),
        args_schema=schema,
    )
