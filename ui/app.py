"""The chat window (Gradio): a thin shell over ``rag.library.Library``; the only module importing gradio.

Tabs: "Hỏi đáp" (streamed answers with [n] markers and a collapsible "Nguồn" block, where a source
read by OCR shows its scanned page beside the text, follow-up
questions, search scope by document and date, settings), "Tài liệu" (upload with progress, list,
delete, re-index), "Ai nói gì", "Nhiệm vụ" (the task ledger: a sortable table filtered by assignee
and "hạn trước", exported as CSV) and "Tóm tắt" (``rag.facts``); the facts tabs follow every change
of the documents. The API
endpoint ``/ask`` returns ``Answer.to_dict()`` (the JSON of ``rag ask --json``); every other
event is private. ``serve`` is what ``rag serve`` runs.
Left out: how things look (``ui.format``, ``ui.format_facts``, ``ui.format_tasks``), files, scope
parsing and the conversation kept in the browser (``ui.logic``), all retrieval, answering and
filtering (``rag``).
"""

import argparse
import functools
import logging
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TextIO

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import gradio as gr  # noqa: E402
from gradio.events import api  # noqa: E402

from rag.cli import EXIT_FATAL, EXIT_OK, EXIT_USAGE  # noqa: E402
from rag.conversation import MAX_TURNS, conversation_markdown, turns_from  # noqa: E402
from rag.errors import RagError  # noqa: E402
from rag.events import Done, Status, Token  # noqa: E402
from rag.library import Answerer, Library  # noqa: E402
from rag.llm.setup import build_answerer  # noqa: E402
from rag.vi import MAX_QUESTION_CHARS, ingest_summary  # noqa: E402
from ui import format as fmt  # noqa: E402
from ui import format_facts as ff  # noqa: E402
from ui import format_tasks as ft  # noqa: E402
from ui import logic  # noqa: E402

THEME = gr.themes.Soft(font=["system-ui", "sans-serif"], font_mono=["ui-monospace", "monospace"])
log = logging.getLogger(__name__)
PRIVATE: dict[str, Any] = {"api_visibility": "private"}
WRITE: dict[str, Any] = {"api_visibility": "private", "concurrency_id": "index-write", "concurrency_limit": 1}
# Questions (chat in the browser and the /ask API together) are answered by up to this many worker threads
# at once. Gradio's default is one at a time per event, which queued every user behind the answer being
# written (seconds with an LLM) and left the second core idle; the embedder serialises its native calls.
ANSWER_CONCURRENCY = 4
ANSWER: dict[str, Any] = {"concurrency_id": "answer", "concurrency_limit": ANSWER_CONCURRENCY}
MAX_K = 10  # k is kept to the slider's range; questions to MAX_QUESTION_CHARS, the library's limit


def _too_long(q: str) -> str:
    return f"Câu hỏi quá dài ({len(q)} ký tự); tối đa {MAX_QUESTION_CHARS} ký tự."


def _doc_choices(lib: Library) -> list[tuple[str, str]]:
    return [(f"{d.source} — {d.title}", d.source) for d in lib.documents()]


def build_app(lib: Library, answerer: Answerer | None = None) -> gr.Blocks:
    """The whole app for one library; ``answerer`` (e.g. an LLM) becomes the library's answerer.

    Questions then go through ``Library.answerer`` (facts questions routed to the extracted facts,
    the rest to ``answerer``), and follow-ups are rewritten with the LLM when there is one.
    """
    if answerer is not None:
        lib.set_answerer(answerer)
    updir = logic.uploads_dir(lib.path)
    gr.set_static_paths([logic.pages_dir(lib.path)])  # the scanned pages shown beside OCR'd sources
    page_image = functools.partial(logic.page_image_url, lib)

    def refresh(selected: list[str] | None = None) -> tuple[Any, ...]:
        docs = lib.documents()
        choices = _doc_choices(lib)
        names = {v for _, v in choices}
        keep = [s for s in (selected or []) if s in names]
        return (
            gr.Dataframe(value=fmt.docs_table(docs)),
            gr.Dropdown(choices=choices, value=None),
            gr.Dropdown(choices=choices, value=keep),
            gr.Markdown(visible=not docs),
        )

    def respond(message: str, chat: list[dict[str, Any]], stored: list[dict[str, Any]] | None, k: int,
                sources: list[str] | None, date_from: str, date_to: str) -> Iterator[tuple[Any, ...]]:
        """One turn: the question is answered (or its failure reported) in its own bubble; only
        answered turns join the conversation, so a failure never breaks the next question."""
        q = (message or "").strip()
        turns = list(stored or [])
        if not q:
            yield chat, turns, ""
            return
        chat = list(chat or []) + [{"role": "user", "content": fmt.escape_text(q[:MAX_QUESTION_CHARS])}]
        reply = {"role": "assistant", "content": ""}
        chat.append(reply)
        if len(q) > MAX_QUESTION_CHARS:
            reply["content"] = fmt.message_html(_too_long(q))
            yield chat, turns, ""
            return
        if not lib.documents():
            reply["content"] = fmt.message_html(fmt.EMPTY_INDEX)
            yield chat, turns, ""
            return
        try:
            filters = logic.build_filters(sources, date_from, date_to)
            history = turns_from(turns)
        except (ValueError, RagError) as e:
            reply["content"] = fmt.message_html(str(e))
            yield chat, turns, ""
            return
        partial, status = "", None
        reply["content"] = fmt.streaming_html("", "Đang tìm trong tài liệu…")
        yield chat, turns, ""
        try:
            for ev in lib.ask_stream(q, int(k), filters, history):
                if isinstance(ev, Token):
                    partial += ev.text
                elif isinstance(ev, Status):
                    status = ev.message
                elif isinstance(ev, Done):
                    reply["content"] = fmt.answer_html(ev.answer, page_image)
                    yield chat, (turns + [ev.answer.to_dict()])[-MAX_TURNS:], ""
                    return
                else:
                    continue
                reply["content"] = fmt.streaming_html(partial, status)
                yield chat, turns, ""
        except RagError as e:
            reply["content"] = fmt.message_html(f"Lỗi: {e}")
        except Exception as e:  # no stack trace in the browser: the kind of failure there, details in the log
            log.exception("answering %r failed", q)
            reply["content"] = fmt.message_html(f"Lỗi khi trả lời ({type(e).__name__}). Xem nhật ký máy chủ.")
        yield chat, turns, ""

    def restore(stored: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
        """The chat bubbles of a conversation kept in the browser (after a reload)."""
        return fmt.conversation_messages(logic.stored_answers(stored), page_image)

    def export(stored: list[dict[str, Any]] | None) -> Any:
        answers = logic.stored_answers(stored)
        if not answers:
            return gr.DownloadButton(value=None, interactive=False)
        path = Path(tempfile.mkdtemp(prefix="rag-chat-")) / "cuoc-tro-chuyen.md"
        path.write_text(conversation_markdown(answers), encoding="utf-8")
        return gr.DownloadButton(value=str(path), interactive=True)

    def ingest(files: list[str] | None, selected: list[str] | None, progress: gr.Progress = gr.Progress()) -> tuple[Any, ...]:
        stored, rejected = logic.store_uploads(files or [], updir)
        report = None
        if stored:
            try:
                report = lib.ingest(list(stored), progress=_progress_cb(progress), names=stored)
            except RagError as e:
                return (fmt.escape_text(f"Lỗi: {e}"), None, *refresh(selected))
            for name, _reason in report.failed:  # keep no copy of a file that could not be indexed
                logic.forget_upload(updir, name)
        return (fmt.ingest_summary(report, rejected), None, *refresh(selected))

    def reindex(selected: list[str] | None, progress: gr.Progress = gr.Progress()) -> tuple[Any, ...]:
        names = logic.stored_uploads(updir)
        for d in lib.documents():
            if d.source not in names.values() and Path(d.source).is_file():
                names[d.source] = d.source
        if not names:
            return ("Không có tệp nào để lập chỉ mục lại.", *refresh(selected))
        try:
            report = lib.ingest(list(names), progress=_progress_cb(progress), names=names)
        except RagError as e:
            return (fmt.escape_text(f"Lỗi: {e}"), *refresh(selected))
        return (fmt.ingest_summary(report), *refresh(selected))

    def delete(source: str | None, selected: list[str] | None) -> tuple[Any, ...]:
        if not source:
            return ("Chọn một tài liệu để xoá.", *refresh(selected))
        try:
            src = lib.remove(source)
        except RagError as e:
            return (fmt.escape_text(f"Lỗi: {e}"), *refresh(selected))
        logic.forget_upload(updir, src)
        return (f"Đã xoá {fmt.escape_text(src)} khỏi chỉ mục.", *refresh(selected))

    def ask_api(question: str, k: int = 5) -> dict[str, Any]:
        """Answer a question with citations: the JSON of `rag ask --json`."""
        return chat_api(question, None, k)

    def chat_api(question: str, history: list[dict[str, Any]] | None = None, k: int = 5) -> dict[str, Any]:
        """Answer a question in a conversation: `history` is the list of earlier turns, oldest first (the
        objects /chat or /ask returned, or {"question": ..., "answer": ...}). Returns the JSON of
        `rag ask --json`; its `standalone` is the question as searched after follow-up rewriting."""
        if len(question or "") > MAX_QUESTION_CHARS:
            raise gr.Error(_too_long(question))
        try:
            return lib.ask(question, min(max(int(k), 1), MAX_K), history=turns_from(history)).to_dict()
        except RagError as e:
            raise gr.Error(f"Lỗi: {e}") from None

    docs = lib.documents()
    app = gr.Blocks(title="Hỏi đáp báo cáo hội nghị", analytics_enabled=False, delete_cache=(3600, 3600))
    with app:
        gr.Markdown("## Hỏi đáp báo cáo hội nghị\nMọi câu trả lời đều kèm trích dẫn [n] tới đoạn văn gốc.")
        stored = gr.BrowserState([], storage_key=logic.storage_key(lib.path), secret=logic.browser_secret(lib.path))
        with gr.Tabs():
            with gr.Tab("Hỏi đáp", id="chat"):
                empty_note = gr.Markdown(fmt.EMPTY_INDEX, visible=not docs, elem_id="empty-note")
                chatbot = gr.Chatbot(label="Trò chuyện", height=520, latex_delimiters=[], sanitize_html=True,
                                     feedback_options=None, elem_id="chatbot", buttons=["copy", "copy_all"],
                                     placeholder="Đặt câu hỏi về nội dung các báo cáo hội nghị.")
                with gr.Row():
                    question = gr.Textbox(placeholder="Nhập câu hỏi rồi nhấn Enter…", show_label=False,
                                          scale=8, elem_id="question", autofocus=True, max_length=MAX_QUESTION_CHARS)
                    send = gr.Button("Gửi", variant="primary", scale=1, elem_id="send")
                with gr.Row():
                    new_chat = gr.Button("Cuộc trò chuyện mới", elem_id="new-chat", scale=1)
                    download = gr.DownloadButton("Tải cuộc trò chuyện", elem_id="download-chat", interactive=False,
                                                 scale=1)
                with gr.Accordion("Phạm vi tìm kiếm", open=False):
                    scope = gr.Dropdown(choices=_doc_choices(lib), value=[], multiselect=True,
                                        label="Chỉ tìm trong các tài liệu (để trống = tất cả)", elem_id="scope")
                    with gr.Row():
                        date_from = gr.Textbox(label="Từ ngày (NĂM-THÁNG-NGÀY)", placeholder="2024-01-01")
                        date_to = gr.Textbox(label="Đến ngày (NĂM-THÁNG-NGÀY)", placeholder="2024-12-31")
                with gr.Accordion("Cài đặt", open=False, elem_id="settings"):
                    gr.Markdown(f"Mô hình nhúng: `{lib.embedder_name}`  \n"
                                f"Bộ trả lời: `{lib.answerer.name}`")
                    k = gr.Slider(1, MAX_K, value=5, step=1, label="Số đoạn văn truy xuất (k)")
            with gr.Tab("Tài liệu", id="docs"):
                upload = gr.File(label=logic.UPLOAD_LABEL, file_count="multiple", type="filepath", elem_id="upload")
                status = gr.Markdown(elem_id="ingest-status")
                table = gr.Dataframe(value=fmt.docs_table(docs), headers=fmt.DOCS_HEADERS, interactive=False,
                                     label="Tài liệu đã lập chỉ mục", elem_id="docs-table", wrap=True,
                                     column_widths=["45%", "12%", "33%", "10%"])
                with gr.Row():
                    to_delete = gr.Dropdown(choices=_doc_choices(lib), value=None, label="Chọn tài liệu",
                                            elem_id="to-delete", scale=4)
                    delete_btn = gr.Button("Xoá tài liệu", variant="stop", scale=1, elem_id="delete")
                    reindex_btn = gr.Button("Lập chỉ mục lại", scale=1, elem_id="reindex")
            facts_tabs = _facts_tabs(lib, answerer)

        lists = [table, to_delete, scope, empty_note]
        chat_in = [question, chatbot, stored, k, scope, date_from, date_to]
        chat_out = [chatbot, stored, question]
        for ev in (question.submit(respond, chat_in, chat_out, **PRIVATE, **ANSWER),
                   send.click(respond, chat_in, chat_out, **PRIVATE, **ANSWER),
                   new_chat.click(lambda: ([], [], ""), None, chat_out, **PRIVATE),
                   chatbot.clear(lambda: [], None, stored, **PRIVATE),
                   app.load(restore, stored, chatbot, **PRIVATE)):
            ev.then(export, stored, download, **PRIVATE)
        events = [
            upload.upload(ingest, [upload, scope], [status, upload, *lists], **WRITE),
            reindex_btn.click(reindex, [scope], [status, *lists], **WRITE),
            delete_btn.click(delete, [to_delete, scope], [status, *lists], **WRITE),
            app.load(refresh, [scope], lists, **PRIVATE),
        ]
        for ev in events:
            ev.then(*facts_tabs, **PRIVATE)
        api(ask_api, api_name="ask", **ANSWER)
        api(chat_api, api_name="chat", **ANSWER)
    return app


def _facts_tabs(lib: Library, answerer: Answerer | None) -> tuple[Callable[..., tuple[Any, ...]], list[Any], list[Any]]:
    """The "Ai nói gì", "Nhiệm vụ" and "Tóm tắt" tabs (from ``rag.facts``); returns their refresh event,
    its inputs (the task filters, kept across a refresh) and its outputs."""

    def show_tasks(to: str | None, due: str | None) -> tuple[Any, ...]:
        facts = lib.facts()
        view = ft.select(facts, to, due)
        path = logic.export_file(ft.tasks_csv(facts, view.tasks), ft.CSV_NAME) if view.tasks else None
        return (gr.Dataframe(value=ft.task_rows(facts, view.tasks)), ft.status_html(view),
                gr.DownloadButton(value=str(path) if path else None, interactive=path is not None))

    def refresh_facts(to: str | None, due: str | None) -> tuple[Any, ...]:
        facts = lib.facts()
        meetings = ff.meeting_choices(facts)
        return (
            gr.Dataframe(value=ff.people_rows(facts.people)),
            gr.Dropdown(choices=ff.person_choices(facts), value=None),
            gr.Dropdown(choices=meetings, value=None),
            gr.Dropdown(choices=meetings, value=None),
            ff.statements_html(facts, ff.select_statements(facts, None, None)),
            "",
            *show_tasks(to, due),
        )

    def show_statements(person: str | None, meeting: str | None, view: str | None = None) -> str:
        facts = lib.facts()
        if view == ff.PROFILE_VIEW:  # "Tóm tắt người này": roles, titles, requests and commitments by topic
            return ff.person_profile_html(facts, person)
        return ff.statements_html(facts, ff.select_statements(facts, person, meeting))

    def summarize(meeting: str | None) -> str:
        where = ff.parse_meeting_key(meeting)
        if not where:
            return fmt.message_html("Chọn một cuộc họp để xem tóm tắt.")
        try:
            s = lib.facts().summary(where[0], where[1], llm=answerer.llm if answerer else None,
                                         embedder=lib.embedder)
        except RagError as e:
            return fmt.message_html(f"Lỗi: {e}")
        return ff.summary_html(s)

    with gr.Tab("Ai nói gì", id="who"):
        people = gr.Dataframe(headers=ff.PEOPLE_HEADERS, interactive=False, label="Những người được nhắc tới",
                              elem_id="people-table", wrap=True, max_height=320,
                              column_widths=["20%", "44%", "12%", "12%", "12%"])
        with gr.Row():
            person = gr.Dropdown(label="Người", choices=[], value=None, elem_id="who-person")
            meeting = gr.Dropdown(label="Cuộc họp", choices=[], value=None, elem_id="who-meeting")
            view = gr.Radio([ff.STATEMENTS_VIEW, ff.PROFILE_VIEW], value=ff.STATEMENTS_VIEW, label="Xem", elem_id="who-view")
        statements = gr.HTML(elem_id="who-statements")
    with gr.Tab("Nhiệm vụ", id="tasks"):
        with gr.Row():
            task_to = gr.Textbox(label="Giao cho (một phần tên đơn vị hoặc người, có dấu hay không)",
                                 placeholder="Sở Tài chính", elem_id="tasks-to", scale=3)
            task_due = gr.Textbox(label="Hạn trước (ngày/tháng/năm, rồi nhấn Enter)", placeholder="30/6/2024",
                                  elem_id="tasks-due", scale=2)
            task_csv = gr.DownloadButton("Tải CSV", elem_id="tasks-csv", interactive=False, scale=1)
        task_status = gr.HTML(elem_id="tasks-status")
        tasks = gr.Dataframe(headers=ft.TASK_HEADERS, interactive=False, label="Sổ nhiệm vụ", elem_id="tasks-table",
                             wrap=True, max_height=560, column_widths=["15%", "35%", "14%", "12%", "14%", "10%"])
    with gr.Tab("Tóm tắt", id="summary"):
        pick = gr.Dropdown(label="Chọn cuộc họp", choices=[], value=None, elem_id="summary-meeting")
        summary = gr.HTML(elem_id="summary")
    for widget in (person, meeting, view):
        widget.change(show_statements, [person, meeting, view], statements, **PRIVATE)
    pick.change(summarize, pick, summary, **PRIVATE)
    task_out = [tasks, task_status, task_csv]
    # the name filters as it is typed; a day once whole, on Enter (not on leaving the box: that event would
    # land as the user opens a column's sort menu and put the table back in its own order)
    for ev in (task_to.change, task_due.submit):
        ev(show_tasks, [task_to, task_due], task_out, **PRIVATE)
    return refresh_facts, [task_to, task_due], [people, person, meeting, pick, statements, summary, *task_out]


def _progress_cb(progress: gr.Progress):  # type: ignore[no-untyped-def]
    def cb(stage: str, done: int, total: int, name: str) -> None:
        if stage == "load":
            progress((done, total), desc=f"Đang đọc {name}", unit="tệp")
        elif stage == "ocr":
            progress((done, total), desc=f"Đang nhận dạng chữ {name}", unit="trang")
        elif stage == "embed":
            progress((done, total), desc=f"Đang tạo vectơ cho {name}", unit="đoạn")
        elif stage == "done":
            progress((total, total), desc="Đã xong", unit="tệp")

    return cb


def launch_kwargs() -> dict[str, Any]:
    """Options every launch of this app uses (look, upload limit, no stack traces to the browser)."""
    return {"theme": THEME, "css": fmt.CSS, "show_error": False, "max_file_size": f"{logic.MAX_UPLOAD_MB}mb",
            "ssr_mode": False, "i18n": gr.I18n(vi=fmt.GRADIO_STRINGS, en=fmt.GRADIO_STRINGS)}


def serve(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """``rag serve``: optionally ingest, warm up, then serve the app until interrupted; the exit code."""
    host = args.host or "127.0.0.1"
    try:
        auth = logic.parse_auth(args.auth)
    except ValueError as e:
        err.write(f"rag: lỗi: {e}\n")
        return EXIT_USAGE
    if not logic.port_free(host, args.port):
        err.write(f"rag: lỗi: cổng {args.port} trên {host} đang được dùng. Chọn cổng khác, ví dụ: rag serve --port {args.port + 1}\n")
        return EXIT_FATAL
    lib = Library(args.index, embedder=args.embedder)
    if args.ingest:
        rep = lib.ingest(args.ingest)
        out.write(ingest_summary(rep) + "\n")
        for path, reason in rep.failed:
            err.write(f"rag: lỗi: {path}: {reason}\n")
    answerer = build_answerer(args, lib)
    out.write("Đang nạp mô hình…\n")
    out.flush()
    lib.warm_up()
    app = build_app(lib, answerer)
    try:
        _, url, _ = app.launch(server_name=host, server_port=args.port, auth=auth, inbrowser=not args.no_browser,
                               prevent_thread_lock=True, quiet=True, **launch_kwargs())
    except OSError as e:
        err.write(f"rag: lỗi: không mở được máy chủ trên {host}:{args.port}: {e}\n")
        return EXIT_FATAL
    n = len(lib.documents())
    out.write(f"Ứng dụng đang chạy tại {url} ({n} tài liệu trong chỉ mục {lib.path}). Nhấn Ctrl+C để dừng.\n")
    out.flush()
    app.block_thread()
    return EXIT_OK
