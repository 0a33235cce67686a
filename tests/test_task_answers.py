"""Chat answers from the task ledger (``rag.facts.task_answers`` through the router) on a real index of
the reports of eval/whosaid and one sample: each task a line with its deadline, cited to the exact clause
the gold of eval/whosaid/gold.json gives; questions of other forms keep their answers; a unit the ledger
does not know goes on to the other answerer. Also the ledger's filters (``rag.facts.ledger``)."""

from __future__ import annotations

import io
import json
import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from rag.cli import main
from rag.conversation import turns_from
from rag.errors import RagError
from rag.facts.ledger import deadline_label, names_assignee, parse_day
from rag.facts.task_answers import parse_task_question
from rag.library import Library
from rag.types import Answer

ROOT = Path(__file__).resolve().parents[1]
REPORTS = ROOT / "eval" / "whosaid" / "reports"
GOLD: dict[str, Any] = json.loads((ROOT / "eval" / "whosaid" / "gold.json").read_text(encoding="utf-8"))["reports"]
BUILDING = ROOT / "samples" / "giao-ban-so-xay-dung-quy-3-2024.md"


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    idx = tmp_path_factory.mktemp("task-answers") / "index"
    files = sorted(REPORTS.glob("*.txt")) + [BUILDING]
    assert Library(idx).ingest(files, names={str(f): f.name for f in files}).ok
    return idx


@pytest.fixture(scope="module")
def lib(index: Path) -> Library:
    return Library(index)


def gold_tasks() -> list[dict[str, Any]]:
    return [{**t, "source": name} for name, r in GOLD.items() for t in r["tasks"]]


def last_day(t: dict[str, Any]) -> str | None:
    d = t["deadline"]
    return d["to"] if isinstance(d, dict) else d


def check_cited(lib: Library, a: Answer, expected: list[dict[str, Any]]) -> None:
    """One line per expected task, in any order: assignee, what, deadline as written, and the citation on
    the line is the task's gold clause, read from the indexed text at its offsets."""
    assert a.found and a.kind == "tasks" and a.answerer.startswith("facts")
    lines = a.answer.splitlines()
    assert len(lines) == len(expected) == len(a.sentences)
    cites = {c.n: c for c in a.citations}
    got = {}
    for s in a.sentences:
        (n,) = s.citations
        c = cites[n]
        assert lib.source_text(c.source)[c.start : c.end] == c.text
        got[(c.source, c.text)] = s.text
    for g in expected:
        line = got[(g["source"], g["span"])]
        assert line.startswith(f"- {g['assignee']}: {g['what']}")
        assert (f"hạn: {g['deadline_text']} (" in line) if g["deadline_text"] else "chưa nêu thời hạn" in line
        assert f"{'cam kết' if g['kind'] == 'commitment' else 'người giao'}: {g['assigner']}" in line


def test_unit_question_lists_its_tasks_cited_to_their_clauses(lib: Library) -> None:
    a = lib.ask("Công an tỉnh được giao nhiệm vụ gì?")
    check_cited(lib, a, [t for t in gold_tasks() if t["assignee"] == "Công an tỉnh"])
    assert "hạn: trong tháng 10 (01/10/2024 – 31/10/2024)" in a.answer  # the report's year
    assert "hạn: trong tháng 11 (01/11 – 30/11)" in a.answer  # a report without a year
    # accents left out, another form, the same tasks (the retrieved meeting first: the order may differ)
    def tasks_of(answer: str) -> set[str]:
        return {re.sub(r"\s*\[\d+\]$", "", line) for line in answer.splitlines()}

    for q in ("cong an tinh duoc giao nhiem vu gi?", "Những việc nào được giao cho Công an tỉnh?",
              "Công an tỉnh phải làm những việc gì?"):
        assert tasks_of(lib.ask(q).answer) == tasks_of(a.answer)


def test_sample_unit_and_a_meeting_named(lib: Library) -> None:
    a = lib.ask("Sở Xây dựng được giao những việc gì?")
    (c,) = a.citations
    assert a.kind == "tasks" and c.source == BUILDING.name
    assert c.text.startswith("Phát biểu chỉ đạo, Phó Chủ tịch UBND tỉnh Phạm Thị Thu Hà yêu cầu Sở Xây dựng")
    assert a.answer == ("- Sở Xây dựng: khẩn trương hoàn thiện dự thảo quy định đơn giá bồi thường, trình UBND tỉnh"
                        " — hạn: trong tháng 11/2024 (01/11/2024 – 30/11/2024) — người giao: Phạm Thị Thu Hà [1]")
    a = lib.ask("Công an tỉnh được giao nhiệm vụ gì tại hội nghị giao ban chuyển đổi số?")
    assert a.kind == "tasks" and [c.source for c in a.citations] == ["giao_ban_chuyen_doi_so_van_linh.txt"]


def test_deadline_questions_list_every_task_due_then(lib: Library) -> None:
    a = lib.ask("Những việc nào hạn trước 30/6/2024?")
    due = [t for t in gold_tasks() if (last_day(t) or "--")[:1] == "2" and last_day(t) <= "2024-06-30"]
    check_cited(lib, a, due)
    assert len(due) == 9 and "Sở Tài chính: chủ trì thu hồi dứt điểm các khoản tạm ứng quá hạn" in a.answer
    assert a.answer.splitlines()[0].startswith("- Sở Kế hoạch và Đầu tư:")  # the soonest (10/1/2024) first
    a = lib.ask("Việc nào phải hoàn thành trong quý III/2024?")
    q3 = [t for t in gold_tasks() if "2024-07-01" <= (last_day(t) or "") <= "2024-09-30"]
    check_cited(lib, a, q3)
    assert len(q3) == 10 and "Cục Kinh tế - Quản lý đầu tư xây dựng: nghiên cứu, có văn bản hướng dẫn" in a.answer
    # more than a chat answer lists: the soonest, and how many more
    a = lib.ask("Những nhiệm vụ nào phải hoàn thành trước 31/12/2025?")
    dated = [t for t in gold_tasks() if (last_day(t) or "--")[:1] == "2"]
    assert len(dated) == 28 and a.kind == "tasks" and len(a.sentences) == 12  # and 2 of the sample
    assert a.notice == "Còn 18 nhiệm vụ khác: xem thẻ Nhiệm vụ hoặc lệnh rag tasks."
    # a unit and a deadline together
    a = lib.ask("Sở Tài chính được giao những việc gì trong 6 tháng đầu năm 2024?")
    (c,) = a.citations
    assert a.kind == "tasks" and c.text.startswith("Ông cũng giao Sở Tài chính chủ trì thu hồi")


def test_follow_up_names_another_unit(lib: Library) -> None:
    first = lib.ask("Công an tỉnh được giao nhiệm vụ gì?")
    a = lib.ask("còn Sở Y tế thì sao?", history=turns_from([first]))
    assert a.standalone == "Sở Y tế được giao nhiệm vụ gì?" and a.kind == "tasks"
    assert a.answer.startswith("- Sở Y tế: chỉ đạo các cơ sở khám bệnh") and len(a.citations) == 1


def test_other_questions_keep_their_answers(lib: Library) -> None:
    a = lib.ask("Ông Lương Văn Chính yêu cầu những gì?")
    assert a.kind == "person" and "Lương Văn Chính (Chủ tịch UBND tỉnh)" in a.answer
    assert lib.ask("Hội nghị yêu cầu những gì?").kind != "tasks"
    assert parse_task_question("Bà Phùng Thị Lan Anh giao cho các sở những việc gì?") is None  # she assigns
    assert parse_task_question("Các địa phương cần làm gì để ứng phó với bão?") is None
    assert parse_task_question("Những nhiệm vụ nào trong 6 tháng cuối năm 2024?") is None  # no deadline asked
    assert parse_task_question("Ai được giao rà soát thủ tục hành chính?") is None


def test_a_unit_the_ledger_does_not_know_goes_on(lib: Library) -> None:
    a = lib.ask("Sở Văn hóa được giao những việc gì?")
    assert a.kind != "tasks" and not a.answerer == "facts"
    a = lib.ask("Sở Tài chính được giao những việc gì trong quý I/2024?")  # its tasks fall due later
    assert a.kind != "tasks"


def test_rag_ask_and_rag_tasks_share_the_ledger(index: Path) -> None:
    out, err = io.StringIO(), io.StringIO()
    assert main(["ask", "Sở Y tế được giao những việc gì?", "--json", "--index", str(index)], out=out, err=err) == 0
    got = json.loads(out.getvalue())
    (g,) = [t for t in gold_tasks() if t["assignee"] == "Sở Y tế"]
    assert got["kind"] == "tasks" and [c["text"] for c in got["citations"]] == [g["span"]]
    out = io.StringIO()
    assert main(["tasks", "--json", "--to", "so y te", "--due-before", "15/11/2024", "--index", str(index)],
                out=out, err=err) == 0
    data = json.loads(out.getvalue())
    assert data["filters"]["due_before"] == "2024-11-15" and data["tasks"] == []  # its report gives no year
    out = io.StringIO()
    assert main(["tasks", "--json", "--to", "Sở Y tế", "--index", str(index)], out=out, err=err) == 0
    assert [t["deadline"] for t in json.loads(out.getvalue())["tasks"]] == ["--11-15"]


def test_ledger_rules() -> None:
    assert parse_day("30/6/2024") == parse_day("30-06-2024") == parse_day(" 2024-06-30 ") == date(2024, 6, 30)
    for bad in ("30/6", "31/2/2024", "hôm nay"):
        with pytest.raises(RagError, match="DD/MM/YYYY"):
            parse_day(bad)
    assert names_assignee("so tai nguyen", "Sở Tài nguyên và Môi trường")
    assert names_assignee("Sở Lao động - Thương binh", "Sở Lao động - Thương binh và Xã hội")
    assert names_assignee("UBND cac huyen", "Chủ tịch UBND các huyện, thành phố")
    assert names_assignee("Sở Tà", "Sở Tài chính")  # while typing
    assert not names_assignee("ai chinh", "Sở Tài chính") and not names_assignee("  ", "Sở Y tế")
    q = parse_task_question("Việc nào phải hoàn thành trong quý III/2024?")
    assert q is not None and (q.unit, q.due_from, q.due_before) == (None, date(2024, 7, 1), date(2024, 9, 30))
    q = parse_task_question("Tại hội nghị giao ban, UBND các huyện, thị xã, thành phố được giao gì?")
    assert q is not None and q.unit == "UBND các huyện, thị xã, thành phố" and "hội nghị giao ban" in q.rest


def test_deadline_label() -> None:
    from rag.facts.tasks import Task

    def task(f: str | None, t: str | None, text: str | None) -> Task:
        return Task("assignment", None, "Sở Y tế", "x", f, t, text, None, "a.txt", 0, 0, 1)

    assert deadline_label(task(None, "2024-01-15", "trước 15/1")) == "trước 15/1 (15/01/2024)"
    assert deadline_label(task("2024-07-01", "2024-09-30", "trong quý III/2024")) == \
        "trong quý III/2024 (01/07/2024 – 30/09/2024)"
    assert deadline_label(task("--09-18", "--12-31", "từ nay đến cuối năm")) == "từ nay đến cuối năm (18/09 – 31/12)"
    assert deadline_label(task(None, None, None)) == ""
