"""Names typed by ear: how alike a spelling and a corpus name sound, and when the
likeliest is taken for the name typed.

A katakana or Latin spelling is read to a sound skeleton (``qa.query.sounds``)
and compared with the skeletons of the corpus names' readings; the best is taken
when alike enough, or nearly so and well ahead of every other place, and never
for an English word ("Indian" is not 浜田).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass

from qa.index.tokenize import loanword
from qa.language.lexicon import LEXICON
from qa.query.sounds import english_kana, kana_reading, skeleton

__all__ = [
    "ENGLISH",
    "HEARD_CLOSE",
    "HEARD_MARGIN",
    "HEARD_THRESHOLD",
    "MIN_HEARD",
    "MIN_LATIN",
    "NameMatch",
    "capitalised",
    "closest",
    "english_words",
    "taken",
]

#: Shortest Latin key matched: shorter romanisations collide with English words.
MIN_LATIN = 4
#: English words that are also the romanisation of some place stem.
ENGLISH = frozenset({"city", "state", "japan", "china", "prefecture", "province", "office"})
#: Shortest sound skeleton matched for a katakana spelling (プサン: psan).
MIN_HEARD = 3
#: How alike a katakana spelling and a corpus name must sound to be taken for it…
HEARD_THRESHOLD = 0.93
#: … or, for a katakana spelling, less alike but this far ahead of the next name
#: (キムジェ is 金堤 at 0.89, nothing else near). Chosen on half of
#: tests/data/spellings.tsv and checked on the other half: no name the corpus lacks
#: was taken on either. A Latin word too (Gimje, Noumea), unless English uses it.
HEARD_CLOSE, HEARD_MARGIN = 0.85, 0.1
#: The shortest sound skeleton taken by that margin.
_MIN_CLOSE = 5


def taken(heard: list[NameMatch]) -> NameMatch | None:
    """The best of ``heard`` when it is taken for the name typed: alike enough, or
    nearly so and well ahead of the next place (not of its own other names: 金堤
    and 金堤市 are one). Not a Latin word that English uses: "Indian" is no name,
    however near 浜田 (hamada) it sounds."""
    if not heard:
        return None
    top = heard[0]
    best = top.confidence
    second = max((m.confidence for m in heard[1:] if not m.names & top.names), default=0.0)
    if best >= HEARD_THRESHOLD:
        return top
    typed = top.typed
    # A short sound (スウォン: son) is near too many names for the margin to tell.
    sound = skeleton(typed if typed.isascii() else kana_reading(typed))
    if len(sound) < _MIN_CLOSE or best < HEARD_CLOSE or best - second < HEARD_MARGIN:
        return None
    if typed.isascii() and english_words(typed):
        return None
    return top


def english_words(typed: str) -> bool:
    """Latin ``typed`` is words English uses: each read into katakana, a loanword to
    unidic ("Indian", "Sister City"), not a name ("Yokohama"; "Bad Langensalza", whose
    first word alone English uses)."""
    words = typed.split()
    return bool(words) and all(_english_word(w) for w in words)


def _english_word(word: str) -> bool:
    """One word English uses, or its plural ("Regions": リージョン is a loanword)."""
    singular = {word[: -len(e)] for e in LEXICON.plurals if word.endswith(e) and len(word) > len(e)}
    return any(loanword(english_kana(w)) for w in {word} | singular)


def closest(key: str, sounds: dict[str, frozenset[str]], best: dict[frozenset[str], float]) -> None:
    """Add to ``best`` the names whose sound skeletons are closest to ``key``."""
    if len(key) < MIN_HEARD or not sounds:
        return
    from rapidfuzz import process
    from rapidfuzz.distance import Indel

    for found, score, _ in process.extract(
        key, list(sounds), scorer=Indel.normalized_similarity, limit=8
    ):
        best[sounds[found]] = max(best.get(sounds[found], 0.0), float(score))


#: A capitalised word, or two or three in a row (Des Moines, Stoke-on-Trent).
_CAPITALISED = re.compile(r"\b[A-Z][A-Za-z'’-]+(?:\s+[A-Z][A-Za-z'’-]+){0,2}")


@functools.cache
def _stop_words() -> frozenset[str]:
    from stop_words import get_stop_words

    return frozenset(get_stop_words("en"))


def capitalised(text: str) -> list[str]:
    """Capitalised words and phrases of ``text`` that may be names: not English
    function words (the ``stop-words`` package's list), at least four letters."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    out: list[str] = []
    for m in _CAPITALISED.finditer(ascii_text):
        words = [w for w in m.group(0).split() if w.lower() not in _stop_words()]
        words = [w for w in words if w.lower() not in ENGLISH]
        if words and len("".join(words)) >= MIN_LATIN:
            out.append(" ".join(words))
            out += [w for w in words if len(words) > 1 and len(w) >= MIN_LATIN]
    return out


@dataclass(frozen=True)
class NameMatch:
    """A spelling typed by ear and the corpus names it may be.

    Attributes:
        typed: The spelling as the question writes it (ウォンジュ).
        names: The corpus names that sound like it (原州, 原州市).
        confidence: How alike the two sound, 0–1.
    """

    typed: str
    names: frozenset[str]
    confidence: float
