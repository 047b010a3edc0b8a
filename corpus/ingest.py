"""Raw policy text (.txt / .md extracted from a PDF or a web page) → a structured document for review.

The data flow, one step per function::

    bytes ─_decode→ str ─_clean_lines→ lines ─_assemble→ blocks (paragraphs, headings, 问/答)
      ─_structure→ [印发通知] + [前言] (_front), numbered tree (_body), [附则N] (_closing)
      ─ingest_text→ PolicyDocument + Section tree ─dump_document→ <doc_id>.md (write_ingested)

Blocks are paragraphs rebuilt from wrapped lines: blank lines are ignored (PDF extraction puts
them inside sentences), and a line continues the previous one unless the previous one ends a
sentence or the line itself starts a heading, a 问/答, a date line. Headings are recognised by
the usual numbering schemes (第X章, 第X条, 一、, （一）, 1. / 1、, （1）, ①); a scheme first seen
inside another nests under it, and a number that is not the next in its sequence is taken for
a wrapped line that happens to start with a digit. The result is written for a person to review
before it joins ``corpus/documents/``; nothing here guesses a date the text does not print.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import tempfile
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TypedDict, Unpack

from corpus.documents import Section, clauses_of, dump_document, parse_document
from corpus.errors import CorpusError, IngestError
from corpus.records import DocKind, PolicyDocument

__all__ = ["ENCODINGS", "SUFFIXES", "ingest_command", "ingest_file", "ingest_text", "write_ingested"]

SUFFIXES = (".txt", ".md")
ENCODINGS = ("utf-8", "utf-8-sig", "gb18030")  # tried in this order

# Same rule as the loader's (corpus.documents._ID), so an ingested file always loads.
_DOC_ID = re.compile(r"^[a-z0-9][a-z0-9-]{2,40}$")


class Overrides(TypedDict, total=False):
    """Metadata the caller may set instead of (or where the text gives no) detected value."""

    doc_id: str | None
    title: str | None
    doc_no: str | None
    issuers: tuple[str, ...] | None
    region: str | None
    kind: DocKind | str | None
    issued: dt.date | None
    validity_text: str | None
    effective_from: dt.date | None
    expires: dt.date | None
    notes: str | None


# ---------------------------------------------------------------------------------------------
# Decoding


def _decode(data: bytes, where: str) -> str:
    if not data.strip():
        raise IngestError(f"{where}: the file is empty; give a file that holds the policy text", message_zh="文件为空。")
    if b"\x00" in data:
        raise IngestError(
            f"{where}: the file holds NUL bytes, so it is binary (or UTF-16), not text; extract the text first and save it as UTF-8 .txt",
            message_zh="文件不是文本文件，请先提取文字并保存为 UTF-8 文本。",
        )
    for encoding in ENCODINGS:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        break
    else:
        raise IngestError(
            f"{where}: the bytes are not valid in any of the encodings tried {list(ENCODINGS)!r}; convert the file to UTF-8",
            message_zh="无法识别文件编码，请将文件转换为 UTF-8 编码。",
        )
    text = text.removeprefix("\ufeff")
    controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\t\n\r\f\v")
    if controls > max(2, len(text) // 200):
        raise IngestError(
            f"{where}: {controls} control characters in the decoded text: it is binary, not text; "
            "extract the text first and save it as UTF-8 .txt",
            message_zh="文件不是文本文件，请先提取文字并保存为 UTF-8 文本。",
        )
    return text


# ---------------------------------------------------------------------------------------------
# Small text helpers

_CN_DIGIT = {ch: n for n, chars in enumerate(("零〇○", "一", "二两", "三", "四", "五", "六", "七", "八", "九")) for ch in chars}
_CN_UNIT = {"十": 10, "百": 100, "千": 1000}


def _number(s: str) -> int:
    """1, 12, 一, 十六, 二十一, 一百零一, 二〇二四 → int."""
    if s.isascii() and s.isdigit():
        return int(s)
    if len(s) > 1 and all(ch in _CN_DIGIT for ch in s):  # a year written digit by digit
        return int("".join(str(_CN_DIGIT[ch]) for ch in s))
    total, digit = 0, 0
    for ch in s:
        if ch in _CN_DIGIT:
            digit = _CN_DIGIT[ch]
        elif ch in _CN_UNIT:
            total += (digit or 1) * _CN_UNIT[ch]
            digit = 0
        elif ch.isdigit():
            digit = digit * 10 + int(ch)
    return total + digit


_NUM = r"\d{1,2}|[一二三四五六七八九十]{1,3}"
_DATE = re.compile(rf"(?P<y>(?:19|20)\d{{2}}|[〇○零一二三四五六七八九]{{4}})\s*年\s*(?P<m>{_NUM})\s*月\s*(?P<d>{_NUM})\s*日")


def _date(m: re.Match[str]) -> dt.date | None:
    try:
        return dt.date(_number(m.group("y")), _number(m.group("m")), _number(m.group("d")))
    except ValueError:
        return None


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


_SPACES = re.compile(r"[ \t\u3000\xa0]+")
_CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef\u2014\u2018-\u201d\u2026]")


def _tidy(text: str) -> str:
    """Drop the spaces PDF extraction puts around Chinese text ("2024 年 9月", "年化 1% 贴息")."""

    def keep_between_latin(m: re.Match[str]) -> str:
        before, after = text[m.start() - 1 : m.start()], text[m.end() : m.end() + 1]
        return "" if _CJK.match(before) or _CJK.match(after) else m.group()

    return _SPACES.sub(keep_between_latin, text).strip()


def _join(a: str, b: str) -> str:
    if a and b and a[-1].isascii() and a[-1].isalnum() and b[0].isascii() and b[0].isalnum():
        return f"{a} {b}"
    return a + b


def _width(text: str) -> float:
    """Printed width in Chinese characters: ASCII counts half."""
    return len(text) - 0.5 * len(text.encode("ascii", "ignore"))


_OPEN, _CLOSE = "（(“《〈「『【", "）)”》〉」』】"
_BRACKET = re.compile(f"[{re.escape(_OPEN + _CLOSE)}]")
_FINAL_PUNCT = "。！？；：!?;:…"
_SENTENCE_PUNCT = re.compile(r"[，,。；;：:！!？?]")


def _unclosed(text: str) -> int | None:
    """Position of the innermost bracket or quote still open at the end of ``text``, if any."""
    stack: list[int] = []
    for m in _BRACKET.finditer(text):
        if m.group() in _OPEN:
            stack.append(m.start())
        elif stack:
            stack.pop()
    return stack[-1] if stack else None


def _ends_sentence(text: str) -> bool:
    """Whether a paragraph may end after ``text``: final punctuation outside any open bracket.

    A parenthesis closing the text ends it when it follows a finished sentence or stands alone
    ("…氛围。（责任单位：…）", "（此件主动公开）") or names who is responsible
    ("…政策支持（责任单位：…）").
    """
    pos = _unclosed(text)
    if pos is not None and len(text) - pos < 200:  # an opener far back is a typo, not a wrap
        return False
    t = text.rstrip()
    while t and t[-1] in "”’」』》":
        t = t[:-1]
    if not t:
        return False
    if t[-1] in _FINAL_PUNCT:
        return True
    if t[-1] in "）)":
        depth = 0
        for i in range(len(t) - 1, -1, -1):
            if t[i] in "）)":
                depth += 1
            elif t[i] in "（(":
                depth -= 1
                if depth == 0:
                    before, inner = t[:i].rstrip(), t[i + 1 : -1]
                    return not before or before[-1] in _FINAL_PUNCT or inner.startswith("责任") or inner.endswith(("负责", "牵头"))
    return False


# ---------------------------------------------------------------------------------------------
# Lines

_PAGE_MARK = re.compile(
    r"^(?:[-—–－―~·]+\s*\d{1,4}\s*[-—–－―~·]+|第\s*\d{1,4}\s*页(?:\s*[，,]?\s*共\s*\d{1,4}\s*页)?"
    r"|共\s*\d{1,4}\s*页\s*[，,]?\s*第\s*\d{1,4}\s*页|\d{1,4}\s*/\s*\d{1,4}|\d{1,4})$"
)
_RULE = re.compile(r"^(?:-{3,}|\*{3,}|_{3,}|[—━─]{3,})$")
_MD_HEADING = re.compile(r"^#{1,6}\s+(.*)$")
_DOC_NO_LINE = re.compile(r"^(?P<no>[\u4e00-\u9fff]{1,15}\s*[〔\[［【(（]\s*(?:19|20)\d{2}\s*[〕\]］】)）]\s*第?\s*\d{1,5}\s*号)$")
_DATE_LINE = re.compile(rf"^{_DATE.pattern}$")
_PRINTED_LINE = re.compile(rf"^(?P<org>.*?)\s*{_DATE.pattern}\s*印发$")
_PUBLIC_NOTE = re.compile(r"^[（(]此(?:件|页)[^）)]{1,12}[）)]$")
_FOOTER = re.compile(r"^(?:抄送|抄报|分送|发送|主送|有关单位)\s*[：:]")
_ORG = re.compile(r"^[\u4e00-\u9fff（）]{2,30}(?:局|厅|委|会|办|室|府|院|部|署|处|中心|行|所|馆|司|团|组|社)$")
_LETTERHEAD_END = re.compile(r"^[\u4e00-\u9fff\s]{0,40}文件$")
_QUESTION = re.compile(r"^问\s*[\d一二三四五六七八九十]*\s*[：:]")
_ANSWER = re.compile(r"^答\s*[：:]")


@dataclass(slots=True)
class _Line:
    text: str
    kind: str = "text"  # text | md (a Markdown heading) | date (a date alone) | rule (a boundary)


@dataclass(slots=True)
class _Cleaned:
    lines: list[_Line]
    letterhead: list[str] = field(default_factory=list)
    doc_no: str | None = None
    printed_on: dt.date | None = None  # the footer's "… 印发" date
    dropped: Counter[str] = field(default_factory=Counter)


def _normalise_doc_no(no: str) -> str:
    no = _squash(no)
    return re.sub(r"[\[［【(（]((?:19|20)\d{2})[\]］】)）]", r"〔\1〕", no)


def _clean_lines(text: str) -> _Cleaned:
    """Strip markup and page furniture; keep every line of text, with a kind for the special ones."""
    out = _Cleaned(lines=[])
    raw = [line.replace("**", "").replace("\t", " ").strip(" \u3000\xa0\ufeff") for line in text.splitlines()]
    raw = [line for line in raw if line]
    # Letterhead: issuer lines ending in a "…文件" line at the very top, before any sentence.
    for i, line in enumerate(raw[:12]):
        if _SENTENCE_PUNCT.search(line):
            break
        if _LETTERHEAD_END.match(line) and all(_ORG.match(part) for x in raw[:i] for part in x.split()):
            out.letterhead = [p for x in raw[:i] for p in x.split()] + ([line.removesuffix("文件").strip()] if line != "文件" else [])
            out.letterhead = [x for x in out.letterhead if x]
            out.dropped["letterhead"] += i + 1
            raw = raw[i + 1 :]
            break
    for line in raw:
        if _PAGE_MARK.match(line):
            out.dropped["page marker"] += 1
            continue
        if m := _MD_HEADING.match(line):
            out.lines.append(_Line(m.group(1).strip(), "md"))
        elif _RULE.match(line):
            out.lines.append(_Line(line, "rule"))
        elif m := _DOC_NO_LINE.match(line):
            out.dropped["document number line"] += 1
            out.doc_no = out.doc_no or _normalise_doc_no(m.group("no"))
        elif m := _PRINTED_LINE.match(line):
            out.dropped["印发 line"] += 1
            out.printed_on = _date(m)
            out.lines.append(_Line(line, "rule"))
        elif _DATE_LINE.match(line):
            out.lines.append(_Line(line, "date"))
        elif _PUBLIC_NOTE.match(line):
            out.dropped["（此件…） note"] += 1
            out.lines.append(_Line(line, "rule"))
        else:
            out.lines.append(_Line(line))
    return out


# ---------------------------------------------------------------------------------------------
# Headings and the outline

_CN = "一二三四五六七八九十百"
_SCHEMES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("chapter", re.compile(rf"^(?P<label>第(?P<n>[{_CN}零〇\d]+)章)\s*")),
    ("section", re.compile(rf"^(?P<label>第(?P<n>[{_CN}零〇\d]+)节)\s*")),
    ("article", re.compile(rf"^(?P<label>第(?P<n>[{_CN}零〇\d]+)条)\s*")),
    ("cn", re.compile(rf"^(?P<label>(?P<n>[{_CN}]+)、)\s*")),
    ("cn-paren", re.compile(rf"^(?P<label>[（(]\s*(?P<n>[{_CN}]+)\s*[）)])\s*")),
    ("arabic", re.compile(r"^(?P<label>(?P<n>\d{1,3})\s*[.．、])(?![\d.．])\s*")),
    ("arabic-paren", re.compile(r"^(?P<label>[（(]\s*(?P<n>\d{1,3})\s*[）)])\s*")),
    ("circled", re.compile(r"^(?P<label>(?P<n>[①-⑳]))\s*")),
)


@dataclass(frozen=True, slots=True)
class _Head:
    scheme: str
    number: int
    label: str  # the printed numbering, brackets made full-width so the loader reads it back
    printed: str  # the numbering exactly as it stands in the text


def _match_heading(line: str) -> _Head | None:
    for scheme, pattern in _SCHEMES:
        if m := pattern.match(line):
            printed = m.group("label")
            n = m.group("n")
            number = ord(n) - ord("①") + 1 if scheme == "circled" else _number(n)
            label = _squash(printed).replace("(", "（").replace(")", "）")
            return _Head(scheme, number, label, printed)
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

    def accept(self, head: _Head) -> int | None:
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

    def nests(self, head: _Head) -> bool:
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


def _title_like(text: str) -> bool:
    """A line or two naming a document: "…若干措施（试行）", "关于印发…的通知", "…的政策解读"."""
    return len(text) <= 100 and not _SENTENCE_PUNCT.search(text) and bool(_TITLE_SUFFIX.search(text))


@dataclass(slots=True)
class _Block:
    lines: list[str]
    kind: str = "text"  # text | heading | question | answer | md | date
    head: _Head | None = None
    depth: int = 0  # for headings and questions: the number of enclosing headings
    number: int = 0  # for questions: the number under its heading
    final: bool = False
    head_only: bool = False  # a heading line with no text of its own ("一、主要目标")
    soft: bool = False  # final only because it reads like a title: a title's next line may still join
    sentence: bool = False  # ends with sentence punctuation
    raw: str = field(default="", init=False)  # the lines joined, kept as they come (see ``add``)

    def __post_init__(self) -> None:
        for line in self.lines:
            self.raw = _join(self.raw, line)

    def add(self, line: str) -> None:
        self.lines.append(line)
        self.raw = _join(self.raw, line)

    @property
    def text(self) -> str:
        return _tidy(self.raw)


def _wrap_width(lines: list[_Line]) -> float | None:
    """The width at which the source wrapped its lines, when it visibly did (PDF text)."""
    widths = [
        round(_width(x.text))
        for x in lines
        if x.kind == "text" and not _ends_sentence(x.text) and not _match_heading(x.text) and _width(x.text) >= 15
    ]
    if len(widths) < 6:
        return None
    mode, _ = Counter(widths).most_common(1)[0]
    near = sum(1 for w in widths if abs(w - mode) <= 1)
    return float(mode) if near >= 0.4 * len(widths) else None


def _heading_rest(block: _Block) -> str:
    assert block.head is not None
    text = block.text
    return text[len(_tidy(block.head.printed)) :].strip() if text.startswith(_tidy(block.head.printed)) else text


def _assemble(lines: list[_Line], title: str | None, gate_until_title: bool) -> list[_Block]:
    """Rebuild paragraphs from wrapped lines, recognising headings as they come."""
    outline = _Outline()
    width = _wrap_width(lines)
    blocks: list[_Block] = []
    current: _Block | None = None
    gated = gate_until_title and title is not None
    seen_heading = in_answer = False
    want = _squash(title) if title else None

    def close() -> None:
        nonlocal current
        if current is not None:
            current.sentence = _ends_sentence(current.text)
            if current.kind == "heading" and not current.head_only:
                rest = _heading_rest(current)
                current.head_only = bool(rest) and not _SENTENCE_PUNCT.search(rest) and len(rest) <= 30
            blocks.append(current)
        current = None

    def settle(block: _Block, last_line: str) -> None:
        """Decide whether ``block`` is finished after ``last_line`` was added."""
        if len(block.lines) >= 200:  # no paragraph wraps over 200 lines: a text without punctuation
            block.final = True
            return
        # Only the end of a long block matters (titles and heading-only lines are short), which
        # keeps this linear in the length of the text.
        short = len(block.raw) <= 400
        text = block.text if short else _tidy(block.raw[-400:])
        if block.kind == "question":  # a question wraps over lines until its 答 (or grows implausibly long)
            block.final = not short
            return
        if block.kind == "heading" and short:
            rest = _heading_rest(block)
            full = width is not None and _width(last_line) >= 0.9 * width
            if rest and not _SENTENCE_PUNCT.search(rest) and len(rest) <= 30 and not full:
                block.final = block.head_only = True
                return
        if short and want and _squash(text) in (want, f"《{want}》"):
            block.final = True
        elif short and _title_like(text) and not seen_heading:
            block.final = block.soft = _unclosed(text) is None
        else:
            block.final = _ends_sentence(text)

    for line in lines:
        if line.kind == "date" and current is not None and not current.final and not _org_names(current):
            current.add(line.text)  # a date wrapped onto a line of its own mid-sentence
            settle(current, line.text)
            continue
        if line.kind != "text":
            close()
            if line.kind == "rule":
                continue
            block = _Block([line.text], kind=line.kind, final=True)
            if line.kind == "md" and (head := _match_heading(line.text)) and not gated:
                depth = outline.accept(head)
                if depth is not None:
                    block.kind, block.head, block.depth, block.head_only = "heading", head, depth, True
                    seen_heading, in_answer = True, False
            if want and _squash(line.text).startswith(want):
                gated = False
            blocks.append(block)
            continue
        text = line.text
        head = _match_heading(text) if not gated else None
        if head is not None and in_answer and outline.nests(head):
            head = None  # "1." inside an answer lists points of the answer
        if head is not None and (depth := outline.accept(head)) is not None:
            close()
            current = _Block([text], kind="heading", head=head, depth=depth)
            seen_heading, in_answer = True, False
        elif _QUESTION.match(text) and not gated:
            close()
            depth, number = outline.question()
            current = _Block([text], kind="question", depth=depth, number=number)
            seen_heading, in_answer = True, True
        elif _ANSWER.match(text) and not gated:
            close()
            current = _Block([text], kind="answer")
        elif current is not None and (not current.final or (current.soft and _title_like(_join(current.text, text)))):
            current.add(text)
        else:
            close()
            current = _Block([text])
        settle(current, text)
        if gated and current.final and want and _squash(current.text).startswith(want):
            gated = False
    close()
    return blocks


# ---------------------------------------------------------------------------------------------
# Segmentation and metadata

_NOTICE_TITLE = re.compile(r"《([^《》]{4,80})》")
_PRINTED_AS_NOTICE = re.compile(r"关于印发([^《》，。]{4,80}?)的通知")


def _outside_guillemets(text: str) -> str:
    return re.sub(r"《[^《》]*》", "", text)


def _notice_title(blocks: Iterable[_Block]) -> str | None:
    """The title named by the notice that issues the document: 印发《…》, or 关于印发…的通知."""
    for block in blocks:
        if block.kind in ("heading", "question", "answer"):
            break
        text = block.text
        if "印发" in _outside_guillemets(text) and (m := _NOTICE_TITLE.search(text)):
            return m.group(1)
        if m := _PRINTED_AS_NOTICE.search(_outside_guillemets(text)):
            return m.group(1)
    return None


_CLOSING = re.compile(
    r"就高不重复|有效期|解释|以本[\u4e00-\u9fff]{1,6}为准|之日起\s*(?:施行|实施|执行)|起\s*(?:施行|实施|执行)|废止|同时失效"
)
# Titles of closing provisions, by priority: the first phrase of this list found names it.
_CLOSING_TITLES = (
    r"就高不重复",
    r"以本[\u4e00-\u9fff]{1,6}为准",
    r"有效期",
    r"解释",
    r"废止",
    r"失效",
    r"施行",
    r"实施",
    r"执行",
)


def _closing_title(text: str) -> str:
    for phrase in _CLOSING_TITLES:
        if m := re.search(phrase, text):
            return m.group(0)
    return re.split(r"[，,。；;：:]", text, maxsplit=1)[0][:12]


def _sentences(text: str) -> list[str]:
    return [s for s in re.findall(r"[^。！？]*[。！？]|[^。！？]+$", text) if s.strip()]


def _add_years(day: dt.date, years: int = 0, months: int = 0) -> dt.date:
    """``day`` moved by years and months; a day the target month lacks becomes its last day."""
    month_index = day.month - 1 + months
    year, month = day.year + years + month_index // 12, month_index % 12 + 1
    for d in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, d)
        except ValueError:
            continue
    raise AssertionError("unreachable")


_SPAN = re.compile(rf"(?P<n>\d{{1,2}}|[{_CN}两]{{1,3}})\s*(?P<unit>年|个月)")


def _validity(sentence: str | None, issued: dt.date | None, printed_on: dt.date | None) -> tuple[dt.date | None, dt.date | None]:
    """(effective_from, expires) from the validity sentence, only from dates the text prints.

    "自发布之日起" counts from the date printed under the notice (``issued``); "自印发之日起" from
    the footer's 印发 date when there is one, else the same. "有效期N年" from such a start ends
    the day before the N-th anniversary. No printed start, no dates.
    """
    if not sentence:
        return None, None
    dates = [_date(m) for m in _DATE.finditer(sentence)]
    start: dt.date | None = None
    expires: dt.date | None = None
    if m := re.search(rf"(?:自|从)\s*{_DATE.pattern}\s*起", sentence):
        start = _date(m)
    elif re.search(r"自.{0,6}(?:印发)之日起", sentence):
        start = printed_on or issued
    elif re.search(r"自.{0,6}(?:发布|公布|签发|公开发布)之日起", sentence):
        start = issued
    if m := re.search(rf"有效期限?(?:为|自)?\s*{_DATE.pattern}\s*(?:起)?\s*(?:至|到|—|-)\s*(?P<end>.*)", sentence):
        start = _date(m)
        end = _DATE.search(m.group("end"))
        expires = _date(end) if end else None
    elif m := re.search(rf"有效期限?(?:至|到|截至)\s*{_DATE.pattern}", sentence):
        expires = _date(m)
    elif (m := re.search(r"有效期限?(?:为)?\s*" + _SPAN.pattern, sentence)) and start is not None:
        n, eve = _number(m.group("n")), start - dt.timedelta(days=1)  # the start day is the first day in force
        expires = _add_years(eve, years=n) if m.group("unit") == "年" else _add_years(eve, months=n)
    elif len(dates) >= 2 and "至" in sentence:
        start, expires = dates[0], dates[-1]
    return start, expires


@dataclass(frozen=True, slots=True)
class _Region:
    province: str
    short: tuple[str, ...]
    abbreviation: str  # the character a document number of the province starts with, or ""


_PROVINCES = (
    _Region("北京市", ("北京",), "京"),
    _Region("天津市", ("天津",), "津"),
    _Region("上海市", ("上海",), "沪"),
    _Region("重庆市", ("重庆",), "渝"),
    _Region("河北省", ("河北",), "冀"),
    _Region("山西省", ("山西",), "晋"),
    _Region("辽宁省", ("辽宁",), "辽"),
    _Region("吉林省", ("吉林",), "吉"),
    _Region("黑龙江省", ("黑龙江",), "黑"),
    _Region("江苏省", ("江苏",), "苏"),
    _Region("浙江省", ("浙江",), "浙"),
    _Region("安徽省", ("安徽",), "皖"),
    _Region("福建省", ("福建",), "闽"),
    _Region("江西省", ("江西",), "赣"),
    _Region("山东省", ("山东",), "鲁"),
    _Region("河南省", ("河南",), "豫"),
    _Region("湖北省", ("湖北",), "鄂"),
    _Region("湖南省", ("湖南",), "湘"),
    _Region("广东省", ("广东",), "粤"),
    _Region("海南省", ("海南",), "琼"),
    _Region("四川省", ("四川",), "川"),
    _Region("贵州省", ("贵州",), "黔"),
    _Region("云南省", ("云南",), "云"),
    _Region("陕西省", ("陕西",), "陕"),
    _Region("甘肃省", ("甘肃",), "甘"),
    # 青 and 宁 also start Qingdao's and Nanjing's document numbers: no abbreviation for these two.
    _Region("青海省", ("青海",), ""),
    _Region("宁夏回族自治区", ("宁夏",), ""),
    _Region("内蒙古自治区", ("内蒙古",), "蒙"),
    _Region("广西壮族自治区", ("广西",), "桂"),
    _Region("西藏自治区", ("西藏",), "藏"),
    _Region("新疆维吾尔自治区", ("新疆",), "新"),
)
# Cities named in a title or an issuer ("厦门市…"), with their province: the capitals, the
# sub-provincial cities and the larger cities of the provinces this corpus covers.
_CITIES = {
    "福建省": "厦门 福州 泉州 漳州 莆田 三明 南平 龙岩 宁德",
    "山东省": "济南 青岛 烟台 潍坊 淄博 威海 临沂 济宁 东营 日照 泰安 德州 聊城 滨州 菏泽 枣庄",
    "广东省": "广州 深圳 珠海 佛山 东莞 中山 汕头 惠州",
    "江苏省": "南京 苏州 无锡 常州 南通 徐州",
    "浙江省": "杭州 宁波 温州 嘉兴 绍兴 金华 台州 湖州",
    "河北省": "石家庄",
    "山西省": "太原",
    "辽宁省": "沈阳 大连",
    "吉林省": "长春",
    "黑龙江省": "哈尔滨",
    "安徽省": "合肥",
    "江西省": "南昌",
    "河南省": "郑州",
    "湖北省": "武汉",
    "湖南省": "长沙",
    "海南省": "海口 三亚",
    "四川省": "成都",
    "贵州省": "贵阳",
    "云南省": "昆明",
    "陕西省": "西安",
    "甘肃省": "兰州",
    "青海省": "西宁",
    "宁夏回族自治区": "银川",
    "内蒙古自治区": "呼和浩特",
    "广西壮族自治区": "南宁",
    "西藏自治区": "拉萨",
    "新疆维吾尔自治区": "乌鲁木齐",
}


def _detect_region(names: Iterable[str], doc_no: str | None) -> str | None:
    """福建省厦门市 / 山东省 … from a title or issuer naming the place, else the 文号's province."""
    texts = [t for t in names if t]
    for text in texts:
        for province, cities in _CITIES.items():
            for city in cities.split():
                if f"{city}市" in text:
                    return f"{province}{city}市"
    for text in texts:
        for region in _PROVINCES:
            if region.province in text or any(re.search(rf"{s}(?:省|市|自治区|壮族|回族|维吾尔)", text) for s in region.short):
                return region.province
    if doc_no:
        for region in _PROVINCES:
            if region.abbreviation and doc_no.startswith(region.abbreviation):
                return region.province
    return None


def _org_names(block: _Block) -> list[str]:
    names = [name for line in block.lines for name in line.split()]
    return names if names and all(_ORG.match(n) for n in names) else []


# ---------------------------------------------------------------------------------------------
# The document


@dataclass(slots=True)
class _Result:
    """The section tree and what the page itself says about the document."""

    sections: list[Section]
    title: str | None
    issuers: list[str]
    issued: dt.date | None
    validity_text: str | None
    notes: list[str]


def _heading_section(block: _Block, level: int) -> Section:
    assert block.head is not None
    rest = _heading_rest(block)
    if block.head_only:
        return Section(label=block.head.label, title=rest.rstrip("：:"), level=level)
    # A short lead sentence followed by more text is the item's title: "一、培育科技服务高新技术
    # 企业。支持…". A clause that is one sentence ("第二条 本办法适用于…。") has no title.
    title = ""
    if m := re.search(r"[。：:！？]", rest):
        candidate, after = rest[: m.start()], rest[m.end() :].strip()
        if candidate and after and len(candidate) <= 30 and not re.search(r"[，,；;]", candidate):
            title = candidate
    return Section(label=block.head.label, title=title, level=level, paragraphs=[block.text])


def _front(pre: list[_Block], cleaned: _Cleaned, title: str | None) -> _Result:
    """Title, cover letter ([印发通知]) and preamble ([前言]) from the blocks before the first heading."""
    squashed = _squash(title) if title else None
    t = next((i for i, b in enumerate(pre) if squashed and _squash(b.text) in (squashed, f"《{squashed}》")), None)
    if t is None and squashed:  # the title line may say more than the notice names: "…（试行）"
        t = next(
            (i for i, b in enumerate(pre) if _squash(b.text).startswith(squashed) and _title_like(b.text) and "印发" not in b.text),
            None,
        )
    if t is None and title is None:  # no notice: a Markdown heading, else the first short line
        t = next((i for i, b in enumerate(pre) if b.kind == "md"), None)
        if t is None:
            t = next(
                (i for i, b in enumerate(pre) if b.kind == "text" and len(b.text) <= 60 and not re.search(r"[，,。；;]", b.text)),
                None,
            )
    if t is not None and pre[t].kind in ("text", "md"):
        title = pre[t].text

    # A cover letter: an addressee line ("各有关单位：") or 印发 wording before the title.
    has_notice = any("印发" in _outside_guillemets(b.text) or (b.sentence and b.text.endswith(("：", ":"))) for b in pre)
    if t is not None:
        cover, preamble = pre[:t], pre[t + 1 :]
    elif has_notice:  # the title is not repeated: the cover ends at its date, or at its 印发 sentence
        end = max((i for i, b in enumerate(pre) if b.kind == "date"), default=None)
        if end is None:
            end = next((i for i, b in enumerate(pre) if "印发" in _outside_guillemets(b.text)), len(pre) - 1)
        cover, preamble = pre[: end + 1], pre[end + 1 :]
    else:
        cover, preamble = [], pre
    if cover and not has_notice:
        preamble, cover = cover + preamble, []

    # Issued: the date under the notice; issuers: the signature above it, else the letterhead,
    # else the issuer named in the notice's heading ("X关于印发…").
    issued: dt.date | None = None
    issuers: list[str] = []
    for i, b in enumerate(cover):
        if b.kind == "date" and issued is None and (m := _DATE.search(b.text)):
            issued = _date(m)
            for prev in reversed(cover[:i]):
                if not (names := _org_names(prev)):
                    break
                issuers = names + issuers
    if not issuers:
        issuers = list(cleaned.letterhead)
    if not issuers:
        for b in cover:
            if m := re.match(r"^(.{2,60}?)关于印发", b.text):
                names = m.group(1).split()
                issuers = names if all(_ORG.match(n) for n in names) else []
                break

    sections: list[Section] = []
    # The notice's heading, signature, date and （此件…） are not clauses: only its sentences are.
    if cover_text := [b.text for b in cover if b.sentence and b.kind == "text"]:
        sections.append(Section(label="[印发通知]", title="", level=1, paragraphs=cover_text))
    if preamble_text := [b.text for b in preamble if b.kind in ("text", "md", "answer")]:
        sections.append(Section(label="[前言]", title="", level=1, paragraphs=preamble_text))
    return _Result(sections, title, issuers, issued, None, [])


def _body(blocks: list[_Block], sections: list[Section]) -> tuple[Section, list[_Block]]:
    """Add the numbered headings and 问 blocks to ``sections``; paragraphs go to the innermost one.

    Returns the last heading and the unnumbered blocks that follow its own text.
    """
    stack: list[Section] = []
    tail: list[_Block] = []
    for block in blocks:
        if block.kind in ("heading", "question"):
            level = block.depth + 1
            del stack[block.depth :]
            if block.kind == "heading":
                section = _heading_section(block, level)
            else:
                question = re.sub(r"^问\s*[\d一二三四五六七八九十]*\s*[：:]\s*", "", block.text)
                section = Section(label=f"[问答{block.number}]", title=question, level=level, paragraphs=[block.text])
            (stack[-1].children if stack else sections).append(section)
            stack.append(section)
            tail = []
        else:
            stack[-1].paragraphs.append(block.text)
            tail.append(block)
    return stack[-1], tail


def _closing(owner: Section, tail: list[_Block], cleaned: _Cleaned, front: _Result) -> list[Section]:
    """Split the blocks after the last numbered item: its own text, closing provisions ([附则N]),
    and the signature, date and distribution footer (dropped, but their dates and names kept)."""
    kept_from = len(owner.paragraphs) - len(tail)
    closing: list[str] = []
    keep: list[str] = []
    in_closing = footer = False
    for i, block in enumerate(tail):
        text = block.text
        if block.kind == "date" and (m := _DATE.search(text)):
            front.issued = front.issued or _date(m)
            front.notes.append(f"dropped the closing date line {text!r}")
            continue
        names = _org_names(block)
        # a signature: followed by its date, or nothing but other signatures follow
        if names and (any(b.kind == "date" for b in tail[i + 1 : i + 3]) or all(_org_names(b) for b in tail[i:])):
            front.issuers = front.issuers or names
            front.notes.append(f"dropped the signature {' '.join(names)!r}")
            continue
        if footer or _FOOTER.match(text):
            footer = True
            cleaned.dropped["distribution footer"] += 1
            continue
        if in_closing or (block.kind == "text" and _CLOSING.search(text)):
            in_closing = True
            closing.append(text)
        else:
            keep.append(text)
    owner.paragraphs[kept_from:] = keep
    return [Section(label=f"[附则{n}]", title=_closing_title(text), level=1, paragraphs=[text]) for n, text in enumerate(closing, 1)]


def _validity_text(sections: list[Section]) -> str | None:
    """The validity sentence: in the closing provisions first, else anywhere but the cover letter."""
    ordered = sorted((s for s in _walk(sections) if s.label != "[印发通知]"), key=lambda s: not s.label.startswith("[附则"))
    candidates = [_unlabelled(sentence) for s in ordered for p in s.paragraphs for sentence in _sentences(p)]
    found = next((x for x in candidates if "有效期" in x), None)
    return found or next((x for x in candidates if re.search(r"(?:之日|日)起\s*(?:施行|实施|执行)", x)), None)


def _structure(blocks: list[_Block], cleaned: _Cleaned, title: str | None, where: str) -> _Result:
    first = next((i for i, b in enumerate(blocks) if b.kind in ("heading", "question")), None)
    if first is None:
        raise IngestError(
            f"{where}: no numbered headings (第X条, 一、, （一）, 1. …) and no 问：/答： blocks found, "
            "so the text has no structure to cite; number its clauses or write it as 问/答 and retry",
            message_zh="未识别到条款编号或问答结构，无法导入。",
        )
    result = _front(blocks[:first], cleaned, title)
    owner, tail = _body(blocks[first:], result.sections)
    result.sections.extend(_closing(owner, tail, cleaned, result))
    result.validity_text = _validity_text(result.sections)
    return result


def _unlabelled(sentence: str) -> str:
    """A sentence without the numbering it may start with ("第六条 本办法自…" → "本办法自…")."""
    sentence = sentence.strip()
    if head := _match_heading(sentence):
        sentence = sentence[len(head.printed) :].strip()
    return sentence


def _walk(sections: list[Section]) -> Iterable[Section]:
    for s in sections:
        yield s
        yield from _walk(s.children)


def ingest_text(text: str, *, source: str, **overrides: Unpack[Overrides]) -> tuple[PolicyDocument, list[Section]]:
    """Structure a raw policy text: its metadata and section tree, ready for ``dump_document``.

    ``overrides`` set metadata the text does not print or prints ambiguously (``doc_id``,
    ``region``, ``kind``, ``title``, ``issued`` …). Raises IngestError when the text has no
    numbered headings or 问/答 blocks, or when the region cannot be detected and is not given.
    """
    where = source
    if not text.strip():
        raise IngestError(f"{where}: the text is empty; give a file that holds the policy text", message_zh="文件为空。")
    cleaned = _clean_lines(text)
    if not any(line.kind == "text" or line.kind == "md" for line in cleaned.lines):
        raise IngestError(f"{where}: nothing but page markers and letterhead; is this the right file?", message_zh="文件中没有正文。")
    first_pass = _assemble(cleaned.lines, None, gate_until_title=False)
    title = overrides.get("title") or _notice_title(first_pass)
    # Headings are only looked for after the document's own title when the title stands
    # as a line of its own: a cover letter may number its own points.
    gate = title is not None and any(_squash(b.text).startswith(_squash(title)) and "印发" not in b.text for b in first_pass)
    blocks = _assemble(cleaned.lines, title, gate_until_title=gate)
    if gate and not any(b.kind in ("heading", "question") for b in blocks):
        blocks = _assemble(cleaned.lines, title, gate_until_title=False)  # the title line never matched
    result = _structure(blocks, cleaned, title, where)
    title = overrides.get("title") or result.title
    if not title:
        raise IngestError(
            f"{where}: cannot find the document's title (no 《…》 in an issuing notice, no title line); "
            "pass it with --title, e.g. --title '关于……的若干措施'",
            message_zh="未识别到文件标题。",
        )

    doc_no = overrides.get("doc_no") or cleaned.doc_no
    issuers = tuple(overrides.get("issuers") or result.issuers)
    region = overrides.get("region") or _detect_region([title, *issuers, *cleaned.letterhead], doc_no)
    if not region:
        raise IngestError(
            f"{where}: cannot tell the region from the title {title!r} or the issuers {list(issuers)!r}; "
            "pass it with --region (e.g. --region 福建省厦门市)",
            message_zh="未识别到政策所属地区，请指定地区。",
        )
    kind_value = overrides.get("kind") or DocKind.POLICY
    try:
        kind = DocKind(kind_value)
    except ValueError as e:
        raise IngestError(f"kind={kind_value!r} must be one of {[k.value for k in DocKind]}", message_zh="文件类型有误。") from e
    doc_id = overrides.get("doc_id") or f"doc-{hashlib.sha1(title.encode('utf-8')).hexdigest()[:8]}"
    if not _DOC_ID.match(doc_id):
        raise IngestError(
            f"doc_id={doc_id!r} must be 3-41 characters of [a-z0-9-] starting with a letter or digit, e.g. xm-example-2026",
            message_zh="文件编号格式有误。",
        )

    issued = overrides.get("issued") or result.issued
    validity_text = overrides.get("validity_text") or result.validity_text
    effective_from, expires = _validity(validity_text, issued, cleaned.printed_on)
    effective_from = overrides.get("effective_from") or effective_from
    expires = overrides.get("expires") or expires

    notes = overrides.get("notes")
    if notes is None:
        dropped = ", ".join(f"{what} ×{n}" for what, n in sorted(cleaned.dropped.items()))
        parts = [f"Ingested by corpus.ingest from {source}; review the structure and the dates before use."]
        if dropped:
            parts.append(f"Dropped: {dropped}.")
        if cleaned.printed_on:
            parts.append(f"The footer gives the 印发 date {cleaned.printed_on.isoformat()}.")
        parts.extend(f"{n[0].upper()}{n[1:]}." for n in result.notes)
        notes = " ".join(parts)

    document = PolicyDocument(
        id=doc_id,
        title=title,
        doc_no=doc_no,
        issuers=issuers,
        region=region,
        kind=kind,
        issued=issued,
        validity_text=validity_text,
        effective_from=effective_from,
        expires=expires,
        source=source,
        notes=notes,
    )
    try:
        clauses_of(document, result.sections)
    except CorpusError as e:
        raise IngestError(
            f"{where}: the recovered structure is not citable: {e}; fix the numbering in the text",
            message_zh="文件结构有误。",
        ) from e
    return document, result.sections


def _check_path(path: Path) -> None:
    if path.suffix.lower() not in SUFFIXES:
        raise IngestError(
            f"{str(path)!r}: only {list(SUFFIXES)!r} files can be ingested; extract the text to a .txt file first",
            message_zh="仅支持 .txt 或 .md 文本文件。",
        )


def ingest_file(path: Path, *, source: str | None = None, **overrides: Unpack[Overrides]) -> tuple[PolicyDocument, list[Section]]:
    """Read and structure a .txt / .md file (UTF-8, UTF-8 with BOM or GB18030)."""
    _check_path(path)
    try:
        data = path.read_bytes()
    except OSError as e:
        raise IngestError(f"cannot read {str(path)!r}: {e}", message_zh="无法读取文件。") from e
    text = _decode(data, str(path))
    return ingest_text(text, source=source or path.name, **overrides)


def _labels_not_read_back(written: list[Section], reloaded: list[Section]) -> list[str]:
    pairs = zip(_walk(written), _walk(reloaded), strict=False)
    return list(dict.fromkeys(a.label for a, b in pairs if a.label != b.label))


def write_ingested(path: Path, out_dir: Path, *, force: bool = False, **overrides: Unpack[Overrides]) -> Path:
    """Ingest ``path`` and write ``<out_dir>/<doc_id>.md`` for review; returns the file written.

    Writes atomically; refuses to replace an existing file unless ``force``. On any error nothing
    is written.
    """
    document, sections = ingest_file(path, **overrides)
    text = dump_document(document, sections)
    try:  # what a reviewer gets must load as it is
        reloaded = parse_document(text, where=f"{document.id}.md")[1]
        clauses_of(document, reloaded)
    except CorpusError as e:
        raise IngestError(f"{str(path)!r}: the written document would not load: {e}", message_zh="文件结构有误。") from e
    if unread := _labels_not_read_back(sections, reloaded):
        # e.g. 第一章, 1、, （1）: printed numbering the loader's label pattern does not know yet
        notes = f"{document.notes} The loader reads these labels back as part of their heading: {unread!r}."
        text = dump_document(replace(document, notes=notes.strip()), sections)
    target = out_dir / f"{document.id}.md"
    if target.exists() and not force:
        raise IngestError(
            f"{str(target)!r} already exists; review or move it, or pass --force to overwrite it",
            message_zh="目标文件已存在。",
        )
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=out_dir, prefix=f".{document.id}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(text)
                f.flush()
                os.fsync(f.fileno())
            if force:
                os.replace(tmp, target)
            else:
                os.link(tmp, target)  # fails if the file appeared meanwhile: never clobbers
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
    except FileExistsError as e:
        raise IngestError(
            f"{str(target)!r} already exists; review or move it, or pass --force to overwrite it",
            message_zh="目标文件已存在。",
        ) from e
    except OSError as e:
        raise IngestError(f"cannot write {str(target)!r}: {e}", message_zh="无法写入文件。") from e
    return target


def ingest_command(
    path: Path,
    out_dir: Path,
    *,
    doc_id: str | None = None,
    region: str | None = None,
    kind: DocKind | str = DocKind.POLICY,
    force: bool = False,
    title: str | None = None,
) -> Path:
    """``policyqa ingest FILE``: structure FILE and write it under ``out_dir`` for review."""
    return write_ingested(path, out_dir, force=force, doc_id=doc_id, region=region, kind=kind, title=title)
