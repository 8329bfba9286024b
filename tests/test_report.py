"""The eval report: figures of every mode on a subset of the real eval set, as Markdown and PNG."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

from qa.evaluation.dataset import load_dataset
from qa.evaluation.report import (
    PLOT_DPI,
    PLOT_SIZE,
    ReportError,
    check_target,
    render_markdown,
    report_paths,
    write_report,
)
from qa.evaluation.retrieval_scores import retrieval_report
from qa.evaluation.scoring import EvalRun, Response, answer_report, evaluate_answers
from qa.retrieval.retriever import MODES

DATASET = Path(__file__).resolve().parents[1] / "eval" / "qa.jsonl"


@pytest.fixture(scope="module")
def subset():
    """The first two items of every question type: every type and language, kept quick."""
    items, seen = [], {}
    for item in load_dataset(DATASET):
        if seen.setdefault(item.type, 0) < 2:
            seen[item.type] += 1
            items.append(item)
    return items


@pytest.fixture(scope="module")
def run(engine, subset) -> EvalRun:
    from qa.answer.answerer import Answerer

    def search(mode: str):
        return lambda q: ([h.chunk.text for h in engine.retriever.search(q, mode=mode, k=10)], 1.0)

    def respond(mode: str):
        answerer = Answerer(engine.retriever, mode=mode)
        return lambda q: Response.of(answerer.answer(q, k=5))

    return EvalRun(
        dataset=str(DATASET),
        questions=len(subset),
        answerable=sum(i.answerable for i in subset),
        date="2026-01-01 00:00 UTC",
        model=engine.embedder.name,
        index="test index",
        top_k=5,
        retrieval=tuple(retrieval_report(m, subset, search(m)) for m in MODES),
        answers=tuple(evaluate_answers(m, subset, respond(m)) for m in MODES),
    )


def _tables(markdown: str) -> dict[str, list[list[str]]]:
    """Heading → the body rows of the table under it, as cells."""
    tables: dict[str, list[list[str]]] = {}
    heading = ""
    for line in markdown.splitlines():
        if line.startswith("#"):
            heading = line.lstrip("#").strip()
        elif line.startswith("| "):
            tables.setdefault(heading, []).append(line[2:-2].split(" | "))
    return {h: rows[2:] for h, rows in tables.items()}


def test_one_answer_report_per_mode(run, subset) -> None:
    assert [a.mode for a in run.answers] == list(MODES)
    assert [r.mode for r in run.retrieval] == list(MODES)
    for a in run.answers:
        assert a.n == len(subset)
        assert sum(n for n, _ in a.by_type.values()) == len(subset)
        assert 0.0 < a.accuracy <= 1.0
    assert run.focus.mode == "hybrid"
    no_hybrid = EvalRun(**{**vars(run), "answers": run.answers[:2]})
    assert no_hybrid.focus.mode == MODES[0]


def test_markdown_holds_every_mode_with_the_reports_figures(run) -> None:
    tables = _tables(render_markdown(run, "plot.png"))
    retrieval = {row[0]: row for row in tables["Retrieval"]}
    assert set(retrieval) == set(MODES)
    for r in run.retrieval:
        row = retrieval[r.mode]
        assert int(row[1]) == r.n
        figures = [r.hit_at[1], r.hit_at[3], r.hit_at[5], r.mrr10]
        assert [float(c) for c in row[2:6]] == pytest.approx(figures, abs=5e-4)

    answers = {row[0]: row for row in tables["Answers"]}
    assert set(answers) == set(MODES)
    for a in run.answers:
        row = answers[a.mode]
        figures = [a.accuracy, a.strict_accuracy, a.unit_accuracy, a.precision,
                   a.exact_match, a.char_f1, a.abstained_unanswerable,
                   a.false_abstention, a.citation_support]  # fmt: skip
        assert int(row[1]) == a.n
        assert [float(c) for c in row[2:11]] == pytest.approx(figures, abs=5e-4)
        assert [float(c) for c in row[11:13]] == pytest.approx(
            [a.latency_ms["p50"], a.latency_ms["p95"]], abs=0.051
        )

    for heading, group in (("Accuracy by question type", "by_type"),
                           ("Accuracy by language", "by_lang")):  # fmt: skip
        rows = {row[0]: row for row in tables[heading]}
        for column, a in enumerate(run.answers, start=2):
            groups = getattr(a, group)
            assert set(rows) == set(groups)
            for name, (n, accuracy) in groups.items():
                assert int(rows[name][1]) == n
                assert float(rows[name][column]) == pytest.approx(accuracy, abs=5e-4)

    if not run.focus.wrong:  # every answer right: the heading says so, with no table
        assert f"Wrong answers (hybrid): 0 of {run.focus.n}" in render_markdown(run, "plot.png")
        return
    (wrong_heading,) = [h for h in tables if h.startswith("Wrong answers (hybrid)")]
    assert [row[0] for row in tables[wrong_heading]] == [o.item.id for o in run.focus.wrong]


def test_report_writes_a_png_the_markdown_links(run, tmp_path: Path) -> None:
    paths = write_report(run, tmp_path / "r.md")
    assert paths == report_paths(tmp_path / "r.md")
    assert paths.plot == tmp_path / "r-accuracy-by-type.png"
    png = paths.plot.read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and png[12:16] == b"IHDR"
    width, height = struct.unpack(">II", png[16:24])
    assert (width, height) == (PLOT_SIZE[0] * PLOT_DPI, PLOT_SIZE[1] * PLOT_DPI)
    assert len(png) > 10_000  # bars, labels and legend, not an empty canvas
    markdown = paths.markdown.read_text(encoding="utf-8")
    assert markdown == render_markdown(run, "r-accuracy-by-type.png")
    assert "](r-accuracy-by-type.png)" in markdown
    # Temporary files are renamed into place, none left behind.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r-accuracy-by-type.png", "r.md"]


def test_check_target_refuses_before_anything_is_written(tmp_path: Path) -> None:
    with pytest.raises(ReportError, match="folder not found"):
        check_target(tmp_path / "missing" / "r.md")
    (tmp_path / "file").write_text("x", encoding="utf-8")
    with pytest.raises(ReportError, match="not a folder"):
        check_target(tmp_path / "file" / "r.md")
    (tmp_path / "r.md").mkdir()
    with pytest.raises(ReportError, match="is a folder"):
        check_target(tmp_path / "r.md")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file", "r.md"]
    assert check_target(tmp_path / "ok.md").markdown == tmp_path / "ok.md"
    assert not (tmp_path / "ok.md").exists()


def test_empty_wrong_list_renders_no_table(subset) -> None:
    right = {
        item.question: Response(item.answers[0], False, (item.evidence,), 1.0)
        if item.answerable
        else Response("資料には記載がありません。", True, (), 1.0)
        for item in subset
    }
    report = evaluate_answers("bm25", subset, right.__getitem__)
    assert report.accuracy == 1.0 and not report.wrong
    run = EvalRun("d", len(subset), 0, "", "m", "i", 5, (), (report,))
    markdown = render_markdown(run)
    assert f"## Wrong answers (bm25): 0 of {len(subset)}" in markdown
    assert "| id |" not in markdown and "![" not in markdown
    assert answer_report([], "dense").n == 0
