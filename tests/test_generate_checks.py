"""The checks an LLM's reply must pass, alone: every value and name in it is in the
passages it cites (hand-written passages and replies)."""

from __future__ import annotations

import pytest

from qa.generate.responder import check_reply
from qa.query.names import NameIndex

# --- the checks alone ----------------------------------------------------------------------

CARD = (
    "特定分野における提携・協定等に関する調査結果 › 日本国静岡県と中華人民共和国浙江省との"
    "教育交流協力覚書\n(2) 提携年月日\n\n平成24（2012）年4月4日\n\n静岡県と中華人民共和国浙江省"
    "の友好提携（昭和57年4月）に基づく、分野別協定。\n"
    "担当部署名\t企画広報部 地域外交局 地域外交課\n"
    "電話番号\t054-221-2309\t電子メール\tkokusai@pref.shizuoka.lg.jp"
)
SURVEY = "調査結果 › はじめに\n提携等は全部で175件、うち再掲25件。"


@pytest.mark.parametrize(
    "reply",
    [
        "平成24（2012）年4月4日に結ばれました [1]。",
        "２０１２年４月４日です［１］。",  # full width
        "2012年4月4日（平成24年）[1]",  # the Gregorian year of a 和暦 one
        "It was signed on April 4, 2012 [1], building on the 1982 friendship [1].",
        "Signed 4 April 2012 (Heisei 24) [1].",
        "2012-04-04 [1]",
        "电话是054-221-2309，邮箱是 KOKUSAI@pref.shizuoka.lg.jp [1]。",
        "昭和57年4月の友好提携に基づきます [1]。",
        "1. 2012年4月4日 [1]\n2. 提携等は175件 [2]",  # "1." and "2." number the list
        "175件のうち再掲は25件です [1, 2]。",
    ],
)
def test_supported_replies_pass(reply: str) -> None:
    assert check_reply(reply, [CARD, SURVEY]) is None


@pytest.mark.parametrize(
    ("reply", "reason"),
    [
        ("2012年4月5日です [1]。", "unsupported value: 2012年4月5日"),
        ("平成25年4月4日です [1]。", "unsupported value: 平成25年4月4日"),
        ("April 4, 2013 [1]", "unsupported value: April 4, 2013"),
        ("昭和57年5月 [1]", "unsupported value: 昭和57年5月"),
        ("提携等は175件です [1]。", "unsupported value: 175"),  # in [2], not in the cited [1]
        ("メールは info@pref.shizuoka.lg.jp [1]", "unsupported value: info@pref.shizuoka.lg.jp"),
        ("詳しくは https://example.org/x [1]", "unsupported value: https://example.org/x"),
        ("2012年4月4日です [0]。", "unknown citation: [0]"),
        ("2012年4月4日です [1][3]。", "unknown citation: [3]"),
        ("2012年4月4日です (1)。", "no citation"),
    ],
)
def test_unsupported_replies_fail(reply: str, reason: str) -> None:
    assert check_reply(reply, [CARD, SURVEY]) == reason


# --- names in a reply -----------------------------------------------------------------------

#: Corpus names by their Latin keys, as the answerer's name index finds them.
NAMES = NameIndex.build(["静岡県", "静岡", "浙江省", "浙江", "北京市", "北京", "大連市", "大連"])


@pytest.mark.parametrize(
    "reply",
    [
        "静岡県と浙江省の覚書は2012年4月4日に結ばれました [1]。",
        "中国の浙江省と日本の静岡県の覚書です [1]。",
        "Shizuoka Prefecture and Zhejiang signed it on April 4, 2012 [1].",
        "静冈县与浙江省于2012年4月4日签署了备忘录 [1]。",
        "担当は企画広報部 地域外交局 地域外交課です [1]。",
    ],
)
def test_replies_naming_the_cited_places_pass(reply: str) -> None:
    assert check_reply(reply, [CARD, SURVEY], names=NAMES.find) is None


@pytest.mark.parametrize(
    ("reply", "reason"),
    [
        # The right date with the wrong partner.
        ("静岡県と北京市の覚書は2012年4月4日に結ばれました [1]。", "unsupported name: 北京市"),
        ("静岡県と大連の覚書は2012年4月4日です [1]。", "unsupported name: 大連"),
        (
            "Shizuoka Prefecture and Beijing signed it on April 4, 2012 [1].",
            "unsupported name: 北京",
        ),
        ("静冈县与北京市于2012年4月4日签署了备忘录 [1]。", "unsupported name: 北京市"),
        ("静岡県とハノイ市の覚書は2012年4月4日です [1]。", "unsupported name: ハノイ市"),
    ],
)
def test_a_reply_naming_a_place_the_cited_passages_do_not_is_not_used(
    reply: str, reason: str
) -> None:
    assert check_reply(reply, [CARD, SURVEY], names=NAMES.find) == reason


def test_a_reply_naming_another_country_is_not_used() -> None:
    reason = check_reply("ベトナムの浙江省と静岡県の覚書です [1]。", [CARD, SURVEY])
    assert reason is not None and reason.startswith("unsupported name: ")
