"""Who said what on the third blind set (eval/whosaid/blind3, issue #12), used as a development set once it had
been scored: the forms its reports brought, each checked on the real report with exact spans. Covers the tasks: a
passive with a comma inside the body's name ("Sở Văn hóa, Thể thao và Du lịch được giao …"), a commitment by the
speaker's own body named by its common noun ("cam kết trung tâm sẽ …", "khẳng định lực lượng Biên phòng sẽ …"),
"; đồng thời chỉ đạo <đơn vị> …" after an assignment, and "công trình" inside a body's name; then a chair whose
appositive title holds "nông, lâm nghiệp và phòng, chống", a representative of a body with a long name, the
leaders of two bodies as a group and "dự báo" as a reporting verb; then the blind3 figures of ``eval.whosaid_v2``.
Made-up lines check the two forms reported from the blind set ("Giám đốc Sở Xây dựng <Họ tên>" with an unlisted
surname, "cam kết trong tháng 10, quận X sẽ …") and the limits of the rules."""

from __future__ import annotations

import functools

from eval.whosaid_v2 import evaluate
from rag.facts.meetings import extract_meeting
from rag.facts.mentions import person_mentions
from rag.facts.speech import extract_statements
from rag.facts.tasks import extract_tasks
from tests import whosaid_sets
from tests.whosaid_sets import made_up_tasks, said, task

extracted = functools.partial(whosaid_sets.extracted, "blind3")
DROWNING = "phong_chong_duoi_nuoc_tre_em_van_dien.txt"
CROPS = "san_xuat_vu_dong_xuan_thanh_vien.txt"
BORDER = "thong_quan_cua_khau_po_xanh_bac_lung.txt"


def test_a_passive_with_a_comma_inside_the_bodys_name() -> None:
    text, _, tasks = extracted(DROWNING)
    t = task(text, tasks, "Sở Văn hóa, Thể thao và Du lịch được giao hướng dẫn các địa phương tận dụng nhà văn hóa, bể "
                          "bơi của các khu du lịch để mở lớp dạy bơi cho trẻ em trong quý III")
    assert (t.kind, t.assigner, t.assignee, t.deadline_text, t.deadline) == (
        "assignment", "Quan Thị Diệu Thúy", "Sở Văn hóa, Thể thao và Du lịch", "trong quý III",
        {"from": "--07-01", "to": "--09-30"})
    assert t.what == ("hướng dẫn các địa phương tận dụng nhà văn hóa, bể bơi của các khu du lịch để mở lớp dạy bơi cho "
                      "trẻ em")
    # a comma before a second body's head ends the name: the first body leads
    assert made_up_tasks("Ông Nguyễn Văn An, Chủ tịch UBND tỉnh, cho biết tỉnh đã chuẩn bị. Sở Y tế, Sở Tài chính được "
                         "giao rà soát kinh phí.") == [("assignment", "Nguyễn Văn An", "Sở Y tế", "rà soát kinh phí")]


def test_a_commitment_by_the_speakers_own_body_by_its_common_noun() -> None:
    text, _, tasks = extracted(CROPS)
    t = task(text, tasks, "Bà Mai Hương cam kết trung tâm sẽ hoàn thành tập huấn kỹ thuật gieo mạ khay, cấy máy cho cán "
                          "bộ của 180 hợp tác xã trước ngày 15/1/2026")
    assert (t.kind, t.assigner, t.assignee, t.deadline) == ("commitment", "Lê Thị Mai Hương", "trung tâm", "2026-01-15")
    assert t.what == "hoàn thành tập huấn kỹ thuật gieo mạ khay, cấy máy cho cán bộ của 180 hợp tác xã"
    text, _, tasks = extracted(BORDER)
    t = task(text, tasks, "Đại tá Thư khẳng định lực lượng Biên phòng sẽ phối hợp với lực lượng Hải quan thành lập 2 tổ "
                          "kiểm soát liên hợp, trực 24/24 giờ tại khu vực cửa khẩu quốc tế Pò Xanh trước ngày 20/11")
    assert (t.kind, t.assigner, t.assignee, t.deadline) == (
        "commitment", "Lục Văn Thư", "lực lượng Biên phòng", "2026-11-20")


def test_a_commit_unit_after_a_fronted_time_and_a_district() -> None:
    # the form reported from the blind set: "cam kết trong tháng 10, quận X sẽ …"
    text = ("Chiều 5/9, UBND thành phố tổ chức hội nghị. Ông Trần Văn Bình, Chủ tịch UBND quận Hòa Bình, cam kết trong "
            "tháng 10, quận Hòa Bình sẽ hoàn thành giải phóng mặt bằng dự án.")
    assert made_up_tasks(text) == [("commitment", "Trần Văn Bình", "quận Hòa Bình", "hoàn thành giải phóng mặt bằng dự án")]
    (t,) = extract_tasks(text, source="x", statements=extract_statements(text, source="x"))
    assert (t.deadline_text, t.deadline) == ("trong tháng 10", {"from": "--10-01", "to": "--10-31"})
    # a unit word is a whole word: "sởi" is no "sở"
    assert made_up_tasks("Ông Trần Văn Bình, Giám đốc Sở Y tế, cho biết bệnh sởi sẽ còn lây lan.") == []


def test_dong_thoi_chi_dao_a_new_addressee_after_an_assignment() -> None:
    text, statements, tasks = extracted(CROPS)
    t = task(text, tasks, "đồng thời chỉ đạo Chi cục Trồng trọt và Bảo vệ thực vật tăng cường kiểm tra chất lượng giống, "
                          "vật tư nông nghiệp trên thị trường trong quý I/2026")
    assert (t.assigner, t.assignee, t.deadline) == (
        "Phan Quang Lộc", "Chi cục Trồng trọt và Bảo vệ thực vật", {"from": "2026-01-01", "to": "2026-03-31"})
    assert t.what == "tăng cường kiểm tra chất lượng giống, vật tư nông nghiệp trên thị trường"
    assert said(statements, "Phan Quang Lộc", "chỉ đạo") == [
        ("Chi cục Trồng trọt và Bảo vệ thực vật tăng cường kiểm tra chất lượng giống, vật tư nông nghiệp trên thị "
         "trường trong quý I/2026.", "reported")]
    # a body that directs with "đồng thời" acts itself: its own addressee is no task of the speaker's, the body's
    # action is
    made_up = ("Ông Nguyễn Văn An, Chủ tịch UBND tỉnh, cho biết tỉnh đã chuẩn bị. Ông An giao Sở Y tế chủ trì kiểm tra "
               "các cơ sở; Sở Y tế đồng thời chỉ đạo các bệnh viện bố trí giường bệnh.")
    assert [(a, w) for _, _, a, w in made_up_tasks(made_up)] == [
        ("Sở Y tế", "chủ trì kiểm tra các cơ sở"), ("Sở Y tế", "chỉ đạo các bệnh viện bố trí giường bệnh")]


def test_cong_trinh_inside_a_bodys_name_and_its_representative() -> None:
    text, statements, tasks = extracted(CROPS)
    company = "Công ty TNHH MTV Khai thác công trình thủy lợi Thanh Viễn"
    t = task(text, tasks, f"Hội nghị đã thống nhất giao {company} tổ chức điều tiết nước luân phiên giữa các vùng, ưu "
                          "tiên cấp nước cho các xã vùng cao từ nay đến hết tháng 3/2026")
    assert (t.assigner, t.assignee, t.deadline) == ("Hội nghị", company, {"from": "2025-12-30", "to": "2026-03-31"})
    assert said(statements, f"Đại diện {company}", "cho biết") == [
        ("công ty sẽ vận hành các trạm bơm đầu mối, bảo đảm đủ nước cho đợt lấy nước đổ ải đầu tiên trong tháng 1.",
         "reported")]
    t = task(text, tasks, f"Đại diện {company} cho biết công ty sẽ vận hành các trạm bơm đầu mối, bảo đảm đủ nước cho "
                          "đợt lấy nước đổ ải đầu tiên trong tháng 1")
    assert (t.kind, t.assigner, t.assignee, t.deadline) == (
        "commitment", f"Đại diện {company}", "công ty", {"from": "2026-01-01", "to": "2026-01-31"})


def test_a_chairs_title_with_nong_lam_nghiep_va_phong_chong() -> None:
    text, statements, _ = extracted(CROPS)
    title = ("Tỉnh ủy viên, Phó Chủ tịch UBND tỉnh, Trưởng ban Chỉ đạo sản xuất nông, lâm nghiệp và phòng, chống "
             "thiên tai tỉnh")
    (m,) = [m for m in person_mentions(text) if m.name == "Phan Quang Lộc" and m.title == title]
    assert text[m.start : m.end] == f"Đồng chí Phan Quang Lộc, {title}"
    meeting = extract_meeting(text, source=CROPS, statements=statements)
    assert [c.name for c in meeting.chairs] == ["Phan Quang Lộc"]


def test_the_leaders_of_two_bodies_are_a_group() -> None:
    text, statements, _ = extracted(CROPS)
    assert said(statements, "Lãnh đạo huyện Kim Thạch và huyện Vĩnh Đoài", "kiến nghị") == [
        ("tỉnh sớm hỗ trợ kinh phí mua máy bơm dã chiến và tiền điện bơm nước chống hạn cho các hợp tác xã.", "group")]
    # "và" inside one body's name keeps a single representative
    (st,) = extract_statements("Đại diện Sở Nông nghiệp và Môi trường cho biết đã đủ giống.", source="x")
    assert (st.speaker, st.provenance) == ("Đại diện Sở Nông nghiệp và Môi trường", "reported")


def test_du_bao_right_after_the_speaker() -> None:
    text, statements, _ = extracted(BORDER)
    assert said(statements, "Hoàng Thị Thu Hà", "dự báo") == [
        ("lượng hàng sẽ còn tăng mạnh từ nay đến Tết Nguyên đán.", "reported")]
    # inside a body's name it is no verb: the title runs on to the speaker's own verb
    (m,) = person_mentions("Ông Nguyễn Văn An, Giám đốc Trung tâm dự báo khí tượng thủy văn tỉnh, cho biết mưa lớn.")
    assert m.title == "Giám đốc Trung tâm dự báo khí tượng thủy văn tỉnh"


def test_a_known_full_name_after_a_title_is_not_read_from_mid_name() -> None:
    # the form reported from the blind set: "Khương" is not a listed surname, "Hoàng" is
    text = ("Chiều 10/7, UBND tỉnh tổ chức hội nghị. Ông Khương Hoàng Anh, Giám đốc Sở Xây dựng, cho biết tỉnh đã làm "
            "xong. Giám đốc Sở Xây dựng Khương Hoàng Anh đề nghị Sở Tài chính bố trí vốn.")
    mentions = person_mentions(text)
    assert [(text[m.start : m.name_end], m.name) for m in mentions] == [
        ("Ông Khương Hoàng Anh", "Khương Hoàng Anh"), ("Giám đốc Sở Xây dựng Khương Hoàng Anh", "Khương Hoàng Anh")]
    assert [(s.speaker, s.verb) for s in extract_statements(text, source="x")] == [
        ("Khương Hoàng Anh", "cho biết"), ("Khương Hoàng Anh", "đề nghị")]


def test_whosaid_v2_blind3_figures() -> None:
    res = evaluate("blind3")
    assert res.people.p >= 0.95 and res.people.r >= 0.95
    assert res.chairs.p >= 0.95 and res.chairs.r >= 0.95
    assert res.statements.p >= 0.95 and res.statements.r >= 0.95
    assert res.tasks.f1 >= 0.9 and res.provenance >= 0.95
