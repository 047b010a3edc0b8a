"""Facts a company states in words, read under the rule's own terms: what makes it ineligible
(with the failing condition quoted), several items under one rule, a base above the measure's
ceiling, and growth or sources of money told without figures.

Every expected figure is read from the clause wording cited beside it.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from assistant.calculator import calculate_question, load_rules
from assistant.calculator.facts import stated_conditions

RULES = load_rules()
D = Decimal

DIGITAL = "xm-zjtx-2024/二/（三）/7"  # 改造后数字化水平达到二级以上…最高30%，单家企业最高25万元（小巨人、后备企业）
INCUBATOR = "xm-kjfwy-2025/三"  # 每年给予市级及以上孵化器最高100万元运营补助
LITTLE_GIANT = "xm-zjtx-2024/二/（一）/2"  # 对首次获得专精特新“小巨人”称号的企业…一次性50万元
RD = "xm-kjcx-jd/四/（三）/7"  # 高于200万元且较上年实现增长的，每满200万元给予10万元
COST_CAP = "xm-kjfwy-2025/五"  # 企业融资成本最高2%，其余部分由财政给予贴息
ZJTX_FUND = "xm-zjtx-2024/二/（二）/3"  # 固定融资成本为2%/年；贷款额度上限5亿/5000万，小巨人10亿/1亿


def head(question: str, clause: str):  # type: ignore[no-untyped-def]
    return calculate_question(question, [clause], rules=RULES)[0]


# --- kind 1: facts that make the company ineligible give 0, with the failing condition quoted


@pytest.mark.parametrize(
    ("question", "clause", "rule_id", "quoted"),
    [
        # a level below 二级以上, said with any verb
        ("小巨人企业数字化改造花了60万，测评结果是一级，能补多少？", DIGITAL, "zjtx-7-digital", "低于2级"),
        ("后备企业做数字化改造投入40万，最后只评了一级，补助多少", DIGITAL, "zjtx-7-digital", "低于2级"),
        # every subject the rule names is denied
        ("我们不是小巨人，也不是后备企业，数字化改造投了30万，评到三级，补多少？", DIGITAL, "zjtx-7-digital", "本项适用于"),
        # a rank below the rule's 市级及以上
        ("我们是县级孵化器，每年运营补助有多少？", INCUBATOR, "kjfwy-3-incubator-operation", "不属于市级及以上"),
        # not the first award
        ("我们前年就获得过小巨人称号，今年还能拿那个一次性奖励吗？多少？", LITTLE_GIANT, "zjtx-2-little-giant", "不是首次获得"),
        # a decrease where growth is required
        ("今年研发费用700万，比去年下降了一些，研发费用补助能拿多少？", RD, "kjcx-7-rd-step", "较上年实现增长"),
        # a rate already under the fixed cost: nothing to ask for
        ("科技服务企业技术创新基金贷款，年利率才1.5%，贴息多少？", COST_CAP, "kjfwy-5-tech-fund-cost-cap", "未超过企业融资成本2%"),
    ],
)
def test_stated_facts_that_fail_give_zero_with_the_condition(question: str, clause: str, rule_id: str, quoted: str) -> None:
    calc = head(question, clause)
    assert calc.rule_id == rule_id
    assert calc.amount_wan == D(0)
    assert calc.eligible is False
    assert calc.missing == ()
    assert quoted in calc.formula, calc.formula


@pytest.mark.parametrize(
    ("question", "rule_id"),
    [
        # the rule's own subjects, said plainly: nothing fails
        ("我们是小巨人企业，数字化改造投了50万，评到二级，能补多少？", "zjtx-7-digital"),
        # one subject denied, the other still possible
        ("我们不是小巨人，是后备企业，数字化改造投了50万，达到二级", "zjtx-7-digital"),
        ("我们是市级孵化器，考核优秀，运营补助多少", "kjfwy-3-incubator-operation"),
        ("今年第一次评上小巨人，奖励多少", "zjtx-2-little-giant"),
        ("我们已经评上小巨人了，能拿多少奖励", "zjtx-2-little-giant"),
    ],
)
def test_words_that_do_not_fail_a_condition(question: str, rule_id: str) -> None:
    failures, _ = stated_conditions(question, RULES.get(rule_id))
    assert failures == ()


def test_growth_said_in_words_satisfies_the_comparison_not_a_growth_rate() -> None:
    # 较上年实现增长 holds on "比上年有所增长"; 增长率超过20% still needs the rate
    calc = head("科技型中小企业今年自主研发费用450万，比上年有所增长，研发补助多少？", RD)
    assert calc.rule_id == "kjcx-7-rd-step"
    assert calc.amount_wan == D(20)  # ⌊450÷200⌋×10
    _, holds = stated_conditions("比上年有所增长", RULES.get("kjcx-7-rd-bonus"))
    assert holds == frozenset()


def test_a_figure_the_asker_fixes_for_the_sum_is_a_fact() -> None:
    # "LPR按3.0%算" is the asker's figure, not the policy's
    calc = head("专精特新企业专利质押贷款500万，一年期，利率4%，LPR按3.0%算，贴息多少？", "xm-zjtx-2024/二/（三）/5")
    assert calc.missing == ()
    assert calc.amount_wan == D(9)  # 500×3%×60%


# --- kind 4: a base above the measure's ceiling is the ceiling


@pytest.mark.parametrize(
    ("question", "amount", "says"),
    [
        # 研发创新贷款上限5000万元; 小巨人 1亿元
        ("专精特新企业研发创新贷款6000万，年利率3%，一年贴息多少？", "50", "超过贷款额度上限5000万元"),
        ("小巨人企业研发创新贷款2亿，年利率3%，一年贴息多少？", "100", "超过贷款额度上限10000万元"),
        ("专精特新企业（还不是小巨人）固定资产投资贷款6亿，年利率3%，一年贴息多少？", "500", "超过贷款额度上限50000万元"),
        # under the ceiling, or the loan not named: the loan as stated
        ("小巨人企业固定资产投资贷款8亿，年利率3%，一年贴息多少？", "800", "80000×(3%−2%)"),
        ("专精特新企业技术创新基金贷款6000万，年利率3%，一年贴息多少？", "60", "6000×(3%−2%)"),
    ],
)
def test_a_loan_above_the_ceiling_counts_up_to_the_ceiling(question: str, amount: str, says: str) -> None:
    calc = head(question, ZJTX_FUND)
    assert calc.rule_id == "zjtx-3-tech-fund-cost-cap"
    assert calc.amount_wan == D(amount)
    assert says in calc.formula, calc.formula


# --- kind 2: several items under one rule, each under the rule's cap scope, then summed

POSTDOC = "xm-kjcx-jd/四/（四）/12"  # 每人每年最高15万元，最长2年
PLEDGE = "xm-zjtx-2024/二/（三）/5"  # 利率不超过一年期LPR，最高60%，企业一年享受贴息总额最高30万元
INSURANCE = "xm-zjtx-2024/二/（六）/15"  # 单张保单7‰以内部分的保费×40%，单家企业最高30万元
RENTAL = "xm-sangao-faq/补贴研发设备使用费用/政策原文"  # 单台原值超过50万元，30%，最多2台套，每家每年最高50万元


@pytest.mark.parametrize(
    ("question", "clause", "total", "lines"),
    [
        # people with their own durations, each under 最长2年
        ("站里有三位博士后：甲在站3年，乙在站1年，丙在站2年，生活补助最多一共多少？", POSTDOC, "75", 3),
        ("两个博士后都在站2年，再加一个只待了半年，最多一共多少？", POSTDOC, "60", 2),
        # loans at their own rates, the shared LPR and term said once, after or before the items
        ("专精特新企业两笔专利质押贷款，都是一年期：一笔500万利率2.5%，一笔1000万利率4%，一年期LPR是3%，贴息一共多少？", PLEDGE, "25.5", 2),
        # policies with their own 保额/费率, a rate in % read as ‰
        ("专精特新企业买了两张贸易信用险保单：一张保额2000万、费率5‰；另一张保额3000万、费率0.9%，一共补多少？", INSURANCE, "12.4", 2),
        # machines: only those over 50万 count, at most 2
        ("三高企业租用三台研发设备：甲原值100万付了20万，乙原值40万付了10万，丙原值90万付了30万，能补多少？", RENTAL, "15", 0),
    ],
)
def test_items_are_computed_each_and_summed(question: str, clause: str, total: str, lines: int) -> None:
    calc = head(question, clause)
    got = calc.amount_wan if calc.amount_wan is not None else calc.cap_wan
    assert calc.missing == ()
    assert got == D(total), calc.formula
    assert len([s for s in calc.steps if s.text.startswith("第")]) >= lines


def test_a_head_count_the_lines_do_not_add_up_to_is_not_guessed() -> None:
    calc = head("三位博士后：一个待了2年，一个待了1年，补助最多一共多少？", POSTDOC)
    assert calc.cap_wan != D(45)  # 2+1 lines for 3 people: not read as a list


# --- kind 3: a yearly award stacked over the years asked, within the clause's period

TAX = "xm-sangao-faq/提高人才个税奖励/政策原文"  # 个税10万（含）以上…5年内…地方留成部分的50%
TRANSFER = "xm-kjcx-jd/四/（四）/11"  # 连续2年、每年每家企业最高100万元


@pytest.mark.parametrize(
    ("question", "clause", "amount", "cap"),
    [
        ("三高企业一位副总个税每年12万，地方留成每年6万，3年内一共能奖励多少？", TAX, "9", None),
        ("三高企业一位副总个税每年12万，地方留成每年6万，5年下来总共奖励多少？", TAX, "15", None),
        # more years than the clause's 5年内: the period limit
        ("三高企业一位副总个税每年12万，地方留成每年6万，7年一共能奖励多少？", TAX, "15", None),
        # no years asked: the yearly figure
        ("三高企业一位副总个税每年12万，地方留成每年6万，能奖励多少？", TAX, "3", None),
    ],
)
def test_a_yearly_award_over_the_years_asked(question: str, clause: str, amount: str | None, cap: str | None) -> None:
    calc = head(question, clause)
    assert calc.amount_wan == (None if amount is None else D(amount)), calc.formula
    if cap is not None:
        assert calc.cap_wan == D(cap)


def test_a_failed_condition_is_not_stacked() -> None:
    calc = head("三高企业一位经理个税每年8万，地方留成每年3万，5年内一共能奖励多少？", TAX)
    assert calc.amount_wan == D(0)
    assert calc.eligible is False
