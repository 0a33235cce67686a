"""How answers, sources and document lists look in the chat window: plain functions, no Gradio.

Every string that comes from a document or from the user (answer text quotes documents; an LLM
may echo them) goes through ``escape_text``: HTML-escaped, and the characters Markdown acts on
turned into numeric entities, so a document holding ``<script>``, ``<img src=...>`` or
``![x](http://...)`` is shown as text and nothing runs or loads. The output is an HTML fragment
meant for a Markdown-rendering chat bubble: it never contains a blank line (which would end the
HTML block and let Markdown parse what follows). A source read by OCR from a scan says so, with its
confidence, and shows the scanned page beside its text when the app can serve that page's image.
Also the app's CSS and the Vietnamese text of Gradio's own controls.
Left out: widgets and events (``ui.app``), files and search scope (``ui.logic``).
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable, Sequence

from rag import ocr, vi
from rag.types import Answer, AnswerSentence, Citation, DocInfo, IngestReport

EMPTY_INDEX = "Chưa có tài liệu nào. Mở thẻ Tài liệu để tải lên, hoặc chạy: rag ingest THƯ_MỤC"
NO_DATE = "không rõ ngày"
DOCS_HEADERS = ["Tiêu đề", "Ngày", "Tệp", "Số đoạn"]
PageImage = Callable[[Citation], "str | None"]  # the URL of the scanned page a citation was read from, if any

# How the app looks (its CSS, given to Gradio at launch).
CSS = """
.cite { color: #1d4ed8; font-weight: 600; }
details.nguon { margin-top: .6em; border: 1px solid #d1d5db; border-radius: 6px; padding: .3em .6em; }
details.nguon summary { cursor: pointer; font-weight: 600; }
details.nguon ul.sources { list-style: none; padding-left: .2em; }
details.nguon blockquote { margin: .3em 0 .8em 0; padding-left: .6em; border-left: 3px solid #d1d5db; }
details.nguon mark { background: #fde68a; color: inherit; }
#docs-table, #docs-table *, #people-table, #people-table *, #tasks-table, #tasks-table * {
  font-family: var(--font) !important; }
details.nguon .file { font-style: italic; }
.meta { color: #6b7280; font-size: .9em; }
ol.statements li { margin-bottom: .6em; }
.notice { color: #92400e; font-style: italic; margin-top: .4em; }
.unsupported { color: #b91c1c; text-decoration: underline dotted; }
details.nguon .scan { display: flex; gap: .8em; align-items: flex-start; }
details.nguon .scan blockquote { flex: 1 1 0; }
details.nguon .page-image { flex: 0 0 38%; }
details.nguon .page-image img { width: 100%; border: 1px solid #d1d5db; }
"""
# Gradio's own interface strings (no Vietnamese ships with it), for Vietnamese and English browsers alike.
GRADIO_STRINGS = {
    "upload_text.drop_file": "Thả tệp vào đây",
    "upload_text.click_to_upload": "Bấm để chọn tệp",
    "common.or": "hoặc",
    "common.clear": "Xoá",
    "common.remove": "Bỏ",
    "common.download": "Tải xuống",
    "common.loading": "Đang tải",
    "common.error": "Lỗi",
    "common.settings": "Cài đặt giao diện",
    "common.built_with_gradio": "Làm bằng Gradio",
    "errors.use_via_api": "Dùng qua API",
    "chatbot.clear": "Xoá cuộc trò chuyện",
    "dataframe.sort_ascending": "Sắp xếp tăng dần",
    "dataframe.sort_descending": "Sắp xếp giảm dần",
    "dataframe.clear_sort": "Bỏ sắp xếp",
    "dataframe.filter": "Lọc",
    "dataframe.clear_filter": "Bỏ lọc",
    "chatbot.copy_message": "Sao chép",
    "chatbot.copied_message": "Đã sao chép",
    "file.uploading": "Đang tải lên…",
    "status.queue_position": "Đang chờ: {position}/{size}",
    "login.login": "Đăng nhập",
    "login.username": "tên đăng nhập",
    "login.password": "mật khẩu",
    "login.incorrect_credentials": "Sai tên đăng nhập hoặc mật khẩu",
}

# Characters Markdown (and KaTeX) give a meaning to, written as numeric entities.
_MD_SPECIAL = {c: f"&#{ord(c)};" for c in "\\`*_{}[]()#+-.!|~$:>=@"}
_MD_RE = re.compile("[" + re.escape("".join(_MD_SPECIAL)) + "]")
_CITE_RE = re.compile(r"&#91;(\d{1,3})&#93;")


def escape_text(text: str) -> str:
    """Document or user text as inert HTML: escaped, Markdown-neutral, newlines as ``<br>``."""
    s = html.escape(text, quote=False)
    s = _MD_RE.sub(lambda m: _MD_SPECIAL[m.group(0)], s)
    # Quotes after the Markdown pass, so the '#' of their entities is not escaped again.
    s = s.replace('"', "&quot;").replace("'", "&#39;")
    s = s.replace("\r\n", "\n").replace("\r", "\n")
    return s.replace("\n", "<br>")


def _merge(spans: Iterable[tuple[int, int]], n: int) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for s, e in sorted((max(0, s), min(n, e)) for s, e in spans):
        if e <= s:
            continue
        if out and s <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], e))
        else:
            out.append((s, e))
    return out


def highlight(text: str, spans: Iterable[tuple[int, int]]) -> str:
    """``text`` escaped, with each (start, end) span wrapped in ``<mark>``; bad spans are ignored."""
    parts: list[str] = []
    pos = 0
    for s, e in _merge(spans, len(text)):
        parts.append(escape_text(text[pos:s]))
        parts.append("<mark>" + escape_text(text[s:e]) + "</mark>")
        pos = e
    parts.append(escape_text(text[pos:]))
    return "".join(parts)


def cite_markers(escaped: str) -> str:
    """Turn escaped ``[n]`` markers back into a visible, styled ``[n]``."""
    return _CITE_RE.sub(lambda m: f'<span class="cite">&#91;{m.group(1)}&#93;</span>', escaped)


def where(c: Citation) -> str:
    """'file, trang p' for a citation (plain text, not escaped)."""
    return c.source + (f", trang {c.page}" if c.page else "")


def searched_html(searched: str | None) -> str:
    """The stand-alone question a follow-up was turned into, so the user sees what was searched."""
    return f'<div class="searched meta">Đã tìm: «{escape_text(searched)}»</div>' if searched else ""


def sources_html(citations: Sequence[Citation], open_: bool = False, searched: str | None = None,
                 page_image: PageImage | None = None) -> str:
    """A collapsible "Nguồn" block: what was searched (for a rewritten follow-up), then per citation
    its title, date, file, page and the passage; for a passage read by OCR, a note with its
    confidence and, where ``page_image`` gives its URL, the scanned page beside the text."""
    if not citations:
        return ""
    items = []
    for c in citations:
        head = (
            f'<span class="cite">&#91;{c.n}&#93;</span> <b>{escape_text(c.title)}</b>'
            f' — {escape_text(c.date or NO_DATE)} — <span class="file">{escape_text(where(c))}</span>'
        )
        body = f"<blockquote>{highlight(c.text, c.highlights)}</blockquote>"
        if c.ocr_confidence is not None:
            head += f' <span class="ocr meta">({escape_text(ocr.note(c.ocr_confidence))})</span>'
            url = page_image(c) if page_image else None
            if url:
                src = html.escape(url, quote=True)
                alt = "Bản quét" + (f" trang {c.page}" if c.page else "")
                body = (f'<div class="scan">{body}<a class="page-image" href="{src}" target="_blank">'
                        f'<img src="{src}" alt="{alt}" loading="lazy"></a></div>')
        items.append(f'<li class="source">{head}{body}</li>')
    attr = " open" if open_ else ""
    return (
        f'<details class="nguon"{attr}><summary>Nguồn ({len(citations)})</summary>{searched_html(searched)}'
        f'<ul class="sources">{"".join(items)}</ul></details>'
    )


def answer_html(answer: Answer, page_image: PageImage | None = None) -> str:
    """The final answer: text with [n] markers, an optional notice, then the "Nguồn" block.

    When the citation check found sentences that their cited passages do not support, the answer
    is rebuilt from its checked sentences and those are marked (⚠, struck colour, a tooltip).
    ``page_image``: the URL of a scanned page, shown beside a passage read from it by OCR.
    """
    if any(sent.supported is False for sent in answer.sentences):
        body = " ".join(_sentence_html(sent) for sent in answer.sentences)
    else:
        body = cite_markers(escape_text(answer.answer))
    parts = [f'<div class="answer">{body}</div>']
    if answer.notice:
        parts.append(f'<div class="notice">Lưu ý: {escape_text(answer.notice)}</div>')
    if answer.citations:
        parts.append(sources_html(answer.citations, searched=answer.standalone, page_image=page_image))
    else:
        parts.append(searched_html(answer.standalone))
    return "".join(parts)


def _sentence_html(sent: AnswerSentence) -> str:
    marks = "".join(f" [{n}]" for n in sent.citations)
    html_ = cite_markers(escape_text(sent.text + marks))
    if sent.supported is False:
        return (f'<span class="unsupported" title="Câu này không được đoạn nguồn trích dẫn xác nhận">'
                f"⚠ {html_}</span>")
    return html_


def conversation_messages(answers: Sequence[Answer], page_image: PageImage | None = None) -> list[dict[str, str]]:
    """Chat bubbles (user question, rendered answer) for a conversation kept as answers."""
    out: list[dict[str, str]] = []
    for a in answers:
        out.append({"role": "user", "content": escape_text(a.question)})
        out.append({"role": "assistant", "content": answer_html(a, page_image)})
    return out


def streaming_html(partial: str, status: str | None = None) -> str:
    """An answer still being written (tokens so far), with the latest status line if any."""
    parts = []
    if status:
        parts.append(f'<div class="notice">{escape_text(status)}</div>')
    parts.append(f'<div class="answer">{cite_markers(escape_text(partial))}▌</div>')
    return "".join(parts)


def message_html(text: str, kind: str = "notice") -> str:
    """A short system message (empty index, bad date, error) as escaped HTML."""
    return f'<div class="{kind}">{escape_text(text)}</div>'


def docs_table(docs: Sequence[DocInfo]) -> list[list[str | int]]:
    """Rows for the documents table: title, date, file, chunks."""
    return [[d.title, d.date or "—", d.source, d.chunks] for d in docs]


def ingest_summary(report: IngestReport | None, rejected: Sequence[tuple[str, str]] = ()) -> str:
    """Markdown summary of an upload: counts, then each failed or refused file with its reason."""
    lines: list[str] = []
    failed = list(rejected) + list(report.failed if report else ())
    if report is not None:
        lines.append(vi.ingest_summary(report, failed=len(failed)))
    if failed:
        lines.append(f"**Không lập chỉ mục được {len(failed)} tệp:**")
        lines.extend(f"- **{escape_text(name)}**: {escape_text(reason)}" for name, reason in failed)
    if report is not None and report.warnings:  # indexed in part, e.g. a scanned page OCR could not read
        lines.append("**Lưu ý:**")
        lines.extend(f"- **{escape_text(name)}**: {escape_text(w)}" for name, w in report.warnings)
    return "\n".join(lines) if lines else "Không có tệp nào."
