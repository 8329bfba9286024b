"""Questions over many agreements: the table of the survey's cards, and selection.

Small hand-written tables with hand-worked expectations, then the real survey
against the figures its own summary table states.
"""

from __future__ import annotations

import pytest

from agreement_support import selected
from qa.answer.answerer import Answerer
from qa.answer.listing import listing_text
from qa.query.question import analyze, name_components
from qa.reader.agreements import Agreement, AgreementTable


def _row(cid: str, japanese: str, pref: str, foreign: str, country: str, fields: str, date: str):
    return Agreement(
        cid, f"{cid}の協定", japanese, (pref,), foreign, (country,),
        tuple(f"{m}交流" for m in fields), date, date or None,
    )  # fmt: skip


#: Six agreements, worked by hand below.
ROWS = [
    _row("c1", "新潟県上越市", "新潟県", "大韓民国慶尚北道浦項市", "大韓民国", "②", "1996-04-29"),
    _row("c2", "新潟県", "新潟県", "中華人民共和国黒龍江省", "中華人民共和国", "⑤", "2005-06-01"),
    _row("c3", "静岡県", "静岡県", "中華人民共和国浙江省", "中華人民共和国", "①", "2012-04-04"),
    _row("c4", "静岡県浜松市", "静岡県", "中華人民共和国浙江省杭州市", "中華人民共和国", "⑦",
         "1999"),
    _row("c5", "愛媛県西条市", "愛媛県", "ベトナム社会主義共和国フエ市", "ベトナム社会主義共和国",
         "⑧", "2011-04-01"),
    _row("c6", "大阪府大阪市", "大阪府", "アメリカ合衆国シカゴ市", "アメリカ合衆国", "⑥", ""),
]  # fmt: skip


@pytest.fixture(scope="module")
def answerer(engine) -> Answerer:
    return Answerer.from_engine(engine)


@pytest.fixture(scope="module")
def table() -> AgreementTable:
    return AgreementTable(ROWS)


def _select(table: AgreementTable, question: str) -> list[str]:
    return selected(table, question)


def test_a_country_selects_its_agreements_by_date(table: AgreementTable) -> None:
    assert _select(table, "中国の自治体と提携している日本の自治体は？") == ["c4", "c2", "c3"]
    assert _select(table, "Which Japanese cities have agreements in China?") == ["c4", "c2", "c3"]
    assert _select(table, "与越南城市签订协议的日本自治体有哪些？") == ["c5"]


def test_a_prefecture_alone_is_itself_and_with_a_region_word_its_municipalities(
    table: AgreementTable,
) -> None:
    assert _select(table, "新潟県が結んだ提携をすべて挙げて") == ["c2"]
    assert _select(table, "新潟県内の自治体が結んだ提携をすべて挙げて") == ["c1", "c2"]


def test_a_municipality_is_matched_as_the_body_not_as_its_region(table: AgreementTable) -> None:
    # 浙江省 is c3's partner itself, and only the region of c4's 杭州市.
    assert _select(table, "浙江省と提携している日本の自治体は？") == ["c3"]
    assert _select(table, "杭州市と提携している日本の自治体は？") == ["c4"]


def test_years_bound_the_dates(table: AgreementTable) -> None:
    assert _select(table, "2005年以降に結ばれた提携は何件？") == ["c2", "c5", "c3"]
    assert _select(table, "How many agreements were signed before 2005?") == ["c1", "c4"]
    assert _select(table, "1990年代に結ばれた提携をすべて") == ["c1", "c4"]
    assert _select(table, "平成の時代に結ばれた提携をすべて") == ["c1", "c4", "c2", "c5", "c3"]
    assert _select(table, "昭和に結ばれた提携はいくつ？") == []
    # From one year to another, in eras: the second year closes the range the first opens.
    assert _select(table, "平成8年から平成17年の間に結ばれた提携は？") == ["c1", "c4", "c2"]
    assert _select(table, "2005年から2011年の間の提携を挙げて") == ["c2", "c5"]
    # English words that follow the year they bound; words before it come first.
    assert _select(table, "Which agreements were signed in 2005 or earlier?") == ["c1", "c4", "c2"]
    assert _select(table, "List the agreements of 2005 and later.") == ["c2", "c5", "c3"]
    assert _select(table, "Agreements from 2006 onward, please.") == ["c5", "c3"]
    assert _select(table, "Any agreements after 2004 and before 2006?") == ["c2"]


def test_fields_by_word_by_mark_and_by_group(table: AgreementTable) -> None:
    assert _select(table, "教育交流の提携をすべて挙げて") == ["c3"]
    assert _select(table, "⑧の提携はいくつ？") == ["c5"]
    # 経済 is ⑤, ⑥ or ⑦ (c6 has no date, so it comes last).
    assert _select(table, "経済交流の提携をすべて挙げて") == ["c4", "c2", "c6"]


def test_a_place_or_country_the_survey_lacks_selects_nothing(table: AgreementTable) -> None:
    assert _select(table, "横浜市が結んだ提携をすべて挙げて") == []
    assert _select(table, "メキシコの自治体と提携している日本の自治体は？") == []
    assert _select(table, "Which Japanese cities have agreements in Mexico?") == []


def test_a_kanji_place_the_documents_never_write_selects_nothing() -> None:
    # 中州 is a common noun to unidic: only that the documents never write it makes
    # 中州市 a place they lack (without their text, the question is 静岡県's own).
    question = "静岡県が中州市と結んだ提携は？"
    table = AgreementTable(ROWS, "\n".join(f"{r.japanese} {r.foreign}" for r in ROWS))
    assert _select(table, question) == []
    assert _select(AgreementTable(ROWS), question) == ["c3"]
    # A run of several words (区市町村) is no place, written or not.
    assert _select(table, "静岡県および県内の区市町村の提携をすべて") == ["c4", "c3"]


def test_an_agreement_filed_twice_is_one_row_under_both_fields() -> None:
    twice = [ROWS[0], ROWS[1], Agreement(**{**ROWS[1].to_dict(), "fields": ("⑨その他交流",)})]
    table = AgreementTable(twice)
    assert [r.chunk_id for r in table.rows] == ["c1", "c2"]
    assert table.rows[1].fields == ("⑤交流", "⑨その他交流")


def test_a_list_says_how_many_and_each_agreement(table: AgreementTable) -> None:
    names = name_components("ベトナム社会主義共和国フエ市")
    q = analyze("ベトナムの自治体と提携している日本の自治体は？", names)
    text = listing_text(q, table.select(q))
    assert text.startswith("該当する提携は1件です")
    assert "愛媛県西条市－ベトナム社会主義共和国フエ市（2011-04-01）" in text
    q = analyze("Which Japanese cities have agreements with cities in Vietnam?", names)
    assert listing_text(q, table.select(q)).startswith("1 agreement matches (survey of")
    q = analyze("Which Japanese cities have agreements in Mexico?")
    assert listing_text(q, table.select(q)) == (
        "No agreement in the August 2012 survey matches メキシコ (0 agreements)."
    )
    q = analyze("2020年以降の教育交流の提携は？")
    assert listing_text(q, table.select(q)) == (
        "2012年8月の調査に、この条件（①教育交流、2020–）に当たる提携はありません（0件）。"
    )


def test_a_list_of_one_pair_or_asked_for_names_gives_each_title(table: AgreementTable) -> None:
    names = name_components("静岡県") | name_components("中華人民共和国浙江省")
    # Both sides named: the pair's agreements differ by their titles.
    q = analyze("静岡県と浙江省の間の提携は何件？", names)
    assert listing_text(q, table.select(q)).endswith(
        "静岡県－中華人民共和国浙江省「c3の協定」（2012-04-04）"
    )
    # One side named, names asked for in words.
    q = analyze("浙江省と結ばれた提携の名称をすべて", names)
    assert "「c3の協定」" in listing_text(q, table.select(q))
    # One side named and no names asked: the sides and the date only.
    q = analyze("浙江省と提携している日本の自治体は？", names)
    assert "「" not in listing_text(q, table.select(q))


# --- the real survey -------------------------------------------------------------


def test_one_to_one_agreements_per_country_agree_with_the_summary_table(
    answerer: Answerer,
) -> None:
    """The summary counts each one-to-one agreement once per field it is filed
    under: アメリカ合衆国 10(1), オーストラリア連邦 9, ベトナム 8(2), the number in
    brackets being re-listings (【再掲】), which the table holds once."""
    rows = answerer.agreements.rows
    one_to_one = {
        country: sum(1 for r in rows if r.countries == (country,) and "、" not in r.japanese)
        for country in ("アメリカ合衆国", "オーストラリア連邦", "ベトナム社会主義共和国")
    }
    assert one_to_one == {
        "アメリカ合衆国": 10 - 1,
        "オーストラリア連邦": 9,
        "ベトナム社会主義共和国": 8 - 2,
    }


def test_a_list_question_is_answered_with_every_card_cited(answerer: Answerer) -> None:
    answer = answerer.answer("ベトナムの自治体と提携している日本の自治体をすべて挙げてください")
    assert answer.count == 6 and not answer.abstained
    assert [c.chunk_id for c in answer.citations] == [a.chunk_id for a in answer.items]
    assert all(c.span is not None for c in answer.citations)
    record = answer.to_dict()
    assert record["count"] == 6
    assert [i["citation"] for i in record["items"]] == [1, 2, 3, 4, 5, 6]
    assert "愛媛県西条市" in answer.text and "神奈川県川崎市" in answer.text


def test_a_question_about_one_agreement_is_not_a_list(answerer: Answerer) -> None:
    answer = answerer.answer("静岡県と浙江省の教育交流の覚書の担当部署の電話番号は？")
    assert answer.count is None


def test_a_prefecture_with_a_region_word_takes_in_every_municipality_in_it(
    answerer: Answerer,
) -> None:
    """Every prefecture on a card: its own agreements and all of its municipalities'
    (those of several prefectures too), whichever region word says so."""
    rows = answerer.agreements.rows
    for pref in sorted({p for r in rows for p in r.prefectures}):
        expected = {r.chunk_id for r in rows if pref in r.prefectures}
        inside = f"{pref[-1]}内"  # 県内, 道内, 都内, 府内
        for question in (
            f"{pref}および{inside}の市町村が結んだ提携をすべて挙げて",
            f"{pref}（{inside}の市町村を含む）の提携は何件？",
        ):
            chosen = answerer.agreements.select(answerer.analyze(question)).rows
            assert {r.chunk_id for r in chosen} == expected, question


def test_multi_party_agreements_agree_with_the_summary_table(answerer: Answerer) -> None:
    """複数の自治体との提携 per field as the summary table counts them (a card filed
    under two fields counts in both): ① 2, ② 3, ③ 4, ⑤ 1, ⑥ 3, ⑦ 6, ⑨ 2. The table's
    ⑧ says 2, but only one ⑧ card names more than one body on either side."""
    counts: dict[str, int] = {}
    for r in answerer.agreements.rows:
        if r.several:
            for f in r.fields:
                counts[f[0]] = counts.get(f[0], 0) + 1
    assert counts == {"①": 2, "②": 3, "③": 4, "⑤": 1, "⑥": 3, "⑦": 6, "⑧": 1, "⑨": 2}
    q = answerer.analyze("複数の自治体との提携をすべて挙げて")
    assert len(answerer.agreements.select(q).rows) == sum(
        r.several for r in answerer.agreements.rows
    )


def test_a_country_by_its_english_abbreviation(answerer: Answerer) -> None:
    rows = answerer.agreements.rows
    expected = {r.chunk_id for r in rows if "アメリカ合衆国" in r.countries}
    q = answerer.analyze("List every agreement made with a US state or city.")
    assert {r.chunk_id for r in answerer.agreements.select(q).rows} == expected
    assert len(expected) == 11


def test_the_route_tells_a_side_asked_in_words_from_one_read_off_the_place(
    table: AgreementTable,
) -> None:
    from qa.reader.route import route_features

    names = name_components("ベトナム社会主義共和国フエ市")
    for question, cued in (
        ("フエ市と提携している日本の自治体は？", 1.0),  # 日本の自治体: asked in words
        ("フエ市の事務所の電話番号は？", 0.0),  # one place named: its other side inferred
    ):
        q = analyze(question, names)
        f = route_features(q, table.select(q), None)
        assert f["side"] == 1.0, question
        assert f["side_cued"] == cued, question


def test_a_side_asked_in_chinese_words_is_read() -> None:
    assert analyze("与韩国地方政府签订协定的日本地方政府有哪些？").side == "japanese"
    assert analyze("与静冈县签订协定的外国城市有哪些？").side == "foreign"
    assert analyze("日本の地方自治体で韓国と提携しているのは？").side == "japanese"


def test_a_place_spelled_as_several_names_selects_by_the_name_an_agreement_has() -> None:
    from qa.query.names import NameIndex

    rows = [
        _row("k1", "北海道札幌市", "北海道", "中華人民共和国浙江省杭州市", "中華人民共和国", "⑨",
             "2004-07-30"),
        _row("k2", "愛知県瀬戸市", "愛知県", "中華人民共和国江西省景徳鎮市", "中華人民共和国", "②",
             "2011-05-01"),
    ]  # fmt: skip
    table = AgreementTable(rows)
    names = ["光州市", "光州", "杭州市", "杭州", "札幌市", "瀬戸市", "景徳鎮市"]
    index = NameIndex.build(names)
    # コウシュウ may be 光州 or 杭州; only 杭州 has an agreement: read as 杭州, no place left over.
    q = analyze("コウシュウ市と提携している日本の自治体は？", names, index)
    assert q.place_groups == (("光州市", "杭州市"),)
    selection = table.select(q)
    assert [r.chunk_id for r in selection.rows] == ["k1"] and selection.unplaced == 0
    # Written, both are asked: 光州市 is on no card's side, which the route weighs.
    assert table.select(analyze("光州市と杭州市の提携は？", names)).unplaced == 1


def test_the_route_alone_is_refitted_and_the_rest_of_the_reader_kept(
    answerer: Answerer, tmp_path
) -> None:
    import argparse
    import json

    from qa.evaluation.dataset import EvalItem
    from qa.reader.fit import _refit_route
    from qa.reader.model import ReaderModel

    vietnam = ("川崎市", "北九州市", "埼玉県", "大阪市", "神戸市", "西条市")
    items = [
        EvalItem("r1", "ベトナムの自治体と協定を結んでいる日本の自治体をすべて教えて", vietnam,
                 "s", "e", "list", "ja", "all"),
        EvalItem("r2", "Which Japanese local governments have agreements with Vietnam?", vietnam,
                 "s", "e", "list", "en", "all"),
        EvalItem("r3", "クレア北京事務所の電話番号は？", ("+86-(0)10-6513-8791",), "s", "e",
                 "contact", "ja"),
        EvalItem("r4", "クレア北京事務所のメールアドレスは？", ("clairbj-jp@clair.org.cn",),
                 "s", "e", "contact", "ja"),
    ]  # fmt: skip
    train = tmp_path / "train.jsonl"
    train.write_text("".join(json.dumps({"id": i.id}) + "\n" for i in items), "utf-8")
    before = ReaderModel({"unit": {"a": 1.0}, "span": {"b": 2.0}, "route": {"c": 3.0}},
                         {"fitted": "earlier"}, 0.6, 0.25)  # fmt: skip
    out = tmp_path / "weights.json"
    before.save(out)
    kept = answerer.reader.model
    args = argparse.Namespace(out=out, train=train, l2=[1.0], folds=2, span_heads=None)
    try:
        assert _refit_route(args, answerer, items, lambda it, desc: iter(it)) == 0
    finally:
        answerer.reader.model = kept
    after = ReaderModel.load(out)
    assert after.weights["unit"] == before.weights["unit"]
    assert after.weights["span"] == before.weights["span"]
    assert (after.span_threshold, after.no_answer_margin) == (0.6, 0.25)
    assert "c" not in after.weights["route"] and after.weights["route"]
    assert after.provenance["fitted"] == "earlier"
    assert after.provenance["route"]["train"]["items"] == 4
