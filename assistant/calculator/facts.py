"""Facts from the question: every quantity with its position (``find_mentions``) and the inputs one
rule needs (``extract_params``). Numbers that are rules rather than facts are never taken."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from dateutil.relativedelta import relativedelta

from assistant.calculator.compute import derive
from assistant.calculator.inputs import _FULLWIDTH, _WAN, INPUTS, InputSpec, _duration_months, parse_cn_number
from assistant.calculator.rules import Rule

# ---------------------------------------------------------------- mentions in a question

_CN = "零〇一二两三四五六七八九十百千"
# Words that begin with 成 after a digit but are not tenths (三成果, 一成不变, 两成都 …).
_CHENG_WORDS = "[果长为本立功交熟员都品型就绩效套批分像年人不绩]"
_CN_START = "零〇一二两三四五六七八九十"
_NUM = rf"(?:\d+(?:,\d{{3}})+(?:\.\d+)?|\d+(?:\.\d+)?|[{_CN_START}][{_CN}]*(?:点[{_CN}]+)?)"
# a sum in yuan written across 万 ("十二万五千元", "三十万零五千"): one number, not two
_CN_SPLIT = rf"[{_CN_START}][{_CN}]*万零?[{_CN_START}][{_CN}]*"

# a period said as two calendar dates ("2026年3月1号放款，11月1号还清", "1月1日到6月30日"): the
# months between them; the second date may leave out the year, and the words between are short and
# end no sentence
_DATE = r"(?:(?P<{p}y>(?:19|20)\d\d)年)?(?P<{p}m>1[0-2]|0?[1-9])月(?P<{p}d>3[01]|[12]\d|0?[1-9])[日号]"
# words after a second date that make it the end of a span (还清, 到期, 出站)
_SPAN_END = re.compile(r"(?:前|止|为止)?(?:还清|还款|归还|到期|结束|截止|出站|离站|终止|还)")
_DATE_SPAN = re.compile(_DATE.format(p="a") + r"[^。；？！;?!\d]{0,6}?" + _DATE.format(p="b"))
# the same said to the month, each end with its year ("2024年7月进站、2026年7月出站"): whole years
# when both ends fall in the same month of the year; any other gap leaves the days unsaid (is
# 2025年1月到6月 five months or six?), so it is no duration
_MONTH = r"(?P<{p}y>(?:19|20)\d\d)年(?P<{p}m>1[0-2]|0?[1-9])月(?![\d日号底初中])"
_MONTH_SPAN = re.compile(_MONTH.format(p="a") + r"[^。；？！;?!\d]{0,6}?" + _MONTH.format(p="b"))

_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("span", _DATE_SPAN),
    ("month_span", _MONTH_SPAN),
    (
        "pct",
        re.compile(
            rf"百分之(?P<cn>{_NUM})|(?P<num>{_NUM})\s*[%％]"
            # 成 = tenths (涨了一成, 两成半): a single digit, and not the first character of a word
            rf"|(?<![{_CN}\d])(?P<cheng>[一二两三四五六七八九]|[1-9](?:\.\d)?)成"
            rf"(?:(?P<half>半)|(?P<tenth>[一二三四五六七八九])(?![{_CN}\d万亿年月个人家项次]))?(?!{_CHENG_WORDS})"
        ),
    ),
    ("permille", re.compile(rf"千分之(?P<cn>{_NUM})|(?P<num>{_NUM})\s*‰")),
    # "十一二万", "七八十万", "三四百万": a sum said as a range of two neighbouring numerals — read
    # at its lower end ("十一二万" is at least 11万)
    (
        "money",
        re.compile(
            r"(?<![零〇一二两三四五六七八九十百千\d])(?P<lo>(?:[一二两三四五六七八九]?十)?[一二三四五六七八九])"
            r"(?P<hi>[二三四五六七八九])(?P<rmult>[十百千])?(?P<big>万|亿)(?P<ryuan>元|块钱|块)?"
        ),
    ),
    # money: a multiplier (万/亿) or 元 must follow the number
    (
        "money",
        re.compile(
            rf"(?P<num3>{_CN_SPLIT}[千百十])(?P<yuan3>元|块钱|块)?|(?P<num4>{_CN_SPLIT})(?P<yuan4>元|块钱|块)"
            rf"|(?P<num>{_NUM})(?P<mult>千万|百万|万|个亿|亿|[wW](?![a-zA-Z0-9]))(?P<yuan>元|块钱|块)?|(?P<num2>{_NUM})\s*(?P<yuan2>元|块钱)"
            # a currency sign or code before the digits: the figure is in yuan (¥450,000; RMB 450000)
            r"|(?:[¥￥]|RMB|CNY|人民币)\s*(?P<num5>\d+(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)(?!\d|[.,]\d|\s*(?:千万|百万|万|亿|[wW]))"
        ),
    ),
    ("duration", re.compile(rf"(?P<num>{_NUM}|半)\s*(?P<unit>个月|个半月|年半|年)(?![0-9度])")),
    (
        "count",
        re.compile(
            rf"(?P<num>{_NUM})\s*(?P<cls>人次|个人|个|名|位|人|台套|台|套|家|项|件|天|日|级|周岁|岁)"
            # "有个博士后", "有位员工": 一 left unsaid before the classifier
            rf"|(?<=[有是])(?P<one>个|位|名)(?=[^{_CN}\d，。；？！,;?!]{{2}})"
        ),
    ),
)
_UNIT_WORDS = {"万": Decimal(10**4), "百万": Decimal(10**6), "千万": Decimal(10**7), "亿": Decimal(10**8)}
_YEAR_DATE = re.compile(r"^(1[89]|20)\d\d$")
_ASKED_PERIOD = "问期"  # the unit of a period a question asks a cap over (一年最多能拿多少)
_LPR_TERM = "LPR期"  # the unit of a term that names the reference rate (一年期LPR)

# Words right before a number that make it the policy's number, not the asker's fact. Strong
# words always do ("最高25万"); weak ones ("补助100万", "100万奖励") do unless the asker says they
# received it ("又拿了运营补助100万").
_RULE_STRONG = (
    "最高",
    "最多",
    "不超过",
    "不高于",
    "上限",
    "封顶",
    "顶格",
    "每满",
    "最长",
    "补足至",
    "提高至",
    "提高到",
    "标准为",
    # a claimed outcome, not a fact: "一年最多能拿2000万对吧", "是不是能拿600万"
    "能拿",
    "能领",
    "能得",
    "可以拿",
    "可拿",
    "能获得",
    "可获得",
    "能补",
    "可以补",
)
_RULE_WEAK = (
    "补助",
    "补贴",
    "奖励",
    "资助",
    "给予",
    "给",
    "补",
    "奖",
    "按照",
    "按",
    "每人每年",
    "每年每家",
    "单家企业",
    "单户",
)
# Words right after a number that make it the policy's number ("30%的补贴", "15万/人/年").
_RULE_AFTER = (
    "的补助",
    "的补贴",
    "的奖励",
    "的资助",
    "补助",
    "补贴",
    "奖励",
    "资助",
    "/人",
    "每人",
    "封顶",
    "以内部分",
)
# Words after "按X" that make X the asker's assumption for the sum ("LPR按3.0%算").
_NAMED_REFERENCE = re.compile(r"(LPR|lpr|报价利率|利率|费率)(是|为)?按照?$")
_ASSUMED_AFTER = ("算", "计算", "来算", "计", "估算", "考虑")
# Words earlier in the same clause that make a number a fact: the asker got or paid it.
_FACT_WORDS = (
    "已获得",
    "已经获得",
    "已获",
    "获得了",
    "拿到了",
    "拿到",
    "已拿",
    "拿了",
    "已领",
    "领了",
    "已收到",
    "收到",
    "得到了",
)


@dataclass(frozen=True, slots=True)
class Mention:
    """A quantity found in a question."""

    kind: str  # money / pct / permille / duration / count
    value: Decimal  # money in 万元, pct in %, permille in ‰, duration in months, count as is
    start: int
    end: int
    text: str
    unit: str = ""  # the classifier of a count (台, 家, 人, 人次, 天, 级 …)
    rule_like: bool = False


def find_mentions(question: str) -> list[Mention]:
    """Every quantity in the question, in order, with the policy's own numbers marked ``rule_like``."""
    text = question.translate(_FULLWIDTH)
    taken = [False] * len(text)
    found: list[Mention] = []
    for kind, pattern in _PATTERNS:
        for m in pattern.finditer(text):
            if any(taken[m.start() : m.end()]):
                continue
            mention = _mention(kind, m, text)
            if mention is None:
                continue
            for i in range(m.start(), m.end()):
                taken[i] = True
            found.append(mention)
    found.sort(key=lambda x: x.start)
    return found


def _span_months(m: re.Match[str]) -> Decimal | None:
    """Whole months from the first date to the second, the last day counted or not ("1月1日到6月30日"
    and "1月10日借、7月10日还" are both six months); None when the span is not whole months, so a
    part month is never rounded into an amount."""
    # a year said at one end only stands for both (3月1日到2027年3月1日); none said: any common year
    year = int(m.group("ay") or m.group("by") or 2001)
    gap = m.string[m.end("ad") : m.start("by") if m.group("by") else m.start("bm")]
    if re.search(r"[，,]", gap) and not _SPAN_END.match(m.string[m.end() : m.end() + 6]):
        return None  # two dates in two clauses ("1月1日成立，7月1日申请") are no span unless the second ends one
    try:
        start = date(year, int(m.group("am")), int(m.group("ad")))
        end = date(int(m.group("by") or year), int(m.group("bm")), int(m.group("bd")))
        if end <= start and not m.group("by"):
            end = end.replace(year=end.year + 1)
        elif end <= start and not m.group("ay"):  # 3月1日到2027年3月1日: the start is the year before
            start = start.replace(year=start.year - 1)
    except ValueError:
        return None
    if end <= start:
        return None
    for last in (end, end + timedelta(days=1)):
        gap = relativedelta(last, start)
        if gap.days == 0 and (gap.years or gap.months):
            return Decimal(gap.years * 12 + gap.months)
    return None


def _month_span_months(m: re.Match[str]) -> Decimal | None:
    """Whole years between two months of named years ("2024年7月…2026年7月" is 24 months); None
    unless both fall in the same month of the year and the second is later."""
    years = int(m.group("by")) - int(m.group("ay"))
    if int(m.group("am")) != int(m.group("bm")) or years <= 0:
        return None
    return Decimal(years * 12)


def _mention(kind: str, m: re.Match[str], text: str) -> Mention | None:
    if kind in ("span", "month_span"):
        months = _span_months(m) if kind == "span" else _month_span_months(m)
        return None if months is None else Mention("duration", months, m.start(), m.end(), m.group())
    try:
        if kind == "pct" and m.group("cheng") is not None:
            # 一成 = 10%, 三成半 = 35%
            # 三成五 = 35% (the tenth of a 成 said after it)
            tenth = parse_cn_number(m.group("tenth")) if m.group("tenth") else (Decimal(5) if m.group("half") else Decimal(0))
            value = parse_cn_number(m.group("cheng")) * 10 + tenth
            unit = ""
        elif kind in ("pct", "permille"):
            value = parse_cn_number(m.group("cn") or m.group("num"))
            unit = ""
        elif kind == "money":
            groups = m.groupdict()
            split = groups.get("num3") or groups.get("num4")
            if groups.get("lo") is not None:
                lo, hi = m.group("lo"), m.group("hi")
                if parse_cn_number(hi) != parse_cn_number(lo[-1]) + 1:
                    return None  # not two neighbouring numerals (三九万 is no range)
                value = parse_cn_number(lo + (m.group("rmult") or "") + m.group("big")) / _WAN
            elif split is not None:  # 十二万五千元: the whole figure in yuan
                value = parse_cn_number(split) / _WAN
            elif m.group("num") is not None:
                # 1个亿 = 1亿; 850w = 850万 (w is how 万 is often typed)
                mult = m.group("mult").replace("个", "").replace("w", "万").replace("W", "万")
                num = m.group("num").replace(",", "")
                if re.fullmatch(r"\d+(?:\.\d+)?", num):  # 1.2千万, 3,000万: digits times the unit word
                    value = Decimal(num) * _UNIT_WORDS[mult] / _WAN
                else:
                    value = parse_cn_number(m.group("num") + mult) / _WAN
            elif m.group("num5") is not None:
                value = Decimal(m.group("num5").replace(",", "")) / _WAN
            else:
                value = parse_cn_number(m.group("num2")) / _WAN
            unit = ""
        elif kind == "duration":
            num, unit = m.group("num"), m.group("unit")
            if unit == "年" and _YEAR_DATE.match(num):
                return None  # 2024年 is a date
            value = _duration_months(num + unit)
        elif m.group("one") is not None:
            unit, value = m.group("one"), Decimal(1)
        else:
            unit = m.group("cls")
            value = parse_cn_number(m.group("num"))
    except ValueError:
        return None
    before = text[max(0, m.start() - 6) : m.start()]
    after = text[m.end() : m.end() + 4]
    clause = text[max(text.rfind(p, 0, m.start()) for p in "，。；？！,;?!") + 1 : m.start()]
    # "LPR按3.0%算": the asker fixes the figure to compute with — a fact, not the policy's number
    # "LPR按3.1%": a reference figure the asker names and fixes — also a fact
    assumed = before.endswith(("按", "按照")) and (after.startswith(_ASSUMED_AFTER) or bool(_NAMED_REFERENCE.search(before)))
    weak = (before.endswith(_RULE_WEAK) and not assumed) or after.startswith(_RULE_AFTER)
    # "一年期LPR", "一年期贷款市场报价利率": the term names the reference rate; it stands for the
    # loan's term only when the question states no other
    if kind == "duration" and re.match(r"期?(?:LPR|lpr|贷款市场报价利率|市场报价利率)", text[m.end() : m.end() + 10]):
        unit = _LPR_TERM
    # "一年最多能拿多少": the period a yearly cap is asked over — a loan's term it is not; a
    # per-year rule still counts it as years
    if kind == "duration" and after.startswith(("最多", "最高")):
        unit = _ASKED_PERIOD
    rule_like = (
        before.endswith(_RULE_STRONG)
        or _in_rule_phrase(text, m.start())
        or (weak and not any(w in clause for w in _FACT_WORDS))
        or (kind == "money" and _claimed_outcome(text, m.start(), m.end()))
        or (kind == "count" and measures_asked(text, m.start(), m.end(), unit))
    )
    return Mention(kind, value, m.start(), m.end(), m.group(), unit, rule_like)


# "补助按10%是1500万？", "算下来600万吧？": the sum the asker supposes the award comes to, ending
# the question — a claim to check, not a fact to compute from
_CLAIM_BEFORE = re.compile(r"(?:是|就是|算下来|算出来|下来|得|等于|合计|一共|总共|应该是)$")
_CLAIM_AFTER = re.compile(r"^(?:元|块钱)?(?:左右)?(?:(?:吗|么|吧|呢|对吧|对吗|对不对|是吧|没错吧|不)[？?]*|[？?]+)$")


_CLAIM_WORDS = re.compile(r"补|奖|贴|资助|拿|领|给|按|算|[%％]|[一二两三四五六七八九\d]成")


def _claimed_outcome(text: str, start: int, end: int) -> bool:
    """The figure ends the question after "是/算下来", in words about the award (补助按10%是…)."""
    rest = re.split(r"[。；！!;]", text[end:])[0]
    clause = text[max(text.rfind(p, 0, start) for p in _DELIMS) + 1 : start]
    return (
        bool(_CLAIM_BEFORE.search(text[max(0, start - 4) : start]))
        and bool(_CLAIM_AFTER.match(rest.strip()))
        and bool(_CLAIM_WORDS.search(clause))
    )


# "这两项一共", "两项补助合计", "两个加起来": the count of the measures asked about, not of items
_TOTAL_AFTER = re.compile(r"^(?:补助|补贴|奖励|资助|政策|奖补|措施)?(?:一共|合计|加起来|总共|共计|加一起|加在一起|合起来|叠加|能不能)")


def measures_asked(text: str, start: int, end: int, unit: str) -> bool:
    return unit in ("项", "个") and (text[max(0, start - 1) : start] in ("这", "那") or bool(_TOTAL_AFTER.match(text[end:])))


def _in_rule_phrase(text: str, start: int) -> bool:
    """Inside "每满200万元补助100万元": after 每满 and before the next punctuation, both numbers are rules."""
    clause_start = max(text.rfind(p, 0, start) for p in "，。；？！,;?!") + 1
    head = text[clause_start:start]
    return "每满" in head


# ---------------------------------------------------------------- extraction for one rule

_KIND_TYPES = {
    "money": ("money", "money_list"),
    "pct": ("pct", "permille"),  # 费率1.2% is 12‰
    "permille": ("permille", "pct"),
    "duration": ("months", "years"),
    "count": ("count", "level"),
}
# a list's separator, with the hedge people put before an item (三成五、正好三成、大约两成半)
_LIST_GLUE = re.compile(r"^(?:[\s、，,和及与以及]*|[\s、，,和及与以及]+(?:正好|刚好|恰好|大约|大概|约|差不多|只有|仅有?|是|为))$")
_DELIMS = "，。；？！,;?!"


def extract_params(question: str, rule: Rule, *, foreign: Sequence[str] = ()) -> tuple[dict[str, object], tuple[str, ...]]:
    """The inputs ``rule`` needs, read from ``question``, and the Chinese names of those still missing.

    Only facts are taken: the policy's own numbers quoted in the question are skipped, and an
    input the question does not state is reported missing rather than guessed. ``foreign`` are
    the cue words of other awards the same question asks about ("数字化改造花了60万，管理咨询花了
    40万"): a figure in a sentence naming another award and not this one is that award's.
    """

    values, _ = _extract(question, rule, foreign)
    return values, rule.missing(derive(values))


def cued_inputs(question: str, rule: Rule) -> tuple[str, ...]:
    """The inputs of ``rule`` the question states with the words that name them ("利息12万",
    "研发费用600万") — not those filled only because a figure was left over — and its tier."""
    return _extract(question, rule)[1]


def _extract(question: str, rule: Rule, foreign: Sequence[str] = ()) -> tuple[dict[str, object], tuple[str, ...]]:
    wanted = rule.wanted_inputs()
    specs = {name: rule.input_spec(name) for name in wanted}
    text = question.translate(_FULLWIDTH)
    mentions = [m for m in find_mentions(question) if not m.rule_like]
    if foreign:
        mentions = [m for i, m in enumerate(mentions) if not _belongs_elsewhere(text, mentions, i, foreign, rule.cues)]
    assigned: dict[int, str] = {}  # mention index -> input name
    values: dict[str, object] = {}

    item_attrs = [a for a in rule.item_attributes()]
    scalar_names = [n for n in wanted if n not in ("items", "amounts_wan", "tier")]
    # 1. cue words decide; a list glued by 、/和 inherits the previous mention's input
    prev: tuple[int, str] | None = None
    for i, m in enumerate(mentions):
        candidates = [n for n in scalar_names + item_attrs if specs_or_item(specs, n).type in _KIND_TYPES[m.kind]]
        if m.kind == "count":
            candidates = [n for n in candidates if _count_fits(specs_or_item(specs, n), m)]
        if m.unit == _ASKED_PERIOD:
            candidates = [n for n in candidates if specs_or_item(specs, n).type == "years"]
        name = None
        if prev is not None and _LIST_GLUE.match(text[mentions[prev[0]].end : m.start]) and prev[1] in candidates:
            name = prev[1] if prev[1] in item_attrs or prev[1] == "amounts_wan" else None
        if name is None:
            name = _best_by_cue(text, mentions, i, candidates, specs, assigned)
        if name is not None:
            assigned[i] = name
            prev = (i, name)
        else:
            prev = None
    cued = set(assigned.values())
    # 2. a single input of a kind still unfilled takes the single unassigned mention of that kind
    for kind, types in _KIND_TYPES.items():
        free = [i for i, m in enumerate(mentions) if m.kind == kind and i not in assigned]
        if len(free) > 1:  # 都是一年期…一年期LPR: the loan's term, not the reference rate's
            free = [i for i in free if mentions[i].unit != _LPR_TERM]
        free = [i for i in free if mentions[i].unit != _ASKED_PERIOD or any(specs[n].type == "years" for n in scalar_names)]
        if len(free) > 1 and len({(mentions[i].value, mentions[i].unit) for i in free}) == 1:
            free = free[:1]  # the same figure said twice (一年期…一年能享受多少): one fact
        # a level (级) is told apart by its classifier, so a lone one fills the rule's level input
        open_ = [n for n in scalar_names if specs[n].type in types and n not in assigned.values()]
        open_ = [n for n in open_ if n not in _NEVER_BY_DEFAULT]
        if kind == "count":
            open_ = [n for n in open_ if all(_count_fits(specs[n], mentions[i]) for i in free)]
        if len(free) == 1 and len(open_) == 1:
            assigned[free[0]] = open_[0]
    # 3. values
    for i, name in sorted(assigned.items()):
        if name in item_attrs:
            continue
        m = mentions[i]
        if name in values:
            continue  # the first statement of a fact wins
        values[name] = _convert(specs[name], m)
    _bare_yuan(text, specs, values, cued)
    if "amounts_wan" in wanted:
        amounts = tuple(m.value for m in mentions if m.kind == "money")
        if amounts:
            values["amounts_wan"] = amounts
    if item_attrs:
        items = _items(mentions, assigned, item_attrs, rule)
        if items is not None:
            values["items"] = items
        count = next((m for m in mentions if m.kind == "count" and m.unit in rule.item_nouns()), None)
        if "count" in wanted and count is not None and "items" not in values:
            values["count"] = int(count.value)
            cued.add("count")  # counted by the rule's own noun (3家, 两台)
    if "tier" in wanted:
        tier = rule.match_tier(text)
        if tier is not None:
            values["tier"] = tier
    if any(a in cued for a in item_attrs) and "items" in values:
        cued.add("items")
    return values, tuple(n for n in values if n in cued or n == "tier")


_BARE = re.compile(r"(?:按|是|为|约|大概|:|：)?\s*(?P<n>\d{2,6}(?:\.\d+)?)(?![\d.%％‰万亿wW元块年月日号个人名位家项件天])")


def _bare_yuan(text: str, specs: Mapping[str, InputSpec], values: dict[str, object], cued: set[str]) -> None:
    """A bare figure right after a money input's own cue word ("最低工资按2300算"), as people say a
    wage or a price: read in 元. Only for an input still missing, and only after its cue."""
    for name, spec in specs.items():
        if spec.type != "money" or name in values:
            continue
        for cue in sorted((c for c in spec.cues if len(c) >= 2), key=len, reverse=True):
            at = text.find(cue)
            m = _BARE.match(text, at + len(cue)) if at >= 0 else None
            if m:
                values[name] = Decimal(m.group("n")) / _WAN
                cued.add(name)
                break


def _belongs_elsewhere(text: str, mentions: Sequence[Mention], i: int, foreign: Sequence[str], own: Sequence[str] = ()) -> bool:
    """The words leading to the figure (from the sentence start or the previous figure) name
    another award: "…，管理咨询花了40万" is not 数字化改造's; "两项一共花了100万" is neither's alone.
    A foreign word inside one of this rule's own cue words (设备 in 研发设备) names this rule."""
    m = mentions[i]
    lo = max(text.rfind(d, 0, m.start) for d in _DELIMS) + 1
    if i > 0:
        lo = max(lo, mentions[i - 1].end)
    window = text[lo : m.start]
    for word in sorted(own, key=len, reverse=True):
        window = window.replace(word, "\0")
    return any(c in window for c in foreign)


# An input only a cue word may fill: guessing them from position would put a number in the wrong place.
_NEVER_BY_DEFAULT = {
    "loan_ceiling_wan",
    "received_wan",
    "prior_wan",
    "last_wan",
    "lpr_pct",
    "revenue_last_wan",
    "annual_tax_wan",
    "growth_pct",
}


# inputs that are awards already received: a figure is one only when the words say it was received
_RECEIVED = ("prior_wan", "received_wan")
_RECEIVING = re.compile(r"获|拿|领|收到|到账|补助|补贴|奖励|资助|支持|兑现|给了")

_PERSON_UNITS = ("人", "名", "位", "个人")
_AGE_UNITS = ("岁", "周岁")


def specs_or_item(specs: Mapping[str, InputSpec], name: str) -> InputSpec:
    return specs.get(name) or INPUTS[name]


def _count_fits(spec: InputSpec, m: Mention) -> bool:
    if spec.name.startswith("age_") or m.unit in _AGE_UNITS:  # 57岁 is an age, and an age is said in 岁
        return spec.name.startswith("age_") and m.unit in _AGE_UNITS
    if spec.type == "level":
        return m.unit == "级"
    if m.unit == "级":
        return False
    if spec.name == "days":
        return m.unit in ("天", "日")
    if spec.name == "person_times":
        # 5个人培训3天 is 5人次 each day: people count as person-times of a per-day rate
        return m.unit in ("人次", *_PERSON_UNITS)
    if spec.name == "persons":
        return m.unit in (*_PERSON_UNITS, "个")
    return m.unit not in ("天", "日", "人次")


def _best_by_cue(
    text: str,
    mentions: Sequence[Mention],
    i: int,
    candidates: Sequence[str],
    specs: Mapping[str, InputSpec],
    assigned: Mapping[int, str],
) -> str | None:
    """The candidate whose cue word stands closest before the mention (after it, for counts)."""
    m = mentions[i]
    lo = max(text.rfind(d, 0, m.start) for d in _DELIMS) + 1
    if i > 0:
        lo = max(lo, mentions[i - 1].end)
    window = text[lo : m.start]
    if len(window) < 2:  # "贷款1000万，利率4%": the cue may stand before a short gap
        window = text[max(0, m.start - 8) : m.start]
    after = text[m.end : m.end + 6]
    best: tuple[int, int, str] | None = None
    for name in candidates:
        spec = specs_or_item(specs, name)
        if name in _RECEIVED and not _RECEIVING.search(window):
            continue  # "买设备累计8000万" is what was spent, not an award received
        for cue in _with_stems(spec.cues):
            pos = window.rfind(cue)
            score: tuple[int, int] | None = None
            if pos >= 0:
                score = (len(cue), pos + len(cue))  # longer, then closer cues win
            elif m.kind == "count" and m.unit and m.unit == cue:
                score = (len(cue), 200)
            elif m.kind == "count" and after.startswith(cue):
                score = (len(cue), 100)
            elif m.kind == "count" and cue in after[:4]:
                score = (len(cue), 50)
            if score is not None and (best is None or score > best[:2]):
                best = (score[0], score[1], name)
    if best is None and m.kind != "count":
        best = _cue_after(text, mentions, i, candidates, specs)
    if best is None and m.kind != "count":
        best = _cue_in_clause_before(text, mentions, i, lo, candidates, specs)
    if best is None:
        return None
    name = best[2]
    # which year a figure belongs to is said by the time word, not by the subject word
    if name in ("current_wan", "last_wan") and "current_wan" in candidates and "last_wan" in candidates:
        if any(w in window for w in specs_or_item(specs, "last_wan").cues):
            name = "last_wan"
        elif any(w in window for w in ("今年", "本年", "当年", "本年度", "今年度")):
            name = "current_wan"
    return name


_SENTENCE_END = "。；？！;?!"


def _cue_in_clause_before(
    text: str, mentions: Sequence[Mention], i: int, lo: int, candidates: Sequence[str], specs: Mapping[str, InputSpec]
) -> tuple[int, int, str] | None:
    """A cue in the comma-clause before the figure's own, when that clause states no figure of its
    own and the figure's clause names nothing ("研发费用卡得很准，正好200万"): the fact's name is said
    once and its figure follows after a remark. A sentence's end is never crossed."""
    if lo < 1 or text[lo - 1] in _SENTENCE_END:
        return None
    start = max(text.rfind(d, 0, lo - 1) for d in _DELIMS) + 1
    if any(start <= other.start < lo for other in mentions[:i]):
        return None
    window = text[start : lo - 1]
    best: tuple[int, int, str] | None = None
    for name in candidates:
        if name in _RECEIVED:
            continue
        for cue in _with_stems(specs_or_item(specs, name).cues):
            pos = window.rfind(cue)
            if pos >= 0 and (best is None or (len(cue), pos + len(cue)) > best[:2]):
                best = (len(cue), pos + len(cue), name)
    return best


# the word for a sum at the end of a cue: 交易额, 交易款 and 交易金额 name the same sum
_SUM_SUFFIX = re.compile(r"(?:金额|额|款|费|金)$")


def _with_stems(cues: Sequence[str]) -> tuple[str, ...]:
    """The cue words, and the stem of each that ends in a word for a sum (技术交易额 → 技术交易)."""
    stems = [_SUM_SUFFIX.sub("", c) for c in cues if len(_SUM_SUFFIX.sub("", c)) >= 3]
    return tuple(dict.fromkeys([*cues, *stems]))


def _cue_after(
    text: str, mentions: Sequence[Mention], i: int, candidates: Sequence[str], specs: Mapping[str, InputSpec]
) -> tuple[int, int, str] | None:
    """A cue written right after the figure ("付了12万利息", "40万的租金"), when none stands before it."""
    m = mentions[i]
    hi = min([text.find(d, m.end) for d in _DELIMS if d in text[m.end :]] or [len(text)])
    if i + 1 < len(mentions):
        hi = min(hi, mentions[i + 1].start)
    after = text[m.end : hi].removeprefix("的")
    best: tuple[int, int, str] | None = None
    for name in candidates:
        for cue in specs_or_item(specs, name).cues:
            if after.startswith(cue) and (best is None or len(cue) > best[0]):
                best = (len(cue), 0, name)
    return best


def _convert(spec: InputSpec, m: Mention) -> object:
    if spec.type == "money":
        return m.value
    if spec.type == "pct":
        return m.value / 10 if m.kind == "permille" else m.value
    if spec.type == "permille":
        return m.value * 10 if m.kind == "pct" else m.value
    if spec.type == "months":
        return m.value
    if spec.type == "years":
        return m.value / 12
    if spec.type in ("count", "level"):
        return int(m.value)
    return m.value  # pragma: no cover


def _items(
    mentions: Sequence[Mention], assigned: Mapping[int, str], attrs: Sequence[str], rule: Rule
) -> tuple[dict[str, object], ...] | None:
    """Build items from per-attribute lists; a single value with a count (均为40%) is repeated."""
    columns: dict[str, list[object]] = {a: [] for a in attrs}
    for i, name in sorted(assigned.items()):
        if name in columns:
            columns[name].append(_convert(INPUTS[name], mentions[i]))
    count_m = next((m for m in mentions if m.kind == "count" and m.unit in rule.item_nouns()), None)
    n = int(count_m.value) if count_m is not None else max((len(v) for v in columns.values()), default=0)
    if n == 0 or not any(columns.values()):
        return None
    rows: list[dict[str, object]] = [{} for _ in range(n)]
    for attr, col in columns.items():
        if not col:
            return None  # an attribute no item states ("原值一百多万"): the rule cannot take the items, ask
        if len(col) == 1:
            col = col * n
        if len(col) != n:
            return None  # the lists disagree with each other or with the count: ask, do not guess
        for row, v in zip(rows, col, strict=True):
            row[attr] = v
    return tuple(rows)


# ---------------------------------------------------------------- conditions settled by words

# Administrative ranks, low to high: "市级及以上孵化器" puts a 区级 one outside the rule.
_RANKS = ("区级", "县级", "市级", "省级", "国家级")
_RANK_ORDER = {"区级": 0, "县级": 0, "市级": 1, "省级": 2, "国家级": 3}
_RANK_FLOOR = re.compile(r"(区级|县级|市级|省级|国家级)(?:及|或)?以上")
# Not the first award: the asker has had it before ("去年就拿过", "今年是复核", "第二次评上").
_NOT_FIRST = re.compile(
    r"(?:去年|前年|之前|以前|早就|曾经|\d{4}年)[^，。；？！,;?!]{0,3}(?:就)?(?:拿过|拿到过|获得过|评上|评过|认定过|获评|拿了)"
    r"|复核|再次(?:获得|评上|认定)|第二次(?:获得|评上|认定)|不是(?:第一次|首次)"
)
_GREW = re.compile(
    r"(?:比|较)(?:上一?年|去年|上年度?|前一年|\d{4}年)[^，。；？！,;?!]{0,12}?(?:有|实现了?|有所)?(?:增长|增加|提高|上升|多了?)(?!率|了?多少)"
)
_FELL = re.compile(
    r"(?:比|较)(?:上一?年|去年|上年度?|前一年|\d{4}年)[^，。；？！,;?!]{0,12}?(?:少了?|下降|减少|降了|下滑|没(?:有)?增长|持平)"
)
_DENIAL_SUBJECT = re.compile(
    r"(?:不是|并非|不属于|还不是|也不是|不在"
    # not (yet) awarded the title: 还没评上小巨人, 尚未认定为高企, 没进后备库
    r"|(?:还|尚|也)?(?:没|没有|未)(?:被)?(?:评上|评为|进入?|入选|获评|认定为?|成为|拿到)"
    r")([^，。；？！,;?!\s也又而但呢吗（）()]+)"
)
_ONLY_SUBJECT = re.compile(r"(?:只是|仅是|还只是|只属于|目前是|现在是)([^，。；？！,;?!\s也又而但呢吗（）()]+)")
# what the company says it is: "我们公司是省级专精特新中小企业", "我司属于一家科技服务企业"
_IDENTITY = re.compile(
    r"(?:我们|我司|本公司|我公司|公司|单位|企业)(?:公司|单位)?(?:是|属于)(?:一家|一个|家)?([^，。；？！,;?!\s也又而但呢吗（）()]+)"
)
# what an "only" names must be a kind of company or body, not "只是想问问"
_BODY = re.compile(r"(企业|单位|机构|公司|孵化器|平台|基地|实验室|中心|高校|院所)$")
# a list or register the company is not in: 小巨人后备库里 → 小巨人后备
_REGISTER = re.compile(r"(?:库|名单|目录|名录)?(?:里面|里|中|内|了)?$")


def _bare(word: str) -> str:
    return re.sub(r"[“”\"'‘’「」『』\s]", "", word)


def _subject_denied(subject: str, denied: Sequence[str]) -> bool:
    """A subject the question says it is not: "不是小巨人也不是后备" denies both 专精特新“小巨人”企业
    (ends in 小巨人) and 专精特新“小巨人”后备企业 (ends in 后备), never one by the other's name."""
    core = re.sub(r"(企业|单位|机构)$", "", _bare(subject))
    for d in denied:
        d = re.sub(r"(企业|单位|机构)$", "", _REGISTER.sub("", _bare(d)))
        if d and (core == d or core.endswith(d) or d.endswith(core) or d.startswith(core)):
            return True
        if len(d) == len(core) >= 4 and sum(a != b for a, b in zip(d, core, strict=True)) == 1:
            return True  # one character mistyped (专精特心 for 专精特新)
    return False


def _affirmed(subject: str, text: str) -> bool:
    """The text says the company is the subject (小巨人 in "要是我们是小巨人呢"), not that it is not."""
    denied = [m.group(1) for m in _DENIAL_SUBJECT.finditer(text)]
    return _bare(subject) in text and not _subject_denied(subject, denied)


# a graded assessment, low to high: 考评优良的 puts a 合格 outside the rule
_GRADES = {"不合格": 0, "基本合格": 1, "合格": 2, "良好": 3, "优良": 3, "优秀": 4}
_GRADE = "不合格|基本合格|合格|良好|优良|优秀"
_GRADE_NEEDED = re.compile(rf"(?:考评|考核|评估|评价|评定)(?:结果)?(?:为|达到|是)?({_GRADE})")
_GRADE_SAID = re.compile(rf"(?:考评|考核|评估|评价|评定|结果|评了?|拿了?|只拿了?|得了?|是)[^，。；？！,;?!]{{0,6}}?({_GRADE})")
_RANK_NOUN = re.compile(r"(区级|县级|市级|省级|国家级)([^，。；、的（(\d]{2,8})")


def _rank_or_grade_below(text: str, wording: str, rule: Rule, has_floor: bool) -> list[str]:
    """A rank or grade the question states below the one the rule names for the same thing: a
    市级 中试基地 where the text says 省级中试基地; 考评合格 where it says 考评优良的."""
    out: list[str] = []
    needed = _GRADE_NEEDED.search(wording)
    said = _GRADE_SAID.search(text) if needed is not None else None
    if needed is not None and said is not None and _GRADES[said.group(1)] < _GRADES[needed.group(1)]:
        out.append(f"您说明{said.group(0)}，本项要求{needed.group(0)}（原文：{rule.source_span}）")
    if has_floor:
        return out  # "X级及以上" is read by the floor rule
    named = list(_RANK_NOUN.finditer(wording))
    if not named:
        return out
    lowest = min(_RANK_ORDER[m.group(1)] for m in named)
    for m in named:
        noun = m.group(2)[-2:]
        q = re.search(rf"(区级|县级|市级|省级|国家级)[^，。；？！,;?!]{{0,4}}{re.escape(noun)}", text) or re.search(
            rf"{re.escape(noun)}[^，。；？！,;?!]{{0,3}}(区级|县级|市级|省级|国家级)", text
        )
        if q is not None and _RANK_ORDER[q.group(1)] < lowest:
            out.append(f"您说明{q.group(0)}，本项适用于{m.group(0)}（原文：{rule.source_span}）")
            break
    return out


def stated_conditions(question: str, rule: Rule, focus: str = "") -> tuple[tuple[str, ...], frozenset[str]]:
    """What the question's own words settle under ``rule``: the conditions they fail, each quoting
    the rule's words, and the comparisons they satisfy without the figures ("比上一年有增长"
    satisfies 较上年实现增长 as ``{"last_wan"}``).

    Fails: every subject the rule applies to denied ("不是小巨人也不是后备企业"); a lower
    administrative rank than the rule's "X级及以上" for its subject ("区级孵化器"); an award the text
    gives on the first time only ("首次获得") when the asker had it before ("去年就拿过", "复核");
    a decrease where the rule requires growth ("比2024年的850万少了"). ``focus`` is a follow-up's
    own words: a subject it affirms ("要是我们是小巨人呢") outweighs an earlier denial.
    """
    text = _bare(question.translate(_FULLWIDTH))
    own = _bare(focus.translate(_FULLWIDTH))
    failures: list[str] = []
    holds: set[str] = set()
    subjects = [s for s in rule.applies_to if _bare(s)]
    denied = [m.group(1) for m in _DENIAL_SUBJECT.finditer(text)]
    if subjects and denied and all(_subject_denied(s, denied) for s in subjects) and not any(_affirmed(s, own) for s in subjects):
        said = "、".join(dict.fromkeys(_REGISTER.sub("", m.group(0)) for m in _DENIAL_SUBJECT.finditer(text)))
        failures.append(f"您说明{said}，本项适用于{'或'.join(subjects)}")
    elif subjects and not any(_affirmed(s, own) for s in subjects):
        # "目前只是专精特新中小企业": the company says what it is, and it is none of the subjects
        only = [m.group(1) for m in _ONLY_SUBJECT.finditer(text) if _BODY.search(m.group(1))]
        if only and not any(_subject_denied(s, only) or _bare(s) in text.replace(o, "") for s in subjects for o in only):
            failures.append(f"您说明只是{'、'.join(only)}，本项适用于{'或'.join(subjects)}")
        elif denied and any(_subject_denied(s, denied) for s in subjects):
            # "我们公司是省级专精特新中小企业，还没进小巨人后备库": one subject denied, and what the
            # company says it is is none of the others
            identity = [m.group(1) for m in _IDENTITY.finditer(text) if _BODY.search(m.group(1))]
            if identity and not any(_subject_denied(s, identity) or _bare(s) in text.replace(o, "") for s in subjects for o in identity):
                failures.append(f"您说明是{'、'.join(identity)}，本项适用于{'或'.join(subjects)}")
    wording = " ".join((rule.title, rule.source_span, *rule.qualifications))
    floor = _RANK_FLOOR.search(_bare(wording))
    if floor is not None:
        nouns = [re.sub(r"(企业|单位|机构)$", "", _bare(s)) or _bare(s) for s in subjects] or [""]
        for noun in nouns:
            m = re.search(rf"(区级|县级|市级|省级|国家级)[^，。；？！,;?!]{{0,2}}{re.escape(noun)}", text) if noun else None
            if m and _RANK_ORDER[m.group(1)] < _RANK_ORDER[floor.group(1)]:
                failures.append(f"{m.group(0)}不属于{floor.group(0)}（原文：{rule.source_span}）")
                break
    failures += _rank_or_grade_below(text, _bare(wording), rule, floor is not None)
    if "首次" in wording:
        m = _NOT_FIRST.search(text)
        if m is not None:
            first = next((q for q in rule.qualifications if "首次" in q), rule.source_span)
            failures.append(f"您说明“{m.group(0)}”，不是首次获得（原文：{first}）")
    growth = [
        c for c in rule.conditions if c.than == "last_wan" or (c.input == "growth_pct" and c.value is not None and c.value.value <= 0)
    ]
    if growth:
        fell, grew = _FELL.search(text), _GREW.search(text)
        if fell is not None:
            failures.append(f"您说明“{fell.group(0)}”，不满足“{growth[0].word}”")
        elif grew is not None:
            holds.add("last_wan")
    return tuple(failures), frozenset(holds)


def stated_ceilings(question: str, rule: Rule, focus: str = "") -> dict[str, object]:
    """The measure's ceiling on the loan the question names, for the company it says it is
    ("小巨人…固定资产投资贷款" → 10亿元; "还不是小巨人…研发创新贷款" → 5000万元); empty when the rule
    sets none or the question does not name the loan. A follow-up's own words (``focus``) say
    whom it is about when they name a subject ("要是我们是小巨人呢")."""
    ceiling_for = getattr(rule, "ceiling_for", None)
    if ceiling_for is None:
        return {}
    text = _bare(question.translate(_FULLWIDTH))
    own = _bare(focus.translate(_FULLWIDTH))

    def holds(subject: str) -> bool:
        return _affirmed(subject, own) if _bare(subject) in own else _affirmed(subject, text)

    ceiling = ceiling_for(text, holds)
    return {} if ceiling is None else {"loan_ceiling_wan": ceiling.amount.wan}
