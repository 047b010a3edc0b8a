"""The index with small real parts: a real Chroma in a temp dir, a deterministic fake embedder."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import chromadb
import pytest
from chromadb.config import Settings as ChromaSettings
from langchain_core.embeddings import DeterministicFakeEmbedding

from corpus.documents import load_corpus
from corpus.errors import IndexError_
from corpus.settings import Settings
from index import open_index
from index.store import index_name, pieces_of

DOC_A = """---
id: test-a
title: 测试市支持专精特新企业的若干措施
doc_no: 测规〔2024〕1号
region: 福建省厦门市
kind: policy
issued: 2024-01-01
validity_text: 本措施有效期至2025年12月31日。
effective_from: 2024-01-01
expires: 2025-12-31
source: a.txt
---

# 一、 具体措施

## 1. 支持数字化改造

1.支持数字化改造。对专精特新企业数字化改造按实际投入最高30%给予补助，单家企业最高25万元。

## 2. 支持信用保险

2.支持信用保险。对参与国内贸易信用保险的企业，按实缴保险费用40%给予补贴。

# [附则1] 有效期

本措施有效期至2025年12月31日。
"""

DOC_B = """---
id: test-b
title: 测试省科技服务业若干措施
region: 山东省
kind: policy
source: b.txt
---

# （一） 孵化器

（一）孵化器。对部级孵化器给予每家最高200万元一次性补助。
"""


def _write(tmp: Path, docs: dict[str, str]) -> Path:
    d = tmp / "docs"
    d.mkdir(exist_ok=True)
    for old in d.glob("*.md"):
        old.unlink()
    for name, text in docs.items():
        (d / name).write_text(text, encoding="utf-8")
    return d


def _open(tmp: Path, docs: dict[str, str]):
    settings = Settings(data_dir=tmp / "var", documents_dir=_write(tmp, docs))
    client = chromadb.PersistentClient(path=str(tmp / "chroma"), settings=ChromaSettings(anonymized_telemetry=False))
    return open_index(settings, embeddings=DeterministicFakeEmbedding(size=32), client=client, model_name="fake-32")


def test_build_is_idempotent_and_removes_stale_clauses(tmp_path: Path) -> None:
    idx = _open(tmp_path, {"a.md": DOC_A, "b.md": DOC_B})
    first = idx.build()
    assert (first.clauses, first.embedded, first.removed) == (4, 4, 0)
    assert idx.count() == 4 and idx.is_current()

    again = _open(tmp_path, {"a.md": DOC_A, "b.md": DOC_B}).build()
    assert (again.embedded, again.unchanged, again.removed) == (0, 4, 0)

    shrunk = _open(tmp_path, {"a.md": DOC_A})
    assert not shrunk.is_current()
    summary = shrunk.build()
    assert (summary.embedded, summary.removed) == (0, 1)
    assert shrunk.count() == 3
    assert "test-b/（一）" not in {h.clause.id for h in shrunk.search("孵化器", k=5)}


def test_changed_clause_is_re_embedded(tmp_path: Path) -> None:
    _open(tmp_path, {"a.md": DOC_A}).build()
    changed = _open(tmp_path, {"a.md": DOC_A.replace("最高30%", "最高35%")})
    summary = changed.build()
    assert summary.embedded == 1 and summary.unchanged == 2


def test_search_reports_both_rankings_and_filters(tmp_path: Path) -> None:
    idx = _open(tmp_path, {"a.md": DOC_A, "b.md": DOC_B})
    idx.build()
    hits = idx.search("数字化改造能补多少", k=3)
    top = hits[0]
    assert top.clause.id == "test-a/一/1"
    assert top.bm25 is not None and top.bm25_rank == 1 and top.dense is not None
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)

    shandong = idx.search("孵化器补助", k=5, regions=["山东"])
    assert {h.clause.document.id for h in shandong} == {"test-b"}
    # test-a expired on 2025-12-31; test-b states no validity and is kept.
    valid = idx.search("补助", k=5, valid_on=dt.date(2026, 6, 1))
    assert {h.clause.document.id for h in valid} == {"test-b"}
    assert idx.search("补助", k=5, kinds=["faq"]) == []


def test_bad_k_and_empty_index_say_what_to_do(tmp_path: Path) -> None:
    idx = _open(tmp_path, {"a.md": DOC_A})
    with pytest.raises(IndexError_, match="policyqa index"):
        idx.search("补助", mode="dense")
    with pytest.raises(IndexError_, match="k must be at least 1"):
        idx.search("补助", k=0)


def test_collection_name_is_keyed_by_model_and_chunking(tmp_path: Path) -> None:
    assert index_name("m1", 400) != index_name("m2", 400) != index_name("m1", 200)
    assert len(index_name("m1", 400)) >= 3


def test_long_clause_is_split_at_sentence_boundaries(tmp_path: Path) -> None:
    corpus = load_corpus(_write(tmp_path, {"a.md": DOC_A.replace("给予补助，", "给予补助。" * 1 + "这是一句很长的话。" * 30)}))
    clause = next(c for c in corpus.clauses if c.id == "test-a/一/1")
    pieces = pieces_of(clause, 60)
    assert len(pieces) > 1
    assert "".join(p.text for p in pieces) == clause.text
    assert all(p.text.endswith(("。", "；")) or p is pieces[-1] for p in pieces)
    assert all(p.embed_text.startswith("测试市支持专精特新企业的若干措施 一、具体措施 › 1.支持数字化改造\n") for p in pieces)
