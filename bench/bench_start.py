"""Time a start of the chat: from running ``scripts/chat`` to the page's ``/ask`` answering.

Usage:
    .venv/bin/python bench/bench_start.py [--runs 3] [--port PORT] [--question TEXT]

Runs ``scripts/chat --port PORT`` (setup, then ``qa serve``) as users start it, and
times, from the moment it is started: setup done (``qa serve`` starting), the page served
(``GET /`` answers 200), and ``/ask`` answering a question through ``gradio_client``.
Then stops it and starts again, ``--runs`` times. Run it after one ``scripts/chat``
or ``scripts/setup`` has installed everything: it measures a start with nothing
changed (pip skipped, model and index loaded, not built). Prints each run's figures,
the machine's CPU count and load average, and exits 1 if a start failed or took over
``--limit`` seconds.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
QUESTION = "静岡県と浙江省の教育交流の覚書はいつ結ばれた？"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _page_up(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as page:
            return page.status == 200
    except OSError:
        return False


def _start_once(port: int, question: str, log: Path) -> dict[str, float]:
    """One start, timed: seconds to setup done, the page served, ``/ask`` answered."""
    from gradio_client import Client

    url = f"http://127.0.0.1:{port}/"
    started = time.perf_counter()
    with log.open("w") as out:
        chat = subprocess.Popen(
            [str(ROOT / "scripts" / "chat"), "--port", str(port)],
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, stopped as one below
        )
    try:
        times: dict[str, float] = {}
        while not _page_up(url):
            if chat.poll() is not None:
                sys.exit(f"scripts/chat exited with {chat.returncode}:\n{log.read_text()}")
            if time.perf_counter() - started > 600:
                sys.exit(f"no page on {url} in 10 minutes:\n{log.read_text()}")
            if "setup" not in times and "chat: starting qa serve" in log.read_text():
                times["setup"] = time.perf_counter() - started
            time.sleep(0.1)
        times["page"] = time.perf_counter() - started
        client = Client(url, verbose=False)
        record = client.predict(question=question, api_name="/ask")
        times["ask"] = time.perf_counter() - started
        client.close()
        if record["abstained"] or not record["answer"]:
            print(f"  note: /ask abstained on {question!r}")
        return times
    finally:
        os.killpg(chat.pid, signal.SIGTERM)
        chat.wait(timeout=60)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="starts to time (1–10)")
    parser.add_argument("--port", type=int, default=None, help="default: a free port")
    parser.add_argument("--question", default=QUESTION, help="what /ask is asked")
    parser.add_argument("--limit", type=float, default=15.0, help="seconds a start may take")
    args = parser.parse_args()
    if not 1 <= args.runs <= 10:
        parser.error("--runs must be 1–10")
    load = os.getloadavg()
    print(f"{os.cpu_count()} CPUs, load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}")
    slow = 0
    with tempfile.TemporaryDirectory() as tmp:
        for run in range(1, args.runs + 1):
            port = args.port or _free_port()
            t = _start_once(port, args.question, Path(tmp) / f"chat-{run}.log")
            setup = f"setup {t['setup']:5.1f} s, " if "setup" in t else ""
            print(f"start {run}: {setup}page {t['page']:5.1f} s, /ask answered {t['ask']:5.1f} s")
            slow += t["ask"] > args.limit
    load = os.getloadavg()
    print(f"load average after: {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}")
    sys.exit(1 if slow else 0)


if __name__ == "__main__":
    main()
