"""Benchmark the question path side by side: torch (sentence-transformers) vs the ONNX encoder.

Usage:
    .venv/bin/python bench/bench_onnx.py [--cold 5] [--rounds 1] [--no-serve]

For each encoder (``QA_QUERY_ENCODER=torch`` and ``onnx``, on the built index):

* cold ``qa ask``: the whole process, median of ``--cold`` runs, and its peak RSS;
* warm answers over the dev questions (``eval/qa.jsonl``): p50/p95, quiet and
  with a CPU-bound job started on the other core;
* the query vectors of the dev, train and blind sets: the cosine of the ONNX
  vector to torch's (min, p1, mean), and hybrid hit@5 of each encoder (scored by
  :func:`qa.evaluation.scoring.retrieval_report`, as ``qa eval`` does; no item is printed);
* ``qa serve``: seconds from start until ``/ask`` answers (gradio_client).

Each encoder is measured in its own process, so neither pays for the other's
imports. The machine's load is printed: on a shared 2-core machine the figures
move with what else runs. It asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
QUESTION = "静岡県と浙江省の教育交流の覚書はいつ結ばれた？"
SETS = {"dev": "qa.jsonl", "train": "train.jsonl", "blind": "blind.jsonl"}
ENCODERS = ("torch", "onnx")


def _env(encoder: str) -> dict[str, str]:
    return {
        **os.environ,
        "QA_ROOT": str(ROOT),
        "PYTHONPATH": str(ROOT / "src"),
        "QA_QUERY_ENCODER": encoder,
    }


def _qa(*args: str) -> list[str]:
    return [
        sys.executable,
        "-c",
        "import sys; from qa.app.cli import main; sys.exit(main())",
        *args,
    ]


def cold_ask(encoder: str, runs: int) -> tuple[float, float]:
    """Median wall seconds and the largest peak RSS (MB) of ``qa ask QUESTION``."""
    seconds, rss = [], []
    for _ in range(runs):
        started = time.perf_counter()
        child = subprocess.Popen(
            _qa("ask", "--no-rebuild", QUESTION),
            env=_env(encoder),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        _, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)
        seconds.append(time.perf_counter() - started)
        rss.append(usage.ru_maxrss / 1024)
        if child.returncode != 0:
            raise SystemExit(f"qa ask failed with {encoder} (status {child.returncode})")
    return statistics.median(seconds), max(rss)


def serve_ready(encoder: str, timeout: float = 180.0) -> float:
    """Seconds from starting ``qa serve`` until its ``/ask`` endpoint answers."""
    from gradio_client import Client

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    started = time.perf_counter()
    server = subprocess.Popen(
        _qa("serve", "--no-rebuild", "--port", str(port)),
        env=_env(encoder),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        while time.perf_counter() - started < timeout:
            if server.poll() is not None:
                raise SystemExit(f"qa serve exited with {server.returncode} ({encoder})")
            try:
                client = Client(f"http://127.0.0.1:{port}/", verbose=False)
                client.predict(
                    question=QUESTION, document="", field="", country="", api_name="/ask"
                )
                return time.perf_counter() - started
            except Exception:
                time.sleep(0.1)
        return float("nan")
    finally:
        server.terminate()
        server.wait(timeout=30)


def worker(encoder: str, rounds: int, out: Path) -> None:
    """In a fresh process: vectors, hit@5 and warm latency with one encoder."""
    from qa.answer.answerer import Answerer
    from qa.config import Config
    from qa.evaluation.dataset import load_dataset
    from qa.evaluation.retrieval_scores import retrieval_report
    from qa.retrieval.engine import open_engine

    cfg = Config.from_env().replace(query_encoder=encoder)
    engine = open_engine(cfg, rebuild=False)
    if (engine.queries is None) != (encoder == "torch"):
        raise SystemExit(f"asked for {encoder}, but the engine embeds with the other encoder")
    encode = engine.queries.encode_query if engine.queries else engine.embedder.encode_query
    report: dict = {"encoder": encoder, "hit5": {}, "latency": {}}
    for name, file in SETS.items():
        items = load_dataset(ROOT / "eval" / file)
        # Through the retriever's cache, so that the search below does not encode again.
        vectors = [engine.retriever.encode_query(i.question) for i in items]
        np.save(out.with_suffix(f".{name}.npy"), np.stack(vectors))

        def search(question: str) -> tuple[list[str], float]:
            hits = engine.retriever.search(question, mode="hybrid", k=10)
            return [h.chunk.text for h in hits], 0.0

        report["hit5"][name] = retrieval_report("hybrid", items, search).hit_at[5]
    answerer = Answerer.from_engine(engine)
    questions = [i.question for i in load_dataset(ROOT / "eval" / "qa.jsonl")]
    for q in questions[:5]:
        answerer.answer(q)
    for load in ("quiet", "loaded"):
        burner = None
        if load == "loaded":
            burner = subprocess.Popen([sys.executable, "-c", "while True: pass"])
            time.sleep(0.5)
        try:
            ms, encode_ms = [], []
            for _ in range(rounds):
                # Encoding measured apart; the retriever's cache is bypassed.
                for q in questions:
                    t0 = time.perf_counter()
                    encode(q + " ")
                    encode_ms.append((time.perf_counter() - t0) * 1000)
                    t0 = time.perf_counter()
                    answerer.answer(q + "  ")
                    ms.append((time.perf_counter() - t0) * 1000)
        finally:
            if burner is not None:
                burner.kill()
                burner.wait()
        report["latency"][load] = {"answer": _pcts(ms), "encode": _pcts(encode_ms)}
    out.write_text(json.dumps(report), encoding="utf-8")


def _pcts(ms: list[float]) -> dict[str, float]:
    return {
        "p50": statistics.median(ms),
        "p95": statistics.quantiles(ms, n=20, method="inclusive")[18],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cold", type=int, default=5, help="cold `qa ask` runs per encoder")
    parser.add_argument("--rounds", type=int, default=1, help="passes over the dev questions")
    parser.add_argument("--no-serve", action="store_true", help="skip the `qa serve` timing")
    parser.add_argument("--worker", choices=ENCODERS, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, args.rounds, args.out)
        return

    from qa.config import default_model_dir
    from qa.model.query_encoder import read_info

    info = read_info(default_model_dir())
    if info is None:
        raise SystemExit("no query encoder in the default model: run `qa model` first")
    print(f"load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    results, cosines = measure(args.cold, args.rounds, serve=not args.no_serve)
    rows = table(results, cosines, info.precision)
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    for r in rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip())
    print(f"load average after: {os.getloadavg()[0]:.2f}")


def measure(cold: int, rounds: int, *, serve: bool) -> tuple[dict, dict[str, np.ndarray]]:
    """Each encoder's figures (from its own worker process, then cold starts and serve),
    and the cosine of the ONNX query vectors to torch's per set."""
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for encoder in ENCODERS:
            out = Path(tmp) / f"{encoder}.json"
            worker_args = ["--worker", encoder, "--rounds", str(rounds), "--out", str(out)]
            subprocess.run(
                [sys.executable, __file__, *worker_args],
                env=_env(encoder),
                check=True,
            )
            results[encoder] = json.loads(out.read_text(encoding="utf-8"))
            results[encoder]["cold"] = cold_ask(encoder, cold)
            results[encoder]["serve"] = serve_ready(encoder) if serve else float("nan")
        cosines = {
            name: np.sum(
                np.load(Path(tmp) / f"onnx.{name}.npy") * np.load(Path(tmp) / f"torch.{name}.npy"),
                axis=1,
            )
            for name in SETS
        }
    return results, cosines


def table(results: dict, cosines: dict[str, np.ndarray], precision: str) -> list[tuple[str, ...]]:
    """The side-by-side rows: header, then one per figure."""
    rows = [("", "torch", f"onnx ({precision})", "target")]
    t, o = results["torch"], results["onnx"]
    rows.append(("cold `qa ask` (median s)", f"{t['cold'][0]:.2f}", f"{o['cold'][0]:.2f}", "≤ 2.5"))
    rows.append(("peak RSS `qa ask` (MB)", f"{t['cold'][1]:.0f}", f"{o['cold'][1]:.0f}", "≤ 750"))
    rows.append(("`qa serve` answering (s)", f"{t['serve']:.1f}", f"{o['serve']:.1f}", "≤ 6"))
    for load in ("quiet", "loaded"):
        for part in ("encode", "answer"):
            a, b = t["latency"][load][part], o["latency"][load][part]
            target = {"quiet": "p50 ≤ 10", "loaded": "p95 ≤ 30"}[load] if part == "answer" else ""
            rows.append(
                (
                    f"warm {part} {load} p50 / p95 (ms)",
                    f"{a['p50']:.1f} / {a['p95']:.1f}",
                    f"{b['p50']:.1f} / {b['p95']:.1f}",
                    target,
                )
            )
    for name in SETS:
        c = cosines[name]
        rows.append(
            (
                f"hit@5 hybrid {name} (n={len(c)})",
                f"{t['hit5'][name]:.3f}",
                f"{o['hit5'][name]:.3f}",
                "within 0.01",
            )
        )
        rows.append(
            (
                f"cosine to torch {name} min / p1 / mean",
                "1",
                f"{c.min():.4f} / {np.percentile(c, 1):.4f} / {c.mean():.4f}",
                "",
            )
        )
    return rows


if __name__ == "__main__":
    main()
