"""How place names sound, so that a name typed by ear meets the corpus's written form.

A corpus name is read the ways a user may say it: its Japanese reading (cutlet
over unidic), its Mandarin reading (pypinyin) and, for a Korean place, its
Korean reading (the ``hanja`` package's hanja → hangul table, then
``korean-romanizer``'s Revised Romanisation). A katakana spelling is read into
Hepburn letters. Each reading is folded into a *sound skeleton* by the
lexicon's ``[sounds]`` pairs (voicing of Korean initials, eo/o, ch/j/ts, l/r,
long vowels, the vowel Japanese adds after a consonant) and skeletons are
compared by normalised edit distance (rapidfuzz).

Example:
    >>> skeleton("kyonju") == skeleton("gyeongju")
    True
    >>> round(similarity(skeleton("pyonteku"), skeleton("pyeongtaek")), 2)
    1.0
"""

from __future__ import annotations

import functools
import re
import unicodedata
from typing import Any

from qa.language.lexicon import LEXICON
from qa.language.places import stem_or_name
from qa.language.scripts import HAN_CHARS, japanese_forms, simplified_forms

__all__ = ["english_kana", "kana_reading", "name_readings", "readings", "similarity", "skeleton"]

_HAN = re.compile(f"^[{HAN_CHARS}]+$")
#: A vowel Japanese writes after a consonant that the other language does not say
#: (サムチョク samuchoku for samcheok): dropped before a consonant or at the end.
_ADDED_VOWEL = re.compile(r"(?<=[^aeiouyn])u(?=[^aeiouy]|$)")


def skeleton(latin: str, *, by_ear: bool = False) -> str:
    """A romanised name's sound: letters only, folded by the lexicon's pairs,
    doubled letters once, an added vowel dropped (``samuchoku`` ~ ``samcheok``).
    ``by_ear``: a spelling written as heard (katakana), where the glide before a
    vowel is folded too (``glide_folds``: xiong, シュン)."""
    text = unicodedata.normalize("NFKD", latin).encode("ascii", "ignore").decode().lower()
    text = re.sub(r"[^a-z]", "", text)
    for old, new in LEXICON.sound_folds:
        text = text.replace(old, new)
    for old, new in LEXICON.glide_folds if by_ear else ():
        text = text.replace(old, new)
    text = re.sub(r"(.)\1+", r"\1", text)
    return _ADDED_VOWEL.sub("", text)


def similarity(a: str, b: str) -> float:
    """How alike two skeletons are, 0–1 (normalised Indel distance)."""
    from rapidfuzz.distance import Indel

    return float(Indel.normalized_similarity(a, b))


@functools.cache
def _kana() -> Any:
    """cutlet reading katakana as it sounds (シアトル shiatoru, not Seattle)."""
    import cutlet

    katsu = cutlet.Cutlet()
    katsu.use_foreign_spelling = False
    return katsu


_KANA = re.compile(r"^[\u3041-\u30ffー・]+$")


@functools.lru_cache(maxsize=8192)
def kana_reading(text: str) -> str:
    """Hepburn letters of a spelling as it sounds: kana read mora by mora (トンヘ
    tonhe: no particle へ), a name with kanji by unidic's reading."""
    if _KANA.match(text):
        hiragana = "".join(chr(ord(c) - 0x60) if "ァ" <= c <= "ヶ" else c for c in text)
        return _kana().map_kana(hiragana.replace("・", ""))
    return _kana().romaji(text)


@functools.cache
def _english() -> Any:
    import e2k

    return e2k.C2K()


@functools.lru_cache(maxsize=4096)
def english_kana(word: str) -> str:
    """An English spelling read into katakana the way Japanese writes foreign
    names (e2k's model: Portland → ポートランド, Houston → ハウストン)."""
    letters = re.sub(r"[^a-z]", "", word.lower())
    return _english()(letters) if letters else ""


#: Most Mandarin readings of one name: a character read several ways (珲 hui, hun)
#: gives each combination, up to this many.
_MANDARIN_READINGS = 4


@functools.lru_cache(maxsize=8192)
def _pinyin(text: str, *, by_ear: bool = False) -> frozenset[str]:
    """Toneless pinyin, read from the simplified form (长沙 changsha; pypinyin reads
    the Japanese 長沙 as zhangsha). ``by_ear``, for a spelling written as heard, also
    with each reading of a character that has several (珲春 huichun, hunchun) and as
    it sounds where the lexicon's ``pinyin_spoken`` says a final sounds otherwise
    (绵阳 mienyang, ミエンヤン)."""
    from itertools import islice, product

    from pypinyin import Style, lazy_pinyin, pinyin

    simplified = simplified_forms(text)
    if not by_ear:
        return frozenset({"".join(lazy_pinyin(simplified))})
    each = pinyin(simplified, style=Style.NORMAL, heteronym=True)
    syllables = [lazy_pinyin(simplified), *islice(product(*each), _MANDARIN_READINGS)]
    out = {"".join(s) for s in syllables}
    out |= {"".join(_spoken(x) for x in s) for s in syllables}
    return frozenset(out)


def _spoken(syllable: str) -> str:
    """A pinyin syllable as it sounds (mian → mien)."""
    for final, sound in LEXICON.pinyin_spoken:
        if syllable.endswith(final):
            return syllable[: -len(final)] + sound
    return syllable


@functools.lru_cache(maxsize=8192)
def _korean(text: str) -> str:
    import hanja
    from korean_romanizer.romanizer import Romanizer

    return Romanizer(hanja.translate(text, "substitution")).romanize()


def readings(
    stem: str, *, korean: bool | None = False, foreign: bool = True, by_ear: bool = False
) -> set[str]:
    """Romanised readings of a name's stem (without its 市, 省…): the Japanese
    reading and, for a foreign name in Han characters, the Korean one for a Korean
    place (``korean``), the Mandarin one for another (every one ``by_ear``), both
    when its country is not known (``None``). A Japanese place (not ``foreign``) is
    heard by its Japanese reading only."""
    out = {kana_reading(stem)}
    if foreign and _HAN.match(stem):
        if korean is not False:
            out.add(_korean(stem))
        if korean is not True:
            out |= _pinyin(stem, by_ear=by_ear)
    return {r for r in out if r}


def name_readings(
    name: str, *, korean: bool | None = False, foreign: bool = True, own: bool = False
) -> tuple[set[str], set[str], set[str]]:
    """A corpus name's :func:`readings` (of the name, its stem and the stem's Japanese
    character forms): those a spelling written as heard (katakana) is compared with,
    every reading ``by_ear``; those a Latin spelling is, the usual ones; and how it
    is spelled in Latin letters (cutlet's Hepburn, with the English spelling of a
    katakana loan: アヌシー Annecy). With ``own``, a name in Han characters is met in
    Latin letters by its own country's reading only (揚州: yangzhou, not the
    Japanese yoshu)."""
    stem = stem_or_name(name)
    forms = {stem, name, japanese_forms(stem)}
    heard = {r for f in forms for r in readings(f, korean=korean, foreign=foreign, by_ear=True)}
    latin = {r for f in forms for r in readings(f, korean=korean, foreign=foreign)}
    if own and _HAN.match(stem):
        latin -= {kana_reading(f) for f in forms}
        return heard, latin, set()
    return heard, latin, {_spelling().romaji(stem), _spelling().romaji(name)}


@functools.cache
def _spelling() -> Any:
    """cutlet spelling a name in Latin letters, katakana loans as their source word."""
    import cutlet

    return cutlet.Cutlet()
