"""``qa serve`` as an attacker on the same machine meets it (#17 items 3, 4, 5 and 12):
a real server in a subprocess on a free loopback port, sent oversized bodies, uploads,
foreign Host headers and malformed ``/ask`` arguments."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from conftest import CORPUS, ROOT
from qa.app.serve_guard import MAX_BODY_BYTES, allowed_hosts
from ui_support import free_port

SHIZUOKA = "静岡県と浙江省の教育交流の覚書はいつ結ばれた？"
SHIZUOKA_DATE = "平成24（2012）年4月4日"
#: A name the server is told to accept besides loopback (QA_ALLOWED_HOSTS).
PROXY_NAME = "qa.example.org"
#: Seconds to wait for the model and index to load: only a failure waits this long.
START_TIMEOUT = 600
#: Seconds a socket waits for the server's reply: only a failure waits this long.
REPLY_TIMEOUT = 120


@dataclass(frozen=True)
class Served:
    url: str
    port: int
    temp_dir: Path  # GRADIO_TEMP_DIR: where Gradio would keep uploads
    log: Path  # the server's stdout and stderr

    def log_size(self) -> int:
        return self.log.stat().st_size

    def log_since(self, offset: int) -> str:
        return self.log.read_bytes()[offset:].decode("utf-8", "replace")


@pytest.fixture(scope="module")
def served(engine, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """``qa serve`` on a free loopback port, on the session's index, until it answers."""
    tmp = tmp_path_factory.mktemp("serve")
    temp_dir = tmp / "gradio"
    temp_dir.mkdir()
    log = tmp / "serve.log"
    port = free_port()
    # The session's settings only: no QA_HOST, LLM or Gradio settings from the caller.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("QA_", "GRADIO_"))}
    if "QA_ROOT" in os.environ:
        env["QA_ROOT"] = os.environ["QA_ROOT"]
    env.update(
        QA_CORPUS_DIR=str(CORPUS),
        QA_INDEX_DIR=str(engine.config.index_dir),
        QA_ALLOWED_HOSTS=PROXY_NAME,
        GRADIO_TEMP_DIR=str(temp_dir),
        GRADIO_ANALYTICS_ENABLED="False",
        PYTHONUNBUFFERED="1",
    )
    command = [sys.executable, "-m", "qa.app.cli", "serve", "--port", str(port), "--no-rebuild"]
    with log.open("wb") as out:
        server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=out)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if server.poll() is not None:
                pytest.fail(f"qa serve exited ({server.returncode}):\n{log.read_text()[-3000:]}")
            try:
                if httpx.get(url, timeout=10).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"qa serve did not answer in {START_TIMEOUT} s:\n{log.read_text()}")
            time.sleep(1)
        yield Served(url, port, temp_dir, log)
    finally:
        server.terminate()
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def _raw_request(port: int, head: bytes, body: Iterator[bytes]) -> bytes:
    """Send ``head`` and as much of ``body`` as the server takes; its reply's head."""
    with socket.create_connection(("127.0.0.1", port), timeout=REPLY_TIMEOUT) as s:
        s.sendall(head)
        try:
            for piece in body:
                s.sendall(piece)
        except OSError:  # the server answered and closed before the body ended
            pass
        reply = b""
        try:
            while b"\r\n\r\n" not in reply:
                chunk = s.recv(65536)
                if not chunk:
                    break
                reply += chunk
        except OSError:  # no reply (the server still waits for the body)
            pass
    return reply


def _files(folder: Path) -> set[Path]:
    return {p for p in folder.rglob("*") if p.is_file()}


# --- 3. request size -----------------------------------------------------------------------


def test_a_body_declared_over_the_limit_is_refused_before_it_is_sent(served: Served) -> None:
    declared = 100 * 1024 * 1024
    head = (
        b"POST /gradio_api/call/ask HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n" % declared
    )
    # Only 64 KiB of the 100 MiB are ever sent: the reply must not wait for the rest.
    reply = _raw_request(served.port, head, iter([b"x" * 65536]))
    assert reply.startswith(b"HTTP/1.1 413 "), reply[:200]


def test_a_streamed_body_growing_over_the_limit_is_refused(served: Served) -> None:
    head = (
        b"POST /gradio_api/call/ask HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
    )
    piece = b"x" * 65536
    pieces = 2 * MAX_BODY_BYTES // len(piece)  # twice the limit, no Content-Length
    body = iter([b"%x\r\n%s\r\n" % (len(piece), piece)] * pieces + [b"0\r\n\r\n"])
    reply = _raw_request(served.port, head, body)
    assert reply.startswith(b"HTTP/1.1 413 "), reply[:200]


# --- 4. uploads ------------------------------------------------------------------------------


def test_uploads_are_refused_and_nothing_is_written(served: Served) -> None:
    before = _files(served.temp_dir)
    cross_site = {"Origin": "http://evil.example"}
    for path in ("gradio_api/upload", "gradio_api/upload?upload_id=x1"):
        response = httpx.post(
            served.url + path, files={"files": ("a.txt", b"hello")}, headers=cross_site
        )
        assert response.status_code == 403, (path, response.status_code, response.text)
        assert "uploads are not accepted" in response.text
    # Any multipart body, to any route (Gradio parses them into temporary files).
    response = httpx.post(
        served.url + "gradio_api/process_recording", files={"data": ("b.wav", b"RIFF")}
    )
    assert response.status_code == 403
    assert _files(served.temp_dir) == before


# --- 5. Host header and framing ----------------------------------------------------------


def test_a_foreign_host_is_refused_without_echoing_its_origin(served: Served) -> None:
    foreign = {
        "Host": f"evil.example:{served.port}",
        "Origin": f"http://evil.example:{served.port}",
    }
    preflight = {**foreign, "Access-Control-Request-Method": "POST"}
    for response in (
        httpx.get(served.url, headers=foreign),
        httpx.get(served.url + "config", headers=foreign),
        httpx.post(served.url + "gradio_api/call/ask", json={"data": [SHIZUOKA]}, headers=foreign),
        httpx.options(served.url + "gradio_api/call/ask", headers=preflight),
    ):
        assert response.status_code == 400, (response.request.url, response.status_code)
        assert response.text == "Invalid host header"
        assert "access-control-allow-origin" not in response.headers


def test_only_its_own_names_may_read_it_cross_origin(served: Served) -> None:
    # Reached by its proxy's name, Gradio's CORS alone would let any page read answers.
    for host in (PROXY_NAME, f"127.0.0.1:{served.port}"):
        for origin in ("http://evil.example", "null", f"http://{PROXY_NAME}.evil.example"):
            response = httpx.get(served.url + "config", headers={"Host": host, "Origin": origin})
            assert response.status_code == 200
            assert "access-control-allow-origin" not in response.headers, (host, origin)
    own = httpx.get(
        served.url + "config", headers={"Host": PROXY_NAME, "Origin": f"https://{PROXY_NAME}"}
    )
    assert own.headers["access-control-allow-origin"] == f"https://{PROXY_NAME}"


def test_the_names_it_is_bound_to_are_answered(served: Served) -> None:
    for host in (f"127.0.0.1:{served.port}", f"localhost:{served.port}", "LOCALHOST", PROXY_NAME):
        response = httpx.get(served.url, headers={"Host": host})
        assert response.status_code == 200, host


def test_every_response_forbids_framing_and_sniffing(served: Served) -> None:
    for response in (
        httpx.get(served.url),
        httpx.get(served.url + "gradio_api/info"),
        httpx.get(served.url + "no-such-page"),
        httpx.get(served.url, headers={"Host": "evil.example"}),  # a refusal too
    ):
        assert response.headers["x-frame-options"] == "DENY", response.request.url
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
        assert response.headers["x-content-type-options"] == "nosniff"


def test_allowed_hosts_are_loopback_the_bound_address_and_the_extra_names() -> None:
    assert allowed_hosts("127.0.0.1") == ["127.0.0.1", "localhost", "[::1]"]
    assert allowed_hosts("0.0.0.0") == ["127.0.0.1", "localhost", "[::1]"]  # not a name
    assert allowed_hosts("::1") == ["127.0.0.1", "localhost", "[::1]"]
    assert allowed_hosts("fe80::2") == ["127.0.0.1", "localhost", "[::1]", "[fe80::2]"]
    assert allowed_hosts("192.168.1.5", [" QA.example.org ", ""]) == [
        "127.0.0.1",
        "localhost",
        "[::1]",
        "192.168.1.5",
        "qa.example.org",
    ]


# --- 12. /ask and chat inputs ---------------------------------------------------------------


@pytest.fixture(scope="module")
def client(served: Served):
    from gradio_client import Client

    client = Client(served.url, verbose=False)
    yield client
    client.close()


def _assert_short_log(text: str) -> None:
    assert "Traceback" not in text, text[:2000]
    assert all(len(line) <= 400 for line in text.splitlines()), max(text.splitlines(), key=len)


def test_ask_still_answers_through_the_guard(client) -> None:
    record = client.predict(question=SHIZUOKA, api_name="/ask")
    assert SHIZUOKA_DATE in record["answer"]


def test_ask_refuses_arguments_that_are_not_text_with_a_message(client, served: Served) -> None:
    from gradio_client.exceptions import AppError

    start = served.log_size()
    cases = [
        ({"question": 5}, "question must be text, not a number"),
        ({"question": {SHIZUOKA: 1}}, "question must be text, not an object"),
        ({"question": [SHIZUOKA]}, "question must be text, not a list"),
        ({"question": SHIZUOKA, "document": 2}, "document must be text, not a number"),
        ({"question": SHIZUOKA, "country": "x" * 5000}, "country is 5,000 characters"),
        ({"question": "あ" * 5000}, "at most 2,000 are read"),
    ]
    for arguments, message in cases:
        with pytest.raises(AppError, match=message):
            client.predict(**arguments, api_name="/ask")
    log = served.log_since(start)
    _assert_short_log(log)
    assert log.count("refused /ask: ") == len(cases)


def _call_ask(served: Served, data: list) -> str:
    """POST /gradio_api/call/ask, the way curl would; the event stream of its result."""
    response = httpx.post(served.url + "gradio_api/call/ask", json={"data": data})
    response.raise_for_status()
    event = response.json()["event_id"]
    result = httpx.get(served.url + f"gradio_api/call/ask/{event}", timeout=REPLY_TIMEOUT)
    return result.text


def test_ask_with_missing_or_file_shaped_arguments_says_why(served: Served) -> None:
    start = served.log_size()
    missing = _call_ask(served, [])
    # question, three filters and history
    assert "event: error" in missing and "needed: 5, got: 0" in missing
    file_shaped = {"path": "/etc/hostname", "meta": {"_type": "gradio.FileData"}}
    refused = _call_ask(served, [file_shaped, "", "", "", None])
    assert "event: error" in refused and "not uploaded by a user" in refused
    assert '"error": null' not in missing + refused
    _assert_short_log(served.log_since(start))


def test_the_unqueued_run_route_is_closed_not_a_500(served: Served) -> None:
    response = httpx.post(served.url + "gradio_api/run/ask", json={"data": [""]})
    assert response.status_code == 404, response.status_code
    assert "join the queue" in response.json()["detail"]


def test_a_chat_history_sent_by_a_client_is_not_used(served: Served) -> None:
    """The chat's history is the session's, on the server: 20,000 messages a client sends
    as the chat's value are not read, so they neither fail nor show."""
    start = served.log_size()
    config = httpx.get(served.url + "config").json()
    take = next(d for d in config["dependencies"] if d["api_name"] == "take")
    history = [{"role": "user", "content": "x"}] * 20_000
    body = {
        "data": [SHIZUOKA, history],
        "fn_index": take["id"],
        "session_hash": "s17history",
        "event_data": None,
        "trigger_id": take["targets"][0][0],
    }
    response = httpx.post(served.url + "gradio_api/queue/join", json=body)
    assert response.status_code == 200, response.text
    with httpx.stream(
        "GET",
        served.url + "gradio_api/queue/data",
        params={"session_hash": "s17history"},
        timeout=REPLY_TIMEOUT,
    ) as stream:
        completed = next(line for line in stream.iter_lines() if "process_completed" in line)
    assert '"success":true' in completed, completed[:500]
    assert completed.count('"role":"user"') == 1  # the question only
    _assert_short_log(served.log_since(start))
