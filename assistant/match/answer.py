"""A match result as the assistant's ``Answer``: the text shown, the cited clauses, every calculation.

The text quotes each measure's clause through its numbered citation, gives the amount or cap
with the calculator's formula, and holds no figure that is not in a clause, a calculation or a
document's metadata: ``numbers_without_source`` checks it like any other answer.
"""

from __future__ import annotations

from collections.abc import Sequence

from assistant.calculator.money import _w
from assistant.compose import numbers_without_source
from assistant.match.matcher import TOTAL_RULE_ID
from assistant.match.profile import CompanyProfile
from assistant.match.records import ELIGIBLE, GROUP_ZH, INELIGIBLE, POSSIBLE, MatchLine, MatchResult
from assistant.records import NO_BASIS, Answer, Calculation, Citation
from corpus.documents import Corpus

__all__ = ["match_answer", "render_match", "unsourced_figures"]

_EMPTY = {
    ELIGIBLE: "按所填信息，暂无可直接确定的可申报措施。",
    POSSIBLE: "无。",
    INELIGIBLE: "无。",
}


def _amount(line: MatchLine) -> str:
    if line.group == ELIGIBLE:
        if line.amount_wan is not None:
            bound = "（按条款最高比例测算，为可获金额的上限）" if line.upper_bound else ""
            return f"{line.formula}{bound}"
        if line.cap_wan is None or f"{_w(line.cap_wan)}万元" in line.formula:
            return line.formula
        return f"最高{_w(line.cap_wan)}万元（{line.formula}）"
    if line.group == POSSIBLE:
        parts = [f"还需：{'；'.join(line.missing)}"] if line.missing else []
        if line.if_met is not None:
            parts.append(f"若条件满足：{line.if_met.formula}")
        elif line.cap_wan is not None:
            parts.append(f"本项最高{_w(line.cap_wan)}万元（{line.formula}）")
        elif line.rule_id is not None:
            parts.append(f"规则：{line.formula}")
        return "；".join(parts)
    return f"不符合：{'；'.join(line.reasons)}"


def _validity(v: dict[str, object], c: Citation) -> str:
    """有效期至2026年12月31日（即将到期）, or the status when the document prints no end date."""
    expires = v.get("expires")
    if isinstance(expires, str):
        y, m, d = (int(x) for x in expires.split("-"))
        return f"有效期至{y}年{m}月{d}日（{c.status_zh}）"
    return f"有效期：{c.status_zh}"


def _line_text(line: MatchLine, validity: dict[str, dict[str, object]]) -> str:
    c = line.citation
    out = [f"· {line.title}[{c.n}]：{_amount(line)}"]
    if line.overlap_group:
        out.append(f"  {line.overlap_group}：与{'、'.join(line.overlaps_with)}不重复享受，只计较高者")
    if line.group != INELIGIBLE:
        notes = [r for r in line.reasons if r not in line.formula]
        if notes:
            out.append(f"  说明：{'；'.join(dict.fromkeys(notes))}")
    who = line.department or (f"（发布单位：{'、'.join(line.issuers)}）" if line.issuers else "条款未载明")
    out.append(f"  责任单位：{who}｜{_validity(validity.get(c.doc_id, {}), c)}")
    return "\n".join(out)


def render_match(result: MatchResult, profile: CompanyProfile, *, include_ineligible: bool = False) -> str:
    """The match as text: who, the total, then each group's measures with their clauses."""
    who = "、".join(profile.types) or "未填写企业类型"
    place = f"{profile.city}{profile.district}" or result.region
    stated = [label for label, _ in profile.described()[1:] if label not in ("企业类型", "企业名称")]
    lines = [f"政策体检：{profile.name + '，' if profile.name else ''}注册地{place}（{result.region}），{who}。"]
    if stated:
        lines.append(f"已填写：{'、'.join(stated)}。")
    if not result.documents:
        return "\n".join([f"{NO_BASIS}。", *lines, *result.notices])
    lines.append(_total_text(result))
    citations: dict[int, Citation] = {}
    for group in (ELIGIBLE, POSSIBLE, INELIGIBLE):
        if group == INELIGIBLE and not include_ineligible:
            continue
        members = result.group(group)
        lines += ["", f"【{GROUP_ZH[group]}】"]
        lines += [_line_text(m, result.validity) for m in members] or [_EMPTY[group]]
        citations.update({m.citation.n: m.citation for m in members})
    lines += ["", "依据："] + [f"[{n}] {c.reference}：“{c.quote}”" for n, c in sorted(citations.items())]
    if result.notices:
        lines += ["", "提示："] + [f"· {n}" for n in result.notices]
    return "\n".join(lines)


def _total_text(result: MatchResult) -> str:
    total = result.total
    if total is None:
        return "按所填信息，暂无可申报措施；“可能符合”各项补齐所缺信息后可再次体检。"
    if total.amount_wan == 0 and not any(line.amount_wan for line in result.group(ELIGIBLE)):
        text = f"{total.formula}。"
    else:
        text = f"可申报措施中金额确定的合计（就高不重复的只计较高者）：{total.formula}。"
    if result.total_cap_wan is not None and total.amount_wan is not None and result.total_cap_wan > total.amount_wan:
        text += f"另有可申报、金额由主管部门核定的措施，按其上限计，合计最多{_w(result.total_cap_wan)}万元。"
    return text


def match_answer(result: MatchResult, profile: CompanyProfile, *, question: str = "", include_ineligible: bool = False) -> Answer:
    """The match as an ``Answer`` (the JSON contract of ``/api/ask``), ``intent="match"``."""
    shown = [line for line in result.lines if include_ineligible or line.group != INELIGIBLE]
    citations = tuple({line.citation.n: line.citation for line in shown}.values())
    calcs: list[Calculation] = [result.total] if result.total is not None else []
    for line in shown:
        calc = line.calculation if line.group != POSSIBLE else line.if_met
        if calc is not None:
            calcs.append(calc)
    text = render_match(result, profile, include_ineligible=include_ineligible)
    asked = question or f"政策体检：{profile.city}{profile.district}{'、'.join(profile.types)}"
    return Answer(
        question=asked,
        condensed_question=asked,
        text=text,
        lead=text.split("\n\n", 1)[0],
        no_basis=not result.documents,
        citations=tuple(sorted(citations, key=lambda c: c.n)),
        calculations=tuple(calcs),
        notices=result.notices,
        intent="match",
        region=result.region,
        retrieved=tuple(dict.fromkeys(c.clause_id for c in citations)),
    )


def unsourced_figures(answer: Answer, corpus: Corpus, result: MatchResult, extra: Sequence[str] = ()) -> list[str]:
    """Figures of a match answer found in no clause, calculation or document metadata ([] = all sourced)."""
    sources = [f"{d.title} {d.doc_no or ''} {d.region}" for d in corpus.documents if d.id in result.documents]
    sources += [str(v.get("text", "")) for v in result.validity.values()]
    return numbers_without_source(answer, [*sources, *extra, TOTAL_RULE_ID])
