"""How a fact's figure is read when it is not said next to its name.

A period said as two calendar dates ("某月某日放款，某月某日还清") is read as the months between
them, and only when the span is whole months: a part month is never rounded into an amount.
A fact named in the comma-clause before its figure's own (a remark between) is bound to that
name, never across a sentence's end.

The questions are phrased freshly; the expected figures are computed by hand from the clause
quoted beside the rule constant.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from assistant.calculator import calculate_question, find_mentions, load_rules

RULES = load_rules()
D = Decimal
CREDIT_FUND = "xm-kjfwy-2025/五"  # 按实际贷款金额和实际贷款期限予以年化1%贴息，单户贷款最高2000万元


def durations(text: str) -> list[Decimal]:
    return [m.value for m in find_mentions(text) if m.kind == "duration"]


@pytest.mark.parametrize(
    ("text", "months"),
    [
        ("2025年4月15日放的款，10月15日还上了", [D(6)]),  # the second date takes the first's year
        ("借款期间2026年2月1日至2026年4月30日", [D(3)]),  # the last day counted
        ("去年9月1号借的，今年3月1号还", [D(6)]),  # no year said, across the new year
        ("一笔5月1日到7月31日，一笔8月1日到12月31日", [D(3), D(5)]),
    ],
)
def test_two_dates_are_the_months_between_them(text: str, months: list[Decimal]) -> None:
    assert durations(text) == months


@pytest.mark.parametrize(
    "text",
    [
        "2026年3月1日放款，4月17日还清",  # a month and a half: no whole months
        "2026年2月30日放款，5月1日还清",  # no such day
    ],
)
def test_a_span_that_is_no_whole_months_is_no_duration(text: str) -> None:
    assert durations(text) == []


def test_a_loan_period_given_as_dates_is_computed() -> None:
    # 1200万 × 1% × 9/12 = 9万元
    calc = calculate_question(
        "科技服务小企业，增信子基金贷款1200万，2026年2月10日放款，11月10日还清，贴息多少？",
        [CREDIT_FUND],
        rules=RULES,
    )[0]
    assert calc.amount_wan == D(9)


def test_a_loan_period_given_as_part_months_is_asked_for_not_guessed() -> None:
    calc = calculate_question(
        "科技服务小企业，增信子基金贷款1200万，2026年2月10日放款，3月25日还清，贴息多少？",
        [CREDIT_FUND],
        rules=RULES,
    )[0]
    assert calc.amount_wan is None


# ---------------------------------------------------------------- a fact named before a remark

RD_STEP = "xm-kjcx-jd/四/（三）/7"  # 高于200万元且较上年实现增长的…每满200万元给予10万元补助，最高500万元


def test_a_fact_named_in_the_clause_before_its_figure_is_bound_to_it() -> None:
    # 本年度研发费用 650万 (> 200万, grew from 420万): ⌊650÷200⌋=3 → 30万元
    calc = calculate_question("本年度研发费用算了一下，差不多650万，上年度420万，补助多少？", [RD_STEP], rules=RULES)[0]
    assert calc.amount_wan == D(30)


def test_a_figure_after_a_sentence_end_takes_no_name_from_the_sentence_before() -> None:
    from assistant.calculator import extract_params

    rule = RULES.get("kjcx-7-rd-step")
    values, _ = extract_params("研发费用还在统计。另外厂房是20万", rule)
    assert "current_wan" not in values


@pytest.mark.parametrize(
    ("text", "months"),
    [
        ("2023年9月入职、2026年9月离开", [D(36)]),  # the same month of the year: whole years
        ("一位2025年3月来，2026年3月走", [D(12)]),
        ("2025年1月到2025年6月", []),  # five months or six: the days are not said
        ("2026年5月开始，2025年5月结束", []),  # the second before the first
    ],
)
def test_two_months_with_their_years_are_whole_years_only_on_the_same_month(text: str, months: list[Decimal]) -> None:
    assert durations(text) == months


POSTDOC = "xm-kjcx-jd/四/（四）/12"  # 对进站博士后给予最长2年、每人每年最高15万元生活补助
PILOT_BASE = "sd-kjfwy-2025/三/（九）"  # 对服务突出的省级中试基地，年度最高奖补200万元


def test_each_persons_stay_said_as_months_is_that_persons_years() -> None:
    # 甲 3年 → capped at 2 → 30万; 乙 1年 → 15万: at most 45万
    calc = calculate_question(
        "两位博士后，甲2022年10月进站、2025年10月出站，乙2024年10月进站、2025年10月出站，生活补助最多多少？",
        [POSTDOC],
        rules=RULES,
    )[0]
    # 生活补助 is "最高15万元" a person-year: the most is a maximum, stated as the cap with every fact given
    assert calc.amount_wan is None and calc.cap_wan == D(45)


def test_a_yearly_maximum_over_the_years_the_award_is_said_for() -> None:
    calc = calculate_question("省级中试基地连续被评为服务突出，三年奖补最高能有多少？", [PILOT_BASE], rules=RULES)[0]
    assert calc.cap_wan == D(600) and calc.amount_wan is None
    one = calculate_question("省级中试基地被评为服务突出，奖补最高多少？", [PILOT_BASE], rules=RULES)[0]
    assert one.cap_wan == D(200)


@pytest.mark.parametrize(
    ("text", "months"),
    [
        ("3月1日放出去，2027年3月1日到期", Decimal(12)),  # a year at one end stands for both
        ("2026年9月1日到2025年9月1日", None),  # an end before its start is no span
        ("2024年3月1日借的，到2月29日还", None),  # no 2025-02-29: no span, and no error
        ("2024年1月1日注册成立，2024年7月1日提交贴息申请", None),  # two events in two clauses
    ],
)
def test_date_pairs_that_are_no_span_give_no_duration(text: str, months: Decimal | None) -> None:
    got = [m.value for m in find_mentions(text) if m.kind == "duration"]
    assert got == ([months] if months is not None else [])
