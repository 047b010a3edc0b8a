"""Printed numbering: the heading schemes, their nesting (the outline), and paragraphs rebuilt from wrapped lines."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from corpus.structure.lines import ANSWER, ORG, QUESTION, Line
from corpus.structure.text import SENTENCE_PUNCT, cn_number, ends_sentence, join, printed_width, squash, tidy, unclosed

__all__ = ["CN", "Block", "Head", "assemble", "heading_rest", "match_heading", "org_names", "title_like"]

CN = "一二三四五六七八九十百"
_SCHEMES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("chapter", re.compile(rf"^(?P<label>第(?P<n>[{CN}零〇\d]+)章)\s*")),
    ("section", re.compile(rf"^(?P<label>第(?P<n>[{CN}零〇\d]+)节)\s*")),
    ("article", re.compile(rf"^(?P<label>第(?P<n>[{CN}零〇\d]+)条)\s*")),
    ("cn", re.compile(rf"^(?P<label>(?P<n>[{CN}]+)、)\s*")),
    ("cn-paren", re.compile(rf"^(?P<label>[（(]\s*(?P<n>[{CN}]+)\s*[）)])\s*")),
    ("arabic", re.compile(r"^(?P<label>(?P<n>\d{1,3})\s*[.．、])(?![\d.．])\s*")),
    ("arabic-paren", re.compile(r"^(?P<label>[（(]\s*(?P<n>\d{1,3})\s*[）)])\s*")),
    ("circled", re.compile(r"^(?P<label>(?P<n>[①-⑳]))\s*")),
)


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
            n = m.group("n")
            number = ord(n) - ord("①") + 1 if scheme == "circled" else cn_number(n)
            label = squash(printed).replace("(", "（").replace(")", "）")
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

    def __init__(self) -> None:
        self.rank: dict[str, int] = {}
        self.stack: list[_Frame] = []
        self.root: dict[str, int] = {}
        self.last: dict[str, int] = {}

    def accept(self, head: Head) -> int | None:
        """The depth of ``head`` in the outline, or None when it is out of sequence."""
        rank = self.rank.get(head.scheme, len(self.rank))
        keep = 0
        while keep < len(self.stack) and self.rank[self.stack[keep].scheme] < rank:
            keep += 1
        counters = self.stack[keep - 1].counters if keep else self.root
        previous = counters.get(head.scheme)
        if previous is not None:
            ok = head.number == previous + 1
        elif head.scheme not in self.rank:
            ok = head.number == 1
        else:
            ok = head.number in (1, self.last.get(head.scheme, 0) + 1)
        if not ok:
            return None
        self.rank.setdefault(head.scheme, rank)
        del self.stack[keep:]
        counters[head.scheme] = head.number
        self.last[head.scheme] = head.number
        self.stack.append(_Frame(head.scheme))
        return keep

    def nests(self, head: Head) -> bool:
        """Whether ``head`` would open a level under the current heading (a list, inside an answer)."""
        rank = self.rank.get(head.scheme, len(self.rank))
        return not self.stack or all(self.rank[f.scheme] < rank for f in self.stack)

    def question(self) -> tuple[int, int]:
        """Depth and per-parent number of a 问 block: it belongs to the current heading."""
        counters = self.stack[-1].counters if self.stack else self.root
        counters["问答"] = counters.get("问答", 0) + 1
        return len(self.stack), counters["问答"]


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
        head = match_heading(text) if not gated else None
        if head is not None and in_answer and outline.nests(head):
            head = None  # "1." inside an answer lists points of the answer
        if head is not None and (depth := outline.accept(head)) is not None:
            close()
            current = Block([text], kind="heading", head=head, depth=depth)
            seen_heading, in_answer = True, False
        elif QUESTION.match(text) and not gated:
            close()
            depth, number = outline.question()
            current = Block([text], kind="question", depth=depth, number=number)
            seen_heading, in_answer = True, True
        elif ANSWER.match(text) and not gated:
            close()
            current = Block([text], kind="answer")
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
