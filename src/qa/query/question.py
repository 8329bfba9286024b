"""Question analysis: language, the kind of answer asked for, and what it names.

Rules only (no model): cue words per language decide the kind, and the places
named are matched against the names the corpus itself uses (the agreement
cards' municipalities and their components, e.g. 浙江省 in 中華人民共和国浙江省).

Example:
    >>> names = name_components("静岡県") | name_components("中華人民共和国浙江省")
    >>> q = analyze("静岡県と浙江省の教育交流の覚書はいつ結ばれた？", names)
    >>> q.answer_type, q.places
    ('date', ('静岡県', '浙江省'))
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from qa.corpus.survey_terms import countries_in
from qa.language.eras import ERA_NAMES, western_year
from qa.language.lexicon import LEXICON
from qa.language.places import KANA_COMPOUND, PLACE_SUFFIXES, place_stem
from qa.language.scripts import HAN, KANA_CHARS, inside_katakana, japanese_forms, simplified_only
from qa.query.countries import countries_named, is_world_place
from qa.query.names import NameFinder, Spelling

__all__ = [
    "ANSWER_TYPES",
    "MAX_QUESTION_CHARS",
    "Question",
    "analyze",
    "clean_question",
    "name_components",
    "year_mentions",
]

ANSWER_TYPES = (
    "date", "fax", "phone", "email", "amount", "department", "contact", "person", "place", "count",
    "reason", "list", "definition", "url", "name", "other",
)  # fmt: skip

_KANA = re.compile(f"[{KANA_CHARS}]")
_HIRAGANA = re.compile(r"[\u3041-\u309f]")
#: What separates the names of a card's side (東京都、大阪府・兵庫県; 中国：青島市).
NAME_SEPARATORS = re.compile(r"[\s、,・()（）/:：]+")
#: One place written as katakana words joined by ・ or ＝ (バス・ノルマンディ州,
#: モン・サン＝ミッシェル), with its suffix if any: kept whole as well as split, since
#: ・ also separates places in a list (カステリョン市・セビリア市, where 市 ends each).
_KANA_COMPOUND = re.compile(rf"{KANA_COMPOUND.pattern}[{PLACE_SUFFIXES}]*")
#: A place name ends in an administrative suffix.
_COMPONENT = re.compile(rf".+?[{PLACE_SUFFIXES}]")
_YEAR = re.compile(r"(?<!\d)(\d{4})年")
#: "FY2019", "in 2019": a year in an English question.
_EN_YEAR = re.compile(r"(?<![\d-])(?:FY\s*)?((?:19|20)\d{2})(?![\d-])", re.IGNORECASE)
_ERA_YEAR = re.compile(rf"({ERA_NAMES})(\d{{1,2}}|元)年")
#: Capitalised words, then an office word: "Beijing office", "New York Office".
_EN_OFFICE = re.compile(
    r"((?:\b[A-Z][A-Za-z-]*\s+){1,3})("
    + "|".join(f"(?i:{re.escape(w)})" for w in LEXICON.office_words)
    + r")\b"
)


@dataclass(frozen=True)
class Question:
    """What a question asks.

    Attributes:
        text: The question, NFKC-folded and stripped.
        lang: ``ja``, ``en`` or ``zh``.
        answer_type: The kind of answer asked for, one of :data:`ANSWER_TYPES`.
        places: Corpus place names the question names, longest first, none inside another.
        place_groups: :attr:`places` by the spelling that named them: one group per
            spelling, holding the names it may be (コウシュウ: 光州広域市 or 杭州市), any
            one of which it names; a name written as the corpus writes it is a group
            of its own. Filled from :attr:`places` (one group each) when not given.
        spellings: How the question spells the places it names in a form no corpus
            name is (コウシュウ, heilongjiang as a Latin key), as matched.
        countries: Official names of the countries named.
        years: Western years named (era years converted).
        topics: Fields of exchange (``①``–``⑧``) the question's topic words point to.
        side: ``japanese`` or ``foreign`` when it asks for one side of an agreement.
        order: ``earliest`` or ``latest`` when it compares agreements by date.
        lexical: The text to match against the documents' words: the question,
            and for Chinese also in Japanese character forms (绵阳 → 綿陽).
        unheard: Place names no corpus name is, as written or by sound (ボストン, Yokohama City).
        offices: Offices an English or Chinese question names after a place, as the
            documents would write them (CLAIR's Beijing office, 北京事务所: 北京事務所);
            one after a place the corpus lacks (the New York office) as typed, which
            no passage holds.
    """

    text: str
    lang: str
    answer_type: str
    places: tuple[str, ...] = ()
    place_groups: tuple[tuple[str, ...], ...] = ()
    spellings: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    years: tuple[int, ...] = ()
    topics: tuple[str, ...] = ()
    side: str | None = None
    order: str | None = None
    lexical: str = ""
    unheard: tuple[str, ...] = ()
    offices: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.places and not self.place_groups:
            object.__setattr__(self, "place_groups", tuple((p,) for p in self.places))

    def places_share(self, where: str) -> float:
        """The share of the question's place spellings that ``where`` holds: a spelling
        is held when any name it may be is (0.0 when it names none)."""
        groups = self.place_groups
        if not groups:
            return 0.0
        return sum(any(p in where for p in g) for g in groups) / len(groups)

    def all_places_in(self, where: str) -> bool:
        """``where`` holds every place spelling the question names (one name of each)."""
        return all(any(p in where for p in g) for g in self.place_groups)

    @property
    def search(self) -> str:
        """What retrieval searches and the question's vector is made of: :attr:`lexical`,
        and the corpus's spelling of each place the question names in another (Tiantai
        → 天台, テンシン → 天津), which no word of the question would meet. The reader's
        word overlap stays on :attr:`lexical` (with these names it measured worse)."""
        other = [p for p in self.places if p not in self.lexical]
        return "\n".join([self.lexical, *other]) if other else self.lexical


#: Longest question read (characters); longer ones are refused, not cut.
MAX_QUESTION_CHARS = 2000


def clean_question(text: str) -> str:
    """The question without control characters and outer spaces.

    Raises:
        ValueError: It is empty, or longer than :data:`MAX_QUESTION_CHARS`.
    """
    cleaned = "".join(ch for ch in text or "" if ch.isprintable() or ch in "\t ").strip()
    if not cleaned:
        raise ValueError("the question is empty")
    if len(cleaned) > MAX_QUESTION_CHARS:
        raise ValueError(
            f"the question is {len(cleaned):,} characters; at most {MAX_QUESTION_CHARS:,} are read"
        )
    return cleaned


def detect_lang(text: str) -> str:
    """``en`` when Latin letters outnumber CJK characters; else ``ja`` with any
    hiragana; else ``zh`` when a character only Chinese writes (a simplified form
    Japanese does not use: 务, 县, 话) or a Chinese-only word (哪, 吗) is there;
    else ``ja``, this corpus's language, for kanji and katakana alone (電話番号は？,
    北京). Katakana does not decide: a Chinese question may quote a katakana name
    (岘港市（ダナン市）).
    """
    cjk = len(_KANA.findall(text)) + len(HAN.findall(text))
    if len(re.findall(r"[A-Za-z]", text)) > cjk:
        return "en"
    if _HIRAGANA.search(text):
        return "ja"
    if HAN.search(text) and (simplified_only(text) or any(w in text for w in LEXICON.zh_words)):
        return "zh"
    return "ja" if cjk else "en"


def _answer_type(text: str, lang: str) -> str:
    table = LEXICON.kinds[lang]
    probe = text.lower()
    for kind, cues in table:
        if any(_has(probe, cue.lower()) for cue in cues):
            return kind
    return "other"


def name_components(name: str) -> set[str]:
    """A municipality name and its parts.

    ``中華人民共和国浙江省`` → itself, ``浙江省`` and ``浙江``. A part that is
    nothing but suffixes (``市町村``) is no name.
    """
    name = unicodedata.normalize("NFKC", name).strip()
    out: set[str] = kana_compounds(name)
    for part in NAME_SEPARATORS.split(name):
        part = part.lstrip("ー－-")  # a dash left over from "foreign－Japanese"
        if len(part.rstrip(PLACE_SUFFIXES)) < 1 or len(part) < 2:
            continue
        out.add(part)
        for country in countries_in(part):
            part = part.replace(country, "")
        pos = 0
        comp = ""
        for m in _COMPONENT.finditer(part):
            comp = part[pos : m.end()] if pos == m.start() else m.group(0)
            pos = m.end()
            stem = place_stem(comp)
            if len(comp) >= 2 and comp.rstrip(PLACE_SUFFIXES):  # not 町村 alone
                out.add(comp)
                if len(stem) >= 2:
                    out.add(stem)
        # 原州市 splits as 原州 + 市 (州 is a suffix too): the name with its last suffix.
        if comp and pos < len(part) and not part[pos:].strip(PLACE_SUFFIXES):
            out.add(comp + part[pos:])
        if len(part) >= 2 and part.rstrip(PLACE_SUFFIXES):
            out.add(part)
    return out


def kana_compounds(name: str) -> set[str]:
    """The places ``name`` writes as katakana words joined by ・ or ＝, whole, with and
    without their suffix: バス・ノルマンディ州 → itself and バス・ノルマンディ."""
    out: set[str] = set()
    for m in _KANA_COMPOUND.finditer(unicodedata.normalize("NFKC", name)):
        out.add(m.group(0))
        stem = place_stem(m.group(0))
        if stem != m.group(0) and len(stem) >= 2:
            out.add(stem)
    return out


def year_mentions(text: str, lang: str = "ja") -> list[tuple[int, int, int]]:
    """Each Western year named (era years converted) as ``(year, start, end)`` in ``text``."""
    found = [(int(m.group(1)), m.start(), m.end()) for m in _YEAR.finditer(text)]
    if lang == "en" or "FY" in text.upper():
        found += [(int(m.group(1)), m.start(), m.end()) for m in _EN_YEAR.finditer(text)]
    for m in _ERA_YEAR.finditer(text):
        n = m.group(2)
        found.append((western_year(m.group(1), n), m.start(), m.end()))
    return sorted(found, key=lambda y: y[1])


def _years(text: str, lang: str = "ja") -> tuple[int, ...]:
    return tuple(dict.fromkeys(y for y, _, _ in year_mentions(text, lang)))


def _topics(text: str) -> tuple[str, ...]:
    """Fields of exchange the question's words name; a word for several fields
    (経済) counts only when no word names one of them."""
    marks = [k for k, ws in LEXICON.topics.items() if any(_has(text, w) for w in ws)]
    if marks:
        return tuple(marks)
    groups = [g for g, ws in LEXICON.topic_groups.items() if any(_has(text, w) for w in ws)]
    return tuple(dict.fromkeys(m for g in groups for m in g))


def _has(text: str, word: str) -> bool:
    """``word`` in ``text``; a Latin word only at a word start (``art`` is not in ``part``)."""
    if word.isascii():
        return re.search(rf"\b{re.escape(word.lower())}", text.lower()) is not None
    return word in text


def _cue(text: str, cues: dict[str, tuple[str, ...]]) -> str | None:
    return next((k for k, words in cues.items() if any(_has(text, w) for w in words)), None)


def _written(name: str, text: str) -> bool:
    """``name`` is in ``text``, not as part of a longer katakana word (サハリン is not
    named by ユジノサハリンスク)."""
    start = text.find(name)
    while start >= 0:
        if not inside_katakana(text, start, start + len(name)):
            return True
        start = text.find(name, start + 1)
    return False


def _unnamed(text: str, names: Iterable[str]) -> str:
    """``text`` with ``names`` taken out."""
    for name in sorted(names, key=len, reverse=True):
        text = text.replace(name, " ")
    return text


def analyze(text: str, names: Iterable[str] = (), name_index: NameFinder | None = None) -> Question:
    """Analyze ``text``.

    Args:
        text: The question.
        names: The corpus's place names (components are matched too).
        name_index: The same names by Latin and pinyin keys, to find them in
            English and Chinese questions.
    """
    folded = unicodedata.normalize("NFKC", text or "").strip()
    lang = detect_lang(folded)
    lexical = f"{folded}\n{japanese_forms(folded)}" if lang == "zh" else folded
    written = {n for n in names if n and len(n) >= 2 and _written(n, lexical)}
    spelled = name_index.find_groups(folded, lang) if name_index is not None else []
    found = written.union(*(s.names for s in spelled))
    places = sorted(found, key=lambda n: (-len(n), lexical.find(n)))
    kept: list[str] = []
    for p in places:
        if not any(p in k for k in kept):
            kept.append(p)
    kept.sort(key=lambda n: (lexical.find(n) % (len(folded) + 1), n))
    return Question(
        text=folded,
        lang=lang,
        answer_type=_answer_type(folded, lang),
        places=tuple(kept),
        place_groups=_place_groups(kept, [frozenset({n}) for n in written], spelled),
        spellings=tuple(dict.fromkeys(s.typed for s in spelled if s.typed not in s.names)),
        countries=countries_named(folded, lang),
        years=_years(folded, lang),
        # A field's word inside a name (行政 in アヌシー広域行政体) does not ask for it.
        topics=_topics(_unnamed(f"{text or ''}\n{folded}", kept)),
        side=_cue(folded, LEXICON.sides),
        order=_cue(folded, LEXICON.orders),
        lexical=lexical,
        unheard=(
            name_index.unheard(folded, lang)
            if name_index is not None and lang in ("ja", "en")
            else ()
        ),
        offices=_offices(folded, lexical, lang, kept, name_index),
    )


def _place_groups(
    kept: Sequence[str], written: Iterable[frozenset[str]], spelled: Iterable[Spelling]
) -> tuple[tuple[str, ...], ...]:
    """One group per name written and per spelling: its names as kept (a name inside
    a kept one stands for it), in :attr:`Question.places` order; a group one of whose
    names is a group of its own asks nothing more and is dropped."""
    groups: list[tuple[str, ...]] = []
    for names in [*written, *(s.names for s in spelled)]:
        members = {next((k for k in kept if n in k), "") for n in names} - {""}
        group = tuple(k for k in kept if k in members)
        if group and group not in groups:
            groups.append(group)
    alone = {g[0] for g in groups if len(g) == 1}
    kept_groups = [g for g in groups if len(g) == 1 or not alone & set(g)]
    return tuple(sorted(kept_groups, key=lambda g: kept.index(g[0])))


def _offices(
    text: str, lexical: str, lang: str, places: Iterable[str], name_index: NameFinder | None
) -> tuple[str, ...]:
    """The offices an English or Chinese question names after a place (a Japanese
    question's are read off its words by the reader); ``lexical`` holds a Chinese
    question in Japanese character forms too."""
    if lang == "en":
        return _english_offices(text, name_index)
    if lang == "zh":
        # No kana ends a Chinese word: an office is a place the question names right
        # before a suffix of two characters or more (上海事务所: 上海事務所).
        suffixes = [s for s in LEXICON.offices["suffixes"] if len(s) >= 2]
        return tuple(p + s for p in places for s in suffixes if p + s in lexical)
    return ()


def _english_offices(text: str, name_index: NameFinder | None) -> tuple[str, ...]:
    """Offices named after a place (Beijing office → 北京事務所, by the place the last
    capitalised words are); after a country or region the corpus does not hold
    (Singapore office), the words as typed; after other words (Regional Partnership
    Office) or a body (Sendai City office), none: those are an office's own name or
    its body's offices, not an office named after a place."""
    out: list[str] = []
    for m in _EN_OFFICE.finditer(text):
        words = m.group(1).split()
        if words[-1].lower() in LEXICON.place_words:
            continue  # "Sendai City office": the city's own offices, not one named after it
        suffix = LEXICON.office_words[m.group(2).lower()][0]
        for n in range(1, len(words) + 1):
            name = " ".join(words[-n:])
            found = name_index.find(name, "en") if name_index is not None else set()
            stems = {place_stem(p) for p in found}
            if len(stems) == 1:
                out.append(stems.pop() + suffix)
                break
            if not found and is_world_place(name):
                out.append(m.group(0))
                break
    return tuple(dict.fromkeys(out))
