"""The two indexes of MOFA's brochure (document 003): needs (「…したい」 → pages, by
国内事業/海外事業 and category) and 事業例 (example programme → page), and the line
helpers its parser shares with them."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import NamedTuple

from qa.corpus.parse_common import ParseError
from qa.corpus.schema import Document

__all__ = [
    "DOMESTIC",
    "EXAMPLES_HEAD",
    "OVERSEAS",
    "OVERSEAS_FROM",
    "IndexEntry",
    "Need",
    "is_rule",
    "line_offset",
    "norm",
    "read_example_index",
    "read_need_index",
    "text_lines",
]

DOMESTIC = "国内事業"
OVERSEAS = "海外事業"
# The needs index is two columns; the PDF put the right column's header
# (海外事業) after the column, so the column is known by its first category.
OVERSEAS_FROM = "海外展開支援"
EXAMPLES_HEAD = "事業例"


class Need(NamedTuple):
    """One line of the needs index: 「…したい」 and the pages that answer it."""

    text: str
    pages: tuple[int, ...]
    category: str
    division: str
    offset: int


class IndexEntry(NamedTuple):
    """One line of the 事業例 index: an example programme and its page."""

    name: str
    page: int
    division: str
    offset: int


def read_need_index(doc: Document) -> list[Need]:
    """The needs index: every 「…したい」 line with its category and 国内/海外事業.

    Raises:
        ParseError: The index or its 海外事業 column is not where expected.
    """
    start = line_offset(doc, DOMESTIC, 0)
    end = line_offset(doc, f"{DOMESTIC} {EXAMPLES_HEAD}", start)
    needs: list[Need] = []
    division, category = DOMESTIC, ""
    for offset, line in text_lines(doc.text, start, end):
        if is_rule(line) or line in (DOMESTIC, OVERSEAS):
            continue
        if "\t" not in line:
            category = line
            if norm(category) == norm(OVERSEAS_FROM):
                division = OVERSEAS
            continue
        words, _, pages = line.partition("\t")
        if not category:
            raise ParseError(doc, offset, f"need {words!r} comes before any category")
        needs.append(Need(words.strip(), _pages(doc, offset, pages), category, division, offset))
    if not any(n.division == OVERSEAS for n in needs):
        raise ParseError(doc, start, f"needs index has no category {OVERSEAS_FROM!r}")
    return needs


def read_example_index(doc: Document) -> list[IndexEntry]:
    """The 事業例 index: example programmes by division, in page order.

    Raises:
        ParseError: The index is missing or has no entries.
    """
    start = line_offset(doc, f"{DOMESTIC} {EXAMPLES_HEAD}", 0)
    end = line_offset(doc, DOMESTIC, start + 1)
    entries: list[IndexEntry] = []
    division: str | None = None
    for offset, line in text_lines(doc.text, start, end):
        head = re.fullmatch(rf"({DOMESTIC}|{OVERSEAS})\s+{EXAMPLES_HEAD}", line)
        if head:
            division = head.group(1)
        elif "\t" not in line or is_rule(line):
            division = None  # 相談したい: the contact list, not an example
        elif division is not None:
            name, _, page = line.partition("\t")
            entries.append(IndexEntry(name.strip(), _pages(doc, offset, page)[0], division, offset))
    if not entries:
        raise ParseError(doc, start, "事業例 index has no entries")
    return entries


def _pages(doc: Document, offset: int, text: str) -> tuple[int, ...]:
    pages = tuple(int(p) for p in re.findall(r"\d+", text))
    if not pages:
        raise ParseError(doc, offset, f"index line has no page number: {text!r}")
    return pages


def line_offset(doc: Document, line: str, start: int) -> int:
    """Offset of the first line from ``start`` that reads ``line`` (white space ignored)."""
    want = norm(line)
    for offset, text in text_lines(doc.text, start, len(doc.text)):
        if norm(text) == want:
            return offset
    raise ParseError(doc, start, f"line {line!r} not found")


def text_lines(text: str, start: int, end: int) -> Iterable[tuple[int, str]]:
    """Non-blank lines between ``start`` and ``end`` with their offsets, stripped."""
    for m in re.finditer(r"[^\n]+", text[start:end]):
        if m.group().strip():
            yield start + m.start(), m.group().strip()


def is_rule(line: str) -> bool:
    return re.fullmatch(r"[-\s]+", line) is not None


def norm(text: str) -> str:
    """NFKC without white space: ``海外展開支援（ODA活用）`` = ``海外展開支援(ODA活用)``."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))
