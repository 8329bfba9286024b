"""Retrieval on the real index: known questions find their card or section."""

from __future__ import annotations

import itertools

import pytest

from qa.retrieval.retriever import Filters

SHIZUOKA_ZHEJIANG_EDUCATION = "002#card-1-06"


@pytest.mark.parametrize("mode", ["bm25", "dense", "hybrid"])
def test_japanese_question_finds_its_card(engine, mode: str) -> None:
    hits = engine.retriever.search("静岡県と浙江省の教育交流の覚書はいつ結ばれた？", mode=mode, k=3)
    assert SHIZUOKA_ZHEJIANG_EDUCATION in [h.chunk.id for h in hits]


@pytest.mark.parametrize("mode", ["dense", "hybrid"])
def test_english_and_chinese_questions_find_the_japanese_card(engine, mode: str) -> None:
    for question in (
        "When did Shizuoka Prefecture and Zhejiang sign their education exchange memorandum?",
        "静冈县和浙江省的教育交流备忘录是什么时候签订的？",
    ):
        hits = engine.retriever.search(question, mode=mode, k=5)
        assert SHIZUOKA_ZHEJIANG_EDUCATION in [h.chunk.id for h in hits], question


def test_programme_contact_question_finds_the_mofa_section(engine) -> None:
    hits = engine.retriever.search("外交実務研修員として職員を外務省に派遣したい", k=3)
    assert any(h.chunk.doc.startswith("003_") and "外交実務研修員" in h.chunk.text for h in hits)


def test_hits_are_ranked_and_unique(engine) -> None:
    hits = engine.retriever.search("ベトナムの自治体と提携している日本の自治体は？", k=10)
    assert [h.rank for h in hits] == list(range(1, 11))
    assert len({h.chunk.id for h in hits}) == 10
    assert all(a.score >= b.score for a, b in itertools.pairwise(hits))


def test_filters_restrict_hits(engine) -> None:
    search = engine.retriever.search
    vietnam = search("上下水道の技術協力", k=10, filters=Filters(country="ベトナム"))
    assert vietnam and all("ベトナム社会主義共和国" in h.chunk.card.countries for h in vietnam)
    commerce = search("観光", k=10, filters=Filters(field="⑦"))
    assert commerce and all("⑦経済交流（商業等）" in h.chunk.card.fields for h in commerce)
    mofa = search("連絡先", k=5, filters=Filters(doc="003"))
    assert mofa and all(h.chunk.doc == "003_af571f244401429e.txt" for h in mofa)
    sections = search("連絡先", k=5, filters=Filters(shape="section"))
    assert all(h.chunk.shape == "section" for h in sections)
    assert search("連絡先", filters=Filters(country="南極")) == []


@pytest.mark.parametrize(
    "question",
    ["", "   \n\t", "あ" * 1_000_000, "\x00\x07静岡県\x1b[31m", "<script>alert(1)</script>"],
)
def test_odd_questions_never_crash(engine, question: str) -> None:
    hits = engine.retriever.search(question, k=3)
    assert len(hits) <= 3
    if not question.strip():
        assert hits == []


def test_unknown_mode_is_refused(engine) -> None:
    with pytest.raises(ValueError, match="mode must be"):
        engine.retriever.search("静岡県", mode="magic")


def test_chunk_scores_are_the_best_of_their_passages_brute_force(engine) -> None:
    question = "環境技術交流に関する協定の担当課は？"
    tokens = [t for t in engine.tokenizer(question) if t in engine.index.bm25.vocab_dict]
    per_passage = engine.index.bm25.get_scores(tokens)
    best: dict[int, float] = {}
    for p, score in zip(engine.index.passages, per_passage, strict=True):
        best[p.chunk] = max(best.get(p.chunk, float("-inf")), float(score))
    expected = sorted(best, key=lambda c: -best[c])[:5]
    hits = engine.retriever.search(question, mode="bm25", k=5)
    assert [engine.index.chunks.index(h.chunk) for h in hits] == expected
    for h in hits:
        assert h.score == pytest.approx(best[engine.index.chunks.index(h.chunk)])


def test_hybrid_search_returns_k_hits_when_k_is_deeper_than_the_fusion_default(engine) -> None:
    # Every chunk has a dense score, so hybrid search can always fill k hits up to the
    # number of chunks; fusion used to look 50 deep in each list, which capped it at ~67.
    for k in (100, len(engine.index.chunks)):
        hits = engine.retriever.search("自治体の国際交流", mode="hybrid", k=k)
        assert len(hits) == k
        assert len({h.chunk.id for h in hits}) == k
