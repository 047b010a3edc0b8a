"""A condition the asker's facts fail settles the amount at 0, and the answer's first line says the 0,
why, and the rule's own words for the condition; "还有补助吗" / "有的话多少" ask for that amount."""

from __future__ import annotations

from decimal import Decimal

import pytest

from assistant.calculator import calculate, load_rules
from assistant.chain import Assistant
from assistant.understand import detect_intent
from tests.assistant.test_aboutness import assistant  # noqa: F401  (the real-assistant fixture)


@pytest.mark.parametrize(
    ("question", "intent"),
    [
        ("设备改造花了30万，评估只到一级，这样还有补助吗", "amount"),
        ("我们前年就评上了，今年复核通过，还有那笔一次性奖励吗？有的话给多少", "amount"),
        ("改造花了30万，还有别的补助吗", "lookup"),  # other measures, not this one's amount
        ("这个奖励还有吗？", "lookup"),  # no figure and no "how much"
    ],
)
def test_whether_an_award_is_still_there_with_its_figures_asks_the_amount(question: str, intent: str) -> None:
    assert detect_intent(question) == intent


def test_a_failed_threshold_carries_the_rules_words_for_it() -> None:
    rule = load_rules().get("zjtx-7-digital")
    calc = calculate(rule, {"base_wan": "40", "digital_level": 1})
    assert calc.eligible is False and calc.amount_wan == Decimal(0)
    assert calc.failed_conditions and all(w in rule.source_span for w in calc.failed_conditions)
    passed = calculate(rule, {"base_wan": "40", "digital_level": 3})
    assert passed.failed_conditions == ()


@pytest.mark.slow
def test_the_lead_says_0_and_quotes_the_failed_condition(assistant: Assistant) -> None:  # noqa: F811
    answer = assistant.answer("我们是小巨人后备企业，数字化改造投了40万，第三方评估是一级，这样能补多少？")
    assert answer.calculations and answer.calculations[0].amount_wan == 0
    assert "0万元" in answer.lead and "二级以上" in answer.lead, answer.lead


@pytest.mark.slow
def test_an_award_for_the_first_time_only_is_0_after_a_review(assistant: Assistant) -> None:  # noqa: F811
    answer = assistant.answer("我们前年就是小巨人企业了，今年复核通过，还有那个一次性奖励吗？有的话多少")
    assert answer.calculations and answer.calculations[0].amount_wan == 0
    assert "0万元" in answer.lead and "首次" in answer.lead, answer.lead
