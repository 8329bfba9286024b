"""Sections of the 2018 日中地域間交流推進セミナー report (document 004).

The report is Markdown-ish: a bilingual header (the theme as two ``##``
headings, Japanese then Chinese, and the organisers in both languages), then
``# 日中地域間交流推進セミナー`` with ``###`` sections for the table of past
venues and themes and the 2018 report table. Tables are tab-separated rows
and stay one row per line.

Sections start at Markdown headings. Everything before the first ``#``
heading is the header section, titled by its ``##`` headings. A heading with
nothing under it (``### 開催地``, a map whose image is gone) joins the section
before it rather than becoming an empty chunk.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import NamedTuple

from qa.corpus.parse_common import ParseError, section_chunk
from qa.corpus.schema import Chunk, Document

__all__ = ["Heading", "headings", "parse"]

_HEADING = re.compile(r"^[ \t]*(#{1,6})[ \t]+(\S[^\n]*?)[ \t]*$", re.M)


class Heading(NamedTuple):
    """A Markdown heading: its level (number of ``#``), words and offsets."""

    level: int
    title: str
    start: int
    end: int


class _Span(NamedTuple):
    title: str
    heading: tuple[str, ...]
    start: int
    end: int


def parse(doc: Document) -> list[Chunk]:
    """The header section, then one section per heading with text under it.

    Raises:
        ParseError: The report has no ``#`` heading or no header before it.
    """
    return [
        section_chunk(doc, f"sec-{i:02d}", s.title, s.start, s.end, heading=s.heading)
        for i, s in enumerate(_spans(doc), 1)
    ]


def headings(text: str) -> Iterator[Heading]:
    """Every Markdown heading of ``text``, in order."""
    for m in _HEADING.finditer(text):
        yield Heading(len(m.group(1)), re.sub(r"\s+", " ", m.group(2)), m.start(), m.end())


def _spans(doc: Document) -> list[_Span]:
    text = doc.text
    found = list(headings(text))
    top = next((i for i, h in enumerate(found) if h.level == 1), None)
    if top is None:
        raise ParseError(doc, 0, "no top-level '#' heading")
    header = found[:top]
    if not header:
        raise ParseError(doc, found[top].start, "no title headings before the first '#' heading")
    # The header's headings are one title in two languages, not nested sections.
    spans = [_Span(" / ".join(h.title for h in header), (), header[0].start, found[top].start)]
    outer: list[Heading] = []
    body = found[top:]
    for i, h in enumerate(body):
        end = body[i + 1].start if i + 1 < len(body) else len(text)
        outer = [o for o in outer if o.level < h.level]
        if not text[h.end : end].strip():
            # An empty section's heading stays in the text of the one before.
            last = spans[-1]
            spans[-1] = last._replace(end=end)
            continue
        spans.append(_Span(h.title, tuple(o.title for o in outer), h.start, end))
        outer.append(h)
    return spans
