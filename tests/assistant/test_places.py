"""Places from the administrative-division data: a city or county of China outside every held
document's region is said to be out of region; a district of a held city is answered from the
city's documents; a word jieba tags as a place is one only where the question uses it as a place
(real index, real model)."""

from __future__ import annotations

import pytest
from test_aboutness import assistant  # noqa: F401  (the module's real-assistant fixture)

from assistant.chain import Assistant
from assistant.understand import detect_region

pytestmark = pytest.mark.slow


@pytest.mark.parametrize(
    "question",
    [
        "我们是柳州的汽车零部件企业，研发费用补助能拿多少？",
        "江阴市一家专精特新企业，数字化改造有补贴吗",
        "公司准备在两江新区设研发中心，有什么奖励",
    ],
)
def test_a_place_outside_every_document_is_out_of_region(assistant: Assistant, question: str) -> None:  # noqa: F811
    a = assistant.answer(question)
    assert a.no_basis, a.text
    assert "现有政策文件不包含" in a.text, a.text


def test_a_district_of_a_held_city_is_answered_from_the_city(assistant: Assistant) -> None:  # noqa: F811
    a = assistant.answer("我们在海沧区，专精特新小巨人有什么奖励？")
    assert not a.no_basis, a.text
    assert any(c.doc_id.startswith("xm-") for c in a.citations), a.text


@pytest.mark.parametrize(
    "question",
    [
        "我们做了几个新东西，研发费用怎么补？",  # 东西 is tagged ns by jieba
        "和厦大合作的项目能补吗？",  # a university's short name
    ],
)
def test_a_place_tag_alone_is_no_place(question: str) -> None:
    assert detect_region(question)[0] is None
