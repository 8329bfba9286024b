"""A list answer's text: how many agreements match, then each one in the question's
language (both sides, the title when asked for, the date).

Example:
    >>> listing_template("en", 1)
    '{n} agreement matches (survey of August 2012): {items}'
"""

from __future__ import annotations

from qa.language.lexicon import LEXICON
from qa.query.question import Question
from qa.reader.agreement_cues import cue_count
from qa.reader.agreement_rows import Agreement, Constraints, Selection

__all__ = ["listing_template", "listing_text", "titles_asked"]


def listing_text(q: Question, selection: Selection) -> str:
    """A list of agreements in the question's language: how many, then each one."""
    words = LEXICON.listing[q.lang]
    if not selection.rows:
        return words["none"].format(conditions=selection.constraints.describe())
    c = selection.constraints
    titled = titles_asked(q, c)
    items = words["separator"].join(
        _item_text(r, c.side, c.countries, titled) for r in selection.rows
    )
    return listing_template(q.lang, len(selection.rows)).format(n=len(selection.rows), items=items)


def listing_template(lang: str, n: int) -> str:
    """How ``n`` (≥ 1) agreements are said in ``lang``: the lexicon's ``{n}…{items}``
    sentence, its form for one where the language has one (1 agreement matches)."""
    words = LEXICON.listing[lang]
    return words["one"] if n == 1 and "one" in words else words["some"]


def titles_asked(q: Question, constraints: Constraints) -> bool:
    """Whether a list answers with each agreement's title: the question names both
    sides (the agreements of one pair differ by title alone) or asks for names (名称)."""
    both = bool(constraints.japanese) and bool(constraints.foreign)
    return both or cue_count(q.text, "titles") > 0


def _item_text(
    row: Agreement, side: str | None, countries: tuple[str, ...] = (), titled: bool = False
) -> str:
    """One agreement as an item of a list: the side asked for first, then the other (of a
    partner in several countries, its places in those asked for), its title when asked
    for, its date."""
    first, second = row.japanese, row.foreign_in(countries) if countries else row.foreign
    if side == "foreign":
        first, second = second, first
    title = f"「{row.title}」" if titled and row.title else ""
    date = f"（{row.date_text}）" if row.date_text else ""
    return f"{first}－{second}{title}{date}"
