"""Find the corpus's place names in questions written in other scripts.

The documents name places in Japanese (静岡県, 中華人民共和国浙江省, タミル・ナドゥ州);
users also write "Shizuoka", "Zhejiang", "Tamil Nadu" or simplified Chinese
(静冈县, 神户市).

- English: each corpus name gets Latin keys, the Hepburn reading of its stem
  from cutlet (over fugashi + unidic-lite, with unidic's foreign spellings for
  katakana words) and the toneless pinyin of an all-Han stem from pypinyin;
  long vowels are folded (Koube → kobe, Oosaka → osaka) and keys are matched
  as whole words.
- Chinese: the question is read in Japanese character forms (OpenCC's
  simplified → traditional table, then its traditional → Japanese variants:
  静冈县 → 静岡県, 神户市 → 神戸市) and names are matched as written. Sound
  alone never matches: 北京事 is not 北京市.

Example:
    >>> index = NameIndex.build(["静岡県", "静岡", "浙江省", "浙江", "神戸市", "神戸"])
    >>> sorted(index.find("When did Shizuoka and Zhejiang sign it?", "en"))
    ['浙江', '静岡']
    >>> japanese_forms("静冈县与绵阳市")
    '静岡県与綿陽市'
    >>> sorted(index.find("神户市与静冈县", "zh"))
    ['神戸', '神戸市', '静岡', '静岡県']
"""

from __future__ import annotations

import dataclasses
import functools
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qa.lexicon import LEXICON

__all__ = [
    "PLACE_SUFFIXES", "LazyNameIndex", "NameIndex", "countries_named", "japanese_forms",
    "latin_key", "simplified_only", "sound_key",
]  # fmt: skip

_HAN = re.compile(r"[\u3400-\u9fff]")
#: The suffixes that end a place name (静岡県, 浙江省, 北九州市, 天台県…).
PLACE_SUFFIXES = "都道府県省市州町村区郡"
#: Shortest Latin key matched: shorter romanisations collide with English words.
_MIN_LATIN = 4
#: Shortest sound matched for a katakana spelling (テンシン: tenshin).
_MIN_SOUND = 5
#: A run of katakana long enough to be a place name.
_KATAKANA_RUN = re.compile(r"[ァ-ヴ][ァ-ヴー]{2,}")
#: English words that are also the romanisation of some place stem.
_ENGLISH = frozenset({"city", "state", "japan", "china", "prefecture", "province", "office"})


def latin_key(text: str) -> str:
    """Lower-case letters and single spaces, long vowels folded: ``Nyuuyooku`` → ``nyuyoku``."""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    text = re.sub(r"[^a-z]+", " ", text).strip()
    for long, short in (("ou", "o"), ("oo", "o"), ("uu", "u"), ("aa", "a"), ("ee", "e")):
        text = text.replace(long, short)
    return text


@functools.cache
def _converters() -> tuple[Any, dict[str, str]]:
    import opencc

    variants = Path(opencc.__file__).parent / "dictionary" / "JPVariants.txt"
    table: dict[str, str] = {}
    for line in variants.read_text(encoding="utf-8").splitlines():
        traditional, _, japanese = line.partition("\t")
        if len(traditional) == 1 and japanese:
            table[traditional] = japanese.split()[0]
    return opencc.OpenCC("s2t"), table


def japanese_forms(text: str) -> str:
    """Simplified Chinese in Japanese character forms: 绵阳 → 綿陽, 静冈县 → 静岡県.

    OpenCC's simplified → traditional table, then its traditional → Japanese
    (shinjitai) variants.
    """
    s2t, variants = _converters()
    return "".join(variants.get(ch, ch) for ch in s2t.convert(text))


def simplified_only(text: str) -> bool:
    """``text`` holds a character that only simplified Chinese writes: one whose
    Japanese form differs (务 → 務, 县 → 県), unlike 国 or 広, which Japanese writes too."""
    return any(japanese_forms(ch) != ch for ch in set(text) if _HAN.match(ch))


def _syllables(text: str) -> list[str]:
    from pypinyin import lazy_pinyin

    return [s.lower() for s in lazy_pinyin(text)]


@dataclass(frozen=True)
class NameIndex:
    """Corpus names by their Latin and pinyin keys."""

    latin: dict[str, frozenset[str]]
    names: frozenset[str]
    latin_pattern: re.Pattern[str] | None
    sounds: dict[str, frozenset[str]] = dataclasses.field(default_factory=dict)

    @classmethod
    def build(cls, names: Iterable[str]) -> NameIndex:
        """Index ``names`` (Japanese forms, e.g. the cards' municipality components).

        Built once per set of names: every answerer over the same index shares it.
        """
        return _build(frozenset(names))

    def find(self, text: str, lang: str) -> set[str]:
        """Corpus names that ``text`` writes in Latin letters (``en``, or inside a
        Japanese question: Sapporo市), in Chinese (``zh``) or in katakana (``ja``:
        キタキュウシュウ is 北九州, テンシン 天津, シェンヤン 瀋陽 by its pinyin)."""
        found: set[str] = set()
        if lang == "ja":
            found |= self._katakana(text)
            if not re.search(r"[A-Za-z]{4,}", text):
                return found
        if lang in ("en", "ja") and self.latin_pattern is not None:
            probe = latin_key(text)
            for m in self.latin_pattern.finditer(probe):
                names = self.latin[m.group(1)]
                # "Fukuoka City" is 福岡市, "Fukuoka Prefecture" 福岡県.
                word = probe[m.end() :].split(" ", 2)[1:2]
                suffixes = LEXICON.place_words.get(word[0], ()) if word else ()
                named = {n for n in names if suffixes and n.endswith(suffixes)}
                # "Shizuoka" alone is 静岡, which 静岡県 and 静岡市 both contain.
                found |= named or {n for n in names if not any(o != n and o in n for o in names)}
        if lang == "zh":
            forms = japanese_forms(text)
            found |= {n for n in self.names if n in forms}
        return found

    def _katakana(self, text: str) -> set[str]:
        found: set[str] = set()
        for m in _KATAKANA_RUN.finditer(text):
            if any(m.group(0) in n for n in self.names):
                continue  # written as the corpus writes it: matched as such
            names = self.sounds.get(sound_key(_romaji().romaji(m.group(0))), frozenset())
            # キタキュウシュウ市 is 北九州市 where the corpus has it.
            suffix = text[m.end() : m.end() + 1]
            named = {n for n in names if suffix and suffix in PLACE_SUFFIXES and n.endswith(suffix)}
            found |= named or {n for n in names if not any(o != n and o in n for o in names)}
        return found


class LazyNameIndex:
    """A :class:`NameIndex` built the first time a question needs it.

    Why: building it loads cutlet and pypinyin (about a second of a cold start),
    while a Japanese question without Latin words, and whose katakana words are
    all written as the corpus writes them, never looks at it: ``find`` answers
    such a question with nothing, as the index itself would.
    """

    def __init__(self, names: Iterable[str]) -> None:
        self._names = frozenset(names)
        self._kept = frozenset(n for n in self._names if len(n) >= 2)

    @functools.cached_property
    def index(self) -> NameIndex:
        return NameIndex.build(self._names)

    def find(self, text: str, lang: str) -> set[str]:
        """:meth:`NameIndex.find`, without building the index where it finds nothing."""
        if (
            lang == "ja"
            and not re.search(r"[A-Za-z]{4,}", text)
            and all(any(m.group(0) in n for n in self._kept) for m in _KATAKANA_RUN.finditer(text))
        ):
            return set()
        return self.index.find(text, lang)


def sound_key(romaji: str) -> str:
    """A name's sound, for matching a katakana spelling to its kanji: Latin letters
    without spaces, long vowels folded, a final ng as n (shenyang ~ シェンヤン)."""
    return latin_key(romaji).replace(" ", "").replace("ng", "n")


@functools.cache
def _romaji() -> Any:
    import cutlet

    return cutlet.Cutlet()


@functools.lru_cache(maxsize=4)
def _build(names: frozenset[str]) -> NameIndex:
    romaji = _romaji()
    latin: dict[str, set[str]] = {}
    kept = {n for n in names if len(n) >= 2}
    for name in sorted(kept):
        stem = name.rstrip(PLACE_SUFFIXES) if len(name.rstrip(PLACE_SUFFIXES)) >= 2 else name
        keys = {latin_key(romaji.romaji(stem)), latin_key(romaji.romaji(name))}
        if all(_HAN.match(ch) for ch in stem):
            keys.add(latin_key(" ".join(_syllables(stem)).replace(" ", "")))
        for key in keys:
            if len(key.replace(" ", "")) >= _MIN_LATIN and key not in _ENGLISH:
                latin.setdefault(key, set()).add(name)
    keys = sorted(latin, key=len, reverse=True)
    pattern = re.compile(r"\b(" + "|".join(re.escape(k) for k in keys) + r")\b") if keys else None
    sounds: dict[str, set[str]] = {}
    for key, found in latin.items():
        if len(sound_key(key)) >= _MIN_SOUND:
            sounds.setdefault(sound_key(key), set()).update(found)
    return NameIndex(
        latin={k: frozenset(v) for k, v in latin.items()},
        names=frozenset(kept),
        latin_pattern=pattern,
        sounds={k: frozenset(v) for k, v in sounds.items()},
    )


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
    else:
        world = _world()
        for m in world["pattern"].finditer(text):
            if not _inside_katakana(text, m.start(), m.end()):
                hits.append((m.start(), m.end(), world["cjk"][m.group(0)]))
    kept = [h for h in hits if not any(o[0] <= h[0] and h[1] <= o[1] and o != h for o in hits)]
    return tuple(dict.fromkeys(c for _, _, c in sorted(kept)))


_KATAKANA = frozenset(chr(c) for c in range(0x30A1, 0x30FF))


def _inside_katakana(text: str, start: int, end: int) -> bool:
    """A katakana word found inside a longer katakana run (タイ in タイトル)."""
    word = text[start:end]
    before = start > 0 and text[start - 1] in _KATAKANA and word[0] in _KATAKANA
    after = end < len(text) and text[end] in _KATAKANA and word[-1] in _KATAKANA
    return before or after


#: The country of every Japanese municipality: never the foreign side's.
_HOME = "JP"


@functools.cache
def _world() -> dict[str, Any]:
    """Country names → the name to constrain by: ``en`` (Latin keys) and ``cjk``
    (Japanese and simplified Chinese spellings), and ``pattern``, the ``cjk``
    names longest first (印度尼西亚 before 印度)."""
    import gettext

    import pycountry

    survey = {w: o for o, ws in LEXICON.countries["ja"].items() for w in (o, *ws)}
    en: dict[str, str] = {}
    cjk: dict[str, str] = {}
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
        for attr in ("name", "common_name", "official_name"):
            name = getattr(country, attr, None)
            if name and "," not in name:
                en.setdefault(latin_key(name), official)
        for word in (ja, books["zh_CN"].gettext(country.name)):
            if len(word) >= 2 and "," not in word:
                cjk.setdefault(word, official)
    for official, words in LEXICON.countries["en"].items():
        en.update({latin_key(w): official for w in words})
    for lang in ("ja", "zh"):
        for official, words in LEXICON.countries[lang].items():
            cjk.update({w: official for w in (official, *words)})
    pattern = re.compile("|".join(map(re.escape, sorted(cjk, key=len, reverse=True))))
    return {"en": en, "cjk": cjk, "pattern": pattern}
