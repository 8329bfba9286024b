"""A passage's PDF layout line breaks joined for display, on hand-written passages whose
joins are worked out by hand, and on every chunk of the real corpus."""

from __future__ import annotations

import pytest

from qa.answer.answerer import Answer, Citation
from qa.answer.contacts import as_of_words
from qa.app.chat_view import SourceInfo, passage_html, reply_messages
from qa.app.linebreaks import Joined, join_layout_breaks

# A wrapped paragraph: its first line (17 wide characters, width 34) is the widest of
# the passage, so it fills the width and breaks mid-word (海外事|務所); the line after
# ends a sentence; then two numbered items.
WRAPPED = "クレアは、東京に本部を置き、海外事\n務所を設置しています。\n①相談\n②説明"
# A line that fills the passage's width and does not end a sentence (so only what
# follows can keep the break).
FULL = "本文の一行目はここで折り返さ"


@pytest.fixture(scope="module")
def chunks():
    from conftest import CORPUS
    from qa.corpus.chunking import chunk_corpus
    from qa.corpus.documents import load_corpus

    return chunk_corpus(load_corpus(CORPUS))


def test_a_wrapped_line_is_joined_without_a_space_and_a_span_across_it_maps() -> None:
    joined = join_layout_breaks(WRAPPED)
    assert joined.text == "クレアは、東京に本部を置き、海外事務所を設置しています。\n①相談\n②説明"
    assert joined.removed == (17,)  # the one break deleted, at its offset in WRAPPED
    start = WRAPPED.index("海外事")
    assert WRAPPED[start : start + 6] == "海外事\n務所"
    assert joined.span((start, start + 6)) == (14, 19)
    assert joined.text[14:19] == "海外事務所"
    # Spans before and after the break: the same characters.
    assert joined.span((0, 4)) == (0, 4)
    after = WRAPPED.index("設置")
    assert joined.text[slice(*joined.span((after, after + 2)))] == "設置"


def test_the_mark_covers_exactly_the_span_across_a_joined_break() -> None:
    start = WRAPPED.index("海外事")
    html = passage_html(WRAPPED, (start, start + 6))
    assert html == (
        "クレアは、東京に本部を置き、<mark>海外事務所</mark>を設置しています。<br>①相談<br>②説明"
    )


def test_a_break_next_to_a_particle_or_a_continuing_mark_is_joined_at_any_width() -> None:
    # Short lines, none filling the width of the long line below them.
    tail = "\n\n" + "長" * 30
    assert join_layout_breaks("交流を\n推進する" + tail).text == "交流を推進する" + tail
    assert join_layout_breaks("地方自治体\nの観光" + tail).text == "地方自治体の観光" + tail
    assert join_layout_breaks("北京、\n上海" + tail).text == "北京、上海" + tail
    assert join_layout_breaks("議論\n）の場" + tail).text == "議論）の場" + tail


@pytest.mark.parametrize(
    "after",
    [
        "・箇条書きの項目",  # a bullet
        "●支援の実績",
        "※注記",
        "②現地の状況などの説明",  # a numbered item
        "(2) 提携年月日",
        "（3）経緯",
        "3. 調査結果",
        "第3回の会議",
        "【成果】交流が深まった",  # a heading mark
        "＜概要＞",
        "　字下げした段落",  # an indent
        "北京 2",  # a table row (columns apart)
        "日本の自治体\t島根県浜田市",
    ],
)
def test_a_real_break_is_kept(after: str) -> None:
    text = f"{FULL}\n{after}"
    assert join_layout_breaks(text) == Joined(text)


def test_a_break_after_a_sentence_or_an_empty_line_is_kept() -> None:
    for text in (f"{FULL}。\n続きの文", f"{FULL}\n\n次の段落", "表題\t値\n本文の行"):
        assert join_layout_breaks(text) == Joined(text)


def test_a_short_line_ending_a_name_is_kept() -> None:
    # 所長：近松茂弘 (width 14) is far from the passage's width (30 wide characters).
    text = "長" * 30 + "\n\n所長：近松茂弘\n（総務省）"
    assert join_layout_breaks(text) == Joined(text)


def test_latin_words_are_joined_with_one_space_and_offsets_stay() -> None:
    text = "Local Government Officials Training\nProgram in Japan"
    joined = join_layout_breaks(text)
    assert joined.text == "Local Government Officials Training Program in Japan"
    assert joined.removed == ()
    start = text.index("Training")
    assert joined.span((start, start + 16)) == (start, start + 16)
    # Latin then Japanese: no space.
    wrapped = "Exchange and Teaching Programme)\nの略称で、海外の青年を招致"
    assert join_layout_breaks(wrapped).text == wrapped.replace("\n", "")


def test_every_chunk_keeps_its_characters_and_maps_every_span(chunks) -> None:
    """Joining only deletes line breaks or makes them spaces; every span of a passage
    maps onto the same characters, less the breaks deleted inside it."""
    joined_any = 0
    for chunk in chunks:
        text = chunk.text
        joined = join_layout_breaks(text)
        assert len(joined.text) == len(text) - len(joined.removed), chunk.id
        assert all(text[i] == "\n" for i in joined.removed), chunk.id
        kept = [ch for i, ch in enumerate(text) if i not in set(joined.removed)]
        assert "".join(kept).replace("\n", " ") == joined.text.replace("\n", " "), chunk.id
        breaks = [i for i, ch in enumerate(text) if ch == "\n"]
        for i in breaks[:40]:
            start, end = max(0, i - 3), min(len(text), i + 3)
            a, b = joined.span((start, end))
            expected = "".join(text[j] for j in range(start, end) if j not in joined.removed)
            assert joined.text[a:b].replace(" ", "\n") == expected.replace(" ", "\n"), chunk.id
        joined_any += bool(joined.removed)
    assert joined_any >= 20  # the brochures' wrapped paragraphs


def test_a_source_reads_document_card_and_passage_first_its_file_ids_last(chunks, docs) -> None:
    """The brochure's overview, cited with a span across one of its layout breaks."""
    chunk = next(c for c in chunks if c.id == "000#overview")
    start = chunk.text.index("国際\n化事業")
    span = (start, start + 5)  # 国際\n化事 → 国際化事
    where = chunk.source_span(*span)
    cited = Citation(1, chunk.id, chunk.doc, chunk.title, chunk.text, span, where, 1.0)
    doc = docs[chunk.doc]
    info = SourceInfo(doc.title, chunk.shape, as_of=as_of_words(vars(doc)))
    _, source = reply_messages(Answer("q", "国際化事", False, (cited,)), {chunk.id: info})
    content = source["content"]
    meta, rest = content.split('<div class="qa-passage">')
    first = meta.split("<br>")[0]
    assert first.endswith(f"文書 Document: {doc.title}（2023年3月時点（FY2022版））")
    assert f"節 Section: {chunk.title}" in meta
    assert chunk.doc not in meta and chunk.id not in meta  # no file hash, no chunk id first
    assert "地方自治体の<mark>国際化事</mark>業を支援し" in rest
    check = (
        f'<div class="qa-check">確認用 For checking: {chunk.doc} · {chunk.id}'
        f" · 原文の位置 source characters {where[0]}–{where[1]}</div>"
    )
    assert check in rest and rest.index("<mark>") < rest.index(check)
