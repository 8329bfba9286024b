"""The prompt an LLM gets: the passages numbered [1]..[k] with their titles, the extractive
answer as a hint, and the question, with instructions in the question's language."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from qa.answer.answerer import Answer, Citation
from qa.query.question import detect_lang

__all__ = ["passage_blocks", "prompt_messages"]

_LANGUAGE = {"ja": "Japanese", "en": "English", "zh": "Chinese"}
_SYSTEM = (
    "You answer questions about Japanese local governments' international exchange using only "
    "the numbered passages the user gives. Answer in {language}, in one to three short "
    "sentences. After each statement, cite the passage it comes from as [n], e.g. [1]. Copy "
    "dates, numbers, phone numbers and e-mail addresses exactly as the passages write them, "
    "and give none that they do not contain."
)


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
