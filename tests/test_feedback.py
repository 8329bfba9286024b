"""Feedback: votes appended whole to a local JSON-lines file, mapped to their turn,
and turned into eval items."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from qa.app.chat_page import Session
from qa.app.feedback import eval_items, read, record

ANSWER = {
    "question": "甲市と乙省の協定の電話番号は？",
    "answer": "012-345-6789",
    "abstained": False,
    "citations": [
        {"rank": 1, "doc": "002_x.txt", "chunk_id": "002#c1", "title": "協定", "text": "長い本文",
         "span": [3, 15], "score": 1.0},
    ],
}  # fmt: skip


def test_a_vote_is_one_json_line_with_question_answer_and_citations(tmp_path: Path) -> None:
    path = tmp_path / "feedback" / "feedback.jsonl"
    record(ANSWER, True, path)
    record({**ANSWER, "answer": "違う"}, False, path)
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 2
    first = json.loads(lines[0])
    assert first["liked"] is True and first["question"] == ANSWER["question"]
    assert first["answer"] == "012-345-6789"
    assert first["citations"] == [
        {"rank": 1, "doc": "002_x.txt", "chunk_id": "002#c1", "title": "協定", "span": [3, 15]}
    ]  # the passage's text is not copied
    assert json.loads(lines[1])["liked"] is False


def test_concurrent_votes_never_interleave(tmp_path: Path) -> None:
    path = tmp_path / "votes.jsonl"
    long = {**ANSWER, "answer": "長" * 20_000}
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda n: record(long, n % 2 == 0, path), range(64)))
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 64
    assert all(json.loads(line)["answer"] == long["answer"] for line in lines)


def test_a_line_cut_short_is_skipped_when_read(tmp_path: Path) -> None:
    path = tmp_path / "votes.jsonl"
    record(ANSWER, True, path)
    with path.open("a", encoding="utf-8") as f:
        f.write('{"liked": true, "quest')
    assert [v["answer"] for v in read(path)] == ["012-345-6789"]
    assert list(read(tmp_path / "none.jsonl")) == []


def test_votes_become_eval_items_and_questions_to_review(tmp_path: Path) -> None:
    path = tmp_path / "votes.jsonl"
    record(ANSWER, False, path)
    record(ANSWER, True, path)  # the latest vote on a question decides
    record({**ANSWER, "question": "乙省の予算は？", "answer": "9円"}, False, path)
    abstained = {**ANSWER, "question": "丙県の協定は？", "answer": "資料には記載がありません。"}
    record({**abstained, "abstained": True}, True, path)
    items, review = eval_items(read(path))
    assert items == [
        {"id": "feedback-0001", "question": ANSWER["question"], "answers": ["012-345-6789"],
         "source": "002_x.txt", "evidence": "012-345-6789", "type": "contact", "lang": "ja"},
        {"id": "feedback-0002", "question": "丙県の協定は？", "answers": [], "source": "",
         "evidence": "", "type": "unanswerable", "lang": "ja"},
    ]  # fmt: skip
    assert review == [{"question": "乙省の予算は？", "wrong_answer": "9円"}]


def test_a_vote_on_any_message_of_a_turn_finds_that_turns_record() -> None:
    session = Session()
    session = session.asking("q1").answered(
        [{"role": "assistant", "content": "a1"}, {"role": "assistant", "content": "s1"}],
        {"answer": "a1"},
        None,
    )
    session = session.asking("q2")  # not answered yet
    assert [session.record_at(i) for i in range(4)] == [
        {"answer": "a1"}, {"answer": "a1"}, {"answer": "a1"}, None,
    ]  # fmt: skip
    for bad in (4, -1, "1", True, None, [0]):
        assert session.record_at(bad) is None
