"""A scripted OpenAI-protocol server on loopback for the LLM tests, and what they share:
the question they ask, its extractive answer, a good reply.

The server is not a model: each test scripts its reply (a good answer, one citing a
passage that was not given, one with a number the passages do not hold, a slow one, an
HTTP 500, malformed JSON) and reads back the request it received.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SHIZUOKA = "静岡県と浙江省の教育交流の覚書はいつ結ばれた？"
SHIZUOKA_DATE = "平成24（2012）年4月4日"
SHIZUOKA_CARD = "日本国静岡県と中華人民共和国浙江省との教育交流協力覚書"
UNANSWERABLE = "青森市とパリ市の特定分野の協定はいつ結ばれた？"
GOOD = f"静岡県と浙江省の教育交流協力覚書は{SHIZUOKA_DATE}に結ばれました [1]。"
MODEL = "scripted-model"
KEY = "sk-test-7f3a9c2e"  # a made-up key: the tests check it never shows


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


def closed_port() -> int:
    """A loopback port nothing listens on."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
