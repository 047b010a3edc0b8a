"""General readings of a company's facts (issue 10, fourth round): how a figure is bound to its
role, what part of a sum a clause leaves out, items stated as pieces of a list, a supposed sum.

Every question is phrased freshly with figures of its own; the expected figures are computed by
hand from the clause quoted beside each constant.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from assistant.calculator import calculate_question, extract_params, find_mentions, load_rules
from assistant.understand import detect_intent, understand

RULES = load_rules()
D = Decimal

JOINT_LAB = "xm-zjtx-2024/二/（二）/4"  # 新增研发设备（含软件）非财政资金投入的10%…最高1000万元
VAT = "xm-sangao-faq/加大科技成果转化奖励力度/政策原文"  # 应缴已缴增值税地方留成部分的60%…每年最高500万元
TALENT = "xm-sangao-faq/提高人才个税奖励/政策原文"  # 个税10万（含）以上…地方留成部分的50%
INSTITUTE = "xm-sangao-faq/鼓励创办新型研发机构/政策原文"  # 非财政资金新购入仪器…50%…新型研发机构最高3000万元
DIGITAL = "xm-zjtx-2024/二/（三）/7"  # “小巨人”后备企业、“小巨人”企业…二级以上…30%…单家企业最高25万元
TECH_FUND = "xm-zjtx-2024/二/（二）/3"  # 固定融资成本2%…小巨人固定资产投资贷款额度上限10亿元
CREDIT_FUND = "xm-kjfwy-2025/五"  # 年化1%贴息，单户贷款最高2000万元
SCENARIO = "xm-kjcx-jd/四/（四）/11"  # 产学研…企业实际支付技术交易额的最高50%…每个项目最高100万元
POSTDOC = "xm-kjcx-jd/四/（四）/12"  # 最长2年、每人每年最高15万元


def head(question: str, clause_ids: list[str]) -> tuple[Decimal | None, Decimal | None, bool | None]:
    calc = calculate_question(question, clause_ids, rules=RULES)[0]
    return calc.amount_wan, calc.cap_wan, calc.eligible


# ---------------------------------------------------------------- a sum supposed, not stated


@pytest.mark.parametrize(
    ("text", "claimed"),
    [
        ("设备投了900万，补助按20%算是180万吧？", True),
        ("研发费用两千万，算下来能有100万元吗？", False),  # 能有 is not one of the claim's words
        ("每满200万给10万，算下来70万？", True),
        ("交易额分别是260万？", False),  # a fact stated, not a sum of the award
        ("投入是300万，能补多少？", False),
    ],
)
def test_a_sum_the_asker_supposes_is_no_fact(text: str, claimed: bool) -> None:
    last = [m for m in find_mentions(text) if m.kind == "money"][-1]
    assert last.rule_like is claimed


def test_a_supposed_sum_makes_an_amount_question() -> None:
    assert detect_intent("联合实验室投入三千万，补助按10%是300万吗？") == "amount"
    assert detect_intent("每满200万给10万，算下来80万？") == "amount"


def test_the_supposed_sum_is_checked_against_the_cap() -> None:
    # 1.6亿 × 10% = 1600 > 1000: the cap, not the 1600万 the asker supposes
    assert head("联合实验室新增研发设备投入1.6亿，全部自筹，补助按10%是1600万？", [JOINT_LAB])[0] == D(1000)


# ---------------------------------------------------------------- the measures a total is over


@pytest.mark.parametrize(
    ("text", "rule_like"),
    [
        ("这三项一共能拿多少", True),
        ("两项奖励合计多少", True),
        ("三个加起来多少", True),
        ("孵化了三家企业", False),
        ("做了两项改造", False),
    ],
)
def test_the_count_of_measures_asked_is_no_count_of_items(text: str, rule_like: bool) -> None:
    count = next(m for m in find_mentions(text) if m.kind == "count")
    assert count.rule_like is rule_like


# ---------------------------------------------------------------- numbers as people write them


@pytest.mark.parametrize(
    ("text", "wan"), [("个税大概十一二万", D(11)), ("投了七八十万", D(70)), ("二三百万的设备", D(200)), ("五六万", D(5))]
)
def test_a_range_of_neighbouring_numerals_reads_at_its_lower_end(text: str, wan: Decimal) -> None:
    assert [m.value for m in find_mentions(text) if m.kind == "money"] == [wan]


def test_two_numerals_that_are_no_range_are_not_read_as_one() -> None:
    assert not [m for m in find_mentions("三九万") if m.kind == "money" and m.value == 3]


# ---------------------------------------------------------------- parts a clause does not count


def test_public_money_a_district_gave_is_taken_out_of_a_non_fiscal_base() -> None:
    # (620 − 120) × 10% = 50
    assert head("联合实验室新增研发设备总投入620万，其中市里给了120万资金，能补多少？", [JOINT_LAB])[0] == D(50)
    calc = calculate_question("联合实验室新增研发设备总投入620万，其中市里给了120万资金，能补多少？", [JOINT_LAB], rules=RULES)[0]
    assert any("620−120=500万元" in s.text for s in calc.steps)


def test_the_part_not_yet_paid_is_taken_out_of_what_was_paid() -> None:
    # 应缴已缴: (350 − 50) × 60% = 180
    assert head("成果转化项目增值税地方留成应缴350万，有50万缓缴还没交，补助多少？", [VAT])[0] == D(180)


def test_an_unpaid_part_does_not_touch_a_clause_that_counts_all_of_it() -> None:
    # the joint-lab clause counts 非财政资金, not what was paid: 400 × 10% = 40
    assert head("联合实验室新增研发设备投入400万，有80万还没付，能补多少？", [JOINT_LAB])[0] == D(40)


# ---------------------------------------------------------------- items as pieces of a list


def test_items_that_each_state_two_sums_are_pieces_of_the_list() -> None:
    # 甲 18万 ≥ 10万: 7×50%; 乙 11万: 4×50%; 丙 9万 < 10万: 0 → 3.5 + 2 + 0 = 5.5
    q = "我们是三高企业，三名人才的个税分别是：甲18万（地方留成7万）、乙11万（地方留成4万）、丙9万（地方留成3万），个税奖励合计多少？"
    assert head(q, [TALENT])[0] == D("5.5")


def test_a_total_over_one_rules_items_is_not_over_another_rule_of_the_clause() -> None:
    # 年化1%: 500×1%×12/12 + 1000×1%×6/12 + 300×1%×3/12 = 5 + 5 + 0.75
    q = "三笔增信子基金贷款：一笔500万贷了12个月，一笔1000万贷了6个月，一笔300万贷了3个月，都是科技服务中小企业。贴息合计多少？"
    calcs = calculate_question(q, [CREDIT_FUND], rules=RULES)
    assert calcs[0].amount_wan == D("10.75")
    assert "+" not in calcs[0].rule_id


# ---------------------------------------------------------------- a figure bound to its role


def test_a_sum_spent_is_not_an_award_received() -> None:
    rule = RULES.get("sangao-rd-institute-equipment")
    values, _ = extract_params("新型研发机构这几年用自有资金购置仪器累计1200万，补助多少？", rule)
    assert values.get("base_wan") == D(1200) and "prior_wan" not in values
    values, _ = extract_params("新型研发机构用自有资金购置仪器1200万，此前累计已获补助200万，还能拿多少？", rule)
    assert values.get("prior_wan") == D(200)


def test_a_sum_named_by_the_stem_of_the_clause_word() -> None:
    # 技术交易款 for 技术交易额: 90 × 50% = 45
    assert head("有个产学研合作项目，实际付给高校技术交易款90万，支持多少？", [SCENARIO])[0] == D(45)


# ---------------------------------------------------------------- what the company says it is


def test_a_company_that_says_what_it_is_with_one_subject_denied_fails_the_others() -> None:
    q = "我司属于创新型中小企业，还没进入小巨人后备名单，数字化改造投入60万，改造后二级，能补多少？"
    amount, _, eligible = head(q, [DIGITAL])
    assert amount == 0 and eligible is False


def test_a_company_that_is_one_of_the_subjects_is_not_failed() -> None:
    # "还不是小巨人" denies one subject; a 后备企业 is the other: 60 × 30% = 18
    q = "我们公司是小巨人后备企业，还不是小巨人，数字化改造投入60万，改造后二级，能补多少？"
    assert head(q, [DIGITAL])[0] == D(18)


# ---------------------------------------------------------------- the loan ceiling asked


def test_how_much_may_be_lent_is_the_loan_ceiling() -> None:
    calc = calculate_question("小巨人企业办固定资产投资贷款走技术创新基金，额度能批到多少？", [TECH_FUND], rules=RULES)[0]
    assert calc.amount_wan is None and calc.cap_wan == D(100000)


# ---------------------------------------------------------------- the most, per person


def test_the_most_for_one_persons_term_is_per_person() -> None:
    # 1年 × 15万 = 15; 3年 is cut to the 最长2年: 30
    assert head("博士后在站一年，生活补助最多多少？", [POSTDOC])[1] == D(15)
    assert head("博士后打算在站三年，生活补助最多多少？", [POSTDOC])[1] == D(30)


# ---------------------------------------------------------------- follow-ups that change one fact


def test_a_followup_replaces_the_figure_of_the_year_it_names() -> None:
    u = understand("要是去年研发费用是900万呢？", ("今年研发费用1000万，去年800万，研发补助多少？",))
    assert "今年研发费用1000万" in u.query and "去年900万" in u.query


def test_a_followup_that_keeps_a_figure_leans_on_the_question_before() -> None:
    u = understand("保额还是2000万，费率改成千分之六呢？", ("内贸险保额2000万，费率5‰，保费补贴多少？",))
    assert u.followup and "千分之六" in u.query and "2000万" in u.query


# ---------------------------------------------------------------- an award set aside


RD = "xm-kjcx-jd/四/（三）/7"  # 每满200万元给予10万元补助，最高500万元; 增长超过20%的叠加奖励最高50万元


def test_an_award_the_question_sets_aside_is_not_the_one_asked() -> None:
    # ⌊1450÷200⌋ = 7 → 70; the 叠加奖励 is left out by the question's own words
    calc = calculate_question("去年研发费用1100万，今年1450万，研发费用补助（叠加奖励先不算）多少？", [RD], rules=RULES)[0]
    assert calc.rule_id == "kjcx-7-rd-step" and calc.amount_wan == D(70)
    calc = calculate_question("去年研发费用1100万，今年1450万，不算叠加奖励的话研发补助多少？", [RD], rules=RULES)[0]
    assert calc.rule_id == "kjcx-7-rd-step"


def test_a_fact_that_ends_a_statement_is_no_supposed_sum() -> None:
    # no question is put: "其中地方留成部分是3万" states a fact (留成 is no 成 of a ratio)
    last = find_mentions("人才一年个税12万，其中地方留成部分是3万")[-1]
    assert not last.rule_like


RENTAL = "xm-sangao-faq/补贴研发设备使用费用/政策原文"  # 单台原值超过50万元…实际支付费用的30%…最多补两台套


def test_items_without_a_fact_the_rule_needs_ask_for_it_instead_of_failing() -> None:
    """Items the question lists without a fact the rule needs of each (the machines' 原值 given
    only as "几十万吧，记不清"): the calculation asks for it; it never raises to the user."""
    q = "三高企业，租了两台检测设备，原值记不清了，租金一台付了30万一台付了40万，能补多少？"
    calc = calculate_question(q, [RENTAL], rules=RULES)[0]
    assert calc.amount_wan is None
    assert any("原值" in m for m in calc.missing), calc.missing


@pytest.mark.parametrize(
    ("text", "wan"),
    [
        ("服务费付了¥86,000，", Decimal("8.6")),  # a currency sign: the figure is in yuan
        ("合同金额 RMB 1250000 元", Decimal("125")),
        ("￥2.5万", Decimal("2.5")),  # the sign before a figure in 万 changes nothing
        ("设备投了2.4千万", Decimal("2400")),  # digits with a compound unit word
        ("项目总投资0.8亿", Decimal("8000")),
        ("一共3,600万", Decimal("3600")),
    ],
)
def test_a_sum_in_a_currency_sign_or_a_unit_word_after_digits_is_read(text: str, wan: Decimal) -> None:
    money = [m for m in find_mentions(text) if m.kind == "money"]
    assert [m.value for m in money] == [wan]
