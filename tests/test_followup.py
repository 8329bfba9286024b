"""Follow-up questions: which turns inherit the previous topic, on hand-written turns;
then a conversation on the real corpus (questions written for this test)."""

from __future__ import annotations

import pytest

from qa.answer.answerer import Answerer
from qa.answer.followup import Topic, filters_within, inherits, names_something, refers_back, within
from qa.query.question import analyze
from qa.retrieval.retriever import Filters

#: A made-up topic: the places are corpus-like names, the label is free text.
TOPIC = Topic("002#card-x", "002_x.txt", "甲市–乙省 友好協定", ("甲市", "乙省"), ())
NAMES = {"甲市", "乙省", "丙県", "静岡県", "浙江省"}


def _q(text: str):
    return analyze(text, NAMES)


def test_a_question_that_names_nothing_inherits() -> None:
    for text in ("電話番号は？", "メールアドレスを教えてください", "What is the phone number?"):
        q = _q(text)
        assert not names_something(q), text
        assert inherits(TOPIC, q), text


def test_a_question_that_refers_back_inherits_even_naming_the_same_place() -> None:
    q = _q("その甲市の協定の担当部署は？")
    assert refers_back(q) and names_something(q)
    assert inherits(TOPIC, q)
    assert refers_back(_q("Who is in charge of that agreement?"))
    assert refers_back(_q("那个协议的电话是多少？"))


def test_a_question_that_names_a_new_place_starts_afresh() -> None:
    assert not inherits(TOPIC, _q("丙県の協定はいつ結ばれた？"))
    assert not inherits(TOPIC, _q("その丙県の協定はいつ？"))  # refers back, but to a new place
    # A place the corpus does not know, or an office, is named too.
    assert not inherits(TOPIC, _q("大阪市の電話番号は？"))
    assert not inherits(TOPIC, _q("国際交流課の電話番号は？"))


def test_nothing_to_inherit_without_a_previous_topic() -> None:
    assert not inherits(None, _q("電話番号は？"))


def test_within_adds_the_topic_and_keeps_the_question() -> None:
    q = _q("担当部署は？")
    asked = within(q, TOPIC)
    assert asked.text == q.text and asked.answer_type == q.answer_type == "department"
    assert asked.places == ("甲市", "乙省")
    assert asked.lexical.startswith("甲市–乙省 友好協定\n")
    assert filters_within(None, TOPIC) == Filters(doc="002_x.txt")
    chosen = Filters(doc="003", country="中国")
    assert filters_within(chosen, TOPIC) == chosen  # the user's document wins


# --- on the real corpus -------------------------------------------------------------------


@pytest.fixture(scope="module")
def answerer(engine) -> Answerer:
    return Answerer(engine.retriever)


def test_a_conversation_follows_its_card_and_resets_on_a_new_place(answerer: Answerer) -> None:
    first = answerer.answer("静岡県と浙江省が教育の分野で交わした覚書の締結日を教えて")
    assert not first.abstained and first.topic is not None
    card = first.citations[0].chunk_id
    assert first.about is None and first.topic.chunk_id == card

    second = answerer.answer("その覚書を担当している部署はどこ？", previous=first.topic)
    assert second.about == first.topic and not second.abstained
    assert second.citations[0].chunk_id == card
    chunk = answerer._chunks[card]
    assert second.text in chunk.card.department or chunk.card.department in second.text

    third = answerer.answer("電話番号も知りたい", previous=second.topic)
    assert third.about is not None and third.about.chunk_id == card
    assert third.text == chunk.card.phone.strip()
    assert third.to_dict()["about"] == third.about.label

    fresh = answerer.answer("川崎市とダナン市の覚書はいつ結ばれた？", previous=third.topic)
    assert fresh.about is None and fresh.citations[0].chunk_id != card
