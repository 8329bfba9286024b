"""The call to an OpenAI-compatible ``/v1/chat/completions`` endpoint, with the standard
library only: no redirects (the API key goes nowhere else), no proxy for a loopback
server, a bounded reply read before a deadline. Every failure is a :class:`Fallback`
whose reason says why, without the address or the key."""

from __future__ import annotations

import http.client
import json
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field

from qa.config import Config

__all__ = ["LLM", "MAX_REPLY_BYTES", "MAX_TOKENS", "Fallback", "content", "post"]

#: Replies are short; a bigger body is not a chat completion.
MAX_REPLY_BYTES = 1_000_000
MAX_TOKENS = 512


@dataclass(frozen=True)
class LLM:
    """Where the language model is and how long to wait for it.

    Attributes:
        url: The ``/v1/chat/completions`` endpoint (not in the repr: it may hold credentials).
        model: The model name sent with each request.
        timeout: Seconds to wait for the reply.
    """

    url: str = field(repr=False)
    model: str
    timeout: float = 30.0

    @classmethod
    def from_config(cls, cfg: Config) -> LLM | None:
        """The configured model, or ``None`` when ``QA_LLM_URL`` is not set."""
        return cls(cfg.llm_url, cfg.llm_model, cfg.llm_timeout) if cfg.llm_url else None

    @property
    def name(self) -> str:
        """The ``generator`` of the answers it writes: ``llm:<model>``."""
        return f"llm:{self.model}"


class Fallback(Exception):
    """The reply cannot be used; ``args[0]`` is the fallback reason."""


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect becomes an HTTP error, so the API key never goes to another address."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


def post(llm: LLM, messages: list[dict[str, str]], key: str) -> bytes:
    payload = {
        "model": llm.model,
        "messages": messages,
        "temperature": 0,
        "max_tokens": MAX_TOKENS,
        "stream": False,
    }
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    if key:
        headers["Authorization"] = f"Bearer {key}"
    request = urllib.request.Request(
        llm.url, data=json.dumps(payload).encode(), headers=headers, method="POST"
    )
    handlers: list[urllib.request.BaseHandler] = [_NoRedirect()]
    if _loopback(llm.url):
        handlers.append(urllib.request.ProxyHandler({}))  # a local server is never behind a proxy
    opener = urllib.request.build_opener(*handlers)
    deadline = time.monotonic() + llm.timeout
    try:
        with opener.open(request, timeout=llm.timeout) as response:
            # The socket timeout bounds each read; the deadline bounds a reply trickled slowly.
            parts: list[bytes] = []
            size = 0
            while chunk := response.read1(65536):
                size += len(chunk)
                if size > MAX_REPLY_BYTES:
                    raise Fallback(f"malformed: reply over {MAX_REPLY_BYTES:,} bytes")
                if time.monotonic() > deadline:
                    raise Fallback("timeout")
                parts.append(chunk)
            return b"".join(parts)
    except urllib.error.HTTPError as exc:
        exc.close()
        raise Fallback(f"http {exc.code}") from None
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, TimeoutError):
            raise Fallback("timeout") from None
        raise Fallback(f"connection: {_describe(exc.reason)}") from None
    except TimeoutError:
        raise Fallback("timeout") from None
    except (OSError, http.client.HTTPException) as exc:
        raise Fallback(f"connection: {_describe(exc)}") from None


def _loopback(url: str) -> bool:
    host = urllib.parse.urlsplit(url).hostname or ""
    return host in ("localhost", "::1") or host.startswith("127.")


def _describe(error: object) -> str:
    """A short description of a network error, without the address or request in it."""
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    return type(error).__name__ if isinstance(error, BaseException) else "error"


_THINKING = re.compile(r"^\s*<think>.*?</think>\s*", re.DOTALL)


def content(body: bytes) -> str:
    """The reply's ``choices[0].message.content``."""
    try:
        data = json.loads(body)
    except ValueError:
        raise Fallback("malformed: not JSON") from None
    try:
        content = data["choices"][0]["message"]["content"]
    except (KeyError, IndexError, TypeError):
        raise Fallback("malformed: no choices[0].message.content") from None
    if not isinstance(content, str):
        raise Fallback("malformed: content is not text")
    # Reasoning models put their notes first; only the answer after them is checked and shown.
    content = _THINKING.sub("", content).strip()
    if not content:
        raise Fallback("malformed: empty content")
    return content
