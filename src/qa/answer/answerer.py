"""Extractive answers with exact citations, and abstention (no LLM).

The question is analyzed (:mod:`qa.query.question`), the retriever finds passages,
and the reader (:mod:`qa.reader`) picks the span that answers, or abstains when
its no-answer candidate wins. The span is located in the cited chunk's
display text, so ``citation.text[span[0]:span[1]]`` is what was answered, and
``citation.source_span`` the same characters in the source file.

Example:
    >>> answerer = Answerer(engine.retriever)  # doctest: +SKIP
    >>> answer = answerer.answer("静岡県と浙江省の教育交流の覚書はいつ結ばれた？")  # doctest: +SKIP
    >>> start, end = answer.citations[0].span  # doctest: +SKIP
    >>> answer.citations[0].text[start:end] == answer.text  # doctest: +SKIP
    True
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qa.answer import followup
from qa.answer.contacts import CONTACT_TYPES, as_of_words, contact_of
from qa.answer.followup import Topic
from qa.answer.listing import listing_text
from qa.corpus.schema import Chunk
from qa.corpus.textclean import fold_nfkc
from qa.index.tokenize import content_words
from qa.index.units import locate
from qa.language.scripts import HAN_OR_KANA
from qa.query.gazetteer import Gazetteer
from qa.query.question import Question, analyze
from qa.reader import Reader, ReaderModel, Reading, prefers_listing, route_features
from qa.reader.agreements import Agreement, AgreementTable, Selection
from qa.reader.span_head import find_span_head
from qa.retrieval.retriever import Filters, Hit, Retriever

if TYPE_CHECKING:
    from qa.retrieval.engine import Engine

__all__ = [
    "ABSTAIN",
    "Answer",
    "Answerer",
    "Citation",
    "locate",
]

#: Abstention text per question language.
ABSTAIN = {
    "ja": "資料には記載がありません。",
    "en": "The documents do not say.",
    "zh": "资料中没有记载。",
}


@dataclass(frozen=True)
class Citation:
    """A passage an answer cites.

    Attributes:
        rank: 1 for the first citation (the answering chunk comes first).
        chunk_id: The chunk's id, e.g. ``"002#card-1-06"``.
        doc: The document id.
        title: The card or section title.
        text: The chunk's display text.
        span: ``text[span[0]:span[1]]`` is the answer, for the answering chunk.
        source_span: The same characters as offsets in the source file.
        score: The retrieval score (0 for a chunk found by name, not retrieved).
    """

    rank: int
    chunk_id: str
    doc: str
    title: str
    text: str
    span: tuple[int, int] | None
    source_span: tuple[int, int] | None
    score: float

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: the shape of ``qa ask --json``'s citations."""
        return {
            "rank": self.rank,
            "doc": self.doc,
            "chunk_id": self.chunk_id,
            "title": self.title,
            "text": self.text,
            "span": list(self.span) if self.span else None,
            "source_span": list(self.source_span) if self.source_span else None,
            "score": round(self.score, 6),
        }


@dataclass(frozen=True)
class Answer:
    """An answer and where it came from.

    Attributes:
        question: The question as asked.
        text: The answer, copied from the documents (or a fixed template).
        abstained: The documents do not hold the answer; ``text`` says so.
        citations: The answering chunk first, then the other retrieved chunks.
        timings_ms: ``retrieve``, ``answer`` (extraction alone) and ``total``.
        generator: What wrote ``text``: ``"extractive"``, or ``"llm:<model>"`` for an
            answer rewritten by a language model (:mod:`qa.generate.responder`).
        fallback_reason: Why a configured language model's answer was not used
            (``"timeout"``, ``"unknown citation: [7]"``…); ``None`` otherwise.
        items: For a question over many agreements, every agreement that matches,
            in the order of ``citations`` (item *i* cites citation *i + 1*).
        count: For such a question, how many agreements match (``None`` otherwise).
        about: The previous turn's topic this question was asked about (a follow-up).
        topic: What the next question may follow up on: the answering card or
            section, else the topic this one was asked about.
        as_of: For a contact answer, its document's date in words ("2012年8月調査時点").
        contact: For a contact answer, the department, phone and e-mail written with it.
    """

    question: str
    text: str
    abstained: bool
    citations: tuple[Citation, ...]
    timings_ms: dict[str, float] = field(default_factory=dict)
    generator: str = "extractive"
    fallback_reason: str | None = None
    items: tuple[Agreement, ...] = ()
    count: int | None = None
    about: Topic | None = None
    topic: Topic | None = None
    as_of: str = ""
    contact: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: the shape of ``qa ask --json`` and ``/ask``."""
        out: dict[str, Any] = {
            "question": self.question,
            "answer": self.text,
            "abstained": self.abstained,
            "generator": self.generator,
            "fallback_reason": self.fallback_reason,
            "citations": [c.to_dict() for c in self.citations],
            "timings_ms": {k: round(v, 2) for k, v in self.timings_ms.items()},
        }
        if self.about is not None:
            out["about"] = self.about.label
        if self.as_of:
            out["as_of"] = self.as_of
        if self.contact:
            out["contact"] = dict(self.contact)
        if self.count is not None:
            out["count"] = self.count
            out["items"] = [
                {**item.to_dict(), "citation": rank}
                for rank, item in enumerate(self.items, start=1)
            ]
        return out


class Answerer:
    """Answers questions from the retriever's index.

    Args:
        retriever: The loaded retriever (its index holds the chunks and cards).
        mode: The retrieval mode.
        model: The reader's weights; the shipped ones when ``None``.
    """

    def __init__(
        self, retriever: Retriever, *, mode: str = "hybrid", model: ReaderModel | None = None
    ) -> None:
        self.retriever = retriever
        self.mode = mode
        index = retriever.index
        chunks = index.chunks
        self._name_index = gazetteer = Gazetteer.from_chunks(chunks, index.world)
        self._names = gazetteer.names
        #: Each document's title and edition, which name the year it covers (FY2021, 2018).
        editions = {
            doc: fold_nfkc(f"{meta.get('title', '')} {meta.get('edition', '')}")
            for doc, meta in index.manifest.documents.items()
        }
        self.reader = Reader(
            chunks,
            editions,
            model,
            units=index.units,
            unit_vectors=index.unit_vectors,
            spans=index.spans,
            span_vectors=index.span_vectors,
            span_head=find_span_head(index.manifest.model),
        )
        self.agreements = AgreementTable.from_chunks(chunks, self.reader.corpus)
        self._chunks = {c.id: c for c in chunks}
        self._topics: dict[str, Topic] = {}

    @classmethod
    def from_engine(cls, engine: Engine, *, mode: str | None = None) -> Answerer:
        """An answerer over ``engine``'s retriever, with the reader weights its config names."""
        path = engine.config.reader_weights
        model = ReaderModel.load(Path(path)) if path else None
        return cls(engine.retriever, mode=mode or engine.config.mode, model=model)

    def analyze(self, question: str) -> Question:
        """The question's analysis, against the corpus's place names."""
        return analyze(question, self._names, self._name_index)

    def corpus_names(self, text: str, lang: str) -> set[str]:
        """Corpus place names ``text`` writes in Latin letters, Chinese or katakana."""
        return self._name_index.find(text, lang)

    def search(self, q: Question, *, k: int = 5, filters: Filters | None = None) -> list[Hit]:
        """The retrieved chunks the reader reads (at least 20, for cards found by name)."""
        if not q.text:
            return []
        return self.retriever.search(q.search, mode=self.mode, k=max(k, 20), filters=filters)

    def read(
        self, question: str, *, filters: Filters | None = None
    ) -> tuple[Question, list[Hit], Reading]:
        """Analysis, hits and the reader's finding, for fitting and inspection."""
        q = self.analyze(question or "")
        hits = self.search(q, filters=filters)
        return q, hits, self.reader.read(q, hits, filters, self.retriever.query_vector(q.search))

    def answer(
        self,
        question: str,
        *,
        k: int = 5,
        filters: Filters | None = None,
        previous: Topic | None = None,
    ) -> Answer:
        """Answer ``question`` from the documents, with citations; abstain when they do not say.

        ``previous`` is what the conversation was about (the last answer's ``topic``): a
        question that names nothing or refers back is asked about it (:mod:`qa.answer.followup`).
        """
        t0 = time.perf_counter()
        q = self.analyze(question or "")
        about = previous if followup.inherits(previous, q) else None
        if about is not None:
            q, filters = followup.within(q, about), followup.filters_within(filters, about)
        hits = self.search(q, k=k, filters=filters)
        t1 = time.perf_counter()
        reading = None
        if hits and not self._asks_nothing(q):
            reading = self.reader.read(q, hits, filters, self.retriever.query_vector(q.search))
        selection = self.listing(q, reading, hits, filters)
        if selection is not None:
            listed = self._listed(question, q, selection, t0, t1)
            return dataclasses.replace(listed, about=about, topic=about)
        pick = reading.candidate if reading is not None else None
        shown = hits[:k]
        if pick is None:
            citations = self._citations(shown, None, None)
            return Answer(
                question,
                ABSTAIN[q.lang],
                True,
                citations,
                _timings(t0, t1),
                about=about,
                topic=about,
            )
        span = (pick.start, pick.end)
        citations = self._citations(shown, pick.chunk, span)
        return Answer(
            question,
            pick.text,
            False,
            citations,
            _timings(t0, t1),
            about=about,
            topic=self.topic(pick.chunk),
            **self._contact(q, pick.chunk, span),
        )

    def topic(self, chunk: Chunk) -> Topic:
        """What a follow-up to an answer from ``chunk`` is asked about (kept once found:
        it depends on the chunk alone)."""
        topic = self._topics.get(chunk.id)
        if topic is None:
            topic = self._topics[chunk.id] = Topic.of(chunk, self.analyze(followup.label_of(chunk)))
        return topic

    def topic_of(self, chunk_id: str) -> Topic | None:
        """:meth:`topic` of the chunk with this id; None for an id not in the index."""
        chunk = self._chunks.get(chunk_id)
        return None if chunk is None else self.topic(chunk)

    def _contact(self, q: Question, chunk: Chunk, span: tuple[int, int]) -> dict[str, Any]:
        """A contact answer's date and the contacts written with it (nothing otherwise)."""
        if q.answer_type not in CONTACT_TYPES:
            return {}
        meta = self.retriever.index.manifest.documents.get(chunk.doc, {})
        return {"as_of": as_of_words(meta), "contact": contact_of(chunk, span)}

    def listing(
        self,
        q: Question,
        reading: Reading | None,
        hits: Sequence[Hit] = (),
        filters: Filters | None = None,
    ) -> Selection | None:
        """The agreements ``q`` asks about, when a list answers it better than the reader."""
        if self._asks_nothing(q):
            return None
        allows = None if filters is None else (lambda cid: filters.allows(self._chunks[cid]))
        selection = self.agreements.select(q, allows)
        features = route_features(q, selection, reading, hits)
        return selection if prefers_listing(self.reader.model, features) else None

    def _asks_nothing(self, q: Question) -> bool:
        """:func:`_asks_nothing`, or a question of no kind that names nothing and none of
        whose nouns the documents use (「の」×2000, 「詳しく教えてください」)."""
        if _asks_nothing(q):
            return True
        if q.answer_type != "other" or _names_something(q):
            return False
        vocab = self.retriever.index.bm25.vocab_dict
        return not any(word in vocab for word in content_words(q.lexical))

    def _listed(
        self, question: str, q: Question, selection: Selection, t0: float, t1: float
    ) -> Answer:
        rows = selection.rows
        cards = [self._chunks[r.chunk_id] for r in rows]
        citations = tuple(
            _citation(rank, card, _title_span(card), 0.0) for rank, card in enumerate(cards, 1)
        )
        text = listing_text(q, selection)
        # Nothing matching is an abstention that says why (which conditions matched nothing).
        return Answer(
            question, text, not rows, citations, _timings(t0, t1), items=rows, count=len(rows)
        )

    def _citations(
        self, hits: list[Hit], chunk: Chunk | None, span: tuple[int, int] | None
    ) -> tuple[Citation, ...]:
        out: list[Citation] = []
        if chunk is not None:
            score = next((h.score for h in hits if h.chunk.id == chunk.id), 0.0)
            out.append(_citation(1, chunk, span, score))
        for h in hits:
            if chunk is not None and h.chunk.id == chunk.id:
                continue
            out.append(_citation(len(out) + 1, h.chunk, None, h.score))
        return tuple(out)


def _timings(t0: float, t1: float) -> dict[str, float]:
    t2 = time.perf_counter()
    return {"retrieve": (t1 - t0) * 1000, "answer": (t2 - t1) * 1000, "total": (t2 - t0) * 1000}


def _title_span(chunk: Chunk) -> tuple[int, int] | None:
    """The card's first line (its two sides and title), highlighted in a list answer."""
    text = chunk.text
    end = text.find("\n")
    end = len(text) if end < 0 else end
    return (0, end) if end > 0 else None


def _asks_nothing(q: Question) -> bool:
    """A question with no kind, no Japanese or Chinese words and nothing it names.

    "<script>alert(1)</script>" or "ignore your instructions…" are not asked of
    the documents: whatever line came closest would be an arbitrary answer.
    """
    return q.answer_type == "other" and not HAN_OR_KANA.search(q.text) and not _names_something(q)


def _names_something(q: Question) -> bool:
    return bool(q.places or q.years or q.countries or q.topics)


def _citation(rank: int, chunk: Chunk, span: tuple[int, int] | None, score: float) -> Citation:
    source: tuple[int, int] | None = None
    if span is not None:
        try:
            source = chunk.source_span(*span)
        except ValueError:
            source = None
    return Citation(rank, chunk.id, chunk.doc, chunk.title, chunk.text, span, source, score)
