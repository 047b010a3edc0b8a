"""The rules are proved against the clauses they were read from.

Each rule's source span is an exact substring of its clause; every number of the rule (amounts,
rates, caps, thresholds, years, counts) is printed in that span; and every clause that states an
amount of money has a rule for it or a recorded reason in ``corpus/documents/rules/_no_rule.yaml``.
"""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest

from assistant.calculator import KINDS, RuleBook, find_mentions, load_rules, parse_cn_number
from assistant.calculator.draft import draft_rules
from corpus.documents import Corpus, load_corpus
from corpus.errors import RuleError
from corpus.settings import DOCUMENTS_DIR, RULES_DIR

RULES = load_rules()
CORPUS = load_corpus(DOCUMENTS_DIR)
# rules drafted from the text (`policyqa rules draft`) are held to the same provenance
DRAFTED = [r for d in CORPUS.documents for r in draft_rules(d, CORPUS.clauses_of(d.id))]

_ARABIC = re.compile(r"\d+(?:\.\d+)?")
_CHINESE = re.compile(r"[零〇一二两三四五六七八九十百千]+")


def span_numbers(span: str) -> set[Decimal]:
    """Every number printed in a span, in Arabic (2000, 7, 0.5) or Chinese (两, 二, 十五) numerals."""
    found = {Decimal(m.group()) for m in _ARABIC.finditer(span)}
    for m in _CHINESE.finditer(span):
        try:
            found.add(parse_cn_number(m.group()))
        except ValueError:
            continue
    return {d.normalize() for d in found}


def money_mentions(text: str) -> list[tuple[int, int, str]]:
    """Every amount of money a clause states (…元, …万元, …亿元, 10万（含）)."""
    return [(m.start, m.end, m.text) for m in find_mentions(text) if m.kind == "money"]


def _covered(corpus: Corpus, book: RuleBook, clause_id: str) -> list[tuple[int, int]]:
    text = corpus.clause(clause_id).text
    spans = [r.source_span for r in book.rules if r.clause_id == clause_id]
    spans += [x.span for r in book.rules for x in r.restated_in if x.clause_id == clause_id]
    spans += [n.span for n in book.no_rule if n.clause_id == clause_id]
    out = []
    for s in spans:
        start = text.find(s)
        while start >= 0:
            out.append((start, start + len(s)))
            start = text.find(s, start + 1)
    return out


MONEY_CLAUSES = [c.id for c in CORPUS.clauses if money_mentions(c.text)]


@pytest.mark.parametrize("rule", [*RULES.rules, *DRAFTED], ids=lambda r: r.id)
def test_source_span_is_a_substring_of_its_clause(rule) -> None:
    clause = CORPUS.clause(rule.clause_id)
    assert rule.source_span in clause.text
    for restated in rule.restated_in:
        assert restated.span in CORPUS.clause(restated.clause_id).text


@pytest.mark.parametrize("rule", [*RULES.rules, *DRAFTED], ids=lambda r: r.id)
def test_every_number_of_a_rule_is_printed_in_its_source_span(rule) -> None:
    printed = span_numbers(rule.source_span)
    for number in rule.numbers():
        assert number.normalize() in printed, f"{rule.id}: {number} is not in “{rule.source_span}”"


@pytest.mark.parametrize("clause_id", MONEY_CLAUSES)
def test_every_amount_a_clause_states_has_a_rule_or_a_recorded_reason(clause_id: str) -> None:
    text = CORPUS.clause(clause_id).text
    covered = _covered(CORPUS, RULES, clause_id)
    left_out = [m for s, e, m in money_mentions(text) if not any(a <= s and e <= b for a, b in covered)]
    assert not left_out, f"{clause_id}: {left_out} stated but neither a rule nor listed in _no_rule.yaml"


def test_the_money_clause_list_is_not_empty_and_includes_the_known_ones() -> None:
    # a check on the check: the regex must see the clauses the issue names
    for cid in (
        "xm-zjtx-2024/二/（六）/15",
        "xm-kjcx-jd/四/（三）/7",
        "xm-sangao-faq/补贴研发设备使用费用/政策原文",
        "xm-kjfwy-2025/二",
    ):
        assert cid in MONEY_CLAUSES
    assert len(MONEY_CLAUSES) >= 30


@pytest.mark.parametrize("entry", RULES.no_rule, ids=lambda n: f"{n.clause_id}:{n.span[:12]}")
def test_each_no_rule_entry_quotes_its_clause_and_covers_an_amount(entry) -> None:
    text = CORPUS.clause(entry.clause_id).text
    assert entry.span in text
    assert money_mentions(entry.span), f"{entry.span!r} states no amount: the entry is stale"
    assert entry.reason.strip()


def test_a_clause_with_an_amount_left_out_fails_the_coverage_check() -> None:
    # the coverage test must be able to fail: drop the 1500万元 rule and the clause is uncovered
    book = RuleBook(tuple(r for r in RULES.rules if r.clause_id != "xm-kjfwy-2025/二"), RULES.no_rule)
    covered = _covered(CORPUS, book, "xm-kjfwy-2025/二")
    text = CORPUS.clause("xm-kjfwy-2025/二").text
    assert [m for s, e, m in money_mentions(text) if not any(a <= s and e <= b for a, b in covered)] == ["1500万元"]


def test_every_kind_the_documents_need_is_present() -> None:
    used = {r.kind for r in RULES}
    # the seeds use every kind but the two only real pages from elsewhere need (a schedule by bands,
    # a share of a base per person and month): those are drafted from them (test_calculator_properties)
    assert used == set(KINDS) - {"bands", "share_per_unit"}


def test_overlaps_are_between_rules_of_one_region() -> None:
    # 就高不重复 is each document's own rule for its region: an overlap never crosses regions
    for rule in RULES:
        region = CORPUS.clause(rule.clause_id).document.region
        for other in RULES.overlapping(rule.id):
            assert CORPUS.clause(other.clause_id).document.region == region, (rule.id, other.id)


def test_rule_files_are_one_per_document() -> None:
    files = {p.stem for p in Path(RULES_DIR).glob("*.yaml") if not p.name.startswith("_")}
    assert files == {d.id for d in CORPUS.documents}
    for rule in RULES:
        assert rule.clause_id.split("/")[0] in files


def test_ids_are_unique_and_readable() -> None:
    ids = [r.id for r in RULES]
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"[a-z0-9-]+", i) for i in ids)


_GOOD = """doc_id: xm-zjtx-2024
rules:
  - id: zjtx-x
    clause_id: xm-zjtx-2024/二/（六）/15
    kind: fixed
    title: t
    source_span: 单家企业最高30万元
    cues: [x]
    amount: 30万元
"""


@pytest.mark.parametrize(
    ("text", "says"),
    [
        (_GOOD.replace("amount: 30万元", "amount: 30"), "zjtx-x"),  # no unit
        (_GOOD.replace("kind: fixed", "kind: fixd"), "zjtx-x"),  # unknown kind
        (_GOOD.replace("    cues: [x]\n", ""), "cues"),
        (_GOOD + "    surprise: 1\n", "surprise"),  # extra keys are typos
        (_GOOD.replace("xm-zjtx-2024/二", "xm-kjcx-jd/二"), "outside document"),
        (_GOOD + _GOOD.split("rules:\n")[1], "used twice"),
        (_GOOD + "    overlaps: [nope]\n", "nope"),
        ("rules: []\n", "doc_id"),
        ("doc_id: x\nrules: [\n", "cannot read"),
    ],
)
def test_a_bad_rule_file_raises_rule_error_naming_file_and_rule(tmp_path: Path, text: str, says: str) -> None:
    (tmp_path / "bad.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(RuleError) as e:
        load_rules(tmp_path)
    assert "bad.yaml" in str(e.value) or "nope" in str(e.value)
    assert says in str(e.value)


def test_a_good_minimal_file_loads(tmp_path: Path) -> None:
    (tmp_path / "ok.yaml").write_text(_GOOD, encoding="utf-8")
    book = load_rules(tmp_path)
    assert [r.id for r in book] == ["zjtx-x"]
    assert book.no_rule == ()


def test_an_empty_rules_directory_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(RuleError, match="no rule files"):
        load_rules(tmp_path)


def test_the_number_check_catches_a_number_the_span_does_not_print() -> None:
    from assistant.calculator import Amount

    rule = RULES.get("zjtx-15-credit-insurance")
    wrong = rule.model_copy(update={"cap": Amount.model_validate("35万元")})
    assert Decimal(35) in wrong.numbers()
    assert Decimal(35) not in span_numbers(wrong.source_span)


def test_span_numbers_reads_chinese_numerals() -> None:
    assert {Decimal(2), Decimal(50), Decimal(30)} <= span_numbers("每家企业每年最多补两台套且补贴金额最高50万元，按30%")
    assert Decimal(2) in span_numbers("达到二级以上")
