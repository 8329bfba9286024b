"""Other spellings of the corpus's places, from the world places the index found.

The index holds the places of the world the corpus writes (``qa.index.world``:
GeoNames' cities and ISO 3166-2's regions with their names in many scripts). A
corpus name takes the names of the place it is: the one its card's country has
(浦項 on a Korean card is not a Chinese town of the same characters), the most
populous where it has several, and the regions of that name (Toscana with
トスカーナ州). Users then meet it by any of them: "Houston" or 休斯敦 for
ヒューストン市, "Saigon" or サイゴン for ホーチミン市, 乌鲁木齐 or 烏魯木斉 for ウルムチ市.

Example:
    >>> from qa.index.world import WorldPlace
    >>> world = [WorldPlace("ヒューストン", "US", 2314157, ("Houston", "休斯敦"))]
    >>> aliases = place_aliases({"ヒューストン市": {"アメリカ合衆国"}}, world)
    >>> sorted(aliases)
    ['Houston', '休斯敦']
    >>> sorted(aliases["休斯敦"])
    ['ヒューストン市']
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from qa.index.world import WorldPlace
from qa.language.places import NEAR_SPELLING, WORD_MARKS, place_stem, stem_or_name
from qa.language.scripts import HAN_CHARS, kana_key, latin_key, simplified_forms
from qa.query.countries import country_code

__all__ = [
    "AliasTables",
    "alias_tables",
    "katakana_key",
    "place_aliases",
    "same_places",
    "spelled_katakana",
    "written_forms",
]

#: A katakana word (a place name written in katakana, without its suffix).
_KATAKANA = re.compile(r"[ァ-ヴ][ァ-ヴー]+")
#: A name in Han characters only.
_HAN = re.compile(f"[{HAN_CHARS}]{{2,}}")


def place_aliases(
    countries: Mapping[str, Iterable[str | None]], world: Iterable[WorldPlace]
) -> dict[str, frozenset[str]]:
    """Other spellings → the corpus names they are.

    Args:
        countries: Each corpus name → the countries it lies in, by their survey
            names (大韓民国); ``None`` where a card does not say.
        world: The world places the corpus writes (``Index.world``).
    """
    by_written: dict[str, list[WorldPlace]] = {}
    for place in world:
        by_written.setdefault(place.written, []).append(place)
    out: dict[str, set[str]] = {}
    for name, kinds in countries.items():
        codes = {country_code(k) for k in kinds if k is not None} - {None}
        for place in _places_of(name, codes, by_written):
            for alias in place.names:
                if alias != name:
                    out.setdefault(alias, set()).add(name)
    return {alias: frozenset(names) for alias, names in out.items()}


def same_places(names: Iterable[str]) -> dict[str, frozenset[str]]:
    """Corpus names that are one place written two ways → the others: katakana
    spellings alike but for the letters Japanese writes for one another
    (クィーンズランド州, クイーンズランド; フェ市, フエ市; ``kana_key``) or a letter
    changed when long enough (``NEAR_SPELLING``: バビルゾン市, バルビゾン市), and a Han name
    with the katakana of its reading, where unidic knows it as a proper noun
    (厦門, アモイ市). Two Han names read alike are not one place (光州, 杭州)."""
    from rapidfuzz.distance import OSA

    from qa.index.tokenize import unidic_tagger

    names = sorted(set(names))
    # By the name's sound and its suffix: ハバロフスク市 is not ハバロフスク地方.
    katakana: dict[tuple[str, str], set[str]] = {}
    for name in names:
        if (key := katakana_key(name)) is not None:
            katakana.setdefault(key, set()).add(name)
    groups = [set(group) for group in katakana.values()]
    # A letter changed or two swapped, long enough (バビルゾン市, バルビゾン市: the corpus
    # misspells one).
    keys = sorted(k for k in katakana if len(k[0]) >= NEAR_SPELLING)
    for i, (key, suffix) in enumerate(keys):
        for other, other_suffix in keys[i + 1 :]:
            # Of one length: a letter more is more often a word's cut (イトスカーナ).
            if suffix == other_suffix and len(key) == len(other) and OSA.distance(key, other) == 1:
                groups.append(katakana[key, suffix] | katakana[other, other_suffix])
    for name in names:
        stem = stem_or_name(name)
        if not _HAN.fullmatch(stem):
            continue
        words = list(unidic_tagger()(stem))
        if len(words) == 1 and words[0].feature.pos2 == "固有名詞" and words[0].feature.kana:
            group = katakana.get((kana_key(words[0].feature.kana), name[len(stem) :]))
            if group:
                groups.append({name, *group})
    out: dict[str, set[str]] = {}
    for group in groups:
        for name in group:
            out.setdefault(name, set()).update(group - {name})
    return {name: frozenset(others) for name, others in out.items() if others}


def katakana_key(name: str) -> tuple[str, str] | None:
    """A katakana name's sound, its stem's ``kana_key`` without the marks between
    words, and its suffix (クィーンズランド州 → the key of クイーンズランド, 州); None
    for a name not in katakana."""
    stem = stem_or_name(name)
    bare = stem.translate(WORD_MARKS)
    return (kana_key(bare), name[len(stem) :]) if _KATAKANA.fullmatch(bare) else None


def written_forms(name: str) -> set[str]:
    """The forms a world place of ``name`` may be written under: as it is, without
    its suffix (慶州市 → 慶州), without the marks between words (ラ・ルビエール)."""
    stem = place_stem(name)
    forms = {name, name.translate(WORD_MARKS)}
    if len(stem) >= 2:
        forms |= {stem, stem.translate(WORD_MARKS)}
    return forms


def _places_of(
    name: str, codes: set[str | None], by_written: Mapping[str, list[WorldPlace]]
) -> list[WorldPlace]:
    """The world places ``name`` is: in its countries (else in the country of the
    most populous place of that name), the largest city and every region."""
    found = {p for form in written_forms(name) for p in by_written.get(form, ())}
    if codes:
        found = {p for p in found if p.country in codes}
    elif found:
        top = max(found, key=lambda p: (p.population, p.country)).country
        found = {p for p in found if p.country == top}
    cities = [p for p in found if p.population > 0]
    regions = sorted((p for p in found if p.population == 0), key=lambda p: p.names)
    largest = [max(cities, key=lambda p: (p.population, p.names))] if cities else []
    return largest + regions


@dataclass(frozen=True)
class AliasTables:
    """Aliases by how a question meets them.

    Attributes:
        latin: Latin keys (``latin_key``: houston, ho chi minh city) → names.
        han: Han spellings no corpus name writes, in simplified forms (休斯敦,
            乌鲁木齐) → names.
        kana: Katakana spellings without their suffix or marks (サイゴン) → names.
    """

    latin: dict[str, frozenset[str]]
    han: dict[str, frozenset[str]]
    kana: dict[str, frozenset[str]]


def alias_tables(aliases: Mapping[str, Iterable[str]], names: Iterable[str]) -> AliasTables:
    """:func:`place_aliases`'s spellings sorted by script; a Han spelling inside a
    corpus name (慶州 of 慶州市) is left to the names as written."""
    # One string to look a form up in (no name holds a line break): the same answer
    # as asking every name, without a loop over them per spelling.
    written = "\n".join(simplified_forms(n) for n in names)
    tables: tuple[dict[str, set[str]], ...] = ({}, {}, {})
    latin, han, kana = tables
    for alias, targets in aliases.items():
        word = alias.translate(WORD_MARKS)
        word = word if _KATAKANA.fullmatch(word) else place_stem(word)
        if alias.isascii():
            latin.setdefault(latin_key(alias), set()).update(targets)
        elif _KATAKANA.fullmatch(word):
            kana.setdefault(word, set()).update(targets)
        elif _HAN.fullmatch(alias):
            # As written and without its suffix: 海防市 and 海防.
            for form in {simplified_forms(alias), simplified_forms(word)}:
                if len(form) >= 2 and form not in written:
                    han.setdefault(form, set()).update(targets)
    latin_t, han_t, kana_t = ({k: frozenset(v) for k, v in t.items()} for t in tables)
    return AliasTables(latin_t, han_t, kana_t)


def spelled_katakana(
    names: Iterable[str], aliases: Mapping[str, frozenset[str]]
) -> dict[str, frozenset[str]]:
    """Katakana names and katakana aliases by their ``kana_key`` (without suffix or
    marks) → the names, for spellings one letter off (``NameIndex.spelled``)."""
    out: dict[str, set[str]] = {}
    for name in names:
        if (keyed := katakana_key(name)) is not None:
            out.setdefault(keyed[0], set()).add(name)
    for alias, targets in aliases.items():
        out.setdefault(kana_key(alias), set()).update(targets)
    return {key: frozenset(v) for key, v in out.items()}
