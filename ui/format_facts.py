"""How the "Ai nói gì" and "Tóm tắt" tabs look: plain functions over ``rag.facts``, no Gradio.

People rows for a table, dropdown choices for people and meetings, a filtered list of statements
(each with its own "Nguồn" block citing the exact source span), and a meeting summary rendered
from its structured lines. All text is escaped with ``ui.format.escape_text``.
Left out: extraction and summarising (``rag.facts``), widgets (``ui.app``).
"""

from __future__ import annotations

from collections.abc import Sequence

from rag.facts import Facts, FactSummary
from rag.facts.meetings import Meeting
from rag.facts.people import PersonEntry
from rag.facts.speech import Statement
from rag.facts.summarize import HEADINGS
from ui.format import NO_DATE, cite_markers, escape_text, message_html, sources_html

PEOPLE_HEADERS = ["Họ tên", "Chức danh", "Số phát biểu", "Chủ trì", "Dự / phát biểu tại"]
MAX_STATEMENTS = 60
NO_FACTS = "Chưa có dữ kiện nào: hãy lập chỉ mục các báo cáo hội nghị ở thẻ Tài liệu."


def meeting_key(m: Meeting) -> str:
    return f"{m.article}#{m.source}"


def parse_meeting_key(key: str | None) -> tuple[str, int] | None:
    if not key or "#" not in key:
        return None
    art, _, src = key.partition("#")
    return (src, int(art)) if art.isdigit() else None


def meeting_label(m: Meeting) -> str:
    return f"{m.date.value if m.date else NO_DATE} — {m.label} ({m.source})"


def meeting_choices(facts: Facts) -> list[tuple[str, str]]:
    return [(meeting_label(m), meeting_key(m)) for m in facts.meetings_list()]


def person_choices(facts: Facts) -> list[tuple[str, str]]:
    return [(f"{p.name} ({p.statements} phát biểu)", p.key) for p in facts.people]


def _titles(p: PersonEntry, limit: int = 3) -> str:
    titles = list(dict.fromkeys(t.title for t in p.titles if t.title))
    return "; ".join(titles[:limit]) + ("; …" if len(titles) > limit else "")


def people_rows(people: Sequence[PersonEntry]) -> list[list[str | int]]:
    """Rows for the people table: name, titles, statements, meetings chaired, meetings attended or spoken at."""
    return [[p.name, _titles(p), p.statements, len(p.chaired), len({(m.source, m.article) for m in p.meetings})]
            for p in people]


def select_statements(facts: Facts, person: str | None, meeting: str | None) -> list[Statement]:
    """Statements of one person (a key) and/or one meeting (a ``meeting_key``), in document order."""
    sts = facts.statements_of(person) if person else list(facts.statements)
    where = parse_meeting_key(meeting)
    if where:
        sts = [s for s in sts if (s.source, s.article) == where]
    return sts


PROVENANCE_LABEL = {"quote": "trích nguyên văn", "reported": "tường thuật", "summary": "kết luận của cuộc họp",
                    "group": "ý kiến chung"}


def statements_html(facts: Facts, statements: Sequence[Statement], limit: int = MAX_STATEMENTS) -> str:
    """Each statement as 'who (title) verb: content [n]' with a "Nguồn" block quoting its exact span."""
    if not facts.docs:
        return message_html(NO_FACTS)
    if not statements:
        return message_html("Không có phát biểu nào khớp với lựa chọn.")
    items = []
    for n, st in enumerate(statements[:limit], start=1):
        c = facts.statement_citation(n, st)
        who = f"<b>{escape_text(st.speaker)}</b>" + (f" ({escape_text(st.speaker_title)})" if st.speaker_title else "")
        line = f"{who} {escape_text(st.verb)}: {escape_text(st.content)} <span class=\"cite\">&#91;{n}&#93;</span>"
        how = PROVENANCE_LABEL.get(st.provenance, "")
        meta = (f'<div class="meta">{escape_text(st.date or NO_DATE)} — {escape_text(c.title)}'
                f'{" — " + how if how else ""}</div>')
        items.append(f'<li class="statement">{line}{meta}{sources_html([c])}</li>')
    more = len(statements) - limit
    tail = message_html(f"… và {more} phát biểu khác; hãy lọc theo người hoặc cuộc họp.") if more > 0 else ""
    head = f'<div class="meta">{len(statements)} phát biểu</div>'
    return f'{head}<ol class="statements">{"".join(items)}</ol>{tail}'


def summary_html(s: FactSummary) -> str:
    """A meeting summary: title, its lines grouped by section with [n] markers, notice, sources."""
    parts = [f"<h3>{escape_text(s.title)}</h3>",
             f'<div class="meta">{escape_text(s.date or NO_DATE)} — {escape_text(s.source)} — '
             f"tóm tắt: {escape_text(s.summarizer)}</div>"]
    section: str | None = "\0"
    for ln in s.lines:
        if ln.section != section:
            if section != "\0":
                parts.append("</ul>")
            section = ln.section
            if section:
                parts.append(f"<h4>{escape_text(HEADINGS.get(section, section))}</h4>")
            parts.append("<ul>")
        marks = "".join(f'<span class="cite">&#91;{n}&#93;</span>' for n in ln.citations)
        parts.append(f"<li>{cite_markers(escape_text(ln.text))} {marks}</li>")
    if section != "\0":
        parts.append("</ul>")
    if s.notice:
        parts.append(f'<div class="notice">Lưu ý: {escape_text(s.notice)}</div>')
    parts.append(sources_html(s.citations))
    return "".join(parts)


def summaries_html(summaries: Sequence[FactSummary]) -> str:
    return "<hr>".join(summary_html(s) for s in summaries) or message_html(NO_FACTS)
