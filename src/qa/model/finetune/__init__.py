"""The project's fine-tuned embedding model: a delta over multilingual-e5-small.

``scripts/finetune_e5.py`` fine-tuned e5-small on ``eval/train.jsonl`` (question,
answering unit) pairs so that a question lands near the sentence, row or card
field that answers it. Only the encoder changed (the word-embedding matrix was
frozen), so the change ships as an int8 delta (21.6 MB, per-row scales) beside
``e5-small-qa.json``, which records how it was trained. :func:`apply_delta` adds
it to the base model's ``model.safetensors``; ``qa model`` does so when it
builds the default model.

Example:
    >>> apply_delta(Path("models/multilingual-e5-small-qa"))  # doctest: +SKIP
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

__all__ = [
    "DELTA_FILE",
    "SPAN_HEAD_DELTA_FILE",
    "DeltaError",
    "add_delta",
    "apply_delta",
    "delta_path",
    "delta_provenance",
    "quantize_rows",
    "span_head_delta_path",
    "span_head_provenance",
]

DELTA_FILE = "e5-small-qa.delta-int8.safetensors"
#: The span head (:mod:`qa.reader.span_head`): an int8 delta over the fine-tuned model's
#: encoder, with its start/end layer (``qa_outputs``) in fp32, trained by
#: ``scripts/train_span_head.py`` as ``e5-small-qa-span-head.json`` records.
SPAN_HEAD_DELTA_FILE = "e5-small-qa-span-head.delta-int8.safetensors"


class DeltaError(ValueError):
    """A delta that does not fit the model it is applied to."""


def delta_path() -> Path:
    """The delta shipped with the package."""
    return Path(str(resources.files("qa.model.finetune").joinpath(DELTA_FILE)))


def delta_provenance() -> dict[str, Any]:
    """How the shipped delta was trained (``e5-small-qa.json``)."""
    text = resources.files("qa.model.finetune").joinpath("e5-small-qa.json").read_text("utf-8")
    return json.loads(text)


def span_head_delta_path() -> Path:
    """The span head's delta shipped with the package."""
    return Path(str(resources.files("qa.model.finetune").joinpath(SPAN_HEAD_DELTA_FILE)))


def span_head_provenance() -> dict[str, Any]:
    """How the shipped span head was trained (``e5-small-qa-span-head.json``)."""
    name = "e5-small-qa-span-head.json"
    return json.loads(resources.files("qa.model.finetune").joinpath(name).read_text("utf-8"))


def dequantize(q: np.ndarray, scale: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """int8 rows times their fp16 scales, as float32 in ``shape``."""
    return (q.astype(np.float32) * scale.astype(np.float32)).reshape(shape)


def quantize_rows(change: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A weight's change as int8 rows (a vector is one row) and each row's fp16 scale:
    :func:`dequantize` of them gives it back within half a step."""
    d = np.asarray(change, dtype=np.float32)
    rows = d.reshape(d.shape[0], -1) if d.ndim > 1 else d.reshape(1, -1)
    scale = np.maximum(np.abs(rows).max(axis=1, keepdims=True), 1e-12) / 127.0
    return np.clip(np.round(rows / scale), -127, 127).astype(np.int8), scale.astype(np.float16)


def add_delta(weights: dict[str, np.ndarray], parts: dict[str, np.ndarray]) -> int:
    """Add the delta ``parts`` (``<name>.q`` and ``<name>.scale`` per changed weight) to
    ``weights`` in place; other tensors of ``parts`` are left to the caller.

    Returns:
        The number of tensors changed.

    Raises:
        DeltaError: A delta tensor names no weight of the model, or has another shape.
    """
    names = sorted(k.removesuffix(".q") for k in parts if k.endswith(".q"))
    for name in names:
        if name not in weights:
            raise DeltaError(f"the delta changes {name}, which the model does not have")
        q, scale = parts[f"{name}.q"], parts[f"{name}.scale"]
        if q.size != weights[name].size:
            raise DeltaError(
                f"{name}: delta of {q.size} values for a weight of {weights[name].size}"
            )
        weights[name] = weights[name].astype(np.float32) + dequantize(q, scale, weights[name].shape)
    return len(names)


def apply_delta(model_dir: Path, delta: Path | None = None) -> int:
    """Add ``delta`` (default: the shipped one) to ``model_dir/model.safetensors`` in place.

    Returns:
        The number of tensors changed.

    Raises:
        DeltaError: A delta tensor names no weight of the model, or has another shape.
    """
    from safetensors.numpy import load_file, save_file

    target = Path(model_dir) / "model.safetensors"
    weights = load_file(str(target))
    changed = add_delta(weights, load_file(str(delta or delta_path())))
    save_file(weights, str(target), metadata={"format": "pt"})
    return changed
