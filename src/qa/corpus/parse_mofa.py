"""Sections of the Ministry of Foreign Affairs' brochure 外務省の地方連携事業 (document 003).

The brochure has four parts, each read by its own function:

1. Two indexes: needs (「…したい」 → pages, grouped by 国内事業/海外事業 and a
   category such as 国際的取組支援) and 事業例 (example programme → page).
2. Programme pages: margin labels (category, need), then one programme after
   another: title, description, 手続き, 連絡先, 主な対象 and a 事業例 p.N
   reference. A programme ends after its 主な対象 value (and the reference
   that may follow it) or where the next margin labels start.
3. 事業例 pages, one per entry of the 事業例 index, found in index order.
4. The 連絡先一覧 table.

Chunks tile the file from the cover to the end, so no line is left out; the
margin labels stay in the text of the programme they head. The headings of a
programme come from the needs index, looked up by its need label, because the
pages do not repeat 国内事業/海外事業 and often omit the category.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import NamedTuple

from qa.corpus.mofa_index import (
    DOMESTIC,
    EXAMPLES_HEAD,
    OVERSEAS,
    IndexEntry,
    Need,
    line_offset,
    norm,
    read_example_index,
    read_need_index,
)
from qa.corpus.parse_common import ParseError, section_chunk
from qa.corpus.schema import Chunk, Document
from qa.corpus.textclean import fold

__all__ = ["parse"]

_CONTACTS_HEAD = "【連絡先】"
_FIELDS = ("手続き", "連絡先", "主な対象")
_EXAMPLE_REF = re.compile(r"事業例\s*p\.\s*(\d+)")

# The PDF emitted the margin labels of pages 2 and 3 as one group after
# 「地方を世界へ」プロジェクト: 交流・連携支援, 地方の魅力を世界へアピールしたい (page 2
# and again page 3), 海外メディアに発信したい. Read in order they would give
# that project 情報提供支援's need and the three programmes on page 3 the
# media need; the needs index (…アピールしたい 2, 3 / …メディアに発信したい 3)
# says otherwise.
_NEED_OVERRIDES = {
    "「地方を世界へ」プロジェクト": "地方の魅力を世界へアピールしたい",
    "大使・総領事の地方訪問": "地方の魅力を世界へアピールしたい",
    "地方視察ツアー": "地方の魅力を世界へアピールしたい",
    "各種招へいプログラム": "地方の魅力を世界へアピールしたい",
}

# Looked up by folded title: the pages break titles with spaces (大使・総領事の 地方訪問).
_OVERRIDES = {fold(title): need for title, need in _NEED_OVERRIDES.items()}

# A page label is taken for an index need when this similar (difflib ratio):
# the pages word needs a little differently (観光客・企業等を誘致したい vs the
# index's 観光客・企業の誘致したい) or cut them (アフリカの若者を受け入れた).
_NEED_MATCH = 0.8
# An example page heading may differ from its index entry as much as
# 日本製品の輸出促進事業 (page) from 日本産品の輸出促進事業 (index).
_EXAMPLE_MATCH = 0.85


class _Para(NamedTuple):
    """A paragraph: consecutive non-blank lines."""

    start: int
    end: int
    text: str

    @property
    def key(self) -> str:
        return fold(self.text)


@dataclass
class _Programme:
    """A programme being read: where its chunk starts (its margin labels, if
    any), its title paragraph, the need it answers, and how far its
    手続き/連絡先/主な対象 fields have come."""

    start: int
    title: _Para
    need: Need | None
    paras: list[_Para] = field(default_factory=list)
    fields: set[str] = field(default_factory=set)
    awaiting_value: bool = False
    complete: bool = False
    end: int = 0


def parse(doc: Document) -> list[Chunk]:
    """Chunks of the brochure in source order: indexes, programmes, examples, contacts.

    Raises:
        ParseError: A part is missing, a need label matches no index entry, a
            programme lacks its 連絡先/主な対象, or an example of the index has
            no page.
    """
    text = doc.text
    needs = read_need_index(doc)
    examples = read_example_index(doc)
    examples_index = line_offset(doc, f"{DOMESTIC} {EXAMPLES_HEAD}", 0)
    pages_start = line_offset(doc, DOMESTIC, examples_index + 1)
    pages_end = line_offset(doc, EXAMPLES_HEAD, pages_start)
    contacts = line_offset(doc, _CONTACTS_HEAD, pages_end)
    first = len(text) - len(text.lstrip())
    chunks = [
        section_chunk(
            doc, "index-needs", "したいこと別の事業索引", first, examples_index, pdf_hyphens=True
        ),
        section_chunk(
            doc, "index-examples", "事業例の索引", examples_index, pages_start, pdf_hyphens=True
        ),
    ]
    chunks += _programme_chunks(doc, needs, pages_start, pages_end)
    chunks += _example_chunks(doc, examples, pages_end, contacts)
    chunks.append(
        section_chunk(
            doc,
            "contacts",
            "連絡先一覧",
            contacts,
            len(text),
            heading=("相談したい",),
            pdf_hyphens=True,
        )
    )
    return chunks


# --- the programme pages ---------------------------------------------------


def _programme_chunks(doc: Document, needs: list[Need], start: int, end: int) -> list[Chunk]:
    programmes = list(_programmes(doc, needs, start, end))
    used = {p.need for p in programmes}
    for need in needs:
        if need not in used:
            raise ParseError(doc, need.offset, f"no programme page answers need {need.text!r}")
    chunks = []
    for i, p in enumerate(programmes, 1):
        title = _one_line(p.title.text)
        chunks.append(
            section_chunk(
                doc,
                f"prog-{i:02d}",
                title,
                p.start,
                p.end,
                heading=(p.need.division, p.need.category, p.need.text) if p.need else (),
                pdf_hyphens=True,
            )
        )
    return chunks


def _programmes(doc: Document, needs: list[Need], start: int, end: int) -> Iterator[_Programme]:
    """Programmes of the pages between ``start`` and ``end``, in source order."""
    labels_at: int | None = None
    category: str | None = None
    need: Need | None = None
    current: _Programme | None = None
    for para in _paras(doc.text, start, end):
        kind = _label(para, needs)
        if kind is not None:
            if current is not None:
                yield _finish(doc, current)
                current = None
            if labels_at is None:
                labels_at, category = para.start, None
            if isinstance(kind, Need):
                # Several needs in one label group: the last is in force (but
                # see _NEED_OVERRIDES).
                _check_category(doc, para, kind, category)
                need = kind
            elif kind != "division":
                category = kind
            continue
        if current is not None and current.complete:
            if _EXAMPLE_REF.fullmatch(para.key):
                current.paras.append(para)
                continue
            yield _finish(doc, current)
            current = None
        if current is None:
            override = _OVERRIDES.get(para.key)
            current = _Programme(
                labels_at if labels_at is not None else para.start,
                para,
                _find_need(doc, para, needs, override) if override else need,
            )
            labels_at = None
            continue
        _add(current, para)
    if current is None:
        raise ParseError(doc, end, "programme pages end with margin labels, not a programme")
    yield _finish(doc, current)


def _add(p: _Programme, para: _Para) -> None:
    """Record a paragraph of a programme and whether its 主な対象 value has come."""
    p.paras.append(para)
    key = para.key
    label = next((f for f in _FIELDS if key.startswith(f)), None)
    if label is not None:
        p.fields.add(label)
        if label == "主な対象":
            inline = key != label
            p.complete, p.awaiting_value = inline, not inline
    elif p.awaiting_value:
        p.complete, p.awaiting_value = True, False


def _finish(doc: Document, p: _Programme) -> _Programme:
    """Close a programme at its last paragraph, checking it has what a programme has."""
    if not p.paras:
        raise ParseError(doc, p.title.start, f"programme {p.title.text!r} has no description")
    if p.awaiting_value:
        raise ParseError(
            doc, p.paras[-1].start, f"programme {p.title.text!r}: 主な対象 has no value"
        )
    if p.fields and not {"連絡先", "主な対象"} <= p.fields:
        raise ParseError(doc, p.title.start, f"programme {p.title.text!r} lacks 連絡先 or 主な対象")
    p.end = p.paras[-1].end
    return p


def _label(para: _Para, needs: list[Need]) -> str | Need | None:
    """What a margin label paragraph is: ``"division"``, a category, a need, or None."""
    key = norm(para.text)
    if key in (DOMESTIC, OVERSEAS):
        return "division"
    if key in {norm(n.category) for n in needs}:
        return para.text
    return _match_need(para.text, needs)


def _match_need(text: str, needs: list[Need]) -> Need | None:
    """The index need a page label stands for (or for one of a combined need's halves)."""
    want = _needkey(text)
    if not want.endswith(("たい", "た")):
        return None
    best, score = None, 0.0
    for need in needs:
        for part in re.split(r"\s+", need.text):
            have = _needkey(part)
            ratio = (
                1.0 if have.startswith(want) else difflib.SequenceMatcher(None, want, have).ratio()
            )
            if ratio > score:
                best, score = need, ratio
    return best if score >= _NEED_MATCH else None


def _find_need(doc: Document, para: _Para, needs: list[Need], text: str) -> Need:
    """The index need worded ``text``: an override must name a real need."""
    for need in needs:
        if need.text == text:
            return need
    raise ParseError(doc, para.start, f"override need {text!r} is not in the needs index")


def _check_category(doc: Document, para: _Para, need: Need, category: str | None) -> None:
    """A category label above a need label must be the one the index files it under."""
    if category is not None and norm(category) != norm(need.category):
        raise ParseError(
            doc,
            para.start,
            f"need {need.text!r} is under {need.category!r} in the index, not {category!r}",
        )


# --- the example pages -----------------------------------------------------


def _example_chunks(doc: Document, entries: list[IndexEntry], start: int, end: int) -> list[Chunk]:
    """One chunk per entry of the 事業例 index, from its page heading to the next one."""
    paras = list(_paras(doc.text, start, end))
    found: list[tuple[IndexEntry, _Para, str]] = []
    pos = 1  # paragraph 0 is the part's own heading, 事業例
    for entry in entries:
        hit = _find_example(paras, pos, entry.name)
        if hit is None:
            raise ParseError(
                doc,
                paras[pos].start if pos < len(paras) else end,
                f"事業例 {entry.name!r} (p.{entry.page}) not found",
            )
        i, heading = hit
        found.append((entry, paras[i], heading))
        pos = i + 1
    chunks = []
    for n, (entry, para, heading) in enumerate(found):
        lo = start if n == 0 else para.start
        hi = found[n + 1][1].start if n + 1 < len(found) else end
        title = f"事業例: {heading}"
        if fold(heading) != fold(entry.name):
            title += f"（索引では {entry.name}）"
        chunks.append(
            section_chunk(
                doc,
                f"example-{n + 1:02d}",
                title,
                lo,
                hi,
                heading=(entry.division, EXAMPLES_HEAD),
                pdf_hyphens=True,
            )
        )
    return chunks


def _find_example(paras: list[_Para], pos: int, name: str) -> tuple[int, str] | None:
    """The first paragraph from ``pos`` that heads the example page ``name``.

    Returns its index and the page's own wording of the name. A page whose
    heading line is lost is found by its スキーム line (``スキーム 地方視察ツアー``).
    """
    want = fold(name)
    for i in range(pos, len(paras)):
        words = _one_line(paras[i].text)
        have = fold(words)
        if have.startswith("スキーム") and have.removeprefix("スキーム") == want:
            return i, words.removeprefix("スキーム").strip()
        if have == want or difflib.SequenceMatcher(None, want, have).ratio() >= _EXAMPLE_MATCH:
            return i, words
    return None


# --- text helpers ----------------------------------------------------------


def _paras(text: str, start: int, end: int) -> Iterator[_Para]:
    """Paragraphs (runs of non-blank lines) between ``start`` and ``end``."""
    for m in re.finditer(r"[^\n]*\S[^\n]*(?:\n[^\n]*\S[^\n]*)*", text[start:end]):
        yield _Para(start + m.start(), start + m.end(), m.group())


def _needkey(text: str) -> str:
    """A need's words without the punctuation the pages vary (国際情勢、/国際情勢・).

    Particles stay: 地場産品/産業の海外展開をしたい and …産業を海外展開したい are
    two needs.
    """
    return re.sub(r"[・、,/()]", "", norm(text))


def _one_line(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()
