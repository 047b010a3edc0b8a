"""A company's profile: where it is registered, what it is, and the figures it knows.

The vocabulary is data. ``COMPANY_TYPES`` are the kinds of company the rules name in
``applies_to`` (and the common ones around them), each with the wider kinds it belongs to
(a 专精特新“小巨人”企业 is a 专精特新企业: 本措施所指“专精特新企业”，包含…). ``FIGURES`` are the
figures a company can state, each feeding one calculator input (``assistant.calculator.INPUTS``)
of the rules whose Chinese name for that input says what the figure is: 上年度设备投入 feeds
``base_wan`` of a rule that calls its base 上年度设备投入, and no other. No measure has code here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from assistant.calculator import INPUTS, format_value, parse_value
from assistant.calculator.rules import Rule
from assistant.understand import detect_region
from corpus.errors import InputError

__all__ = [
    "COMPANY_TYPES",
    "FIGURES",
    "LOAN_KINDS",
    "CompanyType",
    "Figure",
    "LoanKind",
    "Loan",
    "CompanyProfile",
    "profile_from_mapping",
]

_QUOTES = str.maketrans("", "", "“”\"'‘’「」")


def plain(text: str) -> str:
    """A subject without its quotation marks (“三高”企业 = 三高企业), for comparing names."""
    return text.translate(_QUOTES).replace(" ", "")


@dataclass(frozen=True, slots=True)
class CompanyType:
    """A kind of company: its name as the documents print it, what else it is, how it is written."""

    name: str
    belongs_to: tuple[str, ...] = ()  # wider kinds (专精特新企业 for a 小巨人)
    covers: tuple[str, ...] = ()  # other subjects of ``applies_to`` it answers to (孵化器运营方 → 孵化器)
    aliases: tuple[str, ...] = ()  # how a person writes it in a question


COMPANY_TYPES: tuple[CompanyType, ...] = (
    CompanyType("专精特新中小企业", ("专精特新企业",), aliases=("专精特新中小企业",)),
    CompanyType("专精特新“小巨人”企业", ("专精特新企业",), aliases=("小巨人企业", "专精特新小巨人", "国家级小巨人", "小巨人")),
    CompanyType("专精特新重点“小巨人”企业", ("专精特新“小巨人”企业", "专精特新企业"), aliases=("重点小巨人",)),
    CompanyType(
        "专精特新“小巨人”后备企业",
        ("专精特新中小企业", "专精特新企业"),
        aliases=("小巨人后备企业", "后备企业", "小巨人后备"),
    ),
    CompanyType("“三高”企业", aliases=("三高企业", "三高")),
    CompanyType("高新技术企业", aliases=("国家高新技术企业", "国家级高新技术企业", "国高企业")),
    CompanyType("科技型中小企业", aliases=("科技型中小企业", "科小企业")),
    CompanyType("科技服务企业", aliases=("科技服务业企业", "科技服务机构", "科技服务公司")),
    CompanyType("科技服务中小企业", ("科技服务企业",), aliases=("科技服务中小企业", "科技服务中小微企业")),
    CompanyType("孵化器运营方", covers=("孵化器",), aliases=("孵化器", "运营孵化器")),
    CompanyType("民营企业", aliases=("民营企业", "民企")),
    CompanyType("公共技术服务平台运营方", covers=("公共服务平台",), aliases=("公共技术服务平台", "公共服务平台")),
    CompanyType("科学仪器共享服务提供方", covers=("共享服务提供方",), aliases=("共享服务提供方", "仪器共享服务")),
    CompanyType("特色产业集群运营单位", covers=("集群运营单位",), aliases=("集群运营单位", "产业集群运营")),
)
_TYPES = {t.name: t for t in COMPANY_TYPES}
# applies_to subjects that are not companies: a company never claims these (市对区的奖励)
GOVERNMENT_SUBJECTS = ("各区", "区政府")
# ``applies_to: [其他企业]`` means any company not named in the rule's ``not_for``
OTHERS = "其他企业"


@dataclass(frozen=True, slots=True)
class Figure:
    """A figure a company can state, and the calculator input it feeds.

    ``named``: words one of which the rule's Chinese name of that input contains; ``titled``:
    words one of which the rule's title contains. Empty both: every rule reading the input.
    ``cues``: words that introduce the figure in a question.
    """

    key: str
    zh: str
    input: str
    named: tuple[str, ...] = ()
    titled: tuple[str, ...] = ()
    cues: tuple[str, ...] = ()

    @property
    def unit(self) -> str:
        return {"money": "万元", "pct": "%", "permille": "‰", "months": "个月", "years": "年", "count": "", "level": "级"}[
            INPUTS[self.input].type
        ]

    def feeds(self, rule: Rule, name: str) -> bool:
        """Whether this figure is what ``rule`` reads as input ``name``."""
        if name != self.input:
            return False
        if not self.named and not self.titled:
            return True
        return any(w in rule.input_spec(name).zh for w in self.named) or any(w in rule.title for w in self.titled)


FIGURES: tuple[Figure, ...] = (
    Figure(
        "rd_spend_wan",
        "本年度研发费用",
        "current_wan",
        named=("研发费用",),
        cues=("今年研发", "本年度研发", "研发费用", "研发投入", "研发"),
    ),
    Figure("rd_spend_last_wan", "上年度研发费用", "last_wan", named=("研发费用",), cues=("去年研发", "上年研发", "上年度研发", "去年")),
    Figure("revenue_last_wan", "上年度营业收入", "revenue_last_wan", cues=("营业收入", "营收", "销售收入", "销售额", "收入")),
    Figure("equipment_last_wan", "上年度设备投入", "base_wan", named=("上年度设备投入",), cues=("设备投入", "技改投入", "技术改造")),
    Figure("digital_spend_wan", "数字化改造实际投入", "base_wan", named=("数字化改造",), cues=("数字化改造", "数字化")),
    Figure("digital_level", "改造后数字化水平等级", "digital_level", cues=("数字化水平", "数字化等级", "达到")),
    Figure("consulting_fee_wan", "管理咨询服务费用", "base_wan", named=("管理咨询",), cues=("管理咨询", "咨询费", "咨询")),
    Figure("joint_lab_wan", "共建联合实验室非财政资金投入", "base_wan", titled=("联合实验室",), cues=("联合实验室",)),
    Figure(
        "tech_transaction_wan",
        "产学研合作项目实际支付技术交易额",
        "base_wan",
        named=("技术交易额",),
        cues=("技术交易额", "技术合同", "产学研"),
    ),
    Figure("tech_service_revenue_wan", "公共技术服务平台年度技术服务收入", "base_wan", named=("技术服务收入",), cues=("技术服务收入",)),
    Figure("shared_service_wan", "为“三高”企业提供仪器共享服务的服务金额", "base_wan", named=("共享服务",), cues=("共享服务", "仪器共享")),
    Figure(
        "instrument_purchase_wan",
        "研发机构以非财政资金新购科研仪器设备软件经费",
        "base_wan",
        named=("科研仪器",),
        cues=("科研仪器", "仪器设备"),
    ),
    Figure("premium_wan", "国内贸易信用保险实缴保费", "premium_wan", cues=("保费", "保险费", "信用保险")),
    Figure("insured_wan", "国内贸易信用保险保险金额", "insured_wan", cues=("保额", "保险金额")),
    Figure("premium_rate_permille", "信用保险单张保单保险费率", "premium_rate_permille", cues=("费率",)),
    Figure("lpr_pct", "一年期贷款市场报价利率", "lpr_pct", cues=("LPR", "lpr", "报价利率")),
    Figure("talent_iit_wan", "人才年工资薪金个人所得税（单人）", "annual_tax_wan", cues=("个税", "个人所得税")),
    Figure("talent_iit_local_wan", "该人才个税地方留成部分", "local_share_wan", named=("个人所得税",), cues=("个税地方留成", "个税留成")),
    Figure("vat_local_wan", "高新技术成果转化项目增值税地方留成部分", "local_share_wan", named=("增值税",), cues=("增值税",)),
    Figure("postdocs", "进站博士后人数", "persons", named=("博士后",), cues=("博士后",)),
    Figure("postdoc_years", "博士后在站年数", "years", named=("在站",), cues=("在站",)),
    Figure("training_person_times", "数字化转型技能培训人次", "person_times", cues=("培训", "人次")),
    Figure("training_days", "数字化转型技能培训天数", "days", cues=("培训",)),
)
_FIGURES = {f.key: f for f in FIGURES}


@dataclass(frozen=True, slots=True)
class LoanKind:
    """A kind of loan, and the word that names it in the titles of the rules that subsidise it."""

    name: str
    word: str


LOAN_KINDS: tuple[LoanKind, ...] = (
    LoanKind("技术创新基金贷款", "技术创新基金"),
    LoanKind("专利商标质押融资", "质押"),
    LoanKind("科技信用贷款", "信用贷款"),
    LoanKind("增信子基金贷款", "增信子基金"),
)
_LOAN_KINDS = {k.name: k for k in LOAN_KINDS}
_LOAN_FIELDS = {"amount_wan": "loan_wan", "rate_pct": "rate_pct", "months": "months", "interest_wan": "interest_wan"}
# lists of items a per-item rule reads, by the attributes each item has
ITEM_LISTS = {
    "rented_equipment": ("租借或使用的研发设备", ("original_value_wan", "fee_wan")),
    "incubated_companies": ("孵化的国家级高新技术企业", ("shareholding_pct",)),
}


@dataclass(frozen=True, slots=True)
class Loan:
    """One loan: its kind and what the company knows of it (values in calculator units)."""

    kind: str
    values: Mapping[str, Any]  # loan_wan, rate_pct, months, interest_wan

    def word(self) -> str:
        return _LOAN_KINDS[self.kind].word


@dataclass(frozen=True, slots=True)
class CompanyProfile:
    """Where a company is registered, what it is, and the figures it knows; any may be empty."""

    region: str  # canonical region (福建省厦门市), from the city and district given
    city: str = ""
    district: str = ""
    name: str = ""
    types: tuple[str, ...] = ()  # names of COMPANY_TYPES
    figures: Mapping[str, Any] = field(default_factory=dict)  # FIGURES key -> value in the input's unit
    loans: tuple[Loan, ...] = ()
    items: Mapping[str, tuple[Mapping[str, Any], ...]] = field(default_factory=dict)  # ITEM_LISTS key -> items
    levels: tuple[str, ...] = ()  # categories the company holds (卓越级, 重大研发机构): tier names of the rules

    def kinds(self) -> set[str]:
        """Every subject the company answers to: its types, the kinds they belong to, what they cover."""
        out: set[str] = set()
        for name in self.types:
            t = _TYPES[name]
            out |= {plain(n) for n in (t.name, *t.belongs_to, *t.covers)}
            for wider in t.belongs_to:
                if wider in _TYPES:
                    out |= {plain(n) for n in (*_TYPES[wider].belongs_to, *_TYPES[wider].covers)}
        return out

    def answers_to(self, subject: str) -> bool:
        """Whether the company is the subject a rule names (“三高”企业人才 are a 三高 company's)."""
        s = plain(subject)
        return s in self.kinds() or any(s.startswith(k) and s.endswith("人才") for k in self.kinds())

    def described(self) -> list[tuple[str, str]]:
        """(label, value with unit) of everything stated, for showing the profile back."""
        rows = [("注册地", f"{self.city}{self.district}" or self.region)]
        if self.name:
            rows.append(("企业名称", self.name))
        if self.types:
            rows.append(("企业类型", "、".join(self.types)))
        if self.levels:
            rows.append(("认定类别", "、".join(self.levels)))
        for f in FIGURES:
            if f.key in self.figures:
                rows.append((f.zh, format_value(INPUTS[f.input], self.figures[f.key])))
        for loan in self.loans:
            rows.append((loan.kind, "，".join(f"{INPUTS[n].zh}{format_value(INPUTS[n], v)}" for n, v in loan.values.items())))
        for key, rows_ in self.items.items():
            label, _ = ITEM_LISTS[key]
            rows.append((label, format_value(INPUTS["items"], rows_)))
        return rows


# ---------------------------------------------------------------- reading a profile


def _bad(message: str, zh: str) -> InputError:
    return InputError(message, message_zh=zh)


def _value(input_name: str, raw: object, label: str, key: str = "") -> Any:
    spec = INPUTS[input_name]
    try:
        return parse_value(spec, raw)
    except ValueError as e:
        unit = {"money": "万元，如 120 或 120万、1.2亿", "pct": "%，如 4.2", "permille": "‰，如 7", "months": "个月，如 12"}.get(
            spec.type, "整数，如 3"
        )
        raise _bad(
            f"{key or input_name} ({label}): {raw!r} is not a valid {spec.type}: {e}; give a number such as 120",
            f"“{label}”的值“{raw}”无法识别，请填写数字（{unit}）。",
        ) from e


def type_names(given: Sequence[object]) -> tuple[str, ...]:
    """Company types as written (a name or an alias) → their names; unknown ones raise InputError."""
    out: list[str] = []
    for raw in given:
        word = plain(str(raw))
        found = next((t.name for t in COMPANY_TYPES if word in {plain(t.name), *(plain(a) for a in t.aliases)}), None)
        if found is None:
            names = "、".join(t.name for t in COMPANY_TYPES)
            raise _bad(f"unknown company type {raw!r}; use one of: {names}", f"企业类型“{raw}”不在可选范围内，可选：{names}。")
        if found not in out:
            out.append(found)
    return tuple(out)


def _region(city: str, district: str) -> str:
    region, _ = detect_region(f"{city}{district}")
    if region is None:
        raise _bad(
            f"cannot tell the region of city={city!r} district={district!r}; give a city such as 厦门 or 济南",
            f"无法识别注册地“{city}{district}”，请填写城市，例如：厦门、济南。",
        )
    return region


_KEYS = {"name", "city", "region", "district", "types", "figures", "loans", "levels", *ITEM_LISTS}


def profile_from_mapping(data: Mapping[str, Any], *, known_levels: Sequence[str] = ()) -> CompanyProfile:
    """A profile from YAML/JSON data; every problem raises InputError with a Chinese message.

    ``figures`` are keyed by ``FIGURES`` keys or their Chinese names; values may carry units
    (``120万``, ``1.2亿``, ``3.5%``). ``known_levels`` are the tier names of the rules, the only
    categories accepted in ``levels``.
    """
    if not isinstance(data, Mapping):
        raise _bad(f"a profile is a mapping, got {type(data).__name__}", "企业信息格式有误，应为键值对。")
    unknown = [k for k in data if k not in _KEYS]
    if unknown:
        raise _bad(f"unknown profile fields {unknown!r}; use {sorted(_KEYS)!r}", f"无法识别的字段：{'、'.join(map(str, unknown))}。")
    city = str(data.get("city") or data.get("region") or "").strip()
    district = str(data.get("district") or "").strip()
    if not city and not district:
        raise _bad("the profile names no city; add city: 厦门 (or 济南 …)", "请填写企业注册地（城市）。")
    types = type_names(_list(data.get("types"), "企业类型"))
    figures: dict[str, Any] = {}
    by_zh = {f.zh: f for f in FIGURES}
    raw_figures = data.get("figures") or {}
    if not isinstance(raw_figures, Mapping):
        raise _bad("figures must be a mapping of figure → value", "企业数据格式有误，应为“项目: 数值”。")
    for key, raw in raw_figures.items():
        f = _FIGURES.get(str(key)) or by_zh.get(str(key))
        if f is None:
            raise _bad(
                f"unknown figure {key!r}; use one of {sorted(_FIGURES)!r}",
                f"无法识别的企业数据项“{key}”，可填写：{'、'.join(x.zh for x in FIGURES)}。",
            )
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            continue
        figures[f.key] = _value(f.input, raw, f.zh, f.key)
    loans = tuple(_loan(entry, i) for i, entry in enumerate(_list(data.get("loans"), "贷款"), start=1))
    items: dict[str, tuple[Mapping[str, Any], ...]] = {}
    for key, (label, attrs) in ITEM_LISTS.items():
        rows = _list(data.get(key), label)
        parsed = []
        for i, row in enumerate(rows, start=1):
            if not isinstance(row, Mapping) or set(row) - set(attrs) or not set(attrs) <= set(row):
                names = "、".join(INPUTS[a].zh for a in attrs)
                raise _bad(f"{key}[{i}] must give exactly {list(attrs)}", f"{label}第{i}项应填写：{names}。")
            parsed.append({a: _value(a, row[a], f"{label}第{i}项{INPUTS[a].zh}") for a in attrs})
        if parsed:
            items[key] = tuple(parsed)
    levels = tuple(str(x).strip() for x in _list(data.get("levels"), "认定类别") if str(x).strip())
    bad_levels = [lv for lv in levels if known_levels and lv not in known_levels]
    if bad_levels:
        raise _bad(
            f"unknown levels {bad_levels!r}; use {list(known_levels)!r}",
            f"认定类别“{bad_levels[0]}”不在可选范围内，可选：{'、'.join(known_levels)}。",
        )
    return CompanyProfile(
        region=_region(city, district),
        city=city,
        district=district,
        name=str(data.get("name") or "").strip(),
        types=types,
        figures=figures,
        loans=loans,
        items=items,
        levels=levels,
    )


def _list(value: object, label: str) -> list[Any]:
    if value is None or value == "":
        return []
    if isinstance(value, str):
        return [v for v in re.split(r"[,，、;；\s]+", value) if v]
    if isinstance(value, (list, tuple)):
        return list(value)
    raise _bad(f"{label} must be a list, got {value!r}", f"“{label}”应为列表。")


def _loan(entry: object, i: int) -> Loan:
    if not isinstance(entry, Mapping) or "kind" not in entry:
        raise _bad(f"loans[{i}] must be a mapping with kind", f"第{i}笔贷款应注明贷款类型。")
    kind = str(entry["kind"]).strip()
    if kind not in _LOAN_KINDS:
        names = "、".join(_LOAN_KINDS)
        raise _bad(f"loans[{i}].kind {kind!r} is not one of {names}", f"第{i}笔贷款的类型“{kind}”不在可选范围内，可选：{names}。")
    unknown = [k for k in entry if k != "kind" and k not in _LOAN_FIELDS]
    if unknown:
        raise _bad(
            f"loans[{i}] has unknown fields {unknown!r}; use {list(_LOAN_FIELDS)!r}", f"第{i}笔贷款有无法识别的字段：{'、'.join(unknown)}。"
        )
    values = {
        _LOAN_FIELDS[k]: _value(_LOAN_FIELDS[k], v, f"第{i}笔贷款{INPUTS[_LOAN_FIELDS[k]].zh}")
        for k, v in entry.items()
        if k != "kind" and v is not None and str(v).strip()
    }
    return Loan(kind, values)
