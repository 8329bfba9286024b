"""The chat: a question in, a short cited answer out, each source shown with its answer marked.

:func:`create_app` builds the Gradio Blocks from a loaded engine (or an
:class:`~qa.answer.answerer.Answerer`) without starting a server, so it can be built and
tested alone; :func:`launch` serves it on loopback (no share link). The model
and index are loaded once, by the caller, and shared by every user; Gradio's
queue runs the questions one at a time because fugashi's tagger, which BM25
and the question analysis share, is not thread-safe. When an LLM rewrites the
answers (:mod:`qa.generate.responder`), only the extraction is one at a time: a few
questions may wait for the LLM together. Each answer says which generator
wrote it; its sources and highlight are the extractive answer's either way.

Every message is HTML built from escaped text (:mod:`qa.app.chat_view`): the
chatbot renders it with Markdown off and Gradio's sanitizer on, so markup in
the documents or typed by a user is shown as text, never rendered. A question
that names nothing follows up on the previous answer (:mod:`qa.answer.followup`); the
chat keeps its turns on the server (:class:`~qa.app.chat_page.Session`). The same
answers are available to programs as the ``/ask`` endpoint (see the README),
which takes the earlier turns as ``history``. Thumbs up or down on an answer go
to a local JSON-lines file (:mod:`qa.app.feedback`).

Example:
    >>> app = create_app(open_engine(Config.from_env()))  # doctest: +SKIP
    >>> launch(app, host="127.0.0.1", port=7860)  # doctest: +SKIP
"""

from __future__ import annotations

import html
import socket
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qa.answer.answerer import Answerer
from qa.app import feedback, serve_guard
from qa.app.chat_input import ask_arguments, blocks_class, history_argument, refusal
from qa.app.chat_page import CSS, PAGE_JS, Session, example_labels, intro_markdown
from qa.app.chat_service import ALL as _ALL
from qa.app.chat_service import ChatService
from qa.app.chat_view import SourceInfo, passage_html, reply_messages, text_html
from qa.corpus.documents import load_corpus
from qa.generate.responder import LLM
from qa.query.question import MAX_QUESTION_CHARS, clean_question

if TYPE_CHECKING:
    import gradio as gr

    from qa.corpus.schema import Document
    from qa.retrieval.engine import Engine

__all__ = [
    "API_NAME",
    "EXAMPLES",
    "NOT_IN_DOCUMENTS",
    "ChatService",
    "SourceInfo",
    "check_address",
    "clean_question",
    "create_app",
    "launch",
    "passage_html",
    "reply_messages",
    "text_html",
]

#: The endpoint programs call with ``gradio_client`` (``Client.predict(..., api_name="/ask")``).
API_NAME = "ask"
#: Questions waiting beyond this many are turned away with "queue full" instead of piling up.
MAX_QUEUE = 256
#: Questions answered at once when an LLM writes the answers (extraction stays one at a time).
LLM_WORKERS = 4

#: Example questions (each checked against ``qa ask``): dates, contacts, partners, and
#: one the documents cannot answer (:data:`NOT_IN_DOCUMENTS`), in Japanese and English.
#: Each label stays within the 60 characters Gradio shows of an example.
EXAMPLES = (
    "静岡県と浙江省の教育交流の覚書はいつ結ばれた？",
    "北九州市と天津市の低炭素社会の覚書の連絡先電話番号は？",
    "川崎市とダナン市の覚書はいつ結ばれた？",
    "青森市とパリ市の特定分野の協定はいつ結ばれた？",
    "When did Kawasaki and Da Nang sign their memorandum?",
    "ベトナムの自治体と提携している日本の自治体は？",
    "When did Kitakyushu and Tianjin sign their memorandum?",
)
#: The examples whose answer the documents do not hold (marked as such on the page).
NOT_IN_DOCUMENTS = frozenset({"青森市とパリ市の特定分野の協定はいつ結ばれた？"})


def _gradio() -> Any:
    try:
        import gradio
    except ImportError as exc:
        raise ImportError(
            f"the chat needs gradio ({exc.name} is missing): pip install -e . (gradio>=6,<7)"
        ) from exc
    return gradio


# --- the app ------------------------------------------------------------------------


def create_app(
    source: Engine | Answerer,
    *,
    k: int | None = None,
    documents: Sequence[Document] | None = None,
    examples: Sequence[str] = EXAMPLES,
    llm: LLM | None = None,
    feedback_path: Path | None = None,
) -> gr.Blocks:
    """Build the chat app (not started; see :func:`launch`).

    Args:
        source: A loaded :class:`~qa.retrieval.engine.Engine` (its configured mode, ``top_k`` and
            LLM are used) or an :class:`~qa.answer.answerer.Answerer`.
        k: Passages cited per answer (default: the engine's ``top_k``, else 5).
        documents: The corpus documents, for titles, dates and the document filter
            (default: read from the engine's corpus folder).
        examples: Example questions shown under the chat.
        llm: A language model that rewrites the answers (default: the engine's
            ``QA_LLM_URL``, if set; none for an answerer).
        feedback_path: Where thumbs up and down are written (default: the engine's
            project root's ``feedback/feedback.jsonl``; no thumbs for an answerer).

    Returns:
        The Gradio Blocks, with its queue set up: the chat, and the ``/ask`` API endpoint.
    """
    if isinstance(source, Answerer):
        answerer, default_k = source, 5
    else:
        answerer = Answerer.from_engine(source)
        default_k = source.config.top_k
        if documents is None:
            documents = load_corpus(source.config.corpus_dir)
        if llm is None:
            llm = LLM.from_config(source.config)
        if feedback_path is None:
            feedback_path = source.config.corpus_dir.parent / feedback.FEEDBACK_FILE
    service = ChatService(answerer, k=k or default_k, documents=documents or (), llm=llm)
    workers = 1 if llm is None else LLM_WORKERS
    return _build(service, examples, workers, feedback_path)


def _build(
    service: ChatService, examples: Sequence[str], workers: int, feedback_path: Path | None
) -> gr.Blocks:
    """The page: the chat and its examples, the filters, the events and ``/ask``."""
    gr = _gradio()
    handlers = _Handlers(service, feedback_path)
    with blocks_class()(title="qa — 自治体の国際交流資料 Q&A", analytics_enabled=False) as app:
        gr.Markdown(intro_markdown(service.documents), elem_id="qa-intro")
        with gr.Row(equal_height=False, elem_id="qa-main"):
            with gr.Column(scale=3, elem_id="qa-chat-column"):
                chatbot, textbox, shown = _chat_column(gr, examples, feedback_path is not None)
            with gr.Column(scale=1, min_width=240, elem_id="qa-filters"):
                document, field, country = _filters(gr, service)
        pending = gr.State("")
        session = gr.State(Session())
        # Enter, the send button, or a click on an example: the question shows at once
        # (no queue), then waits its turn for the one answering worker.
        for trigger in (textbox.submit, shown.load_input_event.then):
            trigger(
                handlers.take,
                [textbox, session],
                [textbox, chatbot, session, pending],
                queue=False,
                api_visibility="private",
            ).then(
                handlers.respond,
                [pending, session, document, field, country],
                [chatbot, session],
                concurrency_id="answer",
                concurrency_limit=workers,
                api_visibility="private",
            )
        if feedback_path is not None:
            chatbot.like(handlers.vote, [session], None, queue=False, api_visibility="private")
        gr.api(handlers.ask, api_name=API_NAME, concurrency_id="answer", concurrency_limit=workers)
    app.queue(max_size=MAX_QUEUE, api_open=False)  # every call waits its turn in the queue
    return app


def _chat_column(gr: Any, examples: Sequence[str], thumbs: bool) -> tuple[Any, Any, Any]:
    chatbot = gr.Chatbot(
        label="チャット Chat",
        elem_id="qa-chat",
        height="calc(100vh - 470px)",
        min_height=320,
        render_markdown=False,
        sanitize_html=True,
        allow_tags=False,
        latex_delimiters=[],
        feedback_options=("Like", "Dislike") if thumbs else None,
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
        example_labels=example_labels(examples, NOT_IN_DOCUMENTS),
        elem_id="qa-examples",
        api_visibility="private",
    )
    return chatbot, textbox, shown


def _filters(gr: Any, service: ChatService) -> tuple[Any, Any, Any]:
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
    return document, field, country


class _Handlers:
    """What the page's events and ``/ask`` run."""

    def __init__(self, service: ChatService, feedback_path: Path | None) -> None:
        self.service = service
        self.feedback_path = feedback_path
        # Gradio passes a LikeData to a parameter hinted as one; gradio is imported lazily,
        # so the hint is set here rather than written in the signature.
        type(self).vote.__annotations__["like"] = _gradio().LikeData

    def take(self, message: str, session: Session) -> tuple[str, list[dict], Session, str]:
        """Show the user's message at once (escaped) and hand the question on.
        (``session`` is kept on the server: a client cannot send one.)"""
        gr = _gradio()
        try:
            question = clean_question(message)
        except ValueError as exc:
            if not (message or "").strip():
                return "", session.messages, session, ""
            raise gr.Error(html.escape(str(exc)), print_exception=False) from None
        session = session.asking(text_html(question))
        return "", session.messages, session, question

    def respond(
        self, question: str, session: Session, document: str, field: str, country: str
    ) -> tuple[list[dict], Session]:
        if not question:
            return session.messages, session
        chosen = {"document": document, "field": field, "country": country}
        answer = self.service.answer(question, previous=session.topic, **chosen)
        reply = self.service.messages(answer, **chosen)
        session = session.answered(reply, self.service.record(answer), answer.topic)
        return session.messages, session

    def vote(self, session: Session, like: Any) -> None:
        """A thumb up or down on a message: its turn's answer, written to the feedback file."""
        if self.feedback_path is None or not isinstance(like.liked, bool):
            return
        record = session.record_at(like.index)
        if record is not None:
            feedback.record(record, like.liked, self.feedback_path)

    def ask(
        self,
        question: str,
        document: str = "",
        field: str = "",
        country: str = "",
        history: list | None = None,
    ) -> dict[str, Any]:
        """Answer a question from the documents, with the passages it came from.

        Args:
            question: The question, in Japanese, English or Chinese.
            document: Only this document id (e.g. "002_e59d51f378d5a747.txt" or "002"); "" for all.
            field: Only agreements in this field of exchange ("①" … "⑨", or part of its name).
            country: Only agreements with this country (e.g. "ベトナム").
            history: The earlier turns, oldest first, as messages {"role": "user" or
                "assistant", "content": …}, an assistant's content being the answer's text
                or the record /ask returned; a question that names nothing follows up on them.

        Returns:
            {"question", "answer", "abstained", "generator", "fallback_reason", "citations":
            [{"rank", "doc", "doc_title", "doc_as_of", "chunk_id", "title", "fields",
            "countries", "text", "span", "source_span", "score"}], "timings_ms"}, with
            "about" for a follow-up and "as_of", "contact" for a contact answer.
        """
        try:
            question, document, field, country = ask_arguments(question, document, field, country)
            turns = history_argument(history)
            previous = self.service.topic_after(turns)
            chosen = {"document": document, "field": field, "country": country}
            answer = self.service.answer(question, previous=previous, **chosen)
        except ValueError as exc:
            raise refusal(f"/{API_NAME}", exc) from None
        return self.service.record(answer)


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
            (see :mod:`qa.app.serve_guard`, which also refuses uploads and large bodies).

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
        css=CSS,
        js=PAGE_JS,
    )
    if not quiet:
        print(f"Chat on {url} (Ctrl-C stops it); API: gradio_client, api_name=/{API_NAME}")
    if block:
        app.block_thread()
    return url
