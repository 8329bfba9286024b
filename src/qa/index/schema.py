"""The index manifest's schema: what ``manifest.json`` must hold before anything trusts it.

A manifest is written by :meth:`qa.index.store.Index.save` and nothing else, so any
field missing, extra or of another type means the folder was damaged or written
by something else; :func:`manifest_problem` says which field, and the index is
then treated as damaged (rebuilt, with that reason). ``files`` must list every
file the index consists of, so that each is checked against its sha256 on load.

Example:
    >>> manifest_problem({"format": 2, "files": None})
    'model: missing'
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import PurePosixPath

__all__ = ["REQUIRED_FILES", "manifest_problem"]

#: Files every index holds (``bm25/`` holds bm25s's own files besides).
REQUIRED_FILES = ("chunks.jsonl", "passages.jsonl", "dense.faiss", "units.npy")
_BM25_DIR = "bm25"
_SHA256 = re.compile(r"[0-9a-f]{64}")


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and value >= 0


def _is_str(value: object) -> bool:
    return isinstance(value, str)


def _is_text_map(value: object) -> bool:
    return isinstance(value, dict) and all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    )


def _is_digest_map(value: object) -> bool:
    return _is_text_map(value) and all(_SHA256.fullmatch(v) for v in value.values())  # type: ignore[union-attr]


def _is_documents(value: object) -> bool:
    return isinstance(value, dict) and all(
        isinstance(k, str) and _is_text_map(v) for k, v in value.items()
    )


#: Field → (its check, what it should be). The fields of :class:`qa.index.manifest.IndexManifest`.
_FIELDS: dict[str, tuple[Callable[[object], bool], str]] = {
    "format": (_is_int, "a whole number"),
    "model": (_is_str, "text"),
    "model_id": (_is_str, "text"),
    "dimension": (lambda v: _is_int(v) and v > 0, "a positive whole number"),  # type: ignore[operator]
    "corpus": (_is_digest_map, "an object of file name → sha256"),
    "chunk_gate": (_is_str, "text"),
    "chunk_digests": (_is_digest_map, "an object of file name → sha256"),
    "tokenizer": (_is_str, "text"),
    "chunks": (_is_int, "a whole number"),
    "passages": (_is_int, "a whole number"),
    "units": (_is_int, "a whole number"),
    "units_hash": (_is_str, "text"),
    "versions": (_is_text_map, "an object of library → version"),
    "built_at": (_is_str, "text"),
    "build_seconds": (_is_number, "a number"),
    "files": (_is_digest_map, "an object of file → sha256"),
    "documents": (_is_documents, "an object of document → its fields as text"),
    "query_encoder": (_is_str, "text"),
}


def manifest_problem(data: object) -> str | None:
    """What is wrong with a manifest read from JSON, or ``None`` when it has the schema.

    Returns:
        ``"<field>: <problem>"`` for the first field that is missing or wrong (the
        field is named first so that a reason reads ``damaged manifest (files: …)``).
    """
    if not isinstance(data, dict):
        return f"not an object but {_json_type(data)}"
    for key, (check, expected) in _FIELDS.items():
        if key not in data:
            return f"{key}: missing"
        if not check(data[key]):
            return f"{key}: expected {expected}, got {_json_type(data[key])}"
    extra = sorted(set(data) - set(_FIELDS))
    if extra:
        return f"{extra[0]}: not a manifest field"
    return _files_problem(data["files"])


def _files_problem(files: dict[str, str]) -> str | None:
    for name in files:
        path = PurePosixPath(name)
        if path.is_absolute() or ".." in path.parts or "\\" in name:
            return f"files: {name!r} is outside the index folder"
    missing = [name for name in REQUIRED_FILES if name not in files]
    if not any(PurePosixPath(name).parts[0] == _BM25_DIR for name in files):
        missing.append(f"{_BM25_DIR}/")
    if missing:
        return f"files: does not list {', '.join(missing)}"
    return None


def _json_type(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    names = {dict: "an object", list: "a list", str: "text", int: "a number", float: "a number"}
    return names.get(type(value), type(value).__name__)
