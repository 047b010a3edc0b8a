"""Blocks → sections: the cover letter and preamble, the numbered body, the closing provisions."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass

from corpus.documents import Section
from corpus.errors import IngestError
from corpus.structure.boxes import Boxed
from corpus.structure.lines import FOOTER, ORG, Cleaned
from corpus.structure.metadata import CLOSING, closing_title, outside_guillemets, sentences
from corpus.structure.numbering import SERVICE_SECTIONS, Block, heading_rest, match_heading, org_names, title_like
from corpus.structure.text import DATE, date_of, squash

__all__ = ["Result", "boxed_result", "segment_blocks", "walk"]


@dataclass(slots=True)
class Result:
    """The section tree and what the page itself says about the document."""

    sections: list[Section]
    title: str | None
    issuers: list[str]
    issued: dt.date | None
    validity_text: str | None
    notes: list[str]


def _heading_section(block: Block, level: int) -> Section:
    assert block.head is not None
    rest = heading_rest(block)
    if block.head.scheme == "service":  # "补贴标准：10000元。": the section's name is its title
        return Section(label=block.head.label, title=block.head.label, level=level, paragraphs=[block.text])
    if block.head_only:
        return Section(label=block.head.label, title=rest.rstrip("：:"), level=level)
    if rest.endswith(("？", "?")) and len(rest) <= 80:  # "一、创业担保贷款申请对象有哪几类？": the printed question
        return Section(label=block.head.label, title=rest, level=level, paragraphs=[block.text])
    # A short lead sentence followed by more text is the item's title: "一、培育科技服务高新技术
    # 企业。支持…". A clause that is one sentence ("第二条 本办法适用于…。") has no title.
    title = ""
    if m := re.search(r"[。：:！？]", rest):
        candidate, after = rest[: m.start()], rest[m.end() :].strip()
        if candidate and after and len(candidate) <= 30 and not re.search(r"[，,；;]", candidate):
            title = candidate
    return Section(label=block.head.label, title=title, level=level, paragraphs=[block.text])


def _front(pre: list[Block], cleaned: Cleaned, title: str | None) -> Result:
    """Title, cover letter ([印发通知]) and preamble ([前言]) from the blocks before the first heading."""
    squashed = squash(title) if title else None
    t = next((i for i, b in enumerate(pre) if squashed and squash(b.text) in (squashed, f"《{squashed}》")), None)
    if t is None and squashed:  # the title line may say more than the notice names: "…（试行）"
        t = next(
            (i for i, b in enumerate(pre) if squash(b.text).startswith(squashed) and title_like(b.text) and "印发" not in b.text),
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
    has_notice = any("印发" in outside_guillemets(b.text) or (b.sentence and b.text.endswith(("：", ":"))) for b in pre)
    if t is not None:
        cover, preamble = pre[:t], pre[t + 1 :]
    elif has_notice:  # the title is not repeated: the cover ends at its date, or at its 印发 sentence
        end = max((i for i, b in enumerate(pre) if b.kind == "date"), default=None)
        if end is None:
            end = next((i for i, b in enumerate(pre) if "印发" in outside_guillemets(b.text)), len(pre) - 1)
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
        if b.kind == "date" and issued is None and (m := DATE.search(b.text)):
            issued = date_of(m)
            for prev in reversed(cover[:i]):
                if not (names := org_names(prev)):
                    break
                issuers = names + issuers
    if not issuers:
        issuers = list(cleaned.letterhead)
    if not issuers:
        for b in cover:
            if m := re.match(r"^(.{2,60}?)关于印发", b.text):
                names = m.group(1).split()
                issuers = names if all(ORG.match(n) for n in names) else []
                break

    sections: list[Section] = []
    # The notice's heading, signature, date and （此件…） are not clauses: only its sentences are.
    if cover_text := [b.text for b in cover if b.sentence and b.kind == "text"]:
        sections.append(Section(label="[印发通知]", title="", level=1, paragraphs=cover_text))
    if preamble_text := [b.text for b in preamble if b.kind in ("text", "md", "answer")]:
        sections.append(Section(label="[前言]", title="", level=1, paragraphs=preamble_text))
    return Result(sections, title, issuers, issued, None, [])


def _bump(section: Section) -> Section:
    section.level += 1
    for child in section.children:
        _bump(child)
    return section


def _body(blocks: list[Block], sections: list[Section]) -> tuple[Section, list[Block]]:
    """Add the numbered headings and 问 blocks to ``sections``; paragraphs go to the innermost one.

    A document with several lists that each restart at 一 gets one group per list
    (``[第1部分]``, ``[第2部分]`` …, titled by the line that introduces the list), so their
    items keep distinct ids. Returns the last heading and the unnumbered blocks that follow its
    own text.
    """
    stack: list[Section] = []
    tail: list[Block] = []
    start = len(sections)
    parts: list[Section] = []
    for block in blocks:
        if block.kind == "heading" and block.restart and block.depth == 0:
            if not parts:
                parts.append(Section(label="[第1部分]", title="", level=1, children=[_bump(s) for s in sections[start:]]))
                del sections[start:]
                sections.append(parts[0])
            title = ""
            if stack and stack[-1].paragraphs and tail and title_like_line(stack[-1].paragraphs[-1]):
                title = stack[-1].paragraphs.pop()  # the line introducing the new list is not the last item's text
            parts.append(Section(label=f"[第{len(parts) + 1}部分]", title=title, level=1))
            sections.append(parts[-1])
            stack = []
        if block.kind in ("heading", "question"):
            offset = 1 if parts else 0
            level = block.depth + 1 + offset
            del stack[block.depth :]
            if block.kind == "heading":
                section = _heading_section(block, level)
            else:
                question = re.sub(r"^问\s*[\d一二三四五六七八九十]*\s*[：:]\s*", "", block.text)
                section = Section(label=f"[问答{block.number}]", title=question, level=level, paragraphs=[block.text])
            (stack[-1].children if stack else parts[-1].children if parts else sections).append(section)
            stack.append(section)
            tail = []
        else:
            stack[-1].paragraphs.append(block.text)
            tail.append(block)
    return stack[-1], tail


def title_like_line(text: str) -> bool:
    """A short line without sentence punctuation: a heading the text prints without a number."""
    return len(text) <= 40 and not re.search(r"[，,。；;！!？?]", text)


def _closing(owner: Section, tail: list[Block], cleaned: Cleaned, front: Result) -> list[Section]:
    """Split the blocks after the last numbered item: its own text, closing provisions ([附则N]),
    and the signature, date and distribution footer (dropped, but their dates and names kept)."""
    kept_from = len(owner.paragraphs) - len(tail)
    closing: list[str] = []
    keep: list[str] = []
    in_closing = footer = False
    for i, block in enumerate(tail):
        text = block.text
        if block.kind == "date" and (m := DATE.search(text)):
            front.issued = front.issued or date_of(m)
            front.notes.append(f"dropped the closing date line {text!r}")
            continue
        names = org_names(block)
        # a signature: followed by its date, or nothing but other signatures follow
        if names and (any(b.kind == "date" for b in tail[i + 1 : i + 3]) or all(org_names(b) for b in tail[i:])):
            front.issuers = front.issuers or names
            front.notes.append(f"dropped the signature {' '.join(names)!r}")
            continue
        if footer or FOOTER.match(text):
            footer = True
            cleaned.dropped["distribution footer"] += 1
            continue
        if in_closing or (block.kind == "text" and CLOSING.search(text)):
            in_closing = True
            closing.append(text)
        else:
            keep.append(text)
    owner.paragraphs[kept_from:] = keep
    return [Section(label=f"[附则{n}]", title=closing_title(text), level=1, paragraphs=[text]) for n, text in enumerate(closing, 1)]


# "有效期至…", "有效期5年", "有效期为…", "暂定三年"; not "在批准文件有效期内".
_VALIDITY = re.compile(r"有效期限?\s*(?:为|至|到|截至|截止|自|\d|[一二三四五六七八九十两]|[（(])|暂定\s*\S{1,3}\s*年")


def _validity_text(sections: list[Section]) -> str | None:
    """The validity sentence: in the closing provisions first, else anywhere but the cover letter."""
    ordered = sorted((s for s in walk(sections) if s.label != "[印发通知]"), key=lambda s: not s.label.startswith("[附则"))
    candidates = [_unlabelled(sentence) for s in ordered for p in s.paragraphs for sentence in sentences(p)]
    found = next((x for x in candidates if _VALIDITY.search(x)), None)
    return found or next((x for x in candidates if re.search(r"(?:之日|日)起\s*(?:施行|实施|执行)", x)), None)


def _fold_service_sections(sections: list[Section]) -> None:
    """A measure of a service page is one clause: "1、一次性创业资助" takes the text of its
    补贴条件 / 补贴对象 / 补贴标准 / 补贴期限 sections, each paragraph still opening with its
    section's name. Sections that stand under no numbered measure stay clauses of their own."""
    for s in walk(sections):
        if (
            s.children
            and not s.paragraphs
            and not s.label.startswith("[")
            and all(c.label in SERVICE_SECTIONS and not c.children for c in s.children)
        ):
            s.paragraphs = [p for c in s.children for p in c.paragraphs]
            s.children = []


def segment_blocks(blocks: list[Block], cleaned: Cleaned, title: str | None, where: str) -> Result:
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
    _fold_service_sections(result.sections)
    result.validity_text = _validity_text(result.sections)
    return result


def boxed_result(boxed: Boxed) -> Result:
    """The result for a boxed interpretation FAQ (``boxes.box_sections``): its lead prints no
    date, issuer or signature; a validity sentence is looked for as anywhere else."""
    note = "read as a 解读 printed in boxes: each 问/答 placed under the box (heading, 政策原文) it stands beside"
    result = Result(boxed.sections, boxed.title, [], None, None, [note])
    result.validity_text = _validity_text(result.sections)
    return result


def _unlabelled(sentence: str) -> str:
    """A sentence without the numbering it may start with ("第六条 本办法自…" → "本办法自…")."""
    sentence = sentence.strip()
    if head := match_heading(sentence):
        sentence = sentence[len(head.printed) :].strip()
    return sentence


def walk(sections: list[Section]) -> Iterable[Section]:
    for s in sections:
        yield s
        yield from walk(s.children)
