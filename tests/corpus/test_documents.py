"""The five curated documents: metadata as printed, structure, validity and citation labels."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from pathlib import Path
from typing import NamedTuple

import pytest

from corpus.documents import dump_document, load_corpus, parse_document
from corpus.records import Clause, DocKind, ValidityStatus
from corpus.settings import DOCUMENTS_DIR, RAW_DIR

CORPUS = load_corpus(DOCUMENTS_DIR)
D = dt.date


class Expected(NamedTuple):
    """A document's metadata as its text prints it (None where it prints nothing)."""

    id: str
    source: str
    title: str
    doc_no: str | None
    issuers: tuple[str, ...]
    region: str
    kind: DocKind
    issued: dt.date | None
    validity_text: str | None
    effective_from: dt.date | None
    expires: dt.date | None
    n_clauses: int


XM = "福建省厦门市"
XM_KJJ = "厦门市科学技术局"
EXPECTED = [
    Expected(
        id="xm-kjfwy-2025",
        source="000_6365750914b6be39.txt",
        title="厦门市关于促进科技服务业高质量发展的若干措施（试行）",
        doc_no="厦科规〔2025〕7号",
        issuers=(XM_KJJ, "厦门市工业和信息化局", "厦门市住房和建设局", "厦门市财政局"),
        region=XM,
        kind=DocKind.POLICY,
        issued=D(2025, 12, 9),
        validity_text="本措施自发布之日起实施，有效期1年。",
        effective_from=D(2025, 12, 9),
        expires=D(2026, 12, 8),
        n_clauses=12,  # 印发通知, 前言, 一…七, 附则1-3
    ),
    Expected(
        id="xm-zjtx-2024",
        source="001_54f6fdd3a74cea2d.txt",
        title="厦门市支持专精特新企业高质量发展的若干措施",
        doc_no="厦府办规〔2024〕11号",
        issuers=("厦门市人民政府办公厅",),
        region=XM,
        kind=DocKind.POLICY,
        issued=D(2024, 9, 11),
        validity_text="本措施自发布之日起施行，有效期至2026年12月31日。",
        effective_from=D(2024, 9, 11),
        expires=D(2026, 12, 31),
        n_clauses=23,  # 印发通知, 前言, 一, measures 1-15, 三（一）-（三）, 附则1-2
    ),
    Expected(
        id="xm-kjcx-jd",
        source="002_8ffd0d0a52d4a783.txt",
        title="关于深化拓展科技创新引领工程 推动科技创新和产业创新深度融合若干措施的政策解读",
        doc_no=None,
        issuers=(XM_KJJ,),
        region=XM,
        kind=DocKind.INTERPRETATION,
        issued=None,
        validity_text="《若干措施》自印发之日起实施，有效期3年。",
        effective_from=None,
        expires=None,
        n_clauses=17,  # 一…五, measures 1-12
    ),
    Expected(
        id="sd-kjfwy-2025",
        source="003_67f8b1a5c69588a0.txt",
        title="关于支持科技服务业高质量发展的若干措施",
        doc_no="鲁科字〔2025〕128号",
        issuers=("山东省科学技术厅",),
        region="山东省",
        kind=DocKind.POLICY,
        issued=None,
        validity_text=None,
        effective_from=None,
        expires=None,
        n_clauses=18,  # 印发通知, 前言, （一）…（十六）
    ),
    Expected(
        id="xm-sangao-faq",
        source="004_8d410486aa229f19.txt",
        title="市科技局解读“三高”企业“倍增计划”的科技相关政策",
        doc_no=None,
        issuers=(XM_KJJ,),
        region=XM,
        kind=DocKind.FAQ,
        issued=None,
        validity_text=None,
        effective_from=None,
        expires=None,
        n_clauses=30,  # 导语, 12 x 政策原文, 17 问答
    ),
]


def clauses(doc_id: str) -> tuple[Clause, ...]:
    return CORPUS.clauses_of(doc_id)


@pytest.mark.parametrize("expected", EXPECTED, ids=[e.id for e in EXPECTED])
def test_metadata_is_as_printed(expected: Expected) -> None:
    doc = CORPUS.document(expected.id)
    got = Expected(
        doc.id,
        doc.source,
        doc.title,
        doc.doc_no,
        doc.issuers,
        doc.region,
        doc.kind,
        doc.issued,
        doc.validity_text,
        doc.effective_from,
        doc.expires,
        len(clauses(doc.id)),
    )
    assert got == expected
    assert (RAW_DIR / doc.source).is_file()


@pytest.mark.parametrize("doc_id", [e.id for e in EXPECTED if e.validity_text])
def test_the_validity_sentence_is_a_clause_of_the_document(doc_id: str) -> None:
    doc = CORPUS.document(doc_id)
    assert doc.validity_text is not None
    assert any(doc.validity_text in c.text for c in clauses(doc_id))


def test_dates_not_printed_are_explained_in_notes() -> None:
    # 000: "有效期1年" from the notice's date, ending the day before the anniversary.
    kjfwy = CORPUS.document("xm-kjfwy-2025")
    assert kjfwy.effective_from is not None and kjfwy.expires is not None
    assert kjfwy.expires == kjfwy.effective_from.replace(year=kjfwy.effective_from.year + 1) - dt.timedelta(days=1)
    assert "2026-12-08" in kjfwy.notes
    assert "2024年9月12日印发" in CORPUS.document("xm-zjtx-2024").notes
    assert "鲁科字" in CORPUS.document("sd-kjfwy-2025").notes
    assert "2019" in CORPUS.document("xm-sangao-faq").notes
    assert "负责解释" in CORPUS.document("xm-kjcx-jd").notes


@pytest.mark.parametrize("path", sorted(DOCUMENTS_DIR.glob("*.md")), ids=lambda p: p.name)
def test_document_files_are_in_canonical_form(path: Path) -> None:
    """The file is what ``dump_document`` writes, so a re-dump never produces a diff."""
    text = path.read_text(encoding="utf-8")
    document, sections = parse_document(text, where=str(path))
    assert path.name == f"{document.id}.md"
    assert dump_document(document, sections) == text


def test_clause_ids_are_unique() -> None:
    counts = Counter(c.id for c in CORPUS.clauses)
    assert [i for i, n in counts.items() if n > 1] == []
    assert {e.id for e in EXPECTED} <= {d.id for d in CORPUS.documents}


def test_zjtx_measures_1_to_15_each_once_under_the_right_group() -> None:
    expected = {
        "（一）": [1, 2],
        "（二）": [3, 4],
        "（三）": [5, 6, 7],
        "（四）": [8, 9, 10],
        "（五）": [11, 12],
        "（六）": [13, 14, 15],
    }
    measures = [c for c in clauses("xm-zjtx-2024") if len(c.labels) == 3]
    got: dict[str, list[int]] = {}
    for c in measures:
        assert c.labels[0] == "二、"
        got.setdefault(c.labels[1], []).append(int(c.labels[2].rstrip(".")))
        assert c.text.startswith(f"{c.labels[2]}{c.title}。"), c.id
    assert got == expected
    assert [c.id for c in clauses("xm-zjtx-2024") if c.labels[0] == "三、"] == [
        "xm-zjtx-2024/三/（一）",
        "xm-zjtx-2024/三/（二）",
        "xm-zjtx-2024/三/（三）",
    ]


_CN = ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二", "十三", "十四", "十五", "十六"]


def test_sd_measures_run_from_1_to_16_across_five_parts() -> None:
    measures = [c for c in clauses("sd-kjfwy-2025") if len(c.labels) == 2]
    assert [c.labels[1] for c in measures] == [f"（{n}）" for n in _CN]
    assert Counter(c.labels[0] for c in measures) == {"一、": 3, "二、": 3, "三、": 3, "四、": 3, "五、": 4}
    assert all(c.text.startswith(f"{c.labels[1]}{c.title}。") for c in measures)


def test_jd_measures_1_to_12_in_four_groups() -> None:
    measures = [c for c in clauses("xm-kjcx-jd") if len(c.labels) == 3]
    assert [int(c.labels[2].rstrip(".")) for c in measures] == list(range(1, 13))
    assert [c.labels[1] for c in measures] == [g for g in ("（一）", "（二）", "（三）", "（四）") for _ in range(3)]
    assert all(c.labels[0] == "四、" and c.text.startswith(f"{c.labels[2]}{c.title}。") for c in measures)
    assert "12条措施" in CORPUS.clause("xm-kjcx-jd/四").text


def test_kjfwy_measures_1_to_7() -> None:
    measures = [c for c in clauses("xm-kjfwy-2025") if re.fullmatch(r"[一二三四五六七]、", c.labels[0])]
    assert [c.labels for c in measures] == [(f"{n}、",) for n in _CN[:7]]
    assert all(c.text.startswith(f"{c.labels[0]}{c.title}。") for c in measures)
    assert [c.id.split("/")[1] for c in clauses("xm-kjfwy-2025")][-3:] == ["附则1", "附则2", "附则3"]


# Which 问/答 belong to which measure: in the raw file each block's questions stand before its
# heading, so this is the reading the cleaned copy must keep.
FAQ_BLOCKS = {
    "提高人才个税奖励": ["该条款的制定背景是什么？如何申报？", "“三高”企业哪些对象可以申请人才个税奖励？"],
    "推出科技信用贷款产品": ["科技信用贷款有哪些突破和优惠？企业何时可以申请？"],
    "支持企业建设实验室": ["为什么要支持企业建设重点实验室？", "如何申报认定市级重点实验室？"],
    "加大科技成果转化奖励力度": ["如何申报高新技术成果转化项目？政策如何兑现？"],
    "推动自主研发项目攻关": ["“三高”企业如何申报我市关键技术攻关和重大科技成果转化示范项目？"],
    "支持孵化培育高新技术企业": ["此政策的制定背景和创新点是什么？"],
    "鼓励创办新型研发机构": ["如何定义新型研发机构？", "申请认定新型研发机构需具备哪些条件？"],
    "简化政策兑现": ["怎样简化研发费用补助政策的兑现手续？"],
    "支持公共技术服务平台运营": ["哪些公共技术服务平台可以享受平台奖励政策？"],
    "鼓励使用共享仪器": ["申请科学仪器设备服务奖励的条件是什么？", "如何申请扶持资金？"],
    "补贴研发设备使用费用": ["为什么要补贴研发设备使用费用？"],
    "加快技术创新中心建设": ["为什么要进行技术创新中心建设？", "技术创新中心何时开展认定？"],
}


def _faq_blocks() -> dict[str, list[Clause]]:
    blocks: dict[str, list[Clause]] = {}
    for c in clauses("xm-sangao-faq"):
        if c.labels[0] != "[导语]":
            blocks.setdefault(c.labels[0], []).append(c)
    return blocks


def test_faq_each_block_has_one_policy_text_then_its_questions() -> None:
    blocks = _faq_blocks()
    assert list(blocks) == list(FAQ_BLOCKS)
    for heading, items in blocks.items():
        assert all(len(c.labels) == 2 for c in items)
        assert [c.labels[1] for c in items if c.labels[1] == "[政策原文]"] == ["[政策原文]"], heading
        assert items[0].labels[1] == "[政策原文]"
        qas = items[1:]
        assert len(qas) >= 1
        assert [c.labels[1] for c in qas] == [f"[问答{i}]" for i in range(1, len(qas) + 1)]
        assert [c.title for c in qas] == FAQ_BLOCKS[heading], heading
        for c in qas:
            question, *answers = c.text.split("\n")
            assert re.fullmatch(r"问[：:]" + re.escape(c.title), question), c.id
            assert answers and answers[0].startswith("答："), c.id


def test_faq_every_printed_question_is_kept_once() -> None:
    raw = (RAW_DIR / CORPUS.document("xm-sangao-faq").source).read_text(encoding="utf-8")
    printed = len(re.findall(r"问[：:]", raw))
    qas = [c for c in clauses("xm-sangao-faq") if c.labels[-1].startswith("[问答")]
    assert printed == 17
    assert len(qas) == printed
    assert sum(len(re.findall(r"(?m)^问[：:]", c.text)) for c in clauses("xm-sangao-faq")) == printed


def test_faq_policy_text_does_not_carry_the_prefix_or_questions() -> None:
    for c in clauses("xm-sangao-faq"):
        if c.labels[-1] == "[政策原文]":
            assert not c.text.startswith("政策原文"), c.id
            assert "问：" not in c.text and "答：" not in c.text, c.id


def test_faq_intro_comes_first() -> None:
    first = clauses("xm-sangao-faq")[0]
    assert first.id == "xm-sangao-faq/导语"
    assert first.title == "企业承担重大科技项目最高可获2000万元补助"
    assert "7月29日" in first.text


@pytest.mark.parametrize(
    ("doc_id", "on", "status"),
    [
        ("xm-zjtx-2024", D(2024, 9, 10), ValidityStatus.NOT_YET),
        ("xm-zjtx-2024", D(2025, 6, 1), ValidityStatus.IN_FORCE),
        ("xm-zjtx-2024", D(2026, 11, 23), ValidityStatus.EXPIRING),
        ("xm-zjtx-2024", D(2026, 12, 31), ValidityStatus.EXPIRING),
        ("xm-zjtx-2024", D(2027, 1, 1), ValidityStatus.EXPIRED),
        ("xm-kjfwy-2025", D(2025, 12, 8), ValidityStatus.NOT_YET),
        ("xm-kjfwy-2025", D(2026, 6, 1), ValidityStatus.IN_FORCE),
        ("xm-kjfwy-2025", D(2026, 12, 8), ValidityStatus.EXPIRING),
        ("xm-kjfwy-2025", D(2026, 12, 9), ValidityStatus.EXPIRED),
        ("xm-kjcx-jd", D(2026, 11, 23), ValidityStatus.NOT_STATED),
        ("sd-kjfwy-2025", D(2026, 11, 23), ValidityStatus.NOT_STATED),
        ("xm-sangao-faq", D(2026, 11, 23), ValidityStatus.NOT_STATED),
    ],
)
def test_validity_on_fixed_dates(doc_id: str, on: dt.date, status: ValidityStatus) -> None:
    assert CORPUS.document(doc_id).validity(on).status is status


def test_a_validity_without_a_start_date_says_so() -> None:
    # 002 prints "有效期3年" but not the day it was issued: the answer must say both.
    sentence = CORPUS.document("xm-kjcx-jd").validity(D(2026, 11, 23)).describe()
    assert "有效期3年" in sentence and "未载明起算日期" in sentence
    assert CORPUS.document("sd-kjfwy-2025").validity(D(2026, 11, 23)).describe() == "文件未载明有效期"


ZJTX = "《厦门市支持专精特新企业高质量发展的若干措施》（厦府办规〔2024〕11号）"
KJFWY = "《厦门市关于促进科技服务业高质量发展的若干措施（试行）》（厦科规〔2025〕7号）"
SD = "《关于支持科技服务业高质量发展的若干措施》（鲁科字〔2025〕128号）"


@pytest.mark.parametrize(
    ("clause_id", "label", "citation"),
    [
        (
            "xm-zjtx-2024/二/（六）/15",
            "第二部分（六）第15条",
            ZJTX + "第二部分（六）第15条 支持国内市场开拓",
        ),
        ("xm-zjtx-2024/三/（二）", "第三部分（二）", None),
        ("xm-zjtx-2024/附则2", "附则2（有效期）", None),
        (
            "xm-kjfwy-2025/三",
            "第三条",
            KJFWY + "第三条 壮大科技服务中小微机构",
        ),
        (
            "sd-kjfwy-2025/四/（十）",
            "第四部分（十）",
            SD + "第四部分（十） 企业孵化服务",
        ),
        ("xm-kjcx-jd/四/（四）/12", "第四部分（四）第12条", None),
        ("xm-kjcx-jd/四", "第四部分", None),
        ("xm-sangao-faq/加大科技成果转化奖励力度/政策原文", "「加大科技成果转化奖励力度」政策原文", None),
        (
            "xm-sangao-faq/提高人才个税奖励/问答2",
            "「提高人才个税奖励」问答2（“三高”企业哪些对象可以申请人才个税奖励？）",
            None,
        ),
    ],
)
def test_citation_labels(clause_id: str, label: str, citation: str | None) -> None:
    clause = CORPUS.clause(clause_id)
    assert clause.label == label
    if citation is not None:
        assert clause.citation == citation


def test_measure_text_is_the_printed_clause() -> None:
    # spot checks a user would quote: the amounts, exactly as printed
    assert "单家企业最高30万元" in CORPUS.clause("xm-zjtx-2024/二/（六）/15").text
    assert "年化1%贴息支持，单户贷款最高2000万元" in CORPUS.clause("xm-kjfwy-2025/五").text
    assert CORPUS.clause("xm-zjtx-2024/二/（三）/6").text.count("精特新企业作为主要起草单位") == 1
    assert "按其应缴已缴增值税地方留成部分的60%" in CORPUS.clause("xm-sangao-faq/加大科技成果转化奖励力度/政策原文").text
