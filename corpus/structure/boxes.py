"""Interpretation FAQs printed as boxes: per measure a heading, its 政策原文 and the 问/答 on it.

A newspaper's 解读 page prints each measure in a box (heading, "政策原文：…") beside the
questions and answers about it. Extracted from a two-column PDF the box comes out after its own
问/答, and the article's lead (headline, title line, intro) after the last box. This module
recognises that layout from the blocks and puts each measure back together::

    [导语] headline            the lead: the title line and the intro
    <heading>                  one per box, in print order
      [政策原文]               the box's text without "政策原文："
      [问答1], [问答2] …       the 问/答 about it (those printed before the box when the
                               document opens with a question, else those after it)

``box_sections`` returns None for any other text, which the general reader structures.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from corpus.documents import Section
from corpus.structure.numbering import Block, title_like
from corpus.structure.text import SENTENCE_PUNCT, join, tidy

__all__ = ["Boxed", "box_sections"]

_ORIGINAL = re.compile(r"^政策原文\s*[：:]\s*")
_QUESTION_MARK = re.compile(r"^问\s*[\d一二三四五六七八九十]*\s*[：:]\s*")
_MIN_BOXES = 2


@dataclass(slots=True)
class Boxed:
    """The sections of a boxed FAQ and the title line its lead prints (None when it prints none)."""

    sections: list[Section]
    title: str | None


@dataclass(slots=True)
class _Box:
    heading: str
    original: list[str]
    questions: list[Section] = field(default_factory=list)


def _short_line(text: str) -> bool:
    return 0 < len(text) <= 40 and not SENTENCE_PUNCT.search(text)


def _text_of(lines: list[str]) -> str:
    raw = ""
    for line in lines:
        raw = join(raw, line)
    return tidy(raw)


def _split_box(block: Block) -> tuple[list[str], str] | None:
    """A text block that opens a box: (the lines before "政策原文：", the box's first paragraph)."""
    if block.kind != "text":
        return None
    at = next((i for i, line in enumerate(block.lines) if _ORIGINAL.match(line.strip())), None)
    if at is None or at == 0 or not _short_line(_text_of(block.lines[:at])):
        return None
    return block.lines[:at], _ORIGINAL.sub("", _text_of(block.lines[at:]))


def _lead(block: Block) -> tuple[str, list[str], str | None] | None:
    """A text block that opens with a headline line: (headline, paragraphs, the title line)."""
    if block.kind != "text" or len(block.lines) < 2 or not _short_line(block.lines[0].strip()):
        return None
    headline, rest = block.lines[0].strip(), block.lines[1:]
    title = rest[0].strip() if title_like(rest[0].strip()) else None
    paragraphs = [title] if title else []
    body = _text_of(rest[1:] if title else rest)
    return headline, paragraphs + ([body] if body else []), title


def box_sections(blocks: list[Block]) -> Boxed | None:
    """The measures of a boxed interpretation FAQ, or None when the text is not one."""
    opens = [i for i, b in enumerate(blocks) if _split_box(b) is not None]
    first_question = next((i for i, b in enumerate(blocks) if b.kind == "question"), None)
    if len(opens) < _MIN_BOXES or first_question is None:
        return None
    before = first_question < opens[0]  # the 问/答 stand before the box they are about
    boxes: list[_Box] = []
    pending: list[Section] = []  # questions read before their box
    lead: list[Block] = []
    front: list[Block] = []
    current: Section | None = None  # the 问答 being read
    in_box = False
    for i, block in enumerate(blocks):
        if (split := _split_box(block)) is not None:
            heading, original = split
            boxes.append(_Box(_text_of(heading), [original], pending if before else []))
            pending, current, in_box = [], None, True
            continue
        if block.kind == "question":
            in_box = False
            if not before and not boxes:
                return None  # a question before any box in a document whose boxes come first
            owner = pending if before else boxes[-1].questions
            asked = _QUESTION_MARK.sub("", block.text)
            current = Section(label=f"[问答{len(owner) + 1}]", title=asked, level=2, paragraphs=[block.text])
            owner.append(current)
            continue
        if in_box and i > opens[-1] and _lead(block) is not None:
            lead = blocks[i:]
            break
        if in_box:
            boxes[-1].original.append(block.text)
        elif current is not None:
            current.paragraphs.append(block.text)
        elif not before and not boxes:
            front.append(block)  # the title and preamble of a page whose boxes come first
        else:
            return None  # text between a box and its questions: another layout
    if pending or any(not b.original for b in boxes):
        return None
    sections: list[Section] = []
    title: str | None = next((b.text for b in front if title_like(b.text)), None)
    if preamble := [b.text for b in front if b.text != title]:
        sections.append(Section(label="[前言]", title="", level=1, paragraphs=preamble))
    if lead and (found := _lead(lead[0])) is not None:
        headline, paragraphs, title = found[0], found[1], found[2] or title
        paragraphs += [b.text for b in lead[1:]]
        sections.append(Section(label="[导语]", title=headline, level=1, paragraphs=paragraphs))
    for box in boxes:
        children = [Section(label="[政策原文]", title="", level=2, paragraphs=box.original), *box.questions]
        sections.append(Section(label=box.heading, title=box.heading, level=1, children=children))
    return Boxed(sections, title)
