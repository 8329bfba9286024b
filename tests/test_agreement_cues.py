"""What a question over many agreements asks, besides its places: region words, the
survey's one-to-one and multi-party agreements, and countries by abbreviation,
adjective or written before a place. Hand-written inputs, hand-worked expectations.
"""

from __future__ import annotations

import pytest

from agreement_support import selected
from qa.answer.listing import listing_text
from qa.corpus.survey_terms import several_parties
from qa.query.countries import countries_named, strip_countries
from qa.query.question import analyze, name_components
from qa.reader.agreement_cues import left_out, parties_asked, within_asked
from qa.reader.agreements import Agreement, AgreementTable


def _row(cid: str, japanese: str, pref: str, foreign: str, country: str) -> Agreement:
    return Agreement(
        cid, f"{cid}の協定", japanese, (pref,), foreign, (country,), ("②文化交流",),
        "", None,
    )  # fmt: skip


#: Five agreements: k3 names its city without the province k2 is with; k4 is
#: among several bodies (two Japanese municipalities); k5 lists two countries.
ROWS = [
    _row("k1", "長野県松本市", "長野県", "中華人民共和国四川省成都市", "中華人民共和国"),
    _row("k2", "長野県", "長野県", "中華人民共和国四川省", "中華人民共和国"),
    _row("k3", "長野県上田市", "長野県", "中華人民共和国成都市", "中華人民共和国"),
    _row("k4", "長野県松本市、長野県上田市", "長野県", "大韓民国江原道春川市", "大韓民国"),
    _row("k5", "岐阜県高山市", "岐阜県", "大韓民国江原道春川市 台湾雲林県", "大韓民国"),
]


@pytest.fixture(scope="module")
def table() -> AgreementTable:
    return AgreementTable(ROWS)


def _select(table: AgreementTable, question: str) -> list[str]:
    return sorted(selected(table, question))


@pytest.mark.parametrize(
    ("side", "several"),
    [
        ("カナダ ブリティッシュコロンビア州", False),  # a country, then its province
        ("ハンガリー共和国バーチ・キシュクン県ケチケメート市", False),  # ・ inside a name
        ("フランス共和国イル・ド・フランス州オー・ド・セーヌ県", False),
        ("大韓民国慶尚北道浦項市 中華人民共和国吉林省琿春市", True),  # two countries
        ("オーストラリア連邦ニューサウスウェールズ州A市・B市", True),  # 市・市
        ("福岡県、佐賀県", True),
    ],
)
def test_a_side_names_several_bodies(side: str, several: bool) -> None:
    assert several_parties(side) is several


@pytest.mark.parametrize(
    ("question", "parties"),
    [
        ("1対1の提携は何件？", "one"),
        ("１対１の提携は何件？", "one"),  # full-width digits
        ("How many one-to-one agreements are there?", "one"),
        ("一对一的合作有多少件？", "one"),
        ("複数の自治体との提携は何件？", "several"),
        ("複数の自治体との提携も含めて、すべて挙げて", None),  # included, not asked alone
        ("複数の自治体で結んだものも1件として数えて、何件？", None),  # counted too
        ("静岡県の提携は何件？", None),
        # Left out, several bodies leave the one-to-one agreements.
        ("複数の自治体による枠組みを除いた提携は何件？", "one"),
        # Words that say several countries ask the same of the foreign side's countries.
        ("多国間の枠組み以外で、韓国との提携は？", "one_country"),
        ("多国間の枠組みの提携は？", "countries"),
        ("複数の自治体による多国間の枠組みを除いて", "one"),  # bodies said too
        ("Excluding multi-party frameworks, how many agreements?", "one"),
        ("不包括多个城市的框架，有几项协议？", "one"),
        ("共同で結んだ枠組みも含めて何件？", None),
    ],
)
def test_one_to_one_or_several_bodies(question: str, parties: str | None) -> None:
    assert parties_asked(question) == parties


def test_parties_select_one_to_one_or_multi_party_rows(table: AgreementTable) -> None:
    assert _select(table, "春川市と1対1で提携している日本の自治体は？") == []
    assert _select(table, "春川市と提携している日本の自治体は？") == ["k4", "k5"]
    assert _select(table, "長野県内の自治体の1対1の提携をすべて挙げて") == ["k1", "k2", "k3"]
    assert _select(table, "長野県内の自治体の、複数の自治体との提携は？") == ["k4"]


def test_several_countries_left_out_keep_several_japanese_bodies() -> None:
    two = Agreement(
        "m2", "協定", "岐阜県高山市", ("岐阜県",), "大韓民国江原道春川市 台湾雲林県",
        ("大韓民国", "台湾"), ("②文化交流",), "", None,
    )  # fmt: skip
    table = AgreementTable([ROWS[3], two])
    # m2 is with Korea and Taiwan; k4 joins two Japanese cities with one Korean one.
    assert _select(table, "多国間の枠組みを除いて、春川市と提携している日本の自治体は？") == ["k4"]
    assert _select(table, "複数の自治体による枠組みを除いて、春川市と提携している自治体は？") == []


@pytest.mark.parametrize(
    "question",
    [
        "長野県および県内の市町村が結んだ提携をすべて挙げて",
        "長野県（県内の市町村を含む）の提携をすべて挙げて",
        "长野县及县内市町村签订的协议有哪些？",
        "長野県の中の自治体（県も含めて）が結んだ提携をすべて挙げて",
    ],
)
def test_region_words_anywhere_take_in_the_municipalities(
    table: AgreementTable, question: str
) -> None:
    assert _select(table, question) == ["k1", "k2", "k3", "k4"]


@pytest.mark.parametrize(
    ("question", "within"),
    [
        ("Which agreements do the prefecture and municipalities in it have?", True),
        ("List the agreements of the province, including cities in it.", True),
        ("Which partners do the metropolis and the cities and wards in it have?", True),
        ("Which agreements does the prefecture have?", False),
    ],
)
def test_english_region_words(question: str, within: bool) -> None:
    assert within_asked(analyze(question), ()) is within


def test_a_prefecture_alone_is_itself(table: AgreementTable) -> None:
    assert _select(table, "長野県が結んだ提携をすべて挙げて") == ["k2"]


def test_a_foreign_region_takes_in_its_cities_on_the_foreign_side(table: AgreementTable) -> None:
    assert _select(table, "四川省（省内の市を含む）と提携している日本の自治体は？") == ["k1", "k2"]
    assert _select(table, "四川省と提携している日本の自治体は？") == ["k2"]


def test_a_place_written_after_its_country_is_the_place(table: AgreementTable) -> None:
    # Not every Chinese partner (k1, k2, k3): the province itself.
    assert _select(table, "中国四川省と提携している日本の自治体は？") == ["k2"]
    assert _select(table, "哪些日本地方政府与中国四川省签订了协议？") == ["k2"]


def test_a_region_written_with_its_place_only_says_which_place(table: AgreementTable) -> None:
    # k3 writes 成都市 without 四川省: the province in brackets names no second partner.
    assert _select(table, "成都市（四川省）と提携している日本の自治体は？") == ["k1", "k3"]


@pytest.mark.parametrize(
    ("text", "countries"),
    [
        ("Which Japanese municipalities have agreements with US states?", ("アメリカ合衆国",)),
        ("agreements with U.S. cities", ("アメリカ合衆国",)),
        ("Let us know which cities", ()),  # the word "us" is no country
        ("Which cities have Mexican partners?", ("メキシコ",)),
        ("Bhutanese partners", ("ブータン王国",)),
        ("Korean and Chinese partners", ("大韓民国", "中華人民共和国")),
    ],
)
def test_english_abbreviations_and_adjectives_name_countries(
    text: str, countries: tuple[str, ...]
) -> None:
    assert countries_named(text, "en") == countries


def test_a_country_written_before_a_place_is_stripped() -> None:
    assert strip_countries("中国四川省") == "四川省"
    assert strip_countries("大韓民国済州特別自治道") == "済州特別自治道"
    assert strip_countries("韩国济州") == "济州"


def test_a_variant_character_in_a_card_still_names_the_place() -> None:
    # The second card writes 済洲 for 済州 (lexicon [places] variants).
    rows = [
        _row("v1", "青森県", "青森県", "大韓民国済州特別自治道", "大韓民国"),
        _row("v2", "長崎県", "長崎県", "大韓民国釜山広域市、済洲特別自治道", "大韓民国"),
    ]
    assert _select(AgreementTable(rows), "済州特別自治道と提携している日本の自治体は？") == [
        "v1",
        "v2",
    ]


def test_a_partner_in_several_countries_is_listed_by_the_country_asked() -> None:
    row = _row(
        "m1", "岐阜県高山市", "岐阜県", "英国A市 大韓民国江原道春川市 台湾雲林県", "大韓民国"
    )
    assert row.foreign_in(("大韓民国",)) == "大韓民国江原道春川市"
    assert row.foreign_in(("大韓民国", "台湾")) == "大韓民国江原道春川市 台湾雲林県"
    assert row.foreign_in(("カナダ",)) == row.foreign  # none of them: as written
    table = AgreementTable([row])
    q = analyze("韓国の自治体と提携している日本の自治体は？", name_components(row.foreign))
    assert listing_text(q, table.select(q)).endswith("：岐阜県高山市－大韓民国江原道春川市")


@pytest.mark.parametrize(
    ("question", "left"),
    [
        ("静岡県が浙江省以外と結んだ提携は？", ["浙江省"]),  # back to the particle
        ("相手が韓国以外の国の提携は？", ["韓国"]),
        ("Agreements with countries other than Korea, by date?", ["Korea"]),  # up to the comma
        ("不包括韩国的协议有哪些？", ["韩国"]),  # up to 的
        ("静岡県の提携は？", []),
    ],
)
def test_words_that_leave_a_name_out(question: str, left: list[str]) -> None:
    assert left_out(question) == left


def test_a_place_or_country_left_out_is_no_constraint_but_an_exclusion(
    table: AgreementTable,
) -> None:
    assert _select(table, "長野県内の自治体の提携をすべて") == ["k1", "k2", "k3", "k4"]
    # 四川省 left out, as itself (k2) and as the region its cards write (k1); k3's
    # card writes 成都市 without it.
    assert _select(table, "長野県内の自治体の、四川省以外との提携をすべて") == ["k3", "k4"]
    # A country left out: every agreement but those with it.
    assert _select(table, "相手が中国以外の国の提携をすべて挙げて") == ["k4", "k5"]
    assert _select(table, "List every agreement with countries other than China.") == [
        "k4", "k5",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("question", "given"),
    [
        ("松本市・上田市などと共同の枠組みを除いて", ["松本市・上田市"]),  # back to the particle
        ("与四川省或其下辖城市(如成都市)的协议", ["成都市"]),  # up to the bracket
        ("環黄海都市会議のような枠組みを除いて", ["環黄海都市会議"]),
        ("Which cities, such as Chengdu, signed?", ["Chengdu"]),
        ("高等学校どうしの提携は？", []),  # 等 inside a word
        ("如何与四川省合作？", []),  # 如 alone is no example word
    ],
)
def test_words_that_give_a_name_as_an_example(question: str, given: list[str]) -> None:
    from qa.reader.agreement_cues import examples_given

    assert examples_given(question) == given


def test_a_place_given_as_an_example_is_no_constraint_while_another_is(
    table: AgreementTable,
) -> None:
    # 成都市 is an example of the province's cities: the province as a region (k1, k2),
    # not 成都市 alone, and not only its agreements inside the province (k1).
    question = "与四川省或其下辖城市（如成都市）签订协议的日本自治体有哪些？"
    assert _select(table, question) == ["k1", "k2"]
    # An example alone is still the place asked about (k4 lists it with another).
    assert _select(table, "上田市などの提携をすべて挙げて") == ["k3", "k4"]


@pytest.mark.parametrize(
    ("text", "continents"),
    [
        ("ヨーロッパの自治体との提携", {"EU": "ヨーロッパ"}),
        ("Which European cities signed?", {"EU": "European"}),
        ("与欧洲城市的协议", {"EU": "欧洲"}),
        ("東アジア経済交流推進機構の提携", {}),  # inside a longer katakana name
        ("Eurasian partners", {}),
    ],
)
def test_continents_a_question_names(text: str, continents: dict[str, str]) -> None:
    from qa.query.countries import continents_named

    assert continents_named(text) == continents


def test_a_continent_asks_for_the_countries_in_it() -> None:
    table = AgreementTable(
        [
            _row("e1", "京都府", "京都府", "フランス共和国パリ市", "フランス共和国"),
            _row("e2", "大阪府", "大阪府", "ドイツ連邦共和国バイエルン州", "ドイツ連邦共和国"),
            _row("a1", "静岡県", "静岡県", "中華人民共和国浙江省", "中華人民共和国"),
        ]
    )
    assert _select(table, "ヨーロッパの自治体との提携をすべて挙げて") == ["e1", "e2"]
    assert _select(table, "List every agreement with Asian cities.") == ["a1"]
    # Left out, its countries are.
    assert _select(table, "ヨーロッパ以外の自治体との提携をすべて挙げて") == ["a1"]
    # A continent none of the survey's countries are in matches nothing.
    assert _select(table, "アフリカの自治体との提携をすべて挙げて") == []


def test_a_quoted_word_that_titles_hold_selects_by_title() -> None:
    def row(cid: str, title: str, fields: tuple[str, ...]) -> Agreement:
        return Agreement(
            cid, title, "栃木県日光市", ("栃木県",), "台湾台南市", ("台湾",), fields, "", None
        )

    table = AgreementTable(
        [
            row("t1", "観光友好都市", ("⑦経済交流（商業等）",)),
            row("t2", "友好交流協定", ("⑦経済交流（商業等）",)),
            row("t3", "行政交流に関する協定", ("⑧行政交流",)),
        ]
    )
    assert _select(table, "「観光友好都市」として提携している相手をすべて挙げて") == ["t1"]
    # A field's name in quotes is the field, not a title word (t3's title holds it too).
    assert _select(table, "「⑧行政交流」に分類される提携をすべて挙げて") == ["t3"]
    # One agreement's title quoted to ask of it is no title filter: no list asked.
    q = analyze("「観光友好都市」が締結された年月日は？", ())
    assert table.constraints(q)[0].titled == ()
    # Any of the quoted words a title holds.
    assert _select(table, "「観光友好都市」や「友好交流協定」の提携をすべて挙げて") == ["t1", "t2"]
