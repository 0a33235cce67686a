"""How the "Ai nói gì" and "Tóm tắt" tabs look: plain functions over ``rag.facts``, no Gradio.

People rows for a table, dropdown choices for people and meetings, a filtered list of statements
(each with its own "Nguồn" block citing the exact source span, dated by its meeting), one person's
summary ("Tóm tắt người này": roles and titles per meeting, requests and commitments by topic, from
``rag.facts.profile``), and a meeting summary rendered from its structured lines. Dates show the day
and month the report gives and mark a year the report only implies ("10/07/2024 (năm suy ra)"). All
text is escaped with ``ui.format.escape_text``.
Left out: extraction and summarising (``rag.facts``), widgets (``ui.app``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from rag.facts import Facts, FactSummary
from rag.facts.meetings import Meeting
from rag.facts.people import PersonEntry
from rag.facts.profile import ROLE_LABEL, Profile, build_profile
from rag.facts.speech import Statement
from rag.facts.summarize import HEADINGS
from rag.types import Citation
from ui.format import NO_DATE, cite_markers, escape_text, message_html, sources_html

STATEMENTS_VIEW, PROFILE_VIEW = "Phát biểu", "Tóm tắt người này"  # the two views of the "Ai nói gì" tab
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
    return f"{m.date_label or NO_DATE} — {m.label} ({m.source})"


def _date_of(facts: Facts, source: str, article: int) -> str:
    """The date of an article's meeting as shown, "" when it has none."""
    doc = facts.docs.get(source)
    m = next((m for m in doc.meetings if m.article == article), None) if doc else None
    return m.date_label if m else ""


def _dated(facts: Facts, c: Citation, article: int) -> Citation:
    """``c`` dated by its meeting as shown ("18/09 (không rõ năm)"): the article's date has no day without a year."""
    return replace(c, date=_date_of(facts, c.source, article) or c.date)


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
        c = _dated(facts, facts.statement_citation(n, st), st.article)
        who = f"<b>{escape_text(st.speaker)}</b>" + (f" ({escape_text(st.speaker_title)})" if st.speaker_title else "")
        line = f"{who} {escape_text(st.verb)}: {escape_text(st.content)} <span class=\"cite\">&#91;{n}&#93;</span>"
        how = PROVENANCE_LABEL.get(st.provenance, "")
        meta = (f'<div class="meta">{escape_text(_date_of(facts, st.source, st.article) or NO_DATE)} — {escape_text(c.title)}'
                f'{" — " + how if how else ""}</div>')
        items.append(f'<li class="statement">{line}{meta}{sources_html([c])}</li>')
    more = len(statements) - limit
    tail = message_html(f"… và {more} phát biểu khác; hãy lọc theo người hoặc cuộc họp.") if more > 0 else ""
    head = f'<div class="meta">{len(statements)} phát biểu</div>'
    return f'{head}<ol class="statements">{"".join(items)}</ol>{tail}'


def person_profile_html(facts: Facts, key: str | None) -> str:
    """The "Tóm tắt người này" view of the person picked (a key of ``person_choices``)."""
    if not facts.docs:
        return message_html(NO_FACTS)
    p = facts.person(key) if key else None
    return profile_html(facts, build_profile(facts, p)) if p else message_html("Chọn một người để xem tóm tắt.")


def profile_html(facts: Facts, pr: Profile) -> str:
    """"Tóm tắt người này": meetings (date, roles, rank and titles there), then requests and commitments
    grouped by topic, every line with [n] and a "Nguồn" block quoting the exact spans."""
    cites: dict[tuple[str, int, int], Citation] = {}

    def mark(source: str, start: int, end: int, article: int) -> str:
        c = cites.setdefault((source, start, end),
                             _dated(facts, facts.citation(len(cites) + 1, source, start, end, article), article))
        return f'<span class="cite">&#91;{c.n}&#93;</span>'

    parts = [f"<h3>Tóm tắt: {escape_text(pr.name)}</h3>", "<h4>Vai trò theo cuộc họp</h4>", "<ul>"]
    for r in pr.meetings:
        roles = ", ".join(ROLE_LABEL.get(x, x) for x in r.roles)
        titles = "; ".join(([r.rank] if r.rank else []) + list(r.titles)) or "không ghi"
        parts.append(f"<li>{escape_text(r.date_label or NO_DATE)} — {escape_text(r.meeting)} — {escape_text(roles)} "
                     f"{mark(r.source, r.start, r.end, r.article)}"
                     f'<div class="meta">Chức danh: {escape_text(titles)}</div></li>')
    parts += ["</ul>", "<h4>Yêu cầu, chỉ đạo và cam kết, theo chủ đề</h4>"]
    if not pr.items:
        parts.append(message_html("Không có yêu cầu hay cam kết nào được ghi lại."))
    dates = {(r.source, r.article): r.date_label for r in pr.meetings}
    for topic, items in pr.topics():
        words = list(dict.fromkeys(w for it in items for w in it.keywords))
        why = f' <span class="meta">(từ khóa: {escape_text(", ".join(words))})</span>' if words else ""
        parts.append(f"<h5>{escape_text(topic)}{why}</h5><ul>")
        for it in items:
            who = f"<b>{escape_text(it.assignee)}</b>: " if it.assignee else ""
            due = f" — hạn: {escape_text(it.deadline_text)}" if it.deadline_text else ""
            when = dates.get((it.source, it.article)) or NO_DATE
            parts.append(f"<li>[{escape_text(it.verb)}] {who}{escape_text(it.what)}{due} — {escape_text(when)} "
                         f"{mark(it.source, it.start, it.end, it.article)}</li>")
        parts.append("</ul>")
    parts.append(sources_html(list(cites.values())))
    return "".join(parts)


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
