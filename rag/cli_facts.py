"""The ``rag who``, ``rag meetings``, ``rag tasks`` and ``rag summarize`` commands: who said what, with citations.

Covers: the people directory (``rag who``), one person's statements and, per meeting, roles and the
titles that report gives them (``rag who NAME``, accent-insensitive and partial), the same person's
summary (``rag who NAME --summary``: meetings, then requests and commitments by topic, from
``rag.facts.profile``), every meeting with its chairs, bridge points, participants, speakers,
tasks and decisions (``rag meetings``), the task ledger filtered by assignee and deadline (``rag tasks``,
filters from ``rag.facts.ledger``), and a meeting summary (``rag summarize SOURCE``: extractive,
or written by the configured LLM from the extracted facts and citation-checked). Each fact printed
carries ``[n]`` and a numbered sources list; dates show the day and month the report gives and mark a
year it only implies ("10/07/2024 (năm suy ra)", "18/09 (không rõ năm)"); ``--json`` prints one JSON
object (shapes in the README, "Ai nói gì"), built by the ``*_json`` functions here so other shells can
reuse them.
Left out: argument parsing and error-to-exit-code mapping (``rag.cli``), the facts themselves
(``rag.facts``).
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TextIO

from rag.errors import RagError
from rag.facts import Facts, FactSummary, clip_text
from rag.facts.facts import CitationList
from rag.facts.ledger import parse_day, select_tasks
from rag.facts.meetings import Fact, Meeting, Person
from rag.facts.people import PersonEntry, person_key
from rag.facts.profile import ROLE_LABEL, build_profile, meeting_role_json, meeting_roles, profile_json
from rag.facts.summarize import display_date
from rag.library import Library

if TYPE_CHECKING:
    from rag.llm.answer import LLMAnswerer

EXIT_OK = 0


# -- JSON builders ------------------------------------------------------------------------------
def person_json(p: PersonEntry) -> dict[str, Any]:
    return {
        "key": p.key,
        "name": p.name,
        "titles": list(dict.fromkeys(t.title for t in p.titles)),
        "counts": {
            "statements": p.statements,
            "chaired": len(p.chaired),
            "spoke_at": len(p.spoke_at),
            "attended": sum(1 for m in p.meetings if m.role == "participant"),
        },
        "kinds": dict(p.kinds),
        "meetings": [
            {"source": m.source, "article": m.article, "name": m.name, "date": m.date, "role": m.role}
            for m in p.meetings
        ],
    }


def people_json(facts: Facts) -> dict[str, Any]:
    return {"people": [person_json(p) for p in facts.people]}


def who_json(facts: Facts, name: str) -> dict[str, Any]:
    """A person's statements and meeting roles, each with a citation number. Raises when nobody matches."""
    found = facts.find_person(name)
    if not found:
        raise RagError(f"không tìm thấy ai tên “{name}” trong các tài liệu đã lập chỉ mục (xem danh sách: rag who)")
    cites = CitationList(facts)
    people = []
    for p in found:
        d = person_json(p)
        ats = meeting_roles(facts, p)  # numbered first: printed before the statements
        d["at_meetings"] = [{**meeting_role_json(r), "citation": cites.span(r.source, r.start, r.end, r.article)}
                            for r in ats]
        d["roles"] = _roles(facts, p, cites)
        when = {(r.source, r.article): r for r in ats}
        d["statements"] = []
        for st in facts.statements_of(p.key):
            r = when.get((st.source, st.article))
            dates = ({k: v for k, v in meeting_role_json(r).items() if k.startswith(("date", "year"))} if r
                     else {"date_label": display_date(st.date)})
            d["statements"].append({**st.to_dict(), **dates, "text": facts.docs[st.source].text[st.start : st.end],
                                    "citation": cites.span(st.source, st.start, st.end, st.article)})
        people.append(d)
    return {"query": name, "people": people, "citations": cites.to_list()}


def who_summary_json(facts: Facts, name: str) -> dict[str, Any]:
    """``rag who NAME --summary``: each matching person's meetings (roles, titles, dates) and requests and
    commitments grouped by topic (``rag.facts.profile``), every item citing its exact span."""
    found = facts.find_person(name)
    if not found:
        raise RagError(f"không tìm thấy ai tên “{name}” trong các tài liệu đã lập chỉ mục (xem danh sách: rag who)")
    cites = CitationList(facts)
    people = [profile_json(build_profile(facts, p), cites.span) for p in found]
    return {"query": name, "people": people, "citations": cites.to_list()}


def _roles(facts: Facts, p: PersonEntry, cites: CitationList) -> list[dict[str, Any]]:
    """Where the person chaired or attended, cited on the sentence that says so."""
    out = []
    for ref in p.meetings:
        if ref.role == "speaker":
            continue
        m = next((x for x in facts.docs[ref.source].meetings if x.article == ref.article), None)
        if m is None:
            continue
        pools: dict[str, list[Person | None]] = {
            "chair": list(m.chairs), "bridge chair": [b.chair for b in m.bridges], "participant": list(m.participants),
        }
        pool = pools.get(ref.role, [])
        who = next((x for x in pool if x is not None and person_key(x.name) == p.key), None)
        if who is None:
            continue
        out.append({
            "role": ref.role, "meeting": ref.name, "source": m.source, "article": m.article, "date": ref.date,
            "title": who.title, "citation": cites.sentence(m.source, who.start, who.end, m.article),
        })
    return out


def _fact(f: Fact | None, m: Meeting, cites: CitationList) -> dict[str, Any] | None:
    if f is None:
        return None
    return {"value": f.value, "citation": cites.sentence(m.source, f.start, f.end, m.article)}


def _person_ref(p: Person, m: Meeting, cites: CitationList) -> dict[str, Any]:
    return {"name": p.name, "title": p.title, "citation": cites.sentence(m.source, p.start, p.end, m.article)}


def meeting_json(facts: Facts, m: Meeting) -> dict[str, Any]:
    """One meeting with a citation number on every fact; numbers are local to the meeting."""
    cites = CitationList(facts)
    art = facts.article(m.source, m.article)
    speakers: dict[str, list[Any]] = {}
    for st in facts.statements:
        if (st.source, st.article) == (m.source, m.article):
            speakers.setdefault(st.speaker, []).append(st)
    return {
        "source": m.source,
        "article": m.article,
        "title": art.title if art else m.label,
        "name": _fact(m.name, m, cites),
        "date": _fact(m.date, m, cites),
        "date_text": m.date_text, "year_inferred": m.year_inferred,
        "year_evidence": m.year_evidence.value if m.year_evidence else None, "date_label": m.date_label,
        "place": _fact(m.place, m, cites),
        "chairs": [_person_ref(c, m, cites) for c in m.chairs],
        "bridges": [
            {"place": b.place, "chair": {"name": b.chair.name, "title": b.chair.title} if b.chair else None,
             "citation": cites.span(m.source, b.start, b.end, m.article)}
            for b in m.bridges
        ],
        "participants": [_person_ref(p, m, cites) for p in m.participants],
        "speakers": [
            {"name": name, "statements": len(sts), "citations": [cites.span(s.source, s.start, s.end, s.article) for s in sts]}
            for name, sts in speakers.items()
        ],
        "tasks": [
            {"who": t.who, "what": t.what, "deadline": t.deadline, "assigned_by": t.assigned_by,
             "citation": cites.span(m.source, t.start, t.end, m.article)}
            for t in m.tasks
        ],
        "decisions": [{"text": d.value, "citation": cites.span(m.source, d.start, d.end, m.article)} for d in m.decisions],
        "citations": cites.to_list(),
    }


def tasks_json(facts: Facts, to: str | None = None, due: str | None = None) -> dict[str, Any]:
    """The task ledger of every document, filtered by assignee (part of the name, accent-insensitive)
    and by a deadline on or before ``due`` (dd/mm/yyyy or ISO); each task cites its clause."""
    due_day = parse_day(due) if due else None
    cites = CitationList(facts)
    rows = [{**t.to_dict(), "citation": cites.span(t.source, t.start, t.end, t.article)}
            for t in select_tasks(facts.tasks, to, due_day)]
    return {"filters": {"to": to, "due_before": due_day.isoformat() if due_day else None}, "tasks": rows,
            "citations": cites.to_list()}


def print_tasks(data: dict[str, Any], out: TextIO) -> None:
    if not data["tasks"]:
        out.write("Không có nhiệm vụ nào khớp.\n")
        return
    for t in data["tasks"]:
        kind = "cam kết" if t["kind"] == "commitment" else "giao"
        by = f" ({kind}: {t['assigner']})" if t["assigner"] else ""
        due = f" — hạn: {t['deadline_text']} ({_deadline_label(t['deadline'])})" if t["deadline_text"] else ""
        out.write(f"• {t['assignee']}: {_one_line(t['what'], 200)}{due}{by} [{t['citation']}]\n")
    _print_sources(data["citations"], out)


def _deadline_label(d: Any) -> str:
    return f"{d['from']} → {d['to']}" if isinstance(d, dict) else str(d)


def meetings_json(facts: Facts) -> dict[str, Any]:
    return {"meetings": [meeting_json(facts, m) for m in facts.meetings_list()]}


def summaries_json(source: str, summaries: list[FactSummary]) -> dict[str, Any]:
    return {"source": source, "summaries": [s.to_dict() for s in summaries]}


# -- text rendering -----------------------------------------------------------------------------
def _one_line(text: str, limit: int = 400) -> str:
    return clip_text(text, limit)


def _date(iso: str | None) -> str:
    return display_date(iso) or "không rõ ngày"


def _print_sources(citations: list[dict[str, Any]], out: TextIO, indent: str = "") -> None:
    if not citations:
        return
    out.write(f"{indent}Nguồn:\n")
    for c in citations:
        where = c["source"] + (f", trang {c['page']}" if c.get("page") else "") + f" [{c['start']}:{c['end']}]"
        out.write(f"{indent}[{c['n']}] {c['title']} — {c.get('date_label') or _date(c['date'])} — {where}\n")
        out.write(f"{indent}    «{_one_line(c['text'], 600)}»\n")


def _who(name: str, title: str | None) -> str:
    return f"{name} ({title})" if title else name


def print_people(data: dict[str, Any], out: TextIO) -> None:
    if not data["people"]:
        out.write("Chưa có ai: chỉ mục trống hoặc các tài liệu không ghi ai phát biểu, chủ trì.\n")
        return
    for p in data["people"]:
        c = p["counts"]
        parts = [f"{c['statements']} phát biểu"]
        if c["chaired"]:
            parts.append(f"chủ trì {c['chaired']} cuộc họp")
        if c["spoke_at"]:
            parts.append(f"phát biểu tại {c['spoke_at']} cuộc họp")
        if c["attended"]:
            parts.append(f"tham dự {c['attended']} cuộc họp")
        titles = "; ".join(p["titles"]) or "không rõ chức vụ"
        out.write(f"{p['name']} — {titles} — {', '.join(parts)}\n")


def print_who(data: dict[str, Any], out: TextIO) -> None:
    for p in data["people"]:
        out.write(f"{p['name']}\n")
        _print_at_meetings(p["at_meetings"], out)
        if not p["statements"]:
            out.write("  (không có lời phát biểu nào được ghi lại)\n")
        for st in p["statements"]:
            said = _one_line(st["content"])
            if st.get("provenance") == "quote" and said[:1] not in "“«\"":
                said = f"“{said}”"
            out.write(f"  • {st['date_label'] or 'không rõ ngày'} — {st['verb']}: {said} [{st['citation']}]\n")
        out.write("\n")
    _print_sources(data["citations"], out)


def _print_at_meetings(ats: list[dict[str, Any]], out: TextIO) -> None:
    """Each meeting: date, name, roles, then the rank and titles that report gives the person."""
    for r in ats:
        roles = ", ".join(ROLE_LABEL.get(x, x) for x in r["roles"])
        out.write(f"  ◦ {r['date_label'] or 'không rõ ngày'} — {r['meeting']} — {roles} [{r['citation']}]\n")
        titles = ([r["rank"]] if r["rank"] else []) + r["titles"]
        out.write(f"      chức danh: {'; '.join(titles) or 'không ghi'}\n")


def print_who_summary(data: dict[str, Any], out: TextIO) -> None:
    for p in data["people"]:
        out.write(f"Tóm tắt: {p['name']}\n\nVai trò theo cuộc họp:\n")
        _print_at_meetings(p["meetings"], out)
        out.write("\nYêu cầu, chỉ đạo và cam kết, theo chủ đề:\n")
        if not p["topics"]:
            out.write("  (không có yêu cầu hay cam kết nào được ghi lại)\n")
        for g in p["topics"]:
            words = f" (từ khóa: {', '.join(g['keywords'])})" if g["keywords"] else ""
            out.write(f"  {g['topic']}{words}\n")
            for it in g["items"]:
                who = f"{it['assignee']}: " if it["assignee"] else ""
                due = f" — hạn: {it['deadline_text']}" if it["deadline_text"] else ""
                out.write(f"    • [{it['verb']}] {who}{_one_line(it['what'], 260)}{due} — {it['date_label'] or 'không rõ ngày'}"
                          f" [{it['citation']}]\n")
        out.write("\n")
    _print_sources(data["citations"], out)


def print_meetings(data: dict[str, Any], out: TextIO) -> None:
    if not data["meetings"]:
        out.write("Chưa có cuộc họp nào: chỉ mục trống hoặc không tài liệu nào là báo cáo hội nghị.\n")
        return
    for m in data["meetings"]:
        name = m["name"]["value"] if m["name"] else m["title"]
        head = [name, m["date_label"] or "không rõ ngày"]
        if m["place"]:
            head.append(m["place"]["value"])
        out.write(" — ".join(head) + "\n")
        out.write(f"  Tệp: {m['source']} (bài {m['article'] + 1})\n")
        if m["chairs"]:
            out.write("  Chủ trì: " + "; ".join(f"{_who(p['name'], p['title'])} [{p['citation']}]" for p in m["chairs"]) + "\n")
        for b in m["bridges"]:
            chair = f" — chủ trì: {_who(b['chair']['name'], b['chair']['title'])}" if b["chair"] else ""
            out.write(f"  Điểm cầu: {b['place']}{chair} [{b['citation']}]\n")
        if m["participants"]:
            out.write("  Tham dự: " + "; ".join(f"{_who(p['name'], p['title'])} [{p['citation']}]" for p in m["participants"]) + "\n")
        if m["speakers"]:
            out.write("  Phát biểu: " + "; ".join(
                f"{s['name']} " + "".join(f"[{n}]" for n in s["citations"]) for s in m["speakers"]) + "\n")
        if m["tasks"]:
            out.write("  Nhiệm vụ:\n")
            for t in m["tasks"]:
                line = f"{t['who']}: {_one_line(t['what'], 200)}"
                line += f" — thời hạn: {t['deadline']}" if t["deadline"] else ""
                line += f" (giao: {t['assigned_by']})" if t["assigned_by"] else ""
                out.write(f"    - {line} [{t['citation']}]\n")
        for d in m["decisions"]:
            out.write(f"  Quyết định: {_one_line(d['text'], 300)} [{d['citation']}]\n")
        _print_sources(m["citations"], out, indent="  ")
        out.write("\n")


# -- the command --------------------------------------------------------------------------------
def run(args: argparse.Namespace, out: TextIO, err: TextIO,
        build_answerer: Callable[[argparse.Namespace, Library], LLMAnswerer | None]) -> int:
    """Run ``who``, ``meetings`` or ``summarize``; library errors propagate to ``rag.cli.main``."""
    lib = Library(args.index, embedder=args.embedder)
    facts = lib.facts()
    if args.command == "who":
        if getattr(args, "summary", False) and not args.name:
            raise RagError("--summary cần tên một người: rag who TÊN --summary")
        summary = bool(args.name and getattr(args, "summary", False))
        data = (who_summary_json if summary else who_json)(facts, args.name) if args.name else people_json(facts)
        if args.json:
            _emit(data, out)
        elif summary:
            print_who_summary(data, out)
        elif args.name:
            print_who(data, out)
        else:
            print_people(data, out)
    elif args.command == "meetings":
        data = meetings_json(facts)
        if args.json:
            _emit(data, out)
        else:
            print_meetings(data, out)
    elif args.command == "tasks":
        data = tasks_json(facts, args.to, args.due_before)
        if args.json:
            _emit(data, out)
        else:
            print_tasks(data, out)
    elif args.command == "summarize":
        answerer = build_answerer(args, lib)
        source = lib.resolve_source(args.source)
        summaries = facts.summaries(source, llm=answerer.llm if answerer else None,
                                    embedder=answerer.embedder if answerer else None)
        if args.json:
            _emit(summaries_json(source, summaries), out)
        else:
            for s in summaries:
                out.write(s.markdown.rstrip() + "\n")
                if s.notice:
                    out.write(f"\n({s.notice})\n")
                out.write("\n")
    else:  # pragma: no cover - rag.cli only routes these three here
        raise RagError(f"unknown facts command '{args.command}'")
    return EXIT_OK


def _emit(obj: Any, out: TextIO) -> None:
    out.write(json.dumps(obj, ensure_ascii=False) + "\n")
    out.flush()
