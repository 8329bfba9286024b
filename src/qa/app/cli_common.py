"""What the ``qa`` commands share: the common flags, the user's errors, questions and filters
from the command line, and plain-text tables."""

from __future__ import annotations

import argparse
import functools
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from qa.app.batch import Batch, Line, read_lines
from qa.config import Config
from qa.corpus.chunking import chunk_corpus
from qa.corpus.documents import load_corpus
from qa.corpus.schema import Chunk, Document
from qa.query.question import clean_question
from qa.retrieval.retriever import Filters

if TYPE_CHECKING:
    from qa.index.store import Index

__all__ = [
    "Parents",
    "UsageError",
    "bar",
    "check_question",
    "filters",
    "load",
    "parents",
    "questions",
    "searched_as_answered",
    "table",
]

T = TypeVar("T")


class UsageError(ValueError):
    """A flag or argument the user can fix."""


@dataclass(frozen=True)
class Parents:
    """The flags several commands take, as argparse parents."""

    corpus: argparse.ArgumentParser
    index: argparse.ArgumentParser
    question: argparse.ArgumentParser


def parents() -> Parents:
    """The shared flags: ``--corpus``; ``--model``, ``--index``, ``--no-rebuild``; a question."""
    corpus = argparse.ArgumentParser(add_help=False)
    corpus.add_argument(
        "--corpus",
        type=Path,
        default=None,
        metavar="DIR",
        help="corpus folder with manifest.json (default: corpus/ of the project, or QA_CORPUS_DIR)",
    )
    index = argparse.ArgumentParser(add_help=False)
    index.add_argument(
        "--model",
        default=None,
        help="sentence-transformers model name or path (default: "
        "models/multilingual-e5-small-qa of the project, or QA_MODEL)",
    )
    index.add_argument(
        "--index",
        type=Path,
        default=None,
        metavar="DIR",
        help="index folder (default: index/ of the project, or QA_INDEX_DIR)",
    )
    index.add_argument(
        "--no-rebuild",
        action="store_true",
        help="stop with a message instead of rebuilding a missing, stale or damaged index",
    )
    return Parents(corpus, index, _question_parent())


def _question_parent() -> argparse.ArgumentParser:
    question = argparse.ArgumentParser(add_help=False)
    question.add_argument(
        "question",
        nargs="?",
        help="the question, or - to read questions from stdin; `qa ask` without one at a "
        "terminal asks for questions line after line",
    )
    question.add_argument(
        "-k", type=int, default=None, metavar="K", help="passages to return (default: 5)"
    )
    question.add_argument(
        "--filter",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="restrict passages: doc=002, shape=card|section, kind=survey|brochure|report, "
        "field=⑦ or field=商業, country=ベトナム (repeatable)",
    )
    question.add_argument("--json", action="store_true", help="JSON output")
    return question


def load(cfg: Config) -> tuple[list[Document], list[Chunk]]:
    """The corpus's documents and chunks."""
    docs = load_corpus(cfg.corpus_dir)
    return docs, chunk_corpus(docs)


def filters(specs: list[str]) -> Filters:
    """``--filter KEY=VALUE`` flags as :class:`Filters`."""
    values: dict[str, str] = {}
    for spec in specs:
        key, sep, value = spec.partition("=")
        if not sep or key not in ("doc", "shape", "kind", "field", "country") or not value.strip():
            raise UsageError(
                f"--filter takes doc=…, shape=…, kind=…, field=… or country=…, not {spec!r}"
            )
        values[key] = value.strip()
    return Filters(**values)


def questions(arg: str, as_json: bool) -> Batch:
    """The question, or with ``-`` the non-blank lines of stdin (which needs --json)."""
    if arg != "-":
        return Batch([Line(1, check_question(arg), None)])
    if not as_json:
        raise UsageError("reading questions from stdin ('-') needs --json")
    return Batch(read_lines(getattr(sys.stdin, "buffer", sys.stdin)))


def check_question(text: str) -> str:
    """``text`` as a question, or a :class:`UsageError` saying why it is not one."""
    try:
        return clean_question(text)
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def searched_as_answered(index: Index) -> Callable[[str], str]:
    """Question → what the answerer searches for it over ``index`` (``Question.search``:
    the question with the corpus's spelling of each place it names in another script),
    each question analysed once."""
    from qa.query.gazetteer import Gazetteer
    from qa.query.question import analyze

    gazetteer = Gazetteer.from_chunks(index.chunks, index.world)

    @functools.lru_cache(maxsize=4096)
    def searched(question: str) -> str:
        return analyze(question, gazetteer.names, gazetteer).search or question

    return searched


def bar(desc: str) -> Callable[[Iterable[T]], Iterable[T]]:
    """A progress bar on stderr that goes away when done."""
    from tqdm import tqdm

    return lambda it: tqdm(it, desc=desc, unit="q", file=sys.stderr, leave=False)


def table(rows: list[tuple[str, ...]], indent: str = "") -> None:
    """Print ``rows`` as aligned columns, the first row being the header."""
    widths = [max(_width(r[i]) for r in rows) for i in range(len(rows[0]))]
    for r in rows:
        cells = [cell + " " * (w - _width(cell)) for cell, w in zip(r, widths, strict=True)]
        print(indent + "  ".join(cells).rstrip())


def _width(text: str) -> int:
    # Full-width characters take two terminal columns.
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)
