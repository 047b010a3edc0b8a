"""What a question is about against what a clause grants (assistant.aboutness), and the kinds of
question it decides: out of scope with shared words, 文号 a held clause cites, a document that
prints no validity period, stacking and expiry asked in everyday words."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from assistant.aboutness import head_covered, heads
from assistant.chain import Assistant
from assistant.evidence import topic_terms
from assistant.understand import detect_intent
from corpus.settings import Settings

REPO = Path(__file__).resolve().parents[2]


def _weights(question: str) -> dict[str, float]:
    return dict.fromkeys(topic_terms(question), 1.0)


def _covered(question: str, clause: str) -> bool:
    w = _weights(question)
    return head_covered(question, clause, w, lambda t: 1.0 if t in clause else 0.0)


def test_the_head_is_the_word_before_what_is_asked_not_the_asker_or_its_possessor() -> None:
    found = [h for h, _ in heads("进站博士后的个人所得税有没有减免？", _weights("进站博士后的个人所得税有没有减免？"))]
    assert "个人所得税" in found and "博士后" not in found and "进站" not in found
    q = "我们专精特新企业招应届生，社保补贴怎么申请"
    assert heads("领导问这个有没有资助", _weights("领导问这个有没有资助")) == []  # who wants to know is no head
    assert heads(q, _weights(q)) == [("社保", True)]  # a benefit asked by the head's name


def test_a_word_pointed_at_or_a_documents_life_is_no_head() -> None:
    """那部分 / 这笔钱 refer back to what was said before; 有效期 is asked of a document, as 期限 is."""
    for q in ("去年营收涨了两成，超出的那部分能奖多少？", "这笔钱什么时候到账？"):
        assert heads(q, _weights(q)) == [], q
    q = "我们下个月才交申报书，到时候这个措施还在有效期吗？"
    assert "有效期" not in [h for h, _ in heads(q, _weights(q))]


def test_a_piece_asking_by_how_many_of_anything_asks_of_its_own_words() -> None:
    """几 with any measure word asks (几月份, 几号), so the piece's own thing heads it, not only the
    alternatives of how it is done in the next piece (线上还是窗口)."""
    q = "人才住房补贴一般几月份发放，线上还是窗口办？"
    assert "人才" in [h for h, _ in heads(q, _weights(q))]
    assert _covered(q, "对人才给予住房补贴，每年发放一次。")
    # 几 before a noun's own measure word (几所高校) tells of some: that piece stays the asker's story
    told = "我们和几所高校合办实验室，能给多少支持？"
    assert [h for h, _ in heads(told, _weights(told))] == ["实验室"]


def test_a_telling_piece_that_says_what_the_asker_is_gives_no_head() -> None:
    """我们是X，…能补多少: X is who asks; a clause about the thing told before answers without it,
    while a telling piece that names an act still gives the thing asked of."""
    q = "我们是高新技术企业，每年能补多少？"
    assert heads(q, _weights(q)) == []
    told = "企业申请发明专利，每件资助多少钱？"
    assert heads(told, _weights(told)) != []


def test_the_nouns_of_a_basis_phrase_say_how_an_amount_is_reckoned_not_what_is_asked() -> None:
    """按X档次补的那个: X and 档次 are the basis of the amount; without that the basis word a
    clause never writes (档次) refused a clause on the very measure."""
    q = "参加展会，按展位面积档次补的那个能拿多少？"
    assert heads(q, _weights(q)) == []
    assert heads("展位费补贴按什么标准给？", _weights("展位费补贴按什么标准给？"))[0][0] == "展位费"


def test_a_clause_without_the_head_does_not_answer_though_it_shares_the_other_words() -> None:
    clause = "对进站博士后给予最长2年、每人每年最高15万元生活补助。"
    assert not _covered("进站博士后的个人所得税有没有减免？", clause)
    assert _covered("进站博士后的生活补助是多少？", clause)


def test_two_kinds_of_one_thing_are_told_apart_by_the_word_before_it() -> None:
    clause = "按其工资薪金所得5年内缴纳个人所得税地方留成部分的50%予以奖励。"
    assert not _covered("认定高新技术企业后企业所得税按多少交？", clause)
    assert _covered("高端人才个人所得税奖励按多少比例？", clause)


def test_a_benefit_asked_by_name_needs_a_sentence_that_gives_it() -> None:
    assert not _covered("社保补贴怎么申请", "柔性引进高层次人才，可不受国籍、户籍、社保等限制申报职称评审。")
    assert _covered("社保补贴怎么申请", "对新招用员工的企业，按规定给予社保补贴。")


@pytest.mark.parametrize(
    ("question", "intent"),
    [
        ("拿了小巨人首次奖励以后，还能申请管理咨询补助吗", "overlap"),
        ("揭榜挂帅这条和关键技术攻关那条，能不能两个都拿", "overlap"),
        ("两边额度能加起来吗？", "overlap"),
        ("我们明年3月才能把材料报上去，到时候还能申请吗", "validity"),
        ("专精特新措施和科技服务业措施哪个管得更久", "validity"),
        ("两边加起来一共能拿多少？", "amount"),  # a total, not whether they stack
    ],
)
def test_stacking_and_expiry_in_everyday_words_are_recognised(question: str, intent: str) -> None:
    assert detect_intent(question) == intent


@pytest.fixture(scope="module")
def assistant(tmp_path_factory: pytest.TempPathFactory) -> Assistant:
    from index.e5_model import ensure_model

    model_dir = ensure_model(Settings(data_dir=REPO / "var"))
    settings = Settings(data_dir=tmp_path_factory.mktemp("data"), model_dir=model_dir, today=dt.date(2026, 12, 1))
    return Assistant.from_settings(settings)


@pytest.mark.slow
@pytest.mark.parametrize(
    "question",
    [
        "科技型中小企业的企业所得税优惠税率是多少",  # 所得税 of a clause is 个人所得税
        "专精特新企业招了残疾人，社保补贴能领多少",  # a clause names 社保 only as a restriction lifted
        "三高企业的研发费用加计扣除怎么申请",  # 加计 is in no document
    ],
)
def test_out_of_scope_questions_sharing_the_documents_words_are_refused(assistant: Assistant, question: str) -> None:
    answer = assistant.answer(question)
    assert answer.no_basis and not answer.citations, answer.text


@pytest.mark.slow
def test_the_in_scope_neighbours_of_those_questions_are_answered(assistant: Assistant) -> None:
    assert assistant.answer("进站博士后的生活补助每年多少").citations[0].clause_id == "xm-kjcx-jd/四/（四）/12"
    personal = assistant.answer("三高企业高端人才的个人所得税奖励比例是多少")
    assert personal.citations[0].clause_id == "xm-sangao-faq/提高人才个税奖励/政策原文"


@pytest.mark.slow
def test_a_document_number_a_held_clause_cites_is_answered_from_that_clause(assistant: Assistant) -> None:
    cited = assistant.answer("厦科联〔2017〕44号规定的重点实验室，先备案多久才能认定")
    assert not cited.no_basis and cited.citations[0].clause_id.startswith("xm-sangao-faq/支持企业建设实验室/")
    assert "备案一年以上" in cited.text
    # named only as a basis of a held document: what it says itself is not held
    only_named = assistant.answer("工信部联科〔2025〕110号里对孵化器怎么补")
    assert only_named.no_basis and "工信部联科〔2025〕110号" in only_named.text


@pytest.mark.slow
def test_a_document_that_prints_no_validity_is_said_so(assistant: Assistant) -> None:
    answer = assistant.answer("鲁科字〔2025〕128号什么时候失效")
    assert answer.no_basis and "未载明有效期" in answer.text


@pytest.mark.slow
def test_an_expiry_asked_by_the_companys_own_date_cites_the_documents_life_and_the_measure(assistant: Assistant) -> None:
    answer = assistant.answer("国内贸易信用保险的保费补贴，我们保单2027年2月才生效，到时候还能按专精特新措施申请吗")
    cited = [c.clause_id for c in answer.citations]
    assert answer.intent == "validity" and "xm-zjtx-2024/附则2" in cited and "xm-zjtx-2024/二/（六）/15" in cited
    assert "2026年12月31日" in answer.lead


def test_figures_offered_as_alternatives_are_no_head_and_the_walk_goes_on_to_the_thing() -> None:
    """比例是10%还是20%: the values chosen between; what is asked about is the word before them."""
    q = "出口信保的费率是3%还是5%？"
    found = [h for h, _ in heads(q, _weights(q))]
    assert found and found[0] == "费率"
    assert heads("这个是3%还是5%？", {}) == []  # nothing named: still no head


@pytest.mark.slow
def test_a_document_named_by_its_short_number_answers_or_says_the_item_is_missing(assistant: Assistant) -> None:
    held = assistant.answer("11号文第9条里企业的核心技术高管算哪类人才")
    assert not held.no_basis and held.citations[0].clause_id == "xm-zjtx-2024/二/（四）/9" and "B类" in held.text
    missing = assistant.answer("11号文第三部分（八）能发我原文吗")
    assert missing.no_basis and not missing.citations and "没有第三部分（八）" in missing.text


@pytest.mark.slow
def test_a_title_part_several_documents_share_names_none_of_them(assistant: Assistant) -> None:
    """《若干措施》 is in three titles: the words around it pick the document, whose numbering decides."""
    answer = assistant.answer("引领工程《若干措施》第14条的原文是什么")
    assert answer.no_basis and "科技创新引领工程" in answer.text and "1至12" in answer.text
