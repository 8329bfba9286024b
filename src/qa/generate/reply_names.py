"""Names of places and organisations in an LLM's reply, which the passages it cites must hold.

A reply with the right date but the wrong partner (静岡県と北京市) passes every
value check; its names are what is wrong. Names are found generically:

- in Japanese (and Chinese, read in Japanese character forms: 静冈县 → 静岡県),
  unidic's proper nouns (名詞・固有名詞) with the place suffix that follows them
  (北京 + 市), countries aside;
- countries by the project's names for them in three languages (中国, China →
  中華人民共和国);
- the corpus's own place names written in Latin letters ("Beijing" → 北京), by
  the answerer's name index, when one is given.

A name is supported when a cited passage holds it (NFKC, spaces ignored).

Example:
    >>> unsupported_name("静岡県と北京市です [1]", "日本国静岡県と中華人民共和国浙江省")
    '北京市'
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable

from qa.language.places import PLACE_SUFFIXES
from qa.language.scripts import HAN_OR_KANA, japanese_forms
from qa.query.countries import countries_named
from qa.query.question import detect_lang

__all__ = ["NameFinder", "names_in", "unsupported_name"]

#: Corpus names written in ``text`` in language ``lang`` (``NameIndex.find``).
NameFinder = Callable[[str, str], Iterable[str]]


def names_in(text: str, lang: str, corpus_names: NameFinder | None = None) -> list[str]:
    """The proper names ``text`` writes, in the corpus's (Japanese) forms: countries,
    corpus names, then proper nouns, none inside another."""
    text = unicodedata.normalize("NFKC", text)
    found = countries_named(text, lang)
    if corpus_names is not None and lang in ("en", "zh"):
        found += tuple(sorted(corpus_names(text, lang)))
    japanese = japanese_forms(text) if lang == "zh" else text
    names = list(dict.fromkeys((*found, *_proper_nouns(japanese))))
    # 北京 inside 北京市 is the same name; a single character is no name (unidic tags
    # stray characters of Chinese text as proper nouns).
    return [n for n in names if len(n) >= 2 and not any(n != o and n in o for o in names)]


def unsupported_name(reply: str, source: str, corpus_names: NameFinder | None = None) -> str | None:
    """The first name in ``reply`` that ``source`` (the cited passages) does not hold."""
    held = _fold(source)
    held_countries = set(countries_named(unicodedata.normalize("NFKC", source), "ja"))
    for name in names_in(reply, detect_lang(reply), corpus_names):
        if _fold(name) not in held and name not in held_countries:
            return name
    return None


def _proper_nouns(text: str) -> list[str]:
    """unidic's proper nouns other than countries, each with the place suffixes after it."""
    import fugashi
    import unidic_lite

    # A tagger of its own: the check runs outside the answerer's lock (chat threads).
    tagger = fugashi.Tagger(f'-d "{unidic_lite.DICDIR}"')
    names: list[str] = []
    current = ""
    for word in tagger(text):
        f = word.feature
        proper = f.pos1 == "名詞" and f.pos2 == "固有名詞" and f.pos4 != "国"
        if proper and HAN_OR_KANA.search(word.surface):
            current += word.surface
            continue
        if current and word.surface and all(ch in PLACE_SUFFIXES for ch in word.surface):
            current += word.surface
            continue
        if current:
            names.append(current)
        current = ""
    if current:
        names.append(current)
    return names


def _fold(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))
