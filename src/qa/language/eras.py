"""Japanese eras (和暦), one table for every stage: the lexicon's ``[eras]``.

Example:
    >>> western_year("平成", "24"), western_year("平成", "元")
    (2012, 1989)
    >>> era_years(1989)
    ['昭和64', '平成1', '平成元']
    >>> era_span("昭和")
    (1926, 1988)
"""

from __future__ import annotations

from qa.language.lexicon import LEXICON

__all__ = ["ERAS", "ERA_NAMES", "era_span", "era_years", "western_year"]

#: Era name → the Western year before its first year (平成 → 1988: 平成1 = 1989), oldest first.
ERAS: dict[str, int] = dict(sorted(LEXICON.eras.items(), key=lambda e: e[1]))
#: The era names as a regular-expression alternation (明治|大正|昭和|平成|令和).
ERA_NAMES = "|".join(ERAS)
#: An era year is at most this: the longest era, 昭和, ran to 64.
_LONGEST = 64


def western_year(era: str, year: str | int) -> int:
    """The Western year of ``era``'s ``year`` (``"元"`` is its first year)."""
    return ERAS[era] + (1 if year == "元" else int(year))


def era_years(year: int) -> list[str]:
    """How ``year`` is written in the eras that include it (平成1, 平成元, 昭和64)."""
    forms = []
    for era, before in ERAS.items():
        if 0 < year - before <= _LONGEST:
            forms.append(f"{era}{year - before}")
            if year - before == 1:
                forms.append(f"{era}元")
    return forms


def era_span(era: str) -> tuple[int, int]:
    """The first and the last whole Western year of ``era`` (the year before the next era's
    first; 9999 for the current one)."""
    names = list(ERAS)
    i = names.index(era)
    last = ERAS[names[i + 1]] if i + 1 < len(names) else 9999
    return ERAS[era] + 1, last
