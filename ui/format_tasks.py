"""How the "Nhiệm vụ" tab looks: the task ledger as table rows, a status line and a CSV file; no Gradio.

The filters are those of ``rag tasks`` (``rag.facts.ledger``): an assignee by part of its name, accents
optional, and a deadline on or before a day typed as dd/mm/yyyy or ISO. The "Hạn" cell starts with the
deadline's last day written as ISO (``--MM-DD`` when the report gives no year) so that sorting the
column sorts by date, then the deadline as the report writes it. The CSV is UTF-8 with a byte-order
mark, so Excel opens Vietnamese text correctly, and adds the deadline's first and last day, the kind
(giao / cam kết), the clause's offsets and its text.
Left out: extraction and filtering (``rag.facts``), widgets and files (``ui.app``, ``ui.logic``).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass

from rag.errors import RagError
from rag.facts import Facts
from rag.facts.ledger import parse_day, select_tasks, task_meeting
from rag.facts.tasks import Task
from ui.format import escape_text

TASK_HEADERS = ["Giao cho", "Việc", "Hạn", "Người giao", "Cuộc họp", "Tài liệu"]
CSV_HEADERS = ["Giao cho", "Việc", "Hạn (như trong văn bản)", "Hạn từ", "Hạn đến", "Người giao", "Loại",
               "Cuộc họp", "Tài liệu", "Vị trí", "Trích đoạn"]
KIND_LABEL = {"assignment": "giao", "commitment": "cam kết"}
CSV_NAME = "nhiem-vu.csv"


@dataclass(frozen=True)
class TaskView:
    """The tasks the filters keep, how many the ledger holds, and why a filter was not applied."""

    tasks: tuple[Task, ...]
    total: int
    error: str | None = None


def select(facts: Facts, to: str | None, due: str | None) -> TaskView:
    """The ledger filtered by assignee and "hạn trước"; a day that does not parse is left out, with why."""
    error, day = None, None
    if due and due.strip():
        try:
            day = parse_day(due)
        except RagError as e:
            error = f"Hạn trước: {e}; bộ lọc ngày chưa được áp dụng."
    return TaskView(tuple(select_tasks(facts.tasks, to, day)), len(facts.tasks), error)


def _due(t: Task) -> str:
    return f"{t.due_to} ({t.deadline_text})" if t.due_to and t.deadline_text else ""


def _by(t: Task) -> str:
    return (t.assigner or "") + (" (cam kết)" if t.kind == "commitment" and t.assigner else "")


def task_rows(facts: Facts, tasks: Sequence[Task]) -> list[list[str]]:
    """One row per task: assignee, what, deadline (sortable), assigner, meeting, document."""
    return [[t.assignee, t.what, _due(t), _by(t), task_meeting(facts, t), t.source] for t in tasks]


def tasks_csv(facts: Facts, tasks: Sequence[Task]) -> bytes:
    """The tasks as CSV (comma-separated, CRLF, UTF-8 with BOM), with the clause each is read from."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(CSV_HEADERS)
    for t in tasks:
        clause = " ".join(facts.docs[t.source].text[t.start : t.end].split())
        w.writerow([t.assignee, t.what, t.deadline_text or "", t.due_from or t.due_to or "", t.due_to or "",
                    t.assigner or "", KIND_LABEL.get(t.kind, t.kind), task_meeting(facts, t), t.source,
                    f"{t.start}-{t.end}", clause])
    return buf.getvalue().encode("utf-8-sig")


def status_html(view: TaskView) -> str:
    """"3 / 30 nhiệm vụ", or what to do when there are none, and a filter's error."""
    if not view.total:
        line = "Chưa có nhiệm vụ nào: hãy lập chỉ mục các báo cáo hội nghị ở thẻ Tài liệu."
    elif not view.tasks:
        line = f"Không có nhiệm vụ nào khớp bộ lọc (trong tổng số {view.total})."
    else:
        line = f"{len(view.tasks)} / {view.total} nhiệm vụ. Sắp xếp: nút ⋮ ở tiêu đề cột."
    error = f'<div class="notice">{escape_text(view.error)}</div>' if view.error else ""
    return f'<div class="meta">{escape_text(line)}</div>{error}'
