"""Remove markup and PDF-extraction noise from source text, keeping a map to the source.

The documents were extracted from PDFs and web pages: they carry HTML
fragments (``<p>``, ``<ul style=…>``, ``<http://…>``), ``--`` separator lines,
stray hyphens from the PDF layout (``テ-ー-マ``) and digits spaced out
(``平成 1 1 （ 1 9 9 9 ） 年``). Cleaning only deletes characters or inserts
separators, and records for every kept character where it came from, so a
citation in cleaned text can always be traced to exact source offsets.

Example:
    >>> c = clean("<p>【成果】交流が深まった。</p> <p>【課題】継続。</p>", 0, 38)
    >>> c.text
    '【成果】交流が深まった。\\n【課題】継続。'
    >>> c.segments[0]
    Segment(text_start=0, source_start=3, length=12)
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import NamedTuple

from qa.schema import Segment

__all__ = ["OLD_FORMS", "Cleaned", "clean", "fold", "fold_digits"]


class Cleaned(NamedTuple):
    """Cleaned text and the runs of it copied unchanged from the source."""

    text: str
    segments: tuple[Segment, ...]


# (pattern, replacement). A match is replaced by the replacement string, which
# has no source, or, when the pattern has a ``keep`` group, by that group's
# characters, which keep theirs.
_Rule = tuple[re.Pattern[str], str]

_MARKUP: tuple[_Rule, ...] = (
    (re.compile(r"<(?P<keep>https?://[^>\s]+)>"), ""),
    (re.compile(r"(?:[ \t]*</?(?:p|ul|ol|li|h[1-6]|div|br|span)\b[^>]*>[ \t]*)+"), "\n"),
    (re.compile(r"(?m)^[-\t ]*--[-\t ]*$"), ""),
)

_SPACING: tuple[_Rule, ...] = (
    # Digits, brackets and 年月日 spaced apart by the PDF layout.
    (re.compile(r"(?<=[0-9０-９（）()年月,，])[ 　]+(?=[0-9０-９（）()年月日,，])"), ""),
    (re.compile(r"[ \t　]+$", re.M), ""),
    (re.compile(r"\n{3,}"), "\n\n"),
)

# Brochure layout hyphens: at the start or end of a line, and between two
# non-ASCII characters (``①-地方自治体``, ``テ-ー-マ``). Not applied to the
# survey, whose titles hold real hyphens (``雲仙茶-求礼茶``).
_PDF_HYPHENS: tuple[_Rule, ...] = (
    (re.compile(r"(?m)^-(?=\S)|(?<=\S)-$"), ""),
    (re.compile(r"(?<=[^\x00-\x7f])-(?=[^\x00-\x7f])"), ""),
)


def clean(source: str, start: int, end: int, *, pdf_hyphens: bool = False) -> Cleaned:
    """Clean ``source[start:end]``.

    Args:
        source: The whole source file's text.
        start: Offset of the first character to clean.
        end: Offset just past the last character.
        pdf_hyphens: Also remove the brochures' layout hyphens.

    Returns:
        The cleaned text, stripped, and its segments in source offsets.
    """
    text = source[start:end]
    origin = list(range(start, end))
    # Spacing goes last so that lines emptied by the other rules are folded too.
    rules = _MARKUP + (_PDF_HYPHENS if pdf_hyphens else ()) + _SPACING
    for pattern, repl in rules:
        text, origin = _sub(text, origin, pattern, repl)
    lead = len(text) - len(text.lstrip())
    text, origin = text.strip(), origin[lead : lead + len(text.strip())]
    return Cleaned(text, tuple(_segments(origin)))


def _sub(text: str, origin: list[int], pattern: re.Pattern[str], repl: str) -> tuple[str, list[int]]:
    parts: list[str] = []
    where: list[int] = []
    pos = 0
    for m in pattern.finditer(text):
        parts.append(text[pos : m.start()])
        where.extend(origin[pos : m.start()])
        keep = m.groupdict().get("keep")
        if keep is not None:
            parts.append(keep)
            where.extend(origin[m.start("keep") : m.end("keep")])
        else:
            parts.append(repl)
            where.extend([-1] * len(repl))
        pos = m.end()
    parts.append(text[pos:])
    where.extend(origin[pos:])
    return "".join(parts), where


def _segments(origin: Iterable[int]) -> Iterable[Segment]:
    run_start = run_src = -1
    length = 0
    for i, src in enumerate(origin):
        if length and src == run_src + length:
            length += 1
            continue
        if length:
            yield Segment(run_start, run_src, length)
        run_start, run_src, length = (i, src, 1) if src >= 0 else (-1, -1, 0)
    if length:
        yield Segment(run_start, run_src, length)


OLD_FORMS = str.maketrans({"經": "経", "濟": "済", "團": "団", "國": "国"})


def fold(text: str) -> str:
    """NFKC, old OCR character forms replaced, white space removed: for matching, not display."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text).translate(OLD_FORMS))


def fold_digits(text: str) -> str:
    """NFKC with the white space the PDF put between digits removed."""
    text = unicodedata.normalize("NFKC", text)
    return re.sub(r"(?<=[0-9()年月,])\s+(?=[0-9()年月日,])", "", text)
