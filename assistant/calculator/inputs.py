"""The inputs a rule can ask for (``INPUTS``: Chinese name, type, cue words) and how a value is
read and written (``parse_value``, ``format_value``, Chinese numerals)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

_WAN = Decimal(10000)


@dataclass(frozen=True, slots=True)
class InputSpec:
    """One input a rule can ask for.

    ``type`` is one of: money (Decimal, 万元), pct (Decimal, percent points), permille (Decimal, ‰),
    months (Decimal), years (Decimal), count (int), level (int), choice (str), items (tuple of
    dicts of item attributes), money_list (tuple of Decimal 万元).
    """

    name: str
    zh: str
    type: str
    cues: tuple[str, ...] = ()


def _spec(name: str, zh: str, type_: str, *cues: str) -> InputSpec:
    return InputSpec(name, zh, type_, cues)


# Cue words are matched in the text just before a quantity (and, for counts, just after it).
INPUTS: dict[str, InputSpec] = {
    s.name: s
    for s in (
        _spec("base_wan", "计算基数金额", "money"),
        _spec("current_wan", "本年度金额", "money", "今年", "本年", "当年", "本年度", "年度", "今年度"),
        _spec("last_wan", "上年度金额", "money", "去年", "上年", "上一年", "上年度", "前一年"),
        _spec("growth_pct", "较上年增长率", "pct", "增长", "增幅", "增速", "增长率", "同比", "涨", "上涨", "增加", "提高", "多了"),
        _spec("increase_wan", "较上年增加额", "money", "多了", "增加了", "增长了", "涨了", "多出", "增加"),
        _spec("loan_wan", "贷款金额", "money", "贷款", "借款", "融资", "贷了", "借了", "授信", "贷"),
        _spec("rate_pct", "贷款年利率", "pct", "年利率", "利率", "年化", "利息率", "融资成本", "利息是"),
        _spec("lpr_pct", "一年期贷款市场报价利率（LPR）", "pct", "LPR", "lpr", "报价利率", "市场报价利率"),
        _spec("months", "贷款期限（月）", "months", "期限", "贷款", "借款", "为期", "借", "贷", "用了", "还款"),
        _spec("loan_ceiling_wan", "本类贷款额度上限", "money"),
        _spec("interest_wan", "实际支付利息", "money", "利息", "付息"),
        _spec("premium_wan", "实缴保险费", "money", "保费", "保险费", "缴纳保险", "实缴"),
        _spec(
            "insured_wan",
            "保单保险金额",
            "money",
            "保额",
            "保险金额",
            "投保金额",
            "承保金额",
            "投保额",
            "保了",
            "应收账款",
        ),
        _spec("premium_rate_permille", "单张保单保险费率", "permille", "费率", "保险费率"),
        _spec("local_share_wan", "税收地方留成部分金额", "money", "地方留成", "留成", "地方分成"),
        _spec("annual_tax_wan", "年工资薪金个人所得税", "money", "个税", "个人所得税", "所得税"),
        _spec("revenue_last_wan", "上年度营业收入", "money", "营业收入", "营收", "销售收入", "销售额", "收入"),
        _spec(
            "received_wan",
            "已获得的补助金额",
            "money",
            "已获",
            "已经获得",
            "已拿",
            "已领",
            "已收到",
            "获得了",
            "拿到",
            "拿了",
            "领了",
            "已经拿",
        ),
        _spec("prior_wan", "此前已获本项补助累计金额", "money", "已获", "累计", "此前", "已经获得", "之前", "已拿"),
        _spec("amounts_wan", "各项奖励补助金额", "money_list"),
        _spec("digital_level", "改造后数字化水平等级", "level", "数字化水平", "数字化等级", "等级", "达到"),
        _spec("shareholding_pct", "直接持股比例", "pct", "持股", "股比", "占股", "控股"),
        _spec("original_value_wan", "设备单台原值", "money", "原值", "原价", "价值", "购置价"),
        _spec("fee_wan", "实际支付费用", "money", "费用", "租金", "使用费", "支付", "租赁费", "付了", "花了"),
        _spec("items", "逐项明细", "items"),
        _spec("count", "数量", "count", "家", "个", "项", "孵化"),
        _spec("persons", "人数", "count", "人", "名", "位", "个人", "博士后"),
        _spec("person_times", "培训人次", "count", "人次"),
        _spec("days", "培训天数", "count", "天", "日"),
        _spec("years", "年数", "years", "年"),
        # an age limit the text sets by sex ("女性不超过55周岁、男性不超过60周岁"): the sex said before the age
        _spec("age_female", "女性年龄（周岁）", "count", "女", "女性", "女士"),
        _spec("age_male", "男性年龄（周岁）", "count", "男", "男性", "先生"),
        _spec("tier", "类别", "choice"),
    )
}

# Inputs that describe one item of a per-item rule (a machine, an incubated company).
ITEM_ATTRIBUTES = ("original_value_wan", "fee_wan", "shareholding_pct")

# ---------------------------------------------------------------- numbers

_CN_BIG = {"万": Decimal(10) ** 4, "亿": Decimal(10) ** 8}
_MIXED = re.compile(r"\d+(?:\.\d+)?[十百千万亿]+")
_ARABIC = re.compile(r"\d+(?:,\d{3})*(?:\.\d+)?|\.\d+")
# full-width digits, and the financial (大写) numerals of invoices and contracts (叁佰贰拾万元), one
# character for one so that positions in the text stay where they were
_FULLWIDTH = str.maketrans(
    "０１２３４５６７８９．，％壹贰貳叁參肆伍陆陸柒捌玖拾佰仟萬億",
    "0123456789.,%一二二三三四五六六七八九十百千万亿",
)


def parse_cn_number(text: str) -> Decimal:
    """A number written in Arabic or Chinese numerals, with 十/百/千/万/亿 multipliers.

    ``parse_cn_number("一千二百万") == 12000000``, ``"两千万"`` → 20000000, ``"1.2亿"`` → 120000000,
    ``"3,000"`` → 3000, ``"十五"`` → 15, ``"一百零五"`` → 105, ``"半"`` → 0.5, ``"二〇二五"`` → 2025,
    ``"十二万五千"`` → 125000, ``"二十八点五万"`` → 285000, ``"3个亿"`` → 300000000.
    The numerals are read by cn2an (a maintained library); this only normalises what people type
    around them. Raises ``ValueError`` with the text when it is not a number.
    """
    s = text.strip().translate(_FULLWIDTH).replace(" ", "").replace(",", "").replace("个亿", "亿")
    if not s:
        raise ValueError(f"not a number: {text!r}")
    if s == "半":
        return Decimal("0.5")
    if s[-1] in _CN_BIG and len(s) > 1 and ("点" in s or _ARABIC.fullmatch(s[:-1])):
        # "二十八点五万", "1.2亿": cn2an reads the number; the multiplier is applied here
        return parse_cn_number(s[:-1]) * _CN_BIG[s[-1]]
    if _ARABIC.fullmatch(s):
        return Decimal(s)
    # "smart" reads digits with Chinese multipliers (8千万) but also guesses at "3五": only for the former
    modes = ("smart",) if _MIXED.fullmatch(s) else ("strict", "normal")
    import cn2an  # 0.3 s of CPU to import (its own regex tables): only when a Chinese numeral is read

    for mode in modes:
        try:
            value = cn2an.cn2an(s, mode)
        except (ValueError, KeyError, IndexError, TypeError):
            continue
        return Decimal(str(value))
    raise ValueError(f"not a number: {text!r}")


_MONEY_TEXT = re.compile(r"^(?P<num>.+?)(?P<unit>万元|亿元|元|块钱|块|万|亿)?$")
_PCT_TEXT = re.compile(r"^(?:百分之(?P<cn>.+)|(?P<num>.+?)\s*%)$")
_PERMILLE_TEXT = re.compile(r"^(?:千分之(?P<cn>.+)|(?P<num>.+?)\s*‰)$")


def _money_wan(raw: str) -> Decimal:
    """'120' (万元 implied), '120万', '1.2亿', '3,000元', '两千万' → 万元."""
    s = raw.strip().translate(_FULLWIDTH).replace(" ", "")
    m = _MONEY_TEXT.match(s)
    if not m:
        raise ValueError(f"not an amount: {raw!r}")
    unit = m.group("unit") or ""
    if unit in ("元", "块钱", "块"):
        return parse_cn_number(m.group("num")) / _WAN
    if unit in ("万元", "亿元"):
        return parse_cn_number(m.group("num") + unit[0]) / _WAN
    if unit in ("万", "亿"):
        return parse_cn_number(m.group("num") + unit) / _WAN
    return parse_cn_number(m.group("num"))  # a bare number is already in 万元


def _ratio(raw: str, pattern: re.Pattern[str]) -> Decimal:
    s = raw.strip().translate(_FULLWIDTH).replace(" ", "")
    m = pattern.match(s)
    if m:
        return parse_cn_number(m.group("cn") or m.group("num"))
    return parse_cn_number(s)


def _duration_months(raw: str) -> Decimal:
    s = raw.strip().translate(_FULLWIDTH).replace(" ", "")
    m = re.fullmatch(r"(.+?)个?(月|年)(半)?", s)
    if not m:
        return parse_cn_number(s)
    n = parse_cn_number(m.group(1)) + (Decimal("0.5") if m.group(3) else 0)
    return n * 12 if m.group(2) == "年" else n


def _duration_years(raw: str) -> Decimal:
    s = raw.strip().translate(_FULLWIDTH).replace(" ", "")
    m = re.fullmatch(r"(.+?)个?(月|年)(半)?", s)
    if not m:
        return parse_cn_number(s)
    n = parse_cn_number(m.group(1)) + (Decimal("0.5") if m.group(3) else 0)
    return n / 12 if m.group(2) == "月" else n


def _whole(value: Decimal, raw: object) -> int:
    if value != value.to_integral_value() or value < 0:
        raise ValueError(f"not a whole number: {raw!r}")
    return int(value)


def parse_value(spec: InputSpec, raw: object) -> object:
    """Turn a given value into the input's type (Decimal, int, str, tuple). Raises ``ValueError``.

    Strings may carry units (``"120万"``, ``"1.2亿"``, ``"4.2%"``, ``"两年"``); a bare number is read in
    the input's unit (万元, %, ‰, months, years). Floats (from JSON) are read through their shortest
    decimal representation, never through binary arithmetic.
    """
    if isinstance(raw, bool):
        raise ValueError(f"{spec.name} expects a {spec.type}, got a boolean {raw!r}")
    if spec.type == "choice":
        if not isinstance(raw, str) or not raw.strip():
            raise ValueError(f"{spec.name} expects a category name, got {raw!r}")
        return raw.strip()
    if spec.type == "items":
        return _parse_items(raw)
    if spec.type == "money_list":
        if isinstance(raw, str):
            parts = [p for p in re.split(r"[,，、;；+]", raw) if p.strip()]
        elif isinstance(raw, Sequence):
            parts = list(raw)
        else:
            raise ValueError(f"{spec.name} expects a list of amounts, got {raw!r}")
        if not parts:
            raise ValueError(f"{spec.name} expects at least one amount, got {raw!r}")
        return tuple(_nonneg(_scalar(INPUTS["base_wan"], p), p) for p in parts)
    return _nonneg(_scalar(spec, raw), raw) if spec.type not in ("count", "level") else _scalar(spec, raw)


def _nonneg(value: object, raw: object) -> object:
    if isinstance(value, Decimal) and value < 0:
        raise ValueError(f"a negative value is not a fact a rule can use: {raw!r}")
    return value


def _scalar(spec: InputSpec, raw: object) -> object:
    if isinstance(raw, float):
        raw = repr(raw)
    if isinstance(raw, (int, Decimal)):
        text = str(raw)
    elif isinstance(raw, str):
        text = raw
    else:
        raise ValueError(f"{spec.name} expects a number, got {type(raw).__name__} {raw!r}")
    if text.strip().startswith(("-", "−", "负")):
        raise ValueError(f"a negative value is not a fact a rule can use: {raw!r}")
    if spec.type == "money":
        return _money_wan(text)
    if spec.type == "pct":
        return _ratio(text, _PCT_TEXT)
    if spec.type == "permille":
        s = text.strip()
        if s.endswith("%") or s.startswith("百分之"):
            return _ratio(s, _PCT_TEXT) * 10
        return _ratio(s, _PERMILLE_TEXT)
    if spec.type == "months":
        return _duration_months(text)
    if spec.type == "years":
        return _duration_years(text)
    if spec.type in ("count", "level"):
        s = re.sub(r"(个|名|位|人次|人|台套|台|套|家|项|件|天|日|级)$", "", text.strip())
        return _whole(parse_cn_number(s), raw)
    raise ValueError(f"{spec.name}: unknown input type {spec.type!r}")  # pragma: no cover


def _parse_items(raw: object) -> tuple[dict[str, object], ...]:
    """Items as a list of mappings, or as text ``80/20;60/15`` is not accepted: name each attribute.

    Text form (for ``policyqa calc``): ``original_value_wan:80,fee_wan:20;original_value_wan:60,fee_wan:15``.
    """
    if isinstance(raw, str):
        rows: list[dict[str, object]] = []
        for part in [p for p in raw.split(";") if p.strip()]:
            row: dict[str, object] = {}
            for kv in [k for k in part.split(",") if k.strip()]:
                if ":" not in kv:
                    raise ValueError(f"an item attribute must read name:value, got {kv!r} in {raw!r}")
                k, v = kv.split(":", 1)
                row[k.strip()] = v.strip()
            rows.append(row)
        raw = rows
    if not isinstance(raw, Sequence) or isinstance(raw, (str, bytes)):
        raise ValueError(f"items must be a list of {{attribute: value}} mappings, got {raw!r}")
    out: list[dict[str, object]] = []
    for entry in raw:
        if not isinstance(entry, Mapping):
            raise ValueError(f"each item must be a mapping of attributes, got {entry!r}")
        item: dict[str, object] = {}
        for k, v in entry.items():
            if k not in ITEM_ATTRIBUTES:
                raise ValueError(f"unknown item attribute {k!r}; use one of {list(ITEM_ATTRIBUTES)}")
            item[str(k)] = parse_value(INPUTS[str(k)], v)
        out.append(item)
    return tuple(out)


def format_value(spec: InputSpec, value: object) -> str:
    """A value with its unit, as shown in a calculation (``120万元``, ``4.2%``, ``12个月``)."""
    if spec.type == "money":
        return f"{_fmt(value)}万元"
    if spec.type == "pct":
        return f"{_fmt(value)}%"
    if spec.type == "permille":
        return f"{_fmt(value)}‰"
    if spec.type == "months":
        return f"{_fmt(value)}个月"
    if spec.type == "years":
        return f"{_fmt(value)}年"
    if spec.type == "level":
        return f"{value}级"
    if spec.type == "money_list":
        return "、".join(f"{_fmt(v)}万元" for v in value)  # type: ignore[attr-defined]
    if spec.type == "items":
        rows = []
        for item in value:  # type: ignore[attr-defined]
            rows.append("，".join(f"{INPUTS[k].zh}{format_value(INPUTS[k], v)}" for k, v in item.items()))
        return "；".join(f"第{i + 1}项：{r}" for i, r in enumerate(rows))
    return str(value)


def _fmt(value: object) -> str:
    if isinstance(value, Decimal):
        d = value.normalize()
        return format(d, "f")
    return str(value)
