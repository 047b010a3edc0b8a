"""Whether a clause covers what a question asks about (the no-basis decision), over the real
corpus, without the model: the words a question asks about must be in the clause, not only the
words that say who asks."""

from __future__ import annotations

import pytest

from assistant.chain import MIN_COVERAGE
from assistant.evidence import support, unquote
from corpus.documents import load_corpus
from corpus.settings import Settings
from index.store import Hit


@pytest.fixture(scope="module")
def best() -> object:
    corpus = load_corpus(Settings().documents_dir)
    text = unquote("".join(f"{c.document.title}{c.path}{c.text}" for c in corpus.clauses).lower())

    def best_for(question: str) -> tuple[str, float]:
        def coverage(clause: object) -> float:
            return support(question, Hit(clause, 1.0, None, None, None, None), None, lambda t: t in text).coverage  # type: ignore[arg-type]

        scored = [(c.id, coverage(c)) for c in corpus.clauses]
        return max(scored, key=lambda e: e[1])

    return best_for


@pytest.mark.parametrize(
    "question",
    [
        "专精特新企业稳岗补贴怎么申请",  # a benefit no document names (稳岗补贴)
        "专精特新企业社保费能减免吗",  # the clauses share only who asks
        "个人所得税汇算清缴什么时候截止啊",  # a tax procedure the documents never mention
    ],
)
def test_a_question_about_something_no_clause_has_is_not_covered(best: object, question: str) -> None:
    clause, coverage = best(question)  # type: ignore[operator]
    assert coverage < MIN_COVERAGE, (clause, coverage)


@pytest.mark.parametrize(
    ("question", "clause"),
    [
        # the same shapes, asking about what the documents do have
        ("专精特新企业场地租金补贴怎么申请", "xm-zjtx-2024/二/（六）/13"),
        ("专精特新企业信用保险保费能补多少", "xm-zjtx-2024/二/（六）/15"),
        ("三高企业人才个税奖励怎么申请", "xm-sangao-faq/提高人才个税奖励/政策原文"),
        # the company's kind is what is asked about: it still counts in full
        ("三高企业建市级重点实验室，民营企业的门槛是多少", "xm-sangao-faq/支持企业建设实验室/问答2"),
    ],
)
def test_a_question_about_what_a_clause_has_is_covered(best: object, question: str, clause: str) -> None:
    found, coverage = best(question)  # type: ignore[operator]
    assert coverage >= MIN_COVERAGE and found.startswith(clause.rsplit("/", 1)[0]), (found, coverage)
