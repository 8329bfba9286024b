"""``qa ask``: a cited answer to a question, to each line of stdin, or at a prompt."""

from __future__ import annotations

import argparse
import json
import sys

from qa.app.cli_common import Parents, UsageError, filters, questions
from qa.config import Config
from qa.query.question import clean_question

__all__ = ["add"]


def add(sub: argparse._SubParsersAction, parents: Parents) -> None:
    """Add ``qa ask`` to ``sub``."""
    p = sub.add_parser(
        "ask",
        parents=[parents.corpus, parents.index, parents.question],
        help="answer a question, citing the passages used",
        description="Answer a question from the documents with the exact passage it came from; "
        "say so when the documents do not hold the answer. With --json and '-' as the "
        "question, read one question per line from stdin and write one JSON line each. "
        "With QA_LLM_URL and QA_LLM_MODEL set, a local LLM rewrites the answer from the same "
        "passages; a reply that fails the checks gives the extractive answer (see README).",
    )
    p.set_defaults(run=run)


def run(args: argparse.Namespace, cfg: Config) -> int:
    from qa.answer.answerer import Answerer
    from qa.generate.responder import Responder
    from qa.retrieval.engine import open_engine

    wanted = filters(args.filter)
    interactive = args.question is None
    if interactive and not sys.stdin.isatty():
        raise UsageError("give a question, or - with --json to read questions from stdin")
    batch = [] if interactive else questions(args.question, args.json)
    engine = open_engine(cfg, rebuild=not args.no_rebuild)
    responder = Responder.from_config(Answerer.from_engine(engine), cfg)
    if interactive:
        from qa.app.prompt import answer_lines

        batch = answer_lines(clean_question)
    for question in batch:
        answer = responder.answer(question, k=cfg.top_k, filters=wanted)
        if args.json:
            print(json.dumps(answer.to_dict(), ensure_ascii=False), flush=True)
        else:
            _print_answer(answer)
    return batch.status()


def _print_answer(answer) -> None:
    from qa.generate.responder import EXTRACTIVE

    print(answer.text)
    for c in answer.citations[: 3 if answer.count is None else len(answer.citations)]:
        quote = c.text[c.span[0] : c.span[1]] if c.span else ""
        where = f" 「{quote}」" if quote else ""
        print(f"  [{c.rank}] {c.doc} {c.chunk_id} {c.title}{where}")
    if answer.generator != EXTRACTIVE:
        print(f"  (written by {answer.generator} from the passages above)")
    elif answer.fallback_reason:
        print(f"  (extractive: the LLM's answer was not used: {answer.fallback_reason})")
