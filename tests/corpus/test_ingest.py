"""The raw-text ingester recovers the curated documents from their raw seeds, and refuses bad input.

The curated copies in ``corpus/documents/`` are the golden files: ingesting a raw seed must give
the same clauses (labels and text, whitespace aside) and the same printed metadata.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from corpus.documents import Section, clauses_of, dump_document, load_document, parse_document
from corpus.errors import IngestError
from corpus.ingest import ingest_command, ingest_file, ingest_text, write_ingested
from corpus.records import Clause, DocKind, PolicyDocument
from corpus.settings import DOCUMENTS_DIR, RAW_DIR

SEEDS = [
    ("000_6365750914b6be39.txt", "xm-kjfwy-2025.md"),
    ("001_54f6fdd3a74cea2d.txt", "xm-zjtx-2024.md"),
    ("003_67f8b1a5c69588a0.txt", "sd-kjfwy-2025.md"),
]


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _corrected(text: str, document: PolicyDocument) -> str:
    """Our text as the curated copy prints it: apply the corrections its front matter records."""
    for printed, corrected in document.corrections:
        text = text.replace(printed, corrected)
    return text


def _clauses(document: PolicyDocument, sections: list[Section]) -> list[Clause]:
    return clauses_of(document, sections)


@pytest.mark.parametrize(("raw", "curated"), SEEDS, ids=[c.removesuffix(".md") for _, c in SEEDS])
def test_ingesting_a_seed_recovers_the_curated_clauses(raw: str, curated: str) -> None:
    golden, golden_clauses = load_document(DOCUMENTS_DIR / curated)
    document, sections = ingest_file(RAW_DIR / raw, doc_id=golden.id)
    clauses = _clauses(document, sections)

    assert len(clauses) == len(golden_clauses)
    assert [c.labels for c in clauses] == [c.labels for c in golden_clauses]
    assert [c.id for c in clauses] == [c.id for c in golden_clauses]
    for ours, theirs in zip(clauses, golden_clauses, strict=True):
        assert _squash(_corrected(ours.text, golden)) == _squash(theirs.text), ours.id


@pytest.mark.parametrize(("raw", "curated"), SEEDS, ids=[c.removesuffix(".md") for _, c in SEEDS])
def test_ingesting_a_seed_recovers_the_printed_metadata(raw: str, curated: str) -> None:
    golden, _ = load_document(DOCUMENTS_DIR / curated)
    document, _ = ingest_file(RAW_DIR / raw, doc_id=golden.id)

    assert document.title == golden.title
    assert document.doc_no == golden.doc_no
    assert document.region == golden.region
    assert document.issued == golden.issued
    assert document.validity_text == golden.validity_text
    assert document.effective_from == golden.effective_from
    assert document.expires == golden.expires
    assert document.source == golden.source
    assert document.kind is DocKind.POLICY


@pytest.mark.parametrize(("raw", "curated"), SEEDS, ids=[c.removesuffix(".md") for _, c in SEEDS])
def test_written_file_loads_back_to_the_same_clauses(tmp_path: Path, raw: str, curated: str) -> None:
    golden, golden_clauses = load_document(DOCUMENTS_DIR / curated)
    written = write_ingested(RAW_DIR / raw, tmp_path, doc_id=golden.id)

    assert written == tmp_path / curated
    document, clauses = load_document(written)
    assert [c.labels for c in clauses] == [c.labels for c in golden_clauses]
    assert document.expires == golden.expires
    assert [p.name for p in tmp_path.iterdir()] == [curated]  # no temporary file left behind


def test_page_marker_and_wrapped_number_are_not_text_or_headings() -> None:
    document, sections = ingest_file(RAW_DIR / "001_54f6fdd3a74cea2d.txt", doc_id="xm-zjtx-2024")
    clauses = {c.id: c for c in _clauses(document, sections)}

    assert "5—" not in _squash(clauses["xm-zjtx-2024/二/（三）/6"].text)
    # "…签订1" / "年以上工作协议" is one sentence of measure 10, not a heading "1."
    assert "签订1年以上工作协议" in _squash(clauses["xm-zjtx-2024/二/（四）/10"].text)
    assert clauses["xm-zjtx-2024/二/（三）/6"].title == "强化标准品牌建设"


def test_the_interpretation_seed_002_matches_its_curated_copy_given_region_and_kind() -> None:
    golden, golden_clauses = load_document(DOCUMENTS_DIR / "xm-kjcx-jd.md")
    document, sections = ingest_file(RAW_DIR / "002_8ffd0d0a52d4a783.txt", doc_id=golden.id, region=golden.region, kind="interpretation")
    clauses = _clauses(document, sections)

    assert [c.labels for c in clauses] == [c.labels for c in golden_clauses]
    assert [_squash(c.text) for c in clauses] == [_squash(c.text) for c in golden_clauses]
    assert _squash(document.title) == _squash(golden.title)
    assert document.validity_text == golden.validity_text
    assert (document.issued, document.expires) == (None, None)  # "有效期3年" with no printed date


# --- bad input: a clear error, and nothing written -------------------------------------------

_POLICY = """厦门市关于支持企业研发的若干措施

为支持企业加大研发投入，制定本措施。

一、研发补助。对企业研发费用给予
补助，最高100万元。

二、人才奖励。对企业引进的人才给予奖励。

本措施自2026年1月1日起实施，有效期至2027年12月31日。
"""


def _assert_refused(tmp_path: Path, name: str, data: bytes, message: str) -> None:
    source = tmp_path / name
    source.write_bytes(data)
    out = tmp_path / "out"
    with pytest.raises(IngestError, match=message) as caught:
        write_ingested(source, out, doc_id="xm-test-2026")
    assert caught.value.message_zh
    assert not out.exists()


@pytest.mark.parametrize("data", [b"", b"\n \n\t\n", "\ufeff".encode()], ids=["empty", "blank", "bom-only"])
def test_an_empty_file_is_refused(tmp_path: Path, data: bytes) -> None:
    _assert_refused(tmp_path, "empty.txt", data, "empty")


def test_a_binary_file_is_refused(tmp_path: Path) -> None:
    _assert_refused(tmp_path, "scan.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "binary")


def test_a_utf16_file_is_refused_as_not_utf8_text(tmp_path: Path) -> None:
    _assert_refused(tmp_path, "utf16.txt", _POLICY.encode("utf-16"), "binary")


def test_undecodable_bytes_are_refused_naming_the_encodings_tried(tmp_path: Path) -> None:
    data = _POLICY.encode("utf-8") + b"\xff\xfe\x80\xff"
    _assert_refused(tmp_path, "broken.txt", data, r"utf-8.*utf-8-sig.*gb18030")


def test_text_without_numbered_headings_or_questions_is_refused(tmp_path: Path) -> None:
    text = "厦门市关于支持企业研发的通知\n\n各有关单位：\n\n请各单位认真做好研发费用归集工作。\n"
    _assert_refused(tmp_path, "plain.txt", text.encode(), "no numbered headings")


@pytest.mark.parametrize("name", ["policy.pdf", "policy.docx", "policy"])
def test_a_file_that_is_not_txt_or_md_is_refused(tmp_path: Path, name: str) -> None:
    _assert_refused(tmp_path, name, _POLICY.encode(), r"only \['.txt', '.md'\]")


def test_an_unknown_region_asks_for_region(tmp_path: Path) -> None:
    text = _POLICY.replace("厦门市关于", "关于")
    _assert_refused(tmp_path, "noregion.txt", text.encode(), "--region")
    document, _ = ingest_text(text, source="noregion.txt", region="福建省厦门市")
    assert document.region == "福建省厦门市"


def test_a_bad_doc_id_is_refused(tmp_path: Path) -> None:
    source = tmp_path / "policy.txt"
    source.write_text(_POLICY, encoding="utf-8")
    with pytest.raises(IngestError, match="Bad_ID"):
        write_ingested(source, tmp_path / "out", doc_id="Bad_ID")
    assert not (tmp_path / "out").exists()


def test_a_gb18030_file_decodes_like_its_utf8_twin(tmp_path: Path) -> None:
    (tmp_path / "utf8.txt").write_bytes(_POLICY.encode("utf-8"))
    (tmp_path / "gbk.txt").write_bytes(_POLICY.encode("gb18030"))
    (tmp_path / "bom.md").write_bytes(_POLICY.encode("utf-8-sig"))
    utf8 = ingest_file(tmp_path / "utf8.txt", doc_id="xm-test-2026", source="x")
    assert ingest_file(tmp_path / "gbk.txt", doc_id="xm-test-2026", source="x") == utf8
    assert ingest_file(tmp_path / "bom.md", doc_id="xm-test-2026", source="x") == utf8
    document, sections = utf8
    assert [c.labels for c in _clauses(document, sections)] == [("[前言]",), ("一、",), ("二、",), ("[附则1]",)]
    assert document.effective_from == dt.date(2026, 1, 1)
    assert document.expires == dt.date(2027, 12, 31)


# --- generality: other numbering schemes and 问/答 ------------------------------------------------

_MEASURES = """厦门市科技计划项目管理办法

第一章 总则

第一条 为规范厦门市科技计划项目管理，根据有关规定，
制定本办法。

第二条 本办法适用于市级科技计划项目。

第二章 申报与资助

第三条 项目申报单位应当具备下列条件：
（一）在本市注册的企业；
（二）具有独立法人资格。

第四条 申报单位应提交下列材料：
1. 项目申报书；
2. 项目预算表，贴息期限可覆盖第
5、6年度的贷款。

— 3 —

第三章 附则

第五条 本办法由市科学技术局负责解释。

第六条 本办法自2026年1月1日起施行，有效期至2028年12月31日。
"""


def test_chapters_and_articles_nest_and_an_article_keeps_its_items() -> None:
    document, sections = ingest_text(_MEASURES, source="measures.txt", doc_id="xm-kjjh-2026")
    clauses = _clauses(document, sections)

    assert document.title == "厦门市科技计划项目管理办法"
    assert document.region == "福建省厦门市"
    # an article is one measure: its （一）… and 1. … items are its text, not clauses of their own
    assert [c.labels for c in clauses] == [
        ("第一章", "第一条"),
        ("第一章", "第二条"),
        ("第二章", "第三条"),
        ("第二章", "第四条"),
        ("第三章", "第五条"),
        ("第三章", "第六条"),
    ]
    assert [s.title for s in sections] == ["总则", "申报与资助", "附则"]
    by_labels = {c.labels: c for c in clauses}
    assert _squash(by_labels[("第一章", "第一条")].text) == "第一条为规范厦门市科技计划项目管理，根据有关规定，制定本办法。"
    assert (
        _squash(by_labels[("第二章", "第三条")].text)
        == "第三条项目申报单位应当具备下列条件：（一）在本市注册的企业；（二）具有独立法人资格。"
    )
    # "5、6年度" at a line start is not item 5 of a list: it continues item 2.
    assert _squash(by_labels[("第二章", "第四条")].text).endswith("2.项目预算表，贴息期限可覆盖第5、6年度的贷款。")
    assert by_labels[("第一章", "第二条")].title == ""  # a one-sentence article has no title
    assert document.validity_text == "本办法自2026年1月1日起施行，有效期至2028年12月31日。"
    assert (document.effective_from, document.expires) == (dt.date(2026, 1, 1), dt.date(2028, 12, 31))


def test_chapter_and_article_labels_read_back_from_the_written_file(tmp_path: Path) -> None:
    source = tmp_path / "measures.txt"
    source.write_text(_MEASURES, encoding="utf-8")
    document, clauses = load_document(write_ingested(source, tmp_path / "out", doc_id="xm-kjjh-2026"))

    assert [c.labels for c in clauses] == [c.labels for c in _clauses(*ingest_text(_MEASURES, source="m.txt", doc_id="xm-kjjh-2026"))]
    assert "read these labels back" not in document.notes


_FAQ = """厦门市研发费用补助政策问答

为方便企业了解政策，现就常见问题解答如下。

问：哪些企业可以申请研发
费用补助？
答：在本市注册、
依法纳税的企业均可申请。

问：补助标准是多少？
答：补助标准如下：
1. 按研发费用的10%给予补助；
2. 每家企业最高100万元。

企业也可叠加申请其他补助。

本问答由市科学技术局负责解释。
"""


def test_question_and_answer_blocks_become_numbered_faq_clauses() -> None:
    document, sections = ingest_text(_FAQ, source="faq.txt", doc_id="xm-yfbz-faq", kind="faq")
    clauses = _clauses(document, sections)

    assert document.kind is DocKind.FAQ
    assert [c.labels for c in clauses] == [("[前言]",), ("[问答1]",), ("[问答2]",), ("[附则1]",)]
    first, second = clauses[1], clauses[2]
    assert first.title == "哪些企业可以申请研发费用补助？"
    assert first.text == "问：哪些企业可以申请研发费用补助？\n答：在本市注册、依法纳税的企业均可申请。"
    # the answer's list is part of the answer, not headings under the question
    assert _squash(second.text).endswith("1.按研发费用的10%给予补助；2.每家企业最高100万元。企业也可叠加申请其他补助。")
    assert clauses[3].title == "解释"


_NOTICE = """厦门市科学技术局文件
厦科规［2026］1 号
厦门市科学技术局关于印发《厦门市科技企业孵化器管理办法》的通知
各有关单位：
现将《厦门市科技企业孵化器管理办法》印发给你们，请遵照执行。
厦门市科学技术局
二〇二六年一月五日
（此件主动公开）
厦门市科技企业孵化器管理办法（试行）
第一条 为规范科技企业孵化器管理，促进孵化器高质量发展，
制定本办法。
- 2 -
第二条 本办法自发布之日起施行，有效期3年。
抄送：市财政局，
各区人民政府。
厦门市科学技术局办公室 2026年1月6日印发
"""


def test_a_notice_cover_letter_and_its_furniture_are_recognised() -> None:
    document, sections = ingest_text(_NOTICE, source="notice.txt", doc_id="xm-fhq-2026")

    assert document.title == "厦门市科技企业孵化器管理办法（试行）"  # the title line, not the notice's shorter name
    assert document.doc_no == "厦科规〔2026〕1号"
    assert document.issuers == ("厦门市科学技术局",)
    assert document.issued == dt.date(2026, 1, 5)
    # "自发布之日起…有效期3年" counts from the printed date under the notice
    assert (document.effective_from, document.expires) == (dt.date(2026, 1, 5), dt.date(2029, 1, 4))
    assert [(s.label, s.paragraphs) for s in sections] == [
        ("[印发通知]", ["各有关单位：", "现将《厦门市科技企业孵化器管理办法》印发给你们，请遵照执行。"]),
        ("第一条", ["第一条为规范科技企业孵化器管理，促进孵化器高质量发展，制定本办法。"]),
        ("第二条", ["第二条本办法自发布之日起施行，有效期3年。"]),
    ]
    assert "2026-01-06" in document.notes  # the 印发 date is kept for the reviewer


def test_a_validity_period_without_a_printed_start_gives_no_dates() -> None:
    text = "关于支持企业创新的若干措施\n一、支持研发。给予补助。\n二、支持人才。给予奖励。\n"
    text += "本措施自印发之日起实施，有效期3年。\n"
    document, sections = ingest_text(text, source="x.txt", region="福建省厦门市")

    assert document.validity_text == "本措施自印发之日起实施，有效期3年。"
    assert document.effective_from is None and document.expires is None  # no date is printed: no guess
    assert document.id.startswith("doc-") and len(document.id) == 12
    assert [s.label for s in sections] == ["一、", "二、", "[附则1]"]
    assert sections[-1].title == "有效期"


# --- writing ----------------------------------------------------------------------------------


def test_write_ingested_refuses_to_overwrite_unless_forced(tmp_path: Path) -> None:
    source = tmp_path / "policy.md"
    source.write_text(_POLICY, encoding="utf-8")
    out = tmp_path / "out"
    first = ingest_command(source, out, doc_id="xm-test-2026", region=None, kind="policy", force=False)
    first.write_text(first.read_text(encoding="utf-8") + "\n<!-- reviewed -->\n", encoding="utf-8")
    reviewed = first.read_text(encoding="utf-8")

    with pytest.raises(IngestError, match=r"already exists.*--force"):
        ingest_command(source, out, doc_id="xm-test-2026", region=None, kind="policy", force=False)
    assert first.read_text(encoding="utf-8") == reviewed
    assert sorted(p.name for p in out.iterdir()) == ["xm-test-2026.md"]

    again = ingest_command(source, out, doc_id="xm-test-2026", region=None, kind="policy", force=True)
    assert again == first
    assert "reviewed" not in first.read_text(encoding="utf-8")
    assert sorted(p.name for p in out.iterdir()) == ["xm-test-2026.md"]


# Fragments of policy texts, numbering the loader reads back, and page furniture, in any order.
_FRAGMENTS = [
    *("一、", "二、", "（一）", "（二）", "（十六）", "1.", "2.", "问：", "答：", "第一条", "第二条"),
    *("。", "，", "：", "（", "）", "“", "”", "《", "》", "**", "# ", "---", " ", "\n", "\n", "\n\n"),
    *("厦门市", "有效期至2026年1月1日", "有效期1年", "自发布之日起实施", "本措施", "就高不重复", "解释"),
    *("— 5 —", "12", "2025 年 12 月 9 日", "厦科规〔2025〕7号", "抄送：", "关于印发", "的通知", "若干措施"),
    *("各有关单位：", "文件", "支持企业研发", "给予奖励"),
]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(_FRAGMENTS), max_size=50))
def test_any_text_is_refused_with_an_ingest_error_or_written_so_it_loads_back(parts: list[str]) -> None:
    try:
        document, sections = ingest_text("".join(parts), source="fuzz.txt", region="福建省厦门市")
    except IngestError as e:
        assert e.message_zh
        return
    reloaded = parse_document(dump_document(document, sections))
    assert [(c.id, _squash(c.text)) for c in clauses_of(*reloaded)] == [(c.id, _squash(c.text)) for c in clauses_of(document, sections)]
