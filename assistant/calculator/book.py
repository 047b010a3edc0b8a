"""The rule book: every rule loaded and validated from the rules directory, by id and by clause, ranked for a question."""

from __future__ import annotations

import difflib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import (
    ValidationError,
)

from assistant.calculator.facts import cued_inputs
from assistant.calculator.kinds import _RULE_ADAPTER, NoRule
from assistant.calculator.rules import Rule
from assistant.calculator.wording import (
    _FACT_WEIGHT,
    _covered_length,
    _denied,
    _is_denied,
    _plain,
    _received_spans,
    _set_aside_spans,
    _taken,
    _with_policy_text,
    asks_total,
)
from corpus.documents import YAML_LOADER
from corpus.errors import RuleError
from corpus.settings import RULES_DIR

NO_RULE_FILE = "_no_rule.yaml"

# ---------------------------------------------------------------- the rule book


@dataclass(frozen=True, slots=True)
class RuleBook:
    """All rules, by id and by clause, and the money figures recorded as having no rule."""

    rules: tuple[Rule, ...]
    no_rule: tuple[NoRule, ...] = ()
    _by_id: dict[str, Rule] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._by_id.update({r.id: r for r in self.rules})

    def __iter__(self) -> Iterator[Rule]:
        return iter(self.rules)

    def __len__(self) -> int:
        return len(self.rules)

    def get(self, rule_id: str) -> Rule:
        """The rule with this id; an unknown id raises RuleError listing close matches."""
        try:
            return self._by_id[rule_id]
        except KeyError:
            close = difflib.get_close_matches(rule_id, list(self._by_id), n=5, cutoff=0.4)
            close += [i for i in self._by_id if rule_id and rule_id in i and i not in close][:5]
            hint = f"did you mean {close!r}?" if close else f"known rules: {sorted(self._by_id)!r}"
            raise RuleError(
                f"no rule with id {rule_id!r}; {hint}",
                message_zh=f"未找到计算规则“{rule_id}”" + (f"，您是否要找：{'、'.join(close)}" if close else "") + "。",
            ) from None

    def for_clause(self, clause_id: str) -> tuple[Rule, ...]:
        """Rules read from this clause, or restated in it (a FAQ answer repeating the terms)."""
        return tuple(r for r in self.rules if r.clause_id == clause_id or any(x.clause_id == clause_id for x in r.restated_in))

    def select(self, question: str, clause_ids: Sequence[str]) -> list[Rule]:
        """The rules of the given clauses, those the question points at most strongly first.

        A rule's weight is its cue words and the subjects it applies to (``score``), plus the facts
        the question states that the rule takes as inputs. Ties keep the clause order given
        (retrieval's ranking) and the file order within a clause.
        """
        return [r for _, r in self.ranked(question, clause_ids)]

    def ranked(self, question: str, clause_ids: Sequence[str], *, total: bool | None = None, focus: str = "") -> list[tuple[int, Rule]]:
        """``select`` with each rule's weight, best first. ``focus`` is the words of a follow-up
        itself ("要是被认定为重大研发机构呢？"): they count again, over the conversation's."""

        if total is None:
            total = asks_total(question)
        seen: dict[str, tuple[int, Rule]] = {}
        for cid in _with_policy_text(clause_ids):
            for r in self.for_clause(cid):
                if r.id not in seen:
                    seen[r.id] = (len(seen), r)
        weighted = []
        for order, r in seen.values():
            facts = [k for k in cued_inputs(question, r) if k != "tier"]
            own = self.score(focus, r, total=total) if focus else 0
            weighted.append((self.score(question, r, total=total) + own + _FACT_WEIGHT * len(facts), order, r))
        weighted.sort(key=lambda e: (-e[0], e[1]))
        return [(w, r) for w, _, r in weighted]

    @staticmethod
    def score(question: str, rule: Rule, *, total: bool = False) -> int:
        """How strongly a question points at a rule by its words.

        Cue words count twice their length, each stretch of the question once (全国重点实验室 is
        not also 重点实验室 and 实验室); tier names and the subjects the rule applies to count their
        length, and a subject the question denies ("既不是三高也不是民营企业") counts against the
        rule and for the rule whose ``not_for`` names it. Unless a total is asked, words in a
        sentence about an award already received ("认定时拿了100万初创期补助") do not count: the
        question is about something else.
        """
        text = _plain(question)
        taken = _taken(text, [*_set_aside_spans(text), *([] if total else _received_spans(text))])
        s = 2 * _covered_length(text, rule.cues, taken)
        s += _covered_length(text, [t.name for t in rule.tiers()], taken)
        denied = _denied(text)
        for subject in rule.applies_to:
            word = _plain(subject)
            if _is_denied(word, denied):
                s -= 2 * len(word)
            elif word in text:
                s += len(word)
        for subject in rule.not_for:
            word = _plain(subject)
            if _is_denied(word, denied):
                s += 2 * len(word)
            elif word in text:
                s -= len(word)
        return s

    @staticmethod
    def cue_score(question: str, rule: Rule) -> int:
        """The weight of the rule's own cue words and tier names alone (not whom it applies to)."""
        text = _plain(question)
        taken = _taken(text, _set_aside_spans(text))
        return 2 * _covered_length(text, rule.cues, taken) + _covered_length(text, [t.name for t in rule.tiers()], taken)

    def overlapping(self, rule_id: str) -> tuple[Rule, ...]:
        """Rules the data marks as covering the same matter as this one (就高不重复 applies)."""
        rule = self.get(rule_id)
        ids = set(rule.overlaps) | {r.id for r in self.rules if rule_id in r.overlaps}
        return tuple(r for r in self.rules if r.id in ids)


def load_rules(rules_dir: Path = RULES_DIR) -> RuleBook:
    """Load and validate every ``*.yaml`` rule file of ``rules_dir`` and ``_no_rule.yaml``.

    A malformed file or rule raises ``RuleError`` naming the file and the rule.
    """
    paths = sorted(p for p in Path(rules_dir).glob("*.yaml") if not p.name.startswith("_"))
    if not paths:
        raise RuleError(
            f"no rule files (*.yaml) in {str(rules_dir)!r}; draft them with `policyqa rules draft DOC`"
            " or point POLICYQA_DOCUMENTS_DIR at a folder with a rules/ subfolder"
        )
    rules: list[Rule] = []
    for path in paths:
        data = _read_yaml(path)
        if not isinstance(data, dict) or not isinstance(data.get("rules"), list) or not data.get("doc_id"):
            raise RuleError(f"{path.name}: a rule file is a mapping with doc_id and a list under 'rules'; fix its layout")
        doc_id = str(data["doc_id"])
        reviewed = data.get("reviewed", True)  # a drafted file says `reviewed: false` until a person has checked it
        if not isinstance(reviewed, bool):
            raise RuleError(f"{path.name}: 'reviewed' must be true or false, got {reviewed!r}")
        for n, raw in enumerate(data["rules"], start=1):
            rid = raw.get("id", f"#{n}") if isinstance(raw, dict) else f"#{n}"
            if isinstance(raw, dict) and not reviewed:
                raw = {**raw, "reviewed": False}
            try:
                rule = _RULE_ADAPTER.validate_python(raw)
            except ValidationError as e:
                problems = "; ".join(f"{'.'.join(str(x) for x in err['loc'])}: {err['msg']}" for err in e.errors())
                raise RuleError(f"{path.name}: rule {rid!r} is invalid: {problems}; fix the rule") from e
            if not rule.clause_id.startswith(doc_id + "/"):
                raise RuleError(
                    f"{path.name}: rule {rid!r} has clause_id {rule.clause_id!r} outside document {doc_id!r}; move it or fix the id"
                )
            if any(r.id == rule.id for r in rules):
                raise RuleError(f"{path.name}: rule id {rule.id!r} is used twice; ids must be unique across files")
            rules.append(rule)
    ids = {r.id for r in rules}
    for r in rules:
        refs = list(r.overlaps) + list(getattr(r, "members", ()))
        unknown = [x for x in refs if x not in ids]
        if unknown:
            raise RuleError(f"rule {r.id!r} refers to unknown rules {unknown!r}; fix overlaps/members")
    no_rule: list[NoRule] = []
    extra = Path(rules_dir) / NO_RULE_FILE
    if extra.exists():
        data = _read_yaml(extra)
        entries = data.get("entries") if isinstance(data, dict) else None
        if not isinstance(entries, list):
            raise RuleError(f"{NO_RULE_FILE}: expected a mapping with a list under 'entries'")
        for n, raw in enumerate(entries, start=1):
            try:
                no_rule.append(NoRule.model_validate(raw))
            except ValidationError as e:
                raise RuleError(f"{NO_RULE_FILE}: entry {n} is invalid: {e.errors()[0]['msg']}; give clause_id, span and reason") from e
    return RuleBook(tuple(rules), tuple(no_rule))


def _read_yaml(path: Path) -> Any:
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=YAML_LOADER)
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as e:
        raise RuleError(f"{path.name}: cannot read the rule file: {e}") from e
