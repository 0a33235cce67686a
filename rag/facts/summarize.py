"""Extractive, structured summary of one meeting report, every line citable.

Builds, from a ``Meeting`` and the article's ``Statement``s: what meeting, when, where, who chaired
(and at which bridge points), who attended, the main points (the body's most factual sentences:
figures, results), who required/proposed/reported what, the tasks with their deadlines and the
decisions. Every line carries the (start, end) spans of the source text it is drawn from, and
``to_markdown`` renders them as ``[n]`` markers with a numbered sources list. Nothing is generated:
lines are quotes or fixed templates around quoted facts. Left out: merging several articles into one
summary, and abstractive rewriting (an LLM answerer may rephrase these lines, keeping the spans).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from rag.dates import date_label
from rag.enumeration import without_bullet
from rag.facts.meetings import Meeting
from rag.facts.speech import Statement
from rag.textnorm import sentence_around, sentence_spans

SECTIONS = ("what", "when", "where", "chair", "bridges", "participants", "main_points", "statements", "tasks", "decisions")
HEADINGS = {
    "what": "Nội dung", "when": "Thời gian", "where": "Địa điểm", "chair": "Chủ trì", "bridges": "Điểm cầu",
    "participants": "Tham dự", "main_points": "Điểm chính", "statements": "Ai nói gì",
    "tasks": "Nhiệm vụ và thời hạn", "decisions": "Quyết định",
}
_VERB_LABEL = {
    "requirement": "yêu cầu", "proposal": "đề nghị", "report": "báo cáo", "conclusion": "kết luận",
    "commitment": "cam kết", "direction": "chỉ đạo", "assignment": "giao", "statement": "phát biểu",
}
_STATEMENT_CHARS = 220  # of a statement shown in its summary line
MAIN_POINTS = 5  # the body's most factual sentences: results with figures are what a reader of a summary looks for
_FACTUAL = re.compile(r"\d|tăng|giảm|đạt|hoàn thành|triệt phá|kết quả|xử lý|phát hiện|thu giữ|cấp|ban hành")


def display_date(iso: str | None) -> str:
    """An ISO date as Vietnamese readers write it ("07/12/2021", "18/09" for "--09-18"); other values
    unchanged. A meeting's date as shown on its own, year marked: ``Meeting.date_label``."""
    if iso and iso.startswith("--") and len(iso) == 7:
        return f"{iso[5:]}/{iso[2:4]}"
    return date_label(iso)


@dataclass(frozen=True)
class SummaryLine:
    section: str
    text: str
    spans: tuple[tuple[int, int], ...]

    def to_dict(self) -> dict[str, Any]:
        return {"section": self.section, "text": self.text, "spans": [list(s) for s in self.spans]}


@dataclass(frozen=True)
class SourceSpan:
    n: int
    source: str
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Summary:
    source: str
    article: int
    title: str
    lines: tuple[SummaryLine, ...]
    sources: tuple[SourceSpan, ...]  # every distinct span of the lines, numbered from 1 in first-use order

    def section(self, name: str) -> tuple[SummaryLine, ...]:
        return tuple(ln for ln in self.lines if ln.section == name)

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source, "article": self.article, "title": self.title,
            "lines": [ln.to_dict() for ln in self.lines],
            "sources": [{"n": s.n, "source": s.source, "start": s.start, "end": s.end, "text": s.text} for s in self.sources],
        }

    def to_markdown(self) -> str:
        num = {(s.start, s.end): s.n for s in self.sources}
        out = [f"## {self.title}", ""]
        for sec in SECTIONS:
            lines = self.section(sec)
            if not lines:
                continue
            out.append(f"**{HEADINGS[sec]}**")
            for ln in lines:
                marks = "".join(f"[{num[sp]}]" for sp in ln.spans)
                out.append(f"- {without_bullet(ln.text)} {marks}".rstrip())
            out.append("")
        out.append("**Nguồn**")
        for s in self.sources:
            out.append(f"{s.n}. {s.source}, ký tự {s.start}–{s.end}: “{_clip(s.text, 160)}”")
        return "\n".join(out).rstrip() + "\n"


def _verb_label(st: Statement) -> str:
    """The verb to show: the kind's verb, but the verb as written for plain statements ("biểu dương",
    "nhấn mạnh"), which "phát biểu" would misreport; "Theo X, ..." reads as "cho rằng"."""
    if st.verb == "theo":
        return "cho rằng"
    if st.kind == "statement":
        return st.verb
    return _VERB_LABEL.get(st.kind, st.verb)


def _clip(s: str, n: int) -> str:
    s = " ".join(s.split())
    return s if len(s) <= n else s[: n - 1].rsplit(" ", 1)[0] + "…"




def summarize_meeting(meeting: Meeting, statements: Sequence[Statement], text: str) -> Summary:
    """Summary of ``meeting``; ``text`` is the source text its spans (and the statements') index."""
    m = meeting
    own = [s for s in statements if s.source == m.source and s.article == m.article]
    lines: list[SummaryLine] = []

    def add(section: str, line: str, *spans: tuple[int, int]) -> None:
        lines.append(SummaryLine(section, line, tuple(dict.fromkeys(spans))))

    what = m.name or m.title
    if what:
        add("what", what.value, sentence_around(text, what.start, what.end) if what is m.name else (what.start, what.end))
    if m.date:
        ev = m.year_evidence if m.year_inferred else None  # an inferred year also cites what fixed it
        add("when", m.date_label, sentence_around(text, m.date.start, m.date.end),
            *([(ev.start, ev.end)] if ev else []))
    if m.place:
        add("where", m.place.value, sentence_around(text, m.place.start, m.place.end))
    for c in m.chairs:
        add("chair", f"{c.name}" + (f", {c.title}" if c.title else ""), sentence_around(text, c.start, c.end))
    for b in m.bridges:
        who = f": {b.chair.name}" + (f", {b.chair.title}" if b.chair.title else "") + " chủ trì" if b.chair else ""
        add("bridges", f"{b.place}{who}", (b.start, b.end))
    for p in m.participants:
        add("participants", p.name + (f", {p.title}" if p.title else ""), sentence_around(text, p.start, p.end))
    # a statement's line shows its first ~220 characters: the figures its later sentences report
    # ("... đạt 93,8% dân số", "thu ... 4.126,5 tỷ đồng") can still be main points
    used = {(s.start, min(s.end, s.start + _STATEMENT_CHARS)) for s in own} | {sp for ln in lines for sp in ln.spans}
    body = [
        (s, e) for s, e in sentence_spans(text, m.start, m.end)
        if not any(a < e and s < b for a, b in used) and len(text[s:e]) > 60 and _FACTUAL.search(text[s:e])
        and not (m.title and s <= m.title.start < e) and "chủ trì" not in text[s:e]
    ]
    scored = sorted(body, key=lambda se: -len(_FACTUAL.findall(text[se[0] : se[1]])))[:MAIN_POINTS]
    for s, e in sorted(scored):
        add("main_points", _clip(text[s:e], 260), (s, e))
    for st in own:
        title = st.speaker_title.split(", ")[-1] if st.speaker_title else ""
        who = st.speaker + (f" ({title})" if title else "")
        add("statements", f"{who} {_verb_label(st)}: {_clip(st.content, _STATEMENT_CHARS)}", (st.start, st.end))
    for t in m.tasks:
        line = f"{t.who}: {_clip(t.what, 180)}"
        if t.deadline:
            line += f" — thời hạn: {t.deadline}"
        if t.assigned_by:
            line += f" (giao/yêu cầu: {t.assigned_by})"
        add("tasks", line, (t.start, t.end))
    for d in m.decisions:
        add("decisions", _clip(d.value, 220), (d.start, d.end))
    order: dict[tuple[int, int], int] = {}
    for ln in lines:
        for sp in ln.spans:
            order.setdefault(sp, len(order) + 1)
    sources = tuple(SourceSpan(n, m.source, s, e, text[s:e]) for (s, e), n in order.items())
    title = m.title.value if m.title else m.label
    return Summary(m.source, m.article, title, tuple(lines), sources)
