"""Typed value objects passed between the pipeline's stages.

corpus → :class:`Document` → :class:`Chunk` (with :class:`Card` fields for
agreement cards) → index → retrieval → answer.

Every chunk keeps its ``segments``: runs of its display text that were copied
unchanged from the source file. Cleaning only ever deletes source characters
or inserts separators, so any span of the display text maps back to exact
source offsets through :meth:`Chunk.source_span`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

__all__ = ["Card", "Chunk", "Document", "Segment"]


@dataclass(frozen=True)
class Document:
    """One source file of the corpus and what its manifest says about it.

    Attributes:
        id: The file name, the stable id that citations and the eval set use.
        title: The document's own title.
        publisher: Who published it.
        kind: ``survey``, ``brochure`` or ``report``.
        shape: Which parser reads it (``survey``, ``beijing_brochure``, …).
        as_of: The year (or month) its figures are as of, e.g. ``"2012-08"``.
        edition: Which edition, where a document has several (``"FY2022"``).
        path: Where the file was read from.
        text: The file's whole text, exactly as on disk.
        sha256: Hash of the file's bytes, recorded in index manifests.
    """

    id: str
    title: str
    publisher: str
    kind: str
    shape: str
    as_of: str
    edition: str
    path: Path
    text: str = field(repr=False)
    sha256: str

    def line_of(self, offset: int) -> int:
        """1-based line number of a character offset, for error messages."""
        return self.text.count("\n", 0, offset) + 1


class Segment(NamedTuple):
    """A run of display text copied unchanged from the source file."""

    text_start: int
    source_start: int
    length: int


@dataclass(frozen=True)
class Card:
    """The structured fields of one agreement card of the CLAIR survey.

    Attributes:
        fields: Every field of exchange the agreement is listed under, e.g.
            ``("①教育交流", "②文化交流")``; more than one when it is 【再掲】.
        entries: Each listing as ``"<field mark>-<number>"``, e.g. ``("①-14", "②-3")``.
        title: The card's own title, noise removed.
        japanese: The Japanese municipality or municipalities, as written.
        prefectures: The prefectures those belong to.
        foreign: The foreign municipality or municipalities, as written.
        countries: The countries of the foreign side.
        date_text: The agreement date as written (digits and spacing folded).
        date_iso: ``YYYY-MM-DD`` (or ``YYYY-MM``/``YYYY``) where it can be read.
        background: 提携に至った経緯.
        activities: 提携後の取組内容.
        outcomes: 取組による成果・課題等.
        urls: Pages that present the work.
        department: 担当部署名.
        phone: 電話番号.
        email: 電子メール.
    """

    fields: tuple[str, ...]
    entries: tuple[str, ...]
    title: str
    japanese: str
    prefectures: tuple[str, ...]
    foreign: str
    countries: tuple[str, ...]
    date_text: str
    date_iso: str | None
    background: str
    activities: str
    outcomes: str
    urls: tuple[str, ...]
    department: str
    phone: str
    email: str


@dataclass(frozen=True)
class Chunk:
    """A unit of retrieval and citation: one agreement card or one document section.

    Attributes:
        id: Stable id, e.g. ``"002#card-1-06"`` or ``"003#sec-04"``.
        doc: The document id (file name).
        doc_kind: The document's kind (``survey``, ``brochure``, ``report``).
        shape: ``card`` or ``section``.
        title: The card or section title as shown to users.
        text: Display text: the source with markup and layout noise removed.
        start: Offset in the source file of the first character used.
        end: Offset in the source file just past the last character used.
        segments: Runs of ``text`` copied unchanged from the source.
        heading: The headings above this chunk, outermost first.
        card: The agreement's structured fields, for ``shape == "card"``.
    """

    id: str
    doc: str
    doc_kind: str
    shape: str
    title: str
    text: str
    start: int
    end: int
    segments: tuple[Segment, ...] = field(repr=False)
    heading: tuple[str, ...] = ()
    card: Card | None = None

    def source_span(self, start: int, end: int) -> tuple[int, int]:
        """Source-file offsets covering ``text[start:end]``.

        Characters inserted by cleaning (separators) have no source; the span
        runs from the first to the last copied character inside the range.

        Raises:
            ValueError: The range is empty, out of bounds, or holds no copied character.
        """
        if not 0 <= start < end <= len(self.text):
            raise ValueError(f"span {start}:{end} is outside the chunk text (0:{len(self.text)})")
        first = last = None
        for seg in self.segments:
            lo = max(start, seg.text_start)
            hi = min(end, seg.text_start + seg.length)
            if lo >= hi:
                continue
            if first is None:
                first = seg.source_start + (lo - seg.text_start)
            last = seg.source_start + (hi - seg.text_start)
        if first is None or last is None:
            raise ValueError(f"span {start}:{end} holds only inserted separators")
        return first, last

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (segments as lists)."""
        out = dataclasses.asdict(self)
        out["segments"] = [list(s) for s in self.segments]
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Chunk:
        """Inverse of :meth:`to_dict`."""
        card = data.get("card")
        return cls(
            id=data["id"],
            doc=data["doc"],
            doc_kind=data["doc_kind"],
            shape=data["shape"],
            title=data["title"],
            text=data["text"],
            start=data["start"],
            end=data["end"],
            segments=tuple(Segment(*s) for s in data["segments"]),
            heading=tuple(data.get("heading", ())),
            card=None if card is None else Card(**{k: _tuple(v) for k, v in card.items()}),
        )


def _tuple(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value
