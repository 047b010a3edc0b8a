"""Small things a person at the command line meets: the flag an error names is the real one,
``calc --help`` lists the rules, and the files the commands write are ignored by git."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from assistant.calculator import load_rules
from assistant.cli import build_parser, main

REPO = Path(__file__).resolve().parents[2]


def test_calc_help_lists_every_rule_id_and_title(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stop:
        main(["calc", "--help"])
    assert stop.value.code == 0
    out = capsys.readouterr().out
    assert "usage: policyqa calc" in out
    rules = list(load_rules())
    assert len(rules) > 10
    for r in rules:
        assert any(line.split()[:1] == [r.id] and r.title in line for line in out.splitlines()), r.id


def test_ingest_without_a_title_names_the_real_flag(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    untitled = tmp_path / "untitled.txt"  # questions and answers with no title line
    untitled.write_text("问：研发补助怎么申请？\n答：向市科技局申请。\n问：何时兑现？\n答：每年二季度。\n", encoding="utf-8")
    assert main(["ingest", str(untitled), "--out", str(tmp_path / "out"), "--kind", "faq", "--region", "福建省厦门市"]) == 2
    err = capsys.readouterr().err
    assert "--title" in err and "title=" not in err
    assert build_parser().parse_args(["ingest", "f.txt", "--title", "标题"]).title == "标题"  # the flag named is real
    assert not (tmp_path / "out").exists()  # nothing written


@pytest.mark.parametrize("path", ["ingested/x.md", "feedback.jsonl", "feedback.csv", "artifacts/chat.png", "var/chroma/x"])
def test_what_the_commands_and_tests_write_is_ignored_by_git(path: str) -> None:
    r = subprocess.run(["git", "check-ignore", "-q", path], cwd=REPO, check=False)
    assert r.returncode == 0, f"{path} is not in .gitignore"
