"""What a question's words ask of the survey's agreements, besides its places.

Cue words are data in ``lexicon.toml`` (``[aggregate]``): words that ask for all
agreements or for a count, words that make a named place a region (新潟県内, 県内の
市町を含む), words that bound a range of years, and words that ask for one-to-one
agreements (1対1) or for those among several bodies (複数の自治体).

Example:
    >>> year_range("2008年以降に結ばれた協定", "ja")
    (2008, 9999)
    >>> parties_asked("1対1の提携は何件？")
    'one'
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from qa.language.eras import ERAS, era_span
from qa.language.lexicon import LEXICON
from qa.query.question import Question, year_mentions

__all__ = ["cue_count", "parties_asked", "within_asked", "year_range"]

#: How far (characters) a range word may stand from the year it bounds, per language.
_NEAR = {"en": 12, "ja": 4, "zh": 4}


def within_asked(q: Question, places: Sequence[str]) -> bool:
    """A place is named as a region: a ``within`` word right after it (新潟県内,
    新潟県の市町村), a ``region`` word anywhere (県内の市町を含む, 及道内市町), or in an
    English question a ``within`` word anywhere ("cities in Niigata")."""
    if cue_count(q.text, "region") > 0:
        return True
    if q.lang == "en":
        return cue_count(q.text, "within") > 0
    cues = LEXICON.aggregate["within"]
    for place in places:
        for m in re.finditer(re.escape(place), q.lexical):
            if q.lexical.startswith(cues, m.end()):
                return True
    return False


def parties_asked(text: str) -> str | None:
    """``one`` when ``text`` asks for one-to-one agreements (1対1), ``several`` when for
    those among several bodies (複数の自治体), ``None`` when for neither or both: an
    ``inclusive`` word (複数自治体の枠組みも含めて) adds those to the rest."""
    one = cue_count(text, "one_to_one") > 0
    several = cue_count(text, "several") > 0 and cue_count(text, "inclusive") == 0
    if one == several:
        return None
    return "one" if one else "several"


def cue_count(text: str, cue: str) -> int:
    """How many of the ``[aggregate]`` cue words of kind ``cue`` ``text`` holds."""
    probe = f" {unicodedata.normalize('NFKC', text).lower()} "
    return sum(1 for w in LEXICON.aggregate[cue] if _word(probe, w.lower()))


def _word(probe: str, word: str) -> bool:
    if word.strip().isascii():
        return re.search(rf"(?<![a-z]){re.escape(word)}", probe) is not None
    return word in probe


def year_range(text: str, lang: str) -> tuple[int, int] | None:
    """The range of years a question bounds agreements by (inclusive), or ``None``.

    A year alone is itself, two years alone a range; a year with an ``after``
    or ``before`` word beside it (after it in Japanese and Chinese, before it
    in English) is a bound, and another year with no such word closes the range
    it opens; a year with a ``decade`` word is its decade.
    """
    mentions = year_mentions(text, lang)
    if not mentions:
        return _era_range(text)
    lo, hi, bounded = 0, 9999, False
    plain = []
    for year, start, end in mentions:
        if lang == "en":
            beside = text[max(0, start - _NEAR[lang]) : start].lower()
        else:
            beside = text[end : end + _NEAR[lang]].lower()
        if any(text[end - 1 :].startswith(w) or text[end:].startswith(w) for w in _cues("decade")):
            lo, hi, bounded = max(lo, year - year % 10), min(hi, year - year % 10 + 9), True
        elif any(w in beside for w in _cues("after_strict")):
            lo, bounded = max(lo, year + 1), True
        elif any(w in beside for w in _cues("after")):
            lo, bounded = max(lo, year), True
        elif any(w in beside for w in _cues("before_strict")):
            hi, bounded = min(hi, year - 1), True
        elif any(w in beside for w in _cues("before")):
            hi, bounded = min(hi, year), True
        else:
            plain.append(year)
    if bounded:
        # From one year to another (平成6年から平成10年の間): the year without a word
        # beside it ends the range the other opens.
        for year in plain:
            if hi == 9999 and year >= lo:
                hi = year
            elif lo == 0 and year <= hi:
                lo = year
        return lo, hi
    years = [y for y, _, _ in mentions]
    return (min(years), max(years)) if len(set(years)) <= 2 else None


def _era_range(text: str) -> tuple[int, int] | None:
    """The years of an era named without a year (昭和の時代 → 1926–1988)."""
    for era in ERAS:
        if re.search(rf"{era}(?![\d元])", text):
            return era_span(era)
    return None


def _cues(kind: str) -> tuple[str, ...]:
    return tuple(w.lower() for w in LEXICON.aggregate[kind])
