"""A learned span head: where in a unit the answer to a question starts and ends.

``span_head.onnx``, beside the default model's files (written by ``qa model``,
:mod:`qa.model.span_head_export`), is multilingual-e5-small fine-tuned as an
extractive reader (``scripts/train_span_head.py``): fed ``query: <question> /
<heading>`` and a unit's text as a pair, it gives each token of the unit a
start and an end logit, and the first token (``<s>``) those of "not in this
unit". It runs with ``tokenizers`` and onnxruntime only, never torch.

The span model does not answer with the head's own best span: the head's score
of each candidate span (start log-probability at its first token plus end
log-probability at its last), normalised over the unit's candidates, is one
more feature of the fitted span model (:func:`head_features`).

Example:
    >>> head = SpanHead.open("models/multilingual-e5-small-qa")  # doctest: +SKIP
    >>> head.span_scores("人口は？", "", "人口は約12万人。", [(4, 8), (0, 9)])  # doctest: +SKIP
    [-0.4, -5.2]
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from qa.model.query_encoder import encoding_inputs, open_tokenizer, read_info

__all__ = [
    "MAX_TOKENS",
    "SPAN_HEAD",
    "SPAN_HEAD_INFO",
    "TOKENIZER_LENGTH",
    "SpanHead",
    "SpanHeadError",
    "find_span_head",
    "head_features",
    "head_fold",
    "head_input",
    "pair_encoding",
]

#: The ONNX file in a model folder, and the JSON that says how it was made.
SPAN_HEAD = "span_head.onnx"
SPAN_HEAD_INFO = "span_head.json"
#: Truncation length of a (question, unit) pair; the unit is cut, never the question.
MAX_TOKENS = 192
#: Single-text truncation of a tokenizer loaded for a folder without a query encoder
#: (the default model's encoder uses the same, so the two share one tokenizer).
TOKENIZER_LENGTH = 512
#: The score of a candidate whose characters no token of the unit covers.
UNCOVERED = -30.0


class SpanHeadError(RuntimeError):
    """The span head is damaged or cannot run; the message says which."""


def head_input(question: str, heading: str) -> str:
    """The first text of the pair: the question, and the heading the unit is under."""
    return f"query: {question} / {heading}" if heading else f"query: {question}"


def head_fold(item_id: str, folds: int) -> int:
    """Which of ``folds`` parts a training question falls in (the same in training the
    head and in fitting the reader on heads that did not see it)."""
    return sum(map(ord, item_id)) % folds


class SpanHead:
    """Scores spans of a unit with the ONNX span head.

    Args:
        session: An onnxruntime session of ``span_head.onnx``.
        tokenizer: The model's ``tokenizers`` tokenizer.
        sha256: The ONNX file's hash (recorded with the reader's weights).
    """

    def __init__(self, session: Any, tokenizer: Any, sha256: str = "") -> None:
        self._session = session
        self._tokenizer = tokenizer
        self.sha256 = sha256

    @classmethod
    def open(cls, model_dir: str | os.PathLike[str], *, threads: int = 1) -> SpanHead:
        """The span head of ``model_dir``.

        Raises:
            SpanHeadError: It is missing, or onnxruntime or tokenizers cannot load it.
        """
        folder = Path(model_dir)
        path = folder / SPAN_HEAD
        if not path.is_file():
            raise SpanHeadError(f"{path} is missing; `qa model` writes it")
        try:
            import onnxruntime as ort

            options = ort.SessionOptions()
            options.intra_op_num_threads = max(1, threads)
            options.inter_op_num_threads = 1
            session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
            # The query encoder's tokenizer, shared (one load): it truncates single
            # texts only, at a length longer than a pair's here.
            encoder = read_info(folder)
            tokenizer = open_tokenizer(
                folder / "tokenizer.json", encoder.max_tokens if encoder else TOKENIZER_LENGTH
            )
        except Exception as exc:  # a damaged file or a missing package: say which
            raise SpanHeadError(f"cannot load {path}: {exc}") from exc
        info = _read_info(folder)
        return cls(session, tokenizer, str(info.get("sha256", "")))

    def log_probs(
        self, question: str, heading: str, text: str
    ) -> tuple[np.ndarray, np.ndarray, list[tuple[int, int, int]]]:
        """Start and end log-probabilities of every token, and the unit's tokens as
        (position, first character, character after the last) in ``text``."""
        enc = pair_encoding(self._tokenizer, head_input(question, heading), text)
        start, end = self._session.run(None, encoding_inputs(enc))
        tokens = [
            (i, a, z)
            for i, (seq, (a, z)) in enumerate(zip(enc.sequence_ids, enc.offsets, strict=True))
            if seq == 1 and z > a
        ]
        return _log_softmax(start[0]), _log_softmax(end[0]), tokens

    def span_scores(
        self, question: str, heading: str, text: str, bounds: Sequence[tuple[int, int]]
    ) -> list[float]:
        """The head's score of each span of ``text`` (``bounds``: start and end in it):
        the start log-probability of its first token plus the end one of its last."""
        start, end, tokens = self.log_probs(question, heading, text)
        scores = []
        for s, e in bounds:
            first = next((i for i, _, z in tokens if z > s), None)
            last = next((i for i, a, _ in reversed(tokens) if a < e), None)
            if first is None or last is None or last < first:
                scores.append(UNCOVERED)
            else:
                scores.append(float(start[first] + end[last]))
        return scores


def pair_encoding(tokenizer: Any, first: str, second: str, limit: int = MAX_TOKENS) -> Any:
    """The pair (``first``, ``second``) encoded as one input of at most ``limit`` tokens,
    ``second`` cut to fit (as ``tokenizers``' ``only_second`` truncation does), whatever
    truncation ``tokenizer`` is set up with for single texts: each text is encoded
    alone, cut here, and joined by the tokenizer's own template (``<s> A </s></s> B
    </s>`` for the default model)."""
    a = tokenizer.encode(first, add_special_tokens=False)
    b = tokenizer.encode(second, add_special_tokens=False)
    room = limit - tokenizer.num_special_tokens_to_add(True) - len(a.ids)
    if room < 1:  # a question too long for the pair: its first half of the pair, then the unit
        a.truncate(limit // 2)
        room = limit - tokenizer.num_special_tokens_to_add(True) - len(a.ids)
    if len(b.ids) > room:
        b.truncate(room)
    return tokenizer.post_process(a, b)


def head_features(scores: Sequence[float], feats: Sequence[dict[str, float]]) -> None:
    """Add to ``feats`` (one per candidate span of a unit) the head's log-probability of
    each among them (its scores normalised over the unit's candidates)."""
    if len(scores) < 2:
        return
    lp = _log_softmax(np.asarray(scores, dtype=np.float64))
    for f, value in zip(feats, lp, strict=True):
        f["head_lp"] = float(value)


@lru_cache(maxsize=4)
def find_span_head(model: str) -> SpanHead | None:
    """The span head in the folder of ``model`` (a path), or ``None`` when it has none
    or it cannot be loaded (one line on stderr says why, and how to write it again);
    loaded once per process, on one thread (one short pair per question)."""
    folder = Path(model).expanduser()
    if not (folder / SPAN_HEAD).is_file():
        return None
    try:
        return SpanHead.open(folder)
    except SpanHeadError as exc:
        print(
            f"qa: note: the reader reads without its span head: {exc} "
            "(`qa model --force` writes it again)",
            file=sys.stderr,
        )
        return None


def _read_info(folder: Path) -> dict[str, Any]:
    try:
        return json.loads((folder / SPAN_HEAD_INFO).read_text("utf-8"))
    except (OSError, ValueError):
        return {}


def _log_softmax(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    shifted = x - x.max()
    return shifted - np.log(np.exp(shifted).sum())
