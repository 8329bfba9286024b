"""Place names written in other scripts, matched against the corpus's own names."""

from __future__ import annotations

import pytest

from qa.names import NameIndex, countries_named, japanese_forms, latin_key
from qa.question import analyze, detect_lang


@pytest.fixture(scope="module")
def names(engine) -> NameIndex:
    from qa.answer import Answerer

    return Answerer(engine.retriever)._name_index


def test_latin_key_folds_long_vowels_and_case() -> None:
    assert latin_key("Koube") == latin_key("Kobe") == "kobe"
    assert latin_key("Nyuuyooku") == "nyuyoku"
    assert latin_key("Tamil Nadu") == "tamil nadu"


def test_simplified_chinese_to_japanese_forms() -> None:
    assert japanese_forms("静冈县") == "静岡県"
    assert japanese_forms("神户市") == "神戸市"
    assert japanese_forms("绵阳") == "綿陽"


@pytest.mark.parametrize(
    ("question", "lang", "expected"),
    [
        ("When did Shizuoka and Zhejiang sign their memorandum?", "en", {"静岡", "浙江"}),
        # "Prefecture" and "City" after a name say which body it is.
        ("Which Indian state has an agreement with Hiroshima Prefecture?", "en", {"広島県"}),
        ("How many agreements has Fukuoka City signed?", "en", {"福岡市"}),
        ("Which city in Fujian held the event?", "en", {"福建"}),
        ("静冈县与浙江省的备忘录", "zh", {"静岡県", "浙江省"}),
        ("神户市与越南坚江省", "zh", {"神戸市"}),
        # Katakana by sound: the Japanese reading of a kanji name, or its pinyin.
        ("キタキュウシュウ市の提携は？", "ja", {"北九州"}),
        ("シェンヤンと提携している自治体は？", "ja", {"瀋陽"}),
        ("Sapporo市の提携先は？", "ja", {"札幌"}),
    ],
)
def test_corpus_names_found_in_other_scripts(names, question, lang, expected) -> None:
    assert expected <= names.find(question, lang)


def test_homophones_alone_do_not_match(names) -> None:
    # 北京事务所 reads bei jing shi … like 北京市, but is the office, not the city.
    assert "北京市" not in names.find("克莱尔北京事务所", "zh")
    assert "神戸" not in names.find("深沪的会议", "zh")
    assert "神戸" in names.find("神户的会议", "zh")
    assert names.find("What is the budget?", "en") == set()


def test_countries_in_english_and_chinese() -> None:
    found = countries_named("an Indian state and a Korean city", "en")
    assert found == ("インド共和国", "大韓民国")
    assert countries_named("越南的城市", "zh") == ("ベトナム社会主義共和国",)


def test_katakana_in_a_chinese_question_stays_chinese() -> None:
    assert detect_lang("川崎市与越南岘港市（ダナン市）的备忘录是哪一天签订的？") == "zh"
    assert detect_lang("川崎市とダナン市の覚書はいつ？") == "ja"


@pytest.mark.parametrize(
    ("question", "lang"),
    [
        ("電話番号は？", "ja"),  # kanji and one kana: nothing Chinese-only
        ("北京", "ja"),
        ("クレア北京事務所", "ja"),
        ("中国との提携件数", "ja"),  # 国 is written the same in both
        ("北京事务所电话", "zh"),  # 务 and 话 are simplified forms only
        ("广岛县", "zh"),
        ("上海在哪", "zh"),  # a word only Chinese writes
    ],
)
def test_short_kanji_questions_are_japanese_unless_something_is_only_chinese(
    question: str, lang: str
) -> None:
    assert detect_lang(question) == lang


def test_question_analysis_uses_the_name_index(names) -> None:
    q = analyze("静冈县与浙江省的医疗友好交流合作备忘录是哪一天签订的？", (), names)
    assert q.lang == "zh" and q.kind == "date"
    assert {"静岡県", "浙江省"} <= set(q.places)
    assert "静岡県" in q.lexical
    q = analyze("Which education agreement did Shizuoka sign in FY2012?", (), names)
    assert q.years == (2012,) and q.topics == ("①",)


def test_lazy_name_index_finds_what_the_built_index_finds() -> None:
    from qa.names import LazyNameIndex

    names = {"静岡県", "静岡", "浙江省", "浙江", "北九州市", "北九州", "瀋陽市", "瀋陽", "神戸"}
    built = NameIndex.build(names)
    questions = [
        ("静岡県と浙江省の覚書はいつ？", "ja"),
        ("キタキュウシュウ市の提携先は？", "ja"),
        ("シェンヤンとの交流は？", "ja"),
        ("Shizuokaの提携は？", "ja"),
        ("Which agreements did Shizuoka sign?", "en"),
        ("静冈县与浙江省的备忘录", "zh"),
    ]
    for text, lang in questions:
        assert LazyNameIndex(names).find(text, lang) == built.find(text, lang), text
    # Kanji and kana alone: nothing to look up by sound, so the index is never built.
    lazy = LazyNameIndex(names)
    assert lazy.find("静岡県と浙江省の覚書はいつ？", "ja") == set()
    assert "index" not in vars(lazy)
