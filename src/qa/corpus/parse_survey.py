"""Parse CLAIR's survey of agreements in specific fields (document 002).

The survey has an introduction, two summary tables, a table of contents
listing the 175 entries under nine fields of exchange (①–⑨), then one card
per entry with seven numbered parts. An entry marked 【再掲】 in the table of
contents repeats an agreement listed under another field: it becomes no chunk
of its own, its field is added to the original card's ``fields``.

Card boundaries are found by the card numbers running 1, 2, 3… within each
field, each followed by the part ``(1) 自治体名``; numbered lists inside a
card's text therefore never start a card.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from qa.corpus.parse_common import ParseError, doc_prefix, section_chunk
from qa.corpus.schema import Card, Chunk, Document
from qa.corpus.survey_terms import FIELD_NAMES, countries_in, parse_date, prefectures_in
from qa.corpus.textclean import clean, fold

__all__ = ["parse"]

_FIELD_HEAD = re.compile(r"^[ \t]*([①②③④⑤⑥⑦⑧⑨])[ \t]*(\S[^\t\n]*?)[ \t]*$", re.M)
_NUMBERED = re.compile(r"^[ \t]*((?:\d[ \t]?)+)[ \t]*[.．][ \t]*(.*)$", re.M)
_PART = re.compile(
    r"^[ \t]*[(（][ \t]*([1-7])[ \t]*[)）][ \t]*"
    r"(自治体名|提携年月日|提携に至った経緯|提携後の取組内容|取組による成果・課題等"
    r"|取組を紹介しているホームページの[ \t]*URL|問い合わせ先)[^\n]*$",
    re.M,
)
_REPEAT = "【再掲】"
_EMPTY = re.compile(r"^[-\s－ー—]*$")
_URL = re.compile(r"https?://[^\s<>]+")


@dataclass(frozen=True)
class _Entry:
    """One card as found in the detailed part, before 【再掲】 entries are merged."""

    mark: str
    number: int
    start: int
    end: int
    title_end: int
    repeat: bool


def parse(doc: Document) -> list[Chunk]:
    """Sections of the introduction and table of contents, then one chunk per agreement.

    Raises:
        ParseError: A part of the survey is missing or a card cannot be read.
    """
    text = doc.text
    detail_start = _detail_start(doc)
    toc_start = _find(doc, r"^4[ \t]+調査結果", 0)
    toc_marks = _toc_repeats(doc, toc_start, detail_start)
    entries = _entries(doc, detail_start)
    if len(entries) != len(toc_marks):
        raise ParseError(
            doc,
            detail_start,
            f"{len(entries)} cards found but the table of contents lists {len(toc_marks)}",
        )
    entries = [
        replace(e, repeat=e.repeat or toc_marks.get((e.mark, e.number), False)) for e in entries
    ]
    cards = {(e.mark, e.number): _card(doc, e) for e in entries}
    merged = _merge_repeats(doc, entries, cards)
    chunks = _sections(doc, toc_start, detail_start)
    for e in entries:
        if e.repeat:
            continue
        chunks.append(_card_chunk(doc, e, merged[(e.mark, e.number)]))
    if not text[:detail_start].strip():
        raise ParseError(doc, 0, "no introduction before the cards")
    return chunks


# --- structure ---------------------------------------------------------------


def _find(doc: Document, pattern: str, pos: int) -> int:
    m = re.compile(pattern, re.M).search(doc.text, pos)
    if m is None:
        raise ParseError(doc, pos, f"expected a line matching {pattern!r}")
    return m.start()


def _detail_start(doc: Document) -> int:
    """Offset of the field heading just before the first card part ``(1) 自治体名``."""
    first_part = _PART.search(doc.text)
    if first_part is None:
        raise ParseError(doc, 0, "no card with a part '(1) 自治体名' found")
    heads = [m for m in _FIELD_HEAD.finditer(doc.text, 0, first_part.start())]
    if not heads:
        raise ParseError(doc, first_part.start(), "no field heading (①…⑨) before the first card")
    return heads[-1].start()


def _field_heads(doc: Document, start: int, end: int) -> list[re.Match[str]]:
    # A field heading is a short line naming a field; in the table of contents
    # the field-definition lines also start with ①… but carry a tab and a long text.
    return [
        m
        for m in _FIELD_HEAD.finditer(doc.text, start, end)
        if (len(m.group(2)) <= 16 and "交流" in m.group(2)) or m.group(2).startswith("その他")
    ]


def _toc_repeats(doc: Document, start: int, end: int) -> dict[tuple[str, int], bool]:
    """``(field mark, number) → marked 【再掲】`` for every entry of the table of contents."""
    marks: dict[tuple[str, int], bool] = {}
    heads = _field_heads(doc, start, end)
    if [h.group(1) for h in heads] != list(FIELD_NAMES):
        raise ParseError(doc, start, "the table of contents does not list the fields ①–⑨ in order")
    for i, head in enumerate(heads):
        stop = heads[i + 1].start() if i + 1 < len(heads) else end
        numbered = list(_NUMBERED.finditer(doc.text, head.end(), stop))
        for j, m in enumerate(numbered):
            nxt = numbered[j + 1].start() if j + 1 < len(numbered) else stop
            number = int(re.sub(r"\s", "", m.group(1)))
            if number != j + 1:
                raise ParseError(
                    doc, m.start(), f"contents entry {number} found where {j + 1} was expected"
                )
            marks[(head.group(1), number)] = _REPEAT in doc.text[m.start() : nxt]
    return marks


def _entries(doc: Document, detail_start: int) -> list[_Entry]:
    text = doc.text
    heads = _field_heads(doc, detail_start, len(text))
    if [h.group(1) for h in heads] != list(FIELD_NAMES):
        raise ParseError(
            doc, detail_start, "the cards are not grouped under the fields ①–⑨ in order"
        )
    starts: list[tuple[str, int, re.Match[str]]] = []
    for i, head in enumerate(heads):
        stop = heads[i + 1].start() if i + 1 < len(heads) else len(text)
        expected = 1
        for m in _NUMBERED.finditer(text, head.end(), stop):
            if int(re.sub(r"\s", "", m.group(1))) != expected:
                continue
            part = _PART.search(text, m.end())
            between = text[m.end() : part.start()] if part else ""
            if part is None or part.group(1) != "1" or between.count("\n") > 6:
                continue
            starts.append((head.group(1), expected, m))
            expected += 1
    entries = []
    boundaries = sorted(
        [m.start() for _, _, m in starts] + [h.start() for h in heads] + [len(text)]
    )
    for mark, number, m in starts:
        end = next(b for b in boundaries if b > m.start())
        entries.append(
            _Entry(mark, number, m.start(), end, m.end(), _REPEAT in m.group(2).replace(" ", ""))
        )
    return entries


# --- cards --------------------------------------------------------------------


def _card(doc: Document, e: _Entry) -> Card:
    text = doc.text
    parts = list(_PART.finditer(text, e.title_end, e.end))
    numbers = [p.group(1) for p in parts]
    if numbers != list("1234567"):
        raise ParseError(
            doc, e.start, f"card {e.mark}{e.number}: parts {numbers} instead of (1)–(7)"
        )
    bodies = [
        _clean(doc, p.end(), parts[i + 1].start() if i + 1 < len(parts) else e.end)
        for i, p in enumerate(parts)
    ]
    title = _clean(doc, e.start, e.title_end)
    title = re.sub(r"^(?:\d\s?)+\s*[.．]\s*", "", title).replace(_REPEAT, "").strip()
    japanese, foreign = _pair(doc, e, bodies[0])
    contact = _contact(bodies[6])
    date_text = " ".join(bodies[1].split("\n")).strip()
    return Card(
        fields=(FIELD_NAMES[e.mark],),
        entries=(f"{e.mark}-{e.number}",),
        title=title,
        japanese=japanese,
        prefectures=prefectures_in(japanese),
        foreign=foreign,
        countries=countries_in(foreign),
        date_text=date_text,
        date_iso=parse_date(date_text),
        background=bodies[2],
        activities=bodies[3],
        outcomes=bodies[4],
        urls=tuple(_URL.findall(bodies[5])),
        department=contact.get("担当部署名", ""),
        phone=contact.get("電話番号", ""),
        email=contact.get("電子メール", ""),
    )


def _clean(doc: Document, start: int, end: int) -> str:
    cleaned = clean(doc.text, start, end).text
    return "" if _EMPTY.match(cleaned) else cleaned


def _pair(doc: Document, e: _Entry, body: str) -> tuple[str, str]:
    values = {}
    for line in body.split("\n"):
        key, _, value = line.partition("\t")
        if key.strip() in ("日本の自治体", "海外の自治体"):
            values[key.strip()] = value.strip()
        elif line.strip() and values:
            # A long foreign list wraps onto the next line.
            last = list(values)[-1]
            values[last] = f"{values[last]} {line.strip()}"
    japanese, foreign = values.get("日本の自治体", ""), values.get("海外の自治体", "")
    if not japanese or not foreign:
        raise ParseError(doc, e.start, f"card {e.mark}{e.number}: municipalities not found")
    return japanese, foreign


def _contact(body: str) -> dict[str, str]:
    """Values after the labels 担当部署名 / 電話番号 / 電子メール, in any order of the cells."""
    values: dict[str, list[str]] = {}
    label = ""
    for line in body.split("\n"):
        for cell in line.split("\t"):
            cell = cell.strip()
            if cell in ("担当部署名", "電話番号", "電子メール"):
                label = cell
                values.setdefault(label, [])
            elif cell and label:
                values[label].append(cell)
    return {k: " ".join(v) for k, v in values.items() if v}


def _merge_repeats(
    doc: Document, entries: list[_Entry], cards: dict[tuple[str, int], Card]
) -> dict[tuple[str, int], Card]:
    """Fold every 【再掲】 entry into the original card it repeats."""
    merged = dict(cards)
    originals = [e for e in entries if not e.repeat]
    for e in entries:
        if not e.repeat:
            continue
        card = cards[(e.mark, e.number)]
        origin = _original_of(card, e, originals, cards)
        if origin is None:
            raise ParseError(
                doc, e.start, f"card {e.mark}{e.number} is 【再掲】 but repeats no card"
            )
        key = (origin.mark, origin.number)
        base = merged[key]
        merged[key] = replace(
            base,
            fields=tuple(dict.fromkeys((*base.fields, *card.fields))),
            entries=(*base.entries, *card.entries),
        )
    return merged


def _original_of(
    card: Card, e: _Entry, originals: list[_Entry], cards: dict[tuple[str, int], Card]
) -> _Entry | None:
    def score(o: _Entry) -> float:
        other = cards[(o.mark, o.number)]
        if o.mark == e.mark or fold(other.japanese) != fold(card.japanese):
            return 0.0
        same_date = other.date_iso == card.date_iso
        same_countries = other.countries == card.countries
        return same_date + same_countries + _overlap(fold(other.title), fold(card.title))

    best = max(originals, key=score, default=None)
    return best if best is not None and score(best) >= 2.0 else None


def _overlap(a: str, b: str) -> float:
    """Share of character bigrams of the shorter string found in the longer."""
    grams_a = {a[i : i + 2] for i in range(len(a) - 1)}
    grams_b = {b[i : i + 2] for i in range(len(b) - 1)}
    if not grams_a or not grams_b:
        return 0.0
    return len(grams_a & grams_b) / min(len(grams_a), len(grams_b))


def _card_chunk(doc: Document, e: _Entry, card: Card) -> Chunk:
    cleaned = clean(doc.text, e.start, e.end)
    first, last = cleaned.segments[0], cleaned.segments[-1]
    return Chunk(
        id=f"{doc_prefix(doc)}#card-{list(FIELD_NAMES).index(e.mark) + 1}-{e.number:02d}",
        doc=doc.id,
        doc_kind=doc.kind,
        shape="card",
        title=card.title,
        text=cleaned.text,
        start=first.source_start,
        end=last.source_start + last.length,
        segments=cleaned.segments,
        heading=("4 調査結果", *card.fields),
        card=card,
    )


# --- sections -----------------------------------------------------------------


def _sections(doc: Document, toc_start: int, detail_start: int) -> list[Chunk]:
    """The introduction, the field definitions, the two summary tables and the contents."""
    overview = _find(doc, r"^2[ \t]+調査の概要", 0)
    fields = _find(doc, r"^【分野】", overview)
    results = _find(doc, r"^3[ \t]+調査結果の概要", fields)
    by_country = _find(doc, r"^\(2\)[ \t]*国・地域別", results)
    title = "特定分野における提携・協定等に関する調査結果"
    chunks = [
        section_chunk(doc, "sec-purpose", f"{title}：1 趣旨", 0, overview),
        section_chunk(doc, "sec-outline", "2 調査の概要", overview, fields),
        section_chunk(doc, "sec-fields", "2 調査の概要：分野の分類", fields, results),
        section_chunk(
            doc, "sec-by-field", "3 調査結果の概要：(1) 分野別の提携件数", results, by_country
        ),
        section_chunk(
            doc,
            "sec-by-country",
            "3 調査結果の概要：(2) 国・地域別の提携件数",
            by_country,
            toc_start,
        ),
    ]
    heads = _field_heads(doc, toc_start, detail_start)
    for i, head in enumerate(heads):
        stop = heads[i + 1].start() if i + 1 < len(heads) else detail_start
        name = FIELD_NAMES[head.group(1)]
        chunks.append(
            section_chunk(
                doc,
                f"sec-toc-{i + 1}",
                f"4 調査結果：個票一覧 {name}",
                # The line "4 調査結果（…個票をご覧ください）" goes with the first field.
                toc_start if i == 0 else head.start(),
                stop,
                heading=("4 調査結果", name),
            )
        )
    return chunks


# --- values -------------------------------------------------------------------
