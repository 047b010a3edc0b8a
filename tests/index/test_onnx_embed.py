"""The ONNX embedding path against the sentence-transformers reference, on real text.

The vectors must point the same way (cosine ≥ 0.999 per text; measured ≥ 0.99999), the token ids
must be the reference tokenizer's, and held-out retrieval must not get worse. The index name
carries the backend, so switching backends never mixes vectors.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from corpus.documents import load_corpus
from corpus.errors import ModelError
from corpus.settings import DOCUMENTS_DIR, Settings
from index.embeddings import embedding_name
from index.onnx_embed import OnnxEmbedder, backend_suffix, export_onnx, is_exported, onnx_file
from index.onnx_table import EMBEDS_INPUT, is_split, split_table
from index.store import pieces_of

REPO = Path(__file__).resolve().parents[2]
MIN_COSINE = 0.999


def _questions(name: str) -> list[dict[str, object]]:
    lines = (REPO / "eval" / name).read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def _texts() -> tuple[list[str], list[str]]:
    """Every clause piece as the index embeds it, and questions (with edge cases)."""
    corpus = load_corpus(DOCUMENTS_DIR)
    passages = [p.embed_text for c in corpus.clauses for p in pieces_of(c, 400)]
    questions = [str(q["question"]) for q in _questions("faq.jsonl")]
    edge = ["<s>不是特殊符号</s>", "A", "专精特新" * 300, "研发费用 加计扣除\n\n  贴息？", "😀 emoji 与全角，标点！"]
    return passages, questions + edge


@pytest.fixture(scope="module")
def model_dir() -> Path:
    from index.e5_model import ensure_model

    folder = ensure_model(Settings(data_dir=REPO / "var"))
    split_table(export_onnx(folder))  # as set-up does: the reference tests below run the split graph
    return folder


@pytest.fixture(scope="module")
def embedders(model_dir: Path) -> tuple[object, OnnxEmbedder]:
    from index.e5_model import load_embedder

    return load_embedder(model_dir), OnnxEmbedder(model_dir)


@pytest.mark.slow
def test_onnx_vectors_agree_with_sentence_transformers(embedders: tuple[object, OnnxEmbedder]) -> None:
    reference, onnx = embedders
    passages, questions = _texts()
    for ours, theirs in (
        (onnx.embed_passages(passages), reference.embed_passages(passages)),  # type: ignore[attr-defined]
        (onnx.embed_queries(questions), reference.embed_queries(questions)),  # type: ignore[attr-defined]
    ):
        a, b = np.asarray(ours), np.asarray(theirs)
        assert a.shape == b.shape
        cosines = (a * b).sum(axis=1)
        assert cosines.min() >= MIN_COSINE, f"lowest cosine {cosines.min():.6f} at text {int(cosines.argmin())}"
        assert np.allclose(np.linalg.norm(a, axis=1), 1.0, atol=1e-5)


@pytest.mark.slow
def test_the_memory_mapped_token_table_gives_the_whole_graphs_vectors(model_dir: Path, embedders: tuple[object, OnnxEmbedder]) -> None:
    # The split graph takes the gathered rows as an input and holds no 250k-row table; its vectors
    # are bit for bit those of the whole graph (the rows fed are the table's own bytes).
    _, split = embedders
    assert split.table is not None and EMBEDS_INPUT in [i.name for i in split.session.get_inputs()]
    whole = OnnxEmbedder(model_dir, external_table=False)
    assert whole.table is None and EMBEDS_INPUT not in [i.name for i in whole.session.get_inputs()]
    passages, questions = _texts()
    passages = passages[::7]  # every 7th piece: the whole-graph session is slow to run on all of them
    assert np.array_equal(np.asarray(split.embed_passages(passages)), np.asarray(whole.embed_passages(passages)))
    assert np.array_equal(np.asarray(split.embed_queries(questions)), np.asarray(whole.embed_queries(questions)))


@pytest.mark.slow
def test_onnx_tokens_are_the_reference_tokenizers(embedders: tuple[object, OnnxEmbedder]) -> None:
    reference, onnx = embedders
    tokenizer = reference.model.tokenizer  # type: ignore[attr-defined]
    passages, questions = _texts()
    limit = reference.model.max_seq_length  # type: ignore[attr-defined]
    # every clause piece of the corpus as the index embeds it, and every question as asked
    texts = [onnx.passage_prompt + t for t in passages] + [onnx.query_prompt + t for t in questions]
    ours = onnx.tokenizer.encode_ids(texts)  # one batch: the vocabulary cut to the pieces of all of them
    for text, ids in zip(texts, ours, strict=True):
        expected = tokenizer(text, truncation=True, max_length=limit)["input_ids"]
        assert ids == expected, text[:40]


@pytest.mark.slow
def test_batching_does_not_change_a_vector(embedders: tuple[object, OnnxEmbedder]) -> None:
    _, onnx = embedders
    passages, _ = _texts()
    alone = np.asarray([onnx.embed_passages([p])[0] for p in passages[:12]])
    together = np.asarray(onnx.embed_passages(passages[:12]))  # padded to the longest
    assert ((alone * together).sum(axis=1)).min() > 0.99999


@pytest.mark.slow
def test_held_out_retrieval_is_not_worse_on_onnx(model_dir: Path, tmp_path: Path) -> None:
    from assistant.evaluation import load_questions
    from index import open_index

    corpus = load_corpus(DOCUMENTS_DIR)
    questions = [q for q in load_questions(REPO / "eval" / "retrieval.jsonl", corpus) if q.gold_ids]
    hits: dict[str, float] = {}
    for backend in ("torch", "onnx"):
        settings = Settings(data_dir=tmp_path / backend, model_dir=model_dir, embedding_backend=backend)
        index = open_index(settings, corpus=corpus)
        index.build()
        found = [any(h.clause.id in q.gold_ids for h in index.search(q.question, k=5, mode="dense")) for q in questions]
        hits[backend] = sum(found) / len(found)
    assert hits["onnx"] >= hits["torch"], hits


@pytest.mark.slow
def test_the_export_is_kept_and_redone_when_stale(model_dir: Path) -> None:
    path = onnx_file(model_dir)
    before = path.stat().st_mtime_ns
    assert export_onnx(model_dir) == path and path.stat().st_mtime_ns == before
    record = path.with_suffix(".json")
    saved = record.read_text(encoding="utf-8")
    try:
        record.write_text(json.dumps(json.loads(saved) | {"format": -1}), encoding="utf-8")
        assert not is_exported(model_dir)
        assert not is_split(path)  # the split is keyed by the export it was cut from
        with pytest.raises(ModelError, match="policyqa setup"):
            OnnxEmbedder(model_dir)
    finally:
        record.write_text(saved, encoding="utf-8")
    assert is_exported(model_dir)


@pytest.mark.slow
# int8 (table and MatMuls) is lossy and not the default: it retrieves worse (retrieval.jsonl hit@1
# 0.889 -> 0.778); its lowest cosine over these texts measured 0.953 on 2026-12-02. The bound only
# says the export is the same model, not a broken one (unrelated texts sit near 0.8).
@pytest.mark.parametrize(("mode", "min_cosine", "max_size"), [("embeddings", 0.99, 0.5), ("int8", 0.9, 0.3)])
def test_an_int8_export_runs_and_stays_close_to_fp32(
    model_dir: Path, embedders: tuple[object, OnnxEmbedder], mode: str, min_cosine: float, max_size: float
) -> None:
    # onnxruntime's quantize_dynamic could not type the fused export and raised; now it writes a
    # smaller graph whose vectors stay close to fp32's (retrieval figures: README).
    _, fp32 = embedders
    path = export_onnx(model_dir, quantize=mode)
    assert is_exported(model_dir, quantize=mode) and path != onnx_file(model_dir)
    assert path.stat().st_size < onnx_file(model_dir).stat().st_size * max_size
    quantized = OnnxEmbedder(model_dir, quantize=mode)
    assert quantized.name.endswith(backend_suffix("onnx", mode)) and backend_suffix("onnx", mode) != backend_suffix("onnx", "none")
    passages, questions = _texts()
    for ours, theirs in (
        (quantized.embed_passages(passages), fp32.embed_passages(passages)),
        (quantized.embed_queries(questions), fp32.embed_queries(questions)),
    ):
        cosines = (np.asarray(ours) * np.asarray(theirs)).sum(axis=1)
        assert cosines.min() >= min_cosine, f"lowest cosine {cosines.min():.4f} at text {int(cosines.argmin())}"


def test_the_former_bool_setting_still_means_int8_or_none(tmp_path: Path) -> None:
    assert Settings(data_dir=tmp_path, embedding_quantize=True).embedding_quantize == "int8"  # type: ignore[arg-type]
    assert Settings(data_dir=tmp_path, embedding_quantize="false").embedding_quantize == "none"  # type: ignore[arg-type]
    assert Settings(data_dir=tmp_path, embedding_quantize="embeddings").embedding_quantize == "embeddings"
    with pytest.raises(ValueError):
        Settings(data_dir=tmp_path, embedding_quantize="fp16")  # type: ignore[arg-type]


# ----------------------------------------------------------------------------- fast: no model


def _folder(tmp_path: Path, modules: list[dict[str, object]]) -> Path:
    folder = tmp_path / "model"
    folder.mkdir()
    (folder / "modules.json").write_text(json.dumps(modules), encoding="utf-8")
    return folder


def test_a_folder_with_a_dense_layer_is_refused_with_the_fix(tmp_path: Path) -> None:
    folder = _folder(
        tmp_path,
        [
            {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
            {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
            {"idx": 2, "name": "2", "path": "2_Dense", "type": "sentence_transformers.models.Dense"},
        ],
    )
    with pytest.raises(ModelError, match="POLICYQA_EMBEDDING_BACKEND=torch"):
        OnnxEmbedder(folder)


def test_an_unsupported_pooling_is_refused(tmp_path: Path) -> None:
    folder = _folder(
        tmp_path,
        [
            {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
            {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
        ],
    )
    (folder / "1_Pooling").mkdir()
    (folder / "1_Pooling" / "config.json").write_text(json.dumps({"pooling_mode": "weightedmean"}), encoding="utf-8")
    with pytest.raises(ModelError, match="pooling mode 'weightedmean'"):
        OnnxEmbedder(folder)


def test_the_index_name_carries_the_backend(tmp_path: Path) -> None:
    folder = _folder(tmp_path, [{"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"}])
    names = {
        embedding_name(Settings(data_dir=tmp_path, model_dir=folder, embedding_backend=b, embedding_quantize=q))
        for b, q in (("torch", "none"), ("onnx", "none"), ("onnx", "embeddings"), ("onnx", "int8"))
    }
    assert len(names) == 4
    assert backend_suffix("torch", False) == ""  # the reference: indexes built before keep their name
    # An export written into the folder does not rename the model.
    before = embedding_name(Settings(data_dir=tmp_path, model_dir=folder))
    (folder / "onnx").mkdir()
    (folder / "onnx" / "model.onnx").write_bytes(b"\0" * 10)
    assert embedding_name(Settings(data_dir=tmp_path, model_dir=folder)) == before
