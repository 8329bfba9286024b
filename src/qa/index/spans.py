"""Candidate answer spans inside a unit: one small pure function per answer type.

Each extractor takes a unit's text and returns ``(start, end)`` spans; the
table :data:`EXTRACTORS` maps a span type to its extractor. Counters and eras
come from the lexicon, not from here. The index embeds the text of every span
of its units (:func:`span_texts`) so that the reader can weigh a span by its
meaning as well as its type.

Example:
    >>> text = "電話 03-1234-5678。毎年「みなと祭り」を開催"
    >>> [text[s:e] for kind, s, e in extract(text) if kind in ("phone", "quote")]
    ['03-1234-5678', 'みなと祭り']
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterable

from qa.index.tokenize import unidic_tagger
from qa.index.units import Unit
from qa.language.contact_forms import EMAIL, PHONE
from qa.language.eras import ERA_NAMES
from qa.language.lexicon import LEXICON
from qa.language.scripts import HAN_CHARS

__all__ = ["EXTRACTORS", "extract", "quoted", "span_texts", "span_window", "unit_spans"]

_ERA = ERA_NAMES
_DATE = re.compile(
    rf"(?:{_ERA})\s*(?:\d+|元)\s*(?:[（(]\s*\d{{4}}\s*[)）])?\s*年度?(?:\s*\d+\s*月)?(?:\s*\d+\s*日)?"
    r"|\d{4}\s*年度?(?:\s*\d+\s*月)?(?:\s*\d+\s*日)?(?:\s*[~～〜-]\s*(?:\d{4}\s*年)?\s*\d+\s*月(?:\s*\d+\s*日)?)?"
    r"|\d{4}[./]\d{1,2}(?:[./]\d{1,2})?|FY\s*\d{4}"
    r"|(?:毎年|例年)?\s*\d{1,2}\s*月(?:\s*\d{1,2}\s*日)?"
)


def _alternation(words: tuple[str, ...]) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


_COUNT = re.compile(
    r"(?<![\d,.])(?:(?:年|月|週)に\s*)?(?:(?:のべ|延べ|約|計|合計|総計|最大)\s*)?\d[\d,]*(?:\.\d+)?"
    rf"(?:\s*[~～〜-]\s*\d+)?\s*(?:{_alternation(LEXICON.counters['count'])})"
)
_AMOUNT = re.compile(rf"\d[\d,.]*\s*(?:万|億|千)?\s*(?:{_alternation(LEXICON.counters['money'])})")
_URL = re.compile(r"https?://[^\s<>「」、。）)]+|www\.[^\s<>「」、。）)]+")
#: A quoted or titled name: 「…」, 『…』, "…", 《…》.
_QUOTE = re.compile(r"「([^「」]{2,40})」|『([^『』]{2,40})』|《([^《》]{2,40})》|“([^“”]{2,40})”")
_FREQUENCY = re.compile(
    rf"(?:ほぼ|概ね|おおむね)?(?:{_alternation(LEXICON.frequency)})(?:\s*\d+\s*(?:回|度))?"
)
#: A name: a run of kanji, katakana, Latin letters or digits ending in a name word.
_NAME = re.compile(
    rf"[{HAN_CHARS}\u30a0-\u30ffA-Za-z0-9ー・&\-]{{1,30}}?"
    rf"(?:{_alternation(LEXICON.name_suffixes)})(?![{HAN_CHARS}])"
)
#: Clause boundaries inside a sentence or row.
_CLAUSE_CUT = re.compile(r"[、，,；;：:\t]")


def _matches(pattern: re.Pattern[str]) -> Callable[[str], list[tuple[int, int]]]:
    def find(text: str) -> list[tuple[int, int]]:
        out = []
        for m in pattern.finditer(text):
            s, e = m.span()
            while s < e and text[s].isspace():
                s += 1
            if e > s:
                out.append((s, e))
        return out

    return find


def quoted(text: str) -> list[str]:
    """What ``text`` quotes (「観光」, 『…』, “…”), in its order."""
    return [next(g for g in m.groups() if g) for m in _QUOTE.finditer(text)]


def _quotes(text: str) -> list[tuple[int, int]]:
    out = []
    for m in _QUOTE.finditer(text):
        g = next(i for i in range(1, 5) if m.group(i) is not None)
        out.append(m.span(g))
    return out


def _clauses(text: str) -> list[tuple[int, int]]:
    """Pieces between commas, tabs and colons, when the text has more than one."""
    cuts = [0] + [m.end() for m in _CLAUSE_CUT.finditer(text)] + [len(text) + 1]
    if len(cuts) <= 2:
        return []
    out = []
    for a, b in itertools.pairwise(cuts):
        s, e = a, min(b - 1, len(text))
        while s < e and text[s].isspace():
            s += 1
        while e > s and (text[e - 1].isspace() or text[e - 1] in "、，,；;：:。"):
            e -= 1
        if e - s >= 2:
            out.append((s, e))
    return out


_NOUNISH = frozenset({"名詞", "接頭辞", "接尾辞", "記号"})
_JOINERS = frozenset({"の", "・", "－", "-", "ー", "&"})
_LONGEST_PHRASE = 40


def _noun_phrases(text: str) -> list[tuple[int, int]]:
    """Runs of nouns (unidic POS), joined by の or ・, and each part after a の.

    "寧越郡のサッカー少年団を招聘" gives 寧越郡のサッカー少年団 and サッカー少年団.
    """
    runs: list[list[tuple[int, int, bool]]] = []
    current: list[tuple[int, int, bool]] = []
    pos = 0
    for word in unidic_tagger()(text):
        start = text.find(word.surface, pos)
        if start < 0:
            continue
        end = pos = start + len(word.surface)
        gap = current and start != current[-1][1]
        if word.feature.pos1 in _NOUNISH and not gap:
            current.append((start, end, False))
        elif word.surface in _JOINERS and current and not gap:
            current.append((start, end, True))
        else:
            if current:
                runs.append(current)
            current = [(start, end, False)] if word.feature.pos1 in _NOUNISH else []
    if current:
        runs.append(current)
    out: list[tuple[int, int]] = []
    for run in runs:
        while run and run[-1][2]:
            run.pop()
        if not run:
            continue
        end = run[-1][1]
        heads = [run[0][0]] + [t[1] for t in run if t[2] and text[t[0] : t[1]] == "の"]
        for head in heads:
            if 2 <= end - head <= _LONGEST_PHRASE:
                out.append((head, end))
    return out


#: Span type → extractor.
EXTRACTORS: dict[str, Callable[[str], list[tuple[int, int]]]] = {
    "date": _matches(_DATE),
    "count": _matches(_COUNT),
    "amount": _matches(_AMOUNT),
    "phone": _matches(PHONE),
    "email": _matches(EMAIL),
    "url": _matches(_URL),
    "frequency": _matches(_FREQUENCY),
    "quote": _quotes,
    "name": _matches(_NAME),
    "phrase": _noun_phrases,
    "clause": _clauses,
}


def extract(text: str) -> list[tuple[str, int, int]]:
    """Every typed span of ``text`` as ``(type, start, end)``, by type then position."""
    out = []
    seen = set()
    for kind, find in EXTRACTORS.items():
        for s, e in find(text):
            if (s, e) in seen and kind == "clause":
                continue
            seen.add((s, e))
            out.append((kind, s, e))
    return out


def unit_spans(unit: Unit) -> list[tuple[str, int, int]]:
    """The typed spans of ``unit``'s text short of the whole of it (a card field has
    none: the field is its answer), as ``(type, start, end)`` within the unit."""
    if unit.shape == "field":
        return []
    whole = (0, len(unit.text))
    return [(kind, s, e) for kind, s, e in extract(unit.text) if (s, e) != whole]


#: What ends the clause a span sits in.
_WINDOW_CUT = re.compile(r"[、，,；;：:\t。！？!?\n（）()「」]")


def span_window(text: str, start: int, end: int) -> tuple[int, int]:
    """The clause of ``text`` around ``text[start:end]``: from the cut before it to the
    cut after it (commas, stops, tabs, brackets), the span itself when it spans a cut."""
    a = start
    while a > 0 and not _WINDOW_CUT.match(text[a - 1]):
        a -= 1
    b = end
    while b < len(text) and not _WINDOW_CUT.match(text[b]):
        b += 1
    return a, b


def span_texts(units: Iterable[Unit]) -> list[str]:
    """The texts of every span of ``units`` (:func:`unit_spans`) and of the clause
    around each (:func:`span_window`), each once, sorted."""
    texts = set()
    for u in units:
        for _, s, e in unit_spans(u):
            a, b = span_window(u.text, s, e)
            texts.add(u.text[s:e])
            texts.add(u.text[a:b])
    return sorted(texts)
