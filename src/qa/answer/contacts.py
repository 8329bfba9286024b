"""Contact answers that can be used, and how old the documents are.

A department asked for comes with the phone and e-mail written with it: a card's
own fields, or in a section the first phone number and e-mail address after the
department's name in the same block. Every contact answer says how old its document
is (:func:`as_of_words`: "2012年8月調査時点"), since offices and numbers change.

Example:
    >>> as_of_words({"kind": "survey", "as_of": "2012-08", "edition": "平成24年8月調査"})
    '2012年8月調査時点'
    >>> as_of_words({"kind": "brochure", "as_of": "2023-03", "edition": "FY2022"})
    '2023年3月時点（FY2022版）'
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from qa.corpus.schema import Chunk
from qa.language.contact_forms import EMAIL, PHONE
from qa.language.lexicon import LEXICON

__all__ = ["CONTACT_TYPES", "as_of_words", "contact_of"]

#: Kinds of question whose answer is a way to reach someone.
CONTACT_TYPES = frozenset({"phone", "email", "fax", "department", "contact"})
#: How far after a department's name its phone and e-mail are looked for in a section.
_BLOCK_CHARS = 240
_BLOCK_END = re.compile(r"\n[ \t\u3000]*\n")
_AS_OF = re.compile(r"(\d{4})(?:-(\d{1,2}))?")


def as_of_words(meta: Mapping[str, str]) -> str:
    """A document's date in words, by its kind, with its edition when that says more
    (a fiscal year); "" when the manifest gives no date."""
    words = LEXICON.dates
    m = _AS_OF.fullmatch((meta.get("as_of") or "").strip())
    if m is None:
        return ""
    year, month = m.group(1), m.group(2)
    date = (
        words["month"].format(year=year, month=int(month))
        if month
        else words["year"].format(year=year)
    )
    text = words.get(meta.get("kind", ""), "{date}").format(date=date)
    edition = (meta.get("edition") or "").strip()
    if edition and "年" not in edition and edition != year:  # 平成24年8月調査, 2018: the date
        text += words["edition"].format(edition=edition)
    return text


def contact_of(chunk: Chunk, span: tuple[int, int] | None) -> dict[str, str]:
    """The department, phone and e-mail written with the answer: the card's fields, or
    in a section those after ``span`` in the same block (the department's name first)."""
    if chunk.card is not None:
        card = chunk.card
        found = {"department": card.department, "phone": card.phone, "email": card.email}
        return {k: v.strip() for k, v in found.items() if v and v.strip()}
    if span is None:
        return {}
    start = span[0]
    block = chunk.text[start : start + _BLOCK_CHARS]
    end = _BLOCK_END.search(block)
    block = block[: end.start()] if end else block
    out: dict[str, str] = {}
    for key, pattern in (("phone", PHONE), ("email", EMAIL)):
        m = pattern.search(block)
        if m:
            out[key] = m.group(0)
    return out
