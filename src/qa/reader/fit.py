"""Fit the reader's weights on a training set: ``python -m qa.reader.fit``.

For every training question the reader's candidates are built exactly as at
answer time (same retrieval, same units, same features). A candidate is right
when it holds the gold answer (every gold string for ``match: all`` items)
within the eval's length limit; when some right candidates are at most three
times the gold's length, only those count, so short spans are preferred. Two
models are fitted: units (a unit is right when it holds the gold, whatever its
length; the no-answer candidate is right exactly for unanswerable questions)
and spans within the right units (short right spans preferred, as above). The
L2 strength of each is chosen by k-fold cross-validation on the training set;
the weights are then fitted on all of it and written with their provenance.

Usage:
    python -m qa.reader.fit [--train eval/train.jsonl] [--out src/qa/reader/weights.json]
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NamedTuple

import numpy as np

from qa.evaluation.dataset import EvalItem, fold, load_dataset
from qa.evaluation.scoring import answer_limit, score_answer
from qa.files import sha256_file
from qa.reader.model import ReaderModel, default_weights_path, fit_conditional_logit
from qa.reader.span_choice import held_span, longest_answer
from qa.reader.span_head import SpanHead, find_span_head, head_fold

__all__ = ["Group", "build_groups", "cautious", "cross_validate", "labels_for", "main"]

#: A right answer at most this many times the gold's length counts as short.
SHORT_FACTOR = 3


class Group(NamedTuple):
    """One question's candidates: features, which are right (short ones preferred),
    their texts, and which would be scored right by the eval's lenient rule; for the
    spans of a unit also where each is and the longest answer the question takes."""

    features: list[dict[str, float]]
    labels: list[bool]
    texts: list[str]
    lenient: list[bool]
    bounds: tuple[tuple[int, int], ...] = ()
    limit: int = 0


#: Span-probability thresholds tried: below it the whole unit is the answer.
THRESHOLDS = (0.0, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)
#: No-answer margins tried: the best unit must outscore answering nothing by more.
MARGINS = (-1.0, -0.5, 0.0, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0)
#: Held-out scores this close to the best are not told apart when choosing a margin or
#: a span threshold.
TOLERANCE = 0.002
#: Right units per question whose spans are fitted on.
SPAN_UNITS = 2


def labels_for(item: EvalItem, texts: Sequence[str], *, short: bool = True) -> list[bool]:
    """Which candidate texts are right answers to ``item`` (no-answer not included).

    With ``short``, when some right texts are at most :data:`SHORT_FACTOR` times the
    gold's length, only those count.
    """
    if not item.answerable:
        return [False] * len(texts)
    golds = [fold(a) for a in item.answers]
    limit = answer_limit(item)
    need = all if item.match == "all" else any
    folded = [fold(t) for t in texts]
    holds = [need(g in f for g in golds) for f in folded]
    if not short:
        return holds
    ok = [h and len(t) <= limit for h, t in zip(holds, texts, strict=True)]
    longest = max(len(g) for g in golds) * SHORT_FACTOR
    brief = [o and len(f) <= longest for o, f in zip(ok, folded, strict=True)]
    return brief if any(brief) else ok


def build_groups(
    answerer, items: Sequence[EvalItem], progress=iter
) -> tuple[list[Group], list[Group]]:
    """Unit groups (one per item, no-answer last) and span groups (per right unit)."""
    unit_groups: list[Group] = []
    span_groups: list[Group] = []
    for item in progress(items):
        if item.count is not None:  # a list of agreements, not a span, answers it
            continue
        q, _, reading = answerer.read(item.question)
        texts = [c.text for c in reading.units]
        holds = labels_for(item, texts, short=False)
        unit_groups.append(
            Group(list(reading.unit_features), [*holds, not item.answerable], [*texts, ""], [])
        )
        view = answerer.reader.view(q)
        qvec = answerer.retriever.query_vector(q.search)
        right = [u for u, h in zip(reading.units, holds, strict=True) if h]
        for unit in right[:SPAN_UNITS]:
            spans, feats = answerer.reader.span_candidates(view, unit, qvec)
            span_texts = [c.text for c in spans]
            lenient = [
                h and len(t) <= answer_limit(item)
                for h, t in zip(labels_for(item, span_texts, short=False), span_texts, strict=True)
            ]
            span_groups.append(
                Group(
                    feats,
                    labels_for(item, span_texts),
                    span_texts,
                    lenient,
                    tuple((c.start, c.end) for c in spans),
                    longest_answer(q.answer_type),
                )
            )
    return unit_groups, span_groups


def build_route_groups(answerer, items: Sequence[EvalItem], progress=iter) -> list[Group]:
    """Per item: the reader's answer (no features) against the list of agreements
    its constraints select, each labelled by whether the eval scores it right."""
    from qa.answer.answerer import ABSTAIN
    from qa.answer.listing import listing_text
    from qa.reader.route import route_features

    groups: list[Group] = []
    for item in progress(items):
        q, hits, reading = answerer.read(item.question)
        said = reading.candidate.text if reading.candidate is not None else ABSTAIN[q.lang]
        reader_right = score_answer(item, said, reading.candidate is None, ()).right
        selection = answerer.agreements.select(q)
        listed = listing_text(q, selection)
        list_right = score_answer(item, listed, not selection.rows, ()).right
        feats = route_features(q, selection, reading, hits)
        groups.append(Group([{}, feats], [reader_right, list_right], [said, listed], []))
    return groups


def _accuracy(weights: dict[str, float], groups: Sequence[Group], part: str) -> float:
    model = ReaderModel({part: weights})
    right = 0
    for g in groups:
        right += bool(g.labels[int(np.argmax(model.scores(g.features, part)))])
    return right / len(groups) if groups else 0.0


def _folds(groups: Sequence[Group], l2: float, folds: int):
    """Per fold: the weights fitted on the other folds, and this fold's groups."""
    for k in range(folds):
        train = [g for i, g in enumerate(groups) if i % folds != k]
        test = [g for i, g in enumerate(groups) if i % folds == k and any(g.labels)]
        yield fit_conditional_logit([(g.features, g.labels) for g in train], l2=l2), test


def cross_validate(groups: Sequence[Group], l2: float, part: str, folds: int = 5) -> float:
    """Mean held-out accuracy (a right candidate on top) over ``folds`` folds."""
    return float(np.mean([_accuracy(w, test, part) for w, test in _folds(groups, l2, folds)]))


def _held_out(
    groups: Sequence[Group],
    l2: float,
    folds: int,
    part: str,
    grid: Sequence[float],
    outcome: Callable[[Group, np.ndarray, float], float],
) -> dict[float, float]:
    """Mean held-out ``outcome(group, scores, setting)`` of each setting of ``grid``."""
    totals = dict.fromkeys(grid, 0.0)
    n = 0
    for weights, test in _folds(groups, l2, folds):
        model = ReaderModel({part: weights})
        for g in test:
            if len(g.features) < 2:
                continue
            s = model.scores(g.features, part)
            n += 1
            for t in grid:
                totals[t] += outcome(g, s, t)
    return {t: v / n for t, v in totals.items()} if n else totals


def choose_margin(groups: Sequence[Group], l2: float, folds: int = 5) -> dict[float, float]:
    """Held-out accuracy of each no-answer margin: the best unit answers only when it
    outscores the no-answer candidate (last in each unit group) by more than the margin;
    otherwise the reader abstains, which is right exactly for unanswerable questions."""

    def outcome(g: Group, s: np.ndarray, margin: float) -> float:
        best = int(np.argmax(s[:-1]))
        return float(g.labels[best] if s[best] - s[-1] > margin else g.labels[-1])

    return _held_out(groups, l2, folds, "unit", MARGINS, outcome)


def cautious(by_setting: dict[float, float]) -> float:
    """The largest setting whose held-out score is within :data:`TOLERANCE` of the best.

    Between settings the training set cannot tell apart, the cautious one: the larger
    no-answer margin answers less, and the larger span threshold answers with a short
    span only when surer (else with a longer one holding it), since a wrong answer
    costs a user more than "the documents do not say" or a longer right one."""
    best = max(by_setting.values())
    return max(m for m, acc in by_setting.items() if acc >= best - TOLERANCE)


def choose_threshold(groups: Sequence[Group], l2: float, folds: int = 5) -> dict[float, float]:
    """Held-out score of each span threshold: the mean of lenient and short-span accuracy
    of the span the reader answers with (:func:`~qa.reader.span_choice.held_span`)."""

    def outcome(g: Group, s: np.ndarray, threshold: float) -> float:
        p = np.exp(s - s.max())
        i = held_span(g.bounds, p / p.sum(), threshold, g.limit)
        return (g.lenient[i] + g.labels[i]) / 2

    return _held_out(groups, l2, folds, "span", THRESHOLDS, outcome)


def _fit_part(
    part: str, groups: list, l2s: Sequence[float], folds: int, **fit: int
) -> tuple[dict[str, float], float, dict[str, float]]:
    """Cross-validate each L2 strength on ``groups``, then fit on all of them with the
    best: the accuracy per strength, the strength chosen and the weights."""
    cv = {str(l2): cross_validate(groups, l2, part, folds) for l2 in l2s}
    for l2, acc in cv.items():
        print(f"{part}: l2={l2}: {folds}-fold accuracy {acc:.3f}", file=sys.stderr)
    chosen = float(max(cv, key=lambda k: cv[k]))
    weights = fit_conditional_logit([(g.features, g.labels) for g in groups], l2=chosen, **fit)
    return cv, chosen, weights


def _arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m qa.reader.fit", description="Fit the reader's weights on a training set."
    )
    parser.add_argument("--train", type=Path, default=Path("eval/train.jsonl"))
    parser.add_argument("--out", type=Path, default=default_weights_path())
    parser.add_argument("--l2", type=float, nargs="+", default=[0.1, 0.3, 1.0])
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument(
        "--span-heads",
        type=Path,
        nargs="+",
        default=None,
        help="folders of span heads each trained without one fold of the training set "
        "(scripts/train_span_head.py --fold k); a question is read with the head that did "
        "not see it. Without them the head beside the model reads every question.",
    )
    parser.add_argument(
        "--route-only",
        action="store_true",
        help="keep the unit and span weights, span threshold and no-answer margin of "
        "--out and fit the route (a list of agreements or the reader's answer) alone",
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = _arguments(argv)

    from tqdm import tqdm

    from qa.answer.answerer import Answerer
    from qa.config import Config
    from qa.retrieval.engine import open_engine

    items = load_dataset(args.train)
    cfg = Config.from_env()
    engine = open_engine(cfg)
    answerer = Answerer(engine.retriever, mode=cfg.mode, model=ReaderModel({}))
    heads = [SpanHead.open(folder) for folder in args.span_heads or ()]

    def progress(it: Sequence[EvalItem], desc: str):
        for item in tqdm(it, desc=desc, file=sys.stderr):
            if heads:  # the head that was trained without this question
                answerer.reader.span_head = heads[head_fold(item.id, len(heads))]
            yield item

    if args.route_only:
        return _refit_route(args, answerer, items, progress)
    units, spans = build_groups(answerer, items, lambda it: progress(it, "candidates"))
    usable = sum(any(g.labels) for g in units)
    print(f"{len(units)} questions, {usable} with a right unit or unanswerable", file=sys.stderr)
    weights: dict[str, dict[str, float]] = {}
    chosen: dict[str, float] = {}
    cv: dict[str, dict[str, float]] = {}
    for part, groups in (("unit", units), ("span", spans)):
        cv[part], chosen[part], weights[part] = _fit_part(part, groups, args.l2, args.folds)
    by_threshold = choose_threshold(spans, chosen["span"], args.folds)
    threshold = cautious(by_threshold)
    print(f"span threshold {threshold:g} ({by_threshold})", file=sys.stderr)
    by_margin = choose_margin(units, chosen["unit"], args.folds)
    margin = cautious(by_margin)
    print(f"no-answer margin {margin:g} ({by_margin})", file=sys.stderr)
    # Which answer, the reader's or a list of agreements: fitted on what the
    # reader just fitted answers.
    answerer.reader.model = ReaderModel(weights, span_threshold=threshold, no_answer_margin=margin)
    cv["route"], chosen["route"], weights["route"], decided = _fit_route(
        args, answerer, items, progress
    )
    provenance = {
        **_fitted_on(args, items),
        "corpus": engine.index.manifest.corpus,
        "model": engine.index.manifest.model,
        "units_hash": engine.index.manifest.units_hash,
        "span_head": {
            "sha256": getattr(find_span_head(engine.index.manifest.model), "sha256", ""),
            "folds": [str(f) for f in args.span_heads or ()],
        },
        "mode": cfg.mode,
        "l2": chosen,
        "cv_accuracy": cv,
        "groups": {"unit": usable, "span": len(spans), "route": decided},
        "span_threshold_scores": {str(k): round(v, 4) for k, v in by_threshold.items()},
        "no_answer_margin_scores": {str(k): round(v, 4) for k, v in by_margin.items()},
        "features": {part: len(w) for part, w in weights.items()},
    }
    ReaderModel(weights, provenance, threshold, margin).save(args.out)
    print(f"wrote the reader's weights to {args.out} (l2={chosen})", file=sys.stderr)
    return 0


def _refit_route(args: argparse.Namespace, answerer, items: Sequence[EvalItem], progress) -> int:
    """Fit the route alone on the reader of ``args.out``, which keeps everything else."""
    kept = ReaderModel.load(args.out)
    answerer.reader.model = kept
    cv, l2, route, decided = _fit_route(args, answerer, items, progress)
    provenance = dict(kept.provenance)
    provenance["route"] = {
        **_fitted_on(args, items),
        "span_head_folds": [str(f) for f in args.span_heads or ()],
        "l2": l2,
        "cv_accuracy": cv,
        "groups": decided,
        "features": len(route),
    }
    weights = {**kept.weights, "route": route}
    ReaderModel(weights, provenance, kept.span_threshold, kept.no_answer_margin).save(args.out)
    print(f"wrote the reader's weights with a new route to {args.out} (l2={l2})", file=sys.stderr)
    return 0


def _fit_route(
    args: argparse.Namespace, answerer, items: Sequence[EvalItem], progress
) -> tuple[dict[str, float], float, dict[str, float], int]:
    """The route fitted on the questions where exactly one of the answerer's reader
    and its list is right: the accuracy per L2 strength, the strength chosen, the
    weights, and how many questions were fitted on."""
    routes = build_route_groups(answerer, items, lambda it: progress(it, "routes"))
    decided = [g for g in routes if any(g.labels) and not all(g.labels)]
    cv, l2, weights = _fit_part("route", decided, args.l2, args.folds, min_count=1)
    return cv, l2, weights, len(decided)


def _fitted_on(args: argparse.Namespace, items: Sequence[EvalItem]) -> dict[str, object]:
    """When, and on which training file, a fit was made."""
    return {
        "fitted": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "train": {"path": str(args.train), "sha256": sha256_file(args.train), "items": len(items)},
    }


if __name__ == "__main__":
    raise SystemExit(main())
