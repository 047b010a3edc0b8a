"""Combined caps in matching: "以上奖励补助合计每年每家孵化器最高500万元" (厦科规〔2025〕7号 三).

The cap is data — a ``combined_cap`` rule naming its ``members`` — so these tests change the data,
never the code: a rule book copied from corpus/documents/rules/xm-kjfwy-2025.yaml, with the
operating subsidy's prerequisite taken as met (the company is a 市级及以上孵化器) so that both
members can be claimed together, and its 就高不重复 link to the 解读 (another file) left out.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

from assistant.calculator import load_rules
from assistant.match import ELIGIBLE, match_answer, match_profile, profile_from_mapping
from assistant.match.answer import unsourced_figures
from corpus.documents import load_corpus
from corpus.settings import Settings

IN_FORCE = dt.date(2026, 6, 1)
AWARD, OPERATION, CAP = "kjfwy-3-incubator-award", "kjfwy-3-incubator-operation", "kjfwy-3-incubator-combined-cap"


@pytest.fixture(scope="module")
def corpus() -> Any:
    return load_corpus(Settings().documents_dir)


def _book(tmp: Path, *, cap: str | None = None, without_cap: bool = False) -> Any:
    data = yaml.safe_load((Settings().rules_dir / "xm-kjfwy-2025.yaml").read_text(encoding="utf-8"))
    rules = []
    for r in data["rules"]:
        r.pop("overlaps", None)
        if r["id"] == OPERATION:
            r.pop("qualifications", None)
        if r["id"] == CAP:
            if without_cap:
                continue
            if cap is not None:
                r["cap"] = cap  # invented for the test: a cap below one member's own amount
        rules.append(r)
    folder = tmp / ("without" if without_cap else f"cap-{cap}")
    folder.mkdir()
    (folder / "xm-kjfwy-2025.yaml").write_text(yaml.safe_dump({**data, "rules": rules}, allow_unicode=True), encoding="utf-8")
    return load_rules(folder)


def _match(book: Any, corpus: Any, level: str) -> tuple[Any, Any]:
    profile = profile_from_mapping({"city": "厦门", "types": ["孵化器运营方"], "levels": [level]}, known_levels=["卓越级", "标准级"])
    return profile, match_profile(profile, corpus, book, IN_FORCE)


def test_the_members_together_never_count_above_the_combined_cap(tmp_path: Path, corpus: Any) -> None:
    # 卓越级 一次性500万元 + 运营补助 最高100万元 = at most 600 — but 以上奖励补助合计…最高500万元
    profile, result = _match(_book(tmp_path), corpus, "卓越级")
    eligible = {line.rule_id: line for line in result.group(ELIGIBLE)}
    assert eligible[AWARD].amount_wan == Decimal("500") and eligible[OPERATION].cap_wan == Decimal("100")
    assert result.total is not None and result.total.amount_wan == Decimal("500")
    assert result.total_cap_wan == Decimal("500")
    steps = " ".join(s.text for s in result.total.steps)
    assert "超过以上奖励补助合计每年每家孵化器最高500万元，最多按500万元" in steps
    for rid in (AWARD, OPERATION):  # each line says it is counted with the other, under the cap
        assert any("以上奖励补助合计每年每家孵化器最高500万元（与" in r for r in eligible[rid].reasons)
    assert eligible[AWARD].overlap_group is None  # claimed together, not instead of each other
    assert unsourced_figures(match_answer(result, profile), corpus, result) == []
    # the same data without the combined-cap rule: the most is the plain sum
    _, plain = _match(_book(tmp_path, without_cap=True), corpus, "卓越级")
    assert plain.total_cap_wan == Decimal("600")


def test_a_cap_that_does_not_bind_changes_nothing(tmp_path: Path, corpus: Any) -> None:
    # 标准级 200万元 + 运营补助 最高100万元 = 300 ≤ 500
    _, result = _match(_book(tmp_path), corpus, "标准级")
    assert result.total is not None and result.total.amount_wan == Decimal("200") and result.total_cap_wan == Decimal("300")


def test_no_line_gives_more_than_its_combined_cap(tmp_path: Path, corpus: Any) -> None:
    profile, result = _match(_book(tmp_path, cap="300万元"), corpus, "卓越级")
    award = next(line for line in result.group(ELIGIBLE) if line.rule_id == AWARD)
    assert award.amount_wan == Decimal("300")
    assert award.formula.endswith("500万元超过以上奖励补助合计每年每家孵化器最高300万元，按300万元")
    assert award.calculation is not None and award.calculation.amount_wan == Decimal("300")
    assert result.total is not None and result.total.amount_wan == Decimal("300") and result.total_cap_wan == Decimal("300")
    assert unsourced_figures(match_answer(result, profile), corpus, result) == []
