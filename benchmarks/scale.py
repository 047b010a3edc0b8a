"""The index at 200,000 clauses: build time, start time, query p50/p95 and memory. Prints figures.

    python benchmarks/scale.py [--clauses 200000] [--queries 100] [--dir var/bench-scale] [--chroma embedded|server]

The corpus is synthetic, generated at run time (never committed) from the real clauses'
sentences, so its terms and their statistics look like real policy text: 400 documents (copies of
the real documents' metadata under new ids and regions), each clause 1-4 real sentences drawn
with a fixed seed. Vectors are computed in bulk: every distinct real sentence is embedded once
with the configured model and a clause's vector is the normalised mean of its sentences' vectors
(a stand-in with the geometry of real vectors; embedding 200,000 clauses one by one would take
hours on two cores: the real rate is measured on a sample and the full time extrapolated).
Then: build (BM25 + Chroma upsert, through ``ClauseIndex.build``), a fresh process opening the
built index (start time, memory), and the questions of eval/faq.jsonl searched (hybrid, and
scoped to one region as the assistant does).

``--chroma server``: the same against a Chroma server that the script starts (``chroma run`` of
the installed chromadb over ``--dir``/chroma, a free port of 127.0.0.1): build through the HTTP
client, then the server is stopped and started again over the built data (its start time is
reported), and the fresh query process opens the index through it. ``--phase query --chroma
server`` serves a store that an embedded build wrote (the on-disk format is the same). The server's memory is its
own process's peak (VmHWM), reported beside the query process's.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
DOCS = 400
SEED = 14


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))]


def _peak_rss_mb() -> float:
    # VmHWM, not getrusage: ru_maxrss survives exec, so a child would report its parent's peak.
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _process_peak_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_chroma_server(path: Path, port: int) -> tuple[subprocess.Popen[bytes], float]:
    """``chroma run`` over ``path`` on 127.0.0.1:``port``; (process, seconds until its heartbeat answered)."""
    import urllib.request

    path.mkdir(parents=True, exist_ok=True)
    log = (path.parent / "chroma-server.log").open("ab")
    cmd = [str(Path(sys.executable).with_name("chroma")), "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
    while time.perf_counter() - t0 < 600:
        if proc.poll() is not None:
            raise SystemExit(f"chroma run exited with {proc.returncode}; see {path.parent / 'chroma-server.log'}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=2):
                return proc, time.perf_counter() - t0
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("the Chroma server did not answer within 600 s")


def stop_chroma_server(proc: subprocess.Popen[bytes]) -> None:
    from throughput import stop  # benchmarks/ is the script's own directory

    stop(proc, timeout=60)


def _client(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    """The embedded store under --dir, or the HTTP client of the server on --chroma-port."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    if args.chroma == "server":
        return chromadb.HttpClient(host="127.0.0.1", port=args.chroma_port, settings=chroma_settings)
    return chromadb.PersistentClient(path=str(args.dir / "chroma"), settings=chroma_settings)


def synthetic_corpus(n: int):  # type: ignore[no-untyped-def]
    """``n`` clauses in DOCS documents, made of the real clauses' sentences, and the sentences of each."""
    from corpus.documents import Corpus, load_corpus
    from corpus.records import Clause
    from corpus.settings import Settings
    from index.text import split_sentences

    real = load_corpus(Settings().documents_dir)
    sentences = sorted({s for c in real.clauses for s in split_sentences(c.text) if len(s) > 4})
    regions = ["福建省厦门市", "山东省", "山东省济南市", "福建省福州市", "广东省深圳市", "浙江省杭州市", "江苏省苏州市", "四川省成都市"]
    rng = random.Random(SEED)
    documents = []
    for j in range(DOCS):
        base = real.documents[j % len(real.documents)]
        documents.append(
            dataclasses.replace(
                base, id=f"syn-{j:04d}", title=f"{base.title}（合成{j:04d}）", region=regions[j % len(regions)], doc_no=None
            )
        )
    clauses, parts = [], []
    per_doc = -(-n // DOCS)
    for i in range(n):
        d = documents[i // per_doc]
        picked = rng.sample(range(len(sentences)), rng.randint(1, 4))
        text = "".join(sentences[k] for k in picked)
        k = i % per_doc + 1
        clauses.append(Clause(id=f"{d.id}/{k}", document=d, labels=(f"{k}.",), titles=(f"第{k}条",), label=f"第{k}条", text=text, order=k))
        parts.append(picked)
    return Corpus(tuple(documents), tuple(clauses)), sentences, parts


class BulkVectors:
    """Embeddings for the build: precomputed passage vectors by text; queries by the real model."""

    def __init__(self, vectors: dict[str, list[float]], model: object) -> None:
        self.vectors, self.model = vectors, model
        self.name = getattr(model, "name", "model")

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return [self.vectors[t] for t in texts]

    def embed_query(self, text: str) -> list[float]:
        return self.model.embed_query(text)  # type: ignore[attr-defined]


def build(args: argparse.Namespace) -> None:
    import numpy as np

    from corpus.settings import Settings
    from index import load_embeddings
    from index.store import ClauseIndex, pieces_of

    settings = Settings()
    t0 = time.perf_counter()
    corpus, sentences, parts = synthetic_corpus(args.clauses)
    print(
        f"synthetic corpus: {len(corpus.clauses)} clauses, {len(corpus.documents)} documents, "
        f"{sum(len(c.text) for c in corpus.clauses) / 1e6:.1f} M characters, "
        f"from {len(sentences)} real sentences ({time.perf_counter() - t0:.1f} s)"
    )
    model = load_embeddings(settings)
    t0 = time.perf_counter()
    sentence_vectors = np.asarray(model.embed_documents(sentences), dtype=np.float32)
    sentence_s = time.perf_counter() - t0
    sample = [p.embed_text for c in corpus.clauses[:128] for p in pieces_of(c, settings.chunk_chars)]
    t0 = time.perf_counter()
    model.embed_documents(sample)
    rate = len(sample) / (time.perf_counter() - t0)
    print(
        f"embedding: {len(sentences)} sentences in {sentence_s:.1f} s; real clause rate {rate:.1f} pieces/s "
        f"(all {len(corpus.clauses)} clauses one by one would take {len(corpus.clauses) / rate / 3600:.1f} h)"
    )
    vectors: dict[str, list[float]] = {}
    for c, picked in zip(corpus.clauses, parts, strict=True):
        v = sentence_vectors[picked].mean(axis=0)
        v = (v / np.linalg.norm(v)).tolist()
        for p in pieces_of(c, settings.chunk_chars):
            vectors[p.embed_text] = v
    client = _client(args)
    t0 = time.perf_counter()
    index = ClauseIndex(
        corpus,
        BulkVectors(vectors, model),  # type: ignore[arg-type]
        client,
        model_name=f"synthetic-{args.clauses}",
        chunk_chars=settings.chunk_chars,
        bm25_dir=args.dir / "bm25",
    )
    bm25_s = time.perf_counter() - t0
    summary = index.build(batch=5000)
    print(
        f"build: BM25 {bm25_s:.1f} s; Chroma {summary.pieces} pieces ({summary.embedded} written) in {summary.seconds:.1f} s; "
        f"peak memory {_peak_rss_mb():.0f} MB"
    )


def query(args: argparse.Namespace) -> None:
    """In a fresh process: open the built index, then search."""
    t_start = time.perf_counter()
    from corpus.settings import Settings
    from index import LazyEmbeddings
    from index.store import ClauseIndex

    settings = Settings()
    corpus, _, _ = synthetic_corpus(args.clauses)
    t_corpus = time.perf_counter() - t_start
    client = _client(args)
    index = ClauseIndex(
        corpus,
        LazyEmbeddings(settings),
        client,
        model_name=f"synthetic-{args.clauses}",
        chunk_chars=settings.chunk_chars,
        bm25_dir=args.dir / "bm25",
    )
    current = index.is_current()
    questions = [
        json.loads(line)["question"] for line in (REPO / "eval" / "faq.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()
    ]
    index.search(questions[0], k=5)
    start = time.perf_counter() - t_start
    print(f"start (fresh process: generate corpus {t_corpus:.1f} s, open index, check current={current}, first search): {start:.1f} s")
    for label, regions in (("hybrid, all regions", None), ("hybrid, one region", ["厦门"])):
        times = []
        for q in questions[: args.queries]:
            t0 = time.perf_counter()
            index.search(q, k=5, regions=regions)
            times.append((time.perf_counter() - t0) * 1000)
        print(f"query {label}: p50 {statistics.median(times):.0f} ms, p95 {_percentile(times, 95):.0f} ms ({len(times)} questions)")
    print(f"query process peak memory: {_peak_rss_mb():.0f} MB")


def _query_in_fresh_process(args: argparse.Namespace) -> None:
    cmd = [sys.executable, __file__, "--phase", "query", "--clauses", str(args.clauses), "--queries", str(args.queries)]
    cmd += ["--dir", str(args.dir), "--chroma", args.chroma, "--chroma-port", str(args.chroma_port)]
    subprocess.run(cmd, check=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clauses", type=int, default=200_000)
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--dir", type=Path, default=REPO / "var" / "bench-scale")
    parser.add_argument("--phase", choices=["all", "build", "query"], default="all")
    parser.add_argument("--chroma", choices=["embedded", "server"], default="embedded", help="embedded store, or a Chroma server")
    parser.add_argument("--chroma-port", type=int, default=0, help="(internal) the port of the server the script started")
    args = parser.parse_args()
    print(f"Chroma: {args.chroma}")
    if args.chroma == "embedded" or args.chroma_port:  # the embedded store, or the query child of a server run
        if args.phase in ("all", "build"):
            build(args)
        if args.phase == "query":
            query(args)
        elif args.phase == "all":
            _query_in_fresh_process(args)
        return
    # A server started here over the same directory as the embedded store (one on-disk format:
    # `--phase query --chroma server` serves what an embedded build wrote): built through it,
    # then restarted over the built data for the queries.
    args.chroma_port = _free_port()
    server, up_s = start_chroma_server(args.dir / "chroma", args.chroma_port)
    print(f"Chroma server: up in {up_s:.1f} s ({'empty' if args.phase != 'query' else 'over the built data'}), port {args.chroma_port}")
    try:
        if args.phase in ("all", "build"):
            build(args)
            print(f"Chroma server after the build: peak memory {_process_peak_mb(server.pid):.0f} MB")
        if args.phase == "all":
            stop_chroma_server(server)
            server, up_s = start_chroma_server(args.dir / "chroma", args.chroma_port)
            print(f"Chroma server: restarted over the built data, up in {up_s:.1f} s")
        if args.phase in ("all", "query"):
            _query_in_fresh_process(args)
            print(f"Chroma server after the queries: peak memory {_process_peak_mb(server.pid):.0f} MB (since its start)")
    finally:
        stop_chroma_server(server)


if __name__ == "__main__":
    main()
