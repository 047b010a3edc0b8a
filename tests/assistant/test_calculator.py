"""Table tests per rule, read from the clause wording, with every boundary the text sets.

Each row: the rule, the facts given, the amount expected (万元; None when not computable), whether
the enterprise is eligible (None = not fully verifiable), and words the formula must contain.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest

from assistant.calculator import (
    OVERLAP_REASON,
    YUAN,
    RuleBook,
    args_model,
    as_tool,
    calc_command,
    calculate,
    calculate_question,
    combine_overlapping,
    load_rules,
)
from assistant.calculator.kinds import KINDS, MaxOnlyRule
from assistant.records import Calculation
from corpus.documents import load_corpus
from corpus.errors import RuleError
from corpus.settings import DOCUMENTS_DIR

RULES = load_rules()
CORPUS = load_corpus(DOCUMENTS_DIR)
D = Decimal

CASES: list[tuple[str, str, dict[str, object], str | None, bool | None, tuple[str, ...]]] = [
    # --- ratio with a cap: 数字化改造实际投入资金最高30%，单家企业最高25万元
    (
        "digital, cap hit",
        "zjtx-7-digital",
        {"base_wan": "120"},
        "25",
        None,
        ("120×30%=36万元，超过单家企业最高25万元，按25万元",),
    ),
    (
        "digital, cap not hit",
        "zjtx-7-digital",
        {"base_wan": "80", "digital_level": 2},
        "24",
        None,
        ("80×30%=24万元，未超过单家企业最高25万元",),
    ),
    (
        "digital, 83.3333万 rounds to the cap",
        "zjtx-7-digital",
        {"base_wan": "83.3333"},
        "25",
        None,
        ("83.3333×30%=25万元，未超过单家企业最高25万元",),
    ),
    (
        "consulting, exactly at the cap",
        "zjtx-7-consulting",
        {"base_wan": "60"},
        "30",
        True,
        ("60×50%=30万元，未超过每家企业每年最高30万元",),
    ),
    (
        "consulting, two yuan over the cap",
        "zjtx-7-consulting",
        {"base_wan": "60.0002"},
        "30",
        True,
        ("30.0001万元，超过每家企业每年最高30万元，按30万元",),
    ),
    (
        "digital, level 二级 is 以上",
        "zjtx-7-digital",
        {"base_wan": "10", "digital_level": 2},
        "3",
        None,
        ("10×30%=3万元",),
    ),
    (
        "digital, level below 二级",
        "zjtx-7-digital",
        {"base_wan": "100", "digital_level": 1},
        "0",
        False,
        ("改造后数字化水平等级1级低于2级，不符合条件",),
    ),
    (
        "consulting, 50% up to 30万/年",
        "zjtx-7-consulting",
        {"base_wan": "70"},
        "30",
        True,
        ("70×50%=35万元，超过每家企业每年最高30万元，按30万元",),
    ),
    (
        "joint lab zjtx, 10% up to 1000万",
        "zjtx-4-joint-lab",
        {"base_wan": "12000"},
        "1000",
        True,
        ("12000×10%=1200万元，超过最高1000万元",),
    ),
    ("joint lab zjtx, under the cap", "zjtx-4-joint-lab", {"base_wan": "9999"}, "999.9", True, ()),
    ("joint lab kjcx", "kjcx-7-joint-lab", {"base_wan": "500"}, "50", True, ("500×10%=50万元，未超过最高1000万元",)),
    (
        "产学研 50% up to 100万",
        "kjcx-11-industry-academia",
        {"base_wan": "300"},
        "100",
        True,
        ("300×50%=150万元，超过每个项目最高100万元",),
    ),
    (
        "platform operation 10% up to 50万",
        "sangao-platform-operation",
        {"base_wan": "400"},
        "40",
        None,
        ("400×10%=40万元",),
    ),
    (
        "shared instruments 30% up to 100万",
        "sangao-shared-instrument",
        {"base_wan": "400"},
        "100",
        True,
        ("400×30%=120万元，超过每家共享服务提供方每年最高100万元",),
    ),
    # 技术改造: 100～500万元 (100 included), 500万元（含）以上 → 工业固投补助政策
    ("tech upgrade, exactly 100万", "zjtx-3-tech-upgrade", {"base_wan": "100"}, "10", True, ("100×10%=10万元",)),
    (
        "tech upgrade, a yuan under 100万",
        "zjtx-3-tech-upgrade",
        {"base_wan": "99.9999"},
        "0",
        False,
        ("低于100万元，不符合条件",),
    ),
    ("tech upgrade, a yuan under 500万", "zjtx-3-tech-upgrade", {"base_wan": "499.9999"}, "50", True, ()),
    (
        "tech upgrade, exactly 500万",
        "zjtx-3-tech-upgrade",
        {"base_wan": "500"},
        "0",
        False,
        ("500万元不低于500万元，不符合条件", "工业固投补助政策"),
    ),
    # tiers and a 5-year cumulative cap
    (
        "equipment, 新型 cap hit",
        "sangao-rd-institute-equipment",
        {"base_wan": "7000", "tier": "新型研发机构"},
        "3000",
        True,
        ("7000×50%=3500万元，超过新型研发机构最高3000万元",),
    ),
    (
        "equipment, 重大 cap not hit",
        "sangao-rd-institute-equipment",
        {"base_wan": "7000", "tier": "重大研发机构"},
        "3500",
        True,
        ("未超过重大研发机构最高5000万元",),
    ),
    (
        "equipment, prior received",
        "sangao-rd-institute-equipment",
        {"base_wan": "7000", "tier": "新型研发机构", "prior_wan": "1000"},
        "2000",
        True,
        ("剩余额度2000万元",),
    ),
    # --- per step: 高于200万元且较上年实现增长，每满200万元给予10万元，最高500万元
    (
        "R&D exactly 200万",
        "kjcx-7-rd-step",
        {"current_wan": "200", "last_wan": "100"},
        "0",
        False,
        ("年度自主研发费用200万元不高于200万元，不符合条件",),
    ),
    (
        "R&D a yuan over 200万",
        "kjcx-7-rd-step",
        {"current_wan": "200.0001", "last_wan": "100"},
        "10",
        True,
        ("⌊200.0001÷200⌋=1",),
    ),
    (
        "R&D no growth",
        "kjcx-7-rd-step",
        {"current_wan": "1000", "last_wan": "1000"},
        "0",
        False,
        ("不高于上年度自主研发费用1000万元",),
    ),
    ("R&D just under a step", "kjcx-7-rd-step", {"current_wan": "399.9999", "last_wan": "300"}, "10", True, ()),
    (
        "R&D at a step",
        "kjcx-7-rd-step",
        {"current_wan": "400", "last_wan": "300"},
        "20",
        True,
        ("⌊400÷200⌋=2，2×10=20万元",),
    ),
    (
        "R&D exactly at the cap",
        "kjcx-7-rd-step",
        {"current_wan": "10000", "last_wan": "9000"},
        "500",
        True,
        ("未超过最高500万元",),
    ),
    (
        "R&D above the cap",
        "kjcx-7-rd-step",
        {"current_wan": "12000", "last_wan": "100"},
        "500",
        True,
        ("600万元，超过最高500万元，按500万元",),
    ),
    ("R&D growth given as a rate", "kjcx-7-rd-step", {"current_wan": "2000", "growth_pct": "25"}, "100", True, ()),
    # --- stacked bonus: 高于500万元且增长率超过20%，最高50万元 (a cap, never an amount)
    (
        "bonus exactly 500万",
        "kjcx-7-rd-bonus",
        {"current_wan": "500", "last_wan": "100"},
        "0",
        False,
        ("500万元不高于500万元",),
    ),
    (
        "bonus growth exactly 20%",
        "kjcx-7-rd-bonus",
        {"current_wan": "600", "last_wan": "500"},
        "0",
        False,
        ("增长率20%未超过20%",),
    ),
    (
        "bonus eligible: cap only",
        "kjcx-7-rd-bonus",
        {"current_wan": "601", "last_wan": "500"},
        None,
        True,
        ("最高50万元",),
    ),
    # --- interest: 年化1%, 单户贷款最高2000万元
    (
        "credit fund loan at the cap",
        "kjfwy-5-credit-fund-interest",
        {"loan_wan": "2000", "months": "12"},
        "20",
        None,
        ("2000×1%×12/12=20万元",),
    ),
    (
        "credit fund loan above the cap",
        "kjfwy-5-credit-fund-interest",
        {"loan_wan": "3000", "months": "6"},
        "10",
        None,
        ("超过单户贷款最高2000万元，按2000万元计",),
    ),
    # 融资成本最高2%，其余贴息
    (
        "cost cap 2%, rate 4.2%",
        "kjfwy-5-tech-fund-cost-cap",
        {"loan_wan": "1000", "rate_pct": "4.2", "months": "12"},
        "22",
        None,
        ("1000×(4.2%−2%)×12/12=22万元",),
    ),
    (
        "cost cap, rate exactly 2%",
        "zjtx-3-tech-fund-cost-cap",
        {"loan_wan": "1000", "rate_pct": "2", "months": "12"},
        "0",
        False,
        ("未超过企业融资成本2%", "无贴息"),
    ),
    # a rate under the fixed cost gives nothing, whatever the loan: no need to ask for it
    ("cost cap, rate 1.9%, loan not said", "kjfwy-5-tech-fund-cost-cap", {"rate_pct": "1.9%"}, "0", False, ("1.9%未超过企业融资成本2%",)),
    (
        "cost cap, 8 months",
        "zjtx-3-tech-fund-cost-cap",
        {"loan_wan": "600", "rate_pct": "3.5", "months": "8"},
        "6",
        None,
        (),
    ),
    # LPR-capped interest × 60%, term ≤ 1年, 30万/年
    (
        "pledge, rate above LPR, term over a year",
        "zjtx-5-ip-pledge-interest",
        {"loan_wan": "1000", "rate_pct": "4.2", "months": "18", "lpr_pct": "3.1"},
        "18.6",
        True,
        ("按3.1%计", "按12个月计", "31×60%=18.6万元"),
    ),
    (
        "pledge, rate below LPR",
        "zjtx-5-ip-pledge-interest",
        {"loan_wan": "1000", "rate_pct": "3", "months": "12", "lpr_pct": "3.1"},
        "18",
        True,
        ("1000×3%×12/12=30万元",),
    ),
    (
        "pledge, yearly cap hit",
        "zjtx-5-ip-pledge-interest",
        {"loan_wan": "2000", "rate_pct": "4", "months": "12", "lpr_pct": "3.45"},
        "30",
        True,
        ("41.4万元，超过企业一年享受贴息总额最高30万元，按30万元",),
    ),
    (
        "credit loan 30% of interest",
        "sangao-credit-loan-interest",
        {"interest_wan": "20"},
        "6",
        True,
        ("20×30%=6万元",),
    ),
    (
        "credit loan from loan and rate",
        "sangao-credit-loan-interest",
        {"loan_wan": "500", "rate_pct": "4", "months": "12"},
        "6",
        True,
        ("500×4%×12/12=20万元",),
    ),
    # --- premium: 费率7‰以内部分的保费 × 40%，单家企业最高30万元
    (
        "premium, rate exactly 7‰",
        "zjtx-15-credit-insurance",
        {"premium_wan": "7", "insured_wan": "1000"},
        "2.8",
        True,
        ("在费率7‰以内，全额计入",),
    ),
    (
        "premium, rate above 7‰",
        "zjtx-15-credit-insurance",
        {"premium_wan": "12", "insured_wan": "1000"},
        "2.8",
        True,
        ("超过费率7‰以内部分，按7万元计",),
    ),
    (
        "premium, rate given above 7‰",
        "zjtx-15-credit-insurance",
        {"premium_wan": "12", "premium_rate_permille": "12"},
        "2.8",
        True,
        ("费率12‰超过7‰",),
    ),
    (
        "premium, rate below 7‰",
        "zjtx-15-credit-insurance",
        {"premium_wan": "5", "premium_rate_permille": "5"},
        "2",
        True,
        (),
    ),
    (
        "premium, cap hit",
        "zjtx-15-credit-insurance",
        {"premium_wan": "140", "insured_wan": "20000"},
        "30",
        True,
        ("56万元，超过单家企业最高30万元，按30万元",),
    ),
    # --- tax shares
    (
        "个税 exactly 10万 (含)",
        "sangao-talent-iit-rebate",
        {"local_share_wan": "8", "annual_tax_wan": "10"},
        "4",
        None,
        ("8×50%=4万元",),
    ),
    (
        "个税 a yuan under 10万",
        "sangao-talent-iit-rebate",
        {"local_share_wan": "8", "annual_tax_wan": "9.9999"},
        "0",
        False,
        ("9.9999万元低于10万元",),
    ),
    (
        "增值税 60%, cap hit",
        "sangao-hightech-transfer-vat",
        {"local_share_wan": "1000"},
        "500",
        None,
        ("1000×60%=600万元（每年），超过每家企业每年补贴最高500万元",),
    ),
    ("增值税 60%, under the cap", "sangao-hightech-transfer-vat", {"local_share_wan": "500"}, "300", None, ()),
    # --- per person per year: 最长2年、每人每年最高15万元
    # 最高 per unit: the product is a maximum (cap_wan), never claimed as the amount
    ("postdoc capped at 2 years", "kjcx-12-postdoc", {"persons": 3, "years": 3}, None, True, ("3×2年×15万元=最多90万元",)),
    ("postdoc one year", "kjcx-12-postdoc", {"persons": 1, "years": 1}, None, True, ("1×1年×15万元=最多15万元",)),
    (
        "training 每天每人次最高500元",
        "zjtx-7-training",
        {"person_times": 30, "days": 2},
        None,
        None,
        ("30×2×500元=最多3万元",),
    ),
    # --- per item: 单台原值超过50万元，30%，最多两台套，最高50万元
    (
        "rental, 原值 exactly 50万",
        "sangao-equipment-rental",
        {"items": [{"original_value_wan": "50", "fee_wan": "20"}]},
        "0",
        False,
        ("设备单台原值50万元未超过50万元",),
    ),
    (
        "rental, 原值 a yuan over 50万",
        "sangao-equipment-rental",
        {"items": [{"original_value_wan": "50.0001", "fee_wan": "20"}]},
        "6",
        True,
        ("20×30%=6万元",),
    ),
    (
        "rental, three machines: best two",
        "sangao-equipment-rental",
        {
            "items": [
                {"original_value_wan": "80", "fee_wan": "20"},
                {"original_value_wan": "60", "fee_wan": "15"},
                {"original_value_wan": "400", "fee_wan": "40"},
            ]
        },
        "18",
        True,
        ("6+12=18万元",),
    ),
    (
        "rental, cap hit",
        "sangao-equipment-rental",
        {"items": [{"original_value_wan": "400", "fee_wan": "100"}, {"original_value_wan": "300", "fee_wan": "90"}]},
        "50",
        True,
        ("57万元，超过每家企业每年最高50万元，按50万元",),
    ),
    ("incubate, 持股 exactly 30%", "sangao-incubate-hightech", {"items": [{"shareholding_pct": "30"}]}, "20", True, ()),
    (
        "incubate, 持股 under 30%",
        "sangao-incubate-hightech",
        {"items": [{"shareholding_pct": "29.99"}]},
        "0",
        False,
        ("直接持股比例29.99%低于30%",),
    ),
    (
        "incubate, two of three count",
        "sangao-incubate-hightech",
        {"items": [{"shareholding_pct": "35"}, {"shareholding_pct": "10"}, {"shareholding_pct": "30"}]},
        "40",
        True,
        ("第2家",),
    ),
    ("institute incubates three", "sangao-rd-institute-incubate", {"count": 3}, "60", True, ("20+20+20=60万元",)),
    # --- fixed awards
    ("小巨人 市级+区级 each", "zjtx-2-little-giant", {}, "100", None, ("市级50万元+区级50万元=100万元",)),
    ("incubator 卓越级", "kjfwy-3-incubator-award", {"tier": "卓越级"}, "500", None, ("卓越级一次性给予500万元",)),
    ("incubator 标准级", "kjfwy-3-incubator-award", {"tier": "标准级"}, "200", None, ()),
    ("national platform", "kjcx-2-national-platform", {}, "3000", None, ("一次性给予3000万元",)),
    ("key lab revenue exactly 1亿", "sangao-key-lab", {"revenue_last_wan": "1亿"}, "200", None, ()),
    ("key lab revenue under 1亿", "sangao-key-lab", {"revenue_last_wan": "9999.9999"}, "0", False, ("低于1亿元",)),
    ("other key lab exactly 3亿", "sangao-key-lab-other", {"revenue_last_wan": "30000"}, "100", None, ()),
    ("tech innovation centre", "sangao-tech-innovation-centre", {}, "1000", None, ()),
    ("new cooperation base", "kjcx-3-base-new", {}, "200", None, ("一次性给予200万元",)),
    ("new R&D institute start-up", "sangao-rd-institute-startup", {}, "100", None, ("一次性给予100万元",)),
    # --- top-up: 一次性补足至500万元
    ("top-up after 100万", "sangao-rd-institute-topup", {"received_wan": "100"}, "400", True, ("500−100=400万元",)),
    ("top-up when already 500万", "sangao-rd-institute-topup", {"received_wan": "500"}, "0", True, ("补足0万元",)),
    # --- combined cap: 以上奖励补助合计每年每家孵化器最高500万元
    (
        "combined, cap hit",
        "kjfwy-3-incubator-combined-cap",
        {"amounts_wan": "500,100"},
        "500",
        True,
        ("500+100=600万元，超过每年每家孵化器最高500万元，按500万元",),
    ),
    (
        "combined, cap not hit",
        "kjfwy-3-incubator-combined-cap",
        {"amounts_wan": ["200", "100"]},
        "300",
        True,
        ("200+100=300万元，未超过",),
    ),
]


@pytest.mark.parametrize(("name", "rule_id", "inputs", "amount", "eligible", "says"), CASES, ids=[c[0] for c in CASES])
def test_rule_table(
    name: str, rule_id: str, inputs: dict[str, object], amount: str | None, eligible: bool | None, says: tuple[str, ...]
) -> None:
    calc = calculate(RULES.get(rule_id), inputs)
    assert calc.missing == ()
    if amount is None:
        assert calc.amount_wan is None
    else:
        assert calc.amount_wan == D(amount)
        assert calc.amount_wan == calc.amount_wan.quantize(YUAN)
    assert calc.eligible is eligible
    for words in says:
        assert words in calc.formula, f"{words!r} not in {calc.formula!r}"
    assert calc.rule_id == rule_id
    assert calc.source_span == RULES.get(rule_id).source_span


@pytest.mark.parametrize(
    ("rule_id", "inputs", "cap"),
    [
        ("kjcx-12-postdoc", {"persons": 3, "years": 3}, "90"),  # 最长2年
        ("kjcx-12-postdoc", {"persons": 3, "years": 2}, "90"),
        ("kjcx-12-postdoc", {"persons": 1, "years": "1.5"}, "15"),  # whole years only
        ("zjtx-7-training", {"person_times": 5, "days": 3}, "0.75"),
    ],
)
def test_a_per_unit_maximum_is_the_cap_not_the_amount(rule_id: str, inputs: dict[str, object], cap: str) -> None:
    calc = calculate(RULES.get(rule_id), inputs)
    assert calc.amount_wan is None and calc.missing == ()
    assert calc.cap_wan == D(cap)
    assert any("算得的是上限" in r for r in calc.reasons)


def test_every_computable_rule_has_a_table_row() -> None:
    tested = {c[1] for c in CASES}
    computable = {r.id for r in RULES if r.kind != "max_only"}
    assert computable <= tested, sorted(computable - tested)


@pytest.mark.parametrize("rule", [r for r in RULES if isinstance(r, MaxOnlyRule)], ids=lambda r: r.id)
def test_a_maximum_only_award_states_its_cap_and_never_claims_it(rule: MaxOnlyRule) -> None:
    inputs: dict[str, object] = {}
    if rule.tiers():
        inputs["tier"] = rule.tiers()[0].name
    if rule.id == "kjcx-7-rd-bonus":
        inputs |= {"current_wan": "1000", "last_wan": "500"}
    calc = calculate(rule, inputs)
    cap = rule.tiers()[0].amount if rule.tiers() else rule.cap
    assert cap is not None
    assert calc.amount_wan is None and calc.missing == ()
    assert f"最高{cap}" in calc.formula
    assert rule.decided_by in calc.formula
    assert any("无法按公式测算" in r for r in calc.reasons)
    assert [s.value_wan for s in calc.steps if s.value_wan is not None] == [cap.wan]


def test_missing_inputs_are_named_in_chinese_with_the_rule_and_its_cap() -> None:
    calc = calculate(RULES.get("zjtx-15-credit-insurance"), {"premium_wan": "12"})
    assert calc.amount_wan is None and calc.eligible is None
    assert calc.missing == ("保单保险金额（万元）或单张保单保险费率（‰）",)
    assert "单家企业最高30万元" in calc.formula and "需提供" in calc.formula

    calc = calculate(RULES.get("kjcx-7-rd-step"), {"current_wan": "600"})
    assert calc.missing == ("上年度自主研发费用（万元）或较上年增长率（%）",)
    assert "每满200万元给予10万元" in calc.formula and "最高500万元" in calc.formula

    calc = calculate(RULES.get("zjtx-5-ip-pledge-interest"), {"loan_wan": "1000", "rate_pct": "4", "months": "12"})
    assert calc.missing == ("一年期贷款市场报价利率（LPR）",)  # never assumed: it changes over time


def test_a_missing_optional_condition_is_stated_not_assumed() -> None:
    calc = calculate(RULES.get("zjtx-7-digital"), {"base_wan": "50"})
    assert calc.amount_wan == D(15)
    assert calc.eligible is None
    assert any("需满足：改造后数字化水平等级不低于2级" in r and "未核实" in r for r in calc.reasons)


def test_an_up_to_ratio_says_the_result_is_an_upper_bound() -> None:
    calc = calculate(RULES.get("zjtx-7-consulting"), {"base_wan": "10"})
    assert calc.amount_wan == D(5)
    assert any("上限" in r for r in calc.reasons)


def test_inputs_keep_the_values_as_given_with_units() -> None:
    calc = calculate(RULES.get("zjtx-7-digital"), {"base_wan": "1.2亿"})
    assert calc.inputs == {"base_wan": "12000万元"}
    assert calc.amount_wan == D(25)
    calc = calculate(RULES.get("zjtx-7-digital"), {"base_wan": "3,000元"})
    assert calc.amount_wan == D("0.09")


def test_yuan_precision() -> None:
    # 333.33333…×10% is quantized to the yuan (0.0001万元), half up
    calc = calculate(RULES.get("zjtx-4-joint-lab"), {"base_wan": "0.00035"})
    assert calc.amount_wan == D("0.0000")
    calc = calculate(RULES.get("zjtx-4-joint-lab"), {"base_wan": "0.0005"})
    assert calc.amount_wan == D("0.0001")


@pytest.mark.parametrize(
    ("rule_id", "inputs", "says"),
    [
        ("zjtx-7-digital", {"base": "120"}, "takes no input 'base'"),
        ("zjtx-7-digital", {"base_wan": "十几万"}, "base_wan='十几万'"),
        ("zjtx-7-digital", {"base_wan": "-5"}, "negative"),
        ("zjtx-7-digital", {"base_wan": True}, "boolean"),
        ("kjfwy-3-incubator-award", {"tier": "白金级"}, "'白金级' is not one of"),
        ("kjcx-12-postdoc", {"persons": "2.5", "years": "1"}, "whole number"),
        ("sangao-equipment-rental", {"items": [{"original_value_wan": "80"}]}, "lacks ['fee_wan']"),
        ("sangao-equipment-rental", {"items": [{"colour": "red"}]}, "unknown item attribute"),
    ],
)
def test_bad_inputs_raise_rule_error_naming_them(rule_id: str, inputs: dict[str, object], says: str) -> None:
    with pytest.raises(RuleError) as e:
        calculate(RULES.get(rule_id), inputs)
    assert says in str(e.value)
    assert e.value.message_zh


def test_floats_from_json_are_read_through_their_decimal_text() -> None:
    calc = calculate(RULES.get("kjfwy-5-tech-fund-cost-cap"), {"loan_wan": 1000, "rate_pct": 4.2, "months": 12})
    assert calc.amount_wan == D(22)  # binary 4.2 would give 21.99999…


# --- 就高不重复


def test_overlapping_rules_take_the_larger_amount_not_the_sum() -> None:
    a = calculate(RULES.get("zjtx-4-joint-lab"), {"base_wan": "5000"})
    b = calculate(RULES.get("kjcx-7-joint-lab"), {"base_wan": "3000"})
    reason = "本措施与其他同类型政策存在交叉、重复的，按“就高不重复”原则落实。"
    best = combine_overlapping([b, a], reason)
    assert best.amount_wan == D(500)
    assert best.rule_id == "zjtx-4-joint-lab"
    assert best.reasons[0] == reason
    assert "max(300，500)=500万元" in best.formula and "不叠加" in best.formula
    assert best.amount_wan != a.amount_wan + b.amount_wan  # type: ignore[operator]


def test_overlap_with_an_unknown_amount_cannot_be_resolved() -> None:
    a = calculate(RULES.get("sangao-hightech-transfer-vat"), {"local_share_wan": "100"})
    b = calculate(RULES.get("kjcx-11-hightech-transfer"), {})
    out = combine_overlapping([a, b], "就高不重复")
    assert out.amount_wan is None
    assert "kjcx-11-hightech-transfer的金额未能测算" in out.formula


def test_combine_one_and_none() -> None:
    a = calculate(RULES.get("zjtx-4-joint-lab"), {"base_wan": "10"})
    assert combine_overlapping([a], "x") is a
    with pytest.raises(RuleError):
        combine_overlapping([], "x")


def test_overlaps_are_declared_both_ways_through_the_book() -> None:
    assert {r.id for r in RULES.overlapping("kjcx-7-joint-lab")} == {"zjtx-4-joint-lab"}
    assert {r.id for r in RULES.overlapping("zjtx-4-joint-lab")} == {"kjcx-7-joint-lab"}


# --- the rule book


def test_get_unknown_rule_lists_close_matches() -> None:
    with pytest.raises(RuleError) as e:
        RULES.get("zjtx-7-digitl")
    assert "zjtx-7-digital" in str(e.value)
    assert "zjtx-7-digital" in e.value.message_zh


def test_for_clause_includes_rules_restated_in_a_faq_answer() -> None:
    ids = [r.id for r in RULES.for_clause("xm-sangao-faq/推出科技信用贷款产品/问答1")]
    assert ids == ["sangao-credit-loan-interest"]
    assert [r.id for r in RULES.for_clause("xm-zjtx-2024/二/（三）/7")] == [
        "zjtx-7-digital",
        "zjtx-7-consulting",
        "zjtx-7-training",
    ]
    assert RULES.for_clause("xm-zjtx-2024/前言") == ()


@pytest.mark.parametrize(
    ("question", "first"),
    [
        ("管理咨询服务费用50万能补多少", "zjtx-7-consulting"),
        ("数字化改造投入120万，能拿多少", "zjtx-7-digital"),
        ("培训120人次3天补贴多少", "zjtx-7-training"),
        ("今年研发费用600万，去年500万，研发费用补助多少", "kjcx-7-rd-step"),
        ("研发费用增长率超过20%的叠加奖励多少", "kjcx-7-rd-bonus"),
        ("联合实验室投入2000万补多少", "kjcx-7-joint-lab"),
    ],
)
def test_select_ranks_rules_of_the_clauses_by_cue_words(question: str, first: str) -> None:
    ranked = RULES.select(question, ["xm-zjtx-2024/二/（三）/7", "xm-kjcx-jd/四/（三）/7"])
    assert ranked[0].id == first
    assert len(ranked) == 7  # every rule of the given clauses, ranked


def test_select_keeps_clause_order_on_ties() -> None:
    ranked = RULES.select("能拿多少", ["xm-kjcx-jd/四/（三）/7", "xm-zjtx-2024/二/（三）/7"])
    assert ranked[0].id == "kjcx-7-innovation-project"


def test_empty_book_len_iter() -> None:
    book = RuleBook(())
    assert len(book) == 0 and list(book) == []


# --- policyqa calc


def test_calc_command_prints_source_steps_and_result() -> None:
    text = calc_command("zjtx-7-digital", ["base_wan=120万", "digital_level=2"], rules=RULES, corpus=CORPUS)
    assert "数字化改造补助（zjtx-7-digital）" in text
    assert "第二部分（三）第7条" in text
    assert "“改造后数字化水平达到二级以上的按其数字化改造实际投入资金最高30%给予补助，单家企业最高25万元”" in text
    assert "结果：25万元（120×30%=36万元，超过单家企业最高25万元，按25万元）" in text


def test_calc_command_without_pairs_lists_the_inputs_and_what_is_missing() -> None:
    text = calc_command("kjcx-7-rd-step", [], rules=RULES, corpus=CORPUS)
    assert "还需提供：年度自主研发费用（万元）、上年度自主研发费用（万元）或较上年增长率（%）" in text
    assert "current_wan=" in text and "last_wan=" in text


def test_calc_command_ineligible() -> None:
    text = calc_command("kjcx-7-rd-step", ["current_wan=200", "last_wan=150"], rules=RULES, corpus=CORPUS)
    assert "结果：不符合条件，金额0万元（年度自主研发费用200万元不高于200万元，不符合条件）" in text


@pytest.mark.parametrize(
    ("rule_id", "pairs", "says"),
    [
        ("zjtx-7-digtal", [], "did you mean"),
        ("zjtx-7-digital", ["base_wan"], "is not key=value"),
        ("zjtx-7-digital", ["=3"], "is not key=value"),
        ("zjtx-7-digital", ["base=3"], "takes no input 'base'"),
        ("zjtx-7-digital", ["base_wan=abc"], "base_wan='abc'"),
        ("zjtx-7-digital", ["base_wan=1", "base_wan=2"], "given twice"),
    ],
)
def test_calc_command_errors(rule_id: str, pairs: list[str], says: str) -> None:
    with pytest.raises(RuleError, match=None) as e:
        calc_command(rule_id, pairs, rules=RULES, corpus=CORPUS)
    assert says in str(e.value)


# --- the LangChain tool


def test_tool_schema_has_one_schema_per_rule_kind() -> None:
    tool = as_tool(RULES)
    schema = tool.args_schema.model_json_schema()  # type: ignore[union-attr]
    kinds = {d["properties"]["kind"]["const"] for d in schema["$defs"].values() if "kind" in d.get("properties", {})}
    assert kinds == set(KINDS) and {r.kind for r in RULES} <= kinds  # drafted-only kinds (bands) too
    assert set(schema["properties"]["rule_id"]["enum"]) == {r.id for r in RULES}
    assert "能拿多少" in tool.description and "nothing is ever assumed" in tool.description


def test_tool_computes_and_reports_errors_as_json() -> None:
    tool = as_tool(RULES)
    out = json.loads(
        tool.invoke(
            {
                "rule_id": "zjtx-15-credit-insurance",
                "args": {"kind": "premium", "premium_wan": 12, "insured_wan": "1000"},
            }
        )
    )
    assert out["amount_wan"] == "2.8"
    assert out["rule_id"] == "zjtx-15-credit-insurance"
    out = json.loads(tool.invoke({"rule_id": "zjtx-7-digital", "args": {"kind": "ratio", "base_wan": 80, "facts": {"digital_level": "1"}}}))
    assert out["eligible"] is False and out["amount_wan"] == "0"
    out = json.loads(tool.invoke({"rule_id": "zjtx-7-digital", "args": {"kind": "premium", "premium_wan": 12}}))
    assert "kind" in out["error"]
    out = json.loads(
        tool.invoke(
            {
                "rule_id": "sangao-equipment-rental",
                "args": {"kind": "per_item", "items": [{"original_value_wan": 80, "fee_wan": 20}]},
            }
        )
    )
    assert out["amount_wan"] == "6"


def test_args_model_per_kind() -> None:
    model = args_model("per_step")
    assert {"current_wan", "last_wan", "growth_pct", "facts", "kind"} <= set(model.model_fields)
    with pytest.raises(RuleError):
        args_model("nope")


def test_calculation_serialises_decimals_as_strings() -> None:
    calc = calculate(RULES.get("zjtx-7-digital"), {"base_wan": "120"})
    d = calc.to_dict()
    assert d["amount_wan"] == "25" and isinstance(calc, Calculation)
    assert json.dumps(d, ensure_ascii=False)


# --- for the answer chain


def test_calculate_question_picks_the_rule_the_question_is_about() -> None:
    calcs = calculate_question("专精特新企业数字化改造投入120万，能补多少", ["xm-zjtx-2024/二/（三）/7"], rules=RULES)
    assert [(c.rule_id, c.amount_wan) for c in calcs] == [("zjtx-7-digital", D(25))]


def test_calculate_question_applies_jiugao_bu_chongfu_to_overlapping_rules() -> None:
    calcs = calculate_question(
        "共建联合实验室非财政资金投入5000万，能拿多少",
        ["xm-zjtx-2024/二/（二）/4", "xm-kjcx-jd/四/（三）/7"],
        rules=RULES,
    )
    # the headline first: the 就高不重复 result answers the question; the parts follow
    combined = calcs[0]
    assert [c.rule_id for c in calcs[1:]] == ["zjtx-4-joint-lab", "kjcx-7-joint-lab"]
    assert combined.amount_wan == D(500)  # not 1000: the larger, never the sum
    assert "就高不重复" in combined.formula and combined.reasons[0] == OVERLAP_REASON


def test_calculate_question_asks_for_what_is_missing_and_cites() -> None:
    from assistant.compose import make_citation

    clause = CORPUS.clause("xm-zjtx-2024/二/（六）/15")
    cite = make_citation(2, clause, RULES.get("zjtx-15-credit-insurance").source_span, dt.date(2025, 1, 1))
    (calc,) = calculate_question("信用保险保费60万能补多少", [clause.id], rules=RULES, citations={clause.id: cite})
    assert calc.amount_wan is None and calc.missing == ("保单保险金额（万元）或单张保单保险费率（‰）",)
    assert calc.citation is cite


def test_calculate_question_without_rules_or_cues() -> None:
    assert calculate_question("能拿多少", ["xm-zjtx-2024/前言"], rules=RULES) == []
    (calc,) = calculate_question("能拿多少", ["xm-kjcx-jd/四/（三）/7"], rules=RULES)
    assert calc.rule_id == "kjcx-7-innovation-project" and calc.amount_wan is None
