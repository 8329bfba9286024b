"""The chat on the real corpus and model: its messages, its API under 20 concurrent clients,
and the real page in headless Chromium."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from conftest import CORPUS, ROOT
from qa.answer.answerer import ABSTAIN, Answerer
from qa.app.chat_page import EXAMPLE_LABEL_CHARS, example_labels
from qa.app.ui import (
    EXAMPLES,
    NOT_IN_DOCUMENTS,
    ChatService,
    clean_question,
    create_app,
    launch,
    passage_html,
    text_html,
)
from qa.corpus.documents import load_corpus

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


def _check(record: dict, expected: str | None) -> None:
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


@pytest.fixture(scope="module")
def service(engine) -> ChatService:
    return ChatService(Answerer(engine.retriever), documents=load_corpus(CORPUS))


def test_answer_message_marks_the_span_in_its_source(service: ChatService) -> None:
    answer = service.answer(SHIZUOKA)
    reply, first, *others = service.messages(answer)
    assert reply["role"] == "assistant" and "metadata" not in reply
    assert f'<span class="qa-answer-text">{SHIZUOKA_DATE}</span>' in reply["content"]
    assert '<sup class="qa-ref">[1]</sup>' in reply["content"]
    title = first["metadata"]["title"]
    assert title.startswith("[1] ") and SURVEY in title and SHIZUOKA_CARD in title
    assert "status" not in first["metadata"]  # the answering source starts open
    assert f"<mark>{SHIZUOKA_DATE}</mark>" in first["content"]
    assert "①教育交流" in first["content"] and "中華人民共和国" in first["content"]
    assert len(others) == len(answer.citations) - 1
    assert all(m["metadata"]["status"] == "done" for m in others)
    assert not any("<mark>" in m["content"] for m in others)


def test_abstention_looks_different(service: ChatService) -> None:
    answer = service.answer(UNANSWERABLE)
    assert answer.abstained
    reply, *sources = service.messages(answer)
    assert reply["content"].startswith('<div class="qa-abstain">')
    assert ABSTAIN["ja"] in reply["content"] and "qa-answer" not in reply["content"]
    assert sources and all("近い資料" in m["metadata"]["title"] for m in sources)
    assert not any("<mark>" in m["content"] for m in sources)


def test_markup_in_the_documents_is_shown_as_text(service: ChatService) -> None:
    # The MOFA contact list writes "<JICA>" before the office that answers this.
    answer = service.answer("青年海外協力隊事務局参加促進課の電話番号は？")
    source = service.messages(answer)[1]
    unmarked = re.sub(r"</?mark>", "", source["content"])
    assert "&lt;JICA&gt; 青年海外協力隊事務局参加促進課" in unmarked
    assert "<mark>" in source["content"]
    assert "<JICA>" not in source["content"]
    # An agreement card's URL with query parameters keeps its ampersands as text.
    assert "&amp;ik=1&amp;pnp=115" in passage_html("info.rbz?nd=1320&ik=1&pnp=115", None)


def test_escaping_is_total_and_spans_are_exact() -> None:
    text = '<p>会議</p>\n<ul class="x">\t"成果"</ul>'
    marked = passage_html(text, (3, 5))
    assert marked == (
        "&lt;p&gt;<mark>会議</mark>&lt;/p&gt;<br>&lt;ul class=&quot;x&quot;&gt;&emsp;"
        "&quot;成果&quot;&lt;/ul&gt;"
    )
    assert re.sub(r"</?(mark|br)>", "", marked).count("<") == 0
    assert text_html("<script>alert(1)</script><b>x</b>") == (
        "&lt;script&gt;alert(1)&lt;/script&gt;&lt;b&gt;x&lt;/b&gt;"
    )
    assert passage_html("abc", (2, 9)) == "abc"  # a span outside the text marks nothing


def test_filters_restrict_the_sources_and_are_shown(service: ChatService) -> None:
    answer = service.answer("経済交流の覚書はいつ結ばれた？", country="ベトナム")
    cited = service.record(answer)["citations"]
    assert cited and all("ベトナム社会主義共和国" in c["countries"] for c in cited)
    reply = service.messages(answer, country="ベトナム")[0]["content"]
    assert "絞り込み Filters: 国 ベトナム" in reply
    chosen = {"document": "002_e59d51f378d5a747.txt", "field": "①"}
    answer = service.answer("教育交流の協定はいつ結ばれた？", **chosen)
    cited = service.record(answer)["citations"]
    assert cited and all("①教育交流" in c["fields"] for c in cited)
    reply = service.messages(answer, **chosen)[0]["content"]
    assert f"絞り込み Filters: 文書 {SURVEY} / 分野 ①教育交流" in reply
    assert "絞り込み" not in service.messages(answer)[0]["content"]


def test_examples_are_shown_whole_and_the_unanswerable_one_is_marked() -> None:
    labels = example_labels(EXAMPLES, NOT_IN_DOCUMENTS)
    assert all(len(label) <= EXAMPLE_LABEL_CHARS for label in labels), labels
    marked = [label for label in labels if label.startswith("⚠ 資料にない例")]
    assert marked == [f"⚠ 資料にない例 Not in the documents: {UNANSWERABLE}"]


def test_question_is_checked() -> None:
    assert clean_question("  静岡県\x00は？ ") == "静岡県は？"
    with pytest.raises(ValueError, match="empty"):
        clean_question(" \n ")
    with pytest.raises(ValueError, match="at most 2,000"):
        clean_question("あ" * 2001)


# --- the served app ------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def feedback_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("feedback") / "feedback.jsonl"


@pytest.fixture(scope="module")
def chat_url(engine, feedback_file: Path):
    """The app served in-process on a free loopback port, with the session's engine;
    its thumbs write to a temporary file."""
    app = create_app(engine, feedback_path=feedback_file)
    url = launch(app, host="127.0.0.1", port=_free_port(), block=False, quiet=True)
    yield url
    app.close()


def test_served_on_loopback_only(chat_url: str) -> None:
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/", chat_url)


def test_twenty_concurrent_clients_all_answer_right(chat_url: str) -> None:
    from gradio_client import Client

    def ask(question: str) -> dict:
        client = Client(chat_url, verbose=False)
        try:
            return client.predict(question=question, api_name="/ask")
        finally:
            client.close()

    with ThreadPoolExecutor(max_workers=len(TWENTY)) as pool:
        records = list(pool.map(ask, [q for q, _ in TWENTY], timeout=600))
    assert len(records) == 20
    for (question, expected), record in zip(TWENTY, records, strict=True):
        assert record["question"] == question
        _check(record, expected)


def test_api_filters_and_errors(chat_url: str) -> None:
    from gradio_client import Client
    from gradio_client.exceptions import AppError

    client = Client(chat_url, verbose=False)
    record = client.predict(SHIZUOKA, "", "①", "", api_name="/ask")
    _check(record, SHIZUOKA_DATE)
    first = record["citations"][0]
    assert first["doc_title"] == SURVEY and first["fields"] == ["①教育交流"]
    assert first["title"] == SHIZUOKA_CARD and first["source_span"]
    with pytest.raises(AppError, match="the question is empty"):
        client.predict(question="   ", api_name="/ask")
    client.close()


def test_serve_stops_at_once_when_the_port_is_taken() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run(
            [sys.executable, "-m", "qa.app.cli", "serve", "--port", str(port)],
            capture_output=True,
            text=True,
            timeout=60,
            cwd=ROOT,
        )
    assert done.returncode == 2
    assert f"qa: error: cannot serve on 127.0.0.1:{port}" in done.stderr
    assert "Traceback" not in done.stderr


# --- the real page in headless Chromium ----------------------------------------------------


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is missing (apt-get install chromium)"
        if os.environ.get("CI", "").lower() not in ("", "0", "false", "no"):
            pytest.fail(f"{reason}; CI must run the browser test")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def _ask(page, question: str) -> None:
    box = page.locator("#qa-question textarea")
    box.fill(question)
    box.press("Enter")


def test_page_answers_highlights_abstains_and_shows_markup_as_text(
    browser, chat_url: str, tmp_path: Path
) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 1300})
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(chat_url)
    chat = page.locator("#qa-chat")
    replies = chat.locator(".qa-answer, .qa-abstain")
    # The filters and the examples are there.
    for elem_id, label in (("doc", "文書 Document"), ("field", "交流分野"), ("country", "国")):
        assert label in page.locator(f"#qa-filter-{elem_id}").inner_text()
    assert page.get_by_text(UNANSWERABLE).count() >= 1  # an example
    assert page.get_by_text("When did Kawasaki and Da Nang sign").count() >= 1

    # An answerable question: the short answer, and its source with the date marked.
    _ask(page, SHIZUOKA)
    mark = chat.locator(".qa-passage mark")
    mark.first.wait_for(timeout=120_000)
    assert mark.first.inner_text() == SHIZUOKA_DATE
    assert chat.locator(".qa-answer-text").first.inner_text() == SHIZUOKA_DATE
    source = chat.locator(".qa-source").first
    assert SURVEY in source.inner_text() and SHIZUOKA_CARD in source.inner_text()
    assert "①教育交流" in source.inner_text()
    assert chat.get_by_text(f"[1] 根拠 answer · {SURVEY}").count() == 1
    yellow = mark.first.evaluate("e => getComputedStyle(e).backgroundColor")
    assert yellow == "rgb(253, 224, 71)"
    mark.first.scroll_into_view_if_needed()
    page.wait_for_timeout(800)  # the source block slides open
    page.screenshot(path=tmp_path / "chat-answer.png")

    # Markup in a source ("<JICA>" in the MOFA contact list) is shown as text.
    _ask(page, "青年海外協力隊事務局参加促進課の電話番号は？")
    chat.locator(".qa-passage mark", has_text="03-5226-3513").wait_for(timeout=120_000)
    passages = chat.locator(".qa-passage").all_inner_texts()
    assert any("<JICA> 青年海外協力隊事務局参加促進課" in p for p in passages)

    # A question the documents cannot answer: the abstention, styled apart.
    _ask(page, UNANSWERABLE)
    abstain = chat.locator(".qa-abstain")
    abstain.first.wait_for(timeout=120_000)
    assert abstain.first.inner_text().startswith("⚠ 資料には記載がありません")
    style = "e => getComputedStyle(e).backgroundColor"
    assert abstain.first.evaluate(style) != chat.locator(".qa-answer").first.evaluate(style)
    assert chat.locator(".qa-passage mark").count() == 2  # the two answers' only

    # Markup typed by the user is shown as text, and runs nothing.
    before = replies.count()
    _ask(page, MARKUP)
    chat.get_by_text(MARKUP, exact=True).wait_for(timeout=30_000)
    page.wait_for_function(
        "n => document.querySelectorAll('#qa-chat .qa-answer, #qa-chat .qa-abstain').length > n",
        arg=before,
        timeout=120_000,
    )
    assert chat.locator("script").count() == 0
    assert chat.locator("b").filter(has_text=re.compile("^x$")).count() == 0
    assert dialogs == []
    page.wait_for_timeout(800)
    page.screenshot(path=tmp_path / "chat.png", full_page=True)
    assert (tmp_path / "chat.png").stat().st_size > 10_000
    page.close()


def test_page_shows_a_list_answer_as_a_table_with_each_card_openable(
    browser, chat_url: str, tmp_path: Path
) -> None:
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    page.goto(chat_url)
    chat = page.locator("#qa-chat")
    _ask(page, LIST_QUESTION)
    table = chat.locator("table.qa-list")
    table.first.wait_for(timeout=120_000)
    rows = table.first.locator("tbody tr")
    assert rows.count() == 6
    assert "愛媛県西条市" in rows.first.inner_text()
    assert chat.locator(".qa-answer-text").first.inner_text().startswith("該当する提携は6件です")
    # Each agreement's card is a closed source block; opening one shows its card
    # with the agreement's title line marked.
    headers = chat.get_by_text(re.compile(r"^\[\d\] 根拠 answer"))
    assert headers.count() == 6
    kobe = chat.locator(".qa-source").filter(has_text="兵庫県神戸市")
    assert not kobe.first.is_visible()  # closed until asked for
    headers.nth(2).click()  # the third agreement by date: 神戸市–キエンザン省
    kobe.first.locator(".qa-passage mark").wait_for(state="visible", timeout=30_000)
    page.wait_for_timeout(800)
    page.screenshot(path=tmp_path / "chat-list.png", full_page=True)
    page.close()


# --- follow-ups, copy, dates, layout and thumbs (#15) ------------------------------------------


@pytest.fixture(scope="module")
def shizuoka_card(engine):
    """The card that answers SHIZUOKA (its department and phone are the follow-ups' answers)."""
    return next(c.card for c in engine.retriever.index.chunks if c.title == SHIZUOKA_CARD)


def _answer_after(page, question: str, replies_before: int) -> None:
    """Ask ``question`` and wait until the page shows more than ``replies_before`` answers."""
    _ask(page, question)
    page.wait_for_function(
        "n => document.querySelectorAll('#qa-chat .qa-answer, #qa-chat .qa-abstain').length > n",
        arg=replies_before,
        timeout=120_000,
    )


def test_api_follows_up_on_the_history_it_is_given(chat_url: str, shizuoka_card) -> None:
    from gradio_client import Client
    from gradio_client.exceptions import AppError

    client = Client(chat_url, verbose=False)
    first = client.predict(question=SHIZUOKA, api_name="/ask")
    history = [{"role": "user", "content": SHIZUOKA}, {"role": "assistant", "content": first}]
    second = client.predict(question=FOLLOW_DEPARTMENT, history=history, api_name="/ask")
    assert second["answer"] == shizuoka_card.department.strip()
    assert second["about"] == SHIZUOKA_CARD and second["as_of"] == "2012年8月調査時点"
    # The earlier answer as text: the turn is asked again to know what it was about.
    history += [
        {"role": "user", "content": FOLLOW_DEPARTMENT},
        {"role": "assistant", "content": second["answer"]},
    ]
    history[1] = {"role": "assistant", "content": first["answer"]}
    third = client.predict(question=FOLLOW_PHONE, history=history, api_name="/ask")
    assert third["answer"] == shizuoka_card.phone.strip() and third["about"] == SHIZUOKA_CARD
    alone = client.predict(question=FOLLOW_PHONE, api_name="/ask")
    assert "about" not in alone  # without history, nothing is followed up
    with pytest.raises(AppError, match="history message 1: role must be 'user' or 'assistant'"):
        client.predict(question=FOLLOW_PHONE, history=[{"role": "x"}], api_name="/ask")
    client.close()


def test_page_follows_up_over_three_turns(
    browser, chat_url: str, shizuoka_card, tmp_path: Path
) -> None:
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    page.goto(chat_url)
    chat = page.locator("#qa-chat")
    turns = [
        (SHIZUOKA, SHIZUOKA_DATE),
        (FOLLOW_DEPARTMENT, shizuoka_card.department.strip()),
        (FOLLOW_PHONE, shizuoka_card.phone.strip()),
    ]
    for n, (question, expected) in enumerate(turns):
        _answer_after(page, question, n)
        answer = chat.locator(".qa-answer").nth(n)
        assert answer.locator(".qa-answer-text").inner_text() == expected, question
        # Its answering source is open, on the same card, with the answer marked.
        marks = chat.locator(".qa-passage mark")
        assert marks.count() == n + 1
        assert marks.nth(n).inner_text() == expected
        assert marks.nth(n).is_visible()
        source = marks.nth(n).locator("xpath=ancestor::div[contains(@class, 'qa-source')][1]")
        assert SHIZUOKA_CARD in source.inner_text()
        # Read first: the document with its date and the card; the file name, chunk id
        # and source characters only in the small line after the passage.
        meta = source.locator(".qa-meta").inner_text()
        assert meta.startswith(f"文書 Document: {SURVEY}（2012年8月調査時点）\nカード Card:")
        assert ".txt" not in meta and "#card" not in meta
        check = source.locator(".qa-check").inner_text()
        assert ".txt · 002#card-" in check and "source characters" in check
        about = answer.locator(".qa-about")
        if n == 0:
            assert about.count() == 0
        else:
            assert about.inner_text() == f"↪ {SHIZUOKA_CARD}について About"
            assert "2012年8月調査時点" in answer.inner_text()
    # The department's answer gives the card's phone and e-mail with it.
    department = chat.locator(".qa-answer").nth(1).inner_text()
    assert shizuoka_card.phone.strip() in department and shizuoka_card.email.strip() in department
    page.wait_for_timeout(800)  # the last source block slides open
    page.screenshot(path=tmp_path / "follow-ups-1366.png")
    page.close()


def test_page_copies_text_dates_sources_and_shows_a_list(
    browser, chat_url: str, feedback_file: Path, tmp_path: Path
) -> None:
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    # What the copy button writes reaches this recorder (after the page's own script).
    page.add_init_script(
        "window.__copied = [];"
        "navigator.clipboard.writeText = (s) => { window.__copied.push(s); "
        "return Promise.resolve(); };"
    )
    page.goto(chat_url)
    chat = page.locator("#qa-chat")
    # The intro names the five documents with their dates; the examples are all in view,
    # the one the documents cannot answer marked as such.
    intro = page.locator("#qa-intro").inner_text()
    for dated in ("2012年8月調査時点", "2018年7月時点", "FY2022", "FY2021"):
        assert dated in intro
    examples = page.locator("#qa-examples")
    # Waited for (Playwright's expect), not counted at once: the examples render after
    # the intro.
    from playwright.sync_api import expect

    expect(examples.get_by_text("⚠ 資料にない例")).to_have_count(1, timeout=60_000)
    english = examples.locator(
        "button:visible", has_text="When did Kawasaki and Da Nang sign their memorandum?"
    ).first
    assert english.evaluate("e => e.scrollWidth <= e.clientWidth + 1")
    box = examples.bounding_box()
    assert box is not None and box["y"] + box["height"] <= 900, box
    page.screenshot(path=tmp_path / "start-1366.png")

    _answer_after(page, SHIZUOKA, 0)
    source = chat.locator(".qa-source").first
    assert f"{SURVEY}（2012年8月調査時点）" in source.inner_text()  # the source's date
    # The buttons of the answer's messages (the only assistant turn yet).
    answer_row = chat.locator(".message-buttons-left")
    answer_row.first.get_by_role("button", name="Copy message", exact=True).click()
    page.wait_for_function("() => window.__copied.length > 0", timeout=30_000)
    copied = page.evaluate("() => window.__copied[0]")
    assert copied.startswith(SHIZUOKA_DATE), copied
    assert f"[1] {SURVEY}（2012年8月調査時点） › {SHIZUOKA_CARD}" in copied
    assert "<" not in copied and "&lt;" not in copied
    # Screen readers get the message's text, not its markup.
    labels = chat.locator("[aria-label]").evaluate_all("els => els.map(e => e.ariaLabel)")
    assert any(label.startswith(SHIZUOKA_DATE) for label in labels)
    assert not any("<div" in label or "&lt;" in label for label in labels)

    # A thumb up on the answer is written, with its question and citations, to the file.
    answer_row.first.get_by_role("button", name="Like", exact=True).click()
    votes = _wait_for_lines(feedback_file)
    assert votes[-1]["liked"] is True and votes[-1]["question"] == SHIZUOKA
    assert votes[-1]["answer"] == SHIZUOKA_DATE
    assert votes[-1]["citations"][0]["title"] == SHIZUOKA_CARD

    # A list answer: its table, each agreement's card a closed source.
    examples.get_by_text(LIST_EXAMPLE).click()
    table = chat.locator("table.qa-list")
    table.first.wait_for(timeout=120_000)
    assert table.first.locator("tbody tr").count() == 6
    assert "愛媛県西条市" in table.first.inner_text()
    page.wait_for_timeout(800)
    page.screenshot(path=tmp_path / "list-1366.png")
    page.close()


def _wait_for_lines(path: Path, tries: int = 600) -> list[dict]:
    """The JSON lines of ``path``, once it has any (checked every 0.1 s, up to a minute)."""
    import json
    import time

    for _ in range(tries):
        if path.exists() and path.read_text(encoding="utf-8").strip():
            return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
        time.sleep(0.1)
    raise AssertionError(f"nothing written to {path}")


def test_phone_layout_puts_the_filters_first_and_answers_follow_ups(
    browser, chat_url: str, tmp_path: Path
) -> None:
    page = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True)
    page.goto(chat_url)
    page.locator("#qa-question textarea").wait_for(timeout=60_000)
    filters = page.locator("#qa-filters").bounding_box()
    chat = page.locator("#qa-chat").bounding_box()
    assert filters is not None and chat is not None
    assert filters["y"] + filters["height"] <= chat["y"] + 1, (filters, chat)
    assert filters["width"] > 300  # the whole width, not a squeezed column
    page.screenshot(path=tmp_path / "start-390.png", full_page=True)
    _answer_after(page, SHIZUOKA, 0)
    _answer_after(page, FOLLOW_PHONE, 1)
    about = page.locator("#qa-chat .qa-about")
    assert about.first.inner_text() == f"↪ {SHIZUOKA_CARD}について About"
    page.wait_for_timeout(800)
    page.screenshot(path=tmp_path / "follow-up-390.png", full_page=True)
    # A list answer reads one agreement a line, within the chat's width: no header row,
    # no column squeezed to a character.
    _answer_after(page, LIST_QUESTION, 2)
    table = page.locator("#qa-chat table.qa-list").first
    assert not table.locator("thead").is_visible()
    assert table.evaluate("e => e.scrollWidth <= e.parentElement.clientWidth + 1")
    first = table.locator("tbody tr").first
    assert "愛媛県西条市" in first.inner_text()
    place = first.locator("td").first.bounding_box()
    assert place is not None and place["width"] > 60, place  # 愛媛県西条市 on one line
    page.close()
