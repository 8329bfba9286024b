"""Question analysis: language, the kind of answer asked for, and what it names.

Rules only (no model): cue words per language decide the kind, and the places
named are matched against the names the corpus itself uses (the agreement
cards' municipalities and their components, e.g. 浙江省 in 中華人民共和国浙江省).

Example:
    >>> names = name_components("静岡県") | name_components("中華人民共和国浙江省")
    >>> q = analyze("静岡県と浙江省の教育交流の覚書はいつ結ばれた？", names)
    >>> q.kind, q.places
    ('date', ('静岡県', '浙江省'))
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from qa.parse_survey import countries_in

__all__ = ["KINDS", "Question", "analyze", "name_components"]

KINDS = (
    "date", "phone", "email", "department", "contact", "person", "place", "count",
    "reason", "list", "definition", "url", "other",
)  # fmt: skip

#: (kind, cues) per language, first match wins: specific fields before general ones.
_JA_CUES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("url", ("URL", "ホームページ", "ウェブサイト")),
    ("email", ("メール",)),
    ("phone", ("電話",)),
    ("department", ("担当部署", "部署", "担当課", "どの部", "どの課")),
    ("contact", ("問い合わせ", "問合せ", "連絡先", "窓口", "相談先")),
    ("date", ("いつ", "何年", "日付", "年月日", "締結日", "何月")),
    (
        "count",
        (
            "何件",
            "何人",
            "何名",
            "いくつ",
            "何か所",
            "何カ所",
            "何ヵ所",
            "何位",
            "どれくらい",
            "何回",
            "件数",
            "人数",
            "数は",
            "頻度",
            "割合",
        ),
    ),
    ("reason", ("なぜ", "理由", "経緯", "きっかけ", "背景", "縁")),
    ("person", ("誰", "だれ")),
    ("place", ("どこ", "開催地", "自治体は", "都市は", "国は", "相手")),
    ("definition", ("とは", "仕組み", "分類", "含まれる")),
    ("list", ("何を", "どんな", "どのような", "取組", "取り組み", "成果", "課題", "対象")),
)
_EN_CUES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("url", ("url", "website", "web page", "homepage")),
    ("email", ("e-mail", "email", "mail address")),
    ("phone", ("phone", "telephone")),
    ("department", ("department", "division", "section")),
    ("contact", ("contact",)),
    ("date", ("when", "what date", "which date", "what year", "which year")),
    ("count", ("how many", "how much", "number of")),
    ("reason", ("why", "reason", "background", "how did")),
    ("person", ("who",)),
    ("place", ("where", "city", "town", "country", "municipality", "province", "state")),
    ("definition", ("what is", "what are")),
    ("list", ("what kind", "which activities", "what did")),
)
_ZH_CUES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("url", ("网址", "网站", "主页")),
    ("email", ("邮件", "邮箱")),
    ("phone", ("电话",)),
    ("department", ("部门",)),
    ("contact", ("联系",)),
    ("date", ("什么时候", "哪一天", "哪一年", "何时", "日期", "哪年")),
    ("count", ("多少", "几")),
    ("reason", ("为什么", "原因", "背景", "契机")),
    ("person", ("谁",)),
    ("place", ("哪里", "哪个城市", "哪个", "在哪")),
    ("list", ("什么", "哪些")),
)

_KANA = re.compile(r"[\u3040-\u30ff]")
_HAN = re.compile(r"[\u4e00-\u9fff]")
#: A place name ends in an administrative suffix.
_COMPONENT = re.compile(r".+?(?:都|道|府|県|省|市|州|町|村|区|郡|特別市|自治区)")
_ERAS = {"令和": 2018, "平成": 1988, "昭和": 1925}
_YEAR = re.compile(r"(?<!\d)(\d{4})年")
_ERA_YEAR = re.compile(r"(令和|平成|昭和)(\d{1,2}|元)年")


@dataclass(frozen=True)
class Question:
    """What a question asks.

    Attributes:
        text: The question, NFKC-folded and stripped.
        lang: ``ja``, ``en`` or ``zh``.
        kind: One of :data:`KINDS`.
        places: Corpus place names the question names, longest first, none inside another.
        countries: Official names of the countries named.
        years: Western years named (era years converted).
    """

    text: str
    lang: str
    kind: str
    places: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    years: tuple[int, ...] = ()


def detect_lang(text: str) -> str:
    """``en`` when Latin letters outnumber CJK characters, else ``ja`` with kana, else ``zh``."""
    cjk = len(_KANA.findall(text)) + len(_HAN.findall(text))
    if len(re.findall(r"[A-Za-z]", text)) > cjk:
        return "en"
    if _KANA.search(text):
        return "ja"
    if _HAN.search(text):
        return "zh"
    return "en"


def _kind(text: str, lang: str) -> str:
    table = {"ja": _JA_CUES, "en": _EN_CUES, "zh": _ZH_CUES}[lang]
    probe = text.lower() if lang == "en" else text
    for kind, cues in table:
        if any(cue.lower() in probe for cue in cues):
            return kind
    return "other"


def name_components(name: str) -> set[str]:
    """A municipality name and its parts.

    ``中華人民共和国浙江省`` → itself, ``浙江省`` and ``浙江``.
    """
    name = unicodedata.normalize("NFKC", name).strip()
    out: set[str] = set()
    for part in re.split(r"[\s、,・()（）/]+", name):
        if len(part) < 2:
            continue
        out.add(part)
        for country in countries_in(part):
            part = part.replace(country, "")
        pos = 0
        for m in _COMPONENT.finditer(part):
            comp = part[pos : m.end()] if pos == m.start() else m.group(0)
            pos = m.end()
            if len(comp) >= 2:
                out.add(comp)
                stem = comp.rstrip("都道府県省市州町村区郡")
                if len(stem) >= 2:
                    out.add(stem)
        if len(part) >= 2:
            out.add(part)
    return out


def _years(text: str) -> tuple[int, ...]:
    years = [int(y) for y in _YEAR.findall(text)]
    for era, n in _ERA_YEAR.findall(text):
        years.append(_ERAS[era] + (1 if n == "元" else int(n)))
    return tuple(dict.fromkeys(years))


def analyze(text: str, names: Iterable[str] = ()) -> Question:
    """Analyze ``text``; ``names`` are the corpus's place names (components are matched too)."""
    folded = unicodedata.normalize("NFKC", text or "").strip()
    lang = detect_lang(folded)
    found = {n for n in names if n and len(n) >= 2 and n in folded}
    places = sorted(found, key=lambda n: (-len(n), folded.find(n)))
    kept: list[str] = []
    for p in places:
        if not any(p in k for k in kept):
            kept.append(p)
    kept.sort(key=folded.find)
    return Question(
        text=folded,
        lang=lang,
        kind=_kind(folded, lang),
        places=tuple(kept),
        countries=countries_in(folded),
        years=_years(folded),
    )
