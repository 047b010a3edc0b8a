"""Multi-part questions cite every clause they need: a document's life asked at the company's own
time, whether measures stack asked with 同时/一并, and one total over measures the company tells
it got or did (no 奖/补 word in the piece)."""

from __future__ import annotations

import pytest
from test_aboutness import assistant  # noqa: F401  (the module's real-assistant fixture)

from assistant.chain import Assistant
from assistant.measures import measure_pieces
from assistant.understand import detect_intent


@pytest.mark.parametrize(
    ("question", "intent"),
    [
        ("下半年才报得上去，那时候这个办法还在不在", "validity"),
        ("我们三月拿到认定，还算在政策期内吗", "validity"),
        ("听说那个措施延长到后年了，是真的吗", "validity"),
        ("这两份文件分别到什么时候", "validity"),
        ("房租补贴和人才补贴可以同时有吗", "overlap"),
        ("已经拿了贷款贴息，同时还能走担保费补助吗", "overlap"),
        ("研发补助和设备补助能同时报吗", "overlap"),
        ("贴息这块能不能两头各申请一份", "overlap"),
        ("我们在两地都有分公司", "lookup"),  # a statement of the asker, not whether things stack
    ],
)
def test_life_and_stacking_asked_in_other_words_are_recognised(question: str, intent: str) -> None:
    assert detect_intent(question) == intent


def test_when_applications_open_is_no_question_of_the_documents_life() -> None:
    assert detect_intent("每年几月份受理申请，网上报还是线下报") != "validity"


def test_a_piece_telling_what_the_company_got_is_a_measure_only_when_asked_for_a_total() -> None:
    query = "我们刚拿到小巨人称号，数字化改造也做完了，加起来多少"
    assert not any("称号" in p for p in measure_pieces(query))
    assert any("称号" in p for p in measure_pieces(query, told=True))


def test_what_follows_ye_or_you_without_words_of_its_own_stays_with_its_subject() -> None:
    pieces = measure_pieces("设备投资按20%补，孵化政策里也有每年最高50万，两个能一起拿吗")
    assert "孵化政策里也有每年最高50万" in pieces
    # a piece after 也 with a measure of its own stays a piece of its own
    assert "说按2%贴息" in measure_pieces("人才政策说最高给300万，贷款政策也说按2%贴息")


@pytest.mark.slow
def test_a_measure_asked_with_whether_its_document_still_stands_cites_both(assistant: Assistant) -> None:  # noqa: F811
    answer = assistant.answer("首次认定小巨人的奖励，我们下个月才拿到称号，那时还算在政策期内吗？")
    cited = [c.clause_id for c in answer.citations]
    assert "xm-zjtx-2024/附则2" in cited, answer.text
    assert "xm-zjtx-2024/二/（一）/2" in cited, answer.text


@pytest.mark.slow
def test_three_documents_each_asked_for_their_end_each_cite_their_life(assistant: Assistant) -> None:  # noqa: F811
    answer = assistant.answer("专精特新措施、科技服务业措施和引领工程解读这三份分别到什么时候？")
    docs = {c.clause_id.split("/")[0] for c in answer.citations}
    assert {"xm-zjtx-2024", "xm-kjfwy-2025", "xm-kjcx-jd"} <= docs, answer.text


@pytest.mark.slow
def test_stacking_asked_with_tongshi_cites_the_overlap_rule(assistant: Assistant) -> None:  # noqa: F811
    answer = assistant.answer("科技服务企业的增信子基金贴息，和技术创新基金的融资支持，可以同时有吗")
    cited = [c.clause_id for c in answer.citations]
    assert "xm-kjfwy-2025/附则1" in cited, answer.text
    assert "xm-kjfwy-2025/五" in cited, answer.text


@pytest.mark.slow
def test_one_total_over_events_the_company_tells_adds_each_measure(assistant: Assistant) -> None:  # noqa: F811
    answer = assistant.answer("今年公司第一次获得小巨人称号，另一边数字化改造也完成了，投入一百万，达到二级。两样合计能拿多少？")
    cited = [c.clause_id for c in answer.citations]
    assert "xm-zjtx-2024/二/（一）/2" in cited and "xm-zjtx-2024/二/（三）/7" in cited, answer.text
    assert answer.calculations and answer.calculations[0].amount_wan == 125, answer.text
