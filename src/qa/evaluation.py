"""The eval set and its scoring rules, the same everywhere.

Scoring folds text with NFKC and removes white space. A retrieved chunk is
relevant when its text holds a gold answer string. Unanswerable items (no gold
strings) do not count for retrieval.
"""

from __future__ import annotations

import json
import re
import statistics
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "DatasetError",
    "EvalItem",
    "RetrievalReport",
    "fold",
    "load_dataset",
    "relevant",
    "retrieval_report",
]

TYPES = frozenset(
    [
        "date",
        "contact",
        "count",
        "name",
        "place",
        "reason",
        "list",
        "definition",
        "comparison",
        "crosslingual",
        "unanswerable",
    ]
)


class DatasetError(ValueError):
    """An eval file that cannot be read; the message names file and line."""


@dataclass(frozen=True)
class EvalItem:
    """One known question and its gold answers (see ``eval/qa.jsonl``)."""

    id: str
    question: str
    answers: tuple[str, ...]
    source: str
    evidence: str
    type: str
    lang: str

    @property
    def answerable(self) -> bool:
        return bool(self.answers)


def fold(text: str) -> str:
    """The scoring form: NFKC, no white space."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def relevant(text: str, item: EvalItem) -> bool:
    """Whether ``text`` holds one of the item's gold strings."""
    folded = fold(text)
    return any(fold(a) in folded for a in item.answers)


def load_dataset(path: Path) -> list[EvalItem]:
    """Read a JSON-lines eval file.

    Raises:
        DatasetError: Missing file, bad JSON, a missing key or an unknown type.
    """
    if not path.is_file():
        raise DatasetError(f"{path}: eval file not found")
    items = []
    with path.open(encoding="utf-8") as f:
        for n, line in enumerate(f, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                item = EvalItem(
                    id=str(row["id"]),
                    question=row["question"],
                    answers=tuple(row["answers"]),
                    source=row["source"],
                    evidence=row.get("evidence", ""),
                    type=row["type"],
                    lang=row.get("lang", "ja"),
                )
            except (json.JSONDecodeError, KeyError, TypeError) as exc:
                raise DatasetError(f"{path}:{n}: not an eval item ({exc})") from None
            if item.type not in TYPES:
                raise DatasetError(f"{path}:{n}: unknown type {item.type!r}")
            items.append(item)
    if not items:
        raise DatasetError(f"{path}: no items")
    return items


@dataclass(frozen=True)
class RetrievalReport:
    """Retrieval quality of one mode over the answerable items.

    Attributes:
        mode: The retrieval mode.
        n: Answerable items scored.
        hit_at: k → share of items with a relevant hit in the top k (1, 3, 5).
        mrr10: Mean reciprocal rank of the first relevant hit within the top 10.
        ranks: Item id → rank of the first relevant hit (None when not in the top 10).
        latency_ms: p50 and p95 of search time.
    """

    mode: str
    n: int
    hit_at: dict[int, float]
    mrr10: float
    ranks: dict[str, int | None]
    latency_ms: dict[str, float]


def retrieval_report(
    mode: str,
    items: Sequence[EvalItem],
    search: Callable[[str], tuple[list[str], float]],
    progress: Callable[[Iterable[EvalItem]], Iterable[EvalItem]] = iter,
) -> RetrievalReport:
    """Score a search function on the answerable items.

    Args:
        mode: Name of the mode being scored.
        items: The eval items; unanswerable ones are skipped.
        search: Question → (texts of the top-10 hits in rank order, milliseconds).
        progress: Wraps the item iterator, e.g. with a progress bar.
    """
    ranks: dict[str, int | None] = {}
    times = []
    for item in progress([i for i in items if i.answerable]):
        texts, ms = search(item.question)
        times.append(ms)
        ranks[item.id] = next(
            (r for r, text in enumerate(texts[:10], start=1) if relevant(text, item)), None
        )
    n = len(ranks)
    found = [r for r in ranks.values() if r is not None]
    return RetrievalReport(
        mode=mode,
        n=n,
        hit_at={k: sum(r <= k for r in found) / n for k in (1, 3, 5)},
        mrr10=sum(1 / r for r in found) / n,
        ranks=ranks,
        latency_ms=_percentiles(times),
    )


def _percentiles(times: list[float]) -> dict[str, float]:
    if not times:
        return {"p50": 0.0, "p95": 0.0}
    if len(times) == 1:
        return {"p50": times[0], "p95": times[0]}
    cuts = statistics.quantiles(times, n=20, method="inclusive")
    return {"p50": round(statistics.median(times), 2), "p95": round(cuts[18], 2)}
