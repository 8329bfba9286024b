"""The BM25 tokenizer: real fugashi with unidic-lite."""

from __future__ import annotations

import pytest

from qa.index.tokenize import JapaneseTokenizer


@pytest.fixture(scope="module")
def tok() -> JapaneseTokenizer:
    return JapaneseTokenizer()


def test_particles_and_punctuation_are_dropped(tok: JapaneseTokenizer) -> None:
    tokens = tok("在外公館の施設を使いたいときの連絡先は？")
    assert "在外" in tokens and "公館" in tokens and "連絡" in tokens
    assert not {"の", "を", "は", "?", "？", "たい"} & set(tokens)


def test_full_width_old_forms_and_case_are_folded(tok: JapaneseTokenizer) -> None:
    assert tok("經濟交流") == tok("経済交流")
    assert tok("２０１２年") == tok("2012年")
    assert "shizuoka" in tok("When did Shizuoka sign?")


def test_base_form_folds_inflection() -> None:
    assert "結ぶ" in JapaneseTokenizer("base")("いつ結ばれた")
    assert "結ば" in JapaneseTokenizer("surface")("いつ結ばれた")


def test_very_long_text_does_not_crash(tok: JapaneseTokenizer) -> None:
    # MeCab alone segfaults on a 1 MB string.
    assert len(tok("静岡県" * 400_000)) > 700_000


def test_unknown_form_is_refused() -> None:
    with pytest.raises(ValueError, match="form must be"):
        JapaneseTokenizer("lemma")
