"""What a question names that an answering passage must hold.

A passage answers a question only when it holds what the question names:

- every place it names; a place named by sound or in another script may have been
  matched to several spellings (コウシュウ: 光州, 広州, 杭州; Heilongjiang: 黒竜江省,
  黒龍江省), and one of them is enough;
- every office it names, each part of a compound one (港湾局振興課 is held by
  港湾局港湾振興部振興課);
- every ordinal it names with the counter the documents write (第3期; 第10届 and
  "the 12th seminar" as 第10回, 第12回); an ordinal of something else ("6th
  arrondissement", 第2位) names nothing;
- one of the years it names, as written (2011), in an era (平成23) or, since the
  documents often leave the era out once it is clear, as 23年;
- every katakana term of a Japanese question that the documents write and that is
  no word of the language, place or country (JETプログラム, ABEイニシアティブ,
  ジャパン・ハウス): a programme's contact is in the programme's passage;
- every name it quotes as the documents write it (「…に関する覚書」, four characters
  or more): an agreement asked of by its title is answered from its card.

Example:
    >>> named = Named.of(("札幌市",), ("港湾局振興課",), "第3期の成果は？", (2011,), "")
    >>> named.holds("札幌市港湾局港湾振興部振興課平成23年第3期")
    True
    >>> named.holds("札幌市港湾局振興部第3回平成23年")
    False
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from qa.index.spans import quoted
from qa.index.tokenize import loanword
from qa.language.eras import ERA_NAMES, era_years
from qa.language.lexicon import LEXICON
from qa.language.places import PLACE_SUFFIXES, place_stem
from qa.query.countries import countries_named
from qa.query.sounds import kana_reading, skeleton

__all__ = ["Named", "ordinals_named", "terms_named"]

_DIGITS = r"[0-9]+|[〇零一二三四五六七八九十百]+"
_ORDINAL_JA = re.compile(rf"第\s*({_DIGITS})\s*(\S)")
_ORDINAL_EN = re.compile(r"\b(\d+)(?:st|nd|rd|th)\b((?:\s+[\w'’-]+){1,6})", re.IGNORECASE)
#: Parts of a compound office name: each ends in an office word.
_OFFICE_PART = re.compile(
    "|".join(f".+?{re.escape(w)}" for w in sorted(LEXICON.offices["parts"], key=len, reverse=True))
)


def _number(digits: str) -> int | None:
    """``12``, ``十二`` or ``二十`` as a number (Chinese numerals up to 999)."""
    if digits.isdigit():
        return int(digits)
    total, current = 0, 0
    for ch in digits:
        value = int(unicodedata.numeric(ch))
        if value >= 10:
            total += (current or 1) * value
            current = 0
        else:
            current = current * 10 + value
    return total + current or None


def ordinals_named(text: str) -> tuple[str, ...]:
    """The ordinals ``text`` names, as the documents write them (第3回, 第3期)."""
    counters = LEXICON.ordinals
    out: list[str] = []
    for digits, counter in _ORDINAL_JA.findall(text):
        written = counters["counters"].get(counter)
        n = _number(digits)
        if written and n:
            out.append(f"第{n}{written}")
    for digits, after in _ORDINAL_EN.findall(text):
        words = [w.lower().strip("'’") for w in after.split()]
        if any(w.rstrip("s") in counters["events"] for w in words):
            out.append(f"第{int(digits)}回")
    return tuple(dict.fromkeys(out))


#: A katakana term: four letters or more, its words joined by ・ or ＝, perhaps after
#: Latin letters (JETプログラム).
_TERM = re.compile(r"[A-Za-z]*[ァ-ヴ][ァ-ヴー・＝]{3,}")
#: The shortest quoted name that must be held whole.
_QUOTED = 4


def terms_named(text: str, corpus: str, places: Iterable[str]) -> tuple[str, ...]:
    """The katakana terms folded ``text`` names that folded ``corpus`` writes, no word
    of the language (unidic: イベント, メールアドレス), no place (``places``) and no
    country; a term the documents do not write is no constraint (it may be spelled
    otherwise)."""
    places = tuple(places)
    out: list[str] = []
    # A name quoted as the documents write it (「人材と技術の交流に関する同意書」) is
    # named whole: the passage that answers is the one that holds it.
    out += [q for q in quoted(text) if len(q) >= _QUOTED and q in corpus]
    for m in _TERM.finditer(text):
        term = m.group(0).strip("・＝")
        if term not in corpus or loanword(term) or countries_named(term, "ja"):
            continue
        if not any(term in p or p in term for p in places):
            out.append(term)
    return tuple(dict.fromkeys(out))


def _office_parts(office: str) -> tuple[str, ...]:
    """``office`` in its parts (経済局官民連携推進室: 経済局, 官民連携推進室)."""
    parts = _OFFICE_PART.findall(office)
    if "".join(parts) != office or any(len(p) < 2 for p in parts):
        return (office,)
    return tuple(parts)


def _alternatives(places: Sequence[str | Sequence[str]], written: str) -> list[tuple[str, ...]]:
    """The places, one group each (a place is a name, or the names one spelling may be:
    :attr:`Question.place_groups`); those not written in the question (matched by sound
    or script) grouped where they sound alike or share a character that is no place
    suffix (光州, 広州, 杭州; 済州, 済洲), each also met without its suffix."""
    given = [(p,) if isinstance(p, str) else tuple(p) for p in places]
    groups: list[tuple[str, ...]] = [g for g in given if len(g) == 1 and g[0] in written]
    unwritten = [list(g) for g in given if g not in groups]
    suffixes = set(PLACE_SUFFIXES)
    sound = {p: skeleton(kana_reading(p)) for g in unwritten for p in g}

    def alike(a: str, b: str) -> bool:
        return bool((set(a) - suffixes) & set(b)) or sound[a] == sound[b]

    pools: list[list[str]] = []
    for group in unwritten:
        joined = [pool for pool in pools if any(alike(p, o) for p in group for o in pool)]
        merged = [*group, *(p for pool in joined for p in pool)]
        pools = [pool for pool in pools if pool not in joined] + [merged]
    # A place met by another spelling is the place, however the passage writes it:
    # オークランド市 is held by …オークランド港.
    stems = [[place_stem(p) for p in pool if len(place_stem(p)) >= 2] for pool in pools]
    return groups + [
        tuple(dict.fromkeys([*pool, *more])) for pool, more in zip(pools, stems, strict=True)
    ]


@dataclass(frozen=True)
class Named:
    """What a passage must hold to answer a question.

    Attributes:
        groups: Each a tuple of alternatives one of which must be in the passage.
        ordinals: The ordinals among them, as the documents write them (第3回, 第3期).
        years: The question's years as the documents write them; one must be in it.
        bare_years: The same years without their era (23 for 平成23), found as 23年.
    """

    groups: tuple[tuple[str, ...], ...] = ()
    ordinals: tuple[str, ...] = ()
    years: tuple[str, ...] = ()
    bare_years: re.Pattern[str] | None = None

    @classmethod
    def of(
        cls,
        places: Sequence[str | Sequence[str]],
        offices: Iterable[str],
        text: str,
        years: Iterable[int],
        written: str,
        terms: Iterable[str] = (),
    ) -> Named:
        """From the question's places (a name, or the names one spelling may be), offices,
        text, years, its own words (``written``: where a place counts as written
        rather than matched by sound) and its terms (:func:`terms_named`)."""
        groups = _alternatives(places, written or text)
        groups += [(part,) for office in offices for part in _office_parts(office)]
        groups += [(term,) for term in terms]
        ordinals = ordinals_named(text)
        groups += [(o,) for o in ordinals]
        marks: list[str] = []
        bare: list[str] = []
        for year in years:
            eras = era_years(year)
            marks += [str(year), *eras]
            bare += [re.sub(ERA_NAMES, "", e) for e in eras]
        pattern = None
        if bare:
            numbers = "|".join(sorted({b for b in bare if b.isdigit()}, key=len, reverse=True))
            pattern = re.compile(rf"(?<![0-9])(?:{numbers})年") if numbers else None
        return cls(tuple(dict.fromkeys(groups)), ordinals, tuple(marks), pattern)

    @property
    def names(self) -> tuple[str, ...]:
        """Every alternative of every group."""
        return tuple(n for group in self.groups for n in group)

    def holds(self, text: str) -> bool:
        """Whether folded ``text`` holds one of each group's alternatives and one of the years."""
        if not all(any(n in text for n in group) for group in self.groups):
            return False
        if not self.years:
            return True
        if any(m in text for m in self.years):
            return True
        return self.bare_years is not None and self.bare_years.search(text) is not None
