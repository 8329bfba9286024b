"""Optional LLM answers: the extractive answer rewritten by a language model, checked, or kept.

Off unless ``QA_LLM_URL`` names an OpenAI-compatible ``/v1/chat/completions``
endpoint (llama.cpp's server, Ollama, vLLM). The model gets the question and
the retrieved passages numbered [1]..[k] and must answer in the question's
language, citing them as [n]. Its reply is used only when it cites at least
one passage, cites no number that was not given, and every date, number, phone
number, e-mail address and URL in it appears in the passages it cites (NFKC,
with 和暦 years read as Gregorian ones, so 2012年4月4日 is supported by
平成24（2012）年4月4日). Otherwise, and on a timeout, a connection error, an
HTTP error or a malformed reply, the extractive answer stands, with
``generator="extractive"`` and a ``fallback_reason`` of the form ``code`` or
``code: detail`` (:data:`FALLBACK_CODES`). An abstention is never sent: the
documents do not hold that answer.

Only the standard library talks to the endpoint. Its API key, if any, is read
from ``QA_LLM_API_KEY`` at each call and never stored, logged or put in a
reason; redirects are refused, so it is never sent to another address.

Example:
    >>> responder = Responder(Answerer(engine.retriever), LLM(url, "qwen2.5"))  # doctest: +SKIP
    >>> answer = responder.answer("静岡県と浙江省の教育交流の覚書はいつ？")  # doctest: +SKIP
    >>> answer.generator, answer.text  # doctest: +SKIP
    ('llm:qwen2.5', '覚書は平成24（2012）年4月4日に結ばれました [1]。')
"""

from __future__ import annotations

import http.client
import json
import os
import re
import time
import unicodedata
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from typing import NamedTuple

from qa.answer.answerer import Answer, Answerer, Citation
from qa.config import Config
from qa.generate.reply_names import NameFinder, unsupported_name
from qa.query.question import detect_lang
from qa.retrieval.retriever import Filters

__all__ = [
    "API_KEY_VAR",
    "EXTRACTIVE",
    "FALLBACK_CODES",
    "LLM",
    "Responder",
    "check_reply",
    "generate",
    "passage_blocks",
    "prompt_messages",
]

#: The generator of an answer copied from the documents.
EXTRACTIVE = "extractive"
#: The environment variable the endpoint's API key is read from, at call time only.
API_KEY_VAR = "QA_LLM_API_KEY"
#: The first part of every ``fallback_reason`` (``http`` is followed by the status).
FALLBACK_CODES = (
    "timeout",
    "connection",
    "http",
    "malformed",
    "no citation",
    "unknown citation",
    "unsupported value",
    "unsupported name",
)
#: Replies are short; a bigger body is not a chat completion.
MAX_REPLY_BYTES = 1_000_000
MAX_TOKENS = 512

_LANGUAGE = {"ja": "Japanese", "en": "English", "zh": "Chinese"}
_SYSTEM = (
    "You answer questions about Japanese local governments' international exchange using only "
    "the numbered passages the user gives. Answer in {language}, in one to three short "
    "sentences. After each statement, cite the passage it comes from as [n], e.g. [1]. Copy "
    "dates, numbers, phone numbers and e-mail addresses exactly as the passages write them, "
    "and give none that they do not contain."
)


@dataclass(frozen=True)
class LLM:
    """Where the language model is and how long to wait for it.

    Attributes:
        url: The ``/v1/chat/completions`` endpoint (not in the repr: it may hold credentials).
        model: The model name sent with each request.
        timeout: Seconds to wait for the reply.
    """

    url: str = field(repr=False)
    model: str
    timeout: float = 30.0

    @classmethod
    def from_config(cls, cfg: Config) -> LLM | None:
        """The configured model, or ``None`` when ``QA_LLM_URL`` is not set."""
        return cls(cfg.llm_url, cfg.llm_model, cfg.llm_timeout) if cfg.llm_url else None

    @property
    def name(self) -> str:
        """The ``generator`` of the answers it writes: ``llm:<model>``."""
        return f"llm:{self.model}"


class Responder:
    """The answers ``qa ask``, ``qa eval`` and the chat give: extractive, or rewritten by an LLM.

    Args:
        answerer: The extractive answerer.
        llm: The language model, or ``None`` to give the extractive answers unchanged.
    """

    def __init__(self, answerer: Answerer, llm: LLM | None = None) -> None:
        self.answerer = answerer
        self.llm = llm
        documents = answerer.retriever.index.manifest.documents
        self._titles = {doc: str(meta.get("title") or doc) for doc, meta in documents.items()}

    @classmethod
    def from_config(cls, answerer: Answerer, cfg: Config) -> Responder:
        """A responder with the LLM ``cfg`` names, if any."""
        return cls(answerer, LLM.from_config(cfg))

    def answer(self, question: str, *, k: int = 5, filters: Filters | None = None) -> Answer:
        """The extractive answer to ``question``, rewritten when an LLM is configured."""
        return self.rewrite(self.answerer.answer(question, k=k, filters=filters))

    def rewrite(self, answer: Answer) -> Answer:
        """``answer`` rewritten by the LLM, or unchanged when none is configured (or when
        it is a list of agreements, which the survey's fields state exactly)."""
        if self.llm is None or answer.count is not None:
            return answer
        return generate(answer, self.llm, titles=self._titles, names=self.answerer.corpus_names)


class _Fallback(Exception):
    """The reply cannot be used; ``args[0]`` is the fallback reason."""


def generate(
    answer: Answer,
    llm: LLM,
    *,
    titles: Mapping[str, str] | None = None,
    names: NameFinder | None = None,
) -> Answer:
    """Have ``llm`` answer from ``answer``'s citations; keep ``answer`` if its reply fails a check.

    Args:
        answer: The extractive answer; its citations are the passages the model sees.
        llm: The language model.
        titles: Document id → title, shown with each passage.
        names: Finds the corpus's place names in a reply in Latin letters or Chinese.

    Returns:
        A copy of ``answer`` with the reply as ``text`` and ``generator`` ``llm:<model>``;
        or ``answer`` with ``generator="extractive"`` and the ``fallback_reason``. An
        abstained answer is returned unchanged, without a call.
    """
    if answer.abstained or not answer.citations:
        return answer
    key = os.environ.get(API_KEY_VAR, "")
    started = time.perf_counter()
    passages = passage_blocks(answer.citations, titles)
    try:
        body = _post(llm, prompt_messages(answer, passages), key)
        reply = _content(body)
        problem = check_reply(reply, passages, names=names)
        if problem is not None:
            raise _Fallback(problem)
    except _Fallback as exc:
        reason = str(exc.args[0])
        if key:
            reason = reason.replace(key, "***")
        return replace(
            answer,
            generator=EXTRACTIVE,
            fallback_reason=reason,
            timings_ms=_timings(answer, started),
        )
    return replace(answer, text=reply, generator=llm.name, timings_ms=_timings(answer, started))


def _timings(answer: Answer, started: float) -> dict[str, float]:
    spent = (time.perf_counter() - started) * 1000
    timings = {**answer.timings_ms, "generate": spent}
    timings["total"] = answer.timings_ms.get("total", 0.0) + spent
    return timings


# --- the prompt ------------------------------------------------------------------------


def passage_blocks(
    citations: Sequence[Citation], titles: Mapping[str, str] | None = None
) -> list[str]:
    """Each citation as the model sees it: document title, card or section title, text.

    ``blocks[n - 1]`` is passage [n]; a reply citing [n] is checked against it.
    """
    titles = titles or {}
    return [f"{titles.get(c.doc, c.doc)} › {c.title}\n{c.text.strip()}" for c in citations]


def prompt_messages(answer: Answer, passages: Sequence[str]) -> list[dict[str, str]]:
    """The chat messages: the instructions in the question's language, the passages, the question.

    The extractive answer is given as a hint: it is what passage [1] says.
    """
    language = _LANGUAGE.get(detect_lang(answer.question), "Japanese")
    numbered = "\n\n".join(f"[{n}] {block}" for n, block in enumerate(passages, start=1))
    user = (
        f"Passages:\n\n{numbered}\n\n"
        f"Answer copied from passage [1]: {answer.text}\n\n"
        f"Question: {answer.question}"
    )
    return [
        {"role": "system", "content": _SYSTEM.format(language=language)},
        {"role": "user", "content": user},
    ]


# --- the call ----------------------------------------------------------------------------


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect becomes an HTTP error, so the API key never goes to another address."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


def _post(llm: LLM, messages: list[dict[str, str]], key: str) -> bytes:
    payload = {
        "model": llm.model,
        "messages": messages,
        "temperature": 0,
        "max_tokens": MAX_TOKENS,
        "stream": False,
    }
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    if key:
        headers["Authorization"] = f"Bearer {key}"
    request = urllib.request.Request(
        llm.url, data=json.dumps(payload).encode(), headers=headers, method="POST"
    )
    handlers: list[urllib.request.BaseHandler] = [_NoRedirect()]
    if _loopback(llm.url):
        handlers.append(urllib.request.ProxyHandler({}))  # a local server is never behind a proxy
    opener = urllib.request.build_opener(*handlers)
    deadline = time.monotonic() + llm.timeout
    try:
        with opener.open(request, timeout=llm.timeout) as response:
            # The socket timeout bounds each read; the deadline bounds a reply trickled slowly.
            parts: list[bytes] = []
            size = 0
            while chunk := response.read1(65536):
                size += len(chunk)
                if size > MAX_REPLY_BYTES:
                    raise _Fallback(f"malformed: reply over {MAX_REPLY_BYTES:,} bytes")
                if time.monotonic() > deadline:
                    raise _Fallback("timeout")
                parts.append(chunk)
            return b"".join(parts)
    except urllib.error.HTTPError as exc:
        exc.close()
        raise _Fallback(f"http {exc.code}") from None
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, TimeoutError):
            raise _Fallback("timeout") from None
        raise _Fallback(f"connection: {_describe(exc.reason)}") from None
    except TimeoutError:
        raise _Fallback("timeout") from None
    except (OSError, http.client.HTTPException) as exc:
        raise _Fallback(f"connection: {_describe(exc)}") from None


def _loopback(url: str) -> bool:
    host = urllib.parse.urlsplit(url).hostname or ""
    return host in ("localhost", "::1") or host.startswith("127.")


def _describe(error: object) -> str:
    """A short description of a network error, without the address or request in it."""
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    return type(error).__name__ if isinstance(error, BaseException) else "error"


_THINKING = re.compile(r"^\s*<think>.*?</think>\s*", re.DOTALL)


def _content(body: bytes) -> str:
    """The reply's ``choices[0].message.content``."""
    try:
        data = json.loads(body)
    except ValueError:
        raise _Fallback("malformed: not JSON") from None
    try:
        content = data["choices"][0]["message"]["content"]
    except (KeyError, IndexError, TypeError):
        raise _Fallback("malformed: no choices[0].message.content") from None
    if not isinstance(content, str):
        raise _Fallback("malformed: content is not text")
    # Reasoning models put their notes first; only the answer after them is checked and shown.
    content = _THINKING.sub("", content).strip()
    if not content:
        raise _Fallback("malformed: empty content")
    return content


# --- the checks ----------------------------------------------------------------------------

#: [1], [1, 2], [1][3] (full-width brackets are folded by NFKC first).
_CITE = re.compile(r"\[\s*(\d+(?:\s*[,、，]\s*\d+)*)\s*\]")
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
_URL = re.compile(r"https?://[A-Za-z0-9._~:/?#@!$&'*+,;=%()-]+")
_ERA_START = {"明治": 1867, "大正": 1911, "昭和": 1925, "平成": 1988, "令和": 2018}
_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_DATE = re.compile(
    # 平成24(2012)年4月4日, 平成元年, 2012年4月, 2021年度
    r"(?:(?P<era>明治|大正|昭和|平成|令和)\s*(?P<era_year>\d{1,2}|元)\s*"
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
_DASH = r"[-‐‑–−]"
_PHONE = re.compile(
    rf"(?<![\d-])(?:\+\d{{1,3}}{_DASH}?\s?(?:\(0\){_DASH}?)?)?\(?\d{{1,5}}\)?{_DASH}\d{{1,4}}"
    rf"{_DASH}\d{{3,4}}(?![\d-])"
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

    take(_EMAIL, lambda m: found.emails.append((m.group(0), m.group(0).lower())))
    take(_URL, lambda m: found.urls.append((m.group(0), _url_key(m.group(0)))))

    def date(m: re.Match[str]) -> bool:
        parsed = _parse_date(m)
        if parsed is None:
            return False
        found.dates.append((m.group(0).strip(), parsed))
        return True

    take(_DATE, date)
    take(_PHONE, lambda m: found.phones.append((m.group(0), _phone_keys(m.group(0)))))
    take(_NUMBER, lambda m: found.numbers.append((m.group(0), _number_key(m.group(0)))))
    return found


def _parse_date(m: re.Match[str]) -> _Date | None:
    g = m.groupdict()
    if g["era"]:
        era_year = 1 if g["era_year"] == "元" else int(g["era_year"])
        year = int(g["paren_year"]) if g["paren_year"] else _ERA_START[g["era"]] + era_year
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
