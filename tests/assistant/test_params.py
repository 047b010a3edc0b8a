"""Reading a rule's inputs from a Chinese question: numbers in every written form, the facts
assigned by their cue words, the policy's own numbers left alone, and nothing assumed.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from assistant.calculator import INPUTS, calculate, extract_params, find_mentions, format_value, load_rules, parse_cn_number, parse_value

RULES = load_rules()
D = Decimal


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("两千万", 20_000_000),
        ("一千二百万", 12_000_000),
        ("1.2亿", 120_000_000),
        ("120万", 1_200_000),
        ("3,000", 3000),
        ("3千万", 30_000_000),
        ("十五", 15),
        ("十", 10),
        ("二十万", 200_000),
        ("一百零五", 105),
        ("一亿二千万", 120_000_000),
        ("五百", 500),
        ("零", 0),
        ("半", D("0.5")),
        ("二〇二五", 2025),
        ("０.５", D("0.5")),
        ("7", 7),
    ],
)
def test_parse_cn_number(text: str, value: object) -> None:
    assert parse_cn_number(text) == D(value)  # type: ignore[arg-type]


@pytest.mark.parametrize("text", ["", "abc", "十几", "1.2.3", "3五"])
def test_parse_cn_number_rejects_what_is_not_a_number(text: str) -> None:
    with pytest.raises(ValueError, match="not a number"):
        parse_cn_number(text)


@pytest.mark.parametrize(
    ("name", "raw", "value"),
    [
        ("base_wan", "120", D(120)),
        ("base_wan", "120万", D(120)),
        ("base_wan", "120万元", D(120)),
        ("base_wan", "1.2亿", D(12000)),
        ("base_wan", "1.2亿元", D(12000)),
        ("base_wan", "3,000元", D("0.3")),
        ("base_wan", "两千万", D(2000)),
        ("base_wan", 4.2, D("4.2")),
        ("rate_pct", "4.2%", D("4.2")),
        ("rate_pct", "百分之三十", D(30)),
        ("premium_rate_permille", "12‰", D(12)),
        ("premium_rate_permille", "千分之七", D(7)),
        ("premium_rate_permille", "1.2%", D(12)),
        ("months", "两年", D(24)),
        ("months", "8个月", D(8)),
        ("months", "半年", D(6)),
        ("months", "一年半", D(18)),
        ("years", "两年", D(2)),
        ("persons", "3", 3),
        ("persons", "三人", 3),
        ("digital_level", "二级", 2),
        ("amounts_wan", "500,100", (D(500), D(100))),
        ("amounts_wan", ["500万", "1亿"], (D(500), D(10000))),
    ],
)
def test_parse_value(name: str, raw: object, value: object) -> None:
    assert parse_value(INPUTS[name], raw) == value


@pytest.mark.parametrize(("name", "raw"), [("base_wan", "-3"), ("base_wan", True), ("persons", "2.5"), ("tier", ""), ("amounts_wan", "")])
def test_parse_value_rejects(name: str, raw: object) -> None:
    with pytest.raises(ValueError):
        parse_value(INPUTS[name], raw)


def test_format_value_units() -> None:
    assert format_value(INPUTS["base_wan"], D("12000.0")) == "12000万元"
    assert format_value(INPUTS["rate_pct"], D("4.20")) == "4.2%"
    assert format_value(INPUTS["months"], D(8)) == "8个月"


def test_find_mentions_reads_every_shape() -> None:
    q = (
        "今年研发费用两千万，去年一千二百万，年利率4.2%，三台设备，费率12‰，千分之七，百分之三十，"
        "8个月，两年，半年，3,000元，1.2亿，3个博士后，2024年"
    )
    got = [(m.kind, m.value, m.text) for m in find_mentions(q)]
    assert got == [
        ("money", D(2000), "两千万"),
        ("money", D(1200), "一千二百万"),
        ("pct", D("4.2"), "4.2%"),
        ("count", D(3), "三台"),
        ("permille", D(12), "12‰"),
        ("permille", D(7), "千分之七"),
        ("pct", D(30), "百分之三十"),
        ("duration", D(8), "8个月"),
        ("duration", D(24), "两年"),
        ("duration", D(6), "半年"),
        ("money", D("0.3"), "3,000元"),
        ("money", D(12000), "1.2亿"),
        ("count", D(3), "3个"),
    ]  # 2024年 is a date, not a duration


@pytest.mark.parametrize(
    ("question", "rule_numbers", "facts"),
    [
        ("每满200万元补助100万元，我们研发费用900万", ["200万元", "100万元"], ["900万"]),
        ("政策说最高25万，我们投入120万", ["25万"], ["120万"]),
        ("按30%补助，不超过10万元吗？费用50万", ["30%", "10万元"], ["50万"]),
        ("是不是30%的补贴？每人每年15万？", ["30%", "15万"], []),
        ("拿了卓越级500万奖励，又拿了运营补助100万", [], ["500万", "100万"]),
        # without a word saying it was received, a number beside 奖励 is read as the policy's
        ("又拿了运营补助100万，卓越级奖励500万", ["500万"], ["100万"]),
        ("已获得100万补助", [], ["100万"]),
    ],
)
def test_policy_numbers_in_a_question_are_not_facts(question: str, rule_numbers: list[str], facts: list[str]) -> None:
    mentions = find_mentions(question)
    assert [m.text for m in mentions if m.rule_like] == rule_numbers
    assert [m.text for m in mentions if not m.rule_like] == facts


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("比去年涨了一成左右", D(10)),
        ("增长了两成", D(20)),
        ("增长二成", D(20)),
        ("涨了三成半", D(35)),
        ("增长了九成", D(90)),
        ("增长了1.5成", D(15)),
    ],
)
def test_cheng_is_tenths(text: str, value: Decimal) -> None:
    (m,) = find_mentions(text)
    assert (m.kind, m.value) == ("pct", value)


@pytest.mark.parametrize(
    ("text", "kind", "value"),
    [
        # every way a figure is written (issue 10): one mention each, in 万元 for money
        ("设备投入3,450,000元", "money", D("345")),
        ("花了一百二十万", "money", D(120)),
        ("投资1.2亿", "money", D(12000)),
        ("贷了3个亿", "money", D(30000)),
        ("营收8千万", "money", D(8000)),
        ("改造花了1200w", "money", D(1200)),
        ("投入１２０万", "money", D(120)),
        ("投了0.5亿", "money", D(5000)),
        ("一百五十万元整", "money", D(150)),
        ("十二万五千元", "money", D("12.5")),
        ("三十万零五千元", "money", D("30.5")),
        ("二十八点五万", "money", D("28.5")),
        ("比例百分之十五", "pct", D(15)),
        ("费率千分之七", "permille", D(7)),
        ("招了三个人", "count", D(3)),
        ("干了两年半", "duration", D(30)),
    ],
)
def test_every_way_a_figure_is_written(text: str, kind: str, value: Decimal) -> None:
    (m,) = find_mentions(text)
    assert (m.kind, m.value) == (kind, value)


@pytest.mark.parametrize(
    "text",
    [
        "三成果转化项目",  # 成果, not 三成
        "政策一成不变",
        "去成都开推介会",
        "完成了备案",
        "十五成为",  # a digit run, not a single tenths digit
    ],
)
def test_cheng_inside_other_words_is_not_a_rate(text: str) -> None:
    assert [m for m in find_mentions(text) if m.kind == "pct"] == []


@pytest.mark.parametrize(
    ("text", "kind", "value", "unit"),
    [
        ("保额1个亿", "money", D(10000), ""),
        ("一个亿的保额", "money", D(10000), ""),
        ("两个亿", "money", D(20000), ""),
        ("研发费用850w", "money", D(850), ""),
        ("贷了300W", "money", D(300), ""),
        ("派了5个人去", "count", D(5), "个人"),
        ("3个博士后", "count", D(3), "个"),
    ],
)
def test_colloquial_amounts_and_counts(text: str, kind: str, value: Decimal, unit: str) -> None:
    (m,) = find_mentions(text)
    assert (m.kind, m.value, m.unit) == (kind, value, unit)


@pytest.mark.parametrize(
    ("question", "claimed"),
    [
        # what the asker claims the policy gives is not a fact of theirs
        ("孵化器一年最多能拿2000万对吧", "2000万"),
        ("补助是不是能拿600万", "600万"),
        ("我们可以拿50万吗", "50万"),
        ("能获得100万元吗", "100万元"),
    ],
)
def test_a_claimed_outcome_is_not_a_fact(question: str, claimed: str) -> None:
    (m,) = [m for m in find_mentions(question) if m.kind == "money"]
    assert m.text == claimed and m.rule_like


@pytest.mark.parametrize("question", ["拿了100万初创期补助", "已获得100万补助", "能拿到多少？我们投了100万"])
def test_an_amount_received_or_spent_stays_a_fact(question: str) -> None:
    (m,) = find_mentions(question)
    assert not m.rule_like


CASES: list[tuple[str, str, dict[str, object]]] = [
    # 成 is tenths; 涨/多了 are growth words; an increase in money gives last year's figure
    ("kjcx-7-rd-step", "今年研发费用850万，比去年涨了一成左右", {"current_wan": D(850), "growth_pct": D(10)}),
    ("kjcx-7-rd-step", "研发费用1000万，同比增长两成半", {"current_wan": D(1000), "growth_pct": D(25)}),
    ("kjcx-7-rd-step", "今年研发投入600万，比去年多了100万", {"current_wan": D(600), "increase_wan": D(100)}),
    ("kjcx-7-rd-step", "研发费用600万，比去年增加了100万", {"current_wan": D(600), "increase_wan": D(100)}),
    # a rule pasted into the question is not an input
    ("kjcx-7-rd-step", "研发费用1.2亿，增长了5%，按每满200万补10万算", {"current_wan": D(12000), "growth_pct": D(5)}),
    # 保额×费率 without the premium
    ("zjtx-15-credit-insurance", "保额1个亿，费率9‰", {"insured_wan": D(10000), "premium_rate_permille": D(9)}),
    # the word after the figure names it when none stands before it
    ("sangao-credit-loan-interest", "贷款已经还完了，一共付了12万利息", {"interest_wan": D(12)}),
    ("sangao-credit-loan-interest", "还款后付了12万的利息", {"interest_wan": D(12)}),
    # people on a per-day, per-person-time rate
    ("zjtx-7-training", "派了5个人去培训，培训3天", {"person_times": 5, "days": 3}),
    ("zjtx-7-training", "8名员工参加培训2天", {"person_times": 8, "days": 2}),
    (
        "sangao-talent-iit-rebate",
        "技术总监一年交的个税刚好10万，其中地方留成部分是4万",
        {"annual_tax_wan": D(10), "local_share_wan": D(4)},
    ),
    (
        "zjtx-7-digital",
        "我们是小巨人企业，数字化改造投入了120万，改造后达到三级，能补多少？",
        {"base_wan": D(120), "digital_level": 3},
    ),
    ("zjtx-7-digital", "政策说最高25万，我们数字化改造花了一千二百万，能拿多少", {"base_wan": D(1200)}),
    ("zjtx-7-digital", "最高25万是吗？数字化改造按30%补助，我们投入了80万", {"base_wan": D(80)}),
    ("kjcx-7-rd-step", "今年研发费用600万，去年500万，能拿多少研发补助", {"current_wan": D(600), "last_wan": D(500)}),
    ("kjcx-7-rd-step", "去年研发费用500万，今年600万", {"current_wan": D(600), "last_wan": D(500)}),
    ("kjcx-7-rd-step", "研发费用今年600万去年500万", {"current_wan": D(600), "last_wan": D(500)}),
    (
        "kjcx-7-rd-step",
        "每满200万元补助10万元，我们研发费用900万，上年度800万",
        {"current_wan": D(900), "last_wan": D(800)},
    ),
    ("kjcx-7-rd-step", "我们今年自主研发费用两千万，比去年增长了25%", {"current_wan": D(2000), "growth_pct": D(25)}),
    (
        "zjtx-15-credit-insurance",
        "买了国内贸易信用保险，保额5000万元，保费60万，费率12‰",
        {"insured_wan": D(5000), "premium_wan": D(60), "premium_rate_permille": D(12)},
    ),
    (
        "zjtx-15-credit-insurance",
        "信用保险保费3,000元，费率千分之五",
        {"premium_wan": D("0.3"), "premium_rate_permille": D(5)},
    ),
    (
        "zjtx-5-ip-pledge-interest",
        "用专利质押贷款1000万，年利率4.2%，期限8个月，LPR是3.1%",
        {"loan_wan": D(1000), "rate_pct": D("4.2"), "months": D(8), "lpr_pct": D("3.1")},
    ),
    (
        "kjfwy-5-credit-fund-interest",
        "通过增信子基金贷款1.2亿，贷了两年，贴息多少",
        {"loan_wan": D(12000), "months": D(24)},
    ),
    (
        "kjfwy-5-tech-fund-cost-cap",
        "技术创新基金贷款两千万，年利率百分之四，期限半年",
        {"loan_wan": D(2000), "rate_pct": D(4), "months": D(6)},
    ),
    ("kjcx-12-postdoc", "我们有3个博士后进站，在站两年，生活补助多少", {"persons": 3, "years": D(2)}),
    ("kjcx-12-postdoc", "5名博士后，每人每年最高15万，两年能拿多少", {"persons": 5, "years": D(2)}),
    ("zjtx-7-training", "培训了120人次，共3天，补贴多少", {"person_times": 120, "days": 3}),
    (
        "sangao-equipment-rental",
        "租用三台设备原值分别为80万、60万、40万，费用分别为20万、15万、10万",
        {
            "items": (
                {"original_value_wan": D(80), "fee_wan": D(20)},
                {"original_value_wan": D(60), "fee_wan": D(15)},
                {"original_value_wan": D(40), "fee_wan": D(10)},
            )
        },
    ),
    (
        "sangao-incubate-hightech",
        "孵化了2家国家高新技术企业，持股比例分别为35%和30%",
        {"items": ({"shareholding_pct": D(35)}, {"shareholding_pct": D(30)})},
    ),
    ("sangao-incubate-hightech", "孵化了3家高企，直接持股比例均为40%", {"items": ({"shareholding_pct": D(40)},) * 3}),
    ("sangao-rd-institute-incubate", "新型研发机构孵化了三家高企", {"count": 3}),
    ("sangao-rd-institute-topup", "已获得100万初创期补助，确认为重大研发机构后补多少", {"received_wan": D(100)}),
    ("sangao-rd-institute-topup", "重大研发机构补足至500万元，我们初创期拿了100万", {"received_wan": D(100)}),
    (
        "kjfwy-3-incubator-combined-cap",
        "孵化器今年拿了卓越级500万奖励，又拿了运营补助100万，合计多少",
        {"amounts_wan": (D(500), D(100))},
    ),
    ("kjfwy-3-incubator-award", "我们是卓越级部级孵化器", {"tier": "卓越级"}),
    ("kjcx-3-base-evaluation", "对台基地考核评估优良奖励多少", {"tier": "对台科技合作与交流基地"}),
    (
        "sangao-talent-iit-rebate",
        "我年个税20万，地方留成部分8万，奖励多少",
        {"annual_tax_wan": D(20), "local_share_wan": D(8)},
    ),
    ("sangao-hightech-transfer-vat", "成果转化项目应缴已缴增值税地方留成1200万，补多少", {"local_share_wan": D(1200)}),
    (
        "sangao-rd-institute-equipment",
        "重大研发机构购置仪器设备花了3000万元",
        {"base_wan": D(3000), "tier": "重大研发机构"},
    ),
    ("zjtx-3-tech-upgrade", "去年设备投入300万的技改项目能补多少", {"base_wan": D(300)}),
    ("sangao-credit-loan-interest", "信用贷款付了利息20万", {"interest_wan": D(20)}),
    (
        "sangao-credit-loan-interest",
        "信用贷款500万，年利率4%，一年",
        {"loan_wan": D(500), "rate_pct": D(4), "months": D(12)},
    ),
    ("sangao-key-lab", "上年度营业收入1.5亿，认定市重点实验室能拿多少", {"revenue_last_wan": D(15000)}),
]


@pytest.mark.parametrize(("rule_id", "question", "expected"), CASES, ids=[f"{c[0]}:{c[1][:14]}" for c in CASES])
def test_extract_params(rule_id: str, question: str, expected: dict[str, object]) -> None:
    values, missing = extract_params(question, RULES.get(rule_id))
    assert values == expected
    assert missing == ()


@pytest.mark.parametrize(
    ("rule_id", "question", "missing"),
    [
        ("zjtx-7-digital", "数字化改造能补多少？最高25万吗", ("数字化改造实际投入资金（万元）",)),
        ("kjcx-7-rd-step", "今年研发费用600万能拿多少", ("上年度自主研发费用（万元）或较上年增长率（%）",)),
        ("zjtx-5-ip-pledge-interest", "专利质押贷款1000万，年利率4.2%，一年", ("一年期贷款市场报价利率（LPR）",)),
        ("zjtx-15-credit-insurance", "信用保险保费60万", ("保单保险金额（万元）或单张保单保险费率（‰）",)),
        ("sangao-rd-institute-topup", "确认为重大研发机构后能补多少", ("已获得的初创期建设经费补助（万元）",)),
        ("sangao-talent-iit-rebate", "我年个税20万，奖励多少", ("当年缴纳个人所得税的地方留成部分金额（万元）",)),
        ("kjfwy-3-incubator-award", "部级孵化器奖励多少", ("类别（卓越级/标准级）",)),
        # two lists that disagree in length: ask, never pad or guess
        (
            "sangao-equipment-rental",
            "三台设备原值分别为80万、60万，费用分别为20万、15万、10万",
            ("每台套的设备单台原值、实际支付费用",),
        ),
    ],
)
def test_missing_inputs_are_reported_not_assumed(rule_id: str, question: str, missing: tuple[str, ...]) -> None:
    values, got = extract_params(question, RULES.get(rule_id))
    assert got == missing
    rule = RULES.get(rule_id)
    assert calculate(rule, values).missing == missing


def test_an_unrelated_number_of_another_kind_is_not_taken() -> None:
    # a per-mille rate is not a loan amount; a count of days is not a number of people
    values, missing = extract_params("费率12‰，培训3天", RULES.get("kjcx-12-postdoc"))
    assert values == {}
    assert missing == ("进站博士后人数", "在站年数")


def test_extraction_feeds_the_calculator_end_to_end() -> None:
    rule = RULES.get("zjtx-7-digital")
    values, missing = extract_params("数字化改造投入了120万，能补多少", rule)
    calc = calculate(rule, values)
    assert missing == () and calc.amount_wan == D(25)
    assert calc.formula.startswith("120×30%=36万元，超过单家企业最高25万元，按25万元")
