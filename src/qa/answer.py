"""Extractive answers with exact citations, and abstention (no LLM).

The question is analyzed (:mod:`qa.question`), the retriever finds passages,
and the answer is copied from the documents: from the agreement card's field
the question asks for (date, phone, e-mail, department, partner, background,
activities…), or from the best line of a section for the asked kind. The span
of the answer is located in the cited chunk's display text, so
``citation.text[span[0]:span[1]]`` is what was answered, and
``citation.source_span`` the same characters in the source file. When no
retrieved passage holds an answer of the asked kind for the things named, the
answer abstains and still cites the closest passages.

Example:
    >>> answerer = Answerer(engine.retriever)  # doctest: +SKIP
    >>> answerer.answer("静岡県と浙江省の教育交流の覚書はいつ結ばれた？").text  # doctest: +SKIP
    '平成24（2012）年4月4日'
"""

from __future__ import annotations

import itertools
import re
import time
import unicodedata
from dataclasses import dataclass, field

from qa.parse_survey import COUNTRIES
from qa.question import Question, analyze, name_components
from qa.retrieval import Filters, Hit, Retriever
from qa.schema import Card, Chunk
from qa.textclean import fold_nfkc

__all__ = ["ABSTAIN", "Answer", "Answerer", "Citation"]

#: Abstention text per question language.
ABSTAIN = {
    "ja": "資料には記載がありません。",
    "en": "The documents do not say.",
    "zh": "资料中没有记载。",
}
#: Longest answer per kind: concise kinds ≤ 120 characters, the rest ≤ 400.
_CONCISE = 120
_LONG = 400
_LONG_KINDS = {"reason", "list", "definition", "other"}
#: Kinds answered from a card field that identifies the agreement's contact.
_FIELD_KINDS = {"date", "phone", "email", "department", "contact", "url"}

_DATE_RE = re.compile(
    r"(?:明治|大正|昭和|平成|令和)\s*(?:\d+|元)\s*(?:[（(]\s*\d{4}\s*[)）])?\s*年(?:\s*\d+\s*月)?(?:\s*\d+\s*日)?"
    r"|\d{4}\s*年(?:\s*\d+\s*月)?(?:\s*\d+\s*日)?|\d{4}年度"
)
_COUNT_RE = re.compile(
    r"\d[\d,]*\s*(?:件|か所|ヵ所|カ所|ヶ所|箇所|名|人|回|校|団体|都市|位|航路|便|社|%|％)"
)
_PHONE_RE = re.compile(r"\d{2,5}-\d{1,4}-\d{3,4}")
_EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_URL_RE = re.compile(r"https?://\S+")
_KIND_RE = {
    "date": _DATE_RE,
    "count": _COUNT_RE,
    "phone": _PHONE_RE,
    "email": _EMAIL_RE,
    "url": _URL_RE,
}
#: A place-like token in a Japanese question (checked against the corpus).
_PLACE_TOKEN = re.compile(r"[\u4e00-\u9fffァ-ヶー]{2,}?(?:県|省|市|州|町|村)")
#: An office named in a question or after 連絡先 (…室, …課, …分室).
_OFFICE = re.compile(r"[\u4e00-\u9fffァ-ヶー・]{2,}?(?:分室|室|課)")
_CONTACT_OF = re.compile(r"連絡先\s*\n+\s*([^\n]+)")
#: "Which programme should we use?": answered by the title of the best section.
_WHICH_PROGRAMME = re.compile(r"(?:どの|どんな|何の)(?:事業|プログラム|制度)")
#: A short label line, a blank line, then its value (the MOFA brochure's layout).
_LABEL = re.compile(r"^([^\n\t]{2,8})\n\n([^\n]+)", re.MULTILINE)
_GENERIC_LABELS = {"連絡先", "手続き"}
_ORDINAL = re.compile(r"第\s*(\d+)\s*(?:回|届)|\b(\d+)(?:st|nd|rd|th)\b")
_SENTENCE = re.compile(r"[^。\n]+。?")
_STOP = set("のはをにがとでもへやかるたいうなことれるすどこ？?、。「」 　何")


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


@dataclass(frozen=True)
class Answer:
    """An answer and where it came from.

    Attributes:
        question: The question as asked.
        text: The answer, copied from the documents (or a fixed template).
        abstained: The documents do not hold the answer; ``text`` says so.
        citations: The answering chunk first, then the other retrieved chunks.
        timings_ms: ``retrieve``, ``answer`` (extraction alone) and ``total``.
    """

    question: str
    text: str
    abstained: bool
    citations: tuple[Citation, ...]
    timings_ms: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class _Pick:
    chunk: Chunk
    span: tuple[int, int] | None
    text: str


class Answerer:
    """Answers questions from the retriever's index.

    Args:
        retriever: The loaded retriever (its index holds the chunks and cards).
        mode: The retrieval mode.
    """

    def __init__(self, retriever: Retriever, *, mode: str = "hybrid") -> None:
        self.retriever = retriever
        self.mode = mode
        chunks = retriever.index.chunks
        self._cards = [c for c in chunks if c.card is not None]
        self._sides: dict[str, tuple[set[str], set[str]]] = {}
        names: set[str] = set()
        for chunk in self._cards:
            card = chunk.card
            assert card is not None
            jp = name_components(card.japanese)
            fr = name_components(card.foreign)
            self._sides[chunk.id] = (jp, fr)
            names |= jp | fr
        self._names = frozenset(names)
        self._corpus = "\n".join(fold_nfkc(c.text) for c in chunks)
        self._chunks = chunks
        #: Field labels: short lines that head a value in at least three sections.
        seen: dict[str, int] = {}
        for c in chunks:
            if c.kind == "section":
                for label in {m.group(1).strip() for m in _LABEL.finditer(c.text)}:
                    seen[label] = seen.get(label, 0) + 1
        self._labels = frozenset(k for k, n in seen.items() if n >= 3) - _GENERIC_LABELS
        self._card_departments = "\n".join(
            fold_nfkc(c.card.department) for c in self._cards if c.card
        )

    def analyze(self, question: str) -> Question:
        """The question's analysis, against the corpus's place names."""
        return analyze(question, self._names)

    def answer(self, question: str, *, k: int = 5, filters: Filters | None = None) -> Answer:
        """Answer ``question`` from the documents, with citations; abstain when they do not say."""
        t0 = time.perf_counter()
        q = self.analyze(question or "")
        hits = (
            self.retriever.search(q.text, mode=self.mode, k=max(k, 20), filters=filters)
            if q.text
            else []
        )
        t1 = time.perf_counter()
        pick = self._pick(q, hits) if hits else None
        shown = hits[:k]
        if pick is None or not pick.text:
            text, abstained = ABSTAIN[q.lang], True
            citations = self._citations(shown, None)
        else:
            text, abstained = pick.text, False
            if q.lang == "en" and q.kind == "date":
                text = f"Date: {text}"
            citations = self._citations(shown, pick)
        t2 = time.perf_counter()
        timings = {
            "retrieve": (t1 - t0) * 1000,
            "answer": (t2 - t1) * 1000,
            "total": (t2 - t0) * 1000,
        }
        return Answer(question, text, abstained, citations, timings)

    # --- choosing the answering chunk -------------------------------------------

    def _pick(self, q: Question, hits: list[Hit]) -> _Pick | None:
        if self._names_unknown(q):
            return None
        offices = [
            o
            for o in _OFFICE.findall(q.text)
            if not o.startswith(("担当", "窓口")) and o not in self._card_departments
        ]
        if offices and q.kind in ("phone", "email"):
            return self._office_line(q, offices[0])
        ranked = {h.chunk.id: h.rank for h in hits}
        covering = [c for c in self._cards if self._covers(c, q.places)] if q.places else []
        covering.sort(key=lambda c: ranked.get(c.id, 10_000))
        top = hits[0].chunk
        card: Chunk | None = None
        if covering and (ranked.get(covering[0].id, 10_000) <= 5 or len(q.places) >= 2):
            card = covering[0]
        elif len(q.places) >= 2 and (top.card is not None or q.kind in _FIELD_KINDS):
            return None  # a named pair with no agreement in the documents
        elif top.card is not None and not covering:
            card = top
        if card is not None:
            return self._from_card(q, card)
        return self._from_sections(q, hits)

    def _names_unknown(self, q: Question) -> bool:
        """A Japanese question names a place, or an ordinal, that no document holds."""
        if q.lang in ("ja", "en"):
            for token in _PLACE_TOKEN.findall(q.text):
                if len(token) >= 3 and not token.endswith("都市") and token not in self._corpus:
                    return True
        return any(f"第{n}回" not in self._corpus for n in _ordinals(q.text))

    def _covers(self, chunk: Chunk, places: tuple[str, ...]) -> bool:
        card = chunk.card
        assert card is not None
        names = fold_nfkc(f"{card.japanese} {card.foreign} {chunk.title}")
        return all(p in names for p in places)

    # --- cards ----------------------------------------------------------------

    def _from_card(self, q: Question, chunk: Chunk) -> _Pick | None:
        card = chunk.card
        assert card is not None
        kind = q.kind
        if kind == "date":
            return _field(chunk, card.date_text if re.search(r"\d", card.date_text) else "")
        if kind == "phone":
            return _field(chunk, card.phone)
        if kind == "email":
            return _field(chunk, card.email)
        if kind == "url":
            return _field(chunk, card.urls[0] if card.urls else "")
        if kind == "department":
            return _field(chunk, card.department)
        if kind == "contact":
            return _contact(chunk, card)
        if kind == "place" and re.search(r"どこの国|どの国|国は|国に|country", q.text):
            return _field(chunk, card.foreign)
        if kind in ("place", "person"):
            if self._both_sides_named(q, chunk):
                return _short(_prose(q, chunk, card))
            return _field(chunk, self._partner(q, chunk, card))
        if kind in ("reason", "list", "definition"):
            return _prose(q, chunk, card)
        if kind == "count":
            return _best_line(q, [chunk], _COUNT_RE)
        if q.places and not self._both_sides_named(q, chunk):
            return _field(chunk, self._partner(q, chunk, card))
        return _short(_prose(q, chunk, card))

    def _both_sides_named(self, q: Question, chunk: Chunk) -> bool:
        card = chunk.card
        assert card is not None
        jp, fr = fold_nfkc(card.japanese), fold_nfkc(card.foreign)
        return any(p in jp for p in q.places) and any(p in fr for p in q.places)

    def _partner(self, q: Question, chunk: Chunk, card: Card) -> str:
        jp, fr = self._sides[chunk.id]
        named_jp = any(p in jp for p in q.places)
        named_fr = any(p in fr for p in q.places)
        if named_fr and not named_jp:
            return card.japanese
        return card.foreign

    # --- sections ---------------------------------------------------------------

    def _from_sections(self, q: Question, hits: list[Hit]) -> _Pick | None:
        chunks = [h.chunk for h in hits[:5]]
        if q.years:
            marks = [m for y in q.years for m in _year_marks(y)]
            dated = [c for c in chunks if any(m in fold_nfkc(c.text) for m in marks)]
            if not dated:
                return None
            chunks = dated
        labelled = None if q.kind in _FIELD_KINDS else self._labelled(q, chunks)
        if labelled is not None:
            return labelled
        if _WHICH_PROGRAMME.search(q.text):
            for chunk in chunks:
                span = locate(chunk.text, chunk.title) if chunk.kind == "section" else None
                if span is not None:
                    return _Pick(chunk, span, chunk.text[span[0] : span[1]])
        if q.kind in ("phone", "email", "contact", "department"):
            for chunk in chunks:
                if chunk.kind != "section":
                    continue
                m = _CONTACT_OF.search(chunk.text)
                if m is None:
                    continue
                office = m.group(1).strip()
                if q.kind in ("phone", "email"):
                    own = _KIND_RE[q.kind].search(chunk.text, m.start())
                    if own is not None:
                        return _Pick(chunk, own.span(), own.group(0))
                    parts = [office, *re.split(r"[、,/・\s]+", office)]
                    parts += _OFFICE.findall(chunk.text)
                    for part in dict.fromkeys(parts):
                        if len(part) >= 2 and (pick := self._office_line(q, part)):
                            return pick
                    return None
                span = (m.start(1), m.start(1) + len(office))
                return _Pick(chunk, span, office)
        return _best_line(q, chunks, _KIND_RE.get(q.kind))

    def _labelled(self, q: Question, chunks: list[Chunk]) -> _Pick | None:
        """A section's ``label`` line followed by its value, for a label the question names."""
        for chunk in chunks:
            if chunk.kind != "section":
                continue
            for m in _LABEL.finditer(chunk.text):
                label = m.group(1).strip()
                if label in self._labels and label in q.text:
                    value = m.group(2).strip()
                    start = chunk.text.find(value, m.start(2))
                    return _Pick(chunk, (start, start + len(value)), value)
        return None

    def _office_line(self, q: Question, office: str) -> _Pick | None:
        """The line that gives ``office``'s phone number or e-mail, anywhere in the documents."""
        pattern = _KIND_RE[q.kind]
        for chunk in self._chunks:
            pos = chunk.text.find(office)
            while pos >= 0:
                line_end = chunk.text.find("\n", pos)
                line_end = len(chunk.text) if line_end < 0 else line_end
                m = pattern.search(chunk.text, pos, line_end)
                if m is not None:
                    start, end = pos, m.end()
                    if end - start > _CONCISE:
                        start = m.start()
                    return _Pick(chunk, (start, end), chunk.text[start:end])
                pos = chunk.text.find(office, pos + 1)
        return None

    # --- citations --------------------------------------------------------------

    def _citations(self, hits: list[Hit], pick: _Pick | None) -> tuple[Citation, ...]:
        out: list[Citation] = []
        if pick is not None:
            score = next((h.score for h in hits if h.chunk.id == pick.chunk.id), 0.0)
            out.append(_citation(1, pick.chunk, pick.span, score))
        for h in hits:
            if pick is not None and h.chunk.id == pick.chunk.id:
                continue
            out.append(_citation(len(out) + 1, h.chunk, None, h.score))
        return tuple(out)


# --- helpers ------------------------------------------------------------------


def _ordinals(text: str) -> list[str]:
    return [a or b for a, b in _ORDINAL.findall(text)]


def _units(text: str) -> list[tuple[int, int]]:
    """Sentences and table lines of ``text``; lines wrapped by layout are joined."""
    out: list[tuple[int, int]] = []
    pos = 0
    joining = False
    for line in text.split("\n"):
        start, end = pos, pos + len(line)
        pos = end + 1
        if not line.strip():
            joining = False
            continue
        if joining and out:
            out[-1] = (out[-1][0], end)
        else:
            out.append((start, end))
        joining = len(line) >= 35 and "\t" not in line and not line.rstrip().endswith("。")
    units: list[tuple[int, int]] = []
    for start, end in out:
        for m in _SENTENCE.finditer(text.replace("\n", " "), start, end):
            units.append((m.start(), m.end()))
    return units


def _year_marks(year: int) -> list[str]:
    marks = [str(year)]
    if year >= 2019:
        marks.append(f"令和{year - 2018}年")
    if 1989 <= year <= 2019:
        marks.append(f"平成{year - 1988}年")
    return marks


def locate(text: str, value: str) -> tuple[int, int] | None:
    """Where ``value`` is in ``text``, exactly or after NFKC folding and removing whitespace."""
    value = value.strip()
    if not value:
        return None
    i = text.find(value)
    if i >= 0:
        return i, i + len(value)
    folded: list[str] = []
    index: list[int] = []
    for pos, ch in enumerate(text):
        for f in unicodedata.normalize("NFKC", ch):
            if not f.isspace():
                folded.append(f)
                index.append(pos)
    target = fold_nfkc(value)
    j = "".join(folded).find(target) if target else -1
    if j < 0:
        return None
    return index[j], index[j + len(target) - 1] + 1


def _field(chunk: Chunk, value: str) -> _Pick | None:
    value = value.strip()
    if not value or not re.search(r"\w", value):
        return None
    span = locate(chunk.text, value)
    text = chunk.text[span[0] : span[1]] if span else value
    return _Pick(chunk, span, _cut(text, _CONCISE))


def _contact(chunk: Chunk, card: Card) -> _Pick | None:
    parts = [p for p in (card.department, card.phone, card.email) if p.strip()]
    if not parts:
        return None
    spans = [s for s in (locate(chunk.text, p) for p in parts) if s]
    span = (min(s[0] for s in spans), max(s[1] for s in spans)) if spans else None
    if span is not None and span[1] - span[0] <= _CONCISE:
        return _Pick(chunk, span, chunk.text[span[0] : span[1]])
    return _Pick(chunk, span, _cut(" / ".join(parts), _CONCISE))


def _bigrams(text: str) -> set[str]:
    t = [ch for ch in fold_nfkc(text) if ch not in _STOP]
    return {a + b for a, b in itertools.pairwise(t)} | set(t)


def _prose(q: Question, chunk: Chunk, card: Card) -> _Pick | None:
    text = q.text
    if q.kind == "reason":
        order = [card.background, card.activities, ""]
    elif any(c in text for c in ("課題", "成果")):
        order = [card.outcomes, "", ""]
    else:
        order = [card.activities, card.outcomes, ""]
    qgrams = (
        _bigrams(text) - set().union(*(_bigrams(p) for p in q.places))
        if q.places
        else _bigrams(text)
    )
    best: tuple[float, str] | None = None
    for weight, value in zip((1.0, 0.6, 0.4), order, strict=True):
        for m in _SENTENCE.finditer(value):
            sentence = m.group(0).strip()
            if len(sentence) < 4:
                continue
            score = weight * (1 + len(qgrams & _bigrams(sentence)))
            if best is None or score > best[0]:
                best = (score, sentence)
    if best is None:
        return None
    return _field_long(chunk, best[1])


def _field_long(chunk: Chunk, value: str) -> _Pick:
    span = locate(chunk.text, value)
    text = chunk.text[span[0] : span[1]] if span else value
    return _Pick(chunk, span, _cut(text, _LONG))


def _best_line(q: Question, chunks: list[Chunk], pattern: re.Pattern[str] | None) -> _Pick | None:
    qgrams = _bigrams(q.text)
    limit = _LONG if q.kind in _LONG_KINDS else _CONCISE
    unit_hint = next(
        (u for u in ("件", "人", "名", "か所", "ヵ所", "カ所", "位", "回") if f"何{u}" in q.text),
        None,
    )
    if unit_hint in ("か所", "ヵ所", "カ所"):
        unit_hint = "所"
    ordinals = [f"第{n}回" for n in _ordinals(q.text)]
    asked = fold_nfkc(q.text)
    named = set(q.places) | {fold_nfkc(t) for t in _PLACE_TOKEN.findall(q.text)}
    named |= {n for c in q.countries for n in (c, *COUNTRIES.get(c, ()))}
    marks = [m for y in q.years for m in _year_marks(y)]
    best: tuple[float, Chunk, int, int] | None = None
    for rank, chunk in enumerate(chunks):
        for start, end in _units(chunk.text):
            line = chunk.text[start:end]
            if len(line.strip()) < 2 or line.strip() == chunk.title:
                continue
            folded = fold_nfkc(line)
            if folded in asked:
                continue  # a line the question already says answers nothing
            if ordinals and not any(o in folded for o in ordinals):
                continue
            if pattern is not None:
                found = list(pattern.finditer(line))
                if not found:
                    continue
                if unit_hint and not any(unit_hint in f.group(0) for f in found):
                    continue
                bonus = 0.0
            else:
                bonus = 0.0
            if marks and any(mk in folded for mk in marks):
                bonus += 3.0
            bonus += 4.0 * sum(1 for p in named if p in folded)
            score = len(qgrams & _bigrams(line)) + bonus - 1.5 * rank
            if best is None or score > best[0]:
                best = (score, chunk, start, end)
    if best is None:
        return None
    _, chunk, start, end = best
    line = chunk.text[start:end]
    lead = len(line) - len(line.lstrip())
    start, end = start + lead, start + len(line.rstrip())
    if end - start > limit:
        match = pattern.search(chunk.text, start, end) if pattern is not None else None
        if match is not None:
            start = max(start, match.start() - (limit - (match.end() - match.start())) // 2)
        end = min(end, start + limit)
    if end <= start:
        return None
    return _Pick(chunk, (start, end), chunk.text[start:end])


def _short(pick: _Pick | None) -> _Pick | None:
    """A concise answer: the pick cut to the concise limit."""
    if pick is None or len(pick.text) <= _CONCISE:
        return pick
    span = (pick.span[0], pick.span[0] + _CONCISE) if pick.span else None
    return _Pick(pick.chunk, span, pick.text[:_CONCISE])


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit]


def _citation(rank: int, chunk: Chunk, span: tuple[int, int] | None, score: float) -> Citation:
    source: tuple[int, int] | None = None
    if span is not None:
        try:
            source = chunk.source_span(*span)
        except ValueError:
            source = None
    return Citation(rank, chunk.id, chunk.doc, chunk.title, chunk.text, span, source, score)
