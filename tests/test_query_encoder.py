"""The ONNX query encoder: same tokens and vectors as torch, no torch when answering,
torch again when the file is absent."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from qa.app.prompt import answer_lines
from qa.config import default_model_dir
from qa.model.queries import open_query_encoder, write_default_query_encoder
from qa.model.query_encoder import (
    QUERY_ENCODER,
    QUERY_ENCODER_INFO,
    OnnxQueryEncoder,
    read_info,
)
from qa.query.question import clean_question

ROOT = Path(__file__).resolve().parents[1]

# Written for these tests: short and long, three languages, odd spacing.
QUESTIONS = [
    "静岡県と浙江省の教育交流の覚書はいつ結ばれた？",
    "  北京事務所の 電話番号は ",
    "Which cities in Niigata have partners abroad?",
    "中国与日本的地方交流有哪些？",
    "ＪＥＴプログラムとは何ですか\t",
    "姉妹都市 " * 400,  # far beyond 512 tokens: truncated like sentence-transformers
]


@pytest.fixture(scope="module")
def model_dir() -> Path:
    """The default model with its query encoder (written now if the folder predates it)."""
    folder = default_model_dir()
    if read_info(folder) is None:
        write_default_query_encoder(folder, ROOT / "eval" / "qa.jsonl", lambda message: None)
    return folder


@pytest.fixture(scope="module")
def onnx_encoder(model_dir: Path) -> OnnxQueryEncoder:
    return OnnxQueryEncoder.open(model_dir)


@pytest.fixture(scope="module")
def st_model(model_dir: Path):
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(model_dir), device="cpu")


def test_token_ids_equal_sentence_transformers(onnx_encoder, st_model) -> None:
    for question in QUESTIONS:
        features = st_model.preprocess([question], prompt="query: ", task="query")
        assert onnx_encoder.token_ids(question) == features["input_ids"][0].tolist(), question


def test_vectors_agree_with_torch(onnx_encoder, st_model, model_dir: Path) -> None:
    torch_vectors = st_model.encode_query(QUESTIONS, normalize_embeddings=True)
    onnx_vectors = onnx_encoder.encode_queries(QUESTIONS)
    assert onnx_vectors.dtype == np.float32 and onnx_vectors.shape == torch_vectors.shape
    np.testing.assert_allclose(np.linalg.norm(onnx_vectors, axis=1), 1.0, atol=1e-5)
    cosines = np.sum(onnx_vectors * torch_vectors, axis=1)
    assert cosines.min() >= 0.99, cosines
    info = read_info(model_dir)
    assert info is not None and info.min_cosine >= 0.99
    assert info.precision.startswith("int8") or info.precision == "fp32"


def test_index_manifest_records_the_query_encoder_hash(engine, model_dir: Path) -> None:
    info = read_info(model_dir)
    assert engine.queries is not None
    assert engine.index.manifest.query_encoder == info.sha256


def test_answering_imports_no_torch_when_the_encoder_is_present(engine, model_dir) -> None:
    script = (
        "import json, sys\n"
        "from qa.app.cli import main\n"
        "status = main(['ask', '--json', '--no-rebuild', '--index', sys.argv[1], sys.argv[2]])\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in "
        "('torch', 'sentence_transformers', 'transformers', 'gradio', 'matplotlib'))\n"
        "print(json.dumps({'status': status, 'heavy': heavy}))\n"
    )
    env = {**os.environ, "QA_ROOT": str(ROOT), "PYTHONPATH": str(ROOT / "src")}
    env.pop("QA_QUERY_ENCODER", None)
    run = subprocess.run(
        [
            sys.executable,
            "-c",
            script,
            str(engine.config.index_dir),
            "静岡県と浙江省の教育交流の覚書はいつ結ばれた？",
        ],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    lines = run.stdout.strip().splitlines()
    assert run.returncode == 0 and len(lines) == 2, run.stderr
    answer, report = json.loads(lines[0]), json.loads(lines[1])
    assert report == {"status": 0, "heavy": []}
    assert "2012" in answer["answer"]


def test_questions_go_through_torch_when_the_encoder_is_absent(engine, tmp_path: Path) -> None:
    from qa.retrieval.engine import open_engine

    # The same model without its query encoder: every file linked except those two.
    bare = tmp_path / "model"
    for source in default_model_dir().rglob("*"):
        if source.is_file() and source.name not in (QUERY_ENCODER, QUERY_ENCODER_INFO):
            link = bare / source.relative_to(default_model_dir())
            link.parent.mkdir(parents=True, exist_ok=True)
            link.symlink_to(source)
    cfg = engine.config.replace(model=str(bare))
    assert open_query_encoder(cfg, print) is None
    # The already loaded torch embedder of the same weights serves the same index.
    torch_engine = open_engine(cfg, rebuild=False, embedder=engine.embedder)
    assert torch_engine.queries is None
    hits = torch_engine.retriever.search("静岡県と浙江省の教育交流の覚書はいつ結ばれた？", k=3)
    assert hits[0].chunk.id == "002#card-1-06"
    assert "torch" in sys.modules


def test_interrupted_write_reads_as_no_encoder(tmp_path: Path) -> None:
    (tmp_path / QUERY_ENCODER).write_bytes(b"\0" * 10)
    info = {
        "precision": "int8",
        "sha256": "0" * 64,
        "size": 11,  # the JSON describes another file than the one renamed into place
        "dimension": 384,
        "prompt": "query: ",
        "max_tokens": 512,
        "min_cosine": 0.995,
        "mean_cosine": 0.998,
        "questions": 3,
        "tried": {"int8": 0.995},
    }
    (tmp_path / QUERY_ENCODER_INFO).write_text(json.dumps(info), encoding="utf-8")
    assert read_info(tmp_path) is None
    info["size"] = 10
    (tmp_path / QUERY_ENCODER_INFO).write_text(json.dumps(info), encoding="utf-8")
    assert read_info(tmp_path).precision == "int8"


def test_prompt_yields_each_typed_question_until_end_of_input(capsys) -> None:
    typed = iter(["静岡県の提携は？", "   ", "", "北京事務所の住所は？"])

    def read(prompt: str) -> str:
        try:
            return next(typed)
        except StopIteration:
            raise EOFError from None

    assert list(answer_lines(clean_question, read)) == ["静岡県の提携は？", "北京事務所の住所は？"]


def test_prompt_explains_a_refused_question_and_goes_on(capsys) -> None:
    typed = iter(["x" * 5000, "静岡県の提携は？"])

    def read(prompt: str) -> str:
        try:
            return next(typed)
        except StopIteration:
            raise KeyboardInterrupt from None

    assert list(answer_lines(clean_question, read)) == ["静岡県の提携は？"]
    assert "qa: " in capsys.readouterr().err
