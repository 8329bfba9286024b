"""Knowledge about language written once (qa.language): eras, place suffixes, scripts,
how phone numbers and e-mail addresses are written; hand-worked examples."""

from __future__ import annotations

import pytest

from qa.language.contact_forms import EMAIL, PHONE
from qa.language.eras import ERA_NAMES, era_span, era_years, western_year
from qa.language.places import (
    PLACE_SUFFIXES,
    TEXT_PLACE_SUFFIXES,
    TOKEN_PLACE_SUFFIXES,
    place_stem,
)
from qa.language.scripts import HAN, HAN_OR_KANA


@pytest.mark.parametrize(
    ("era", "year", "western"),
    [
        ("明治", "45", 1912),  # 1868 + 44
        ("大正", "元", 1912),  # its first year is 明治45
        ("昭和", "64", 1989),
        ("平成", "元", 1989),
        ("平成", "24", 2012),  # 1988 + 24
        ("令和", "5", 2023),
    ],
)
def test_every_era_reads_into_a_western_year(era: str, year: str, western: int) -> None:
    assert western_year(era, year) == western


def test_a_western_year_is_written_in_each_era_it_falls_in() -> None:
    # 1989 is 昭和64 (its last week) and 平成1 = 平成元; 1912 is 明治45 and 大正元.
    assert era_years(1989) == ["昭和64", "平成1", "平成元"]
    assert era_years(1912) == ["明治45", "大正1", "大正元"]
    assert era_years(2012) == ["平成24"]


def test_an_era_spans_its_whole_years_and_the_names_are_all_there() -> None:
    assert era_span("昭和") == (1926, 1988)
    assert era_span("令和") == (2019, 9999)
    assert ERA_NAMES.split("|") == ["明治", "大正", "昭和", "平成", "令和"]


def test_a_place_loses_one_suffix_the_longest_first() -> None:
    assert place_stem("釜山広域市") == "釜山"
    assert place_stem("浙江省") == "浙江"
    assert place_stem("原州市") == "原州"  # one suffix only, not 原
    assert place_stem("市") == ""


def test_an_autonomous_region_loses_its_people_with_its_suffix() -> None:
    assert place_stem("広西壮族自治区") == "広西"
    assert place_stem("延辺朝鮮族自治州") == "延辺"  # a people of two characters
    assert place_stem("新疆ウイグル自治区") == "新疆"  # a people in katakana
    assert place_stem("内蒙古自治区") == "内蒙古"  # no people: only the suffix goes
    assert place_stem("民族村") == "民族"  # 族 before another suffix is the name's own


def test_the_narrower_suffix_lists_are_parts_of_the_whole_one() -> None:
    assert set(TEXT_PLACE_SUFFIXES) < set(TOKEN_PLACE_SUFFIXES) < set(PLACE_SUFFIXES)
    assert "郡" in PLACE_SUFFIXES and "町" not in TEXT_PLACE_SUFFIXES


def test_han_and_kana_ranges() -> None:
    assert HAN.fullmatch("㐂") and HAN.fullmatch("静")  # extension A and the main block
    assert not HAN.search("しずおか シズオカ Shizuoka")
    assert HAN_OR_KANA.search("in ひらがな") and not HAN_OR_KANA.search("latin only")


@pytest.mark.parametrize(
    ("text", "phone"),
    [
        ("TEL: +81-(0)3-5213-1720 まで", "+81-(0)3-5213-1720"),
        ("電話 054－221－2309", None),  # full-width dashes: NFKC first
        ("電話 054‐221‐2309（内線）", "054‐221‐2309"),
        ("1999-08-03 に締結", None),  # a date, not a phone
        ("番号 0123-45-67890123", None),  # inside a longer run of digits
    ],
)
def test_a_phone_number_is_found_as_written(text: str, phone: str | None) -> None:
    found = PHONE.search(text)
    assert (found.group() if found else None) == phone


def test_an_e_mail_address_is_ascii_and_leaves_the_word_before_it() -> None:
    assert EMAIL.search("連絡はkoryu@example.lg.jpへ").group() == "koryu@example.lg.jp"
    assert EMAIL.search("no address here @ all") is None


def test_katakana_spellings_of_one_name_share_a_key() -> None:
    from qa.language.scripts import kana_key

    assert kana_key("ノヴォシビルスク") == kana_key("ノボシビルスク")
    assert kana_key("クィーンズランド") == kana_key("クイーンズランド")
    assert kana_key("フェ") == kana_key("フエ")
    assert kana_key("テューリンゲン") == kana_key("チュウリンゲン")
    assert kana_key("ボストン") != kana_key("ポストン")
