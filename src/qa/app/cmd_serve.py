"""``qa serve``: the chat in the browser and its ``/ask`` API."""

from __future__ import annotations

import argparse

from qa.app.cli_common import Parents, UsageError
from qa.config import Config

__all__ = ["add"]


def add(sub: argparse._SubParsersAction, parents: Parents) -> None:
    """Add ``qa serve`` to ``sub``."""
    p = sub.add_parser(
        "serve",
        parents=[parents.corpus, parents.index],
        help="start the chat in the browser (loopback, no public link)",
        description="Serve the chat: answers with their sources highlighted, filters and "
        "examples, and the /ask endpoint for gradio_client. Builds the model and index first "
        "when they are missing or stale. Stop with Ctrl-C.",
    )
    p.add_argument(
        "--host", default=None, help="address to listen on (default: 127.0.0.1, or QA_HOST)"
    )
    p.add_argument(
        "--port", type=int, default=None, help="port to listen on (default: 7860, or QA_PORT)"
    )
    p.add_argument(
        "--allowed-hosts",
        default=None,
        metavar="NAMES",
        help="comma-separated Host names to answer besides loopback and --host, e.g. the "
        "public name a reverse proxy forwards (or QA_ALLOWED_HOSTS); others get 400",
    )
    p.set_defaults(run=run)


def run(args: argparse.Namespace, cfg: Config) -> int:
    from qa.app.ui import check_address, create_app, launch
    from qa.retrieval.engine import open_engine

    cfg = cfg.replace(host=args.host, port=args.port, allowed_hosts=args.allowed_hosts)
    try:
        check_address(cfg.host, cfg.port)  # before the model and index load
    except OSError as exc:
        raise UsageError(
            f"cannot serve on {cfg.host}:{cfg.port}: {exc.strerror or exc}; "
            "choose another with --host / --port (or QA_HOST / QA_PORT)"
        ) from None
    engine = open_engine(cfg, rebuild=not args.no_rebuild)
    app = create_app(engine)
    try:
        launch(app, host=cfg.host, port=cfg.port, allowed_hosts=cfg.allowed_hosts.split(","))
    except OSError as exc:
        raise UsageError(f"cannot serve on {cfg.host}:{cfg.port}: {exc}") from None
    return 0
