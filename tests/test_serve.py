"""``qa serve`` as an attacker on the same machine meets it (#17 items 3, 4 and 5): a real
server in a subprocess on a free loopback port, sent oversized bodies, uploads and foreign
Host headers."""

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
from qa.serve_guard import MAX_BODY_BYTES, allowed_hosts

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


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def served(engine, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """``qa serve`` on a free loopback port, on the session's index, until it answers."""
    tmp = tmp_path_factory.mktemp("serve")
    temp_dir = tmp / "gradio"
    temp_dir.mkdir()
    log = tmp / "serve.log"
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("QA_LLM", "GRADIO_"))}
    env.update(
        QA_CORPUS_DIR=str(CORPUS),
        QA_INDEX_DIR=str(engine.config.index_dir),
        QA_ALLOWED_HOSTS=PROXY_NAME,
        GRADIO_TEMP_DIR=str(temp_dir),
        GRADIO_ANALYTICS_ENABLED="False",
        PYTHONUNBUFFERED="1",
    )
    command = [sys.executable, "-m", "qa.cli", "serve", "--port", str(port), "--no-rebuild"]
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
