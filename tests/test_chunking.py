"""Every chunk of the whole corpus traces back to exact source characters."""

from __future__ import annotations

import json

import pytest

from qa.corpus.chunking import chunk_corpus
from qa.corpus.schema import Chunk, Document


@pytest.fixture(scope="module")
def chunks(docs: dict[str, Document]) -> list[Chunk]:
    return chunk_corpus(list(docs.values()))


def test_ids_are_unique_and_stable(chunks: list[Chunk]) -> None:
    ids = [c.id for c in chunks]
    assert len(ids) == len(set(ids)) == 241
    assert "002#card-1-06" in ids and "003#contacts" in ids


def test_every_segment_is_copied_source_text(
    chunks: list[Chunk], docs: dict[str, Document]
) -> None:
    for c in chunks:
        source = docs[c.doc].text
        assert c.segments, c.id
        for s in c.segments:
            shown = c.text[s.text_start : s.text_start + s.length]
            assert shown == source[s.source_start : s.source_start + s.length], c.id
            assert c.start <= s.source_start and s.source_start + s.length <= c.end, c.id


def test_source_span_maps_an_answer_back(chunks: list[Chunk], docs: dict[str, Document]) -> None:
    card = next(c for c in chunks if c.id == "002#card-1-06")
    answer = "平成24（2012）年4月4日"
    start = card.text.index(answer)
    lo, hi = card.source_span(start, start + len(answer))
    assert docs[card.doc].text[lo:hi] == answer
    with pytest.raises(ValueError):
        card.source_span(5, 5)


def test_a_span_across_removed_markup_covers_it(
    chunks: list[Chunk], docs: dict[str, Document]
) -> None:
    # Card ①-1 has "</p> <p>" between its 成果 and 課題 in the source.
    card = next(c for c in chunks if c.id == "002#card-1-01")
    start, end = card.text.index("【成果】"), card.text.index("【課題等】") + len("【課題等】")
    lo, hi = card.source_span(start, end)
    raw = docs[card.doc].text[lo:hi]
    assert raw.startswith("【成果】") and raw.endswith("【課題等】") and "</p> <p>" in raw


def test_chunks_round_trip_through_json(chunks: list[Chunk]) -> None:
    for c in chunks:
        assert Chunk.from_dict(json.loads(json.dumps(c.to_dict(), ensure_ascii=False))) == c


def test_a_katakana_word_broken_before_its_long_vowel_mark_is_joined() -> None:
    from qa.corpus.textclean import clean

    # ー never starts a word: the space before it is the layout's.
    source = "ガイサ市、バ ートランゲンザルツァ市"
    assert clean(source, 0, len(source)).text == "ガイサ市、バートランゲンザルツァ市"
