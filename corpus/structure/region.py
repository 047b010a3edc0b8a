"""The region a document belongs to, from the names of its issuers, its title or the publishing site.

The administrative divisions come from the dataset the ``cpca`` package ships
(``cpca/resources/adcodes.csv``: every province, city and county with its 12-digit code, so the
hierarchy is the code's prefix). Only the data file is read: importing ``cpca`` itself needs
``pkg_resources`` and builds a pandas matcher we do not use.

A name is matched only in full (广州市, 越秀区, 通榆县), the longest first, so 吉林省 and
吉林市 stay apart. A county named alike in several provinces (朝阳区) counts only when the
text also names its province or city. The result reads province + city + county
("广东省广州市越秀区"); a document of the State Council or a ministry reads "全国". When nothing
matches, the caller asks the operator for ``--region``.
"""

from __future__ import annotations

import csv
import importlib.util
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from corpus.errors import IngestError

__all__ = ["NATIONAL", "Division", "detect_region", "divisions", "full_name"]

NATIONAL = "全国"
_NATIONAL_ISSUER = re.compile(
    r"^(?:中华人民共和国|国务院|全国人民代表大会|国家[\u4e00-\u9fff]{1,12}(?:局|委|委员会|署|院)|[\u4e00-\u9fff]{1,8}部(?:办公厅)?$)"
)
_SKIP = {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"}
# Province abbreviations a 文号 starts with (鲁科字〔2025〕128号). 青 and 宁 also start Qingdao's
# and Nanjing's numbers, so these two are not used.
_ABBREVIATIONS = {
    "京": "11", "津": "12", "冀": "13", "晋": "14", "蒙": "15", "辽": "21", "吉": "22", "黑": "23", "沪": "31", "苏": "32",
    "浙": "33", "皖": "34", "闽": "35", "赣": "36", "鲁": "37", "豫": "41", "鄂": "42", "湘": "43", "粤": "44", "桂": "45",
    "琼": "46", "渝": "50", "川": "51", "黔": "52", "云": "53", "滇": "53", "藏": "54", "陕": "61", "甘": "62", "新": "65",
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Division:
    code: str  # 12 digits
    name: str

    @property
    def level(self) -> int:
        """0 province, 1 city, 2 county."""
        return 0 if self.code[2:] == "0" * 10 else 1 if self.code[4:] == "0" * 8 else 2


def _data_file() -> Path:
    spec = importlib.util.find_spec("cpca")  # locates the package without running its __init__
    if spec is None or not spec.submodule_search_locations:
        raise IngestError("the cpca package is not installed; pip install cpca==0.5.5 (its data names the regions)")
    return Path(next(iter(spec.submodule_search_locations))) / "resources" / "adcodes.csv"


@lru_cache(maxsize=1)
def divisions() -> dict[str, tuple[Division, ...]]:
    """Every division by its full name (several divisions may share one)."""
    out: dict[str, list[Division]] = {}
    with _data_file().open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            name = row["name"].strip()
            if name and name not in _SKIP:
                out.setdefault(name, []).append(Division(row["adcode"].strip(), name))
    return {k: tuple(v) for k, v in out.items()}


@lru_cache(maxsize=1)
def _by_code() -> dict[str, Division]:
    return {d.code: d for ds in divisions().values() for d in ds}


@lru_cache(maxsize=1)
def _pattern() -> re.Pattern[str]:
    names = sorted(divisions(), key=len, reverse=True)
    return re.compile("|".join(re.escape(n) for n in names if len(n) >= 2))


def full_name(d: Division) -> str:
    """Province + city + county of a division, as a document's region reads (福建省厦门市湖里区)."""
    codes = [d.code[:2] + "0" * 10, d.code[:4] + "0" * 8, d.code]
    parts: list[str] = []
    for code in codes[: d.level + 1]:
        if (x := _by_code().get(code)) is not None and x.name not in parts:
            parts.append(x.name)
    return "".join(parts)


def _related(a: Division, b: Division) -> bool:
    return a.code.startswith(b.code[: 2 + 2 * b.level]) or b.code.startswith(a.code[: 2 + 2 * a.level])


def _region_of(text: str) -> str | None:
    found = [m.group() for m in _pattern().finditer(text)]
    if not found:
        return None
    candidates = [d for name in found for d in divisions()[name]]
    best: Division | None = None
    for name in found:
        options = divisions()[name]
        if len(options) > 1:  # 朝阳区 of 北京 or of 长春: only with its parent named too
            options = tuple(d for d in options if any(o is not d and _related(d, o) for o in candidates))
            if len(options) != 1:
                continue
        d = options[0]
        if best is None or (d.level > best.level and _related(d, best)):
            best = d
    return full_name(best) if best else None


def detect_region(names: Iterable[str | None], doc_no: str | None = None) -> str | None:
    """The region named by the first of ``names`` that names one; else the 文号's province."""
    texts = [t for t in names if t]
    for text in texts:
        if region := _region_of(text):
            return region
        if any(_NATIONAL_ISSUER.match(part) for part in text.split()):
            return NATIONAL
    if doc_no and (code := _ABBREVIATIONS.get(doc_no[:1])):
        d = _by_code().get(code + "0" * 10)
        return d.name if d else None
    return None
