"""An Answer (its JSON dict) as the HTML of one chat message: text, citation and formula cards.

Every piece of text goes through ``html.escape``: questions, answers and document text are shown
as text, never interpreted. The output has no blank lines, so Markdown leaves it one HTML block.
"""

from __future__ import annotations

from html import escape
from typing import Any
from urllib.parse import quote

from assistant.calculator import INPUTS

__all__ = ["answer_html", "citation_card", "calculation_card", "error_html", "question_html", "text_html", "pending_html", "input_label"]

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


def _highlight(text: str, quote_: str) -> str:
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


def citation_card(c: dict[str, Any], *, open_: bool = False) -> str:
    """An expandable card: title, 文号, region, validity badge, label path, clause text with the quote marked."""
    rows = [("文号", c.get("doc_no") or "无"), ("地区", c["region"]), ("条款", c["label"]), ("位置", c["path"])]
    dl = "".join(f"<dt>{escape(k)}</dt><dd>{escape(str(v))}</dd>" for k, v in rows)
    return (
        f'<details class="pq-cite"{" open" if open_ else ""}>'
        f'<summary><span class="pq-n">[{int(c["n"])}]</span> <span class="pq-title">《{escape(c["title"])}》</span> '
        f'{badge(c["status"], c["status_zh"])}<span class="pq-label">{escape(c["label"])}</span></summary>'
        f'<dl class="pq-meta">{dl}</dl>'
        f'<blockquote class="pq-clause">{_highlight(c["text"], c.get("quote", ""))}</blockquote>'
        f'<a class="pq-src" href="{escape(clause_url(c["doc_id"], c["clause_id"]))}" target="_blank" rel="noopener">'
        "查看条款原文（JSON）</a>"
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
    if calc.get("formula"):
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


def _body_blocks(answer: dict[str, Any]) -> list[str]:
    """The answer's paragraphs; a printed list of references is left out when cards show it
    ("依据：" for citations, "以下条款内容相近…" for the related clauses of a no-basis answer)."""
    blocks = [b for b in answer["answer"].split("\n\n") if b.strip()]
    if answer.get("citations"):
        blocks = [b for b in blocks if not b.startswith("依据：")]
    if answer.get("related"):
        blocks = [b for b in blocks if not b.startswith("以下条款内容相近")]
    return blocks


def answer_html(answer: dict[str, Any]) -> str:
    """The whole message for one Answer dict (``Answer.to_dict()``)."""
    out = ['<div class="pq-answer">']
    out.extend(f'<p class="pq-p">{text_html(b)}</p>' for b in _body_blocks(answer))
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
