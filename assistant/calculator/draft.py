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
tiers guessed) the rule states a maximum, never a definite figure. Nothing here knows a document.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

import jieba

from assistant.calculator.inputs import INPUTS, ITEM_ATTRIBUTES, parse_cn_number
from assistant.calculator.kinds import _RULE_ADAPTER
from assistant.calculator.rules import Rule
from corpus.records import Clause, PolicyDocument

__all__ = ["DraftReport", "draft_clause", "draft_document", "draft_rules"]

jieba.setLogLevel(60)

_NUM = r"\d+(?:\.\d+)?|[零〇一二两三四五六七八九十百千]+"
_MONEY = rf"(?:{_NUM})\s*(?:万元|亿元|元|万(?![元亿]))"
_PCT = rf"(?:{_NUM})\s*[%％]"
_PERMILLE = rf"(?:{_NUM})\s*‰"
_MONEY_RE = re.compile(rf"(?P<n>{_NUM})\s*(?P<u>万元|亿元|元|万(?![元亿]))")
_PCT_RE = re.compile(rf"(?P<n>{_NUM})\s*[%％]")
# words that make a sentence grant money (the rule's own verbs and nouns, never a topic)
_GRANT = re.compile(r"给予|予以|奖励|补助|补贴|资助|奖补|贴息|补足|核拨|罚款")
_CAP_WORD = r"(?:最高不超过|最高可达|最高|不超过|最多|上限提高到|上限提高至|上限为|上限)"
_SENTENCE = re.compile(r"[^。；;！？!?\n]+[。；;！？!?]?")
_PIECE = re.compile(r"[^，,：:]+[，,：:]?")
_AWARD_NOUN = re.compile(r"(?:一次性)?[\u4e00-\u9fff]{0,10}?(?:奖励|补助|补贴|资助|奖补|支持|贴息|罚款)")
_TRAIL_AWARD = re.compile(r"(?:补助|补贴|奖励|资助|奖补|奖励金额|补贴金额|补助金额|金额|享受)+$")


def _amount(text: str, unit: str | None = None) -> str:
    """'10万' → '10万元', '五十万元' → '50万元', '30%' → '30%' (as the schema's Amount parses)."""
    t = text.replace(" ", "").replace("％", "%")
    m = re.fullmatch(rf"(?P<n>{_NUM})(?P<u>万元|亿元|元|万|%|‰|年|个月|级)", t)
    if not m:
        raise ValueError(f"not an amount: {text!r}")
    n = m.group("n")
    value = Decimal(n) if re.fullmatch(r"\d+(?:\.\d+)?", n) else parse_cn_number(n)
    u = unit or {"万": "万元"}.get(m.group("u"), m.group("u"))
    return f"{format(value.normalize(), 'f')}{u}"


def _wan(amount: str) -> Decimal:
    m = re.fullmatch(r"(\d+(?:\.\d+)?)(万元|亿元|元)", amount)
    assert m, amount
    return Decimal(m.group(1)) * {"万元": Decimal(1), "亿元": Decimal(10000), "元": Decimal("0.0001")}[m.group(2)]


@dataclass(frozen=True, slots=True)
class _Piece:
    start: int
    end: int
    text: str


@dataclass(slots=True)
class _Reading:
    """What one sentence says, as the drafter read it (turned into a rule by ``_build``)."""

    data: dict[str, Any]
    used: list[tuple[int, int]]  # stretches of the sentence the reading rests on
    notes: list[str] = field(default_factory=list)
    review: list[str] = field(default_factory=list)


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
    for clause in clauses:
        got, notes, left = draft_clause(clause, document.id, start=len(rules) + 1)
        rules += got
        review += notes
        skipped += [(clause.id, s) for s in left]
    return DraftReport(document.id, tuple(rules), tuple(review), tuple(skipped))


def draft_clause(clause: Clause, doc_id: str, *, start: int = 1) -> tuple[list[Rule], list[str], list[str]]:
    """The rules of one clause, their review notes, and the sentences with money but no grant."""
    rules: list[Rule] = []
    review: list[str] = []
    skipped: list[str] = []
    text = clause.text
    shared = _clause_conditions(text)
    for m in _SENTENCE.finditer(text):
        sentence = m.group()
        if not (_MONEY_RE.search(sentence) or _PCT_RE.search(sentence)):
            continue
        if not _GRANT.search(sentence):
            if _MONEY_RE.search(sentence):
                skipped.append(sentence.strip("。；;"))
            continue
        try:
            readings = _read_sentence(sentence, [r.id for r in rules], text[: m.start()], text[m.end() :])
        except _UnreadableError as e:
            review.append(f"{clause.id}: 未起草“{sentence.strip('。；;')}”：{e}，请人工起草")
            continue
        for reading in readings:
            rid = f"{doc_id}-d{start + len(rules)}"
            for cond, stretch_text, noun, (a, b) in shared:
                if not any(c["input"] == cond["input"] for c in reading.data.get("conditions", [])):
                    reading.data.setdefault("conditions", []).append(dict(cond))
                    if cond["input"] == "persons":
                        reading.data.setdefault("inputs", {}).setdefault("persons", _input(noun + "人数", ["人"]))
                    reading.used.append((a - m.start(), b - m.start()))  # the span reaches that sentence
                    reading.notes.append(f"本条另一句“{stretch_text}”作为条件")
                    reading.review.append(f"条件“{stretch_text}”取自本条另一句，请核对是否适用于本项")
            try:
                rule = _build(reading, clause, sentence, m.start(), rid, text[: m.start()])
            except ValueError as e:  # a reading the schema refuses is left for the reviewer
                review.append(f"{clause.id}: 未能起草“{sentence.strip('。；;')}”（{e}）")
                continue
            rules.append(rule)
            for note in reading.review:
                review.append(f"{rid}（{clause.id}）：{note}")
    return rules, review, skipped


# ---------------------------------------------------------------- reading a sentence


def _pieces(sentence: str) -> list[_Piece]:
    return [_Piece(m.start(), m.end(), m.group()) for m in _PIECE.finditer(sentence)]


def _piece_at(pieces: Sequence[_Piece], pos: int) -> _Piece:
    for p in pieces:
        if p.start <= pos < p.end:
            return p
    return pieces[-1]


def _scope(prefix: str) -> str:
    """The words before 最高 that say what a cap is per ("每家企业每年", "单个项目", "年度")."""
    s = re.sub(r"最多补[^且，]*且", "", prefix).strip("，,、 ")
    s = _TRAIL_AWARD.sub("", s)
    parts = [p for p in re.split(r"给予|予以|、|且", s) if p]
    starter = re.compile(r"^(?:每|单|年度|一年|当年)")
    for part in reversed(parts):
        if starter.match(part):
            return _TRAIL_AWARD.sub("", part)
    if len(parts) == 1 and "给予" not in s and len(s) <= 12 and re.search(r"每|单|年|户|家", s) and not re.search(r"\d", s):
        return s
    return ""


def _cap(sentence: str, pieces: Sequence[_Piece], after: int = 0) -> tuple[str, str, tuple[int, int]] | None:
    """The money cap of a sentence (at or after ``after``): (amount, scope, stretch)."""
    for m in re.finditer(rf"{_CAP_WORD}(?:给予|奖补|资助|补助|奖励|补贴)?(?P<m>{_MONEY})", sentence):
        if m.start() < after:
            continue
        piece = _piece_at(pieces, m.start())
        prefix = sentence[piece.start : m.start()]
        return _amount(m.group("m")), _scope(prefix), (piece.start, m.end())
    return None


def _noun_before(text: str) -> str:
    """The noun phrase a share or a step is taken of: after 按/按照/按其/给予/为 and before 的/最高."""
    t = re.sub(r"(?:的|最高|不超过|不高于|给予|予以)+$", "", text)
    cut = max((m.end() for m in re.finditer(r"按照|按其|按|给予|予以|提高至|提高到|为|对|享受", t)), default=0)
    noun = t[cut:].strip("，, 的")
    noun = re.sub(r"^(?:不超过|最高|其|企业为获得该项服务)", "", noun) if noun.startswith(("不超过", "最高", "其")) else noun
    return noun


def _cues_of(phrase: str) -> list[str]:
    words = [w for w in jieba.cut(phrase) if len(w) >= 2 and not re.search(r"\d", w)]
    return list(dict.fromkeys([*words, phrase] if 2 <= len(phrase) <= 12 else words))


def _input(zh: str, extra: Iterable[str] = ()) -> dict[str, Any]:
    cues = list(dict.fromkeys([*_cues_of(zh), *extra]))
    return {"zh": zh, "cues": cues} if cues else {"zh": zh}


_OPS = (
    ("（含）以上", "ge"),
    ("(含)以上", "ge"),
    ("及以上", "ge"),
    ("以上", "ge"),
    ("（含）以下", "le"),
    ("以下", "le"),
)
_LEAD_OPS = (
    ("不低于", "ge"),
    ("不少于", "ge"),
    ("达到", "ge"),
    ("高于", "gt"),
    ("超过", "gt"),
    ("低于", "lt"),
    ("不足", "lt"),
    ("不超过", "le"),
    ("不高于", "le"),
)


def _thresholds(sentence: str, skip: Sequence[tuple[int, int]]) -> list[tuple[str, str, Any, str, tuple[int, int]]]:
    """Every threshold a sentence sets, outside ``skip``: (noun, op, value, word, stretch).

    以上/不低于/（含）/达到 → ge; 高于/超过 → gt; "100～500万元" → ge 100 and le 500 (the reviewer
    checks the upper end against the text's own rule for 500).
    """
    out: list[tuple[str, str, Any, str, tuple[int, int]]] = []
    value = rf"(?P<v>{_MONEY}|{_PCT}|(?:{_NUM})级)"
    pattern = re.compile(
        rf"(?P<noun>[\u4e00-\u9fff“”（）]{{0,24}}?)(?P<lead>不低于|不少于|达到|高于|超过|低于|不足|不超过|不高于|在)?"
        rf"(?:(?P<lo>{_NUM})[～~\-—至到])?{value}(?P<tail>（含）以上|\(含\)以上|（含）|及以上|以上|（含）以下|以下)?"
    )
    for m in pattern.finditer(sentence):
        if any(a <= m.start("v") < b for a, b in skip):
            continue
        lead, tail, lo = m.group("lead"), m.group("tail"), m.group("lo")
        if lead == "在":
            lead = None
        if not (lead or tail or lo):
            continue
        noun = re.sub(r"^(?:对|其|且|或|并|的|按|在)+", "", m.group("noun") or "").strip()
        raw = m.group("v").replace(" ", "")
        unit_cn = re.sub(rf"^({_NUM})", "", raw)
        word = sentence[(m.start("lead") if lead else m.start("lo") if lo else m.start("v")) : m.end()]
        stretch = (m.start(), m.end())
        if lo:
            out.append((noun, "ge", _amount(lo + unit_cn if unit_cn != "级" else lo + "级"), word, stretch))
            out.append((noun, "le", _amount(raw), word, stretch))
            continue
        if tail:
            op = "ge" if "以上" in tail or tail == "（含）" else "le"
        else:
            op = dict(_LEAD_OPS)[lead or ""]
        if raw.endswith("级"):
            raw_amount = f"{parse_cn_number(raw[:-1]) if not raw[0].isdigit() else raw[:-1]}级"
        else:
            raw_amount = raw
        out.append((noun, op, _amount(raw_amount), word, stretch))
    # counts of people (吸纳就业3人或以上): a dict amount, the schema's units being money, rates and durations
    for m in re.finditer(
        rf"(?P<noun>[\u4e00-\u9fff]{{2,12}}?)(?:达到|不少于)?(?P<n>{_NUM})(?:人|名)(?P<tail>或以上|及以上|以上|以下)", sentence
    ):
        if any(a <= m.start("n") < b for a, b in skip):
            continue
        n = parse_cn_number(m.group("n")) if not m.group("n")[0].isdigit() else Decimal(m.group("n"))
        op = "le" if m.group("tail") == "以下" else "ge"
        out.append((m.group("noun"), op, {"value": n, "unit": "人"}, sentence[m.start("n") : m.end()], (m.start(), m.end())))  # type: ignore[arg-type]
    # 二级以上: Chinese numerals before 级 are written as words
    for m in re.finditer(r"(?P<noun>[\u4e00-\u9fff]{2,12}?)(?:达到)?(?P<n>[一二三四五])级(?P<tail>以上|及以上)", sentence):
        if not any(m.start() >= s[0] and m.end() <= s[1] for *_, s in out):
            out.append(
                (
                    m.group("noun"),
                    "ge",
                    f"{parse_cn_number(m.group('n'))}级",
                    sentence[m.start("n") - (2 if "达到" in m.group() else 0) : m.end()],
                    (m.start(), m.end()),
                )
            )
    return out


def _match_input(noun: str, value: str) -> str | None:
    """The known input a threshold's noun names, by the words it shares with the input's name."""
    unit_type = "pct" if value.endswith("%") else "level" if value.endswith("级") else "money"
    best: tuple[float, str] | None = None
    ours = _bigrams(re.sub(r"[需应须要]+$", "", noun))
    for name, spec in INPUTS.items():
        if spec.type != unit_type or name in ("base_wan", "current_wan", "last_wan", "increase_wan", "received_wan", "prior_wan"):
            continue
        theirs = _bigrams(spec.zh)
        shared = len(ours & theirs)
        if shared >= 2 and shared >= 0.5 * min(len(ours), len(theirs)) and (best is None or shared > best[0]):
            best = (shared, name)
    return best[1] if best else None


def _bigrams(text: str) -> set[str]:
    return {text[i : i + 2] for i in range(len(text) - 1)}


def _conditions(sentence: str, skip: Sequence[tuple[int, int]], base: tuple[str, str] | None, reading: _Reading) -> list[dict[str, Any]]:
    """Thresholds as conditions on the rule's base (or a known input), others as prerequisites."""
    out: list[dict[str, Any]] = []
    for noun, op, value, word, stretch in _thresholds(sentence, skip):
        if isinstance(value, dict):  # a count of people: the persons input, named by the clause's words
            inputs = reading.data.setdefault("inputs", {})
            if "persons" not in inputs:
                inputs["persons"] = _input(re.sub(r"^(?:获奖|其|已)", "", noun) + "人数", ["人"])
            reading.used.append(stretch)
            out.append({"input": "persons", "op": op, "value": value, "word": word, "required": False})
            reading.notes.append(f"“{word}”读作{_OP_ZH[op]}{value['value']}人")
            continue
        name = None
        if base is not None and value.endswith(("万元", "亿元", "元")) and (not noun or _shares(noun, base[1])):
            name = base[0]
        name = name or _match_input(noun, value)
        fallback = False
        if name is None and value.endswith(("万元", "亿元", "元")) and len(noun) >= 2 and not noun.startswith(("（", "(")):
            if "current_wan" not in reading.data.get("inputs", {}):
                # an amount the text names but no known input is: the question's figure for it, by the clause's words
                name, fallback = "current_wan", True
                reading.data.setdefault("inputs", {})["current_wan"] = _input(re.sub(r"[需应须要为]+$", "", noun))
        if name is None:
            reading.data.setdefault("qualifications", []).append(f"{noun}{word}")
            reading.review.append(f"门槛“{noun}{word}”没有对应的参数，作为前提列出，未计算")
            continue
        reading.used.append(stretch)
        cond: dict[str, Any] = {"input": name, "op": op, "value": value, "word": word}
        if fallback or name not in (base[0] if base else (), "base_wan", "current_wan"):
            cond["required"] = False
        out.append(cond)
        reading.notes.append(f"“{word}”读作{_OP_ZH[op]}{value}")
    return _settle_range(out, sentence, reading)


def _settle_range(conds: list[dict[str, Any]], sentence: str, reading: _Reading) -> list[dict[str, Any]]:
    """A range's upper end that the same sentence sends elsewhere ("500万元（含）以上的按…执行")
    is excluded from the range: ``le B`` and ``ge B`` on one input become ``lt B`` with the text's
    own words for what applies instead."""
    for upper in [c for c in conds if c["op"] == "le"]:
        other = next(
            (c for c in conds if c is not upper and c["op"] == "ge" and c["input"] == upper["input"] and c["value"] == upper["value"]), None
        )
        if other is None:
            continue
        conds.remove(other)
        upper["op"] = "lt"
        where = sentence.find(other["word"])
        tail = re.match(r"[^，。；]*", sentence[where:]) if where >= 0 else None
        if tail:
            upper["otherwise"] = tail.group()
        reading.notes.append(f"“{upper['word']}”的上限{upper['value']}不含（原文另有“{other['word']}”的规定）")
    return conds


_OP_ZH = {"ge": "不低于（含本数）", "gt": "高于（不含本数）", "le": "不高于（含本数）", "lt": "低于（不含本数）"}


def _shares(a: str, b: str) -> bool:
    wa = {w for w in jieba.cut(a) if len(w) >= 2}
    wb = {w for w in jieba.cut(b) if len(w) >= 2}
    return bool(wa & wb) or a in b or b in a


@dataclass(frozen=True, slots=True)
class _Context:
    earlier: tuple[str, ...]  # ids of the rules drafted from this clause so far
    before: str  # the clause's text before the sentence
    after: str = ""  # and after it


class _UnreadableError(Exception):
    """A provision the schema cannot state (a schedule by brackets, a share per person per month):
    left to the reviewer rather than drafted as a figure that would be wrong."""


def _clause_conditions(text: str) -> list[tuple[dict[str, Any], str, str, tuple[int, int]]]:
    """Thresholds stated by the clause's sentences that grant nothing ("（4）获奖项目吸纳就业3人或以上"):
    a count of people or a known input, never required (the question may not say it)."""
    out: list[tuple[dict[str, Any], str, str, tuple[int, int]]] = []
    for m in _SENTENCE.finditer(text):
        sentence = m.group()
        if _GRANT.search(sentence):
            continue
        for noun, op, value, word, (a, b) in _thresholds(sentence, []):
            where = (m.start() + a, m.start() + b)
            noun = re.sub(r"^[（(]?\d+[）)]|^[（(][一二三四五六七八九十]+[）)]", "", noun)
            if isinstance(value, dict):
                name = "persons"
            elif (found := _match_input(noun, value)) is not None:
                name = found
            else:
                continue
            out.append(({"input": name, "op": op, "value": value, "word": word, "required": False}, f"{noun}{word}", noun, where))
    return out


def _read_sentence(sentence: str, earlier: Sequence[str], before: str = "", after: str = "") -> list[_Reading]:
    pieces = _pieces(sentence)
    ctx = _Context(tuple(earlier), before, after)
    for reader in _READERS:
        got = reader(sentence, pieces, ctx)
        if got:
            return got
    return []


def _combined_cap(sentence: str, pieces: list[_Piece], ctx: _Context) -> list[_Reading]:
    m = re.search(rf"以上[\u4e00-\u9fff]{{0,8}}?合计(?P<scope>[\u4e00-\u9fff]{{0,12}}?){_CAP_WORD}(?P<m>{_MONEY})", sentence)
    earlier = ctx.earlier
    if not m or len(earlier) < 2:
        return []
    r = _Reading(
        {"kind": "combined_cap", "cap": _amount(m.group("m")), "cap_scope": _scope(m.group("scope")), "members": list(earlier)}, [m.span()]
    )
    r.data["inputs"] = {"amounts_wan": {"zh": "同一期间获得的以上各项奖励补助金额"}}
    r.review.append(f"“以上”读作本条前面起草的{len(earlier)}项规则，请核对成员")
    return [r]


def _top_up(sentence: str, pieces: list[_Piece], ctx: _Context) -> list[_Reading]:
    m = re.search(rf"补足至(?P<m>{_MONEY})", sentence)
    if not m:
        return []
    r = _Reading({"kind": "top_up", "target": _amount(m.group("m"))}, [_span_of(pieces, m.start(), m.end())])
    r.data["inputs"] = {"received_wan": _input("已获得的补助金额", ["已获", "已经获得", "拿到", "获得了"])}
    r.notes.append("“补足至”读作补差额：目标金额减去已获得的补助")
    return [r]


def _premium(sentence: str, pieces: list[_Piece], ctx: _Context) -> list[_Reading]:
    m = re.search(rf"费率(?P<r>{_PERMILLE})以内", sentence)
    share = re.search(rf"(?P<s>{_PCT})", sentence[m.end() :]) if m else None
    if not m or not share:
        return []
    data: dict[str, Any] = {"kind": "premium", "rate_cap": _amount(m.group("r").replace(" ", "")), "share": _amount(share.group("s"))}
    used = [_span_of(pieces, m.start(), m.end() + share.end())]
    cap = _cap(sentence, pieces, m.end())
    if cap:
        data["cap"], data["cap_scope"] = cap[0], cap[1]
        used.append(cap[2])
    return [_Reading(data, used, [f"只计费率{data['rate_cap']}以内部分的保费"])]


def _cost_cap(sentence: str, pieces: list[_Piece], ctx: _Context) -> list[_Reading]:
    m = re.search(rf"融资成本(?:为|最高|不超过|控制在)?(?P<r>{_PCT})", sentence)
    rest = re.search(r"其余部分[^，。；]*贴息", sentence[m.end() :]) if m else None
    if not m or not rest:
        return []
    span = _span_of(pieces, m.start(), m.end() + rest.end())
    return [
        _Reading({"kind": "financing_cost_cap", "cost_cap": _amount(m.group("r"))}, [span], ["贴息=贷款金额×(年利率−固定融资成本)×月数/12"])
    ]


def _interest_fixed(sentence: str, pieces: list[_Piece], ctx: _Context) -> list[_Reading]:
    m = re.search(rf"年化(?P<r>{_PCT})贴息", sentence)
    if not m:
        return []
    data: dict[str, Any] = {"kind": "interest_fixed_rate", "rate": _amount(m.group("r"))}
    used = [_span_of(pieces, m.start(), m.end())]
    loan = re.search(rf"(?P<scope>[\u4e00-\u9fff]{{0,6}}?)贷款(?:金额)?{_CAP_WORD}(?P<m>{_MONEY})", sentence[m.end() :])
    if loan:
        data["loan_cap"], data["cap_scope"] = _amount(loan.group("m")), _scope(loan.group("scope"))
        used.append((m.end() + loan.start(), m.end() + loan.end()))
    return [_Reading(data, used, ["贴息=计息本金×年化贴息率×实际贷款月数/12；贷款超过上限的按上限计"])]


def _interest_share(sentence: str, pieces: list[_Piece], ctx: _Context) -> list[_Reading]:
    if not re.search(r"贴息|利息|贷款", sentence):
        return []
    m = re.search(rf"(?:利息|实际利率|利率)的(?P<max>最高)?(?P<s>{_PCT})", sentence) or re.search(
        rf"比例(?P<max>最高)?(?:为)?(?P<s>{_PCT})", sentence
    )
    if not m or not re.search(r"贴息|补贴|补助", sentence):
        return []
    data: dict[str, Any] = {"kind": "interest_share", "share": _amount(m.group("s"))}
    used = [_span_of(pieces, m.start(), m.end())]
    notes = ["贴息=计补贴的利息×比例"]
    if m.group("max"):
        data["share_is_max"] = True
    lpr = re.search(r"(?:最高)?不超过(?:一年期)?(?:贷款市场报价利率|LPR)", sentence)
    if lpr:
        data["lpr_capped"] = True
        used.append(lpr.span())
        notes.append("利率按不超过一年期LPR计")
    term = re.search(rf"期限最长(?:不超过)?(?P<t>(?:{_NUM})(?:年|个月))", sentence)
    if term:
        data["term_cap"] = _amount(term.group("t"))
        used.append(term.span())
    cap = _cap(sentence, pieces, m.end())
    if cap and "贷款" not in cap[1]:
        data["cap"], data["cap_scope"] = cap[0], cap[1]
        used.append(cap[2])
    return [_Reading(data, used, notes)]


def _tax_share(sentence: str, pieces: list[_Piece], ctx: _Context) -> list[_Reading]:
    m = re.search(rf"(?P<tax>[\u4e00-\u9fff]{{2,6}}税)地方留成部分的(?P<s>{_PCT})", sentence)
    if not m:
        return []
    tax = re.sub(r"^.*?(个人所得税|增值税|企业所得税)$", r"\1", m.group("tax"))
    years = re.search(rf"(?P<y>{_NUM})年内", sentence)
    if not years:
        return []
    data: dict[str, Any] = {"kind": "tax_share", "tax_zh": tax, "share": _amount(m.group("s")), "years": _amount(years.group("y") + "年")}
    used = [_span_of(pieces, min(m.start(), years.start()), max(m.end(), years.end()))]
    cap = _cap(sentence, pieces, m.end())
    if cap:
        data["cap"], data["cap_scope"] = cap[0], cap[1]
        used.append(cap[2])
    r = _Reading(data, used, ["按年计算，基数为地方留成部分，须由提问者给出"])
    r.data["conditions"] = _conditions(sentence, [m.span(), *([cap[2]] if cap else [])], None, r)
    return [r]


def _per_step(sentence: str, pieces: list[_Piece], ctx: _Context) -> list[_Reading]:
    m = re.search(rf"(?P<noun>[\u4e00-\u9fff]{{2,16}}?)每满(?P<step>{_MONEY})给予(?P<per>{_MONEY})", sentence)
    if not m:
        return []
    noun = re.sub(r"^(?:的|且|并)", "", m.group("noun"))
    data: dict[str, Any] = {"kind": "per_step", "step": _amount(m.group("step")), "per_step": _amount(m.group("per"))}
    used = [m.span()]
    cap = _cap(sentence, pieces, m.end())
    if cap:
        data["cap"], data["cap_scope"] = cap[0], cap[1]
        used.append(cap[2])
    last = "上年度" + re.sub(r"^(?:年度|本年度|当年)", "", noun)
    data["inputs"] = {"current_wan": _input(noun), "last_wan": {"zh": last}}
    r = _Reading(data, used, ["“每满”向下取整"])
    conds = _conditions(sentence[: m.start()], [], ("current_wan", noun), r)
    if re.search(r"较上年(?:度)?(?:实现)?增长", sentence[: m.start()]):
        g = re.search(r"较上年(?:度)?(?:实现)?增长", sentence)
        assert g
        conds.append({"input": "current_wan", "op": "gt", "than": "last_wan", "word": g.group()})
        r.used.append(g.span())
        r.notes.append("“较上年增长”读作本年度严格大于上年度")
    data["conditions"] = conds
    return [r]


_UNIT_INPUT = {"人次": "person_times", "人": "persons", "天": "days", "日": "days", "年": "years", "月": "months"}


def _per_unit(sentence: str, pieces: list[_Piece], ctx: _Context) -> list[_Reading]:
    m = re.search(rf"(?P<per>(?:每(?:人次|人|天|日|月|年)){{1,3}})(?P<max>最高|不超过)?(?:给予|补贴|补助)?(?P<m>{_MONEY})", sentence)
    if m and m.start() > 0 and not re.search(r"[，、：:；（(]$|给予$|予以$|按$|按照$|为$|发放$|提供$", sentence[: m.start()]):
        m = None  # "每个项目每年最高100万元": a cap's scope, not a rate per unit
    units: list[str] = []
    if m:
        units = re.findall(r"每(人次|人|天|日|月|年)", m.group("per"))
        per = m.group("per")
    else:
        m = re.search(rf"(?P<m>{_MONEY})(?P<per>(?:/(?:人次|人|月|年|天)){{1,3}})", sentence)
        if m:
            units = re.findall(r"/(人次|人|月|年|天)", m.group("per"))
            per = "".join("每" + u for u in units)
        else:
            m = re.search(rf"每(?:连续)?[\u4e00-\u9fff]{{0,3}}满(?P<n>一|1)(?P<u>年|个月)[\u4e00-\u9fff]{{0,4}}?(?P<m>{_MONEY})", sentence)
            if not m:
                return []
            units = ["年" if m.group("u") == "年" else "月"]
            per = "每" + units[0]
    if not units:
        return []
    if re.search(r"每增加", sentence + ctx.after[:80]) and re.search(r"以下的|以上的", sentence):
        raise _UnreadableError("按人数分档计算（…以下…、…以上每增加…），现有规则类型无法表达")
    rate = _amount(m.group("m"))
    data: dict[str, Any] = {"kind": "per_unit", "rate": rate, "per": per}
    if m.groupdict().get("max") or re.search(rf"{_CAP_WORD}$", sentence[: m.start("m")]):
        data["rate_is_max"] = True
    used = [_span_of(pieces, m.start(), m.end())]
    limits: dict[str, str] = {}
    for lm in re.finditer(rf"(?:最长|累计不超过|最长不超过)[\u4e00-\u9fff]{{0,8}}?(?:不超过)?(?P<n>{_NUM})(?P<u>年|个月)", sentence):
        u = "年" if lm.group("u") == "年" else "月"
        limits[u] = _amount(lm.group("n") + ("年" if u == "年" else "个月"))
        used.append(lm.span())
    later = re.search(rf"(?:最长|累计不超过|最长不超过)(?:不超过)?(?P<n>{_NUM})(?P<u>年|个月)", ctx.after[:120])
    if later and not limits:
        # the period limit in the clause's next line ("补贴期限：累计不超过3年"): named in the reading
        u = "年" if later.group("u") == "年" else "月"
        limits[u] = _amount(later.group("n") + ("年" if u == "年" else "个月"))
        limit_text = later.group()
        used.append((len(sentence) + later.start(), len(sentence) + later.end()))
    else:
        limit_text = ""
    subject = _subject(sentence)
    specs = []
    inputs: dict[str, Any] = {}
    for u in dict.fromkeys(units):
        name = _UNIT_INPUT[u]
        spec: dict[str, Any] = {"input": name}
        if u in limits:
            spec["max"] = limits[u]
        specs.append(spec)
        if name == "persons" and subject:
            inputs[name] = _input(f"{subject}人数", [subject])
        elif name == "months":
            inputs[name] = {"zh": "月数", "cues": ["个月", "月"]}
        elif name == "years":
            inputs[name] = {"zh": "年数", "cues": ["年"]}
    data["units"] = specs
    if inputs:
        data["inputs"] = inputs
    r = _Reading(data, used, [f"金额=各单位数相乘×{rate}" + ("（“最高”：算得的是上限）" if data.get("rate_is_max") else "")])
    if limit_text:
        r.notes.append(f"期限上限取自本条下文“{limit_text}”")
        r.review.append(f"期限上限“{limit_text}”在本句之外，请核对")
    return [r]


def _per_item(sentence: str, pieces: list[_Piece], ctx: _Context) -> list[_Reading]:
    m = re.search(r"每(?:成功)?[\u4e00-\u9fff]{0,4}?一(?P<noun>家|个|项|台套|台|套|名)", sentence)
    single = re.search(r"单(?P<noun>台套|台|套|个|项)", sentence)
    most = re.search(rf"最多补(?P<n>{_NUM})(?P<noun>台套|台|套|个|项|家)", sentence)
    if m:
        amount = re.search(rf"给予(?P<m>{_MONEY})", sentence[m.end() :])
        if not amount:
            return []
        noun = m.group("noun")
        item: dict[str, Any] = {"noun": noun, "nouns": [noun], "amount": _amount(amount.group("m"))}
        used = [(m.start(), m.end() + amount.end())]
        r = _Reading({"kind": "per_item", "item": item}, used, [f"每{noun}分别计算后相加"])
        _item_conditions(sentence[m.end() : m.end() + amount.start()], m.end(), item, r)
        return [r]
    if single and most:
        share = re.search(rf"按(?P<base>[\u4e00-\u9fff]{{2,12}}?)的(?P<s>{_PCT})", sentence)
        if not share:
            return []
        noun = most.group("noun")
        item = {
            "noun": noun,
            "nouns": list(dict.fromkeys([noun, single.group("noun")])),
            "max_items": int(parse_cn_number(most.group("n"))),
        }
        fee = _match_attr(share.group("base"), "money")
        if fee is None:
            return []
        item.update({"ratio": _amount(share.group("s")), "ratio_of": fee, "attributes": [fee]})
        r = _Reading({"kind": "per_item", "item": item}, [share.span(), most.span()], [f"最多补{most.group('n')}{noun}：按补贴额最高者计"])
        _item_conditions(sentence[single.start() : share.start()], single.start(), item, r)
        cap = _cap(sentence, pieces, most.end())
        if cap:
            r.data["cap"], r.data["cap_scope"] = cap[0], _scope(sentence[_piece_at(pieces, most.start()).start : most.start()])
            r.used.append(cap[2])
        return [r]
    return []


def _match_attr(noun: str, unit_type: str) -> str | None:
    best: tuple[int, str] | None = None
    for name in ITEM_ATTRIBUTES:
        spec = INPUTS[name]
        if spec.type != unit_type:
            continue
        score = sum(1 for ch in set(noun) if ch in spec.zh)
        if score >= 2 and (best is None or score > best[0]):
            best = (score, name)
    return best[1] if best else None


def _item_conditions(text: str, offset: int, item: dict[str, Any], r: _Reading) -> None:
    for noun, op, value, word, (a, b) in _thresholds(text, []):
        attr = _match_attr(noun, "pct" if value.endswith("%") else "money")
        if attr is None:
            r.data.setdefault("qualifications", []).append(f"{noun}{word}")
            continue
        item.setdefault("attributes", [])
        if attr not in item["attributes"]:
            item["attributes"].append(attr)
        item.setdefault("conditions", []).append({"input": attr, "op": op, "value": value, "word": word})
        r.used.append((offset + a, offset + b))
        r.notes.append(f"“{word}”读作{_OP_ZH[op]}{value}，每{item['noun']}分别看")


def _ratio(sentence: str, pieces: list[_Piece], ctx: _Context) -> list[_Reading]:
    for m in _PCT_RE.finditer(sentence):
        piece = _piece_at(pieces, m.start())
        before = sentence[piece.start : m.start()]
        after = sentence[m.end() : _piece_at(pieces, min(piece.end, len(sentence) - 1)).end + 12]
        if not re.search(r"按|给予|提高至|提高到|为|的", before) or re.search(r"持股|增长率|增幅|占|比例达到|录用|从$|从原来的$", before):
            continue
        if not (_GRANT.search(piece.text) or _GRANT.search(after)) or re.match(r"提高到|提高至", sentence[m.end() :]):
            continue
        base = _noun_before(before)
        is_max = bool(re.search(r"(?:最高|不超过|不高于)(?:的)?$", before)) or bool(
            re.search(r"(?:按照|按)?(?:不超过|最高)", before[: max(0, len(before) - len(base))])
        )
        is_min = bool(re.search(r"不低于(?:的)?$", before))
        if not base or len(base) < 2:
            continue
        if re.search(r"每月|每人|/人|/月|按月", sentence):
            raise _UnreadableError(f"按“{base}”的{m.group()}、按人按月计发，现有规则类型无法表达")
        data: dict[str, Any] = {"kind": "ratio", "ratio": _amount(m.group()), "inputs": {"base_wan": _input(base)}}
        if is_max:
            data["ratio_is_max"] = True
        used = [(piece.start, m.end())]
        r = _Reading(data, used, [f"基数为“{base}”"])
        if is_min:
            data["notes"] = [f"比例为“不低于{data['ratio']}”，按{data['ratio']}算得的是最低额"]
        tiers = list(re.finditer(rf"(?P<name>[\u4e00-\u9fff]{{2,10}}?){_CAP_WORD}(?:补助|资助|奖励)?(?P<m>{_MONEY})", sentence[m.end() :]))
        if len(tiers) >= 2 and all(t.group("name") and not re.search(r"每|单|企业每年|合计", t.group("name")) for t in tiers):
            data["tiers"] = [{"name": re.sub(r"^(?:\d+)?年内", "", t.group("name")), "amount": _amount(t.group("m"))} for t in tiers]
            used += [(m.end() + t.start(), m.end() + t.end()) for t in tiers]
            years = re.search(rf"(?P<y>{_NUM})年内", sentence[m.end() :])
            if years:
                data["cap_years"] = _amount(years.group("y") + "年")
            r.review.append("上限按类别（" + "、".join(t["name"] for t in data["tiers"]) + "）读出，请核对类别名称")
        else:
            cap = _cap(sentence, pieces, m.end()) or _cap(sentence, pieces, piece.start)
            if cap:
                data["cap"], data["cap_scope"] = cap[0], cap[1]
                used.append(cap[2])
        data["conditions"] = _conditions(sentence, [(m.start(), m.end()), *used[1:]], ("base_wan", base), r)
        return [r]
    return []


def _ranked_amounts(sentence: str, pieces: list[_Piece], ctx: _Context) -> list[_Reading]:
    """Amounts by level or rank: 卓越级…标准级…, 一等奖…二等奖…."""
    pattern = re.compile(
        rf"(?P<name>[\u4e00-\u9fff]{{1,6}}?(?:级|奖|类|档|等次))(?:给予|为|可获|奖励)?(?P<once>一次性)?(?P<max>最高|不超过)?(?P<m>{_MONEY})"
    )
    tiers = [t for t in pattern.finditer(sentence) if not re.search(r"以上|以下", t.group("name"))]
    if len(tiers) < 2:
        return []
    names = [re.sub(r"^(?:对|其中|和|及)", "", t.group("name")) for t in tiers]
    if len(set(names)) < len(names):
        return []
    is_max = any(t.group("max") for t in tiers)
    data: dict[str, Any] = {
        "kind": "max_only" if is_max else "fixed",
        "tiers": [{"name": n, "amount": _amount(t.group("m"))} for n, t in zip(names, tiers, strict=True)],
    }
    if is_max:
        data["decided_by"] = _decided_by(sentence)
    used = [(t.start(), t.end()) for t in tiers]
    return [_Reading(data, used, ["按类别给予：" + "、".join(f"{n}{t.group('m')}" for n, t in zip(names, tiers, strict=True))])]


def _respectively(sentence: str, pieces: list[_Piece], ctx: _Context) -> list[_Reading]:
    m = re.search(
        rf"(?:由(?P<payers>[\u4e00-\u9fff、]{{2,20}}))?分别给予(?P<once>一次性)?(?P<max>最高|不超过)?(?P<ms>{_MONEY}(?:、{_MONEY})*)",
        sentence,
    )
    if not m:
        return []
    amounts = re.findall(_MONEY, m.group("ms"))
    if len(amounts) == 1 and m.group("payers") and "、" in m.group("payers"):
        payers = m.group("payers").split("、")
        data: dict[str, Any] = {"kind": "fixed", "amount": _amount(amounts[0]), "payers": payers}
        return [_Reading(data, [m.span()], [f"“由{m.group('payers')}分别给予”读作各级各给{amounts[0]}"])]
    if len(amounts) < 2:
        return []
    r = _Reading({"kind": "max_only"}, [m.span()], [])
    names = _enumeration(ctx.before + sentence[: m.start()], len(amounts))
    if names:
        r.notes.append(
            "“分别给予" + m.group("ms") + "”按列举顺序对应：" + "、".join(f"{n}{a}" for n, a in zip(names, amounts, strict=True))
        )
        r.review.append("“分别”的对应按前文列举的顺序读出，请核对")
    else:
        names = [f"第{i}类" for i in range(1, len(amounts) + 1)]
        r.review.append(f"“分别给予{m.group('ms')}”对应的类别名称未能从原文读出，请按原文填写类别")
    r.data["tiers"] = [{"name": n, "amount": _amount(a)} for n, a in zip(names, amounts, strict=True)]
    r.data["decided_by"] = _decided_by(sentence)
    return [r]


def _enumeration(text: str, n: int) -> list[str]:
    """The last list of ``n`` names the text gives ("国家级国际科技合作基地、对台科技合作与交流基地建设"),
    without the verb before the first name and the words after the shared last word of the names."""
    for piece in reversed(re.split(r"[，。；,]", text)):
        items = piece.split("、")
        if len(items) != n:
            continue
        first = re.sub(r"^(?:支持|鼓励|推动|推进|加强|对|开展|围绕)+", "", items[0])
        last = items[-1]
        tail = first[-2:]
        if tail and tail in last:
            last = last[: last.rindex(tail) + 2]
        names = [first, *items[1:-1], last]
        if all(2 <= len(x) <= 20 for x in names):
            return names
    return []


def _max_only(sentence: str, pieces: list[_Piece], ctx: _Context) -> list[_Reading]:
    if re.search(r"每增加", sentence) and re.search(r"以下的|以上的", sentence):
        raise _UnreadableError("按人数分档计算（…以上每增加…），现有规则类型无法表达")
    cap = _cap(sentence, pieces)
    fine = re.search(rf"(?:处|并处)?(?:(?P<lo>{_MONEY})以上)?(?P<m>{_MONEY})以下(?:的)?罚款", sentence)
    if fine and not cap:
        data: dict[str, Any] = {
            "kind": "max_only",
            "cap": _amount(fine.group("m")),
            "decided_by": "由主管部门依法决定（罚款金额在法定幅度内裁量）",
        }
        return [_Reading(data, [fine.span()], ["“以下”读作含本数，为法定最高额"])]
    if not cap:
        return []
    amount, scope, stretch = cap
    data = {"kind": "max_only", "cap": amount, "cap_scope": scope, "decided_by": _decided_by(sentence)}
    if re.search(r"每年|年度|一年", scope) or re.search(r"每年(?:给予|奖补|奖励)", sentence[stretch[0] : stretch[1]]):
        data["per_year"] = True
    years = re.search(rf"(?P<how>连续|分)(?P<y>{_NUM})年", sentence)
    if years:
        data["years"] = _amount(years.group("y") + "年")
        data["per_year"] = years.group("how") == "连续"
    r = _Reading(data, [stretch, *([years.span()] if years else [])], ["“最高”：具体金额由主管部门核定，只给出上限"])
    r.data["conditions"] = _conditions(sentence, [stretch], None, r)
    return [r]


def _fixed(sentence: str, pieces: list[_Piece], ctx: _Context) -> list[_Reading]:
    m = re.search(
        rf"(?:给予|可获得|获得|补贴标准[:：]?|标准为|奖励|资助|补助)(?P<once>一次性)?(?:[\u4e00-\u9fff]{{0,4}}?)(?P<m>{_MONEY})|(?P<m2>{_MONEY})(?:的)?一次性",
        sentence,
    )
    if not m:
        return []
    raw = m.group("m") or m.group("m2")
    piece = _piece_at(pieces, m.start())
    if re.search(_CAP_WORD, sentence[piece.start : m.end()]):
        return []
    data: dict[str, Any] = {"kind": "fixed", "amount": _amount(raw)}
    other = re.match(rf"[（(](?P<who>其他|其余)[\u4e00-\u9fff]{{0,8}}?(?P<m>{_MONEY})[）)]", sentence[m.end() :])
    if other:
        # "资助200万元（其他资助100万元）": two amounts by who applies, the text naming only the second
        del data["amount"]
        data["tiers"] = [
            {"name": "本句所列主体", "amount": _amount(raw)},
            {"name": other.group("who"), "amount": _amount(other.group("m"))},
        ]
        r = _Reading(data, [_span_of(pieces, m.start(), m.end() + other.end())], [f"括注“{other.group()}”读作另一类主体的金额"])
        r.review.append(f"括注“{other.group()}”：两类主体各自的金额，请按原文写明类别名称")
        r.data["conditions"] = _conditions(sentence, [m.span()], None, r)
        return [r]
    if not (m.group("once") or m.group("m2") or "一次性" in sentence):
        data["period"] = ""
    r = _Reading(data, [_span_of(pieces, m.start(), m.end())], [])
    r.data["conditions"] = _conditions(sentence, [m.span()], None, r)
    return [r]


_READERS = (
    _combined_cap,
    _top_up,
    _premium,
    _cost_cap,
    _interest_fixed,
    _interest_share,
    _tax_share,
    _per_step,
    _per_item,
    _ratio,
    _per_unit,
    _ranked_amounts,
    _respectively,
    _max_only,
    _fixed,
)


def _span_of(pieces: Sequence[_Piece], start: int, end: int) -> tuple[int, int]:
    a = _piece_at(pieces, start).start
    b = _piece_at(pieces, max(start, end - 1)).end
    return a, b


def _decided_by(sentence: str) -> str:
    m = re.search(r"(?:按照|根据|依据|结合|按)(?P<by>[\u4e00-\u9fff、（）]{2,24}?(?:结果|情况|成效|层级|绩效|评价|评审|评估))", sentence)
    return f"{m.group()}确定" if m else "由主管部门核定（条款未载明计算方法）"


def _subject(sentence: str) -> str:
    """Whom a sentence grants to: the words after 对 up to the grant, after their last 的."""
    m = re.search(r"(?:^|[，。；、：,])对(?P<who>[^，。；,]{2,40}?)(?:，|给予|予以|按|的，)", sentence)
    if not m:
        return ""
    who = m.group("who").split("的")[-1].strip("“”")
    return who if 2 <= len(who) <= 16 and not re.search(rf"\d|{_CAP_WORD}|给予", who) else ""


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
    heading = next((t for t in reversed(clause.titles) if t), "")  # the nearest printed title
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
    _check_numbers(rule, span)
    return rule


# the grammar of a grant, not what it is for: never a cue word
_GRAMMAR = frozenset(
    "企业 单位 给予 予以 补助 补贴 奖励 资助 奖补 支持 最高 不超过 万元 一次性 每年 每家 以上 以下 符合条件 按照 "
    "实际 开展 相关 有关 进行 对于 其中 标准 金额 给予支持 鼓励 推动 加强 加大 提高 按规定 规定 条件 部分 年度 "
    "高于 超过 低于 不低于 达到 实现 获得 该项 每人 单家 单个 总额 结合 根据 依据 可以 申请 按其".split()
)


def _cue_words(text: str) -> list[str]:
    """The words of a provision that say what it is for: quoted terms ("揭榜挂帅") and its most
    telling words by jieba's TF-IDF, without the grammar of grants (给予、补助、最高 …)."""
    quoted = [q for q in re.findall(r"“([^”]{2,12})”", text) if not re.search(r"\d", q)]
    tags = [w for w in _tfidf_words(text, 24) if len(w) >= 2 and not re.search(r"\d|[a-zA-Z]{1}$", w) and w not in _GRAMMAR]
    return list(dict.fromkeys([*quoted, *tags]))[:8]


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
        m.group("a")
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
