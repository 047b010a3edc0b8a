"""Metadata as printed: the title a notice names, closing provisions, validity dates and the region."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass

from corpus.structure.numbering import CN, Block
from corpus.structure.text import DATE, cn_number, date_of

__all__ = ["CLOSING", "closing_title", "detect_region", "notice_title", "outside_guillemets", "sentences", "validity_dates"]

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


def validity_dates(sentence: str | None, issued: dt.date | None, printed_on: dt.date | None) -> tuple[dt.date | None, dt.date | None]:
    """(effective_from, expires) from the validity sentence, only from dates the text prints.

    "自发布之日起" counts from the date printed under the notice (``issued``); "自印发之日起" from
    the footer's 印发 date when there is one, else the same. "有效期N年" from such a start ends
    the day before the N-th anniversary. No printed start, no dates.
    """
    if not sentence:
        return None, None
    dates = [date_of(m) for m in DATE.finditer(sentence)]
    start: dt.date | None = None
    expires: dt.date | None = None
    if m := re.search(rf"(?:自|从)\s*{DATE.pattern}\s*起", sentence):
        start = date_of(m)
    elif re.search(r"自.{0,6}(?:印发)之日起", sentence):
        start = printed_on or issued
    elif re.search(r"自.{0,6}(?:发布|公布|签发|公开发布)之日起", sentence):
        start = issued
    if m := re.search(rf"有效期限?(?:为|自)?\s*{DATE.pattern}\s*(?:起)?\s*(?:至|到|—|-)\s*(?P<end>.*)", sentence):
        start = date_of(m)
        end = DATE.search(m.group("end"))
        expires = date_of(end) if end else None
    elif m := re.search(rf"有效期限?(?:至|到|截至)\s*{DATE.pattern}", sentence):
        expires = date_of(m)
    elif (m := re.search(r"有效期限?(?:为)?\s*" + _SPAN.pattern, sentence)) and start is not None:
        n, eve = cn_number(m.group("n")), start - dt.timedelta(days=1)  # the start day is the first day in force
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


def detect_region(names: Iterable[str], doc_no: str | None) -> str | None:
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
