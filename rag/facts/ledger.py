"""The task ledger of an index, filtered: by assignee, by a deadline before a day or inside a period.

One rule each, shared by ``rag tasks``, the chat's task answers (``rag.facts.task_answers``) and the
"Nhiệm vụ" tab: an assignee is named by any part of its name that starts at one of its words,
accent-insensitive ("so tai nguyen", "Công an" → "Công an tỉnh"); a day is typed as dd/mm/yyyy or
ISO; a task is due before a day or inside a period when its deadline's last day is (a deadline
without a year, from a report that gives none, is never). Also how a deadline and the meeting of a
task read in an answer or a table.
Left out: extracting the tasks (``rag.facts.tasks``), rendering rows and CSV (``rag.cli_facts``,
``ui.format_tasks``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date

from rag.errors import RagError
from rag.facts.facts import Facts
from rag.facts.summarize import display_date
from rag.facts.tasks import Task
from rag.textnorm import fold, words

_DAY = re.compile(r"(\d{1,2})\s*[/.-]\s*(\d{1,2})\s*[/.-]\s*(\d{4})")


def parse_day(text: str) -> date:
    """A day as users type it: "30/6/2024", "30-06-2024", "30.06.2024" or "2024-06-30"."""
    t = text.strip()
    m = _DAY.fullmatch(t)
    try:
        return date(int(m.group(3)), int(m.group(2)), int(m.group(1))) if m else date.fromisoformat(t)
    except ValueError:
        raise RagError(f"ngày không hợp lệ “{t}”: dùng dạng DD/MM/YYYY hoặc YYYY-MM-DD, ví dụ 30/6/2024") from None


def names_assignee(query: str, assignee: str) -> bool:
    """Whether ``query`` names ``assignee``: its words, accents and punctuation aside, run on from the
    start of one of the assignee's words (the last one may be cut short, as while typing)."""
    q = " ".join(words(fold(query)))
    return bool(q) and re.search(rf"(?<!\w){re.escape(q)}", " ".join(words(fold(assignee)))) is not None


def last_day(task: Task) -> date | None:
    """The last day of the task's deadline; None without one or without a year."""
    if task.due_to is None or task.due_to.startswith("--"):
        return None
    return date.fromisoformat(task.due_to)


def due_within(task: Task, start: date | None, end: date) -> bool:
    """Whether the deadline ends on or before ``end`` (and on or after ``start`` when given)."""
    day = last_day(task)
    return day is not None and day <= end and (start is None or day >= start)


def select_tasks(tasks: Iterable[Task], to: str | None = None, due_before: date | None = None,
                 due_from: date | None = None) -> list[Task]:
    """The tasks given to ``to`` (``names_assignee``) whose deadline ends inside [due_from, due_before]."""
    out = []
    for t in tasks:
        if to and to.strip() and not names_assignee(to, t.assignee):
            continue
        if due_before is not None and not due_within(t, due_from, due_before):
            continue
        out.append(t)
    return out


def _day(value: str) -> str:
    return f"{value[5:]}/{value[2:4]}" if value.startswith("--") else display_date(value)


def deadline_label(task: Task) -> str:
    """"trước 15/1 (15/01/2024)", "trong quý III/2024 (01/07/2024 – 30/09/2024)"; "" without a deadline."""
    if task.deadline_text is None or task.due_to is None:
        return ""
    when = _day(task.due_to) if task.due_from in (None, task.due_to) else f"{_day(task.due_from or '')} – {_day(task.due_to)}"
    return f"{task.deadline_text} ({when})"


_DATE_LINE = re.compile(r"^(?:Thứ|Chủ nhật|Ngày)\s|^\d")


def task_meeting(facts: Facts, task: Task) -> str:
    """The meeting a task was given at, as a reader knows it: its name when the report gives one
    longer than "Hội nghị", else the article's title, else the file; with its date when known."""
    m = next((x for x in facts.docs[task.source].meetings if x.article == task.article), None)
    art = facts.article(task.source, task.article)
    names = [task.meeting or "", art.title if art else ""]
    name = next((n for n in names if len(n.split()) > 2 and not _DATE_LINE.match(n)), task.source.rsplit("/", 1)[-1])
    return f"{name} ({display_date(m.date.value)})" if m is not None and m.date else name
