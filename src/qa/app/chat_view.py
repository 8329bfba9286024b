"""The chat's messages as HTML, always built from escaped text.

:func:`reply_messages` turns an :class:`~qa.answer.answerer.Answer` into the chat's
messages: the answer (with the topic a follow-up was asked about, a contact
answer's date and contacts), then one collapsible block per source, with its
document's date and the answer's span marked. Each message carries its plain
text (``data-copy``), which the page's copy button copies and screen readers
read instead of the markup (:data:`PAGE_JS`).

Example:
    >>> passage_html("電話 093-662-4020", (3, 15))
    '電話 <mark>093-662-4020</mark>'
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from qa.answer.answerer import Answer, Citation
from qa.answer.listing import listing_template
from qa.app.linebreaks import join_layout_breaks
from qa.generate.responder import EXTRACTIVE
from qa.query.question import detect_lang

__all__ = ["CSS", "SourceInfo", "passage_html", "reply_messages", "text_html"]

_ABSTAIN_NOTE = (
    "資料の中に答えは見つかりませんでした。近い箇所を下に示します。 / Closest passages below."
)
_BLANK_LINES = re.compile(r"\n[ \t\u3000]*(?:\n[ \t\u3000]*)+")
CSS = """
.qa-answer { border-left: 4px solid var(--color-accent); padding: 2px 10px; }
.qa-answer-text { font-weight: 600; }
.qa-ref { color: var(--color-accent); font-weight: 600; margin-left: 4px; }
.qa-abstain { border-left: 4px solid #d97706; background: #fff7ed; color: #7c2d12;
  padding: 6px 10px; border-radius: 4px; }
.dark .qa-abstain { background: #431407; color: #fed7aa; }
.qa-note { font-size: var(--text-sm); opacity: 0.85; }
.qa-generator { font-size: var(--text-sm); opacity: 0.7; margin-top: 2px; }
.qa-meta { font-size: var(--text-sm); opacity: 0.85; margin-bottom: 6px; }
.qa-passage { line-height: 1.6; }
.qa-check { font-size: var(--text-xs); opacity: 0.6; margin-top: 6px; overflow-wrap: anywhere; }
.qa-list { border-collapse: collapse; font-size: var(--text-sm); margin-top: 6px; }
.qa-list th, .qa-list td { border-bottom: 1px solid var(--border-color-primary);
  padding: 2px 8px 2px 0; text-align: left; vertical-align: top; }
.qa-about { font-size: var(--text-sm); opacity: 0.85; margin-bottom: 2px; }
.qa-contact { font-size: var(--text-sm); margin-top: 4px; }
.qa-asof { opacity: 0.8; }
.qa-copy { display: none; }
.qa-passage mark { background: #fde047; color: #111827; padding: 0 2px; border-radius: 2px; }
"""


def text_html(text: str) -> str:
    """``text`` as HTML that displays it literally: escaped, line breaks as ``<br>``."""
    return html.escape(text, quote=True).replace("\r\n", "\n").replace("\n", "<br>")


def passage_html(text: str, span: tuple[int, int] | None) -> str:
    """``text`` escaped, with ``text[span[0]:span[1]]`` wrapped in ``<mark>``.

    The line breaks the PDF's layout made are joined (:mod:`qa.linebreaks`), the span
    mapped through the join so that it marks the same characters; blank lines are
    shown as one line break and tabs (table cells) as a wide space, so a card reads
    compactly. Every other character is kept.
    """
    joined = join_layout_breaks(text)
    shown = joined.text
    if span is None or not 0 <= span[0] < span[1] <= len(text):
        return _compact_html(shown)
    start, end = joined.span(span)
    return (
        f"{_compact_html(shown[:start])}<mark>{_compact_html(shown[start:end])}</mark>"
        f"{_compact_html(shown[end:])}"
    )


def _compact_html(text: str) -> str:
    return text_html(_BLANK_LINES.sub("\n", text)).replace("\t", "&emsp;")


def _div(css_class: str, inner_html: str) -> str:
    return f'<div class="{css_class}">{inner_html}</div>'


@dataclass(frozen=True)
class SourceInfo:
    """What the chat shows about a cited chunk besides its text.

    Attributes:
        doc_title: The title of the chunk's document.
        shape: ``card`` or ``section``.
        fields: The card's fields of exchange (none for a section).
        countries: The card's countries (none for a section).
        as_of: The document's date in words ("2012年8月調査時点"; see :mod:`qa.answer.contacts`).
    """

    doc_title: str
    shape: str
    fields: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    as_of: str = ""


#: How the contacts of a contact answer are labelled.
_CONTACT_LABELS = {"department": "担当 Department", "phone": "電話 Phone", "email": "メール E-mail"}


def reply_messages(
    answer: Answer,
    sources: Mapping[str, SourceInfo] | None = None,
    *,
    restricted_to: str = "",
) -> list[dict]:
    """The chat messages for an answer: the answer with its marker, then one block per source.

    Each source is a collapsible message (``metadata["title"]``). The answering
    source ([1]) starts open, with the answer's span marked in its passage; the
    other sources, and all of them when the answer abstains, start closed. Under
    an answer, which generator wrote it: 抽出 extractive, or the LLM (whose reply
    carries its own [n] markers; the marked span stays the extractive answer's).
    A follow-up says what it was asked about; a contact answer gives its document's
    date and the contacts written with it. Each message ends with its plain text,
    hidden (``qa-copy``): what the copy button copies and screen readers read.

    Args:
        answer: The answer.
        sources: Chunk id → what to show about it (document title, fields, countries).
        restricted_to: The filters the answer was searched under, as text ("" for none).
    """
    sources = sources or {}
    note = _div("qa-note", f"絞り込み Filters: {text_html(restricted_to)}") if restricted_to else ""
    about = _about_html(answer)
    if answer.abstained:
        if answer.citations:  # an empty list of agreements has no closest passages
            note = _div("qa-note", text_html(_ABSTAIN_NOTE)) + note
        body = _div("qa-abstain", f"{about}⚠ {text_html(answer.text)}{note}")
    elif answer.count is not None:
        generator = _div("qa-generator", _generator(answer))
        body = _div("qa-answer", about + _listing_html(answer) + generator + note)
    else:
        text = f'<span class="qa-answer-text">{text_html(answer.text)}</span>'
        extractive = answer.generator == EXTRACTIVE
        marker = '<sup class="qa-ref">[1]</sup>' if answer.citations and extractive else ""
        contact = _contact_html(answer)
        generator = _div("qa-generator", _generator(answer))
        body = _div("qa-answer", about + text + marker + contact + generator + note)
    plain = _div("qa-copy", html.escape(answer_plain_text(answer, sources)))
    messages: list[dict] = [{"role": "assistant", "content": body + plain}]
    listed = answer.count is not None
    for c in answer.citations:
        answering = (c.rank == 1 or listed) and not answer.abstained
        opened = answering and not listed
        source = sources.get(c.chunk_id)
        messages.append(_source_message(c, source, answering, answer.abstained, opened))
    return messages


def answer_plain_text(answer: Answer, sources: Mapping[str, SourceInfo]) -> str:
    """The answer as plain text, with what it was about, its contacts and date, and
    its sources' titles (document, its date, card or section): what copy gives."""
    lines = [f"{answer.about.label}について" if answer.about else "", answer.text]
    lines += [f"{_CONTACT_LABELS[k]}: {v}" for k, v in _contacts(answer)]
    if answer.as_of:
        lines.append(f"（{answer.as_of}）")
    cited = (
        answer.citations if answer.count is not None or answer.abstained else answer.citations[:1]
    )
    if cited:
        lines.append("出典 Sources:")
    for c in cited:
        source = sources.get(c.chunk_id)
        title = source.doc_title if source else c.doc
        dated = f"（{source.as_of}）" if source and source.as_of else ""
        lines.append(f"[{c.rank}] {title}{dated} › {c.title}")
    return "\n".join(line for line in lines if line)


def _about_html(answer: Answer) -> str:
    if answer.about is None:
        return ""
    return _div("qa-about", text_html(f"↪ {answer.about.label}について About"))


def _contacts(answer: Answer) -> list[tuple[str, str]]:
    """The contacts to show besides the answer (not the one that is the answer)."""
    return [
        (k, v)
        for k, v in answer.contact.items()
        if k in _CONTACT_LABELS and v and v not in answer.text and answer.text not in v
    ]


def _contact_html(answer: Answer) -> str:
    """A contact answer's other contacts, and its document's date."""
    parts = [f"{_CONTACT_LABELS[k]}: {text_html(v)}" for k, v in _contacts(answer)]
    if answer.as_of:
        parts.append(f'<span class="qa-asof">{text_html(answer.as_of)}</span>')
    return _div("qa-contact", "<br>".join(parts)) if parts else ""


def _listing_html(answer: Answer) -> str:
    """A list answer: how many, then a table of the agreements (sides, title, fields, date),
    each with its source marker.
    (An empty list is an abstention, shown as one.)"""
    lang = detect_lang(unicodedata.normalize("NFKC", answer.question))
    n = len(answer.items)
    head = listing_template(lang, n).format(n=n, items="").rstrip("：: ")
    rows = "".join(
        f"<tr><td>{text_html(a.japanese)}</td><td>{text_html(a.foreign)}</td>"
        f"<td>{text_html(a.title)}</td><td>{text_html('、'.join(a.fields))}</td>"
        f"<td>{text_html(a.date_text)}</td>"
        f'<td><sup class="qa-ref">[{i}]</sup></td></tr>'
        for i, a in enumerate(answer.items, start=1)
    )
    header = "".join(f"<th>{text_html(h)}</th>" for h in _LIST_COLUMNS)
    table = f'<table class="qa-list"><thead><tr>{header}</tr></thead><tbody>{rows}</tbody></table>'
    return f'<span class="qa-answer-text">{text_html(head)}</span>{table}'


#: Column headings of a list answer's table.
_LIST_COLUMNS = (
    "日本の自治体 Japan",
    "海外の自治体 Partner",
    "名称 Agreement",
    "分野 Field",
    "提携年月日 Date",
    "",
)


def _generator(answer: Answer) -> str:
    """Which generator wrote ``answer``, as escaped HTML."""
    if answer.generator != EXTRACTIVE:
        return text_html(f"回答 Answer: LLM ({answer.generator.removeprefix('llm:')})")
    if answer.fallback_reason:
        reason = answer.fallback_reason
        return text_html(f"回答 Answer: 抽出 extractive（LLM の回答は不採用 not used: {reason}）")
    return text_html("回答 Answer: 抽出 extractive")


def _source_message(
    c: Citation, source: SourceInfo | None, answering: bool, abstained: bool, opened: bool
) -> dict:
    """A source as a collapsible message: what a reader checks first (the document and
    its date, the card or section, the passage), then, small and muted, where it is
    in the files (file, chunk id, source characters) for whoever verifies it."""
    doc_title = source.doc_title if source else c.doc
    what = "カード Card" if source and source.shape == "card" else "節 Section"
    dated = f"（{source.as_of}）" if source and source.as_of else ""
    meta = [f"文書 Document: {doc_title}{dated}", f"{what}: {c.title}"]
    if source and source.fields:
        meta.append(f"交流分野 Field: {'、'.join(source.fields)}")
    if source and source.countries:
        meta.append(f"国 Country: {'、'.join(source.countries)}")
    passage = passage_html(c.text, c.span if answering else None)
    meta_html = _div("qa-meta", "<br>".join(text_html(m) for m in meta))
    check = _div("qa-check", text_html(_where(c, answering)))
    plain = _div("qa-copy", html.escape("\n".join([*meta, join_layout_breaks(c.text).text])))
    content = _div("qa-source", meta_html + _div("qa-passage", passage) + check) + plain
    label = "近い資料 closest" if abstained else ("根拠 answer" if answering else "関連 related")
    metadata: dict[str, Any] = {"title": text_html(f"[{c.rank}] {label} · {doc_title} › {c.title}")}
    if not opened:
        metadata["status"] = "done"  # starts closed
    return {"role": "assistant", "content": content, "metadata": metadata}


def _where(c: Citation, answering: bool) -> str:
    """Where a source is in the files: its file, chunk id and, for the answer, the
    answer's characters in the source file."""
    where = f"確認用 For checking: {c.doc} · {c.chunk_id}"
    if answering and c.source_span:
        where += f" · 原文の位置 source characters {c.source_span[0]}–{c.source_span[1]}"
    return where
