"""The hand-written eval set: well-formed, and every gold answer really is in its source."""

from __future__ import annotations

import json
import unicodedata
from collections import Counter
from pathlib import Path

import pytest

from qa.corpus.schema import Document

DATASET = Path(__file__).resolve().parents[1] / "eval" / "qa.jsonl"
TYPES = {
    "date", "contact", "count", "name", "place", "reason", "list",
    "definition", "comparison", "crosslingual", "unanswerable",
}  # fmt: skip
KEYS = {"id", "question", "answers", "source", "evidence", "type", "lang"}
#: Questions over many agreements also carry how many match and the cards behind them.
LIST_KEYS = KEYS | {"match", "count", "cards"}


@pytest.fixture(scope="module")
def items() -> list[dict]:
    with DATASET.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def test_items_are_well_formed(items: list[dict]) -> None:
    assert len(items) >= 150
    assert len({i["id"] for i in items}) == len(items)
    for item in items:
        listing = "count" in item
        assert set(item) == (LIST_KEYS if listing else KEYS), item["id"]
        assert item["type"] in TYPES, item["id"]
        assert item["lang"] in {"ja", "en", "zh"}, item["id"]
        assert item["question"].strip(), item["id"]
        if listing:
            assert item["match"] == "all", item["id"]
            assert len(item["cards"]) >= item["count"], item["id"]
            assert (item["count"] == 0) == (item["answers"] == []), item["id"]
        else:
            assert len(item["answers"]) <= 3, item["id"]
            assert (item["type"] == "unanswerable") == (item["answers"] == []), item["id"]


def test_evidence_and_first_answer_occur_verbatim(
    items: list[dict], docs: dict[str, Document]
) -> None:
    for item in items:
        source = docs[item["source"]].text
        if not item["answers"] or "count" in item:
            continue
        gold, evidence = item["answers"][0], item["evidence"]
        assert len(evidence) <= 80, item["id"]
        assert evidence in source, item["id"]
        assert gold in evidence, item["id"]


def test_coverage(items: list[dict], docs: dict[str, Document]) -> None:
    assert set(i["source"] for i in items) == set(docs)
    langs = Counter(i["lang"] for i in items)
    assert langs["en"] + langs["zh"] >= 20
    assert Counter(i["type"] for i in items)["unanswerable"] >= 15
    # Year-dependent figures: both Beijing brochure editions are asked about.
    beijing = Counter(i["source"] for i in items if i["source"].startswith(("000_", "001_")))
    assert len(beijing) == 2


def test_every_gold_of_a_list_question_is_in_its_evidence(
    items: list[dict], docs: dict[str, Document]
) -> None:
    """Lists over many agreements: each " | "-separated piece of evidence is in the
    survey (white space aside), and each gold name in one of the pieces."""
    lists = [i for i in items if "count" in i]
    assert len(lists) >= 30
    assert Counter(i["lang"] for i in lists).keys() == {"ja", "en", "zh"}

    def fold(text: str) -> str:
        return "".join(unicodedata.normalize("NFKC", text).split())

    for item in lists:
        source = fold(docs[item["source"]].text)
        pieces = [fold(p) for p in item["evidence"].split(" | ") if p.strip()]
        assert all(p in source for p in pieces), item["id"]
        assert all(any(fold(a) in p for p in pieces) for a in item["answers"]), item["id"]
