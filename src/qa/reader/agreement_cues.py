"""What a question's words ask of the survey's agreements, besides its places.

Cue words are data in ``lexicon.toml`` (``[aggregate]``): words that ask for all
agreements or for a count, words that make a named place a region (新潟県内, 県内の
市町を含む), words that bound a range of years, and words that ask for one-to-one
agreements (1対1) or for those among several bodies (複数の自治体), and words that
leave a place or country out (浙江省以外, other than China), and words that give
places as examples (下関市・北九州市など, such as Pohang).

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
from qa.language.scripts import HAN_CHARS
from qa.query.question import Question, year_mentions

__all__ = [
    "cue_count",
    "examples_given",
    "left_out",
    "parties_asked",
    "within_asked",
    "year_range",
]

#: What ends the words a ``not_before`` word leaves out, looking back from it (相手が|中国以外).
_BACK_STOP = re.compile(r"[、。，,．.；;：:（）()「」\s]|[のとがはをにでも]")
#: What ends the words a ``not_after`` word leaves out (other than China, which …).
_FORWARD_STOP = re.compile(r"[、。，,．.；;：:（）()「」?？的]|\b(?:which|that|in|with|signed)\b")

#: How far (characters) a range word may stand from the year it bounds, per language.
_NEAR = {"en": 12, "ja": 4, "zh": 4}
#: English bound words that follow the year they bound (2008 or later, 2010 onward),
#: longest first, and the kind of each.
_FOLLOWING = sorted(
    (
        (w, kind)
        for kind in ("after", "after_strict", "before", "before_strict")
        for w in LEXICON.aggregate[kind]
        if w.startswith(("or ", "and ", "onward"))
    ),
    key=lambda wk: -len(wk[0]),
)


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


def left_out(text: str) -> list[str]:
    """The words ``text`` leaves out of what it asks (浙江省以外の地域 → 浙江省, 相手が中国以外
    → 中国, "other than China" → China, 除了中国以外 → 中国): those just before a
    ``not_before`` word, back to a particle or punctuation, and those just after a
    ``not_after`` word, up to punctuation, 的 or a word that starts a clause (which,
    that, in, with, signed)."""
    return _beside(text, "not_before", "not_after")


def examples_given(text: str) -> list[str]:
    """The words ``text`` gives as examples (下関市・北九州市などと共同で → 下関市・北九州市,
    (如珲春市) → 珲春市, "such as Pohang" → Pohang): those just before an
    ``examples_after`` word (not inside a word: 高等学校), and those just after an
    ``examples_before`` word, read as :func:`left_out` reads its words."""
    return _beside(text, "examples_after", "examples_before", whole=True)


def _beside(text: str, before: str, after: str, *, whole: bool = False) -> list[str]:
    """The words just before each cue word of kind ``before`` (back to a particle or
    punctuation; with ``whole``, a one-character cue not followed by a Han character)
    and just after each of kind ``after`` (up to punctuation, 的 or a word that starts
    a clause)."""
    text = unicodedata.normalize("NFKC", text)
    out = []
    inside = f"(?![{HAN_CHARS}])"
    for word in LEXICON.aggregate[before]:
        # A one-character cue word may be a word's character (等 of 高等学校).
        alone = inside if whole and len(word) == 1 else ""
        for m in re.finditer(re.escape(word) + alone, text):
            head = text[max(0, m.start() - 20) : m.start()]
            stops = list(_BACK_STOP.finditer(head))
            out.append(head[stops[-1].end() :] if stops else head)
    lower = text.lower()
    for word in LEXICON.aggregate[after]:
        for m in re.finditer(rf"(?<![a-z]){re.escape(word)}(?![a-z])", lower):
            tail = text[m.end() : m.end() + 30]
            stop = _FORWARD_STOP.search(tail.lower())
            out.append((tail[: stop.start()] if stop else tail).strip())
    return [w for w in out if w]


def parties_asked(text: str) -> str | None:
    """``one`` when ``text`` asks for one-to-one agreements (1対1), ``several`` when for
    those among several bodies (複数の自治体), ``None`` when for neither or both: an
    ``inclusive`` word (複数自治体の枠組みも含めて) adds those to the rest, an
    ``exclusive`` one (複数自治体の枠組みを除いて) leaves the one-to-one ones. Where
    every word for several bodies is one for several countries (多国間の枠組み), the
    same is asked of countries: ``one_country``, ``countries``."""
    one = cue_count(text, "one_to_one") > 0
    said = _said(text, "several")
    several = bool(said)
    # Several countries when the words for several bodies say so or say only that
    # there is a framework (多国間の枠組み), not which bodies (複数の自治体).
    multinational = _said(text, "multinational")
    countries = bool(multinational) and not said - multinational - _said(text, "frames")
    leaving = sum(cue_count(text, k) for k in ("exclusive", "not_before", "not_after"))
    if several and leaving > 0:  # before the inclusive words: 不包括 holds 包括
        return "one_country" if countries else "one"
    several = several and cue_count(text, "inclusive") == 0
    if one == several:
        return None
    if countries and several:
        return "countries"
    return "one" if one else "several"


def cue_count(text: str, cue: str) -> int:
    """How many of the ``[aggregate]`` cue words of kind ``cue`` ``text`` holds."""
    return len(_said(text, cue))


def _said(text: str, cue: str) -> set[str]:
    """The ``[aggregate]`` cue words of kind ``cue`` that ``text`` holds."""
    probe = f" {unicodedata.normalize('NFKC', text).lower()} "
    return {w for w in LEXICON.aggregate[cue] if _word(probe, w.lower())}


def _word(probe: str, word: str) -> bool:
    if word.strip().isascii():
        return re.search(rf"(?<![a-z]){re.escape(word)}", probe) is not None
    return word in probe


def year_range(text: str, lang: str) -> tuple[int, int] | None:
    """The range of years a question bounds agreements by (inclusive), or ``None``.

    A year alone is itself, two years alone a range; a year with an ``after``
    or ``before`` word beside it (:func:`_bound`: after it in Japanese and Chinese,
    before it in English or, for "or later", "and before", "onward", after it) is a
    bound, and another year with no such word closes the range it opens; a year
    with a ``decade`` word is its decade.
    """
    mentions = year_mentions(text, lang)
    if not mentions:
        return _era_range(text)
    lo, hi, bounded = 0, 9999, False
    plain = []
    for year, start, end in mentions:
        if any(text[end - 1 :].startswith(w) or text[end:].startswith(w) for w in _cues("decade")):
            lo, hi, bounded = max(lo, year - year % 10), min(hi, year - year % 10 + 9), True
            continue
        kind = _bound(text, start, end, lang)
        if kind is None:
            plain.append(year)
            continue
        bounded = True
        if kind.startswith("after"):
            lo = max(lo, year + 1 if kind == "after_strict" else year)
        else:
            hi = min(hi, year - 1 if kind == "before_strict" else year)
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


def _bound(text: str, start: int, end: int, lang: str) -> str | None:
    """Which bound (``after``, ``after_strict``, ``before``, ``before_strict``) the words
    beside the year at ``text[start:end]`` make of it: those after it in Japanese and
    Chinese (2008年以降), before it in English ("since 2008"), else English words that
    follow a year (2008 or later, 2005 and before, 2010 onward)."""
    near = _NEAR[lang]
    beside = text[max(0, start - near) : start] if lang == "en" else text[end : end + near]
    kinds = ("after_strict", "after", "before_strict", "before")
    kind = next((k for k in kinds if any(w in beside.lower() for w in _cues(k))), None)
    if kind is None and lang == "en":
        after = text[end : end + near].lower().lstrip()
        kind = next((k for w, k in _FOLLOWING if after.startswith(w)), None)
    return kind


def _era_range(text: str) -> tuple[int, int] | None:
    """The years of an era named without a year (昭和の時代 → 1926–1988)."""
    for era in ERAS:
        if re.search(rf"{era}(?![\d元])", text):
            return era_span(era)
    return None


def _cues(kind: str) -> tuple[str, ...]:
    return tuple(w.lower() for w in LEXICON.aggregate[kind])
