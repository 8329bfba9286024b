"""Benchmark `qa ask`: cold start and warm per-question latency of extractive answers.

Usage:
    .venv/bin/python bench/bench_answer.py [--rounds 3] [--mode hybrid]

Loads the model and index once (as `qa ask --json -` does), builds the
answerer, then asks every question of the eval set ``--rounds`` times and
prints p50/p95 of the whole answer and of its parts (retrieval, extraction),
per question language. It asserts nothing.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _pcts(ms: list[float]) -> str:
    q = statistics.quantiles(ms, n=20, method="inclusive")
    return f"p50 {statistics.median(ms):6.1f} ms  p95 {q[18]:6.1f} ms  max {max(ms):6.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="times each question is asked")
    parser.add_argument("--mode", default="hybrid", choices=("bm25", "dense", "hybrid"))
    args = parser.parse_args()

    from qa.answer.answerer import Answerer
    from qa.config import Config
    from qa.evaluation.dataset import load_dataset
    from qa.retrieval.engine import open_engine

    cfg = Config.from_env()
    items = load_dataset(ROOT / "eval" / "qa.jsonl")
    t0 = time.perf_counter()
    engine = open_engine(cfg, rebuild=True, log=lambda m: print(m, file=sys.stderr))
    t1 = time.perf_counter()
    answerer = Answerer.from_engine(engine, mode=args.mode)
    t2 = time.perf_counter()
    answerer.answer(items[0].question)  # warm-up
    print(f"cold start: model + index {t1 - t0:.2f} s, answerer {t2 - t1:.2f} s")

    parts: dict[str, list[float]] = {"total": [], "retrieve": [], "answer": []}
    by_lang: dict[str, list[float]] = {}
    wall: list[float] = []
    for _ in range(args.rounds):
        for item in items:
            started = time.perf_counter()
            answer = answerer.answer(item.question)
            wall.append((time.perf_counter() - started) * 1000)
            for key in parts:
                parts[key].append(answer.timings_ms[key])
            by_lang.setdefault(item.lang, []).append(answer.timings_ms["total"])
    print(f"warm, {len(items)} questions × {args.rounds} rounds, mode {args.mode}:")
    print(f"  qa ask (wall)   {_pcts(wall)}")
    for key, values in parts.items():
        print(f"  {key:<15} {_pcts(values)}")
    for lang, values in sorted(by_lang.items()):
        print(f"  lang {lang:<10} {_pcts(values)}")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {rss:.0f} MB")


if __name__ == "__main__":
    main()
