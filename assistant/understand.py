"""Question understanding: the region a question names, its intent, follow-ups, injections.

Each function is small, deterministic and testable alone; the chain strings them together.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

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
    "REGION_ALIASES",
]

# Place names → the region they denote, most specific first. A document of region R applies to a
# question about region Q when Q starts with R (a provincial policy covers its cities).
REGION_ALIASES: tuple[tuple[str, str], ...] = (
    # 厦门 and its districts and zones
    *(
        (name, "福建省厦门市")
        for name in ("厦门", "思明", "湖里", "集美", "海沧", "同安", "翔安", "火炬高新区", "火炬园", "厦门自贸", "鹭岛")
    ),
    # other cities of Fujian: no documents here
    *((name, f"福建省{name}市") for name in ("福州", "泉州", "漳州", "莆田", "三明", "南平", "龙岩", "宁德")),
    ("福建", "福建省"),
    # cities of Shandong: the provincial measures apply to them
    *(
        (name, f"山东省{name}市")
        for name in (
            "济南",
            "青岛",
            "淄博",
            "枣庄",
            "东营",
            "烟台",
            "潍坊",
            "济宁",
            "泰安",
            "威海",
            "日照",
            "临沂",
            "德州",
            "聊城",
            "滨州",
            "菏泽",
        )
    ),
    ("山东", "山东省"),
    ("鲁", "山东省"),
    # elsewhere in China: no documents here
    *((name, name) for name in ("北京", "上海", "天津", "重庆")),
    *(
        (name, f"{name}市")
        for name in (
            "深圳",
            "广州",
            "杭州",
            "南京",
            "苏州",
            "成都",
            "武汉",
            "西安",
            "宁波",
            "合肥",
            "长沙",
            "郑州",
            "无锡",
            "东莞",
            "佛山",
            "珠海",
        )
    ),
    *(
        (name, f"{name}省")
        for name in (
            "广东",
            "浙江",
            "江苏",
            "四川",
            "湖北",
            "湖南",
            "河南",
            "河北",
            "安徽",
            "江西",
            "陕西",
            "辽宁",
            "吉林",
            "黑龙江",
            "山西",
            "云南",
            "贵州",
            "海南",
            "甘肃",
            "青海",
            "台湾",
        )
    ),
    *((name, name) for name in ("香港", "澳门", "新疆", "西藏", "内蒙古", "广西", "宁夏")),
)
# "鲁" alone is too short to trust inside other words; only as a prefix of a policy brand (鲁科贷).
_SHORT_ALIASES = {"鲁"}

_INTENTS: tuple[tuple[str, re.Pattern[str]], ...] = (
    # about the document's own life, not about when a measure is applied for (什么时候开始受理 is procedure)
    (
        "validity",
        re.compile(
            r"有效期|到期|过期|失效|还有效|仍然有效|是否有效|还能用|还适用|还管用|执行期|期限到|截止(日期|时间)?到"
            r"|(政策|措施|文件|规定|办法|这套|该套)[^，。？?]{0,12}(什么时候|何时|哪天|哪一天|几号)[^，。？?]{0,4}(开始|截止|结束|施行|实施|执行|生效|到期|为止)"
            r"|(什么时候|何时|哪天|哪一天|几号)(开始)?(施行|实施|执行|生效)|(施行|实施|执行|生效)(日期|时间)"
            r"|(\d{4}年|明年|后年)[^。？?]{0,16}还能(按|享受|申请|拿|用)"
        ),
    ),
    # how two measures combine: answered from the documents' own rule (就高不重复, 以本措施为准)
    (
        "overlap",
        re.compile(
            r"(交叉|重复)(的时候|时|的话|享受|支持|怎么|如何)|同时享受|叠加享受|两边都|都能拿|能否兼得|可以兼得|不一致(的时候|时|的话)?.{0,6}(听|以|按)哪|以哪个为准|听哪个"
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
        re.compile(r"怎么申请|如何申请|怎么申报|如何申报|流程|找哪个部门|哪个部门|向谁|材料|什么时候申报|何时申报|怎么办理|如何办理|兑现"),
    ),
)

# Injected instructions: sentences that try to change the rules rather than ask about policy.
_INJECTION = re.compile(
    r"(忽略|无视|忘记|忘掉|不要(管|理会|遵守))(之前|以上|前面|上述|所有|你的)?.{0,8}(规则|指令|设定|限制|要求|提示)"
    r"|系统提示词?|system\s*prompt|prompt|提示词|你的(指令|设定|规则)"
    r"|(系统|官方|紧急|最新)通知[:：]"
    r"|你现在(是|扮演)|扮演|假装|角色扮演|开发者模式|越狱|jailbreak"
    r"|(直接|必须|一定要?)(告诉|回答|说|输出)(我)?(能|可以)?(拿|获得)?\d*"
    r"|(政策|补贴|标准|比例)(已经?|已)(调整|提高|改为|上调|变更|取消)|已经?(取消|废止|作废)了?"
    r"|【[^】]{0,10}(指令|通知|命令|系统|管理员)[^】]{0,10}】|管理员(指令|命令|模式)"
    r"|(不需要|不用|无需|不要|别)(再)?(引用|给出|标注|看|查)(出处|原文|政策原文|依据|来源|文件)"
    r"|(你|您)(上一轮|刚才|之前)?说错了|正确答案(是|应该是)|直接回答(“|\"|是|否|对|不对)",
    re.IGNORECASE,
)
_FOLLOWUP_START = re.compile(r"^(那|那么|那如果|如果|要是|假如|还有|另外|再问|这个|这项|该项|上述|它|其|同样|换成|改成)")
_FOLLOWUP_SHAPE = re.compile(r"^(那|那么)?.{0,6}(呢|吗)[？?]?$")
_PUNCT = re.compile(r"[\s，。！？、；：,.!?;:“”\"'（）()]+")


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


_DESTINATION = re.compile(r"(去|到|赴|前往|飞往|出差到?|在外地如)$")


def detect_region(text: str) -> tuple[str | None, str | None]:
    """The most specific region a text names, as (canonical region, the word found).

    A place the company travels to (去成都开推介会, 赴上海参展) is not the policy's region.
    """
    found: list[tuple[int, int, str, str]] = []
    for word, region in REGION_ALIASES:
        pos = text.find(word + "科") if word in _SHORT_ALIASES else text.find(word)
        if pos >= 0 and _DESTINATION.search(text[max(0, pos - 3) : pos]):
            continue
        if pos >= 0:
            # the more specific region (longer canonical name) wins, then the earlier mention
            found.append((-len(region), pos, region, word))
    if not found:
        return None, None
    _, _, region, word = min(found)
    return region, word


_MONEY_FIGURE = re.compile(r"[\d一二两三四五六七八九十百千]+(\.\d+)?\s*(万|亿|千万|元|块)")


def detect_intent(text: str) -> str:
    """The first matching intent in priority order; "lookup" when nothing specific is asked."""
    hits = [name for name, pattern in _INTENTS if pattern.search(text)]
    if "duration" in hits and ("amount" in hits or "cap" in hits) and "多少" in text:
        hits.remove("duration")  # "最多能拿多少？分几年给？": the money is asked, the years come with it
    if "amount" in hits and "cap" in hits and not _MONEY_FIGURE.search(text) and hits[0] == "amount":
        return "cap"  # 最高能拿多少 with no figure of the company's own: the cap is the answer
    return hits[0] if hits else "lookup"


_MARKUP = re.compile(r"<(script|style)\b.*?(</\1\s*>|$)|<[a-z/!][^<>]{0,300}>", re.IGNORECASE | re.DOTALL)


def strip_markup(text: str) -> str:
    """The text without pasted HTML (<script>…</script>, <img onerror=…>): markup is not a question."""
    return re.sub(r"\s+", " ", _MARKUP.sub(" ", text)).strip() if _MARKUP.search(text) else text


def strip_injections(text: str) -> tuple[str, tuple[str, ...]]:
    """Remove sentences that carry instructions or fake notices; return (rest, removed)."""
    parts = re.split(r"(?<=[。！？!?；;\n])", text)
    kept: list[str] = []
    removed: list[str] = []
    for part in parts:
        if not part.strip():
            continue
        if _INJECTION.search(part):
            # Keep a real question that shares the sentence: cut at the last comma before it.
            removed.append(part.strip())
        else:
            kept.append(part)
    return "".join(kept).strip(), tuple(removed)


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
    if _FOLLOWUP_START.match(q) or _FOLLOWUP_SHAPE.match(q) or len(bare) <= 8:
        return True
    from assistant.evidence import topic_terms  # evidence imports this module's place names

    return not topic_terms(q)  # "一个人最多能领几年？": nothing of its own to ask about


# What a follow-up inherits from the questions before it, at most (characters, the latest kept).
# A chain of follow-ups inherits from every earlier one; unbounded, ten 500-character history
# turns made a 5,500-character query that took seconds to segment.
MAX_INHERITED_CHARS = 200


def condense(question: str, history: tuple[str, ...]) -> tuple[str, bool]:
    """A standalone question: a follow-up inherits the previous topic (and its region unless it
    names another), at most ``MAX_INHERITED_CHARS`` of it."""
    if not is_followup(question, history):
        return question, False
    previous, _ = condense(history[-1], history[:-1])
    previous = previous[-MAX_INHERITED_CHARS:]
    new_region, new_word = detect_region(question)
    old_region, old_word = detect_region(previous)
    if new_word and old_word and new_region != old_region:
        previous = previous.replace(old_word, new_word)
        rest = _content(question).replace(new_word, "")
        rest = re.sub(r"^(那么?|的)|(的)?(呢|吗)$", "", rest)
        return (previous if not rest else f"{previous} {question}"), True
    return f"{previous} {question}", True


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
    condensed, followup = condense(stripped or question, clean_history)
    query = expand_abbreviations(condensed)
    region, word = detect_region(condensed)
    intent = detect_intent(stripped or question)
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
    )


_PART_BREAK = re.compile(r"(?<=[？?；;])|(?=另外|此外|还有就是|同时想问)")
_REGION_JOIN = "和|与|跟|及|以及|、"


def detect_regions(text: str) -> list[tuple[str, str]]:
    """Every distinct region a text names, in order of mention, as (canonical region, word)."""
    found: dict[str, tuple[int, str]] = {}
    for word, region in REGION_ALIASES:
        if word in _SHORT_ALIASES:
            continue
        pos = text.find(word)
        if pos < 0 or _DESTINATION.search(text[max(0, pos - 3) : pos]):
            continue
        # a more specific name of a region already found (厦门 beside 福建) does not count twice
        if any(r.startswith(region) or region.startswith(r) for r in found):
            continue
        found[region] = (pos, word)
    return [(r, w) for r, (_, w) in sorted(found.items(), key=lambda e: e[1][0])]


def _per_region(part: str) -> list[str]:
    """'厦门和山东对…分别是多少' → '厦门对…分别是多少', '山东对…分别是多少'."""
    named = detect_regions(part)
    if len(named) < 2:
        return [part]
    out = []
    for _, keep in named:
        text = part
        for _, other in named:
            if other != keep:
                text = re.sub(f"({_REGION_JOIN})?{re.escape(other)}({_REGION_JOIN})?", "", text, count=1)
        out.append(text)
    return out


def split_question(text: str) -> list[str]:
    """The sub-questions of a compound question, each standing alone; [text] when it is one question.

    Parts are cut after question marks and before 另外/此外; a piece with no topic words of its own
    ("去哪申请？") stays with the part before it. A part naming two regions becomes one part each.
    """
    from assistant.evidence import topic_terms  # evidence imports this module's place names

    parts: list[str] = []
    for piece in (p.strip(" ，,") for p in _PART_BREAK.split(text)):
        if not piece:
            continue
        if parts and not topic_terms(piece):
            parts[-1] += piece
        elif parts and not topic_terms(parts[-1]):
            parts[-1] += piece
        else:
            parts.append(piece)
    out = [q for p in parts for q in _per_region(p)]
    return out if len(out) > 1 else [text]
