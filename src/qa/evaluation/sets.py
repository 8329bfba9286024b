"""``qa eval --sets``: answer figures on the dev, train and blind sets side by side.

The dev set (``eval/qa.jsonl``) is for looking and tuning, the train set
(``eval/train.jsonl``) is what the reader and the embedding delta were fitted on
(its row is in-sample; the cross-validated figures of the fit are printed from
the weights' provenance), and the blind set (``eval/blind.jsonl``) was written
before any tuning and is only ever scored: its misses are not printed.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from pathlib import Path

from qa.evaluation.dataset import EvalItem, load_dataset
from qa.evaluation.scoring import AnswerReport, Response, evaluate_answers

__all__ = ["SETS", "score_sets", "set_rows", "sets_figures"]

#: Set name → file under ``eval/``.
SETS = {"dev": "qa.jsonl", "train": "train.jsonl", "blind": "blind.jsonl"}


def score_sets(
    eval_dir: Path,
    respond: Callable[[str], Response],
    mode: str,
    progress: Callable[[str], Callable[[Iterable[EvalItem]], Iterable[EvalItem]]],
) -> dict[str, AnswerReport]:
    """Answer every set found in ``eval_dir``; set name → its report."""
    reports = {}
    for name, file in SETS.items():
        path = eval_dir / file
        if not path.is_file():
            print(f"qa: {path} not found; the {name} set is skipped", file=sys.stderr)
            continue
        reports[name] = evaluate_answers(mode, load_dataset(path), respond, progress(name))
    return reports


def set_rows(reports: dict[str, AnswerReport]) -> list[tuple[str, ...]]:
    """A table: header, then one row per set."""
    rows = [
        ("set", "n", "accuracy", "strict", "line", "precision", "abstain", "false abstain",
         "lists", "p50 ms")
    ]  # fmt: skip
    for name, r in reports.items():
        lists, lists_right = r.lists
        rows.append(
            (name, str(r.n), f"{r.accuracy:.3f}", f"{r.strict_accuracy:.3f}",
             f"{r.unit_accuracy:.3f}", f"{r.precision:.3f}", f"{r.abstained_unanswerable:.3f}",
             f"{r.false_abstention:.3f}", f"{lists_right:.3f} ({lists})" if lists else "-",
             f"{r.latency_ms['p50']:.1f}")
        )  # fmt: skip
    return rows


def sets_figures(reports: dict[str, AnswerReport]) -> dict[str, dict]:
    """The figures of each set as JSON-ready dicts (``qa eval --sets --json``): every
    figure of its report and its wrong answers, the blind set's only counted."""
    return {name: r.to_dict(misses=name != "blind") for name, r in reports.items()}
