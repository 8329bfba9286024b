"""Embed queries with the model folder's ONNX export, without importing torch.

``qa model`` writes ``query_encoder.onnx`` beside the sentence-transformers files
(:mod:`qa.model.onnx_export`): the same network with mean pooling and L2 normalisation
in the graph, fused and int8-quantised when that agrees with torch. Running it
needs only ``tokenizers``, ``onnxruntime`` and numpy, so a question is answered
without paying for torch and sentence-transformers (seconds of imports and a
model load). Passages are still embedded by :class:`qa.model.embedding.Embedder`.

The text fed to the network is exactly the one sentence-transformers builds:
the model's ``query`` prompt (``query: `` for e5) and the question unchanged,
truncated to the model's ``max_seq_length`` tokens (``tests/test_query_encoder.py``
checks the token ids against sentence-transformers').

Example:
    >>> encoder = OnnxQueryEncoder.open("models/multilingual-e5-small-qa")  # doctest: +SKIP
    >>> encoder.encode_query("姉妹都市とは？").shape  # doctest: +SKIP
    (384,)
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

__all__ = [
    "QUERY_ENCODER",
    "QUERY_ENCODER_INFO",
    "OnnxQueryEncoder",
    "QueryEncoderError",
    "QueryEncoderInfo",
    "encoding_inputs",
    "network_inputs",
    "open_tokenizer",
    "read_info",
]

#: The ONNX file in a model folder, and the JSON that says how it was made.
QUERY_ENCODER = "query_encoder.onnx"
QUERY_ENCODER_INFO = "query_encoder.json"


class QueryEncoderError(RuntimeError):
    """The ONNX query encoder is missing, damaged or cannot run; the message says which."""


@dataclass(frozen=True)
class QueryEncoderInfo:
    """What ``query_encoder.json`` records about ``query_encoder.onnx``.

    Attributes:
        precision: What is int8 (one of :data:`qa.model.onnx_export.PLANS`, e.g. ``int8``
            or ``int8 except feed-forward``), or ``fp32``.
        sha256: Hash of the ONNX file, also recorded in the index manifest.
        size: Its size in bytes (a cheap check that the file is the one described).
        dimension: Length of the vectors it returns.
        prompt: Text put before every query (the model's ``query`` prompt).
        max_tokens: Truncation length, prompt and special tokens included.
        min_cosine: Lowest cosine to torch's vectors over the check questions.
        mean_cosine: Their mean.
        questions: How many questions were checked.
        tried: Each quantisation tried → its lowest cosine (the kept one last).
        smoothing: SmoothQuant's α for the int8 file (:mod:`qa.model.smoothing`); 0
            for none (an fp32 file, or one written before smoothing).
        calibration: How many questions the smoothing was calibrated on.
    """

    precision: str
    sha256: str
    size: int
    dimension: int
    prompt: str
    max_tokens: int
    min_cosine: float
    mean_cosine: float
    questions: int
    tried: dict[str, float]
    smoothing: float = 0.0
    calibration: int = 0

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def read_info(model_dir: str | os.PathLike[str]) -> QueryEncoderInfo | None:
    """The query encoder described in ``model_dir``, or None when there is none usable.

    None also when the ONNX file is not the one the JSON describes (a build that
    was interrupted between writing the two), so that it is written again.
    """
    folder = Path(model_dir)
    info_file, onnx_file = folder / QUERY_ENCODER_INFO, folder / QUERY_ENCODER
    if not (info_file.is_file() and onnx_file.is_file()):
        return None
    try:
        info = QueryEncoderInfo(**json.loads(info_file.read_text(encoding="utf-8")))
    except (ValueError, TypeError, UnicodeDecodeError):
        return None
    if onnx_file.stat().st_size != info.size:
        return None
    return info


class OnnxQueryEncoder:
    """Encode queries into L2-normalised float32 vectors with onnxruntime.

    Args:
        onnx_path: The ONNX file (inputs ``input_ids``, ``attention_mask``; output
            the normalised sentence embedding).
        tokenizer_path: The model's ``tokenizer.json``.
        prompt: Text put before each query.
        max_tokens: Truncation length in tokens.
        threads: onnxruntime intra-op threads (see the README on threads).
        name: The model name reported by :attr:`name`.
    """

    def __init__(
        self,
        onnx_path: str | os.PathLike[str],
        tokenizer_path: str | os.PathLike[str],
        *,
        prompt: str,
        max_tokens: int,
        threads: int = 1,
        name: str = "",
    ) -> None:
        if threads < 1:
            raise QueryEncoderError(f"threads must be at least 1, not {threads}")
        for path in (onnx_path, tokenizer_path):
            if not Path(path).is_file():
                raise QueryEncoderError(f"{path} does not exist")
        self._onnx_path = Path(onnx_path)
        self._tokenizer_path = Path(tokenizer_path)
        self._prompt = prompt
        self._max_tokens = max_tokens
        self._threads = threads
        self._name = name or str(self._onnx_path.parent)
        self._session: Any = None
        self._tokenizer: Any = None
        self._dimension: int | None = None

    @classmethod
    def open(cls, model_dir: str | os.PathLike[str], *, threads: int = 1) -> OnnxQueryEncoder:
        """The encoder of a model folder that ``qa model`` wrote one into.

        Raises:
            QueryEncoderError: The folder has no usable ``query_encoder.onnx``.
        """
        info = read_info(model_dir)
        if info is None:
            raise QueryEncoderError(f"{model_dir} has no query encoder (run `qa model`)")
        encoder = cls(
            Path(model_dir) / QUERY_ENCODER,
            Path(model_dir) / "tokenizer.json",
            prompt=info.prompt,
            max_tokens=info.max_tokens,
            threads=threads,
            name=str(model_dir),
        )
        encoder._dimension = info.dimension
        return encoder

    @property
    def name(self) -> str:
        """The model folder (the name the torch :class:`~qa.model.embedding.Embedder` reports)."""
        return self._name

    @property
    def dimension(self) -> int:
        """Length of the vectors (runs the network once if it was not recorded)."""
        if self._dimension is None:
            self._dimension = int(self.encode_queries(["dimension probe"]).shape[1])
        return self._dimension

    def warm_up(self) -> None:
        """Load the tokenizer and the onnxruntime session; later calls do nothing."""
        if self._session is not None:
            return
        try:
            import onnxruntime as ort
        except ImportError as exc:
            raise QueryEncoderError(
                f"cannot import {exc.name}: install the project's dependencies (pip install -e .)"
            ) from exc
        tokenizer = open_tokenizer(self._tokenizer_path, self._max_tokens)
        options = ort.SessionOptions()
        # One thread each: on a 2-core machine shared with other work, a second
        # intra-op thread doubled the latency of one query instead of halving it.
        options.intra_op_num_threads = self._threads
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.log_severity_level = 3
        try:
            session = ort.InferenceSession(
                str(self._onnx_path), options, providers=["CPUExecutionProvider"]
            )
        except Exception as exc:  # onnxruntime raises its own exception types
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise QueryEncoderError(f"cannot load {self._onnx_path}: {first}") from exc
        self._tokenizer, self._session = tokenizer, session

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Embed queries; a ``(len(texts), dimension)`` float32 array of unit vectors."""
        if isinstance(texts, str):
            raise TypeError("expected a sequence of texts, got a single str; wrap it in a list")
        self.warm_up()
        rows = [self._run(self._prompt + text) for text in texts]
        if not rows:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.ascontiguousarray(np.concatenate(rows), dtype=np.float32)

    def encode_query(self, text: str) -> np.ndarray:
        """Embed one query; the ``(dimension,)`` row of :meth:`encode_queries`."""
        if not isinstance(text, str):
            raise TypeError(f"expected a str, got {type(text).__name__}")
        return self.encode_queries([text])[0]

    def token_ids(self, text: str) -> list[int]:
        """The token ids the network is given for the query ``text``."""
        self.warm_up()
        return list(self._tokenizer.encode(self._prompt + text).ids)

    def _run(self, text: str) -> np.ndarray:
        # One text per run: no padding, so a vector never depends on its batch neighbours.
        return self._session.run(None, network_inputs(self._tokenizer, text))[0]


def open_tokenizer(path: str | os.PathLike[str], max_tokens: int) -> Any:
    """The model's ``tokenizer.json`` as the encoder uses it: no padding, truncated to
    ``max_tokens``.

    Loaded once per file (while it is unchanged) and length, and shared: the query
    encoder and the span head of one model folder use one tokenizer (each load of the
    default model's costs about a second and 150 MB). Callers must not change its
    settings; encoding is safe from several threads.

    Raises:
        QueryEncoderError: ``tokenizers`` is not installed.
    """
    resolved = Path(path).expanduser().resolve()
    try:
        stat = resolved.stat()
        stamp = (stat.st_mtime_ns, stat.st_size)
    except OSError:  # Tokenizer.from_file says what is wrong with it
        stamp = (0, 0)
    return _load_tokenizer(str(resolved), max_tokens, stamp)


@lru_cache(maxsize=4)
def _load_tokenizer(path: str, max_tokens: int, stamp: tuple[int, int]) -> Any:
    try:
        from tokenizers import Tokenizer
    except ImportError as exc:
        raise QueryEncoderError(
            f"cannot import {exc.name}: install the project's dependencies (pip install -e .)"
        ) from exc
    tokenizer = Tokenizer.from_file(path)
    tokenizer.no_padding()
    tokenizer.enable_truncation(max_tokens)
    return tokenizer


def network_inputs(tokenizer: Any, text: str) -> dict[str, np.ndarray]:
    """The network's inputs for one text (a batch of one, so nothing is padded)."""
    return encoding_inputs(tokenizer.encode(text))


def encoding_inputs(encoding: Any) -> dict[str, np.ndarray]:
    """The network's inputs for one ``tokenizers`` encoding, as a batch of one."""
    return {
        "input_ids": np.asarray([encoding.ids], dtype=np.int64),
        "attention_mask": np.asarray([encoding.attention_mask], dtype=np.int64),
    }
