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

import os
import time
from collections.abc import Mapping
from dataclasses import replace

from qa.answer.answerer import Answer, Answerer
from qa.config import Config
from qa.generate.checks import check_reply
from qa.generate.llm_client import LLM, Fallback, content, post
from qa.generate.prompt import passage_blocks, prompt_messages
from qa.generate.reply_names import NameFinder
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
        body = post(llm, prompt_messages(answer, passages), key)
        reply = content(body)
        problem = check_reply(reply, passages, names=names)
        if problem is not None:
            raise Fallback(problem)
    except Fallback as exc:
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
