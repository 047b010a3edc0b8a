"""Words of real pages that differ from the seeds: a question's contraction of the clause's full
words counts as covered, and the spoken ways of asking what to do or how much at least are no topic."""

from __future__ import annotations

import pytest

from assistant.evidence import _credit, topic_terms


@pytest.mark.parametrize(
    ("term", "clause", "expected"),
    [
        ("租房", "广州市公共租赁住房管理办法", 0.8),  # 公租房 (jieba: 公 / 租房) for 公共租赁住房
        ("公租房", "申请承租公共租赁住房的家庭", 0.8),
        ("住房", "公共租赁住房", 1.0),
        ("网店", "从事电子商务经营的市场主体", 0.0),  # another word, not a contraction
        ("收入", "收取费用，并按规定纳入财政", 0.0),  # the characters are too far apart
    ],
)
def test_a_contraction_of_the_clause_words_is_credited(term: str, clause: str, expected: float) -> None:
    assert _credit(term, clause) == expected


@pytest.mark.parametrize(
    ("question", "kept", "dropped"),
    [
        ("营业执照要挂在哪？开网店的怎么弄", {"营业执照", "网店"}, {"怎么弄"}),
        ("按规定至少要提多少？", set(), {"按规定", "至少"}),
    ],
)
def test_how_a_question_asks_is_not_what_it_is_about(question: str, kept: set[str], dropped: set[str]) -> None:
    terms = set(topic_terms(question))
    assert kept <= terms
    assert not dropped & terms
