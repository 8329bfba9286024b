"""When the index is stale, by content: a moved checkout keeps its index, a parser whose
output changes rebuilds it with the reason, and the project's folders do not depend on
where `qa` is run from."""

from __future__ import annotations

import dataclasses
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import HashEncoder
from qa.app.cli import main
from qa.config import Config
from qa.corpus import chunking
from qa.index import manifest as index_manifest
from qa.index.store import Index, QAIndexError
from qa.model.identity import IDENTITY_FILE, model_identity
from qa.retrieval.engine import open_engine

ROOT = Path(__file__).resolve().parents[1]
SEMINAR = "004_b59c51503d8ee357.txt"


def _copy_index(engine, tmp_path: Path) -> Path:
    target = tmp_path / "index"
    shutil.copytree(engine.config.index_dir, target)
    return target


def test_a_moved_checkout_answers_without_a_rebuild(engine, tmp_path: Path) -> None:
    # Another folder, another absolute model path (through a link): same corpus, same
    # weights, so the index serves as it is and --no-rebuild succeeds.
    moved = tmp_path / "moved"
    shutil.copytree(engine.config.corpus_dir, moved / "corpus")
    index = shutil.copytree(engine.config.index_dir, moved / "index")
    model = Path(engine.config.model).resolve()
    (moved / "models").mkdir()
    (moved / "models" / model.name).symlink_to(model)
    before = (index / "manifest.json").read_bytes()
    env = {k: v for k, v in os.environ.items() if not k.startswith("QA_")}
    env["QA_ROOT"] = str(moved)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "src"), env.get("PYTHONPATH", "")])
    question = "北京事務所のTELを教えて"
    done = subprocess.run(
        [sys.executable, "-m", "qa.app.cli", "ask", "--no-rebuild", question],
        cwd=moved,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    assert "stale" not in done.stderr and "rebuilding" not in done.stderr
    assert "6513-8791" in done.stdout.splitlines()[0]  # the office's TEL, not an abstention
    assert (index / "manifest.json").read_bytes() == before


def _tagged(parse):
    """A parser whose first chunk's title gains a mark: output that really differs."""

    def parse_tagged(doc):
        chunks = parse(doc)
        return [dataclasses.replace(chunks[0], title=chunks[0].title + "（改）"), *chunks[1:]]

    return parse_tagged


def _moved_gate(monkeypatch) -> None:
    # What editing a parser's file does to the gate (test_the_gate_moves_… checks that).
    gate = index_manifest.chunk_gate
    monkeypatch.setattr(index_manifest, "chunk_gate", lambda docs: "edited-" + gate(docs))


def test_a_parser_whose_output_changes_rebuilds_the_index_with_its_reason(
    engine, tmp_path: Path, monkeypatch
) -> None:
    target = _copy_index(engine, tmp_path)
    tagged = _tagged(chunking.PARSERS["seminar_report"])
    monkeypatch.setitem(chunking.PARSERS, "seminar_report", tagged)
    _moved_gate(monkeypatch)
    cfg = engine.config.replace(index_dir=target)
    reason = rf"stale \(chunks changed: {SEMINAR} \(parsers"
    with pytest.raises(QAIndexError, match=reason):
        open_engine(cfg, rebuild=False, embedder=engine.embedder)
    messages: list[str] = []
    encoder = HashEncoder(engine.embedder.name, engine.embedder.dimension)
    rebuilt = open_engine(cfg, embedder=encoder, log=messages.append)
    assert any(f"chunks changed: {SEMINAR}" in m and "rebuilding" in m for m in messages)
    titles = [c.title for c in rebuilt.index.chunks if c.doc == SEMINAR]
    assert titles[0].endswith("（改）") and not titles[1].endswith("（改）")


def test_a_moved_gate_with_the_same_chunks_keeps_the_index_and_records_the_gate(
    engine, tmp_path: Path, monkeypatch
) -> None:
    target = _copy_index(engine, tmp_path)
    _moved_gate(monkeypatch)
    cfg = engine.config.replace(index_dir=target)
    opened = open_engine(cfg, rebuild=False, embedder=engine.embedder)
    assert opened.index.chunks == engine.index.chunks
    assert Index.read_manifest(target).chunk_gate.startswith("edited-")

    def no_chunking(docs):
        raise AssertionError("chunked again although the gate is recorded")

    monkeypatch.setattr(index_manifest, "chunk_corpus", no_chunking)
    open_engine(cfg, rebuild=False, embedder=engine.embedder)


def test_the_gate_moves_when_a_parser_file_changes_and_only_then(docs, tmp_path, monkeypatch):
    package = ROOT / "src" / "qa"
    copy = tmp_path / "qa"
    for name in ("corpus", "language"):
        shutil.copytree(package / name, copy / name)
    (copy / "index").mkdir()
    shutil.copy(package / "index" / "passages.py", copy / "index" / "passages.py")
    monkeypatch.setattr(index_manifest, "_PACKAGE", copy)
    documents = list(docs.values())
    gate = index_manifest.chunk_gate(documents)
    (copy / "corpus" / "README.txt").write_text("not code", encoding="utf-8")
    assert index_manifest.chunk_gate(documents) == gate
    with (copy / "corpus" / "parse_seminar.py").open("a", encoding="utf-8") as f:
        f.write("\n# edited\n")
    assert index_manifest.chunk_gate(documents) != gate


def test_a_model_s_identity_is_its_content_not_its_path(tmp_path: Path) -> None:
    model = tmp_path / "a" / "model"
    (model / "1_Pooling").mkdir(parents=True)
    (model / "model.safetensors").write_bytes(b"\x00weights" * 100)
    (model / "1_Pooling" / "config.json").write_text("{}", encoding="utf-8")
    (model / "README.md").write_text("a card", encoding="utf-8")
    first = model_identity(str(model))
    assert first.startswith("sha256:") and (model / IDENTITY_FILE).is_file()
    moved = shutil.copytree(model, tmp_path / "b" / "model")  # new times: hashed again
    assert model_identity(str(moved)) == first
    (moved / "README.md").write_text("another card", encoding="utf-8")
    assert model_identity(str(moved)) == first
    (moved / "1_Pooling" / "config.json").write_text('{"mean": 1}', encoding="utf-8")
    assert model_identity(str(moved)) != first
    assert model_identity("org/name") == "name:org/name"


def test_default_folders_are_the_checkout_s_wherever_qa_runs(tmp_path, monkeypatch) -> None:
    monkeypatch.delenv("QA_ROOT", raising=False)
    monkeypatch.chdir(tmp_path)
    cfg = Config.from_env({})
    assert cfg.corpus_dir == ROOT / "corpus" and cfg.index_dir == ROOT / "index"
    assert Path(cfg.model).parent == ROOT / "models"


def test_a_missing_corpus_is_reported_before_any_model_is_built(
    tmp_path, monkeypatch, capsys
) -> None:
    monkeypatch.setenv("QA_ROOT", str(tmp_path))
    assert main(["ask", "--no-rebuild", "質問"]) == 2
    assert "corpus" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []  # no models/ (466 MB) and no index/
