"""Benchmark the index and retrieval: build time, cold start, warm latency, memory, scale.

Usage:
    .venv/bin/python bench/bench_retrieval.py [--scales 1,10,100] [--queries 100]

Prints figures; it asserts nothing. Scaled runs replicate every passage (with
fresh ids) N times; the passages' vectors are replicated too rather than
re-embedded, so scaled build times count BM25 indexing and FAISS insertion
only, and the embedding cost is reported per passage from the real build.
"""

from __future__ import annotations

import argparse
import dataclasses
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _pcts(ms: list[float]) -> str:
    q = statistics.quantiles(ms, n=20, method="inclusive")
    return f"p50 {statistics.median(ms):6.1f} ms  p95 {q[18]:6.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default="1,10,100", help="corpus multiples to measure")
    parser.add_argument("--queries", type=int, default=100, help="eval questions to time")
    args = parser.parse_args()

    t0 = time.perf_counter()
    from qa.config import Config
    from qa.evaluation.dataset import load_dataset
    from qa.retrieval.engine import build_index

    cfg = Config.from_env().replace(corpus_dir=ROOT / "corpus")
    import_s = time.perf_counter() - t0
    if not (cfg.index_dir / "manifest.json").is_file():
        build_index(cfg, log=lambda m: None)
    questions = [i.question for i in load_dataset(ROOT / "eval" / "qa.jsonl")][: args.queries]

    engine, build_s, first_s, cold_s = _starts(cfg)
    index = engine.index
    print(f"corpus: {len(index.chunks)} chunks, {len(index.passages)} passages")
    print(f"import qa (heavy libraries load lazily) {import_s:6.2f} s")
    print(
        f"index build (embed + BM25 + save) {build_s:6.2f} s  "
        f"({len(index.passages) / build_s:.1f} passages/s)"
    )
    print(f"first start with no index         {first_s:6.2f} s")
    print(f"reopen in-process (model + index)  {cold_s:6.2f} s")
    _cold_search(cfg)
    _warm(engine, questions)

    scales = [int(s) for s in args.scales.split(",") if int(s) > 1]
    if scales:
        print("\nscale  passages  BM25+FAISS build  hybrid warm query   peak RSS")
    vectors = index.dense.reconstruct_n(0, index.dense.ntotal)
    for n in scales:
        _scaled(engine, index, vectors, n, questions[:30])


def _starts(cfg) -> tuple[object, float, float, float]:
    """The engine, and seconds for: a build, a first start with no index, a reopen."""
    from qa.retrieval.engine import build_index, open_engine

    with tempfile.TemporaryDirectory() as tmp:
        cold = time.perf_counter()
        engine = open_engine(cfg.replace(index_dir=Path(tmp) / "index"), log=lambda m: None)
        first_s = time.perf_counter() - cold  # includes the build: the index folder was empty
        started = time.perf_counter()
        build_index(
            cfg.replace(index_dir=Path(tmp) / "again"), embedder=engine.embedder, log=lambda m: None
        )
        build_s = time.perf_counter() - started
        cold = time.perf_counter()
        open_engine(cfg.replace(index_dir=Path(tmp) / "again"), log=lambda m: None)
        cold_s = time.perf_counter() - cold
    return engine, build_s, first_s, cold_s


def _cold_search(cfg) -> None:
    """A whole `qa search` process: imports, model, index, one query."""
    started = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "qa.app.cli",
            "search",
            "静岡県",
            "--no-rebuild",
            "--index",
            str(cfg.index_dir),
        ],
        check=True,
        capture_output=True,
    )
    print(
        f"cold `qa search` process (imports, model, index, one query) "
        f"{time.perf_counter() - started:6.2f} s"
    )


def _warm(engine, questions: list[str]) -> None:
    """Warm query latency per mode, the query embedding alone, and peak RSS."""
    retriever = engine.retriever
    for q in questions[:5]:
        retriever.search(q)  # warm caches
    print("\nwarm query latency over", len(questions), "eval questions:")
    for mode in ("bm25", "dense", "hybrid"):
        ms = []
        for q in questions:
            t = time.perf_counter()
            retriever.search(q, mode=mode, k=5)
            ms.append((time.perf_counter() - t) * 1000)
        print(f"  {mode:7s} {_pcts(ms)}")
    encode = []
    for q in questions:
        t = time.perf_counter()
        engine.embedder.encode_queries([q])
        encode.append((time.perf_counter() - t) * 1000)
    print(f"  (query embedding alone {_pcts(encode)})")
    print(f"peak RSS {_rss_mb():.0f} MB")


def _scaled(engine, index, vectors: np.ndarray, n: int, questions: list[str]) -> None:
    import bm25s
    import faiss

    from qa.index.passages import Passage
    from qa.index.store import Index
    from qa.retrieval.retriever import Retriever

    chunks = [
        dataclasses.replace(c, id=f"{c.id}~{copy}") for copy in range(n) for c in index.chunks
    ]
    offset = len(index.chunks)
    passages = [
        Passage(p.chunk + copy * offset, p.part, p.text)
        for copy in range(n)
        for p in index.passages
    ]
    started = time.perf_counter()
    bm25 = bm25s.BM25()
    bm25.index(engine.tokenizer.many([p.text for p in passages]), show_progress=False)
    dense = faiss.IndexFlatIP(vectors.shape[1])
    dense.add(np.tile(vectors, (n, 1)))
    build_s = time.perf_counter() - started
    scaled = Index(chunks, passages, bm25, dense, index.manifest)
    retriever = Retriever(scaled, engine.retriever.encode_query, engine.tokenizer)
    ms = []
    for q in questions:
        t = time.perf_counter()
        retriever.search(q, k=5)
        ms.append((time.perf_counter() - t) * 1000)
    print(f"{n:4d}×  {len(passages):8d}  {build_s:14.1f} s   {_pcts(ms)}  {_rss_mb():6.0f} MB")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
