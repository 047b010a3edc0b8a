"""Printed numbering: the heading schemes, their nesting (the outline), and paragraphs rebuilt from wrapped lines."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from corpus.structure.lines import ANSWER, ORG, QUESTION, Line
from corpus.structure.text import SENTENCE_PUNCT, cn_number, ends_sentence, join, printed_width, squash, tidy, unclosed

__all__ = ["CN", "SERVICE_SECTIONS", "Block", "Head", "assemble", "heading_rest", "match_heading", "org_names", "title_like"]

CN = "一二三四五六七八九十百"
_N = rf"[{CN}零〇\d](?:\s*[{CN}零〇\d])*"  # "十二", "12", "１２" and "1 1" (stray spaces of a PDF or web page)
# The printed headings of a service page (办事指南): each names a section of one measure.
SERVICE_SECTIONS = (
    "补贴条件 补贴对象 补贴标准 补贴期限 补贴范围 补贴方式 补助标准 奖励标准 资助标准 扶持标准 支持标准 "
    "申请条件 办理条件 申报条件 申请对象 申报对象 支持对象 扶持对象 适用对象 服务对象 "
    "申办流程 办理流程 申请流程 申报流程 办理程序 申请程序 申请材料 申报材料 办理材料 所需材料 "
    "办理时限 办理地点 受理地点 受理机构 办理机构 经办机构 办理方式 申请方式 申请渠道 兑现方式 政策依据 咨询电话 联系电话"
).split()
_SCHEMES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("chapter", re.compile(rf"^(?P<label>第\s*(?P<n>{_N})\s*章)\s*")),
    ("section", re.compile(rf"^(?P<label>第\s*(?P<n>{_N})\s*节)\s*")),
    ("article", re.compile(rf"^(?P<label>第\s*(?P<n>{_N})\s*条)(?![件款])\s*")),
    ("cn", re.compile(rf"^(?P<label>(?P<n>[{CN}]+)、)\s*")),
    ("cn-paren", re.compile(rf"^(?P<label>[（(]\s*(?P<n>[{CN}]+)\s*[）)])\s*")),
    ("arabic", re.compile(r"^(?P<label>(?P<n>\d{1,3})\s*[.．、])(?![\d.．])\s*")),
    ("arabic-paren", re.compile(r"^(?P<label>[（(]\s*(?P<n>\d{1,3})\s*[）)])\s*")),
    ("circled", re.compile(r"^(?P<label>(?P<n>[①-⑳]))\s*")),
    ("service", re.compile(rf"^(?P<label>(?P<n>{'|'.join(SERVICE_SECTIONS)}))\s*[：:]")),
)
# Inside these nothing is a heading: an article's （一）… and a service section's （1）… are its text.
_LEAF_SCHEMES = frozenset({"article", "service"})
# "附件" / "附件2" alone on a line (or with the annex's title) opens an annex: its numbering starts afresh.
_ANNEX = re.compile(r"^(?P<label>附\s*[件表]\s*(?P<n>[\d一二三四五六七八九十]*))\s*(?![：:，,])(?P<title>[^。；;，,：:]{0,40})$")
_FULLWIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")


@dataclass(frozen=True, slots=True)
class Head:
    scheme: str
    number: int
    label: str  # the printed numbering, brackets made full-width so the loader reads it back
    printed: str  # the numbering exactly as it stands in the text


def match_heading(line: str) -> Head | None:
    for scheme, pattern in _SCHEMES:
        if m := pattern.match(line):
            printed = m.group("label")
            n = squash(m.group("n")).translate(_FULLWIDTH_DIGITS)
            if scheme == "service":
                number = 0  # a section name, not a number: any order
            else:
                number = ord(n) - ord("①") + 1 if scheme == "circled" else cn_number(n)
            label = squash(printed).translate(_FULLWIDTH_DIGITS).replace("(", "（").replace(")", "）")
            return Head(scheme, number, label, printed)
    return None


@dataclass(slots=True)
class _Frame:
    scheme: str
    counters: dict[str, int] = field(default_factory=dict)


class _Outline:
    """The nesting of numbering schemes and the sequence of numbers in each.

    A scheme's rank is fixed when it is first seen: a new scheme nests under the current
    heading. A heading closes every open heading of its own or a deeper rank. Its number must
    follow the last one of its scheme under the same parent, or — first under a new parent —
    restart at 1 or continue the document-wide sequence (（一）…（十六） running across parts).
    """

    def __init__(self, base: int = 0) -> None:
        self.base = base  # depth of the outline's top level: 1 inside an annex
        self.rank: dict[str, int] = {}
        self.stack: list[_Frame] = []
        self.root: dict[str, int] = {}
        self.last: dict[str, int] = {}
        self.restarted = False  # the last accepted heading opened a new list: 一、 again after 三、

    def accept(self, head: Head, may_restart: bool = False) -> int | None:
        """The depth of ``head`` in the outline, or None when it is out of sequence.

        ``may_restart``: the text before ends a paragraph, so a top-level "一、" after "三、" may
        open a second list of the document (a policy list in two parts) instead of being text.
        """
        self.restarted = False
        rank = self.rank.get(head.scheme, len(self.rank))
        keep = 0
        while keep < len(self.stack) and self.rank[self.stack[keep].scheme] < rank:
            keep += 1
        if any(f.scheme in _LEAF_SCHEMES for f in self.stack[:keep]):
            return None  # an item of an article or of a service section
        counters = self.stack[keep - 1].counters if keep else self.root
        previous = counters.get(head.scheme)
        if head.scheme == "service":
            ok = True
        elif previous is not None:
            ok = head.number == previous + 1
        elif head.scheme not in self.rank:
            ok = head.number == 1
        else:
            ok = head.number in (1, self.last.get(head.scheme, 0) + 1)
        if not ok and may_restart and keep == 0 and rank == 0 and head.number == 1 and (previous or 0) >= 2:
            ok = self.restarted = True
            self.root, self.last = {}, {}
        if not ok:
            return None
        self.rank.setdefault(head.scheme, rank)
        del self.stack[keep:]
        counters[head.scheme] = head.number
        self.last[head.scheme] = head.number
        self.stack.append(_Frame(head.scheme))
        return self.base + keep

    def nests(self, head: Head) -> bool:
        """Whether ``head`` would open a level under the current heading (a list, inside an answer)."""
        rank = self.rank.get(head.scheme, len(self.rank))
        return not self.stack or all(self.rank[f.scheme] < rank for f in self.stack)

    def question(self) -> tuple[int, int]:
        """Depth and per-parent number of a 问 block: it belongs to the current heading."""
        counters = self.stack[-1].counters if self.stack else self.root
        counters["问答"] = counters.get("问答", 0) + 1
        return self.base + len(self.stack), counters["问答"]


# ---------------------------------------------------------------------------------------------
# Blocks

_TITLE_SUFFIX = re.compile(
    r"(?:措施|办法|规定|细则|方案|意见|通知|决定|规划|计划|指引|指南|解读|问答|解答|政策|纲要|条例|章程|公告|通告|清单|目录)"
    r"(?:[（(][^（()）]{1,6}[）)])?$"
)


def title_like(text: str) -> bool:
    """A line or two naming a document: "…若干措施（试行）", "关于印发…的通知", "…的政策解读"."""
    return len(text) <= 100 and not SENTENCE_PUNCT.search(text) and bool(_TITLE_SUFFIX.search(text))


@dataclass(slots=True)
class Block:
    lines: list[str]
    kind: str = "text"  # text | heading | question | answer | md | date
    head: Head | None = None
    depth: int = 0  # for headings and questions: the number of enclosing headings
    number: int = 0  # for questions: the number under its heading
    final: bool = False
    head_only: bool = False  # a heading line with no text of its own ("一、主要目标")
    soft: bool = False  # final only because it reads like a title: a title's next line may still join
    sentence: bool = False  # ends with sentence punctuation
    restart: bool = False  # a heading that opens a new list restarting at 一
    raw: str = field(default="", init=False)  # the lines joined, kept as they come (see ``add``)

    def __post_init__(self) -> None:
        for line in self.lines:
            self.raw = join(self.raw, line)

    def add(self, line: str) -> None:
        self.lines.append(line)
        self.raw = join(self.raw, line)

    @property
    def text(self) -> str:
        return tidy(self.raw)

    def introduces_list(self) -> bool:
        return self.kind == "text" and len(self.lines) == 1 and len(self.text) <= 40 and not SENTENCE_PUNCT.search(self.text)

    def sentence_end(self) -> bool:
        return ends_sentence(self.text[-200:]) or (self.kind == "heading" and self.head_only)


def _wrap_width(lines: list[Line]) -> float | None:
    """The width at which the source wrapped its lines, when it visibly did (PDF text)."""
    widths = [
        round(printed_width(x.text))
        for x in lines
        if x.kind == "text" and not ends_sentence(x.text) and not match_heading(x.text) and printed_width(x.text) >= 15
    ]
    if len(widths) < 6:
        return None
    mode, _ = Counter(widths).most_common(1)[0]
    near = sum(1 for w in widths if abs(w - mode) <= 1)
    return float(mode) if near >= 0.4 * len(widths) else None


def heading_rest(block: Block) -> str:
    assert block.head is not None
    text = block.text
    return text[len(tidy(block.head.printed)) :].strip() if text.startswith(tidy(block.head.printed)) else text


def assemble(lines: list[Line], title: str | None, gate_until_title: bool) -> list[Block]:
    """Rebuild paragraphs from wrapped lines, recognising headings as they come."""
    outline = _Outline()
    width = _wrap_width(lines)
    blocks: list[Block] = []
    current: Block | None = None
    gated = gate_until_title and title is not None
    seen_heading = in_answer = False
    want = squash(title) if title else None

    def close() -> None:
        nonlocal current
        if current is not None:
            current.sentence = ends_sentence(current.text)
            if current.kind == "heading" and not current.head_only:
                rest = heading_rest(current)
                current.head_only = bool(rest) and not SENTENCE_PUNCT.search(rest) and len(rest) <= 30
            blocks.append(current)
        current = None

    def settle(block: Block, last_line: str) -> None:
        """Decide whether ``block`` is finished after ``last_line`` was added."""
        if len(block.lines) >= 200:  # no paragraph wraps over 200 lines: a text without punctuation
            block.final = True
            return
        # Only the end of a long block matters (titles and heading-only lines are short), which
        # keeps this linear in the length of the text.
        short = len(block.raw) <= 400
        text = block.text if short else tidy(block.raw[-400:])
        if block.kind == "question":  # a question wraps over lines until its 答 (or grows implausibly long)
            block.final = not short
            return
        if block.kind == "heading" and short:
            rest = heading_rest(block)
            full = width is not None and printed_width(last_line) >= 0.9 * width
            if rest and not SENTENCE_PUNCT.search(rest) and len(rest) <= 30 and not full:
                block.final = block.head_only = True
                return
        if short and want and squash(text) in (want, f"《{want}》"):
            block.final = True
        elif short and title_like(text) and not seen_heading:
            block.final = block.soft = unclosed(text) is None
        else:
            block.final = ends_sentence(text)

    for line in lines:
        if line.kind == "date" and current is not None and not current.final and not org_names(current):
            current.add(line.text)  # a date wrapped onto a line of its own mid-sentence
            settle(current, line.text)
            continue
        if line.kind != "text":
            close()
            if line.kind == "rule":
                continue
            block = Block([line.text], kind=line.kind, final=True)
            if line.kind == "md" and (head := match_heading(line.text)) and not gated:
                depth = outline.accept(head)
                if depth is not None:
                    block.kind, block.head, block.depth, block.head_only = "heading", head, depth, True
                    seen_heading, in_answer = True, False
            if want and squash(line.text).startswith(want):
                gated = False
            blocks.append(block)
            continue
        text = line.text
        if seen_heading and not gated and (annex := _ANNEX.match(text)):
            close()
            outline = _Outline(base=1)  # an annex numbers its own lists, under its heading
            n = annex.group("n")
            head = Head("annex", cn_number(n) if n else 1, squash(annex.group("label")), annex.group("label"))
            current = Block([text], kind="heading", head=head, depth=0)
            seen_heading, in_answer = True, False
            settle(current, text)
            continue
        head = match_heading(text) if not gated else None
        if head is not None and in_answer and outline.nests(head):
            head = None  # "1." inside an answer lists points of the answer
        # a new list may start after a finished paragraph or after the short line that introduces it
        may_restart = current is None or (current.final and current.sentence_end()) or current.introduces_list()
        if head is not None and (depth := outline.accept(head, may_restart)) is not None:
            close()
            current = Block([text], kind="heading", head=head, depth=depth, restart=outline.restarted)
            seen_heading, in_answer = True, False
        elif QUESTION.match(text) and not gated:
            close()
            depth, number = outline.question()
            current = Block([text], kind="question", depth=depth, number=number)
            seen_heading, in_answer = True, True
        elif ANSWER.match(text) and not gated:
            close()
            current = Block([text], kind="answer")
            in_answer = True  # "一、…？" then "答：…": the answer's own lists are not headings
        elif current is not None and (not current.final or (current.soft and title_like(join(current.text, text)))):
            current.add(text)
        else:
            close()
            current = Block([text])
        settle(current, text)
        if gated and current.final and want and squash(current.text).startswith(want):
            gated = False
    close()
    return blocks


def org_names(block: Block) -> list[str]:
    names = [name for line in block.lines for name in line.split()]
    return names if names and all(ORG.match(n) for n in names) else []
