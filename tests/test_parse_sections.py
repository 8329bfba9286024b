"""The section parsers on the real brochures (000, 001, 003) and report (004).

Every chunk must point back at its source exactly, no source line may be left
out, and facts the PDF layout scattered must land in the section they belong to.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable

import pytest

from qa.corpus import parse_beijing, parse_mofa, parse_seminar
from qa.corpus.parse_common import ParseError
from qa.corpus.schema import Chunk, Document
from qa.corpus.textclean import clean, fold

NEW, OLD = "000_b054f97bdabcbb53.txt", "001_f32148f275b74ca3.txt"
MOFA, SEMINAR = "003_af571f244401429e.txt", "004_b59c51503d8ee357.txt"

PARSERS: dict[str, Callable[[Document], list[Chunk]]] = {
    NEW: parse_beijing.parse,
    OLD: parse_beijing.parse,
    MOFA: parse_mofa.parse,
    SEMINAR: parse_seminar.parse,
}
PDF = {NEW, OLD, MOFA}  # cleaned with pdf_hyphens=True

# Characters that cleaning may drop: white space, layout hyphens, Markdown marks.
_NOISE_CHARS = re.compile(r"[\s\-#]")


@pytest.fixture(scope="module")
def chunks(docs: dict[str, Document]) -> dict[str, list[Chunk]]:
    return {doc_id: parse(docs[doc_id]) for doc_id, parse in PARSERS.items()}


def _titled(chunks: list[Chunk], words: str) -> Chunk:
    """The one chunk whose title holds ``words`` (folded), 事業例 pages aside."""
    hits = [c for c in chunks if fold(words) in fold(c.title) and not c.title.startswith("事業例")]
    assert len(hits) == 1, (words, [c.title for c in hits])
    return hits[0]


def _lines(text: str) -> list[tuple[int, str]]:
    return [(m.start(), m.group()) for m in re.finditer(r"[^\n]+", text) if m.group().strip()]


# --- every document --------------------------------------------------------


@pytest.mark.parametrize("doc_id", PARSERS)
def test_chunks_are_well_formed(doc_id: str, chunks: dict[str, list[Chunk]]) -> None:
    got = chunks[doc_id]
    assert got
    ids = [c.id for c in got]
    assert len(ids) == len(set(ids))
    for c in got:
        assert c.id.startswith(doc_id.split("_")[0] + "#"), c.id
        assert (c.doc, c.shape) == (doc_id, "section"), c.id
        assert c.title.strip() and c.text.strip(), c.id
        assert "-" not in c.title, c.id
        for noise in ("<p>", "</p>", "<ul", "<h3>", "--"):
            assert noise not in c.text, (c.id, noise)
        assert not re.search(r"[^\x00-\x7f]-[^\x00-\x7f]", c.text), c.id  # テ-ー-マ
        assert not re.search(r"(?m)^[ \t]*(?:#|-(?=\S))", c.text), c.id  # ## / -見出し


@pytest.mark.parametrize("doc_id", PARSERS)
def test_segments_point_at_their_source(
    doc_id: str, docs: dict[str, Document], chunks: dict[str, list[Chunk]]
) -> None:
    source = docs[doc_id].text
    for c in chunks[doc_id]:
        assert c.segments, c.id
        at = 0
        for s in c.segments:
            assert s.text_start >= at, c.id  # in text order, not overlapping
            at = s.text_start + s.length
            copied = c.text[s.text_start : s.text_start + s.length]
            assert source[s.source_start : s.source_start + s.length] == copied, (c.id, s)
        assert c.start == min(s.source_start for s in c.segments), c.id
        assert c.end == max(s.source_start + s.length for s in c.segments), c.id


@pytest.mark.parametrize("doc_id", PARSERS)
def test_no_source_character_is_dropped(
    doc_id: str, docs: dict[str, Document], chunks: dict[str, list[Chunk]]
) -> None:
    """Every character outside the chunks' segments is white space, a hyphen or markup."""
    source = docs[doc_id].text
    covered = bytearray(len(source))
    for c in chunks[doc_id]:
        for s in c.segments:
            covered[s.source_start : s.source_start + s.length] = b"\x01" * s.length
    for m in re.finditer(r"</?h\d>|<(?=https?://)|(?<=<)https?://[^>\s]+(>)", source):
        lo, hi = (m.start(1), m.end(1)) if m.group(1) else (m.start(), m.end())
        covered[lo:hi] = b"\x01" * (hi - lo)
    dropped = [
        (docs[doc_id].line_of(i), ch)
        for i, ch in enumerate(source)
        if not covered[i] and not _NOISE_CHARS.fullmatch(ch)
    ]
    assert dropped == []


@pytest.mark.parametrize("doc_id", PARSERS)
def test_every_source_line_is_in_some_chunk(
    doc_id: str, docs: dict[str, Document], chunks: dict[str, list[Chunk]]
) -> None:
    doc = docs[doc_id]
    texts = [fold(c.text) for c in chunks[doc_id]]
    for offset, line in _lines(doc.text):
        words = fold(clean(doc.text, offset, offset + len(line), pdf_hyphens=doc_id in PDF).text)
        if not words:
            continue  # a separator line such as "-------\t---"
        assert any(words in t for t in texts), (doc.line_of(offset), line)


# --- the Beijing brochures -------------------------------------------------


def test_support_counts_stay_with_overseas_support(chunks: dict[str, list[Chunk]]) -> None:
    assert "自治体の海外活動支援：26件" in _titled(chunks[NEW], "海外活動支援").text
    assert "自治体の海外活動支援：23件" in _titled(chunks[OLD], "海外活動支援").text


@pytest.mark.parametrize(
    ("doc_id", "title", "fact"),
    [
        # The director's name came out after the next section.
        (NEW, "所長あいさつ", "所長：近松茂弘"),
        (NEW, "地方自治体と中国のつながり", "2023年3月現在で379件"),
        (NEW, "地方自治体と中国のつながり", "上海 23"),  # the offices table, after 概要's heading
        (NEW, "クレア北京事務所概要", "1997年12月に開設された北京事務所"),
        # The venue map and the FY2019 results sit apart from the seminar's text.
        (NEW, "日中地域間交流推進セミナー", "第18回  福州市（福建省）"),
        (NEW, "日中地域間交流推進セミナー", "開催都市 福建省福州市"),
        (
            NEW,
            "日中地域間交流推進セミナー",
            # A row whose theme the PDF wrapped onto a ～…～ line.
            "第５回 2006年度 長沙市（湖南省） 新たな日中都市間ネットワークの確立に向けて"
            "～多都市間による日中観光交流の促進～",
        ),
        (NEW, "料理体験を通じた日本の魅力発信事業", "2022年9月16日（上海市） 山形県"),
        (NEW, "料理体験を通じた日本の魅力発信事業", "記念写真（大阪市）"),
        (NEW, "ライブ配信を通じた地域の魅力発信事業", "快手と連携し"),
        (NEW, "ライブ配信を通じた地域の魅力発信事業", "伝統産業の紹介"),
        (NEW, "自治体職員協力交流事業（LGOTP）", "のべ514人"),
        (
            NEW,
            "自治体職員協力交流事業（LGOTP）",
            "長崎県長崎市 広東省中山市 生涯教育、国際、平和、観光、水道、農林水産、環境",
        ),
        (NEW, "自治体職員協力交流事業（LGOTP）", "出発前壮行会"),
        (NEW, "海外自治体幹部交流協力セミナー", "興福寺（長崎市）を視察する参加者"),
        (NEW, "自治体国際協力専門家派遣事業", "のべ101人"),
        (NEW, "JETプログラムの推進", "派遣人数累計 120人 1,278人 30人 1,428人"),
        (NEW, "JETプログラムの推進", "鹿児島"),  # the map of where they work
        (NEW, "連絡先", "clairbj-jp@clair.org.cn"),
        (NEW, "連絡先", "地下鉄１号線"),
        (OLD, "日中地域間交流推進セミナー", "第17回 2018年度 綿陽市（四川省）"),
        (OLD, "日中地域間交流推進セミナー", "開催都市 福建省福州市"),
        (OLD, "日中地域間交流推進セミナー", "第３回  チチハル市（黒竜江省）"),
        (OLD, "海外活動支援", "国際冬季スポーツ博覧会（WWSE）への出展支援"),
        (OLD, "日系百貨店と連携した自治体PR事業", "天津伊勢丹（天津市）"),
        (OLD, "日系百貨店と連携した自治体PR事業", "越境EC商品のライブコマースの様子"),
        (OLD, "料理体験を通じた日本の魅力発信事業", "2022年1月22日（上海市） 香川県"),
        (OLD, "料理体験を通じた日本の魅力発信事業", "記念写真（宮城県・岩手県）"),
    ],
)
def test_beijing_facts_land_in_their_section(
    doc_id: str, title: str, fact: str, chunks: dict[str, list[Chunk]]
) -> None:
    assert fact in _titled(chunks[doc_id], title).text


def test_beijing_sections_keep_their_banners_as_headings(chunks: dict[str, list[Chunk]]) -> None:
    for doc_id in (NEW, OLD):
        cooking = _titled(chunks[doc_id], "料理体験を通じた日本の魅力発信事業")
        assert cooking.heading == ("日中両国の地域間交流の推進・連携強化", "経済交流の推進")
        # The same section has the same key in both editions.
        assert cooking.id.split("#")[1] == "cooking"


def test_a_missing_heading_is_an_error(docs: dict[str, Document]) -> None:
    doc = docs[NEW]
    broken = dataclasses.replace(doc, text=doc.text.replace("旅行博覧会等出展事業", "旅行博覧会"))
    with pytest.raises(ParseError, match="旅行博覧会等出展事業"):
        parse_beijing.parse(broken)


# --- the MOFA brochure -----------------------------------------------------


def _index_programmes(text: str) -> list[str]:
    """The example programmes the 事業例 index lists (国内事業/海外事業)."""
    index = text[text.index("国内事業 事業例") : text.index("相談したい")]
    return re.findall(r"(?m)^([^\t\n]+)\t\d+$", index)


def test_every_programme_of_the_index_has_its_own_section(
    docs: dict[str, Document], chunks: dict[str, list[Chunk]]
) -> None:
    names = _index_programmes(docs[MOFA].text)
    assert len(names) == 19
    for name in names:
        # Its own: a chunk whose title names this programme and no other one
        # (the page of 地方の魅力発信プロジェクト also names 地域の魅力海外発信支援事業).
        own = [
            c.id
            for c in chunks[MOFA]
            if fold(name) in fold(c.title)
            and not any(fold(other) in fold(c.title) for other in names if other != name)
        ]
        assert own, name


def test_every_need_of_the_index_heads_a_programme(
    docs: dict[str, Document], chunks: dict[str, list[Chunk]]
) -> None:
    needs = re.findall(r"(?m)^([^\t\n]+たい)\t[\d, ]+$", docs[MOFA].text)
    assert len(needs) == 17
    headed = {c.heading[-1] for c in chunks[MOFA] if len(c.heading) == 3}
    assert set(needs) <= headed


@pytest.mark.parametrize(
    ("title", "facts"),
    [
        ("外交実務研修員", ("人事課", "毎年4月に研修開始", "主な対象")),
        ("在外公館「日本企業支援窓口」", ("03-5501-8336", "business-support@mofa.go.jp")),
        ("ジャパン・ハウス", ("regionalatjapanhouse@mofa.go.jp", "企業・自治体")),
        ("地方視察ツアー", ("大阪分室(在関西領事団を対象としたツアー)",)),
        # 連絡先 and 主な対象 values merged on one line by the PDF.
        ("自治体間連携セミナー", ("開発協力総括課 自治体",)),
        ("EPA", ("連絡先 経済連携課", "主な対象 企業")),
        ("海外での講演・ワークショップ", ("広報文化外交戦略課", "個人")),
        ("便宜供与", ("地方連携推進室が窓口となります",)),
    ],
)
def test_programme_facts_stay_in_their_programme(
    title: str, facts: tuple[str, ...], chunks: dict[str, list[Chunk]]
) -> None:
    chunk = _titled(chunks[MOFA], title)
    for fact in facts:
        assert fact in chunk.text, (title, fact)


def test_programme_headings_carry_division_category_and_need(
    chunks: dict[str, list[Chunk]],
) -> None:
    got = {c.title: c.heading for c in chunks[MOFA]}
    assert got["外交実務研修員"] == ("国内事業", "交流・連携支援", "自治体職員を外務省に派遣したい")
    # Its labels came out after it; the index places it under 交流・連携支援.
    assert got["「地方を世界へ」プロジェクト"][1:] == (
        "交流・連携支援",
        "地方の魅力を世界へアピールしたい",
    )
    assert got["大使・総領事の 地方訪問"][2] == "地方の魅力を世界へアピールしたい"
    assert got["海外メディアへの 発信支援"][2] == "海外メディアに発信したい"
    assert got["便宜供与/ 地方連携担当官"] == (
        "海外事業",
        "交流・連携支援",
        "外国の都市と交流したい",
    )
    assert got["ABEイニシアティブ"][2] == "アフリカの若者を受け入れたい"
    assert got["事業例: 地方視察ツアー"] == ("国内事業", "事業例")


def test_contact_rows_stay_whole(chunks: dict[str, list[Chunk]]) -> None:
    contacts = _titled(chunks[MOFA], "連絡先一覧")
    lines = contacts.text.splitlines()
    for row in (
        "● 人事課\t03-5501-8087",
        "● 国際報道官室\t03-5501-8134",
        "● 人物交流室・対日理解促進交流室\t03-3580-3311",
        "● 開発協力総括課 (中小企業支援、地方自治体等との連携)\t03-5501-8373",
    ):
        assert row in lines, row
    assert any(line.startswith("地方連携推進室\t03-5501-8491") for line in lines)


def test_a_missing_example_page_is_an_error(docs: dict[str, Document]) -> None:
    doc = docs[MOFA]
    broken = dataclasses.replace(doc, text=doc.text.replace("スキーム 地方視察ツアー", "スキーム"))
    with pytest.raises(ParseError, match="地方視察ツアー"):
        parse_mofa.parse(broken)


# --- the seminar report ----------------------------------------------------


def test_every_past_seminar_row_is_kept_whole(
    docs: dict[str, Document], chunks: dict[str, list[Chunk]]
) -> None:
    rows = re.findall(r"(?m)^第(\d+)回\t.*$", docs[SEMINAR].text)
    assert rows == [str(n) for n in range(1, 18)]
    table = _titled(chunks[SEMINAR], "開催地及びテーマ")
    assert table.heading == ("日中地域間交流推進セミナー",)
    for m in re.finditer(r"(?m)^第\d+回\t.*$", docs[SEMINAR].text):
        assert m.group() in table.text.splitlines(), m.group()


def test_seminar_sections(chunks: dict[str, list[Chunk]]) -> None:
    got = chunks[SEMINAR]
    header = got[0]
    assert "新産業創出と企業誘致" in header.title and "加强新产业培育" in header.title
    assert "支持单位：日本国駐重慶総領事館" in header.text
    report = _titled(got, "2018年度セミナー開催報告")
    assert "開催都市\t四川省綿陽市" in report.text
    assert "参加者\t日中双方の地方政府関係者等147人(日本側:59人、中国側88人)" in report.text
    assert "三木正夫長野県須坂市長による基調講演" in report.text
    assert [c.title for c in got].count("開催地") == 0  # the empty map heading joins the table
