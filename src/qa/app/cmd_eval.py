"""``qa eval``: retrieval and answer figures on an eval set, the three sets side by side
(``--sets``), or the chat's feedback turned into eval items (``--from-feedback``)."""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
from pathlib import Path

from qa.app.cli_common import Parents, UsageError, bar, searched_as_answered, table
from qa.config import Config
from qa.retrieval.retriever import MODES

__all__ = ["add"]


def add(sub: argparse._SubParsersAction, parents: Parents) -> None:
    """Add ``qa eval`` to ``sub``."""
    p = sub.add_parser(
        "eval",
        parents=[parents.corpus, parents.index],
        help="measure retrieval and answers on the eval set",
        description="Score a JSON-lines eval set: retrieval hit@1/3/5 and MRR@10 per mode; "
        "answer accuracy, exact match, character F1, abstention and citation support per "
        "mode; each per question type and language, with latency p50/p95, the questions whose "
        "answer is not in the top 5 and the questions answered wrong (for hybrid when it is "
        "scored). --report also writes them as Markdown with a plot of accuracy by type.",
    )
    p.add_argument(
        "--dataset", type=Path, default=None, metavar="PATH", help="default: eval/qa.jsonl"
    )
    p.add_argument(
        "--sets",
        action="store_true",
        help="answer figures on eval/qa.jsonl (dev), eval/train.jsonl (fitted on) and "
        "eval/blind.jsonl side by side, with the configured mode (with --json: each set's "
        "figures); blind misses are not shown",
    )
    p.add_argument(
        "--mode",
        dest="eval_mode",
        choices=(*MODES, "all"),
        default="all",
        help="mode to score (default: all)",
    )
    p.add_argument("--json", action="store_true", help="print the figures as JSON")
    p.add_argument(
        "--from-feedback",
        type=Path,
        default=None,
        metavar="OUT",
        help="instead of scoring: write the chat's thumbs up (feedback/feedback.jsonl) as "
        "eval items to OUT (JSON lines) and list the questions voted down, to be answered "
        "by hand",
    )
    p.add_argument(
        "--report",
        type=Path,
        default=None,
        metavar="PATH",
        help="also write the figures as Markdown to PATH, with a PNG plot of answer accuracy "
        "by question type beside it (r.md → r-accuracy-by-type.png); needs matplotlib",
    )
    p.set_defaults(run=run)


def run(args: argparse.Namespace, cfg: Config) -> int:
    from qa.evaluation.dataset import load_dataset
    from qa.evaluation.report import ReportError, check_target, write_report

    if args.sets:
        return _run_sets(args, cfg)
    if args.from_feedback is not None:
        return _run_from_feedback(args.from_feedback, cfg)
    dataset = args.dataset or cfg.corpus_dir.parent / "eval" / "qa.jsonl"
    items = load_dataset(dataset)
    try:
        # Before the long run: a report that cannot be written fails now, not after it.
        target = None if args.report is None else check_target(args.report)
    except ReportError as exc:
        raise UsageError(f"--report: {exc}") from None
    run = _eval_run(args, cfg, dataset, items)
    if args.json:
        print(json.dumps(_run_figures(run), ensure_ascii=False, indent=2))
    else:
        _print_eval(run, {i.id: i for i in items})
    if target is not None:
        # After the figures are out, so that a late failure (disk full) does not lose them.
        try:
            written = write_report(run, target.markdown)
        except ReportError as exc:
            raise UsageError(f"--report: {exc}") from None
        print(f"qa: report written to {written.markdown} and {written.plot}", file=sys.stderr)
    return 0


def _eval_run(args: argparse.Namespace, cfg: Config, dataset: Path, items):
    from datetime import UTC, datetime

    from qa.evaluation.report import describe_index
    from qa.evaluation.retrieval_scores import retrieval_report
    from qa.evaluation.scoring import EvalRun
    from qa.retrieval.engine import open_engine

    started = datetime.now(UTC)
    engine = open_engine(cfg, rebuild=not args.no_rebuild)
    modes = MODES if args.eval_mode == "all" else (args.eval_mode,)
    retrieval = []
    # Searched as the answerer searches, so the table scores its passages.
    search_text = searched_as_answered(engine.index)
    for mode in modes:

        def search(question: str, mode: str = mode) -> tuple[list[str], float]:
            t0 = time.perf_counter()
            hits = engine.retriever.search(search_text(question), mode=mode, k=10)
            return [h.chunk.text for h in hits], (time.perf_counter() - t0) * 1000

        retrieval.append(retrieval_report(mode, items, search, progress=bar(f"retrieval {mode}")))
    return EvalRun(
        dataset=str(dataset),
        questions=len(items),
        answerable=sum(i.answerable for i in items),
        date=started.strftime("%Y-%m-%d %H:%M UTC"),
        model=engine.embedder.name,
        index=describe_index(engine.index.manifest),
        top_k=cfg.top_k,
        retrieval=tuple(retrieval),
        answers=tuple(_answer_report(engine, items, mode, cfg) for mode in modes),
    )


def _run_from_feedback(out: Path, cfg: Config) -> int:
    from qa.app.feedback import FEEDBACK_FILE, eval_items, read

    source = cfg.corpus_dir.parent / FEEDBACK_FILE
    items, review = eval_items(read(source))
    out.write_text("".join(json.dumps(i, ensure_ascii=False) + "\n" for i in items), "utf-8")
    print(f"{len(items)} eval items from {source} written to {out}")
    for r in review:
        print(f"voted down, to answer by hand: {r['question']} (answered: {r['wrong_answer']})")
    return 0


def _run_sets(args: argparse.Namespace, cfg: Config) -> int:
    from qa.answer.answerer import Answerer
    from qa.evaluation.scoring import Response
    from qa.evaluation.sets import score_sets, set_rows, sets_figures
    from qa.generate.responder import Responder
    from qa.retrieval.engine import open_engine

    engine = open_engine(cfg, rebuild=not args.no_rebuild)
    answerer = Answerer.from_engine(engine)
    responder = Responder.from_config(answerer, cfg)
    reports = score_sets(
        cfg.corpus_dir.parent / "eval",
        lambda question: Response.of(responder.answer(question, k=cfg.top_k)),
        cfg.mode,
        lambda name: bar(f"answers {name}"),
    )
    if args.json:
        print(json.dumps(sets_figures(reports), ensure_ascii=False, indent=2))
        return 0
    print(f"Answers per set ({cfg.mode}, top {cfg.top_k} passages)")
    table(set_rows(reports), indent="  ")
    cv = answerer.reader.model.provenance.get("cv_accuracy", {})
    if cv:
        print(f"  reader fit, {len(cv)} parts cross-validated on train: {cv}")
    return 0


def _answer_report(engine, items, mode: str, cfg: Config):
    from qa.answer.answerer import Answerer
    from qa.evaluation.scoring import Response, evaluate_answers
    from qa.generate.responder import Responder

    responder = Responder.from_config(Answerer.from_engine(engine, mode=mode), cfg)
    return evaluate_answers(
        mode,
        items,
        lambda question: Response.of(responder.answer(question, k=cfg.top_k)),
        progress=bar(f"answers {mode}"),
    )


def _run_figures(run) -> dict:
    return {
        "retrieval": [dataclasses.asdict(r) for r in run.retrieval],
        "answers": run.focus.to_dict(),
        "answers_by_mode": {a.mode: a.to_dict() for a in run.answers},
    }


def _print_eval(run, by_id) -> None:
    from qa.evaluation.report import retrieval_rows

    reports = run.retrieval
    print(f"Retrieval on {run.dataset}: {run.answerable} answerable of {run.questions} questions\n")
    table(retrieval_rows(reports))
    for group in ("type", "lang"):
        values = sorted({getattr(by_id[i], group) for i in reports[0].ranks})
        print(f"\nhit@5 by {group}:")
        rows = [(group, "n", *(r.mode for r in reports))]
        for v in values:
            ids = [i for i in reports[0].ranks if getattr(by_id[i], group) == v]
            rows.append((v, str(len(ids)), *(f"{_share(r.ranks, ids):.3f}" for r in reports)))
        table(rows, indent="  ")
    last = reports[-1]
    missed = [i for i, rank in last.ranks.items() if rank is None or rank > 5]
    print(f"\nNot in the top 5 ({last.mode}): {len(missed)}")
    for i in missed:
        rank = "" if last.ranks[i] is None else last.ranks[i]
        item = by_id[i]
        gold = item.answers[0] if item.answers else f"count {item.count}"
        print(f"  {i} [rank {rank or '>10'}] {item.question}  → {gold}")
    _print_answer_report(run)


def _print_answer_report(run) -> None:
    import textwrap

    from qa.evaluation.report import ANSWER_KEY, accuracy_rows, answer_rows, generator_lines

    print(f"\nAnswers ({run.questions} questions, top {run.top_k} passages)")
    table(answer_rows(run.answers), indent="  ")
    print(textwrap.fill(f"({ANSWER_KEY})", width=98, initial_indent="  ", subsequent_indent="   "))
    for line in generator_lines(run.answers):
        print(f"  {line}")
    for group in ("type", "lang"):
        print(f"\naccuracy by {group}:")
        table(accuracy_rows(run.answers, group), indent="  ")
    focus = run.focus
    print(f"\nWrong answers ({focus.mode}): {len(focus.wrong)}")
    for o in focus.wrong:
        said = "(abstained)" if o.abstained else " ".join(o.answer.split())[:80]
        gold = o.item.answers[0] if o.item.answers else "(unanswerable)"
        by = f" ({o.generator})" if o.generator != "extractive" else ""
        print(f"  {o.item.id} [{o.item.type}/{o.item.lang}] {o.item.question}")
        print(f"      said{by}: {said}\n      gold: {gold}")


def _share(ranks: dict[str, int | None], ids: list[str]) -> float:
    return sum(1 for i in ids if ranks[i] is not None and ranks[i] <= 5) / len(ids)
