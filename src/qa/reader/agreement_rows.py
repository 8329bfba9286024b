"""The survey's agreements as rows, and what a question asks of them.

An :class:`Agreement` is one card's structured fields (both sides, prefectures,
countries, fields of exchange, date); :class:`Constraints` are what a question
asks (a country, a place on either side, a field, a range of years, the side
asked for, what it leaves out) and say which rows they admit; a
:class:`Selection` is the rows a question selects (:mod:`qa.reader.agreements`
reads the constraints off the question).

Example:
    >>> from qa.corpus.schema import Card
    >>> card = Card(("①教育交流",), ("①-6",), "教育交流協力覚書", "静岡県", ("静岡県",),
    ...             "中華人民共和国浙江省", ("中華人民共和国",), "平成24年4月4日", "2012-04-04",
    ...             "", "", "", (), "", "", "")
    >>> row = Agreement.of("002#card-1-06", card)
    >>> Constraints(countries=("中華人民共和国",), fields=("①",)).admits(row)
    True
    >>> Constraints(years=(2000, 2010)).admits(row)
    False
    >>> Constraints(excluded=("浙江省",)).admits(row)
    False
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from qa.corpus.schema import Card
from qa.corpus.survey_terms import FIELD_NAMES, countries_in, several_parties
from qa.corpus.textclean import fold_nfkc
from qa.language.places import PLACE_SUFFIXES, fold_variants
from qa.query.question import NAME_SEPARATORS, name_components

__all__ = ["Agreement", "Constraints", "Selection"]


@dataclass(frozen=True)
class Agreement:
    """One agreement of the survey, from its card.

    Attributes:
        chunk_id: The card's chunk id, for its citation.
        title: The agreement's title (「教育交流協力覚書」).
        japanese: The Japanese side as written.
        prefectures: The prefectures of the Japanese side.
        foreign: The foreign side as written.
        countries: The foreign side's countries (official names).
        fields: Every field of exchange it is listed under.
        date_text: The date as written; ``date_iso`` as ``YYYY[-MM[-DD]]`` where read.
    """

    chunk_id: str
    title: str
    japanese: str
    prefectures: tuple[str, ...]
    foreign: str
    countries: tuple[str, ...]
    fields: tuple[str, ...]
    date_text: str
    date_iso: str | None

    @classmethod
    def of(cls, chunk_id: str, card: Card) -> Agreement:
        return cls(
            chunk_id, card.title, card.japanese, card.prefectures, card.foreign,
            card.countries, card.fields, card.date_text, card.date_iso,
        )  # fmt: skip

    @property
    def several(self) -> bool:
        """Among several bodies (the survey's 複数の自治体との提携), not one-to-one."""
        return several_parties(self.japanese) or several_parties(self.foreign)

    def foreign_in(self, countries: Sequence[str]) -> str:
        """The foreign side, only its places in ``countries`` when it lists places of
        several countries (each country written before its places); else as written."""
        groups: list[list[str]] = []
        for piece in self.foreign.split():
            if countries_in(piece) or not groups:
                groups.append([])
            groups[-1].append(piece)
        kept = [g for g in groups if set(countries_in(g[0])) & set(countries)]
        return " ".join(" ".join(g) for g in kept) if 0 < len(kept) < len(groups) else self.foreign

    @property
    def year(self) -> int | None:
        return int(self.date_iso[:4]) if self.date_iso else None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@functools.lru_cache(maxsize=4096)
def _entities(name: str, regions: tuple[str, ...] = ()) -> frozenset[str]:
    """The bodies a side names, without the regions they lie in.

    Each listed name loses its leading region (its country, its prefecture); the
    body is then its shortest trailing component, with and without suffix:
    ``中華人民共和国浙江省天台県`` → 天台県, 天台; ``新潟県聖籠町`` → 聖籠町, 聖籠;
    ``静岡県`` → 静岡県, 静岡.
    """
    out: set[str] = set()
    for part in NAME_SEPARATORS.split(name):
        for region in sorted(regions, key=len, reverse=True):
            if part.startswith(region) and len(part) > len(region):
                part = part[len(region) :]
        tails = [c for c in name_components(part) if part.endswith(c) and len(c) >= 2]
        if not tails:
            continue
        body = min(tails, key=len)
        stem = body.rstrip(PLACE_SUFFIXES)
        out |= {body, stem} if len(stem) >= 2 else {body}
    return frozenset(out)


@dataclass(frozen=True)
class Constraints:
    """What a question over many agreements asks for.

    Attributes:
        japanese: Places on the Japanese side; each must match (as the body
            itself, or as a region when ``within``).
        foreign: Places on the foreign side, likewise.
        countries: Countries of the foreign side; any may match.
        fields: Fields of exchange (marks ①–⑨); any may match.
        years: An inclusive range of agreement years.
        within: Places are regions: their municipalities count too.
        side: The side asked for (``japanese``, ``foreign``) or ``None`` for pairs.
        parties: ``one`` for one-to-one agreements only, ``several`` for those among
            several bodies only, ``one_country`` and ``countries`` the same of the
            foreign side's countries (多国間), ``None`` for all.
        unknown: Place names the question writes that no card has (横浜市 when
            the survey lists no agreement of it): nothing matches them.
        excluded: Places and countries the question leaves out (浙江省以外, other
            than China): no agreement of them, or of a place in them, matches.
        titled: Words the question quotes that agreements' titles hold (「観光」):
            an agreement matches when its title holds any of them.
    """

    japanese: tuple[str, ...] = ()
    foreign: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    fields: tuple[str, ...] = ()
    years: tuple[int, int] | None = None
    within: bool = False
    side: str | None = None
    parties: str | None = None
    unknown: tuple[str, ...] = ()
    excluded: tuple[str, ...] = ()
    titled: tuple[str, ...] = ()

    @property
    def size(self) -> int:
        """How many constraints there are."""
        return (
            len(self.japanese) + len(self.foreign) + bool(self.countries) + bool(self.fields)
            + (self.years is not None) + (self.parties is not None) + len(self.unknown)
            + len(self.excluded) + bool(self.titled)
        )  # fmt: skip

    def describe(self) -> str:
        """What is asked for, in the documents' own words: places, countries, fields, what
        is left out (浙江省以外), years."""
        parts = [*self.japanese, *self.foreign, *self.unknown, *self.countries]
        parts += [FIELD_NAMES.get(m, m) for m in self.fields]
        parts += [f"{x}以外" for x in self.excluded]
        parts += [f"「{t}」" for t in self.titled]
        if self.years is not None:
            lo, hi = self.years
            parts.append(str(lo) if lo == hi else f"{lo or ''}–{hi if hi < 9999 else ''}")
        return "、".join(parts)

    def admits(self, row: Agreement, *, region: bool | None = None) -> bool:
        region = self.within if region is None else region
        if self.unknown:
            return False
        if any(_leaves_out(row, x) for x in self.excluded):
            return False
        if self.titled and not any(t in fold_nfkc(row.title) for t in self.titled):
            return False
        if self.countries and not set(self.countries) & set(row.countries):
            return False
        if self.parties in ("one", "several") and row.several != (self.parties == "several"):
            return False
        several_countries = len(set(row.countries)) > 1
        if self.parties in ("one_country", "countries") and several_countries != (
            self.parties == "countries"
        ):
            return False
        if self.fields and not any(f.startswith(m) for f in row.fields for m in self.fields):
            return False
        if self.years is not None and (row.year is None or not _between(row.year, self.years)):
            return False
        if not all(_names(row.japanese, p, region, row.prefectures) for p in self.japanese):
            return False
        return all(_names(row.foreign, p, region, row.countries) for p in self.foreign)


def _leaves_out(row: Agreement, excluded: str) -> bool:
    """``row`` is an agreement of ``excluded`` (a country, or a place on either side,
    as itself or as a region)."""
    if excluded in row.countries:
        return True
    return _names(row.japanese, excluded, True, row.prefectures) or _names(
        row.foreign, excluded, True, row.countries
    )


def _between(year: int, bounds: tuple[int, int]) -> bool:
    return bounds[0] <= year <= bounds[1]


def _names(side: str, place: str, region: bool, regions: tuple[str, ...]) -> bool:
    side, place = fold_variants(side), fold_variants(place)
    if place in _entities(side, regions):
        return True
    return region and (place in _components(side) or place in regions)


@functools.lru_cache(maxsize=4096)
def _components(name: str) -> frozenset[str]:
    return frozenset(name_components(name))


@dataclass(frozen=True)
class Selection:
    """The agreements a question selects, and how it asked.

    Attributes:
        constraints: What was asked for.
        rows: The matching agreements, by date (undated last).
        unplaced: Places the question names that are on no card's side.
        span: The first and last year of any agreement in the table.
    """

    constraints: Constraints
    rows: tuple[Agreement, ...]
    unplaced: int
    span: tuple[int, int] | None = None
