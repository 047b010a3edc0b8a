"""Does the fast path retrieve as well as the reference? Prints figures, asserts nothing.

    python benchmarks/retrieval_quality.py [--questions FILE ...] [--variants torch onnx int8]

For each embedding variant (torch = sentence-transformers; onnx = its fp32 ONNX export; int8 =
onnxruntime's dynamic int8 quantisation of that export): the cosine of its vectors to the first
variant's on every clause and question, and retrieval hit@1 / hit@5 / MRR of the gold clause
over every question file, through the whole assistant (as `policyqa eval` scores it) and at the
index alone (dense, bm25, hybrid). Indexes live in a temporary data dir.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def _ranks(index: object, questions: list, mode: str) -> list[int | None]:
    out: list[int | None] = []
    for q in questions:
        hits = index.search(q.question, k=5, mode=mode)  # type: ignore[attr-defined]
        out.append(next((i for i, h in enumerate(hits, 1) if h.clause.id in q.gold_ids), None))
    return out


def _metrics(ranks: list[int | None]) -> str:
    n = len(ranks)
    hit1 = sum(1 for r in ranks if r == 1) / n
    hit5 = sum(1 for r in ranks if r is not None and r <= 5) / n
    mrr = sum(1 / r for r in ranks if r) / n
    return f"hit@1 {hit1:.3f}  hit@5 {hit5:.3f}  MRR {mrr:.3f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--questions", type=Path, nargs="+", default=[REPO / "eval" / "retrieval.jsonl"])
    parser.add_argument(
        "--variants", nargs="+", default=["torch", "onnx", "embeddings", "int8"], choices=["torch", "onnx", "embeddings", "int8"]
    )
    args = parser.parse_args()

    import numpy as np

    from assistant.chain import Assistant
    from assistant.evaluation import load_questions, run_eval
    from corpus.documents import load_corpus
    from corpus.settings import Settings
    from index.e5_model import ensure_model

    base = Settings()
    model_dir = ensure_model(base)
    corpus = load_corpus(base.documents_dir)
    sets = {f.name: [q for q in load_questions(f, corpus) if q.gold_ids] for f in args.questions}
    questions = [q for qs in sets.values() for q in qs]
    texts = [c.text for c in corpus.clauses]
    variants = [("torch" if v == "torch" else "onnx", v if v in ("embeddings", "int8") else "none") for v in args.variants]
    reference: tuple[np.ndarray, np.ndarray] | None = None
    with tempfile.TemporaryDirectory(prefix="policyqa-retrieval-") as tmp:
        for backend, quantize in variants:
            settings = Settings(data_dir=Path(tmp), model_dir=model_dir, embedding_backend=backend, embedding_quantize=quantize)
            bot = Assistant.from_settings(settings)
            emb = bot.index.embeddings
            passages = np.asarray(emb.embed_documents(texts))
            queries = np.asarray([emb.embed_query(q.question) for q in questions])
            label = backend + ("" if quantize == "none" else f" int8 ({quantize})")
            print(f"\n== {label}: {bot.index.name} ({bot.index.model_name})")
            if reference is None:
                reference = (passages, queries)
            else:
                cp = (passages * reference[0]).sum(axis=1)
                cq = (queries * reference[1]).sum(axis=1)
                print(
                    f"cosine to {args.variants[0]}: clauses min {cp.min():.5f} mean {cp.mean():.5f}; "
                    f"questions min {cq.min():.5f} mean {cq.mean():.5f}"
                )
            for name, qs in sets.items():
                m = run_eval(bot, qs, name=label).metrics["overall"]
                print(f"{name} ({len(qs)} questions with gold)")
                print(f"  assistant    : hit@1 {m['hit@1']:.3f}  hit@5 {m['hit@5']:.3f}  MRR {m['mrr']:.3f}")
                for mode in ("dense", "bm25", "hybrid"):
                    print(f"  index {mode:<7}: {_metrics(_ranks(bot.index, qs, mode))}")


if __name__ == "__main__":
    main()
