"""Units a reader can answer from: card fields, sentences, table rows and lines.

Units are built once per chunk. Each keeps its character span in the chunk's
display text, a label saying what it is (a card field's name, ``sentence``,
``row``) and its local heading (the card field or the short line above it), so
that an answer's highlight is exact and features can compare the question with
the part of the passage the unit belongs to.

Example:
    >>> units = split_lines("見出し\\n\\n一文目。二文目。")
    >>> [u[2] for u in units]
    ['見出し', '一文目。', '二文目。']
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass

from qa.corpus.schema import Chunk
from qa.corpus.textclean import fold_nfkc

__all__ = [
    "FIELD_LABELS", "PROSE_LABELS", "Unit", "locate", "split_lines", "units_hash", "units_of",
]  # fmt: skip

#: Card fields answered whole, by label.
FIELD_LABELS = ("date", "phone", "email", "department", "japanese", "foreign", "url", "title")
#: Card fields answered by their sentences.
PROSE_LABELS = ("background", "activities", "outcomes")
#: Sentence ends inside a line.
_SENTENCE = re.compile(r"[^。！？!?]+[。！？!?]?")
#: A short line with no sentence end heads the lines below it.
_HEADING_MAX = 24
#: A bracketed heading inside a card's prose (【成果】, 【課題】, ＜…＞).
_BRACKET_HEAD = re.compile(r"^[【＜<［\[]([^】＞>］\]]{1,20})[】＞>］\]]")


@dataclass(frozen=True)
class Unit:
    """A piece of a chunk that may hold an answer.

    Attributes:
        chunk_id: The chunk it is in.
        label: A card field name (:data:`FIELD_LABELS`, :data:`PROSE_LABELS`) for
            cards; ``line`` or ``row`` for sections.
        start: Offset of its first character in the chunk's display text.
        end: Offset just past its last character.
        text: ``chunk.text[start:end]``.
        heading: The heading it is under (a card field's label words, the short
            line above a section line, a table's header row).
        shape: ``field`` (a whole card field), ``sentence`` or ``row``.
    """

    chunk_id: str
    label: str
    start: int
    end: int
    text: str
    heading: str
    shape: str


def locate(text: str, value: str) -> tuple[int, int] | None:
    """Where ``value`` is in ``text``, exactly or after NFKC folding and removing white space."""
    value = value.strip()
    if not value:
        return None
    i = text.find(value)
    if i >= 0:
        return i, i + len(value)
    folded: list[str] = []
    index: list[int] = []
    for pos, ch in enumerate(text):
        for f in fold_nfkc(ch):
            folded.append(f)
            index.append(pos)
    target = fold_nfkc(value)
    j = "".join(folded).find(target) if target else -1
    if j < 0:
        return None
    return index[j], index[j + len(target) - 1] + 1


def split_lines(text: str, offset: int = 0) -> list[tuple[int, int, str, str]]:
    """Sentences and table rows of ``text``: ``(start, end, text, heading)`` each.

    A line holding a tab is a table row, kept whole; other lines are cut into
    sentences. A short line without a sentence end is also the heading of the
    lines that follow it until the next such line.
    """
    out: list[tuple[int, int, str, str]] = []
    heading = ""
    header_row = ""
    pos = 0
    for line in text.split("\n"):
        begin = pos
        pos += len(line) + 1
        stripped = line.strip()
        if not stripped:
            header_row = ""
            continue
        lead = len(line) - len(line.lstrip())
        if "\t" in stripped:
            if not header_row:
                header_row = stripped
            row_heading = f"{heading} {header_row}".strip() if header_row != stripped else heading
            out.append(
                (
                    offset + begin + lead,
                    offset + begin + lead + len(stripped),
                    stripped,
                    row_heading,
                )
            )
            continue
        header_row = ""
        bracket = _BRACKET_HEAD.match(stripped)
        if bracket:
            heading = bracket.group(1)
        is_heading = len(stripped) <= _HEADING_MAX and not re.search(r"[。.!?！？]$", stripped)
        for m in _SENTENCE.finditer(line):
            piece = m.group(0)
            s = m.start() + len(piece) - len(piece.lstrip())
            e = m.end() - (len(piece) - len(piece.rstrip()))
            if e > s:
                out.append((offset + begin + s, offset + begin + e, line[s:e], heading))
        if is_heading:
            heading = stripped
    return out


def units_of(chunk: Chunk) -> list[Unit]:
    """Every unit of ``chunk``, in text order within each field."""
    if chunk.card is None:
        return [
            Unit(
                chunk.id,
                "row" if "\t" in t else "line",
                s,
                e,
                t,
                h,
                "row" if "\t" in t else "sentence",
            )
            for s, e, t, h in split_lines(chunk.text)
        ]
    card = chunk.card
    units: list[Unit] = []
    values = {
        "date": card.date_text if re.search(r"\d", card.date_text) else "",
        "phone": card.phone,
        "email": card.email,
        "department": card.department,
        "japanese": card.japanese,
        "foreign": card.foreign,
        "url": card.urls[0] if card.urls else "",
        "title": card.title,
    }
    for label, value in values.items():
        span = locate(chunk.text, value) if value.strip() else None
        if span is not None:
            units.append(
                Unit(chunk.id, label, *span, chunk.text[span[0] : span[1]], label, "field")
            )
    for label in PROSE_LABELS:
        value = getattr(card, label)
        span = locate(chunk.text, value) if value.strip() else None
        if span is None:
            continue
        body = chunk.text[span[0] : span[1]]
        for s, e, t, h in split_lines(body, span[0]):
            units.append(Unit(chunk.id, label, s, e, t, f"{label} {h}".strip(), "sentence"))
    return units


def units_hash(units: Iterable[Unit]) -> str:
    """sha256 over the units' chunk ids, labels, spans and texts, in order."""
    digest = hashlib.sha256()
    for u in units:
        digest.update(f"{u.chunk_id}\t{u.label}\t{u.start}\t{u.end}\t{u.text}\n".encode())
    return digest.hexdigest()
