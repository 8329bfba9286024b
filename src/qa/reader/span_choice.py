"""Which span of the answering unit answers: its meaning, and what an unsure model says.

The index holds an e5 vector for the text of every span of its units and of the
clause each sits in (:func:`qa.index.spans.span_texts`). :func:`meaning_features`
gives each span the question's cosine with its text (by span type, and as a gap
to the unit's best) and with its clause, so that 中国側88名, and the 88名 inside
it, are nearer than 日本側59名 to "how many Chinese participants".
:func:`held_span` decides what the span model's probabilities answer with.

Example:
    >>> held_span([(0, 3), (5, 8), (0, 12)], np.array([0.45, 0.45, 0.1]), 0.7, 120)
    2
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from qa.index.spans import span_window
from qa.reader.features import Candidate

__all__ = ["SpanVectors", "held_span", "longest_answer", "meaning_features"]

#: Longest answer to a question for a value, and to one for reasons, lists or definitions.
SHORT_ANSWER = 120
LONG_ANSWER = 400
LONG_TYPES = frozenset({"reason", "list", "definition", "other"})


class SpanVectors:
    """The index's vectors of span and clause texts, looked up by text.

    Args:
        texts: The texts with a vector (the index's ``spans``).
        vectors: One row per text; ``None`` when the index has none.
    """

    def __init__(self, texts: Sequence[str] = (), vectors: np.ndarray | None = None) -> None:
        self._row = {t: i for i, t in enumerate(texts)}
        self._vectors = vectors

    def cosines(self, texts: dict[int, str], qvec: np.ndarray) -> dict[int, float]:
        """Position → the question's cosine with its text, for the texts with a vector."""
        if self._vectors is None:
            return {}
        rows = {i: self._row[t] for i, t in texts.items() if t in self._row}
        if not rows:
            return {}
        sims = self._vectors[list(rows.values())].astype(np.float32) @ qvec
        return {i: float(s) for i, s in zip(rows, sims, strict=True)}


def meaning_features(
    cands: Sequence[Candidate],
    feats: Sequence[dict[str, float]],
    qvec: np.ndarray,
    vectors: SpanVectors,
    unit_vector: np.ndarray | None,
) -> None:
    """Add to ``feats`` (one per candidate of one unit) the question's cosine with each
    span's text by span type (the unit's own vector for the whole unit), its gap to the
    best of them, and the gap of the clause it sits in to the best clause."""
    inside = {i: c for i, c in enumerate(cands) if c.stype != "unit" and "field:" not in c.stype}
    cosines = vectors.cosines({i: c.text for i, c in inside.items()}, qvec)
    for i, c in enumerate(cands):
        if c.stype == "unit" and unit_vector is not None:
            cosines[i] = float(unit_vector @ qvec)
    if cosines:
        best = max(cosines.values())
        for i, cos in cosines.items():
            feats[i][f"cos_span|t={cands[i].stype}"] = cos
            feats[i]["cos_span_gap"] = best - cos
    windows = vectors.cosines({i: _window(c) for i, c in inside.items()}, qvec)
    if windows:
        best = max(windows.values())
        for i, cos in windows.items():
            feats[i]["cos_window_gap"] = best - cos


def _window(c: Candidate) -> str:
    text = c.unit.text
    a, b = span_window(text, c.start - c.unit.start, c.end - c.unit.start)
    return text[a:b]


def longest_answer(answer_type: str) -> int:
    """The longest answer to a question asking for ``answer_type``."""
    return LONG_ANSWER if answer_type in LONG_TYPES else SHORT_ANSWER


def held_span(
    bounds: Sequence[tuple[int, int]], p: np.ndarray, threshold: float, limit: int
) -> int:
    """Which of a unit's spans (``bounds``: start and end of each, the whole unit among
    them when it is short enough to be offered; ``p``: their probabilities) answers.

    The most likely span when its probability reaches ``threshold``; else the shortest
    span around it that holds ``threshold`` of the probability (the spans inside it
    count) and is at most ``limit`` characters, such as the clause of a count the
    model cannot choose between, or the whole unit; else the most likely one.
    """
    best = int(np.argmax(p))
    if p[best] >= threshold:
        return best
    start, end = bounds[best]
    around = [
        i
        for i, (s, e) in enumerate(bounds)
        if s <= start and end <= e and e - s <= limit
        and sum(q for (a, b), q in zip(bounds, p, strict=True) if s <= a and b <= e) >= threshold
    ]  # fmt: skip
    return min(around, key=lambda i: bounds[i][1] - bounds[i][0]) if around else best
