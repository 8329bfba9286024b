"""What the chat's tests share: the questions, their checked answers, a free port."""

from __future__ import annotations

import socket
from pathlib import Path

from qa.answer.answerer import ABSTAIN

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SURVEY = "特定分野における提携・協定等に関する調査結果"
SHIZUOKA = "静岡県と浙江省の教育交流の覚書はいつ結ばれた？"
SHIZUOKA_DATE = "平成24（2012）年4月4日"
SHIZUOKA_CARD = "日本国静岡県と中華人民共和国浙江省との教育交流協力覚書"
UNANSWERABLE = "青森市とパリ市の特定分野の協定はいつ結ばれた？"
LIST_QUESTION = "ベトナムの自治体と提携している日本の自治体をすべて挙げてください"
LIST_EXAMPLE = "ベトナムの自治体と提携している日本の自治体は？"
FOLLOW_DEPARTMENT = "その提携の担当部署は？"
FOLLOW_PHONE = "電話番号は？"
MARKUP = "<script>alert(1)</script><b>x</b> 火星市との姉妹都市提携はいつ？"

#: 20 questions (Japanese, English, Chinese; two the documents cannot answer) and the
#: answer each must get (None: an abstention), all checked against the documents.
TWENTY = [
    (SHIZUOKA, SHIZUOKA_DATE),
    ("北九州市と天津市の低炭素社会の覚書の連絡先電話番号は？", "093-662-4020"),
    ("川崎市とダナン市の覚書はいつ結ばれた？", "平成24（2012）年2月10日"),
    (
        "青森市と大連市の経済文化交流委員会設置に関する協定について、担当課の電話番号は？",
        "017-734-5235",
    ),
    (
        "栃木県岩舟町と浙江省天台県の教育及び文化の友好交流に関する覚書はいつ交わされた？",
        "平成14（2002）年10月28日",
    ),
    (
        "甲府市とデモイン市の教育交流協議書の問い合わせ先メールアドレスは？",
        "kyokyoiku@city.kofu.lg.jp",
    ),
    ("青森県と済州特別自治道の友好交流協定はいつ締結された？", "平成23（2011）年12月7日"),
    ("渋谷区とパリ市六区の文化交流協定書はいつ結ばれた？", "昭和60(1985)年5月22日"),
    (
        "立川市とヌメア市のマラソン大会姉妹提携に関する協定はいつ結ばれた？",
        "平成24（2012）年3月1日",
    ),
    (
        "京都府とイタリア・トスカーナ州の経済交流提携に関する協定書はいつ締結された？",
        "平成18（2006）年11月2日",
    ),
    ("北海道と黒竜江省の経済交流に関する覚書はいつ結ばれた？", "平成元（1989）年11月11日"),
    ("静岡県と浙江省の防災に関する相互応援協定はいつ結ばれた？", "平成20（2008）年12月8日"),
    ("習志野市とブリズベン市の湿地提携に関する協定はいつ締結された？", "平成10（1998）年2月25日"),
    ("外務省の地方連携推進室の電話番号は？", "03-5501-8491"),
    ("青年海外協力隊事務局参加促進課の電話番号は？", "03-5226-3513"),
    ("When did Kawasaki and Da Nang sign their memorandum?", "平成24（2012）年2月10日"),
    (
        "What is the phone number for inquiries about Kushiro City's sister-wetland partnership "
        "with Port Stephens and Newcastle?",
        "0154-31-4594",
    ),
    ("北九州市与天津市关于低碳社会建设合作备忘录的联系电话是多少？", "093-662-4020"),
    (UNANSWERABLE, None),
    ("外務省大阪分室の電話番号は？", None),
]


def check_record(record: dict, expected: str | None) -> None:
    """``record`` (from /ask) gives ``expected``, cited with its span, or abstains."""
    if expected is None:
        assert record["abstained"], record["answer"]
        assert record["answer"] == ABSTAIN["ja"]
        return
    assert not record["abstained"], record["question"]
    assert expected in record["answer"], (record["question"], record["answer"])
    first = record["citations"][0]
    start, end = first["span"]
    assert expected in first["text"][start:end]


# --- the messages, without a server -----------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
