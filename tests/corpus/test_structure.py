"""Numbering schemes, metadata and region as real documents print them."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from corpus.documents import clauses_of, dump_document, parse_document
from corpus.records import DocKind
from corpus.structure import structure_text
from corpus.structure.region import NATIONAL, detect_region


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _take(text: str, **overrides: object):  # type: ignore[no-untyped-def]
    document, sections = structure_text(text, source="t.txt", doc_id="test-doc", **overrides)  # type: ignore[arg-type]
    return document, clauses_of(document, sections)


_SPACED = """通榆县促进民营经济发展的实施意见
第 1 条 为促进民营经济发展，制定本意见。
第 2 条 对新注册企业给予奖励：
（一）注册资本100万元以上的，奖励1万元；
（二）注册资本500万元以上的，奖励3万元。
第 1 1 条 本意见自2026年3月1日起施行，暂定三年。
"""


def test_articles_with_stray_spaces_are_articles_and_their_items_stay_inside() -> None:
    text = _SPACED.replace("第 1 1 条", "\n".join(f"第 {' '.join(str(n))} 条 第{n}项措施。" for n in range(3, 11)) + "\n第 1 1 条")
    document, clauses = _take(text)

    assert [c.labels for c in clauses] == [(f"第{n}条",) for n in range(1, 12)]
    assert "（二）注册资本500万元以上的，奖励3万元。" in _squash(clauses[1].text)
    assert document.region == "吉林省白城市通榆县"  # a 县 of 吉林, from the dataset of divisions
    assert document.validity_text == "本意见自2026年3月1日起施行，暂定三年。"
    assert (document.effective_from, document.expires) == (dt.date(2026, 3, 1), dt.date(2029, 2, 28))


def test_full_width_digits_in_article_numbers() -> None:
    _, clauses = _take("厦门市某某办法\n第１条 为规范管理，制定本办法。\n第２条 本办法自发布之日起施行。\n")
    assert [c.labels for c in clauses] == [("第1条",), ("第2条",)]


_TWO_LISTS = """山东省支持企业创新政策清单
第一部分 财政政策
一、研发费用补助。对企业研发投入给予补助。
二、首台套奖励。对首台套装备给予奖励。
三、人才奖励。对引进人才给予奖励。
第二部分 金融政策
一、科技贷款贴息。对科技贷款给予贴息。
二、知识产权质押。对质押融资给予补助。
"""


def test_two_lists_that_each_restart_at_one_stay_apart() -> None:
    text = _TWO_LISTS
    document, clauses = _take(text)

    assert [c.labels for c in clauses][-5:] == [
        ("[第1部分]", "一、"),
        ("[第1部分]", "二、"),
        ("[第1部分]", "三、"),
        ("[第2部分]", "一、"),
        ("[第2部分]", "二、"),
    ]
    assert len({c.id for c in clauses}) == len(clauses)
    assert clauses[-2].text.startswith("一、科技贷款贴息")
    assert "第二部分" not in clauses[-3].text  # the line introducing the second list is no part of the last item
    reloaded = parse_document(dump_document(document, _sections(text)))[1]
    assert [c.labels for c in clauses_of(document, reloaded)] == [c.labels for c in clauses]


def _sections(text: str):  # type: ignore[no-untyped-def]
    return structure_text(text, source="t.txt", doc_id="test-doc")[1]


_SERVICE = """厦门市一次性创业补贴办事指南
1、一次性创业补贴
申请条件：
（1）在本市登记注册的初创企业；
（2）正常经营6个月以上。
补贴标准：10000元。
申办流程：网上申请，区人社局审核。
2、创业带动就业补贴
申请条件：招用员工并缴纳社会保险。
补贴标准：每人2000元，最高3万元。
"""


def test_a_service_page_measure_is_one_clause_with_its_printed_sections() -> None:
    document, clauses = _take(_SERVICE)

    assert document.kind is DocKind.SERVICE
    assert [(c.labels, c.title) for c in clauses] == [(("1、",), "一次性创业补贴"), (("2、",), "创业带动就业补贴")]
    # each section keeps its heading with its text, the conditions' items included
    assert (
        _squash(clauses[0].text)
        == "申请条件：（1）在本市登记注册的初创企业；（2）正常经营6个月以上。补贴标准：10000元。申办流程：网上申请，区人社局审核。"
    )
    assert clauses[1].text.splitlines()[-1] == "补贴标准：每人2000元，最高3万元。"


def test_service_sections_under_no_numbered_measure_are_clauses_of_their_own() -> None:
    document, clauses = _take(
        "厦门市一次性创业补贴办事指南\n申请条件：在本市登记注册的初创企业。\n补贴标准：10000元。\n申办流程：网上申请。\n"
    )

    assert document.kind is DocKind.SERVICE
    assert [c.labels for c in clauses] == [("申请条件",), ("补贴标准",), ("申办流程",)]


def test_a_numbered_question_page_is_an_faq_labelled_by_its_printed_questions() -> None:
    text = (
        "厦门市研发补助常见问题\n一、哪些企业可以申请？\n答：本市企业均可申请：\n（一）高新技术企业；\n"
        "（二）科技型中小企业。\n二、补助多少？\n答：最高100万元。\n"
    )
    document, clauses = _take(text)

    assert document.kind is DocKind.FAQ
    assert [(c.labels, c.title) for c in clauses] == [(("一、",), "哪些企业可以申请？"), (("二、",), "补助多少？")]
    assert "（二）科技型中小企业。" in _squash(clauses[0].text)


@pytest.mark.parametrize(
    ("names", "region"),
    [
        (["厦门市科学技术局"], "福建省厦门市"),
        (["广州市越秀区人民政府"], "广东省广州市越秀区"),
        (["通榆县人民政府"], "吉林省白城市通榆县"),
        (["吉林市人民政府"], "吉林省吉林市"),
        (["北京市朝阳区科学技术委员会"], "北京市朝阳区"),
        (["中华人民共和国国务院"], NATIONAL),
        (["朝阳区科委"], None),  # 朝阳区 of 北京 or of 长春: not guessed
        (["市人力资源社会保障局"], None),
    ],
)
def test_region_from_issuer_names(names: list[str], region: str | None) -> None:
    assert detect_region(names) == region


def test_region_falls_back_to_the_province_of_the_document_number() -> None:
    assert detect_region(["关于支持科技服务业高质量发展的若干措施"], "鲁科字〔2025〕128号") == "山东省"


@pytest.mark.parametrize("bracket", ["〔2024〕", "[2024]", "［2024］", "（2024）", "(2024)", "【2024】"])
def test_a_document_number_in_any_bracket_style(bracket: str) -> None:
    document, _ = _take(f"厦门市某某办法\n厦科规{bracket}3号\n第一条 为规范管理，制定本办法。\n")
    assert document.doc_no == "厦科规〔2024〕3号"


def test_no_printed_date_means_no_date() -> None:
    document, _ = _take("厦门市某某办法\n第一条 为规范管理，制定本办法。\n第二条 本办法有效期3年。\n")
    assert (document.issued, document.effective_from, document.expires) == (None, None, None)
    assert document.validity_text == "本办法有效期3年。"
