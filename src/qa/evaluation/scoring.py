"""The eval set and its scoring rules, the same everywhere.

Scoring folds text with NFKC and removes white space. A retrieved chunk is
relevant when its text holds a gold answer string. Unanswerable items (no gold
strings) do not count for retrieval; for answers they are right when the
system abstains (see :func:`score_answer`).
"""

from __future__ import annotations

import dataclasses
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple

from qa.evaluation.dataset import EvalItem, fold, relevant
from qa.evaluation.retrieval_scores import RetrievalReport, percentiles
from qa.language.lexicon import LEXICON

if TYPE_CHECKING:
    from qa.answer.answerer import Answer

__all__ = [
    "FOCUS_MODE",
    "AnswerReport",
    "EvalRun",
    "Outcome",
    "Response",
    "answer_limit",
    "answer_report",
    "evaluate_answers",
    "score_answer",
]


CONCISE_CHARS = 120
LONG_CHARS = 400
_LONG_TYPES = frozenset({"reason", "list", "definition", "comparison"})


#: A list answer (``match: all``) may run this many characters per item it must hold.
LIST_CHARS_PER_ITEM = 120


def states_count(folded: str, n: int) -> bool:
    """The folded answer states ``n`` as a count: the number, then a counter (件, 項,
    agreements…), not as part of a longer number."""
    counters = "|".join(re.escape(w) for w in LEXICON.counters["count"])
    return re.search(rf"(?<![\d.,]){n}(?:{counters})", folded, re.IGNORECASE) is not None


def answer_limit(item: EvalItem) -> int:
    """The longest answer scored right for ``item``'s type; a list that must hold
    every gold string (or name ``count`` agreements) may run longer with more items."""
    limit = LONG_CHARS if item.type in _LONG_TYPES else CONCISE_CHARS
    if item.match == "all":
        items = max(len(item.answers), item.count or 0)
        limit = max(limit, LIST_CHARS_PER_ITEM * items)
    return limit


@dataclass(frozen=True)
class Outcome:
    """What the system answered to one eval item, and how it scored.

    Attributes:
        item: The eval item.
        answer: The answer text.
        abstained: Whether the system said the documents do not hold the answer.
        right: Scored right under the eval's rules.
        exact: The folded answer equals a folded gold string.
        f1: Best character F1 against a gold string (0 for unanswerable items).
        supported: A right answer with a gold string inside one of its first three citations.
        ms: Time to answer.
        generator: What wrote the answer (``extractive`` or ``llm:<model>``).
        fallback_reason: Why a configured LLM's answer was not used, if it was not.
    """

    item: EvalItem
    answer: str
    abstained: bool
    right: bool
    exact: bool
    f1: float
    supported: bool
    ms: float
    generator: str = "extractive"
    fallback_reason: str | None = None
    strict: bool = False
    unit_right: bool = False


#: A strictly right answer is at most this many times its gold's length.
STRICT_FACTOR = 3


def score_answer(
    item: EvalItem,
    answer: str,
    abstained: bool,
    citations: Sequence[str],
    ms: float = 0.0,
    unit: str = "",
) -> Outcome:
    """Score one answer by the eval's rules.

    An answerable item is right when a gold string (every gold string, for a list
    item with ``match: all``) is inside the folded answer, the
    answer is not abstained, and it is concise (≤ 120 characters for dates,
    contacts, counts, names, places and cross-lingual questions, ≤ 400 otherwise).
    An unanswerable item is right when the system abstained. A right answer is
    also *strict* when it is at most three times as long as its gold (all golds
    together for ``match: all``); the answer's *unit* (the line of the passage
    it came from) is right when it holds the gold, however long it is.
    """
    folded = fold(answer)
    golds = [fold(a) for a in item.answers]
    if not item.answerable:
        return Outcome(
            item, answer, abstained, abstained, abstained, 0.0, False, ms,
            strict=abstained, unit_right=abstained,
        )  # fmt: skip
    limit = answer_limit(item)
    contains = (all if item.match == "all" else any)(g in folded for g in golds)
    if item.count is not None:
        contains = contains and states_count(folded, item.count)
    right = contains and not abstained and len(answer) <= limit
    if item.count == 0:  # nothing matches: said so, or the documents do not say it
        right = abstained or states_count(folded, 0)
    supported = right and any(relevant(text, item) for text in citations[:3])
    exact = not abstained and folded in golds
    f1 = 0.0 if abstained or not golds else max(_char_f1(folded, g) for g in golds)
    gold_len = sum(map(len, golds)) if item.match == "all" else max(map(len, golds), default=0)
    strict = right and len(folded) <= STRICT_FACTOR * gold_len
    held = fold(unit or answer)
    unit_right = not abstained and (all if item.match == "all" else any)(g in held for g in golds)
    return Outcome(
        item, answer, abstained, right, exact, f1, supported, ms,
        strict=strict, unit_right=unit_right,
    )  # fmt: skip


def _char_f1(prediction: str, gold: str) -> float:
    common = sum((Counter(prediction) & Counter(gold)).values())
    if not common:
        return 0.0
    precision, recall = common / len(prediction), common / len(gold)
    return 2 * precision * recall / (precision + recall)


@dataclass(frozen=True)
class AnswerReport:
    """Answer quality of one retrieval mode over an eval set.

    Attributes:
        mode: The retrieval mode the answerer used.
        n: Items scored.
        accuracy: Share of all items scored right.
        strict_accuracy: Share scored right with an answer at most 3× its gold's length.
        unit_accuracy: Share whose answering line holds the gold (abstentions on
            unanswerable items count as right).
        precision: Share of the answers given (not abstained) that are right.
        exact_match: Share of answerable items whose answer is exactly a gold string.
        char_f1: Mean character F1 over answerable items.
        abstained_unanswerable: Share of unanswerable items abstained on.
        false_abstention: Share of answerable items wrongly abstained on.
        citation_support: Share of right answerable answers whose first three
            citations hold a gold string.
        by_type: Type → (items, accuracy).
        by_lang: Language → (items, accuracy).
        lists: (items, accuracy) of the list questions: those that must hold every gold
            string (``match: all``) or state a ``count`` (lists and counts over many
            agreements).
        latency_ms: p50 and p95 of answer time.
        wrong: The items scored wrong.
        generators: Generator → answers it wrote (``{"extractive": 185}`` without an LLM).
        fallbacks: Fallback reason code (``timeout``, ``http 500``, ``no citation``…) →
            answers where a configured LLM's reply was not used.
    """

    mode: str
    n: int
    accuracy: float
    exact_match: float
    char_f1: float
    abstained_unanswerable: float
    false_abstention: float
    citation_support: float
    by_type: dict[str, tuple[int, float]]
    by_lang: dict[str, tuple[int, float]]
    latency_ms: dict[str, float]
    wrong: tuple[Outcome, ...]
    generators: dict[str, int] = field(default_factory=dict)
    fallbacks: dict[str, int] = field(default_factory=dict)
    strict_accuracy: float = 0.0
    unit_accuracy: float = 0.0
    precision: float = 0.0
    lists: tuple[int, float] = (0, 0.0)

    def to_dict(self, *, misses: bool = True) -> dict[str, Any]:
        """JSON-ready (``qa eval --json``): every figure, how many answers were wrong,
        and each of them (id, question, answer, gold, generator, fallback reason) unless
        ``misses`` is false (the blind set: only counted)."""
        out = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        out["wrong_count"] = len(self.wrong)
        out["wrong"] = [
            {"id": o.item.id, "question": o.item.question, "answer": o.answer,
             "gold": list(o.item.answers), "generator": o.generator,
             "fallback_reason": o.fallback_reason}
            for o in (self.wrong if misses else ())
        ]  # fmt: skip
        return out


def _is_list(item: EvalItem) -> bool:
    return item.match == "all" or item.count is not None


def answer_report(outcomes: Sequence[Outcome], mode: str) -> AnswerReport:
    """Aggregate the outcomes of answering with retrieval ``mode``."""
    answerable = [o for o in outcomes if o.item.answerable]
    unanswerable = [o for o in outcomes if not o.item.answerable]
    right_answerable = [o for o in answerable if o.right]

    def right(o: Outcome) -> bool:
        return o.right

    def share(rows: Sequence[Outcome], test: Callable[[Outcome], bool]) -> float:
        return sum(map(test, rows)) / len(rows) if rows else 0.0

    def groups(key: Callable[[Outcome], str]) -> dict[str, tuple[int, float]]:
        names = sorted({key(o) for o in outcomes})
        return {
            name: (
                len(rows := [o for o in outcomes if key(o) == name]),
                share(rows, lambda o: o.right),
            )
            for name in names
        }

    return AnswerReport(
        mode=mode,
        n=len(outcomes),
        accuracy=share(outcomes, lambda o: o.right),
        strict_accuracy=share(outcomes, lambda o: o.strict),
        unit_accuracy=share(outcomes, lambda o: o.unit_right),
        precision=share([o for o in outcomes if not o.abstained], lambda o: o.right),
        exact_match=share(answerable, lambda o: o.exact),
        char_f1=sum(o.f1 for o in answerable) / len(answerable) if answerable else 0.0,
        abstained_unanswerable=share(unanswerable, lambda o: o.abstained),
        false_abstention=share(answerable, lambda o: o.abstained),
        citation_support=share(right_answerable, lambda o: o.supported),
        by_type=groups(lambda o: o.item.type),
        by_lang=groups(lambda o: o.item.lang),
        lists=(len(listed := [o for o in outcomes if _is_list(o.item)]), share(listed, right)),
        latency_ms=percentiles([o.ms for o in outcomes]),
        wrong=tuple(o for o in outcomes if not o.right),
        generators=dict(Counter(o.generator for o in outcomes).most_common()),
        fallbacks=dict(
            Counter(
                o.fallback_reason.split(":", 1)[0] for o in outcomes if o.fallback_reason
            ).most_common()
        ),
    )


class Response(NamedTuple):
    """What the system said to one question, as far as scoring needs it.

    Attributes:
        text: The answer text.
        abstained: Whether it said the documents do not hold the answer.
        citations: Texts of the cited passages, in rank order.
        ms: Time to answer.
        generator: What wrote the answer (``extractive`` or ``llm:<model>``).
        fallback_reason: Why a configured LLM's answer was not used, if it was not.
        unit: The line of the answering passage that holds the answer.
    """

    text: str
    abstained: bool
    citations: tuple[str, ...]
    ms: float
    generator: str = "extractive"
    fallback_reason: str | None = None
    unit: str = ""

    @classmethod
    def of(cls, answer: Answer) -> Response:
        """The scored part of an :class:`~qa.answer.answerer.Answer`."""
        return cls(
            answer.text,
            answer.abstained,
            tuple(c.text for c in answer.citations),
            answer.timings_ms.get("total", 0.0),
            answer.generator,
            answer.fallback_reason,
            _line_of(answer),
        )


def _line_of(answer: Answer) -> str:
    """The lines of the first citation that hold its answer span."""
    if answer.abstained or not answer.citations or answer.citations[0].span is None:
        return ""
    text = answer.citations[0].text
    start, end = answer.citations[0].span
    return text[text.rfind("\n", 0, start) + 1 : (text.find("\n", end) + 1 or len(text) + 1) - 1]


def evaluate_answers(
    mode: str,
    items: Sequence[EvalItem],
    respond: Callable[[str], Response],
    progress: Callable[[Iterable[EvalItem]], Iterable[EvalItem]] = iter,
) -> AnswerReport:
    """Answer every item and score the answers.

    Args:
        mode: Name of the retrieval mode the answers use.
        items: The eval items, answerable or not.
        respond: Question → what the system said.
        progress: Wraps the item iterator, e.g. with a progress bar.
    """
    outcomes = []
    for item in progress(items):
        said = respond(item.question)
        outcome = score_answer(item, said.text, said.abstained, said.citations, said.ms, said.unit)
        outcomes.append(
            dataclasses.replace(
                outcome, generator=said.generator, fallback_reason=said.fallback_reason
            )
        )
    return answer_report(outcomes, mode)


#: The mode whose wrong answers a run lists when it was scored: the default mode.
FOCUS_MODE = "hybrid"


@dataclass(frozen=True)
class EvalRun:
    """One run of the eval: what was scored, with what, and the figures per mode.

    Attributes:
        dataset: The eval file, as given.
        questions: Items in it.
        answerable: Items with gold answers.
        date: When the run started (UTC, ``YYYY-MM-DD HH:MM UTC``).
        model: The embedding model's name or path.
        index: One line on the index used (see :func:`qa.evaluation.report.describe_index`).
        top_k: Passages retrieved per answer.
        retrieval: Retrieval figures, one report per mode, in mode order.
        answers: Answer figures, one report per mode, in the same order.
    """

    dataset: str
    questions: int
    answerable: int
    date: str
    model: str
    index: str
    top_k: int
    retrieval: tuple[RetrievalReport, ...]
    answers: tuple[AnswerReport, ...]

    @property
    def focus(self) -> AnswerReport:
        """The answers whose wrong ones are listed: :data:`FOCUS_MODE`'s, else the first mode's."""
        return next((a for a in self.answers if a.mode == FOCUS_MODE), self.answers[0])
