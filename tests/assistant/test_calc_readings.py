"""How facts and rules are stated, read in general (issue 10, third round): a table per kind.

Each row is a question a company could ask, phrased freshly (not a development question), with the
headline figure the clause's own words give. The expected figures are computed by hand from the
clause quoted beside each block.
"""

from __future__ import annotations

import os
from decimal import Decimal

import pytest

from assistant.calculator import calculate_question, find_mentions, load_rules
from assistant.calculator.combine import award_nouns
from assistant.understand import detect_intent, understand

RULES = load_rules()
D = Decimal

BRICS = "xm-kjcx-jd/四/（一）/3"  # 对…金砖创新合作项目给予最高300万元支持
PERFORMANCE = "xm-sangao-faq/鼓励创办新型研发机构/政策原文"  # 重大研发机构每两年评估一次…最高不超过500万元
CENTRE = "xm-sangao-faq/加快技术创新中心建设/政策原文"  # 认定为市级技术创新中心的，给予一次性1000万元
CONSULTING = "xm-zjtx-2024/二/（三）/7"  # 管理咨询…最高50%…每家企业每年补助最高30万元; 数字化改造…单家企业最高25万元
SCENARIO = "xm-kjcx-jd/四/（四）/11"  # 每个项目最高2000万元; 产学研…最高50%…每个项目最高100万元
LITTLE_GIANT = "xm-zjtx-2024/二/（一）/2"  # 市级、区级分别给予一次性50万元
INCUBATE = "xm-sangao-faq/支持孵化培育高新技术企业/政策原文"  # 每孵化一家…持股不低于30%的，20万元
UPGRADE = "xm-zjtx-2024/二/（二）/3"  # 设备投入100～500万元…不超过10%；固定融资成本2%；贷款额度上限
PILOT = "sd-kjfwy-2025/三/（九）"  # 对服务突出的省级中试基地，年度最高奖补200万元
PLATFORM = "xm-sangao-faq/支持公共技术服务平台运营/政策原文"  # 服务绩效年度考评优良的…10%…最高50万元
INSURANCE = "xm-zjtx-2024/二/（六）/15"  # 7‰以内部分的保费，40%，单家企业最高30万元
PLEDGE = "xm-zjtx-2024/二/（三）/5"  # 不超过LPR，60%，单笔期限最长1年，企业一年贴息最高30万元
CREDIT_FUND = "xm-kjfwy-2025/五"  # 年化1%贴息，单户贷款最高2000万元
POSTDOC = "xm-kjcx-jd/四/（四）/12"  # 最长2年、每人每年最高15万元


def head(question: str, clause_ids: list[str], focus: str = "") -> tuple[Decimal | None, Decimal | None, bool | None]:
    calc = calculate_question(question, clause_ids, rules=RULES, focus=focus)[0]
    return calc.amount_wan, calc.cap_wan, calc.eligible


# -- a count of items times an award given per item ------------------------------------------------

COUNT_TIMES_EACH = [
    # 300 per project (max only) × 3 projects: a maximum, never the amount
    ("我们同时申报了三个金砖创新合作项目，支持资金合计最多多少？", [BRICS], None, D(900)),
    # 500 per evaluation × 2
    ("重大研发机构到现在评估过两次，绩效奖励一共最多能拿多少？", [PERFORMANCE], None, D(1000)),
    # 1000 fixed per centre × 2: an amount
    ("我们牵头的两个行业技术创新中心都认定为市级了，一次性补助一共多少？", [CENTRE], D(2000), None),
    # 2000 per project × 2 scenario projects
    ("两个科技创新应用场景项目，支持加起来最多多少？", [SCENARIO], None, D(4000)),
]


@pytest.mark.parametrize(("question", "clauses", "amount", "cap"), COUNT_TIMES_EACH)
def test_a_count_times_an_award_per_item(question: str, clauses: list[str], amount: Decimal | None, cap: Decimal | None) -> None:
    got_amount, got_cap, _ = head(question, clauses)
    assert got_amount == amount
    if cap is not None:
        assert got_cap == cap


def test_a_count_does_not_multiply_an_award_per_company_or_a_single_ask() -> None:
    # 每家企业每年: a count of consulting firms does not multiply the company's yearly cap
    assert award_nouns(RULES.get("kjcx-11-hightech-transfer")) == ()
    # one project, no total asked: the award itself
    _, cap, _ = head("我们有一个金砖创新合作项目，支持上限是多少？", [BRICS])
    assert cap == D(300)


# -- a cap's scope is data of the rule ---------------------------------------------------------------

CAP_SCOPE = [
    # 每家企业每年补助最高30万元 over two services of one year: the sum is capped once
    ("今年做了两项管理咨询专业化服务，一项费用40万、一项费用30万，补助一共多少？", [CONSULTING], D(30)),
    # 每个项目最高100万元 over two projects: each capped, then added (100 + 60)
    ("两个产学研合作项目，企业实际支付技术交易额分别是260万和120万，支持一共多少？", [SCENARIO], D(160)),
]


@pytest.mark.parametrize(("question", "clauses", "amount"), CAP_SCOPE)
def test_a_cap_scope_per_company_or_per_item(question: str, clauses: list[str], amount: Decimal) -> None:
    assert head(question, clauses)[0] == amount


# -- facts that make the company ineligible: 0, with the failing words --------------------------------

INELIGIBLE = [
    # not yet in the register the rule names, and says what it is instead
    ("我们现在只是专精特新中小企业，还没进小巨人后备库，数字化改造投了80万，达到二级，补助多少？", [CONSULTING]),
    # not yet awarded the title the rule is for
    ("我们还没评上专精特新，买了国内贸易信用保险，保费12万，费率4‰，能补多少？", [INSURANCE]),
    # a lower rank than the one the rule names (省级中试基地)
    ("我们的中试基地是市级的，服务很突出，年度奖补能拿多少？", [PILOT]),
    # a lower grade than the rule requires (考评优良的)
    ("市级公共技术服务平台，技术服务收入200万，年度考评结果是基本合格，奖励多少？", [PLATFORM]),
    # a shareholding under 30% for every incubated company
    ("三高企业孵化了两家国家高企，持股分别是两成和两成五，奖励多少？", [INCUBATE]),
]


@pytest.mark.parametrize(("question", "clauses"), INELIGIBLE)
def test_stated_facts_that_fail_the_rule_give_zero(question: str, clauses: list[str]) -> None:
    calc = calculate_question(question, clauses, rules=RULES)[0]
    assert calc.amount_wan == 0 and calc.eligible is False
    assert calc.formula  # the failing condition is said, not just a zero


def test_saying_what_the_company_is_does_not_fail_a_rule_it_meets() -> None:
    amount, _, eligible = head("我们目前是专精特新“小巨人”后备企业，数字化改造投了50万，达到二级，补助多少？", [CONSULTING])
    assert amount == D(15) and eligible is not False
    # "只是想问问" names no kind of company
    amount, _, _ = head("只是想问问，小巨人后备企业数字化改造投了50万，达到二级，补助多少？", [CONSULTING])
    assert amount == D(15)


# -- every way a number is written -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kind", "value"),
    [
        ("设备投入伍佰贰拾万元", "money", D(520)),
        ("贷款玖佰万元", "money", D(900)),
        ("持股三成五", "pct", D(35)),
        ("持股两成半", "pct", D(25)),
        ("有个博士后进站", "count", D(1)),
    ],
)
def test_number_formats(text: str, kind: str, value: Decimal) -> None:
    found = [m for m in find_mentions(text) if m.kind == kind]
    assert [m.value for m in found] == [value]


def test_tenths_are_not_read_into_following_words() -> None:
    # 三成 then 五年: 30%, and a duration of five years
    found = [(m.kind, m.value) for m in find_mentions("增长三成五年后")]
    assert ("pct", D(30)) in found and ("duration", D(60)) in found


def test_a_term_said_twice_is_one_fact() -> None:
    # 一年期 … 一年能拿多少: 1000×(3.5%−2%)×12/12 = 15
    amount, _, _ = head("专精特新企业走技术创新基金贷了1000万搞技术改造，年利率3.5%，一年期，一年能拿多少贴息？", [UPGRADE])
    assert amount == D(15)


# -- several measures of one document in one total ---------------------------------------------------


def test_a_total_over_measures_of_different_clauses_of_one_document() -> None:
    # 首次获得小巨人 50+50, and 数字化改造 40×30% = 12: 112
    q = "今年第一次评上小巨人，另外数字化改造投入40万达到二级，市区奖励加数字化补助一共多少？"
    amount, _, _ = head(q, [CONSULTING, LITTLE_GIANT])
    assert amount == D(112)


# -- the loan's ceiling, when that is what is asked --------------------------------------------------


@pytest.mark.parametrize(
    ("question", "clauses", "cap"),
    [
        ("我们是小巨人，技术创新基金的固定资产投资贷款最多能贷多少？", [UPGRADE], D(100000)),
        ("还不是小巨人的专精特新企业，研发创新贷款额度上限是多少？", [UPGRADE], D(5000)),
        ("科技服务中小企业通过增信子基金最多能贷多少？", [CREDIT_FUND], D(2000)),
    ],
)
def test_the_most_a_company_may_borrow(question: str, clauses: list[str], cap: Decimal) -> None:
    amount, got_cap, _ = head(question, clauses)
    assert amount is None and got_cap == cap


def test_a_subsidy_question_about_a_loan_is_not_answered_with_the_ceiling() -> None:
    amount, _, _ = head("专精特新企业技术创新基金贷款2000万，年利率3%，12个月，贴息最多多少？", [UPGRADE])
    assert amount == D(20)


# -- how a question asks for an amount; a follow-up in another unit ---------------------------------


@pytest.mark.parametrize(
    "question",
    [
        "保费20万已交，费率5‰，补贴按多少算？",
        "数字化改造花了三十万，达到二级，有补助吗，多少？",
        "两笔贷款一共800万，贴息大概多少？",
        "今年研发费用800万，比去年少了，研发费用补助还有吗？",
        "设备原值60万，租一年付了10万，可以补30%吗？",
        "两张保单保费都实缴，补贴合计？",
    ],
)
def test_amount_questions_in_everyday_words(question: str) -> None:
    assert detect_intent(question) == "amount"


@pytest.mark.parametrize("question", ["补贴期限是多少年？", "需要多少家企业联合申报？", "研发费用补助怎么申请？"])
def test_how_many_years_or_firms_is_not_an_amount(question: str) -> None:
    assert detect_intent(question) != "amount"


def test_a_followup_changes_a_rate_given_in_another_unit() -> None:
    u = understand("那要是费率千分之四呢？", ("信用保险保额2000万，费率百分之零点五，补贴多少？",))
    assert "千分之四" in u.query and "百分之零点五" not in u.query


# -- asking for what is missing: once, in the clause's words, with the unit --------------------------


def test_missing_facts_are_named_with_their_unit() -> None:
    calc = calculate_question("专利质押贷款的贴息能补多少？", [PLEDGE], rules=RULES)[0]
    assert any(m.endswith("（万元）") for m in calc.missing)
    assert all("_" not in m for m in calc.missing)  # no internal parameter names


def test_missing_persons_once_for_a_per_unit_rule() -> None:
    calc = calculate_question("博士后生活补助一共能拿多少？", [POSTDOC], rules=RULES)[0]
    assert len(calc.missing) == len(set(calc.missing))


def test_a_reference_rate_the_asker_fixes_is_a_fact() -> None:
    # "LPR按3.0%": 600×min(3.5%, 3.0%)×12/12 = 18; ×60% = 10.8
    amount, _, _ = head("专利质押贷款600万，年利率3.5%，一年期，LPR按3.0%，贴息多少？", [PLEDGE])
    assert amount == D("10.8")
    # two loans under the company's yearly total: 500×2.8%×60% + 900×3.0%×60% = 8.4 + 16.2 = 24.6
    amount, _, _ = head("两笔专利质押：一笔500万年利率2.8%，一笔900万年利率3.2%，都是一年期，LPR按3.0%，贴息一共多少？", [PLEDGE])
    assert amount == D("24.6")


def test_the_same_question_gets_the_same_calculation_in_every_process() -> None:
    """Python seeds str hashes per process: no reading may depend on a set's order. A question
    whose rule cue words tie in length (two awards of one clause) is computed in processes with
    different seeds, and every headline must be the same."""
    import subprocess
    import sys

    script = (
        "from assistant.calculator import calculate_question\n"
        "c = calculate_question('自主研发费用补助和叠加奖励一共最高多少', ['xm-kjcx-jd/四/（三）/7'])\n"
        "print([(x.rule_id, x.amount_wan, x.cap_wan, x.missing) for x in c])\n"
    )
    seen = set()
    for seed in ("1", "2", "3", "4", "5", "6"):
        out = subprocess.run(
            [sys.executable, "-c", script], capture_output=True, text=True, check=True, env={**os.environ, "PYTHONHASHSEED": seed}
        ).stdout
        seen.add(out)
    assert len(seen) == 1, seen
