"""The persisted hybrid index: chunks, passages, BM25 (bm25s) and dense vectors (FAISS),
with the reader's units and the spans inside them embedded too.

One folder holds everything, with ``manifest.json`` saying what built it
(:mod:`qa.index.manifest`: the model's and the chunks' identities, library
versions) and the sha256 of every file, so that a stale or damaged index is
noticed on load. Saving
writes a sibling temporary folder and renames it into place: a crash never
leaves a half-written index where the old one was.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from qa.corpus.schema import Chunk
from qa.files import sha256_file, write_text_atomic
from qa.index.manifest import INDEX_FORMAT, IndexManifest, chunk_digests
from qa.index.passages import Passage, passages_of
from qa.index.schema import manifest_problem
from qa.index.spans import span_texts
from qa.index.tokenize import JapaneseTokenizer
from qa.index.units import Unit, units_hash, units_of
from qa.index.world import WorldPlace, world_places

__all__ = ["Index", "QAIndexError", "record_gate", "remove_leftovers"]

_CHUNKS = "chunks.jsonl"
_PASSAGES = "passages.jsonl"
_BM25 = "bm25"
_DENSE = "dense.faiss"
_UNITS = "units.npy"
_SPANS = "spans.jsonl"
_SPAN_VECTORS = "spans.npy"
_WORLD = "world.jsonl"
_MANIFEST = "manifest.json"
#: In a folder being built: the pid of the process building it.
_BUILDER = ".builder-pid"


class QAIndexError(RuntimeError):
    """An index that is missing, stale or damaged; the message says which and why."""


class Index:
    """Chunks, their passages, the BM25 and dense indexes over the passages, the
    reader's units of every chunk with their vectors, the texts of the spans inside
    the units (:func:`qa.index.spans.span_texts`) with theirs, and the places of the
    world the chunks write (:mod:`qa.index.world`).

    Build with :meth:`build`, persist with :meth:`save`, reopen with :meth:`load`.
    """

    def __init__(
        self,
        chunks: list[Chunk],
        passages: list[Passage],
        bm25: Any,
        dense: Any,
        manifest: IndexManifest,
        unit_vectors: np.ndarray,
        world: list[WorldPlace] | None = None,
        spans: list[str] | None = None,
        span_vectors: np.ndarray | None = None,
    ) -> None:
        if dense.ntotal != len(passages):
            raise QAIndexError(f"{dense.ntotal} vectors for {len(passages)} passages")
        units = [u for c in chunks for u in units_of(c)]
        if unit_vectors.shape[0] != len(units):
            raise QAIndexError(f"{unit_vectors.shape[0]} unit vectors for {len(units)} units")
        spans = spans or []
        if span_vectors is None:
            span_vectors = np.zeros((0, unit_vectors.shape[1]), dtype=np.float16)
        if span_vectors.shape[0] != len(spans):
            raise QAIndexError(f"{span_vectors.shape[0]} span vectors for {len(spans)} spans")
        self.units: list[Unit] = units
        self.unit_vectors = unit_vectors
        self.spans = spans
        self.span_vectors = span_vectors
        self.chunks = chunks
        self.passages = passages
        self.bm25 = bm25
        self.dense = dense
        self.manifest = manifest
        self.world: list[WorldPlace] = world or []
        self.passage_chunk = np.fromiter((p.chunk for p in passages), dtype=np.int64)

    @classmethod
    def build(
        cls,
        manifest: IndexManifest,
        chunks: list[Chunk],
        encode_passages: Callable[[list[str]], np.ndarray],
        tokenizer: JapaneseTokenizer,
    ) -> Index:
        """Build from chunks.

        Args:
            manifest: What is being built (see :func:`expected_manifest`).
            chunks: Every chunk of the corpus.
            encode_passages: Texts → L2-normalized float32 vectors (shows its own progress).
            tokenizer: The BM25 tokenizer.
        """
        import bm25s
        import faiss

        started = time.perf_counter()
        passages = [p for i, c in enumerate(chunks) for p in passages_of(i, c)]
        texts = [p.text for p in passages]
        bm25 = bm25s.BM25()
        bm25.index(tokenizer.many(texts), show_progress=False)
        vectors = np.ascontiguousarray(encode_passages(texts), dtype=np.float32)
        if vectors.shape != (len(texts), manifest.dimension):
            raise QAIndexError(
                f"the model gave vectors of shape {vectors.shape}, "
                f"expected ({len(texts)}, {manifest.dimension})"
            )
        dense = faiss.IndexFlatIP(manifest.dimension)
        dense.add(vectors)
        units = [u for c in chunks for u in units_of(c)]
        unit_vectors = np.ascontiguousarray(
            encode_passages([u.text for u in units]), dtype=np.float32
        ).astype(np.float16)
        spans = span_texts(units)
        span_vectors = np.ascontiguousarray(encode_passages(spans), dtype=np.float32)
        world = world_places(_written_texts(chunks))
        manifest = IndexManifest(
            **{
                **asdict(manifest),
                "chunks": len(chunks),
                "passages": len(passages),
                "units": len(units),
                "units_hash": units_hash(units),
                "chunk_digests": chunk_digests(chunks),
                "versions": _versions(),
                "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                "build_seconds": round(time.perf_counter() - started, 2),
            }
        )
        return cls(
            chunks, passages, bm25, dense, manifest, unit_vectors, world,
            spans, span_vectors.astype(np.float16),
        )  # fmt: skip

    def save(self, path: Path) -> None:
        """Write the index to ``path`` atomically, replacing what was there."""
        import faiss

        path.parent.mkdir(parents=True, exist_ok=True)
        remove_leftovers(path)
        tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", dir=path.parent))
        (tmp / _BUILDER).write_text(str(os.getpid()), encoding="utf-8")
        try:
            _write_jsonl(tmp / _CHUNKS, (c.to_dict() for c in self.chunks))
            _write_jsonl(tmp / _PASSAGES, (p.to_dict() for p in self.passages))
            self.bm25.save(str(tmp / _BM25), show_progress=False)
            faiss.write_index(self.dense, str(tmp / _DENSE))
            np.save(tmp / _UNITS, self.unit_vectors, allow_pickle=False)
            _write_jsonl(tmp / _SPANS, self.spans)
            np.save(tmp / _SPAN_VECTORS, self.span_vectors, allow_pickle=False)
            _write_jsonl(tmp / _WORLD, (p.to_dict() for p in self.world))
            (tmp / _BUILDER).unlink()
            files = {
                str(f.relative_to(tmp)): sha256_file(f)
                for f in sorted(tmp.rglob("*"))
                if f.is_file()
            }
            manifest = IndexManifest(**{**asdict(self.manifest), "files": files})
            (tmp / _MANIFEST).write_text(_manifest_json(manifest), encoding="utf-8")
            old = path.with_name(f".{path.name}.old")
            if old.exists():
                shutil.rmtree(old)
            if path.exists():
                path.rename(old)
            tmp.rename(path)
            shutil.rmtree(old, ignore_errors=True)
            self.manifest = manifest
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise

    @staticmethod
    def read_manifest(path: Path) -> IndexManifest:
        """The manifest of the index at ``path``.

        Raises:
            QAIndexError: There is no index there, or its manifest is unreadable or does
                not have the schema (:func:`~qa.index.schema.manifest_problem`).
        """
        file = path / _MANIFEST
        if not file.is_file():
            raise QAIndexError(f"{path}: no index here (run `qa build-index`)")
        try:
            data = json.loads(file.read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError) as exc:
            raise QAIndexError(f"{file}: damaged manifest ({exc})") from None
        found = data.get("format") if isinstance(data, dict) else None
        if type(found) is int and found != INDEX_FORMAT:  # a bool is damage, not a format
            raise QAIndexError(f"{path}: index is stale (index format {found} → {INDEX_FORMAT})")
        problem = manifest_problem(data)
        if problem is not None:
            raise QAIndexError(f"{file}: damaged manifest ({problem})")
        return IndexManifest(**data)

    @classmethod
    def load(cls, path: Path) -> Index:
        """Open the index at ``path``, checking every file against its recorded hash.

        Raises:
            QAIndexError: The index is missing, truncated or damaged.
        """
        import bm25s
        import faiss

        manifest = cls.read_manifest(path)
        for name, digest in manifest.files.items():
            file = path / name
            if not file.is_file():
                raise QAIndexError(f"{file}: missing from the index")
            if sha256_file(file) != digest:
                raise QAIndexError(f"{file}: damaged (its checksum does not match the manifest)")
        try:
            chunks = [Chunk.from_dict(d) for d in _read_jsonl(path / _CHUNKS)]
            passages = [Passage(**d) for d in _read_jsonl(path / _PASSAGES)]
            bm25 = bm25s.BM25.load(str(path / _BM25), show_progress=False)
            dense = faiss.read_index(str(path / _DENSE))
            unit_vectors = np.load(path / _UNITS, allow_pickle=False)
            world = [WorldPlace.from_dict(d) for d in _read_jsonl(path / _WORLD)]
            spans = [str(t) for t in _read_jsonl(path / _SPANS)]
            span_vectors = np.load(path / _SPAN_VECTORS, allow_pickle=False)
        except (OSError, ValueError, KeyError, TypeError, RuntimeError) as exc:
            raise QAIndexError(f"{path}: cannot be read ({exc})") from None
        if (len(chunks), len(passages)) != (manifest.chunks, manifest.passages):
            raise QAIndexError(f"{path}: damaged ({len(chunks)} chunks, {len(passages)} passages)")
        index = cls(
            chunks, passages, bm25, dense, manifest, unit_vectors, world, spans, span_vectors
        )
        if units_hash(index.units) != manifest.units_hash:
            raise QAIndexError(f"{path}: index is stale (the reader's units of its chunks changed)")
        return index


def record_gate(path: Path, manifest: IndexManifest, gate: str) -> IndexManifest:
    """Record in the index at ``path`` that its chunks were found the same under ``gate``
    (:func:`qa.index.manifest.chunk_gate`), so that the next start need not chunk again.
    The manifest is not among the checked files; a folder that cannot be written is
    left as it was."""
    updated = IndexManifest(**{**asdict(manifest), "chunk_gate": gate})
    try:
        write_text_atomic(path / _MANIFEST, _manifest_json(updated))
    except OSError:
        return manifest
    return updated


def _manifest_json(manifest: IndexManifest) -> str:
    return json.dumps(manifest.to_dict(), ensure_ascii=False, indent=2)


def _written_texts(chunks: list[Chunk]) -> list[str]:
    """What the chunks write: their text and their cards' two sides."""
    texts = [c.text for c in chunks]
    texts += [f"{c.card.japanese}\n{c.card.foreign}" for c in chunks if c.card is not None]
    return texts


def _write_jsonl(path: Path, rows: Any) -> None:
    with path.open("w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")


def _read_jsonl(path: Path) -> list[Any]:
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def _versions() -> dict[str, str]:
    names = (
        "qa",
        "sentence-transformers",
        "transformers",
        "torch",
        "faiss-cpu",
        "bm25s",
        "fugashi",
    )
    found = {}
    for name in names:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "not installed"
    return found


def remove_leftovers(path: Path) -> list[Path]:
    """Remove what a killed build left beside ``path``: ``.index.old`` and the
    ``.index.XXXX`` folders whose builder process is gone (a live one's is kept).

    Returns:
        The folders removed.
    """
    removed = []
    for leftover in sorted(path.parent.glob(f".{path.name}.*")):
        if not leftover.is_dir() or _builder_alive(leftover):
            continue
        shutil.rmtree(leftover, ignore_errors=True)
        removed.append(leftover)
    return removed


def _builder_alive(folder: Path) -> bool:
    try:
        pid = int((folder / _BUILDER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
