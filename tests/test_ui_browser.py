"""The real chat page in headless Chromium (Debian's chromium through Playwright): answers
highlighted in their sources, abstentions, markup shown as text, list answers, follow-ups,
copy, dates, thumbs and the phone layout."""

from __future__ import annotations

import re
from pathlib import Path

from ui_support import (
    FOLLOW_DEPARTMENT,
    FOLLOW_PHONE,
    LIST_EXAMPLE,
    LIST_QUESTION,
    MARKUP,
    SHIZUOKA,
    SHIZUOKA_CARD,
    SHIZUOKA_DATE,
    SURVEY,
    UNANSWERABLE,
)


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
    _answer_after(page, MARKUP, replies.count())
    chat.get_by_text(MARKUP, exact=True).wait_for(timeout=30_000)
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


def _answer_after(page, question: str, replies_before: int) -> None:
    """Ask ``question`` and wait until the page shows more than ``replies_before`` answers."""
    _ask(page, question)
    page.wait_for_function(
        "n => document.querySelectorAll('#qa-chat .qa-answer, #qa-chat .qa-abstain').length > n",
        arg=replies_before,
        timeout=120_000,
    )


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
    examples = _check_the_start(page, tmp_path)

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


def _check_the_start(page, tmp_path: Path):
    """The intro names the five documents with their dates; the examples are all in view,
    the one the documents cannot answer marked as such. Returns the examples."""
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
    return examples


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
