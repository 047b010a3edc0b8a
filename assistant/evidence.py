"""Choosing the evidence: which retrieved clauses support the question, which of their words
to quote, and whether there is any basis at all.

Everything quoted is an exact substring of a clause; nothing is reworded here.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from assistant.aboutness import head_covered, heads
from assistant.understand import answer_kind_spans, focus_text, place_words
from corpus.records import Clause
from index.store import Hit
from index.text import informativeness, tagged, tokenize, word_tag, words

_PLACE_WORDS = place_words()
_LONG_PLACE_WORDS = frozenset(p for p in _PLACE_WORDS if len(p) >= 2)

__all__ = [
    "Support",
    "support",
    "sentences",
    "best_span",
    "key_fragment",
    "NUMBER",
    "DEPARTMENT_ASK",
    "with_department",
    "department_of",
    "how_asked",
    "nominal",
]

# Sentence-final punctuation; a quote is one or more whole sentences of a clause.
_SENT = re.compile(r"[^。！？；\n]+[。！？；]?")
_FRAG = re.compile(r"[^，。！？；：\n]+[，。！？；：]?")
NUMBER = re.compile(r"\d+(?:\.\d+)?")
_MONEY = re.compile(r"\d+(?:\.\d+)?\s*(?:万元|亿元|元|%|‰)")
_RARE_CHAR = 9.0  # jieba idf above which a one-character word names a topic (券 9.1, 贷 9.4; 评 8.9, 补 7.6)
_MAX_PARAGRAPH = 280  # characters: longer paragraphs are quoted sentence by sentence
_ANSWER_MARK = re.compile(r"答[：:]\s*")
_CAP_WORDS = re.compile(r"最高|不超过|上限|最多|最长")
_DEPT_WORDS = re.compile(r"责任单位|负责|牵头|申报|申请|受理|兑现|市科技局|工信局|财政局")
_DURATION_WORDS = re.compile(r"最长|最多\d+年|\d+年|\d+个月|期限|连续")
_APPLY_WORDS = re.compile(r"申报|申请|受理|兑现|提交")
_VALIDITY_WORDS = re.compile(r"有效期|施行|实施|失效")
# A figure of the kind the question asks for ("公示多少天", "一套多大面积", "招几个人"): the sentence
# that states a figure in that kind's unit answers it. Pairs of (how the kind is asked, how a text
# writes such a figure); the units are general Chinese measure words, not any document's terms.
_WRITTEN_NUMBER = r"[\d０-９一二三四五六七八九十百千两〇零]+(?:\.\d+)?\s*"
_ASKED_FIGURES: tuple[tuple[re.Pattern[str], re.Pattern[str]], ...] = (
    (re.compile(r"(多少|几)个?(工作)?(天|日)"), re.compile(_WRITTEN_NUMBER + r"个?(工作)?(日|天)")),
    (
        re.compile(r"几年|多少年|多久|多长时间|多长期限|几个月|多少个月|期限多长|(期限|时间)?最长(可以|能)?多长|几周"),
        re.compile(_WRITTEN_NUMBER + r"个?(年|月|周)(?![度底初末])"),
    ),
    (re.compile(r"面积|多少平|几平|多大(?!年纪|岁数)"), re.compile(_WRITTEN_NUMBER + r"(平方米|平米|㎡|亩|平方公里)")),
    (
        re.compile(r"(多少|几)(个|名|位)?[^，。？?\d万元钱费年月天日]{0,4}(人(?![民工])|员工|职工)|人数"),
        re.compile(_WRITTEN_NUMBER + r"(个|名|位)?人"),
    ),
    (re.compile(r"(多少|几)周?岁|年龄|年纪|岁数"), re.compile(_WRITTEN_NUMBER + r"周?岁")),
    (re.compile(r"比例|百分之几|几成|多少%|占比|费率|利率"), re.compile(r"\d+(?:\.\d+)?\s*[%‰]|百分之")),
)
_ASKED_FIGURE_WEIGHT = 2.5


def asked_figures(query: str) -> tuple[re.Pattern[str], ...]:
    """How a text writes the kinds of figure ``query`` asks for (days, a duration, an area, a head
    count, an age, a rate); empty when it asks for none of them."""
    return tuple(written for asked, written in _ASKED_FIGURES if asked.search(query))


# Words of a question that say what kind of answer is wanted, not what it is about.
_QUESTION_WORDS = frozenset(
    (
        "补贴 补助 奖励 支持 政策 措施 资助 规定 申请 申报 多少 最高 最多 最长 能 拿 钱 万 元 条件 要求 企业 公司"
        " 我们 我司 本公司 有 吗 可以 给予 一下 具体 哪些 什么 怎么 相关 文件 有关 获得 享受 标准 能补 能拿 能领"
        " 补多少 花了 花费 投了 一共 总共 大概 大约 多久 几年 几个 一个 是否 还是 的话 现在 目前 今年 去年 请问"
        " 帮忙 帮我 告诉 知道 了解 规定 情况 问题 这样 那样 时候 之前 以后 怎么样 如何 为什么 需要 应该 是不是"
        # colloquial function words of spoken questions: they say how, not what, is asked
        " 有没有 能不能 可不可以 算不算 是不是 会不会 干嘛 为啥 啥 啥时候 什么样 到底 究竟 哪里 哪儿 哪家 哪天 哪个 哪几个"
        " 听说 左右 正好 刚好 恰好 已经 直接 一般 开始 分别 各是 还有 以前 以后 下来 出来 过来 起来 那边 这边"
        " 这套 那套 这种 那种 这笔 那笔 有个 别的 其他 自己 当时 当年 如果 要是 假如 不是 不能 不会 才能 想 打算"
        " 主要 包括 名字 明白 地方 还给 别人 一起 两边 另外 此外 对于 关于 总共 合计 加起来 算下来 能够 可能 大家"
        " 每年 每月 每台 每家 每个 每人 以上 以下 以内 左右 多少钱"
        # how the asker names itself, and conversational tails
        " 集团 单位 本单位 我单位 我公司 咱们 对吧 就行 是吧 确认 确认一下 问题"
        # levels of government as the asker names them (市里、区里各给多少)
        " 市里 区里 省里 县里 市级 区级 省级 市区"
        # how a spoken question asks what to do or what the rules say (怎么弄, 按规定至少要提多少)
        " 怎么弄 怎么办 咋办 咋弄 怎么搞 怎么做 按规定 规定的 至少 最低 最少 起码"
    ).split()
)
# Figures and counts are inputs, not topics: 一千二百万, 百分之十五, 两年, 三台, 一位.
_NUMERAL_WORD = re.compile(
    r"^(百分之|千分之)?[零一二两三四五六七八九十百千万亿半几\d.]+(个|位|台|套|年|月|天|次|家|项|条|张|人|元|万|名|份|期|成|倍)?$"
)


def _count_word(term: str) -> bool:
    """A count that jieba's dictionary holds as one numeral word (两级, 两项, 一家), or a rate's
    numeral prefix cut from its digits (千分之|六): how many,
    never what (首次 is a numeral word too, but an order, and names the measure's case)."""
    return (term[0] in _NUMERAL_CHARS and word_tag(term) == "m") or re.fullmatch(r"[百千万]分之", term) is not None


_NUMERAL_CHARS = "零一二两三四五六七八九十百千万几"
# "最多能", "最多补", "能拿个", "最高给": how much is asked, not about what.
_HOW_MUCH = re.compile(r"^(最多|最高|最少|能|可|可以)(能|补|奖|拿|领|给|得|批)?个?$")


@dataclass(frozen=True, slots=True)
class Support:
    """How well a clause answers a question: the share of the question's topic words (weighted
    by rarity) that the clause contains, and the dense similarity."""

    coverage: float
    dense: float | None
    matched: tuple[str, ...]
    missing: tuple[str, ...]
    about: bool = True  # the clause covers the head of what is asked (assistant.aboutness)


# Characters of a question tagged by jieba's part-of-speech HMM, at most. Its Viterbi pass costs
# about 2 ms a character on runs of characters it does not know: a crafted 500-character question
# took over a second here alone. Past the budget a character's tag comes from the dictionary.
POS_TAG_BUDGET = 80


def _single_char_nouns(text: str) -> set[str]:
    """One-character words jieba tags as nouns in this text (券 in 有没有什么券可以领)."""
    head, tail = text[:POS_TAG_BUDGET], text[POS_TAG_BUDGET:]
    nouns = {word for word, flag in tagged(head) if len(word) == 1 and flag.startswith("n")}
    return nouns | {ch for ch in set(tail) if word_tag(ch).startswith("n")}


def topic_terms(query: str) -> list[str]:
    """The question's content words: whole words that name a topic, without figures or the words
    that only say what kind of answer is wanted."""
    return list(_topic_terms(query))


@lru_cache(maxsize=2048)
def _topic_terms(query: str) -> tuple[str, ...]:
    # cached: one answer asks for the same question's terms once per retrieved clause
    seen: dict[str, None] = {}
    text = _TOTALS.sub("，", _FIGURE.sub("，", query))
    nouns = _single_char_nouns(text)
    for t in words(text):
        if (
            t in _QUESTION_WORDS
            or t in _PLACE_WORDS
            or NUMBER.fullmatch(t)
            or _UNIT.fullmatch(t)
            or _NUMERAL_WORD.match(t)
            or _HOW_MUCH.match(t)
            or _count_word(t)
        ):
            continue
        if not re.search(r"[\u4e00-\u9fffa-z]", t) or (len(t) < 2 and (t not in nouns or informativeness(t) < _RARE_CHAR)):
            continue  # single characters (花, 最, 评) are function words or verbs here, unless a rare noun (券)
        seen.setdefault(t, None)
    return tuple(seen)


# A figure with its unit ("2000万", "1.2亿", "一千二百万元", "9‰"): removed before segmenting, so
# that jieba does not glue a unit to the next word ("2000万对吧" → "万对").
_FIGURE = re.compile(r"(?:\d+(?:\.\d+)?|[零一二两三四五六七八九十百千万亿]+(?=[万亿元块%‰]))\s*(?:千万|万元|亿元|万|亿|元|块|%|‰)?")
# "区里加起来", "一共": how a total is asked; cut out before segmenting (jieba reads "里加").
_TOTALS = re.compile(r"(市里|区里|省里|县里)?(加起来|加一起|加在一起|一共|合计|总共|共计)")
_UNIT = re.compile(r"[\d.]*(万元?|亿元?|元|个|家|年|月|台|套|人|次|%|‰|万块|块)")


def _abbreviates(term: str, haystack: str) -> bool:
    """The question writes short what the clause writes in full, keeping each word's characters
    in order (公租房 / 租房 for 公共租赁住房, 见习生 for 见习人员 does not): every character of the
    term, first and last included, within twice its length of text."""
    if not 2 <= len(term) <= 4 or not re.fullmatch(r"[\u4e00-\u9fff]+", term):
        return False
    gaps = "".join(f"{re.escape(ch)}[\u4e00-\u9fff]{{0,2}}?" for ch in term[:-1]) + re.escape(term[-1])
    return any(len(m.group(0)) <= 2 * len(term) for m in re.finditer(gaps, haystack))


def credit(term: str, haystack: str) -> float:
    """How far ``haystack`` contains ``term`` (see :func:`_credit`)."""
    return _credit(term, haystack)


def _credit(term: str, haystack: str) -> float:
    """1 when the clause contains the word; 0.8 when it writes in full what the word abbreviates;
    for a compound the clause lacks (国内贸易信用保险费), the share of its sub-words it does contain."""
    if term in haystack:
        return 1.0
    if _abbreviates(term, haystack):
        return 0.8
    parts = [p for p in tokenize(term) if p != term and len(p) >= 2]
    if not parts:
        return 0.0
    return 0.8 * sum(1 for p in parts if p in haystack) / len(parts)


# jieba's part-of-speech tags of words that can name a topic (nouns, names, abbreviations, idioms)
_NOMINAL = ("n", "vn", "nz", "nt", "ns", "nr", "j", "l", "eng", "i")


@lru_cache(maxsize=4096)
def nominal(term: str) -> bool:
    """Whether a word can name a topic: jieba tags it as a noun-like word, or jieba's general
    dictionary lacks it (a domain compound: 留抵退税, 新能源汽车)."""
    from index.text import known_word

    if not known_word(term):
        return True
    return any(flag.startswith(_NOMINAL) for _, flag in tagged(term))


def _contracted(term: str, nxt: str | None, haystack: str) -> bool:
    """The clause writes the pair contracted, as Chinese shortens a phrase to the first
    character of each word: 场地租金 → 场租, 高新技术企业 → 高企."""
    return nxt is not None and len(term) >= 2 and len(nxt) >= 2 and (term[0] + nxt[0]) in haystack


def _asker_word(term: str) -> bool:
    """A word of the asker's own telling that the documents never use and that cannot name a
    topic: jieba's dictionary holds nearly every real two-character word, so an unknown one is
    two words glued by the segmenter (税交 in 个税交了, 能返 in 能返多少); a known one is a verb,
    adverb or the like (验收, 弄完, 顺便)."""
    from index.text import known_word

    if len(term) <= 2 and not known_word(term):
        return True
    return not nominal(term)


# A word of the asking piece that the documents never use, yet names a thing of its own: jieba holds
# it as one word of a content class, rare in general Chinese (加计, 免征, 汇算, 清缴, 税前): the
# question asks about something no clause has (研发费用加计扣除). Idf above this, in jieba's table.
_FOREIGN_IDF = 8.4
_CONTENT_FLAGS = ("v", "vn", "n", "nz", "t", "j", "l", "i")
# verb forms that say how, not what: A-not-A (够不够), a result or direction (批下来, 评上, 拿到)
_VERB_FORM = re.compile(r"^(.)不\1|(下来|上来|出来|起来|下去|过来|到|完|上|好|掉)$")


@lru_cache(maxsize=4096)
def _names_a_thing(term: str) -> bool:
    from index.text import known_word

    if not known_word(term) or informativeness(term) < _FOREIGN_IDF or _VERB_FORM.search(term):
        return False
    pieces = tagged(term)
    return len(pieces) == 1 and pieces[0][1].startswith(_CONTENT_FLAGS)


def _foreign(term: str, focus: str) -> bool:
    """A word of the piece that asks, which the documents never use and which names what is asked
    (not how it is asked: 封顶多少, 哪个处室 are answer kinds)."""
    at = focus.find(term)
    if at < 0 or how_asked(term, focus):
        return False
    if _BENEFIT_NOUN.match(focus, at + len(term)) and nominal(term):
        return True  # the name of a benefit (稳岗补贴, 租金补贴): a noun before it is what is asked about
    return _names_a_thing(term)


def how_asked(term: str, focus: str) -> bool:
    """The word stands where the question says what kind of answer it wants (封顶多少, 门槛是多少)."""
    at = focus.find(term)
    return at >= 0 and any(a <= at < b for a, b in answer_kind_spans(focus))


_BENEFIT_NOUN = re.compile(r"补贴|补助|奖励|资助|贴息|奖补|退税|减免|优惠")
# "X企业", "X公司": the asker's own kind says who asks, rarely what is asked about
_ASKER_KIND = re.compile(r"(企业|公司|企)$")
_ASKER_KIND_WEIGHT = 0.35


def support(
    query: str,
    hit: Hit,
    idf: Callable[[str], float] | None = None,
    known: Callable[[str], bool] | None = None,
    asked: str | None = None,
) -> Support:
    """How well the clause (with its breadcrumb) covers what the question is about.

    Each topic word weighs by how informative it is in general Chinese. A word the documents
    use counts wherever it stands. A word no document uses (``known`` is False) counts only
    when it names something in the piece of the question that asks (留抵退税 in
    "小巨人企业增值税留抵退税怎么办"), where its absence argues against a basis; elsewhere it is
    the asker's own story (老板, 行政, 验收) and does not count. ``idf`` is not used for the
    weights (kept for callers that quote by it).
    """
    terms = topic_terms(query)
    focus = focus_text(query)
    haystack = unquote(f"{hit.clause.document.title}{hit.clause.path}{hit.clause.text}".lower())
    weights: dict[str, float] = {}
    # the thing a piece that names nothing asks of, from the telling piece before it (申请发明专利，
    # 每件资助多少钱): what is asked about, though the documents never write it
    told = {h for h, _ in heads(asked or query, dict.fromkeys(terms, 1.0), lambda t: _can_head(t, known)) if h not in focus}
    for t in terms:
        if t in told and not _asker_word(t):
            pass
        elif known is not None and not known(t) and (t not in focus or _asker_word(t) or how_asked(t, focus)) and not _foreign(t, focus):
            continue
        weights[t] = informativeness(t)
    order = list(weights)
    credit = {}
    for i, t in enumerate(order):
        nxt = order[i + 1] if i + 1 < len(order) else None
        prev = order[i - 1] if i > 0 else None
        c = _credit(t, haystack)
        if c < 1 and (_contracted(t, nxt, haystack) or (prev is not None and _contracted(prev, t, haystack))):
            c = 1.0
        credit[t] = c
    if not any(credit[t] >= 0.5 for t in weights if not _ASKER_KIND.search(t)) and any(not _ASKER_KIND.search(t) for t in weights):
        # the clause shares only the company's kind with a question that names what it asks about
        # (专精特新企业 + 社保费减免): who asks is no basis for what is asked
        weights = {t: w * _ASKER_KIND_WEIGHT if _ASKER_KIND.search(t) else w for t, w in weights.items()}
    total = sum(weights.values())
    covered = sum(weights[t] * credit[t] for t in weights)
    ranked = sorted(weights, key=lambda t: -weights[t])
    return Support(
        coverage=covered / total if total else 0.0,
        dense=hit.dense,
        matched=tuple(t for t in ranked if credit[t] >= 0.5),
        missing=tuple(t for t in ranked if credit[t] < 0.5),
        about=head_covered(
            asked or query, haystack, weights, credit.__getitem__, lambda t: _can_head(t, known), covered / total if total else 0.0
        ),
    )


def _can_head(term: str, known: Callable[[str], bool] | None) -> bool:
    """A word that can be the head of what is asked: a noun-like word that the documents use or
    that names a thing of its own (加计); not a place, not a slip of the asker (盘子, 上线)."""
    if any(term[i:j] in _LONG_PLACE_WORDS for i in range(len(term)) for j in range(i + 2, min(len(term), i + 9) + 1)):
        return False
    return _names_a_thing(term) or (nominal(term) and (known is None or known(term)))


_QUOTE_MARKS = str.maketrans("", "", "“”\"'‘’「」『』")


def unquote(text: str) -> str:
    """The text without quotation marks: “三高”企业 is 三高企业 to a person asking."""
    return text.translate(_QUOTE_MARKS)


def sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) offsets of each sentence of ``text``."""
    return [(m.start(), m.end()) for m in _SENT.finditer(text) if m.group().strip()]


def _score(piece: str, terms: Sequence[str], idf: Callable[[str], float], intent: str, figures: Sequence[re.Pattern[str]] = ()) -> float:
    s = sum(idf(t) for t in terms if t in piece)
    if any(f.search(piece) for f in figures):
        s += _ASKED_FIGURE_WEIGHT  # between two fragments that both state one, the terms decide
    if intent in ("amount", "cap") and _MONEY.search(piece):
        s += 1.5
    if intent == "cap" and _CAP_WORDS.search(piece):
        s += 1.0
    if intent == "procedure" and _DEPT_WORDS.search(piece):
        s += 2.0
    if intent == "validity" and _VALIDITY_WORDS.search(piece):
        s += 3.0
    if intent == "duration" and _DURATION_WORDS.search(piece):
        s += 1.5
    return s


def best_span(clause: Clause, query: str, idf: Callable[[str], float], intent: str, max_sentences: int = 2) -> str:
    """The clause's most relevant sentence, extended by the next one when that one carries the
    amount the question asks about. Always an exact substring of the clause."""
    text = clause.text
    spans = sentences(text)
    if not spans:
        return text
    terms = topic_terms(query)
    figures = asked_figures(query)
    # a question (a FAQ's 问, "企业何时可以申请？") is never the answer to quote
    scored = [
        _score(text[a:b], terms, idf, intent, figures) - (100.0 if text[a:b].rstrip().endswith(("？", "?")) else 0.0) for a, b in spans
    ]
    if figures and intent not in ("amount", "cap"):
        # asked for days, an area, a head count…: a sentence that states no such figure does not answer
        # (asked for an area and a head count: the sentence that states both)
        kinds = [sum(1 for f in figures if f.search(text[a:b])) for a, b in spans]
        most = max(kinds)
        if most:
            scored = [sc if kinds[j] == most else sc - 100.0 for j, sc in enumerate(scored)]
    i = max(range(len(spans)), key=lambda j: (scored[j], -j))
    start, end = spans[i]
    # a numbered measure's first sentence is only its title ("7.开展数字化赋能行动。"): skip it
    states_asked = any(f.search(text[start:end]) for f in figures)
    if len(text[start:end]) <= 20 and i + 1 < len(spans) and max_sentences > 1 and not states_asked:
        start, end = spans[i + 1]
        i += 1
    if max_sentences > 1 and i + 1 < len(spans) and intent in ("amount", "cap") and not _MONEY.search(text[start:end]):
        nxt = spans[i + 1]
        if _MONEY.search(text[nxt[0] : nxt[1]]):
            end = nxt[1]
    if max_sentences > 1 and clause.labels and clause.labels[-1].lstrip("[").startswith("问答") and intent not in ("amount", "cap"):
        # an answer of a Q&A reads as one paragraph: quote the paragraph the best sentence is in
        para_start = text.rfind("\n", 0, start) + 1
        para_end = text.find("\n", end)
        para_end = len(text) if para_end < 0 else para_end
        if para_end - para_start <= _MAX_PARAGRAPH:
            start, end = para_start, para_end
            if _ANSWER_MARK.match(text, start):
                start = _ANSWER_MARK.match(text, start).end()  # type: ignore[union-attr]
    return text[start:end].strip()


# The question asks who handles it: the clause's 责任单位 is the answer, where it prints one
DEPARTMENT_ASK = re.compile(r"哪个(部门|单位|处室|科室)|哪些(部门|单位)|责任单位|谁(负责|管|牵头)|归谁|找谁|牵头|归哪")
_RESPONSIBLE = re.compile(r"[（(]责任单位[:：][^）)]{1,120}[）)]")
_QUOTE_REACH = 400  # characters: a quote extended to its 责任单位 stays readable


def with_department(clause: Clause, quote: str) -> str:
    """The quote, extended to the 责任单位 the clause prints for it (the first one at or after the
    quote; a clause of several measures prints one per measure). Always a substring of the clause."""
    text = clause.text
    start = text.find(quote)
    if start < 0:
        return quote
    m = _RESPONSIBLE.search(text, start)
    if m is None:
        return quote
    if m.end() - start <= _QUOTE_REACH:
        return text[start : m.end()]
    return m.group()


def department_of(quote: str) -> str | None:
    """'责任单位：市科技局、市财政局' from a quote that carries it."""
    m = _RESPONSIBLE.search(quote)
    return m.group()[1:-1] if m else None


def key_fragment(span: str, query: str, idf: Callable[[str], float], intent: str) -> str | None:
    """The comma-delimited fragment of a quote that answers the question directly (e.g. the cap
    "单家企业最高25万元"); None when no fragment stands out. An exact substring of ``span``."""
    frags = [m.group().strip("，。！？；： ") for m in _FRAG.finditer(span)]
    frags = [f for f in frags if f]
    if len(frags) < 2:
        return None
    terms = topic_terms(query)
    figures = asked_figures(query)
    if len(figures) == 1 and intent not in ("amount", "cap"):
        # one kind of figure asked: the fragment that states it (several kinds: the whole quote)
        stating = [f for f in frags if figures[0].search(f)]
        if len(stating) < len(frags) and stating:
            return max(stating, key=lambda f: _score(f, terms, idf, intent, figures))
    if intent == "cap":
        capped = [f for f in frags if _CAP_WORDS.search(f) and _MONEY.search(f)]
        if capped:
            return max(capped, key=lambda f: _score(f, terms, idf, intent))
    if intent == "duration":
        lasting = [f for f in frags if _DURATION_WORDS.search(f)]
        if lasting:
            return max(lasting, key=lambda f: _score(f, terms, idf, intent))
    if intent == "procedure":
        # where to apply first ("向产业主管部门申报"), else who is responsible
        applying = [f for f in frags if _APPLY_WORDS.search(f)]
        if applying:
            return applying[0]
        depts = [f for f in frags if _DEPT_WORDS.search(f)]
        if depts:
            return depts[-1]
    return None
