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

from qa.names import NameIndex
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
_FIELD_KINDS = {"date", "phone", "fax", "email", "department", "contact", "url"}
#: Kinds that give a way to reach an office.
_CONTACT_KINDS = {"phone", "fax", "email", "contact", "department"}

_DATE_RE = re.compile(
    r"(?:明治|大正|昭和|平成|令和)\s*(?:\d+|元)\s*(?:[（(]\s*\d{4}\s*[)）])?\s*年(?:\s*\d+\s*月)?(?:\s*\d+\s*日)?"
    r"|\d{4}\s*年(?:\s*\d+\s*月)?(?:\s*\d+\s*日)?|\d{4}年度"
    r"|(?:毎年|例年)\s*\d{1,2}\s*月|\d{1,2}\s*(?:か月|ヶ月|カ月|ヵ月|週間|日)前"
)
#: A count, a range of counts ("年に2~3回"), a rank or a share.
_COUNT_RE = re.compile(
    r"(?<![\d,])(?:(?:年|月|週)に\s*)?(?:(?:のべ|延べ|約|計|合計)\s*)?\d[\d,]*"
    r"(?:\s*[~～〜-]\s*\d+)?\s*(?:件|か所|ヵ所|カ所|ヶ所|箇所|名|人|回|校|団体|都市|位|航路|便|社|%|％)"
)
_MONEY_RE = re.compile(r"\d[\d,.]*\s*(?:万|億|千)?\s*(?:円|元|ドル|ユーロ)")
_PHONE_RE = re.compile(r"\+\d{1,3}-\(0\)\d{1,4}-\d{1,4}-\d{3,4}|\d{2,5}-\d{1,4}-\d{3,4}")
_FAX_RE = re.compile(r"(?:FAX|Fax|fax|ファックス|ファクス)\s*[:：]?\s*(" + _PHONE_RE.pattern + ")")
_EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_URL_RE = re.compile(r"https?://\S+")
_KIND_RE = {
    "date": _DATE_RE,
    "count": _COUNT_RE,
    "phone": _PHONE_RE,
    "fax": _FAX_RE,
    "amount": _MONEY_RE,
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
#: The same on one line: "主な対象 企業".
_INLINE = re.compile(r"^([^\s\d]{2,8})[ \t\u3000:：]+([^\n]+)$", re.MULTILINE)
_GENERIC_LABELS = {"連絡先", "手続き"}
#: Place names in the brochures' running text (福建省, アモイ市), for cross-script matching.
_SECTION_PLACE = re.compile(r"(?<![各本当同全両])[\u4e00-\u9fffァ-ヶー]{2,5}?(?:省|市|県|州)")
#: "Which department signed": the signing unit in the agreement's title, not the contact.
_SIGNED = re.compile(r"签署|署名|締結した|結んだ|signed")
_ORDINAL = re.compile(r"第\s*(\d+)\s*(?:回|届)|\b(\d+)(?:st|nd|rd|th)\b")
_SENTENCE = re.compile(r"[^。\n]+。?")
#: A line that starts a row, bullet or label of its own.
_ROW_START = re.compile(
    r"\s*(?:\d{4}\s*年|第\s*\d+\s*回|[・●■○◆※\-【]|[A-Za-z][A-Za-z -]*\s*[:：]|\d+[.)）]"
    r"|[\u4e00-\u9fff]{1,4}\s*[:：])"
)
#: Answers to "where": a place or a venue not named in the question.
_VENUE = re.compile(
    r"[\u4e00-\u9fffァ-ヶー]{2,}?(?:省|市|県|州|町|村|館|店|センター|ホテル|大学|室|楼)"
)
#: Answers to "who": a person named with a role.
_ROLE = re.compile(r"(?:市長|知事|所長|大使|理事長|会長|町長|村長|区長|局長|部長|総領事|氏|さん)")
#: Asked for a field the card may leave empty.
_ASKS_BACKGROUND = re.compile(
    r"経緯|背景|きっかけ|なぜ|理由|why|background|reason|原因|为什么"
)
_ASKS_OUTCOME = re.compile(r"成果|課題|outcome|result|challenge|成效|课题")
_ASKS_CHALLENGE = re.compile(r"課題|challenge|issue|课题|问题")
_HAN_OR_KANA = re.compile(r"[\u3040-\u30ff\u3400-\u9fff]")
_YEAR4 = re.compile(r"(?<!\d)(?:19|20)\d{2}(?!\d)")
#: A heading line that dates the lines under it: "2021年度実績", "-2022年度任用状況".
_YEAR_HEADING = re.compile(r"^[-・●■\s]*(?:FY)?\d{4}年度?[^\d\s]{0,6}$")
#: "How often" and its answers.
_FREQUENCY_Q = re.compile(r"頻度|how often|多久|频率")
_FREQUENCY = re.compile(r"(?:年|月|週)に\s*\d|毎年|毎月|毎週|隔年")
#: Words that ask for a table's total column.
_TOTAL = re.compile(r"合計|合计|総数|总数|共有|一共|total|in all", re.IGNORECASE)
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
        generator: What wrote ``text``: ``"extractive"``, or ``"llm:<model>"`` for an
            answer rewritten by a language model (:mod:`qa.generate`).
        fallback_reason: Why a configured language model's answer was not used
            (``"timeout"``, ``"unknown citation: [7]"``…); ``None`` otherwise.
    """

    question: str
    text: str
    abstained: bool
    citations: tuple[Citation, ...]
    timings_ms: dict[str, float] = field(default_factory=dict)
    generator: str = "extractive"
    fallback_reason: str | None = None


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
        # Places the brochures name (福建省アモイ市), for English and Chinese questions.
        places = {
            m.group(0)
            for c in chunks
            if c.kind == "section"
            for m in _SECTION_PLACE.finditer(fold_nfkc(c.text))
        }
        self._name_index = NameIndex.build(names | places)
        self._corpus = "\n".join(fold_nfkc(c.text) for c in chunks)
        self._chunks = chunks
        #: Each document's title and edition, which name the year it covers (FY2021, 2018).
        self._edition = {
            doc: fold_nfkc(f"{meta.get('title', '')} {meta.get('edition', '')}")
            for doc, meta in retriever.index.manifest.documents.items()
        }
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
        return analyze(question, self._names, self._name_index)

    def answer(self, question: str, *, k: int = 5, filters: Filters | None = None) -> Answer:
        """Answer ``question`` from the documents, with citations; abstain when they do not say."""
        t0 = time.perf_counter()
        q = self.analyze(question or "")
        hits = (
            self.retriever.search(q.lexical, mode=self.mode, k=max(k, 20), filters=filters)
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
        if self._names_unknown(q) or _asks_nothing(q):
            return None
        offices = [
            o
            for o in _OFFICE.findall(q.text)
            if not o.startswith(("担当", "窓口")) and o not in self._card_departments
        ]
        if offices and q.kind in ("phone", "fax", "email"):
            return self._office_line(q, offices[0])
        ranked = {h.chunk.id: h.rank for h in hits}
        covering = [c for c in self._cards if self._covers(c, q.places)] if q.places else []
        if q.order and q.places and q.kind in ("place", "person", "other"):
            # "青森市の平澤市・大連市・ケチケメート市との協定のうち最も早い": the first
            # place named, with any of the others.
            first, others = q.places[0], q.places[1:]
            pool = [
                c
                for c in self._cards
                if self._covers(c, (first,))
                and (not others or any(self._covers(c, (o,)) for o in others))
            ]
            if len(pool) >= 2:
                return self._compare(q, pool)
        if q.lang == "ja":
            covering.sort(key=lambda c: ranked.get(c.id, 10_000))
        else:  # the question's words are not the card's: its topic tells the field
            covering.sort(key=lambda c: (-self._topic_match(q, c), ranked.get(c.id, 10_000)))
        top = hits[0].chunk
        first_section = next((h.rank for h in hits if h.chunk.card is None), 10_000)
        card: Chunk | None = None
        card_rank = ranked.get(covering[0].id, 10_000) if covering else 10_000
        if covering and ((card_rank <= 5 and card_rank < first_section) or len(q.places) >= 2):
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
        if q.lang == "ja":
            for token in _PLACE_TOKEN.findall(q.text):
                if len(token) >= 3 and not token.endswith("都市") and token not in self._corpus:
                    return True
        return any(f"第{n}回" not in self._corpus for n in _ordinals(q.text))

    def _covers(self, chunk: Chunk, places: tuple[str, ...]) -> bool:
        card = chunk.card
        assert card is not None
        names = fold_nfkc(f"{card.japanese} {card.foreign} {chunk.title}")
        return all(p in names for p in places)

    def _topic_match(self, q: Question, chunk: Chunk) -> int:
        """1 when the card's field of exchange is one the question's topic words point to."""
        card = chunk.card
        assert card is not None
        return int(any(f.startswith(t) for f in card.fields for t in q.topics))

    def _compare(self, q: Question, covering: list[Chunk]) -> _Pick | None:
        """The earliest (or latest) of the named municipality's agreements: its partner."""
        pool = [c for c in covering if c.card is not None and c.card.date_iso]
        if len(pool) < 2:
            return None
        chosen = sorted(pool, key=lambda c: c.card.date_iso, reverse=q.order == "latest")[0]
        card = chosen.card
        assert card is not None
        return _field(chosen, self._partner(q, chosen, card))

    # --- cards ----------------------------------------------------------------

    def _from_card(self, q: Question, chunk: Chunk) -> _Pick | None:
        card = chunk.card
        assert card is not None
        kind = q.kind
        if kind == "date":
            return _field(chunk, card.date_text if re.search(r"\d", card.date_text) else "")
        if kind == "phone":
            return _field(chunk, card.phone)
        if kind in ("fax", "amount"):
            return _prose_match(chunk, _KIND_RE[kind])
        if kind == "email":
            return _field(chunk, card.email)
        if kind == "url":
            return _field(chunk, card.urls[0] if card.urls else "")
        if kind == "department":
            if _SIGNED.search(q.text):
                return _field(chunk, _signing_unit(card) or "")
            return _field(chunk, card.department)
        if kind == "contact":
            return _contact(chunk, card)
        if q.side is not None and kind in ("place", "person", "other"):
            return _field(chunk, card.japanese if q.side == "japanese" else card.foreign)
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

    def _dated(self, chunk: Chunk, marks: list[str]) -> bool:
        """The chunk, or its document's title or edition, names one of the years asked about."""
        text = fold_nfkc(f"{chunk.title}\n{chunk.text}\n{self._edition.get(chunk.doc, '')}")
        return any(m in text for m in marks)

    def _from_sections(self, q: Question, hits: list[Hit]) -> _Pick | None:
        chunks = [h.chunk for h in hits[:5]]
        if q.years:
            marks = [m for y in q.years for m in _year_marks(y)]
            dated = [c for c in chunks if self._dated(c, marks)]
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
        if q.kind in _CONTACT_KINDS:
            pick = self._section_contact(q, chunks)
            if pick is not None or q.kind in ("fax", "department", "contact"):
                return self._where_named(q, pick)
        return self._where_named(
            q, _best_line(q, chunks, _KIND_RE.get(q.kind), self._edition)
        )

    def _section_contact(self, q: Question, chunks: list[Chunk]) -> _Pick | None:
        """A programme's 連絡先 office, or its phone / fax / e-mail."""
        for chunk in chunks:
            if chunk.kind != "section":
                continue
            if q.kind == "fax":
                faxes = list(_FAX_RE.finditer(chunk.text))
                if not faxes:
                    continue
                # With places named, the number nearest after one ("東京本部 … FAX").
                m = min(faxes, key=lambda m: _distance_after(chunk.text, q.places, m.start()))
                return _Pick(chunk, m.span(1), m.group(1))
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
                continue
            span = (m.start(1), m.start(1) + len(office))
            return _Pick(chunk, span, office)
        return None

    def _where_named(self, q: Question, pick: _Pick | None) -> _Pick | None:
        """A section answer stands only where the answering passage holds the places named.

        "CLAIR's New York office's phone" is not answered by the Tokyo office's number.
        """
        if pick is None or not q.places or pick.chunk.kind != "section":
            return pick
        text = fold_nfkc(f"{pick.chunk.title}\n{' '.join(pick.chunk.heading)}\n{pick.chunk.text}")
        return pick if any(p in text for p in q.places) else None

    def _labelled(self, q: Question, chunks: list[Chunk]) -> _Pick | None:
        """A section's ``label`` line followed by its value, for a label the question names.

        Of the sections holding that label, the one whose title shares most with
        the question answers ("EPA活用セミナーの主な対象" → the EPA seminar's).
        """
        found: list[tuple[int, int, _Pick]] = []
        qgrams = _bigrams(q.lexical)
        for rank, chunk in enumerate(chunks):
            if chunk.kind != "section":
                continue
            for m in itertools.chain(_LABEL.finditer(chunk.text), _INLINE.finditer(chunk.text)):
                label = m.group(1).strip()
                if label in self._labels and label in q.lexical:
                    value = m.group(2).strip()
                    start = chunk.text.find(value, m.start(2))
                    pick = _Pick(chunk, (start, start + len(value)), value)
                    found.append((-len(qgrams & _bigrams(chunk.title)), rank, pick))
                    break
        return min(found, key=lambda f: f[:2])[2] if found else None

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
                    span = m.span(1) if pattern.groups else m.span()
                    start, end = pos, span[1]
                    if end - start > _CONCISE:
                        start = span[0]
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


def _asks_nothing(q: Question) -> bool:
    """A question with no kind, no Japanese or Chinese words and nothing it names.

    "<script>alert(1)</script>" or "ignore your instructions…" are not asked of
    the documents: whatever line came closest would be an arbitrary answer.
    """
    return (
        q.kind == "other"
        and not _HAN_OR_KANA.search(q.text)
        and not (q.places or q.years or q.countries or q.topics)
    )


def _ordinals(text: str) -> list[str]:
    return [a or b for a, b in _ORDINAL.findall(text)]


def _units(text: str) -> list[tuple[int, int]]:
    """Sentences and table lines of ``text``.

    A long line that does not end a sentence is joined with the next one (the
    PDF wrapped it), unless the next line starts a row, a bullet or a label of
    its own (a date, 第N回, ・, "TEL:").
    """
    out: list[tuple[int, int]] = []
    pos = 0
    joining = False
    for line in text.split("\n"):
        start, end = pos, pos + len(line)
        pos = end + 1
        if not line.strip():
            joining = False
            continue
        if joining and out and not _ROW_START.match(line):
            out[-1] = (out[-1][0], end)
        else:
            out.append((start, end))
        joining = len(line) >= 35 and "\t" not in line and not line.rstrip().endswith("。")
    units: list[tuple[int, int]] = []
    for start, end in out:
        for m in _SENTENCE.finditer(text.replace("\n", " "), start, end):
            units.append((m.start(), m.end()))
    return units


def _distance_after(text: str, places: tuple[str, ...], pos: int) -> int:
    """How far ``pos`` is after the last mention of one of ``places`` before it."""
    if not places:
        return 0
    before = [text.rfind(p, 0, pos) for p in places]
    found = [b for b in before if b >= 0]
    return pos - max(found) if found else len(text) + pos


def _ordinal_at(text: str, m: re.Match[str]) -> bool:
    """``m`` is the N of 第N回, an ordinal, not a count."""
    return m.group(0).endswith("回") and text[max(0, m.start() - 1) : m.start()] == "第"


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
    """Characters and character pairs of ``text``, particles and punctuation left out."""
    t = [ch for ch in fold_nfkc(text) if ch not in _STOP]
    return {a + b for a, b in itertools.pairwise(t)} | set(t)


def _prose(q: Question, chunk: Chunk, card: Card) -> _Pick | None:
    """The card sentence that answers a reason / list / definition question.

    When the question asks for the card's background or its outcomes and the
    card leaves that part empty, the documents do not say: no answer.
    """
    text = q.lexical
    if q.kind == "reason":
        if _ASKS_BACKGROUND.search(text) and not card.background.strip():
            return None
        order = [card.background, card.activities, ""]
    elif _ASKS_OUTCOME.search(text):
        if not card.outcomes.strip():
            return None
        order = [_outcome_part(card.outcomes, text), "", ""]
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


def _outcome_part(outcomes: str, question: str) -> str:
    """The 【課題】 or 【成果】 part of a card's outcomes that the question asks for, else all."""
    parts = dict(re.findall(r"【(成果|課題)】([^【]*)", outcomes))
    if _ASKS_CHALLENGE.search(question) and parts.get("課題", "").strip():
        return parts["課題"]
    if "成果" in question and parts.get("成果", "").strip():
        return parts["成果"]
    return outcomes


def _prose_match(chunk: Chunk, pattern: re.Pattern[str]) -> _Pick | None:
    """The first ``pattern`` match in the card (a fax number, an amount), or none."""
    m = pattern.search(chunk.text)
    if m is None:
        return None
    span = m.span(1) if pattern.groups else m.span()
    return _Pick(chunk, span, chunk.text[span[0] : span[1]])


def _signing_unit(card: Card) -> str | None:
    """The Japanese side's signing unit in the agreement title: 静岡県健康福祉部 → 健康福祉部."""
    title = fold_nfkc(card.title)
    for name in sorted(name_components(card.japanese), key=len, reverse=True):
        m = re.search(re.escape(name) + r"([^\s、と・の]{1,12}?(?:部|局|課|庁|室))", title)
        if m is not None:
            return m.group(1)
    return None


def _field_long(chunk: Chunk, value: str) -> _Pick:
    span = locate(chunk.text, value)
    text = chunk.text[span[0] : span[1]] if span else value
    return _Pick(chunk, span, _cut(text, _LONG))


def _best_line(
    q: Question,
    chunks: list[Chunk],
    pattern: re.Pattern[str] | None,
    editions: dict[str, str] | None = None,
) -> _Pick | None:
    """The sentence or table line of ``chunks`` that best answers ``q``, cut to the answer.

    A line must hold an answer of the asked kind (``pattern``) that the
    question does not already say, and say something the question does not.
    Where the question names a year, a line of a chunk that covers several
    years must name it. Lines with the mark of the asked kind (a person's
    role for "who", a venue for "where", the question's own "年に何回" with a
    number) come before lines without; then lines sharing most character
    pairs with the question, in the better-ranked chunk, win. ``editions``
    (document → title and edition) tells which documents are of the year asked.
    """
    editions = editions or {}
    qgrams = _pairs(_strip_years(q.lexical))
    limit = _LONG if q.kind in _LONG_KINDS else _CONCISE
    unit_hint = next(
        (u for u in ("件", "人", "名", "か所", "ヵ所", "カ所", "位", "回") if f"何{u}" in q.text),
        None,
    )
    if unit_hint in ("か所", "ヵ所", "カ所"):
        unit_hint = "所"
    if "割合" in q.text or "percent" in q.text.lower() or "比例" in q.text:
        unit_hint = "%"
    ordinals = [f"第{n}回" for n in _ordinals(q.text)]
    asked = fold_nfkc(q.lexical)
    named = set(q.places) | {fold_nfkc(t) for t in _PLACE_TOKEN.findall(q.text)}
    named |= {n for c in q.countries for n in (c, *COUNTRIES.get(c, ()))}
    marks = [m for y in q.years for m in _year_marks(y)]
    if "年度" in q.text or "FY" in q.text.upper():  # a fiscal year runs to March of the next
        marks += [f"{y + 1}年{month}月" for y in q.years for month in (1, 2, 3)]
    years_asked = {str(y) for y in q.years}
    wanted = _kind_mark(q)
    best: tuple[tuple[int, float], Chunk, int, int, list[re.Match[str]]] | None = None
    for rank, chunk in enumerate(chunks):
        several_years = bool(set(_YEAR4.findall(chunk.text)) - years_asked)
        edition = bool(marks) and any(mk in editions.get(chunk.doc, "") for mk in marks)
        title = _pairs(chunk.title)
        title_bonus = 0.5 * len(qgrams & title)
        # The title's words found the chunk; within it, the question's other words find the line.
        line_grams = qgrams - title if len(qgrams - title) >= 2 else qgrams
        context = ""  # the year of the last short heading line ("2021年度実績")
        for start, end in _units(chunk.text):
            line = chunk.text[start:end]
            folded = fold_nfkc(line)
            if _YEAR_HEADING.match(folded):
                context = folded
            if len(line.strip()) < 2 or line.strip() == chunk.title:
                continue
            if folded in asked:
                continue  # a line the question already says answers nothing
            if ordinals and not any(o in folded for o in ordinals):
                continue
            has_year = False
            if marks:
                if context and not any(mk in context for mk in marks):
                    continue  # under another year's heading
                own = any(mk in folded for mk in marks)
                if not own and _YEAR4.search(folded):
                    continue  # names only other years
                has_year = bool(context) or own
                if not has_year and several_years and not edition:
                    continue  # another year's line
            grams = _bigrams(line)
            if len(grams - _bigrams(q.lexical)) < 2:
                continue
            found: list[re.Match[str]] = []
            if pattern is not None:
                found = [
                    m
                    for m in pattern.finditer(chunk.text, start, end)
                    if fold_nfkc(m.group(0)) not in asked and not _ordinal_at(chunk.text, m)
                ]
                if unit_hint:
                    found = [m for m in found if unit_hint in fold_nfkc(m.group(0))]
                if q.kind == "date" and marks:
                    found = [m for m in found if any(mk in fold_nfkc(m.group(0)) for mk in marks)]
                if not found:
                    continue
            bonus = (6.0 if several_years else 3.0) if has_year else 0.0
            bonus += 4.0 * sum(1 for p in named if p in folded)
            tier = 1 if wanted is not None and wanted(line, asked) else 0
            if q.kind == "count" and len(found) >= 3 and _table_cell(q, chunk, start, found):
                tier = 2  # a table row under a column the question names
            score = len(line_grams & _pairs(line)) + title_bonus + bonus - 1.5 * rank
            if best is None or (tier, score) > best[0]:
                best = ((tier, score), chunk, start, end, found)
    if best is None:
        return None
    _, chunk, start, end, found = best
    if q.kind == "count" and len(found) >= 3:
        cell = _table_cell(q, chunk, start, found)
        if cell is not None:
            return cell
    line = chunk.text[start:end]
    lead = len(line) - len(line.lstrip())
    start, end = start + lead, start + len(line.rstrip())
    if end - start > limit:
        start, end = _window(chunk.text, start, end, limit, qgrams, found)
    if end <= start:
        return None
    return _Pick(chunk, (start, end), chunk.text[start:end])


def _kind_mark(q: Question):
    """A test for the mark of an answer of the asked kind in a line, or None."""
    if q.kind == "person":
        return lambda line, asked: _ROLE.search(line) is not None
    if q.kind == "place":
        return lambda line, asked: any(fold_nfkc(v) not in asked for v in _VENUE.findall(line))
    if q.kind == "count":
        if _FREQUENCY_Q.search(q.text):
            return lambda line, asked: _FREQUENCY.search(line) is not None
        m = re.search(r"([年月週日]に|のべ|延べ|合計|計)\s*何", q.text)
        if m is not None:
            template = re.compile(re.escape(m.group(1)) + r"\s*\d")
            return lambda line, asked: template.search(line) is not None
    return None


def _pairs(text: str) -> set[str]:
    """Character pairs of ``text`` only (single characters match too much by chance)."""
    return {g for g in _bigrams(text) if len(g) == 2}


def _strip_years(text: str) -> str:
    return _YEAR4.sub("", text)


def _window(
    text: str, start: int, end: int, limit: int, qgrams: set[str], found: list[re.Match[str]]
) -> tuple[int, int]:
    """The ``limit``-character part of ``text[start:end]`` that shares most with the question.

    Windows start at clause boundaries; with answers of the asked kind in the
    line, only windows holding one count.
    """
    starts = sorted(
        {start}
        | {start + m.end() for m in re.finditer(r"[、。,，\s]+", text[start:end])}
        | {start + m.start() for m in re.finditer(r"\d+日\s", text[start:end])}
    )
    starts = [s for s in starts if s < end]
    best: tuple[int, int] | None = None
    best_score = -1
    for s in starts:
        e = min(end, s + limit)
        if found and not any(s <= m.start() and m.end() <= e for m in found):
            continue
        score = len(qgrams & _bigrams(text[s:e]))
        if score > best_score:
            best, best_score = (s, e), score
    if best is None:
        m = found[0]
        s = max(start, m.start() - (limit - (m.end() - m.start())) // 2)
        return s, min(end, s + limit)
    return best


def _table_cell(
    q: Question, chunk: Chunk, row_start: int, cells: list[re.Match[str]]
) -> _Pick | None:
    """The cell of a table row under the column the question names (CIR, 合計).

    The column headers are the last plain words before the row, one per cell
    (parenthesized notes dropped): "ALT (外国語指導助手) CIR … 合計" above
    "2022年度任用者 6人 23人 0人 29人".
    """
    before = chunk.text[max(0, row_start - 400) : row_start]
    words = [
        w
        for w in re.sub(r"[(（][^)）]*[)）]", " ", before).split()
        if not re.search(r"\d", w) and len(w) >= 2
    ]
    headers = words[-len(cells) :]
    if len(headers) != len(cells):
        return None
    asked = fold_nfkc(q.lexical).lower()
    column = None
    if _TOTAL.search(q.text):
        column = next((i for i, h in enumerate(headers) if _TOTAL.search(h)), None)
    if column is None:
        named = [i for i, h in enumerate(headers) if fold_nfkc(h).lower() in asked]
        column = named[0] if len(named) == 1 else None
    if column is None:
        return None
    m = cells[column]
    return _Pick(chunk, m.span(), m.group(0))


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
