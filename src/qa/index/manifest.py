"""What built an index, and whether it still serves: the manifest and its staleness.

An index is stale when its format, its model's weights (by content, see
:mod:`qa.model.identity`), its BM25 token form, the corpus manifest's entries or
its chunks changed. Chunks are compared by content, behind a cheap gate: the
sha256 of the code and data that make chunks and passages (the ``qa.corpus`` and
``qa.language`` packages, ``qa/index/passages.py``) and of the corpus files. Only
when the gate moved are the documents chunked again and each document's chunks
and passages compared with the digests the manifest recorded: identical ones
keep the index; different ones make it stale, naming the documents.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from qa.corpus.chunking import chunk_corpus
from qa.corpus.documents import corpus_fingerprint
from qa.corpus.schema import Chunk, Document
from qa.files import sha256_file
from qa.index.passages import passages_of

__all__ = [
    "INDEX_FORMAT",
    "IndexManifest",
    "chunk_digests",
    "chunk_gate",
    "expected_manifest",
    "stale_reasons",
]

#: Bump when the folder layout or the manifest's fields change, or what a file holds
#: (5: the world places take near katakana spellings and regions' English names).
INDEX_FORMAT = 5

_PACKAGE = Path(__file__).resolve().parents[1]
#: What makes chunks and passages, under ``src/qa``: the parsers, cleaning, the lexicon
#: they read, and the passage splitter.
_CHUNK_SOURCES = ("corpus", "language", "index/passages.py")


@dataclass(frozen=True)
class IndexManifest:
    """What built an index, and the files it consists of.

    Attributes:
        format: :data:`INDEX_FORMAT` when it was written.
        model: The embedding model's name or path, as configured (a record).
        model_id: The model's identity by content (:func:`qa.model.identity.model_identity`).
        dimension: Embedding dimension.
        corpus: Corpus file name → sha256.
        documents: Corpus file name → its manifest entry (title, publisher,
            kind, as_of, edition), for citations and for questions that name a
            year or an edition.
        chunk_gate: :func:`chunk_gate` when the chunks were last checked.
        chunk_digests: Corpus file name → sha256 of its chunks and passages.
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
    model_id: str
    dimension: int
    corpus: dict[str, str]
    chunk_gate: str
    tokenizer: str
    chunk_digests: dict[str, str] = field(default_factory=dict)
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
        """Why an index built as ``self`` does not serve ``other``, its chunks aside (see
        :func:`stale_reasons`); empty when it does."""
        reasons = []
        if self.format != other.format:
            reasons.append(f"index format {self.format} → {other.format}")
        if self.model_id != other.model_id:
            reasons.append(f"model weights changed ({self.model} → {other.model})")
        if self.dimension != other.dimension:
            reasons.append(f"dimension {self.dimension} → {other.dimension}")
        if self.tokenizer != other.tokenizer:
            reasons.append(f"tokenizer form {self.tokenizer} → {other.tokenizer}")
        if self.documents != other.documents:
            reasons.append("corpus manifest (titles, editions) changed")
        return reasons

    def to_dict(self) -> dict[str, object]:
        """The manifest as ``manifest.json`` holds it."""
        return asdict(self)


def expected_manifest(
    docs: list[Document],
    model: str,
    model_id: str,
    dimension: int,
    form: str,
    query_encoder: str = "",
) -> IndexManifest:
    """The manifest an up-to-date index for this corpus and model would have (its chunk
    digests, counts and files are filled in by the build)."""
    return IndexManifest(
        query_encoder=query_encoder,
        format=INDEX_FORMAT,
        model=model,
        model_id=model_id,
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
        chunk_gate=chunk_gate(docs),
        tokenizer=form,
    )


def chunk_gate(docs: list[Document]) -> str:
    """sha256 of everything that makes chunks and passages: the code and data of
    :data:`_CHUNK_SOURCES` and each document's file and shape."""
    digest = hashlib.sha256()
    for path in _chunk_sources():
        digest.update(f"{path.relative_to(_PACKAGE).as_posix()}\0{sha256_file(path)}\n".encode())
    for d in docs:
        digest.update(f"{d.id}\0{d.shape}\0{d.sha256}\n".encode())
    return digest.hexdigest()


def _chunk_sources() -> list[Path]:
    files = []
    for name in _CHUNK_SOURCES:
        path = _PACKAGE / name
        files.extend(sorted(path.rglob("*")) if path.is_dir() else [path])
    return [p for p in files if p.is_file() and p.suffix in (".py", ".toml")]


def chunk_digests(chunks: list[Chunk]) -> dict[str, str]:
    """Document → sha256 of its chunks and their passages, as the index stores them."""
    digests: dict[str, hashlib._Hash] = {}
    for i, chunk in enumerate(chunks):
        digest = digests.setdefault(chunk.doc, hashlib.sha256())
        rows = [chunk.to_dict(), *(p.to_dict() for p in passages_of(i, chunk))]
        for row in rows:
            digest.update(json.dumps(row, ensure_ascii=False, sort_keys=True).encode())
            digest.update(b"\n")
    return {doc: digest.hexdigest() for doc, digest in digests.items()}


def stale_reasons(found: IndexManifest, wanted: IndexManifest, docs: list[Document]) -> list[str]:
    """Why the index described by ``found`` does not serve ``wanted`` (empty when it does).

    The documents are chunked again only when ``found.chunk_gate`` differs from
    ``wanted.chunk_gate``.
    """
    reasons = found.differences(wanted)
    if reasons or found.chunk_gate == wanted.chunk_gate:
        return reasons
    now = chunk_digests(chunk_corpus(docs))
    changed = sorted(set(found.chunk_digests.items()) ^ set(now.items()))
    names = sorted({name for name, _ in changed})
    edited = [n for n in names if found.corpus.get(n) != wanted.corpus.get(n)]
    rechunked = [n for n in names if n not in edited]
    if edited:
        reasons.append(f"corpus changed: {', '.join(edited)}")
    if rechunked:
        reasons.append(
            f"chunks changed: {', '.join(rechunked)} (parsers, text cleaning or the lexicon)"
        )
    return reasons
