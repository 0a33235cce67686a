"""The task ledger (rag.facts.tasks) and statement provenance on the real reports of eval/whosaid/reports:
assigner, assignee, what, normalised deadline and the exact clause span; then ``rag tasks`` over a real
index of two of them."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from rag.cli import main
from rag.facts.meetings import extract_meeting
from rag.facts.speech import Statement, extract_statements
from rag.facts.tasks import Task, extract_tasks, meeting_date
from rag.library import Library
from rag.textnorm import nfc

REPORTS = Path(__file__).resolve().parents[1] / "eval" / "whosaid" / "reports"
CRIME = "so_ket_phong_chong_toi_pham_lam_giang.txt"
FUNDS = "hop_ban_chi_dao_giai_ngan_von_dau_tu_cong_phu_van.txt"
DIGITAL = "giao_ban_chuyen_doi_so_van_linh.txt"
ROAD = "lam_viec_cao_toc_bac_hoa_hoa_lam.txt"


def read(name: str) -> str:
    return nfc((REPORTS / name).read_text(encoding="utf-8"))


def tasks_of(name: str) -> tuple[str, list[Task]]:
    text = read(name)
    return text, extract_tasks(text, source=name, statements=extract_statements(text, source=name))


def one(text: str, tasks: list[Task], span_start: str) -> Task:
    (t,) = [t for t in tasks if text[t.start : t.end].startswith(span_start)]
    return t


def test_meeting_year_from_publication_line_framing_or_none() -> None:
    assert meeting_date(read(CRIME)) == (2024, 7, 10)
    assert meeting_date(read(FUNDS)) == (2023, 12, 29)  # published 02/01/2024: the year before
    assert meeting_date(read("hoi_nghi_phong_chong_thien_tai_toan_quoc.txt")) == (2024, 4, 24)  # "nhiệm vụ năm 2024"
    assert meeting_date(read(DIGITAL)) == (None, 9, 18)  # no year anywhere in the report


def test_assignment_with_quarter_and_lead_assignee() -> None:
    text, tasks = tasks_of(CRIME)
    t = one(text, tasks, "Giám đốc Công an tỉnh đề nghị")
    assert (t.kind, t.assigner, t.assignee) == ("assignment", "Nguyễn Đình Khải", "Sở Thông tin và Truyền thông")
    assert t.deadline == {"from": "2024-07-01", "to": "2024-09-30"} and t.deadline_text == "trong quý III/2024"
    assert text[t.start : t.end].endswith("“lấy lại tiền bị lừa” trong quý III/2024")
    assert t.what.startswith("phối hợp với Công an tỉnh rà soát") and t.what.endswith("“lấy lại tiền bị lừa”")


def test_commitment_date_without_year_and_continuation_after_semicolon() -> None:
    text, tasks = tasks_of(CRIME)
    t = one(text, tasks, "Ông Thịnh khẳng định huyện Đồng Lâm sẽ")
    assert (t.kind, t.assigner, t.assignee, t.deadline) == ("commitment", "Vũ Đức Thịnh", "huyện Đồng Lâm", "2024-08-15")
    t = one(text, tasks, "đồng thời yêu cầu UBND các huyện")
    assert (t.assigner, t.assignee, t.deadline) == ("Hoàng Văn Chung", "UBND các huyện, thị xã, thành phố", "2024-07-25")
    # the content date ("nhiệm vụ 6 tháng cuối năm") is not the deadline
    assert t.what.endswith("gửi về Công an tỉnh (cơ quan Thường trực Ban Chỉ đạo)")


def test_year_boundary_condition_and_meeting_decision() -> None:
    text, tasks = tasks_of(FUNDS)
    t = one(text, tasks, "Phó Chủ tịch UBND tỉnh Kiều Văn Sang đề nghị")
    assert (t.assignee, t.deadline) == ("Sở Tài nguyên và Môi trường", "2024-01-15")  # "trước 15/1" after 29/12/2023
    t = one(text, tasks, "Ông Đức khẳng định sẽ")
    # the speaker himself commits; "nếu … trong tháng 1" is a condition, not the deadline
    assert (t.assignee, t.deadline, t.deadline_text) == ("Tạ Minh Đức", "2024-01-25", "chậm nhất ngày 25/1/2024")
    t = one(text, tasks, "Cuộc họp đã thống nhất thành lập")
    assert (t.assigner, t.assignee) == ("Cuộc họp", "tổ công tác đặc biệt")
    assert t.deadline == {"from": "2023-12-29", "to": "2024-03-31"}
    assert t.what == "tháo gỡ vướng mắc về mặt bằng tại các dự án trọng điểm"


def test_no_year_passive_quote_and_year_end() -> None:
    text, tasks = tasks_of(DIGITAL)
    t = one(text, tasks, "Sở Tài chính được giao")
    assert (t.assigner, t.assignee) == ("Đinh Công Hậu", "Sở Tài chính")
    assert t.deadline == {"from": "--09-18", "to": "--12-31"}
    t = one(text, tasks, "“Tôi đề nghị Công an tỉnh")
    assert (t.assigner, t.assignee, t.deadline) == ("Đinh Công Hậu", "Công an tỉnh", {"from": "--11-01", "to": "--11-30"})
    assert text[t.start : t.end].endswith("”, ông Hậu yêu cầu")
    assert one(text, tasks, "Đồng thời, Phó Chủ tịch Thường trực yêu cầu").deadline == "--12-31"


def test_two_deadlines_joined_by_va_are_two_tasks() -> None:
    text, tasks = tasks_of(ROAD)
    first = one(text, tasks, "Ông Hiển cam kết tỉnh Hòa Lâm sẽ")
    second = one(text, tasks, "hoàn tất thủ tục nâng công suất")
    assert text[first.start : first.end].endswith("trước 15/9") and first.deadline == "2024-09-15"
    assert second.assignee == "tỉnh Hòa Lâm" and second.deadline == {"from": "2024-09-01", "to": "2024-09-30"}


def test_provenance_and_short_forms_on_real_reports() -> None:
    text = read(CRIME)
    sts = extract_statements(text, source=CRIME)
    by = {(s.speaker, s.provenance) for s in sts}
    assert ("Nguyễn Đình Khải", "quote") in by and ("Hoàng Văn Chung", "quote") in by
    assert ("Nhiều ý kiến", "group") in by and ("Hội nghị", "summary") in by
    assert ("Lê Quang Tuấn", "reported") in by  # "Báo cáo tại hội nghị, Thượng tá Lê Quang Tuấn, …, cho biết"
    sts = extract_statements(read("so_ket_nong_thon_moi_thach_lam.txt"), source="x")
    assert "Lan Anh" not in {s.speaker for s in sts}  # "bà Lan Anh", "Phó Chủ tịch Lan Anh": the full name
    assert sum(s.speaker == "Phùng Thị Lan Anh" for s in sts) >= 5


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    idx = tmp_path_factory.mktemp("tasks") / "index"
    assert Library(idx).ingest([REPORTS / CRIME, REPORTS / FUNDS]).ok
    return idx


def rag(index: Path, *argv: str) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    rc = main([*argv, "--index", str(index)], out=out, err=err)
    return rc, out.getvalue() + err.getvalue()


def test_rag_tasks_filters_and_cites(index: Path) -> None:
    rc, out = rag(index, "tasks", "--json", "--to", "so tai nguyen")
    assert rc == 0
    data: dict[str, Any] = json.loads(out)
    (t,) = data["tasks"]
    assert t["assignee"] == "Sở Tài nguyên và Môi trường" and t["deadline"] == "2024-01-15"
    cite = {c["n"]: c for c in data["citations"]}[t["citation"]]
    assert cite["text"].startswith("Phó Chủ tịch UBND tỉnh Kiều Văn Sang đề nghị") and cite["text"].endswith("trước 15/1")
    rc, out = rag(index, "tasks", "--json", "--due-before", "2024-01-31")
    due = {t["deadline"] if isinstance(t["deadline"], str) else t["deadline"]["to"] for t in json.loads(out)["tasks"]}
    assert due and all(d <= "2024-01-31" for d in due)
    rc, out = rag(index, "tasks")
    assert rc == 0 and "Sở Tài nguyên và Môi trường:" in out and "hạn: trước 15/1 (2024-01-15)" in out
    rc, out = rag(index, "tasks", "--due-before", "30/6")
    assert rc != 0 and "YYYY-MM-DD" in out


def test_titles_keep_commas_inside_body_names_and_old_facts_read_as_reported() -> None:
    text = read(CRIME)
    (chair,) = extract_meeting(text, source=CRIME, statements=extract_statements(text, source=CRIME)).chairs
    assert chair.name == "Hoàng Văn Chung"
    assert chair.title == "Phó Bí thư Tỉnh ủy, Chủ tịch UBND tỉnh, Trưởng ban Chỉ đạo phòng, chống tội phạm tỉnh"
    text = read("hoi_nghi_phong_chong_thien_tai_toan_quoc.txt")
    (chair,) = extract_meeting(text, source="x", statements=extract_statements(text, source="x")).chairs
    assert chair.name == "Trần Quốc Vinh" and chair.title.endswith("ứng phó sự cố, thiên tai và tìm kiếm cứu nạn")
    old = extract_statements(text, source="x")[0].to_dict()
    del old["provenance"]  # saved by an earlier version
    assert Statement(**old).provenance == "reported"
