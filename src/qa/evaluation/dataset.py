"""The eval sets' items: reading a JSON-lines file into :class:`EvalItem`, and the form
in which answers and passages are compared with gold strings (:func:`fold`)."""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

__all__ = ["TYPES", "DatasetError", "EvalItem", "fold", "load_dataset", "relevant"]

TYPES = frozenset(
    [
        "date",
        "contact",
        "count",
        "name",
        "place",
        "reason",
        "list",
        "definition",
        "comparison",
        "crosslingual",
        "unanswerable",
    ]
)


class DatasetError(ValueError):
    """An eval file that cannot be read; the message names file and line."""


@dataclass(frozen=True)
class EvalItem:
    """One known question and its gold answers (see ``eval/qa.jsonl``).

    ``count``, for a question over many agreements, is how many match: the
    answer must state that number (and hold every gold string, ``match: all``);
    with ``count: 0`` and no gold strings, saying that nothing matches and
    abstaining are both right.
    """

    id: str
    question: str
    answers: tuple[str, ...]
    source: str
    evidence: str
    type: str
    lang: str
    match: str = "any"
    count: int | None = None

    @property
    def answerable(self) -> bool:
        return bool(self.answers) or self.count is not None


def fold(text: str) -> str:
    """The scoring form: NFKC, no white space."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def relevant(text: str, item: EvalItem) -> bool:
    """Whether ``text`` holds one of the item's gold strings."""
    folded = fold(text)
    return any(fold(a) in folded for a in item.answers)


def load_dataset(path: Path) -> list[EvalItem]:
    """Read a JSON-lines eval file.

    Raises:
        DatasetError: Missing file, bad JSON, a missing key or an unknown type.
    """
    if not path.is_file():
        raise DatasetError(f"{path}: eval file not found")
    items = []
    with path.open(encoding="utf-8") as f:
        for n, line in enumerate(f, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                item = EvalItem(
                    id=str(row["id"]),
                    question=row["question"],
                    answers=tuple(row["answers"]),
                    source=row["source"],
                    evidence=row.get("evidence", ""),
                    type=row["type"],
                    lang=row.get("lang", "ja"),
                    match=row.get("match", "any"),
                    count=None if row.get("count") is None else int(row["count"]),
                )
            except (json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
                raise DatasetError(f"{path}:{n}: not an eval item ({exc})") from None
            if item.match not in ("any", "all"):
                raise DatasetError(f"{path}:{n}: match must be 'any' or 'all', not {item.match!r}")
            if item.type not in TYPES:
                raise DatasetError(f"{path}:{n}: unknown type {item.type!r}")
            items.append(item)
    if not items:
        raise DatasetError(f"{path}: no items")
    return items
