"""Shared fixtures: the real corpus, loaded once per session."""

from __future__ import annotations

from pathlib import Path

import pytest

from qa.corpus import load_corpus
from qa.schema import Document

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"


@pytest.fixture(scope="session")
def docs() -> dict[str, Document]:
    return {d.id: d for d in load_corpus(CORPUS)}
