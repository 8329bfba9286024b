"""The eval's figures as table rows, a Markdown report and a PNG plot.

Pure functions turn an :class:`~qa.evaluation.scoring.EvalRun` and its per-mode reports
into rows of text (which ``qa eval`` prints and the Markdown reuses), into
Markdown and into a grouped bar chart of answer accuracy by question type.
:func:`write_report` writes the Markdown and the plot side by side, each to a
temporary file renamed into place, so a failed run never leaves half a report;
:func:`check_target` says beforehand whether that can work. matplotlib is
imported only to draw, with the Agg canvas (no display).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, Literal, NamedTuple
from urllib.parse import quote

from qa.evaluation.retrieval_scores import RetrievalReport
from qa.evaluation.scoring import AnswerReport, EvalRun

if TYPE_CHECKING:
    from qa.index.manifest import IndexManifest

__all__ = [
    "ANSWER_KEY",
    "PLOT_DPI",
    "PLOT_SIZE",
    "ReportError",
    "ReportPaths",
    "accuracy_rows",
    "answer_rows",
    "check_target",
    "describe_index",
    "generator_lines",
    "plot_accuracy_by_type",
    "render_markdown",
    "report_paths",
    "retrieval_rows",
    "write_report",
]

#: A table: the header row, then one row per line, every cell already text.
Rows = list[tuple[str, ...]]

#: Plot size in inches and resolution: the PNG is 1100 × 500 pixels.
PLOT_SIZE = (11.0, 5.0)
PLOT_DPI = 100

#: What the short headers of :func:`answer_rows` mean.
ANSWER_KEY = (
    "strict: right with an answer at most 3x its gold's length; line: the answer's line of "
    "the passage holds the gold; precision: right among the answers given; "
    "exact and char F1: over answerable questions; abstain: unanswerable questions abstained "
    "on; false abstain: answerable questions abstained on; cited: right answers with a gold "
    "string in their first three citations"
)

_SAID_CHARS = 120


class ReportError(ValueError):
    """A report that cannot be written; the message says where and why."""


class ReportPaths(NamedTuple):
    """Where a report goes: the Markdown and, beside it, the plot it links."""

    markdown: Path
    plot: Path


def report_paths(markdown: Path) -> ReportPaths:
    """The Markdown path and its plot's, e.g. ``r.md`` → ``r-accuracy-by-type.png``."""
    return ReportPaths(markdown, markdown.with_name(f"{markdown.stem}-accuracy-by-type.png"))


def check_target(markdown: Path) -> ReportPaths:
    """Check that a report can be written there, before spending time on the figures.

    Raises:
        ReportError: The folder is missing, not a folder or not writable, a target is a
            folder, or matplotlib is not installed.
    """
    paths = report_paths(markdown)
    folder = markdown.parent
    if not folder.exists():
        raise ReportError(f"{folder}: folder not found")
    if not folder.is_dir():
        raise ReportError(f"{folder}: not a folder")
    for path in paths:
        if path.is_dir():
            raise ReportError(f"{path}: is a folder")
    try:
        # A real write, not os.access: that says yes to root and on read-only mounts.
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as exc:
        raise ReportError(f"{folder}: cannot write there ({exc.strerror or exc})") from None
    _agg()
    return paths


def describe_index(manifest: IndexManifest) -> str:
    """One line on an index: size, when and with what it was built."""
    versions = ", ".join(f"{name} {v}" for name, v in manifest.versions.items())
    return (
        f"{manifest.chunks} chunks, {manifest.passages} passages, {len(manifest.corpus)} "
        f"corpus files, tokenizer {manifest.tokenizer}, "
        f"built {manifest.built_at or '?'} in {manifest.build_seconds:.0f} s"
        + (f" with {versions}" if versions else "")
    )


def retrieval_rows(reports: Sequence[RetrievalReport]) -> Rows:
    """Retrieval figures, one row per mode."""
    rows: Rows = [("mode", "n", "hit@1", "hit@3", "hit@5", "MRR@10", "p50 ms", "p95 ms")]
    for r in reports:
        rows.append(
            (r.mode, str(r.n), *(f"{r.hit_at[k]:.3f}" for k in (1, 3, 5)), f"{r.mrr10:.3f}",
             f"{r.latency_ms['p50']:.1f}", f"{r.latency_ms['p95']:.1f}")
        )  # fmt: skip
    return rows


def answer_rows(reports: Sequence[AnswerReport]) -> Rows:
    """Answer figures, one row per mode (the headers are explained by :data:`ANSWER_KEY`)."""
    rows: Rows = [
        ("mode", "n", "accuracy", "strict", "line", "precision", "exact", "char F1", "abstain",
         "false abstain", "cited", "p50 ms", "p95 ms")
    ]  # fmt: skip
    for r in reports:
        rows.append(
            (r.mode, str(r.n), f"{r.accuracy:.3f}", f"{r.strict_accuracy:.3f}",
             f"{r.unit_accuracy:.3f}", f"{r.precision:.3f}", f"{r.exact_match:.3f}",
             f"{r.char_f1:.3f}",
             f"{r.abstained_unanswerable:.3f}", f"{r.false_abstention:.3f}",
             f"{r.citation_support:.3f}", f"{r.latency_ms['p50']:.1f}",
             f"{r.latency_ms['p95']:.1f}")
        )  # fmt: skip
    return rows


def generator_lines(reports: Sequence[AnswerReport]) -> list[str]:
    """Who wrote the answers, one line per mode, e.g. ``generators: extractive 185`` (with
    the mode in brackets when there are several) and the LLM fallbacks by reason if any."""
    lines = []
    for r in reports:
        where = f" ({r.mode})" if len(reports) > 1 else ""
        counts = ", ".join(f"{name} {n}" for name, n in r.generators.items()) or "none"
        lines.append(f"generators{where}: {counts}")
        if r.fallbacks:
            reasons = ", ".join(f"{code} {n}" for code, n in r.fallbacks.items())
            lines.append(f"LLM fallbacks{where}: {reasons}")
    return lines


def accuracy_rows(reports: Sequence[AnswerReport], by: Literal["type", "lang"]) -> Rows:
    """Answer accuracy per question type or language, one column per mode."""
    groups = [r.by_type if by == "type" else r.by_lang for r in reports]
    names = sorted({name for g in groups for name in g})
    rows: Rows = [(by, "n", *(r.mode for r in reports))]
    for name in names:
        n = next(g[name][0] for g in groups if name in g)
        rows.append((name, str(n), *(f"{g[name][1]:.3f}" if name in g else "–" for g in groups)))
    return rows


def render_markdown(run: EvalRun, plot: str | None = None) -> str:
    """The run as a Markdown report.

    Args:
        run: The figures and what produced them.
        plot: Path of the accuracy plot relative to the report, to link; None for no link.
    """
    focus = run.focus
    lines = [
        "# qa eval report",
        "",
        f"- Dataset: `{run.dataset}`: {run.questions} questions, {run.answerable} answerable",
        f"- Date: {run.date}",
        f"- Embedding model: `{run.model}`",
        f"- Index: {run.index}",
        f"- Answers from the top {run.top_k} passages",
        "",
        "## Retrieval",
        "",
        f"Over the {run.answerable} answerable questions; a hit is relevant when its text "
        "holds a gold answer string.",
        "",
        *_markdown_table(retrieval_rows(run.retrieval)),
        "",
        "## Answers",
        "",
        *_markdown_table(answer_rows(run.answers)),
        "",
        f"{ANSWER_KEY[0].upper()}{ANSWER_KEY[1:]}.",
        "",
        *(f"- {line[0].upper()}{line[1:]}" for line in generator_lines(run.answers)),
        "",
    ]
    if plot is not None:
        lines += [f"![Answer accuracy by question type and retrieval mode]({quote(plot)})", ""]
    lines += [
        "### Accuracy by question type",
        "",
        *_markdown_table(accuracy_rows(run.answers, "type")),
        "",
        "### Accuracy by language",
        "",
        *_markdown_table(accuracy_rows(run.answers, "lang")),
        "",
        f"## Wrong answers ({focus.mode}): {len(focus.wrong)} of {focus.n}",
        "",
    ]
    wrong: Rows = [("id", "type", "lang", "question", "answer", "gold")]
    for o in focus.wrong:
        said = "(abstained)" if o.abstained else _shorten(o.answer)
        gold = o.item.answers[0] if o.item.answers else "(unanswerable)"
        wrong.append((o.item.id, o.item.type, o.item.lang, o.item.question, said, gold))
    if len(wrong) > 1:
        lines += [*_markdown_table(wrong, numeric=False), ""]
    return "\n".join(lines)


def plot_accuracy_by_type(reports: Sequence[AnswerReport], out: Path | BinaryIO) -> None:
    """Draw answer accuracy per question type, one bar per mode, as a PNG.

    Raises:
        ReportError: matplotlib is not installed.
    """
    figure_class, canvas_class = _agg()
    fig = figure_class(figsize=PLOT_SIZE, dpi=PLOT_DPI, layout="constrained")
    canvas_class(fig)
    ax = fig.add_subplot()
    types = sorted({t for r in reports for t in r.by_type})
    counts = {t: next(r.by_type[t][0] for r in reports if t in r.by_type) for t in types}
    width = 0.8 / max(len(reports), 1)
    for i, r in enumerate(reports):
        xs = [x - 0.4 + width * (i + 0.5) for x in range(len(types))]
        bars = ax.bar(xs, [r.by_type.get(t, (0, 0.0))[1] for t in types], width, label=r.mode)
        ax.bar_label(bars, fmt="%.2f", fontsize=6, padding=1)
    ax.set_xticks(range(len(types)), [f"{t}\n(n={counts[t]})" for t in types], fontsize=8)
    ax.set_ylim(0, 1.08)
    ax.set_ylabel("answer accuracy")
    ax.set_title(f"Answer accuracy by question type and retrieval mode ({reports[0].n} questions)")
    ax.yaxis.grid(True, alpha=0.3)
    ax.set_axisbelow(True)
    ax.legend(title="retrieval mode", loc="upper left", bbox_to_anchor=(1.0, 1.0))
    fig.savefig(out, format="png", metadata={"Software": None})


def write_report(run: EvalRun, markdown: Path) -> ReportPaths:
    """Write the Markdown report and its plot beside it, each atomically.

    Raises:
        ReportError: Either file cannot be written; neither is then left half-written.
    """
    paths = report_paths(markdown)
    text = render_markdown(run, paths.plot.name)
    temps = [p.with_name(f".{p.name}.{os.getpid()}.tmp") for p in paths]
    try:
        with temps[1].open("wb") as f:
            plot_accuracy_by_type(run.answers, f)
        temps[0].write_text(text, encoding="utf-8")
        os.replace(temps[1], paths.plot)
        os.replace(temps[0], paths.markdown)
    except OSError as exc:
        raise ReportError(f"cannot write the report: {exc}") from None
    finally:
        for temp in temps:
            temp.unlink(missing_ok=True)
    return paths


def _agg():
    """matplotlib's Figure and Agg canvas classes, imported on first use."""
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:
        raise ReportError(
            "the report's plot needs matplotlib, which is not installed: pip install matplotlib"
        ) from None
    return Figure, FigureCanvasAgg


def _markdown_table(rows: Rows, *, numeric: bool = True) -> list[str]:
    """Markdown table lines; with ``numeric`` every column but the first is right-aligned."""
    rule = ["---"] + ["---:" if numeric else "---"] * (len(rows[0]) - 1)
    return [
        "| " + " | ".join(_cell(c) for c in row) + " |" for row in [rows[0], tuple(rule), *rows[1:]]
    ]


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _shorten(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= _SAID_CHARS else flat[: _SAID_CHARS - 1] + "…"
