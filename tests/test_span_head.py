"""The reader's span head: built by ``qa model``, scoring the spans a question asks for,
one feature of the span model, and never a change of the model's identity."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from qa.config import default_model_dir
from qa.index.units import units_of
from qa.model.identity import model_identity
from qa.model.query_encoder import OnnxQueryEncoder
from qa.model.span_head_export import MIN_AGREEMENT, check_pairs, remove_span_head
from qa.reader.span_head import (
    MAX_TOKENS,
    SPAN_HEAD,
    SPAN_HEAD_INFO,
    UNCOVERED,
    SpanHead,
    SpanHeadError,
    find_span_head,
    head_features,
    head_fold,
    head_input,
    pair_encoding,
)

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def head() -> SpanHead:
    """The default model's span head, as ``qa model`` (scripts/setup) wrote it."""
    found = find_span_head(str(default_model_dir()))
    assert found is not None, "qa model writes span_head.onnx into the default model folder"
    return found


def test_qa_model_wrote_a_head_that_agrees_with_torch() -> None:
    info = json.loads((default_model_dir() / SPAN_HEAD_INFO).read_text("utf-8"))
    assert info["agreement"] >= MIN_AGREEMENT
    assert info["precision"].startswith("int8") or info["precision"] == "fp32"
    if info["precision"].startswith("int8"):  # smoothed, calibrated on training evidence
        assert info["smoothing"] > 0 and info["calibration"] >= 100
    assert info["size"] == (default_model_dir() / SPAN_HEAD).stat().st_size
    assert info["trained"]["script"] == "scripts/train_span_head.py"


# Passages written for these tests; the spans are (start, end) in them.
YEAR = ("この協会はいつ設立されましたか。", "", "この協会は1988年に県内の有志により設立された。")
PHONE = ("事務局の電話番号を教えてください。", "", "事務局（電話 03-1234-5678）まで。")


def test_head_prefers_the_year_asked_for_to_the_whole_sentence(head: SpanHead) -> None:
    question, heading, text = YEAR
    year, whole, agent = (5, 10), (0, len(text)), (14, 16)
    assert text[year[0] : year[1]] == "1988年" and text[agent[0] : agent[1]] == "有志"
    s_year, s_whole, s_agent = head.span_scores(question, heading, text, [year, whole, agent])
    assert s_year > s_whole and s_year > s_agent


def test_head_prefers_the_number_to_the_office_when_asked_for_a_phone(head: SpanHead) -> None:
    question, heading, text = PHONE
    number, office = (text.index("03"), text.index("03") + 12), (0, 3)
    assert text[number[0] : number[1]] == "03-1234-5678"
    s_number, s_office = head.span_scores(question, heading, text, [number, office])
    assert s_number > s_office


def test_a_span_no_token_covers_scores_as_uncovered(head: SpanHead) -> None:
    question, heading, text = YEAR
    assert head.span_scores(question, heading, text, [(len(text) + 5, len(text) + 9)]) == [
        UNCOVERED
    ]


def test_head_features_are_log_probabilities_among_the_units_spans() -> None:
    feats: list[dict[str, float]] = [{}, {}, {}]
    head_features([-1.0, -1.0, -1.0 + math.log(2)], feats)
    assert [round(f["head_lp"], 6) for f in feats] == [
        round(math.log(0.25), 6),
        round(math.log(0.25), 6),
        round(math.log(0.5), 6),
    ]
    alone: list[dict[str, float]] = [{}]
    head_features([-3.0], alone)  # one candidate: nothing to choose, no feature
    assert alone == [{}]


def test_head_input_puts_the_heading_after_the_question() -> None:
    assert head_input("いつ？", "提携年月日") == "query: いつ？ / 提携年月日"
    assert head_input("いつ？", "") == "query: いつ？"


def test_folds_split_questions_by_id_the_same_way_every_time() -> None:
    ids = [f"tra-{i:04d}" for i in range(200)]
    parts = [head_fold(i, 2) for i in ids]
    assert parts == [head_fold(i, 2) for i in ids]
    assert 60 < sum(parts) < 140  # both folds well filled
    assert head_fold("ab", 3) == (ord("a") + ord("b")) % 3


def test_reader_gives_span_candidates_the_heads_feature(answerer) -> None:
    assert answerer.reader.span_head is not None
    q, _, reading = answerer.read("静岡県と浙江省の教育交流の覚書はいつ結ばれた？")
    view, checked = answerer.reader.view(q), 0
    for unit in reading.units:
        spans, feats = answerer.reader.span_candidates(view, unit)
        if len(spans) > 1:
            assert abs(sum(math.exp(f["head_lp"]) for f in feats) - 1.0) < 1e-6
            checked += 1
    assert checked > 0


def test_a_pair_is_encoded_as_only_second_truncation_encodes_it(engine, head: SpanHead) -> None:
    # The head encodes with the query encoder's tokenizer (which truncates single texts
    # at 512) and cuts the unit itself; the reference is a tokenizer set up for pairs
    # the way the head was trained (transformers' truncation="only_second").
    from tokenizers import Tokenizer

    reference = Tokenizer.from_file(str(default_model_dir() / "tokenizer.json"))
    reference.no_padding()
    reference.enable_truncation(MAX_TOKENS, strategy="only_second")
    units = [u for c in engine.index.chunks for u in units_of(c)][::9]
    cut = 0
    for unit in units:
        first = head_input("この事業の目的と開始年度、担当課の電話番号は？", unit.heading)
        for text in (unit.text, unit.text * 8):  # the second is often cut to fit
            want, got = reference.encode(first, text), pair_encoding(head._tokenizer, first, text)
            assert got.ids == want.ids and got.offsets == want.offsets, text[:40]
            assert [s == 1 for s in got.sequence_ids] == [s == 1 for s in want.sequence_ids]
            cut += len(want.ids) == MAX_TOKENS
    assert len(units) > 300 and cut > 50


def test_a_question_too_long_for_the_pair_leaves_room_for_the_unit(head: SpanHead) -> None:
    question = "query: " + "姉妹都市の交流事業について " * 60  # far over 192 tokens alone
    enc = pair_encoding(head._tokenizer, question, "人口は約12万人。")
    unit = [i for i, s in enumerate(enc.sequence_ids) if s == 1]
    assert len(enc.ids) <= MAX_TOKENS and len(unit) >= 4  # the whole short unit is there


def test_the_head_and_the_query_encoder_share_one_tokenizer(head: SpanHead) -> None:
    encoder = OnnxQueryEncoder.open(default_model_dir())
    encoder.warm_up()
    assert encoder._tokenizer is head._tokenizer


def test_span_head_files_do_not_change_the_models_identity(tmp_path: Path) -> None:
    folder = tmp_path / "model"
    folder.mkdir()
    (folder / "config.json").write_text("{}", "utf-8")
    (folder / "model.safetensors").write_bytes(b"weights")
    before = model_identity(str(folder))
    (folder / SPAN_HEAD).write_bytes(b"onnx")
    (folder / SPAN_HEAD_INFO).write_text("{}", "utf-8")
    assert model_identity(str(folder)) == before
    remove_span_head(folder)
    assert not (folder / SPAN_HEAD).exists() and not (folder / SPAN_HEAD_INFO).exists()


def test_a_damaged_head_is_read_without_and_said_so(tmp_path: Path, capsys) -> None:
    folder = tmp_path / "model"
    folder.mkdir()
    (folder / SPAN_HEAD).write_bytes(b"not an onnx file")
    assert find_span_head(str(folder)) is None
    assert "reads without its span head" in capsys.readouterr().err
    with pytest.raises(SpanHeadError, match="cannot load"):
        SpanHead.open(folder)


def test_check_pairs_quote_the_evidence(tmp_path: Path) -> None:
    path = tmp_path / "set.jsonl"
    rows = [
        {"question": "いつ？", "answers": ["1988年"], "evidence": "1988年に設立"},
        {"question": "誰？", "answers": []},
    ]
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), "utf-8")
    assert check_pairs(path) == [("いつ？", "", "1988年に設立")]
    assert check_pairs(tmp_path / "absent.jsonl") == []
