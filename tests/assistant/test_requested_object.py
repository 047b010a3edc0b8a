"""What a question requests against what a clause provides, and the place a measure would apply
against where a company comes from (assistant.aboutness, assistant.evidence, assistant.understand).

The phrasings are written for these tests, not taken from the evaluation sets."""

from __future__ import annotations

import pytest
from test_aboutness import assistant  # noqa: F401  (the real assistant over the five documents)

from assistant.aboutness import head_covered, heads, processes
from assistant.chain import Assistant
from assistant.evidence import _can_head, topic_terms
from assistant.understand import detect_region, issuer_named


def _weights(question: str) -> dict[str, float]:
    return dict.fromkeys(topic_terms(question), 1.0)


def _head(term: str) -> bool:
    return _can_head(term, None)  # a noun-like word, as the chain asks of a head


def _covered(question: str, clause: str) -> bool:
    return head_covered(question, clause, _weights(question), lambda t: 1.0 if t in clause else 0.0, _head)


def test_figures_between_the_asking_words_and_the_head_do_not_hide_the_head() -> None:
    """按5%还是8%缴: the figures are what is chosen between; the head stands before them."""
    q = "我们做软件的，残疾人就业保障金现在是按1.5%还是2%缴纳？"
    found = [h for h, _ in heads(q, _weights(q), _head)]
    assert {"保障金", "残疾人就业保障金", "就业保障金"} & set(found), found


def test_a_piece_that_names_nothing_asks_of_what_the_telling_piece_before_it_ends_on() -> None:
    """每套补多少: the thing is the 商标注册 told just before."""
    q = "科技型中小企业办理商标注册，每套补多少？"
    found = heads(q, _weights(q), _head)
    assert found and found[0][0] in ("商标注册", "注册", "商标"), found
    assert not _covered(q, "对科技型中小企业研发投入给予补助，每家最高50万元。")


def test_a_thing_told_before_the_asking_piece_is_needed_in_the_clause() -> None:
    q = "专精特新企业购买检测仪器，每台补多少？"
    assert _covered(q, "专精特新企业购买检测仪器的，按购置价的20%给予补助，每台最高10万元。")
    assert not _covered(q, "专精特新企业开展数字化改造的，按投入的30%给予补助。")


def test_counts_are_no_topic_words() -> None:
    """两项, 一家: how many, never what; 首次 names the measure's case and stays."""
    terms = topic_terms("首次评上的话，省市两级一共给几项奖励？一家能拿多少？")
    assert "两级" not in terms and "几项" not in terms and "一家" not in terms
    assert "首次" in terms


def test_the_recognition_of_a_kind_is_not_answered_by_a_clause_that_only_rewards_it() -> None:
    """瞪羚企业的认定条件: a clause that gives an award to 瞪羚企业 does not say how one is recognised;
    one that writes the recognition of the kind does."""
    q = "瞪羚企业的认定条件是什么？"
    assert processes(q, _weights(q), _head)
    assert not _covered(q, "对瞪羚企业给予一次性奖励20万元；企业建设研发中心，要获得认定，须上年度营收不低于1亿元。")
    assert _covered(q, "瞪羚企业的认定，须满足近三年营业收入年均增长20%以上。")


def test_an_event_held_in_another_city_is_no_place_of_the_measure() -> None:
    """在杭州办了个技术研讨会 / 去南京开供应商大会: where the company goes, not whose measure."""
    assert detect_region("我们上个月在杭州办了个技术研讨会，场地费能补吗？")[0] is None
    assert detect_region("我们厦门公司要去南京开供应商大会，场租能补吗")[0] == "福建省厦门市"
    assert detect_region("我们打算在厦门办一个新型研发机构，有补助吗")[0] == "福建省厦门市"


def test_a_place_the_asker_rules_out_is_not_the_place_asked() -> None:
    assert detect_region("并非厦门的，山东省对孵化器有什么奖励？")[0] == "山东省"


def test_a_city_named_as_the_giver_is_told_from_a_city_where_the_company_is() -> None:
    assert issuer_named("烟台市政府对科技服务企业有没有奖励", "烟台")
    assert issuer_named("潍坊市对孵化器补多少钱", "潍坊")
    assert issuer_named("要市级的那种，淄博有没有", "淄博")
    assert not issuer_named("我们在潍坊的孵化器也是部级，能补多少", "潍坊")
    assert not issuer_named("我们是烟台的国家级小巨人，山东省给多少", "烟台")


@pytest.mark.slow
@pytest.mark.parametrize(
    "question",
    [
        "科技服务企业给员工交补充医疗保险，每人每月能补多少？",  # the thing told before the ask is in no clause
        "科技型中小企业的认定标准是什么？",  # the clauses reward the kind, none says how it is recognised
        "烟台市政府对科技服务机构有没有专项奖励？",  # the city's own government: its measures are not held
    ],
)
def test_questions_requesting_what_no_clause_provides_are_refused(assistant: Assistant, question: str) -> None:  # noqa: F811
    answer = assistant.answer(question)
    assert answer.no_basis and not answer.citations, answer.text


@pytest.mark.slow
def test_a_company_from_elsewhere_asking_about_the_measure_of_a_held_place_is_answered(assistant: Assistant) -> None:  # noqa: F811
    answer = assistant.answer("我们是江苏无锡的企业，准备在厦门新设一家子公司，子公司将来首次评上小巨人，能拿多少奖励？")
    assert not answer.no_basis and answer.citations[0].clause_id == "xm-zjtx-2024/二/（一）/2", answer.text


@pytest.mark.slow
def test_a_city_inside_a_province_is_answered_from_the_provinces_measures_and_says_so(assistant: Assistant) -> None:  # noqa: F811
    answer = assistant.answer("我们在威海的孵化器刚被认定为部级孵化器，能拿多少补助？")
    assert not answer.no_basis and answer.citations[0].doc_id == "sd-kjfwy-2025", answer.text
    assert "威海市本级" in answer.text and "山东省" in answer.text


def test_a_one_character_verb_takes_an_object_and_asks_no_process() -> None:
    """交材料, 带材料: what is handed in, not the criteria of a process the clause must write."""
    q = "户籍在甲区、住在乙区，线下办理要去哪个服务中心交材料？"
    assert not [p for _, p in processes(q, _weights(q), _head) if len(p) < 2]
    assert _covered(q, "申请人可到户籍所在地服务中心线下办理，提交相关材料。")
