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

import functools
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["NameIndex", "countries_named", "japanese_forms", "latin_key"]

_HAN = re.compile(r"[\u3400-\u9fff]")
_SUFFIX = "都道府県省市州町村区郡"
#: Shortest Latin key matched: shorter romanisations collide with English words.
_MIN_LATIN = 4
#: English words that are also the romanisation of some place stem.
_ENGLISH = frozenset({"city", "state", "japan", "china", "prefecture", "province", "office"})
#: Countries in English and Chinese, to their official names in the documents.
_COUNTRY_WORDS: dict[str, str] = {
    "china": "中華人民共和国",
    "chinese": "中華人民共和国",
    "korea": "大韓民国",
    "korean": "大韓民国",
    "india": "インド共和国",
    "indian": "インド共和国",
    "vietnam": "ベトナム社会主義共和国",
    "viet nam": "ベトナム社会主義共和国",
    "vietnamese": "ベトナム社会主義共和国",
    "united states": "アメリカ合衆国",
    "america": "アメリカ合衆国",
    "american": "アメリカ合衆国",
    "france": "フランス共和国",
    "french": "フランス共和国",
    "russia": "ロシア連邦",
    "russian": "ロシア連邦",
    "australia": "オーストラリア連邦",
    "australian": "オーストラリア連邦",
    "taiwan": "台湾",
    "中国": "中華人民共和国",
    "韩国": "大韓民国",
    "越南": "ベトナム社会主義共和国",
    "印度": "インド共和国",
    "美国": "アメリカ合衆国",
    "法国": "フランス共和国",
    "俄罗斯": "ロシア連邦",
    "澳大利亚": "オーストラリア連邦",
}


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


def _syllables(text: str) -> list[str]:
    from pypinyin import lazy_pinyin

    return [s.lower() for s in lazy_pinyin(text)]


@dataclass(frozen=True)
class NameIndex:
    """Corpus names by their Latin and pinyin keys."""

    latin: dict[str, frozenset[str]]
    names: frozenset[str]
    latin_pattern: re.Pattern[str] | None

    @classmethod
    def build(cls, names: Iterable[str]) -> NameIndex:
        """Index ``names`` (Japanese forms, e.g. the cards' municipality components).

        Built once per set of names: every answerer over the same index shares it.
        """
        return _build(frozenset(names))

    def find(self, text: str, lang: str) -> set[str]:
        """Corpus names that ``text`` writes in Latin letters (``en``) or in Chinese (``zh``)."""
        found: set[str] = set()
        if lang == "en" and self.latin_pattern is not None:
            for m in self.latin_pattern.finditer(latin_key(text)):
                names = self.latin[m.group(1)]
                # "Shizuoka" is 静岡, which 静岡県 and 静岡市 both contain.
                found |= {n for n in names if not any(o != n and o in n for o in names)}
        if lang == "zh":
            forms = japanese_forms(text)
            found |= {n for n in self.names if n in forms}
        return found


@functools.lru_cache(maxsize=4)
def _build(names: frozenset[str]) -> NameIndex:
    import cutlet

    romaji = cutlet.Cutlet()
    latin: dict[str, set[str]] = {}
    kept = {n for n in names if len(n) >= 2}
    for name in sorted(kept):
        stem = name.rstrip(_SUFFIX) if len(name.rstrip(_SUFFIX)) >= 2 else name
        keys = {latin_key(romaji.romaji(stem))}
        if all(_HAN.match(ch) for ch in stem):
            keys.add(latin_key(" ".join(_syllables(stem)).replace(" ", "")))
        for key in keys:
            if len(key.replace(" ", "")) >= _MIN_LATIN and key not in _ENGLISH:
                latin.setdefault(key, set()).add(name)
    keys = sorted(latin, key=len, reverse=True)
    pattern = re.compile(r"\b(" + "|".join(re.escape(k) for k in keys) + r")\b") if keys else None
    return NameIndex(
        latin={k: frozenset(v) for k, v in latin.items()},
        names=frozenset(kept),
        latin_pattern=pattern,
    )


def countries_named(text: str, lang: str) -> tuple[str, ...]:
    """Official country names that an English or Chinese question names."""
    if lang == "en":
        probe = f" {latin_key(text)} "
        hits = [(probe.find(f" {w} "), c) for w, c in _COUNTRY_WORDS.items() if f" {w} " in probe]
    elif lang == "zh":
        hits = [(text.find(w), c) for w, c in _COUNTRY_WORDS.items() if w in text]
    else:
        return ()
    return tuple(dict.fromkeys(c for _, c in sorted(hits)))
