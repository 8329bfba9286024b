"""The qa command on the real corpus, and its messages for bad input."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from conftest import CORPUS
from qa.app.cli import main


def test_corpus_summary(capsys) -> None:
    assert main(["corpus", "--corpus", str(CORPUS)]) == 0
    out = capsys.readouterr().out
    assert "5 documents, 241 chunks" in out
    assert "175 entries = 150 unique agreements + 25 【再掲】" in out
    assert "⑦経済交流（商業等）  39" in out
    assert "Cards without an agreement date in the source: 1 002#card-7-08" in out


def test_chunks_json_is_one_object_per_line(capsys) -> None:
    assert main(["chunks", "--json", "--corpus", str(CORPUS)]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(rows) == 241
    card = next(r for r in rows if r["id"] == "002#card-1-06")
    assert card["card"]["date_iso"] == "2012-04-04"
    assert card["start"] < card["end"] and card["segments"]


@pytest.fixture
def corpus_copy(tmp_path: Path) -> Path:
    target = tmp_path / "corpus"
    shutil.copytree(CORPUS, target)
    return target


def _error(capsys, corpus: Path) -> str:
    assert main(["corpus", "--corpus", str(corpus)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "Traceback" not in captured.err
    return captured.err


def test_missing_file(capsys, corpus_copy: Path) -> None:
    (corpus_copy / "003_af571f244401429e.txt").unlink()
    assert "003_af571f244401429e.txt: file listed in manifest.json not found" in _error(
        capsys, corpus_copy
    )


def test_empty_file(capsys, corpus_copy: Path) -> None:
    (corpus_copy / "004_b59c51503d8ee357.txt").write_text("  \n", encoding="utf-8")
    assert "004_b59c51503d8ee357.txt: file is empty" in _error(capsys, corpus_copy)


def test_file_not_utf8(capsys, corpus_copy: Path) -> None:
    path = corpus_copy / "001_f32148f275b74ca3.txt"
    path.write_bytes("一行目\n二行目\n".encode() + "三行目".encode("shift_jis"))
    assert "001_f32148f275b74ca3.txt:3: not UTF-8" in _error(capsys, corpus_copy)


def test_unreadable_card_names_file_and_line(capsys, corpus_copy: Path) -> None:
    path = corpus_copy / "002_e59d51f378d5a747.txt"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("(3) 提携に至った経緯", "(3) 経緯", 1), encoding="utf-8")
    err = _error(capsys, corpus_copy)
    assert "002_e59d51f378d5a747.txt:378:" in err and "parts" in err


def test_missing_corpus_folder(capsys, tmp_path: Path) -> None:
    assert "corpus folder not found" in _error(capsys, tmp_path / "nope")


def test_bad_search_input_is_a_message(capsys) -> None:
    assert main(["search", "   "]) == 2
    assert "the question is empty" in capsys.readouterr().err
    assert main(["search", "静岡県", "--filter", "colour=red"]) == 2
    assert "--filter takes" in capsys.readouterr().err
    assert main(["search", "-"]) == 2
    assert "needs --json" in capsys.readouterr().err


def test_search_json_from_stdin(engine, capsys, monkeypatch) -> None:
    import io

    monkeypatch.setattr(
        "sys.stdin", io.StringIO("静岡県と浙江省の教育交流の覚書\n\nクレア北京事務所の電話番号\n")
    )
    args = [
        "search",
        "--json",
        "-",
        "-k",
        "3",
        "--no-rebuild",
        "--index",
        str(engine.config.index_dir),
    ]
    assert main(args) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["question"] for r in rows] == [
        "静岡県と浙江省の教育交流の覚書",
        "クレア北京事務所の電話番号",
    ]
    first = rows[0]
    assert set(first) == {"question", "searched", "hits", "timings_ms"}
    assert [h["rank"] for h in first["hits"]] == [1, 2, 3]
    assert set(first["hits"][0]) == {"rank", "chunk_id", "doc", "title", "text", "score"}
    assert "002#card-1-06" in [h["chunk_id"] for h in first["hits"]]
    assert first["timings_ms"]["total"] > 0


def test_search_looks_for_a_latin_place_name_as_the_corpus_writes_it(engine, capsys) -> None:
    # As the answerer does: no word of "Tiantai" is in the survey, 天台 (天台県) is.
    args = ["search", "--json", "Which town signed with Tiantai County?", "-k", "3"]
    assert main([*args, "--no-rebuild", "--index", str(engine.config.index_dir)]) == 0
    row = json.loads(capsys.readouterr().out)
    assert "天台" in row["searched"] and row["question"] in row["searched"]
    top = row["hits"][0]
    assert "天台県" in top["text"], top["title"]


def _small_dataset(tmp_path: Path) -> Path:
    dataset = tmp_path / "qa.jsonl"
    rows = [
        {"id": "a", "question": "静岡県と浙江省の教育交流の覚書はいつ結ばれた？",
         "answers": ["平成24（2012）年4月4日"], "source": "002_e59d51f378d5a747.txt",
         "evidence": "", "type": "date", "lang": "ja"},
        {"id": "b", "question": "札幌市とパリ市の協定は？", "answers": [],
         "source": "002_e59d51f378d5a747.txt", "evidence": "", "type": "unanswerable",
         "lang": "ja"},
        {"id": "c", "question": "火星の首都は？", "answers": ["存在しない文字列"],
         "source": "002_e59d51f378d5a747.txt", "evidence": "", "type": "name", "lang": "ja"},
    ]  # fmt: skip
    dataset.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    return dataset


def test_eval_scores_retrieval(engine, capsys, tmp_path: Path) -> None:
    args = ["eval", "--dataset", str(_small_dataset(tmp_path)), "--mode", "bm25", "--json"]
    assert main([*args, "--no-rebuild", "--index", str(engine.config.index_dir)]) == 0
    figures = json.loads(capsys.readouterr().out)
    (report,) = figures["retrieval"]
    assert report["mode"] == "bm25" and report["n"] == 2
    assert report["ranks"]["a"] == 1 and report["ranks"]["c"] is None
    assert report["hit_at"]["5"] == 0.5
    answers = figures["answers"]
    assert answers["n"] == 3 and answers["mode"] == "bm25"
    wrong = {w["id"] for w in answers["wrong"]}
    assert "c" in wrong and "a" not in wrong
    assert figures["answers_by_mode"] == {"bm25": answers}


def test_eval_all_modes_answers_and_report(engine, capsys, tmp_path: Path) -> None:
    dataset = _small_dataset(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    args = ["eval", "--dataset", str(dataset), "--mode", "all", "--json"]
    args += ["--report", str(out / "report.md")]
    assert main([*args, "--no-rebuild", "--index", str(engine.config.index_dir)]) == 0
    captured = capsys.readouterr()
    figures = json.loads(captured.out)
    by_mode = figures["answers_by_mode"]
    assert list(by_mode) == ["bm25", "dense", "hybrid"]
    assert all(a["mode"] == m and a["n"] == 3 for m, a in by_mode.items())
    assert figures["answers"] == by_mode["hybrid"]
    assert [r["mode"] for r in figures["retrieval"]] == ["bm25", "dense", "hybrid"]
    assert "report written to" in captured.err
    assert sorted(p.name for p in out.iterdir()) == ["report-accuracy-by-type.png", "report.md"]
    markdown = (out / "report.md").read_text(encoding="utf-8")
    for m, a in by_mode.items():
        assert f"| {m} | 3 | {a['accuracy']:.3f} |" in markdown
    assert "](report-accuracy-by-type.png)" in markdown


def test_eval_report_into_a_missing_folder_fails_first(capsys, tmp_path: Path) -> None:
    dataset = _small_dataset(tmp_path)
    target = tmp_path / "missing" / "report.md"
    # No index there: had the run started, the error would be about the index.
    args = ["eval", "--dataset", str(dataset), "--report", str(target)]
    assert main([*args, "--no-rebuild", "--index", str(tmp_path / "no-index")]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and "Traceback" not in captured.err
    assert captured.err.strip() == f"qa: error: --report: {target.parent}: folder not found"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["qa.jsonl"]


def test_eval_bad_dataset_is_a_message(capsys, tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "x"}\n', encoding="utf-8")
    assert main(["eval", "--dataset", str(bad)]) == 2
    assert "bad.jsonl:1: not an eval item" in capsys.readouterr().err


def test_ask_json_from_stdin(engine, capsys, monkeypatch) -> None:
    import io

    lines = "静岡県と浙江省の教育交流の覚書はいつ結ばれた？\n<script>alert(1)</script>\n"
    monkeypatch.setattr("sys.stdin", io.StringIO(lines))
    args = ["ask", "--json", "-", "--no-rebuild", "--index", str(engine.config.index_dir)]
    assert main(args) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(rows) == 2
    first = rows[0]
    assert set(first) == {
        "question",
        "answer",
        "abstained",
        "generator",
        "fallback_reason",
        "citations",
        "timings_ms",
    }
    assert "平成24（2012）年4月4日" in first["answer"] and not first["abstained"]
    assert (first["generator"], first["fallback_reason"]) == ("extractive", None)
    cited = first["citations"][0]
    assert cited["chunk_id"] == "002#card-1-06"
    start, end = cited["span"]
    assert cited["text"][start:end] in first["answer"]
    assert "<script>" not in rows[1]["answer"]


def test_a_document_listed_twice_under_another_name_is_a_one_line_error(
    capsys, corpus_copy: Path
) -> None:
    # 004 copied as 004_copy.txt: the same number prefix gives the same chunk ids.
    shutil.copy(corpus_copy / "004_b59c51503d8ee357.txt", corpus_copy / "004_copy.txt")
    manifest = json.loads((corpus_copy / "manifest.json").read_text(encoding="utf-8"))
    entry = next(d for d in manifest["documents"] if d["id"].startswith("004_"))
    manifest["documents"].append({**entry, "id": "004_copy.txt"})
    (corpus_copy / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    for command in ("corpus", "chunks"):
        assert main([command, "--corpus", str(corpus_copy)]) == 2
        captured = capsys.readouterr()
        assert captured.out == "" and "Traceback" not in captured.err
        assert captured.err.count("\n") == 1
        assert "duplicate chunk id 004#" in captured.err
        assert "004_b59c51503d8ee357.txt" in captured.err and "004_copy.txt" in captured.err


def _stdin_bytes(monkeypatch, data: bytes) -> None:
    import io

    # As the real stdin: text decoded with surrogateescape over a binary buffer.
    stream = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8", errors="surrogateescape")
    monkeypatch.setattr("sys.stdin", stream)


_BAD_BATCH = b"".join(
    [
        "浙江省との教育交流\n".encode(),
        ("の" * 2001 + "\n").encode(),
        b"\x01\x02\x1b\x7f\n",
        b"\n",
        "静岡".encode() + b"\xff\xfe" + "県\n".encode(),
        "北京事務所の所在地\n".encode(),
    ]
)


@pytest.mark.parametrize("command", ["ask", "search"])
def test_a_bad_line_of_a_stdin_batch_gets_its_own_error_and_the_rest_are_answered(
    engine, capsys, monkeypatch, command: str
) -> None:
    _stdin_bytes(monkeypatch, _BAD_BATCH)
    args = [command, "--json", "-", "--no-rebuild", "--index", str(engine.config.index_dir)]
    assert main(args) == 1  # some lines were refused
    captured = capsys.readouterr()
    rows = [json.loads(line) for line in captured.out.splitlines()]
    assert [r.get("line") for r in rows] == [None, 2, 3, 5, None]
    assert [r.get("question") for r in rows] == [
        "浙江省との教育交流",
        None,
        None,
        None,
        "北京事務所の所在地",
    ]
    assert "2,001 characters" in rows[1]["error"]
    assert "empty" in rows[2]["error"]
    assert "not UTF-8" in rows[3]["error"]
    assert all(("answer" if command == "ask" else "hits") in rows[i] for i in (0, 4))
    assert "Traceback" not in captured.err and "2, 3, 5" in captured.err


def test_a_stdin_line_too_long_to_hold_is_skipped_to_its_end(engine, capsys, monkeypatch) -> None:
    _stdin_bytes(monkeypatch, b"x" * 200_000 + "\n浙江省との教育交流\n".encode())
    args = ["search", "--json", "-", "--no-rebuild", "--index", str(engine.config.index_dir)]
    assert main(args) == 1
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert rows[0]["line"] == 1 and "at most 2,000 characters" in rows[0]["error"]
    assert rows[1]["question"] == "浙江省との教育交流" and rows[1]["hits"]
