"""Questions read one a line from stdin, for ``qa ask --json -`` and ``qa search --json -``.

A line that is not a question (not UTF-8, too long, nothing but control
characters) does not stop the batch: it becomes a :class:`Line` with an
``error``, which the command prints as ``{"line": n, "error": "…"}`` in its
place, and the lines after it are answered in order. Blank lines are skipped
but counted, so ``line`` is the line number in the input.

Example:
    >>> import io
    >>> [tuple(x) for x in read_lines(io.BytesIO("静岡県\\n\\n".encode() + b"\\xff\\n"))]
    [(1, '静岡県', None), (3, None, 'not UTF-8 (byte 1)')]
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Iterator
from typing import IO, Any, NamedTuple

from qa.query.question import MAX_QUESTION_CHARS, clean_question

__all__ = ["MAX_LINE_BYTES", "Batch", "Line", "read_lines"]

#: Longest line read whole: a question of MAX_QUESTION_CHARS characters of up to 4
#: UTF-8 bytes each, with room for spaces and control characters that are dropped.
MAX_LINE_BYTES = 8 * MAX_QUESTION_CHARS


class Line(NamedTuple):
    """One non-blank input line: its question, or why it is not one.

    Attributes:
        number: The line's number in the input, from 1.
        question: The cleaned question (``None`` when ``error`` is set).
        error: Why the line is not a question, or ``None``.
    """

    number: int
    question: str | None
    error: str | None

    def error_record(self) -> dict[str, Any]:
        """What is printed in the line's place: ``{"line": n, "error": "…"}``."""
        return {"line": self.number, "error": self.error}


def read_lines(stream: IO[bytes] | IO[str]) -> Iterator[Line]:
    """Each non-blank line of ``stream`` as a :class:`Line`, read as it arrives.

    ``stream`` is binary (stdin's buffer: invalid UTF-8 is reported, not dropped)
    or text (already decoded).
    """
    for number, raw in enumerate(_raw_lines(stream), start=1):
        if isinstance(raw, Exception):
            yield Line(number, None, str(raw))
            continue
        if isinstance(raw, bytes):
            try:
                raw = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                yield Line(number, None, f"not UTF-8 (byte {exc.start + 1})")
                continue
        if any(0xD800 <= ord(ch) <= 0xDFFF for ch in raw):
            # A text stream decoded with surrogateescape: bytes that were not UTF-8.
            yield Line(number, None, "not UTF-8")
            continue
        if not raw.strip():
            continue
        try:
            yield Line(number, clean_question(raw), None)
        except ValueError as exc:
            yield Line(number, None, str(exc))


def _raw_lines(stream: IO[bytes] | IO[str]) -> Iterator[bytes | str | ValueError]:
    """The lines of ``stream`` without their ends; a line over :data:`MAX_LINE_BYTES`
    is skipped to its end (never held whole) and given as the error it is."""
    while True:
        part = stream.readline(MAX_LINE_BYTES + 1)
        if not part:
            return
        ending = "\n" if isinstance(part, str) else b"\n"
        if len(part) > MAX_LINE_BYTES and not part.endswith(ending):  # type: ignore[arg-type]
            while part and not part.endswith(ending):  # type: ignore[arg-type]
                part = stream.readline(MAX_LINE_BYTES + 1)
            yield ValueError(
                f"the line is over {MAX_LINE_BYTES:,} bytes; "
                f"at most {MAX_QUESTION_CHARS:,} characters are read"
            )
            continue
        yield part.rstrip("\r\n" if isinstance(part, str) else b"\r\n")  # type: ignore[arg-type]


class Batch:
    """The questions of a command's input, with every bad line reported in its place.

    Iterating yields the questions; a line that is not one is printed as its
    :meth:`Line.error_record` (a JSON line) where its answer would be, and counted.

    Args:
        lines: The input lines (:func:`read_lines`).
        out: Where error records go (the command's JSON output).
    """

    def __init__(self, lines: Iterable[Line], out: IO[str] | None = None) -> None:
        self.lines = lines
        self.out = out
        self.refused: list[int] = []

    def __iter__(self) -> Iterator[str]:
        for line in self.lines:
            if line.question is not None:
                yield line.question
                continue
            self.refused.append(line.number)
            print(
                json.dumps(line.error_record(), ensure_ascii=False),
                file=self.out or sys.stdout,
                flush=True,
            )

    def status(self) -> int:
        """The exit status: 0 when every line was a question, else 1 (with a note on stderr)."""
        if not self.refused:
            return 0
        numbers = ", ".join(map(str, self.refused))
        print(f"qa: {len(self.refused)} line(s) were not questions: {numbers}", file=sys.stderr)
        return 1
