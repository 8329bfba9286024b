"""Choose what embeds the questions: the model's ONNX query encoder, or torch.

The ONNX encoder is used when the configured model folder has one. The default
model gets one written the first time a command needs it (a folder built before
``qa model`` wrote it); when that cannot be done, questions go through torch and
one line says why. Any other model without the file uses torch silently.
The default model's span head (:mod:`qa.reader.span_head`) is written the same
way when it is missing; without it the reader reads without the head.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from qa.config import Config, default_model_dir
from qa.model.query_encoder import OnnxQueryEncoder, QueryEncoderError, read_info

__all__ = [
    "ensure_span_head",
    "open_query_encoder",
    "query_encoder_hash",
    "write_default_query_encoder",
    "write_default_span_head",
]


def query_encoder_hash(cfg: Config) -> str:
    """sha256 of the ONNX file that embeds questions under ``cfg``; empty for torch."""
    folder = Path(cfg.model).expanduser()
    if cfg.query_encoder != "onnx" or not folder.is_dir():
        return ""
    info = read_info(folder)
    return info.sha256 if info is not None else ""


def open_query_encoder(cfg: Config, log: Callable[[str], None]) -> OnnxQueryEncoder | None:
    """The loaded ONNX query encoder of ``cfg.model``, or None when torch embeds questions."""
    folder = Path(cfg.model).expanduser()
    if cfg.query_encoder != "onnx" or not folder.is_dir():
        return None
    if read_info(folder) is None:
        if folder.resolve() != default_model_dir().resolve():
            return None
        try:
            write_default_query_encoder(folder, cfg.corpus_dir.parent / "eval" / "qa.jsonl", log)
        except Exception as exc:  # any failure leaves the torch path, which still works
            log(f"qa: note: questions are embedded with torch: no query encoder ({exc})")
            return None
    try:
        encoder = OnnxQueryEncoder.open(folder, threads=cfg.threads)
        encoder.warm_up()
    except QueryEncoderError as exc:
        log(f"qa: note: questions are embedded with torch: {exc}")
        return None
    return encoder


def write_default_query_encoder(folder: Path, questions: Path, log: Callable[[str], None]) -> None:
    """Write ``folder``'s query encoder, checked on the questions of ``questions`` (the dev
    set, ``eval/qa.jsonl``; a few built-in ones when it is absent) and calibrated on the
    training set beside it (``train.jsonl``; the check questions when it is absent)."""
    from qa.model.onnx_export import CALIBRATION, check_questions, write_query_encoder

    log(f"Writing the ONNX query encoder of {folder} (one-time, a minute or two) …")
    train = questions.with_name("train.jsonl")
    calibration = check_questions(train, CALIBRATION) if train.is_file() else []
    write_query_encoder(folder, check_questions(questions), calibration=calibration, log=log)


def ensure_span_head(cfg: Config, log: Callable[[str], None]) -> None:
    """Write the default model's span head if it is missing; say so if that fails."""
    from qa.reader.span_head import SPAN_HEAD

    folder = Path(cfg.model).expanduser()
    if not folder.is_dir() or folder.resolve() != default_model_dir().resolve():
        return
    if (folder / SPAN_HEAD).is_file() or not (folder / "finetune.json").is_file():
        return  # present, or a plain model the head was not trained over
    try:
        write_default_span_head(folder, cfg.corpus_dir.parent / "eval" / "qa.jsonl", log)
    except Exception as exc:  # the reader still answers without it
        log(f"qa: note: the reader reads without its span head ({exc})")


def write_default_span_head(folder: Path, questions: Path, log: Callable[[str], None]) -> None:
    """Write ``folder``'s span head from the shipped delta, checked on the questions of
    ``questions`` (the dev set) that quote their evidence and calibrated on those of the
    training set beside it (``train.jsonl``; the check pairs when it is absent)."""
    from qa.model.onnx_export import CALIBRATION
    from qa.model.span_head_export import check_pairs, write_span_head

    log(f"Writing the span head of {folder} (one-time, a minute or two) …")
    calibration = check_pairs(questions.with_name("train.jsonl"), CALIBRATION)
    write_span_head(folder, check_pairs(questions), calibration=calibration, log=log)
