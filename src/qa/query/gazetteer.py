"""The corpus's own place names, gathered from the index's chunks.

Both sides of every agreement card, split into their parts (中華人民共和国浙江省
→ 浙江省, 浙江), and the places running text names (福建省, アモイ市, 大田広域市).
Each name is heard by the readings its country gives it (``qa.query.sounds``): a
Korean place by its Japanese and Korean readings, a Chinese or other one by its
Japanese and Mandarin readings, a name of no known country (on a card that
joins Korean and other partners) by all three; a Japanese place (a card's
Japanese side, or a place written right after a prefecture: 岩手県八幡平市) by its
Japanese reading alone. A name in running text takes its card's partners'
country; the brochures' and the report's sections are read as Chinese and other
places.

Example:
    >>> from qa.corpus.schema import Card, Chunk
    >>> g = Gazetteer.from_chunks([])
    >>> sorted(g.names)
    []
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence

from qa.corpus.schema import Chunk
from qa.corpus.survey_terms import countries_in
from qa.corpus.textclean import fold_nfkc
from qa.index.tokenize import unidic_tagger
from qa.index.world import WorldPlace
from qa.language.lexicon import LEXICON
from qa.language.places import KANA_COMPOUND, TEXT_PLACE_SUFFIXES, WORD_MARKS, alternation
from qa.language.scripts import HAN, HAN_CHARS, simplified_forms
from qa.query.aliases import alias_tables, place_aliases
from qa.query.countries import countries_named
from qa.query.names import KATAKANA_RUN, NameIndex, Spelling, loanword, place_word
from qa.query.question import NAME_SEPARATORS, kana_compounds, name_components

__all__ = ["Gazetteer"]

#: Places in running text (福建省, アモイ市), for cross-script matching.
_TEXT_PLACE = re.compile(
    rf"(?<![各本当同全両])(?!ー)[{HAN_CHARS}ァ-ヶー]{{2,5}}?{alternation(TEXT_PLACE_SUFFIXES)}"
)

#: An autonomous region in running text whose people are written in katakana: a
#: two-character place, its people, the suffix (新疆ウイグル自治区, 広西チワン族自治区),
#: which the place suffixes alone do not find. Not inside a longer Han word.
_AUTONOMOUS_PLACE = re.compile(
    rf"(?<![{HAN_CHARS}])[{HAN_CHARS}]{{2}}[ァ-ヴー]+{alternation(LEXICON.places['people'])}?"
    rf"{alternation(LEXICON.places['autonomous'])}"
)


class Gazetteer:
    """The corpus's place names: the cards' ones at once, the index by sound on first need.

    Building the index (readings of ~1,000 names through cutlet, pypinyin and
    hanja) costs seconds; a Japanese question with no Latin word and no katakana
    word the cards do not write never needs it, and is answered without it.

    Attributes:
        names: The cards' place names and their parts, matched as written.
    """

    def __init__(self, chunks: Iterable[Chunk], world: Iterable[WorldPlace] = ()) -> None:
        self._chunks = tuple(chunks)
        names: set[str] = set()
        #: The cards' foreign names → their countries (None: the card does not say).
        countries: dict[str, set[str | None]] = {}
        for chunk in self._chunks:
            if chunk.card is not None:
                names |= name_components(chunk.card.japanese)
                for name, country in _foreign(chunk.card.foreign, chunk.card.countries):
                    countries.setdefault(name, set()).add(country)
        self.names = frozenset(names | set(countries))
        self._japanese = frozenset(names - set(countries))
        self._countries = countries
        self._world = tuple(world)

    @classmethod
    def from_chunks(cls, chunks: Iterable[Chunk], world: Iterable[WorldPlace] = ()) -> Gazetteer:
        """The gazetteer of ``chunks`` (cards and sections alike), with the places
        of the world they write (``Index.world``) for other spellings."""
        return cls(chunks, world)

    @functools.cached_property
    def _han_aliases(self) -> tuple[str, ...]:
        """Han spellings of the world places the corpus writes that no card name writes
        (simplified): where a Japanese question has one, the index may know it."""
        # Latin names (most of them) make no Han spelling: not sorted, not paid for.
        spellings = {n: {p.written} for p in self._world for n in p.names if not n.isascii()}
        return tuple(alias_tables(spellings, self.names).han)

    @functools.cached_property
    def index(self) -> NameIndex:
        """The cards' names and the running text's places, by Latin keys and by sound."""
        korean: dict[str, set[bool | None]] = {}
        text: dict[str, set[bool | None]] = {}
        # A place written right after a Japanese prefecture (岩手県八幡平市) is Japanese.
        prefectures = tuple(n for n in self._japanese if n.endswith(_PREFECTURE_SUFFIXES))
        japanese = set(self._japanese)
        for chunk in self._chunks:
            # Running text is read like its card's partners: a Korean card's text names
            # Korean places; a brochure's sections, Chinese and other ones.
            partners: bool | None = False
            if chunk.card is not None:
                for name, country in _foreign(chunk.card.foreign, chunk.card.countries):
                    korean.setdefault(name, set()).add(_is_korean(country))
                partners = _korean(chunk.card.countries)
            folded = fold_nfkc(chunk.text)
            spaced = unicodedata.normalize("NFKC", chunk.text)
            places = [(folded, p) for p in _text_places(folded)]
            places += [(spaced, p) for p in _kana_places(spaced)]
            for written, (end, place) in places:
                # The country written just before a place is its own (韓国大田広域市).
                before = written[: end - len(place)]
                kind = _country_before(before, partners)
                for name in name_components(place):
                    text.setdefault(name, set()).add(kind)
                    if before.endswith(prefectures):
                        japanese.add(name)
        for name, is_korean in _world_text_places(self._world).items():
            text.setdefault(name, set()).add(is_korean)
        # A name the cards write in another character form (吳江, 呉江) is theirs.
        carded = {simplified_forms(n) for n in self.names}
        for name, kinds in text.items():
            if name not in self.names and simplified_forms(name) not in carded:
                korean.setdefault(name, set()).update(kinds)
        sure = {n for n, k in korean.items() if len(k) == 1 and None not in k}
        # Running text's places by their world place: a Korean one in Korea, another
        # where the largest place of that name is.
        korea = next(iter(LEXICON.korean))
        countries = {n: {korea if k == {True} else None} for n, k in korean.items()}
        return NameIndex.build(
            self.names | set(korean),
            korean={n for n in sure if korean[n] == {True}},
            elsewhere=set(korean) - sure,
            aliases=place_aliases({**countries, **self._countries}, self._world),
            japanese=japanese - set(self._countries),
        )

    def find(self, text: str, lang: str) -> set[str]:
        """:meth:`NameIndex.find`, without building the index where it would find nothing."""
        return set() if self._as_written(text, lang) else self.index.find(text, lang)

    def find_groups(self, text: str, lang: str) -> list[Spelling]:
        """:meth:`NameIndex.find_groups`, without building the index where it would find nothing."""
        return [] if self._as_written(text, lang) else self.index.find_groups(text, lang)

    def unheard(self, text: str, lang: str = "ja") -> tuple[str, ...]:
        """:meth:`NameIndex.unheard`, without building the index where it is empty."""
        return () if self._as_written(text, lang) else self.index.unheard(text, lang)

    def _as_written(self, text: str, lang: str) -> bool:
        """A Japanese question whose katakana words the cards write or are ordinary
        words, with no Latin word: the index has nothing to add to the names."""
        if lang != "ja" or re.search(r"[A-Za-z]{4,}", text):
            return False
        forms = simplified_forms(text) if self._han_aliases else ""
        if any(a in forms for a in self._han_aliases):
            return False  # 烏魯木斉 for ウルムチ
        # A name of several words the cards do not write (ストーク・オン・トレント) may be
        # another spelling of theirs, whatever its words are.
        compounds = (m.group(0) for m in KANA_COMPOUND.finditer(text))
        if not all(any(c in n for n in self.names) for c in compounds):
            return False
        runs = (m.group(0) for m in KATAKANA_RUN.finditer(text))
        return all(any(r in n for n in self.names) or loanword(r) for r in runs)


#: Running text's words that are the names of cities this large (GeoNames) are places:
#: katakana ones (フィレンツェ; not ミッション, a common noun, nor クレア, the corpus's
#: name for CLAIR and a small town's), Han ones (香港, 鄭州; a smaller one is as often
#: a word or a person: 中心, 中山).
_KANA_PLACE, _HAN_PLACE = 100_000, 1_000_000
#: How Japan's prefectures end (岩手県, 東京都, 北海道, 大阪府).
_PREFECTURE_SUFFIXES = ("都", "道", "府", "県")
#: Korea's ISO code, for a world place's readings.
_KOREA_CODE = "KR"


def _world_text_places(world: Iterable[WorldPlace]) -> dict[str, bool]:
    """Words of running text that world places of some size are called, each with
    whether it is Korean (鄭州 is Chinese: not heard as Jeonju)."""
    out: dict[str, bool] = {}
    for place in sorted(world, key=lambda p: p.population):  # the largest's country last
        # Katakana however written: in words (クルージュ・ナポカ), with a suffix (フーコック島).
        word = re.sub(f"[{HAN_CHARS}]$", "", place.written.translate(WORD_MARKS))
        kana = KATAKANA_RUN.fullmatch(word) is not None
        if place.population < (_KANA_PLACE if kana else _HAN_PLACE):
            continue
        if (not loanword(word)) if kana else HAN.match(place.written) is not None:
            out[place.written] = place.country == _KOREA_CODE
    return out


def _country_before(text: str, otherwise: bool | None) -> bool | None:
    """Whether the place after ``text`` is Korean by the country ``text`` ends with
    (韓国, 中華人民共和国); ``otherwise`` when it ends with none."""
    for official, others in LEXICON.countries["ja"].items():
        if text.endswith((official, *others)):
            return official in LEXICON.korean
    return otherwise


def _korean(countries: Sequence[str]) -> bool | None:
    """Whether a card's partners are Korean: all (True), none (False), some (None)."""
    kinds = {c in LEXICON.korean for c in countries}
    return None if len(kinds) > 1 else kinds == {True}


def _foreign(written: str, countries: Sequence[str]) -> Iterator[tuple[str, str | None]]:
    """The foreign side's names, each with its country (``None``: not known): the
    country written before it (大韓民国：釜山広域市、仁川広域市), else the card's one
    country."""
    current = countries[0] if len(countries) == 1 else None
    for name in kana_compounds(written):  # バス・ノルマンディ州, which ・ would split
        yield name, current
    for part in NAME_SEPARATORS.split(written):
        current = next(iter(countries_in(part)), current)
        for name in name_components(part):
            yield name, current


def _is_korean(country: str | None) -> bool | None:
    """Whether a place of ``country`` is Korean (``None``: the country is not known)."""
    return None if country is None else country in LEXICON.korean


def _text_places(text: str) -> Iterator[tuple[int, str]]:
    """The places running text names: a word ending in a place suffix, from its first
    proper noun on (unidic), or where it sits next to another such word its last
    characters (河南省開封市, 安康市（陝西省）: 開封 and 安康 are also common nouns); and
    katakana words unidic knows as place names (モスクワ), countries apart, where they
    stand alone. Each with where it ends in ``text``."""
    found = list(_TEXT_PLACE.finditer(text))
    for i, m in enumerate(found):
        prev = found[i - 1] if i else None
        after = found[i + 1] if i + 1 < len(found) else None
        proper = _proper(m.group(0))
        beside = (prev is not None and _next_to(text, prev, m)) or (
            after is not None and _next_to(text, m, after)
        )
        usual = m.group(0)[-_USUAL_NAME - 1 :]
        if beside and len(proper) < _USUAL_NAME + 1 and all(HAN.match(c) for c in usual):
            # Beside another place, a word unidic does not know as one is still a place:
            # its usual two characters before the suffix (開封市, 麗江市).
            proper = usual
        yield m.end(), proper
    for m in _AUTONOMOUS_PLACE.finditer(text):
        yield m.end(), m.group(0)
    for m in KATAKANA_RUN.finditer(text):
        run, after = m.group(0), text[m.end() : m.end() + 1]
        if countries_named(run, "ja") or (after and after in TEXT_PLACE_SUFFIXES):
            continue  # a country, or a place _kana_places reads
        # Not the first word of a compound: ラムサール条約 names a treaty, not a place;
        # a conjunction or particle after it ends the word (コンポンチャム及び…).
        compound = bool(after) and (HAN.match(after) is not None or after == "・")
        if compound and after != "・":
            following = next(iter(unidic_tagger()(text[m.end() : m.end() + _LOOKAHEAD])))
            compound = following.feature.pos1 not in _WORD_ENDS
        if not compound and (place_word(run) or _place_in_context(text, m.start(), m.end())):
            yield m.end(), run


#: A two-character stem unidic splits into these parts is no word it knows.
_UNKNOWN_PIECES = 2
_UNKNOWN_NAME_POS = {("名詞", "接尾辞"), ("記号", "記号")}
#: The shortest katakana place name read before a suffix.
_SHORTEST_KANA = 3
#: What unidic tags as ending the word before it (及び, と), read in a few characters.
_WORD_ENDS = ("接続詞", "助詞")
_LOOKAHEAD = 3
#: How many characters a Chinese place name usually has before its suffix.
_USUAL_NAME = 2
#: Brackets around the larger place a place lies in (安康市（陝西省）).
_BRACKETS = {"(": ")", "（": "）"}


def _kana_places(text: str) -> Iterator[tuple[int, str]]:
    """Katakana words before a place suffix that unidic does not know as common ones:
    places, however long (ディーキルシュ市), without a country written just before
    them (ハンガリーペーチ市 → ペーチ市). Read in text whose spaces are kept: a space
    ends a word (``イ トスカーナ州``: イ numbers a list item)."""
    for m in KATAKANA_RUN.finditer(text):
        run, after = m.group(0), text[m.end() : m.end() + 1]
        if not after or after not in TEXT_PLACE_SUFFIXES:
            continue
        country = next((c for c in _japanese_country_names() if run.startswith(c)), "")
        run = run[len(country) :]
        if len(run) >= _SHORTEST_KANA and not countries_named(run, "ja") and not loanword(run):
            yield m.end() + 1, run + after


@functools.cache
def _japanese_country_names() -> tuple[str, ...]:
    """The lexicon's Japanese names of countries, official and other, longest first."""
    names = (c for official, others in LEXICON.countries["ja"].items() for c in (official, *others))
    return tuple(sorted(names, key=len, reverse=True))


def _place_in_context(text: str, start: int, end: int) -> bool:
    """unidic reads ``text[start:end]`` as one place name beside the characters
    around it (セミナー(パース): a place; パース alone, a common noun)."""
    before = text[max(0, start - 1) : start]
    for word in unidic_tagger()(before + text[start : end + 1]):
        if word.surface == text[start:end]:
            return word.feature.pos3 == "地名"
    return False


def _next_to(text: str, first: re.Match[str], second: re.Match[str]) -> bool:
    """Two places written one after the other (河南省開封市), or the second in
    brackets right after the first (安康市（陝西省）)."""
    if first.end() == second.start():
        return True
    opening = text[first.end() : second.start()]
    return opening in _BRACKETS and text[second.end() : second.end() + 1] == _BRACKETS[opening]


def _proper(found: str) -> str:
    """A place found in running text from its first proper noun on (unidic):
    第3回長沙市 → 長沙市; nothing when it holds none (一般市, 日中都市)."""
    words = list(unidic_tagger()(found))
    for i, w in enumerate(words):
        if w.feature.pos2 == "固有名詞":
            return "".join(x.surface for x in words[i:])
    if len(words) == _UNKNOWN_PIECES + 1 and all(len(w.surface) == 1 for w in words):
        # Two characters unidic knows only one by one, a noun and what it takes for
        # a suffix, or signs (統|営, 抱|川): no word of its, a name (統営市).
        first, second = (w.feature.pos1 for w in words[:_UNKNOWN_PIECES])
        if (first, second) in _UNKNOWN_NAME_POS and HAN.match(found[:_UNKNOWN_PIECES]):
            return found
    return ""
