"""Plain-text rendering of an Answer for the terminal."""

from __future__ import annotations

from assistant.records import Answer

__all__ = ["render_text"]


def render_text(answer: Answer, started_s: float | None = None) -> str:
    """The answer for the terminal; ``started_s``, the seconds since the command started, is
    said beside the answer's own time (loading the model and the index is most of a cold ``ask``)."""
    lines = [answer.text]
    if answer.condensed_question != answer.question:
        lines.append(f"\n（按上下文理解为：{answer.condensed_question}）")
    for calc in answer.calculations:
        if calc.steps:
            lines.append("\n计算过程：")
            lines += [f"  {s.text}" for s in calc.steps]
            lines.append(f"  （规则 {calc.rule_id}：可用 `policyqa calc {calc.rule_id} …` 复算）")
    took = f"回答用时 {answer.elapsed_ms / 1000:.1f} 秒"
    if started_s is not None:
        took += f"，连同启动共 {started_s:.1f} 秒"
    lines.append(f"\n（{took}）")
    return "\n".join(lines)
