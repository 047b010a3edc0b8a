"""The matcher as the CLI, the API, the page and the chat use it: documents and rules loaded once,
a profile in, the Answer JSON out, every figure checked against its sources."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.calculator import RuleBook, load_rules
from assistant.match.answer import match_answer, unsourced_figures
from assistant.match.matcher import match_profile
from assistant.match.profile import CompanyProfile, profile_from_mapping
from assistant.match.records import MatchResult
from assistant.records import Answer
from corpus.documents import Corpus, load_corpus
from corpus.errors import PolicyQAError
from corpus.settings import Settings

__all__ = ["Matcher", "matcher_for", "MatchIntegrityError"]


class MatchIntegrityError(PolicyQAError):
    """A match answer states a figure no clause or calculation gives: a defect, never shown."""


@dataclass(frozen=True, slots=True)
class Matcher:
    """Documents, rules and the clock: everything a match needs (no model, no index)."""

    corpus: Corpus
    rules: RuleBook
    settings: Settings

    def levels(self) -> tuple[str, ...]:
        """The categories a company may hold: the tier names of the rules (卓越级, 重大研发机构 …)."""
        return tuple(dict.fromkeys(t.name for r in self.rules for t in r.tiers()))

    def profile(self, data: Any) -> CompanyProfile:
        return profile_from_mapping(data, known_levels=self.levels())

    def match(self, profile: CompanyProfile, *, include_ineligible: bool = False) -> tuple[MatchResult, Answer]:
        result = match_profile(profile, self.corpus, self.rules, self.settings.today_date(), include_ineligible=include_ineligible)
        answer = match_answer(result, profile, include_ineligible=include_ineligible)
        bad = unsourced_figures(answer, self.corpus, result)
        if bad:
            raise MatchIntegrityError(f"match answer states figures with no source: {bad!r}")
        return result, answer

    def run(self, data: Any, *, include_ineligible: bool = False, question: str = "") -> dict[str, Any]:
        """The Answer JSON of a profile given as data, with ``match`` (the groups) and ``profile``."""
        profile = self.profile(data)
        result, answer = self.match(profile, include_ineligible=include_ineligible)
        return as_json(answer, result, profile, question=question)


def as_json(answer: Answer, result: MatchResult, profile: CompanyProfile, *, question: str = "") -> dict[str, Any]:
    out = answer.to_dict()
    if question:
        out["question"] = question
    out["match"] = result.to_dict()
    out["profile"] = [{"label": label, "value": value} for label, value in profile.described()]
    return out


_CACHE: dict[tuple[Path, Path], tuple[Corpus, RuleBook]] = {}
_LOCK = threading.Lock()


def matcher_for(settings: Settings, corpus: Corpus | None = None) -> Matcher:
    """The matcher of these settings' documents and rules (loaded once per folder)."""
    key = (settings.documents_dir.resolve(), settings.rules_dir.resolve())
    with _LOCK:
        if key not in _CACHE:
            docs = corpus if corpus is not None else load_corpus(settings.documents_dir)
            rules = load_rules(settings.rules_dir) if any(settings.rules_dir.glob("*.yaml")) else RuleBook(())
            _CACHE[key] = (docs, rules)
        docs, rules = _CACHE[key]
    return Matcher(corpus if corpus is not None else docs, rules, settings)
