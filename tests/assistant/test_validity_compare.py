"""Validity questions that compare documents' lives: answered from each document's closing
provision, and the lead says which ends first (real index, real model)."""

from __future__ import annotations

import pytest
from test_aboutness import assistant  # noqa: F401  (the module's real-assistant fixture)

from assistant.chain import Assistant

pytestmark = pytest.mark.slow


def test_a_comparison_word_is_not_a_measure_asked_about(assistant: Assistant) -> None:  # noqa: F811
    a = assistant.answer("厦门的几个文件分别什么时候到期，哪个最早？")
    assert not a.no_basis, a.text
    docs = {c.doc_id for c in a.citations}
    assert len(docs) >= 2, a.text
    lead = a.text.split("\n")[0]
    assert lead.startswith(("载明到期日期的两份中", "按到期先后", "两者相比")), lead


def test_two_named_documents_are_compared_in_words(assistant: Assistant) -> None:  # noqa: F811
    a = assistant.answer("专精特新那份措施跟科技服务业那份措施比，谁的有效期更短？")
    lead = a.text.split("\n")[0]
    assert not a.no_basis, a.text
    assert lead.startswith("两者相比") and "先到期" in lead, lead
