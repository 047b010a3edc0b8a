"""The drafter's readings, one per kind of provision: a sentence of a clause → what it grants,
read by patterns from the most specific (a combined cap, a top-up, a premium) to the least (a
maximum, a fixed sum). Each returns the reading and the stretches of the sentence it rests on."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from assistant.calculator.draft_schedule import _bands, _share_per_unit
from assistant.calculator.draft_terms import (
    _CAP_WORD,
    _GRANT,
    _MONEY,
    _NUM,
    _OP_ZH,
    _PCT,
    _PCT_RE,
    _PERMILLE,
    _amount,
    _cap,
    _conditions,
    _Context,
    _decided_by,
    _input,
    _noun_before,
    _Piece,
    _piece_at,
    _pieces,
    _Reading,
    _scope,
    _span_of,
    _subject,
    _thresholds,
    _UnreadableError,
)
from assistant.calculator.inputs import INPUTS, ITEM_ATTRIBUTES, parse_cn_number


def _read_sentence(
    sentence: str, earlier: Sequence[str], before: str = "", after: str = "", facets: tuple[tuple[str, str], ...] = ()
) -> list[_Reading]:
    pieces = _pieces(sentence)
    ctx = _Context(tuple(earlier), before, after, facets)
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
    cap = _cap(sentence, pieces, m.end())  # the total's cap after the rate (补贴总额最高不超过50000元)
    if cap:
        data["cap"], data["cap_scope"] = cap[0], cap[1]
        used.append(cap[2])
    limits: dict[str, str] = {}
    for lm in re.finditer(rf"(?:最长|累计不超过|最长不超过)[\u4e00-\u9fff]{{0,8}}?(?:不超过)?(?P<n>{_NUM})(?P<u>年|个月)", sentence):
        u = "年" if lm.group("u") == "年" else "月"
        limits[u] = _amount(lm.group("n") + ("年" if u == "年" else "个月"))
        used.append(lm.span())
    later = re.search(rf"(?:最长|累计不超过|最长不超过)(?:不超过)?(?P<n>{_NUM})(?P<u>年|个月)", ctx.after[:120])
    limit_text = ""
    if later and not limits:
        # the period limit in the clause's next line ("补贴期限：累计不超过3年"): named in the reading
        u = "年" if later.group("u") == "年" else "月"
        limits[u] = _amount(later.group("n") + ("年" if u == "年" else "个月"))
        limit_text = later.group()
        used.append((len(sentence) + later.start(), len(sentence) + later.end()))
    elif not limits:
        # or in a section of its own of the same measure ("补贴期限：累计不超过3年")
        for fid, ftext in ctx.facets:
            later = re.search(rf"(?:最长|累计不超过|最长不超过)(?:不超过)?(?P<n>{_NUM})(?P<u>年|个月)", ftext)
            if later:
                u = "年" if later.group("u") == "年" else "月"
                limits[u] = _amount(later.group("n") + ("年" if u == "年" else "个月"))
                limit_text = later.group()
                data["restated_in"] = [{"clause_id": fid, "span": limit_text}]
                break
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
        source = re.search(r"从(?P<b>[\u4e00-\u9fff]{2,16}?)中?提取(?:不低于|不超过|最高)?$", before)  # 从土地出让净收益提取不低于10%
        if not source and (
            not re.search(r"按|给予|提高至|提高到|为|的", before) or re.search(r"持股|增长率|增幅|占|比例达到|录用|从$|从原来的$", before)
        ):
            continue
        if not (_GRANT.search(piece.text) or _GRANT.search(after)) or re.match(r"提高到|提高至", sentence[m.end() :]):
            continue
        base = source.group("b") if source else _noun_before(before)
        is_max = bool(re.search(r"(?:最高|不超过|不高于)(?:的)?$", before)) or bool(
            re.search(r"(?:按照|按)?(?:不超过|最高)", before[: max(0, len(before) - len(base))])
        )
        is_min = bool(re.search(r"不低于(?:的)?$", before))
        if not base or len(base) < 2:
            continue
        if re.search(r"每月|每人|/人|/月|按月", sentence):
            return _share_per_unit(sentence, pieces, ctx, base, m, piece)
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


def _fine_share(sentence: str, pieces: list[_Piece], ctx: _Context) -> list[_Reading]:
    """A fine as a share of an amount the text names (处虚报注册资本金额5%以上15%以下的罚款): the
    upper share of that amount is the legal maximum, what is imposed is decided within the range."""
    m = re.search(rf"(?:并处|处)(?P<b>[\u4e00-\u9fff]{{2,16}}?)(?:(?P<lo>{_PCT})以上)?(?P<hi>{_PCT})以下(?:的)?罚款", sentence)
    if not m:
        return []
    base, hi = m.group("b").removesuffix("的"), _amount(m.group("hi"))
    data: dict[str, Any] = {"kind": "ratio", "ratio": hi, "ratio_is_max": True, "inputs": {"base_wan": _input(base)}}
    span = (m.start() + (1 if m.group().startswith("处") else 2), m.end())
    scope = f"{_amount(m.group('lo'))}至{hi}" if m.group("lo") else f"{hi}以下"
    r = _Reading(data, [_span_of(pieces, *span)], [f"罚款为“{base}”的{scope}，按{hi}算得的是法定最高额"])
    data["notes"] = [f"罚款金额由主管部门在“{base}”的{scope}内依法裁量"]
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
    _fine_share,
    _ratio,
    _bands,
    _per_unit,
    _ranked_amounts,
    _respectively,
    _max_only,
    _fixed,
)
