"""Drafting the rules of a document from its clause text, for a person to review.

Each sentence of a clause (split at 。；) that grants money is read into one rule of the schema
(``kinds``): a sentence is a provision when it prints an amount or a share and a grant word
(给予, 补助, 奖励 …). The reading is a sequence of patterns over the printed words, from the most
specific to the least (a combined cap, a top-up, a premium, a financing-cost cap, an interest
subsidy, a tax share, per step, per unit, per item, a ratio, amounts by rank, a maximum, a fixed
sum); thresholds become conditions with their 含/不含 reading, and the inputs a rule needs are
named from the clause's own words (``InputNote``), with cue words cut from those words by jieba.

Every drafted rule keeps the exact words it was read from (``source_span``, a substring of the
clause that prints each of its numbers) and a ``reading`` that says how each was read, so a
reviewer can check it against the text. Where the reading is uncertain (no base named, names of
tiers guessed) the rule states a maximum, never a definite figure; what the schema cannot state
(a schedule by brackets, a share per person per month) is listed for review, not guessed. Nothing
here knows a document. The words of a provision are read in ``draft_terms`` (amounts, caps and
their scope, thresholds), the kinds in ``draft_kinds``; this module turns a reading into a rule.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

import jieba

from assistant.calculator.draft_kinds import _read_sentence
from assistant.calculator.draft_terms import (
    _GRANT,
    _MONEY,
    _MONEY_RE,
    _PCT,
    _PCT_RE,
    _SENTENCE,
    _clause_conditions,
    _input,
    _piece_at,
    _pieces,
    _Reading,
    _subject,
    _UnreadableError,
)
from assistant.calculator.inputs import parse_cn_number
from assistant.calculator.kinds import _RULE_ADAPTER
from assistant.calculator.rules import Rule
from corpus.records import Clause, PolicyDocument

__all__ = ["DraftReport", "draft_clause", "draft_document", "draft_rules"]

jieba.setLogLevel(60)


@dataclass(frozen=True, slots=True)
class DraftReport:
    """The rules drafted from a document, and what a reviewer should look at."""

    doc_id: str
    rules: tuple[Rule, ...]
    review: tuple[str, ...]  # per rule: what was guessed or left out
    skipped: tuple[tuple[str, str], ...]  # (clause_id, sentence): amounts printed with no grant


# ---------------------------------------------------------------- public surface


def draft_rules(document: PolicyDocument, clauses: Sequence[Clause]) -> list[Rule]:
    """The rules drafted from a document's clauses (each validated by the schema), clause order."""
    return list(draft_document(document, clauses).rules)


def draft_document(document: PolicyDocument, clauses: Sequence[Clause]) -> DraftReport:
    """``draft_rules`` with the review notes and the amounts that were not read as rules."""
    rules: list[Rule] = []
    review: list[str] = []
    skipped: list[tuple[str, str]] = []
    facets = _facets(clauses)
    for clause in clauses:
        got, notes, left = draft_clause(clause, document.id, start=len(rules) + 1, facets=facets.get(clause.id, ()))
        rules += got
        review += notes
        skipped += [(clause.id, s) for s in left]
    return DraftReport(document.id, tuple(rules), tuple(review), tuple(skipped))


def _facets(clauses: Sequence[Clause]) -> dict[str, tuple[Clause, ...]]:
    """For each section of a measure split into sections named by headings (a service guide's
    "3、创业租金补贴" → 补贴条件 / 补贴对象 / 补贴标准 / 补贴期限), the other sections of it that grant
    nothing: the conditions and the period limit of the money its own section states."""
    groups: dict[tuple[str, tuple[str, ...]], list[Clause]] = {}
    for c in clauses:
        if len(c.labels) >= 2 and c.title and c.labels[-1].strip() == c.title.strip():
            groups.setdefault((c.doc_id, c.labels[:-1]), []).append(c)
    out: dict[str, tuple[Clause, ...]] = {}
    for members in groups.values():
        plain = tuple(m for m in members if not _GRANT_SENTENCE(m.text))
        for c in members:
            if len(members) >= 2:
                out[c.id] = tuple(m for m in plain if m.id != c.id)
    return out


def _GRANT_SENTENCE(text: str) -> bool:  # noqa: N802
    return any(_GRANT.search(s) and (_MONEY_RE.search(s) or _PCT_RE.search(s)) for s in _SENTENCE.findall(text))


def draft_clause(clause: Clause, doc_id: str, *, start: int = 1, facets: Sequence[Clause] = ()) -> tuple[list[Rule], list[str], list[str]]:
    """The rules of one clause, their review notes, and the sentences with money but no grant.
    ``facets`` are the other sections of the same measure (``_facets``): their thresholds become
    the rule's conditions and their period limit its limit, and they restate the rule."""
    rules: list[Rule] = []
    review: list[str] = []
    skipped: list[str] = []
    text = clause.text
    shared = _clause_conditions(text)
    outside = [(f, found) for f in facets for found in _clause_conditions(f.text)]
    covered = 0  # a reading may take in the clause's next sentence (a schedule's second band)
    for m in _SENTENCE.finditer(text):
        sentence = m.group()
        if m.start() < covered:
            continue
        if not (_MONEY_RE.search(sentence) or _PCT_RE.search(sentence)):
            continue
        if not _GRANT.search(sentence):
            if _MONEY_RE.search(sentence):
                skipped.append(sentence.strip("。；;"))
            continue
        try:
            others = tuple((f.id, f.text) for f in facets)
            readings = _read_sentence(sentence, [r.id for r in rules], text[: m.start()], text[m.end() :], others)
        except _UnreadableError as e:
            review.append(f"{clause.id}: 未起草“{sentence.strip('。；;')}”：{e}，请人工起草")
            continue
        if not readings:  # a grant with money that no reading takes is listed, never dropped unsaid
            review.append(f"{clause.id}: 未起草“{sentence.strip('。；;')}”：未能读出计算方式，请人工起草")
            continue
        for reading in readings:
            rid = f"{doc_id}-d{start + len(rules)}"
            for cond, stretch_text, noun, (a, b) in shared:
                if not any(c["input"] == cond["input"] for c in reading.data.get("conditions", [])):
                    reading.data.setdefault("conditions", []).append(dict(cond))
                    if cond["input"] == "persons":
                        reading.data.setdefault("inputs", {}).setdefault("persons", _input(noun + "人数", ["人"]))
                    # the threshold's own words stand beside the rule (as a restatement in this clause):
                    # the source span stays the sentence that states the figure, which the answer quotes
                    reading.data.setdefault("restated_in", []).append({"clause_id": clause.id, "span": text[a:b].strip()})
                    reading.notes.append(f"本条另一句“{stretch_text}”作为条件")
                    reading.review.append(f"条件“{stretch_text}”取自本条另一句，请核对是否适用于本项")
            _facet_terms(reading, facets, outside)
            try:
                rule = _build(reading, clause, sentence, m.start(), rid, text[: m.start()])
            except ValueError as e:  # a reading the schema refuses is left for the reviewer
                review.append(f"{clause.id}: 未能起草“{sentence.strip('。；;')}”（{e}）")
                continue
            rules.append(rule)
            if rule.kind == "bands":
                covered = m.start() + max(e for _, e in reading.used)
            for note in reading.review:
                review.append(f"{rid}（{clause.id}）：{note}")
    return rules, review, skipped


def _facet_terms(reading: _Reading, facets: Sequence[Clause], outside: Sequence[tuple[Clause, tuple[Any, ...]]]) -> None:
    """The thresholds the measure's other sections set, as conditions never required (the question
    may not say them), and every such section as a restatement, so retrieving it finds the rule."""
    taken = reading.data.setdefault("restated_in", [])
    for facet, (cond, stretch_text, noun, (a, b)) in outside:
        if any(c["input"] == cond["input"] for c in reading.data.get("conditions", [])):
            continue
        reading.data.setdefault("conditions", []).append(dict(cond))
        if cond["input"] == "persons":
            reading.data.setdefault("inputs", {}).setdefault("persons", _input(noun + "人数", ["人"]))
        reading.notes.append(f"“{facet.title}”中的“{stretch_text}”作为条件")
        reading.review.append(f"条件“{stretch_text}”取自本项“{facet.title}”（{facet.id}），请核对")
        taken.append({"clause_id": facet.id, "span": facet.text[a:b].strip()})
    for facet in facets:
        if not any(x["clause_id"] == facet.id for x in taken):
            first = _SENTENCE.search(facet.text)
            taken.append({"clause_id": facet.id, "span": (first.group() if first else facet.text).strip()})
    if not taken:
        del reading.data["restated_in"]


# ---------------------------------------------------------------- a reading → a rule


def _build(reading: _Reading, clause: Clause, sentence: str, offset: int, rid: str, before: str = "") -> Rule:
    data = dict(reading.data)
    a = min(s for s, _ in reading.used)
    b = max(e for _, e in reading.used)
    # take in the subject piece just before ("对新认定的部级孵化器，") when the span starts after it
    pieces = _pieces(sentence)
    first = _piece_at(pieces, a)
    index = pieces.index(first)
    if a >= 0 and index > 0 and pieces[index - 1].text.startswith("对") and not re.search(r"\d", pieces[index - 1].text):
        a = pieces[index - 1].start
    # a stretch may run past the sentence into the clause's next words (a period limit on its own line)
    span = clause.text[offset + a : offset + b].strip("，,。；;：: \n")
    assert span in clause.text, (span, clause.id)
    subject = _subject(sentence)
    titles = list(clause.titles)
    if len(titles) >= 2 and clause.labels[-1].strip() == titles[-1].strip():
        titles.pop()  # a section named by its heading (补贴标准) under the measure's title: the measure's
    heading = next((t for t in reversed(titles) if t), "")  # the nearest printed title
    # cue words: the provision's own nouns, with the segment before it (the conduct a penalty punishes,
    # the subject "对…的" when the sentence starts after it), and the clause heading
    tier_names = [t["name"] for t in data.get("tiers", [])]
    cues = _cue_words(sentence)
    if len(cues) < 3 and before and not before.endswith("。"):
        # "拒不改正的，处3万元以下的罚款": what the provision is about is in the segment before it
        cues += [w for w in _cue_words(re.split(r"[。]", before)[-1][-60:]) if w not in cues]
    cues += [w for w in _cue_words(heading) if w not in cues][:4]
    data.update(
        id=rid,
        clause_id=clause.id,
        title=_title(heading, span, data["kind"]),
        source_span=span,
        cues=cues or tier_names or [span[:6]],
        reading="；".join(reading.notes),
    )
    if subject and subject not in _GRAMMAR:
        data["applies_to"] = [subject]
    data.setdefault("conditions", [])
    if not data["conditions"]:
        del data["conditions"]
    if "qualifications" in data:
        data["qualifications"] = list(dict.fromkeys(data["qualifications"]))
    data["reviewed"] = False
    rule = _RULE_ADAPTER.validate_python(data)
    _check_numbers(rule, " ".join([span, *(x.span for x in rule.restated_in)]))
    return rule


# the grammar of a grant, not what it is for: never a cue word
_GRAMMAR = frozenset(
    "企业 单位 给予 予以 补助 补贴 奖励 资助 奖补 支持 最高 不超过 万元 一次性 每年 每家 以上 以下 符合条件 按照 "
    "实际 开展 相关 有关 进行 对于 其中 标准 金额 给予支持 鼓励 推动 加强 加大 提高 按规定 规定 条件 部分 年度 "
    "高于 超过 低于 不低于 达到 实现 获得 该项 每人 单家 单个 总额 结合 根据 依据 可以 申请 按其 "
    # the nouns a base is measured in name the input (InputNote), not what the rule is for
    "投入 费用 资金 收入 经费".split()
)


def _cue_words(text: str) -> list[str]:
    """The words of a provision that say what it is for: quoted terms ("揭榜挂帅") and its most
    telling words by jieba's TF-IDF, without the grammar of grants (给予、补助、最高 …)."""
    quoted = [q for q in re.findall(r"“([^”]{2,12})”", text) if not re.search(r"\d", q)]
    # what is built, named or undertaken ("建设重点产业专利池"): a phrase jieba would cut apart
    quoted += [o for o in re.findall(r"(?:建设|设立|创建|认定为|获评|承担|举办)([\u4e00-\u9fff]{3,10}?)(?=[，。；、的]|$)", text)]
    tags = [
        w
        for w in _tfidf_words(text, 24)
        if len(w) >= 2
        and not re.search(r"\d|[a-zA-Z]{1}$|^第?[一二三四五六七八九十百零〇]+[条款章项]?$|^第[一二三四五六七八九十百零〇]+", w)
        and not re.search(r"^[按对向将由][\u4e00-\u9fff]$", w)
        and w not in _GRAMMAR
    ]
    words = list(dict.fromkeys([*quoted, *tags]))[:8]
    # the short words a compound is said by ("营业执照" → "执照"): its second half, when a word of its own
    parts = [w[2:] for w in words if len(w) == 4 and re.fullmatch(r"[\u4e00-\u9fff]{4}", w) and w[2:] not in _GRAMMAR and _is_word(w[2:])]
    return list(dict.fromkeys([*words, *parts]))


def _is_word(text: str) -> bool:
    return list(jieba.cut(text)) == [text]


@cache
def _idf() -> tuple[dict[str, float], float]:
    """jieba's own IDF table (the one ``jieba.analyse`` uses), read with the file closed after."""
    # located, not imported: importing jieba.analyse opens this file and never closes it
    path = Path(jieba.__file__).resolve().parent / "analyse" / "idf.txt"
    table: dict[str, float] = {}
    with path.open("r", encoding="utf-8") as f:
        for line in f:
            word, _, value = line.strip().partition(" ")
            if value:
                table[word] = float(value)
    values = sorted(table.values())
    return table, values[len(values) // 2]


def _tfidf_words(text: str, k: int) -> list[str]:
    """The ``k`` words of a text with the highest TF-IDF (jieba's extract_tags, without its file leak)."""
    table, median = _idf()
    counts: dict[str, int] = {}
    for w in jieba.cut(text):
        if len(w.strip()) >= 2:
            counts[w] = counts.get(w, 0) + 1
    ranked = sorted(counts, key=lambda w: (-counts[w] * table.get(w, median), list(counts).index(w)))
    return ranked[:k]


def _title(heading: str, span: str, kind: str) -> str:
    m = re.search(rf"(?:{_MONEY}|{_PCT})(?:的)?(?P<a>[\u4e00-\u9fff]{{0,10}}?(?:奖励|补助|补贴|资助|奖补|支持|贴息|罚款))", span)
    award = (
        re.sub(r"^以[上下](?:的)?", "", m.group("a"))  # 5%以上15%以下的罚款: the award is the 罚款
        if m
        else {"interest_share": "贴息", "interest_fixed_rate": "贴息", "financing_cost_cap": "贴息", "premium": "保费补贴"}.get(kind, "")
    )
    return f"{heading or '条款'}（{award}）" if award and award not in heading else (heading or span[:20])


def _check_numbers(rule: Rule, span: str) -> None:
    printed = {Decimal(x).normalize() for x in re.findall(r"\d+(?:\.\d+)?", span)}
    for m in re.finditer(r"[零〇一二两三四五六七八九十百千]+", span):
        try:
            printed.add(parse_cn_number(m.group()).normalize())
        except ValueError:
            continue
    for n in rule.numbers():
        if n.normalize() not in printed:
            raise ValueError(f"{n} is not printed in the span")


def to_yaml_data(report: DraftReport) -> dict[str, Any]:
    """The rule file's content: ``reviewed: false`` at the top, the rules as the schema dumps them."""
    rules = []
    for r in report.rules:
        d = r.model_dump(mode="json", by_alias=True, exclude_defaults=True, exclude={"reviewed"})
        d["kind"] = r.kind
        rules.append(_amounts_as_text(d))
    return {"doc_id": report.doc_id, "reviewed": False, "rules": rules}


def _amounts_as_text(value: Any) -> Any:
    if isinstance(value, dict):
        if set(value) == {"value", "unit"}:
            v = Decimal(str(value["value"])).normalize()
            text = f"{format(v, 'f')}{value['unit']}"
            return (
                text if value["unit"] in ("万元", "亿元", "元", "%", "‰", "年", "个月", "级") else {"value": str(v), "unit": value["unit"]}
            )
        return {k: _amounts_as_text(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_amounts_as_text(v) for v in value]
    return value
