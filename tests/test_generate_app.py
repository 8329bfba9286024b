"""The LLM through what users run: nothing configured is the extractive path exactly,
the configuration from the environment, `qa ask`, `qa eval` and the chat saying which
generator wrote each answer (against the scripted server of tests/llm_server.py)."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import pytest

from conftest import CORPUS, ROOT
from llm_server import GOOD, KEY, MODEL, SHIZUOKA, SHIZUOKA_DATE, UNANSWERABLE, ScriptedChatServer
from qa.answer.answerer import Answerer
from qa.app.cli import main
from qa.app.ui import ChatService
from qa.config import Config, ConfigError
from qa.corpus.documents import load_corpus
from qa.evaluation.dataset import load_dataset
from qa.generate.responder import LLM, Responder

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
