"""The corpus's records: a policy document, its clauses, and a document's validity.

Records are small and frozen. Ids are derived from printed numbering, so they are stable and
readable (``xm-zjtx-2024/二/（六）/15``) and re-indexing is an idempotent upsert.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
from dataclasses import dataclass, field

__all__ = ["DocKind", "PolicyDocument", "Clause", "Validity", "ValidityStatus", "citation_label"]

EXPIRING_WITHIN_DAYS = 60


class DocKind(enum.StrEnum):
    """What a document is, which decides how it is cited."""

    POLICY = "policy"
    INTERPRETATION = "interpretation"  # 政策解读
    FAQ = "faq"  # 问答式解读
    SERVICE = "service"  # 办事指南: a service page's 办理条件 / 补贴标准 / 申办流程

    @property
    def zh(self) -> str:
        return {"policy": "政策文件", "interpretation": "政策解读", "faq": "政策问答解读", "service": "办事指南"}[self.value]


class ValidityStatus(enum.StrEnum):
    IN_FORCE = "in_force"
    EXPIRING = "expiring"
    EXPIRED = "expired"
    NOT_YET = "not_yet"
    NOT_STATED = "not_stated"

    @property
    def zh(self) -> str:
        return {
            "in_force": "有效",
            "expiring": "即将到期",
            "expired": "已失效",
            "not_yet": "尚未生效",
            "not_stated": "未载明",
        }[self.value]


@dataclass(frozen=True, slots=True)
class Validity:
    """A document's status on a given day, with the sentence that says it."""

    status: ValidityStatus
    on: dt.date
    expires: dt.date | None
    days_left: int | None
    text: str | None  # the validity sentence as printed, or None

    def describe(self) -> str:
        """One Chinese sentence for an answer, built only from stored fields."""
        if self.status is ValidityStatus.NOT_STATED:
            return "文件未载明有效期" if not self.text else f"文件载明“{self.text}”，但未载明起算日期，无法判断是否仍在有效期内"
        assert self.expires is not None
        until = f"{self.expires.year}年{self.expires.month}月{self.expires.day}日"
        if self.status is ValidityStatus.EXPIRED:
            return f"该文件有效期至{until}，已失效"
        if self.status is ValidityStatus.EXPIRING:
            return f"该文件有效期至{until}，即将到期（剩余{self.days_left}天）"
        if self.status is ValidityStatus.NOT_YET:
            return "该文件尚未生效"
        return f"该文件有效期至{until}"


@dataclass(frozen=True, slots=True)
class PolicyDocument:
    """One policy document's metadata (the clauses are kept apart, see ``Clause``)."""

    id: str
    title: str
    doc_no: str | None
    issuers: tuple[str, ...]
    region: str
    kind: DocKind
    issued: dt.date | None
    validity_text: str | None
    effective_from: dt.date | None
    expires: dt.date | None
    source: str
    notes: str = ""
    corrections: tuple[tuple[str, str], ...] = ()  # (as printed, as corrected)

    def validity(self, on: dt.date) -> Validity:
        """The document's status on ``on``; NOT_STATED when the text gives no end date."""
        if self.expires is None:
            return Validity(ValidityStatus.NOT_STATED, on, None, None, self.validity_text)
        days_left = (self.expires - on).days
        if self.effective_from is not None and on < self.effective_from:
            status = ValidityStatus.NOT_YET
        elif days_left < 0:
            status = ValidityStatus.EXPIRED
        elif days_left <= EXPIRING_WITHIN_DAYS:
            status = ValidityStatus.EXPIRING
        else:
            status = ValidityStatus.IN_FORCE
        return Validity(status, on, self.expires, days_left, self.validity_text)

    @property
    def cite_name(self) -> str:
        """《title》 with the 文号 when there is one, and marked when it is an interpretation."""
        name = f"《{self.title}》"
        if self.doc_no:
            name += f"（{self.doc_no}）"
        return name


_CN_TOP = re.compile(r"^([一二三四五六七八九十百]+)、$")
_CN_PAREN = re.compile(r"^（([一二三四五六七八九十百]+)）$")
_ARABIC = re.compile(r"^(\d+)[.．、]$")
_ARTICLE = re.compile(r"^第[一二三四五六七八九十百零〇\d]+[条章节]$")
_OTHER_NUMBERED = re.compile(r"^（\d+）$|^[①-⑳]$")
_SYNTHETIC = re.compile(r"^\[(.+)\]$")


def citation_label(labels: tuple[str, ...], titles: tuple[str, ...], has_children: tuple[bool, ...]) -> str:
    """The printed-numbering citation of a path, e.g. ``第二部分（六）第15条``.

    "一、" with sub-items reads 第一部分, a leaf "一、" reads 第一条; "（六）" stays; "15." reads
    第15条; a printed 第X条 stays; a label the text does not print (``[附则1]``) reads as its name
    with its title; an unnumbered heading (a FAQ block) is quoted 「…」.
    """
    parts: list[str] = []
    for label, title, branch in zip(labels, titles, has_children, strict=True):
        if m := _CN_TOP.match(label):
            parts.append(f"第{m.group(1)}部分" if branch else f"第{m.group(1)}条")
        elif _CN_PAREN.match(label):
            parts.append(label)
        elif m := _ARABIC.match(label):
            parts.append(f"第{m.group(1)}条")
        elif _ARTICLE.match(label) or _OTHER_NUMBERED.match(label):
            parts.append(label)
        elif m := _SYNTHETIC.match(label):
            parts.append(f"{m.group(1)}（{title}）" if title and not branch else m.group(1))
        else:  # an unnumbered printed heading: the heading itself is the label
            parts.append(f"「{label}」")
    return "".join(parts)


def label_key(label: str) -> str:
    """The id piece of a label: printed numbering without its trailing punctuation."""
    if m := _CN_TOP.match(label):
        return m.group(1)
    if m := _ARABIC.match(label):
        return m.group(1)
    if m := _SYNTHETIC.match(label):
        return m.group(1)
    return label


@dataclass(frozen=True, slots=True)
class Clause:
    """One citable unit of a document: its path of printed labels, title and exact text."""

    id: str
    document: PolicyDocument
    labels: tuple[str, ...]  # as printed: ("二、", "（六）", "15.")
    titles: tuple[str, ...]  # title of each path element: ("具体措施", "助力市场开拓", "支持国内市场开拓")
    label: str  # citation label: "第二部分（六）第15条"
    text: str  # the clause exactly as printed (cleaned of line breaks and page markers)
    order: int = field(default=0)  # position in the document

    @property
    def doc_id(self) -> str:
        return self.document.id

    @property
    def title(self) -> str:
        return self.titles[-1] if self.titles else ""

    @property
    def path(self) -> str:
        """Breadcrumb: 二、具体措施 › （六）助力市场开拓 › 15.支持国内市场开拓."""
        return " › ".join(
            (f"{lab}{tit}" if not lab.startswith("[") else f"{lab[1:-1]} {tit}".strip()) if lab != tit else tit
            for lab, tit in zip(self.labels, self.titles, strict=True)
        )

    @property
    def citation(self) -> str:
        """《title》（文号）label title — built from metadata only."""
        tail = (
            f" {self.title}"
            if self.title and not self.label.endswith(f"（{self.title}）") and f"「{self.title}」" not in self.label
            else ""
        )
        return f"{self.document.cite_name}{self.label}{tail}"
