"""Benchmark the chat under load: concurrent gradio_client users on loopback, p50/p95 per question.

Usage:
    .venv/bin/python bench/bench_chat.py [--users 20] [--rounds 3] [--port PORT]

Starts ``qa serve`` on a free loopback port (a separate process, the server as
users get it), warms it up, then times:

* one at a time: each question alone through one client (the floor);
* ``--rounds`` rounds of ``--users`` users, each a ``gradio_client.Client`` in its
  own thread, connected first, then all asking at the same moment (a barrier).

A question's latency is the client's ``predict`` call, queueing included; the
server's own ``timings_ms.total`` (retrieval + extraction) is printed beside it.
The questions are 20 of ``eval/qa.jsonl`` (Japanese, English, Chinese; two the
documents cannot answer); an answer is right when it holds a gold answer, or
abstains for the unanswerable. Prints figures, and exits 1 if any answer was
wrong. The requests are bounded: 20 + users × rounds.
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
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: Eval-set questions whose answers ``qa ask`` gets right, in three languages.
IDS = [
    "survey-016",
    "survey-018",
    "survey-020",
    "survey-023",
    "survey-026",
    "survey-033",
    "survey-040",
    "survey-051",
    "survey-074",
    "survey-087",
    "survey-092",
    "survey-103",
    "docs-037",
    "survey-032",
    "survey-025",
    "survey-105",
    "survey-043",
    "survey-067",
    "survey-108",
    "docs-072",
]


def _pcts(ms: list[float]) -> str:
    q = statistics.quantiles(ms, n=20, method="inclusive")
    return f"p50 {statistics.median(ms):7.0f} ms  p95 {q[18]:7.0f} ms  max {max(ms):7.0f} ms"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _questions() -> list[tuple[str, list[str]]]:
    items = {}
    with (ROOT / "eval" / "qa.jsonl").open(encoding="utf-8") as f:
        for line in f:
            item = json.loads(line)
            items[item["id"]] = item
    return [(items[i]["question"], items[i]["answers"]) for i in IDS]


def _right(record: dict, gold: list[str]) -> bool:
    if not gold:
        return record["abstained"]
    return not record["abstained"] and any(g in record["answer"] for g in gold)


def _start(port: int, log: Path) -> subprocess.Popen:
    server = subprocess.Popen(
        [sys.executable, "-m", "qa.app.cli", "serve", "--port", str(port)],
        cwd=ROOT,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 900  # a missing index is rebuilt first
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit(f"qa serve exited with {server.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return server
        except OSError:
            time.sleep(0.5)
    server.terminate()
    sys.exit(f"qa serve did not answer on {url} in 15 minutes:\n{log.read_text()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=20, help="concurrent users per round")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of concurrent questions")
    parser.add_argument("--port", type=int, default=None, help="default: a free port")
    args = parser.parse_args()
    if not 1 <= args.users <= 100 or not 1 <= args.rounds <= 10:
        parser.error("--users must be 1–100 and --rounds 1–10")

    from gradio_client import Client

    questions = _questions()
    port = args.port or _free_port()
    url = f"http://127.0.0.1:{port}/"
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        server = _start(port, Path(tmp) / "serve.log")
        print(f"qa serve up on {url} in {time.perf_counter() - started:.1f} s "
              f"({os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f})")  # fmt: skip
        try:
            wrong = _run(Client, url, questions, args.users, args.rounds)
        finally:
            server.terminate()
            server.wait(timeout=30)
    sys.exit(1 if wrong else 0)


def _run(Client, url: str, questions, users: int, rounds: int) -> int:
    client = Client(url, verbose=False)
    for question, _ in questions[:2]:
        client.predict(question=question, api_name="/ask")  # warm up

    alone, served, wrong = [], [], 0
    for question, gold in questions:
        t = time.perf_counter()
        record = client.predict(question=question, api_name="/ask")
        alone.append((time.perf_counter() - t) * 1000)
        served.append(record["timings_ms"]["total"])
        wrong += not _right(record, gold)
    client.close()
    print(f"\none at a time ({len(questions)} questions):")
    print(f"  per question  {_pcts(alone)}")
    print(f"  server answer {_pcts(served)}")

    latencies, server_ms, walls = [], [], []
    for _ in range(rounds):
        asked = [questions[i % len(questions)] for i in range(users)]
        results, wall = _round(Client, url, asked)
        walls.append(wall)
        for (question, gold), result in zip(asked, results, strict=True):
            if not isinstance(result, tuple):
                print(f"  FAILED {question}: {result!r}")
                wrong += 1
                continue
            ms, record = result
            latencies.append(ms)
            server_ms.append(record["timings_ms"]["total"])
            if not _right(record, gold):
                print(f"  WRONG {question}: {record['answer'][:60]!r} (gold {gold[:1]})")
                wrong += 1
    total = users * rounds
    print(f"\n{users} concurrent users × {rounds} rounds ({total} questions):")
    print(f"  per question  {_pcts(latencies)}   (queueing included)")
    print(f"  server answer {_pcts(server_ms)}")
    print(
        f"  wall per round {statistics.mean(walls):.1f} s, "
        f"throughput {total / sum(walls):.2f} questions/s"
    )
    print(f"\nright answers: {total + len(questions) - wrong} of {total + len(questions)}")
    return wrong


def _round(Client, url: str, asked) -> tuple[list, float]:
    """One round: every user asks its question at once; each result (ms and record, or
    the exception) and the round's wall seconds."""
    users = len(asked)
    results: list[tuple[float, dict] | BaseException | None] = [None] * users
    clients = [Client(url, verbose=False) for _ in range(users)]
    barrier = threading.Barrier(users + 1)

    def user(i: int) -> None:
        barrier.wait()
        t = time.perf_counter()
        try:
            record = clients[i].predict(question=asked[i][0], api_name="/ask")
            results[i] = ((time.perf_counter() - t) * 1000, record)
        except BaseException as exc:  # reported by the caller, with the others
            results[i] = exc

    threads = [threading.Thread(target=user, args=(i,)) for i in range(users)]
    for th in threads:
        th.start()
    barrier.wait()
    t = time.perf_counter()
    for th in threads:
        th.join()
    wall = time.perf_counter() - t
    for c in clients:
        c.close()
    return results, wall


if __name__ == "__main__":
    main()
