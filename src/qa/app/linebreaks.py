"""A passage's PDF layout line breaks joined for display, its spans mapped onto the result.

The brochures were extracted from PDFs whose lines break where the page ends, often
mid-word ("…地方自治体の国際\\n化事業を支援し…"). For display such a break is joined
(Japanese: no space; between two Latin words: one space) and a real one is kept:
before a bullet, a numbered item, a heading mark or an indent, after a sentence's end,
at a table row (a tab, or spaces between columns) or an empty line. Whether a break
continues the text is read from the characters on either side (a line ending with
「、」, or the next starting with a particle or 「）」), else from the line's width: a
line that fills the passage's width was broken by the layout. The marks are data
(``lexicon.toml`` ``[layout]``).

Joining deletes a break's ``\\n`` or turns it into a space, nothing else, so
:meth:`Joined.span` maps a span of the passage exactly onto the joined text.

Example:
    >>> joined = join_layout_breaks("地方自治体の国際\\n化事業を支援し、\\n①相談")
    >>> joined.text
    '地方自治体の国際化事業を支援し、\\n①相談'
    >>> joined.span((6, 11))  # 国際\\n化事 → 国際化事
    (6, 10)
"""

from __future__ import annotations

import bisect
import itertools
import re
import unicodedata
from dataclasses import dataclass
from functools import cache

from qa.language.lexicon import LEXICON

__all__ = ["Joined", "join_layout_breaks"]

_DIGITS = "[0-9０-９]+"
#: Spaces that separate a table's columns: a tab, two spaces or more, or a space next
#: to a character that is not ASCII (Japanese writes no space between words).
_COLUMNS = re.compile(r"\t|[ \u3000]{2,}|[^\x00-\x7f][ \u3000]|[ \u3000][^\x00-\x7f]")


@dataclass(frozen=True)
class Joined:
    """A passage as displayed, and which of its line breaks were deleted.

    Attributes:
        text: The passage with its layout line breaks joined.
        removed: Offsets, in the original passage, of the line breaks deleted (a break
            turned into a space keeps its offset and is not listed), in order.
    """

    text: str
    removed: tuple[int, ...] = ()

    def offset(self, i: int) -> int:
        """Where offset ``i`` of the original passage falls in :attr:`text`."""
        return i - bisect.bisect_left(self.removed, i)

    def span(self, span: tuple[int, int]) -> tuple[int, int]:
        """``span`` of the original passage as a span of :attr:`text`: the same characters,
        less the line breaks deleted inside it."""
        return self.offset(span[0]), self.offset(span[1])


@dataclass(frozen=True)
class _Marks:
    """The lexicon's ``[layout]`` marks, ready to test a line with."""

    starts_item: re.Pattern[str]
    sentence_ends: frozenset[str]
    continues: frozenset[str]
    no_line_start: frozenset[str]
    scripts: tuple[str, ...]
    full: float


@cache
def _marks() -> _Marks:
    layout = LEXICON.layout
    numbering = [_DIGITS.join(map(re.escape, form.split("#"))) for form in layout["numbering"]]
    singles = [re.escape(m) for m in (*layout["bullets"], *layout["headings"])]
    circled = f"[{re.escape(layout['circled'])}]"
    return _Marks(
        starts_item=re.compile("|".join([circled, *numbering, *singles])),
        sentence_ends=frozenset(layout["sentence_ends"]),
        continues=frozenset(layout["continues"]),
        no_line_start=frozenset(layout["no_line_start"]),
        scripts=tuple(layout["continuing_scripts"]),
        full=float(layout["full"]),
    )


def _width(line: str) -> int:
    """How wide ``line`` is printed: East Asian wide and full-width characters count two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line)


def _in_scripts(ch: str, scripts: tuple[str, ...]) -> bool:
    return unicodedata.name(ch, "").startswith(scripts)


def _structured(line: str, marks: _Marks) -> bool:
    """``line`` starts an item or heading, or is a table row: a break before it is real."""
    return bool(marks.starts_item.match(line) or _COLUMNS.search(line.strip()))


def _continues(before: str, after: str, marks: _Marks) -> bool | None:
    """Whether the text runs on across the break between the lines ``before`` and
    ``after``, as the characters tell: True, False, or None when they do not tell."""
    if not before.strip() or not after.strip() or after[0].isspace():
        return False  # an empty line, or an indent: a new paragraph
    if _structured(after, marks) or _COLUMNS.search(before.strip()):
        return False
    last, first = before.rstrip()[-1], after[0]
    if last in marks.sentence_ends:
        return False
    if last in marks.continues or first in marks.no_line_start:
        return True
    if _in_scripts(last, marks.scripts) or _in_scripts(first, marks.scripts):
        return True
    return None


def join_layout_breaks(text: str) -> Joined:
    """``text`` with the line breaks its PDF layout made joined (see the module's docstring).

    A break the characters do not decide is joined when the line before fills the
    passage's width: that of its widest line that is neither a table row nor an item
    (those are not wrapped at the page's width).
    """
    marks = _marks()
    lines = text.split("\n")
    pairs = list(itertools.pairwise(lines))
    runs_on = [_continues(before, after, marks) for before, after in pairs]
    prose = [_width(ln.rstrip()) for ln in lines if ln.strip() and not _structured(ln, marks)]
    least = marks.full * max(prose, default=0)
    out: list[str] = [lines[0]]
    removed: list[int] = []
    at = len(lines[0])  # offset of the break after the line just added
    for (before, after), on in zip(pairs, runs_on, strict=True):
        if not (on or (on is None and _width(before.rstrip()) >= least)):
            out.append("\n")
        elif before.rstrip()[-1].isascii() and after[0].isascii():
            out.append(" ")  # between two Latin words
        else:
            removed.append(at)
        out.append(after)
        at += 1 + len(after)
    return Joined("".join(out), tuple(removed))
