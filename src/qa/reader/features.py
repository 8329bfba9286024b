"""Generic features of a (question, candidate span) pair, and of answering nothing.

Nothing here names a question, card or document string: features are the
answer type asked against the span's type, IDF-weighted character-bigram
overlap of the question with the unit, its heading and its chunk, retrieval
rank, whether the places, years and ordinals the question names are in the
passage, and whether the span says something the question does not.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import NamedTuple

from qa.corpus.schema import Chunk
from qa.corpus.textclean import fold_nfkc
from qa.index.units import Unit
from qa.language.lexicon import LEXICON
from qa.language.places import TOKEN_PLACE_SUFFIXES, alternation
from qa.language.scripts import HAN_CHARS
from qa.query.question import Question
from qa.reader.named import Named, terms_named

__all__ = [
    "Candidate",
    "ChunkTexts",
    "QuestionView",
    "bigrams",
    "na_features",
    "offices_asked",
    "offices_named",
    "place_tokens",
    "span_features",
    "typed_features",
    "unit_features",
]

_YEAR4 = re.compile(r"(?<!\d)(?:19|20)\d{2}(?!\d)")
#: A place-like word of a Japanese question (checked against the corpus).
_KATAKANA = re.compile(r"[ァ-ヶ]")
_PLACE_TOKEN = re.compile(rf"[{HAN_CHARS}ァ-ヶー]{{2,}}?{alternation(TOKEN_PLACE_SUFFIXES)}")
_OFFICE = re.compile(
    rf"[{HAN_CHARS}ァ-ヶー・]{{2,}}?(?:"
    + "|".join(sorted(LEXICON.offices["suffixes"], key=len, reverse=True))
    # The suffix ends the word: 現在課題 names no 現在課.
    + rf")(?![{HAN_CHARS}])"
)
_JUNK = re.compile(r"[\s\W_]")
#: Characters on each side of a span that count as its neighbourhood.
_NEAR = 20
#: A span or unit whose bigrams are at least this share new to the question says
#: something the question does not.
_NEW_SHARE = 0.5
#: A unit with less than this share of new bigrams only echoes the question.
_ECHO_SHARE = 0.3


def offices_named(text: str) -> list[str]:
    """The office names in ``text`` (…推進室, …課), generic words (担当課) left out."""
    return [
        o
        for o in _OFFICE.findall(text)
        if not any(o.startswith(g) or g in o for g in LEXICON.offices["generic"])
    ]


def offices_asked(q: Question) -> list[str]:
    """The offices ``q`` names: read off its words (…推進室, …課), and an English or
    Chinese question's as analysis read them (Beijing office, 北京事务所: 北京事務所)."""
    return [*offices_named(q.text), *q.offices]


def _without_place(office: str, places: Iterable[str]) -> str:
    """``office`` from after a place it names (福島県国際課 → 国際課; クレア北京事務所 →
    事務所: the body before the place is not how the documents head its office), if
    two characters or more are left."""
    for place in sorted(places, key=len, reverse=True):
        at = office.rfind(place)
        if at >= 0 and len(office) - at - len(place) >= 2:
            return office[at + len(place) :]
    return office


def place_tokens(text: str) -> list[str]:
    """Kanji or katakana words ending in a place suffix (大阪市), named in the corpus or not."""
    return _PLACE_TOKEN.findall(text)


def bigrams(text: str) -> set[str]:
    """Character bigrams of the folded text, punctuation and spaces dropped."""
    t = _JUNK.sub("", fold_nfkc(text).lower())
    return {t[i : i + 2] for i in range(len(t) - 1)} if len(t) > 1 else {t} if t else set()


class ChunkTexts(NamedTuple):
    """A chunk's texts folded once (NFKC, no white space), for the features that search them.

    Attributes:
        text: The chunk's text.
        dated: Its title, text and its document's title and edition (the years it covers).
    """

    text: str
    dated: str


@dataclass(frozen=True)
class Candidate:
    """A span of a chunk offered as the answer.

    Attributes:
        chunk: The chunk it is in.
        unit: The unit it is in.
        start: Offset in ``chunk.text``.
        end: Offset just past it.
        stype: ``field:<label>`` for a whole card field, ``unit`` for a whole
            sentence or row, else the extractor's type (``date``, ``clause`` …).
        rank: The chunk's retrieval rank (0 when found by the places it names).
    """

    chunk: Chunk
    unit: Unit
    start: int
    end: int
    stype: str
    rank: int

    @property
    def text(self) -> str:
        return self.chunk.text[self.start : self.end]


@dataclass
class QuestionView:
    """What features need of a question, computed once.

    Attributes:
        q: The analysis.
        grams: Its character bigrams (with Chinese read in Japanese forms).
        weight: Bigram → IDF weight, for the question's bigrams.
        parts: Parts of a passage it asks about (背景, 成果 …, from the lexicon).
        unknown: Place-like words it names that no document holds.
        named: What it names that an answering passage must hold: the corpus place
            names found in it, offices it names (…推進室), ordinals and years.
    """

    q: Question
    grams: set[str]
    weight: dict[str, float]
    parts: set[str]
    unknown: int
    named: Named = field(default_factory=Named)

    @classmethod
    def of(cls, q: Question, idf: dict[str, float], corpus: str) -> QuestionView:
        grams = bigrams(q.lexical)
        default = max(idf.values(), default=1.0)
        text = q.text.lower()
        parts = {p for p, words in LEXICON.parts.items() if any(w.lower() in text for w in words)}
        unknown = sum(1 for t in q.unheard if t not in corpus)
        if q.lang == "ja":
            # Kanji ones here: a katakana one is unknown when no name sounds like it.
            unknown += sum(
                1
                for t in _PLACE_TOKEN.findall(q.text)
                if len(t) >= 3
                and not t.endswith("都市")
                and t not in corpus
                and not _KATAKANA.search(t)
            )
        # An office is held where its own name is: the cards write the place apart
        # (福島県国際課 asked, 福島県 … 国際課 written); the place is named anyway.
        offices = [_without_place(o, (*q.places, *q.spellings)) for o in offices_asked(q)]
        terms = terms_named(fold_nfkc(q.text), corpus, (*q.places, *q.spellings))
        named = Named.of(q.place_groups, offices, q.text, q.years, q.lexical, terms)
        return cls(
            q,
            grams,
            {g: idf.get(g, default) for g in grams},
            parts,
            unknown,
            named,
        )

    @property
    def marks(self) -> tuple[str, ...]:
        """Strings that would show one of its years (2012, 平成24)."""
        return self.named.years

    @property
    def ordinals(self) -> tuple[str, ...]:
        """Ordinals it names, as the documents write them (第3回, 第3期)."""
        return self.named.ordinals

    def holds_named(self, text: str) -> bool:
        """Whether folded ``text`` holds everything the question names, and one of its years."""
        return self.named.holds(text)

    @cached_property
    def total(self) -> float:
        """The question's bigram weight, summed."""
        return sum(self.weight.values())

    def overlap(self, grams: set[str]) -> float:
        """IDF-weighted share of the question's bigrams found in ``grams``."""
        total = self.total
        if not total:
            return 0.0
        weight = self.weight
        return sum(map(weight.__getitem__, filter(grams.__contains__, weight))) / total


def _part_of(unit: Unit) -> frozenset[str]:
    """The parts (背景, 取組, 成果, 課題) a unit's heading and label name."""
    return _parts_named(unit.heading, unit.label)


@lru_cache(maxsize=4096)
def _parts_named(heading: str, label: str) -> frozenset[str]:
    label_parts = {"background": "背景", "activities": "取組", "outcomes": "成果"}
    head = heading.lower()
    found = {p for p, words in LEXICON.parts.items() if any(w.lower() in head for w in words)}
    if label in label_parts and not found:
        found.add(label_parts[label])
    return frozenset(found)


def unit_features(
    v: QuestionView,
    chunk: Chunk,
    unit: Unit,
    rank: int,
    grams: tuple[set[str], set[str], set[str], set[str]],
    places_in_chunk: float,
    texts: ChunkTexts,
) -> dict[str, float]:
    """Features of one unit; ``grams`` are the chunk's, the unit's, its heading's and
    its neighbours' (the units just before and after it), ``texts`` the chunk's folded."""
    q = v.q
    chunk_grams, unit_grams, ctx_grams, around_grams = grams
    f: dict[str, float] = {
        f"lang={q.lang}|shape={unit.shape}": 1.0,
        "ov_unit": v.overlap(unit_grams),
        "ov_ctx": v.overlap(ctx_grams),
        "ov_chunk": v.overlap(chunk_grams),
        "ov_around": v.overlap(around_grams),
        "rank_inv": 1.0 / rank if rank else 0.0,
        "rank1": float(rank == 1),
        "by_name": float(rank == 0),
        "card": float(chunk.card is not None),
    }
    if unit.shape != "field":
        f[f"k={q.answer_type}|l={unit.label}"] = 1.0
    # What the question says beyond naming the card or section (its title and
    # heading): a field answers a question that says nothing more, a sentence
    # one whose extra words it shares.
    total = v.total
    resid = {g: w for g, w in v.weight.items() if g not in ctx_grams}
    mass = sum(resid.values())
    if total:
        f[f"resid_mass|shape={unit.shape}"] = mass / total
    if mass:
        f["resid_unit"] = sum(w for g, w in resid.items() if g in unit_grams) / mass
    if unit_grams and q.lang != "en":
        f["unit_echo"] = float(len(unit_grams - v.grams) < _ECHO_SHARE * len(unit_grams))
    parts = _part_of(unit)
    if v.parts:
        f["part_match"] = float(bool(parts & v.parts))
        f["part_other"] = float(bool(parts) and not parts & v.parts)
    if q.places:
        f.update(_place_features(q, chunk, unit, places_in_chunk))
    if q.side is not None and unit.label in ("japanese", "foreign"):
        f["side_cue_match"] = float(q.side == unit.label)
    if q.topics and chunk.card is not None:
        f["topic_match"] = float(
            any(fd.startswith(t) for fd in chunk.card.fields for t in q.topics)
        )
    if v.marks:
        f.update(_year_features(v, unit, texts))
    if v.ordinals:
        f["ordinal_chunk"] = float(all(o in texts.text for o in v.ordinals))
    return f


def typed_features(v: QuestionView, spans: Iterable[tuple[str, set[str]]]) -> dict[str, float]:
    """The typed spans a unit holds (its dates, counts, names …) against the type asked:
    which types it has, and which it has that the question does not already say."""
    k = v.q.answer_type
    f: dict[str, float] = {}
    for kind, grams in spans:
        f[f"k={k}|has={kind}"] = 1.0
        if grams and len(grams - v.grams) >= _NEW_SHARE * len(grams):
            f[f"k={k}|new={kind}"] = 1.0
    return f


def _place_features(
    q: Question, chunk: Chunk, unit: Unit, places_in_chunk: float
) -> dict[str, float]:
    """How the places the question names sit in the chunk, the unit and a card's sides."""
    f = {"places_chunk": places_in_chunk, "places_missing": float(places_in_chunk < 1.0)}
    in_unit = fold_nfkc(unit.text + unit.heading)
    f["places_unit"] = q.places_share(in_unit)
    card = chunk.card
    if card is not None and unit.label in ("japanese", "foreign"):
        own = fold_nfkc(card.japanese if unit.label == "japanese" else card.foreign)
        other = fold_nfkc(card.foreign if unit.label == "japanese" else card.japanese)
        f["side_other_named"] = float(
            any(p in other for p in q.places) and not any(p in own for p in q.places)
        )
    return f


def _year_features(v: QuestionView, unit: Unit, texts: ChunkTexts) -> dict[str, float]:
    """Whether the years the question names are in the chunk, in the unit, or another is."""
    around = fold_nfkc(f"{unit.heading} {unit.text}")
    f = {
        "years_chunk": float(any(m in texts.dated for m in v.marks)),
        "years_unit": float(any(m in around for m in v.marks)),
    }
    f["years_other_unit"] = float(
        not f["years_unit"] and any(y not in v.marks for y in _YEAR4.findall(around))
    )
    return f


def span_features(v: QuestionView, c: Candidate) -> dict[str, float]:
    """Features of the span itself: its type against the type asked, length, novelty."""
    q = v.q
    folded = fold_nfkc(c.text)
    f: dict[str, float] = {
        f"k={q.answer_type}|t={c.stype}": 1.0,
        "len_log": math.log1p(len(folded)),
        "whole_unit": float(c.start == c.unit.start and c.end == c.unit.end),
    }
    if c.start != c.unit.start or c.end != c.unit.end:
        text = c.chunk.text
        f["ov_near"] = v.overlap(bigrams(text[max(c.unit.start, c.start - _NEAR) : c.start]))
        f["ov_near_after"] = v.overlap(bigrams(text[c.end : min(c.unit.end, c.end + _NEAR)]))
    span_grams = bigrams(c.text)
    if span_grams:
        new = len(span_grams - v.grams) / len(span_grams)
        f["novel"] = new
        f["echo"] = float(new < 0.2)
    if q.places:
        f["span_names_place"] = float(any(p in folded for p in q.places))
    return f


def na_features(v: QuestionView, units: Iterable[dict[str, float]]) -> dict[str, float]:
    """Features of the no-answer candidate, from the question and its units' features."""
    q = v.q
    best = list(units)
    f = {
        "na": 1.0,
        f"na|k={q.answer_type}": 1.0,
        f"na|lang={q.lang}": 1.0,
        "na_unknown": float(v.unknown),
        "na_top_ov": max((b.get("ov_unit", 0.0) for b in best), default=0.0),
        "na_top_ctx": max((b.get("ov_chunk", 0.0) for b in best), default=0.0),
        "na_top_cos": max((b.get("cos", 0.0) for b in best), default=0.0),
    }
    if q.places:
        f["na_places_best"] = max((b.get("places_chunk", 0.0) for b in best), default=0.0)
        f["na_two_places"] = float(len(q.place_groups) >= 2)
    if v.marks:
        f["na_years_found"] = max((b.get("years_chunk", 0.0) for b in best), default=0.0)
    if v.ordinals:
        f["na_ordinal_found"] = max((b.get("ordinal_chunk", 0.0) for b in best), default=0.0)
    return f
