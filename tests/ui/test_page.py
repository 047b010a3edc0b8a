"""The chat page's content: its header names what is covered, and every example question it offers
is answered (with a citation) by the real chain."""

from __future__ import annotations

from typing import Any

import pytest

from ui.page import EXAMPLES, description_html


def test_six_to_eight_distinct_examples() -> None:
    assert 6 <= len(EXAMPLES) <= 8 and len(set(EXAMPLES)) == len(EXAMPLES)
    assert all(len(q) <= 60 for q in EXAMPLES)  # a button, not a paragraph


def test_header_names_every_document_and_region(fake_assistant: Any, ui_settings: Any, tmp_path: Any) -> None:
    html = description_html(fake_assistant, ui_settings(tmp_path))
    docs = fake_assistant.documents
    assert f"依据{len(docs)}份" in html
    for d in docs:
        assert f"《{d.title}》" in html and d.region in html
        if d.doc_no:
            assert d.doc_no in html
    assert html.count('class="pq-badge') == len(docs)


@pytest.mark.slow
@pytest.mark.parametrize("question", EXAMPLES)
def test_every_example_is_answered_with_a_citation(real_assistant: Any, question: str) -> None:
    a = real_assistant.answer(question)
    assert not a.no_basis, a.text
    assert a.citations and "[1]" in a.text
    assert all(c.quote in c.text for c in a.citations)


@pytest.mark.slow
def test_examples_cover_both_regions_and_a_calculation(real_assistant: Any) -> None:
    answers = [real_assistant.answer(q) for q in EXAMPLES]
    regions = {c.region for a in answers for c in a.citations}
    assert {"福建省厦门市", "山东省"} <= regions
    assert any(k.amount_wan is not None and k.steps for a in answers for k in a.calculations)


def test_the_document_list_gives_each_badge_its_date(fake_assistant: Any, ui_settings: Any, tmp_path: Any) -> None:
    import re

    settings = ui_settings(tmp_path, today="2026-11-23")
    html = description_html(fake_assistant, settings)
    items = re.findall(r"<li>(.*?)</li>", html)
    assert len(items) == len(fake_assistant.documents)
    for d, item in zip(fake_assistant.documents, items, strict=True):
        v = d.validity(settings.today_date())
        assert f">{v.status.zh}</span>" in item
        date = item.split('class="pq-date">')[1]
        if d.expires is not None:
            assert f"有效期至{d.expires.year}年{d.expires.month}月{d.expires.day}日" in date
        if v.status.value == "expiring":
            assert f"剩余{v.days_left}天" in date
        if v.status.value == "not_stated":
            assert "未载明" in date
