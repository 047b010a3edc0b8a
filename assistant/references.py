"""What a question cites itself: a document by its 文号 or 《title》, and a clause of it by number.

"厦府办规〔2024〕11号第二十条讲的是什么？" names a document and its twentieth item. When the document
has such an item, the answer rests on it; when it has none, the answer says so and says what the
document does have, instead of answering from another clause.

The numbering is read from the document's own printed labels (``15.``, ``（十）``, ``七、``,
``第十二条``), never assumed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from corpus.records import Clause, PolicyDocument

__all__ = ["ClauseRef", "find_clause_ref", "label_number", "numbering_summary", "resolve_ref"]

_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}


def _cn_int(text: str) -> int | None:
    """一 → 1, 十五 → 15, 二十三 → 23, 一百零五 → 105, "12" → 12; None for anything else."""
    if text.isdigit():
        return int(text)
    if not text or any(ch not in _CN_DIGITS and ch not in "十百" for ch in text):
        return None
    total, current = 0, 0
    for ch in text:
        if ch in _CN_DIGITS:
            current = _CN_DIGITS[ch]
        elif ch == "十":
            total += (current or 1) * 10
            current = 0
        elif ch == "百":
            total += (current or 1) * 100
            current = 0
    return total + current


_NUM = r"[零〇一二两三四五六七八九十百\d]+"
_LABEL_NUMBER = re.compile(rf"^(?:第\s*(?P<a>{_NUM})\s*[条章节部分项款]|[（(](?P<b>{_NUM})[）)]|(?P<c>{_NUM})\s*[、.．])$")
# How a question points at an item: 附则第2条 / 附则2, 第二十条, 第3项, 第（十七）条, （十七）, 第二部分
_REF = re.compile(
    rf"附则\s*第?\s*(?P<annex>{_NUM})\s*(?:条|项|点|款)?"
    rf"|第\s*[（(]?(?P<num>{_NUM})[）)]?\s*(?P<unit>条|项|点|款|部分|章)|[（(](?P<paren>{_NUM})[）)](?:条|项)?"
)
_PAREN_LABEL = re.compile(rf"^[（(]{_NUM}[）)]$")
# A closing provision the segmenter split off after the last numbered item: [附则2]
_ANNEX_LABEL = re.compile(rf"^\[附则(?P<n>{_NUM})\]$")


def label_number(label: str) -> int | None:
    """The number a printed label carries: ``15.`` → 15, ``（十）`` → 10, ``第十二条`` → 12."""
    m = _LABEL_NUMBER.match(re.sub(r"\s+", "", label))  # "第 1 1 条" as some pages print it
    if not m:
        return None
    return _cn_int(m.group("a") or m.group("b") or m.group("c"))


@dataclass(frozen=True, slots=True)
class ClauseRef:
    """A numbered item a question points at, as written ("第二十条") and as a number (20)."""

    written: str
    number: int
    part: bool  # 第二部分 / 第二章: a top-level part, not an item
    annex: bool = False  # 附则第2条: a closing provision, numbered apart from the measures
    within: int | None = None  # 第二部分第（七）项: the item is sought inside that part only
    paren: bool = False  # with ``within``: the item is written （七）, so only labels printed so answer


def _one_ref(m: re.Match[str]) -> ClauseRef | None:
    raw = m.group("annex") or m.group("num") or m.group("paren")
    n = _cn_int(raw) if raw else None
    if n is None or n <= 0:
        return None
    return ClauseRef(m.group(0), n, part=m.group("unit") in ("部分", "章"), annex=m.group("annex") is not None)


def find_clause_ref(text: str) -> ClauseRef | None:
    """The first numbered item the text points at, or None. A part followed at once by an item of
    it (第二部分第（七）项, 第二部分（七）) is one reference: that item, sought in that part."""
    found = [(m, r) for m in _REF.finditer(text) if (r := _one_ref(m)) is not None]
    if not found:
        return None
    (m, ref), rest = found[0], found[1:]
    if ref.part and rest and not rest[0][1].part and not rest[0][1].annex:
        m2, item = rest[0]
        if not text[m.end() : m2.start()].strip(" 的里中之"):
            paren = item.written.lstrip("第").startswith(("（", "("))
            return ClauseRef(text[m.start() : m2.end()], item.number, part=False, within=ref.number, paren=paren)
    return ref


def _levels(clauses: Sequence[Clause]) -> list[list[tuple[int, str]]]:
    """Per depth of the label path, the (number, label) of each numbered label, in order, unique."""
    out: list[list[tuple[int, str]]] = []
    for c in clauses:
        for depth, label in enumerate(c.labels):
            n = label_number(label)
            if n is None:
                continue
            while len(out) <= depth:
                out.append([])
            if (n, label) not in out[depth]:
                out[depth].append((n, label))
    return [level for level in out if level]


def resolve_ref(ref: ClauseRef, clauses: Sequence[Clause]) -> list[Clause]:
    """The clauses of one document that the reference names: the deepest numbered level first
    (第二十条 is a measure or an article), a top-level part for 第X部分/第X章. [] when none has it."""
    if ref.annex:
        return [c for c in clauses if c.labels and _annex_number(c.labels[0]) == ref.number]
    if ref.within is not None:
        clauses = [c for c in clauses if _top_number(c) == ref.within]
        if ref.paren:
            return [c for c in clauses if any(_PAREN_LABEL.match(lab) and label_number(lab) == ref.number for lab in c.labels)]
    found: list[tuple[int, Clause]] = []
    for c in clauses:
        numbered = [(d, lab) for d, lab in enumerate(c.labels) if label_number(lab) is not None]
        if not numbered:
            continue
        if ref.part:
            d, lab = numbered[0]
            if label_number(lab) == ref.number:
                found.append((d, c))
        else:
            d, lab = numbered[-1]
            if label_number(lab) == ref.number and len(c.text) > 0:
                found.append((-d, c))  # deepest level first
    if not found:
        return []
    best = min(k for k, _ in found)
    return [c for k, c in found if k == best]


def _annex_number(label: str) -> int | None:
    m = _ANNEX_LABEL.match(label)
    return _cn_int(m.group("n")) if m else None


def _top_number(clause: Clause) -> int | None:
    """The number of the top-level part a clause stands in (its first numbered label)."""
    return next((n for lab in clause.labels if (n := label_number(lab)) is not None), None)


def numbering_summary(document: PolicyDocument, clauses: Sequence[Clause]) -> str:
    """What the document's numbering runs to, as printed without its trailing mark: "1至15；（一）至（六）"."""
    levels = _levels(clauses)
    if not levels:
        return f"《{document.title}》的条文没有编号"
    parts = []
    for level in reversed(levels):  # the items first, then the groups they stand in
        first, last = (lab.rstrip(".．、,，") for lab in (level[0][1], level[-1][1]))
        parts.append(first if first == last else f"{first}至{last}")
    annexes = [n for c in clauses if c.labels and (n := _annex_number(c.labels[0])) is not None]
    if annexes:
        parts.append(f"附则{min(annexes)}" + (f"至附则{max(annexes)}" if max(annexes) != min(annexes) else ""))
    return f"《{document.title}》的条目编号为：" + "；".join(parts)
