"""``qa search``: the best passages for a question, or for each line of stdin."""

from __future__ import annotations

import argparse
import json
import sys
import time
import unicodedata

from qa.app.cli_common import Parents, UsageError, filters, questions, searched_as_answered
from qa.config import Config
from qa.retrieval.retriever import MODES

__all__ = ["add"]


def add(sub: argparse._SubParsersAction, parents: Parents) -> None:
    """Add ``qa search`` to ``sub``."""
    p = sub.add_parser(
        "search",
        parents=[parents.corpus, parents.index, parents.question],
        help="retrieve the passages for a question",
        description="Retrieve the best chunks for a question, searched as the answerer "
        "searches it (with the corpus's spelling of places named in another script). With "
        "--json and '-' as the question, read one question per line from stdin and write one "
        "JSON line each.",
    )
    p.add_argument("--mode", choices=MODES, default=None, help="retrieval mode (default: hybrid)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace, cfg: Config) -> int:
    from qa.retrieval.engine import open_engine

    wanted = filters(args.filter)
    if args.question is None:
        raise UsageError("give a question, or - with --json to read questions from stdin")
    batch = questions(args.question, args.json)
    engine = open_engine(cfg, rebuild=not args.no_rebuild)
    if not wanted.matches_anything(engine.index.chunks):
        print(f"qa: note: no chunk matches the filters ({wanted.describe()})", file=sys.stderr)
    search_text = searched_as_answered(engine.index)
    for question in batch:  # a bad line of a batch is printed as its error, in its place
        started = time.perf_counter()
        searched = search_text(question)
        hits = engine.retriever.search(searched, mode=cfg.mode, k=cfg.top_k, filters=wanted)
        total_ms = (time.perf_counter() - started) * 1000
        if args.json:
            record = {
                "question": question,
                "searched": searched,
                "hits": [h.to_dict() for h in hits],
                "timings_ms": {"total": round(total_ms, 2)},
            }
            print(json.dumps(record, ensure_ascii=False), flush=True)
            continue
        if searched.split() != unicodedata.normalize("NFKC", question).split():
            print(f"(searched: {' '.join(searched.split())})")
        if not hits:
            print("No hits.")
        for h in hits:
            preview = " ".join(h.chunk.text.split())[:160]
            print(f"{h.rank}. [{h.score:.4f}] {h.chunk.id}  {h.chunk.title}\n   {preview}")
        print(f"({total_ms:.1f} ms)")
    return batch.status()
