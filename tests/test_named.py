"""What a question names that an answering passage must hold (qa.reader.named)."""

from __future__ import annotations

import pytest

from qa.reader.named import Named, ordinals_named


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("第3期から第4期にかけて", ("第3期", "第4期")),
        ("第十届研讨会在哪里", ("第10回",)),
        ("第二十一回の会議", ("第21回",)),
        ("Where was the 12th Japan-China Regional Exchange Promotion Seminar held?", ("第12回",)),
        ("the 5th meetings", ("第5回",)),
        ("Paris 6th arrondissement", ()),
        ("tied for 9th place", ()),
        ("中国は第2位", ()),
    ],
)
def test_ordinals_are_named_with_the_counter_the_documents_write(text, expected):
    assert ordinals_named(text) == expected


def test_a_compound_office_is_held_part_by_part():
    named = Named.of((), ("港湾局振興課",), "", (), "")
    assert named.holds("港湾局港湾振興部振興課")
    assert not named.holds("港湾局港湾振興部")


def test_a_single_office_must_be_held_whole():
    named = Named.of((), ("地方連携推進室",), "", (), "")
    assert named.holds("●地方連携推進室03-5501-8491")
    assert not named.holds("官民連携推進室")


def test_spellings_of_one_place_heard_by_sound_need_only_one_of_them():
    # コウシュウ matched three corpus names; the passage writes one.
    named = Named.of(("札幌市", "光州", "広州", "杭州"), (), "", (), "札幌市がコウシュウで")
    assert named.holds("札幌市杭州市で開催")
    assert not named.holds("杭州市で開催")  # 札幌市, written in the question, is missing


def test_two_places_heard_by_sound_that_differ_are_both_needed():
    named = Named.of(("京都", "ケベック"), (), "", (), "Kyoto and Quebec")
    assert named.holds("京都府ケベック州")
    assert not named.holds("京都府大連市")


def test_a_place_met_by_another_spelling_is_held_without_its_suffix():
    # "Oakland" met the card's オークランド市; a brochure writes オークランド港.
    named = Named.of(("オークランド市",), (), "", (), "博多港とOakland港の航路")
    assert named.holds("博多港とオークランド港のコンテナ航路")
    # Written in the question, the name is held only as written.
    written = Named.of(("オークランド市",), (), "", (), "オークランド市との航路")
    assert not written.holds("博多港とオークランド港のコンテナ航路")


def test_a_year_is_held_in_its_era_or_without_the_era():
    named = Named.of((), (), "", (2011,), "")
    assert named.holds("平成23年9月")
    assert named.holds("2011年")
    assert named.holds("9月大連福岡・アジアコレクション開催(23年度事業)")
    assert not named.holds("2023年3月")
    assert not named.holds("平成22年")


def test_nothing_named_holds_anywhere():
    assert Named().holds("")


def test_the_names_one_spelling_may_be_need_only_one_of_them():
    # セイト was heard as 成都 and as 瀬戸, which share neither a character nor a sound.
    named = Named.of((("成都", "瀬戸"),), (), "", (), "セイトでのセミナー")
    assert named.holds("第6回 成都市(四川省)")
    assert named.holds("愛知県瀬戸市")
    assert not named.holds("綿陽市")


def test_a_katakana_term_the_documents_write_must_be_held():
    from qa.reader.named import terms_named

    corpus = "JETプログラムの窓口は人事課。ジャパン・ハウスの申請。イベントの案内。サンパウロ市。"
    question = "JETプログラムとジャパン・ハウスのイベントについてサンパウロ市とスターバックスに聞く"
    # Not a word of the language (イベント), nor a place named (サンパウロ), nor a term the
    # documents do not write (スターバックス: it may be spelled otherwise).
    terms = terms_named(question, corpus, ["サンパウロ市"])
    assert terms == ("JETプログラム", "ジャパン・ハウス")
    named = Named.of((), (), question, (), question, terms)
    assert named.holds("JETプログラムとジャパン・ハウスの窓口")
    assert not named.holds("ジャパン・ハウスの窓口は03-0000-0000")


def test_a_name_quoted_as_the_documents_write_it_must_be_held_whole():
    from qa.reader.named import terms_named

    corpus = "1. 森と湖の交流に関する覚書 締結日 平成20年。2. 山の交流協定 平成21年。"
    # Quoted and written: named whole; quoted but written nowhere, or too short: not.
    question = "「森と湖の交流に関する覚書」と「海の交流宣言」と「山」の締結日は？"
    terms = terms_named(question, corpus, [])
    assert terms == ("森と湖の交流に関する覚書",)
    named = Named.of((), (), question, (), question, terms)
    assert named.holds("1. 森と湖の交流に関する覚書 締結日 平成20年")
    assert not named.holds("2. 山の交流協定 平成21年")
