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

from qa.names import NameIndex, countries_named, japanese_forms
from qa.parse_survey import countries_in

__all__ = [
    "KINDS",
    "MAX_QUESTION_CHARS",
    "Question",
    "analyze",
    "clean_question",
    "name_components",
]

KINDS = (
    "date", "fax", "phone", "email", "amount", "department", "contact", "person", "place", "count",
    "reason", "list", "definition", "url", "other",
)  # fmt: skip

#: (kind, cues) per language, first match wins: specific fields before general ones.
_JA_CUES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("url", ("URL", "ホームページ", "ウェブサイト")),
    ("email", ("メール",)),
    ("fax", ("FAX", "ファックス", "ファクス")),
    ("phone", ("電話",)),
    ("department", ("担当部署", "部署", "担当課", "どの部", "どの課")),
    ("contact", ("問い合わせ", "問合せ", "連絡先", "窓口", "相談先")),
    ("amount", ("予算", "費用", "金額", "経費", "何円", "いくら")),
    ("date", ("いつ", "何年", "日付", "年月日", "締結日", "何月", "何か月前", "何日前")),
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
    ("place", (
        "どこ", "開催地", "自治体は", "都市は", "国は", "相手", "先は", "住所", "所在地", "ビル",
        "部屋",
    )),
    ("definition", ("とは", "仕組み", "分類", "含まれる")),
    ("list", ("何を", "どんな", "どのような", "取組", "取り組み", "成果", "課題", "対象")),
)
_EN_CUES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("url", ("url", "website", "web page", "homepage")),
    ("email", ("e-mail", "email", "mail address")),
    ("fax", ("fax",)),
    ("phone", ("phone", "telephone")),
    ("department", ("department", "division", "section")),
    ("contact", ("contact",)),
    ("amount", ("budget", "cost", "in yen", "how much money", "expense")),
    ("date", (
        "when", "what date", "which date", "what year", "which year", "how far in advance",
        "how long before",
    )),
    ("count", ("how many", "how much", "number of", "how often")),
    ("reason", ("why", "reason", "background", "how did")),
    ("person", ("who",)),
    ("place", (
        "where", "city", "town", "country", "municipality", "province", "state", "address",
    )),
    ("definition", ("what is", "what are")),
    ("list", ("what kind", "which activities", "what did")),
)
_ZH_CUES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("url", ("网址", "网站", "主页")),
    ("email", ("邮件", "邮箱")),
    ("fax", ("传真",)),
    ("phone", ("电话",)),
    ("department", ("部门",)),
    ("contact", ("联系",)),
    ("amount", ("预算", "费用", "金额")),
    ("date", ("什么时候", "哪一天", "哪一年", "何时", "日期", "哪年")),
    ("count", ("多少", "几")),
    ("reason", ("为什么", "原因", "背景", "契机")),
    ("person", ("谁",)),
    ("place", ("哪里", "哪个城市", "哪个", "在哪", "地址")),
    ("list", ("什么", "哪些")),
)

_KANA = re.compile(r"[\u3040-\u30ff]")
_HIRAGANA = re.compile(r"[\u3041-\u309f]")
_HAN = re.compile(r"[\u4e00-\u9fff]")
#: A place name ends in an administrative suffix.
_COMPONENT = re.compile(r".+?(?:都|道|府|県|省|市|州|町|村|区|郡|特別市|自治区)")
_ERAS = {"令和": 2018, "平成": 1988, "昭和": 1925}
_YEAR = re.compile(r"(?<!\d)(\d{4})年")
#: "FY2019", "in 2019": a year in an English question.
_EN_YEAR = re.compile(r"(?<![\d-])(?:FY\s*)?((?:19|20)\d{2})(?![\d-])", re.IGNORECASE)
#: Topic words → the survey's fields of exchange (①–⑨), per language.
_TOPICS: dict[str, tuple[str, ...]] = {
    "①": ("教育", "学校", "学生", "生徒", "education", "school", "student"),
    "②": ("文化", "芸術", "culture", "cultural", "art"),
    "③": ("スポーツ", "sport", "体育"),
    "④": ("医療", "衛生", "medical", "health", "hospital", "医疗", "卫生"),
    "⑤": ("農業", "農林", "agricultur", "农业"),
    "⑥": (
        "工業", "技術", "環境", "水道", "industr", "technolog", "environment",
        "工业", "技术", "环境",
    ),
    "⑦": ("商業", "観光", "貿易", "commerce", "trade", "touris", "商业", "旅游", "贸易"),
    "⑧": ("行政", "administrat", "government"),
}
#: Which side of an agreement a question asks for.
_SIDE_CUES = {
    "japanese": ("日本の自治体", "日本側", "日本の市", "日本の県", "japanese", "日方", "日本的"),
    "foreign": ("海外の自治体", "相手", "外国の", "海外側", "foreign", "partner", "对方", "外方"),
}
_ORDER_CUES = {
    "earliest": ("最も早", "一番早", "最初", "最も古", "earliest", "first", "oldest", "最早"),
    "latest": ("最も新し", "一番新し", "最も遅", "最近", "latest", "most recent", "newest", "最新"),
}
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
        topics: Fields of exchange (``①``–``⑧``) the question's topic words point to.
        side: ``japanese`` or ``foreign`` when it asks for one side of an agreement.
        order: ``earliest`` or ``latest`` when it compares agreements by date.
        lexical: The text to match against the documents' words: the question,
            and for Chinese also in Japanese character forms (绵阳 → 綿陽).
    """

    text: str
    lang: str
    kind: str
    places: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    years: tuple[int, ...] = ()
    topics: tuple[str, ...] = ()
    side: str | None = None
    order: str | None = None
    lexical: str = ""


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
    """``en`` when Latin letters outnumber CJK characters, else ``ja`` with hiragana, else ``zh``.

    Hiragana, not katakana, marks Japanese: a Chinese question may quote a
    katakana name (岘港市（ダナン市）).
    """
    cjk = len(_KANA.findall(text)) + len(_HAN.findall(text))
    if len(re.findall(r"[A-Za-z]", text)) > cjk:
        return "en"
    if len(_HIRAGANA.findall(text)) >= 2 or (_KANA.search(text) and not _HAN.search(text)):
        return "ja"
    if _HAN.search(text):
        return "zh"
    return "en"


def _kind(text: str, lang: str) -> str:
    table = {"ja": _JA_CUES, "en": _EN_CUES, "zh": _ZH_CUES}[lang]
    probe = text.lower()
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


def _years(text: str, lang: str = "ja") -> tuple[int, ...]:
    years = [int(y) for y in _YEAR.findall(text)]
    if lang == "en" or "FY" in text.upper():
        years += [int(y) for y in _EN_YEAR.findall(text)]
    for era, n in _ERA_YEAR.findall(text):
        years.append(_ERAS[era] + (1 if n == "元" else int(n)))
    return tuple(dict.fromkeys(years))


def _has(text: str, word: str) -> bool:
    """``word`` in ``text``; a Latin word only at a word start (``art`` is not in ``part``)."""
    if word.isascii():
        return re.search(rf"\b{re.escape(word.lower())}", text.lower()) is not None
    return word in text


def _cue(text: str, cues: dict[str, tuple[str, ...]]) -> str | None:
    return next((k for k, words in cues.items() if any(_has(text, w) for w in words)), None)


def analyze(
    text: str, names: Iterable[str] = (), name_index: NameIndex | None = None
) -> Question:
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
    found = {n for n in names if n and len(n) >= 2 and n in lexical}
    if name_index is not None:
        found |= name_index.find(folded, lang)
    places = sorted(found, key=lambda n: (-len(n), lexical.find(n)))
    kept: list[str] = []
    for p in places:
        if not any(p in k for k in kept):
            kept.append(p)
    kept.sort(key=lambda n: (lexical.find(n) % (len(folded) + 1), n))
    return Question(
        text=folded,
        lang=lang,
        kind=_kind(folded, lang),
        places=tuple(kept),
        countries=tuple(dict.fromkeys(countries_in(folded) + countries_named(folded, lang))),
        years=_years(folded, lang),
        topics=tuple(k for k, words in _TOPICS.items() if any(_has(folded, w) for w in words)),
        side=_cue(folded, _SIDE_CUES),
        order=_cue(folded, _ORDER_CUES),
        lexical=lexical,
    )
