"""Retrieval figures over an eval set: hit@1/3/5, MRR@10 and latency per mode."""

from __future__ import annotations

import statistics
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from qa.evaluation.dataset import EvalItem, relevant

__all__ = ["RetrievalReport", "percentiles", "retrieval_report"]


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
        latency_ms=percentiles(times),
    )


def percentiles(times: list[float]) -> dict[str, float]:
    if not times:
        return {"p50": 0.0, "p95": 0.0}
    if len(times) == 1:
        return {"p50": times[0], "p95": times[0]}
    cuts = statistics.quantiles(times, n=20, method="inclusive")
    return {"p50": round(statistics.median(times), 2), "p95": round(cuts[18], 2)}


#: Longest acceptable answer per question type; reasons and lists may run longer.
