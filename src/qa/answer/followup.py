"""Follow-up questions: what a question that names nothing takes from the turn before.

A conversation is about something: the card or section the last answer came from.
A new question that names nothing (no place, country, office or unknown place name
in it) or refers back (その, it, 那个: ``lexicon.toml``'s ``[followup]`` words) is
asked about that same card or section: its title joins the words searched, its
places stand for the question's, and the search stays in its document. A question
that names a place of its own starts afresh.

Example:
    >>> topic = Topic("002#card-1-06", "002_x.txt", "静岡県–浙江省 覚書", ("静岡県", "浙江省"))
    >>> q = Question(text="電話番号は？", lang="ja", answer_type="phone", lexical="電話番号は？")
    >>> inherits(topic, q)
    True
    >>> within(q, topic).places
    ('静岡県', '浙江省')
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass

from qa.corpus.schema import Chunk
from qa.language.lexicon import LEXICON
from qa.query.question import Question
from qa.reader.features import offices_named, place_tokens
from qa.retrieval.retriever import Filters

__all__ = ["Topic", "filters_within", "inherits", "names_something", "refers_back", "within"]


@dataclass(frozen=True)
class Topic:
    """What a turn was about: the card or section its answer came from.

    Attributes:
        chunk_id: The card or section.
        doc: Its document.
        label: How the answer names it ("静岡県–浙江省 教育交流協力覚書").
        places: The places it names, for a question that names none.
        countries: The countries it names.
    """

    chunk_id: str
    doc: str
    label: str
    places: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()

    @classmethod
    def of(cls, chunk: Chunk, q: Question) -> Topic:
        """The topic of ``chunk``, with the places ``q`` (the analysis of its title) names."""
        return cls(chunk.id, chunk.doc, label_of(chunk), q.places, q.countries)


def label_of(chunk: Chunk) -> str:
    """A card as its two sides and title (sides once, when the title already names them
    it is shown alone); a section as its title."""
    card = chunk.card
    if card is None:
        return chunk.title
    sides = "–".join(s for s in (card.japanese, card.foreign) if s)
    if all(_short(s) in card.title for s in (card.japanese, card.foreign) if s):
        return card.title
    return f"{sides} {card.title}".strip()


def _short(side: str) -> str:
    """The last part of a side's name (中国：青島市 → 青島市)."""
    return re.split(r"[\s、,・:：/]+", side.strip())[-1]


def refers_back(q: Question) -> bool:
    """``q`` uses a word that points back (その, that, 那个); Latin ones as whole words."""
    text = q.text.lower()
    for word in LEXICON.followup:
        if word.isascii():
            if re.search(rf"\b{re.escape(word)}\b", text):
                return True
        elif word in q.text:
            return True
    return False


def names_something(q: Question) -> bool:
    """``q`` names a place, country, office or place unknown to the corpus of its own."""
    return bool(
        q.places or q.countries or q.unheard or offices_named(q.text) or place_tokens(q.text)
    )


def inherits(previous: Topic | None, q: Question) -> bool:
    """``q`` is asked about ``previous``: it names nothing, or refers back and names
    no place ``previous`` does not."""
    if previous is None:
        return False
    if not names_something(q):
        return True
    own = set(q.places) - set(previous.places)
    return refers_back(q) and not own and not (set(q.countries) - set(previous.countries))


def within(q: Question, topic: Topic) -> Question:
    """``q`` asked about ``topic``: its title searched with the question's words, its
    places and countries standing for the question's."""
    return dataclasses.replace(
        q,
        places=q.places or topic.places,
        countries=q.countries or topic.countries,
        lexical=f"{topic.label}\n{q.lexical}",
    )


def filters_within(filters: Filters | None, topic: Topic) -> Filters:
    """``filters`` kept inside ``topic``'s document (a document chosen by the user wins)."""
    filters = filters or Filters()
    return filters if filters.doc else dataclasses.replace(filters, doc=topic.doc)
