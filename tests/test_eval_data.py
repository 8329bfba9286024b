"""The hand-written eval set: well-formed, and every gold answer really is in its source."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from qa.schema import Document

DATASET = Path(__file__).resolve().parents[1] / "eval" / "qa.jsonl"
TYPES = {
    "date", "contact", "count", "name", "place", "reason", "list",
    "definition", "comparison", "crosslingual", "unanswerable",
}  # fmt: skip
KEYS = {"id", "question", "answers", "source", "evidence", "type", "lang"}


@pytest.fixture(scope="module")
def items() -> list[dict]:
    with DATASET.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def test_items_are_well_formed(items: list[dict]) -> None:
    assert len(items) >= 150
    assert len({i["id"] for i in items}) == len(items)
    for item in items:
        assert set(item) == KEYS, item["id"]
        assert item["type"] in TYPES, item["id"]
        assert item["lang"] in {"ja", "en", "zh"}, item["id"]
        assert item["question"].strip(), item["id"]
        assert len(item["answers"]) <= 3, item["id"]
        assert (item["type"] == "unanswerable") == (item["answers"] == []), item["id"]


def test_evidence_and_first_answer_occur_verbatim(
    items: list[dict], docs: dict[str, Document]
) -> None:
    for item in items:
        source = docs[item["source"]].text
        if not item["answers"]:
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
