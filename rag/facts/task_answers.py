"""Chat questions answered from the task ledger: who was given what, and what is due when.

Covers, accent-insensitively, questions whose subject is the unit or person assigned:
"<X> được giao (những) việc / nhiệm vụ gì?", "(Những việc nào) giao cho <X>?" (nothing but such words
before "giao cho"), "<X> phải / cần làm (những việc) gì?", "<X> có nhiệm vụ gì?", and, with no unit,
"Những việc / nhiệm vụ nào hạn trước 30/6/2024?", "Việc nào phải hoàn thành trong quý III/2024?" (a task
word asked with "nào / gì", a deadline word, and a deadline phrase of the ledger's own forms with a
year). A unit and a deadline may come together; a meeting named ("tại hội nghị …") keeps its tasks.
Each task is one line "- <X>: <việc> — hạn: … — người giao: …" (and its meeting when they come from
several), cited (by ``rag.facts.router``) to its clause; a unit's tasks of the retrieved meetings come
first, tasks asked by deadline soonest first, at most ``MAX_TASKS`` (the answer's notice counts the
rest). The filters are those of ``rag tasks`` (``rag.facts.ledger``).
Left out: questions with a subject that gives tasks ("Ông X yêu cầu những gì?", "Bà Y giao cho các sở
những việc gì?", "Hội nghị yêu cầu gì?": ``rag.facts.intent``), "… làm gì để …" (how, not what was
assigned), "Ai được giao …?", deadlines without a year, and a unit named with its place ("Công an tỉnh
Lâm Giang") when the report writes it without. A question the ledger has no task for goes on to the
other answers.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from rag.facts.deadlines import DEADLINE, normalise_deadline
from rag.facts.factmatch import Idf, pick_meeting, question_parts
from rag.facts.facts import Facts, clip_text
from rag.facts.ledger import deadline_label, last_day, select_tasks, task_meeting
from rag.facts.tasks import Task
from rag.textnorm import fold, has_diacritics, nfc
from rag.vi import GIAO_OTHER_WORD_RE

MAX_TASKS = 12
CLIP = 300

_NOUN = r"(?:(?:công\s+)?việc|nhiệm\s+vụ|phần\s+việc)"
_ASK = r"(?<!\w)(?:gì|nào)(?!\w)"
_ADVERBS = r"(?:(?:đã|cũng|sẽ|đang|vừa|được)\s+)*"
# "<X> được giao …" (not "được giao cho", where X is the task, nor "giao ban", "giao thông" …)
_PASSIVE = rf"^(?P<unit>.+?)\s+{_ADVERBS}được\s+giao(?!\s+(?:cho|{GIAO_OTHER_WORD_RE})(?!\w))(?P<rest>.*)$"
# "… giao cho <X> những việc gì?": <X> ends at what asks about the tasks, a deadline or a meeting
_TO = (r"^(?P<pre>.*?)(?<!\w)giao\s+cho\s+(?P<unit>.+?)(?P<rest>(?:\s*[?.!,;:]|\s+(?:những|các\s+" + _NOUN + "|" + _NOUN
       + r"|làm\s+(?:gì|những|các)|thực\s+hiện|gì|nào|trong\s+(?:quý|tháng|năm|6|sáu)|trước|hạn|thời\s+hạn"
       + r"|(?:tại|trong)\s+(?:hội|cuộc|buổi|phiên))(?!\w)).*|\s*)$")
_MUST = (rf"^(?P<unit>.+?)\s+{_ADVERBS}(?:phải|cần|có\s+trách\s+nhiệm)\s+(?:làm|thực\s+hiện|triển\s+khai|hoàn\s+thành)"
         rf"(?:\s+(?:những|các))?(?:\s+{_NOUN})?\s+(?:gì|nào)(?!\w)(?P<rest>.*)$")
_HAS = rf"^(?P<unit>.+?)\s+{_ADVERBS}có\s+(?:những\s+|các\s+)?nhiệm\s+vụ\s+(?:gì|nào)(?!\w)(?P<rest>.*)$"
_WHICH = rf"(?<!\w){_NOUN}\s+(?:gì|nào)(?!\w)"
_DUE_WORD = r"(?<!\w)(?:hạn|hoàn\s+thành|hoàn\s+tất|xong|chậm\s+nhất|trước)(?!\w)"
_PURPOSE = r"^[\s,]*(?:để|nhằm)(?!\w)"
# Words before "giao cho" that leave the assigner unnamed ("Những việc nào đã được giao cho …")
_FILLER = frozenset(fold(w) for w in "những các công việc nhiệm vụ phần nào gì đã được hãy liệt kê cho biết tôi có là xin vậy".split())
# Leading words of the subject that are not the unit ("Cho biết Sở Y tế …", "Vậy Công an tỉnh …")
_LEAD = r"^(?:(?:hãy|xin|vui\s+lòng)\s+)?(?:cho\s+(?:tôi\s+)?biết|liệt\s+kê|vậy|còn|thế)\s+"
# A fronted adverbial before the subject, cut at its comma ("Tại hội nghị …, Sở Y tế được giao …"); a
# comma inside a unit's name stays ("UBND các huyện, thị xã, thành phố")
_FRONTED = r"^(?:tại|theo|trong|ở|sau|qua|về|đối\s+với|riêng|đến|tới)(?!\w)"
_NOT_UNIT = frozenset(fold(w) for w in "ai gì nào việc nhiệm".split())  # "Ai …", "Đơn vị nào …", "Việc nào …"
# Deadline words as typed without accents, put back so the ledger's own deadline forms read them
_ACCENTS = {fold(w): w for w in "trước chậm nhất từ đến hết hạn chót vào ngày quý tháng đầu cuối năm là".split()}


def _both(pattern: str) -> tuple[re.Pattern[str], re.Pattern[str]]:
    """The pattern for accented questions, and folded for questions typed without accents (patterns
    are written in lower case without upper-case escapes, which folding would change)."""
    return re.compile(pattern), re.compile(fold(pattern).replace("(?p<", "(?P<"))


_FORMS = [_both(p) for p in (_PASSIVE, _TO, _MUST, _HAS)]
_WHICH_RE, _DUE_WORD_RE, _PURPOSE_RE, _ASK_RE = _both(_WHICH), _both(_DUE_WORD), _both(_PURPOSE), _both(_ASK)
_LEAD_RE, _FRONTED_RE = _both(_LEAD), _both(_FRONTED)


@dataclass(frozen=True)
class TaskQuestion:
    unit: str | None  # as written in the question
    due_from: date | None  # the deadline must end inside [due_from, due_before]
    due_before: date | None
    rest: str  # the question without the unit: where a meeting may be named


def _pick(pair: tuple[re.Pattern[str], re.Pattern[str]], accented: bool) -> re.Pattern[str]:
    return pair[0] if accented else pair[1]


def _period(question: str) -> tuple[date | None, date] | None:
    """The deadline a question asks about, read with the ledger's own forms; None without one or a year."""
    accented = has_diacritics(question)

    def word(m: re.Match[str]) -> str:
        w = m.group()
        if re.fullmatch(r"[IV]+", w):
            return w  # a quarter in Roman numerals
        return w.lower() if accented else _ACCENTS.get(w.lower(), w.lower())

    found = list(DEADLINE.finditer(re.sub(r"\w+", word, question)))
    if not found:
        return None
    start, end = normalise_deadline(found[-1], None)
    if end is None or end.startswith("--"):
        return None
    return (date.fromisoformat(start) if start and not start.startswith("--") else None), date.fromisoformat(end)


def _unit(raw: str, accented: bool) -> str | None:
    """The unit named by the subject ``raw``: a fronted adverbial and leading words dropped; None when
    it asks (a question word) or is too long to be a unit."""
    unit = raw.strip(" ?.!:;\"“”")
    if "," in unit and _pick(_FRONTED_RE, accented).match(unit.lower() if accented else fold(unit)):
        # the adverbial ends at the first comma the unit's capital follows, else at the first comma
        cuts = [m.end() for m in re.finditer(r",\s*", unit)]
        unit = unit[next((c for c in cuts if unit[c : c + 1].isupper()), cuts[0]) :]
    lead = _pick(_LEAD_RE, accented).match(unit.lower() if accented else fold(unit))
    unit = unit[lead.end() :] if lead else unit
    folded = fold(unit).split()
    if not folded or len(folded) > 14 or _NOT_UNIT & set(folded):
        return None
    return unit


def parse_task_question(question: str) -> TaskQuestion | None:
    """The unit and deadline a task question asks about, or None when it is not one."""
    text = nfc(question).strip()
    accented = has_diacritics(text)
    q = text.lower() if accented else fold(text)
    period = _period(text)
    due_from, due_before = period if period else (None, None)
    for i, pair in enumerate(_FORMS):
        m = _pick(pair, accented).match(q)
        if m is None:
            continue
        rest = m.group("rest")
        if i == 0 and not _pick(_ASK_RE, accented).search(rest):
            continue  # "Sở Y tế được giao quản lý …": a statement, not a question about its tasks
        if i == 1 and not set(fold(m.group("pre")).split()) <= _FILLER:
            continue  # the assigner is named: a question about what they said
        if _pick(_PURPOSE_RE, accented).search(rest):
            continue  # "… phải làm gì để …": how, not what was assigned
        unit = _unit(text[m.start("unit") : m.end("unit")], accented)
        if unit is not None:
            return TaskQuestion(unit, due_from, due_before, text.replace(unit, " ", 1))
    if due_before is not None and _pick(_WHICH_RE, accented).search(q) and _pick(_DUE_WORD_RE, accented).search(q):
        return TaskQuestion(None, due_from, due_before, text)
    return None


def _line(facts: Facts, t: Task, meeting: bool) -> str:
    due = deadline_label(t)
    parts = [f"- {t.assignee}: {clip_text(t.what, CLIP)}", f"hạn: {due}" if due else "chưa nêu thời hạn"]
    if t.assigner:
        parts.append(f"{'cam kết' if t.kind == 'commitment' else 'người giao'}: {t.assigner}")
    if meeting:  # tasks of several meetings: say which
        parts.append(clip_text(task_meeting(facts, t), 140))
    return " — ".join(parts)


def task_lines(facts: Facts, tq: TaskQuestion, ranks: dict[tuple[str, int], int],
               idf: Idf) -> tuple[list[tuple[str, Task]], int]:
    """The ledger's tasks for the question, one line each (none when the ledger has none), and how
    many more there are than ``MAX_TASKS``."""
    tasks: Sequence[Task] = select_tasks(facts.tasks, tq.unit, tq.due_before, tq.due_from)
    if not tasks:
        return [], 0
    _topic, named, years = question_parts(tq.rest)
    if named:  # "… tại hội nghị sơ kết công tác phòng, chống tội phạm"
        where = {(t.source, t.article) for t in tasks}
        m = pick_meeting(facts, named, ranks, idf, lambda m: (m.source, m.article) in where, years)
        if m is not None:
            tasks = [t for t in tasks if (t.source, t.article) == (m.source, m.article)]
    far = len(ranks)
    order = {t: i for i, t in enumerate(tasks)}
    if tq.unit:  # the retrieved meetings first, each in the order said
        tasks = sorted(tasks, key=lambda t: (ranks.get((t.source, t.article), far), order[t]))
    else:  # "what is due by …": the soonest first
        tasks = sorted(tasks, key=lambda t: (last_day(t) or date.max, ranks.get((t.source, t.article), far), order[t]))
    more = max(0, len(tasks) - MAX_TASKS)
    tasks = tasks[:MAX_TASKS]
    several = len({(t.source, t.article) for t in tasks}) > 1
    return [(_line(facts, t, several), t) for t in tasks], more
