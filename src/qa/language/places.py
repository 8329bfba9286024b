"""Place suffixes, one list for every stage: the lexicon's ``[places]``.

A place name ends in one of :data:`PLACE_SUFFIXES` (静岡県, 浙江省, 北九州市) or in a
longer suffix (釜山広域市); :func:`place_stem` is the name without it, as users say
it. In running text, where 町, 村, 区 and 道 also end ordinary words, only
:data:`TEXT_PLACE_SUFFIXES` mark a place; a question's place-like words are
found by :data:`TOKEN_PLACE_SUFFIXES`.

Example:
    >>> place_stem("釜山広域市"), place_stem("浙江省"), place_stem("原州市")
    ('釜山', '浙江', '原州')
    >>> place_stem("広西壮族自治区"), place_stem("新疆ウイグル自治区"), place_stem("内蒙古自治区")
    ('広西', '新疆', '内蒙古')
"""

from __future__ import annotations

import re

from qa.language.lexicon import LEXICON
from qa.language.scripts import HAN_CHARS

__all__ = [
    "KANA_COMPOUND",
    "LONG_SUFFIXES",
    "NEAR_SPELLING",
    "PLACE_SUFFIXES",
    "TEXT_PLACE_SUFFIXES",
    "TOKEN_PLACE_SUFFIXES",
    "WORD_MARKS",
    "alternation",
    "fold_variants",
    "place_stem",
    "stem_or_name",
]

#: One-character suffixes that end a place name, as one string (for ``in`` and ``rstrip``).
PLACE_SUFFIXES = "".join(LEXICON.places["suffixes"])
#: The ones that mark a place inside running text (福建省, アモイ市).
TEXT_PLACE_SUFFIXES = "".join(LEXICON.places["in_text"])
#: The ones that make a question's word a place (大阪市, 天台県), known to the corpus or not.
TOKEN_PLACE_SUFFIXES = "".join(LEXICON.places["in_question"])
#: Suffixes of more than one character, longest first (釜山広域市, 済州特別自治道).
LONG_SUFFIXES = LEXICON.long_suffixes


#: The marks katakana names write between their words (ラ・ルビエール, モン・サン＝ミッシェル),
#: as a ``str.translate`` table that drops them.
WORD_MARKS = str.maketrans("", "", "・＝=")
#: A katakana name of several words joined by those marks (ストーク・オン・トレント).
KANA_COMPOUND = re.compile(r"[ァ-ヴ][ァ-ヴー]*(?:[・＝=][ァ-ヴ][ァ-ヴー]*)+")
#: A katakana spelling one letter off a name (ブタペスト, ブダペスト) is taken for it
#: only when this long (its ``kana_key`` without the marks).
NEAR_SPELLING = 5


def alternation(suffixes: str) -> str:
    """``suffixes`` as a regular-expression group: ``(?:県|省|市)``."""
    return "(?:" + "|".join(suffixes) + ")"


#: An autonomous region's people after its place: two or more Han characters ending in
#: the lexicon's people mark (壮族, 朝鮮族), or katakana (ウイグル).
_PEOPLE = re.compile(
    rf"(?<=^[{HAN_CHARS}]{{2}})(?:[{HAN_CHARS}]+(?:{'|'.join(LEXICON.places['people'])})"
    rf"|[ァ-ヴー]+)$"
)


def place_stem(name: str) -> str:
    """A place name without its suffix: 釜山広域市 → 釜山, 浙江省 → 浙江, 原州市 → 原州
    (one suffix only: 原州 stays 原州; empty when nothing else is left); an
    autonomous region without its people too: 広西壮族自治区 → 広西."""
    for suffix in LONG_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            stem = name[: -len(suffix)]
            if suffix in LEXICON.places["autonomous"]:
                stem = _PEOPLE.sub("", stem)
            return stem
    return name[:-1] if name and name[-1] in PLACE_SUFFIXES else name


def stem_or_name(name: str) -> str:
    """:func:`place_stem`, or ``name`` itself where fewer than two characters are left
    (原州市 → 原州; 津市 stays 津市)."""
    stem = place_stem(name)
    return stem if len(stem) >= 2 else name


_VARIANTS = str.maketrans({pair[0]: pair[1] for pair in LEXICON.places["variants"]})


def fold_variants(name: str) -> str:
    """``name`` with the characters place names write for one another folded
    (lexicon ``[places] variants``): ``済洲`` and ``済州`` compare alike."""
    return name.translate(_VARIANTS)
