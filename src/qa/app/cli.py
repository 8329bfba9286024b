"""The ``qa`` command line.

Each subcommand builds the :class:`~qa.config.Config` once (environment, then
flags) and runs one stage of the pipeline; each lives in its own ``cmd_*`` module.
Errors that a user can fix print one line on stderr and exit with status 2;
nothing is half-written.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from qa.app import cmd_ask, cmd_corpus, cmd_eval, cmd_model, cmd_search, cmd_serve
from qa.app.cli_common import UsageError, parents
from qa.config import Config, ConfigError
from qa.corpus.chunking import ParseError
from qa.corpus.documents import CorpusError
from qa.evaluation.dataset import DatasetError
from qa.index.store import QAIndexError
from qa.model.build import ModelBuildError
from qa.model.embedding import EmbedderError

__all__ = ["main"]

_USER_ERRORS = (
    ConfigError,
    CorpusError,
    ParseError,
    QAIndexError,
    UsageError,
    EmbedderError,
    ModelBuildError,
    DatasetError,
)

#: The commands in the order ``qa --help`` lists them.
_COMMANDS = (cmd_corpus, cmd_model, cmd_search, cmd_ask, cmd_eval, cmd_serve)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    parser = _parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "run"):
        parser.print_help()
        return 2
    try:
        cfg = Config.from_env().replace(
            corpus_dir=args.corpus,
            model=getattr(args, "model", None),
            index_dir=getattr(args, "index", None),
            mode=getattr(args, "mode", None),
            top_k=getattr(args, "k", None),
        )
        return args.run(args, cfg)
    except _USER_ERRORS as exc:
        print(f"qa: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        # `qa chunks --json | head` closes the pipe early; that is not an error.
        sys.stderr.close()
        return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="qa",
        description="Cited answers from CLAIR and MOFA documents on Japanese local "
        "governments' international exchange.",
    )
    sub = parser.add_subparsers(title="commands", metavar="COMMAND")
    shared = parents()
    for command in _COMMANDS:
        command.add(sub, shared)
    return parser


if __name__ == "__main__":
    raise SystemExit(main())
