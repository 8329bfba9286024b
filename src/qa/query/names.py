"""Find the corpus's place names in questions written in other scripts.

The documents name places in Japanese (静岡県, 中華人民共和国浙江省, タミル・ナドゥ州);
users also write "Shizuoka", "Zhejiang", "Tamil Nadu" or simplified Chinese
(静冈县, 神户市).

- English: each corpus name gets Latin keys, the Hepburn reading of its stem
  from cutlet (over fugashi + unidic-lite, with unidic's foreign spellings for
  katakana words) and the toneless pinyin of an all-Han stem from pypinyin;
  long vowels are folded (Koube → kobe, Oosaka → osaka) and keys are matched
  as whole words.
- Chinese: the question is read in Japanese character forms (OpenCC's
  simplified → traditional table, then its traditional → Japanese variants:
  静冈县 → 静岡県, 神户市 → 神戸市) and names are matched as written. Sound
  alone never matches: 北京事 is not 北京市.

Example:
    >>> index = NameIndex.build(["静岡県", "静岡", "浙江省", "浙江", "神戸市", "神戸"])
    >>> sorted(index.find("When did Shizuoka and Zhejiang sign it?", "en"))
    ['浙江', '静岡']
    >>> from qa.language.scripts import japanese_forms
    >>> japanese_forms("静冈县与绵阳市")
    '静岡県与綿陽市'
    >>> sorted(index.find("神户市与静冈县", "zh"))
    ['神戸', '神戸市', '静岡', '静岡県']
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import NamedTuple, Protocol

from qa.index.tokenize import loanword, place_word
from qa.language.lexicon import LEXICON
from qa.language.places import (
    KANA_COMPOUND,
    NEAR_SPELLING,
    PLACE_SUFFIXES,
    WORD_MARKS,
    stem_or_name,
)
from qa.language.scripts import kana_key, latin_key, simplified_forms
from qa.query.aliases import alias_tables, same_places, spelled_katakana
from qa.query.countries import countries_named
from qa.query.hearing import (
    ENGLISH,
    HEARD_THRESHOLD,
    MIN_HEARD,
    MIN_LATIN,
    NameMatch,
    capitalised,
    closest,
    english_words,
    taken,
)
from qa.query.sounds import english_kana, kana_reading, name_readings, skeleton

#: Capitalised words before a word for a body (Yokohama City, Gunma Prefecture).
_BODY_WORDS = "|".join(sorted(LEXICON.place_words))
_LATIN_BODY = re.compile(rf"\b((?:[A-Z][A-Za-z'’-]+[ -]){{1,3}})(?i:{_BODY_WORDS})\b")

__all__ = [
    "HEARD_THRESHOLD",
    "KATAKANA_RUN",
    "NameFinder",
    "NameIndex",
    "NameMatch",
    "Spelling",
    "loanword",
    "place_word",
]  # fmt: skip

#: A run of katakana long enough to be a place name.
KATAKANA_RUN = re.compile(r"[ァ-ヴ][ァ-ヴー]{2,}")


class Spelling(NamedTuple):
    """A spelling of a place in a question and the corpus names it may be.

    Attributes:
        typed: The spelling as matched (コウシュウ; a Latin one as its key, heilongjiang).
        names: The corpus names it may be, any one of which it names.
    """

    typed: str
    names: frozenset[str]


class NameFinder(Protocol):
    """What question analysis asks of a name index (:class:`NameIndex`, or the
    gazetteer that builds one on first need)."""

    def find(self, text: str, lang: str) -> set[str]: ...

    def find_groups(self, text: str, lang: str) -> list[Spelling]: ...

    def unheard(self, text: str, lang: str = "ja") -> tuple[str, ...]: ...


@dataclass(frozen=True)
class NameIndex:
    """Corpus names by their Latin and pinyin keys."""

    latin: dict[str, frozenset[str]]
    names: frozenset[str]
    latin_pattern: re.Pattern[str] | None
    #: Sound skeletons of the names' readings (``qa.query.sounds``) → the names.
    sounds: dict[str, frozenset[str]] = dataclasses.field(default_factory=dict)
    #: The same for names written in katakana (シアトル), which an English spelling
    #: read into katakana is compared with.
    kana_sounds: dict[str, frozenset[str]] = dataclasses.field(default_factory=dict)
    #: The sounds a Latin spelling is compared with: a foreign Han name's own
    #: country's readings, without its Japanese one.
    latin_sounds: dict[str, frozenset[str]] = dataclasses.field(default_factory=dict)
    #: Each name in simplified Chinese forms (平澤 → 平泽), for Chinese questions.
    simplified: dict[str, str] = dataclasses.field(default_factory=dict)
    #: Other Han spellings of the names (``qa.query.aliases``: 休斯敦, 乌鲁木齐) in
    #: simplified forms, those no corpus name writes → the names.
    han: dict[str, frozenset[str]] = dataclasses.field(default_factory=dict)
    #: Other katakana spellings (サイゴン) → the names.
    kana: dict[str, frozenset[str]] = dataclasses.field(default_factory=dict)
    #: Names of one place written two ways (厦門, アモイ市) → the others.
    same: dict[str, frozenset[str]] = dataclasses.field(default_factory=dict)
    #: Katakana names and aliases by ``kana_key``, without suffix or marks → the names.
    spelled: dict[str, frozenset[str]] = dataclasses.field(default_factory=dict)

    @classmethod
    def build(
        cls,
        names: Iterable[str],
        korean: Iterable[str] = (),
        elsewhere: Iterable[str] = (),
        aliases: Mapping[str, Iterable[str]] | None = None,
        japanese: Iterable[str] | None = None,
    ) -> NameIndex:
        """Index ``names`` (Japanese forms, e.g. the cards' municipality components).

        Args:
            names: The names whose country is known.
            korean: Those of ``names`` that are Korean places: heard by their
                Korean reading instead of the Mandarin one.
            elsewhere: Names of no known country (from running text, or on cards
                with partners of several countries): heard by both.
            aliases: Other spellings → the names they are (Houston, 休斯敦,
                サイゴン), met as written.
            japanese: Those of ``names`` that are only Japanese places: heard by
                their Japanese reading alone (八幡平 is hachimantai, never bafanping);
                the others are foreign, and a Latin spelling meets a foreign Han name
                by its own country's reading only. ``None``: not known, any name may
                be Japanese.

        Built once per set of names: every answerer over the same index shares it.
        """
        spellings = tuple(sorted((a, frozenset(n)) for a, n in (aliases or {}).items()))
        return _build(
            frozenset(names),
            frozenset(korean),
            frozenset(elsewhere),
            spellings,
            None if japanese is None else frozenset(japanese),
        )

    def find(self, text: str, lang: str) -> set[str]:
        """Corpus names that ``text`` writes in Latin letters (``en``, or inside a
        Japanese question: Sapporo市), in Chinese (``zh``) or in katakana (``ja``:
        キタキュウシュウ is 北九州, テンシン 天津, シェンヤン 瀋陽 by its pinyin)."""
        return {n for group in self.find_groups(text, lang) for n in group.names}

    def find_groups(self, text: str, lang: str) -> list[Spelling]:
        """:meth:`find`'s names by the spelling in ``text`` that names them: each
        spelling with the names it may be (コウシュウ: 光州 or 杭州), any one of which it
        names; a spelling of 厦門 names アモイ市 too, the corpus writing both."""
        return [
            Spelling(g.typed, g.names.union(*(self.same.get(n, ()) for n in g.names)))
            for g in self._spelled(text, lang)
            if g.names
        ]

    def _spelled(self, text: str, lang: str) -> list[Spelling]:
        """:meth:`find_groups` before the names of one place written two ways are joined."""
        groups: list[Spelling] = []
        if lang in ("ja", "zh"):
            # Han spellings the corpus does not write (烏魯木斉, 休斯敦), in simplified forms.
            forms = simplified_forms(text)
            groups += [Spelling(f, names) for f, names in self.han.items() if f in forms]
        if lang == "ja":
            groups += self._katakana(text)
            if not re.search(r"[A-Za-z]{4,}", text):
                return groups
        if lang in ("en", "ja") and self.latin_pattern is not None:
            probe = latin_key(text)
            for m in self.latin_pattern.finditer(probe):
                names = self.latin[m.group(1)]
                # "Fukuoka City" is 福岡市, "Fukuoka Prefecture" 福岡県.
                word = probe[m.end() :].split(" ", 2)[1:2]
                suffixes = LEXICON.place_words.get(word[0], ()) if word else ()
                named = {n for n in names if suffixes and n.endswith(suffixes)}
                # "Shizuoka" alone is 静岡, which 静岡県 and 静岡市 both contain.
                groups.append(Spelling(m.group(1), frozenset(named) or _outermost(names)))
            if lang == "en":
                groups += self._latin_heard(text, probe)
        if lang == "zh":
            # Compared in simplified forms, where 平澤, 平沢 and 平泽 are one.
            forms = simplified_forms(text)
            written = [(s, n) for n, s in self.simplified.items() if s in forms]
            groups += [Spelling(s, frozenset({n})) for s, n in written]
        return groups

    def _latin_heard(self, text: str, probe: str) -> list[Spelling]:
        """Names a capitalised Latin word or phrase sounds like, where no key spelled
        it: "Pusan" (釜山 by its Korean reading), "Houston" (ヒューストン, read as
        English into katakana first)."""
        found: list[Spelling] = []
        spelled = self._spelled_words(probe)
        for phrase in capitalised(text):
            if set(latin_key(phrase).split()) & spelled:
                continue
            heard = taken(self.heard(phrase))
            if heard is not None:
                found.append(Spelling(phrase, _outermost(heard.names)))
        return found

    def _katakana(self, text: str) -> list[Spelling]:
        """The names each katakana run of ``text`` may be, by spelling or by sound."""
        found: list[Spelling] = []
        # A name of several words (ストーク・オン・トレント) is looked up whole first.
        for m in KANA_COMPOUND.finditer(text):
            whole = m.group(0).translate(WORD_MARKS)
            if whole in self.kana and not any(m.group(0) in n for n in self.names):
                found.append(Spelling(m.group(0), self.kana[whole]))
                text = text[: m.start()] + "、" * len(m.group(0)) + text[m.end() :]
        for m in KATAKANA_RUN.finditer(text):
            if any(m.group(0) in n for n in self.names) or loanword(m.group(0)):
                continue  # written as the corpus writes it, or a word (セット), not a name
            if m.group(0) in self.kana:
                found.append(Spelling(m.group(0), self.kana[m.group(0)]))
                continue
            heard = taken(self.heard(m.group(0)))
            if heard is None:
                continue
            names = heard.names
            # キタキュウシュウ市 is 北九州市 where the corpus has it.
            suffix = text[m.end() : m.end() + 1]
            named = {n for n in names if suffix and suffix in PLACE_SUFFIXES and n.endswith(suffix)}
            found.append(Spelling(m.group(0), frozenset(named) or _outermost(names)))
        return found

    def _near_spelling(self, typed: str) -> frozenset[str]:
        """The names of the one katakana name (or katakana alias) that ``typed`` is one
        letter off, compared by ``kana_key`` (カステジョン, カステリョン市); none when
        ``typed`` is short (``NEAR_SPELLING``) or near several."""
        key = kana_key(typed.translate(WORD_MARKS))
        if len(key) < NEAR_SPELLING or not self.spelled:
            return frozenset()
        from rapidfuzz import process
        from rapidfuzz.distance import OSA

        near = process.extract(key, self.spelled.keys(), scorer=OSA.distance, score_cutoff=1)
        return self.spelled[near[0][0]] if len(near) == 1 else frozenset()

    def unheard(self, text: str, lang: str = "ja") -> tuple[str, ...]:
        """Katakana place names in a Japanese question that no corpus name is, as
        written or by sound (ボストン市, ボストン): the question may be about a place
        the documents lack. A place is a run before a place suffix, or one unidic
        knows as a place name; a country is not one (countries are matched apart), nor
        the first word of a name of several (ジャパン・ハウス names a house). In an
        English question, :meth:`_unheard_latin`."""
        if lang == "en":
            return self._unheard_latin(text)
        out = []
        for m in KATAKANA_RUN.finditer(text):
            run = m.group(0)
            if any(run in n for n in self.names) or loanword(run) or countries_named(run, "ja"):
                continue
            if re.match(r"[・＝=][ァ-ヴ]", text[m.end() : m.end() + 2]):
                continue
            suffixed = text[m.end() : m.end() + 1] in tuple(PLACE_SUFFIXES)
            if not suffixed and not place_word(run):
                continue
            if run not in self.kana and taken(self.heard(run)) is None:
                out.append(run)
        return tuple(out)

    def _unheard_latin(self, text: str) -> tuple[str, ...]:
        """Capitalised names an English question writes before a word for a body
        ("Yokohama City", "Gunma Prefecture": the lexicon's ``place_words``) that no
        corpus name is, as spelled or by sound, nor a country, nor words English uses
        ("Sister City": read into katakana, a loanword to unidic)."""
        spelled = self._spelled_words(latin_key(text))
        out = []
        for m in _LATIN_BODY.finditer(text):
            names = capitalised(m.group(1))
            if not names or countries_named(m.group(1), "en"):
                continue
            if english_words(names[0]):
                continue
            if set(latin_key(names[0]).split()) & spelled or taken(self.heard(names[0])):
                continue
            out.append(m.group(0))
        return tuple(out)

    def _spelled_words(self, probe: str) -> set[str]:
        """The words of ``probe`` (a :func:`latin_key`) that spell a corpus name."""
        if self.latin_pattern is None:
            return set()
        return {w for m in self.latin_pattern.finditer(probe) for w in m.group(1).split()}

    def heard(self, typed: str) -> list[NameMatch]:
        """The corpus names ``typed`` may be, best first, each with how alike the two
        sound (1.0: the same skeleton); at most three. A katakana spelling is read
        as it sounds; a Latin one both as a romanisation (Pusan) and as English
        read into katakana (Houston → ハウストン)."""
        best: dict[frozenset[str], float] = {}
        if not typed.isascii():
            closest(skeleton(kana_reading(typed), by_ear=True), self.sounds, best)
            near = self._near_spelling(typed)
            if near:  # one letter off one katakana name: as good as the same sound
                best[near] = max(best.get(near, 0.0), HEARD_THRESHOLD)
        else:
            closest(skeleton(typed), self.latin_sounds, best)
            # Read as English only when it is no romanisation (a model call, ~0.1 s).
            if max(best.values(), default=0.0) < HEARD_THRESHOLD:
                closest(skeleton(kana_reading(english_kana(typed))), self.kana_sounds, best)
        ranked = sorted(best.items(), key=lambda kv: -kv[1])[:3]
        return [NameMatch(typed, names, score) for names, score in ranked]


def _outermost(names: Iterable[str]) -> frozenset[str]:
    """``names`` without those inside another of them (静岡 beside 静岡県)."""
    names = set(names)
    return frozenset(n for n in names if not any(o != n and o in n for o in names))


@functools.lru_cache(maxsize=4)
def _build(
    names: frozenset[str],
    korean: frozenset[str],
    elsewhere: frozenset[str],
    aliases: tuple[tuple[str, frozenset[str]], ...],
    japanese: frozenset[str] | None = None,
) -> NameIndex:
    latin: dict[str, set[str]] = {}
    sounds: dict[str, set[str]] = {}
    kana_sounds: dict[str, set[str]] = {}
    latin_sounds: dict[str, set[str]] = {}
    kept = {n for n in names | elsewhere if len(n) >= 2}
    for name in sorted(kept):
        stem = stem_or_name(name)
        country = None if name in elsewhere else name in korean
        foreign = japanese is None or name not in japanese
        # Where the country is known, a foreign Han name is typed in Latin letters by
        # its own country's reading (Yangzhou), not by the Japanese one (yoshu ~ Yeosu).
        own = japanese is not None and country is not None and foreign
        heard, by_latin, spelled = name_readings(name, korean=country, foreign=foreign, own=own)
        keys = {latin_key(r) for r in by_latin | spelled if r.isascii()}
        for key in keys:
            if len(key.replace(" ", "")) >= MIN_LATIN and key not in ENGLISH:
                latin.setdefault(key, set()).add(name)
        for sound in {skeleton(r, by_ear=True) for r in heard}:
            if len(sound) >= MIN_HEARD:
                sounds.setdefault(sound, set()).add(name)
        for sound in {skeleton(r) for r in by_latin}:
            if len(sound) >= MIN_HEARD:
                latin_sounds.setdefault(sound, set()).add(name)
                if KATAKANA_RUN.fullmatch(stem):
                    kana_sounds.setdefault(sound, set()).add(name)
    tables = alias_tables(dict(aliases), kept)
    for key, targets in tables.latin.items():
        if len(key.replace(" ", "")) >= MIN_LATIN and key not in ENGLISH:
            latin.setdefault(key, set()).update(targets)
    keys = sorted(latin, key=len, reverse=True)
    pattern = re.compile(r"\b(" + "|".join(re.escape(k) for k in keys) + r")\b") if keys else None
    return NameIndex(
        latin={k: frozenset(v) for k, v in latin.items()},
        names=frozenset(kept),
        latin_pattern=pattern,
        sounds={k: frozenset(v) for k, v in sounds.items()},
        kana_sounds={k: frozenset(v) for k, v in kana_sounds.items()},
        latin_sounds={k: frozenset(v) for k, v in latin_sounds.items()},
        simplified={n: simplified_forms(n) for n in kept},
        han=tables.han,
        kana=tables.kana,
        same=same_places(kept),
        spelled=spelled_katakana(kept, tables.kana),
    )
