"""One person across the reports: where they were and with which title, and what they asked for and promised.

Covers, for one person of the directory (``rag.facts.people``):

- per meeting, with its name and date (``Meeting.date_label``: the year marked when the report only implies
  it), the roles held there (chủ trì, chủ trì điểm cầu, tham dự, phát biểu) and the rank and titles that
  report gives them (``split_titles``), cited on the sentence that names the longest of those titles;
- the requests and directions they gave (assignments of the task ledger, ``rag.facts.tasks``, whose
  assigner is the person, and their statements of kind requirement, proposal, direction, assignment or
  conclusion, judged by the verb, that carry no such task) and their commitments (commitments of the ledger, and commitment
  statements that carry none), each with the exact span it is read from;
- those items grouped by topic. The grouping is a fixed word list, not learnt: ``TOPICS`` names the
  sectors of provincial administration with the words that signal each ("Chuyển đổi số": số hóa, dữ
  liệu, định danh …); an item goes to the sector with the most of its words in what is asked (not in who
  must act; ties: the earlier sector), and the words found are kept as the reason. An item with none goes
  to "Việc khác".

Left out: rendering (``rag.cli_facts``, ``ui.format_facts``), topics learnt from the text, merging two
requests that say the same thing, and telling apart two people with the same full name.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from rag.dates import date_label
from rag.facts.facts import Facts
from rag.facts.lexicon import VERB_KINDS
from rag.facts.meetings import Meeting, Person
from rag.facts.people import PersonEntry, person_key, split_titles
from rag.facts.speech import Statement
from rag.facts.tasks import Task, tasks_for_articles

OTHER = "Việc khác"
# (sector, words as written, lower-case): words that only name the sector ("cầu" is also "yêu cầu": left out)
TOPICS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("An ninh, trật tự", ("tội phạm", "lừa đảo", "ma túy", "an ninh", "trật tự", "tệ nạn", "buôn lậu", "tín dụng đen",
                          "điều tra", "truy xét", "vi phạm pháp luật")),
    ("Chuyển đổi số", ("chuyển đổi số", "số hóa", "dữ liệu", "định danh", "đề án 06", "trực tuyến", "chữ ký số",
                       "phần mềm", "nền tảng số", "hạ tầng số", "công nghệ thông tin", "hồ sơ điện tử")),
    ("Cải cách hành chính", ("thủ tục hành chính", "cải cách hành chính", "một cửa", "dịch vụ công", "quy trình")),
    ("Đầu tư công, xây dựng", ("đầu tư công", "giải ngân", "dự án", "thi công", "nhà thầu", "gói thầu", "công trình",
                               "kế hoạch vốn", "vốn")),
    ("Giao thông", ("giao thông", "cao tốc", "đường bộ", "thông xe", "nút giao", "tuyến đường")),
    ("Đất đai, mặt bằng", ("mặt bằng", "đất đai", "thu hồi đất", "tái định cư", "bồi thường", "di dời")),
    ("Tài chính, ngân sách", ("ngân sách", "thuế", "nguồn thu", "thu nợ", "tài chính", "kinh phí", "nợ đọng", "truy thu",
                              "tạm ứng")),
    ("Nông nghiệp, nông thôn", ("nông thôn mới", "nông nghiệp", "nông dân", "ocop", "xã đạt chuẩn", "thủy lợi",
                                "cây trồng", "vật nuôi")),
    ("Thiên tai, cứu nạn, phòng cháy", ("thiên tai", "bão", "lũ", "mưa lớn", "sạt lở", "cứu nạn", "cứu hộ",
                                        "phòng cháy", "chữa cháy", "hỏa hoạn", "ứng phó", "ứng cứu", "sơ tán", "cấm biển",
                                        "tàu thuyền", "hồ chứa", "dự báo", "cảnh báo")),
    ("Y tế", ("y tế", "dịch bệnh", "sốt xuất huyết", "bệnh viện", "tiêm", "khám chữa bệnh", "xét nghiệm", "ổ dịch")),
    ("Giáo dục", ("giáo dục", "trường học", "học sinh", "giáo viên")),
    ("Môi trường", ("môi trường", "rác thải", "chất thải", "ô nhiễm")),
    ("Tuyên truyền", ("tuyên truyền", "báo chí", "dư luận", "vận động")),
)
_TOPIC_RES = tuple((name, [(w, re.compile(rf"(?<!\w){re.escape(w)}(?!\w)")) for w in words]) for name, words in TOPICS)
REQUEST_KINDS = frozenset({"requirement", "proposal", "direction", "assignment", "conclusion"})
_TASK_VERB = re.compile(r"(?<!\w)(giao|yêu cầu|đề nghị|chỉ đạo|lưu ý)(?!\w)")
ROLE_ORDER = ("chair", "bridge chair", "participant", "speaker")
ROLE_LABEL = {"chair": "chủ trì", "bridge chair": "chủ trì điểm cầu", "participant": "tham dự", "speaker": "phát biểu"}


@dataclass(frozen=True)
class MeetingRole:
    """A person at one meeting: roles held, and the rank and titles that report gives them."""

    source: str
    article: int
    meeting: str
    date: str | None  # "2024-07-10", or "--09-18" without a year
    date_text: str | None  # the date phrase as written ("Chiều 10/7")
    year_inferred: bool
    year_evidence: str | None
    roles: tuple[str, ...]  # of ROLE_ORDER
    rank: str | None
    titles: tuple[str, ...]
    start: int  # the sentence that names the longest title (or the person's first words there)
    end: int

    @property
    def date_label(self) -> str:
        return date_label(self.date, self.year_inferred)


@dataclass(frozen=True)
class ProfileItem:
    """A request, direction or commitment of the person, read from ``source[start:end]``."""

    kind: str  # "assignment" (a task given), "request" (a statement with no task read from it), "commitment"
    verb: str  # as written: "giao", "yêu cầu", "đề nghị", "cam kết" …
    assignee: str | None
    what: str
    deadline: str | dict[str, str] | None
    deadline_text: str | None
    topic: str
    keywords: tuple[str, ...]  # the topic's words found in it: the reason for the topic
    source: str
    article: int
    start: int
    end: int


@dataclass(frozen=True)
class Profile:
    key: str
    name: str
    meetings: tuple[MeetingRole, ...]
    items: tuple[ProfileItem, ...]  # by meeting date, then position in the report

    def topics(self) -> list[tuple[str, list[ProfileItem]]]:
        """Items by topic: the topics with most items first, "Việc khác" last."""
        groups: dict[str, list[ProfileItem]] = {}
        for it in self.items:
            groups.setdefault(it.topic, []).append(it)
        order = list(groups)
        return sorted(groups.items(), key=lambda g: (g[0] == OTHER, -len(g[1]), order.index(g[0])))


def topic_of(text: str) -> tuple[str, tuple[str, ...]]:
    """(sector, words found) for an item's text (lower-cased, NFC as stored); ``OTHER`` when no word is found."""
    low = text.lower()
    best: tuple[int, str, tuple[str, ...]] = (0, OTHER, ())
    for name, words in _TOPIC_RES:
        hits = tuple(w for w, rx in words if rx.search(low))
        if len(hits) > best[0]:
            best = (len(hits), name, hits)
    return best[1], best[2]


def _meeting_of(facts: Facts, source: str, article: int) -> Meeting | None:
    return next((m for m in facts.docs[source].meetings if m.article == article), None)


def _meeting_roles(facts: Facts, p: PersonEntry, own: Sequence[Statement]) -> list[MeetingRole]:
    out = []
    for source, article in dict.fromkeys((r.source, r.article) for r in p.meetings):
        m = _meeting_of(facts, source, article)
        roles = tuple(r for r in ROLE_ORDER if any((x.source, x.article, x.role) == (source, article, r)
                                                   for x in p.meetings))
        # where each title string is read from: the chair/participant mention, else the statement's words
        seen: list[tuple[str, int, int]] = []
        if m is not None:
            people: list[Person | None] = [*m.chairs, *(b.chair for b in m.bridges), *m.participants]
            seen += [(x.title, x.start, x.end) for x in people if x is not None and person_key(x.name) == p.key]
        text = facts.docs[source].text
        for st in own:
            if (st.source, st.article) == (source, article) and st.speaker_title:
                at = text.find(st.speaker_title.split(", ")[-1], st.start, st.end)
                seen.append((st.speaker_title, at if at >= 0 else st.start, at + 1 if at >= 0 else st.start + 1))
        rank, titles = split_titles(t for t, _, _ in seen)
        first = next((st.start for st in own if (st.source, st.article) == (source, article)), None)
        if seen:
            _, s, e = max(seen, key=lambda x: len(x[0]))
        else:  # no title given: where the person first speaks, else the meeting's first words
            s = first if first is not None else m.start if m else 0
            e = s + 1
        s, e = facts.sentence_span(source, s, e)
        ev = m.year_evidence if m is not None else None
        out.append(MeetingRole(
            source, article, m.label if m else f"{source} #{article}", m.date.value if m and m.date else None,
            m.date_text if m else None, bool(m and m.year_inferred), ev.value if ev else None, roles, rank, titles,
            s, e,
        ))
    return sorted(out, key=lambda r: (r.date is None, (r.date or "").startswith("--"), r.date or "", r.source))


def _item(kind: str, verb: str, assignee: str | None, what: str, t: Task | None, source: str, article: int,
          start: int, end: int) -> ProfileItem:
    topic, words = topic_of(what)  # what is asked, not who must act ("Sở Thông tin và Truyền thông" says little)
    return ProfileItem(kind, verb, assignee, what, t.deadline if t else None, t.deadline_text if t else None,
                       topic, words, source, article, start, end)


def build_profile(facts: Facts, p: PersonEntry) -> Profile:
    """The person's meetings, roles and titles, and their requests and commitments grouped by topic."""
    own = facts.statements_of(p.key)
    items: list[ProfileItem] = []
    for source in dict.fromkeys(st.source for st in own):
        doc = facts.docs[source]
        names = {m.article: m.label for m in doc.meetings}
        tasks = [t for t in tasks_for_articles(doc.text, doc.articles, doc.statements, names)
                 if t.assigner and person_key(t.assigner) == p.key]
        last = "giao"
        for t in tasks:
            verb = "cam kết"
            if t.kind == "assignment":  # the verb right before the assignee ("Phát biểu chỉ đạo, … yêu cầu Sở …");
                at = doc.text.find(t.assignee, t.start, t.end)  # none in "…; Bộ Y tế chỉ đạo …": the last one's
                found = list(_TASK_VERB.finditer(doc.text, t.start, max(at, t.start)))
                verb = last = found[-1].group(1) if found else last
            kind = "commitment" if t.kind == "commitment" else "assignment"
            items.append(_item(kind, verb, t.assignee, t.what, t, source, t.article, t.start, t.end))
        for st in (s for s in own if s.source == source):
            # judged by the verb's own kind: a "Kết luận …, ông X biểu dương …" is a conclusion, not a request
            if VERB_KINDS.get(st.verb, st.kind) not in REQUEST_KINDS | {"commitment"}:
                continue
            if any(st.start <= t.start < st.end for t in tasks):
                continue  # the ledger already says who must do what
            kind = "commitment" if st.kind == "commitment" else "request"
            items.append(_item(kind, st.verb, None, st.content, None, source, st.article, st.start, st.end))
    meetings = _meeting_roles(facts, p, own)
    order = {(r.source, r.article): i for i, r in enumerate(meetings)}  # by meeting date, then position
    items.sort(key=lambda it: (order.get((it.source, it.article), len(order)), it.source, it.start))
    return Profile(p.key, p.name, tuple(meetings), tuple(items))


def profile_json(pr: Profile, cite: Callable[[str, int, int, int], int]) -> dict[str, Any]:
    """The profile as JSON; ``cite(source, start, end, article)`` numbers each span (see the README)."""
    dates = {(r.source, r.article): r for r in pr.meetings}

    def item(it: ProfileItem) -> dict[str, Any]:
        r = dates.get((it.source, it.article))
        return {"kind": it.kind, "verb": it.verb, "assignee": it.assignee, "what": it.what,
                "deadline": it.deadline, "deadline_text": it.deadline_text, "keywords": list(it.keywords),
                "source": it.source, "article": it.article, "meeting": r.meeting if r else None,
                "date": r.date if r else None, "year_inferred": r.year_inferred if r else False,
                "date_label": r.date_label if r else "", "start": it.start, "end": it.end,
                "citation": cite(it.source, it.start, it.end, it.article)}

    return {
        "key": pr.key, "name": pr.name,
        "meetings": [{**meeting_role_json(r), "citation": cite(r.source, r.start, r.end, r.article)}
                     for r in pr.meetings],
        "topics": [{"topic": name, "keywords": list(dict.fromkeys(w for it in its for w in it.keywords)),
                    "items": [item(it) for it in its]} for name, its in pr.topics()],
    }


def meeting_role_json(r: MeetingRole) -> dict[str, Any]:
    return {"source": r.source, "article": r.article, "meeting": r.meeting, "date": r.date,
            "date_text": r.date_text, "year_inferred": r.year_inferred, "year_evidence": r.year_evidence,
            "date_label": r.date_label, "roles": list(r.roles), "rank": r.rank, "titles": list(r.titles)}


def meeting_roles(facts: Facts, p: PersonEntry) -> list[MeetingRole]:
    """The person's meetings with roles and titles, by date (``rag who NAME`` shows them without --summary)."""
    return _meeting_roles(facts, p, facts.statements_of(p.key))
