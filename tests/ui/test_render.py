"""An Answer dict as chat-page HTML: cards with the right fields, and every piece of text escaped."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

import pytest

from ui.render import answer_html, calculation_card, citation_card, error_html, input_label, question_html

EVIL = ["<script>alert(1)</script>", '<img src=x onerror="alert(1)">', '"><svg onload=alert(1)>', "&lt;b&gt;"]


def citation(**change: Any) -> dict[str, Any]:
    c = {
        "n": 1,
        "doc_id": "xm-zjtx-2024",
        "title": "厦门市支持专精特新企业高质量发展的若干措施",
        "doc_no": "厦府办规〔2024〕11号",
        "region": "福建省厦门市",
        "kind": "policy",
        "clause_id": "xm-zjtx-2024/二/（六）/13",
        "label": "第二部分（六）第13条",
        "path": "二、具体措施 › （六）助力市场开拓 › 13.实施强链补链行动",
        "quote": "单家企业给予不超过10万元的场租补贴。",
        "text": "13.实施强链补链行动。支持推介会，单家企业给予不超过10万元的场租补贴。支持应用展示。",
        "status": "expiring",
        "status_zh": "即将到期",
        "reference": "《厦门市支持专精特新企业高质量发展的若干措施》（厦府办规〔2024〕11号）第二部分（六）第13条",
    }
    return {**c, **change}


def answer(**change: Any) -> dict[str, Any]:
    a = {
        "question": "推介会有什么补贴？",
        "answer": "“单家企业给予不超过10万元的场租补贴。”[1]\n\n依据：\n[1] 《…》第二部分（六）第13条\n\n提示：\n· 该文件即将到期",
        "no_basis": False,
        "citations": [citation()],
        "calculations": [],
        "related": [],
    }
    return {**a, **change}


class _Tags(HTMLParser):
    """The tags and attributes of a fragment, as a browser's parser would see them."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attrs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs.extend(name for name, _ in attrs)


def tags_of(html: str) -> _Tags:
    p = _Tags()
    p.feed(html)
    return p


ALLOWED_TAGS = {"div", "p", "br", "details", "summary", "span", "dl", "dt", "dd", "blockquote", "mark", "a", "ul", "ol", "li", "strong"}


@pytest.mark.parametrize("evil", EVIL)
def test_markup_in_any_field_stays_text(evil: str) -> None:
    html = question_html(evil) + error_html(evil)
    html += answer_html(
        answer(
            answer=f"{evil}[1]",
            citations=[
                citation(title=evil, doc_no=evil, region=evil, label=evil, path=evil, text=f"{evil}。补贴", quote="补贴", status_zh=evil)
            ],
            calculations=[
                {
                    "inputs": {evil: evil},
                    "steps": [{"text": evil}],
                    "formula": evil,
                    "missing": [evil],
                    "amount_wan": evil,
                    "reasons": [evil],
                    "citation": {"reference": evil},
                }
            ],
            related=[citation(title=evil)],
        )
    )
    seen = tags_of(html)
    assert set(seen.tags) <= ALLOWED_TAGS
    assert not {"onerror", "onload", "src"} & set(seen.attrs)
    assert "<script" not in html and "<img" not in html and "<svg" not in html
    if "&" in evil:
        assert "&amp;lt;b&amp;gt;" in html  # an entity typed by the user is shown, not decoded


def test_citation_card_shows_what_identifies_the_clause() -> None:
    html = citation_card(citation(), open_=True)
    for text in (
        "《厦门市支持专精特新企业高质量发展的若干措施》",
        "厦府办规〔2024〕11号",
        "福建省厦门市",
        "第二部分（六）第13条",
        "13.实施强链补链行动",
    ):
        assert text in html
    assert '<span class="pq-badge pq-warn">即将到期</span>' in html
    assert "<mark>单家企业给予不超过10万元的场租补贴。</mark>" in html
    assert html.startswith('<details class="pq-cite" open>')
    assert 'href="/source/xm-zjtx-2024/%E4%BA%8C/%EF%BC%88%E5%85%AD%EF%BC%89/13?q=' in html


@pytest.mark.parametrize(
    ("status", "css"), [("in_force", "pq-ok"), ("expiring", "pq-warn"), ("expired", "pq-bad"), ("not_stated", "pq-none")]
)
def test_validity_badges(status: str, css: str) -> None:
    assert f'class="pq-badge {css}"' in citation_card(citation(status=status))


def test_a_quote_not_in_the_text_marks_nothing() -> None:
    html = citation_card(citation(quote="不在原文中的句子"))
    assert "<mark>" not in html and "13.实施强链补链行动" in html


def test_no_doc_no_says_so() -> None:
    assert "<dt>文号</dt><dd>无</dd>" in citation_card(citation(doc_no=None))


def test_answer_drops_the_printed_reference_list_when_cards_show_it() -> None:
    html = answer_html(answer())
    assert "依据：" not in html and "提示：" in html and "[1]" in html
    assert html.count('class="pq-cite"') == 1
    no_cards = answer_html(answer(citations=[]))
    assert "依据：" in no_cards  # nothing else would show the references


def test_related_clauses_are_labelled_as_not_an_answer() -> None:
    text = "现有政策文件中未找到依据。\n\n以下条款内容相近，仅供参考，并非对您问题的回答：\n- 《…》第二部分（六）第13条"
    html = answer_html(answer(no_basis=True, answer=text, citations=[], related=[citation()]))
    assert "现有政策文件中未找到依据" in html and "相关条款（仅供参考，并非依据）" in html and "引用条款" not in html
    assert "以下条款内容相近" not in html and html.count('class="pq-cite"') == 1  # the cards replace the printed list


def test_calculation_card() -> None:
    calc = {
        "inputs": {"base_wan": "120万元", "digital_level": "2级", "unknown_name": "3"},
        "steps": [{"text": "数字化改造实际投入资金120万元×30%=36万元"}, {"text": "36万元超过单家企业最高25万元，按25万元"}],
        "formula": "120×30%=36万元，超过单家企业最高25万元，按25万元",
        "missing": [],
        "amount_wan": "25",
        "reasons": ["前提：符合条件的专精特新“小巨人”企业"],
        "citation": {"reference": "《厦门市支持专精特新企业高质量发展的若干措施》第二部分（三）第7条"},
    }
    html = calculation_card(calc)
    assert "计算基数金额</span>：120万元" in html and "改造后数字化水平等级</span>：2级" in html
    assert "unknown_name</span>：3" in html
    assert html.index("×30%=36万元") < html.index("结果：<strong>25 万元</strong>")
    assert "依据：《厦门市支持专精特新企业高质量发展的若干措施》第二部分（三）第7条" in html
    missing = calculation_card({**calc, "amount_wan": None, "missing": ["进站博士后人数"]})
    assert "结果" not in missing and "还需提供：进站博士后人数" in missing


def test_input_labels_are_chinese() -> None:
    assert input_label("loan_wan") != "loan_wan" and input_label("nope") == "nope"


# -- nothing said twice -------------------------------------------------------------------------
CALC = {
    "inputs": {"base_wan": "120万元", "digital_level": "2级"},
    "steps": [{"text": "数字化改造实际投入资金120万元×30%=36万元"}, {"text": "36万元超过单家企业最高25万元，按25万元"}],
    "formula": "120×30%=36万元，超过单家企业最高25万元，按25万元",
    "missing": [],
    "amount_wan": "25",
    "reasons": ["前提：符合条件的专精特新“小巨人”企业", "比例为“最高30%”，按最高比例算得的是可获金额的上限"],
    "citation": {"reference": "《厦门市支持专精特新企业高质量发展的若干措施》第二部分（三）第7条"},
}
CALC_TEXT = (
    "按您提供的情况测算：120×30%=36万元，超过单家企业最高25万元，按25万元[1]。\n\n依据：\n[1] 《…》第二部分（三）第7条：“…”\n\n"
    "提示：\n· 《厦门市支持专精特新企业高质量发展的若干措施》：该文件即将到期。\n"
    "· 前提：符合条件的专精特新“小巨人”企业\n· 比例为“最高30%”，按最高比例算得的是可获金额的上限"
)


def test_the_hints_do_not_repeat_what_the_formula_card_shows() -> None:
    html = answer_html(answer(answer=CALC_TEXT, calculations=[CALC]))
    assert html.count("前提：符合条件的专精特新“小巨人”企业") == 1  # in the card, not again under 提示
    assert html.count("比例为“最高30%”") == 1
    assert "该文件即将到期" in html  # a hint the card does not show stays
    assert html.count(CALC["formula"]) == 1  # the lead says it; the card lists the steps instead
    assert html.count("36万元超过单家企业最高25万元") == 1
    assert html.index('class="pq-p pq-lead"') < html.index('class="pq-calc"') < html.index('class="pq-cite"')


def test_hints_made_only_of_card_lines_disappear_whole() -> None:
    text = CALC_TEXT.replace("· 《厦门市支持专精特新企业高质量发展的若干措施》：该文件即将到期。\n", "")
    html = answer_html(answer(answer=text, calculations=[CALC]))
    assert "提示：" not in html and "前提：" in html


def test_a_calculation_without_steps_keeps_its_formula_line() -> None:
    html = calculation_card({**CALC, "steps": []})
    assert f'<div class="pq-formula">{CALC["formula"]}</div>' in html
    assert "pq-formula" not in calculation_card(CALC)


def test_hints_stay_whole_without_a_calculation() -> None:
    html = answer_html(answer(answer=CALC_TEXT, calculations=[]))
    assert "前提：符合条件的专精特新“小巨人”企业" in html and "提示：" in html


# -- links to the source view ---------------------------------------------------------------------
def test_citation_card_links_the_readable_source_with_the_quote() -> None:
    from urllib.parse import parse_qs, unquote, urlsplit

    html = citation_card(citation())
    href = html.split('class="pq-src" href="')[1].split('"')[0].replace("&amp;", "&")
    url = urlsplit(href)
    assert unquote(url.path) == "/source/xm-zjtx-2024/二/（六）/13"
    assert parse_qs(url.query)["q"] == ["单家企业给予不超过10万元的场租补贴。"]
    assert "JSON" not in html


def test_source_url_escapes_what_a_quote_holds() -> None:
    from ui.render import source_url

    url = source_url("xm-zjtx-2024", "xm-zjtx-2024/二/（六）/13", '"><script>&')
    assert not set('"<>& ') & set(url.split("?q=")[1])
    assert source_url("d", "d/一") == "/source/d/%E4%B8%80"
