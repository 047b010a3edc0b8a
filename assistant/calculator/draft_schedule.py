"""The drafter's readings of money paid by the unit that one rate cannot state: a schedule by bands
of a count (``bands``) and a share of a base paid per person and month (``share_per_unit``)."""

from __future__ import annotations

import re
from typing import Any

from assistant.calculator.draft_terms import (
    _MONEY,
    _NUM,
    _cap,
    _Context,
    _input,
    _Piece,
    _pieces,
    _Reading,
    _span_of,
    _UnreadableError,
)
from assistant.calculator.inputs import parse_cn_number

_LIMIT = re.compile(rf"(?:最长|累计不超过|最长不超过)(?P<what>[\u4e00-\u9fff]{{0,8}}?)(?:不超过)?(?P<n>{_NUM})(?P<u>年|个月)")


def _count(text: str) -> int:
    return int(text) if text.isdigit() else int(parse_cn_number(text))


def _bands(sentence: str, pieces: list[_Piece], ctx: _Context) -> list[_Reading]:
    """ "招用3人以下的按每人2000元给予补贴；招用4人以上的每增加1人给予3000元补贴，总额最高不超过3万元":
    the units of each band earn that band's rate; the second band may be the clause's next sentence."""
    low = re.search(
        rf"(?P<verb>[\u4e00-\u9fff]{{0,4}}?)(?P<n>{_NUM})(?:人|名)(?:（含）|及)?以下的?[，,]?(?:按|按照)?每(?:人|名)(?:给予)?(?P<r>{_MONEY})",
        sentence,
    )
    if not low:
        return []
    text = sentence + ctx.after
    step = rf"(?P<n>{_NUM})(?:人|名)(?:（含）|及)?以上的?[，,]?每增加(?:1|一)(?:人|名)(?:给予|补贴|补助)?(?P<r>{_MONEY})"
    high = re.search(step, text[low.end() :])
    if not high:
        return []
    n, n2 = _count(low.group("n")), _count(high.group("n"))
    if n2 not in (n, n + 1):
        raise _UnreadableError(f"分档的人数（{low.group('n')}人以下、{high.group('n')}人以上）不衔接，请人工起草")
    start = low.end() + high.start()
    end = low.end() + high.end()
    verb = low.group("verb").strip("，,的")
    data: dict[str, Any] = {
        "kind": "bands",
        "count": "persons",
        "bands": [
            {"upto": n, "rate": low.group("r").replace(" ", ""), "word": low.group()[len(low.group("verb")) :]},
            {"rate": high.group("r").replace(" ", ""), "word": high.group()},
        ],
    }
    used = [_span_of(pieces, low.start(), low.end()), (start, end)]
    rest = text[end:]
    cap = _cap(rest, _pieces(rest))
    if cap and not re.search(r"[。]", rest[: cap[2][0]]):
        data["cap"] = cap[0]
        scope = re.search(r"(?:总额|合计|累计)$", rest[: cap[2][0]].strip("，, "))
        data["cap_scope"] = scope.group() if scope else ""
        used.append((end + cap[2][0], end + cap[2][1]))
    # the count is named by the clause's own words: the verb before it, with its object where the
    # measure's other sections name it ("招用" → "招用员工人数")
    obj = ""
    for _, ftext in ctx.facets:
        found = re.search(rf"{re.escape(verb)}(?P<o>[\u4e00-\u9fff]{{2}})", ftext) if verb else None
        if found:
            obj = found.group("o")
            break
    data["inputs"] = {"persons": _input(f"{verb}{obj}人数" if verb else "人数", ["人", *([obj] if obj else [])])}
    r = _Reading(data, used, [f"分档计算：{n}人以内每人{low.group('r')}，超出部分每人{high.group('r')}"])
    r.review.append(f"“{high.group()}”读作超过{n}人的部分每人{high.group('r')}，请核对")
    return [r]


def _share_per_unit(sentence: str, pieces: list[_Piece], ctx: _Context, base: str, share: re.Match[str], piece: _Piece) -> list[_Reading]:
    """ "由市财政按本市最低工资标准的50%核拨经费补贴，每月按22个工作日计算，最长见习补贴期限不超过12个月":
    the base is a figure per person and month the question gives; paid for each person and month."""
    units: list[dict[str, Any]] = []
    inputs: dict[str, Any] = {"base_wan": _input(base)}
    clause = ctx.before + sentence
    people = re.search(r"每人|/人|(?:^|[向对为给，。])(?P<who>[\u4e00-\u9fff]{2}(?:人员|学员))", clause)
    if people:
        who = people.group("who") or ""
        units.append({"input": "persons"})
        inputs["persons"] = _input(f"{who}人数" if who else "人数", ["人"])
    used = [(piece.start, share.end())]
    notes = [f"每单位金额=“{base}”×{share.group()}"]
    if re.search(r"每月|/月|按月|个月", sentence):
        spec: dict[str, Any] = {"input": "months"}
        limit = _LIMIT.search(sentence)
        if limit and limit.group("u") == "个月":
            spec["max"] = f"{limit.group('n')}个月"
            used.append(limit.span())
        what = (limit.group("what") if limit else "") or "期限"
        inputs["months"] = _input(f"{re.sub(r'^(?:补贴)', '', what)}（月）", ["个月", "月"])
        units.append(spec)
    data: dict[str, Any] = {
        "kind": "share_per_unit",
        "share": share.group().replace("％", "%"),
        "per": "".join(
            ["每人" if any(u["input"] == "persons" for u in units) else "", "每月" if any(u["input"] == "months" for u in units) else ""]
        ),
        "units": units,
        "inputs": inputs,
    }
    r = _Reading(data, used, notes)
    if people and not re.search(r"每人|/人", clause):
        r.review.append(f"按人计发读自本条所说的“{people.group()}”，原文未写“每人”，请核对")
    r.review.append(f"基数“{base}”的金额原文未载明，须由提问者给出（按月的金额）")
    return [r]
