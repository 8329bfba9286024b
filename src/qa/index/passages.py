"""Split chunks into the passages that are embedded and scored.

A long agreement card exceeds the model's 512 tokens, so every part of it gets
a passage of its own, each headed by the card's title and municipalities so
that it still says which agreement it belongs to. A hit on any passage
resolves to its chunk, the unit a user sees and a citation points at.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from qa.corpus.schema import Card, Chunk

__all__ = ["MAX_CHARS", "Passage", "passages_of", "split_text"]

#: Characters per passage: about 300–400 e5 tokens of Japanese, under the 512 limit.
MAX_CHARS = 360
_OVERLAP = 80


@dataclass(frozen=True)
class Passage:
    """Text scored for retrieval, and the chunk it stands for.

    Attributes:
        chunk: Position of its chunk in the index's chunk list.
        part: Which part of the chunk (``head``, ``background``, ``text-2``…).
        text: The text that is embedded and tokenized.
    """

    chunk: int
    part: str
    text: str

    def to_dict(self) -> dict[str, object]:
        """The passage as the index stores it (``passages.jsonl``)."""
        return {"chunk": self.chunk, "part": self.part, "text": self.text}


def passages_of(position: int, chunk: Chunk) -> list[Passage]:
    """The passages of one chunk, ``position`` being its place in the chunk list."""
    if chunk.card is not None:
        return list(_card_passages(position, chunk.card))
    head = " / ".join((*chunk.heading, chunk.title)) if chunk.heading else chunk.title
    return [
        Passage(position, f"text-{i}", f"{head}\n{piece}")
        for i, piece in enumerate(split_text(chunk.text, MAX_CHARS - len(head)))
    ]


def _card_passages(position: int, card: Card) -> Iterable[Passage]:
    label = f"{card.title}（{card.japanese} と {card.foreign}）"
    yield Passage(
        position,
        "head",
        "\n".join(
            (
                card.title,
                f"日本の自治体: {card.japanese}",
                f"海外の自治体: {card.foreign}（{'、'.join(card.countries)}）",
                f"分野: {'、'.join(card.fields)}",
                f"提携年月日: {card.date_text or '記載なし'}",
                f"問い合わせ先: {card.department} 電話 {card.phone} 電子メール {card.email}",
            )
        ),
    )
    for part, name, body in (
        ("background", "提携に至った経緯", card.background),
        ("activities", "提携後の取組内容", card.activities),
        ("outcomes", "取組による成果・課題等", card.outcomes),
    ):
        if not body:
            continue
        prefix = f"{label} {name}:"
        for i, piece in enumerate(split_text(body, MAX_CHARS - len(prefix))):
            yield Passage(position, f"{part}-{i}", f"{prefix}\n{piece}")


def split_text(text: str, size: int) -> list[str]:
    """Windows of at most ``size`` characters, overlapping, cut at line or sentence ends.

    Example:
        >>> split_text("あ。" * 5, 6)
        ['あ。あ。あ。', 'あ。あ。あ。', 'あ。']
    """
    size = max(size, 2 * _OVERLAP)
    if len(text) <= size:
        return [text]
    pieces = []
    start = 0
    while start < len(text):
        end = min(start + size, len(text))
        if end < len(text):
            cut = max(text.rfind(sep, start + size // 2, end) for sep in ("\n", "。", "、", " "))
            if cut > start:
                end = cut + 1
        pieces.append(text[start:end].strip())
        if end >= len(text):
            break
        start = max(end - _OVERLAP, start + 1)
    return [p for p in pieces if p]
