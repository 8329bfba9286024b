"""The chat page around the messages: its introduction, example labels, layout, the
script that makes copy and screen readers use text, and a session's turns.

The chatbot copies, and gives screen readers as each message's label, the message's
content, which here is HTML (:mod:`qa.app.chat_view`). :data:`PAGE_JS` puts text in
their place: each message carries its plain text in a hidden ``qa-copy`` block,
which the copy button writes to the clipboard (the answer with its sources' titles)
and which becomes the message's ``aria-label``.

Example:
    >>> example_labels(["a?", "b?"], {"b?"})[1].startswith("⚠")
    True
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from qa.answer.contacts import as_of_words
from qa.answer.followup import Topic
from qa.app.chat_input import trim_history
from qa.app.chat_view import CSS as MESSAGES_CSS
from qa.corpus.schema import Document

__all__ = ["CSS", "EXAMPLE_LABEL_CHARS", "PAGE_JS", "Session", "example_labels", "intro_markdown"]

#: The page's layout: the examples wrap instead of being cut; on a phone the filters
#: come first, above the chat, and a list answer's rows read as lines.
CSS = (
    MESSAGES_CSS
    + """
#qa-examples button, #qa-examples .gallery-item { white-space: normal; text-align: left;
  max-width: 100%; height: auto; }
#qa-examples .gallery { flex-wrap: wrap; }
#qa-intro p { margin: 2px 0; }
#qa-intro h3 { margin: 0 0 2px 0; }
#qa-intro .qa-docs { font-size: var(--text-sm); opacity: 0.85; }
@media (max-width: 768px) {
  #qa-main { flex-direction: column; }
  #qa-filters { order: -1; min-width: 100% !important; }
  #qa-chat-column { min-width: 100% !important; }
  /* A list answer's table as one short paragraph per agreement, not five columns
     squeezed to a character's width. */
  .qa-list thead { display: none; }
  .qa-list tr { display: block; padding: 4px 0;
    border-bottom: 1px solid var(--border-color-primary); }
  .qa-list td { display: inline; border: none; padding: 0 6px 0 0; }
  .qa-list td:first-child { font-weight: 600; }
  .qa-list .qa-ref { white-space: nowrap; }
}
"""
)

#: Run once on load: clipboard and aria-label get a message's plain text.
PAGE_JS = r"""
() => {
  const plain = (markup) => {
    const doc = new DOMParser().parseFromString(String(markup), "text/html");
    const hidden = doc.querySelector(".qa-copy");
    return (hidden ? hidden.textContent : doc.body.textContent).trim();
  };
  // Every message's content is HTML built by the app: what is copied is its text.
  if (navigator.clipboard && !navigator.clipboard.__qaText) {
    const write = navigator.clipboard.writeText.bind(navigator.clipboard);
    navigator.clipboard.writeText = (s) => write(plain(s));
    navigator.clipboard.__qaText = true;
  }
  // A label already made text is left alone: its text may hold "<" itself (<JICA>),
  // and setting it again would wake the observer without end.
  const made = new WeakMap();
  const relabel = () => {
    document.querySelectorAll("#qa-chat [aria-label]").forEach((el) => {
      const label = el.getAttribute("aria-label");
      if (made.get(el) === label || !/[<&]/.test(label)) return;
      const text = plain(label);
      made.set(el, text);
      if (text !== label) el.setAttribute("aria-label", text);
    });
  };
  new MutationObserver(relabel).observe(document.body, {
    subtree: true, childList: true, attributes: true, attributeFilter: ["aria-label"],
  });
  relabel();
}
"""


def intro_markdown(documents: Sequence[Document]) -> str:
    """The page's introduction: what the chat does, and the documents with their dates."""
    listed = " · ".join(f"{d.title}（{as_of_words(vars(d)) or d.edition}）" for d in documents)
    return (
        "### 自治体の国際交流 — 資料に基づく Q&A\n"
        "5つの公開資料から、短い答えを出典とともに返します（答えの箇所は<mark>黄色</mark>）。"
        "資料にないことには「資料には記載がありません」と答えます。"
        "「その担当部署は？」のような続きの質問は、前の答えについて答えます。 "
        "Short answers copied from five public documents, each with its source; a follow-up "
        "that names nothing asks about the previous answer.\n\n"
        f'<span class="qa-docs">資料 Documents（数字はその時点 figures as of）: {listed}</span>'
    )


#: Gradio shows an example's first 60 characters, then "...".
EXAMPLE_LABEL_CHARS = 60


def example_labels(examples: Sequence[str], absent: Collection[str]) -> list[str]:
    """The examples as shown: one the documents do not answer is marked as such."""
    return [f"⚠ 資料にない例 Not in the documents: {q}" if q in absent else q for q in examples]


@dataclass(frozen=True)
class Session:
    """One browser tab's conversation, kept on the server.

    Attributes:
        messages: The chat's messages (trimmed by whole turns, see
            :func:`~qa.app.chat_input.trim_history`).
        records: Per turn still in ``messages``, the answer as ``/ask`` returns it
            (None while it is being answered), for feedback.
        topic: What the last answer was about, for a follow-up.
    """

    messages: list[dict] = field(default_factory=list)
    records: tuple[dict | None, ...] = ()
    topic: Topic | None = None

    def asking(self, question_html: str) -> Session:
        """The session with a question shown, waiting for its answer."""
        message = {"role": "user", "content": question_html}
        return replace(self, messages=[*self.messages, message], records=(*self.records, None))

    def answered(self, reply: list[dict], record: dict[str, Any], topic: Topic | None) -> Session:
        """The session with the last question's answer (its messages and record)."""
        messages = trim_history([*self.messages, *reply])
        kept = sum(1 for m in messages if m.get("role") == "user")
        records = (*self.records[:-1], record)[-kept:] if kept else ()
        return Session(messages, records, topic)

    def record_at(self, index: Any) -> dict | None:
        """The record of the turn holding message ``index`` (as the page numbers them);
        None for an index that is no message of an answered turn."""
        if isinstance(index, bool) or not isinstance(index, int):
            return None
        if not 0 <= index < len(self.messages):
            return None
        turn = sum(1 for m in self.messages[: index + 1] if m.get("role") == "user")
        return self.records[turn - 1] if 0 < turn <= len(self.records) else None
