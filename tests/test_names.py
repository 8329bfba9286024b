"""Place names written in other scripts, matched against the corpus's own names."""

from __future__ import annotations

import itertools

import pytest

from qa.language.scripts import japanese_forms, latin_key
from qa.query.countries import countries_named
from qa.query.names import NameIndex
from qa.query.question import analyze, detect_lang


@pytest.fixture(scope="module")
def names(engine) -> NameIndex:
    from qa.answer.answerer import Answerer

    return Answerer(engine.retriever)._name_index.index


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
        ("キタキュウシュウ市の提携は？", "ja", {"北九州市"}),
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
    assert q.lang == "zh" and q.answer_type == "date"
    assert {"静岡県", "浙江省"} <= set(q.places)
    assert "静岡県" in q.lexical
    q = analyze("Which education agreement did Shizuoka sign in FY2012?", (), names)
    assert q.years == (2012,) and q.topics == ("①",)


# Names typed by ear (#14): small hand-built indexes with hand-worked answers.


@pytest.fixture(scope="module")
def small() -> NameIndex:
    return NameIndex.build(
        ["原州市", "原州", "釜山広域市", "釜山", "平澤市", "平澤", "天津市", "天津",
         "ポートランド市", "ポートランド", "サハリン州", "サハリン", "長沙市", "長沙"],
        korean=["原州市", "原州", "釜山広域市", "釜山", "平澤市", "平澤"],
    )  # fmt: skip


@pytest.mark.parametrize(
    ("question", "lang", "expected"),
    [
        # A Korean place in katakana meets its hanja by the Korean reading (wonju).
        ("ウォンジュ市との提携は？", "ja", {"原州市"}),
        # The Korean reading, with the vowel Japanese adds (ピョンテク pyonteku ~ pyeongtaek).
        ("ピョンテクとの交流", "ja", {"平澤"}),
        # 広域市 is a suffix: プサン is 釜山.
        ("プサンとの協定", "ja", {"釜山"}),
        # The older romanisation of the same sound.
        ("Which cities signed with Pusan?", "en", {"釜山"}),
        # An English spelling read into katakana.
        ("When did Portland sign?", "en", {"ポートランド"}),
        # pinyin from the simplified form (长沙 changsha, not the Japanese form's zhangsha).
        ("Exchanges with Changsha", "en", {"長沙"}),
        # Simplified Chinese compared in simplified forms: 平泽 is 平澤.
        ("与平泽市的交流", "zh", {"平澤市", "平澤"}),
    ],
)
def test_names_typed_by_ear_meet_the_written_name(small, question, lang, expected) -> None:
    assert small.find(question, lang) == expected


def test_korean_reading_only_for_korean_places(small) -> None:
    # 天津 is Chinese: heard by tenshin and tianjin, never by its Korean reading (cheonjin).
    assert small.find("チョンジンとの交流", "ja") == set()
    assert small.find("テンシンとの交流", "ja") == {"天津"}


def test_a_name_the_corpus_lacks_matches_nothing_and_is_unheard(small) -> None:
    assert small.find("ボストン市との提携は？", "ja") == set()
    assert small.unheard("ボストン市との提携は？") == ("ボストン",)
    # A heard name is not unheard; a word is no name at all.
    assert small.unheard("ウォンジュ市のメールアドレス") == ()
    # Nor is the first word of a name of several: ジャパン・ハウス is a house, not Japan.
    assert small.unheard("ジャパン・ハウスの連絡先は？") == ()
    assert small.unheard("ボストン・ハウスとボストン市") == ("ボストン",)


def test_an_english_name_before_a_word_for_a_body_the_corpus_lacks_is_unheard(small) -> None:
    assert small.unheard("Agreements of Boston City?", "en") == ("Boston City",)
    # Names the corpus has, as spelled or by sound, are not; nor a question word.
    assert small.unheard("Agreements of Tianjin City?", "en") == ()
    assert small.unheard("Agreements of Wonju City?", "en") == ()
    assert small.unheard("Which City in Korea?", "en") == ()
    # Nor words English uses, capitalised as a term or by a question's words.
    assert small.unheard("What does Sister City mean?", "en") == ()
    assert small.unheard("Which Japanese City has agreements with Korea?", "en") == ()
    # Nor a name with no word for a body after it: it may be a person's or a firm's.
    assert small.unheard("Agreements of Boston?", "en") == ()


def test_a_katakana_name_inside_a_longer_one_is_not_named(small) -> None:
    q = analyze("ユジノサハリンスクとの交流は？", ["サハリン"], small)
    assert "サハリン" not in q.places
    assert analyze("サハリン州との交流は？", ["サハリン"], small).places == ("サハリン",)


def test_a_kanji_place_written_in_kana_by_its_japanese_reading_is_heard() -> None:
    from qa.query.names import loanword

    # unidic knows セッコウ (石膏) and ナンキン (南京 as a common noun) as Sino-Japanese
    # words: no loanword, so the kana may be a place's reading (浙江 せっこう).
    assert not loanword("セッコウ") and not loanword("ナンキン")
    assert loanword("セット") and loanword("メールアドレス")
    index = NameIndex.build(["浙江省", "浙江", "南京市", "南京"])
    assert index.find("セッコウとの交流", "ja") == {"浙江"}
    assert index.find("ナンキン市との交流", "ja") == {"南京市"}


def test_heard_ranks_candidates_with_a_confidence(small) -> None:
    heard = small.heard("ウォンジュ")
    assert heard[0].names == {"原州市", "原州"} and heard[0].confidence == 1.0
    assert all(a.confidence >= b.confidence for a, b in itertools.pairwise(heard))


def test_a_katakana_spelling_well_ahead_of_every_other_name_is_taken() -> None:
    index = NameIndex.build(
        ["金堤市", "金堤", "浜田市", "浜田", "ソウル特別市", "ソウル"], korean=["金堤市", "金堤"]
    )
    # キムジェ (kimuje) sounds like 金堤 (gimje) at 0.89, under the threshold, and nothing
    # else comes near: taken.
    assert index.heard("キムジェ")[0].confidence < 0.93
    assert index.find("キムジェとの交流", "ja") == {"金堤"}
    # So is a Latin spelling (gimje, 0.89; 金堤市 alone is the same place, not the next).
    assert index.find("Exchanges with Gimje?", "en") == {"金堤"}
    # "Indian" is as near to 浜田 (hamada) and as far ahead: an English word (unidic
    # knows インディアン), not taken.
    assert index.heard("Indian")[0].names == {"浜田", "浜田市"}
    assert index.find("Which Indian state signed?", "en") == set()
    # A short sound (スウォン: son) is not taken by a margin; it stays unheard.
    assert index.unheard("スウォン市との交流") == ("スウォン",)


def test_a_spelling_of_one_of_two_writings_of_a_place_names_both() -> None:
    index = NameIndex.build(
        ["厦門", "アモイ市", "アモイ", "ストーン・オン・トレント市"],
        aliases={"Xiamen": {"厦門"}, "ストーク・オン・トレント": {"ストーン・オン・トレント市"}},
    )
    # The corpus writes 厦門 and アモイ市 (unidic reads 厦門 アモイ): a spelling of one names both.
    assert index.find("Exchanges with Xiamen?", "en") == {"厦門", "アモイ"}
    assert index.find("与厦门的交流", "zh") == {"厦門", "アモイ"}
    # A katakana alias of several words is met whole, not by its words.
    assert index.find("ストーク・オン・トレントとの交流", "ja") == {"ストーン・オン・トレント市"}


def test_a_katakana_spelling_one_letter_off_one_name_is_that_name() -> None:
    index = NameIndex.build(["カステリョン市", "カステリョン", "ラボック市", "ラボック"])
    # カステジョン: one letter off カステリョン and off nothing else.
    assert index.find("カステジョンとの交流", "ja") == {"カステリョン"}
    # Four letters are too few to tell a spelling from another name (ラバック).
    assert index.find("ラバックとの交流", "ja") == set()


def test_running_text_names_a_large_katakana_place_written_with_a_suffix() -> None:
    from qa.index.world import WorldPlace
    from qa.query.gazetteer import _world_text_places

    world = [
        WorldPlace("フーコック島", "VN", 294419, ("Phu Quoc",)),
        WorldPlace("ドーナツ島", "XX", 500000, ()),
        WorldPlace("コンポンチャム", "KH", 61750, ("Kampong Cham",)),
    ]
    # Katakana before its suffix: the katakana threshold (100,000 people), not Han's;
    # a word of the language before it (ドーナツ) is no place, nor a smaller town.
    assert _world_text_places(world) == {"フーコック島": False}


def test_simplified_forms_of_characters_both_scripts_share() -> None:
    from qa.language.scripts import simplified_forms

    # 連 is also the Japanese form of 聯, but is itself traditional: 大連 is 大连, not 大联.
    assert simplified_forms("大連市") == "大连市"
    assert simplified_forms("静岡県") == "静冈县"
    assert simplified_forms("平沢") == simplified_forms("平澤") == "平泽"


@pytest.mark.parametrize(
    ("text", "places"),
    [
        # 開封 is also a common noun (unsealing): beside its province it is a place.
        ("河南省開封市で野菜の連作障害", ["河南省", "開封市"]),
        ("第15回安康市（陝西省）", ["安康市", "陝西省"]),
        # A bracket that does not hold a whole place joins nothing: 旧東市 is no place.
        ("日置市(旧東市来町)で実施", ["日置市", "東市"]),
        # A katakana place name alone is one; the first word of a compound is not.
        ("モスクワ(ロシア)で開催", ["モスクワ"]),
        ("ラムサール条約に登録された", []),
        # A conjunction after it ends the word: no compound.
        ("コンポンチャム及び近郊", ["コンポンチャム"]),
        # A katakana word unidic reads as a place only beside what surrounds it.
        ("物産セミナー(パース)", ["パース"]),
        # Two characters unidic knows only one by one before 市: a name; words it
        # knows (一般, 中核) are none.
        ("統営市と一般市と中核市", ["統営市"]),
        # An autonomous region, which no one-character suffix ends.
        ("ウルムチ市(新疆ウイグル自治区)", ["ウルムチ市", "新疆ウイグル自治区"]),
    ],
)
def test_places_in_running_text(text, places) -> None:
    from qa.query.gazetteer import _text_places

    assert [p for _, p in _text_places(text) if p] == places


# The corpus's own names against spellings users type, written from the cards by
# a helper who did not see this code (tests/data/spellings.tsv, 392 places and
# 25 places the corpus lacks), found as a question's places are (as written, by
# Latin and simplified keys, by sound and by the other names of the world place
# the corpus writes), or as its countries where the card's side is a country. The
# issue's target is 0.95 resolved and no name for a place the corpus lacks; the
# matcher reaches 0.952 (373 of 392), no other name first, none for a lacking place.
SPELLINGS_RESOLVED = 0.95
SPELLINGS_WRONG_FIRST = 0
SPELLINGS_NEGATIVES_NAMED = 0


def test_a_katakana_word_before_a_place_suffix_is_a_place_without_its_country() -> None:
    from qa.query.gazetteer import _kana_places

    # However long; the country written before it is not part of it; a space ends a
    # word (イ numbers a list item); a loanword before 市 is no place.
    text = "ハンガリーペーチ市とディーキルシュ市\nイ トスカーナ州\nメール県"
    assert [p for _, p in _kana_places(text)] == ["ペーチ市", "ディーキルシュ市", "トスカーナ州"]


def test_a_han_name_is_heard_every_way_mandarin_reads_it() -> None:
    from qa.query.sounds import readings

    # By ear (a katakana spelling): 珲 is hui or hun; mian sounds mien, a syllable
    # alone (西安 is xi an). A Latin spelling is met by the usual pinyin only.
    assert {"huichun", "hunchun"} <= readings("琿春", by_ear=True)
    assert "hunchun" not in readings("琿春")
    assert "mienyang" in readings("綿陽", by_ear=True) and "xian" in readings("西安", by_ear=True)
    # A Japanese place is heard by its Japanese reading alone.
    assert {r.lower() for r in readings("八幡平", foreign=False)} == {"hachimantai"}


def test_a_latin_spelling_meets_a_foreign_han_name_by_its_own_countrys_reading() -> None:
    # Where the index is told which names are Japanese places, the others are foreign.
    index = NameIndex.build(["揚州市", "揚州", "静岡県", "静岡"], japanese=["静岡県", "静岡"])
    assert index.find("Exchanges with Yangzhou?", "en") == {"揚州"}
    assert index.find("Exchanges with Shizuoka?", "en") == {"静岡"}
    # Its Japanese reading (yoshu) is for kana: Yeosu, a Korean city, is not 揚州.
    assert index.find("Exchanges with Yeosu?", "en") == set()
    assert index.find("ヨウシュウとの交流", "ja") == {"揚州"}


def test_a_phrase_is_english_only_when_every_word_is() -> None:
    from qa.query.hearing import english_words

    assert english_words("Sister City")
    assert not english_words("Bad Langensalza")


def test_katakana_names_a_letter_apart_are_one_place() -> None:
    from qa.query.aliases import same_places

    # Two letters swapped: the corpus misspells one of them.
    assert same_places(["バビルゾン市", "バルビゾン市"]) == {
        "バビルゾン市": {"バルビゾン市"},
        "バルビゾン市": {"バビルゾン市"},
    }
    # A letter more is more often a word cut wrong (イ of a list item): not joined.
    assert same_places(["イトスカーナ州", "トスカーナ州"]) == {}


def test_spelling_table(answerer) -> None:
    import csv
    from pathlib import Path

    from qa.query.question import name_components

    path = Path(__file__).parent / "data" / "spellings.tsv"
    rows = list(csv.DictReader(path.open(encoding="utf-8"), delimiter="\t"))
    frame = {"ja": "{}との交流について", "en": "Exchanges with {}?", "zh": "与{}的交流"}
    resolved = wrong = negatives = total = 0
    for row in rows:
        q = answerer.analyze(frame[row["lang"]].format(row["typed"]))
        found = q.places
        if row["corpus_name"] == "-":
            negatives += bool(found)
            continue
        total += 1
        want = name_components(row["corpus_name"]) | {row["corpus_name"]}
        hit = any(f in want or f in row["corpus_name"] for f in found + q.countries)
        resolved += hit
        wrong += bool(found) and not hit
    assert total >= 60
    assert resolved / total >= SPELLINGS_RESOLVED
    assert wrong <= SPELLINGS_WRONG_FIRST
    assert negatives <= SPELLINGS_NEGATIVES_NAMED


def test_the_gazetteer_builds_its_index_only_when_a_question_needs_it(engine) -> None:
    from qa.query.gazetteer import Gazetteer

    gazetteer = Gazetteer.from_chunks(engine.retriever.index.chunks)
    # Kanji and kana the cards write: nothing to look up by sound, the index is not built.
    assert gazetteer.find("静岡県と浙江省の覚書はいつ？", "ja") == set()
    assert gazetteer.unheard("静岡県と浙江省の覚書はいつ？") == ()
    assert "index" not in vars(gazetteer)
    # Where it is needed it finds what the built index finds.
    questions = [
        ("静岡県と浙江省の覚書はいつ？", "ja"),
        ("キタキュウシュウ市の提携先は？", "ja"),
        ("シェンヤンとの交流は？", "ja"),
        ("Shizuokaの提携は？", "ja"),
        ("Which agreements did Shizuoka sign?", "en"),
        ("静冈县与浙江省的备忘录", "zh"),
    ]
    for text, lang in questions:
        assert gazetteer.find(text, lang) == gazetteer.index.find(text, lang), text


def test_a_place_takes_the_country_written_just_before_it() -> None:
    from qa.query.gazetteer import _country_before

    # 大田広域市 in a text about another country's partners is still Korean.
    assert _country_before("平成22年に韓国", False) is True
    assert _country_before("中華人民共和国", None) is False
    assert _country_before("平成22年に", None) is None


def test_a_katakana_place_joined_by_a_dot_is_a_name_whole_and_in_parts() -> None:
    from qa.query.question import kana_compounds, name_components

    parts = name_components("フランス共和国ロワール・アトランティック県")
    assert {"ロワール・アトランティック県", "ロワール・アトランティック"} <= parts
    assert "アトランティック県" in parts
    # ・ between two suffixed places lists them: no compound of the two.
    assert kana_compounds("スペイン ムルシア市・ビルバオ市") == set()


def test_search_adds_the_corpus_spelling_of_a_place_named_in_another_script() -> None:
    index = NameIndex.build(["静岡県", "静岡", "浙江省", "浙江"])
    q = analyze("When did Shizuoka and Zhejiang sign it?", ["静岡県", "浙江省"], index)
    assert q.lexical == q.text
    assert set(q.search.split("\n")[1:]) == {"静岡", "浙江"}
    written = analyze("静岡県と浙江省の覚書はいつ？", ["静岡県", "浙江省"], index)
    assert written.search == written.lexical


def test_one_spelling_heard_as_several_names_names_any_one_of_them() -> None:
    from qa.reader.features import QuestionView

    names = ["光州市", "光州", "杭州市", "杭州", "札幌市", "札幌"]
    index = NameIndex.build(names)
    # コウシュウ sounds like both 光州 and 杭州: one spelling, two names it may be.
    (spelling,) = index.find_groups("コウシュウ市との交流", "ja")
    assert spelling.typed == "コウシュウ" and spelling.names == {"光州市", "杭州市"}
    q = analyze("札幌市はコウシュウ市環境局の研修生を何名受け入れた？", names, index)
    assert q.places == ("札幌市", "光州市", "杭州市")
    assert q.place_groups == (("札幌市",), ("光州市", "杭州市"))
    assert q.spellings == ("コウシュウ",)
    # A passage naming Sapporo and either city names every place the question does.
    assert q.all_places_in("札幌市と杭州市の環境交流")
    assert not q.all_places_in("杭州市と光州市")
    assert q.places_share("杭州市の職員") == 0.5
    # The office is asked after the place as typed: 市環境局 is what a passage must hold.
    named = QuestionView.of(q, {}, "").named
    assert named.holds("札幌市が杭州市環境局の職員を受け入れ")
    assert not named.holds("札幌市が杭州市の職員を受け入れ")


def test_places_written_as_the_corpus_writes_them_are_one_group_each() -> None:
    q = analyze("札幌市と杭州市の協定は？", ["札幌市", "杭州市"], None)
    assert q.place_groups == (("札幌市",), ("杭州市",))
    assert not q.all_places_in("杭州市の協定")
