"""The extractive, deterministic composer: direct answer first, then the quoted clause words,
then notices, with numbered citations built from metadata.

No sentence here invents policy content: policy words are quoted from clauses, figures come from
clauses or the calculator, and the fixed phrases around them say only where things come from.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from assistant.evidence import DEPARTMENT_ASK, NUMBER, department_of, key_fragment
from assistant.records import NO_BASIS, Answer, Calculation, Citation
from assistant.understand import Understanding
from corpus.records import Clause, DocKind, PolicyDocument, ValidityStatus

__all__ = ["Evidence", "make_citation", "compose_answer", "compose_no_basis", "merge_answers", "answer_text", "numbers_without_source"]

# said once when a calculation rests on a rule drafted from the text that no person has checked
UNREVIEWED_NOTICE = "本测算所依据的计算规则由系统从条文自动起草，尚未经人工审核，请以条文原文和主管部门核定为准。"
_CLOSING_OVERLAP = re.compile(r"就高不重复|以本措施为准|不重复(享受|支持)")


@dataclass(frozen=True, slots=True)
class Evidence:
    """A clause chosen to support the answer, with the exact words to quote."""

    clause: Clause
    quote: str


def make_citation(n: int, clause: Clause, quote: str, today: dt.date) -> Citation:
    if quote not in clause.text:  # the one invariant of a citation
        raise ValueError(f"quote {quote[:30]!r} is not a substring of clause {clause.id!r}")
    d = clause.document
    status = d.validity(today).status
    reference = clause.citation if d.kind is DocKind.POLICY else f"{clause.citation}（{d.kind.zh}）"
    return Citation(
        n=n,
        doc_id=d.id,
        title=d.title,
        doc_no=d.doc_no,
        region=d.region,
        kind=d.kind.value,
        clause_id=clause.id,
        label=clause.label,
        path=clause.path,
        quote=quote,
        text=clause.text,
        status=status.value,
        status_zh=status.zh,
        reference=reference,
    )


def _validity_notice(d: PolicyDocument, today: dt.date) -> str | None:
    v = d.validity(today)
    if v.status in (ValidityStatus.EXPIRED, ValidityStatus.EXPIRING, ValidityStatus.NOT_YET):
        return f"《{d.title}》：{v.describe()}。"
    return None


def _overlap_notice(
    docs: Sequence[PolicyDocument], closing: Callable[[PolicyDocument], Clause | None], asked: bool = False
) -> list[tuple[str, Clause | None]]:
    """When two documents of one region are cited, the documents' own rule for overlaps; when the
    question asks whether measures combine (``asked``), the rule of every cited document."""
    out: list[tuple[str, Clause | None]] = []
    by_region: dict[str, list[PolicyDocument]] = {}
    for d in docs:
        by_region.setdefault(d.region, []).append(d)
    for group in by_region.values():
        if len(group) < 2 and not asked:
            continue
        names = "、".join(f"《{d.title}》" for d in group)
        both = f"{names}均涉及此事项。" if len(group) > 1 else ""
        rules = [(d, closing(d)) for d in group]
        rules = [(d, c) for d, c in rules if c is not None]
        if rules:
            for i, (d, c) in enumerate(rules):
                assert c is not None
                sentence = next(s for s in re.split(r"(?<=[。；])", c.text) if _CLOSING_OVERLAP.search(s))
                out.append((f"{both if i == 0 else ''}《{d.title}》规定：“{sentence.strip()}”", c))
        elif len(group) > 1:
            out.append((f"{names}均涉及此事项，文件未载明如何处理交叉重复，请向主管部门确认。", None))
    return out


def _number_calculations(calculations: Sequence[Calculation], citations: list[Citation]) -> list[Calculation]:
    """Give each calculation's citation its number among the answer's citations (appending the
    rule's clause when the evidence did not include it). An amount is shown with the words that
    state its figure: where the evidence quoted other words of that clause (who qualifies, how to
    apply), the quote becomes the stretch of the clause that holds every calculation's quote (each
    its rule's source span), and the evidence's own words too when they print a figure."""
    spans: dict[str, list[str]] = {}
    for calc in calculations:
        if calc.citation is not None:
            spans.setdefault(calc.citation.clause_id, []).append(calc.citation.quote)
    out: list[Calculation] = []
    for calc in calculations:
        cite = calc.citation
        if cite is not None:
            at = next((i for i, c in enumerate(citations) if c.clause_id == cite.clause_id), None)
            if at is None:
                citations.append(dataclasses.replace(cite, n=len(citations) + 1, quote=_stretch(cite, spans[cite.clause_id])))
                at = len(citations) - 1
            elif not all(q in (shown := citations[at].quote) for q in spans[cite.clause_id]):
                # a quote printing a figure of its own is a provision too: kept, with the calculation's
                keep = [shown] if _FIGURE.search(shown) else []
                citations[at] = dataclasses.replace(citations[at], quote=_stretch(cite, [*spans[cite.clause_id], *keep]))
            cite = dataclasses.replace(cite, n=citations[at].n)
        out.append(dataclasses.replace(calc, citation=cite))
    return out


_FIGURE = re.compile(r"[\d.一二两三四五六七八九十百千]+\s*(?:万元|亿元|元|%|％|‰)")


def _stretch(cite: Citation, quotes: Sequence[str]) -> str:
    """The words of the cited clause from the first of ``quotes`` to the end of the last."""
    found = [(cite.text.find(q), q) for q in quotes]
    found = [(a, q) for a, q in found if a >= 0]
    if not found:
        return cite.quote
    a = min(a for a, _ in found)
    b = max(a + len(q) for a, q in found)
    return cite.text[a:b]


def _marker(calc: Calculation, default: Citation) -> str:
    return f"[{calc.citation.n if calc.citation else default.n}]"


def _cn_date(d: dt.date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def _expiry_order(docs: Sequence[PolicyDocument]) -> str:
    """Which of several documents' lives ends first, said in words from their stored dates ("两者
    相比，《A》先到期…"); empty for one document, or when fewer than two state an end date."""
    dated = sorted((d for d in docs if d.expires is not None), key=lambda d: d.expires or dt.date.max)
    if len(docs) < 2 or len(dated) < 2:
        return ""
    undated = [d for d in docs if d.expires is None]
    tail = "；" + "、".join(f"《{d.title}》" for d in undated) + "未载明到期日期，无法比较" if undated else ""
    first, rest = dated[0], dated[1:]
    assert first.expires is not None
    if all(d.expires == first.expires for d in rest):
        return f"{'两份' if len(dated) == 2 else '这些'}文件同日到期（{_cn_date(first.expires)}）{tail}。"
    if len(docs) == 2:
        other = rest[0]
        assert other.expires is not None
        return f"两者相比，《{first.title}》先到期（{_cn_date(first.expires)}），早于《{other.title}》（{_cn_date(other.expires)}）{tail}。"
    if len(dated) == 2:  # three or more documents, two of them dated
        other = rest[0]
        assert other.expires is not None
        earlier = f"《{first.title}》先到期（{_cn_date(first.expires)}），早于《{other.title}》（{_cn_date(other.expires)}）"
        return f"载明到期日期的两份中，{earlier}{tail}。"
    order = "，".join(f"《{d.title}》（{_cn_date(d.expires)}）" for d in dated if d.expires is not None)
    return f"按到期先后：{order}{tail}。"


def _measure_name(c: Citation) -> str:
    """The clause part of a reference: 第二部分（六）第13条 实施强链补链行动 / 「…」问答1（…）."""
    name = c.reference.removeprefix(f"《{c.title}》")
    if c.doc_no:
        name = name.removeprefix(f"（{c.doc_no}）")
    return re.sub(r"（(政策解读|政策问答解读|解读)）$", "", name).strip()


def _not_eligible(calc: Calculation) -> str:
    """A calculation a condition settles at nothing, said as such: the 0, why, and the rule's own
    words for the condition (the reason quotes them already when the question's words failed it)."""
    quoted = [w for w in calc.failed_conditions if w not in calc.formula]
    condition = f"；本项条件为“{'”“'.join(quoted)}”" if quoted else ""
    return f"本项可获金额为0万元：{calc.formula}{condition}"


def _lead(
    u: Understanding,
    evidence: Sequence[Evidence],
    citations: Sequence[Citation],
    calcs: Sequence[Calculation],
    today: dt.date,
    idf: Callable[[str], float],
) -> str:
    """The direct answer: the computed amount, the cap, what is still needed, or the key words."""
    first = citations[0]
    if u.intent in ("amount", "cap") and calcs:
        head = calcs[0]  # the calculator puts the answer to the question first, its parts after
        needed = "、".join(head.missing)
        if head.amount_wan is not None:
            prefix = "按您提供的情况测算：" if head.inputs else ""
            if head.eligible is False and head.amount_wan == 0:
                return f"{prefix}{_not_eligible(head)}{_marker(head, first)}。"
            return f"{prefix}{head.formula}{_marker(head, first)}。"
        if needed and u.intent == "amount":
            rule = head.formula.split("；需提供：")[0]  # the need is said once, after the rule
            return f"该项按条款规定计算：{rule}{_marker(head, first)}。测算金额还需要您提供：{needed}。"
        if head.cap_wan is not None or not needed:
            # a maximum: a cap-only award, a total with a cap-only part, or a cap question
            return f"{head.formula.split('；需提供：')[0]}{_marker(head, first)}。"
    if u.intent == "overview":
        names = "；".join(f"{_measure_name(c)}[{c.n}]" for c in citations)
        return f"现有文件中与您的问题相关的措施有（按相关程度排列）：{names}。各项规定见下方原文。"
    if u.intent == "validity":
        # one line a document: a measure quoted after its document's closing provision adds none
        per_doc = list(
            {ev.clause.document.id: (ev.clause.document, c) for ev, c in reversed(list(zip(evidence, citations, strict=False)))}.values()
        )[::-1]
        return (
            _expiry_order([d for d, _ in per_doc])  # the comparison first: it is what was asked
            + "；".join(
                f"《{d.title}》（{d.region}）：{d.validity(today).describe()}[{c.n}]"
                if len(per_doc) > 1
                else f"《{d.title}》：{d.validity(today).describe()}[{c.n}]"
                for d, c in per_doc
            )
            + "。"
        )
    responsible = department_of(first.quote) if DEPARTMENT_ASK.search(u.own or u.query) else None
    if responsible:
        return f"{responsible}[{first.n}]。"
    frag = key_fragment(first.quote, u.query, idf, u.intent)
    return f"{frag}[{first.n}]。" if frag else f"“{first.quote}”[{first.n}]"


def compose_answer(
    u: Understanding,
    evidence: Sequence[Evidence],
    calculations: Sequence[Calculation],
    *,
    today: dt.date,
    idf: Callable[[str], float],
    closing_clause: Callable[[PolicyDocument], Clause | None],
    region_scope: str | None = None,
    extra_notices: Sequence[str] = (),
) -> Answer:
    """Lead with the direct answer, then the quoted basis, then notices (``extra_notices`` last)."""
    citations: list[Citation] = []
    for ev in evidence:
        citations.append(make_citation(len(citations) + 1, ev.clause, ev.quote, today))
    calcs = _number_calculations(calculations, citations)
    lead = _lead(u, evidence, citations, calcs, today, idf)
    notices: list[str] = []
    if u.injected:
        notices.append("您的问题中包含要求改变回答规则或声称政策已变更的内容，本回答不予采纳，仅依据政策原文作答。")
    if region_scope:
        notices.append(region_scope)
    docs = list(dict.fromkeys(ev.clause.document for ev in evidence))
    for d in docs:
        note = _validity_notice(d, today)
        if note and u.intent != "validity":
            notices.append(note)
    asked = u.intent == "overlap"
    rules: list[str] = []
    for text, clause in _overlap_notice(docs, closing_clause, asked) if u.intent != "validity" else ():
        if clause is not None:
            cited = next((c for c in citations if c.clause_id == clause.id), None)
            if cited is None:
                quote = next(s for s in re.split(r"(?<=[。；])", clause.text) if _CLOSING_OVERLAP.search(s)).strip()
                cited = make_citation(len(citations) + 1, clause, quote, today)
                citations.append(cited)
            text += f"[{cited.n}]"
        rules.append(text)
    if asked and rules:
        # "能两个都拿吗": the documents' own rule for overlaps is the answer; the measures follow
        lead = "；".join(r.rstrip("。") for r in rules) + "。"
    else:
        notices.extend(rules)
    for calc in calcs:
        notices.extend(r for r in calc.reasons if r not in notices)
    if any(not c.reviewed for c in calcs):
        notices.append(UNREVIEWED_NOTICE)
    notices.extend(extra_notices)
    show_region = u.region is None or region_scope is not None
    return Answer(
        question=u.question,
        condensed_question=u.condensed,
        text=answer_text([lead], citations, notices, show_region=show_region),
        lead=lead,
        no_basis=False,
        citations=tuple(citations),
        calculations=tuple(calcs),
        notices=tuple(notices),
        intent=u.intent,
        region=u.region,
    )


def answer_text(leads: Sequence[str], citations: Sequence[Citation], notices: Sequence[str], *, show_region: bool) -> str:
    """The answer as shown: the direct answer(s), the quoted basis, then notices."""
    lines = list(leads) + ["", "依据："]
    for c in citations:
        where = f"（{c.region}）" if show_region else ""
        lines.append(f"[{c.n}] {c.reference}{where}：“{c.quote}”")
    if notices:
        lines += ["", "提示："] + [f"· {n}" for n in notices]
    return "\n".join(lines)


_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩"  # not digits: the figure check reads only policy figures
_MARKER = re.compile(r"\[(\d+)\]")


def _renumbered(text: str, renumber: dict[int, int]) -> str:
    return _MARKER.sub(lambda m: f"[{renumber.get(int(m.group(1)), int(m.group(1)))}]", text)


def merge_answers(question: str, condensed: str, parts: Sequence[tuple[str, Answer]]) -> Answer:
    """One answer to a compound question from the answers to its parts: each part's direct answer
    in turn, citations numbered once across parts (the same clause and quote keep one number)."""
    citations: list[Citation] = []
    calcs: list[Calculation] = []
    notices: list[str] = []
    related: list[Citation] = []
    leads: list[str] = []
    for i, (part, a) in enumerate(parts, start=1):
        renumber: dict[int, int] = {}
        for c in a.citations:
            same = next((x for x in citations if x.clause_id == c.clause_id and x.quote == c.quote), None)
            if same is None:
                same = dataclasses.replace(c, n=len(citations) + 1)
                citations.append(same)
            renumber[c.n] = same.n
        for calc in a.calculations:
            cite = calc.citation
            if cite is not None and cite.n in renumber:
                cite = dataclasses.replace(cite, n=renumber[cite.n])
            calcs.append(dataclasses.replace(calc, citation=cite))
        lead = a.lead if not a.no_basis else f"{NO_BASIS}。" + a.lead.removeprefix(f"{NO_BASIS}。")
        lead = _renumbered(lead, renumber)
        leads.append(f"{_CIRCLED[i - 1] if i <= len(_CIRCLED) else '·'} 关于“{part.strip('？?。 ')}”：{lead}")
        for n in a.notices:
            n = _renumbered(n, renumber)
            if n not in notices:
                notices.append(n)
        related.extend(c for c in a.related if c.clause_id not in {r.clause_id for r in related})
    if not citations:  # no part has a basis: one refusal, with the pointers
        first = parts[0][1]
        text = "\n".join(
            [
                *leads,
                *(["", "以下条款内容相近，仅供参考，并非对您问题的回答："] if related else []),
                *(f"- {c.reference}（{c.region}）" for c in related),
            ]
        )
        return dataclasses.replace(
            first,
            question=question,
            condensed_question=condensed,
            text=text,
            lead=leads[0],
            related=tuple(dataclasses.replace(c, n=k) for k, c in enumerate(related, 1)),
            notices=tuple(notices),
            parts=tuple(p for p, _ in parts),
        )
    intents = [a.intent for _, a in parts if not a.no_basis]
    return Answer(
        question=question,
        condensed_question=condensed,
        text=answer_text(leads, citations, notices, show_region=True),
        lead="\n".join(leads),
        no_basis=False,
        citations=tuple(citations),
        calculations=tuple(calcs),
        notices=tuple(notices),
        intent=intents[0] if len(set(intents)) == 1 else "multi",
        region=None,
        parts=tuple(p for p, _ in parts),
    )


def compose_no_basis(u: Understanding, reason: str, related: Sequence[Evidence], today: dt.date) -> Answer:
    """The one refusal sentence, the reason, and pointers clearly marked as not an answer."""
    rel = tuple(make_citation(i + 1, ev.clause, ev.quote, today) for i, ev in enumerate(related))
    lines = [f"{NO_BASIS}。{reason}"]
    if rel:
        lines += ["", "以下条款内容相近，仅供参考，并非对您问题的回答："]
        lines += [f"- {c.reference}（{c.region}）" for c in rel]
    notices = ("您的问题中包含要求改变回答规则或声称政策已变更的内容，本回答不予采纳。",) if u.injected else ()
    return Answer(
        question=u.question,
        condensed_question=u.condensed,
        text="\n".join(lines),
        lead=lines[0],
        no_basis=True,
        related=rel,
        notices=notices,
        intent=u.intent,
        region=u.region,
    )


def numbers_without_source(answer: Answer, extra_sources: Sequence[str] = ()) -> list[str]:
    """Numbers in the answer text that appear in no cited clause, calculation or metadata.

    Citation markers ([1]) are not figures. An empty list means every figure has a source.
    """
    sources = list(extra_sources)
    for c in (*answer.citations, *answer.related):
        sources += [c.text, c.reference, c.title, c.doc_no or ""]
    for calc in answer.calculations:
        sources += [calc.formula, *calc.inputs.values(), *(s.text for s in calc.steps), *calc.reasons, calc.source_span]
        sources.append("" if calc.amount_wan is None else format(calc.amount_wan.normalize(), "f"))
    pool = "\n".join(sources)
    pool_numbers = set(NUMBER.findall(pool))
    text = re.sub(r"\[\d+\]", "", answer.text)
    return [n for n in NUMBER.findall(text) if n not in pool_numbers]
