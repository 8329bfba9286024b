"""The reader's scorer: a conditional-logit model over a question's candidates.

Weights are data with provenance (``weights.json`` beside this module): the
feature names, their weights, and what they were fitted on and when. They are
fitted by :mod:`qa.reader.fit`, never at run time.

Two sets of weights: ``unit`` scores which unit (sentence, row, card field)
answers, and the no-answer candidate beside them; ``span`` scores which span of
that unit is the answer.

Example:
    >>> m = ReaderModel({"unit": {"a": 2.0, "na": -1.0}, "span": {}})
    >>> m.scores([{"a": 1.0}, {"na": 1.0}], "unit").tolist()
    [2.0, -1.0]
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["ReaderModel", "WeightsError", "default_weights_path", "fit_conditional_logit"]


class WeightsError(ValueError):
    """A weights file that cannot be used; the message names the file and the fix."""


def default_weights_path() -> Path:
    """The weights shipped with the package."""
    return Path(str(resources.files("qa.reader").joinpath("weights.json")))


@dataclass(frozen=True)
class ReaderModel:
    """Feature weights and where they came from.

    Attributes:
        weights: ``unit`` and ``span`` → feature name → weight; features without
            a weight count 0.
        provenance: What the weights were fitted on (data files, sizes, date, scores).
        span_threshold: The best span of a unit is the answer when its probability
            among the unit's spans reaches this; below it, the whole unit is.
        no_answer_margin: The best unit answers only when it outscores the
            no-answer candidate by more than this.
    """

    weights: dict[str, dict[str, float]]
    provenance: dict[str, Any] = field(default_factory=dict)
    span_threshold: float = 0.0
    no_answer_margin: float = 0.0

    def scores(self, feats: Sequence[dict[str, float]], part: str) -> np.ndarray:
        """One score per feature dict, with the ``part`` (``unit`` or ``span``) weights."""
        w = self.weights.get(part, {})
        return np.array([sum(w.get(k, 0.0) * x for k, x in f.items()) for f in feats])

    @classmethod
    def load(cls, path: Path | None = None) -> ReaderModel:
        """Read a weights file.

        Raises:
            WeightsError: Missing or malformed; run ``python -m qa.reader.fit`` to write one.
        """
        path = path or default_weights_path()
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
            weights = {
                str(part): {str(k): float(v) for k, v in table.items()}
                for part, table in data["weights"].items()
            }
            provenance = dict(data.get("provenance", {}))
            threshold = float(data.get("span_threshold", 0.0))
            margin = float(data.get("no_answer_margin", 0.0))
        except FileNotFoundError:
            raise WeightsError(
                f"{path}: reader weights not found; write them with `python -m qa.reader.fit`"
            ) from None
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise WeightsError(
                f"{path}: not a reader weights file ({exc}); "
                "rewrite it with `python -m qa.reader.fit`"
            ) from None
        return cls(weights, provenance, threshold, margin)

    def save(self, path: Path) -> None:
        """Write the weights atomically (a temporary file renamed over ``path``)."""
        path = Path(path)
        body = {
            "provenance": self.provenance,
            "span_threshold": self.span_threshold,
            "no_answer_margin": self.no_answer_margin,
            "weights": {
                part: dict(sorted(table.items(), key=lambda kv: (-abs(kv[1]), kv[0])))
                for part, table in self.weights.items()
            },
        }
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".weights-", suffix=".json")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(body, f, ensure_ascii=False, indent=1)
                f.write("\n")
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


def fit_conditional_logit(
    groups: Sequence[tuple[Sequence[dict[str, float]], Sequence[bool]]],
    *,
    l2: float = 1.0,
    min_count: int = 3,
) -> dict[str, float]:
    """Fit weights so each group's positive candidates outscore the rest.

    Maximises the sum over groups of log(Σ_pos exp s / Σ_all exp s), s = w·x,
    with an L2 penalty, by L-BFGS (scipy). Features seen in fewer than
    ``min_count`` groups are dropped. Groups without a positive are skipped.

    Args:
        groups: Per question, its candidates' features and which are right.
        l2: Strength of the L2 penalty.
        min_count: Fewest groups a feature must occur in to get a weight.
    """
    from scipy.optimize import minimize
    from scipy.sparse import csr_matrix

    counts: dict[str, int] = {}
    for feats, _ in groups:
        for name in {k for f in feats for k in f}:
            counts[name] = counts.get(name, 0) + 1
    names = sorted(k for k, n in counts.items() if n >= min_count)
    col = {k: i for i, k in enumerate(names)}
    rows, cols, vals, pos, starts = [], [], [], [], []
    r = 0
    for feats, labels in groups:
        if not any(labels) or all(labels):
            continue
        starts.append(r)
        for f, label in zip(feats, labels, strict=True):
            for k, val in f.items():
                if k in col and val:
                    rows.append(r)
                    cols.append(col[k])
                    vals.append(val)
            pos.append(bool(label))
            r += 1
    x = csr_matrix((vals, (rows, cols)), shape=(r, len(names)))
    positive = np.asarray(pos, dtype=bool)
    group = np.repeat(np.arange(len(starts)), np.diff([*starts, r]))
    starts_arr = np.asarray(starts)

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        s = x @ w
        s = s - np.maximum.reduceat(s, starts_arr)[group]
        e = np.exp(s)
        z_all = np.add.reduceat(e, starts_arr)
        z_pos = np.add.reduceat(e * positive, starts_arr)
        total = float(np.sum(np.log(z_all) - np.log(z_pos))) + l2 * float(w @ w)
        p = e / z_all[group] - e * positive / z_pos[group]
        return total, x.T @ p + 2 * l2 * w

    result = minimize(loss, np.zeros(len(names)), jac=True, method="L-BFGS-B")
    return {k: float(w) for k, w in zip(names, result.x, strict=True) if abs(w) > 1e-6}
