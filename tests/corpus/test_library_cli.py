"""`policyqa docs` and `policyqa add`'s refusals, as an operator runs them (no model needed for these)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from assistant.cli import main
from corpus.library import prepare
from corpus.settings import DOCUMENTS_DIR

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def library(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    docs = tmp_path / "documents"
    shutil.copytree(DOCUMENTS_DIR, docs)
    monkeypatch.setenv("POLICYQA_DOCUMENTS_DIR", str(docs))
    monkeypatch.setenv("POLICYQA_RULES_DIR", str(tmp_path / "rules"))
    monkeypatch.setenv("POLICYQA_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("POLICYQA_TODAY", "2026-11-23")
    return docs


def test_docs_lists_every_document_with_validity_and_review_state(library: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (library / "gz-jxjd-2019.md").write_text(
        prepare(FIXTURES / "18_广州就业见习基地管理办法_穗人社规字2019-6号.html", doc_id="gz-jxjd-2019").text
    )

    assert main(["docs"]) == 0
    out = capsys.readouterr().out
    assert "6 documents" in out
    line = next(x for x in out.splitlines() if x.startswith("gz-jxjd-2019"))
    assert "已失效" in line and "2024-10-15" in line and "pending" in line and "45 clauses" in line
    assert "reviewed" in next(x for x in out.splitlines() if x.startswith("xm-zjtx-2024"))


def test_add_refuses_a_scan_and_writes_nothing(library: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = sorted(p.name for p in library.iterdir())
    assert main(["add", str(FIXTURES / "scanned.pdf")]) == 2
    assert "no text layer" in capsys.readouterr().err
    assert sorted(p.name for p in library.iterdir()) == before


def test_add_refuses_an_id_for_several_files(library: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pages = sorted(str(p) for p in FIXTURES.glob("1*.html"))[:2]
    assert main(["add", *pages, "--id", "one-id"]) == 2
    assert "--id names one document" in capsys.readouterr().err


def test_remove_of_an_unknown_document_says_how_to_find_them(library: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["remove", "no-such-doc"]) == 2
    assert "policyqa docs" in capsys.readouterr().err


def test_prepare_reports_money_provisions_and_what_to_review() -> None:
    p = prepare(FIXTURES / "16_一次性创业补贴_市人社局.html")
    assert (p.money[0].label, p.money[0].figures) == ("第1条", ("10000元",))
    assert any("no 文号" in r for r in p.review) and any("region" in r for r in p.review)
    assert "review: pending" in p.text.split("\n---\n", 1)[0]
