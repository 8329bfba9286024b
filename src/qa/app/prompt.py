"""``qa ask`` at a terminal without a question: a prompt that answers line after line.

The model and index load once, before the first prompt; each line is then a
question. An empty line is skipped, a question the command line would refuse
prints why and prompts again, and Ctrl-D or Ctrl-C ends the session.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator

__all__ = ["PROMPT", "answer_lines"]

PROMPT = "質問> "


def answer_lines(check: Callable[[str], str], read: Callable[[str], str] = input) -> Iterator[str]:
    """Yield each question typed at the prompt, checked by ``check`` (which raises
    ValueError with the reason for one it refuses).

    Args:
        check: Cleans a question or raises ValueError.
        read: Reads one line after showing the prompt (``input``; a fake in tests).
    """
    print("Ask a question (Ctrl-D to quit).", file=sys.stderr)
    while True:
        try:
            line = read(PROMPT)
        except (EOFError, KeyboardInterrupt):
            print(file=sys.stderr)
            return
        if not line.strip():
            continue
        try:
            question = check(line)
        except ValueError as exc:
            print(f"qa: {exc}", file=sys.stderr)
            continue
        yield question
        print(flush=True)
