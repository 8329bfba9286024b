"""The checks an LLM's reply must pass: it cites passages it was given, and every date,
number, phone number, e-mail address, URL and name in it is in the passages it cites
(NFKC; 和暦 years read as Western ones, so 2012年4月4日 is supported by
平成24（2012）年4月4日)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from decimal import Decimal, InvalidOperation
from typing import NamedTuple

from qa.generate.reply_names import NameFinder, unsupported_name
from qa.language.contact_forms import EMAIL, PHONE
from qa.language.eras import ERA_NAMES, western_year

__all__ = ["check_reply"]

#: [1], [1, 2], [1][3] (full-width brackets are folded by NFKC first).
_CITE = re.compile(r"\[\s*(\d+(?:\s*[,、，]\s*\d+)*)\s*\]")
_URL = re.compile(r"https?://[A-Za-z0-9._~:/?#@!$&'*+,;=%()-]+")
_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_DATE = re.compile(
    # 平成24(2012)年4月4日, 平成元年, 2012年4月, 2021年度
    rf"(?:(?P<era>{ERA_NAMES})\s*(?P<era_year>\d{{1,2}}|元)\s*"
    r"(?:\(\s*(?P<paren_year>\d{4})\s*\)\s*)?|(?<!\d)(?P<year>\d{4})\s*)年度?"
    r"(?:\s*(?P<month>\d{1,2})\s*月)?(?:\s*(?P<day>\d{1,2})\s*日)?"
    # 4月4日, 毎年4月
    r"|(?<!\d)(?P<md_month>\d{1,2})\s*月(?:\s*(?P<md_day>\d{1,2})\s*日)?"
    # 2012-04-04, 2012/4/4
    r"|(?<!\d)(?P<iso_year>\d{4})[-/.](?P<iso_month>\d{1,2})[-/.](?P<iso_day>\d{1,2})(?!\d)"
    # April 4, 2012; April 2012; April 4
    rf"|\b(?P<en_month>{_MONTH})\.?\s+(?:(?P<en_day>\d{{1,2}})(?:st|nd|rd|th)?\b)?"
    r"(?:,?\s*(?P<en_year>\d{4})\b)?"
    # 4 April 2012
    rf"|\b(?P<dm_day>\d{{1,2}})(?:st|nd|rd|th)?\s+(?P<dm_month>{_MONTH})\.?,?\s+(?P<dm_year>\d{{4}})\b",
    re.IGNORECASE,
)
_NUMBER = re.compile(r"\d+(?:,\d{3})*(?:\.\d+)?")
#: "1. …" at the start of a line numbers a list; it is not a fact to check.
_ENUMERATOR = re.compile(r"^\s*\d{1,2}[.)]\s", re.MULTILINE)


class _Date(NamedTuple):
    year: int | None
    month: int | None
    day: int | None


class _Facts(NamedTuple):
    """What a text states: each value with how it is written and its comparable form."""

    dates: list[tuple[str, _Date]]
    phones: list[tuple[str, frozenset[str]]]
    emails: list[tuple[str, str]]
    urls: list[tuple[str, str]]
    numbers: list[tuple[str, str]]


def check_reply(
    reply: str, passages: Sequence[str], *, names: NameFinder | None = None
) -> str | None:
    """Why ``reply`` cannot be used as an answer from ``passages``, or ``None`` when it can.

    Args:
        reply: The model's answer.
        passages: The passages it was given; ``passages[n - 1]`` is [n].
        names: Finds the corpus's place names in Latin letters or Chinese
            (:mod:`qa.generate.reply_names` finds Japanese proper nouns and countries without it).

    Returns:
        ``"no citation"``, ``"unknown citation: [n]"``, ``"unsupported value: <as written>"``
        (a date, number, phone, e-mail or URL that none of the cited passages holds),
        ``"unsupported name: <name>"`` (a place, organisation or country they do not
        name), or None.
    """
    text = unicodedata.normalize("NFKC", reply)
    cited = {int(n) for m in _CITE.finditer(text) for n in re.findall(r"\d+", m.group(1))}
    if not cited:
        return "no citation"
    unknown = sorted(n for n in cited if not 1 <= n <= len(passages))
    if unknown:
        return "unknown citation: " + "".join(f"[{n}]" for n in unknown)
    source = unicodedata.normalize("NFKC", "\n".join(passages[n - 1] for n in sorted(cited)))
    support = _facts(source)
    folded = re.sub(r"\s+", "", source)
    # A number may restate part of a date ("Heisei 24", "in 2012" for 平成24年).
    numbers = {key for _, key in support.numbers}
    for written, d in support.dates:
        numbers |= {_number_key(n) for n in _NUMBER.findall(written)}
        if d.year is not None:
            numbers.add(_number_key(str(d.year)))
    phones = frozenset().union(*(keys for _, keys in support.phones))
    emails = {key for _, key in support.emails}
    claimed = _facts(_ENUMERATOR.sub(" ", _CITE.sub(" ", text)))
    for written, date in claimed.dates:
        if not any(_same_date(date, d) for _, d in support.dates):
            return f"unsupported value: {written}"
    for written, keys in claimed.phones:
        if not keys & phones:
            return f"unsupported value: {written}"
    for written, key in claimed.emails:
        if key not in emails:
            return f"unsupported value: {written}"
    for written, key in claimed.urls:
        if key not in folded:
            return f"unsupported value: {written}"
    for written, key in claimed.numbers:
        if key not in numbers:
            return f"unsupported value: {written}"
    name = unsupported_name(_CITE.sub(" ", text), source, names)
    return None if name is None else f"unsupported name: {name}"


def _facts(text: str) -> _Facts:
    """The values stated in ``text`` (NFKC), each found once: e-mails, URLs and dates first,
    then phone numbers, then the numbers left."""
    text = unicodedata.normalize("NFKC", text)
    found = _Facts([], [], [], [], [])

    def take(pattern: re.Pattern[str], keep: Callable[[re.Match[str]], object]) -> None:
        nonlocal text
        for m in pattern.finditer(text):
            if keep(m) is not False:
                # Blank it out, keeping offsets, so its digits are not read again.
                text = text[: m.start()] + " " * (m.end() - m.start()) + text[m.end() :]

    take(EMAIL, lambda m: found.emails.append((m.group(0), m.group(0).lower())))
    take(_URL, lambda m: found.urls.append((m.group(0), _url_key(m.group(0)))))

    def date(m: re.Match[str]) -> bool:
        parsed = _parse_date(m)
        if parsed is None:
            return False
        found.dates.append((m.group(0).strip(), parsed))
        return True

    take(_DATE, date)
    take(PHONE, lambda m: found.phones.append((m.group(0), _phone_keys(m.group(0)))))
    take(_NUMBER, lambda m: found.numbers.append((m.group(0), _number_key(m.group(0)))))
    return found


def _parse_date(m: re.Match[str]) -> _Date | None:
    g = m.groupdict()
    if g["era"]:
        western = western_year(g["era"], g["era_year"])
        year = int(g["paren_year"]) if g["paren_year"] else western
        return _Date(year, _int(g["month"]), _int(g["day"]))
    if g["year"]:
        return _Date(int(g["year"]), _int(g["month"]), _int(g["day"]))
    if g["md_month"]:
        return _Date(None, int(g["md_month"]), _int(g["md_day"]))
    if g["iso_year"]:
        return _Date(int(g["iso_year"]), int(g["iso_month"]), int(g["iso_day"]))
    if g["en_month"]:
        if not (g["en_day"] or g["en_year"]):
            return None  # "may" alone is a verb
        return _Date(_int(g["en_year"]), _month(g["en_month"]), _int(g["en_day"]))
    return _Date(int(g["dm_year"]), _month(g["dm_month"]), int(g["dm_day"]))


def _int(value: str | None) -> int | None:
    return None if value is None else int(value)


def _month(name: str) -> int:
    return _MONTHS.index(name[:3].lower()) + 1


def _same_date(claimed: _Date, stated: _Date) -> bool:
    """Every part the claim gives (year, month, day) is the stated date's."""
    return all(c is None or c == s for c, s in zip(claimed, stated, strict=True))


def _phone_keys(written: str) -> frozenset[str]:
    """The phone's digits, with and without the "(0)" of an international form."""
    return frozenset(re.sub(r"\D", "", form) for form in (written, written.replace("(0)", "")))


def _url_key(written: str) -> str:
    return written.rstrip(".,;:)'")


def _number_key(written: str) -> str:
    try:
        return str(Decimal(written.replace(",", "")).normalize())
    except InvalidOperation:
        return written
