"""The eval's scoring rules, on items of the real eval set."""

from __future__ import annotations

from pathlib import Path

import pytest

from qa.evaluation.dataset import load_dataset
from qa.evaluation.scoring import answer_report, score_answer

DATASET = Path(__file__).resolve().parents[1] / "eval" / "qa.jsonl"


@pytest.fixture(scope="module")
def items():
    return {i.id: i for i in load_dataset(DATASET)}


def test_gold_inside_a_concise_answer_is_right(items) -> None:
    item = items["survey-015"]  # Shizuoka–Zhejiang education memorandum, a date
    o = score_answer(item, "Date: 平成24（2012）年4月4日", False, ["…平成24（2012）年4月4日…"])
    assert o.right and o.supported and not o.exact
    assert score_answer(item, "平成24（2012）年4月4日", False, []).exact
    # Full-width/half-width and spaces fold away.
    assert score_answer(item, "平成２４ (2012) 年 4月4日", False, []).right


def test_too_long_or_abstained_or_wrong_is_wrong(items) -> None:
    item = items["survey-015"]
    assert not score_answer(item, "平成24（2012）年4月4日" + "。" * 120, False, []).right
    assert not score_answer(item, "平成24（2012）年4月4日", True, []).right
    assert not score_answer(item, "平成23（2011）年4月4日", False, []).right


def test_unanswerable_is_right_only_when_abstained(items) -> None:
    item = next(i for i in items.values() if not i.answerable)
    assert score_answer(item, "資料には記載がありません。", True, []).right
    assert not score_answer(item, "平成24年", False, []).right


def test_report_aggregates(items) -> None:
    answerable = items["survey-015"]
    unanswerable = next(i for i in items.values() if not i.answerable)
    outcomes = [
        score_answer(answerable, "平成24（2012）年4月4日", False, ["平成24（2012）年4月4日"], 10),
        score_answer(unanswerable, "記載なし", False, [], 30),
    ]
    r = answer_report(outcomes, "bm25")
    assert r.mode == "bm25"
    assert (r.n, r.accuracy, r.false_abstention, r.abstained_unanswerable) == (2, 0.5, 0.0, 0.0)
    assert r.citation_support == 1.0 and r.exact_match == 1.0
    assert [o.item.id for o in r.wrong] == [unanswerable.id]
    assert r.by_lang["en"] == (1, 1.0)


def test_report_scores_list_questions_apart() -> None:
    from qa.evaluation.dataset import EvalItem
    from qa.evaluation.sets import set_rows

    def item(i: str, answers: tuple[str, ...], match: str, count: int | None) -> EvalItem:
        return EvalItem(i, "q", answers, "s", "e", "list", "ja", match, count)

    listed = item("a", ("甲市", "乙市"), "all", 2)
    counted = item("b", ("甲市",), "any", 1)
    every = item("c", ("丁村", "戊村"), "all", None)
    single = item("d", ("丙町",), "any", None)
    outcomes = [
        score_answer(listed, "2件：甲市、乙市", False, []),  # every item and the number
        score_answer(counted, "2件：甲市", False, []),  # a wrong number
        score_answer(every, "丁村", False, []),  # one item missing
        score_answer(single, "丙町", False, []),
    ]
    r = answer_report(outcomes, "hybrid")
    assert r.lists == (3, pytest.approx(1 / 3))
    header, row = set_rows({"dev": r})
    assert row[header.index("lists")] == "0.333 (3)"
    none = answer_report(outcomes[3:], "hybrid")
    assert none.lists == (0, 0.0) and none.accuracy == 1.0
    assert set_rows({"dev": none})[1][header.index("lists")] == "-"


def test_sets_as_json_count_the_blind_misses_without_showing_them() -> None:
    import json

    from qa.evaluation.dataset import EvalItem
    from qa.evaluation.sets import sets_figures

    item = EvalItem("x1", "甲市の電話番号は？", ("012-345-6789",), "s", "e", "contact", "ja")
    wrong = [score_answer(item, "098-765-4321", False, [])]
    figures = sets_figures({"dev": answer_report(wrong, "hybrid"),
                            "blind": answer_report(wrong, "hybrid")})  # fmt: skip
    assert figures["dev"]["wrong"] == [
        {"id": "x1", "question": "甲市の電話番号は？", "answer": "098-765-4321",
         "gold": ["012-345-6789"], "generator": "extractive", "fallback_reason": None}
    ]  # fmt: skip
    assert figures["blind"]["wrong"] == [] and figures["blind"]["wrong_count"] == 1
    assert figures["blind"]["accuracy"] == 0.0 and figures["dev"]["lists"] == (0, 0.0)
    assert json.loads(json.dumps(figures, ensure_ascii=False))["blind"]["n"] == 1
