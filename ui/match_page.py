"""The "政策体检" tab of the chat page: a form for a company's profile and the matched measures.

``with_match_tab(chat_blocks, …)`` puts the chat page and this tab side by side under one tab bar,
so ``ui/page.py`` changes by one line. The form's labels carry their units; what cannot be read
is said in Chinese (the matcher's own messages); the result is rendered from the same JSON as
``POST /api/match`` and everything in it is escaped.
"""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import Any

import gradio as gr

from assistant.match.profile import COMPANY_TYPES, LOAN_KINDS
from assistant.match.service import matcher_for
from corpus.documents import Corpus
from corpus.errors import PolicyQAError
from corpus.settings import Settings
from ui.match_form import SECTIONS, city_choices, figure_label
from ui.render import badge, error_html

__all__ = ["with_match_tab", "build_match_tab", "match_html", "city_choices"]

_CSS = (Path(__file__).resolve().parent / "static" / "match.css").read_text(encoding="utf-8")
_GROUPS = (("eligible", "可申报", "pq-m-ok"), ("possible", "可能符合", "pq-m-maybe"), ("ineligible", "不符合", "pq-m-no"))


def _money_text(value: str | None) -> str:
    return f"{value}万元" if value is not None else ""


def _line_html(line: dict[str, Any]) -> str:
    amount = ""
    if line["group"] == "eligible" and line["amount_wan"] is not None:
        bound = "（上限）" if line["upper_bound"] else ""
        amount = f'<span class="pq-m-amount">{escape(_money_text(line["amount_wan"]))}{bound}</span>'
    elif line["cap_wan"] is not None:
        amount = f'<span class="pq-m-cap">最高{escape(_money_text(line["cap_wan"]))}</span>'
    elif line["rule_id"] is None:
        amount = '<span class="pq-m-cap">金额以主管部门核定为准</span>'
    rows = [f'<div class="pq-m-formula">{escape(line["formula"])}</div>']
    if line.get("if_met"):
        rows.append(f'<div class="pq-m-ifmet">若条件满足：{escape(line["if_met"]["formula"])}</div>')
    if line["missing"]:
        items = "".join(f"<li>{escape(m)}</li>" for m in line["missing"])
        rows.append(f'<div class="pq-m-missing">还需：<ul>{items}</ul></div>')
    if line["group"] == "ineligible":
        rows.append(f'<div class="pq-m-why">原因：{escape("；".join(line["reasons"]))}</div>')
    elif line["reasons"]:
        rows.append(f'<div class="pq-m-note">{escape("；".join(dict.fromkeys(line["reasons"])))}</div>')
    if line["overlap_group"]:
        others = escape("、".join(line["overlaps_with"]))
        rows.append(f'<div class="pq-m-overlap">{escape(line["overlap_group"])}：与{others}不重复享受，只计较高者</div>')
    who = line["department"] or (f"（发布单位：{'、'.join(line['issuers'])}）" if line["issuers"] else "条款未载明")
    rows.append(f'<div class="pq-m-dept">责任单位：{escape(who)}</div>')
    cite = f"<cite>[{line['citation_n']}] {escape(line['reference'])}</cite>"
    rows.append(f'<blockquote class="pq-m-quote">“{escape(line["quote"])}”{cite}</blockquote>')
    v = line["validity"]
    status_zh = "有效期未载明" if v["status"] == "not_stated" else v["status_zh"]
    return (
        f'<li class="pq-m-line"><div class="pq-m-head"><span class="pq-m-title">{escape(line["title"])}</span>{amount}'
        f"{badge(v['status'], status_zh)}</div>{''.join(rows)}</li>"
    )


def match_html(out: dict[str, Any]) -> str:
    """The result of a match (the ``/api/match`` JSON) as HTML: total, then the three groups."""
    m = out["match"]
    if out["no_basis"]:
        return f'<div class="pq-match-result"><p class="pq-m-empty">{escape(out["answer"])}</p></div>'
    total = f"{m['total_wan']}万元" if m["total_wan"] is not None else "0万元"
    head = [f'<div class="pq-m-total"><span>可申报确定金额合计</span><strong>{escape(total)}</strong>']
    head.append(f'<div class="pq-m-formula">{escape(m["total_formula"])}（就高不重复的只计较高者）</div>')
    if m["total_cap_wan"] is not None and m["total_cap_wan"] != m["total_wan"]:
        head.append(f'<div class="pq-m-note">连同由主管部门核定金额的措施的上限，最多{escape(m["total_cap_wan"])}万元</div>')
    head.append("</div>")
    parts = ["".join(head)]
    for key, zh, css in _GROUPS:
        lines = m["groups"][key]
        if key == "ineligible" and not lines:
            continue
        body = "".join(_line_html(x) for x in lines) or '<li class="pq-m-empty">无</li>'
        parts.append(f'<section class="pq-m-group {css}"><h3>{zh}（{len(lines)}项）</h3><ol>{body}</ol></section>')
    if m["notices"]:
        parts.append('<ul class="pq-m-notices">' + "".join(f"<li>{escape(n)}</li>" for n in m["notices"]) + "</ul>")
    return f'<div class="pq-match-result" id="pq-match-output">{"".join(parts)}</div>'


def build_match_tab(settings: Settings, corpus: Corpus | None = None) -> None:
    """The form and its result, inside the current Blocks context."""
    matcher = matcher_for(settings, corpus)
    gr.HTML(
        f"<style>{_CSS}</style>"
        '<div class="pq-m-intro"><h2>政策体检</h2><p>填写企业的注册地、类型和已知数据（均可留空），'
        "逐项对照收录的政策条款：可申报的给出金额和算式，可能符合的说明还缺哪些信息，均注明条款出处。</p></div>"
    )
    with gr.Row(equal_height=True):
        city = gr.Dropdown(
            city_choices(matcher.corpus), label="注册地城市（必填）", value=None, elem_id="pq-m-city", allow_custom_value=True
        )
        district = gr.Textbox(label="区（县）", placeholder="如：湖里区", elem_id="pq-m-district", max_length=20)
    types = gr.CheckboxGroup([t.name for t in COMPANY_TYPES], label="企业类型（可多选）", elem_id="pq-m-types")
    levels = gr.CheckboxGroup(list(matcher.levels()), label="已获认定类别（可选）", elem_id="pq-m-levels")
    boxes: dict[str, gr.Textbox] = {}
    for title, keys in SECTIONS:
        with gr.Accordion(title, open=title == "研发与经营", elem_classes="pq-m-section"):
            with gr.Row():
                for key in keys:
                    boxes[key] = gr.Textbox(label=figure_label(key), elem_id=f"pq-m-{key}", max_length=20, min_width=160)
    with gr.Accordion("贷款（一笔）", open=False, elem_classes="pq-m-section"):
        with gr.Row():
            loan_kind = gr.Dropdown(["", *(k.name for k in LOAN_KINDS)], value="", label="贷款类型", elem_id="pq-m-loan-kind")
            loan_amount = gr.Textbox(label="贷款金额（万元）", elem_id="pq-m-loan-amount", max_length=20, min_width=140)
            loan_rate = gr.Textbox(label="年利率（%）", elem_id="pq-m-loan-rate", max_length=20, min_width=120)
            loan_months = gr.Textbox(label="期限（月）", elem_id="pq-m-loan-months", max_length=20, min_width=120)
    with gr.Row(equal_height=True):
        show_all = gr.Checkbox(label="同时列出不符合的措施及原因", value=False, elem_id="pq-m-all")
        run = gr.Button("开始体检", variant="primary", elem_id="pq-m-run", scale=0, min_width=120)
    result = gr.HTML("", elem_id="pq-m-result")
    names = list(boxes)

    def check(city_: str | None, district_: str, types_: list[str], levels_: list[str], *rest: Any) -> str:
        figures = dict(zip(names, rest[: len(names)], strict=True))
        kind, amount, rate, months, all_ = rest[len(names) :]
        data: dict[str, Any] = {
            "city": (city_ or "").strip(),
            "district": (district_ or "").strip(),
            "types": list(types_ or []),
            "levels": list(levels_ or []),
            "figures": {k: v for k, v in figures.items() if v and str(v).strip()},
        }
        if kind or any(str(x or "").strip() for x in (amount, rate, months)):
            if not kind:
                return error_html("请选择贷款类型，或清空贷款信息。")
            loan = {"kind": kind, "amount_wan": amount, "rate_pct": rate, "months": months}
            data["loans"] = [{k: v for k, v in loan.items() if v and str(v).strip()}]
        try:
            return match_html(matcher.run(data, include_ineligible=bool(all_)))
        except PolicyQAError as e:
            return error_html(e.message_zh)

    inputs = [city, district, types, levels, *boxes.values(), loan_kind, loan_amount, loan_rate, loan_months, show_all]
    run.click(check, inputs, result, api_visibility="private")


def with_match_tab(chat: gr.Blocks, settings: Settings, corpus: Corpus | None = None) -> gr.Blocks:
    """The chat page and the 政策体检 form under one tab bar."""
    with gr.Blocks(title=chat.title, analytics_enabled=False) as outer:
        with gr.Tabs(elem_id="pq-tabs"):
            with gr.Tab("政策问答", id="chat", elem_id="pq-tab-chat"):
                chat.render()
            with gr.Tab("政策体检", id="match", elem_id="pq-tab-match"):
                build_match_tab(settings, corpus)
    return outer
