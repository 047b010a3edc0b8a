"""Questions that name several measures or documents (assistant.measures): each named measure is
found in its own piece and in the document the piece names; whether they stack is led by every
involved document's own overlap rule; a validity comparison covers every document named."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from test_aboutness import assistant  # noqa: F401  (the real assistant over the five documents)

from assistant.chain import Assistant
from assistant.measures import documents_mentioned, documents_named, measure_pieces, without_answer_kind
from assistant.understand import detect_intent, split_question


@dataclass(frozen=True)
class _Doc:
    id: str
    title: str
    region: str


# titles of the shape the documents print; idf: title words rare in clauses weigh more
_DOCS: Any = (
    _Doc("a-xm", "厦门市关于促进物流产业高质量发展的若干措施", "福建省厦门市"),
    _Doc("b-xm", "厦门市支持“双碳”示范企业发展的若干措施", "福建省厦门市"),
    _Doc("c-sd", "关于支持物流产业高质量发展的若干措施", "山东省"),
)
_RARE = {"物流产业": 1.3, "双碳": 1.4, "示范企业": 1.2}


def _idf(term: str) -> float:
    return _RARE.get(term, 0.3)


@pytest.mark.parametrize(
    ("question", "intent"),
    [
        ("仓储补贴和冷链补贴，到底是叠加还是只能挑一个？", "overlap"),
        ("两项都满足的话，是不是加起来有800万？", "overlap"),
        ("厂房和设备两头都报，算不算重复？", "overlap"),
        ("已经按物流措施拿了设备补助，后来又评上示范企业，那笔奖励还能再申请吗？", "overlap"),
        ("物流措施和双碳措施，谁先到期？", "validity"),
        ("物流措施和双碳措施哪个先倒期", "validity"),  # a slip of the pen keeps the question
        ("我们下个月20号才交材料，还来得及吗", "validity"),
        ("两项加起来一共能拿多少？", "amount"),  # a total asked, not whether they stack
        ("哪个部门先审？", "procedure"),
    ],
)
def test_stack_or_choose_and_which_ends_first_are_recognised(question: str, intent: str) -> None:
    assert detect_intent(question) == intent


def test_a_question_about_several_documents_lives_is_not_cut_per_document() -> None:
    q = "收录的这几份（物流、双碳、示范企业那个），分别到哪天为止？"
    assert split_question(q) == [q]
    both = "仓储补贴和冷链补贴能同时拿吗？另外设备补助最高多少？"
    assert len(split_question(both)) == 2  # two questions stay two


def test_a_trailing_sentence_that_asks_nothing_stays_with_the_question() -> None:
    assert split_question("仓储补贴和冷链补贴能两个都拿么？我们是做冷链运输的") == ["仓储补贴和冷链补贴能两个都拿么？我们是做冷链运输的"]


def test_the_pieces_that_name_measures_are_those_that_say_what_is_given() -> None:
    q = "我们是物流企业，子公司今年评上了示范企业。物流措施说仓储设施最高补300万，双碳措施说改造按投资10%奖励，能同时拿吗？"
    pieces = measure_pieces(q)
    assert "我们是物流企业" not in pieces and "子公司今年评上了示范企业" not in pieces
    assert any("仓储设施最高补300万" in p for p in pieces) and any("改造按投资10%奖励" in p for p in pieces)


def test_a_piece_names_a_document_only_where_it_speaks_of_a_document() -> None:
    assert documents_named("双碳措施说改造按投资10%奖励", _DOCS, _idf) == ("b-xm",)
    assert documents_named("按双碳的改造政策再拿一份", _DOCS, _idf) == ("b-xm",)
    assert documents_named("我们做物流产业", _DOCS, _idf) is None  # a word of the title, no document spoken of
    assert documents_named("物流产业措施说仓储设施最高补300万", _DOCS, _idf) == ("a-xm", "c-sd")
    assert documents_named("物流产业措施说仓储设施最高补300万", _DOCS, _idf, allowed=("a-xm", "b-xm")) == ("a-xm",)


def test_a_title_word_of_two_regions_keeps_the_region_the_other_names_give() -> None:
    q = "我们既是双碳示范企业又是物流产业企业，设备补助能叠加吗？"
    assert documents_mentioned(q, _DOCS, _idf) == ("b-xm", "a-xm")
    assert set(documents_mentioned("物流产业的设备补助多少", _DOCS, _idf)) == {"a-xm", "c-sd"}


def test_the_words_that_ask_whether_things_stack_are_not_what_a_clause_must_cover() -> None:
    rest = without_answer_kind("冷链补贴能不能叠加")
    assert "叠加" not in rest and "冷链补贴" in rest


@pytest.mark.slow
def test_a_stacking_question_cites_each_named_measure_and_each_documents_overlap_rule(assistant: Assistant) -> None:  # noqa: F811
    q = "增信子基金这块，专精特新那份文件给融资支持免增信费，科技服务业那份又给年化贴息，我们两样都符合，是不是两个都能享受？"
    answer = assistant.answer(q)
    cited = {c.clause_id for c in answer.citations}
    assert {"xm-zjtx-2024/二/（五）/11", "xm-kjfwy-2025/五", "xm-kjfwy-2025/附则1"} <= cited, answer.text
    assert answer.lead.startswith("《"), answer.lead  # the documents' own rule leads
    assert "就高不重复" in answer.lead


@pytest.mark.slow
def test_a_company_of_two_kinds_gets_each_kinds_document(assistant: Assistant) -> None:  # noqa: F811
    answer = assistant.answer("联合实验室的补助，我们同时是专精特新企业和科技型中小企业，两份能叠加吗")
    docs = {c.doc_id for c in answer.citations}
    assert {"xm-zjtx-2024", "xm-kjcx-jd"} <= docs, answer.text


@pytest.mark.slow
def test_a_validity_comparison_covers_every_document_named(assistant: Assistant) -> None:  # noqa: F811
    answer = assistant.answer("引领工程那份和专精特新那份，谁先失效？")
    cited = {c.clause_id for c in answer.citations}
    assert {"xm-zjtx-2024/附则2", "xm-kjcx-jd/三"} <= cited, answer.text
