"""The chat on the real corpus and model: its messages and its API under 20 concurrent
clients (the real page in Chromium: tests/test_ui_browser.py)."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest

from conftest import CORPUS, ROOT
from qa.answer.answerer import ABSTAIN, Answerer
from qa.app.chat_page import EXAMPLE_LABEL_CHARS, example_labels
from qa.app.ui import (
    EXAMPLES,
    NOT_IN_DOCUMENTS,
    ChatService,
    clean_question,
    passage_html,
    text_html,
)
from qa.corpus.documents import load_corpus
from ui_support import (
    FOLLOW_DEPARTMENT,
    FOLLOW_PHONE,
    SHIZUOKA,
    SHIZUOKA_CARD,
    SHIZUOKA_DATE,
    SURVEY,
    TWENTY,
    UNANSWERABLE,
    check_record,
)


@pytest.fixture(scope="module")
def service(engine) -> ChatService:
    return ChatService(Answerer(engine.retriever), documents=load_corpus(CORPUS))


def test_answer_message_marks_the_span_in_its_source(service: ChatService) -> None:
    answer = service.answer(SHIZUOKA)
    reply, first, *others = service.messages(answer)
    assert reply["role"] == "assistant" and "metadata" not in reply
    assert f'<span class="qa-answer-text">{SHIZUOKA_DATE}</span>' in reply["content"]
    assert '<sup class="qa-ref">[1]</sup>' in reply["content"]
    title = first["metadata"]["title"]
    assert title.startswith("[1] ") and SURVEY in title and SHIZUOKA_CARD in title
    assert "status" not in first["metadata"]  # the answering source starts open
    assert f"<mark>{SHIZUOKA_DATE}</mark>" in first["content"]
    assert "①教育交流" in first["content"] and "中華人民共和国" in first["content"]
    assert len(others) == len(answer.citations) - 1
    assert all(m["metadata"]["status"] == "done" for m in others)
    assert not any("<mark>" in m["content"] for m in others)


def test_abstention_looks_different(service: ChatService) -> None:
    answer = service.answer(UNANSWERABLE)
    assert answer.abstained
    reply, *sources = service.messages(answer)
    assert reply["content"].startswith('<div class="qa-abstain">')
    assert ABSTAIN["ja"] in reply["content"] and "qa-answer" not in reply["content"]
    assert sources and all("近い資料" in m["metadata"]["title"] for m in sources)
    assert not any("<mark>" in m["content"] for m in sources)


def test_a_list_of_one_agreement_is_said_as_one(service: ChatService) -> None:
    answer = service.answer("Which Japanese local governments have agreements with Mongolia?")
    assert answer.count == 1, answer.text
    reply = service.messages(answer)[0]["content"]
    assert '<span class="qa-answer-text">1 agreement matches (survey of August 2012)</span>' in (
        reply
    )
    assert answer.text.startswith("1 agreement matches")


def test_markup_in_the_documents_is_shown_as_text(service: ChatService) -> None:
    # The MOFA contact list writes "<JICA>" before the office that answers this.
    answer = service.answer("青年海外協力隊事務局参加促進課の電話番号は？")
    source = service.messages(answer)[1]
    unmarked = re.sub(r"</?mark>", "", source["content"])
    assert "&lt;JICA&gt; 青年海外協力隊事務局参加促進課" in unmarked
    assert "<mark>" in source["content"]
    assert "<JICA>" not in source["content"]
    # An agreement card's URL with query parameters keeps its ampersands as text.
    assert "&amp;ik=1&amp;pnp=115" in passage_html("info.rbz?nd=1320&ik=1&pnp=115", None)


def test_escaping_is_total_and_spans_are_exact() -> None:
    text = '<p>会議</p>\n<ul class="x">\t"成果"</ul>'
    marked = passage_html(text, (3, 5))
    assert marked == (
        "&lt;p&gt;<mark>会議</mark>&lt;/p&gt;<br>&lt;ul class=&quot;x&quot;&gt;&emsp;"
        "&quot;成果&quot;&lt;/ul&gt;"
    )
    assert re.sub(r"</?(mark|br)>", "", marked).count("<") == 0
    assert text_html("<script>alert(1)</script><b>x</b>") == (
        "&lt;script&gt;alert(1)&lt;/script&gt;&lt;b&gt;x&lt;/b&gt;"
    )
    assert passage_html("abc", (2, 9)) == "abc"  # a span outside the text marks nothing


def test_filters_restrict_the_sources_and_are_shown(service: ChatService) -> None:
    answer = service.answer("経済交流の覚書はいつ結ばれた？", country="ベトナム")
    cited = service.record(answer)["citations"]
    assert cited and all("ベトナム社会主義共和国" in c["countries"] for c in cited)
    reply = service.messages(answer, country="ベトナム")[0]["content"]
    assert "絞り込み Filters: 国 ベトナム" in reply
    chosen = {"document": "002_e59d51f378d5a747.txt", "field": "①"}
    answer = service.answer("教育交流の協定はいつ結ばれた？", **chosen)
    cited = service.record(answer)["citations"]
    assert cited and all("①教育交流" in c["fields"] for c in cited)
    reply = service.messages(answer, **chosen)[0]["content"]
    assert f"絞り込み Filters: 文書 {SURVEY} / 分野 ①教育交流" in reply
    assert "絞り込み" not in service.messages(answer)[0]["content"]


def test_examples_are_shown_whole_and_the_unanswerable_one_is_marked() -> None:
    labels = example_labels(EXAMPLES, NOT_IN_DOCUMENTS)
    assert all(len(label) <= EXAMPLE_LABEL_CHARS for label in labels), labels
    marked = [label for label in labels if label.startswith("⚠ 資料にない例")]
    assert marked == [f"⚠ 資料にない例 Not in the documents: {UNANSWERABLE}"]


def test_question_is_checked() -> None:
    assert clean_question("  静岡県\x00は？ ") == "静岡県は？"
    with pytest.raises(ValueError, match="empty"):
        clean_question(" \n ")
    with pytest.raises(ValueError, match="at most 2,000"):
        clean_question("あ" * 2001)


# --- the served app ------------------------------------------------------------------------


def test_served_on_loopback_only(chat_url: str) -> None:
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/", chat_url)


def test_twenty_concurrent_clients_all_answer_right(chat_url: str) -> None:
    from gradio_client import Client

    def ask(question: str) -> dict:
        client = Client(chat_url, verbose=False)
        try:
            return client.predict(question=question, api_name="/ask")
        finally:
            client.close()

    with ThreadPoolExecutor(max_workers=len(TWENTY)) as pool:
        records = list(pool.map(ask, [q for q, _ in TWENTY], timeout=600))
    assert len(records) == 20
    for (question, expected), record in zip(TWENTY, records, strict=True):
        assert record["question"] == question
        check_record(record, expected)


def test_api_filters_and_errors(chat_url: str) -> None:
    from gradio_client import Client
    from gradio_client.exceptions import AppError

    client = Client(chat_url, verbose=False)
    record = client.predict(SHIZUOKA, "", "①", "", api_name="/ask")
    check_record(record, SHIZUOKA_DATE)
    first = record["citations"][0]
    assert first["doc_title"] == SURVEY and first["fields"] == ["①教育交流"]
    assert first["title"] == SHIZUOKA_CARD and first["source_span"]
    with pytest.raises(AppError, match="the question is empty"):
        client.predict(question="   ", api_name="/ask")
    client.close()


def test_serve_stops_at_once_when_the_port_is_taken() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run(
            [sys.executable, "-m", "qa.app.cli", "serve", "--port", str(port)],
            capture_output=True,
            text=True,
            timeout=60,
            cwd=ROOT,
        )
    assert done.returncode == 2
    assert f"qa: error: cannot serve on 127.0.0.1:{port}" in done.stderr
    assert "Traceback" not in done.stderr


def test_api_follows_up_on_the_history_it_is_given(chat_url: str, shizuoka_card) -> None:
    from gradio_client import Client
    from gradio_client.exceptions import AppError

    client = Client(chat_url, verbose=False)
    first = client.predict(question=SHIZUOKA, api_name="/ask")
    history = [{"role": "user", "content": SHIZUOKA}, {"role": "assistant", "content": first}]
    second = client.predict(question=FOLLOW_DEPARTMENT, history=history, api_name="/ask")
    assert second["answer"] == shizuoka_card.department.strip()
    assert second["about"] == SHIZUOKA_CARD and second["as_of"] == "2012年8月調査時点"
    # The earlier answer as text: the turn is asked again to know what it was about.
    history += [
        {"role": "user", "content": FOLLOW_DEPARTMENT},
        {"role": "assistant", "content": second["answer"]},
    ]
    history[1] = {"role": "assistant", "content": first["answer"]}
    third = client.predict(question=FOLLOW_PHONE, history=history, api_name="/ask")
    assert third["answer"] == shizuoka_card.phone.strip() and third["about"] == SHIZUOKA_CARD
    alone = client.predict(question=FOLLOW_PHONE, api_name="/ask")
    assert "about" not in alone  # without history, nothing is followed up
    with pytest.raises(AppError, match="history message 1: role must be 'user' or 'assistant'"):
        client.predict(question=FOLLOW_PHONE, history=[{"role": "x"}], api_name="/ask")
    client.close()
