"""The language lexicon (``lexicon.toml``): cue words, counters, eras, topics.

Knowledge about language lives in that one data file; this module only reads it.

Example:
    >>> LEXICON.eras["平成"] + 24
    2012
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

__all__ = ["LEXICON", "Lexicon", "load"]


@dataclass(frozen=True)
class Lexicon:
    """The lexicon's tables.

    Attributes:
        eras: Era name → the Western year before its first year.
        counters: ``count`` and ``money`` → counter words.
        kinds: Language → ((kind, cue words), …) in the order to try them.
        topics: Field-of-exchange mark → topic words.
        topic_groups: Several marks at once (``"⑤⑥⑦"``) → words for all of them.
        sides: ``japanese`` / ``foreign`` → cue words.
        orders: ``earliest`` / ``latest`` → cue words.
        parts: Part of a passage (経緯, 成果 …) → words that ask for it.
        frequency: Words that say how often something happens.
        ordinals: ``counters``: the counter written after 第N → the one the documents
            write (届 → 回); ``events``: English words after "Nth" naming a 第N回.
        name_suffixes: Words that end a name of an event, body or programme.
        offices: ``suffixes`` that end an office's name, ``parts`` that end each part
            of a compound one, and ``generic`` words that make such a word no name (担当課).
        aggregate: Cue words of questions over many agreements: ``all``, ``count``,
            ``agreement``, ``within`` (a prefecture as a region, right after it),
            ``region`` (anywhere), ``one_to_one``, ``several``, ``inclusive``,
            ``after``, ``before``, ``decade``.
        countries: Language → official country name → the other names for it
            (``en_cased``: abbreviations matched as written, "US").
        demonym_endings: (name ending, adjective ending) pairs that make the English
            adjective of a country's name (Mexico → Mexican).
        plurals: English plural endings ("Regions" is "Region" to the loanword check).
        continents: GeoNames' continent code → the words for it (ヨーロッパ, Europe, 欧洲).
        place_words: English word after a place name → the suffixes it means (city → 市).
        office_words: English word after a place name that names an office there → the
            suffix the documents write for it (office → 事務所).
        sound_folds: Ordered (from, to) pairs that fold a romanised name into its
            sound skeleton (``sounds.skeleton``).
        kana_folds: Ordered (from, to) pairs that fold a katakana spelling into the
            one Japanese also writes for it (ヴォ → ボ, ィ → イ; ``scripts.kana_key``).
        pinyin_spoken: (final, sound) pairs: a pinyin syllable's final as it sounds (ian → ien).
        glide_folds: More sound folds for a spelling written as heard (io → o).
        korean: Country names whose places get a Korean reading.
        long_suffixes: Suffixes longer than a character that end a place name
            (広域市), longest first.
        zh_words: Words only Chinese writes (哪, 吗), for telling a kanji-only question's language.
        listing: Language → how a list of agreements is said (``some``, ``none``,
            ``separator``, and ``one`` where one is said otherwise than many).
        followup: Words by which a question refers back to the previous turn (その, it).
        dates: How a document's date is said (``month``, ``year``, per document kind,
            ``edition``).
        layout: Which of a passage's line breaks are the PDF's layout (``bullets``,
            ``circled``, ``numbering``, ``headings``, ``sentence_ends``, ``continues``,
            ``no_line_start``, ``continuing_scripts``, ``full``).
    """

    eras: dict[str, int]
    counters: dict[str, tuple[str, ...]]
    kinds: dict[str, tuple[tuple[str, tuple[str, ...]], ...]]
    topics: dict[str, tuple[str, ...]]
    topic_groups: dict[str, tuple[str, ...]]
    sides: dict[str, tuple[str, ...]]
    orders: dict[str, tuple[str, ...]]
    parts: dict[str, tuple[str, ...]]
    frequency: tuple[str, ...]
    ordinals: dict[str, Any]
    name_suffixes: tuple[str, ...]
    offices: dict[str, tuple[str, ...]]
    aggregate: dict[str, tuple[str, ...]]
    countries: dict[str, dict[str, tuple[str, ...]]]
    demonym_endings: tuple[tuple[str, str], ...]
    plurals: tuple[str, ...]
    continents: dict[str, tuple[str, ...]]
    listing: dict[str, dict[str, str]]
    place_words: dict[str, tuple[str, ...]]
    office_words: dict[str, tuple[str, ...]]
    zh_words: tuple[str, ...]
    sound_folds: tuple[tuple[str, str], ...]
    kana_folds: tuple[tuple[str, str], ...]
    pinyin_spoken: tuple[tuple[str, str], ...]
    glide_folds: tuple[tuple[str, str], ...]
    korean: tuple[str, ...]
    long_suffixes: tuple[str, ...]
    places: dict[str, tuple[str, ...]]
    followup: tuple[str, ...]
    dates: dict[str, str]
    layout: dict[str, Any]


def _words(table: dict[str, list[str]]) -> dict[str, tuple[str, ...]]:
    return {k: tuple(v) for k, v in table.items()}


@cache
def load() -> Lexicon:
    """Read ``lexicon.toml`` from the package (once)."""
    data = tomllib.loads(resources.files("qa.language").joinpath("lexicon.toml").read_text("utf-8"))
    return Lexicon(
        eras=dict(data["eras"]),
        counters=_words(data["counters"]),
        kinds={lang: tuple(_words(t).items()) for lang, t in data["kinds"].items()},
        topics=_words(data["topics"]),
        topic_groups=_words(data["topic_groups"]),
        sides=_words(data["sides"]),
        orders=_words(data["orders"]),
        parts=_words(data["parts"]),
        frequency=tuple(data["frequency"]["words"]),
        ordinals={
            "counters": dict(data["ordinals"]["counters"]),
            "events": frozenset(data["ordinals"]["events"]),
        },
        name_suffixes=tuple(data["name_suffixes"]["words"]),
        offices=_words(data["offices"]),
        aggregate=_words(data["aggregate"]),
        countries={lang: _words(t) for lang, t in data["countries"].items()},
        demonym_endings=tuple((a, b) for a, b in data["demonyms"]["endings"]),
        plurals=tuple(data["demonyms"]["plurals"]),
        continents=_words(data["continents"]),
        listing={lang: dict(t) for lang, t in data["listing"].items()},
        place_words=_words(data["place_words"]),
        office_words=_words(data["office_words"]),
        zh_words=tuple(data["scripts"]["zh_words"]),
        sound_folds=tuple((a, b) for a, b in data["sounds"]["folds"]),
        kana_folds=tuple((a, b) for a, b in data["sounds"]["kana_folds"]),
        pinyin_spoken=tuple((a, b) for a, b in data["sounds"]["pinyin_spoken"]),
        glide_folds=tuple((a, b) for a, b in data["sounds"]["glide_folds"]),
        korean=tuple(data["sounds"]["korean"]),
        long_suffixes=tuple(sorted(data["places"]["long_suffixes"], key=len, reverse=True)),
        places={k: tuple(v) for k, v in data["places"].items() if k != "long_suffixes"},
        followup=tuple(data["followup"]["words"]),
        dates=dict(data["dates"]),
        layout=dict(data["layout"]),
    )


LEXICON = load()
