"""The words of a money provision, for the drafter: amounts as printed, the pieces of a sentence,
a cap and its scope ("单家企业最高25万元"), the noun a share is taken of, thresholds with their
含/不含 reading, and the known input a threshold's noun names."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import jieba

from assistant.calculator.inputs import INPUTS, parse_cn_number

jieba.setLogLevel(60)

_NUM = r"\d+(?:\.\d+)?|[零〇一二两三四五六七八九十百千]+"
_MONEY = rf"(?:{_NUM})\s*(?:万元|亿元|元|万(?![元亿]))"
_PCT = rf"(?:{_NUM})\s*[%％]"
_PERMILLE = rf"(?:{_NUM})\s*‰"
_MONEY_RE = re.compile(rf"(?P<n>{_NUM})\s*(?P<u>万元|亿元|元|万(?![元亿]))")
_PCT_RE = re.compile(rf"(?P<n>{_NUM})\s*[%％]")
# words that make a sentence grant money (the rule's own verbs and nouns, never a topic)
_GRANT = re.compile(r"给予|予以|奖励|补助|补贴|资助|奖补|贴息|补足|核拨|罚款|提取")  # 提取: money set aside from a fund
_CAP_WORD = r"(?:最高不超过|最高可达|最高|不超过|最多|上限提高到|上限提高至|上限为|上限)"
_SENTENCE = re.compile(r"[^。；;！？!?\n]+[。；;！？!?]?")
_PIECE = re.compile(r"[^，,：:]+[，,：:]?")
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
class _Context:
    earlier: tuple[str, ...]  # ids of the rules drafted from this clause so far
    before: str  # the clause's text before the sentence
    after: str = ""  # and after it
    facets: tuple[tuple[str, str], ...] = ()  # (clause id, text) of the measure's other sections (draft._facets)


class _UnreadableError(Exception):
    """A provision the schema cannot state (a schedule by brackets, a share per person per month):
    left to the reviewer rather than drafted as a figure that would be wrong."""


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
    # a minimum relaxed to a lower figure ("营业收入申报条件放宽至1亿元"): the new minimum
    ("放宽至", "ge"),
    ("放宽到", "ge"),
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
        rf"(?P<noun>[\u4e00-\u9fff“”（）]{{0,24}}?)(?P<lead>不低于|不少于|达到|高于|超过|低于|不足|不超过|不高于|放宽至|放宽到|在)?"
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
    # ages by sex (女性不超过55周岁、男性不超过60周岁): a dict amount in 周岁, the sex as the noun
    for m in re.finditer(
        rf"(?P<noun>女性|男性)(?P<lead>不超过|不满|未满|不低于|年满)?(?P<n>{_NUM})周岁(?P<tail>以下|以上|及以下|及以上)?", sentence
    ):
        lead, tail = m.group("lead") or "", m.group("tail") or ""
        if not (lead or tail) or any(a <= m.start("n") < b for a, b in skip):
            continue
        op = "lt" if lead in ("不满", "未满") else "ge" if lead in ("不低于", "年满") or "以上" in tail else "le"
        n = Decimal(m.group("n")) if m.group("n").isdigit() else parse_cn_number(m.group("n"))
        out.append((m.group("noun"), op, {"value": n, "unit": "周岁"}, m.group(), (m.start(), m.end())))  # type: ignore[arg-type]
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
        if isinstance(value, dict) and value["unit"] == "周岁":
            out.append({"input": _AGE[noun], "op": op, "value": value, "word": word, "required": False})
            reading.used.append(stretch)
            reading.notes.append(f"“{word}”读作{noun}年龄{_OP_ZH[op]}{value['value']}周岁")
            continue
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


_AGE = {"女性": "age_female", "男性": "age_male"}
_OP_ZH = {"ge": "不低于（含本数）", "gt": "高于（不含本数）", "le": "不高于（含本数）", "lt": "低于（不含本数）"}


def _shares(a: str, b: str) -> bool:
    wa = {w for w in jieba.cut(a) if len(w) >= 2}
    wb = {w for w in jieba.cut(b) if len(w) >= 2}
    return bool(wa & wb) or a in b or b in a


def _clause_conditions(text: str) -> list[tuple[dict[str, Any], str, str, tuple[int, int]]]:
    """Thresholds stated by the clause's sentences that grant nothing ("（4）获奖项目吸纳就业3人或以上"):
    a count of people or a known input, never required (the question may not say it)."""
    out: list[tuple[dict[str, Any], str, str, tuple[int, int]]] = []
    for m in _SENTENCE.finditer(text):
        sentence = m.group()
        # a sentence that grants prints its money; a heading's word ("补贴条件：…") grants nothing
        if _GRANT.search(sentence) and (_MONEY_RE.search(sentence) or _PCT_RE.search(sentence)):
            continue
        for noun, op, value, word, (a, b) in _thresholds(sentence, []):
            where = (m.start() + a, m.start() + b)
            noun = re.sub(r"^[（(]?\d+[）)]|^[（(][一二三四五六七八九十]+[）)]", "", noun)
            if isinstance(value, dict):
                name = _AGE[noun] if value["unit"] == "周岁" else "persons"
            elif (found := _match_input(noun, value)) is not None:
                name = found
            else:
                continue
            said = word if name.startswith("age_") else f"{noun}{word}"
            out.append(({"input": name, "op": op, "value": value, "word": word, "required": False}, said, noun, where))
    return out


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
