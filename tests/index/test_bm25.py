"""The keyword index on bm25s against the hand-written Okapi BM25 it replaced, and its saved copy.

The reference below is the former ``index/bm25.py`` scoring loop, kept as the oracle: the new
index must give the same scores and the same order on every question of the question sets.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from corpus.documents import load_corpus
from corpus.settings import DOCUMENTS_DIR
from index.bm25 import BM25
from index.text import add_corpus_terms, tokenize

REPO = Path(__file__).resolve().parents[2]


def _okapi(items: list[tuple[str, str]], k1: float = 1.5, b: float = 0.75) -> Callable[[str], list[tuple[str, float]]]:
    docs = [(key, Counter(toks), len(toks)) for key, text in items for toks in [tokenize(text)]]
    n = len(docs)
    avgdl = sum(d[2] for d in docs) / n
    df: Counter[str] = Counter()
    for _, tf, _ in docs:
        df.update(tf.keys())
    idf = {t: math.log(1 + (n - f + 0.5) / (f + 0.5)) for t, f in df.items()}

    def rank(query: str) -> list[tuple[str, float]]:
        terms = tokenize(query)
        out = {}
        for key, tf, length in docs:
            norm = k1 * (1 - b + b * length / avgdl)
            s = sum(idf[t] * tf[t] * (k1 + 1) / (tf[t] + norm) for t in terms if tf.get(t))
            if s > 0:
                out[key] = s
        return sorted(out.items(), key=lambda kv: (-kv[1], kv[0]))

    return rank


def _items() -> list[tuple[str, str]]:
    corpus = load_corpus(DOCUMENTS_DIR)
    add_corpus_terms([c.text for c in corpus.clauses])
    return [(c.id, f"{c.document.title} {c.path}\n{c.text}") for c in corpus.clauses]


def _questions() -> list[str]:
    out = []
    for name in ("faq.jsonl", "retrieval.jsonl"):
        for line in (REPO / "eval" / name).read_text(encoding="utf-8").splitlines():
            if line.strip():
                out.append(str(json.loads(line)["question"]))
    return out


@pytest.fixture(scope="module")
def items() -> list[tuple[str, str]]:
    return _items()


def test_scores_and_order_equal_the_okapi_reference(items: list[tuple[str, str]]) -> None:
    index = BM25(items)
    reference = _okapi(items)
    for question in [*_questions(), "专精特新 专精特新 贴息", "没有任何匹配的词语zzzz"]:
        expected = reference(question)
        got = index.rank(question)
        assert [k for k, _ in got] == [k for k, _ in expected], question
        for (_, a), (_, e) in zip(got, expected, strict=True):
            assert a == pytest.approx(e, rel=1e-9)


def test_rank_filters_and_cuts(items: list[tuple[str, str]]) -> None:
    index = BM25(items)
    full = index.rank("研发费用补助")
    allowed = {k for k, _ in full[::2]}
    assert index.rank("研发费用补助", allowed) == [kv for kv in full if kv[0] in allowed]
    assert index.rank("研发费用补助", n=3) == full[:3]
    assert index.rank("研发费用补助", set()) == []


def test_idf_of_a_known_and_an_unknown_term(items: list[tuple[str, str]]) -> None:
    index = BM25(items)
    n = len(items)
    df = sum(1 for _, text in items if "贴息" in tokenize(text))
    assert index.idf("贴息") == pytest.approx(math.log(1 + (n - df + 0.5) / (df + 0.5)))
    assert index.idf("从未出现的词") == pytest.approx(math.log(1 + (n + 0.5) / 0.5))
    assert index.idf("从未出现的词") > index.idf("贴息")


def test_the_saved_index_is_reused_and_replaced_when_the_corpus_changes(items: list[tuple[str, str]], tmp_path: Path) -> None:
    first = BM25(items, directory=tmp_path)
    assert not first.loaded and (tmp_path / first.key).is_dir()
    again = BM25(items, directory=tmp_path)
    assert again.loaded and again.key == first.key
    assert again.rank("专精特新企业数字化改造") == first.rank("专精特新企业数字化改造")

    changed = [*items[:-1], (items[-1][0], items[-1][1] + "新增算力券条款。")]
    third = BM25(changed, directory=tmp_path)
    assert not third.loaded and third.key != first.key
    assert sorted(p.name for p in tmp_path.iterdir()) == [third.key]  # the old save is gone
    assert any(k == items[-1][0] for k, _ in third.rank("算力券"))


def test_a_damaged_save_is_rebuilt(items: list[tuple[str, str]], tmp_path: Path) -> None:
    first = BM25(items, directory=tmp_path)
    for f in (tmp_path / first.key).glob("*.npy"):
        f.write_bytes(b"garbage")
    again = BM25(items, directory=tmp_path)
    assert again.rank("贴息") == first.rank("贴息")


def test_an_empty_corpus_ranks_nothing(tmp_path: Path) -> None:
    index = BM25([], directory=tmp_path)
    assert index.rank("贴息") == [] and len(index) == 0
