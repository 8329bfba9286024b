"""Optional LLM answers through the responder, against the scripted OpenAI-protocol server
on loopback (tests/llm_server.py): a good reply is the answer, every failure the
extractive answer with its reason. The answers come from the real corpus, index and
extractive answerer."""

from __future__ import annotations

import json

import pytest

from llm_server import (
    GOOD,
    KEY,
    MODEL,
    SHIZUOKA,
    SHIZUOKA_CARD,
    SHIZUOKA_DATE,
    UNANSWERABLE,
    ScriptedChatServer,
    closed_port,
)
from qa.answer.answerer import ABSTAIN, Answer, Answerer
from qa.generate.responder import LLM, Responder, generate


def _responder(answerer: Answerer, url: str, timeout: float = 5.0) -> Responder:
    return Responder(answerer, LLM(url, MODEL, timeout))


# --- a good reply --------------------------------------------------------------------------


def test_a_good_reply_is_the_answer_with_the_same_citations(
    server: ScriptedChatServer, answerer: Answerer, extractive: Answer
) -> None:
    answer = _responder(answerer, server.url).answer(SHIZUOKA)
    assert answer.generator == f"llm:{MODEL}"
    assert answer.text == GOOD
    assert answer.fallback_reason is None
    assert not answer.abstained
    assert answer.citations == extractive.citations  # spans and highlight unchanged
    assert answer.timings_ms["generate"] > 0
    assert answer.timings_ms["total"] >= answer.timings_ms["generate"]


def test_the_request_numbers_the_passages_and_names_the_model(
    server: ScriptedChatServer, answerer: Answerer, extractive: Answer
) -> None:
    _responder(answerer, server.url).answer(SHIZUOKA)
    (request,) = server.requests
    assert request["path"] == "/v1/chat/completions"
    assert "Authorization" not in request["headers"]  # no key set
    body = request["json"]
    assert body["model"] == MODEL and body["stream"] is False
    system, user = body["messages"]
    assert system["role"] == "system" and "Answer in Japanese" in system["content"]
    assert "[n]" in system["content"]
    assert user["role"] == "user" and user["content"].endswith(f"Question: {SHIZUOKA}")
    numbered = user["content"]
    for n, c in enumerate(extractive.citations, start=1):
        assert f"[{n}] " in numbered and c.title in numbered
    assert f"[{len(extractive.citations) + 1}] " not in numbered
    first = numbered.index("[1] ")
    assert "特定分野における提携・協定等に関する調査結果 › " + SHIZUOKA_CARD in numbered[first:]
    assert numbered.index("[1] ") < numbered.index("[2] ")


def test_the_api_key_is_sent_as_a_bearer_token_only(
    server: ScriptedChatServer, answerer: Answerer, monkeypatch
) -> None:
    monkeypatch.setenv("QA_LLM_API_KEY", KEY)
    answer = _responder(answerer, server.url).answer(SHIZUOKA)
    assert answer.generator == f"llm:{MODEL}"
    (request,) = server.requests
    assert request["headers"]["Authorization"] == f"Bearer {KEY}"
    assert KEY not in json.dumps(request["json"], ensure_ascii=False)
    assert KEY not in repr(answer)


def test_an_english_question_asks_for_english(
    server: ScriptedChatServer, answerer: Answerer
) -> None:
    reply = "The education memorandum was signed on April 4, 2012 [1]."
    server.script(reply)
    question = "When was the education exchange memorandum of 静岡県 and 浙江省 signed?"
    answer = _responder(answerer, server.url).answer(question)
    assert (answer.generator, answer.text) == (f"llm:{MODEL}", reply)
    system = server.requests[0]["json"]["messages"][0]["content"]
    assert "Answer in English" in system


# --- replies that fall back ----------------------------------------------------------------

FALLBACKS = [
    pytest.param(
        {"content": f"{SHIZUOKA_DATE}に結ばれました [9]。"},
        "unknown citation: [9]",
        id="cites-a-passage-not-given",
    ),
    pytest.param(
        {"content": f"{SHIZUOKA_DATE}に結ばれ、30校が参加しました [1]。"},
        "unsupported value: 30",
        id="unsupported-number",
    ),
    pytest.param(
        {"content": "2019年5月1日に結ばれました [1]。"},
        "unsupported value: 2019年5月1日",
        id="unsupported-date",
    ),
    pytest.param(
        {"content": "電話は054-221-9999です [1]。"},
        "unsupported value: 054-221-9999",
        id="unsupported-phone",
    ),
    pytest.param({"content": f"{SHIZUOKA_DATE}に結ばれました。"}, "no citation", id="no-citation"),
    pytest.param(
        {"status": 500, "body": b'{"error": {"message": "model crashed"}}'},
        "http 500",
        id="http-500",
    ),
    pytest.param(
        {"body": b'{"choices": [{"message": {"content": "'}, "malformed: not JSON", id="bad-json"
    ),
    pytest.param(
        {"body": b'{"choices": []}'},
        "malformed: no choices[0].message.content",
        id="no-choices",
    ),
    pytest.param({"content": "  "}, "malformed: empty content", id="empty-content"),
]


@pytest.mark.parametrize(("script", "reason"), FALLBACKS)
def test_a_reply_that_fails_gives_the_extractive_answer(
    server: ScriptedChatServer,
    answerer: Answerer,
    extractive: Answer,
    monkeypatch,
    script: dict,
    reason: str,
) -> None:
    monkeypatch.setenv("QA_LLM_API_KEY", KEY)
    server.script(**script)
    answer = _responder(answerer, server.url).answer(SHIZUOKA)
    assert len(server.requests) == 1
    assert answer.generator == "extractive"
    assert answer.fallback_reason == reason
    assert (answer.text, answer.abstained) == (extractive.text, False)
    assert answer.citations == extractive.citations
    assert KEY not in repr(answer)


def test_a_slow_reply_times_out(
    server: ScriptedChatServer, answerer: Answerer, extractive: Answer
) -> None:
    # The reply would come, and be used, after 5 s: that the extractive answer is kept
    # with "timeout" shows the 1 s timeout fired, however loaded the machine is.
    server.script(GOOD, delay=5.0)
    answer = _responder(answerer, server.url, timeout=1.0).answer(SHIZUOKA)
    assert (answer.generator, answer.fallback_reason) == ("extractive", "timeout")
    assert answer.text == extractive.text
    assert answer.timings_ms["generate"] >= 900


def test_no_server_is_a_connection_error(answerer: Answerer, extractive: Answer) -> None:
    url = f"http://127.0.0.1:{closed_port()}/v1/chat/completions"
    answer = _responder(answerer, url).answer(SHIZUOKA)
    assert answer.generator == "extractive"
    assert answer.fallback_reason is not None
    assert answer.fallback_reason.startswith("connection: ")
    assert answer.text == extractive.text


def test_an_abstention_is_not_sent(server: ScriptedChatServer, answerer: Answerer) -> None:
    answer = _responder(answerer, server.url).answer(UNANSWERABLE)
    assert answer.abstained and answer.text == ABSTAIN["ja"]
    assert (answer.generator, answer.fallback_reason) == ("extractive", None)
    assert server.requests == []


def test_generate_keeps_the_key_out_of_a_reason(
    server: ScriptedChatServer, extractive: Answer, monkeypatch
) -> None:
    monkeypatch.setenv("QA_LLM_API_KEY", KEY)
    # A server that echoes the key into a URL of its reply, which the check then quotes.
    server.script(f"詳しくは https://llm.example/?key={KEY} [1]")
    answer = generate(extractive, LLM(server.url, MODEL, 5.0))
    assert answer.generator == "extractive"
    assert answer.fallback_reason == "unsupported value: https://llm.example/?key=***"
