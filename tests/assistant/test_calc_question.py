"""From a question to its calculations: the headline first, totals over awards that stack,
maxima when the question asks for the most, and which rule a question is about.

Every expected figure is read from the clause wording cited beside it.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from assistant.calculator import (
    STACK_REASON,
    RuleBook,
    asks_most,
    asks_total,
    calculate,
    calculate_question,
    combine_stacked,
    load_rules,
)

RULES = load_rules()
D = Decimal

RD = "xm-kjcx-jd/四/（三）/7"  # 每满200万元给予10万元…；高于500万元且增长率超过20%的，最高50万元叠加奖励
INCUBATOR = "xm-kjfwy-2025/三"  # 卓越级500万/标准级200万；运营补助最高100万；合计每年每家最高500万元
INSURANCE = "xm-zjtx-2024/二/（六）/15"  # 7‰以内部分的保费，40%，单家企业最高30万元
POSTDOC = "xm-kjcx-jd/四/（四）/12"  # 最长2年、每人每年最高15万元
TRAINING = "xm-zjtx-2024/二/（三）/7"  # 每天每人次最高500元; 数字化改造单家企业最高25万元
LITTLE_GIANT = "xm-zjtx-2024/二/（一）/2"  # 市级、区级分别给予一次性50万元
LAB = "xm-sangao-faq/支持企业建设实验室/政策原文"
LAB_FAQ = "xm-sangao-faq/支持企业建设实验室/问答2"
NATIONAL = "xm-kjcx-jd/四/（一）/2"
INSTITUTE = "xm-sangao-faq/鼓励创办新型研发机构/政策原文"
TAX = "xm-sangao-faq/提高人才个税奖励/政策原文"


def headline(question: str, clause_ids: list[str]) -> tuple[Decimal | None, Decimal | None, tuple[str, ...]]:
    first = calculate_question(question, clause_ids, rules=RULES)[0]
    return first.amount_wan, first.cap_wan, first.missing


# --- what the question asks


@pytest.mark.parametrize(
    ("question", "total"),
    [
        ("研发补助加叠加奖励最多能拿多少", True),
        ("补助加叠加奖励一共多少", True),
        ("两项加一起今年最多能拿多少", True),
        ("市里区里加起来能拿多少", True),
        ("合计能拿多少", True),
        ("总共可以拿多少", True),
        # a figure spent in total is a fact, not a question for a sum
        ("一共付了12万利息，能贴多少", False),
        ("数字化改造一共投了120万，能补多少", False),
        # 叠加奖励 is the award's name
        ("研发费用增长率超过20%的叠加奖励多少", False),
        ("能拿多少", False),
    ],
)
def test_asks_total(question: str, total: bool) -> None:
    assert asks_total(question) is total


@pytest.mark.parametrize(
    ("question", "most"),
    [("最多能补多少", True), ("最高能拿多少", True), ("上限是多少", True), ("能补多少", False), ("每年补多少", False)],
)
def test_asks_most(question: str, most: bool) -> None:
    assert asks_most(question) is most


# --- the headline is first


def test_the_stacked_total_leads_and_its_parts_follow() -> None:
    calcs = calculate_question("研发费用两千万，增长率正好20%，补助加叠加奖励一共多少", [RD], rules=RULES)
    head, *parts = calcs
    assert [c.rule_id for c in parts] == ["kjcx-7-rd-step", "kjcx-7-rd-bonus"]
    assert head.rule_id == "kjcx-7-rd-step+kjcx-7-rd-bonus"
    # 2000/200=10, 10×10=100; 增长率“超过20%”: exactly 20% earns no bonus
    assert parts[0].amount_wan == D(100) and parts[1].amount_wan == D(0) and parts[1].eligible is False
    assert head.amount_wan == D(100) and head.cap_wan == D(100)
    assert "100万元（企业年度自主研发费用补助）+0万元（研发费用高增长叠加奖励，不符合条件）=100万元" in head.formula
    assert STACK_REASON in head.reasons


@pytest.mark.parametrize(
    ("question", "amount", "cap", "says"),
    [
        # 33.3% > 20%: the bonus is 最高50万元, so the total is a maximum
        ("今年自主研发费用1000万，去年是750万，研发补助加叠加奖励最多能拿多少", None, "100", "=最多100万元"),
        # 20.0001% > 20%: boundary just passed
        ("今年研发费用1000万，增长20.0001%，补助加叠加奖励一共能拿多少", None, "100", "+最高50万元"),
        # 500万元 is not 高于500万元: no bonus, the total is definite
        ("今年研发费用500万，增长30%，补助加叠加奖励一共能拿多少", "20", "20", "=20万元"),
        # 1.2亿: 60 steps = 600, capped at 500; +50 → at most 550
        ("研发费用1.2亿，增长了50%，研发补助和叠加奖励一共能拿多少", None, "550", "=最多550万元"),
    ],
)
def test_a_total_with_a_maximum_part_is_a_maximum(question: str, amount: str | None, cap: str, says: str) -> None:
    (head, *_) = calculate_question(question, [RD], rules=RULES)
    assert head.amount_wan == (None if amount is None else D(amount))
    assert head.cap_wan == D(cap) and head.missing == ()
    assert says in head.formula


@pytest.mark.parametrize(
    ("question", "amount", "cap"),
    [
        # 500 + 最高100 = 最多600 > 合计最高500: the definite part reaches the cap, so exactly 500
        ("我们孵化器今年新认定为卓越级部级孵化器，考核也拿到了运营补助，两项加一起今年最多能拿多少", "500", "500"),
        # 200 + 最高100 = 最多300, under the combined cap
        ("新认定了一个标准级的部级孵化器，同一年又拿到运营补助，这年合计最多能拿多少", None, "300"),
        # no tier said, the most is asked: 卓越级 500 + 100, capped at 500
        ("厦门的孵化器一年最多能拿多少", None, "500"),
        ("厦门的孵化器一年最多能拿2000万对吧？", None, "500"),
    ],
)
def test_a_combined_cap_limits_the_total(question: str, amount: str | None, cap: str) -> None:
    head, *parts = calculate_question(question, [INCUBATOR], rules=RULES)
    assert head.rule_id == "kjfwy-3-incubator-combined-cap"
    assert [c.rule_id for c in parts[:2]] == ["kjfwy-3-incubator-award", "kjfwy-3-incubator-operation"]
    assert head.amount_wan == (None if amount is None else D(amount))
    assert head.cap_wan == D(cap) and head.missing == ()
    assert "以上奖励补助合计每年每家孵化器最高500万元" in head.formula


def test_a_total_with_a_part_lacking_inputs_asks_for_them() -> None:
    head, *_ = calculate_question("研发补助加叠加奖励一共能拿多少，今年研发费用1000万", [RD], rules=RULES)
    assert head.amount_wan is None and head.cap_wan is None
    assert head.missing == ("上年度自主研发费用（万元）或较上年增长率（%）",)
    assert "合计还需提供" in head.formula


def test_each_level_paying_is_one_rule_and_needs_no_stack() -> None:
    (calc,) = calculate_question("首次评上国家级专精特新小巨人，市里区里加起来能拿多少", [LITTLE_GIANT], rules=RULES)
    assert calc.rule_id == "zjtx-2-little-giant" and calc.amount_wan == D(100)


def test_combine_stacked_at_the_cap_and_a_yuan_over() -> None:
    ids = ("kjfwy-3-incubator-award", "kjfwy-3-incubator-operation", "kjfwy-3-incubator-combined-cap")
    award, operation, cap = (RULES.get(i) for i in ids)
    at = calculate(award, {"tier": "卓越级"})
    combined = combine_stacked([at, at], [award, award], combined=cap)  # type: ignore[arg-type]
    assert combined.amount_wan == D(500) and "超过" in combined.formula
    standard = calculate(award, {"tier": "标准级"})
    under = combine_stacked([standard, standard], [award, award], combined=cap)  # type: ignore[arg-type]
    assert under.amount_wan == D(400) and "未超过" in under.formula
    maximum = combine_stacked([standard, calculate(operation, {})], [award, operation], combined=cap)  # type: ignore[arg-type]
    assert maximum.amount_wan is None and maximum.cap_wan == D(300)


def test_combine_stacked_needs_one_rule_per_calculation() -> None:
    from corpus.errors import RuleError

    with pytest.raises(RuleError, match="one rule per calculation"):
        combine_stacked([], [])


# --- the most, when the question gives no facts


@pytest.mark.parametrize(
    ("question", "clause", "cap"),
    [
        ("专精特新企业买国内贸易信用保险有补贴吗？ 那一家企业最多能补多少？", INSURANCE, "30"),
        ("小巨人企业做数字化改造有补助吗？ 那最高能拿多少？", TRAINING, "25"),
        ("研发费用补助最多多少", RD, "500"),
        ("新认定的部级孵化器奖励最多多少", INCUBATOR, "500"),  # the larger tier, 卓越级
    ],
)
def test_the_most_without_facts_is_the_rules_maximum(question: str, clause: str, cap: str) -> None:
    amount, got, missing = headline(question, [clause])
    assert amount is None and got == D(cap) and missing == ()


def test_without_the_word_most_the_missing_facts_are_asked_for() -> None:
    amount, _, missing = headline("专精特新企业买国内贸易信用保险能补多少", [INSURANCE])
    assert amount is None and missing  # the premium or 保额×费率 is asked for, not assumed


def test_the_most_with_some_facts_given_still_asks_for_the_rest() -> None:
    amount, _, missing = headline("研发费用1000万，研发补助最多多少", [RD])
    assert amount is None and missing == ("上年度自主研发费用（万元）或较上年增长率（%）",)


@pytest.mark.parametrize(
    ("question", "cap", "note"),
    [
        # 最长2年 stands in for the years not given when the most is asked
        ("公司博士后工作站今年进了3个博士后，生活补助最多一共能拿多少", "90", "按进站博士后生活补助最长2年计"),
        ("1个博士后最多能拿多少生活补助", "30", "最长2年"),
        # no unit at all: the rate per person per year
        ("进站博士后每年生活补助多少", "15", "每人每年最高15万元"),
    ],
)
def test_per_unit_maxima(question: str, cap: str, note: str) -> None:
    (calc,) = calculate_question(question, [POSTDOC], rules=RULES)
    assert calc.amount_wan is None and calc.cap_wan == D(cap) and calc.missing == ()
    assert any(note in r for r in calc.reasons) or note in calc.formula


def test_years_given_are_used_not_the_longest() -> None:
    (calc,) = calculate_question("3个博士后在站1年，最多能拿多少", [POSTDOC], rules=RULES)
    assert calc.cap_wan == D(45)


def test_people_on_a_training_course_count_as_person_times() -> None:
    amount, cap, missing = headline("专精特新企业派了5个人去上数字化转型培训课，培训3天，最多能补多少", [TRAINING])
    assert amount is None and cap == D("0.75") and missing == ()


# --- which rule the question is about


@pytest.mark.parametrize(
    ("question", "clauses", "rule_id"),
    [
        # the longer cue wins: 全国重点实验室 is not also 重点实验室
        ("新获批一个全国重点实验室，厦门奖多少钱？", [LAB, NATIONAL], "kjcx-2-national-platform"),
        ("三高企业认定市重点实验室能拿多少", [NATIONAL, LAB], "sangao-key-lab"),
        # a subject denied points away from its rule and to the rule for the others
        ("如果我们既不是三高也不是民营企业，建市重点实验室能拿多少", [LAB, LAB_FAQ], "sangao-key-lab-other"),
        ("我们不是三高企业，市重点实验室能拿多少", [LAB, LAB_FAQ], "sangao-key-lab-other"),
        ("我们是民营企业，建市重点实验室能拿多少", [LAB, LAB_FAQ], "sangao-key-lab"),
        # the award already received is not what is asked
        ("新型研发机构认定时拿了100万初创期补助，现在又被确认为重大研发机构，还能再拿多少", [INSTITUTE], "sangao-rd-institute-topup"),
        ("新型研发机构初创期补助能拿多少", [INSTITUTE], "sangao-rd-institute-startup"),
        # facts the rule takes weigh: 120万 invested in 数字化改造
        ("小巨人后备企业，数字化改造一共投了120万，达到二级了，按比例能补多少", ["xm-zjtx-2024/二/（一）/2", TRAINING], "zjtx-7-digital"),
        # a FAQ answer's rules are those of the policy text under its heading
        ("三高企业的副总工程师一年个税交了9.8万，能拿个税奖励吗", ["xm-sangao-faq/提高人才个税奖励/问答2"], "sangao-talent-iit-rebate"),
        ("市里每年拿多少钱奖励各区发展科技服务业", ["xm-kjfwy-2025/一", "xm-kjfwy-2025/二"], "kjfwy-2-district-incentive"),
    ],
)
def test_the_rule_the_question_is_about_leads(question: str, clauses: list[str], rule_id: str) -> None:
    assert calculate_question(question, clauses, rules=RULES)[0].rule_id == rule_id


def test_received_words_count_when_a_total_is_asked() -> None:
    q = "考核也拿到了运营补助，两项加一起今年最多能拿多少"
    rule = RULES.get("kjfwy-3-incubator-operation")
    assert RuleBook.score(q, rule, total=True) > RuleBook.score(q, rule, total=False)


def test_a_failing_stated_fact_settles_it_whatever_is_missing() -> None:
    # 年工资薪金个人所得税“10万（含）以上”: 9.8万 fails; the local share is then moot
    amount, _, missing = headline("三高企业的副总工程师一年个税交了9.8万，能拿个税奖励吗", [TAX])
    assert amount == D(0) and missing == ()
    amount, _, missing = headline("个税刚好10万，能拿多少个税奖励", [TAX])
    assert amount is None and missing == ("当年缴纳个人所得税的地方留成部分金额（万元）",)


# --- the premium from 保额×费率


@pytest.mark.parametrize(
    ("inputs", "amount", "says"),
    [
        # 1亿×9‰=90万 > 1亿×7‰=70万: only 70万 counts, ×40% = 28
        ({"insured_wan": "10000", "premium_rate_permille": "9"}, "28", "保费：10000×9‰=90万元"),
        # exactly 7‰: all of it counts
        ({"insured_wan": "10000", "premium_rate_permille": "7"}, "28", "在费率7‰以内，全额计入"),
        ({"insured_wan": "10000", "premium_rate_permille": "5"}, "20", "50×40%=20万元"),
        # 1.5亿×8‰=120 → 105 within 7‰ → 42 → 单家企业最高30万元
        ({"insured_wan": "15000", "premium_rate_permille": "8"}, "30", "超过单家企业最高30万元"),
        # a stated premium wins over 保额×费率
        ({"insured_wan": "10000", "premium_rate_permille": "9", "premium_wan": "50"}, "20", "50×40%=20万元"),
    ],
)
def test_the_premium_follows_from_insured_amount_and_rate(inputs: dict[str, str], amount: str, says: str) -> None:
    calc = calculate(RULES.get("zjtx-15-credit-insurance"), inputs)
    assert calc.missing == () and calc.amount_wan == D(amount)
    assert says in calc.formula


def test_missing_names_only_what_is_lacking() -> None:
    rule = RULES.get("zjtx-15-credit-insurance")
    assert calculate(rule, {"insured_wan": "10000"}).missing == ("实缴保险费（万元）或单张保单保险费率（‰）",)
    assert calculate(rule, {"premium_rate_permille": "9"}).missing == ("实缴保险费（万元）或保单保险金额（万元）",)


def test_a_question_form_is_not_a_denial() -> None:
    # 是不是三高企业才能拿: asks, does not say the company is not one
    q = "是不是三高企业才能拿市重点实验室200万"
    assert RuleBook.score(q, RULES.get("sangao-key-lab")) > RuleBook.score(q, RULES.get("sangao-key-lab-other"))


@pytest.mark.parametrize(
    ("question", "amount", "missing"),
    [
        # each figure belongs to the award whose words introduce it: 60×30% + 40×50%
        ("专精特新企业数字化改造花了60万，管理咨询花了40万，一共能补多少", "38", ()),
        ("数字化改造花了60万和管理咨询40万，一共能补多少", "38", ()),
        # 100×30%=30 → 25; 80×50%=40 → 30
        ("数字化改造投入100万，另外管理咨询费用80万，两项加起来能补多少", "55", ()),
        # one figure for both: neither's alone, so both are asked for
        (
            "数字化改造和管理咨询一共花了100万，两项加起来能补多少",
            None,
            ("数字化改造实际投入资金（万元）", "为获得管理咨询服务实际发生费用总额（万元）"),
        ),
    ],
)
def test_a_total_reads_each_awards_own_figures(question: str, amount: str | None, missing: tuple[str, ...]) -> None:
    head, *_ = calculate_question(question, [TRAINING], rules=RULES)
    assert head.rule_id == "zjtx-7-digital+zjtx-7-consulting"
    assert head.amount_wan == (None if amount is None else D(amount)) and head.missing == missing


def test_a_figure_of_another_award_is_not_taken_for_this_one() -> None:
    (calc, *_) = calculate_question("数字化改造花了60万，管理咨询花了40万，咨询能补多少", [TRAINING], rules=RULES)
    assert calc.rule_id == "zjtx-7-consulting" and calc.inputs == {"base_wan": "40万元"}


def test_a_total_is_over_the_awards_named_not_every_rule_sharing_a_word() -> None:
    # 重大研发机构 names the 补足 here, not also the 绩效奖励 or the 购置后补助
    head, *_ = calculate_question("新型研发机构认定时拿了100万初创期补助，后来又确认为重大研发机构，一共能拿多少", [INSTITUTE], rules=RULES)
    assert head.rule_id == "sangao-rd-institute-startup+sangao-rd-institute-topup"
    assert head.amount_wan == D(500)  # 100 + (500−100)


@pytest.mark.parametrize(
    ("question", "clause", "amount"),
    [
        # several items under one rule: each under the rule's own terms, then the sum
        (
            "专精特新企业买了两张国内贸易信用保险：第一张保额5000万、费率千分之六，第二张保额4000万、费率千分之十，保费都已经交了。能补多少？",
            "xm-zjtx-2024/二/（六）/15",
            "23.2",
        ),
        (
            "我们公司今年和高校做了两个产学研合作项目，实际付的技术交易额一个150万，一个300万，能拿多少支持？",
            "xm-kjcx-jd/四/（四）/11",
            "175",
        ),
        (
            "三高企业的高新技术成果转化项目认定后，第一年应缴已缴增值税地方留成600万，第二年1000万，两年补助一共多少？",
            "xm-sangao-faq/加大科技成果转化奖励力度/政策原文",
            "860",
        ),
        # only the non-fiscal part of a sum counts where the rule says 非财政资金
        ("专精特新企业共建联合实验室，新增研发设备投入2000万，其中500万是财政资金，能补多少？", "xm-zjtx-2024/二/（二）/4", "150"),
        ("科技型中小企业和高校共建联合实验室，总投入3,450,000元，其中财政资金450,000元，能拿多少补助？", "xm-kjcx-jd/四/（三）/7", "30"),
        # one item: the ordinary calculation
        ("我们是专精特新企业，数字化改造花了120万，能补多少？", "xm-zjtx-2024/二/（三）/7", "25"),
    ],
)
def test_items_and_partial_bases(question: str, clause: str, amount: str) -> None:
    (head, *_) = calculate_question(question, [clause], rules=RULES)
    assert head.amount_wan == Decimal(amount), head.formula
