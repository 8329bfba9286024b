"""The reader's steps on small passages written for the test, expectations worked by hand."""

from __future__ import annotations

import json

import numpy as np
import pytest

from qa.corpus.schema import Card, Chunk, Segment
from qa.evaluation.dataset import EvalItem
from qa.index.spans import extract, span_window, unit_spans
from qa.index.units import split_lines, units_hash, units_of
from qa.query.question import analyze
from qa.reader import Reader, ReaderModel, WeightsError
from qa.reader.features import QuestionView, bigrams
from qa.reader.fit import TOLERANCE, Group, cautious, choose_margin, labels_for
from qa.reader.model import fit_conditional_logit
from qa.reader.span_choice import held_span
from qa.retrieval.retriever import Hit

SECTION = (
    "交流事業\n\n毎年8月に「みなと祭り」を開催する。参加者は約120名。\n\n"
    "実績\tA市\tB市\n2021年度\t3回\t5回"
)


def _section(text: str = SECTION, cid: str = "t#sec-1") -> Chunk:
    return Chunk(
        id=cid, doc="t.txt", doc_kind="brochure", shape="section", title="交流事業",
        text=text, start=0, end=len(text), segments=(Segment(0, 0, len(text)),),
    )  # fmt: skip


def _card() -> Chunk:
    text = (
        "1. 甲市と乙市の教育交流協定\n(1) 自治体名\n日本の自治体\t甲市\n海外の自治体\t乙市\n"
        "(2) 提携年月日\n平成24（2012）年4月4日\n(3) 提携に至った経緯\n"
        "両市の中学校の交流が始まり。\n(7) 問い合わせ先\n担当部署名\t国際課\n"
        "電話番号\t012-345-6789\t電子メール\tkoku@example.jp"
    )
    card = Card(
        fields=("①教育交流",), entries=("①-1",), title="甲市と乙市の教育交流協定",
        japanese="甲市", prefectures=(), foreign="乙市", countries=(),
        date_text="平成24（2012）年4月4日", date_iso="2012-04-04",
        background="両市の中学校の交流が始まり。", activities="", outcomes="", urls=(),
        department="国際課", phone="012-345-6789", email="koku@example.jp",
    )  # fmt: skip
    return Chunk(
        id="t#card-1", doc="t.txt", doc_kind="survey", shape="card", title=card.title,
        text=text, start=0, end=len(text), segments=(Segment(0, 0, len(text)),), card=card,
    )  # fmt: skip


def test_lines_split_into_sentences_rows_and_headings() -> None:
    parts = split_lines(SECTION)
    texts = [p[2] for p in parts]
    # The heading line, two sentences of the next line, then two table rows.
    assert texts == [
        "交流事業", "毎年8月に「みなと祭り」を開催する。", "参加者は約120名。",
        "実績\tA市\tB市", "2021年度\t3回\t5回",
    ]  # fmt: skip
    # Sentences sit under the short line above them; the second row under the header row.
    assert parts[1][3] == "交流事業"
    assert parts[4][3].endswith("実績\tA市\tB市")
    for start, end, text, _ in parts:
        assert SECTION[start:end] == text


def test_card_units_are_its_fields_with_exact_spans() -> None:
    chunk = _card()
    units = {u.label: u for u in units_of(chunk)}
    assert units["date"].text == "平成24（2012）年4月4日"
    assert units["phone"].text == "012-345-6789"
    assert units["foreign"].text == "乙市"
    assert units["background"].shape == "sentence"
    for u in units.values():
        assert chunk.text[u.start : u.end] == u.text
    assert "activities" not in units  # an empty field offers nothing


def test_units_hash_changes_with_the_text() -> None:
    a = units_of(_section())
    b = units_of(_section(SECTION.replace("120", "130")))
    assert units_hash(a) == units_hash(units_of(_section()))
    assert units_hash(a) != units_hash(b)


@pytest.mark.parametrize(
    ("text", "kind", "expected"),
    [
        ("平成24（2012）年4月4日に締結", "date", "平成24（2012）年4月4日"),
        ("参加者は約120名。", "count", "約120名"),
        ("電話 03-5501-8087 まで", "phone", "03-5501-8087"),
        ("連絡は koku@example.jp へ", "email", "koku@example.jp"),
        ("毎年8月に「みなと祭り」を開催", "quote", "みなと祭り"),
        ("技術者がほぼ隔年で訪問", "frequency", "ほぼ隔年"),
        ("甲郡のサッカー少年団を招く", "phrase", "サッカー少年団"),
    ],
)
def test_each_extractor_finds_its_span(text: str, kind: str, expected: str) -> None:
    found = [text[s:e] for k, s, e in extract(text) if k == kind]
    assert expected in found


def test_bigrams_fold_width_and_drop_punctuation() -> None:
    assert bigrams("ＡＢ、c") == {"ab", "bc"}
    assert bigrams("") == set()


def test_overlap_weights_rare_bigrams() -> None:
    q = analyze("みなと祭りはいつ？")
    idf = {
        "みな": 3.0,
        "なと": 3.0,
        "と祭": 3.0,
        "祭り": 3.0,
        "りは": 0.5,
        "はい": 0.5,
        "いつ": 0.5,
    }
    view = QuestionView.of(q, idf, "")
    # The passage holds the four name bigrams (12.0) of a total weight of 13.5.
    assert view.overlap(bigrams("みなと祭り")) == pytest.approx(12.0 / 13.5)


def test_labels_prefer_short_right_spans() -> None:
    item = EvalItem("x", "q", ("120名",), "t.txt", "", "count", "ja")
    texts = ["昨年の交流事業の参加者は約120名だった。", "約120名", "3回"]
    # Both first texts hold the gold; only the second (5 characters) is within 3× its
    # length (12); the first has 21.
    assert labels_for(item, texts) == [False, True, False]
    assert labels_for(item, texts, short=False) == [True, True, False]
    listing = EvalItem("y", "q", ("A市", "B市"), "t.txt", "", "list", "ja", match="all")
    assert labels_for(listing, ["A市", "A市、B市"]) == [False, True]


def test_conditional_logit_learns_which_feature_marks_the_answer() -> None:
    # In every group the right candidate has feature "a", a wrong one "b": the fitted
    # weight of "a" must come out above that of "b".
    groups = [([{"a": 1.0}, {"b": 1.0}, {"b": 1.0, "c": 1.0}], [True, False, False])] * 6
    w = fit_conditional_logit(groups, l2=0.1)
    assert w["a"] > w.get("b", 0.0)
    model = ReaderModel({"unit": w})
    assert int(np.argmax(model.scores(groups[0][0], "unit"))) == 0


def test_no_answer_margin_is_chosen_by_held_out_accuracy() -> None:
    # Answerable questions: the right unit has "a" and beats no-answer ("na") easily.
    # Unanswerable ones: a wrong unit with "weak" scores barely above no-answer, so
    # only a margin above that small gap makes the reader abstain on them.
    answerable = Group([{"a": 1.0}, {"b": 1.0}, {"na": 1.0}], [True, False, False], [], [])
    unanswerable = Group([{"weak": 1.0}, {"b": 1.0}, {"na": 1.0}], [False, False, True], [], [])
    groups = [answerable, answerable, unanswerable, unanswerable] * 5  # both kinds per fold
    scores = choose_margin(groups, l2=1.0, folds=2)
    best = max(scores, key=lambda m: scores[m])
    assert scores[best] == pytest.approx(1.0)
    assert scores[max(scores)] < 1.0  # so wide a margin abstains on answerable ones too


def test_the_chosen_setting_is_the_most_cautious_one_held_out_cannot_tell_from_the_best() -> None:
    # 0.5 is as good as the best within the tolerance: it is chosen over -0.5, which
    # answers more; 1.0 is clearly worse. Span thresholds are chosen the same way.
    scores = {-0.5: 0.800, 0.0: 0.799, 0.5: 0.800 - TOLERANCE / 2, 1.0: 0.79}
    assert cautious(scores) == 0.5
    assert cautious({-1.0: 0.70, 0.0: 0.75, 1.0: 0.70}) == 0.0
    assert cautious({0.6: 0.7556, 0.7: 0.7541, 0.8: 0.7425}) == 0.7


def test_weights_round_trip_and_bad_files(tmp_path) -> None:
    model = ReaderModel({"unit": {"a": 1.5}, "span": {"b": -2.0}}, {"train": "x"}, 0.6, 0.25)
    path = tmp_path / "w.json"
    model.save(path)
    assert ReaderModel.load(path) == model
    path.write_text(json.dumps({"weights": [1, 2]}), encoding="utf-8")
    with pytest.raises(WeightsError, match="not a reader weights file"):
        ReaderModel.load(path)
    with pytest.raises(WeightsError, match="not found"):
        ReaderModel.load(tmp_path / "missing.json")


def test_reader_answers_with_the_field_its_weights_favour() -> None:
    chunk = _card()
    weights = {
        "unit": {"k=phone|t=field:phone": 5.0, "na": 1.0},
        "span": {"whole_unit": 1.0},
    }
    reader = Reader([chunk], model=ReaderModel(weights))
    q = analyze("甲市と乙市の教育交流協定の電話番号は？", {"甲市", "乙市"})
    reading = reader.read(q, [Hit(1, chunk, 1.0, "")])
    assert reading.candidate is not None
    assert reading.candidate.text == "012-345-6789"
    # Without the field's weight the no-answer candidate (weight 1) wins.
    weights["unit"].pop("k=phone|t=field:phone")
    reading = Reader([chunk], model=ReaderModel(weights)).read(q, [Hit(1, chunk, 1.0, "")])
    assert reading.candidate is None
    assert reading.no_answer == pytest.approx(1.0 + 0.0)


def test_reader_picks_the_span_inside_the_unit() -> None:
    chunk = _section()
    weights = {
        "unit": {"ov_unit": 4.0},
        "span": {"k=name|t=quote": 3.0},
    }
    reader = Reader([chunk], model=ReaderModel(weights))
    q = analyze("毎年8月に開催する祭りの名前は？")
    reading = reader.read(q, [Hit(1, chunk, 1.0, "")])
    assert reading.candidate is not None
    assert reading.candidate.text == "みなと祭り"
    start, end = reading.candidate.start, reading.candidate.end
    assert chunk.text[start:end] == "みなと祭り"


def test_an_office_asked_with_its_place_is_looked_for_without_it() -> None:
    from qa.corpus.textclean import fold_nfkc
    from qa.reader.features import offices_named

    v = QuestionView.of(analyze("福島県国際課の電話番号は？", ["福島県"]), {}, "")
    assert "国際課" in v.named.names and "福島県国際課" not in v.named.names
    # A card writes the place and the office apart.
    assert v.holds_named(fold_nfkc("担当部署 福島県 生活環境部 国際課 電話 024"))
    assert not v.holds_named(fold_nfkc("担当部署 福島県 生活環境部 観光課"))
    # A body written before the place is not part of how the documents head the office.
    v = QuestionView.of(analyze("クレア甲市事務所の電話番号は？", ["甲市"]), {}, "")
    assert v.holds_named(fold_nfkc("甲市事務所 電話 012-345")) and "事務所" in v.named.names
    # An office word ends its word: 課題 names no office.
    assert offices_named("現在課題とされているのは何ですか") == []
    assert offices_named("国際課の電話番号") == ["国際課"]


def test_an_office_named_in_english_or_chinese_must_be_held_like_a_japanese_one() -> None:
    from qa.corpus.textclean import fold_nfkc
    from qa.query.names import NameIndex

    places = ["甲府市", "甲府", "天津市", "天津"]
    index = NameIndex.build(places)
    tianjin_card = fold_nfkc("連絡先 クレア 天津 事務所 電話 022-1234")
    for question in ("What is the phone number of the Tianjin office?", "天津事务所的电话是多少？"):
        q = analyze(question, places, index)
        assert q.offices == ("天津事務所",), question
        v = QuestionView.of(q, {}, "")
        assert v.holds_named(tianjin_card)
        assert not v.holds_named(fold_nfkc("天津市 甲府市 教育交流 電話 022-9999"))
    # An office in a country the corpus lacks is held by no passage; an office's own
    # name (not a place) names no office.
    q = analyze("What is the phone number of CLAIR's Singapore office?", places, index)
    assert q.offices == ("Singapore office",)
    assert not QuestionView.of(q, {}, "").holds_named(tianjin_card)
    assert analyze("Fax of the Regional Partnership Office?", places, index).offices == ()
    # A body's own offices are not an office named after a place; "City" is no place
    # though ISO 3166 has subdivisions of that type.
    assert analyze("Fax of the Kofu City office?", places, index).offices == ()
    assert analyze("Fax of the City office?", places, index).offices == ()
    assert analyze("天津市の電話番号は？", places, index).offices == ()


def test_a_contact_line_gets_the_match_of_the_passage_that_names_its_office() -> None:
    programme = _section(
        "研修制度\n\n職員の派遣を希望する場合は、人事課まで御連絡ください。", "t#sec-p"
    )
    contacts = _section("連絡先\n\n● 広報課\t03-1111-2222\n● 人事課\t03-3333-4444", "t#sec-c")
    reader = Reader([programme, contacts], model=ReaderModel({"unit": {}, "span": {}}))
    v = reader.view(analyze("職員を派遣したい。担当課の電話番号は？"))
    units, feats = reader.unit_candidates(v, [(programme, 1), (contacts, 2)])
    by_text = {u.text: f for u, f in zip(units, feats, strict=True)}
    sentence = by_text["職員の派遣を希望する場合は、人事課まで御連絡ください。"]
    # The 人事課 line carries how well the question matches the sentence naming 人事課;
    # the 広報課 line, named by no other unit, carries nothing.
    assert by_text["● 人事課\t03-3333-4444"]["bridge"] == pytest.approx(sentence["ov_unit"])
    assert sentence["ov_unit"] > 0
    assert "bridge" not in by_text["● 広報課\t03-1111-2222"]


def test_typed_spans_new_to_the_question_and_echoing_units_are_marked() -> None:
    chunk = _section("交流事業\n\n毎年8月に「みなと祭り」を開催する。\n\nみなと祭りの開催")
    reader = Reader([chunk], model=ReaderModel({"unit": {}, "span": {}}))
    v = reader.view(analyze("みなと祭りの開催はいつ？"))
    units, feats = reader.unit_candidates(v, [(chunk, 1)])
    by_text = {u.text: f for u, f in zip(units, feats, strict=True)}
    answer = by_text["毎年8月に「みなと祭り」を開催する。"]
    # Its date is new to the question; its quoted name is the question's own words.
    assert answer["k=date|new=date"] == 1.0
    assert answer["k=date|has=quote"] == 1.0 and "k=date|new=quote" not in answer
    assert by_text["みなと祭りの開催"]["unit_echo"] == 1.0
    assert answer["unit_echo"] == 0.0


def test_a_span_is_weighed_by_how_near_its_text_s_vector_is_to_the_question() -> None:
    chunk = _section("参加者\n\n参加者は147名（日本側59名、中国側88名）。", "t#sec-v")
    units = units_of(chunk)
    unit = next(u for u in units if u.text.startswith("参加者は"))
    spans = [unit.text[s:e] for _, s, e in unit_spans(unit)]
    assert {"日本側59名", "中国側88名", "88名"} <= set(spans)
    # Hand-made vectors: the question points at 中国側88名, half-way at 88名, away from
    # every other span and from the unit.
    question = np.array([1.0, 0.0, 0.0], dtype=np.float32)
    near = {"中国側88名": [1.0, 0.0, 0.0], "88名": [0.6, 0.8, 0.0]}
    vectors = np.array([near.get(t, [0.0, 0.0, 1.0]) for t in spans], dtype=np.float16)
    unit_vectors = np.tile(np.array([0.0, 1.0, 0.0], dtype=np.float32), (len(units), 1))
    weights = {"unit": {"ov_unit": 1.0}, "span": {"cos_span_gap": -10.0}}
    reader = Reader(
        [chunk], model=ReaderModel(weights), units=units, unit_vectors=unit_vectors,
        spans=spans, span_vectors=vectors,
    )  # fmt: skip
    q = analyze("中国側の参加者は何名？")
    whole = next(
        c for c in reader.unit_candidates(reader.view(q), [(chunk, 1)])[0] if c.unit == unit
    )
    cands, feats = reader.span_candidates(reader.view(q), whole, question)
    by_text = {c.text: f for c, f in zip(cands, feats, strict=True)}
    assert by_text["中国側88名"]["cos_span_gap"] == pytest.approx(0.0)
    assert by_text["88名"]["cos_span_gap"] == pytest.approx(0.4, abs=1e-3)
    assert by_text["日本側59名"]["cos_span_gap"] == pytest.approx(1.0)
    assert by_text[unit.text]["cos_span|t=unit"] == pytest.approx(0.0)
    assert by_text["中国側88名"]["cos_span|t=phrase"] == pytest.approx(1.0)
    # A count is also weighed by the clause it sits in: 88名 by 中国側88名.
    assert by_text["88名"]["cos_window_gap"] == pytest.approx(0.0)
    assert by_text["59名"]["cos_window_gap"] == pytest.approx(1.0)
    assert "cos_window_gap" not in by_text[unit.text]
    reading = reader.read(q, [Hit(1, chunk, 1.0, "")], qvec=question)
    assert reading.candidate is not None and reading.candidate.text == "中国側88名"
    # Without the question's vector no span has a cosine.
    _, plain = reader.span_candidates(reader.view(q), whole)
    assert not any(k.startswith("cos_span") for f in plain for k in f)


def test_an_unsure_span_model_answers_with_the_shortest_span_around_its_best() -> None:
    # A unit of 30 characters: two counts (0-3, 5-8) inside a clause (0-12), a date
    # (20-26) elsewhere, and the unit itself (0-30).
    bounds = [(0, 3), (5, 8), (0, 12), (20, 26), (0, 30)]
    # Sure enough of the first count: it answers.
    assert held_span(bounds, np.array([0.7, 0.1, 0.1, 0.05, 0.05]), 0.5, 120) == 0
    # Torn between the two counts: the clause holding both holds 0.4 + 0.35 + 0.1.
    assert held_span(bounds, np.array([0.4, 0.35, 0.1, 0.1, 0.05]), 0.5, 120) == 2
    # Torn between a count and the date: only the whole unit holds enough.
    assert held_span(bounds, np.array([0.4, 0.05, 0.0, 0.4, 0.15]), 0.5, 120) == 4
    # ... unless the unit is longer than an answer may be: then the best span alone.
    assert held_span(bounds, np.array([0.4, 0.05, 0.0, 0.4, 0.15]), 0.5, 20) == 0


def test_a_span_s_window_is_the_clause_it_sits_in() -> None:
    text = "参加者は147名（日本側59名、中国側88名）。"
    pairs = (("88名", "中国側88名"), ("59名", "日本側59名"), ("147名", "参加者は147名"))
    for span, clause in pairs:
        s = text.index(span)
        a, b = span_window(text, s, s + len(span))
        assert text[a:b] == clause
    # A span across a cut reaches to the cuts outside it.
    s = text.index("59名、中国")
    a, b = span_window(text, s, s + len("59名、中国"))
    assert text[a:b] == "日本側59名、中国側88名"
