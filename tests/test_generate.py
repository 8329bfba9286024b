"""Optional LLM answers, against a scripted OpenAI-protocol server on loopback.

The server is not a model: each test scripts its reply (a good answer, one citing a
passage that was not given, one with a number the passages do not hold, a slow one, an
HTTP 500, malformed JSON) and reads back the request it received. The answers come from
the real corpus, index and extractive answerer.
"""

from __future__ import annotations

import dataclasses
import json
import re
import socket
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from conftest import CORPUS, ROOT
from qa.answer.answerer import ABSTAIN, Answer, Answerer
from qa.app.cli import main
from qa.app.ui import ChatService
from qa.config import Config, ConfigError
from qa.corpus.documents import load_corpus
from qa.evaluation.dataset import load_dataset
from qa.generate.responder import LLM, Responder, check_reply, generate
from qa.query.names import NameIndex

SHIZUOKA = "静岡県と浙江省の教育交流の覚書はいつ結ばれた？"
SHIZUOKA_DATE = "平成24（2012）年4月4日"
SHIZUOKA_CARD = "日本国静岡県と中華人民共和国浙江省との教育交流協力覚書"
UNANSWERABLE = "青森市とパリ市の特定分野の協定はいつ結ばれた？"
GOOD = f"静岡県と浙江省の教育交流協力覚書は{SHIZUOKA_DATE}に結ばれました [1]。"
MODEL = "scripted-model"
KEY = "sk-test-7f3a9c2e"  # a made-up key: the tests check it never shows


# --- the scripted server ------------------------------------------------------------------


def completion(content: str) -> bytes:
    """A chat completion in the OpenAI protocol whose answer is ``content``."""
    return json.dumps(
        {
            "id": "chatcmpl-test",
            "object": "chat.completion",
            "created": 0,
            "model": MODEL,
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": content},
                    "finish_reason": "stop",
                }
            ],
        },
        ensure_ascii=False,
    ).encode()


class ScriptedChatServer:
    """An OpenAI-protocol ``POST /v1/chat/completions`` server on 127.0.0.1 that gives the
    reply the test scripted (status, body, delay) and records every request it receives."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.script(GOOD)
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                request = json.loads(raw)
                outer.requests.append(
                    {"path": self.path, "headers": dict(self.headers.items()), "json": request}
                )
                status, body, delay = outer.reply(request)
                time.sleep(delay)
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except OSError:
                    pass  # the client gave up (the slow reply)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/v1/chat/completions"

    def script(
        self,
        content: str | Callable[[dict], str] | None = None,
        *,
        status: int = 200,
        body: bytes | None = None,
        delay: float = 0.0,
    ) -> None:
        """Reply with ``content`` (or ``content(request)``) as the answer, or with ``body``."""

        def reply(request: dict) -> tuple[int, bytes, float]:
            if body is not None:
                return status, body, delay
            text = content(request) if callable(content) else content
            return status, completion(text or ""), delay

        self.reply = reply
        self.requests.clear()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope="module")
def chat_server() -> Iterator[ScriptedChatServer]:
    server = ScriptedChatServer()
    yield server
    server.close()


@pytest.fixture
def server(chat_server: ScriptedChatServer, monkeypatch) -> ScriptedChatServer:
    """The scripted server, reset to the good reply, with no API key in the environment."""
    monkeypatch.delenv("QA_LLM_API_KEY", raising=False)
    chat_server.script(GOOD)
    return chat_server


@pytest.fixture(scope="module")
def answerer(engine) -> Answerer:
    return Answerer(engine.retriever)


@pytest.fixture(scope="module")
def extractive(answerer: Answerer) -> Answer:
    answer = answerer.answer(SHIZUOKA)
    assert answer.text == SHIZUOKA_DATE and not answer.abstained
    return answer


def _responder(answerer: Answerer, url: str, timeout: float = 5.0) -> Responder:
    return Responder(answerer, LLM(url, MODEL, timeout))


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


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
    url = f"http://127.0.0.1:{_closed_port()}/v1/chat/completions"
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


# --- the checks alone ----------------------------------------------------------------------

CARD = (
    "特定分野における提携・協定等に関する調査結果 › 日本国静岡県と中華人民共和国浙江省との"
    "教育交流協力覚書\n(2) 提携年月日\n\n平成24（2012）年4月4日\n\n静岡県と中華人民共和国浙江省"
    "の友好提携（昭和57年4月）に基づく、分野別協定。\n"
    "担当部署名\t企画広報部 地域外交局 地域外交課\n"
    "電話番号\t054-221-2309\t電子メール\tkokusai@pref.shizuoka.lg.jp"
)
SURVEY = "調査結果 › はじめに\n提携等は全部で175件、うち再掲25件。"


@pytest.mark.parametrize(
    "reply",
    [
        "平成24（2012）年4月4日に結ばれました [1]。",
        "２０１２年４月４日です［１］。",  # full width
        "2012年4月4日（平成24年）[1]",  # the Gregorian year of a 和暦 one
        "It was signed on April 4, 2012 [1], building on the 1982 friendship [1].",
        "Signed 4 April 2012 (Heisei 24) [1].",
        "2012-04-04 [1]",
        "电话是054-221-2309，邮箱是 KOKUSAI@pref.shizuoka.lg.jp [1]。",
        "昭和57年4月の友好提携に基づきます [1]。",
        "1. 2012年4月4日 [1]\n2. 提携等は175件 [2]",  # "1." and "2." number the list
        "175件のうち再掲は25件です [1, 2]。",
    ],
)
def test_supported_replies_pass(reply: str) -> None:
    assert check_reply(reply, [CARD, SURVEY]) is None


@pytest.mark.parametrize(
    ("reply", "reason"),
    [
        ("2012年4月5日です [1]。", "unsupported value: 2012年4月5日"),
        ("平成25年4月4日です [1]。", "unsupported value: 平成25年4月4日"),
        ("April 4, 2013 [1]", "unsupported value: April 4, 2013"),
        ("昭和57年5月 [1]", "unsupported value: 昭和57年5月"),
        ("提携等は175件です [1]。", "unsupported value: 175"),  # in [2], not in the cited [1]
        ("メールは info@pref.shizuoka.lg.jp [1]", "unsupported value: info@pref.shizuoka.lg.jp"),
        ("詳しくは https://example.org/x [1]", "unsupported value: https://example.org/x"),
        ("2012年4月4日です [0]。", "unknown citation: [0]"),
        ("2012年4月4日です [1][3]。", "unknown citation: [3]"),
        ("2012年4月4日です (1)。", "no citation"),
    ],
)
def test_unsupported_replies_fail(reply: str, reason: str) -> None:
    assert check_reply(reply, [CARD, SURVEY]) == reason


# --- nothing configured: the extractive path exactly ----------------------------------------


def test_nothing_configured_is_the_extractive_answer(answerer: Answerer, monkeypatch) -> None:
    for var in ("QA_LLM_URL", "QA_LLM_MODEL", "QA_LLM_TIMEOUT"):
        monkeypatch.delenv(var, raising=False)
    responder = Responder.from_config(answerer, Config.from_env())
    assert responder.llm is None
    items = load_dataset(ROOT / "eval" / "qa.jsonl")[::15]
    assert len({i.type for i in items}) >= 5
    for item in items:
        expected = answerer.answer(item.question)
        got = responder.answer(item.question)
        assert (got.text, got.abstained, got.citations) == (
            expected.text,
            expected.abstained,
            expected.citations,
        ), item.id
        assert (got.generator, got.fallback_reason) == ("extractive", None)
        assert set(got.timings_ms) == {"retrieve", "answer", "total"}


# --- configuration ---------------------------------------------------------------------------


def test_llm_configuration_from_the_environment() -> None:
    assert LLM.from_config(Config.from_env({})) is None
    cfg = Config.from_env(
        {
            "QA_LLM_URL": "https://user:secret@llm.example/v1/chat/completions",
            "QA_LLM_MODEL": "qwen2.5:7b",
            "QA_LLM_TIMEOUT": "2.5",
            "QA_LLM_API_KEY": KEY,
        }
    )
    llm = LLM.from_config(cfg)
    assert llm is not None and (llm.model, llm.timeout, llm.name) == (
        "qwen2.5:7b",
        2.5,
        "llm:qwen2.5:7b",
    )
    assert "api_key" not in {f.name for f in dataclasses.fields(Config)}  # never stored
    assert "secret" not in repr(cfg) and "secret" not in repr(llm)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"QA_LLM_URL": "ftp://llm.example/v1", "QA_LLM_MODEL": "m"}, "http:// or https://"),
        ({"QA_LLM_URL": "localhost:8080/v1/chat/completions", "QA_LLM_MODEL": "m"}, "https://"),
        ({"QA_LLM_URL": "http:///v1/chat/completions", "QA_LLM_MODEL": "m"}, "with a host"),
        ({"QA_LLM_URL": "http://127.0.0.1:8080/v1/chat/completions"}, "QA_LLM_MODEL"),
        ({"QA_LLM_TIMEOUT": "soon"}, "QA_LLM_TIMEOUT must be a number"),
        ({"QA_LLM_TIMEOUT": "0"}, "above 0"),
        ({"QA_LLM_TIMEOUT": "nan"}, "above 0"),
    ],
)
def test_bad_llm_configuration_is_a_clear_error(env: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(message)):
        Config.from_env(env)


# --- qa ask, qa eval and the chat ----------------------------------------------------------


def _use_server(monkeypatch, url: str) -> None:
    monkeypatch.setenv("QA_LLM_URL", url)
    monkeypatch.setenv("QA_LLM_MODEL", MODEL)
    monkeypatch.setenv("QA_LLM_TIMEOUT", "5")
    monkeypatch.setenv("QA_LLM_API_KEY", KEY)


def test_ask_json_reports_the_generator(
    server: ScriptedChatServer, engine, capsys, monkeypatch
) -> None:
    _use_server(monkeypatch, server.url)
    args = ["ask", "--json", SHIZUOKA, "--no-rebuild", "--index", str(engine.config.index_dir)]
    assert main(args) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["answer"] == GOOD
    assert (record["generator"], record["fallback_reason"]) == (f"llm:{MODEL}", None)
    assert record["citations"][0]["chunk_id"] == "002#card-1-06"
    start, end = record["citations"][0]["span"]
    assert record["citations"][0]["text"][start:end] == SHIZUOKA_DATE
    assert server.requests[0]["headers"]["Authorization"] == f"Bearer {KEY}"

    server.script(status=500, body=b"{}")
    assert main(args) == 0
    captured = capsys.readouterr()
    record = json.loads(captured.out)
    assert record["answer"] == SHIZUOKA_DATE
    assert (record["generator"], record["fallback_reason"]) == ("extractive", "http 500")
    assert KEY not in captured.out and KEY not in captured.err


def test_ask_text_says_which_generator(
    server: ScriptedChatServer, engine, capsys, monkeypatch
) -> None:
    _use_server(monkeypatch, server.url)
    args = ["ask", SHIZUOKA, "--no-rebuild", "--index", str(engine.config.index_dir)]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert out.startswith(GOOD + "\n") and f"written by llm:{MODEL}" in out
    server.script(body=b"not json")
    assert main(args) == 0
    out = capsys.readouterr().out
    assert out.startswith(SHIZUOKA_DATE + "\n")
    assert "the LLM's answer was not used: malformed: not JSON" in out


def _dataset(tmp_path: Path) -> Path:
    rows = [
        {"id": "a", "question": SHIZUOKA, "answers": [SHIZUOKA_DATE],
         "source": "002_e59d51f378d5a747.txt", "evidence": "", "type": "date", "lang": "ja"},
        {"id": "b", "question": "静岡県と浙江省の教育交流の覚書の問い合わせ先の電話番号は？",
         "answers": ["054-221-2309"], "source": "002_e59d51f378d5a747.txt", "evidence": "",
         "type": "contact", "lang": "ja"},
        {"id": "c", "question": UNANSWERABLE, "answers": [], "source": "002_e59d51f378d5a747.txt",
         "evidence": "", "type": "unanswerable", "lang": "ja"},
    ]  # fmt: skip
    path = tmp_path / "qa.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    return path


def test_eval_counts_answers_per_generator(
    server: ScriptedChatServer, engine, capsys, monkeypatch, tmp_path: Path
) -> None:
    args = ["eval", "--dataset", str(_dataset(tmp_path)), "--mode", "bm25"]
    args += ["--no-rebuild", "--index", str(engine.config.index_dir)]
    for var in ("QA_LLM_URL", "QA_LLM_MODEL", "QA_LLM_TIMEOUT"):
        monkeypatch.delenv(var, raising=False)
    assert main([*args, "--json"]) == 0
    plain = json.loads(capsys.readouterr().out)["answers"]
    assert (plain["generators"], plain["fallbacks"]) == ({"extractive": 3}, {})
    assert plain["accuracy"] == 1.0

    # The date question gets the good reply; the phone question one citing no passage.
    def reply(request: dict) -> str:
        asks_date = request["messages"][1]["content"].endswith(f"Question: {SHIZUOKA}")
        return GOOD if asks_date else "054-221-2309です。"

    server.script(reply)
    _use_server(monkeypatch, server.url)
    assert main([*args, "--json"]) == 0
    figures = json.loads(capsys.readouterr().out)["answers"]
    assert figures["generators"] == {"extractive": 2, f"llm:{MODEL}": 1}
    assert figures["fallbacks"] == {"no citation": 1}
    assert figures["accuracy"] == 1.0
    assert len(server.requests) == 2  # the unanswerable question is not sent

    assert main(args) == 0
    out = capsys.readouterr().out
    assert f"generators: extractive 2, llm:{MODEL} 1" in out
    assert "LLM fallbacks: no citation 1" in out


def test_chat_shows_the_generator_and_the_same_highlight(
    server: ScriptedChatServer, answerer: Answerer
) -> None:
    documents = load_corpus(CORPUS)
    service = ChatService(answerer, documents=documents, llm=LLM(server.url, MODEL, 5.0))
    answer = service.answer(SHIZUOKA)
    reply, first, *_ = service.messages(answer)
    assert f'<span class="qa-answer-text">{GOOD}</span>' in reply["content"]
    assert f"回答 Answer: LLM ({MODEL})" in reply["content"]
    assert f"<mark>{SHIZUOKA_DATE}</mark>" in first["content"]
    assert "status" not in first["metadata"]
    record = service.record(answer)
    assert (record["generator"], record["fallback_reason"]) == (f"llm:{MODEL}", None)

    server.script(status=500, body=b"{}")
    answer = service.answer(SHIZUOKA)
    reply, first, *_ = service.messages(answer)
    assert f'<span class="qa-answer-text">{SHIZUOKA_DATE}</span>' in reply["content"]
    assert "回答 Answer: 抽出 extractive" in reply["content"] and "http 500" in reply["content"]
    assert f"<mark>{SHIZUOKA_DATE}</mark>" in first["content"]
    assert service.record(answer)["fallback_reason"] == "http 500"

    plain = ChatService(answerer, documents=documents)
    reply = plain.messages(plain.answer(SHIZUOKA))[0]["content"]
    assert "回答 Answer: 抽出 extractive" in reply and "LLM" not in reply


# --- names in a reply -----------------------------------------------------------------------

#: Corpus names by their Latin keys, as the answerer's name index finds them.
NAMES = NameIndex.build(["静岡県", "静岡", "浙江省", "浙江", "北京市", "北京", "大連市", "大連"])


@pytest.mark.parametrize(
    "reply",
    [
        "静岡県と浙江省の覚書は2012年4月4日に結ばれました [1]。",
        "中国の浙江省と日本の静岡県の覚書です [1]。",
        "Shizuoka Prefecture and Zhejiang signed it on April 4, 2012 [1].",
        "静冈县与浙江省于2012年4月4日签署了备忘录 [1]。",
        "担当は企画広報部 地域外交局 地域外交課です [1]。",
    ],
)
def test_replies_naming_the_cited_places_pass(reply: str) -> None:
    assert check_reply(reply, [CARD, SURVEY], names=NAMES.find) is None


@pytest.mark.parametrize(
    ("reply", "reason"),
    [
        # The right date with the wrong partner.
        ("静岡県と北京市の覚書は2012年4月4日に結ばれました [1]。", "unsupported name: 北京市"),
        ("静岡県と大連の覚書は2012年4月4日です [1]。", "unsupported name: 大連"),
        (
            "Shizuoka Prefecture and Beijing signed it on April 4, 2012 [1].",
            "unsupported name: 北京",
        ),
        ("静冈县与北京市于2012年4月4日签署了备忘录 [1]。", "unsupported name: 北京市"),
        ("静岡県とハノイ市の覚書は2012年4月4日です [1]。", "unsupported name: ハノイ市"),
    ],
)
def test_a_reply_naming_a_place_the_cited_passages_do_not_is_not_used(
    reply: str, reason: str
) -> None:
    assert check_reply(reply, [CARD, SURVEY], names=NAMES.find) == reason


def test_a_reply_naming_another_country_is_not_used() -> None:
    reason = check_reply("ベトナムの浙江省と静岡県の覚書です [1]。", [CARD, SURVEY])
    assert reason is not None and reason.startswith("unsupported name: ")
