"""Plain-text rendering of an Answer for the terminal."""

from __future__ import annotations

from assistant.records import Answer

__all__ = ["render_text"]


def render_text(answer: Answer) -> str:
    lines = [answer.text]
    if answer.condensed_question != answer.question:
        lines.append(f"\n（按上下文理解为：{answer.condensed_question}）")
    for calc in answer.calculations:
        if calc.steps:
            lines.append(f"\n计算过程（{calc.rule_id}）：")
            lines += [f"  {s.text}" for s in calc.steps]
    lines.append(f"\n[{answer.elapsed_ms:.0f} ms]")
    return "\n".join(lines)
