"""Japanese word tokens for BM25: fugashi (MeCab) with the unidic-lite dictionary.

Text is NFKC-folded (full-width digits and brackets, half-width katakana) and
old OCR character forms are replaced before tagging. Particles, auxiliary
verbs, punctuation and white space carry no topic and are dropped. ASCII is
lower-cased so that English questions and e-mail fragments match.

Example:
    >>> tok = JapaneseTokenizer()
    >>> tok("静岡県と浙江省の教育交流の覚書はいつ結ばれた？")
    ['静岡', '県', '浙江', '省', '教育', '交流', '覚書', 'いつ', '結ぶ']
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import Any

from qa.corpus.textclean import normalize

__all__ = [
    "FORMS", "JapaneseTokenizer", "TokenizerError", "content_words", "loanword", "normalize",
    "place_word", "unidic_tagger",
]  # fmt: skip

#: ``surface``: the word as written; ``base``: its dictionary form as written
#: (結ば → 結ぶ), which folds inflection but keeps kanji spellings of names.
FORMS = ("surface", "base")

#: MeCab crashes the process on very long input (seen at 1 MB), so text is tagged
#: in pieces of at most this many characters.
_PIECE = 4096

_DROP_POS = frozenset({"助詞", "助動詞", "補助記号", "空白", "記号"})


class TokenizerError(RuntimeError):
    """fugashi or its dictionary is missing."""


@functools.cache
def unidic_tagger() -> Any:
    """fugashi's tagger over unidic-lite, one per process (for POS, not for BM25)."""
    import fugashi
    import unidic_lite

    return fugashi.Tagger(f'-d "{unidic_lite.DICDIR}"')


def content_words(text: str) -> list[str]:
    """The nouns of ``text`` (unidic 名詞: common and proper nouns, numerals), as BM25
    tokens spell them; pronouns, verbs, adjectives and particles are left out.

    Example:
        >>> content_words("静岡県の連絡先を教えてください")
        ['静岡', '県', '連絡', '先']
    """
    text = normalize(text)
    return [
        word.surface.lower()
        for i in range(0, len(text), _PIECE)
        for word in unidic_tagger()(text[i : i + _PIECE])
        if word.feature.pos1 == "名詞"
    ]


def place_word(run: str) -> bool:
    """unidic reads ``run`` as one place name (ボストン)."""
    words = list(unidic_tagger()(run))
    return len(words) == 1 and words[0].feature.pos3 == "地名"


def loanword(run: str) -> bool:
    """A katakana run that unidic reads as ordinary words of foreign origin, not a
    name: one common noun (セット, タイトル) or common nouns of three kana or more
    (メール|アドレス). ナム|ウォン and ダ|イレン are not: short pieces are how unidic
    splits a name it does not know. Nor is a Sino-Japanese or native word written in
    kana (カンジン 肝心, セッコウ 石膏: unidic's word origin 漢, 和), which is how a
    kanji place name sounds (康津, 浙江)."""
    words = list(unidic_tagger()(run))
    if any(w.feature.pos2 == "固有名詞" for w in words):
        return False
    common = all(
        w.feature.pos2 == "普通名詞" and not w.is_unk and w.feature.goshu == "外" for w in words
    )
    return common and (len(words) == 1 or all(len(w.surface) >= 3 for w in words))


class JapaneseTokenizer:
    """A callable ``str -> list[str]``, the ``splitter`` that bm25s indexes with.

    Args:
        form: ``"surface"`` or ``"base"`` (see :data:`FORMS`).

    Raises:
        ValueError: ``form`` is not one of :data:`FORMS`.
        TokenizerError: fugashi or unidic-lite is not installed.
    """

    def __init__(self, form: str = "base") -> None:
        if form not in FORMS:
            raise ValueError(f"form must be one of {', '.join(FORMS)}, not {form!r}")
        self.form = form
        try:
            import fugashi
            import unidic_lite
        except ImportError as exc:
            raise TokenizerError(
                f"{exc.name} is not installed: pip install fugashi unidic-lite"
            ) from None
        # An explicit dictionary path: a system-wide mecabrc must not pick another dictionary.
        self._tagger = fugashi.Tagger(f'-d "{unidic_lite.DICDIR}"')

    def __call__(self, text: str) -> list[str]:
        text = normalize(text)
        return [t for i in range(0, len(text), _PIECE) for t in self._tokens(text[i : i + _PIECE])]

    def _tokens(self, text: str) -> Iterable[str]:
        for word in self._tagger(text):
            feature = word.feature
            if feature.pos1 in _DROP_POS:
                continue
            token = word.surface
            if self.form == "base" and feature.orthBase and feature.pos1 in ("動詞", "形容詞"):
                token = feature.orthBase
            token = token.lower()
            if token.strip():
                yield token

    def many(self, texts: Iterable[str]) -> list[list[str]]:
        """Tokens of each text."""
        return [self(t) for t in texts]
