"""The quoted sentence carries the kind of figure the question asks for: asked how many days, the
sentence that states days; asked how large, the one that states an area. The clause texts here are
written for the test, in the way rules are printed, and belong to no document."""

from __future__ import annotations

import datetime as dt

import pytest

from assistant.evidence import asked_figures, best_span, key_fragment
from corpus.records import Clause, DocKind, PolicyDocument

_DOC = PolicyDocument(
    id="t-doc",
    title="某市测试办法",
    doc_no=None,
    issuers=("某市某局",),
    region="某省某市",
    kind=DocKind.POLICY,
    issued=dt.date(2025, 1, 1),
    validity_text=None,
    effective_from=None,
    expires=None,
    source="test",
)


def _clause(text: str) -> Clause:
    return Clause(id="t-doc/1", document=_DOC, labels=("第一条",), titles=("第一条",), label="第一条", text=text)


def _idf(term: str) -> float:
    return 5.0


@pytest.mark.parametrize(
    ("text", "query", "must_contain"),
    [
        (
            "申请人办理简化备案的，应当由全部股东签署书面承诺书并提交备案材料。承诺书通过系统向社会公开，公开期为十五日。",
            "走简化备案的话承诺书要公开多少天？",
            "十五日",
        ),
        (
            "新建的配套宿舍以满足基本需要为原则，配套宿舍按规定统一设计。单套建筑面积控制在45平方米以内。",
            "配套宿舍一套一般多大？",
            "45平方米",
        ),
        (
            "培训机构应当具备相应的办学条件和师资力量。专职教师不少于8人，场地符合消防要求。",
            "培训机构的专职教师要有几个人？",
            "8人",
        ),
        (
            "学员应签订培训协议，协议应载明培训内容和培训方式。培训期一般为2个月，最长不超过4个月。",
            "培训协议里的培训期一般写多久？",
            "2个月",
        ),
        (
            "申请人应当具有本市户籍并在本市就业。申请人年龄在18周岁以上、45周岁以下。",
            "申请人年龄有啥限制吗",
            "45周岁",
        ),
    ],
)
def test_the_quote_states_the_figure_asked_for(text: str, query: str, must_contain: str) -> None:
    span = best_span(_clause(text), query, _idf, "lookup")
    assert must_contain in span
    assert span in text


def test_the_lead_is_the_fragment_that_states_it() -> None:
    text = "学员应签订培训协议，协议载明培训内容，培训期一般为2个月，最长不超过4个月。"
    frag = key_fragment(text, "培训协议里的培训期一般写多久？", _idf, "lookup")
    assert frag is not None and "个月" in frag and frag in text


@pytest.mark.parametrize(
    "query",
    ["这个补贴怎么申请？", "需要什么材料", "是哪个部门负责的"],
)
def test_a_question_that_asks_for_no_figure_asks_for_no_kind(query: str) -> None:
    assert asked_figures(query) == ()


def test_asked_for_an_age_an_area_is_not_meant() -> None:
    kinds = asked_figures("负责人多大年纪以下才可以？")
    assert any(p.search("45周岁") for p in kinds)
    assert not any(p.search("60平方米") for p in kinds)


def test_a_short_sentence_that_states_the_figure_is_not_skipped_as_a_title() -> None:
    text = "3.见习期限。见习期为3个月。见习单位应当为见习人员购买人身意外伤害保险。"
    span = best_span(_clause(text), "见习期是多久？", _idf, "duration")
    assert span == "见习期为3个月。"


def test_asked_for_two_kinds_the_sentence_that_states_both_is_quoted_whole() -> None:
    text = "申请单位应当在本市注册。办公场所面积不少于300平方米。办公场所不少于150平方米，专职人员不少于6人。"
    query = "要多大的办公场地、几个专职人员？"
    span = best_span(_clause(text), query, _idf, "lookup")
    assert span == "办公场所不少于150平方米，专职人员不少于6人。"
    assert key_fragment(span, query, _idf, "lookup") is None
