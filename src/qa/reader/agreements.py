"""Questions over many agreements: the survey's cards as a table, and selection.

The survey's agreement cards carry structured fields (:class:`qa.corpus.schema.Card`):
both sides, prefectures, countries, fields of exchange and date. This module
holds them as :class:`~qa.reader.agreement_rows.Agreement` rows (one per card: an
agreement listed under several fields, 【再掲】, is one row) and turns a question's
analysis into :class:`~qa.reader.agreement_rows.Constraints` (country, a place on
either side, field, a range of years, the side asked for, what it leaves out) that
select rows. Which words say what is data in ``lexicon.toml`` (``[aggregate]``,
``[topics]``, ``[countries]``).

Example:
    >>> table = AgreementTable([])
    >>> table.rows
    ()
"""

from __future__ import annotations

import dataclasses
import itertools
import re
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from qa.corpus.schema import Chunk
from qa.corpus.survey_terms import (
    FIELD_NAMES,
    PREFECTURES,
    prefectures_in,
)
from qa.corpus.textclean import fold_nfkc
from qa.index.spans import quoted
from qa.index.tokenize import unidic_tagger
from qa.language.places import PLACE_SUFFIXES
from qa.language.scripts import HAN_CHARS
from qa.query.countries import continent_of, continents_named, countries_named, strip_countries
from qa.query.question import NAME_SEPARATORS, Question, name_components
from qa.reader.agreement_cues import (
    cue_count,
    examples_given,
    left_out,
    parties_asked,
    within_asked,
    year_range,
)
from qa.reader.agreement_rows import Agreement, Constraints, Selection

__all__ = ["Agreement", "AgreementTable", "Constraints", "Selection", "cue_count"]

#: A whole run of kanji (2–6) ending in a place suffix: maybe a place name.
_PLACE_RUN = re.compile(
    rf"(?<![{HAN_CHARS}])[{HAN_CHARS}]{{1,5}}[{PLACE_SUFFIXES}](?![{HAN_CHARS}])"
)


class AgreementTable:
    """The survey's agreements, one row per card."""

    def __init__(self, rows: Sequence[Agreement], text: str = "") -> None:
        #: The documents' text, folded: a place name written nowhere in it is one they lack.
        self._text = text
        # An agreement filed twice without 【再掲】 (same sides, title and date) is one,
        # listed under the fields of both.
        merged: dict[tuple[str, str, str, str | None], Agreement] = {}
        for r in rows:
            key = (r.japanese, r.foreign, r.title, r.date_iso)
            first = merged.setdefault(key, r)
            if first is not r:
                fields = tuple(dict.fromkeys((*first.fields, *r.fields)))
                merged[key] = dataclasses.replace(first, fields=fields)
        self.rows = tuple(merged.values())
        self._japanese = set().union(*(name_components(r.japanese) for r in self.rows))
        self._japanese |= {p for r in self.rows for p in r.prefectures}
        self._foreign = set().union(*(name_components(r.foreign) for r in self.rows))
        #: Every single name either side writes (a side may list several).
        self._parts = frozenset(
            p
            for r in self.rows
            for side in (r.japanese, r.foreign)
            for p in NAME_SEPARATORS.split(side)
        )
        self._titles = tuple(fold_nfkc(r.title) for r in self.rows)
        #: The survey's countries (official names).
        self._countries = tuple(dict.fromkeys(c for r in self.rows for c in r.countries))
        years = [r.year for r in self.rows if r.year is not None]
        self.years = (min(years), max(years)) if years else None

    @classmethod
    def from_chunks(cls, chunks: Iterable[Chunk], text: str | None = None) -> AgreementTable:
        """The table of the chunks' cards; ``text`` is the chunks' text folded, where the
        caller has it already (:attr:`qa.reader.reader.Reader.corpus`)."""
        chunks = list(chunks)
        rows = [Agreement.of(c.id, c.card) for c in chunks if c.card is not None]
        if text is None:
            text = "\n".join(fold_nfkc(c.text) for c in chunks)
        return cls(rows, text)

    def constraints(self, q: Question) -> tuple[Constraints, int]:
        """The question's constraints, and how many of its places are on no side."""
        named = (*q.places, *(p for p in prefectures_in(q.text) if p not in q.places))
        # Places given as examples (下関市・北九州市など, 如珲春市) are no constraint while
        # another place or country is one.
        given = examples_given(q.lexical)
        others = [p for p in named if not any(p in w for w in given)]
        if given and (others or q.countries):
            named = tuple(others)
        japanese, foreign, unplaced = self._placed(named)
        # A katakana name no card has, as written or by sound (ボストン), is unknown too.
        unknown = (*self._unknown(q), *q.unheard)
        unplaced += len(unknown)
        # What the question leaves out (浙江省以外, other than China) is no constraint.
        left = left_out(q.lexical)
        excluded = [p for p in (*japanese, *foreign) if any(p in w for w in left)]
        excluded += [c for w in left for c in countries_named(w, q.lang) if c in q.countries]
        excluded = list(dict.fromkeys(excluded))
        japanese = [p for p in japanese if p not in excluded]
        foreign = [p for p in foreign if p not in excluded]
        # A continent named (ヨーロッパ, Asian) asks for the survey's countries in it,
        # one left out (ヨーロッパ以外) leaves them out; one with none (アフリカ) matches
        # nothing.
        continents = continents_named(q.text)
        away = {code for w in left for code in continents_named(w)}
        excluded += [c for c in self._countries if continent_of(c) in away]
        continents = {code: w for code, w in continents.items() if code not in away}
        continental = [c for c in self._countries if continent_of(c) in continents]
        reached = {continent_of(c) for c in continental}
        unknown += tuple(w for code, w in continents.items() if code not in reached)
        asked = dict.fromkeys((*q.countries, *continental))
        countries = tuple(c for c in asked if c not in excluded)
        side = q.side
        if side is None and bool(japanese) != bool(foreign or countries):
            side = "foreign" if japanese else "japanese"
        constraints = Constraints(
            japanese=tuple(japanese),
            foreign=tuple(foreign),
            countries=countries,
            fields=q.topics,
            years=year_range(q.text, q.lang),
            within=within_asked(q, (*japanese, *foreign)),
            side=side,
            parties=parties_asked(q.text),
            unknown=unknown,
            excluded=tuple(excluded),
            titled=self._titled(q),
        )
        return constraints, unplaced

    def _titled(self, q: Question) -> tuple[str, ...]:
        """Words the question quotes that some agreement's title holds (「観光」,
        「観光友好都市」), not a field of exchange's name (「⑧行政交流」, 「その他交流」)
        nor a place the question names, where it asks for all or how many: one
        agreement's title quoted to ask of it (「…覚書」が締結された年月日は？) is no list."""
        if cue_count(q.text, "all") == 0 and cue_count(q.text, "count") == 0:
            return ()
        out = []
        for word in quoted(fold_nfkc(q.text)):
            if word in _FIELD_WORDS or any(p in word for p in q.places):
                continue
            if any(word in t for t in self._titles):
                out.append(word)
        return tuple(out)

    def _placed(self, named: Iterable[str]) -> tuple[list[str], list[str], int]:
        """Named places on the Japanese side, on the foreign side, and how many on neither.

        A country is constrained as one (ハンガリー), and a place written after its
        country (中国四川省) is the place; a region written with a place inside it
        (瀋陽市（遼寧省）, 吉林省の琿春市) only says which place that is.
        """
        japanese: list[str] = []
        foreign: list[str] = []
        unplaced = 0
        for place in named:
            if countries_named(place, "ja"):
                place = strip_countries(place)
                if len(place) < 2:
                    continue
            if place in self._japanese or place in PREFECTURES:
                japanese.append(place)
            elif place in self._foreign:
                foreign.append(place)
            else:
                unplaced += 1
        return self._bodies(japanese), self._bodies(foreign), unplaced

    def _bodies(self, places: list[str]) -> list[str]:
        """``places`` without those a card writes before another of them in one name."""
        return [
            a for a in places
            if not any(b != a and _before(a, b, part) for b in places for part in self._parts)
        ]  # fmt: skip

    def _unknown(self, q: Question) -> tuple[str, ...]:
        """Place names written in kanji (a proper noun, or a word the documents write
        nowhere, then 市, 県…: 横浜市, 中州市) that no card has, besides the places and
        countries the question matched."""
        if q.lang == "en":
            return ()
        text = q.lexical.split("\n")[-1] if q.lang == "zh" else q.text
        out = []
        for m in _PLACE_RUN.finditer(text):
            name = m.group(0)
            if name in self._japanese or name in self._foreign or name in PREFECTURES:
                continue
            if any(name in p or p in name for p in q.places) or countries_named(name, "ja"):
                continue
            stem = name[:-1]
            if _proper_noun(stem) or self._unwritten_word(stem):
                out.append(name)
        return tuple(out)

    def _unwritten_word(self, stem: str) -> bool:
        """``stem`` is one word of two characters or more (unidic: 全州, not 他都 or 区市町)
        that the documents write nowhere."""
        if len(stem) < 2 or not self._text or stem in self._text:
            return False
        return len(unidic_tagger()(stem)) == 1

    def select(self, q: Question, allows: Any = None) -> Selection:
        """The agreements ``q`` asks about; ``allows(chunk_id)`` filters rows (the user's filters).

        A place named without a region word is the body itself (静岡県's own
        agreements); when no row has it as the body, its municipalities count. A
        place spelled so that it may be several names (コウシュウ: 光州広域市 or 杭州市)
        is read as each in turn: the first reading that leaves the fewest places on no
        card's side, and of those the first that any agreement matches, answers.
        """
        selections = [self._select(reading, allows) for reading in _readings(q)]
        return min(selections, key=lambda s: (s.unplaced, not s.rows))

    def _select(self, q: Question, allows: Any) -> Selection:
        constraints, unplaced = self.constraints(q)
        rows = [r for r in self.rows if allows is None or allows(r.chunk_id)]
        chosen = [r for r in rows if constraints.admits(r)]
        if not chosen and not constraints.within and (constraints.japanese or constraints.foreign):
            chosen = [r for r in rows if constraints.admits(r, region=True)]
        chosen.sort(key=lambda r: (r.date_iso is None, r.date_iso or "", r.chunk_id))
        return Selection(constraints, tuple(chosen), unplaced, self.years)


#: The fields of exchange's names, with and without their marks (⑧行政交流, 行政交流).
_FIELD_WORDS = frozenset(
    n for f in FIELD_NAMES.values() for n in (f, f.lstrip("".join(FIELD_NAMES)))
)
#: Most readings of a question whose place spellings may be several names each.
_MOST_READINGS = 8


def _readings(q: Question) -> Iterator[Question]:
    """``q`` with one name of each of its place groups (:attr:`Question.place_groups`),
    every combination in the groups' order, at most :data:`_MOST_READINGS`; ``q``
    itself when each group is one name."""
    if all(len(g) == 1 for g in q.place_groups):
        yield q
        return
    for names in itertools.islice(itertools.product(*q.place_groups), _MOST_READINGS):
        chosen = set(names)
        yield dataclasses.replace(
            q,
            places=tuple(p for p in q.places if p in chosen),
            place_groups=tuple((n,) for n in names),
        )


def _before(region: str, place: str, name: str) -> bool:
    """``name`` writes ``region`` and, after it, ``place`` (遼寧省 … 瀋陽市)."""
    at = name.find(region)
    return at >= 0 and place in name[at + len(region) :]


def _proper_noun(text: str) -> bool:
    """``text`` holds a proper noun (unidic: 横浜 in 横浜市, not 見本 in 見本市)."""
    return any(w.feature.pos2 == "固有名詞" for w in unidic_tagger()(text))
