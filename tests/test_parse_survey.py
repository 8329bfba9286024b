"""The survey parser on the real document 002: every card, every field, every date."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from qa.corpus.parse_common import ParseError
from qa.corpus.parse_survey import parse
from qa.corpus.schema import Chunk, Document
from qa.corpus.survey_terms import FIELD_NAMES, countries_in, parse_date

SURVEY = "002_e59d51f378d5a747.txt"

# The survey's own table 【分野別の提携件数】, row 合計: entries per field.
ENTRIES_PER_FIELD = {"①": 26, "②": 25, "③": 8, "④": 1, "⑤": 11, "⑥": 24, "⑦": 39, "⑧": 25, "⑨": 16}


@pytest.fixture(scope="module")
def survey(docs: dict[str, Document]) -> Document:
    return docs[SURVEY]


@pytest.fixture(scope="module")
def chunks(survey: Document) -> list[Chunk]:
    return parse(survey)


@pytest.fixture(scope="module")
def cards(chunks: list[Chunk]) -> dict[str, Chunk]:
    return {c.id: c for c in chunks if c.shape == "card"}


def test_all_175_entries_are_accounted_for(cards: dict[str, Chunk]) -> None:
    entries = [e for c in cards.values() for e in c.card.entries]
    assert len(entries) == 175
    assert len(set(entries)) == 175
    merged = len(entries) - len(cards)
    assert (len(cards), merged) == (150, 25)  # the survey counts 25 【再掲】
    per_field = Counter(e.split("-")[0] for e in entries)
    assert per_field == ENTRIES_PER_FIELD


def test_each_field_numbers_its_entries_from_one(cards: dict[str, Chunk]) -> None:
    numbers: dict[str, list[int]] = {}
    for c in cards.values():
        for e in c.card.entries:
            mark, n = e.split("-")
            numbers.setdefault(mark, []).append(int(n))
    for mark, ns in numbers.items():
        assert sorted(ns) == list(range(1, ENTRIES_PER_FIELD[mark] + 1)), mark


def test_every_card_has_title_both_sides_field_and_country(cards: dict[str, Chunk]) -> None:
    for c in cards.values():
        card = c.card
        assert card.title and "【再掲】" not in card.title, c.id
        assert card.japanese and card.foreign, c.id
        assert card.fields and all(f in FIELD_NAMES.values() for f in card.fields), c.id
        assert card.countries, (c.id, card.foreign)
        assert card.prefectures, (c.id, card.japanese)
        assert len(card.fields) == len({e.split("-")[0] for e in card.entries}), c.id


def test_repeated_entries_join_the_agreement_they_repeat(cards: dict[str, Chunk]) -> None:
    # ①-1 青森市–大連市 is listed again as ②-11; ⑧-19 東京都–ロンドン again as ⑨-14.
    aomori = cards["002#card-1-01"].card
    assert aomori.entries == ("①-1", "②-11")
    assert aomori.fields == ("①教育交流", "②文化交流")
    london = next(c.card for c in cards.values() if "ロンドン" in c.card.foreign)
    assert set(london.entries) == {"⑧-19", "⑨-14"}


def test_every_date_in_the_source_is_read(survey: Document, cards: dict[str, Chunk]) -> None:
    undated = [c.id for c in cards.values() if c.card.date_iso is None]
    # Only 岡山県–上海市 (⑦-8) leaves (2) 提携年月日 as "--".
    assert undated == ["002#card-7-08"]
    for c in cards.values():
        years = re.findall(
            r"\((\d{4})\)",
            re.sub(r"[\s　]", "", c.card.date_text).replace("（", "(").replace("）", ")"),
        )
        if years:
            assert c.card.date_iso.startswith(years[0]), c.id


@pytest.mark.parametrize(
    ("written", "iso"),
    [
        ("平成24（2012）年4月4日", "2012-04-04"),
        ("平成 1 1 （ 1 9 9 9 ） 年 8 月 3 日", "1999-08-03"),
        ("昭和60(1985)年5月22日", "1985-05-22"),
        ("平成元年11月11日", "1989-11-11"),
        ("平成11（1999）年8月", "1999-08"),
        ("平成7（1995）年", "1995"),
        ("平成24年", "2012"),
        ("令和3年4月1日", "2021-04-01"),
        ("--", None),
    ],
)
def test_parse_date(written: str, iso: str | None) -> None:
    assert parse_date(written) == iso


def test_shizuoka_zhejiang_education_memorandum(cards: dict[str, Chunk]) -> None:
    matches = [
        c.card
        for c in cards.values()
        if c.card.japanese == "静岡県"
        and "浙江省" in c.card.foreign
        and "①教育交流" in c.card.fields
    ]
    assert len(matches) == 1
    card = matches[0]
    assert card.date_text == "平成24（2012）年4月4日"
    assert card.date_iso == "2012-04-04"
    assert card.phone == "054-221-2309"
    assert card.email == "kokusai@pref.shizuoka.lg.jp"
    assert card.department == "企画広報部 地域外交局 地域外交課"
    assert card.outcomes == ""  # "--" in the source: empty, not the separator


def test_every_email_in_a_contact_part_is_kept_intact(
    survey: Document, cards: dict[str, Chunk]
) -> None:
    text = survey.text
    contacts = re.finditer(r"問い合わせ先[^\n]*\n((?:[^\n]*\n?){0,8})", text)
    emails_in_source = Counter(
        e for m in contacts for e in re.findall(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", m.group(1))
    )
    kept = Counter(
        e for c in cards.values() for e in re.findall(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", c.card.email)
    )
    assert emails_in_source, "the regex found no email in the source"
    # Each distinct email of the source is in some card; a 【再掲】 entry repeats its email.
    assert set(emails_in_source) == set(kept)
    for c in cards.values():
        for e in re.findall(r"\S+@\S+", c.card.email):
            assert e in text, (c.id, e)


def test_country_names_are_normalized() -> None:
    assert countries_in("イギリス ロンドン市") == ("英国",)
    assert countries_in("中華人民共和国：青島市 大韓民国：釜山広域市") == (
        "中華人民共和国",
        "大韓民国",
    )
    assert countries_in("在日本デンマーク王国日本大使館") == ("デンマーク王国",)


def test_vietnam_partners_are_found(cards: dict[str, Chunk]) -> None:
    japanese = {
        c.card.japanese for c in cards.values() if "ベトナム社会主義共和国" in c.card.countries
    }
    assert {
        "神奈川県川崎市",
        "福岡県北九州市",
        "兵庫県神戸市",
        "愛媛県西条市",
        "埼玉県",
    } <= japanese


def test_intro_tables_and_contents_are_sections(chunks: list[Chunk]) -> None:
    sections = {c.id: c for c in chunks if c.shape == "section"}
    assert "175件" in sections["002#sec-by-field"].text
    assert "中華人民共和国" in sections["002#sec-by-country"].text
    assert "平成24年8月" in sections["002#sec-outline"].text
    assert "スピーチコンテスト" in sections["002#sec-fields"].text
    toc = [c for c in chunks if c.id.startswith("002#sec-toc-")]
    assert len(toc) == 9


def test_card_text_is_clean(cards: dict[str, Chunk]) -> None:
    for c in cards.values():
        assert "<p>" not in c.text and "<ul" not in c.text and "</p>" not in c.text, c.id
        assert not re.search(r"(?m)^--$", c.text), c.id
        assert c.text.startswith(tuple("0123456789")), c.id


def test_a_card_the_parser_cannot_read_names_file_and_line(survey: Document) -> None:
    # Remove part (1) of the card 静岡県–浙江省 教育交流: the parser must stop, not drop it.
    target = survey.text.index("6. 日本国静岡県と中華人民共和国浙江省との教育交流協力覚書")
    part = survey.text.index("(1) 自治体名", target)
    broken = survey.text[:part] + "(1) 名前" + survey.text[part + len("(1) 自治体名") :]
    doc = Document(**{**survey.__dict__, "text": broken})
    with pytest.raises(ParseError) as err:
        parse(doc)
    assert SURVEY in str(err.value)
    assert re.search(r":\d+:", str(err.value))


def test_card_missing_municipality_is_an_error(survey: Document) -> None:
    broken = survey.text.replace("日本の自治体\t静岡県\n", "日本の自治体\t\n", 1)
    doc = Document(**{**survey.__dict__, "text": broken})
    with pytest.raises(ParseError, match="municipalities"):
        parse(doc)
