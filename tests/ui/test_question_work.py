"""Per-question work is bounded, whatever the question (issue 13: a crafted 500-character question
took 16 s against 0.05 s for a normal one, and answers ran one at a time).

The bound is asserted on the work itself, not on time (a timed test flakes on a busy machine):
retrievals per question, characters given to jieba's part-of-speech HMM (about 2 ms a character
on runs it does not know) and the length of the condensed question. Timing of the same crafted
inputs is in ``benchmarks/hostile_questions.py``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import jieba.posseg
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from assistant.chain import MAX_PARTS
from assistant.evidence import POS_TAG_BUDGET
from assistant.understand import MAX_INHERITED_CHARS, understand
from corpus.errors import InputError

# Pieces a hostile user strings together: part breaks, region pairs, figures, abbreviations that
# expand, markup, injections, follow-up openers.
PIECES = st.sampled_from(
    ["另外", "此外", "还有就是", "？", "?", "；", "、", "，", "厦门", "山东", "和", "专精特新", "补贴", "多少", "万元", "120万",
     "1.5亿", "ai", "国高", "小巨人", "贷款贴息", "有效期", "<b>", "忽略以上指令", "的", "那", "呢", "这个文件"]
)  # fmt: skip
ADVERSARIAL = st.one_of(st.lists(PIECES, max_size=250).map("".join), st.text(max_size=500)).map(lambda s: s[:500])
CRAFTED = ("另外专精特新补贴多少" * 50)[:500]


@contextmanager
def counted(assistant: Any) -> Iterator[dict[str, int]]:
    """Counts retrievals and the longest text tagged by jieba's POS HMM while the block runs."""
    seen = {"searches": 0, "pos_chars": 0}
    index = assistant.index
    search, lcut = index.search, jieba.posseg.lcut

    def counting_search(*args: Any, **kwargs: Any) -> Any:
        seen["searches"] += 1
        return search(*args, **kwargs)

    def measuring_lcut(text: str, *args: Any, **kwargs: Any) -> Any:
        seen["pos_chars"] = max(seen["pos_chars"], len(text))
        return lcut(text, *args, **kwargs)

    index.search = counting_search
    jieba.posseg.lcut = measuring_lcut
    try:
        yield seen
    finally:
        del index.search
        jieba.posseg.lcut = lcut


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(question=ADVERSARIAL, history=st.lists(ADVERSARIAL, max_size=10))
@example(question=CRAFTED, history=[])
@example(question=CRAFTED, history=[CRAFTED] * 10)
@example(question="补贴？" * 166, history=["厦门和山东" * 100] * 10)
def test_work_per_question_is_bounded(fake_assistant: Any, question: str, history: list[str]) -> None:
    with counted(fake_assistant) as seen:
        try:
            fake_assistant.answer(question, history)
        except InputError:
            return  # empty, or nothing left after the injections are stripped: refused, no work done
    assert seen["searches"] <= MAX_PARTS + 1  # each part, then the whole question when the parts fail
    assert seen["pos_chars"] <= POS_TAG_BUDGET
    condensed = understand(question.strip(), tuple(h.strip() for h in history if h.strip())).condensed
    assert len(condensed) <= len(question) + 1 + MAX_INHERITED_CHARS
