"""The persisted index: built from the real corpus and model, saved, checked and reloaded."""

from __future__ import annotations

import errno
import json
import os
import shutil
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from conftest import HashEncoder
from qa.app.cli import main
from qa.index.spans import span_texts
from qa.index.store import Index, QAIndexError
from qa.retrieval.engine import open_engine


def test_every_chunk_has_passages_and_cards_a_head(engine) -> None:
    index = engine.index
    owners = Counter(p.chunk for p in index.passages)
    assert set(owners) == set(range(len(index.chunks)))
    for i, chunk in enumerate(index.chunks):
        parts = {p.part for p in index.passages if p.chunk == i}
        if chunk.card is not None:
            assert "head" in parts, chunk.id
    assert index.dense.ntotal == len(index.passages)
    assert index.manifest.chunks == len(index.chunks) == 241


def test_every_passage_fits_the_model(engine) -> None:
    # Text past 512 tokens would be cut off and never be searchable.
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(engine.config.model)
    longest = max(len(tokenizer("passage: " + p.text)["input_ids"]) for p in engine.index.passages)
    assert longest <= 512


def test_manifest_says_what_built_it(engine) -> None:
    m = Index.read_manifest(engine.config.index_dir)
    assert m.model == engine.config.model
    assert m.dimension == 384
    assert len(m.corpus) == 5 and all(len(h) == 64 for h in m.corpus.values())
    assert {"manifest.json"}.isdisjoint(m.files) and "dense.faiss" in m.files
    assert m.versions["faiss-cpu"] != "not installed"


def test_save_and_load_are_symmetric(engine, tmp_path: Path) -> None:
    copy = tmp_path / "index"
    engine.index.save(copy)
    loaded = Index.load(copy)
    assert loaded.chunks == engine.index.chunks
    assert loaded.passages == engine.index.passages
    assert loaded.dense.ntotal == engine.index.dense.ntotal
    assert loaded.bm25.vocab_dict == engine.index.bm25.vocab_dict
    assert loaded.spans == engine.index.spans
    assert np.array_equal(loaded.span_vectors, engine.index.span_vectors)
    assert [p.name for p in tmp_path.iterdir()] == ["index"]  # no temporary folder left


def test_every_span_of_the_units_has_the_model_s_vector_of_its_text(engine) -> None:
    index = engine.index
    assert index.spans == span_texts(index.units)
    assert len(index.spans) > len(index.units)
    assert index.span_vectors.shape == (len(index.spans), index.manifest.dimension)
    sample = index.spans[:: len(index.spans) // 25][:25]
    rows = [index.spans.index(t) for t in sample]
    stored = index.span_vectors[rows].astype(np.float32)
    fresh = engine.embedder.encode_passages(sample)
    # Stored as float16: each the text's own vector to three decimals.
    assert np.min(np.sum(stored * fresh, axis=1)) > 0.999


def test_a_failed_save_leaves_the_old_index_untouched(engine, tmp_path: Path, monkeypatch) -> None:
    import faiss

    target = tmp_path / "index"
    engine.index.save(target)
    before = {p.name: p.read_bytes() for p in target.iterdir() if p.is_file()}

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(faiss, "write_index", broken)
    with pytest.raises(OSError, match="disk full"):
        engine.index.save(target)
    after = {p.name: p.read_bytes() for p in target.iterdir() if p.is_file()}
    assert after == before
    assert [p.name for p in tmp_path.iterdir()] == ["index"]


def test_a_killed_build_s_leftovers_are_removed_by_the_next_save(engine, tmp_path: Path) -> None:
    import subprocess
    import sys

    target = tmp_path / "index"
    # What a build killed mid-way leaves: its temporary folder (its builder gone) and
    # the previous index it had moved aside.
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    killed = tmp_path / ".index.abc123"
    killed.mkdir()
    (killed / ".builder-pid").write_text(dead, encoding="utf-8")
    (killed / "chunks.jsonl").write_text("{", encoding="utf-8")
    (tmp_path / ".index.old").mkdir()
    # A build still running in another process keeps its folder.
    running = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    try:
        live = tmp_path / ".index.live99"
        live.mkdir()
        (live / ".builder-pid").write_text(str(running.pid), encoding="utf-8")
        engine.index.save(target)
        assert sorted(p.name for p in tmp_path.iterdir()) == [".index.live99", "index"]
    finally:
        running.kill()
        running.wait()
    Index.load(target)


def _copy(engine, tmp_path: Path) -> Path:
    target = tmp_path / "index"
    shutil.copytree(engine.config.index_dir, target)
    return target


def test_a_truncated_file_is_reported_not_a_traceback(engine, tmp_path: Path) -> None:
    target = _copy(engine, tmp_path)
    data = (target / "dense.faiss").read_bytes()
    (target / "dense.faiss").write_bytes(data[: len(data) // 2])
    with pytest.raises(QAIndexError, match=r"dense\.faiss: damaged"):
        Index.load(target)


def test_a_missing_index_is_reported(tmp_path: Path) -> None:
    with pytest.raises(QAIndexError, match="no index here"):
        Index.read_manifest(tmp_path / "nothing")


def test_a_changed_corpus_makes_the_index_stale(engine, tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(engine.config.corpus_dir, corpus)
    with (corpus / "004_b59c51503d8ee357.txt").open("a", encoding="utf-8") as f:
        f.write("\n追記。\n")
    cfg = engine.config.replace(corpus_dir=corpus, index_dir=_copy(engine, tmp_path))
    with pytest.raises(QAIndexError, match=r"stale \(corpus changed: 004_b59c51503d8ee357.txt\)"):
        open_engine(cfg, rebuild=False, embedder=engine.embedder)


def test_a_damaged_index_is_rebuilt(engine, tmp_path: Path) -> None:
    target = _copy(engine, tmp_path)
    (target / "chunks.jsonl").write_text("{not json", encoding="utf-8")
    messages: list[str] = []
    rebuilt = open_engine(
        engine.config.replace(index_dir=target), embedder=engine.embedder, log=messages.append
    )
    assert any("damaged" in m and "rebuilding" in m for m in messages)
    assert rebuilt.index.chunks == engine.index.chunks
    Index.load(target)  # the rebuilt index is whole again


def _edit_manifest(target: Path, **changes: object) -> None:
    path = target / "manifest.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    path.write_text(json.dumps({**data, **changes}, ensure_ascii=False), encoding="utf-8")


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("files", None),
        ("corpus", []),
        ("chunks", "241"),
        ("documents", {"000_b054f97bdabcbb53.txt": 1}),
        ("files", {"../../etc/passwd": "0" * 64}),
        ("format", True),
    ],
)
def test_a_manifest_field_of_the_wrong_type_is_damaged_not_a_traceback(
    engine, tmp_path: Path, key: str, value: object
) -> None:
    target = _copy(engine, tmp_path)
    _edit_manifest(target, **{key: value})
    with pytest.raises(QAIndexError, match=rf"damaged manifest \({key}"):
        open_engine(
            engine.config.replace(index_dir=target), rebuild=False, embedder=engine.embedder
        )


def test_a_manifest_listing_no_files_with_a_truncated_chunks_file_is_damaged(
    engine, tmp_path: Path
) -> None:
    target = _copy(engine, tmp_path)
    lines = (target / "chunks.jsonl").read_text(encoding="utf-8").splitlines(keepends=True)
    (target / "chunks.jsonl").write_text("".join(lines[: len(lines) // 2]), encoding="utf-8")
    _edit_manifest(target, files={})
    with pytest.raises(QAIndexError, match=r"damaged manifest \(files: .*chunks\.jsonl"):
        Index.load(target)


def test_a_manifest_of_the_wrong_shape_is_rebuilt_with_the_reason(engine, tmp_path: Path) -> None:
    target = _copy(engine, tmp_path)
    _edit_manifest(target, files=None)
    messages: list[str] = []
    encoder = HashEncoder(engine.embedder.name, engine.embedder.dimension)
    cfg = engine.config.replace(index_dir=target)
    rebuilt = open_engine(cfg, embedder=encoder, log=messages.append)
    assert any("damaged manifest (files" in m and "rebuilding" in m for m in messages)
    assert rebuilt.index.chunks == engine.index.chunks
    assert Index.load(target).manifest.files  # whole again, and it lists its files


class _NoEmbedding(HashEncoder):
    def encode_passages(self, texts: list[str], progress: bool = False) -> np.ndarray:
        raise AssertionError("embedding started")


def test_a_stale_index_that_cannot_be_written_is_reported_before_any_embedding(
    engine, tmp_path: Path, monkeypatch, capsys
) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(engine.config.corpus_dir, corpus)
    with (corpus / "004_b59c51503d8ee357.txt").open("a", encoding="utf-8") as f:
        f.write("\n追記。\n")
    checkout = tmp_path / "checkout"
    checkout.mkdir()
    target = checkout / "index"
    shutil.copytree(engine.config.index_dir, target)
    real_mkdir = os.mkdir

    def read_only_mkdir(path, *args, **kwargs):
        # The checkout is on a read-only file system (which binds root too, unlike chmod).
        if Path(path).resolve().is_relative_to(checkout.resolve()):
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(path))
        return real_mkdir(path, *args, **kwargs)

    monkeypatch.setattr(os, "mkdir", read_only_mkdir)
    cfg = engine.config.replace(corpus_dir=corpus, index_dir=target)
    messages: list[str] = []
    encoder = _NoEmbedding(engine.embedder.name, engine.embedder.dimension)
    with pytest.raises(
        QAIndexError,
        match=r"stale \(corpus changed.*cannot be rebuilt: .*checkout cannot be written",
    ):
        open_engine(cfg, embedder=encoder, log=messages.append)
    assert not any("rebuilding" in m for m in messages)
    # `qa build-index` says so at once too, as its one-line error.
    args = ["build-index", "--corpus", str(corpus), "--index", str(target)]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "cannot build the index" in err and "Read-only file system" in err
    assert Index.read_manifest(target) == Index.read_manifest(engine.config.index_dir)


def test_the_manifest_schema_checks_every_field_the_manifest_writes() -> None:
    # A field the manifest gains (query_encoder) and the schema lacks would make every
    # index "damaged" and rebuilt on each start.
    import dataclasses

    from qa.index.manifest import IndexManifest
    from qa.index.schema import _FIELDS

    assert set(_FIELDS) == {f.name for f in dataclasses.fields(IndexManifest)}
