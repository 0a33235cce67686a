"""Task ledger: assignments and commitments in a meeting report, with normalised deadlines.

Covers the forms of Vietnamese meeting reports: "<người/cơ quan> giao / yêu cầu / đề nghị / lưu ý <đơn vị>
<việc> [hạn]", the same fronted ("Đối với …, Phó Thủ tướng yêu cầu …") or continued after ";" ("đồng
thời yêu cầu …", "; rà soát …", "; UBND các huyện tổ chức …"), inside a quote ("“Tôi đề nghị Công an tỉnh
…”, ông Hậu yêu cầu"), passive ("Sở Tài chính được giao …", the assigner being the last one), decisions of
the meeting ("Cuộc họp đã thống nhất thành lập tổ công tác …"), and commitments ("cam kết / khẳng định
[đơn vị] sẽ …"). Deadlines are normalised by ``rag.facts.deadlines`` against the meeting's date (the lead's
"Chiều 10/7", the year from the publication line or the report's framing).
Every task carries the absolute (start, end) of its clause. Deadlines inside conditions ("nếu … trong
tháng 1") are not deadlines.
Left out: proposals to higher bodies (kiến nghị, đề xuất), targets with no addressee, co-assignees;
the ledger of a whole index and its filters (``Facts.tasks``, ``rag.facts.ledger``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from rag.facts.deadlines import DEADLINE, meeting_date, normalise_deadline
from rag.facts.lexicon import mask_quotes
from rag.facts.speech import Statement, is_person_speaker
from rag.textnorm import nfc, sentence_spans
from rag.types import Article


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


# --- assignees ----------------------------------------------------------------------------------------

_ACTIONS = (
    "chủ trì", "phối hợp", "rà soát", "xây dựng", "tăng cường", "kiện toàn", "chỉ đạo", "khẩn trương", "thẩm định",
    "tham mưu", "tập trung", "hoàn thành", "hoàn thiện", "hoàn tất", "nghiên cứu", "tiếp tục", "phải", "tổ chức",
    "đôn đốc", "cân đối", "triển khai", "thu hồi", "mở", "báo cáo", "bàn giao", "kiên quyết", "sớm", "chủ động",
    "thực hiện", "xử lý", "cắt giảm", "bố trí", "trình", "nâng", "đẩy mạnh", "quyết liệt", "khắc phục", "bảo đảm",
    "đảm bảo", "giải ngân", "có", "cần", "ban hành", "cập nhật", "hướng dẫn", "làm", "theo dõi", "kiểm tra",
    "nghiệm thu", "di dời", "chấm dứt", "quan tâm", "hỗ trợ", "khởi công", "thanh toán", "rà", "gửi", "lập",
    "giao", "thành lập", "nâng cao", "đề xuất", "tham gia", "vận động", "tuyên truyền", "số hóa", "chuẩn bị",
    "kịp thời", "nghiêm túc", "tích cực", "thường xuyên", "đẩy nhanh", "tổng hợp", "phân bổ", "điều tra", "truy xét",
    "xác minh", "thanh tra", "ngăn chặn", "lắp đặt", "phun", "tiêu diệt", "vệ sinh", "xét nghiệm", "điều trị",
    "cưỡng chế", "truy thu", "công khai", "tập huấn", "bổ sung", "điều chỉnh", "sắp xếp", "xử phạt", "đình chỉ",
    "niêm phong", "sơ tán", "dứt điểm", "cung cấp", "khảo sát", "đánh giá", "tổng kết", "sơ kết", "duy trì",
    "mở rộng", "cải tạo", "sửa chữa", "nâng cấp", "thẩm tra", "phê duyệt", "tăng", "giảm", "ra quân", "ký", "nộp",
    "phát động", "vào cuộc", "quán triệt", "đề ra", "làm rõ", "chịu trách nhiệm", "đưa", "ứng phó", "siết chặt",
    "rút ngắn", "phân công", "phấn đấu", "tuyệt đối", "không", "nghiêm cấm", "lưu ý", "cần thiết", "kiểm soát chặt", "xác định", "thống kê", "rà", "khoanh vùng", "xử lý dứt điểm",
)
_ACTION_RE = re.compile(r"(?<![\w-])(?:" + "|".join(map(re.escape, sorted(_ACTIONS, key=len, reverse=True))) + r")(?!\w)")
_UNIT_HEAD = (
    r"(?:Sở|Bộ|Công an|UBND|Ủy ban|Uỷ ban|Ban|Cục|Chi cục|Chủ tịch|Văn phòng|Thanh tra|Trung tâm|Tổng cục|Kho bạc|"
    r"Đài|Trường|Bệnh viện|Hội|Liên đoàn|Đoàn|Công ty|Tổng công ty|Ngân hàng|Cảnh sát|Phòng|Bộ Chỉ huy|Viện|Đội|"
    r"Tòa án|Viện kiểm sát|Cơ quan|Chi nhánh|Quỹ|Tỉnh đoàn|Thành đoàn|Mặt trận)"
)
_LOWER_UNIT = re.compile(
    r"(?:các|toàn|tỉnh|huyện|thành phố|thị xã|xã|phường|quận|lực lượng|ngành|những|mỗi|từng|cơ quan|đơn vị|tổ|đội|"
    r"chính quyền|lãnh đạo|người đứng đầu|chủ đầu tư|nhà thầu|địa phương|cấp ủy|\d+)(?!\w)"
)
# Addressees above the speaker: "đề nghị tỉnh / Chính phủ …" is a proposal, not a task.
_HIGHER = re.compile(r"(?:tỉnh|UBND tỉnh|Chính phủ|Trung ương|Thủ tướng(?: Chính phủ)?|cấp trên|Quốc hội)$")
_PERSON_ADDRESSEE = re.compile(r"(?:đồng chí|ông|bà)\s+([A-ZĐ]\w*(?:\s+[A-ZĐ]\w*){1,4})(?:\s*,|$)")
_SPLIT_LEAD = re.compile(rf"(?:,|\s+và)\s+(?={_UNIT_HEAD}\s)")


def split_assignee(s: str) -> tuple[str, int]:
    """The lead unit at the start of ``s`` and where the action after the whole addressee starts."""
    pos = 0
    for m in _ACTION_RE.finditer(s):
        if m.start() == 0:
            continue
        if s[m.start() : m.end()] == "xây dựng" and s[: m.start()].rstrip().endswith(("đầu tư", "lý")):
            continue  # "Cục Kinh tế - Quản lý đầu tư xây dựng", "Phòng Quản lý xây dựng"
        pos = m.start()
        break
    if not pos:
        return "", 0
    unit = s[:pos].rstrip(" ,")
    person = _PERSON_ADDRESSEE.match(unit)
    if person:  # "giao đồng chí Lục Văn Dũng, Phó Chủ tịch UBND tỉnh, chỉ đạo …": the person, by name
        return person.group(1), pos
    lead = _SPLIT_LEAD.search(unit)
    if lead:
        unit = unit[: lead.start()]
    unit = unit.strip()
    if len(unit.split()) > 14 or not (unit[:1].isupper() or _LOWER_UNIT.match(unit)):
        return "", 0  # "bổ sung kinh phí …": an action, not an addressee
    return unit, pos


# --- tasks --------------------------------------------------------------------------------------------

_FRONT = r"(?:(?:Đối với|Đồng thời|Kết luận|Phát biểu|Tại|Về|Riêng)[^;“”]{0,160}?,\s*)?"
_ASSIGN = re.compile(
    rf"{_FRONT}(?:“)?(?P<subj>(?:(?:[A-ZĐÂĂÊÔƠƯ]|ông\s|bà\s|đồng chí\s)[^,;“”]{{0,80}}?)?)\s*"
    r"(?:(?:cũng|đồng thời|đã|tiếp tục)\s+)*(?<!bàn )(?<!Bàn )(?<!được )(?P<verb>giao|yêu cầu|đề nghị|lưu ý)\s+(?!(?:của|về|này|đó|tại|trên|và|thì|là)\b)"
)
_COMMIT = re.compile(
    r"(?P<verb>cam kết|khẳng định|cho biết)\s+(?:(?:rằng)\s+)?(?P<unit>(?:tỉnh|huyện|thành phố|thị xã|xã|"
    + _UNIT_HEAD + r")[^,;“”]{0,60}?\s+)?(?:cũng\s+)?sẽ\s+"
)
_PASSIVE = re.compile(rf"{_FRONT}(?P<unit>{_UNIT_HEAD}\s[^,;“”]{{1,80}}?)\s+được giao\s+(?:nhiệm vụ\s+)?")
_MEETING_DECISION = re.compile(
    r"(?P<body>Hội nghị|Cuộc họp|Buổi làm việc|Phiên họp)\s+(?:(?:cũng|đã)\s+)*thống nhất\s+"
    r"(?:(?P<verb>giao|đề nghị|yêu cầu)\s+|thành lập\s+(?P<new>[^,;]+?)(?:\s+do\s|\s*,))"
)
_UNIT_WILL = re.compile(rf"(?:[^,;“”]{{0,60}},\s*)?(?P<unit>{_UNIT_HEAD}\s[^,;“”]{{1,60}}?)\s+(?:cũng\s+)?sẽ\s+")
_CLAUSE_UNIT = re.compile(rf"(?:{_UNIT_HEAD}|các|Các)\s")
_TAIL_DONE = re.compile(r",\s*(?:hoàn thành|xong)\s*$")
_CONDITION = re.compile(r",?\s+nếu\s")  # a deadline after it is the condition's, not the task's


@dataclass
class _Ctx:
    text: str
    statements: Sequence[Statement]
    meet: tuple[int | None, int, int] | None
    meeting: str | None
    source: str
    article: int
    offset: int
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
    what = _TAIL_DONE.sub("", what).strip(" ,")
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
            return _make(ctx, "assignment", body, unit, clause, cs, md.end() + p)
    am = _ASSIGN.match(clause)
    if am and (st := _statement_at(ctx, cs + am.start("verb"))) is not None and st.provenance == "group":
        am = None  # participants' proposals ("Các đại biểu đề nghị tỉnh …") are not tasks
    if am:
        unit, p = split_assignee(clause[am.end() :])
        if unit and am.group("verb") == "đề nghị" and _HIGHER.match(unit):
            unit = ""
        if unit:
            who = _speaker_at(ctx, cs + am.start("verb")) or (prev.assigner if prev else None)
            return _make(ctx, "assignment", who, unit, clause, cs, am.end() + p)
    cm = _COMMIT.search(clause)
    if cm:
        who = _speaker_at(ctx, cs + cm.start())
        if who is not None:
            unit = (cm.group("unit") or "").strip() or re.sub(r"^[Đđ]ại diện\s+", "", who)
            return _make(ctx, "commitment", who, unit, clause, cs, cm.end())
    um = _UNIT_WILL.match(clause)
    if um:  # "Cục Thuế sẽ tập trung …" in a body's or a person's running statement
        who = _speaker_at(ctx, cs)
        if who is not None:
            return _make(ctx, "commitment", who, um.group("unit").strip(), clause, cs, um.end())
    if prev is not None:  # "; rà soát …" or "; UBND các huyện tổ chức …" continue the previous task
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
    ctx = _Ctx(text, statements, meeting_date(text), meeting, source, article, offset)
    out: list[Task] = []
    for s, e in sentence_spans(text):
        prev: Task | None = None
        for cs, ce in _clauses(text, masked, s, e):
            # a clause inside a quote is read from the quote's own words
            t = _clause_task(ctx, text[cs:ce], cs, prev)
            if t is not None:
                out.append(t)
                if t.assigner:
                    ctx.last_assigner = t.assigner if t.kind == "assignment" else ctx.last_assigner
                prev = t
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

