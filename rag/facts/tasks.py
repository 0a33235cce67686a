"""Task ledger: assignments and commitments in a meeting report, with normalised deadlines.

Covers the forms of Vietnamese meeting reports: "<người/cơ quan> giao / yêu cầu / đề nghị / lưu ý <đơn vị>
<việc> [hạn]", the same fronted ("Đối với …, Phó Thủ tướng yêu cầu …") or continued after ";" ("đồng
thời yêu cầu …", "; đồng thời chỉ đạo Chi cục …", "; rà soát …", "; UBND các huyện tổ chức …"), inside a quote ("“Tôi đề nghị Công an tỉnh
…”, ông Hậu yêu cầu"), passive ("Sở Tài chính được giao …", "Sở Văn hóa, Thể thao và Du lịch được giao …",
the assigner being the last one), decisions of
the meeting ("Cuộc họp đã thống nhất thành lập tổ công tác …"), and commitments ("cam kết / khẳng định
[đơn vị] sẽ …", also after a fronted time: "cho biết thêm, trong tháng 3, ngành … sẽ …"). A person told to act
("giao đồng chí Kiên …", "giao Phó Chủ tịch UBND thành phố Đồng Sĩ Nguyên …") is given by full name. Deadlines are normalised by ``rag.facts.deadlines`` against the meeting's date (the lead's
"Chiều 10/7", the year from the publication line or the report's framing).
A clause that announces a list ("… yêu cầu các sở, ngành thực hiện các nhiệm vụ sau:") is no task itself:
each item (``rag.enumeration``: "- Sở Tài chính tham mưu … trước ngày 5/3;", "Thứ nhất, …") is one, given to
the body it opens with, else to the announced addressee. An action after "Đối với <đơn vị>, X yêu cầu" is the
fronted body's.
Every task carries the absolute (start, end) of its clause. Deadlines inside conditions ("nếu … trong
tháng 1") are not deadlines, a consequence after ";" ("; trường hợp vi phạm sẽ bị xử lý …") is not a task,
and a time given as an event ("…, trước khi mùa mưa đến") is neither a deadline nor part of the action.
Who a clause names as the addressee is read by ``rag.facts.assignees``.
Left out: proposals to higher bodies (kiến nghị, đề xuất), targets with no addressee, co-assignees;
the ledger of a whole index and its filters (``Facts.tasks``, ``rag.facts.ledger``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from rag.enumeration import ENUMERATOR, items_after
from rag.facts.assignees import (
    ACTION_RE,
    BODY_NAME,
    HIGHER,
    ITEM_UNIT,
    LOWER_UNIT,
    UNIT_HEAD,
    is_unit,
    split_assignee,
)
from rag.facts.deadlines import DEADLINE, meeting_date, normalise_deadline
from rag.facts.lexicon import mask_quotes
from rag.facts.mentions import Mention, full_name_for, person_mentions
from rag.facts.speech import Statement, is_person_speaker
from rag.textnorm import nfc, sentence_spans
from rag.types import Article
from rag.vi import MEETING_BODY_RE


@dataclass(frozen=True)
class Task:
    kind: str  # "assignment" or "commitment"
    assigner: str | None  # a person's full name, or the body as written ("Cuộc họp")
    assignee: str  # the lead unit or person
    what: str
    due_from: str | None  # ISO date ("2024-07-01") or "--MM-DD" when the meeting has no year
    due_to: str | None  # a single-day deadline has due_from == due_to
    deadline_text: str | None
    meeting: str | None
    source: str
    article: int
    start: int
    end: int

    @property
    def deadline(self) -> str | dict[str, str] | None:
        """A single date, a period {"from", "to"}, or None."""
        if self.due_to is None:
            return None
        if self.due_from is None or self.due_from == self.due_to:
            return self.due_to
        return {"from": self.due_from, "to": self.due_to}

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["deadline"] = self.deadline
        return d


# --- tasks --------------------------------------------------------------------------------------------

_FRONT = (
    r"(?:Đối với\s+(?P<front>[^;“”]{1,80}?),\s*(?=[^,;“”]{0,80}?(?:giao|yêu cầu|đề nghị|lưu ý)\s)"
    r"|(?:Đối với|Đồng thời|Kết luận|Phát biểu|Tại|Về|Riêng)[^;“”]{0,160}?,\s*)?"
)
_ASSIGN = re.compile(
    rf"{_FRONT}(?:“)?(?P<subj>(?:(?:[A-ZĐÂĂÊÔƠƯ]|ông\s|bà\s|đồng chí\s)[^,;“”]{{0,80}}?)?)\s*"
    r"(?:(?:cũng|đồng thời|đã|tiếp tục)\s+)*(?<!bàn )(?<!Bàn )(?<!được )(?P<verb>giao|yêu cầu|đề nghị|lưu ý|(?<=đồng thời )chỉ đạo)\s+"
    r"(?!(?:của|về|này|đó|tại|trên|và|thì|là)\b)"
)
# "cho biết thêm, trong tháng 3, ngành … sẽ …": a time phrase may be fronted before the unit that commits, and so
# may a condition ("Theo ông, nếu được hỗ trợ, hợp tác xã sẽ …": still an undertaking, the condition out of it). The
# unit is the speaker's own body, often by its common noun ("trung tâm sẽ …", "lực lượng Biên phòng sẽ …", "quận
# Hòa Bình sẽ …").
# "hứa" commits like "cam kết" ("Thượng tá Luân hứa Công an tỉnh sẽ …"); "không hứa" in a quote does not, and the
# surname "Hứa" is upper-case. "Theo <người>, sở sẽ …" opening a clause is the speaker's own undertaking too.
_COMMIT = re.compile(
    r"(?P<verb>cam kết|khẳng định|cho biết|(?<!không )hứa|^(?:Cũng\s+)?Theo\s+(?!báo cáo)[^,;“”]{1,80}?(?=,))"
    r"(?:\s+thêm)?(?:\s*,)?\s+(?:(?:rằng)\s+)?"
    r"(?:(?:trong|trước|từ nay đến|đến hết|chậm nhất|vào|nếu)\s[^,;“”]{1,30},\s*)?"
    r"(?P<unit>(?:tỉnh|huyện|thành phố|thị xã|xã|quận|phường|hợp tác xã|liên minh|lực lượng|trung tâm|chi cục|sở|cơ quan|"
    r"chi nhánh|công ty|doanh nghiệp|đơn vị|ngành|nhà thầu|liên danh|nhà trường|trường|bệnh viện|sàn|hiệp hội|"
    r"hội(?!\s+(?:nghị|thảo|chợ|viên|đồng|thi))|tập đoàn|tổng công ty|ngân hàng|bưu điện|"
    + UNIT_HEAD + r")(?!\w)[^,;“”]{0,60}?\s+)?(?:cũng\s+)?sẽ\s+"
)
# "Sở Y tế, Sở Tài chính được giao …": the first body leads, as after "giao" (``split_assignee``)
_PASSIVE = re.compile(rf"{_FRONT}(?P<unit>{BODY_NAME})(?:,\s*{BODY_NAME})*\s+được giao\s+(?:nhiệm vụ\s+)?")
_MEETING_DECISION = re.compile(
    rf"(?P<body>{MEETING_BODY_RE})\s+(?:(?:cũng|đã)\s+)*thống nhất\s+"
    r"(?:(?P<verb>giao|đề nghị|yêu cầu)\s+|thành lập\s+(?P<new>[^,;]+?)(?:\s+do\s|\s*,))"
)
_UNIT_WILL = re.compile(rf"(?:[^,;“”]{{0,60}},\s*)?(?P<unit>{UNIT_HEAD}\s[^,;“”]{{1,60}}?)\s+(?:cũng\s+)?sẽ\s+")
_CLAUSE_UNIT = re.compile(rf"(?:{UNIT_HEAD}|các|Các)\s")
_TAIL_DONE = re.compile(r",\s*(?:hoàn thành|xong)\s*$")
_CONDITION = re.compile(r",?\s+nếu\s")  # a deadline after it is the condition's, not the task's
# A time given as an event, at the end of the action: a deadline that has no date ("…, trước khi mùa mưa đến").
# So are a feast ("trước Tết Nguyên đán") and "throughout" a season ("trong suốt mùa nắng nóng").
_TAIL_WHEN = re.compile(r",?\s+(?:trước khi\s|trước Tết(?!\w)|trong suốt\s)[^,;]*$")
_RUN_ON_LIST = re.compile(rf":(?=\s*(?:{ENUMERATOR.pattern}))")
_CONDITION_OPENING = re.compile(r"(?:trường hợp|nếu|khi)\s", re.IGNORECASE)


@dataclass
class _Ctx:
    text: str
    statements: Sequence[Statement]
    meet: tuple[int | None, int, int] | None
    meeting: str | None
    source: str
    article: int
    offset: int
    people: Sequence[Mention] = ()
    last_assigner: str | None = None


def _statement_at(ctx: _Ctx, pos: int) -> Statement | None:
    """The (last) statement covering ``pos``."""
    best = None
    for st in ctx.statements:
        if st.start - ctx.offset <= pos < st.end - ctx.offset:
            best = st
    return best


def _speaker_at(ctx: _Ctx, pos: int) -> str | None:
    """Who speaks at ``pos``: a person, a body or its representative, or the meeting; not a group."""
    st = _statement_at(ctx, pos)
    return None if st is None or st.provenance == "group" else st.speaker


def _last_person_before(ctx: _Ctx, pos: int) -> str | None:
    people = [st for st in ctx.statements if st.start - ctx.offset < pos and is_person_speaker(st)]
    return people[-1].speaker if people else None


def _addressee(ctx: _Ctx, unit: str, at: int) -> str:
    """A person told to act, by full name: "Phó Chủ tịch UBND thành phố Đồng Sĩ Nguyên" (title and name) or
    "Kiên" (after "đồng chí"), resolved against the people named before; any other addressee as written."""
    for m in ctx.people:
        if at <= m.name_start and m.name_end == at + len(unit):
            return m.name
    words = unit.split()
    if len(words) <= 2 and all(w[:1].isupper() and not w.isupper() for w in words):
        full = full_name_for(words, [m for m in ctx.people if m.start < at])
        return full.name if full else unit
    return unit


def _deadline(ctx: _Ctx, clause: str) -> tuple[str | None, str | None, str | None, int, int]:
    cond = _CONDITION.search(clause)
    scope = clause[: cond.start()] if cond else clause
    found = list(DEADLINE.finditer(scope))
    if not found:
        return None, None, None, len(clause), len(clause)
    m = found[-1]
    f, t = normalise_deadline(m, ctx.meet)
    return f, t, m.group(), m.start(), m.end()


def _make(ctx: _Ctx, kind: str, assigner: str | None, assignee: str, clause: str, cs: int, what_start: int) -> Task:
    f, t, dtext, ds, _ = _deadline(ctx, clause)
    what = clause[what_start : ds if ds > what_start else len(clause)]
    what = what.split("”")[0] if "“" not in what else what  # a request inside a quote ends with it
    what = re.sub(r"^(?:[^,;]*?,\s*có nhiệm vụ\s+)?(?:phải\s+)?", "", what.strip(" ,"))
    what = _TAIL_DONE.sub("", _TAIL_WHEN.sub("", what)).strip(" ,")
    return Task(kind, assigner, assignee, what, f, t, dtext, ctx.meeting, ctx.source, ctx.article,
                ctx.offset + cs, ctx.offset + cs + len(clause))


def _clauses(text: str, masked: str, s: int, e: int) -> list[tuple[int, int]]:
    out, pos = [], s
    for i in range(s, e):
        if masked[i] == ";":
            out.append((pos, i))
            pos = i + 1
    out.append((pos, e))
    res = []
    for a, b in out:
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1] in " .!?":
            b -= 1
        if b > a:
            res.extend(_split_two_deadlines(text, a, b))
    return res


def _split_two_deadlines(text: str, a: int, b: int) -> list[tuple[int, int]]:
    """"… trước 15/9 và hoàn tất … trong tháng 9": two tasks, cut at the "và" between the deadlines."""
    found = list(DEADLINE.finditer(text, a, b))
    if len(found) >= 2:
        j = text.find(" và ", found[0].end(), found[1].start())
        if j >= 0 and j - found[0].end() <= 2:
            return [(a, found[0].end()), (j + 4, b)]
    return [(a, b)]


def _clause_task(ctx: _Ctx, clause: str, cs: int, prev: Task | None) -> Task | None:
    pm = _PASSIVE.match(clause)
    if pm:
        who = ctx.last_assigner or _last_person_before(ctx, cs)
        return _make(ctx, "assignment", who, pm.group("unit").strip(), clause, cs, pm.end())
    md = _MEETING_DECISION.search(clause)
    if md:
        body = md.group("body")
        if md.group("new"):
            return _make(ctx, "assignment", body, md.group("new").strip(), clause, cs, md.end())
        unit, p = split_assignee(clause[md.end() :])
        if unit:
            unit = _addressee(ctx, unit, cs + md.end())
            return _make(ctx, "assignment", body, unit, clause, cs, md.end() + p)
    am = _ASSIGN.match(clause)
    if am and am.group("verb") == "chỉ đạo" and am.group("subj").strip():
        am = None  # "Sở Y tế đồng thời chỉ đạo các bệnh viện …": the body's own action, not the speaker's directive
    if am and (st := _statement_at(ctx, cs + am.start("verb"))) is not None and st.provenance == "group":
        am = None  # participants' proposals ("Các đại biểu đề nghị tỉnh …") are not tasks
    if am:
        unit, p = split_assignee(clause[am.end() :])
        front = am.group("front")
        if not unit and front and ACTION_RE.match(clause, am.end()) and is_unit(front):
            unit, p = front.strip(), 0  # "Đối với Ban Quản lý …, đồng chí Bảo yêu cầu phối hợp …": the fronted unit
        if unit and am.group("verb") == "đề nghị" and HIGHER.match(unit):
            unit = ""
        if unit:
            unit = _addressee(ctx, unit, cs + am.end())
            who = _speaker_at(ctx, cs + am.start("verb")) or (prev.assigner if prev else None)
            return _make(ctx, "assignment", who, unit, clause, cs, am.end() + p)
    cm = _COMMIT.search(clause)
    if cm:
        st = _statement_at(ctx, cs + cm.start())
        who = _speaker_at(ctx, cs + cm.start())
        if cm.group("verb").startswith(("Theo", "Cũng")) and (st is None or st.verb != "theo"):
            who = None  # "Theo kế hoạch, tỉnh sẽ …": a plan, unless the "Theo" names the speaker
        if who is not None:
            unit = (cm.group("unit") or "").strip() or re.sub(r"^[Đđ]ại diện\s+", "", who)
            return _make(ctx, "commitment", who, unit, clause, cs, cm.end())
    um = _UNIT_WILL.match(clause)
    if um:  # "Cục Thuế sẽ tập trung …" in a body's or a person's running statement
        who = _speaker_at(ctx, cs)
        if who is not None:
            return _make(ctx, "commitment", who, um.group("unit").strip(), clause, cs, um.end())
    if prev is not None:  # "; rà soát …" or "; UBND các huyện tổ chức …" continue the previous task
        if _CONDITION_OPENING.match(clause):
            return None  # "; trường hợp vi phạm sẽ bị xử lý …": a consequence, not a further task
        if clause[:1].islower() and not _CLAUSE_UNIT.match(clause):
            return _make(ctx, prev.kind, prev.assigner, prev.assignee, clause, cs, 0)
        if _CLAUSE_UNIT.match(clause):
            unit, p = split_assignee(clause)
            if unit:
                return _make(ctx, prev.kind, prev.assigner, unit, clause, cs, p)
    return None


def extract_tasks(
    text: str, *, source: str, statements: Sequence[Statement] = (), article: int = 0, offset: int = 0,
    meeting: str | None = None,
) -> list[Task]:
    """Tasks of one article's text (``statements`` from the same text, ``offset``-shifted alike)."""
    text = nfc(text)
    masked = mask_quotes(text)
    ctx = _Ctx(text, statements, meeting_date(text), meeting, source, article, offset, person_mentions(text, masked))
    out: list[Task] = []
    items_end = 0  # the end of the list items already read with the clause that announced them
    for s, e in sentence_spans(text):
        if s < items_end:
            continue
        prev: Task | None = None
        for cs, ce in _clauses(text, masked, s, e):
            # "… bốn nhóm nhiệm vụ sau: Thứ nhất, …. Thứ hai, …": a list run on in the paragraph announces its items
            # from its colon, as a list under the sentence does
            colon = _RUN_ON_LIST.search(masked, cs, ce)
            ce = colon.start() + 1 if colon else ce
            # a clause inside a quote is read from the quote's own words
            t = _clause_task(ctx, text[cs:ce], cs, prev)
            items = items_after(text, ce if colon else e) if t is not None and text[cs:ce].endswith(":") else []
            if t is not None and items:
                # "… tập trung thực hiện các nhiệm vụ sau:" announces the tasks of its items and is none itself
                for a, b in items:
                    out.extend(_list_item_tasks(ctx, text, masked, a, b, t))
                items_end = items[-1][1]
                continue
            if t is not None:
                out.append(t)
                if t.assigner:
                    ctx.last_assigner = t.assigner if t.kind == "assignment" else ctx.last_assigner
                prev = t
    return out


def _list_item_tasks(ctx: _Ctx, text: str, masked: str, s: int, e: int, listing: Task) -> list[Task]:
    """The tasks of one list item (``rag.enumeration``) after an announcing clause: "- Sở Tài chính tham mưu …,
    trình UBND tỉnh trước ngày 5/3;" is Sở Tài chính's task from the announcer; an item that opens with the
    action ("- Rà soát …") is the announced addressee's."""
    out: list[Task] = []
    prev: Task | None = None
    marker = ENUMERATOR.match(text, s)
    s = marker.end() if marker else s
    s += len(text[s:e]) - len(text[s:e].lstrip(" ,"))  # "Thứ nhất, …"
    for cs, ce in _clauses(text, masked, s, e):
        clause = text[cs:ce].rstrip(";")
        if prev is not None:
            t = _clause_task(ctx, clause, cs, prev)
        else:
            unit, p = ("", 0) if ACTION_RE.match(clause[:1].lower() + clause[1:]) else split_assignee(clause)
            if unit and not (ITEM_UNIT.match(unit) or LOWER_UNIT.match(unit)):
                unit, p = "", 0
            # an item with no addressee of its own is the announced addressee's
            t = _make(ctx, listing.kind, listing.assigner, unit or listing.assignee, clause, cs, p)
        if t is not None:
            out.append(t)
            prev = t
    if out and listing.assigner and listing.kind == "assignment":
        ctx.last_assigner = listing.assigner
    return out


def tasks_for_articles(
    text: str, articles: Iterable[Article], statements: Sequence[Statement], meetings: dict[int, str] | None = None
) -> list[Task]:
    """Tasks of every article of one source text."""
    out: list[Task] = []
    for a in articles:
        own = [st for st in statements if st.article == a.index]
        out.extend(extract_tasks(text[a.start : a.end], source=a.source, statements=own, article=a.index,
                                 offset=a.start, meeting=(meetings or {}).get(a.index)))
    return out

