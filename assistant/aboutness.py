"""What a question is about, as against what a clause grants.

Coverage counts the question's topic words a clause contains; it cannot tell "企业所得税" from the
"个人所得税" of a clause, nor "社保补贴" from a clause that lifts "社保等限制". Three tests look at
the phrase the question asks about, its head — the last topic word before the words that ask
(…的个人所得税有没有减免, 社保补贴怎么领, 研发费用加计扣除比例是多少):

- the head must be in the clause: a clause that shares only the asker's kind or the head's
  possessor (进站博士后的个人所得税 against a 博士后 clause) does not answer;
- a head that the question writes as a word of the general dictionary (企业所得税) is not the
  clause's different word of the same ending (个人所得税);
- a benefit asked for by name (社保补贴, 所得税减免) needs a sentence of the clause where the head
  stands with something given (给予、补贴、奖励…), not a sentence that merely mentions it.

Only words and jieba's dictionary and tags are used; no list of topics.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from functools import lru_cache

from assistant.understand import answer_kind_spans

__all__ = ["heads", "head_covered", "processes"]

# the words that ask (…多少, 怎么领, 有没有, 是不是, 几月份), where a question's head ends; 几 asks
# with a measure or time word (几个, 几月, 几号), while 几所高校 tells of some
_ASK = re.compile(
    r"[？?吗呢]|多少|几[个年项家次月号日天周]|怎么|怎样|如何|哪|什么|啥|是否|能否|可否|有没有|能不能|可不可以|是不是|会不会|算不算|要满足|需要满足"
)
# a benefit named after its head: 社保补贴, 所得税减免, 所得税上有什么优惠
_BENEFIT = re.compile(r"补贴|补助|奖励|资助|贴息|奖补|退税|减免|优惠|返还|返奖")
# a sentence of a clause that gives something
_GRANT = re.compile(r"给予|补贴|补助|奖励|资助|贴息|奖补|减免|免收|免征|返还|优惠|扶持|支持|补足|兑现")
_PIECE = re.compile(r"[^，。；？！,;?!\n]+[，。；？！,;?!]*")
_SENT = re.compile(r"[^。！？；\n]+")
# what a question asks of its head (补助比例, 申报条件), never the head itself
_ATTRIBUTE = frozenset(
    "比例 标准 金额 额度 上限 下限 条件 要求 门槛 期限 有效期 时间 时限 流程 材料 程序 方式 办法 部门 规定 政策 措施".split()
)
# a word pointed at (那部分, 这个钱, 该项): it refers back to what was said, and is no head of its own
_POINTED = re.compile(r"(?:那|这|该|此)(?:个|种|项|些|笔|块)?$")
_POINTED_IN = re.compile(r"(?:那|这|该|此)(?:个|种|项|些|笔|块)")
# a clause that covers this much of the question's words answers it though it lacks the head as
# written: the head is then the asker's slip (融资支持上线是多少 for 上限)
_NEARLY_ALL = 0.8
_SKIP = 4  # tokens that are not topic words the walk back from the asking words passes over (那个, 上, 是)


# verbs that report who asks (领导问, 主管让我问问, 老板说): the words before them are the asker's story
_TELLING = re.compile(r"问问?|让|叫|说|催|想问|请教|咨询")
_CONJUNCTION = frozenset("和 与 跟 及 以及 、 还是 或 或者".split())
# a figure the asker writes (100, %, 1.5): a value asked between, never a word of what is asked about
_FIGURE_TOKEN = re.compile(r"[\d.%‰]+")
# the prepositions that open a manner phrase in general Chinese (按比例补, 按照规定, 依照标准)
_MANNER = re.compile(r"按|按照|依照|依据|根据")
# the prepositions whose phrase gives the basis a figure is computed on (按研发费用档位补): its nouns
# say how the amount is reckoned, not which benefit is asked
_BASIS = re.compile(r"按|按照")
# a first-person subject that says what the asker is (我们是…, 我司属于…): a telling piece of who
# asks, whose last word is the asker's kind, not the thing a later piece asks of
_SELF = re.compile(r"^(?:我们|我司|我方|我公司|本公司|咱们|我)(?:也|就|都)?(?:是|属于|为)")


def heads(query: str, weighted: Mapping[str, float], can_head: Callable[[str], bool] = lambda t: True) -> list[tuple[str, bool]]:
    """For each piece of the question that asks: its head (a weighted topic word that
    ``can_head``) and whether the piece asks for a benefit by the head's name (社保补贴); a head
    coordinated with another (国内推介会和出国参展分别怎么补) brings that one too."""
    from index.text import _tokenizer, word_tag

    out: list[tuple[str, bool]] = []
    story: list[tuple[str, int]] = []  # the words of the telling piece just before (专精特新企业申请发明专利，)
    for m in _PIECE.finditer(query.lower()):
        piece = m.group()
        every = [(w, e) for w, _s, e in _tokenizer().tokenize(piece) if w.strip()]
        if not _ASK.search(piece):
            if not _SELF.match(piece.strip()):
                story = every  # 我们是小巨人，: who asks, not what is asked of
            continue  # the asker's story (在翔安做新能源材料的): its words are no head
        anchors = (
            [a for a, _ in answer_kind_spans(piece)]
            + [x.start() for x in _ASK.finditer(piece)]
            + [x.start() for x in _BENEFIT.finditer(piece)]
        )
        if not anchors:
            continue
        anchor = min(anchors)
        before = len(out)
        # "为啥要支持企业建重点实验室": a piece that asks first names its thing after the asking word
        after = [w for w, e in every if e > anchor and w in weighted and w not in _ATTRIBUTE and _may_head(w, piece, e, can_head)]
        if after:
            out.append((after[-1], False))
        benefit_asked = _BENEFIT.search(piece) is not None
        out += _walk_back(piece, [(w, e) for w, e in every if e <= anchor], anchor, weighted, can_head, first=not out)
        names_own = any(t in piece and not word_tag(t).startswith(_NO_THING) for t in weighted)  # 保费补贴多少: 保费
        if len(out) == before and story and not names_own and not _POINTED_IN.search(piece):
            # "专精特新企业申请发明专利，每件资助多少钱？": a piece that asks of nothing it names asks
            # of the thing the telling piece before it ends on
            said = [w for w, _ in story if re.search(r"[\u4e00-\u9fffa-z\d]", w)]
            last = said[-1:] if len(said) < 2 or not re.search(r"[\d零一二两三四五六七八九十百千万几]$", said[-2]) else []
            if last and last[0] in weighted and last[0] not in _ATTRIBUTE and can_head(last[0]):  # not 来了60个人
                out.append((last[0], benefit_asked and not out))  # only a telling piece that ends on its thing
        story = []
    return out


# jieba's tags of words that name no thing of their own: adverbs, numerals, classifiers, pronouns (每件, 两项)
_NO_THING = ("d", "m", "q", "r")


def _may_head(word: str, piece: str, end: int, can_head: Callable[[str], bool]) -> bool:
    """A word that can head what is asked: one ``can_head`` allows, or a dictionary noun that names
    the benefit right after it (租金补贴: 租金, though no document writes it)."""
    from index.text import word_tag

    return can_head(word) or (_BENEFIT.match(piece, end) is not None and word_tag(word).startswith("n"))


def _walk_back(
    piece: str,
    tokens: list[tuple[str, int]],
    anchor: int,
    weighted: Mapping[str, float],
    can_head: Callable[[str], bool],
    first: bool,
) -> list[tuple[str, bool]]:
    """The heads met walking back from the asking words over ``tokens`` (word, end offset in
    ``piece``): the last topic word before them, and the head of each conjunct before that."""
    from index.text import word_tag

    out: list[tuple[str, bool]] = []
    skipped, found = 0, False
    basis: set[int] = set()  # the words of a basis phrase (按 研发费用 档位 补): from 按 to its verb
    for i, (w, _e) in enumerate(tokens):
        if _BASIS.fullmatch(w):
            for j in range(i + 1, len(tokens)):
                x = tokens[j][0]
                if word_tag(x).startswith("v") or not re.search(r"[\u4e00-\u9fffa-z]", x):
                    break
                basis.add(j)
    for i, (w, e) in enumerate(reversed(tokens)):
        if len(tokens) - 1 - i in basis:
            continue
        if _FIGURE_TOKEN.fullmatch(w) and any(_MANNER.fullmatch(x) for x, _ in tokens[max(0, len(tokens) - i - 6) : len(tokens) - i]):
            continue  # 按100%还是120%扣: figures of a manner phrase are what is chosen between, not what about
        if _FIGURE_TOKEN.fullmatch(w) and _alternative(tokens, len(tokens) - 1 - i):
            continue  # 比例是10%还是20%: the figures offered as alternatives are the values asked between
        if not re.search(r"[\u4e00-\u9fffa-z]", w):
            if out or skipped or e < len(piece.rstrip("，。；？！,;?! ")):
                break
            continue  # the telling piece's own closing comma
        if found:
            if w in _CONJUNCTION:  # look for the head of the conjunct before
                found, skipped = False, 0
            continue  # the head's own modifiers (出国 of 出国参展)
        if w in weighted and w not in _ATTRIBUTE and _may_head(w, piece, e, can_head):
            if _POINTED.search(piece[: e - len(w)]) or w[0] in "那这该此":
                break  # 每满200万那部分能补多少: the part meant is the one said before
            benefit = _BENEFIT.match(piece, e) is not None or (
                _BENEFIT.match(piece, anchor) is not None and not piece[e:anchor].strip("的")
            )
            out.append((w, benefit and first and not out))
            found = True
            continue
        if _MANNER.fullmatch(w):
            skipped = 0  # 加计扣除现在是按多少扣: the manner phrase (按…) is how, its words no distance
            continue
        skipped += w not in _ATTRIBUTE and w not in _CONJUNCTION
        if skipped > _SKIP or _TELLING.fullmatch(w):
            break  # 领导问…有没有资助, 主管让我问问能补多少: who wants to know is not what is asked
    return out


# the words that offer alternatives (A还是B, A或者B): a question that chooses between values
_CHOICE = frozenset("还是 或 或者".split())


def _alternative(tokens: list[tuple[str, int]], at: int) -> bool:
    """The figure at ``at`` stands beside a word that offers it as one alternative (10%还是20%)."""
    return any(0 <= j < len(tokens) and tokens[j][0] in _CHOICE for j in (at - 1, at + 1))


def processes(query: str, weighted: Mapping[str, float], can_head: Callable[[str], bool] = lambda t: True) -> list[tuple[str, str]]:
    """(thing, process) for each process whose attribute a piece asks (三高企业的认定标准, 高新技术
    企业认定…材料, 小巨人申报要求): the question asks how ``thing`` itself is recognised or applied
    for, not what is given to a thing once it is."""
    from index.text import _tokenizer, word_tag

    out: list[tuple[str, str]] = []
    for m in _PIECE.finditer(unquote_marks(query.lower())):
        piece = m.group()
        if not _ASK.search(piece):
            continue
        words = [w for w, _s, _e in _tokenizer().tokenize(piece) if w.strip()]
        for i, w in enumerate(words[:-1]):
            asked_of = words[i + 1] in _CRITERIA or _PROCESS_TAIL.fullmatch(words[i + 1])
            if len(w) < 2 or not word_tag(w).startswith("v") or w in _ATTRIBUTE or _BENEFIT.fullmatch(w) or not asked_of:
                continue  # a verb (认定, 申报) whose attribute is asked: 认定标准, 申报要求, 认定要满足
            for x in reversed(words[max(0, i - 3) : i]):
                if x in weighted and x not in _ATTRIBUTE and can_head(x):
                    out.append((x, w))
                    break
                if not re.search(r"[\u4e00-\u9fffa-z]", x):
                    break  # the thing is in the same phrase (瞪羚企业的认定: 企业 and 的 are passed over)
    return out


def _process_of(thing: str, process: str, haystack: str) -> bool:
    """A fragment of the clause writes the process of the thing itself (认定为国家高新技术企业,
    重点实验室的认定), the two words close together."""
    for frag in _FRAGMENT.findall(haystack):
        for a in (x.start() for x in re.finditer(re.escape(thing), frag)):
            for b in (x.start() for x in re.finditer(re.escape(process), frag)):
                if abs(a - b) <= _PROCESS_REACH + max(len(thing), len(process)):
                    return True
    return False


# what a process is asked by: its criteria and its procedure (认定标准, 申报材料), not an amount (合计上限)
_CRITERIA = frozenset("标准 条件 要求 门槛 流程 材料 程序 时间 时限".split())
_PROCESS_REACH = 8  # characters between a thing and its process in one fragment (认定为部级科技企业孵化器)
_FRAGMENT = re.compile(r"[^，。；、,;\n]+")
# what a question asks of a process besides an attribute word: its months, its materials (认定每年几月份申报)
_PROCESS_TAIL = re.compile(r"每年|几月|哪月|什么时候|何时|要|需|需要|应|应当|得")


def unquote_marks(text: str) -> str:
    return text.translate(str.maketrans("", "", "“”\"'‘’「」『』"))


def _dictionary_word(word: str) -> bool:
    from index.text import _tokenizer, known_word

    tk = _tokenizer()
    tk.check_initialized()
    return known_word(word) or bool(tk.FREQ.get(word))


@lru_cache(maxsize=8192)
def _prefix_in_word(text: str, at: int, term: str) -> str | None:
    """What precedes ``term`` at ``at`` inside a longer dictionary word of ``text`` (个人 of
    个人所得税 around 所得税), the longest; None when ``term`` ends no longer word there."""
    for k in (4, 3, 2, 1):
        if at - k < 0:
            continue
        word = text[at - k : at + len(term)]
        if re.fullmatch(r"[\u4e00-\u9fff]+", word) and _dictionary_word(word):
            return word[:k]
    return None


def _other_compound(term: str, question: str, haystack: str) -> bool:
    """The question writes a noun right before ``term`` (企业 所得税) that the clause never joins to
    it, while every place the clause writes ``term`` is inside a dictionary word of another
    first part (个人所得税): two kinds of one thing."""
    from index.text import _tokenizer

    before = None
    for w, _s, e in _tokenizer().tokenize(question):
        if question.startswith(term, e):
            before = w
            break
    if before is None or not re.fullmatch(r"[\u4e00-\u9fff]{2,4}", before) or before + term in haystack:
        return False
    places = [m.start() for m in re.finditer(re.escape(term), haystack)]
    prefixes = [_prefix_in_word(haystack, p, term) for p in places]
    return bool(places) and all(p is not None and not before.endswith(p) for p in prefixes)


def _granted(term: str, haystack: str) -> bool:
    """A sentence of the clause names ``term`` together with something given."""
    return any(term in s and _GRANT.search(s) for s in _SENT.findall(haystack))


def head_covered(
    query: str,
    haystack: str,
    weighted: Mapping[str, float],
    credit: Callable[[str], float],
    can_head: Callable[[str], bool] = lambda t: True,
    coverage: float = 0.0,
) -> bool:
    """Whether the clause covers what the question asks about: one head of an asking piece is in
    the clause, as the same word, and granted when a benefit is asked for by name. True when the
    question has no head to test."""
    for thing, process in processes(query, weighted, can_head):
        if not _process_of(thing, process, haystack):
            return False  # 三高企业的认定标准 against a clause where a laboratory is 认定
    found = heads(query, weighted, can_head)
    if not found:
        return True
    text = query.lower()
    for head, benefit in found:
        if credit(head) < 0.5 and coverage < _NEARLY_ALL:
            continue
        if head in haystack and _other_compound(head, text, haystack):
            continue
        if benefit and head in haystack and not _granted(head, haystack):
            continue
        return True
    return False
