"""The facts of one meeting report: what meeting, when, where, who chaired, bridge points, who
attended, the tasks handed out and the decisions taken, each with the (start, end) span it is read from.

Covers the opening paragraph forms of Vietnamese reports ("Ngày 07/12, tại Hà Nội, Bộ Công an tổ chức
Hội nghị ...", "Chiều 10/7, Ban Chỉ đạo ... tổ chức hội nghị sơ kết công tác phòng, chống tội phạm ...,
triển khai nhiệm vụ ...", "... có buổi làm việc với UBND tỉnh ... về ..."): the meeting's name runs from
the meeting noun to the end of its topic, across commas, and stops before place, form, bridge points,
participants and purpose (a "tại" phrase that runs on to "trên địa bàn tỉnh", or one of a plural "tại các …", is
the topic's); its date is ``rag.dates.meeting_date`` (the lead's day and month, the year
only when the report fixes it, kept with the text that fixed it), else a full date of the head or the
publication date. Also chair sentences ("<người>, <chức vụ> chủ trì", "<người>, <chức vụ>, chủ trì", "... và
đồng chí ... đồng chủ trì", "do <người>, <chức vụ>, làm trưởng đoàn"), bridge points ("Tại điểm cầu tỉnh Bắc Ninh, đồng chí ... chủ trì"; "kết nối đến điểm cầu Công an
63 tỉnh"), attendance sentences ("Dự Hội nghị có ...") and people told to act by name with their title ("giao đồng chí
…, Phó Giám đốc Sở …, …"), who take part as participants, and tasks read from assignment/requirement
statements ("giao Sở ... hoàn thành trước ngày 30/11/2024").
All offsets are absolute in the source text. Left out: meetings described across several articles, a
meeting named only as the subject of the lead ("Hội nghị ... diễn ra ..."), attendance given only as
groups without names, and dates written only in words.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from rag.articles import date_span
from rag.dates import DATE_LINE, date_label, meeting_date
from rag.facts.lexicon import mask_quotes
from rag.facts.mentions import Mention, person_mentions
from rag.facts.speech import Statement, extract_statements
from rag.textnorm import nfc, sentence_spans
from rag.types import Article
from rag.vi import CHAIR_VERB, GIAO_OTHER_WORD_RE, MEETING_BODY_RE, PUBLISHED


@dataclass(frozen=True)
class Fact:
    value: str
    start: int
    end: int


@dataclass(frozen=True)
class Person:
    name: str
    title: str
    start: int
    end: int


@dataclass(frozen=True)
class Bridge:
    place: str
    chair: Person | None
    start: int
    end: int


@dataclass(frozen=True)
class Task:
    who: str  # the unit or people the task is given to, as written
    what: str
    deadline: str | None  # as written: "trước ngày 30/11/2024", "trong tháng 11/2024"
    assigned_by: str | None  # speaker's full name when the task comes from a statement
    start: int  # the sentence the task is read from
    end: int


@dataclass(frozen=True)
class Meeting:
    source: str
    article: int
    title: Fact | None
    name: Fact | None  # "Hội nghị tổng kết công tác ..."
    date: Fact | None  # value: ISO yyyy-mm-dd
    place: Fact | None
    chairs: tuple[Person, ...]
    bridges: tuple[Bridge, ...]
    participants: tuple[Person, ...]
    tasks: tuple[Task, ...]
    decisions: tuple[Fact, ...]
    start: int
    end: int
    date_text: str | None = None  # the date phrase as written ("Chiều 10/7"); ``date`` holds its span
    year_inferred: bool = False  # the year comes from elsewhere in the report than the date phrase
    year_evidence: Fact | None = None  # what fixed the year ("11/07/2024"); None when there is no year

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Meeting:
        """The inverse of ``to_dict`` (facts saved with the index are read back with it)."""

        def fact(x: dict[str, Any] | None) -> Fact | None:
            return Fact(**x) if x else None

        def person(x: dict[str, Any] | None) -> Person | None:
            return Person(**x) if x else None

        return cls(
            d["source"], d["article"], fact(d["title"]), fact(d["name"]), fact(d["date"]), fact(d["place"]),
            tuple(Person(**x) for x in d["chairs"]),
            tuple(Bridge(b["place"], person(b["chair"]), b["start"], b["end"]) for b in d["bridges"]),
            tuple(Person(**x) for x in d["participants"]), tuple(Task(**x) for x in d["tasks"]),
            tuple(Fact(**x) for x in d["decisions"]), d["start"], d["end"],
            d.get("date_text"), bool(d.get("year_inferred")), fact(d.get("year_evidence")),
        )

    @property
    def date_label(self) -> str:
        """The date as shown: "10/07/2024 (năm suy ra)", "18/09 (không rõ năm)", or "" (``rag.dates``)."""
        return date_label(self.date.value if self.date else None, self.year_inferred)

    @property
    def label(self) -> str:
        for f in (self.name, self.title):
            if f is not None:
                return f.value
        return f"{self.source} #{self.article}"


# "tại các …" (a plural) is the class of places the topic is about, not a venue (see _TOPIC_AT)
_PLACE = re.compile(r"\s*,?\s*tại\s+(?!(?:các|những|mọi)\s)([^,.;\n]{3,90}?)(?=\s*[,.;\n]|\s+(?:tổ chức|diễn ra|đã)\s)")
# The meeting as the lead names it: from the meeting noun after "tổ chức / diễn ra / khai mạc / có" to the end
# of its topic (across commas: "phòng, chống tội phạm …, triển khai nhiệm vụ …"), stopping before the
# circumstances: place, form, bridge points, participants, purpose.
_NAME_START = re.compile(
    r"(?:tổ chức|diễn ra|khai mạc|(?<!\w)có)\s+((?:[Hh]ội nghị|[Hh]ội thảo|[Cc]uộc họp|[Pp]hiên họp|[Bb]uổi làm việc|"
    r"[Cc]uộc làm việc|[Bb]uổi họp|[Ll]ễ|[Hh]ọp)(?!\w))"
)
_NAME_STOP = re.compile(
    r"\s*,?\s+(?:tại|dưới hình thức|theo hình thức|bằng hình thức|kết nối|nhằm|do|với sự|với các điểm cầu|"
    r"với(?=\s+\d)|có sự|từ trụ sở|trong (?:hai|ba|\d+) ngày|vào (?:sáng|chiều|tối))(?!\w)|\s*[.;:\n(]"
)
# "về … an toàn thực phẩm tại bếp ăn bán trú trong các trường học trên địa bàn tỉnh": a "tại" phrase that runs on to
# "trên địa bàn <cấp>" is where the topic lies, not where the meeting sits (a venue is not "trên địa bàn").
_TOPIC_AT = re.compile(
    r"\s+tại\s+[^,.;:\n“”]{1,90}?\s+trên địa bàn\s+(?:tỉnh|thành phố|huyện|quận|thị xã|xã|phường)"
    r"(?:\s+[A-ZĐ]\w*)*(?!\w)"
    # "thực hiện cơ chế tự chủ tại các bệnh viện công lập": a venue is one place, so "tại" + a plural (các, những,
    # mọi) names the class of places the topic is about; only the words "tại các" are passed over, the next stop
    # is looked for after them ("tại các điểm cầu" is the bridge points, a circumstance)
    r"|\s+tại\s+(?:các|những|mọi)\s+(?!điểm cầu)"
)
_NAME_WORDS = 60  # longer runs are a sentence, not a name
_BRIDGE_LEAD = re.compile(r"[Tt]ại điểm cầu\s+([^,;.]+?)\s*,\s*")
# The chair named after the verb: "(Dự và) chủ trì hội nghị có bà …", "Chủ trì buổi làm việc là ông …": the
# fronted verb opens the clause and "có"/"là" introduces the chairs, who then follow as in a list of attendees.
_CHAIR_FRONTED = re.compile(
    r"\s*(?:(?:[Dd]ự|[Tt]ham dự)\s+và\s+)?(?:[Đđ]ồng\s+)?[Cc]hủ trì(?:\s+(?:hội nghị|cuộc họp|buổi làm việc|phiên họp))?"
    r"\s+(?:có|là)\s+"
)
_BRIDGE_ANY = re.compile(r"(?<!\w)(?:đến|tới|và|với)\s+điểm cầu\s+([^;.\n]+?)(?=\s*(?:[;.\n]|$|\s(?:dưới hình thức|và tại)))")
_ATTEND = re.compile(r"(?:[Dd]ự|[Tt]ham dự|[Tt]ới dự|[Cc]ùng dự|[Cc]ùng tham dự)\b")
_DECISION = re.compile(rf"{MEETING_BODY_RE}\s+(?:đã\s+|cũng\s+)?(?:thống nhất|quyết định|thông qua|biểu quyết|nhất trí)")
DEADLINE = re.compile(
    r"(?:trước|chậm nhất|hạn chót|xong trong|trong|ngay trong)\s+"
    r"(?:\d{1,2}\s+giờ\s+)?(?:(?:ngày\s+)?\d{1,2}/\d{1,2}(?:/\d{4})?|tháng\s+\d{1,2}(?:/\d{4})?|quý\s+[IV]+(?:/\d{4})?|"
    r"ngày\s+\d{1,2}\s+tháng\s+\d{1,2}(?:\s+năm\s+\d{4})?)"
)
# "giao" assigns a task, but not as the first syllable of "giao thông", "giao ban", "giao dịch" ...
_GIAO_WORD = rf"(?!{GIAO_OTHER_WORD_RE})"
_ASSIGN = re.compile(r"(?<!\w)(giao\s+" + _GIAO_WORD + r"|yêu cầu\s+|đề nghị\s+|chỉ đạo\s+)")
_ACTION = re.compile(
    r"\s(?:chủ trì|phối hợp|hoàn thành|hoàn thiện|kiểm tra|tham mưu|(?<!Quản lý )(?<!Sở )xây dựng|rà soát|cân đối|"
    r"khẩn trương|triển khai|thực hiện|báo cáo|nghiên cứu|tổ chức|hướng dẫn|theo dõi|đôn đốc|bố trí|trình|lập|"
    r"tăng cường|giải quyết|xử lý|cập nhật|khắc phục|tiếp tục|phấn đấu|tập trung|sớm|tuyệt đối|chủ động|"
    r"quyết liệt|đẩy mạnh|xem xét|bảo đảm|đảm bảo|sơ tán|đề xuất|kịp thời|nghiêm túc|phải|cần|thường xuyên)(?!\w)"
)
# The verb that gives a task right before the person it is given to ("giao đồng chí …", "phân công ông …").
_TOLD_BY_NAME = re.compile(r"(?<!\w)(?:giao|phân công|yêu cầu|đề nghị)\s+(?:cho\s+)?$")
_TASK_KINDS = {"assignment", "requirement", "direction", "conclusion", "proposal"}


def _date(text: str, offset: int) -> tuple[Fact | None, str | None, bool, Fact | None]:
    """(date, date phrase, year inferred, year evidence): the lead's (``rag.dates``), else a full date of the
    head or the publication date (``rag.articles.date_span``), which is then not marked inferred."""
    md = meeting_date(text)
    if md is None:
        found = date_span(text)
        if found is None:
            return None, None, False, None
        return Fact(found[0], offset + found[1], offset + found[2]), text[found[1] : found[2]], False, None
    ev = (Fact(md.evidence, offset + md.evidence_start, offset + md.evidence_end)
          if md.evidence is not None and md.evidence_start is not None and md.evidence_end is not None else None)
    return Fact(md.iso, offset + md.start, offset + md.end), md.text, md.year_inferred, ev


def _name(text: str, masked: str, s: int, e: int, offset: int) -> Fact | None:
    nm = _NAME_START.search(masked, s, e)
    if nm is None:
        return None
    stop = _NAME_STOP.search(masked, nm.end(1), e)
    while stop and (topic := _TOPIC_AT.match(masked, stop.start(), e)):
        stop = _NAME_STOP.search(masked, topic.end(), e)  # "tại bếp ăn … trên địa bàn tỉnh" is the topic's
    end = stop.start() if stop else e
    val = text[nm.start(1) : end].rstrip(" ,")
    if len(val) <= len(nm.group(1)) or len(val.split()) > _NAME_WORDS:
        return None  # "tổ chức hội nghị." names no meeting
    return Fact(val[0].upper() + val[1:], offset + nm.start(1), offset + nm.start(1) + len(val))


def _title(text: str, offset: int) -> Fact | None:
    first = text.lstrip()
    lead = len(text) - len(first)
    line = first.split("\n", 1)[0]
    if DATE_LINE.match(line) and "\n" in first:  # the publication line above the headline
        rest = first.split("\n", 1)[1]
        lead += len(first) - len(rest.lstrip())
        first = rest.lstrip()
        line = first.split("\n", 1)[0]
    clean = line.lstrip("#").strip()
    if 3 <= len(clean.split()) <= 40 and clean[-1:] not in ".;:," and not PUBLISHED.match(clean):
        s = lead + line.index(clean)
        return Fact(clean, offset + s, offset + s + len(clean))
    return None


def _clauses(text: str, s: int, e: int) -> list[tuple[int, int]]:
    out, pos = [], s
    for m in re.finditer(r";\s*", text[s:e]):
        out.append((pos, s + m.start()))
        pos = s + m.end()
    out.append((pos, e))
    return out


def _person(m: Mention, offset: int) -> Person:
    return Person(m.name, m.title, offset + m.start, offset + m.end)


def _chairs_in(text: str, mentions: Sequence[Mention], cs: int, ce: int) -> tuple[list[Mention], int] | None:
    fm = _CHAIR_FRONTED.match(text, cs, ce)
    if fm:
        after = [m for m in mentions if fm.end() <= m.start and m.end <= ce]
        if not after or text[fm.end() : after[0].start].strip():
            return None
        chain = [after[0]]
        for m in after[1:]:  # "có ông A, …, và ông B, …": only "," / "và" between one chair's title and the next
            if not re.fullmatch(r"\s*(?:,|và|cùng)?\s*(?:và\s+)?", text[chain[-1].end : m.start]):
                break
            chain.append(m)
        return chain, fm.start()
    vm = CHAIR_VERB.search(text, cs, ce)
    if not vm or re.search(r"(?<!\w)giao\s+" + _GIAO_WORD, text[cs : vm.start()]):
        return None
    inside = [m for m in mentions if cs <= m.start and m.end <= vm.start()]
    # "<người>, <chức vụ>, chủ trì hội nghị": a comma may close the appositive before the verb
    if not inside or text[inside[-1].end : vm.start()].strip(" ,"):
        return None
    chain = [inside[-1]]
    for m in reversed(inside[:-1]):
        if re.fullmatch(r"\s*(?:,|và|cùng)?\s*(?:và\s+)?", text[m.end : chain[0].start]):
            chain.insert(0, m)
        else:
            break
    return chain, vm.start()


def extract_meeting(
    text: str, *, source: str, article: int = 0, date: str | None = None, offset: int = 0,
    statements: Sequence[Statement] | None = None,
) -> Meeting:
    """The meeting an article reports on. ``text`` is the article's text, ``offset`` its start in the source."""
    text = nfc(text)
    masked = mask_quotes(text)
    mentions = person_mentions(text, masked)
    if statements is None:
        statements = extract_statements(text, source=source, article=article, date=date, offset=offset)
    date_f, date_text, year_inferred, evidence = _date(text, offset)
    name_f = place_f = None
    chairs: list[Person] = []
    bridges: list[Bridge] = []
    participants: list[Person] = []
    decisions: list[Fact] = []
    for s, e in sentence_spans(text):
        if name_f is None and s < 1200:
            name_f = _name(text, masked, s, e, offset)
        if place_f is None and date_f is not None and s <= date_f.start - offset < e:
            pm = _PLACE.match(masked, date_f.end - offset, e) or _PLACE.search(masked, s, e)
            if pm:
                place_f = Fact(pm.group(1).strip(), offset + pm.start(1), offset + pm.end(1))
        for cs, ce in _clauses(masked, s, e):
            lead = _BRIDGE_LEAD.match(masked, cs, ce)
            found = _chairs_in(text, mentions, cs, ce)
            if lead and found:
                for m in found[0]:
                    bridges.append(Bridge(lead.group(1).strip(), _person(m, offset), offset + cs, offset + ce))
            elif found:
                chairs.extend(_person(m, offset) for m in found[0])
            elif "điểm cầu" in masked[cs:ce]:
                for bm in _BRIDGE_ANY.finditer(masked, cs, ce):
                    bridges.append(Bridge(bm.group(1).strip(), None, offset + cs, offset + ce))
        if _ATTEND.match(masked, s, e):
            chair_names = {c.name for c in chairs}
            participants.extend(
                _person(m, offset) for m in mentions if s <= m.start < e and m.name not in chair_names
            )
        if _DECISION.match(masked, s, e):
            decisions.append(Fact(text[s:e], offset + s, offset + e))
    # A person told to act by name ("giao đồng chí Lộc Văn Tiến, Phó Giám đốc Sở …, trực tiếp chỉ đạo …") takes
    # part in the meeting as much as an attendee does: the report names them and their title there.
    taken = {c.name for c in chairs} | {p.name for p in participants}
    participants.extend(
        _person(m, offset) for m in mentions
        if m.name not in taken and m.end > m.name_end and _TOLD_BY_NAME.search(masked, max(0, m.start - 30), m.start)
    )
    tasks = [t for st in statements if st.kind in _TASK_KINDS for t in tasks_in_statement(st, text, offset)]
    return Meeting(
        source=source, article=article, title=_title(text, offset), name=name_f, date=date_f, place=place_f,
        chairs=tuple(_dedupe(chairs)), bridges=tuple(bridges), participants=tuple(_dedupe(participants)),
        tasks=tuple(tasks), decisions=tuple(decisions), start=offset, end=offset + len(text),
        date_text=date_text, year_inferred=year_inferred, year_evidence=evidence,
    )


def _dedupe(people: Iterable[Person]) -> list[Person]:
    seen: set[str] = set()
    out = []
    for p in people:
        if p.name not in seen:
            seen.add(p.name)
            out.append(p)
    return out


def tasks_in_statement(st: Statement, text: str, offset: int = 0) -> list[Task]:
    """Tasks given in a statement: every "giao <đơn vị> <việc>" clause, and "yêu cầu/đề nghị/chỉ đạo
    <đơn vị> <việc>" clauses that name a unit (capitalised) or carry a deadline."""
    body = text[st.start - offset : st.end - offset]
    out: list[Task] = []
    for s, e in sentence_spans(body):
        sent = body[s:e]
        for m in _ASSIGN.finditer(sent):
            clause_end = len(sent)
            nxt = re.search(r";|\.\s|(?<!\w)(?:giao\s+" + _GIAO_WORD + r"|đồng thời\s)", sent[m.end() :])
            if nxt:
                clause_end = m.end() + nxt.start()
            clause = sent[m.end() : clause_end].rstrip(" .;,")
            act = _ACTION.search(" " + clause)
            if not act or act.start() == 0:
                continue
            who = clause[: act.start()].strip(" ,")
            what = clause[act.start() :].strip(" ,")
            dl = DEADLINE.search(clause)
            if not m.group(1).startswith("giao") and not (who[:1].isupper() or dl):
                continue
            if len(who.split()) > 12 or not who:
                continue
            out.append(Task(who, what, dl.group(0) if dl else None, st.speaker, st.start + s, st.start + e))
    return out


def meetings_for_articles(text: str, articles: Iterable[Article], statements: Sequence[Statement] = ()) -> list[Meeting]:
    """One ``Meeting`` per article (objects with source, index, date, start, end) of one source text."""
    out = []
    for a in articles:
        own = [s for s in statements if s.source == a.source and s.article == a.index] if statements else None
        out.append(
            extract_meeting(
                text[a.start : a.end], source=a.source, article=a.index, date=a.date, offset=a.start, statements=own
            )
        )
    return out
