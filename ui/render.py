"""An Answer (its JSON dict) as the HTML of one chat message: text, citation and formula cards.

Every piece of text goes through ``html.escape``: questions, answers and document text are shown
as text, never interpreted. The output has no blank lines, so Markdown leaves it one HTML block.
"""

from __future__ import annotations

import datetime as dt
from html import escape
from typing import Any
from urllib.parse import quote, urlencode

from assistant.calculator import INPUTS
from corpus.records import PolicyDocument, ValidityStatus

__all__ = [
    "answer_html",
    "citation_card",
    "calculation_card",
    "error_html",
    "question_html",
    "text_html",
    "pending_html",
    "input_label",
    "highlight",
    "badge",
    "clause_url",
    "source_url",
    "validity_html",
    "zh_date",
]

# The longest quote a source link carries: a clause's sentence, not a document.
MAX_QUOTE_CHARS = 1000

_BADGE_CLASS = {"in_force": "ok", "expiring": "warn", "expired": "bad", "not_yet": "warn", "not_stated": "none"}


def text_html(text: str) -> str:
    """Escaped text with its line breaks kept."""
    return "<br>".join(escape(line) for line in text.split("\n"))


def question_html(question: str) -> str:
    """A user's question, shown as typed: markup in it is text."""
    return f'<div class="pq-q">{text_html(question)}</div>'


def pending_html() -> str:
    return '<div class="pq-pending">正在检索政策条款…</div>'


def error_html(message_zh: str) -> str:
    return f'<div class="pq-error" role="alert">{escape(message_zh)}</div>'


def highlight(text: str, quote_: str) -> str:
    """The clause text with the quoted span in <mark> (the quote is an exact substring)."""
    i = text.find(quote_) if quote_ else -1
    if i < 0:
        return text_html(text)
    return f"{text_html(text[:i])}<mark>{text_html(quote_)}</mark>{text_html(text[i + len(quote_) :])}"


def badge(status: str, status_zh: str) -> str:
    return f'<span class="pq-badge pq-{_BADGE_CLASS.get(status, "none")}">{escape(status_zh)}</span>'


def clause_url(doc_id: str, clause_id: str) -> str:
    """The API address of a clause's source text (relative to the app root)."""
    return f"/api/documents/{quote(doc_id, safe='')}/clauses/{quote(clause_id, safe='/')}"


def source_url(doc_id: str, clause_id: str, quote_: str = "") -> str:
    """The readable source view of a clause (``ui/source.py``), the quoted words in ``q``.

    Relative to the app root: ``/source/xm-zjtx-2024/二/（六）/13?q=…``."""
    rest = clause_id.removeprefix(f"{doc_id}/") if clause_id != doc_id else ""
    url = f"/source/{quote(doc_id, safe='')}/{quote(rest, safe='/')}"
    quote_ = quote_[:MAX_QUOTE_CHARS]
    return f"{url}?{urlencode({'q': quote_})}" if quote_ else url


def zh_date(d: dt.date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def validity_html(d: PolicyDocument, today: dt.date) -> str:
    """The badge and the dates behind it: 即将到期 · 有效期至2026年12月31日（剩余30天）; 未载明 · 印发日期…"""
    v = d.validity(today)
    if v.status is ValidityStatus.NOT_STATED:
        if d.validity_text:
            when = f"文件载明“{d.validity_text}”，未载明起止日期"
        else:
            when = "文件未载明有效期" + (f"，印发日期{zh_date(d.issued)}" if d.issued else "，也未载明印发日期")
    elif v.status is ValidityStatus.NOT_YET and d.effective_from is not None:
        when = f"自{zh_date(d.effective_from)}起施行"
    else:
        assert d.expires is not None  # every other status is judged from the end date
        when = f"有效期至{zh_date(d.expires)}"
        if v.status is ValidityStatus.EXPIRING:
            when += f"（剩余{v.days_left}天）"
        elif v.status is ValidityStatus.EXPIRED:
            when += "，已失效"
    return f'{badge(v.status.value, v.status.zh)}<span class="pq-date">{escape(when)}</span>'


def citation_card(c: dict[str, Any], *, open_: bool = False) -> str:
    """An expandable card: title, 文号, region, validity badge, label path, clause text with the quote marked."""
    rows = [("文号", c.get("doc_no") or "无"), ("地区", c["region"]), ("条款", c["label"]), ("位置", c["path"])]
    dl = "".join(f"<dt>{escape(k)}</dt><dd>{escape(str(v))}</dd>" for k, v in rows)
    return (
        f'<details class="pq-cite"{" open" if open_ else ""}>'
        f'<summary><span class="pq-n">[{int(c["n"])}]</span> <span class="pq-title">《{escape(c["title"])}》</span> '
        f'{badge(c["status"], c["status_zh"])}<span class="pq-label">{escape(c["label"])}</span></summary>'
        f'<dl class="pq-meta">{dl}</dl>'
        f'<blockquote class="pq-clause">{highlight(c["text"], c.get("quote", ""))}</blockquote>'
        f'<a class="pq-src" href="{escape(source_url(c["doc_id"], c["clause_id"], c.get("quote", "")))}" target="_blank" rel="noopener">'
        "查看原文（在文件中的位置）</a>"
        "</details>"
    )


def input_label(name: str) -> str:
    """The Chinese name of a calculator input (``base_wan`` → 计算基数金额); unknown names as they are."""
    spec = INPUTS.get(name)
    return spec.zh if spec is not None else name


def calculation_card(calc: dict[str, Any]) -> str:
    """A small formula card: inputs, steps, result and the rule's clause."""
    parts = ['<details class="pq-calc" open><summary>计算过程</summary>']
    if calc.get("inputs"):
        labels = calc.get("input_labels") or {}
        items = "".join(
            f"<li><span>{escape(labels.get(k) or input_label(k))}</span>：{escape(str(v))}</li>" for k, v in calc["inputs"].items()
        )
        parts.append(f'<div class="pq-calc-h">已知条件</div><ul class="pq-inputs">{items}</ul>')
    if calc.get("steps"):
        steps = "".join(f"<li>{escape(s['text'])}</li>" for s in calc["steps"])
        parts.append(f'<div class="pq-calc-h">计算步骤</div><ol class="pq-steps">{steps}</ol>')
    if calc.get("formula") and not calc.get("steps"):  # the steps are the formula, line by line
        parts.append(f'<div class="pq-formula">{escape(calc["formula"])}</div>')
    if calc.get("missing"):
        parts.append(f'<div class="pq-missing">还需提供：{escape("、".join(calc["missing"]))}</div>')
    if calc.get("amount_wan") is not None:
        parts.append(f'<div class="pq-result">结果：<strong>{escape(calc["amount_wan"])} 万元</strong></div>')
    if calc.get("reasons"):
        parts.append("".join(f'<div class="pq-reason">{escape(r)}</div>' for r in calc["reasons"]))
    cite = calc.get("citation")
    if cite:
        parts.append(f'<div class="pq-rule">依据：{escape(cite["reference"])}</div>')
    parts.append("</details>")
    return "".join(parts)


def _without_card_lines(block: str, calculations: list[dict[str, Any]]) -> str:
    """The 提示 list without what a 计算过程 card shows: its conditions (前提/比例…, the
    calculation's ``reasons``) and its formula. Empty when nothing else is left."""
    reasons = {r for k in calculations for r in k.get("reasons", ())}
    formulas = [k["formula"] for k in calculations if k.get("formula")]
    head, *lines = block.split("\n")
    kept = [line for line in lines if line.removeprefix("· ") not in reasons and not any(f in line for f in formulas)]
    return "\n".join([head, *kept]) if kept else ""


def _body_blocks(answer: dict[str, Any]) -> list[str]:
    """The answer's paragraphs, less what the cards below show: the printed list of references
    ("依据：" for citations, "以下条款内容相近…" for the related clauses of a no-basis answer)
    and, under 提示, the calculation's own conditions and formula. Nothing is said twice."""
    blocks = [b for b in answer["answer"].split("\n\n") if b.strip()]
    if answer.get("citations"):
        blocks = [b for b in blocks if not b.startswith("依据：")]
    if answer.get("related"):
        blocks = [b for b in blocks if not b.startswith("以下条款内容相近")]
    if answer.get("calculations"):
        blocks = [b if not b.startswith("提示：") else _without_card_lines(b, answer["calculations"]) for b in blocks]
    return [b for b in blocks if b]


def answer_html(answer: dict[str, Any]) -> str:
    """The whole message for one Answer dict (``Answer.to_dict()``)."""
    out = ['<div class="pq-answer">']
    blocks = _body_blocks(answer)
    # The lead (the amount, the yes/no, the department) opens the message: the page scrolls to it.
    out.extend(f'<p class="pq-p{" pq-lead" if i == 0 else ""}">{text_html(b)}</p>' for i, b in enumerate(blocks))
    if answer.get("calculations"):
        out.append("".join(calculation_card(c) for c in answer["calculations"]))
    if answer.get("citations"):
        out.append('<div class="pq-cites-h">引用条款（点击展开）</div>')
        out.append("".join(citation_card(c, open_=(i == 0)) for i, c in enumerate(answer["citations"])))
    if answer.get("related"):
        out.append('<div class="pq-cites-h">相关条款（仅供参考，并非依据）</div>')
        out.append("".join(citation_card(c) for c in answer["related"]))
    out.append("</div>")
    return "".join(out)
