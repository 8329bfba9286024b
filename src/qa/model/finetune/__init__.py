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
    "apply_delta",
    "delta_path",
    "delta_provenance",
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
    parts = load_file(str(delta or delta_path()))
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
    save_file(weights, str(target), metadata={"format": "pt"})
    return len(names)
