"""Lines of a converted text: page furniture dropped, letterhead, 文号 and 印发 lines recognised."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass, field

from corpus.structure.text import DATE, SENTENCE_PUNCT, date_of, squash

__all__ = ["normalise_doc_no", "ANSWER", "FOOTER", "ORG", "QUESTION", "Cleaned", "Line", "clean_lines"]

_PAGE_MARK = re.compile(
    r"^(?:[-—–－―~·]+\s*\d{1,4}\s*[-—–－―~·]+|第\s*\d{1,4}\s*页(?:\s*[，,]?\s*共\s*\d{1,4}\s*页)?"
    r"|共\s*\d{1,4}\s*页\s*[，,]?\s*第\s*\d{1,4}\s*页|\d{1,4}\s*/\s*\d{1,4}|\d{1,4})$"
)
_RULE = re.compile(r"^(?:-{3,}|\*{3,}|_{3,}|[—━─]{3,})$")
_MD_HEADING = re.compile(r"^#{1,6}\s+(.*)$")
_DOC_NO_LINE = re.compile(r"^(?P<no>[\u4e00-\u9fff]{1,15}\s*[〔\[［【(（]\s*(?:19|20)\d{2}\s*[〕\]］】)）]\s*第?\s*\d{1,5}\s*号)$")
_DATE_LINE = re.compile(rf"^{DATE.pattern}$")
_PRINTED_LINE = re.compile(rf"^(?P<org>.*?)\s*{DATE.pattern}\s*印发$")
# A regulation's promulgation note under its title: "（2021年7月27日中华人民共和国国务院令第746号公布）".
_PROMULGATION = re.compile(
    rf"^[（(]\s*{DATE.pattern}\s*(?P<org>[\u4e00-\u9fff]{{2,30}}?)令\s*(?P<no>第\s*\d{{1,5}}\s*号)\s*(?:公布|发布)[^）)]*[）)]$"
)
_PUBLIC_NOTE = re.compile(r"^[（(]此(?:件|页)[^）)]{1,12}[）)]$")
FOOTER = re.compile(r"^(?:抄送|抄报|分送|发送|主送|有关单位)\s*[：:]")
ORG = re.compile(r"^[\u4e00-\u9fff（）]{2,30}(?:局|厅|委|会|办|室|府|院|部|署|处|中心|行|所|馆|司|团|组|社)$")
_LETTERHEAD_END = re.compile(r"^[\u4e00-\u9fff\s]{0,40}文件$")
QUESTION = re.compile(r"^问\s*[\d一二三四五六七八九十]*\s*[：:]")
ANSWER = re.compile(r"^答\s*[：:]")


@dataclass(slots=True)
class Line:
    text: str
    kind: str = "text"  # text | md (a Markdown heading) | date (a date alone) | rule (a boundary)


@dataclass(slots=True)
class Cleaned:
    lines: list[Line]
    letterhead: list[str] = field(default_factory=list)
    doc_no: str | None = None
    printed_on: dt.date | None = None  # the footer's "… 印发" date
    promulgated: tuple[dt.date | None, str] | None = None  # "（2021年7月27日中华人民共和国国务院令第746号公布）": date, issuer
    dropped: Counter[str] = field(default_factory=Counter)


def normalise_doc_no(no: str) -> str:
    no = squash(no)
    return re.sub(r"[\[［【(（]((?:19|20)\d{2})[\]］】)）]", r"〔\1〕", no)


def clean_lines(text: str) -> Cleaned:
    """Strip markup and page furniture; keep every line of text, with a kind for the special ones."""
    out = Cleaned(lines=[])
    raw = [line.replace("**", "").replace("\t", " ").strip(" \u3000\xa0\ufeff") for line in text.splitlines()]
    raw = [line for line in raw if line]
    # Letterhead: issuer lines ending in a "…文件" line at the very top, before any sentence.
    for i, line in enumerate(raw[:12]):
        if SENTENCE_PUNCT.search(line):
            break
        if _LETTERHEAD_END.match(line) and all(ORG.match(part) for x in raw[:i] for part in x.split()):
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
            out.lines.append(Line(m.group(1).strip(), "md"))
        elif _RULE.match(line):
            out.lines.append(Line(line, "rule"))
        elif m := _DOC_NO_LINE.match(line):
            out.dropped["document number line"] += 1
            out.doc_no = out.doc_no or normalise_doc_no(m.group("no"))
        elif m := _PRINTED_LINE.match(line):
            out.dropped["印发 line"] += 1
            out.printed_on = date_of(m)
            out.lines.append(Line(line, "rule"))
        elif (m := _PROMULGATION.match(line)) and out.promulgated is None:
            out.dropped["promulgation note"] += 1
            out.promulgated = (date_of(m), m.group("org"))
            out.doc_no = out.doc_no or squash(f"{m.group('org')}令{m.group('no')}")
            out.lines.append(Line(line, "rule"))
        elif _DATE_LINE.match(line):
            out.lines.append(Line(line, "date"))
        elif _PUBLIC_NOTE.match(line):
            out.dropped["（此件…） note"] += 1
            out.lines.append(Line(line, "rule"))
        else:
            out.lines.append(Line(line))
    return out
