"""Question understanding: the region a question names, its intent, follow-ups, injections.

Each function is small, deterministic and testable alone; the chain strings them together.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

__all__ = [
    "Understanding",
    "expand_abbreviations",
    "split_question",
    "detect_regions",
    "detect_region",
    "detect_intent",
    "strip_injections",
    "condense",
    "understand",
    "place_words",
    "place_parts",
    "city_names",
    "issuer_named",
]

# Places come from the administrative divisions the corpus reads (cpca's data, see
# ``corpus.structure.region``): every province, city and county by its full name (苏州市, 湖里区),
# a province or city also by its short name (苏州, 广西) and a county by its short name only where
# the text names its city too or jieba reads the word as a place (ns/nz). A document of region R
# applies to a question about region Q when Q starts with R (a provincial policy covers its cities).
# Zones and nicknames the division data lacks, that the documents here use:
_ZONES: tuple[tuple[str, str], ...] = (
    *((name, "福建省厦门市") for name in ("火炬高新区", "火炬园", "厦门自贸", "鹭岛")),
    ("鲁", "山东省"),
)
# "鲁" alone is too short to trust inside other words; only as a prefix of a policy brand (鲁科贷).
_SHORT_ALIASES = {"鲁"}
# What a full division name ends on, to give its short name (广西壮族自治区 → 广西, 延边朝鲜族自治州 → 延边)
_DIVISION_SUFFIX = re.compile(r"(?:(?:[\u4e00-\u9fff]{1,4}?族)+)?(?:自治区|自治州|自治县|特别行政区|地区|省|市|盟|区|县)$")
# Words jieba reads as places that name all of China or no place at all
_NOT_A_PLACE = re.compile(r"^(中国|中华|全国|国内|境内|我国|本地|当地|本市|本省|本区|外地|异地|新区|园区|市区|城区|省内|市内|区内)$")
# A development zone the data lacks: 两江新区, 雄安新区 (a word of its own before the zone word)
_ZONE_WORD = re.compile(r"(?:新区|开发区|高新区|经开区|高新技术产业开发区|经济技术开发区|自贸区|自贸片区|保税区|综合保税区)")
_GENERIC_BEFORE_ZONE = re.compile(r"^(国家级|省级|市级|区级|本地|当地|高新|经济|技术|综合|产业|工业|这个|那个|我们|所在|哪个)$")


@dataclass(frozen=True, slots=True)
class _Place:
    word: str
    region: str  # province + city + county, as the corpus names a document's region
    level: int  # 0 province, 1 city, 2 county, 3 a zone the data lacks
    short: bool  # a short name (苏州 for 苏州市)
    parent_words: tuple[str, ...] = ()  # the names of the county's city and province, full and short


def _short_name(name: str) -> str:
    short = _DIVISION_SUFFIX.sub("", name)
    return short if len(short) >= 2 and short != name else ""


@lru_cache(maxsize=1)
def _places() -> dict[str, tuple[_Place, ...]]:
    """Every place word → the places it may name."""
    from corpus.structure.region import divisions, full_name

    out: dict[str, list[_Place]] = {}
    by_code = {d.code: d for ds in divisions().values() for d in ds}
    for name, ds in divisions().items():
        for d in ds:
            region = full_name(d)
            parents: list[str] = []
            for code in (d.code[:2] + "0" * 10, d.code[:4] + "0" * 8)[: d.level]:
                if (x := by_code.get(code)) is not None:
                    parents += [x.name, _short_name(x.name)]
            parent_words = tuple(w for w in parents if w)
            if len(name) >= 2:
                out.setdefault(name, []).append(_Place(name, region, d.level, False, parent_words))
            if short := _short_name(name):
                out.setdefault(short, []).append(_Place(short, region, d.level, True, parent_words))
    for word, region in _ZONES:
        out.setdefault(word, []).append(_Place(word, region, 3, False))
    return {k: tuple(v) for k, v in out.items()}


@lru_cache(maxsize=1)
def _levels() -> dict[str, int]:
    return {p.region: p.level for ps in _places().values() for p in ps if p.level < 3}


def _depth(region: str) -> int:
    """1 a province, 2 a city, 3 a county; 0 a place the division data lacks."""
    level = _levels().get(region)
    return 0 if level is None else level + 1


@lru_cache(maxsize=1)
def _place_pattern() -> re.Pattern[str]:
    return re.compile("|".join(re.escape(w) for w in sorted(_places(), key=len, reverse=True)))


def place_parts(region: str) -> tuple[str, str]:
    """(city, district) of a canonical region, the city by its short name: 福建省厦门市湖里区 →
    (厦门, 湖里区); 福建省厦门市 → (厦门, ""); a municipality is its own city (北京市朝阳区 → 北京)."""
    from corpus.structure.region import divisions, full_name

    city, district = "", ""
    for name, ds in divisions().items():
        for d in ds:
            full = full_name(d)
            if not region.startswith(full):
                continue
            if d.level == 1 or (d.level == 0 and name.endswith("市") and not city):
                city = _short_name(name) or name
            elif d.level == 2 and full == region:
                district = name
    return city, district


def city_names(regions: set[str]) -> list[str]:
    """The short name of every province and city (厦门, 山东, 济南 …) within ``regions``, the
    regions' own places first (厦门 for 福建省厦门市), then in the order of the division codes."""
    from corpus.structure.region import divisions, full_name

    found = sorted(
        (full_name(d) not in regions, d.code, _short_name(name) or name)
        for name, ds in divisions().items()
        for d in ds
        if d.level <= 1 and any(full_name(d).startswith(r) for r in regions)
    )
    return list(dict.fromkeys(w for *_, w in found))


def place_words() -> frozenset[str]:
    """Every word that names a place of China (full and short division names, known zones)."""
    return frozenset(_places())


def _tokens(text: str) -> list[tuple[int, int, str, str]]:
    import jieba.posseg

    out, pos = [], 0
    for t in jieba.posseg.cut(text):
        out.append((pos, pos + len(t.word), t.word, t.flag))
        pos += len(t.word)
    return out


# jieba's ns alone is no proof (东西, 厦大, a split like 评上|国高企): a word the data lacks is a place
# only where the text uses it as one, after a word of location or movement or before a word of
# what is located there
_LOCATED_BEFORE = re.compile(r"(在|去|到|赴|前往|落户|位于|迁往|迁到|搬到|搬去|来自)$")
_LOCATED_AFTER = re.compile(r"^(的)?(企业|公司|工厂|厂|分公司|子公司|园区|政策|那边|这边|当地|本地|地区|市场|办事处|基地|总部)")


def _placed(text: str, start: int, end: int) -> bool:
    return _LOCATED_BEFORE.search(text[max(0, start - 2) : start]) is not None or _LOCATED_AFTER.match(text[end:]) is not None


def _whole_word(text: str, pos: int, end: int, tokens: list[tuple[int, int, str, str]]) -> bool:
    """The text's words split at both ends of text[pos:end], the word it lies in is made of place
    names only (福建厦门, 山东济南) or is a place word it starts (苏州工业园区): 三明 inside 三明治
    is no word of its own."""
    inside = [(a, b, f) for a, b, _, f in tokens if a < end and pos < b]
    if inside and inside[0][0] == pos and inside[-1][1] == end:
        return True
    a, b = inside[0][0], inside[-1][1]
    if len(inside) == 1 and a == pos and inside[0][2] == "ns":
        return True  # 苏州工业园区: a place word that starts with the name is a place within it
    at = a
    while at < b:
        m = _place_pattern().match(text, at)
        if m is None or m.end() > b:
            return False
        at = m.end()
    return True


def _places_in(text: str) -> list[tuple[int, str, str]]:
    """Every place a text names, as (position, canonical region, word): division names from the
    data, longest first; a short name only as a whole word of the text (三明 inside 三明治 is none);
    a county's short name only beside its city or province or read as a place by jieba; a name
    several divisions share only when the text names the parent of exactly one of them. Places the
    data lacks: a word jieba reads as a place (ns), and a development zone named by a word of its
    own (两江新区), each its own region, which no document's region covers."""
    tokens = _tokens(text)
    flag_at = {(a, b): f for a, b, _, f in tokens}
    out: list[tuple[int, str, str]] = []
    taken: list[tuple[int, int]] = []
    for m in _place_pattern().finditer(text):
        word, pos, end = m.group(), m.start(), m.end()
        options = _places()[word]
        if any(p.short for p in options) and not _whole_word(text, pos, end, tokens) and word not in _SHORT_ALIASES:
            # a short name inside a longer word; a full name (…市, …区) may be glued to the next word
            options = tuple(p for p in options if not p.short)
            if not options:
                continue
        chosen = []
        for p in options:
            if p.short and p.level == 2 and not any(w in text for w in p.parent_words) and flag_at.get((pos, end)) not in ("ns", "nz"):
                continue
            chosen.append(p)
        if len(chosen) > 1:
            top = min(p.level for p in chosen)
            chosen = [p for p in chosen if p.level == top]  # 吉林: the province before the city
        if len(chosen) > 1:
            chosen = [p for p in chosen if any(w in text for w in p.parent_words)]
        if len(chosen) > 1 or (not chosen and not any(p.short for p in options)):
            taken.append((pos, end))  # 朝阳区 with no city named: a place, but not one to tell
        if len(chosen) != 1:
            continue
        out.append((pos, chosen[0].region, word))
        taken.append((pos, end))
    for a, b, w, f in tokens:
        if any(x < b and a < y for x, y in taken):
            continue
        zone = _ZONE_WORD.match(text, b)
        if zone and f[:1] in ("n", "a", "j", "s") and len(w) >= 2 and not _GENERIC_BEFORE_ZONE.match(w) and not _NOT_A_PLACE.match(w):
            word = w + zone.group()
            out.append((a, word, word))
            taken.append((a, zone.end()))
        elif f == "ns" and len(w) >= 2 and not _NOT_A_PLACE.match(w) and not _ZONE_WORD.fullmatch(w) and _placed(text, a, b):
            out.append((a, w, w))
            taken.append((a, b))
    return sorted(out)


_INTENTS: tuple[tuple[str, re.Pattern[str]], ...] = (
    # about the document's own life, not about when a measure is applied for (什么时候开始受理 is procedure)
    (
        "validity",
        re.compile(
            r"有效期|到期|过期|失效|还有效|仍然有效|是否有效|还能用|还适用|还管用|执行期|期限到|截止(日期|时间)?到"
            r"|(政策|措施|文件|规定|办法|这套|该套)[^，。？?]{0,12}(什么时候|何时|哪天|哪一天|几号)[^，。？?]{0,4}(开始|截止|结束|施行|实施|执行|生效|到期|为止)"
            r"|(什么时候|何时|哪天|哪一天|几号)(开始)?(施行|实施|执行|生效)|(施行|实施|执行|生效)(日期|时间)"
            r"|(\d{4}年|明年|后年)[^。？?]{0,16}还能(按|享受|申请|拿|用)"
            # a date of the company's own against the document's life: 12月15号…到时候还能报吗, 明年还有吗
            r"|(\d{4}年|明年|后年|\d{1,2}月(\d{1,2}[号日])?)[^。？?]{0,24}(还能|还可以|还有|还在|还算)(按|享受|申请|申报|报|拿|用|吗|不|么|效)"
            # which of several documents lasts longer: 哪个管得更久, 哪个先到期
            r"|(哪个|哪份|哪套|谁)[^，。？?]{0,6}(管得?|有效|适用|执行)?得?(更|比较)?(久|长)"
            # which ends first (a slip of the pen kept: 先道期): 哪个先到期, 谁先结束
            r"|(哪个|哪份|哪套|谁)[^，。？?]{0,4}(先|更早|早|晚)[^，。？?]{0,1}(期|结束|截止|失效|停止?)"
            r"|(分别|各自)?(到|至)(哪天|哪一天|什么时候|何时|几号)为止"
            # several documents named, each one's end asked: 这三份分别到什么时候
            r"|(份|套|个文件|项政策)[^。？?]{0,4}(分别|各自)(到|至)(哪天|哪一天|什么时候|何时|几号)"
            # whether the document still stands at a time of the asker's: 到时候那份政策还在不在, 还算在政策期内吗
            r"|(政策|措施|文件|办法)[^，。？?]{0,6}(还在不在|还在吗|还作数|还算数)|(政策|有效)期内"
            # a claim that the document's life was changed: 那份措施延期到2027年底了
            r"|(政策|措施|文件|办法)[^，。？?]{0,4}(延期|延长)(到|至)"
            # a date of the company's own, in time or not: 12月15号交材料，来得及吗
            r"|(\d{4}年|明年|后年|年底|年初|下个?月|\d{1,2}月)[^。？?]{0,30}(来得及|来不来得及|赶得上|赶不赶得上)"
        ),
    ),
    # how two measures combine: answered from the documents' own rule (就高不重复, 以本措施为准)
    (
        "overlap",
        re.compile(
            r"(交叉|重复)(的时候|时|的话|享受|支持|怎么|如何)|同时享受|叠加享受|两边都|都能拿|能否兼得|可以兼得|不一致(的时候|时|的话)?.{0,6}(听|以|按)哪|以哪个为准|听哪个"
            # whether several measures can all be had: 这两个能一起拿吗, 能两个都申请吗, 能不能叠加
            r"|(两(个|项|边|者|样|份|套|笔|头)?都|都|一起|同时|一并)(还)?(能|可以|可)?(拿|领|申请|申报|报|享受|获得|要)[^，。]{0,3}(吗|么|不|？|\?|$)"
            r"|(能|可以|可)(同时|一并|一起)(拿|领|申请|申报|报|享受|获得|要|有|走)[^，。？?]{0,3}(吗|么|不|？|\?|$)"
            # one of each side's: 能不能两边各贷一笔, 两头各拿一份
            r"|(两边|两头|两地|两份|两个文件)各(拿|领|贷|申请|申报|报|享受|要)"
            # one measure had, whether another comes with it: 享受了贴息，同时还能走另一种吗
            r"|(同时|一并)(还)?(能|可以|可)(走|拿|领|申请|申报|报|享受|获得|要|有)[^，。？?]{0,16}(吗|么|不|？|\?|$)"
            # one measure had, another asked for: 拿了首次认定奖励以后，还能申请数字化改造补助不
            r"|(拿了|拿过|获得了?|享受了?|领了|申请了)[^。？?]{0,24}(以后|之后|后)[，,]?(还能|还可以|能否再|可否再|还可)(申请|申报|拿|领|享受)"
            # two amounts or two kinds of company added up: 两边额度能加起来变4000万吗
            r"|(两边|两个|两项|两者)[^，。？?]{0,6}(能|可以)?(加起来|加在一起|合并|累加)[^，。？?]{0,8}(吗|么|不|？|\?)"
            r"|(能|可以|可)(不能|否|不可以)?(叠加|累加|兼得|重复(享受|申请|拿|领))|叠加(吗|么|不)"
            # stack or choose: 是叠加还是只能选一个, 再叠一份, 算重复吗, 能两头报吗, 二选一
            r"|叠加还是|是叠加|再叠|叠[^，。？?]{0,4}(吗|么|不)[？?]?$|只能(选|挑|拿|报|申请|申报|享受|领)(一|其中一)|二选一|择一"
            r"|(算|是)(不算)?重复|重复(吗|么|了吗)|两头(都)?(报|拿|申请|申报|领|享受)"
            # the sum of two measures asked as yes or no: 两个都符合，是加起来5000万吗
            r"|(两个|两项|两者|两边|两份|都)[^。？?]{0,12}(加起来|加在一起|相加|累加)[^，。？?]{0,10}(吗|么|[？?])"
            # one measure had, another asked for: 已经按…拿了10%的补助，现在…那个200万还能拿不
            r"|(拿了|拿过|已经?按|已经拿|获得了|享受了|领了)[^。？?]{0,60}(还能|还可以|能否再|可否再|还可)(再)?(拿|领|申请|申报|享受|报)"
        ),
    ),
    # how long, not how much: "一个人最多能领几年？" is answered from the clause, not the calculator
    ("duration", re.compile(r"几年|多少年|多久|多长时间|几个月|多少个月|期限多长|期限是多")),
    (
        "amount",
        re.compile(
            r"(能|可以?|可|再|还能)(拿|领|补|贴|奖|获得?|得到|申请到?)(到|个)?多少|(补|贴|奖|给|资助|支持|返还?)(贴|助|励|息)?(他|她|我们|我|企业|我司|我公司|公司)?多少"
            r"|(奖励|补贴|补助|资助|支持|贴息|奖补)(金额)?(能|可以|可)?有多少|多少钱|几万|金额是?多少|怎么算|如何计算|算一下|测算|能补|能拿|能领|(一共|总共|合计|加起来|共计|加一起)(是|能|可以)?(拿|补|领)?多少"
        ),
    ),
    ("cap", re.compile(r"最高|上限|最多|封顶|不超过多少|顶格")),
    # "专精特新企业有什么补贴？": what measures there are (the chain lists them when the question is broad)
    ("overview", re.compile(r"(有哪些|有什么|有啥|都有哪些|都有什么|哪些)(科技)?(政策|措施|支持|补贴|补助|奖励|扶持|优惠|奖补|资金)")),
    ("condition", re.compile(r"条件|要求|门槛|资格|符合|哪些(企业|对象|人)|谁可以|能不能|是否可以|可以申请吗|有没有")),
    (
        "procedure",
        re.compile(
            r"怎么申请|如何申请|怎么申报|如何申报|流程|找哪个部门|(哪个|哪|什么)(部门|处室|科室|窗口|单位)|向谁|材料|什么时候申报|何时申报|怎么办理|如何办理|兑现"
        ),
    ),
)

# Injected instructions: sentences that try to change the rules rather than ask about policy.
_INJECTION = re.compile(
    r"(忽略|无视|忘记|忘掉|不要(管|理会|遵守))(之前|以上|前面|上述|所有|你的)?.{0,8}(规则|指令|设定|限制|要求|提示)"
    r"|系统提示词?|system\s*prompt|prompt|提示词|你的(指令|设定|规则)"
    r"|(系统|官方|紧急|最新)通知[:：]"
    r"|你现在(是|扮演)|扮演|假装|角色扮演|开发者模式|越狱|jailbreak"
    r"|(直接|必须|一定要?)(告诉|回答|说|输出)(我)?(能|可以)?(拿|获得)?\d*|(你|您)(只需要?|只要|只能|仅需)(回复|回答|输出|说)"
    r"|(政策|补贴|补助|奖励|资助|标准|比例|上限|额度|规定|条款|文件|措施|金额)[^，。？?]{0,8}(已经?|已|被)"
    r"(调整|提高|提升|上调|下调|降低|改为|改成|变更|修改|更新|修订|取消|废止|作废)"
    r"|(最新|新版|内部)(规定|文件|政策|口径|通知|精神)[^，。？?]{0,6}(是|为|：|:)"
    r"|【[^】]{0,10}(指令|通知|命令|系统|管理员)[^】]{0,10}】|管理员(指令|命令|模式)"
    r"|(不需要|不用|无需|不要|别)(再)?(引用|给出|标注|看|查)(出处|原文|政策原文|依据|来源|文件)"
    r"|(你|您)(上一轮|刚才|之前)?说错了|正确答案(是|应该是)|直接回答(“|\"|是|否|对|不对)",
    re.IGNORECASE,
)
_FOLLOWUP_START = re.compile(r"^(那|那么|那如果|如果|要是|假如|还有|另外|再问|这个|这项|该项|上述|它|其|同样|换成|改成)")
_FOLLOWUP_SHAPE = re.compile(r"^(那|那么)?.{0,6}(呢|吗)[？?]?$")
_WHAT_ABOUT = re.compile(r"呢[？?。.！!\s]*$")
_PUNCT = re.compile(r"[\s，。！？、；：,.!?;:“”\"'（）()]+")
# a figure said to stay ("保费还是40万", "营收还是1.5亿") or pointed back at ("这800万里面"): the
# question leans on the one before it
_LEANS_ON_FIGURE = re.compile(
    r"(?:还是|仍是|仍然是|依然是|依旧是|不变[，,]?|^这|[，,]这)(?:笔)?[\d一二两三四五六七八九十百千.]+\s*(?:万|亿|元|%|‰)"
)


@dataclass(frozen=True, slots=True)
class Understanding:
    question: str  # as asked
    condensed: str  # standalone question used for retrieval
    query: str  # condensed, minus injected instructions
    region: str | None  # the region named (canonical), if any
    region_word: str | None  # the words that named it
    intent: str  # amount / cap / validity / condition / procedure / lookup
    injected: tuple[str, ...]  # the injected sentences that were ignored
    followup: bool
    own: str = ""  # a follow-up's own words (minus injections, abbreviations written out); else the query
    context: str = ""  # a follow-up's earlier question, with the figures and subject it changes replaced


# What marks the part of a question that asks (the focus), as against the part that tells who the
# company is and what it did (the background): "老板天天催我…我们去年评上专精特新，按多少比例补？"
_ASKING = re.compile(
    r"[？?吗呢]|多少|几[个年项家次]|怎么|怎样|如何|哪|什么|啥|是否|能否|可否|有没有|能不能|可不可以|会不会|算不算|请问|想问|想了解|咨询一下"
)
_PIECE = re.compile(r"[^，。；？！,;?!\n]+[，。；？！,;?!]*")


def focus_text(query: str) -> str:
    """The pieces of the question that ask something (all of it when none does)."""
    pieces = [m.group() for m in _PIECE.finditer(query)]
    asking = [p for p in pieces if _ASKING.search(p)]
    return "".join(asking) if asking else query


# How a text says a place is where someone comes from, not where the measure would apply:
# 总部在济南, 来自浙江, 我是山东人, 户口在老家, 山东籍
_ORIGIN_BEFORE = re.compile(r"(来自|老家(在|是)?|户口(还)?(在|是)|户籍(在|是)?|祖籍|籍贯(是)?|总部(在|位于|设在)|原来在|以前在|从)$")
_ORIGIN_AFTER = re.compile(r"^(人(?!民)|籍|户口|户籍|老乡|居民|同胞|人士|过来|来的)")
# A trip, not a move: 去成都开推介会, 赴上海参展 (去山东设研发中心 is a move)
_TRIP_AFTER = re.compile(r"^[^，。；？！,;?!]{0,8}?(开会|参会|参加|参展|展会|出差|拜访|考察|推介|洽谈|旅游|学习|培训|会议|路演|招商)")


def _region_mentions(text: str) -> list[tuple[int, str, str, bool]]:
    """Every place a text names as (position, canonical region, word, in the asking piece), without
    the places it names as someone's origin or as the goal of a trip."""
    focus_start = {m.start() for m in _PIECE.finditer(text) if _ASKING.search(m.group())}
    pieces = [(m.start(), m.end(), m.start() in focus_start) for m in _PIECE.finditer(text)]
    out = []
    for pos, region, word in _places_in(text):
        if word in _SHORT_ALIASES and not text.startswith(word + "科", pos):
            continue
        end = pos + len(word)
        before, after = text[max(0, pos - 4) : pos], text[end:]
        if _ORIGIN_BEFORE.search(before) or _ORIGIN_AFTER.match(after) or _DENIED_PLACE.search(before):
            continue
        if _DESTINATION.search(text[max(0, pos - 3) : pos]) and (_TRIP_AFTER.match(after) or _EVENT_AFTER.match(after)):
            continue
        asking = any(a <= pos < b and f for a, b, f in pieces)
        out.append((pos, region, word, asking))
    return out


# A place the asker rules out (不是厦门的, 并非山东): not the place asked about
_DENIED_PLACE = re.compile(r"(不是|并非|而非|除了)$")
_DESTINATION = re.compile(r"(去|到|赴|前往|飞往|出差到?|在外地如|在)$")
# An event held at a place (在成都办了个发布会, 去武汉开订货会, 到上海举办经销商大会): where the company
# goes, not where the measure applies. The verbs that hold an event and the nouns an event ends on.
_EVENT_AFTER = re.compile(r"^[^，。；？！,;?!]{0,4}?(开|办|举办|召开|主办|承办)[^，。；？！,;?!]{0,10}?(会|展|论坛|赛)(?![员长计])")
# The place named as the one whose government gives (济南市对…, 青岛市政府, 市级的那种): its own measures
_ISSUER_AFTER = r"(市|省|区|县)?(级|人民政府|政府|本级|里|对|出台|发布|的(政策|措施|文件|规定|补贴|补助|奖励|扶持))"


def issuer_named(text: str, word: str) -> bool:
    """The text names the place ``word`` as the government that gives the measure (济南市对科技服务
    企业…, 青岛市政府…, …市级的那种), not as where a company is (我们在济南的孵化器)."""
    return re.search(re.escape(word) + _ISSUER_AFTER, text) is not None or re.search(r"市级的?那种|市本级", text) is not None


def detect_region(text: str) -> tuple[str | None, str | None]:
    """The region a question is about, as (canonical region, the word found).

    A place named as someone's origin (总部在济南, 我是山东人) or as the goal of a trip (去成都开推介会)
    is not it. Of the rest, a place named where the question asks ("…能申请厦门的补助吗？") wins,
    then the more specific region, then the earlier mention.
    """
    found = _region_mentions(text)
    if not found:
        return None, None
    # a place where the company sets something up (在台湾新竹设研发中心, 在青岛设立研发中心) is where
    # the measure would be carried out: it wins over a place named only as the one that gives
    # then the more specific place (厦门 before 福建 or 山东, a place the data lacks last), then the earlier
    ranked = ((not _site(text, pos), not asking, -_depth(region), pos, region, word) for pos, region, word, asking in found)
    *_, region, word = min(ranked)
    return region, word


# 在 + the place + (another place word) + setting up: 在台湾新竹设, 在厦门火炬高新区新建, 在济南新设
_SITE_BEFORE = re.compile(r"在$")
_SITE_AFTER = re.compile(r"^[\u4e00-\u9fff]{0,8}?(设立|设置|新设|新建|设|建立|建设|落户|开设|注册)")


def _site(text: str, pos: int) -> bool:
    """The place at ``pos`` is named as where the company sets up an establishment (在X设…), not as
    the place of an event held there (在成都办了个发布会) or anyone's origin."""
    if not _SITE_BEFORE.search(text[max(0, pos - 1) : pos]):
        return False
    after = text[pos:]
    m = _SITE_AFTER.match(after[1:])
    return m is not None and not any(ch in m.group() for ch in "，。？！,?!")


_MONEY_FIGURE = re.compile(r"[\d一二两三四五六七八九十百千]+(\.\d+)?\s*(万|亿|千万|元|块)")


def answer_kind_spans(text: str) -> list[tuple[int, int]]:
    """Where the question says what kind of answer it wants (封顶多少, 到期, 哪个部门): words that
    say how it asks, not what it asks about."""
    return [m.span() for _, pattern in _INTENTS for m in pattern.finditer(text)]


# "how much" said of an award, not of years, people or times: 补贴按多少算, 支持是多少
_HOW_MUCH = re.compile(r"多少(?!年|个月|月|天|家|人|名|次|项|倍|岁|个|件|份|条)")
_MONEY_ASK = re.compile(
    r"(补贴|补助|奖励|资助|支持|贴息|奖补|费用|资金)"
    r"(?:[^，。；？！,;?!]{0,6}" + _HOW_MUCH.pattern + r"|(合计|一共|总共|共计|加起来)[呢吗？?]*$)"
)
# a yes-or-no on an amount, the company's figures stated: 能按40%补吗, 补助还有吗, 拿200万，行不行
_MONEY_YESNO = re.compile(
    r"(能|可以|可)(按|补|拿|领|享受|奖|贴)[^，。；？！,;?!]{0,10}(吗|么|不)|(补助|补贴|奖励|资助|贴息|奖补)还有(吗|么|没有)"
    # a sum supposed and put to the test: 补助按10%是1500万？, 算下来600万？
    r"|(是|就是|算下来|算出来|等于)[\d一二两三四五六七八九十百千.]+\s*(万|亿|千万)元?(左右)?(吗|么|吧|对吧|对吗)?[？?]$"
    r"|(拿|领|补)[^，。；？！,;?!]{0,10}[，,]?(行不行|能行吗|可以吗|行吗)"
    # the award asked after: 还有补助吗, 还能拿到奖励吗
    # (not 还有别的补助吗, which asks for other measures)
    r"|还(?:有|能拿到?|能享受|能领)(?:(?!别的|其他|其它|什么|哪)[^，。；？！,;?!]){0,8}(补助|补贴|奖励|资助|贴息|奖补)(吗|么|没有)"
)
# whether there is an award, and then how much if there is: 还有那个奖励吗？有的话多少
_MONEY_IF_ANY = re.compile(
    r"(补贴|补助|奖励|资助|贴息|奖补)[^。]{0,4}(吗|么|没有)[？?，,\s]*(有的话|如果有|要是有|能的话|可以的话)[^，。；？！,;?!]{0,6}"
    + _HOW_MUCH.pattern
)


def _states_money(text: str) -> bool:
    """The question states a sum of money (50万, 捌佰万元, 1.2亿)."""
    from assistant.calculator import find_mentions  # the calculator reads figures the same way

    return any(m.kind == "money" for m in find_mentions(text))


def detect_intent(text: str) -> str:
    """The first matching intent in priority order; "lookup" when nothing specific is asked."""
    hits = [name for name, pattern in _INTENTS if pattern.search(text)]
    if "duration" in hits and ("amount" in hits or "cap" in hits) and "多少" in text:
        hits.remove("duration")  # "最多能拿多少？分几年给？": the money is asked, the years come with it
    if "overlap" in hits and ("amount" in hits or "cap" in hits) and "多少" in text:
        hits.remove("overlap")  # "两边能不能各拿一份，一共多少？": the total, by the documents' overlap rule
    figure = _states_money(text)
    asks_money = _MONEY_ASK.search(text) or _MONEY_IF_ANY.search(text)
    if "amount" not in hits and (asks_money or (figure and (_HOW_MUCH.search(text) or _MONEY_YESNO.search(text)))):
        # 补贴按多少算, 有补助吗，多少, 保费50万…贴息大概多少: "how much" said of the money
        hits.insert(next((i for i, h in enumerate(hits) if h not in ("validity", "overlap", "duration")), len(hits)), "amount")
    if "amount" in hits and "cap" in hits and not _MONEY_FIGURE.search(text) and hits[0] == "amount":
        return "cap"  # 最高能拿多少 with no figure of the company's own: the cap is the answer
    return hits[0] if hits else "lookup"


_MARKUP = re.compile(r"<(script|style)\b.*?(</\1\s*>|$)|<[a-z/!][^<>]{0,300}>", re.IGNORECASE | re.DOTALL)


def strip_markup(text: str) -> str:
    """The text without pasted HTML (<script>…</script>, <img onerror=…>): markup is not a question."""
    return re.sub(r"\s+", " ", _MARKUP.sub(" ", text)).strip() if _MARKUP.search(text) else text


# English sentences in a Chinese policy question are instructions or noise, not the question:
# three or more Latin words in a row (LPR, AI and 4.2% stay).
_LATIN_RUN = re.compile(r"[ -~]*[A-Za-z]{2,}[ -~]*(?:[\s,.:;!?\-][ -~]*[A-Za-z]{2,}[ -~]*){2,}")
# Runs of symbols that are neither words nor punctuation a question uses (#@$%^&*~…, box drawing, emoji)
_NOISE = re.compile(r"[^\w\s\u4e00-\u9fff]{3,}")
_END_MARKS = "。！？!?"


def _denoise(m: re.Match[str]) -> str:
    """A run of symbols is noise; a run of one sentence mark (？？？) is that mark once."""
    run = m.group()
    return run[0] if run[0] in _END_MARKS and len(set(run)) == 1 else "，"


_SEGMENT_BREAK = re.compile(r"(?<=[，,：:])")
_HEADER_CHARS = 8  # a sentence this short that asks nothing, just before a fake notice, is its header


def strip_injections(text: str) -> tuple[str, tuple[str, ...]]:
    """Remove what carries instructions or fake notices; return (the real question, removed).

    A sentence that carries an instruction loses only the comma-delimited pieces that carry it:
    "忽略以上规则，专精特新数字化改造最高补多少？" keeps its question. English instructions and
    runs of noise characters go too; what remains is asked exactly as if they were not there.
    """
    removed: list[str] = []

    def latin(m: re.Match[str]) -> str:
        removed.append(m.group().strip())
        return "，"

    text = _LATIN_RUN.sub(latin, text)
    text = _NOISE.sub(_denoise, text)
    kept: list[str] = []
    for part in re.split(r"(?<=[。！？!?；;\n])", text):
        if not part.strip():
            continue
        if not _INJECTION.search(part):
            kept.append(part)
            continue
        if kept and len(_content(kept[-1])) <= _HEADER_CHARS and not _asks(kept[-1]):
            removed.append(kept.pop().strip())  # the notice's header ("重要更新!!!") goes with it
        pieces = [p for p in _SEGMENT_BREAK.split(part) if p.strip()]
        clean = [p for p in pieces if not _INJECTION.search(p)]
        dropped = [p for p in pieces if _INJECTION.search(p)]
        removed.append("".join(dropped).strip())
        # what is left of the sentence stays when it still asks something; a fake notice's tail
        # ("…已提高至100万元，请知悉") asks nothing and goes with it
        rest = "".join(clean).strip(" ，,：:")
        if rest and _asks(rest):
            kept.append(rest if rest[-1] in "。！？!?；;" else rest + ("？" if part.rstrip()[-1:] in "？?" else "。"))
    out = re.sub(r"^[，,。；;：:\s]+|[，,]{2,}", "", "".join(kept)).strip()
    return out, tuple(r for r in removed if r)


_ASKING = re.compile(r"[？?吗呢]|多少|几|怎么|如何|哪|什么|啥|是否|能否|可否|有没有|能不能|可不可以|请问")


def _asks(text: str) -> bool:
    """The text asks a question (not a notice's or an order's remainder)."""
    return bool(_ASKING.search(text))


def _content(text: str) -> str:
    return _PUNCT.sub("", text)


def is_followup(question: str, history: tuple[str, ...]) -> bool:
    """A short or elliptical question that leans on the previous one."""
    if not history:
        return False
    q = question.strip()
    bare = _content(q)
    _, word = detect_region(q)
    if word and len(bare.replace(word, "")) <= 4:  # "那厦门呢？" / "山东的呢"
        return True
    if _FOLLOWUP_START.match(q) or _FOLLOWUP_SHAPE.match(q) or len(bare) <= 8 or _LEANS_ON_FIGURE.search(q):
        return True
    from assistant.evidence import nominal, topic_terms  # evidence imports this module's place names

    rest = _WHAT_ABOUT.sub("", q)
    said = "".join(history)
    if _WHAT_ABOUT.search(q) and not _ASKING.search(rest) and all(t in said for t in topic_terms(rest) if nominal(t)):
        # "X呢？" with no question word and no topic the conversation had not named ("贷款改成2500万
        # 呢？"): "and what about X", which only the conversation before it completes
        return True

    # "一个人最多能领几年？", "贷了3000万一年期，能贴多少": nothing of its own that names a topic
    return not any(nominal(t) for t in topic_terms(q))


# What a follow-up inherits from the questions before it, at most (characters, the latest kept).
# A chain of follow-ups inherits from every earlier one; unbounded, ten 500-character history
# turns made a 5,500-character query that took seconds to segment.
MAX_INHERITED_CHARS = 200


def condense(question: str, history: tuple[str, ...]) -> tuple[str, bool]:
    """A standalone question: a follow-up inherits the previous topic (and its region unless it
    names another), at most ``MAX_INHERITED_CHARS`` of it."""
    parts = _followup_parts(question, history)
    if parts is None:
        return question, False
    previous, rest = parts
    return (f"{previous} {rest}" if rest else previous), True


def _followup_parts(question: str, history: tuple[str, ...]) -> tuple[str, str] | None:
    """(the earlier question as the follow-up changes it, what the follow-up adds), or None when
    the question stands alone."""
    if not is_followup(question, history):
        return None
    previous, _ = condense(history[-1], history[:-1])
    previous = previous[-MAX_INHERITED_CHARS:]
    new_region, new_word = detect_region(question)
    old_region, old_word = detect_region(previous)
    if new_word and old_word and new_region != old_region:
        previous = previous.replace(old_word, new_word)
        rest = _content(question).replace(new_word, "")
        rest = re.sub(r"^(那么?|的)|(的)?(呢|吗)$", "", rest)
        return previous, (question if rest else "")
    previous, question = _replace_facts(previous, question)
    previous = _replace_subject(previous, question)
    return previous, question


# Who a question is about: a noun phrase naming a kind of company or body, standing after a
# boundary or a copula ("我们是科技型中小企业", "那三高企业呢"); one after a denial is not it.
_SUBJECT = re.compile(
    r"(?:^|[是为对那，,。？?\s]|如果|属于|作为|换成|改成)(?P<subject>[\u4e00-\u9fff“”\"]{2,14}?(?:企业|机构|单位|孵化器|加速器))"
)
_DENIED_BEFORE = re.compile(r"(不是|并非|不属于|不算|非)$")


def _subjects(text: str) -> list[re.Match[str]]:
    return [m for m in _SUBJECT.finditer(text) if not _DENIED_BEFORE.search(text[: m.start("subject")])]


def _replace_subject(previous: str, question: str) -> str:
    """A follow-up that names another kind of company ("那科技型中小企业…呢？" after
    "专精特新企业…"): the earlier question is asked again about that kind."""
    new = _subjects(question)
    old = _subjects(previous)
    if not new or not old:
        return previous
    m = old[0]
    start = m.start("subject") + len(_lead(m.group("subject")))
    subject = new[0].group("subject")[len(_lead(new[0].group("subject"))) :]
    if len(subject) < 3 or subject in previous[start : m.end("subject")]:
        return previous
    return previous[:start] + subject + previous[m.end("subject") :]


_LEAD = re.compile(r"^.*(?:是|为|那|如果|要是|假如|我们|我司|咱们|他们|的|属于|作为)")


def _lead(phrase: str) -> str:
    """The words before the name itself ("如果我们只是" in "如果我们只是专精特新中小企业")."""
    m = _LEAD.match(phrase)
    return m.group() if m else ""


_RATES = {"pct", "permille"}


def _replace_facts(previous: str, question: str) -> tuple[str, str]:
    """A follow-up's figure replaces the earlier figure it changes ("那要是投了120万呢？" after
    "…投了60万…"): the one of the same kind (money, rate, count of the same unit) whose words
    before it are most alike, or the only one. Returns (previous with the new figures, the
    follow-up without them); figures with nothing to replace stay where they are."""
    from assistant.calculator import find_mentions  # the calculator reads figures the same way

    olds = [m for m in find_mentions(previous) if not m.rule_like]
    news = [m for m in find_mentions(question) if not m.rule_like]
    done: set[int] = set()
    for new in news:
        # a rate is a rate in % or ‰ ("费率百分之一" changed to "千分之六")
        kinds = _RATES if new.kind in _RATES else {new.kind}
        same = [m for m in olds if m.kind in kinds and m.unit == new.unit and m.start not in done]
        if not same:
            continue
        cue = set(question[max(0, new.start - 4) : new.start])
        # "如果去年研发费用只有600万呢" after "今年800万，去年700万": the year said picks the figure
        year = _year_word(question, new.start)
        if year is not None and any(_year_word(previous, m.start) == year for m in same):
            same = [m for m in same if _year_word(previous, m.start) == year]
        best = max(same, key=lambda m: (len(cue & set(previous[max(0, m.start - 4) : m.start])), -m.start))
        if len(same) > 1 and not cue & set(previous[max(0, best.start - 4) : best.start]):
            continue  # several candidates and no word to tell which: keep both figures
        done.add(best.start)
        shift = len(new.text) - len(best.text)
        previous = previous[: best.start] + new.text + previous[best.end :]
        olds = [m if m.start < best.start else _shifted(m, shift) for m in olds]
        question = question.replace(new.text, "", 1)
    return previous, question


_YEAR_WORDS = (("今年", "本年", "当年", "本年度", "今年度"), ("去年", "上年", "上一年", "上年度", "前一年"), ("前年",))


def _year_word(text: str, start: int) -> int | None:
    """Which year the words leading to a figure name (今年 / 去年 / 前年), by the nearest such word
    in the same sentence piece."""
    lo = max(text.rfind(p, 0, start) for p in "，。；？！,;?!") + 1
    window = text[lo:start]
    found = [(window.rfind(w), i) for i, words in enumerate(_YEAR_WORDS) for w in words if w in window]
    return max(found)[1] if found else None


def _shifted(m: Any, by: int) -> Any:
    return dataclasses.replace(m, start=m.start + by, end=m.end + by)


# How enterprise staff shorten the documents' words: spelled out for retrieval and coverage.
# Language, not policy: each maps a colloquial form to the term the documents print.
_ABBREVIATIONS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE), full)
    for pattern, full in (
        (r"(?<![a-z])ai(?![a-z])", "人工智能"),
        (r"(?<!国家)(?<!新)国高(?!速)", "国家高新技术企业"),
        (r"高企(?!业)", "高新技术企业"),
        (r"(?<![a-z])lpr(?![a-z])", "贷款市场报价利率"),
        (r"研发费(?!用)", "研发费用"),
        (r"信保", "信用保险"),
        (r"博后", "博士后"),
    )
)


def expand_abbreviations(text: str) -> str:
    """The text with colloquial abbreviations (AI, 高企, 信保, LPR…) written out as the documents print them."""
    for pattern, full in _ABBREVIATIONS:
        text = pattern.sub(full, text)
    return text


def understand(question: str, history: tuple[str, ...] = ()) -> Understanding:
    """Everything the chain needs to know about a question before retrieval."""
    clean_history = tuple(strip_injections(strip_markup(h))[0] or h for h in history)
    stripped, injected = strip_injections(strip_markup(question))
    # nothing left once the instructions are gone: there is no policy question to answer
    asked = stripped if injected else (stripped or question)
    parts = _followup_parts(asked, clean_history)
    followup = parts is not None
    condensed = asked if parts is None else (f"{parts[0]} {parts[1]}" if parts[1] else parts[0])
    query = expand_abbreviations(condensed)
    region, word = detect_region(condensed)
    intent = detect_intent(stripped if injected else (stripped or question))
    if followup and intent == "lookup":
        intent = detect_intent(condensed)
    return Understanding(
        question=question,
        condensed=condensed,
        query=query,
        region=region,
        region_word=word,
        intent=intent,
        injected=injected,
        followup=followup,
        own=expand_abbreviations(stripped) if followup else query,
        context=expand_abbreviations(parts[0]) if parts is not None else "",
    )


_PART_BREAK = re.compile(r"(?<=[？?；;])|(?=另外|此外|还有就是|同时想问)")
_REGION_JOIN = "和|与|跟|及|以及|、"


def detect_regions(text: str) -> list[tuple[str, str]]:
    """Every distinct region a text names as the place of a measure, in order of mention, as
    (canonical region, word); origins and trips are left out (see ``detect_region``)."""
    found: dict[str, tuple[int, str]] = {}
    # the most specific first, so that 厦门 beside 福建 stands for both
    for pos, region, word, _ in sorted(_region_mentions(text), key=lambda e: (-len(e[1]), e[0])):
        if word in _SHORT_ALIASES:
            continue
        # a more specific name of a region already found (厦门 beside 福建) does not count twice
        if any(r.startswith(region) or region.startswith(r) for r in found):
            continue
        found[region] = (pos, word)
    return [(r, w) for r, (_, w) in sorted(found.items(), key=lambda e: e[1][0])]


# The question asks about each place it names: 厦门和山东分别…, 两地各…, 山东跟厦门比…
_EACH_REGION = re.compile(r"分别|各(是|自|给|有|奖|补|多少)|两地|两边|对比|比较|相比|区别|不同|一样|(和|与|跟|及|、).{0,3}(的|对|呢|都)")


def _per_region(part: str) -> list[str]:
    """'厦门和山东对…分别是多少' → '厦门对…分别是多少', '山东对…分别是多少'."""
    named = detect_regions(part)
    if len(named) < 2 or not _EACH_REGION.search(part):
        return [part]
    out = []
    for _, keep in named:
        text = part
        for _, other in named:
            if other != keep:
                text = re.sub(f"({_REGION_JOIN})?{re.escape(other)}({_REGION_JOIN})?", "", text, count=1)
        out.append(text)
    return out


# "A和B分别最高多少", "A与B各是多少": one ask applied to each of two things
_EACH_THING = re.compile(r"^(?P<a>.+?)(?P<join>和|与|跟|以及|及|、)(?P<b>.+?)(?P<each>分别|各自|各是|各)(?P<ask>.+)$")


_ASKER_KIND = re.compile(r"^[^，。？]{0,16}?(企业|公司|机构|孵化器|单位)的?")


def _per_thing(part: str) -> list[str]:
    """'专精特新企业信用保险补贴和场租补贴分别最高多少' → '专精特新企业信用保险补贴最高多少',
    '场租补贴最高多少' (the second part leans on the first, as a later part of a compound does)."""
    from assistant.evidence import topic_terms

    m = _EACH_THING.match(part)
    if m is None:
        return [part]
    a, b, ask = m["a"], m["b"], m["ask"]
    if not topic_terms(a) or not topic_terms(b) or topic_terms(f"{b}{ask}") == topic_terms(ask):
        return [part]
    shared = b[b.index("的") :] if "的" in b and "的" not in a else ""  # 小巨人和后备企业的绩效奖励: 的… is both's
    who = _ASKER_KIND.match(a)  # 专精特新企业信用保险补贴和场租补贴: the company is both's
    subject = who.group() if who and who.end() < len(a) and not shared else ""
    return [f"{a}{shared}{ask}", f"{subject}{b}{ask}"]


def split_question(text: str) -> list[str]:
    """The sub-questions of a compound question, each standing alone; [text] when it is one question.

    Parts are cut after question marks and before 另外/此外; a piece with no topic words of its own
    ("去哪申请？") stays with the part before it. A part naming two regions becomes one part each.
    """
    from assistant.evidence import topic_terms  # evidence imports this module's place names

    parts: list[str] = []
    pieces = [q for q in (p.strip(" ，,") for p in _PART_BREAK.split(text)) if q]
    for i, piece in enumerate(pieces):
        told = i == len(pieces) - 1 and not _asks(piece) and detect_intent(piece) == "lookup"
        if parts and not topic_terms(piece):
            parts[-1] += piece
        elif parts and (not topic_terms(parts[-1]) or told):
            # a last piece that asks nothing ("…能两个都拿么？我们是做技术服务的") tells about the asker
            parts[-1] += piece
        else:
            parts.append(piece)
    out: list[str] = []
    for p in parts:
        regional = _per_region(p)
        # "A、B、C哪个先到期", "A和B能同时拿吗": one question about several things, answered together
        together = detect_intent(p) in ("validity", "overlap")
        out.extend(regional if len(regional) > 1 else [p] if together else _per_thing(p))
    return out if len(out) > 1 else [text]
