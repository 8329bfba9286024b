"""Character forms across the scripts users write: simplified Chinese and Japanese.

OpenCC's simplified ↔ traditional tables and its traditional → Japanese
(shinjitai) variants, used both ways.

Example:
    >>> japanese_forms("静冈县与绵阳市")
    '静岡県与綿陽市'
    >>> simplified_forms("長沙")
    '长沙'
"""

from __future__ import annotations

import functools
import re
import unicodedata
from pathlib import Path
from typing import Any

from qa.language.lexicon import LEXICON

__all__ = [
    "HAN",
    "HAN_CHARS",
    "HAN_OR_KANA",
    "KANA_CHARS",
    "inside_katakana",
    "japanese_forms",
    "kana_key",
    "latin_key",
    "simplified_forms",
    "simplified_only",
]

#: Han characters (CJK unified ideographs and extension A), for a character class.
HAN_CHARS = "\u3400-\u9fff"
#: Hiragana and katakana (with ・ and ー), for a character class.
KANA_CHARS = "\u3040-\u30ff"
#: One Han character.
HAN = re.compile(f"[{HAN_CHARS}]")
#: One Han or kana character: text written in Japanese or Chinese.
HAN_OR_KANA = re.compile(f"[{KANA_CHARS}{HAN_CHARS}]")


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


@functools.cache
def _simplifier() -> tuple[Any, dict[str, str]]:
    import opencc

    _, variants = _converters()
    t2s = opencc.OpenCC("t2s")
    # A Japanese form that is itself a traditional character (連, the form of 聯 too)
    # is simplified as it is (连), not through the other character (联).
    return t2s, {jp: t for t, jp in variants.items() if t2s.convert(jp) == jp}


def simplified_forms(text: str) -> str:
    """Japanese character forms in simplified Chinese: 長沙 → 长沙, 静岡県 → 静冈县
    (the inverse of :func:`japanese_forms`)."""
    t2s, traditional = _simplifier()
    return t2s.convert("".join(traditional.get(ch, ch) for ch in text))


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
    return any(japanese_forms(ch) != ch for ch in set(text) if HAN.match(ch))


def latin_key(text: str) -> str:
    """Lower-case letters and single spaces, long vowels folded: ``Nyuuyooku`` → ``nyuyoku``."""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    text = re.sub(r"[^a-z]+", " ", text).strip()
    for long, short in (("ou", "o"), ("oo", "o"), ("uu", "u"), ("aa", "a"), ("ee", "e")):
        text = text.replace(long, short)
    return text


def kana_key(text: str) -> str:
    """A katakana spelling folded by the lexicon's ``kana_folds``, so that the
    spellings Japanese writes for one foreign name compare alike:
    ``kana_key("ノヴォシビルスク") == kana_key("ノボシビルスク")``."""
    for variant, usual in LEXICON.kana_folds:
        text = text.replace(variant, usual)
    return text


_KATAKANA = frozenset(chr(c) for c in range(0x30A1, 0x30FF))


def inside_katakana(text: str, start: int, end: int) -> bool:
    """A katakana word found inside a longer katakana run (タイ in タイトル)."""
    word = text[start:end]
    before = start > 0 and text[start - 1] in _KATAKANA and word[0] in _KATAKANA
    after = end < len(text) and text[end] in _KATAKANA and word[-1] in _KATAKANA
    return before or after
