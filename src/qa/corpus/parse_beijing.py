"""Sections of the CLAIR Beijing office brochures (documents 000 and 001).

The brochures' text came out of a PDF in layout order, not reading order: a
page's banner (``経済交流の推進``) follows the page's content, photo captions and
the map of seminar venues land between unrelated paragraphs, the director's
name sits after the next section, and the older edition (001, a few pages
only) starts with the seminar table whose heading comes forty lines later.
Splitting at heading lines alone would glue those pieces to the wrong
section, so each edition has a layout table: for every section, the lines
("anchors") that start its pieces, in the order they should be read.

The anchors cut the file into blocks, each running from its anchor line to the
next anchor line. Every block belongs to exactly one section, so every line of
the file ends up in some chunk; an anchor that is missing or ambiguous raises
:class:`~qa.corpus.parse_common.ParseError` rather than silently misplacing text.
A section built from several blocks joins their cleaned text with a blank
line (inserted, so it has no source) and keeps every block's segments.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable
from typing import NamedTuple

from qa.corpus.parse_common import ParseError, section_chunk
from qa.corpus.schema import Chunk, Document, Segment
from qa.corpus.textclean import clean, fold

__all__ = ["FILE_START", "LAYOUTS", "Section", "join_pieces", "parse"]

#: Anchor standing for the very start of the file (text before the first heading).
FILE_START = "<file start>"

# Inserted between the blocks of a section; it has no source offsets.
_PIECE_SEP = "\n\n"


class Section(NamedTuple):
    """One section of a brochure edition.

    Attributes:
        key: Chunk id within the document; the same section has the same key
            in both editions (``000#seminar``, ``001#seminar``).
        anchors: Lines that start the section's blocks, in reading order; the
            first one heads the section. A line matches when it equals the
            anchor with white space and hyphens ignored, or starts with it
            when the anchor ends with ``…``.
        heading: The brochure's headings above the section, outermost first.
        title: The title when the first anchor is not a heading (the back
            page's addresses); otherwise the first anchor line, cleaned.
    """

    key: str
    anchors: tuple[str, ...]
    heading: tuple[str, ...] = ()
    title: str | None = None


# The brochure's four activities (its list ①–④) head the pages as banners.
_SUPPORT = "地方自治体の中国での活動支援"
_EXCHANGE = "日中両国の地域間交流の推進・連携強化"
_INFO = "日中両国間の相互理解の促進に資する情報発信"
_ECONOMY = (_EXCHANGE, "経済交流の推進")
_INVITE = (_EXCHANGE, "中国の地方政府職員の日本への招聘・派遣")
_EXPERTS = (_EXCHANGE, "中国の地方政府への専門家の派遣")

LAYOUTS: dict[str, tuple[Section, ...]] = {
    # 000: the whole brochure, FY2022 figures.
    "FY2022": (
        Section("greeting", ("所長あいさつ", "所長：…")),
        Section("ties", ("地方自治体と中国のつながり", "在中国自治体事務所数")),
        # The intro ends "次の活動に取り組んでいます。": the list ①–④ the PDF put above it.
        Section(
            "overview",
            (
                "クレア北京事務所概要",
                "自治体国際化協会（Council…",
                "①-地方自治体の中国での活動支援",
            ),
        ),
        Section("support", ("海外活動支援",), (_SUPPORT,)),
        Section(
            "seminar",
            # Body, then the table it announces, then the banner, the venue
            # map, the FY2019 results, their photo captions and the map's label.
            ("｢日中地域間交流推進セミナー｣の開催", "開催地及びテーマ", _EXCHANGE),
            (_EXCHANGE,),
        ),
        Section(
            "cooking",
            (
                "料理体験を通じた日本の魅力発信事業",
                "実際に作った料理…",
                "料理体験イベントの参加者による",
            ),
            _ECONOMY,
        ),
        Section("expo", ("旅行博覧会等出展事業",), _ECONOMY),
        # The page banner 経済交流の推進 precedes the live-streaming captions.
        Section("live", ("ライブ配信を通じた地域の魅力発信事業", "経済交流の推進"), _ECONOMY),
        Section(
            "lgotp", ("自治体職員協力交流事業（LGOTP）", "自治体職員協力交流事業(LGOTP)"), _INVITE
        ),
        Section(
            "executives",
            ("海外自治体幹部交流協力セミナー", "興福寺（長崎市）を視察する参加者"),
            _INVITE,
        ),
        Section("experts", ("自治体国際協力専門家派遣事業",), _EXPERTS),
        # The JET page has no heading but its banner; the map of where the
        # participants work (北海道 … ・・・ 4 人) comes before its text.
        Section("jet", ("JETプログラムの推進", "JETプログラムとは…", "北海道"), (_EXCHANGE,)),
        Section("media", ("メディア、大学等との連携",), (_INFO,)),
        Section("research", ("中国の最新状況に係る研究",)),
        Section("info", ("中国での情報発信",), (_INFO,)),
        # The back page: addresses, cover photo credits and the street map,
        # whose first label (北海公園) the PDF put at the very top of the file.
        Section(
            "contact", ("日本国自治体国際化協会  北京事務所", "北海北", FILE_START), (), "連絡先"
        ),
    ),
    # 001: pages 3–5 of the older brochure only, FY2021 figures.
    "FY2021": (
        Section(
            "seminar",
            (
                "｢日中地域間交流推進セミナー｣の開催",
                "開催地及びテーマ",
                "第４回 ウルムチ市",
                "2019年度実績",
                "開催地",
            ),
            (_EXCHANGE,),
        ),
        Section("support", ("海外活動支援",), (_SUPPORT,)),
        Section("dept-store", ("日系百貨店と連携した自治体PR事業", "経済交流の推進"), _ECONOMY),
        Section("cooking", ("料理体験を通じた日本の魅力発信事業", "実際に作った料理…"), _ECONOMY),
        Section("expo", ("旅行博覧会等出展事業",), _ECONOMY),
    ),
}


class _Line(NamedTuple):
    start: int
    end: int
    key: str


def parse(doc: Document) -> list[Chunk]:
    """One chunk per brochure section, ordered by where each section's heading is.

    Raises:
        ParseError: The edition has no layout, an anchor line is missing or
            not unique, or text precedes the first anchor.
    """
    layout = LAYOUTS.get(doc.edition)
    if layout is None:
        known = ", ".join(sorted(LAYOUTS))
        raise ParseError(
            doc, 0, f"no Beijing brochure layout for edition {doc.edition!r} ({known})"
        )
    _check_headings(doc, layout)
    starts = _anchor_offsets(doc, layout)
    blocks = _blocks(doc, starts)
    chunks = [
        _section(
            doc, s, [blocks[starts[(s.key, a)]] for a in s.anchors], starts[(s.key, s.anchors[0])]
        )
        for s in layout
    ]
    order = {s.key: starts[(s.key, s.anchors[0])] for s in layout}
    return sorted(chunks, key=lambda c: order[c.id.split("#", 1)[1]])


def _anchor_offsets(doc: Document, layout: Iterable[Section]) -> dict[tuple[str, str], int]:
    """Source offset of every anchor line, keyed by (section key, anchor)."""
    lines = list(_lines(doc.text))
    found: dict[tuple[str, str], int] = {}
    seen: dict[int, str] = {}
    for section in layout:
        for anchor in section.anchors:
            offset = 0 if anchor == FILE_START else _find(doc, lines, anchor)
            if offset in seen:
                raise ParseError(doc, offset, f"anchor {anchor!r} already starts {seen[offset]!r}")
            seen[offset] = section.key
            found[(section.key, anchor)] = offset
    return found


def _find(doc: Document, lines: list[_Line], anchor: str) -> int:
    prefix = anchor.endswith("…")
    want = _key(anchor.removesuffix("…"))
    hits = [ln for ln in lines if (ln.key.startswith(want) if prefix else ln.key == want)]
    if len(hits) != 1:
        where = hits[1].start if hits else 0
        raise ParseError(
            doc, where, f"anchor line {anchor!r} found {len(hits)} times, expected once"
        )
    return hits[0].start


def _blocks(doc: Document, starts: dict[tuple[str, str], int]) -> dict[int, tuple[int, int]]:
    """Each anchor offset → (start, end) of its block: up to the next anchor or the end."""
    offsets = sorted(set(starts.values()))
    if doc.text[: offsets[0]].strip():
        raise ParseError(doc, 0, "text before the first section heading is not in any section")
    ends = [*offsets[1:], len(doc.text)]
    return dict(zip(offsets, zip(offsets, ends, strict=True), strict=True))


def _section(doc: Document, section: Section, spans: list[tuple[int, int]], head: int) -> Chunk:
    title = section.title or _title(doc, head)
    pieces = [
        section_chunk(doc, section.key, title, s, e, heading=section.heading, pdf_hyphens=True)
        for s, e in spans
    ]
    return join_pieces(pieces)


def join_pieces(pieces: list[Chunk]) -> Chunk:
    """One chunk from section pieces cut from different places of the same source.

    The texts are joined by a blank line, which has no source; each piece's
    segments are shifted to where its text now starts, so every copied
    character still maps to its source offset. ``start``/``end`` span all pieces.
    """
    first = pieces[0]
    if len(pieces) == 1:
        return first
    texts: list[str] = []
    segments: list[Segment] = []
    at = 0
    for piece in pieces:
        if texts:
            at += len(_PIECE_SEP)
        segments.extend(
            Segment(s.text_start + at, s.source_start, s.length) for s in piece.segments
        )
        texts.append(piece.text)
        at += len(piece.text)
    return dataclasses.replace(
        first,
        text=_PIECE_SEP.join(texts),
        start=min(p.start for p in pieces),
        end=max(p.end for p in pieces),
        segments=tuple(segments),
    )


def _title(doc: Document, head: int) -> str:
    """The heading line at ``head``, cleaned of layout hyphens and extra spaces."""
    end = doc.text.find("\n", head)
    line = clean(doc.text, head, len(doc.text) if end < 0 else end, pdf_hyphens=True).text
    return re.sub(r"\s+", " ", line)


def _check_headings(doc: Document, layout: Iterable[Section]) -> None:
    """The headings given in the layout must be the brochure's own words."""
    text = fold(doc.text).replace("-", "")
    for section in layout:
        for h in section.heading:
            if fold(h) not in text:
                raise ParseError(
                    doc, 0, f"heading {h!r} of section {section.key!r} is not in the text"
                )


def _lines(text: str) -> Iterable[_Line]:
    for m in re.finditer(r"[^\n]*", text):
        if m.group().strip():
            yield _Line(m.start(), m.end(), _key(m.group()))


def _key(line: str) -> str:
    """A line as anchors match it: white space and layout hyphens ignored, nothing folded.

    Not NFKC: ``（LGOTP）`` heads a section where ``(LGOTP)`` is a photo caption.
    """
    return re.sub(r"[\s\-]", "", line)
