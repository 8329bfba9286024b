"""The chat: a question in, a short cited answer out, each source shown with its answer marked.

:func:`create_app` builds the Gradio Blocks from a loaded engine (or an
:class:`~qa.answer.Answerer`) without starting a server, so it can be built and
tested alone; :func:`launch` serves it on loopback (no share link). The model
and index are loaded once, by the caller, and shared by every user; Gradio's
queue runs the questions one at a time because fugashi's tagger, which BM25
and the question analysis share, is not thread-safe. When an LLM rewrites the
answers (:mod:`qa.generate`), only the extraction is one at a time: a few
questions may wait for the LLM together. Each answer says which generator
wrote it; its sources and highlight are the extractive answer's either way.

Every message is HTML built here from escaped text: the chatbot renders it
with Markdown off and Gradio's sanitizer on, so markup in the documents or
typed by a user is shown as text, never rendered. The same answers are
available to programs as the ``/ask`` endpoint (see the README).

Example:
    >>> app = create_app(open_engine(Config.from_env()))  # doctest: +SKIP
    >>> launch(app, host="127.0.0.1", port=7860)  # doctest: +SKIP
"""

from __future__ import annotations

import html
import re
import socket
import threading
import unicodedata
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from qa import serve_guard
from qa.answer import Answer, Answerer, Citation
from qa.chat_input import ask_arguments, blocks_class, refusal, trim_history
from qa.corpus import load_corpus
from qa.generate import EXTRACTIVE, LLM, Responder
from qa.lexicon import LEXICON
from qa.parse_survey import FIELD_NAMES
from qa.question import MAX_QUESTION_CHARS, clean_question, detect_lang
from qa.retrieval import Filters
from qa.schema import Chunk

if TYPE_CHECKING:
    import gradio as gr

    from qa.engine import Engine
    from qa.schema import Document

__all__ = [
    "API_NAME",
    "EXAMPLES",
    "ChatService",
    "SourceInfo",
    "check_address",
    "clean_question",
    "create_app",
    "launch",
    "reply_messages",
]

#: The endpoint programs call with ``gradio_client`` (``Client.predict(..., api_name="/ask")``).
API_NAME = "ask"
#: Questions waiting beyond this many are turned away with "queue full" instead of piling up.
MAX_QUEUE = 256
#: Questions answered at once when an LLM writes the answers (extraction stays one at a time).
LLM_WORKERS = 4

#: Example questions (each checked against ``qa ask``): dates, contacts, partners, a
#: seminar venue, and one the documents cannot answer, in Japanese and English.
EXAMPLES = (
    "静岡県と浙江省の教育交流の覚書はいつ結ばれた？",
    "北九州市と天津市の低炭素社会の覚書の連絡先電話番号は？",
    "川崎市とダナン市の覚書はいつ結ばれた？",
    "青森市とパリ市の特定分野の協定はいつ結ばれた？",
    "When did Kawasaki and Da Nang sign their memorandum?",
    "ベトナムの自治体と提携している日本の自治体は？",
    "Where was the 12th Japan-China Regional Exchange Promotion Seminar held?",
)

_ALL = ""
_ABSTAIN_NOTE = (
    "資料の中に答えは見つかりませんでした。近い箇所を下に示します。 / Closest passages below."
)
_BLANK_LINES = re.compile(r"\n[ \t\u3000]*(?:\n[ \t\u3000]*)+")
_CSS = """
.qa-answer { border-left: 4px solid var(--color-accent); padding: 2px 10px; }
.qa-answer-text { font-weight: 600; }
.qa-ref { color: var(--color-accent); font-weight: 600; margin-left: 4px; }
.qa-abstain { border-left: 4px solid #d97706; background: #fff7ed; color: #7c2d12;
  padding: 6px 10px; border-radius: 4px; }
.dark .qa-abstain { background: #431407; color: #fed7aa; }
.qa-note { font-size: var(--text-sm); opacity: 0.85; }
.qa-generator { font-size: var(--text-sm); opacity: 0.7; margin-top: 2px; }
.qa-meta { font-size: var(--text-sm); opacity: 0.85; margin-bottom: 6px; }
.qa-passage { line-height: 1.6; }
.qa-list { border-collapse: collapse; font-size: var(--text-sm); margin-top: 6px; }
.qa-list th, .qa-list td { border-bottom: 1px solid var(--border-color-primary);
  padding: 2px 8px 2px 0; text-align: left; vertical-align: top; }
.qa-passage mark { background: #fde047; color: #111827; padding: 0 2px; border-radius: 2px; }
"""


def _gradio() -> Any:
    try:
        import gradio
    except ImportError as exc:
        raise ImportError(
            f"the chat needs gradio ({exc.name} is missing): pip install -e . (gradio>=6,<7)"
        ) from exc
    return gradio


# --- HTML, always from escaped text ----------------------------------------------


def text_html(text: str) -> str:
    """``text`` as HTML that displays it literally: escaped, line breaks as ``<br>``."""
    return html.escape(text, quote=True).replace("\r\n", "\n").replace("\n", "<br>")


def passage_html(text: str, span: tuple[int, int] | None) -> str:
    """``text`` escaped, with ``text[span[0]:span[1]]`` wrapped in ``<mark>``.

    Blank lines are shown as one line break and tabs (table cells) as a wide space,
    so a card reads compactly; the characters themselves are all kept.
    """
    if span is None or not 0 <= span[0] < span[1] <= len(text):
        return _compact_html(text)
    start, end = span
    return (
        f"{_compact_html(text[:start])}<mark>{_compact_html(text[start:end])}</mark>"
        f"{_compact_html(text[end:])}"
    )


def _compact_html(text: str) -> str:
    return text_html(_BLANK_LINES.sub("\n", text)).replace("\t", "&emsp;")


def _div(css_class: str, inner_html: str) -> str:
    return f'<div class="{css_class}">{inner_html}</div>'


@dataclass(frozen=True)
class SourceInfo:
    """What the chat shows about a cited chunk besides its text.

    Attributes:
        doc_title: The title of the chunk's document.
        kind: ``card`` or ``section``.
        fields: The card's fields of exchange (none for a section).
        countries: The card's countries (none for a section).
    """

    doc_title: str
    kind: str
    fields: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()


def reply_messages(
    answer: Answer,
    sources: Mapping[str, SourceInfo] | None = None,
    *,
    restricted_to: str = "",
) -> list[dict]:
    """The chat messages for an answer: the answer with its marker, then one block per source.

    Each source is a collapsible message (``metadata["title"]``). The answering
    source ([1]) starts open, with the answer's span marked in its passage; the
    other sources, and all of them when the answer abstains, start closed. Under
    an answer, which generator wrote it: 抽出 extractive, or the LLM (whose reply
    carries its own [n] markers; the marked span stays the extractive answer's).

    Args:
        answer: The answer.
        sources: Chunk id → what to show about it (document title, fields, countries).
        restricted_to: The filters the answer was searched under, as text ("" for none).
    """
    sources = sources or {}
    note = _div("qa-note", f"絞り込み Filters: {text_html(restricted_to)}") if restricted_to else ""
    if answer.abstained:
        if answer.citations:  # an empty list of agreements has no closest passages
            note = _div("qa-note", text_html(_ABSTAIN_NOTE)) + note
        body = _div("qa-abstain", f"⚠ {text_html(answer.text)}{note}")
    elif answer.count is not None:
        body = _div(
            "qa-answer", _listing_html(answer) + _div("qa-generator", _generator(answer)) + note
        )
    else:
        text = f'<span class="qa-answer-text">{text_html(answer.text)}</span>'
        extractive = answer.generator == EXTRACTIVE
        marker = '<sup class="qa-ref">[1]</sup>' if answer.citations and extractive else ""
        body = _div("qa-answer", text + marker + _div("qa-generator", _generator(answer)) + note)
    messages: list[dict] = [{"role": "assistant", "content": body}]
    listed = answer.count is not None
    for c in answer.citations:
        answering = (c.rank == 1 or listed) and not answer.abstained
        opened = answering and not listed
        source = sources.get(c.chunk_id)
        messages.append(_source_message(c, source, answering, answer.abstained, opened))
    return messages


def _listing_html(answer: Answer) -> str:
    """A list answer: how many, then a table of the agreements, each with its source marker.
    (An empty list is an abstention, shown as one.)"""
    words = LEXICON.listing[detect_lang(unicodedata.normalize("NFKC", answer.question))]
    head = words["some"].format(n=len(answer.items), items="").rstrip("：: ")
    rows = "".join(
        f"<tr><td>{text_html(a.japanese)}</td><td>{text_html(a.foreign)}</td>"
        f"<td>{text_html('、'.join(a.fields))}</td><td>{text_html(a.date_text)}</td>"
        f'<td><sup class="qa-ref">[{i}]</sup></td></tr>'
        for i, a in enumerate(answer.items, start=1)
    )
    header = "".join(f"<th>{text_html(h)}</th>" for h in _LIST_COLUMNS)
    table = f'<table class="qa-list"><thead><tr>{header}</tr></thead><tbody>{rows}</tbody></table>'
    return f'<span class="qa-answer-text">{text_html(head)}</span>{table}'


#: Column headings of a list answer's table.
_LIST_COLUMNS = ("日本の自治体 Japan", "海外の自治体 Partner", "分野 Field", "提携年月日 Date", "")


def _generator(answer: Answer) -> str:
    """Which generator wrote ``answer``, as escaped HTML."""
    if answer.generator != EXTRACTIVE:
        return text_html(f"回答 Answer: LLM ({answer.generator.removeprefix('llm:')})")
    if answer.fallback_reason:
        reason = answer.fallback_reason
        return text_html(f"回答 Answer: 抽出 extractive（LLM の回答は不採用 not used: {reason}）")
    return text_html("回答 Answer: 抽出 extractive")


def _source_message(
    c: Citation, source: SourceInfo | None, answering: bool, abstained: bool, opened: bool
) -> dict:
    doc_title = source.doc_title if source else c.doc
    what = "カード Card" if source and source.kind == "card" else "節 Section"
    meta = [
        f"文書 Document: {text_html(doc_title)} ({text_html(c.doc)})",
        f"{what}: {text_html(c.title)}",
    ]
    if source and source.fields:
        meta.append(f"交流分野 Field: {text_html('、'.join(source.fields))}")
    if source and source.countries:
        meta.append(f"国 Country: {text_html('、'.join(source.countries))}")
    if answering and c.source_span:
        meta.append(f"原文の位置 Source characters: {c.source_span[0]}–{c.source_span[1]}")
    passage = passage_html(c.text, c.span if answering else None)
    content = _div("qa-source", _div("qa-meta", "<br>".join(meta)) + _div("qa-passage", passage))
    label = "近い資料 closest" if abstained else ("根拠 answer" if answering else "関連 related")
    metadata: dict[str, Any] = {"title": text_html(f"[{c.rank}] {label} · {doc_title} › {c.title}")}
    if not opened:
        metadata["status"] = "done"  # starts closed
    return {"role": "assistant", "content": content, "metadata": metadata}


# --- answering ----------------------------------------------------------------------


class ChatService:
    """Answers questions for every user of the app, one at a time, with filters by name.

    Args:
        answerer: The loaded answerer.
        k: Passages cited per answer.
        documents: The corpus documents, for their titles (ids are shown without them).
        llm: A language model that rewrites the answers (:mod:`qa.generate`); None for none.
    """

    def __init__(
        self,
        answerer: Answerer,
        *,
        k: int = 5,
        documents: Sequence[Document] = (),
        llm: LLM | None = None,
    ) -> None:
        if k < 1:
            raise ValueError(f"k must be at least 1, not {k}")
        self.answerer = answerer
        self.llm = llm
        self.responder = Responder(answerer, llm)
        self.k = k
        self.documents = tuple(documents)
        titles = {d.id: d.title for d in self.documents}
        chunks: list[Chunk] = answerer.retriever.index.chunks
        self._sources = {
            c.id: SourceInfo(
                titles.get(c.doc, c.doc),
                c.kind,
                c.card.fields if c.card else (),
                c.card.countries if c.card else (),
            )
            for c in chunks
        }
        self.doc_choices = [(titles.get(d, d), d) for d in dict.fromkeys(c.doc for c in chunks)]
        self.field_choices = [(name, mark) for mark, name in FIELD_NAMES.items()]
        by_country = Counter(n for c in chunks if c.card for n in c.card.countries)
        self.country_choices = [(f"{n}（{count}）", n) for n, count in by_country.most_common()]
        # fugashi's tagger (BM25 and question analysis) must not run in two threads at once.
        self._lock = threading.Lock()

    def answer(
        self, question: str, *, document: str = _ALL, field: str = _ALL, country: str = _ALL
    ) -> Answer:
        """Answer ``question``, restricted to a document, field of exchange and country if given.

        Raises:
            ValueError: The question is empty or longer than :data:`MAX_QUESTION_CHARS`.
        """
        question = clean_question(question)
        filters = Filters(doc=document or None, field=field or None, country=country or None)
        with self._lock:
            extracted = self.answerer.answer(question, k=self.k, filters=filters)
        return self.responder.rewrite(extracted)  # waits for the LLM without the lock

    def messages(
        self, answer: Answer, *, document: str = _ALL, field: str = _ALL, country: str = _ALL
    ) -> list[dict]:
        """The chat messages showing ``answer``, its sources, and the filters it was asked under."""
        titles = {value: label for label, value in self.doc_choices}
        restricted = [
            f"文書 {titles.get(document, document)}" if document else "",
            f"分野 {FIELD_NAMES.get(field, field)}" if field else "",
            f"国 {country}" if country else "",
        ]
        return reply_messages(
            answer, self._sources, restricted_to=" / ".join(r for r in restricted if r)
        )

    def record(self, answer: Answer) -> dict[str, Any]:
        """``answer`` as JSON: the shape of ``qa ask --json`` (with ``generator`` and
        ``fallback_reason``), with each source's document title, fields of exchange and
        countries."""
        record = answer.to_dict()
        for c in record["citations"]:
            source = self._sources.get(c["chunk_id"])
            c["doc_title"] = source.doc_title if source else c["doc"]
            c["fields"] = list(source.fields) if source else []
            c["countries"] = list(source.countries) if source else []
        return record


# --- the app ------------------------------------------------------------------------


def create_app(
    source: Engine | Answerer,
    *,
    k: int | None = None,
    documents: Sequence[Document] | None = None,
    examples: Sequence[str] = EXAMPLES,
    llm: LLM | None = None,
) -> gr.Blocks:
    """Build the chat app (not started; see :func:`launch`).

    Args:
        source: A loaded :class:`~qa.engine.Engine` (its configured mode, ``top_k`` and
            LLM are used) or an :class:`~qa.answer.Answerer`.
        k: Passages cited per answer (default: the engine's ``top_k``, else 5).
        documents: The corpus documents, for titles and the document filter
            (default: read from the engine's corpus folder).
        examples: Example questions shown under the chat.
        llm: A language model that rewrites the answers (default: the engine's
            ``QA_LLM_URL``, if set; none for an answerer).

    Returns:
        The Gradio Blocks, with its queue set up: the chat, and the ``/ask`` API endpoint.
    """
    gr = _gradio()
    if isinstance(source, Answerer):
        answerer, default_k = source, 5
    else:
        answerer = Answerer.from_engine(source)
        default_k = source.config.top_k
        if documents is None:
            documents = load_corpus(source.config.corpus_dir)
        if llm is None:
            llm = LLM.from_config(source.config)
    service = ChatService(answerer, k=k or default_k, documents=documents or (), llm=llm)
    workers = 1 if llm is None else LLM_WORKERS

    def take(message: str, history: list[dict]) -> tuple[str, list[dict], list[dict], str]:
        """Show the user's message at once (escaped) and hand the question on.
        (``history`` is the session's, kept on the server: a client cannot send one.)"""
        try:
            question = clean_question(message)
        except ValueError as exc:
            if not (message or "").strip():
                return "", history, history, ""
            raise gr.Error(html.escape(str(exc)), print_exception=False) from None
        shown = [*history, {"role": "user", "content": text_html(question)}]
        return "", shown, shown, question

    def respond(
        question: str, history: list[dict], document: str, field: str, country: str
    ) -> tuple[list[dict], list[dict]]:
        if not question:
            return history, history
        chosen = {"document": document, "field": field, "country": country}
        answer = service.answer(question, **chosen)
        shown = trim_history([*history, *service.messages(answer, **chosen)])
        return shown, shown

    def ask(
        question: str, document: str = "", field: str = "", country: str = ""
    ) -> dict[str, Any]:
        """Answer a question from the documents, with the passages it came from.

        Args:
            question: The question, in Japanese, English or Chinese.
            document: Only this document id (e.g. "002_e59d51f378d5a747.txt" or "002"); "" for all.
            field: Only agreements in this field of exchange ("①" … "⑨", or part of its name).
            country: Only agreements with this country (e.g. "ベトナム").

        Returns:
            {"question", "answer", "abstained", "generator", "fallback_reason", "citations":
            [{"rank", "doc", "doc_title", "chunk_id", "title", "fields", "countries", "text",
            "span", "source_span", "score"}], "timings_ms"}
        """
        try:
            question, document, field, country = ask_arguments(question, document, field, country)
            answer = service.answer(question, document=document, field=field, country=country)
        except ValueError as exc:
            raise refusal(f"/{API_NAME}", exc) from None
        return service.record(answer)

    with blocks_class()(title="qa — 自治体の国際交流資料 Q&A", analytics_enabled=False) as app:
        gr.Markdown(
            "## 自治体の国際交流 — 資料に基づく Q&A\n"
            "CLAIR と外務省の5つの公開資料から、短い答えをその出典とともに返します。"
            "出典を開くと、答えの箇所が<mark>黄色</mark>で示されます。"
            "資料にないことには「資料には記載がありません」と答えます。  \n"
            "Answers are copied from five public documents by CLAIR and MOFA; open a source "
            "to see the answer highlighted in its passage."
        )
        with gr.Row(equal_height=False):
            with gr.Column(scale=3):
                chatbot = gr.Chatbot(
                    label="チャット Chat",
                    elem_id="qa-chat",
                    height="68vh",
                    min_height=420,
                    render_markdown=False,
                    sanitize_html=True,
                    allow_tags=False,
                    latex_delimiters=[],
                    feedback_options=None,
                    buttons=["copy"],
                    placeholder="質問を入力してください / Ask a question about the documents",
                )
                textbox = gr.Textbox(
                    elem_id="qa-question",
                    show_label=False,
                    placeholder="例: 静岡県と浙江省の教育交流の覚書はいつ結ばれた？",
                    max_length=MAX_QUESTION_CHARS,
                    submit_btn="送信 Ask",
                    autofocus=True,
                )
                shown = gr.Examples(
                    examples=[[q] for q in examples],
                    inputs=[textbox],
                    label="質問の例 Examples",
                    examples_per_page=len(examples),
                    api_visibility="private",
                )
            with gr.Column(scale=1, min_width=240):
                gr.Markdown("### 絞り込み Filters")
                document = gr.Dropdown(
                    [("すべての文書 All documents", _ALL), *service.doc_choices],
                    value=_ALL,
                    label="文書 Document",
                    elem_id="qa-filter-doc",
                )
                field = gr.Dropdown(
                    [("すべての分野 All fields", _ALL), *service.field_choices],
                    value=_ALL,
                    label="交流分野 Field of exchange (survey cards)",
                    elem_id="qa-filter-field",
                )
                country = gr.Dropdown(
                    [("すべての国 All countries", _ALL), *service.country_choices],
                    value=_ALL,
                    label="国 Country (survey cards)",
                    elem_id="qa-filter-country",
                )
        pending = gr.State("")
        history = gr.State([])
        # Enter, the send button, or a click on an example: the question shows at once
        # (no queue), then waits its turn for the one answering worker.
        for trigger in (textbox.submit, shown.load_input_event.then):
            trigger(
                take,
                [textbox, history],
                [textbox, chatbot, history, pending],
                queue=False,
                api_visibility="private",
            ).then(
                respond,
                [pending, history, document, field, country],
                [chatbot, history],
                concurrency_id="answer",
                concurrency_limit=workers,
                api_visibility="private",
            )
        gr.api(ask, api_name=API_NAME, concurrency_id="answer", concurrency_limit=workers)
    app.queue(max_size=MAX_QUEUE, api_open=False)  # every call waits its turn in the queue
    return app


def check_address(host: str, port: int) -> None:
    """Fail now, before the model loads, when ``host:port`` cannot be listened on.

    Raises:
        OSError: The address is in use or not this machine's.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind((host, port))


def launch(
    app: gr.Blocks,
    *,
    host: str = "127.0.0.1",
    port: int = 7860,
    block: bool = True,
    quiet: bool = False,
    allowed_hosts: Sequence[str] = (),
) -> str:
    """Serve ``app`` on ``host:port`` (no public share link); returns its URL.

    Args:
        app: The app from :func:`create_app`.
        host: Address to listen on; loopback unless told otherwise.
        port: Port to listen on.
        block: Serve until Ctrl-C; otherwise return at once (stop with ``app.close()``).
        quiet: Do not print the URL.
        allowed_hosts: ``Host`` names accepted besides loopback and ``host``
            (see :mod:`qa.serve_guard`, which also refuses uploads and large bodies).

    Raises:
        OSError: The address cannot be listened on.
    """
    gr = _gradio()
    _, url, _ = app.launch(
        server_name=host,
        server_port=port,
        share=False,
        prevent_thread_lock=True,
        quiet=True,
        ssr_mode=False,
        max_file_size=0,
        num_workers=0,  # no static file workers: every request passes the guard
        app_kwargs=serve_guard.app_kwargs(host, allowed_hosts),
        theme=gr.themes.Default(),
        css=_CSS,
    )
    if not quiet:
        print(f"Chat on {url} (Ctrl-C stops it); API: gradio_client, api_name=/{API_NAME}")
    if block:
        app.block_thread()
    return url
