"""The corpus's own place names, gathered from the index's chunks.

Both sides of every agreement card, split into their parts (中華人民共和国浙江省
→ 浙江省, 浙江), and the places running text names (福建省, アモイ市, 大田広域市).
Each name is heard by the readings its country gives it (``qa.query.sounds``): a
Korean place by its Japanese and Korean readings, a Chinese or other one by its
Japanese and Mandarin readings, a name of no known country (on a card that
joins Korean and other partners) by all three. A name in running text takes
its card's partners' country; the brochures' and the report's sections are
read as Chinese and other places.

Example:
    >>> from qa.corpus.schema import Card, Chunk
    >>> g = Gazetteer.from_chunks([])
    >>> sorted(g.names)
    []
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Iterator, Sequence

from qa.corpus.schema import Chunk
from qa.corpus.survey_terms import countries_in
from qa.corpus.textclean import fold_nfkc
from qa.index.tokenize import unidic_tagger
from qa.language.lexicon import LEXICON
from qa.language.places import TEXT_PLACE_SUFFIXES, alternation
from qa.language.scripts import HAN_CHARS
from qa.query.names import KATAKANA_RUN, NameIndex, loanword
from qa.query.question import NAME_SEPARATORS, name_components

__all__ = ["Gazetteer"]

#: Places in running text (福建省, アモイ市), for cross-script matching.
_TEXT_PLACE = re.compile(
    rf"(?<![各本当同全両])(?!ー)[{HAN_CHARS}ァ-ヶー]{{2,5}}?{alternation(TEXT_PLACE_SUFFIXES)}"
)


class Gazetteer:
    """The corpus's place names: the cards' ones at once, the index by sound on first need.

    Building the index (readings of ~1,000 names through cutlet, pypinyin and
    hanja) costs seconds; a Japanese question with no Latin word and no katakana
    word the cards do not write never needs it, and is answered without it.

    Attributes:
        names: The cards' place names and their parts, matched as written.
    """

    def __init__(self, chunks: Iterable[Chunk]) -> None:
        self._chunks = tuple(chunks)
        names: set[str] = set()
        for chunk in self._chunks:
            if chunk.card is not None:
                names |= name_components(chunk.card.japanese)
                names |= {n for n, _ in _foreign(chunk.card.foreign, chunk.card.countries)}
        self.names = frozenset(names)

    @classmethod
    def from_chunks(cls, chunks: Iterable[Chunk]) -> Gazetteer:
        """The gazetteer of ``chunks`` (cards and sections alike)."""
        return cls(chunks)

    @functools.cached_property
    def index(self) -> NameIndex:
        """The cards' names and the running text's places, by Latin keys and by sound."""
        korean: dict[str, set[bool | None]] = {}
        text: dict[str, set[bool | None]] = {}
        for chunk in self._chunks:
            # Running text is read like its card's partners: a Korean card's text names
            # Korean places; a brochure's sections, Chinese and other ones.
            partners: bool | None = False
            if chunk.card is not None:
                for name, is_korean in _foreign(chunk.card.foreign, chunk.card.countries):
                    korean.setdefault(name, set()).add(is_korean)
                partners = _korean(chunk.card.countries)
            for m in _TEXT_PLACE.finditer(fold_nfkc(chunk.text)):
                for name in name_components(_proper(m.group(0))):
                    text.setdefault(name, set()).add(partners)
        for name, kinds in text.items():
            if name not in self.names:
                korean.setdefault(name, set()).update(kinds)
        sure = {n for n, k in korean.items() if len(k) == 1 and None not in k}
        return NameIndex.build(
            self.names | set(korean),
            korean={n for n in sure if korean[n] == {True}},
            elsewhere=set(korean) - sure,
        )

    def find(self, text: str, lang: str) -> set[str]:
        """:meth:`NameIndex.find`, without building the index where it would find nothing."""
        return set() if self._as_written(text, lang) else self.index.find(text, lang)

    def unheard(self, text: str) -> tuple[str, ...]:
        """:meth:`NameIndex.unheard`, without building the index where it is empty."""
        return () if self._as_written(text, "ja") else self.index.unheard(text)

    def _as_written(self, text: str, lang: str) -> bool:
        """A Japanese question whose katakana words the cards write or are ordinary
        words, with no Latin word: the index has nothing to add to the names."""
        if lang != "ja" or re.search(r"[A-Za-z]{4,}", text):
            return False
        runs = (m.group(0) for m in KATAKANA_RUN.finditer(text))
        return all(any(r in n for n in self.names) or loanword(r) for r in runs)


def _korean(countries: Sequence[str]) -> bool | None:
    """Whether a card's partners are Korean: all (True), none (False), some (None)."""
    kinds = {c in LEXICON.korean for c in countries}
    return None if len(kinds) > 1 else kinds == {True}


def _foreign(written: str, countries: Sequence[str]) -> Iterator[tuple[str, bool | None]]:
    """The foreign side's names, each with whether it is Korean (``None``: not
    known): by the country written before it (大韓民国：釜山広域市、仁川広域市), else
    by the card's one country."""
    current = countries[0] if len(countries) == 1 else None
    for part in NAME_SEPARATORS.split(written):
        current = next(iter(countries_in(part)), current)
        for name in name_components(part):
            yield name, None if current is None else current in LEXICON.korean


def _proper(found: str) -> str:
    """A place found in running text from its first proper noun on (unidic):
    第3回長沙市 → 長沙市; nothing when it holds none (一般市, 日中都市)."""
    words = list(unidic_tagger()(found))
    for i, w in enumerate(words):
        if w.feature.pos2 == "固有名詞":
            return "".join(x.surface for x in words[i:])
    return ""
