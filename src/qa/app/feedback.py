"""Thumbs up or down on an answer, kept on this machine as JSON lines.

Each vote is one line of ``feedback/feedback.jsonl`` under the project root
(git-ignored): the question, the answer, its citations, the vote and when. A line
is written with one ``write`` on a file opened for appending, so lines from
concurrent votes never interleave, and a reader never sees half a line except the
last one while it is written. Nothing is sent anywhere.

:func:`eval_items` turns the votes into eval items (the shape of ``eval/qa.jsonl``)
for ``qa eval --from-feedback OUT``: an answer voted up becomes an item expecting
that answer from the cited document; a question voted down is listed apart, for
someone to write its right answer.

Example:
    >>> record({"question": "q", "answer": "a", "citations": []}, True, path)  # doctest: +SKIP
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

__all__ = ["FEEDBACK_FILE", "eval_items", "read", "record"]

#: Where votes go, under the project root.
FEEDBACK_FILE = Path("feedback") / "feedback.jsonl"


def record(answer: Mapping[str, Any], liked: bool, path: Path) -> dict[str, Any]:
    """Append a vote on ``answer`` (an ``Answer.to_dict()``) to ``path``; returns the line.

    The citations keep their document, chunk, title and span, not their whole text.
    """
    line = {
        "time": datetime.now(UTC).isoformat(timespec="seconds"),
        "liked": bool(liked),
        "question": answer.get("question", ""),
        "answer": answer.get("answer", ""),
        "abstained": bool(answer.get("abstained", False)),
        "about": answer.get("about"),
        "citations": [
            {k: c.get(k) for k in ("rank", "doc", "chunk_id", "title", "span")}
            for c in answer.get("citations", [])
        ],
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    data = (json.dumps(line, ensure_ascii=False) + "\n").encode()
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, data)  # one write with O_APPEND: whole lines, never interleaved
    finally:
        os.close(fd)
    return line


def read(path: Path) -> Iterator[dict[str, Any]]:
    """The votes in ``path``, oldest first; a line cut short (being written) is skipped."""
    if not path.exists():
        return
    with path.open(encoding="utf-8") as f:
        for raw in f:
            try:
                yield json.loads(raw)
            except json.JSONDecodeError:
                continue


#: The eval set's question type for each kind of question (:data:`qa.query.question.ANSWER_TYPES`).
_TYPE_OF_KIND = {
    "date": "date", "count": "count", "place": "place", "reason": "reason", "list": "list",
    "definition": "definition", "name": "name", "person": "name", "amount": "count",
    "phone": "contact", "email": "contact", "fax": "contact", "department": "contact",
    "contact": "contact", "url": "contact",
}  # fmt: skip


def eval_items(votes: Iterable[Mapping[str, Any]]) -> tuple[list[dict], list[dict]]:
    """Eval items (the shape of ``eval/qa.jsonl``) from votes, one per question, its
    latest vote deciding: an answer voted up is expected again (an abstention voted up
    becomes an unanswerable item); one voted down is returned apart, to be written by
    hand, since the right answer is not known.

    Returns:
        (items, to_review): the eval items, and the questions voted down with the answer
        that was wrong.
    """
    from qa.query.question import analyze

    latest: dict[str, Mapping[str, Any]] = {}
    for vote in votes:
        latest[vote["question"]] = vote
    items: list[dict] = []
    review: list[dict] = []
    for question, vote in latest.items():
        if not vote.get("liked"):
            review.append({"question": question, "wrong_answer": vote.get("answer", "")})
            continue
        q = analyze(question)
        first = (vote.get("citations") or [{}])[0]
        answered = not vote.get("abstained")
        items.append(
            {
                "id": f"feedback-{len(items) + 1:04d}",
                "question": question,
                "answers": [vote["answer"]] if answered else [],
                "source": first.get("doc") or "" if answered else "",
                "evidence": vote["answer"] if answered else "",
                "type": _TYPE_OF_KIND.get(q.answer_type, "name") if answered else "unanswerable",
                "lang": q.lang,
            }
        )
    return items, review
