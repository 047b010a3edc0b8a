"""Metadata as printed: the title a notice names, closing provisions, validity dates and the region."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable

from corpus.structure.numbering import CN, Block
from corpus.structure.text import DATE, cn_number, date_of

__all__ = ["CLOSING", "closing_title", "notice_title", "outside_guillemets", "sentences", "validity_dates"]

_NOTICE_TITLE = re.compile(r"《([^《》]{4,80})》")
_PRINTED_AS_NOTICE = re.compile(r"关于印发([^《》，。]{4,80}?)的通知")


def outside_guillemets(text: str) -> str:
    return re.sub(r"《[^《》]*》", "", text)


def notice_title(blocks: Iterable[Block]) -> str | None:
    """The title named by the notice that issues the document: 印发《…》, or 关于印发…的通知."""
    for block in blocks:
        if block.kind in ("heading", "question", "answer"):
            break
        text = block.text
        if "印发" in outside_guillemets(text) and (m := _NOTICE_TITLE.search(text)):
            return m.group(1)
        if m := _PRINTED_AS_NOTICE.search(outside_guillemets(text)):
            return m.group(1)
    return None


CLOSING = re.compile(
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


def closing_title(text: str) -> str:
    for phrase in _CLOSING_TITLES:
        if m := re.search(phrase, text):
            return m.group(0)
    return re.split(r"[，,。；;：:]", text, maxsplit=1)[0][:12]


def sentences(text: str) -> list[str]:
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


_SPAN = re.compile(rf"(?P<n>\d{{1,2}}|[{CN}两]{{1,3}})\s*(?P<unit>年|个月)")


def validity_dates(
    sentence: str | None, issued: dt.date | None, printed_on: dt.date | None, effective: dt.date | None = None
) -> tuple[dt.date | None, dt.date | None]:
    """(effective_from, expires) from the validity sentence, only from dates the text prints.

    "自发布之日起" counts from the date printed under the notice (``issued``); "自印发之日起" from
    the footer's 印发 date when there is one, else the same; an effective date printed apart
    (a 规范性文件 platform's 实施日期, ``effective``) is the start whatever the sentence says.
    "有效期N年" or "暂定N年" from such a start ends the day before the N-th anniversary. No
    printed start, no dates.
    """
    if not sentence:
        return effective, None
    dates = [date_of(m) for m in DATE.finditer(sentence)]
    start: dt.date | None = None
    expires: dt.date | None = None
    if m := re.search(rf"(?:自|从)\s*{DATE.pattern}\s*起", sentence):
        start = date_of(m)
    elif re.search(r"自.{0,6}(?:印发)之日起", sentence):
        start = printed_on or issued
    elif re.search(r"自.{0,6}(?:发布|公布|签发|公开发布)之日起", sentence):
        start = issued
    start = effective or start
    if m := re.search(rf"有效期限?(?:为|自)?\s*{DATE.pattern}\s*(?:起)?\s*(?:至|到|—|-)\s*(?P<end>.*)", sentence):
        start = date_of(m)
        end = DATE.search(m.group("end"))
        expires = date_of(end) if end else None
    elif m := re.search(rf"有效期限?(?:至|到|截至)\s*{DATE.pattern}", sentence):
        expires = date_of(m)
    elif (m := re.search(r"(?:有效期限?(?:为)?|暂定|试行期?(?:为)?)\s*" + _SPAN.pattern, sentence)) and start is not None:
        n, eve = cn_number(m.group("n")), start - dt.timedelta(days=1)  # the start day is the first day in force
        expires = _add_years(eve, years=n) if m.group("unit") == "年" else _add_years(eve, months=n)
    elif len(dates) >= 2 and "至" in sentence:
        start, expires = dates[0], dates[-1]
    return start, expires
