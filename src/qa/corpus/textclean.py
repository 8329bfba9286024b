"""Remove markup and PDF-extraction noise from source text, keeping a map to the source.

The documents were extracted from PDFs and web pages: they carry HTML
fragments (``<p>``, ``<ul style=…>``, ``<h3>``, ``<http://…>``), Markdown
heading marks (``## ``), ``--`` separator lines, stray hyphens from the PDF
layout (``テ-ー-マ``, ``促進--～``), table cells and vertical map labels broken
over several lines, and digits spaced out (``平成 1 1 （ 1 9 9 9 ） 年``).
Cleaning only deletes characters or inserts separators, and records for every
kept character where it came from, so a citation in cleaned text can always be
traced to exact source offsets.

Example:
    >>> c = clean("<p>【成果】交流が深まった。</p> <p>【課題】継続。</p>", 0, 38)
    >>> c.text
    '【成果】交流が深まった。\\n【課題】継続。'
    >>> c.segments[0]
    Segment(text_start=0, source_start=3, length=12)
    >>> src = "-開催地\\n第15回 あり方-\\n～グリーン～-\\n\\n主催- 協会\\n促進--～構築～"
    >>> clean(src, 0, len(src), pdf_hyphens=True).text
    '開催地\\n第15回 あり方～グリーン～\\n\\n主催 協会\\n促進～構築～'
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import NamedTuple

from qa.corpus.schema import Segment

__all__ = ["OLD_FORMS", "Cleaned", "clean", "fold", "fold_digits", "fold_nfkc", "normalize"]


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
    (re.compile(r"(?:[ \t]*</?(?:p|ul|ol|li|div|br)\b[^>]*>[ \t]*)+"), "\n"),
    # Heading and span tags sit inside a line (``<h3>地方連携推進室</h3>\t03-…``):
    # a line break there would split a contact from its phone number.
    (re.compile(r"</(?:h[1-6]|span)>(?=[^\s<])"), " "),
    (re.compile(r"</?(?:h[1-6]|span)\b[^>]*>"), ""),
    (re.compile(r"(?m)^[-\t ]*--[-\t ]*$"), ""),
    # Markdown heading marks (the seminar report); the heading words stay.
    (re.compile(r"(?m)^[ \t]*#{1,6}[ \t]+(?=\S)"), ""),
)

_SPACING: tuple[_Rule, ...] = (
    # Digits, brackets and 年月日 spaced apart by the PDF layout. 日 only after a
    # digit (``（山西省） 日中の…`` keeps its space), a digit not after a closing
    # bracket (``13日(金) 11日 …``), and never between two numbers of several
    # digits (``03-3501-0101 03-3501-0101``).
    (
        re.compile(
            r"(?<=[0-9０-９（()年月,，])(?<![0-9０-９]{2})[ 　]+(?=[0-9０-９（）()年月,，])"
            r"|(?<=[0-9０-９（()年月,，])[ 　]+(?=[0-9０-９（）()年月,，])(?![0-9０-９]{2})"
            r"|(?<=[）)])[ 　]+(?=[（）()年月,，])"
            r"|(?<=[0-9０-９])[ 　]+(?=日)"
        ),
        "",
    ),
    # A katakana word the layout broke before its long-vowel mark, which never
    # starts a word (``バ ートランゲンザルツァ市``).
    (re.compile(r"(?<=[ァ-ヶ])[ 　]+(?=ー)"), ""),
    (re.compile(r"[ \t　]+$", re.M), ""),
    (re.compile(r"\n{3,}"), "\n\n"),
)

# Brochure layout hyphens: at the start or end of a line, and between two
# non-ASCII characters (``①-地方自治体``, ``テ-ー-マ``, ``促進--～``) or before a
# space (``主催- 自治体``). Not applied to the survey, whose titles hold real
# hyphens (``雲仙茶-求礼茶``).
_PDF_HYPHENS: tuple[_Rule, ...] = (
    # A hyphen ending a line marks a cell or sentence the PDF wrapped
    # (``観光、-`` / ``水道、農林水産``): join the lines, unless the next one
    # starts a new ``-`` item or a blank line ends the paragraph.
    (re.compile(r"(?<=\S)-[ \t]*\n[ \t　]*(?=[^\s-])"), ""),
    (re.compile(r"(?m)^[ \t]*-(?=[^\s-])|(?<=\S)-[ \t]*$"), ""),
    (re.compile(r"(?<=[^\x00-\x7f])-+(?=[^\x00-\x7f])|(?<=[^\x00-\x7f])-(?=[ \t　])"), ""),
    # A ``～…～`` subtitle on its own line is the wrapped end of the cell above
    # (the brochures' table of seminar themes): keep the row on one line.
    (re.compile(r"(?<=[^\n])\n(?=[ \t　]*～)"), ""),
    # Two table columns the PDF put on one line (``● 人事課\t03-…\t● <JICA> …``):
    # one contact per line.
    (re.compile(r"(?<=\S)[ \t]+(?=●)"), "\n"),
    # Vertical map labels, one character per line (``地/下/鉄/５/号/線``).
    (re.compile(r"(?m)(?<=^\S)\n(?=\S$)"), ""),
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


def _sub(
    text: str, origin: list[int], pattern: re.Pattern[str], repl: str
) -> tuple[str, list[int]]:
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


def normalize(text: str) -> str:
    """NFKC with old OCR character forms replaced; the form BM25 sees."""
    return unicodedata.normalize("NFKC", text).translate(OLD_FORMS)


def fold(text: str) -> str:
    """:func:`normalize` with white space removed: for matching, not display."""
    return re.sub(r"\s+", "", normalize(text))


def fold_nfkc(text: str) -> str:
    """NFKC with white space removed, old character forms kept: the form in which two
    spellings of the same text compare equal (full-width and half-width, PDF spacing)."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def fold_digits(text: str) -> str:
    """NFKC with the white space the PDF put between digits removed."""
    text = unicodedata.normalize("NFKC", text)
    return re.sub(r"(?<=[0-9()年月,])\s+(?=[0-9()年月日,])", "", text)
