"""Checks on what a client sends the chat and the ``/ask`` endpoint.

Gradio hands ``/ask`` the JSON values a client sent, whatever their type, so each
argument is checked here: text, or nothing, of a bounded length. A wrong one is
refused with a message saying which argument and why (raised as ``ValueError``; the
app turns it into a ``gr.Error``, which reaches the client and logs no traceback).

Gradio itself refuses some inputs before the app's code runs: too few values, a
value shaped like a file the client did not upload, a value its component cannot
read. :func:`blocks_class` makes those refusals the same short ``gr.Error`` (one log
line, no traceback of the whole payload).

The chat's history lives on the server (a ``gr.State`` per browser session), never
taken from the client; :func:`trim_history` keeps it, and so what the page holds,
below :data:`MAX_HISTORY_BYTES` by dropping the oldest turns.

Example:
    >>> ask_arguments("静岡県は？", None, "①", "")
    ('静岡県は？', '', '①', '')
    >>> ask_arguments({"静岡県は？": 1}, "", "", "")
    Traceback (most recent call last):
    ...
    ValueError: question must be text, not an object
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from typing import Any

__all__ = [
    "MAX_ASK_HISTORY_BYTES",
    "MAX_ERROR_CHARS",
    "MAX_FILTER_CHARS",
    "MAX_HISTORY_BYTES",
    "MAX_HISTORY_TURNS",
    "ask_arguments",
    "blocks_class",
    "history_argument",
    "refusal",
    "text_argument",
    "trim_history",
]

#: Longest document, field or country filter accepted (a document id is 26 characters).
MAX_FILTER_CHARS = 200
#: A refusal's message (to the client and in the log) is cut to this many characters.
MAX_ERROR_CHARS = 300
#: ``/ask``'s ``history`` holds at most this many turns (user messages) …
MAX_HISTORY_TURNS = 20
#: … and at most this many bytes of JSON.
MAX_ASK_HISTORY_BYTES = 256 * 1024
#: The chat's history is trimmed (oldest turns first) to at most this many bytes of JSON.
MAX_HISTORY_BYTES = 512 * 1024

_log = logging.getLogger("qa.serve")

_JSON_TYPES = {
    bool: "true or false",
    int: "a number",
    float: "a number",
    dict: "an object",
    list: "a list",
}


def text_argument(name: str, value: Any, limit: int | None = None) -> str:
    """``value`` if it is text of at most ``limit`` characters; ``""`` for nothing (null).

    Raises:
        ValueError: ``value`` is not text, or is longer than ``limit``.
    """
    if value is None:
        return ""
    if not isinstance(value, str):
        kind = _JSON_TYPES.get(type(value), type(value).__name__)
        raise ValueError(f"{name} must be text, not {kind}")
    if limit is not None and len(value) > limit:
        raise ValueError(f"{name} is {len(value):,} characters; at most {limit:,} are read")
    return value


def ask_arguments(
    question: Any, document: Any, field: Any, country: Any
) -> tuple[str, str, str, str]:
    """The ``/ask`` endpoint's arguments, each checked by :func:`text_argument`.

    The question is only checked for type here: its emptiness and length are
    :func:`qa.query.question.clean_question`'s, after control characters are removed.

    Raises:
        ValueError: An argument is not text or is too long.
    """
    return (
        text_argument("question", question),
        text_argument("document", document, MAX_FILTER_CHARS),
        text_argument("field", field, MAX_FILTER_CHARS),
        text_argument("country", country, MAX_FILTER_CHARS),
    )


def history_argument(value: Any) -> list[tuple[str, Any]]:
    """``/ask``'s ``history`` (Gradio messages, oldest first) as (question, reply) pairs.

    Each message is an object with ``role`` (``user`` or ``assistant``) and
    ``content``: text, or for an assistant the record ``/ask`` returned (an object).
    A reply is the first assistant message after its question (the sources that the
    chat shows after it are skipped); None when none follows. Null is no history.

    Raises:
        ValueError: ``history`` is not a list of such messages, holds more than
            :data:`MAX_HISTORY_TURNS` questions or more than
            :data:`MAX_ASK_HISTORY_BYTES` bytes of JSON.
    """
    if value is None:
        return []
    if not isinstance(value, list):
        raise ValueError(f"history must be a list of messages, not {_kind(value)}")
    size = _json_bytes(value)
    if size > MAX_ASK_HISTORY_BYTES:
        raise ValueError(f"history is {size:,} bytes; at most {MAX_ASK_HISTORY_BYTES:,} are read")
    turns: list[list[Any]] = []
    for n, message in enumerate(value, start=1):
        role, content = _message(n, message)
        if role == "user":
            turns.append([content, None])
        elif turns and turns[-1][1] is None:
            turns[-1][1] = content
    if len(turns) > MAX_HISTORY_TURNS:
        raise ValueError(
            f"history has {len(turns)} questions; at most {MAX_HISTORY_TURNS} are read"
        )
    return [(q, r) for q, r in turns]


def _message(n: int, message: Any) -> tuple[str, Any]:
    """The role and content of history message ``n``, checked."""
    if not isinstance(message, dict):
        raise ValueError(f"history message {n} must be an object, not {_kind(message)}")
    role, content = message.get("role"), message.get("content")
    if role not in ("user", "assistant"):
        raise ValueError(f"history message {n}: role must be 'user' or 'assistant'")
    allowed = (str,) if role == "user" else (str, dict)
    if not isinstance(content, allowed):
        wanted = "text" if role == "user" else "text or an /ask record"
        raise ValueError(f"history message {n}: content must be {wanted}, not {_kind(content)}")
    return role, content


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, str):
        return "text"
    return _JSON_TYPES.get(type(value), type(value).__name__)


def trim_history(history: Sequence[dict], limit: int = MAX_HISTORY_BYTES) -> list[dict]:
    """The most recent turns of ``history`` whose JSON fits in ``limit`` bytes.

    A turn starts at a user message; the turns are dropped whole, oldest first, so an
    answer never loses its question or its sources. The latest turn is always kept.
    """
    sizes = [_json_bytes(m) for m in history]

    def fits(start: int) -> bool:  # json.dumps of history[start:]: "[" + ", ".join(…) + "]"
        kept = sizes[start:]
        return 2 + sum(kept) + 2 * max(len(kept) - 1, 0) <= limit

    if fits(0):
        return list(history)
    starts = [i for i, m in enumerate(history) if m.get("role") == "user"]
    start = next((i for i in starts[:-1] if fits(i)), starts[-1] if starts else 0)
    return list(history[start:])


def _json_bytes(value: Any) -> int:
    return len(json.dumps(value, ensure_ascii=False, default=str).encode())


def refusal(where: str, error: Exception) -> Any:
    """A ``gr.Error`` refusing a request, with ``error``'s first line as its message, and
    one log line saying so (no traceback)."""
    import html

    import gradio as gr

    message = (str(error).strip().splitlines() or [type(error).__name__])[0]
    if len(message) > MAX_ERROR_CHARS:
        message = message[: MAX_ERROR_CHARS - 1] + "…"
    _log.warning("refused %s: %s", where, message)
    return gr.Error(html.escape(message, quote=False), print_exception=False)  # toasts are HTML


def blocks_class() -> type:
    """``gr.Blocks`` whose refusals of malformed inputs, before the app's functions run,
    are refusals (:func:`refusal`) instead of errors with no message and a traceback."""
    import gradio as gr

    class Blocks(gr.Blocks):
        async def preprocess_data(self, block_fn: Any, *args: Any, **kwargs: Any) -> Any:
            try:
                return await super().preprocess_data(block_fn, *args, **kwargs)
            except gr.Error:
                raise
            except Exception as exc:
                raise refusal(f"/{block_fn.api_name or block_fn.name}", exc) from None

    return Blocks
