"""Read the corpus folder: its manifest and the source files it names.

Example:
    >>> docs = load_corpus(Path("corpus"))  # doctest: +SKIP
    >>> [d.id for d in docs][:1]  # doctest: +SKIP
    ['000_b054f97bdabcbb53.txt']
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from qa.corpus.schema import Document

__all__ = ["KINDS", "MANIFEST", "CorpusError", "corpus_fingerprint", "load_corpus"]

MANIFEST = "manifest.json"
KINDS = ("survey", "brochure", "report")
_REQUIRED = ("id", "title", "publisher", "kind", "shape", "as_of", "edition")


class CorpusError(ValueError):
    """A corpus file or manifest that cannot be read; the message names the file."""


def load_corpus(corpus_dir: Path) -> list[Document]:
    """Load every document the manifest lists, in manifest order.

    Raises:
        CorpusError: The folder or manifest is missing or malformed, or a listed
            file is missing, empty or not UTF-8.
    """
    manifest_path = corpus_dir / MANIFEST
    if not corpus_dir.is_dir():
        raise CorpusError(f"{corpus_dir}: corpus folder not found (set QA_CORPUS_DIR or --corpus)")
    if not manifest_path.is_file():
        raise CorpusError(f"{manifest_path}: manifest not found")
    try:
        entries = json.loads(manifest_path.read_text(encoding="utf-8"))["documents"]
    except (json.JSONDecodeError, UnicodeDecodeError, KeyError, TypeError) as exc:
        raise CorpusError(
            f"{manifest_path}: not a manifest with a 'documents' list ({exc})"
        ) from None
    docs = [_load_document(corpus_dir, manifest_path, i, entry) for i, entry in enumerate(entries)]
    ids = [d.id for d in docs]
    if len(set(ids)) != len(ids):
        raise CorpusError(f"{manifest_path}: a document id is listed twice")
    return docs


def _load_document(corpus_dir: Path, manifest_path: Path, i: int, entry: object) -> Document:
    where = f"{manifest_path}: documents[{i}]"
    if not isinstance(entry, dict):
        raise CorpusError(f"{where} is not an object")
    missing = [k for k in _REQUIRED if not isinstance(entry.get(k), str) or not entry[k]]
    if missing:
        raise CorpusError(f"{where} lacks {', '.join(missing)}")
    if entry["kind"] not in KINDS:
        raise CorpusError(f"{where}: kind must be one of {', '.join(KINDS)}, not {entry['kind']!r}")
    path = corpus_dir / entry["id"]
    if not path.is_file():
        raise CorpusError(f"{path}: file listed in {MANIFEST} not found")
    data = path.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise CorpusError(f"{path}:{line}: not UTF-8 (byte {exc.start})") from None
    if not text.strip():
        raise CorpusError(f"{path}: file is empty")
    return Document(
        id=entry["id"],
        title=entry["title"],
        publisher=entry["publisher"],
        kind=entry["kind"],
        shape=entry["shape"],
        as_of=entry["as_of"],
        edition=entry["edition"],
        path=path,
        text=text,
        sha256=hashlib.sha256(data).hexdigest(),
    )


def corpus_fingerprint(docs: list[Document]) -> dict[str, str]:
    """File name → sha256, as recorded in index manifests."""
    return {d.id: d.sha256 for d in docs}
