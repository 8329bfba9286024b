"""Load everything a question needs, once: corpus, model, index, retriever.

The index is rebuilt when it is missing, stale (its chunks, the model's weights
or the tokenizer changed: :mod:`qa.index.manifest`) or damaged, with a message
saying why; with ``rebuild=False`` those cases stop with the same message
instead. The corpus is read first, so that a wrong corpus folder is reported
before the default model is built.

Questions are embedded by the model folder's ONNX query encoder when it has one
(:mod:`qa.model.query_encoder`), so answering never imports torch; torch and
sentence-transformers are loaded only to embed passages (a rebuild) or for a
model without that file.
"""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from qa.config import Config, default_model_dir
from qa.corpus.chunking import chunk_corpus
from qa.corpus.documents import load_corpus
from qa.corpus.schema import Document
from qa.index.manifest import expected_manifest, stale_reasons
from qa.index.store import Index, QAIndexError, record_gate
from qa.index.tokenize import JapaneseTokenizer
from qa.model.embedding import Embedder, ensure_default_model
from qa.model.identity import model_identity
from qa.model.queries import ensure_span_head, open_query_encoder, query_encoder_hash
from qa.model.query_encoder import OnnxQueryEncoder
from qa.retrieval.retriever import Retriever

__all__ = ["Engine", "build_index", "open_engine", "write_problem"]

Log = Callable[[str], None]


def _stderr(message: str) -> None:
    print(message, file=sys.stderr)


@dataclass
class Engine:
    """The loaded pipeline: what ``qa search``, ``qa ask``, ``qa eval`` and the chat share."""

    config: Config
    index: Index
    embedder: Embedder
    tokenizer: JapaneseTokenizer
    retriever: Retriever
    #: Embeds the questions when the model has an ONNX export; None: ``embedder`` does.
    queries: OnnxQueryEncoder | None = None


def _embedder(cfg: Config) -> Embedder:
    """The torch embedder of the configured model; it loads on first use."""
    ensure_default_model(cfg.model, default_model_dir())
    return Embedder(cfg.model, device=cfg.device, batch_size=cfg.batch_size, offline=cfg.offline)


def write_problem(index_dir: Path) -> str | None:
    """Why an index cannot be saved at ``index_dir`` (``None`` when it can), found by
    creating and removing a folder beside it, as saving does (read-only checkouts,
    permissions, a file in the way)."""
    folder = index_dir.parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent  # saving creates the missing folders from here
    try:
        Path(tempfile.mkdtemp(prefix=f".{index_dir.name}-probe-", dir=folder)).rmdir()
    except OSError as exc:
        return (
            f"{folder} cannot be written ({exc.strerror or exc}); run `qa build-index` "
            "where it can, or set QA_INDEX_DIR (--index) to a writable folder"
        )
    return None


def build_index(cfg: Config, *, embedder: Embedder | None = None, log: Log = _stderr) -> Index:
    """Build the index for the configured corpus and model and save it to ``cfg.index_dir``."""
    docs = load_corpus(cfg.corpus_dir)
    chunks = chunk_corpus(docs)
    problem = write_problem(cfg.index_dir)
    if problem:  # before minutes of embedding, not after
        raise QAIndexError(f"cannot build the index: {problem}")
    embedder = embedder or _embedder(cfg)
    tokenizer = JapaneseTokenizer(cfg.token_form)
    manifest = expected_manifest(
        docs,
        embedder.name,
        model_identity(embedder.name),
        embedder.dimension,
        cfg.token_form,
        query_encoder_hash(cfg),
    )
    log(f"Building the index of {len(chunks)} chunks with {embedder.name} …")
    index = Index.build(
        manifest, chunks, lambda texts: embedder.encode_passages(texts, progress=True), tokenizer
    )
    index.save(cfg.index_dir)
    log(
        f"Index written to {cfg.index_dir}: {index.manifest.chunks} chunks, "
        f"{index.manifest.passages} passages, {index.manifest.build_seconds:.1f} s"
    )
    return index


def open_engine(
    cfg: Config,
    *,
    rebuild: bool = True,
    embedder: Embedder | None = None,
    log: Log = _stderr,
) -> Engine:
    """Load the model and the index, rebuilding the index when it does not fit.

    Args:
        cfg: The configuration.
        rebuild: Rebuild a missing, stale or damaged index instead of stopping.
        embedder: An already loaded embedder of ``cfg.model`` to reuse.
        log: Where progress messages go.

    Raises:
        QAIndexError: The index is missing, stale or damaged and ``rebuild`` is False.
    """
    docs = load_corpus(cfg.corpus_dir)
    embedder = embedder or _embedder(cfg)
    queries = open_query_encoder(cfg, log)
    ensure_span_head(cfg, log)
    dimension = queries.dimension if queries is not None else embedder.dimension
    tokenizer = JapaneseTokenizer(cfg.token_form)
    try:
        index = _load_fresh(cfg, docs, embedder.name, dimension)
    except QAIndexError as exc:
        if not rebuild:
            raise QAIndexError(f"{exc}; run `qa build-index`") from None
        problem = write_problem(cfg.index_dir)
        if problem:
            raise QAIndexError(f"{exc}, and it cannot be rebuilt: {problem}") from None
        log(f"{exc}: rebuilding.")
        index = build_index(cfg, embedder=embedder, log=log)
    _limit_threads(cfg, embedder)
    encode_query = queries.encode_query if queries is not None else embedder.encode_query
    return Engine(
        cfg, index, embedder, tokenizer, Retriever(index, encode_query, tokenizer), queries
    )


def _load_fresh(cfg: Config, docs: list[Document], model: str, dimension: int) -> Index:
    """The index at ``cfg.index_dir`` if it serves this corpus and model.

    Raises:
        QAIndexError: It is missing, stale (the message says why) or damaged.
    """
    wanted = expected_manifest(
        docs, model, model_identity(model), dimension, cfg.token_form, query_encoder_hash(cfg)
    )
    found = Index.read_manifest(cfg.index_dir)
    reasons = stale_reasons(found, wanted, docs)
    if reasons:
        raise QAIndexError(f"{cfg.index_dir}: index is stale ({'; '.join(reasons)})")
    index = Index.load(cfg.index_dir)
    if found.chunk_gate != wanted.chunk_gate:  # chunked again and found the same
        index.manifest = record_gate(cfg.index_dir, index.manifest, wanted.chunk_gate)
    return index


def _limit_threads(cfg: Config, embedder: Embedder) -> None:
    """Answer with ``cfg.threads`` threads in FAISS (and torch, if it embeds the questions).

    Why: on a 2-core machine shared with other work, one more thread per search
    spins or waits for a core and costs more than it saves (see the README);
    building the index, before this, keeps every core.
    """
    import faiss

    faiss.omp_set_num_threads(cfg.threads)
    if embedder.loaded:
        import torch

        torch.set_num_threads(cfg.threads)
