"""The survey's vocabulary, which later stages use too: its nine fields of exchange, the
prefectures, the countries as its tables name them, and its dates (和暦 or Western)."""

from __future__ import annotations

import re
import unicodedata

from qa.corpus.textclean import fold_digits
from qa.language.eras import ERA_NAMES, western_year
from qa.language.lexicon import LEXICON
from qa.language.places import PLACE_SUFFIXES

__all__ = [
    "COUNTRIES",
    "FIELD_NAMES",
    "PREFECTURES",
    "countries_in",
    "parse_date",
    "prefectures_in",
    "several_parties",
]

FIELD_NAMES = {
    "①": "①教育交流",
    "②": "②文化交流",
    "③": "③スポーツ交流",
    "④": "④医療交流",
    "⑤": "⑤経済交流（農業等）",
    "⑥": "⑥経済交流（工業等）",
    "⑦": "⑦経済交流（商業等）",
    "⑧": "⑧行政交流",
    "⑨": "⑨その他交流",
}

#: Official name as in the survey's tables → other spellings found in the cards.
COUNTRIES: dict[str, tuple[str, ...]] = LEXICON.countries["ja"]

PREFECTURES = tuple(
    [
        "北海道",
        "青森県",
        "岩手県",
        "宮城県",
        "秋田県",
        "山形県",
        "福島県",
        "茨城県",
        "栃木県",
        "群馬県",
        "埼玉県",
        "千葉県",
        "東京都",
        "神奈川県",
        "新潟県",
        "富山県",
        "石川県",
        "福井県",
        "山梨県",
        "長野県",
        "岐阜県",
        "静岡県",
        "愛知県",
        "三重県",
        "滋賀県",
        "京都府",
        "大阪府",
        "兵庫県",
        "奈良県",
        "和歌山県",
        "鳥取県",
        "島根県",
        "岡山県",
        "広島県",
        "山口県",
        "徳島県",
        "香川県",
        "愛媛県",
        "高知県",
        "福岡県",
        "佐賀県",
        "長崎県",
        "熊本県",
        "大分県",
        "宮崎県",
        "鹿児島県",
        "沖縄県",
    ]
)

_DATE = re.compile(
    rf"(?:(?P<era>{ERA_NAMES})(?P<ey>元|\d{{1,2}})年?(?:[(（](?P<wy>\d{{4}})[)）])?"
    r"|(?P<y>\d{4}))年(?:(?P<m>\d{1,2})月(?:(?P<d>\d{1,2})日)?)?"
)


def parse_date(text: str) -> str | None:
    """The first date in ``text`` as ISO ``YYYY-MM-DD`` (or ``YYYY-MM``, ``YYYY``).

    The Western year in brackets wins over the era year where both are given.

    Example:
        >>> parse_date("令和2（2020）年1月5日")
        '2020-01-05'
        >>> parse_date("平成 1 0 （ 1 9 9 8 ） 年 7 月 2 日")
        '1998-07-02'
        >>> parse_date("平成元年11月")
        '1989-11'
    """
    folded = fold_digits(text).replace(" ", "")
    m = _DATE.search(folded)
    if m is None:
        return None
    if m.group("wy"):
        year = int(m.group("wy"))
    elif m.group("era"):
        year = western_year(m.group("era"), m.group("ey"))
    else:
        year = int(m.group("y"))
    parts = [f"{year:04d}"]
    if m.group("m"):
        parts.append(f"{int(m.group('m')):02d}")
        if m.group("d"):
            parts.append(f"{int(m.group('d')):02d}")
    return "-".join(parts)


def countries_in(text: str) -> tuple[str, ...]:
    """Official names of the countries named in ``text``, in order of appearance.

    Example:
        >>> countries_in("大韓民国慶尚北道浦項市 中華人民共和国吉林省琿春市")
        ('大韓民国', '中華人民共和国')
    """
    text = unicodedata.normalize("NFKC", text)
    found: dict[str, int] = {}
    for official, aliases in COUNTRIES.items():
        positions = [text.find(n) for n in (official, *aliases) if n in text]
        if positions:
            found[official] = min(positions)
    return tuple(sorted(found, key=found.__getitem__))


def prefectures_in(text: str) -> tuple[str, ...]:
    """Prefectures named in ``text``, in order of appearance, each once.

    Example:
        >>> prefectures_in("京都府、京都府舞鶴市")
        ('京都府',)
    """
    hits = sorted((text.find(p), p) for p in PREFECTURES if p in text)
    return tuple(p for _, p in hits)


#: A place name ending in a suffix, then ・ and another such name (市・市): two bodies.
_JOINED_PLACES = re.compile(rf"[^\s・、]{{2,}}[{PLACE_SUFFIXES}]・[^\s・、]+[{PLACE_SUFFIXES}]")


def several_parties(side: str) -> bool:
    """One side of a card names several bodies (the survey's 複数の自治体との提携):
    names listed with 、, several countries each with its place, or two places joined
    by ・ (``ポートスティーブンス市・ニューカッスル市``; not ``バーチ・キシュクン県``).

    Example:
        >>> several_parties("カナダ ブリティッシュコロンビア州")
        False
        >>> several_parties("大韓民国慶尚北道浦項市 中華人民共和国吉林省琿春市")
        True
    """
    text = unicodedata.normalize("NFKC", side)
    if "、" in text or _JOINED_PLACES.search(text):
        return True
    return sum(1 for piece in text.split() if countries_in(piece)) > 1
