"""Answers for the chat and ``/ask``: one answerer shared by every user, one question
at a time, with filters by name, follow-ups, and the answers as messages or records.

Example:
    >>> service = ChatService(Answerer(engine.retriever), documents=docs)  # doctest: +SKIP
    >>> service.answer("電話番号は？", previous=earlier.topic).about.label  # doctest: +SKIP
    '日本国静岡県と中華人民共和国浙江省との教育交流協力覚書'
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from qa.answer.answerer import Answer, Answerer
from qa.answer.contacts import as_of_words
from qa.answer.followup import Topic
from qa.app.chat_view import SourceInfo, reply_messages
from qa.corpus.schema import Chunk
from qa.corpus.survey_terms import FIELD_NAMES
from qa.generate.responder import LLM, Responder
from qa.query.question import clean_question
from qa.retrieval.retriever import Filters

if TYPE_CHECKING:
    from qa.corpus.schema import Document

__all__ = ["ALL", "ChatService"]

#: A filter's value for "no restriction".
ALL = ""
_ALL = ALL


class ChatService:
    """Answers questions for every user of the app, one at a time, with filters by name.

    Args:
        answerer: The loaded answerer.
        k: Passages cited per answer.
        documents: The corpus documents, for their titles and dates.
        llm: A language model that rewrites the answers (:mod:`qa.generate.responder`);
            None for none.
    """

    def __init__(
        self,
        answerer: Answerer,
        *,
        k: int = 5,
        documents: Sequence[Document] = (),
        llm: LLM | None = None,
    ) -> None:
        if k < 1:
            raise ValueError(f"k must be at least 1, not {k}")
        self.answerer = answerer
        self.llm = llm
        self.responder = Responder(answerer, llm)
        self.k = k
        self.documents = tuple(documents)
        titles = {d.id: d.title for d in self.documents}
        dates = {d.id: as_of_words(vars(d)) for d in self.documents}
        chunks: list[Chunk] = answerer.retriever.index.chunks
        self._sources = {
            c.id: SourceInfo(
                titles.get(c.doc, c.doc),
                c.shape,
                c.card.fields if c.card else (),
                c.card.countries if c.card else (),
                dates.get(c.doc, ""),
            )
            for c in chunks
        }
        self.doc_choices = [(titles.get(d, d), d) for d in dict.fromkeys(c.doc for c in chunks)]
        self.field_choices = [(name, mark) for mark, name in FIELD_NAMES.items()]
        by_country = Counter(n for c in chunks if c.card for n in c.card.countries)
        self.country_choices = [(f"{n}（{count}）", n) for n, count in by_country.most_common()]
        # fugashi's tagger (BM25 and question analysis) must not run in two threads at once.
        self._lock = threading.Lock()

    def answer(
        self,
        question: str,
        *,
        document: str = _ALL,
        field: str = _ALL,
        country: str = _ALL,
        previous: Topic | None = None,
    ) -> Answer:
        """Answer ``question``, restricted to a document, field of exchange and country if
        given; a follow-up of ``previous`` (the last answer's topic) when it names nothing.

        Raises:
            ValueError: The question is empty or longer than :data:`MAX_QUESTION_CHARS`.
        """
        question = clean_question(question)
        filters = Filters(doc=document or None, field=field or None, country=country or None)
        with self._lock:
            extracted = self.answerer.answer(question, k=self.k, filters=filters, previous=previous)
        return self.responder.rewrite(extracted)  # waits for the LLM without the lock

    def topic_after(self, turns: Sequence[tuple[str, Any]]) -> Topic | None:
        """What the conversation ``turns`` ((question, reply) pairs, oldest first; a reply
        is an answer's text or its ``/ask`` record) was about at its end.

        A reply that is a record citing its answering card or section says so itself;
        otherwise the question is answered again, following up on the turns before it.
        """
        topic: Topic | None = None
        for question, reply in turns:
            cited = _answering_chunk(reply)
            known = self.answerer.topic_of(cited) if cited else None
            if known is not None:
                topic = known
                continue
            try:
                topic = self.answer(question, previous=topic).topic
            except ValueError:
                continue  # an empty question in the history changes nothing
        return topic

    def messages(
        self, answer: Answer, *, document: str = _ALL, field: str = _ALL, country: str = _ALL
    ) -> list[dict]:
        """The chat messages showing ``answer``, its sources, and the filters it was asked under."""
        titles = {value: label for label, value in self.doc_choices}
        restricted = [
            f"文書 {titles.get(document, document)}" if document else "",
            f"分野 {FIELD_NAMES.get(field, field)}" if field else "",
            f"国 {country}" if country else "",
        ]
        return reply_messages(
            answer, self._sources, restricted_to=" / ".join(r for r in restricted if r)
        )

    def record(self, answer: Answer) -> dict[str, Any]:
        """``answer`` as JSON: the shape of ``qa ask --json`` (with ``generator`` and
        ``fallback_reason``), with each source's document title, its date, fields of
        exchange and countries."""
        record = answer.to_dict()
        for c in record["citations"]:
            source = self._sources.get(c["chunk_id"])
            c["doc_title"] = source.doc_title if source else c["doc"]
            c["doc_as_of"] = source.as_of if source else ""
            c["fields"] = list(source.fields) if source else []
            c["countries"] = list(source.countries) if source else []
        return record


def _answering_chunk(reply: Any) -> str | None:
    """The chunk id a ``/ask`` record answered from (None for text, an abstention or a list)."""
    if not isinstance(reply, dict) or reply.get("abstained") or "count" in reply:
        return None
    citations = reply.get("citations")
    if not isinstance(citations, list) or not citations or not isinstance(citations[0], dict):
        return None
    first = citations[0]
    chunk_id = first.get("chunk_id")
    return chunk_id if isinstance(chunk_id, str) and first.get("span") else None
