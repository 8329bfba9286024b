"""The persisted hybrid index: chunks, passages, BM25 (bm25s) and dense vectors (FAISS).

One folder holds everything, with ``manifest.json`` saying what built it
(model, corpus file hashes, chunker version, library versions) and the sha256
of every file, so that a stale or damaged index is noticed on load. Saving
writes a sibling temporary folder and renames it into place: a crash never
leaves a half-written index where the old one was.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from qa.corpus.chunking import CHUNKER_VERSION
from qa.corpus.documents import corpus_fingerprint
from qa.corpus.schema import Chunk, Document
from qa.index.passages import Passage, passages_of
from qa.index.schema import manifest_problem
from qa.index.tokenize import JapaneseTokenizer
from qa.index.units import Unit, units_hash, units_of

__all__ = ["INDEX_FORMAT", "Index", "IndexManifest", "QAIndexError", "expected_manifest"]

#: Bump when the folder layout changes.
INDEX_FORMAT = 1

_CHUNKS = "chunks.jsonl"
_PASSAGES = "passages.jsonl"
_BM25 = "bm25"
_DENSE = "dense.faiss"
_UNITS = "units.npy"
_MANIFEST = "manifest.json"
#: In a folder being built: the pid of the process building it.
_BUILDER = ".builder-pid"


class QAIndexError(RuntimeError):
    """An index that is missing, stale or damaged; the message says which and why."""


@dataclass(frozen=True)
class IndexManifest:
    """What built an index, and the files it consists of.

    Attributes:
        format: :data:`INDEX_FORMAT` when it was written.
        model: The embedding model's name or path.
        dimension: Embedding dimension.
        corpus: Corpus file name → sha256.
        documents: Corpus file name → its manifest entry (title, publisher,
            kind, as_of, edition), for citations and for questions that name a
            year or an edition.
        chunker: :data:`~qa.corpus.chunking.CHUNKER_VERSION`.
        tokenizer: The BM25 token form (``surface`` or ``base``).
        chunks: Number of chunks.
        passages: Number of passages.
        units: Number of reader units (sentences, rows, card fields) with a vector each.
        units_hash: sha256 of the units' ids and texts: the index is stale when the
            same chunks now split into other units.
        versions: Versions of the libraries that built it.
        built_at: UTC time of the build.
        build_seconds: How long the build took.
        files: File (relative path) → sha256.
        query_encoder: sha256 of the ONNX query encoder that embedded questions when the
            index was built (``query_encoder.onnx`` in the model folder; empty for torch).
            A record, not a reason to rebuild: the passages' vectors come from torch
            either way.
    """

    format: int
    model: str
    dimension: int
    corpus: dict[str, str]
    chunker: str
    tokenizer: str
    chunks: int = 0
    passages: int = 0
    units: int = 0
    units_hash: str = ""
    versions: dict[str, str] = field(default_factory=dict)
    built_at: str = ""
    build_seconds: float = 0.0
    files: dict[str, str] = field(default_factory=dict)
    documents: dict[str, dict[str, str]] = field(default_factory=dict)
    query_encoder: str = ""

    def differences(self, other: IndexManifest) -> list[str]:
        """Why an index built as ``self`` does not serve ``other`` (empty when it does)."""
        reasons = []
        if self.format != other.format:
            reasons.append(f"index format {self.format} → {other.format}")
        if self.model != other.model:
            reasons.append(f"model {self.model} → {other.model}")
        if self.chunker != other.chunker:
            reasons.append(f"chunker {self.chunker} → {other.chunker}")
        if self.tokenizer != other.tokenizer:
            reasons.append(f"tokenizer form {self.tokenizer} → {other.tokenizer}")
        if self.documents != other.documents:
            reasons.append("corpus manifest (titles, editions) changed")
        changed = sorted(set(self.corpus.items()) ^ set(other.corpus.items()))
        if changed:
            names = sorted({name for name, _ in changed})
            reasons.append(f"corpus changed: {', '.join(names)}")
        return reasons


def expected_manifest(
    docs: list[Document], model: str, dimension: int, form: str, query_encoder: str = ""
) -> IndexManifest:
    """The manifest an up-to-date index for this corpus and model would have."""
    return IndexManifest(
        query_encoder=query_encoder,
        format=INDEX_FORMAT,
        model=model,
        dimension=dimension,
        corpus=corpus_fingerprint(docs),
        documents={
            d.id: {
                "title": d.title,
                "publisher": d.publisher,
                "kind": d.kind,
                "as_of": d.as_of,
                "edition": d.edition,
            }
            for d in docs
        },
        chunker=CHUNKER_VERSION,
        tokenizer=form,
    )


class Index:
    """Chunks, their passages, the BM25 and dense indexes over the passages, and
    the reader's units of every chunk with their vectors.

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
    ) -> None:
        if dense.ntotal != len(passages):
            raise QAIndexError(f"{dense.ntotal} vectors for {len(passages)} passages")
        units = [u for c in chunks for u in units_of(c)]
        if unit_vectors.shape[0] != len(units):
            raise QAIndexError(f"{unit_vectors.shape[0]} unit vectors for {len(units)} units")
        self.units: list[Unit] = units
        self.unit_vectors = unit_vectors
        self.chunks = chunks
        self.passages = passages
        self.bm25 = bm25
        self.dense = dense
        self.manifest = manifest
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
        manifest = IndexManifest(
            **{
                **asdict(manifest),
                "chunks": len(chunks),
                "passages": len(passages),
                "units": len(units),
                "units_hash": units_hash(units),
                "versions": _versions(),
                "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                "build_seconds": round(time.perf_counter() - started, 2),
            }
        )
        return cls(chunks, passages, bm25, dense, manifest, unit_vectors)

    def save(self, path: Path) -> None:
        """Write the index to ``path`` atomically, replacing what was there."""
        import faiss

        path.parent.mkdir(parents=True, exist_ok=True)
        remove_leftovers(path)
        tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", dir=path.parent))
        (tmp / _BUILDER).write_text(str(os.getpid()), encoding="utf-8")
        try:
            _write_jsonl(tmp / _CHUNKS, (c.to_dict() for c in self.chunks))
            _write_jsonl(tmp / _PASSAGES, (asdict(p) for p in self.passages))
            self.bm25.save(str(tmp / _BM25), show_progress=False)
            faiss.write_index(self.dense, str(tmp / _DENSE))
            np.save(tmp / _UNITS, self.unit_vectors, allow_pickle=False)
            (tmp / _BUILDER).unlink()
            files = {
                str(f.relative_to(tmp)): _sha256(f) for f in sorted(tmp.rglob("*")) if f.is_file()
            }
            manifest = IndexManifest(**{**asdict(self.manifest), "files": files})
            (tmp / _MANIFEST).write_text(
                json.dumps(asdict(manifest), ensure_ascii=False, indent=2), encoding="utf-8"
            )
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
            if _sha256(file) != digest:
                raise QAIndexError(f"{file}: damaged (its checksum does not match the manifest)")
        try:
            chunks = [Chunk.from_dict(d) for d in _read_jsonl(path / _CHUNKS)]
            passages = [Passage(**d) for d in _read_jsonl(path / _PASSAGES)]
            bm25 = bm25s.BM25.load(str(path / _BM25), show_progress=False)
            dense = faiss.read_index(str(path / _DENSE))
            unit_vectors = np.load(path / _UNITS, allow_pickle=False)
        except (OSError, ValueError, KeyError, TypeError, RuntimeError) as exc:
            raise QAIndexError(f"{path}: cannot be read ({exc})") from None
        if (len(chunks), len(passages)) != (manifest.chunks, manifest.passages):
            raise QAIndexError(f"{path}: damaged ({len(chunks)} chunks, {len(passages)} passages)")
        index = cls(chunks, passages, bm25, dense, manifest, unit_vectors)
        if units_hash(index.units) != manifest.units_hash:
            raise QAIndexError(f"{path}: index is stale (the reader's units of its chunks changed)")
        return index


def _write_jsonl(path: Path, rows: Any) -> None:
    with path.open("w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


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
