"""Write a model folder's query encoder: ONNX export, fused, int8, checked against torch.

:func:`write_query_encoder` reads a local sentence-transformers folder (offline),
exports Transformer → mean pooling → L2 normalisation as one ONNX graph with
eager attention (the pattern onnxruntime's transformer optimizer fuses into
``Attention``, ``SkipLayerNormalization`` and ``BiasGelu``), fuses it, moves its
activations' outlier channels into the weights (SmoothQuant,
:mod:`qa.model.smoothing`, calibrated on training questions) and quantises its
weights to int8 per channel (``quantize_dynamic``): all of them, or, when that
disagrees with torch, less (:data:`PLANS`). An int8 file is kept
only if its vectors agree with torch's at cosine ≥ :data:`MIN_COSINE` on every
check question; when none does, the fused fp32 file is kept. The file is
renamed into place, so a crash never leaves half of one, and
``query_encoder.json`` records its precision, hash and agreement.

Only ``qa model`` (and the first command that needs a missing encoder) runs
this; it imports torch, sentence-transformers, onnx and onnxruntime's tools.

Example:
    >>> folder = Path("models/multilingual-e5-small-qa")
    >>> write_query_encoder(folder, ["姉妹都市とは？"])  # doctest: +SKIP
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from qa.files import sha256_file
from qa.model.query_encoder import (
    QUERY_ENCODER,
    QUERY_ENCODER_INFO,
    OnnxQueryEncoder,
    QueryEncoderInfo,
    network_inputs,
    open_tokenizer,
)
from qa.model.smoothing import ALPHA, activation_maxima, smooth, unsmoothed_input

__all__ = [
    "MIN_COSINE",
    "PLANS",
    "ExportError",
    "check_questions",
    "fuse_graph",
    "quantize_graph",
    "remove_query_encoder",
    "smooth_graph",
    "write_query_encoder",
]

#: An int8 encoder is kept only when every check question's vector is at least this
#: close to torch's.
MIN_COSINE = 0.99
#: What is quantised, tried in this order; the first that agrees with torch is kept,
#: else the fp32 file. Why not simply all: with per-tensor dynamic quantisation of
#: the activations, the feed-forward MatMuls of the fine-tuned e5-small (whose inputs
#: have outlier channels) pulled the lowest cosine on the dev questions to 0.93
#: (0.97 smoothed); smoothed and without the feed-forward output projections 0.993,
#: without any feed-forward MatMul 0.991. The embedding table is most of the file's
#: size and memory (250k × 384), and quantising it alone costs almost nothing
#: (cosine 0.9994).
PLANS: tuple[tuple[str, frozenset[str]], ...] = (
    ("int8", frozenset({"all"})),
    (
        "int8 except feed-forward output",
        frozenset({"embeddings", "attention", "attention-output", "feed-forward-input"}),
    ),
    ("int8 except feed-forward", frozenset({"embeddings", "attention", "attention-output"})),
    ("int8 embeddings and attention", frozenset({"embeddings", "attention"})),
    ("int8 embeddings", frozenset({"embeddings"})),
)
_OPSET = 17
#: Calibration questions read from the training set for smoothing (its first ones).
CALIBRATION = 400
#: Used when the eval set is not there (an installed package): a few questions of each language.
_FALLBACK_QUESTIONS = (
    "静岡県と浙江省の教育交流の覚書はいつ結ばれた？",
    "姉妹都市提携とは何ですか？",
    "北京事務所の電話番号は？",
    "Which Japanese cities have agreements in Vietnam?",
    "中国与日本的地方交流有哪些？",
)


class ExportError(RuntimeError):
    """The query encoder cannot be written; the message says why."""


def check_questions(eval_file: Path, limit: int | None = None) -> list[str]:
    """The ``question`` field of every line of ``eval_file`` (the first ``limit``), or a
    built-in few if it is absent."""
    if not eval_file.is_file():
        return list(_FALLBACK_QUESTIONS)
    with eval_file.open(encoding="utf-8") as f:
        questions = [json.loads(line)["question"] for line in f if line.strip()]
    return questions[:limit]


def write_query_encoder(
    model_dir: Path,
    questions: Sequence[str],
    *,
    calibration: Sequence[str] = (),
    log: Callable[[str], None] = lambda message: None,
) -> QueryEncoderInfo:
    """Export, optimise, smooth, quantise and check the query encoder of ``model_dir``.

    Args:
        model_dir: A local sentence-transformers folder (Transformer, mean Pooling,
            Normalize).
        questions: Queries whose vectors are compared with torch's.
        calibration: Queries whose activations set the smoothing (``questions`` when
            empty; better others, so that the check is not of what was calibrated on).
        log: Where progress lines go.

    Returns:
        What was written (also in ``model_dir / query_encoder.json``).

    Raises:
        ExportError: The model is not of that shape, a tool is missing, or even the fp32
            export disagrees with torch.
    """
    model_dir = Path(model_dir)
    if not questions:
        raise ExportError("no questions to check the export against")
    model, torch = _load_torch_model(model_dir)
    prompt = (model.prompts or {}).get("query", "")
    max_tokens = int(model.max_seq_length)
    reference = model.encode_query(
        list(questions), convert_to_numpy=True, normalize_embeddings=True
    ).astype(np.float32)
    with tempfile.TemporaryDirectory(prefix=".query-encoder-", dir=model_dir) as tmp_name:
        tmp = Path(tmp_name)
        log(f"Exporting the query encoder of {model_dir} to ONNX …")
        _export(model, tmp / "fp32.onnx", torch)
        config = model[0].auto_model.config
        fuse_graph(tmp / "fp32.onnx", tmp / "fused.onnx", config)
        (tmp / "fp32.onnx").unlink()

        tokenizer = model_dir / "tokenizer.json"
        calibration = list(calibration) or list(questions)
        log(f"Smoothing its activations (calibrated on {len(calibration)} questions) …")
        smooth_graph(
            tmp / "fused.onnx",
            tmp / "smoothed.onnx",
            _feeds(tokenizer, prompt, max_tokens, calibration),
        )
        agreement = partial(_cosines, tokenizer, prompt, max_tokens, questions, reference)
        chosen, precision, cosines, tried = _choose_plan(tmp, agreement, log)
        info = QueryEncoderInfo(
            precision=precision,
            sha256=sha256_file(chosen),
            size=chosen.stat().st_size,
            dimension=int(reference.shape[1]),
            prompt=prompt,
            max_tokens=max_tokens,
            min_cosine=round(float(cosines.min()), 6),
            mean_cosine=round(float(cosines.mean()), 6),
            questions=len(questions),
            tried=tried,
            smoothing=ALPHA if precision != "fp32" else 0.0,
            calibration=len(calibration) if precision != "fp32" else 0,
        )
        _install(model_dir, chosen, info)
    log(
        f"Query encoder written to {model_dir / QUERY_ENCODER} ({precision}, cosine to torch ≥ "
        f"{info.min_cosine:.4f} on {len(questions)} questions)"
    )
    return info


def _cosines(
    tokenizer: Path,
    prompt: str,
    max_tokens: int,
    questions: Sequence[str],
    reference: np.ndarray,
    path: Path,
) -> np.ndarray:
    """Each question's cosine between the ONNX file at ``path`` and torch (``reference``)."""
    encoder = OnnxQueryEncoder(path, tokenizer, prompt=prompt, max_tokens=max_tokens)
    return np.sum(encoder.encode_queries(questions) * reference, axis=1)


def _load_torch_model(model_dir: Path) -> tuple[Any, Any]:
    """The sentence-transformers model of ``model_dir``, offline, and the torch module."""
    try:
        import onnx  # noqa: F401  (needed by the optimizer and the quantizer)
        import torch
        from sentence_transformers import SentenceTransformer
    except ImportError as exc:
        raise ExportError(f"cannot import {exc.name}: pip install -e . installs it") from exc
    os.environ["HF_HUB_OFFLINE"] = "1"
    return SentenceTransformer(str(model_dir), device="cpu"), torch


def _choose_plan(
    tmp: Path, agreement: Callable[[Path], np.ndarray], log: Callable[[str], None]
) -> tuple[Path, str, np.ndarray, dict[str, float]]:
    """The first of :data:`PLANS` whose vectors agree with torch's (cosine ≥
    :data:`MIN_COSINE` on every question), else the fused fp32 file: the file, its
    precision, its cosines and the lowest cosine of each plan tried.

    Raises:
        ExportError: Even the fp32 file disagrees with torch.
    """
    tried: dict[str, float] = {}
    for i, (precision, parts) in enumerate(PLANS):
        log(f"Quantising it ({precision}) …")
        chosen = tmp / f"plan{i}.onnx"
        quantize_graph(tmp / "smoothed.onnx", chosen, parts)
        cosines = agreement(chosen)
        tried[precision] = round(float(cosines.min()), 6)
        if tried[precision] >= MIN_COSINE:
            return chosen, precision, cosines, tried
        log(f"{precision} agrees with torch only at cosine {cosines.min():.4f}")
        chosen.unlink()
    chosen = tmp / "fused.onnx"
    cosines = agreement(chosen)
    if float(cosines.min()) < MIN_COSINE:
        raise ExportError(
            f"the ONNX export disagrees with torch (cosine {cosines.min():.4f}); "
            "queries stay on torch"
        )
    return chosen, "fp32", cosines, tried


def _install(model_dir: Path, chosen: Path, info: QueryEncoderInfo) -> None:
    """Move the chosen file and its description into ``model_dir``."""
    (chosen.parent / QUERY_ENCODER_INFO).write_text(
        json.dumps(info.to_dict(), ensure_ascii=False, indent=2), encoding="utf-8"
    )
    # The ONNX file first: read_info accepts the pair only when the JSON's size
    # matches, so a crash between the two renames reads as "no encoder".
    os.replace(chosen, model_dir / QUERY_ENCODER)
    os.replace(chosen.parent / QUERY_ENCODER_INFO, model_dir / QUERY_ENCODER_INFO)


def _export(model: Any, out: Path, torch: Any) -> None:
    """Trace Transformer → mean pooling → normalisation into one ONNX graph."""
    kinds = [type(module).__name__ for module in model]
    pooling = model[1] if len(kinds) > 1 else None
    if (
        kinds[:1] != ["Transformer"]
        or kinds[1:] not in (["Pooling", "Normalize"], ["Pooling"])
        or getattr(pooling, "pooling_mode", "mean") != "mean"
        # The graph pools every token, the prompt's too.
        or not getattr(pooling, "include_prompt", True)
    ):
        raise ExportError(f"only mean-pooled transformer models are exported, not {kinds}")
    bert = model[0].auto_model
    # Eager attention is what the optimizer's attention fusion recognises.
    if hasattr(bert, "set_attn_implementation"):
        bert.set_attn_implementation("eager")
    else:
        bert.config._attn_implementation = "eager"

    class Pooled(torch.nn.Module):
        def __init__(self, encoder: Any) -> None:
            super().__init__()
            self.encoder = encoder

        def forward(self, input_ids: Any, attention_mask: Any) -> Any:
            hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask)
            mask = attention_mask.unsqueeze(-1).to(hidden.last_hidden_state.dtype)
            summed = (hidden.last_hidden_state * mask).sum(1)
            pooled = summed / mask.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(pooled, p=2, dim=1)

    sample = model.tokenizer(["query: 例"], return_tensors="pt")
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            Pooled(bert).eval(),
            (sample["input_ids"], sample["attention_mask"]),
            str(out),
            dynamo=False,
            opset_version=_OPSET,
            input_names=["input_ids", "attention_mask"],
            output_names=["sentence_embedding"],
            dynamic_axes={
                "input_ids": {0: "batch", 1: "tokens"},
                "attention_mask": {0: "batch", 1: "tokens"},
                "sentence_embedding": {0: "batch"},
            },
        )


def _feeds(
    tokenizer: Path, prompt: str, max_tokens: int, questions: Sequence[str]
) -> Iterator[dict[str, np.ndarray]]:
    """The network's inputs for each question, tokenised as the encoder does."""
    tok = open_tokenizer(tokenizer, max_tokens)
    for question in questions:
        yield network_inputs(tok, prompt + question)


def smooth_graph(source: Path, out: Path, feeds: Iterable[dict[str, np.ndarray]]) -> None:
    """Write ``source`` smoothed (:mod:`qa.model.smoothing`) with ``feeds``' activations."""
    import onnx

    model = onnx.load(str(source))
    onnx.save(smooth(model, activation_maxima(model, feeds)), str(out))


def fuse_graph(source: Path, out: Path, config: Any) -> None:
    """Write ``source`` fused by onnxruntime's transformer optimizer (BERT attention,
    layer norms, GELU) for a model of ``config``'s heads and hidden size."""
    from onnxruntime.transformers import optimizer

    optimized = optimizer.optimize_model(
        str(source),
        model_type="bert",
        num_heads=int(config.num_attention_heads),
        hidden_size=int(config.hidden_size),
    )
    optimized.save_model_to_file(str(out))


def quantize_graph(source: Path, out: Path, parts: frozenset[str]) -> None:
    """Quantise ``parts`` of the fused graph (see :data:`PLANS`) to int8, per channel."""
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    nodes = None
    if "all" not in parts:
        graph = onnx.load(str(source), load_external_data=False).graph
        producers = {o: n for n in graph.node for o in n.output}

        def fed_by(node: Any, op_type: str) -> bool:
            feeder = unsmoothed_input(node, producers)
            return node.op_type == "MatMul" and feeder is not None and feeder.op_type == op_type

        kinds = {
            "embeddings": lambda n: n.op_type == "EmbedLayerNormalization",
            "attention": lambda n: n.op_type == "Attention",
            # The projection right after attention: a MatMul fed by an Attention node.
            "attention-output": lambda n: fed_by(n, "Attention"),
            # The feed-forward block's first MatMul, fed by the LayerNorm after attention.
            "feed-forward-input": lambda n: fed_by(n, "SkipLayerNormalization"),
        }
        nodes = [n.name for n in graph.node if any(kinds[part](n) for part in parts)]
    quantize_dynamic(
        str(source),
        str(out),
        per_channel=True,
        weight_type=QuantType.QInt8,
        nodes_to_quantize=nodes,
        # The fused operators are outside ONNX shape inference's domain.
        extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},
    )


def remove_query_encoder(model_dir: Path) -> None:
    """Delete a model folder's query encoder (queries then go through torch)."""
    for name in (QUERY_ENCODER_INFO, QUERY_ENCODER):
        (Path(model_dir) / name).unlink(missing_ok=True)
    for leftover in Path(model_dir).glob(".query-encoder-*"):
        shutil.rmtree(leftover, ignore_errors=True)
