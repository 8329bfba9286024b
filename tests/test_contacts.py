"""Contact answers: each document's date in words, and a department with its phone and
e-mail, dated, from the same card or section."""

from __future__ import annotations

import pytest

from conftest import CORPUS
from qa.answer.answerer import Answerer
from qa.answer.contacts import as_of_words
from qa.corpus.documents import load_corpus


def test_each_document_date_is_said_in_words_by_kind() -> None:
    said = {d.id[:3]: as_of_words(vars(d)) for d in load_corpus(CORPUS)}
    assert said == {
        "000": "2023年3月時点（FY2022版）",
        "001": "2022年時点（FY2021版）",
        "002": "2012年8月調査時点",
        "003": "2018年7月時点",
        "004": "2018年",
    }
    assert as_of_words({"kind": "survey", "as_of": ""}) == ""  # no date, no words
    assert as_of_words({"kind": "leaflet", "as_of": "2020"}) == "2020年"  # a kind with no words


@pytest.fixture(scope="module")
def answerer(engine) -> Answerer:
    return Answerer(engine.retriever)


def test_a_department_comes_with_its_phone_and_email_and_the_survey_date(answerer) -> None:
    answer = answerer.answer("北九州市と天津市の低炭素社会の覚書を担当する部署は？")
    assert not answer.abstained
    card = answerer._chunks[answer.citations[0].chunk_id].card
    assert card is not None and card.phone and card.email
    assert answer.contact == {
        "department": card.department.strip(),
        "phone": card.phone.strip(),
        "email": card.email.strip(),
    }
    assert answer.as_of == "2012年8月調査時点"
    record = answer.to_dict()
    assert record["as_of"] == "2012年8月調査時点" and record["contact"]["phone"] == card.phone


def test_a_section_contact_is_dated_by_its_own_document(answerer) -> None:
    answer = answerer.answer("外務省の地方連携推進室の電話番号は？")
    assert "03-5501-8491" in answer.text
    assert answer.citations[0].doc.startswith("003")
    assert answer.as_of == "2018年7月時点"
    assert answer.contact.get("phone") == "03-5501-8491"


def test_an_answer_that_is_no_contact_carries_no_date(answerer) -> None:
    answer = answerer.answer("川崎市とダナン市の覚書はいつ結ばれた？")
    assert not answer.abstained and answer.as_of == "" and answer.contact == {}
    assert "as_of" not in answer.to_dict()
