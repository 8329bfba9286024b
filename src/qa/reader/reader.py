"""The reader: candidates from the retrieved chunks, scored by the fitted model.

Every unit of the top chunks (and of the cards that name every place the
question names) offers spans: the unit whole, each typed span its extractors
find, its clauses. Each span is scored with the fitted weights, by its type and
words and by how near its meaning (the index's vector of its text) is to the
question's; a no-answer
candidate is scored beside them (as Haystack's ExtractiveReader appends one),
and the reader abstains when it wins. One general check applies on top: a
place the question names must be in the answering chunk.

Example:
    >>> reader = Reader(index.chunks, editions)  # doctest: +SKIP
    >>> reader.read(question, hits).candidate.text  # doctest: +SKIP
    '平成24（2012）年4月4日'
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from qa.corpus.schema import Chunk
from qa.corpus.textclean import fold_nfkc
from qa.index.spans import unit_spans
from qa.index.units import Unit, units_of
from qa.query.question import Question
from qa.reader.features import (
    Candidate,
    ChunkTexts,
    QuestionView,
    bigrams,
    na_features,
    offices_named,
    span_features,
    typed_features,
    unit_features,
)
from qa.reader.model import ReaderModel
from qa.reader.span_choice import SpanVectors, held_span, longest_answer, meaning_features
from qa.reader.span_head import SpanHead, head_features
from qa.retrieval.retriever import Filters, Hit

__all__ = ["Reader", "Reading"]

#: Chunks read per question: the top hits, plus cards that name every place asked.
TOP_HITS = 5
NAMED_CARDS = 3
#: Longest span offered (characters).
MAX_SPAN = 400


#: A unit's bigram sets: its chunk's, its own, its context's, its neighbours'.
_Grams = tuple[set[str], set[str], set[str], set[str]]


@dataclass(frozen=True)
class Reading:
    """What the reader found for one question.

    Attributes:
        candidate: The answering span, or ``None`` when answering nothing won.
        score: The answering unit's score.
        no_answer: The no-answer candidate's score.
        units: Every unit read, as candidates spanning the whole unit.
        unit_features: Their features, the no-answer candidate's last.
    """

    candidate: Candidate | None
    score: float
    no_answer: float
    units: tuple[Candidate, ...] = ()
    unit_features: tuple[dict[str, float], ...] = ()


class Reader:
    """Reads answers out of chunks.

    Args:
        chunks: Every chunk of the index.
        editions: Document id → its title and edition (the year it covers).
        model: Fitted weights; the shipped ``weights.json`` when ``None``.
        units: The units of ``chunks`` in order, as the index holds them (else split here).
        unit_vectors: One embedding per unit (the index's), for the question–unit cosine.
        spans: Span texts with a vector (the index's :attr:`~qa.index.store.Index.spans`).
        span_vectors: Their embeddings, for the question–span cosine.
        span_head: The learned span head (:mod:`qa.reader.span_head`) whose score of each
            span is a feature of the span model; without it the feature is absent.
    """

    def __init__(
        self,
        chunks: Sequence[Chunk],
        editions: dict[str, str] | None = None,
        model: ReaderModel | None = None,
        *,
        units: Sequence[Unit] | None = None,
        unit_vectors: np.ndarray | None = None,
        spans: Sequence[str] = (),
        span_vectors: np.ndarray | None = None,
        span_head: SpanHead | None = None,
    ) -> None:
        self.model = model if model is not None else ReaderModel.load()
        self.span_head = span_head
        self._cards = [c for c in chunks if c.card is not None]
        self._editions = editions or {}
        units = list(units) if units is not None else [u for c in chunks for u in units_of(c)]
        self._units: dict[str, list[Unit]] = {c.id: [] for c in chunks}
        for u in units:
            self._units[u.chunk_id].append(u)
        self._row = {(u.chunk_id, u.start, u.end): i for i, u in enumerate(units)}
        self._vectors = None if unit_vectors is None else np.asarray(unit_vectors, dtype=np.float32)
        self._span_vectors = SpanVectors(spans, span_vectors)
        #: Each chunk's text folded, and (when first read) its dated and named texts.
        self._text = {c.id: fold_nfkc(c.text) for c in chunks}
        self._dated: dict[str, ChunkTexts] = {}
        self._named_text: dict[str, str] = {}
        #: Typed spans of each unit, found the first time it is read.
        self._extracted: dict[tuple[str, int, int], list[tuple[str, int, int]]] = {}
        self._offices_in: dict[tuple[str, int, int], tuple[str, ...]] = {}
        self._span_grams: dict[tuple[str, int, int], list[tuple[str, set[str]]]] = {}
        self._unit_grams = {
            (u.chunk_id, u.start, u.end): bigrams(u.text) for us in self._units.values() for u in us
        }
        self._ctx_grams = {
            c.id: bigrams(f"{c.title} {' '.join(c.heading)} {_names_of(c)}") for c in chunks
        }
        self._chunk_grams = {c.id: bigrams(c.text) for c in chunks}
        self._grams_of: dict[tuple[str, int, int], _Grams] = {}
        df = Counter(g for grams in self._chunk_grams.values() for g in grams)
        n = len(chunks)
        self._idf = {g: math.log((n + 1) / (d + 0.5)) for g, d in df.items()}
        self._corpus = "\n".join(self._text.values())
        self._names = {
            c.id: fold_nfkc(f"{c.card.japanese} {c.card.foreign} {c.title}") for c in self._cards
        }

    def view(self, q: Question) -> QuestionView:
        return QuestionView.of(q, self._idf, self._corpus)

    @property
    def corpus(self) -> str:
        """Every chunk's text folded (NFKC), one after another."""
        return self._corpus

    def _named_cards(self, q: Question, filters: Filters | None) -> list[Chunk]:
        if not q.places:
            return []
        return [
            c
            for c in self._cards
            if q.all_places_in(self._names[c.id]) and (filters is None or filters.allows(c))
        ]

    def chunks_for(
        self, q: Question, hits: Sequence[Hit], filters: Filters | None = None
    ) -> list[tuple[Chunk, int]]:
        """The chunks to read with their retrieval rank (0: found by name only)."""
        ranked = {h.chunk.id: h.rank for h in hits}
        out = [(h.chunk, h.rank) for h in hits[:TOP_HITS]]
        seen = {c.id for c, _ in out}
        named = sorted(self._named_cards(q, filters), key=lambda c: ranked.get(c.id, 10_000))
        for c in named[:NAMED_CARDS]:
            if c.id not in seen:
                out.append((c, ranked.get(c.id, 0) if ranked.get(c.id, 0) <= 20 else 0))
                seen.add(c.id)
        return out

    def unit_candidates(
        self, v: QuestionView, chunks: list[tuple[Chunk, int]], qvec: np.ndarray | None = None
    ) -> tuple[list[Candidate], list[dict[str, float]]]:
        """Every unit of ``chunks`` as a candidate, with its features (``qvec``: the
        question's embedding, for the cosine with each unit when the index has vectors)."""
        q = v.q
        cands: list[Candidate] = []
        feats: list[dict[str, float]] = []
        cosines = self._cosines(chunks, qvec)
        for chunk, rank in chunks:
            where = self._names.get(chunk.id, "") + self._text[chunk.id]
            places = q.places_share(where)
            texts = self._texts(chunk)
            siblings = self._units[chunk.id]
            for i, unit in enumerate(siblings):
                key = (unit.chunk_id, unit.start, unit.end)
                f = unit_features(v, chunk, unit, rank, self._grams(siblings, i), places, texts)
                if key in cosines:
                    cos, best = cosines[key]
                    f["cos"] = cos
                    f[f"cos|lang={q.lang}"] = cos
                    f["cos_gap"] = best - cos
                if unit.shape == "field":
                    f[f"k={q.answer_type}|t=field:{unit.label}"] = 1.0
                else:
                    f.update(typed_features(v, self._typed_grams(unit)))
                f["unit_len_log"] = math.log1p(unit.end - unit.start)
                cands.append(Candidate(chunk, unit, unit.start, unit.end, "unit", rank))
                feats.append(f)
        self._bridge(q, cands, feats)
        return cands, feats

    def _bridge(self, q: Question, cands: list[Candidate], feats: list[dict[str, float]]) -> None:
        """A unit that names an office (…課, …室) gets how well the question matches the
        best other unit read that names the same office: a passage sends its programme's
        questions to an office, a contact list gives the office's number."""
        named = [(i, self._offices(c.unit)) for i, c in enumerate(cands)]
        named = [(i, offices) for i, offices in named if offices]
        if not named:
            return
        texts = [c.unit.text for c in cands]
        for i, offices in named:
            best = max(
                (
                    feats[j].get("ov_unit", 0.0)
                    for j, text in enumerate(texts)
                    if j != i and any(o in text for o in offices)
                ),
                default=0.0,
            )
            if best:
                feats[i]["bridge"] = best
                feats[i][f"bridge|k={q.answer_type}"] = best

    def _offices(self, unit: Unit) -> tuple[str, ...]:
        """The offices ``unit`` names; kept once found."""
        key = _key(unit)
        found = self._offices_in.get(key)
        if found is None:
            found = self._offices_in[key] = tuple(offices_named(unit.text))
        return found

    def _grams(self, siblings: list[Unit], i: int) -> _Grams:
        """The bigrams of unit ``i``'s chunk, of the unit, of its context (the chunk's
        title and names, the unit's heading) and of its neighbours of the same shape;
        the same for every question, so kept once found."""
        unit = siblings[i]
        key = _key(unit)
        grams = self._grams_of.get(key)
        if grams is None:
            around: set[str] = set()
            for j in (i - 1, i + 1):
                if 0 <= j < len(siblings) and siblings[j].shape == unit.shape:
                    around |= self._unit_grams[_key(siblings[j])]
            grams = (
                self._chunk_grams[unit.chunk_id],
                self._unit_grams[key],
                self._ctx_grams[unit.chunk_id] | bigrams(unit.heading),
                around,
            )
            self._grams_of[key] = grams
        return grams

    def span_candidates(
        self, v: QuestionView, unit: Candidate, qvec: np.ndarray | None = None
    ) -> tuple[list[Candidate], list[dict[str, float]]]:
        """The spans of one unit that may be the answer, with their features (``qvec``:
        the question's embedding, for the cosine with each span that has a vector)."""
        cands = self._spans(unit.chunk, unit.unit, unit.rank)
        feats = [span_features(v, c) for c in cands]
        if qvec is not None:
            own = None if self._vectors is None else self._vectors[self._row[_key(unit.unit)]]
            meaning_features(cands, feats, qvec, self._span_vectors, own)
        if self.span_head is not None and len(cands) > 1:
            bounds = [(c.start - unit.unit.start, c.end - unit.unit.start) for c in cands]
            u = unit.unit
            head_features(self.span_head.span_scores(v.q.text, u.heading, u.text, bounds), feats)
        return cands, feats

    def _typed_grams(self, unit: Unit) -> list[tuple[str, set[str]]]:
        """Each typed span of ``unit`` as (type, its bigrams); kept once found."""
        key = _key(unit)
        found = self._span_grams.get(key)
        if found is None:
            found = self._span_grams[key] = [
                (kind, bigrams(unit.text[s:e])) for kind, s, e in self._typed(unit)
            ]
        return found

    def _typed(self, unit: Unit) -> list[tuple[str, int, int]]:
        key = (unit.chunk_id, unit.start, unit.end)
        if key not in self._extracted:
            self._extracted[key] = unit_spans(unit)
        return self._extracted[key]

    def _spans(self, chunk: Chunk, unit: Unit, rank: int) -> list[Candidate]:
        if unit.shape == "field":
            return [Candidate(chunk, unit, unit.start, unit.end, f"field:{unit.label}", rank)]
        out = []
        if unit.end - unit.start <= MAX_SPAN:
            out.append(Candidate(chunk, unit, unit.start, unit.end, "unit", rank))
        for kind, s, e in self._typed(unit):
            out.append(Candidate(chunk, unit, unit.start + s, unit.start + e, kind, rank))
        return out

    def _cosines(
        self, chunks: list[tuple[Chunk, int]], qvec: np.ndarray | None
    ) -> dict[tuple[str, int, int], tuple[float, float]]:
        """Unit key → (cosine with the question, best cosine among the units read)."""
        if qvec is None or self._vectors is None:
            return {}
        keys = [(u.chunk_id, u.start, u.end) for c, _ in chunks for u in self._units[c.id]]
        if not keys:
            return {}
        sims = self._vectors[[self._row[k] for k in keys]] @ qvec
        best = float(sims.max())
        return {k: (float(s), best) for k, s in zip(keys, sims, strict=True)}

    def read(
        self,
        q: Question,
        hits: Sequence[Hit],
        filters: Filters | None = None,
        qvec: np.ndarray | None = None,
    ) -> Reading:
        """The best unit's best span, or no answer when the no-answer candidate wins."""
        v = self.view(q)
        units, feats = self.unit_candidates(v, self.chunks_for(q, hits, filters), qvec)
        na = na_features(v, feats)
        na_score = float(self.model.scores([na], "unit")[0])
        if not units:
            return Reading(None, na_score, na_score, (), (na,))
        scores = self.model.scores(feats, "unit")
        # The best unit whose passage holds what the question names (its places,
        # offices, ordinals, years), if it outscores answering nothing.
        best, chosen = int(np.argmax(scores)), None
        for i in np.argsort(-scores, kind="stable"):
            if scores[i] <= na_score + self.model.no_answer_margin:
                break
            if self._holds_named(v, units[i].chunk):
                best = int(i)
                chosen = self._best_span(v, units[best], qvec)
                break
        return Reading(chosen, float(scores[best]), na_score, tuple(units), (*feats, na))

    def _best_span(self, v: QuestionView, unit: Candidate, qvec: np.ndarray | None) -> Candidate:
        """The span of the unit the span model answers with (:func:`held_span`): its most
        likely one, or when that is not likely enough the shortest around it that holds
        enough of the probability (a clause, or the whole unit)."""
        spans, feats = self.span_candidates(v, unit, qvec)
        s = self.model.scores(feats, "span")
        p = np.exp(s - s.max())
        bounds = [(c.start, c.end) for c in spans]
        limit = longest_answer(v.q.answer_type)
        return spans[held_span(bounds, p / p.sum(), self.model.span_threshold, limit)]

    def _texts(self, chunk: Chunk) -> ChunkTexts:
        texts = self._dated.get(chunk.id)
        if texts is None:
            edition = self._editions.get(chunk.doc, "")
            dated = fold_nfkc(f"{chunk.title}\n{chunk.text}\n{edition}")
            texts = self._dated[chunk.id] = ChunkTexts(self._text[chunk.id], dated)
        return texts

    def _holds_named(self, v: QuestionView, chunk: Chunk) -> bool:
        text = self._named_text.get(chunk.id)
        if text is None:
            text = self._named_text[chunk.id] = fold_nfkc(
                f"{chunk.title}\n{self._names.get(chunk.id, '')}\n{chunk.text}\n"
                f"{self._editions.get(chunk.doc, '')}"
            )
        return v.holds_named(text)


def _key(unit: Unit) -> tuple[str, int, int]:
    return unit.chunk_id, unit.start, unit.end


def _names_of(chunk: Chunk) -> str:
    return f"{chunk.card.japanese} {chunk.card.foreign}" if chunk.card else ""
