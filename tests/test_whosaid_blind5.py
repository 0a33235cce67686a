"""Who said what on the fifth blind set (eval/whosaid/blind5, issue #12), used as a development set once it had
been scored: the forms its reports brought, each checked on the real report with exact spans. Covers the people:
an honorific is a word of its own ("Sông Hậu Kiên Lộc" in a company's name is no "ông Hậu Kiên Lộc") and a
person told to act by name ("giao đồng chí Lộc Văn Tiến, Phó Giám đốc Sở …, …") takes part in the meeting; the
chairs ("<người>, <chức vụ>, chủ trì", "làm trưởng đoàn") and a body's name that ends with its level after a comma;
a "tại" phrase running on to "trên địa bàn tỉnh" in the meeting's name; a lower-case membership as a title; "Theo
đại diện công ty, …" and a group that "lưu ý"; how often ("hằng tuần") and "dừng" opening a task's action; then
the blind5 figures of ``eval.whosaid_v2``. Made-up lines check the limits."""

from __future__ import annotations

import functools

from eval.whosaid_v2 import evaluate
from rag.facts.meetings import extract_meeting
from rag.facts.mentions import person_mentions
from rag.facts.people import split_titles
from rag.facts.speech import extract_statements
from tests import whosaid_sets
from tests.whosaid_sets import task

extracted = functools.partial(whosaid_sets.extracted, "blind5")
RICE = "hoi_nghi_tieu_thu_lua_gao_he_thu_kien_loc.txt"
DAMS = "hoi_nghi_an_toan_ho_dap_mua_lu_quynh_son.txt"
KITCHEN = "lam_viec_an_toan_bep_an_ban_tru_ha_mai.txt"


def test_an_honorific_is_a_word_of_its_own() -> None:
    text, statements, _ = extracted(RICE)
    names = [m.name for m in person_mentions(text)]
    assert "Hậu Kiên Lộc" not in names
    (m,) = [m for m in person_mentions(text) if text[m.name_start : m.name_end] == "Dương Quốc Hưng"]
    assert m.title == "Đại diện Công ty cổ phần Lương thực Sông Hậu Kiên Lộc, Tổng Giám đốc công ty"
    (st,) = [s for s in statements if s.content.startswith("doanh nghiệp đang tồn kho")]
    assert st.speaker == "Dương Quốc Hưng"
    assert st.content == ("doanh nghiệp đang tồn kho khoảng 35.000 tấn gạo do một số hợp đồng với đối tác nước ngoài "
                          "bị lùi thời gian giao hàng.")
    # the honorific itself still introduces a name
    assert [m.name for m in person_mentions("Cùng dự có ông Hậu Văn Lâm, Giám đốc Sở Tài chính.")] == ["Hậu Văn Lâm"]


def test_a_person_told_to_act_by_name_takes_part() -> None:
    text, statements, tasks = extracted(DAMS)
    meeting = extract_meeting(text, source=DAMS, statements=statements)
    (p,) = [p for p in meeting.participants if p.name == "Lộc Văn Tiến"]
    assert p.title == "Phó Giám đốc Sở Nông nghiệp và Môi trường"
    assert text[p.start : p.end] == "đồng chí Lộc Văn Tiến, Phó Giám đốc Sở Nông nghiệp và Môi trường"
    t = task(text, tasks, "Phó Chủ tịch UBND tỉnh cũng giao đồng chí Lộc Văn Tiến, Phó Giám đốc Sở Nông nghiệp và Môi "
                          "trường, trực tiếp chỉ đạo đoàn kiểm tra an toàn 38 hồ chứa xây dựng trước năm 1990, báo cáo "
                          "kết quả trước ngày 20/10/2026")
    assert (t.assigner, t.assignee, t.deadline) == ("Hầu Văn Lực", "Lộc Văn Tiến", "2026-10-20")
    # a name after "giao" with no title after it gives the meeting no participant's title: none is added
    made_up = "Sáng 3/4, UBND tỉnh tổ chức hội nghị. Ông An giao ông Trần Văn Bình rà soát các dự án."
    assert [p.name for p in extract_meeting(made_up, source="x").participants] == []
    made_up = "Sáng 3/4, UBND tỉnh tổ chức hội nghị. Ông An giao ông Trần Văn Bình, Giám đốc Sở Xây dựng, rà soát."
    assert [(p.name, p.title) for p in extract_meeting(made_up, source="x").participants] == [
        ("Trần Văn Bình", "Giám đốc Sở Xây dựng")]


def test_chairs_with_a_comma_before_the_verb_and_a_long_body_name() -> None:
    text, statements, _ = extracted(RICE)
    (c,) = extract_meeting(text, source=RICE, statements=statements).chairs
    assert (c.name, c.title) == ("Thạch Văn Phước", "Phó Bí thư Tỉnh ủy, Chủ tịch UBND tỉnh, Trưởng ban Chỉ đạo phát "
                                 "triển nông nghiệp, nông thôn và xây dựng nông thôn mới tỉnh")
    text, statements, _ = extracted(DAMS)
    (c,) = extract_meeting(text, source=DAMS, statements=statements).chairs
    assert text[c.start : c.end] == ("Ông Hầu Văn Lực, Tỉnh ủy viên, Phó Chủ tịch UBND tỉnh, Trưởng ban Chỉ huy phòng, "
                                     "chống thiên tai và tìm kiếm cứu nạn tỉnh")
    # a body's name that ends with its level before ";" keeps its comma ("vệ sinh, an toàn thực phẩm tỉnh")
    text, statements, _ = extracted(KITCHEN)
    (m,) = [m for m in person_mentions(text) if text[m.name_start : m.name_end] == "Lò Thị Lan Phương"]
    assert text[m.name_end : m.end] == (", Ủy viên Ban Thường vụ Tỉnh ủy, Phó Chủ tịch UBND tỉnh, Trưởng ban Chỉ đạo "
                                        "liên ngành về vệ sinh, an toàn thực phẩm tỉnh")
    # the head of a working delegation: "do PGS.TS …, Thứ trưởng Bộ Y tế, làm trưởng đoàn"
    (c,) = extract_meeting(text, source=KITCHEN, statements=statements).chairs
    assert (c.name, c.title, text[c.start : c.end]) == (
        "Khổng Minh Thái", "PGS.TS, Thứ trưởng Bộ Y tế", "PGS.TS Khổng Minh Thái, Thứ trưởng Bộ Y tế")


def test_a_list_of_attendees_is_no_body_name() -> None:
    # the next attendee's group after a comma is not read into the title, even when it ends with "tỉnh"
    text = "Dự có ông Lê Văn An, Giám đốc Sở Tài chính, đại diện các sở, ngành tỉnh."
    (m,) = person_mentions(text)
    assert m.title == "Giám đốc Sở Tài chính"
    # nor is a clause that has a verb before the level
    text = "Ông Lê Văn An, Giám đốc Sở Tài chính, cho biết thu ngân sách tỉnh."
    (m,) = person_mentions(text)
    assert m.title == "Giám đốc Sở Tài chính"
    made_up = "Sáng 3/4, UBND tỉnh tổ chức hội nghị. Ông Lê Văn An, Chủ tịch UBND tỉnh, chủ trì hội nghị."
    assert [c.name for c in extract_meeting(made_up, source="x").chairs] == ["Lê Văn An"]


def test_a_place_that_runs_on_to_tren_dia_ban_is_the_topic() -> None:
    text, statements, _ = extracted(KITCHEN)
    name = extract_meeting(text, source=KITCHEN, statements=statements).name
    assert name is not None
    assert text[name.start : name.end] == ("buổi làm việc với UBND tỉnh Hạ Mai về công tác bảo đảm an toàn thực phẩm tại "
                                           "bếp ăn bán trú trong các trường học trên địa bàn tỉnh")
    # the venue still ends the name, after "trên địa bàn tỉnh" as before it
    text, statements, _ = extracted(RICE)
    name = extract_meeting(text, source=RICE, statements=statements).name
    assert name is not None
    assert text[name.start : name.end] == ("hội nghị bàn giải pháp thu mua, tiêu thụ lúa gạo vụ hè thu và đẩy mạnh xuất "
                                           "khẩu gạo 6 tháng cuối năm trên địa bàn tỉnh")
    made_up = "Sáng 3/4, Sở Y tế tổ chức hội nghị tập huấn an toàn thực phẩm tại hội trường Sở Y tế."
    name = extract_meeting(made_up, source="x").name
    assert name is not None and name.value == "Hội nghị tập huấn an toàn thực phẩm"



def test_a_lower_case_membership_after_a_title_is_a_title() -> None:
    text, _, tasks = extracted(KITCHEN)
    (m,) = [m for m in person_mentions(text) if text[m.name_start : m.name_end] == "Bùi Quang Vĩnh"]
    assert text[m.start : m.end] == ("đồng chí Bùi Quang Vĩnh, Phó Cục trưởng Cục An toàn thực phẩm, thành viên đoàn "
                                     "công tác")
    assert split_titles([m.title]) == (None, ("Phó Cục trưởng Cục An toàn thực phẩm", "thành viên đoàn công tác"))
    t = task(text, tasks, "Thứ trưởng giao đồng chí Bùi Quang Vĩnh, Phó Cục trưởng Cục An toàn thực phẩm, thành viên "
                          "đoàn công tác, hướng dẫn tỉnh xây dựng phần mềm truy xuất nguồn gốc thực phẩm cho bếp ăn "
                          "trường học, hoàn thành trước 15/1")
    assert (t.assignee, t.what, t.deadline) == (
        "Bùi Quang Vĩnh", "hướng dẫn tỉnh xây dựng phần mềm truy xuất nguồn gốc thực phẩm cho bếp ăn trường học",
        "--01-15")
    # alone after a name, a lower-case "thành viên" is no title ("ông X, thành viên hợp tác xã" may be a mere member)
    assert person_mentions("Ông Lê Văn An, thành viên hợp tác xã, cho biết giá tăng.")[0].title == ""



def test_theo_a_representative_and_a_group_that_lu_y() -> None:
    text, statements, tasks = extracted(DAMS)
    (st,) = [s for s in statements if s.verb == "theo" and s.speaker == "đại diện công ty"]
    assert (st.provenance, st.content) == ("reported", "năm 2025 việc thông báo xả lũ qua tin nhắn đã có lúc chậm so với "
                                           "lịch vận hành do sóng điện thoại yếu.")
    assert not [t for t in tasks if "Theo đại diện công ty" in text[t.start : t.end]]
    text, statements, tasks = extracted(KITCHEN)
    (st,) = [s for s in statements if s.speaker == "Các thành viên đoàn công tác"]
    assert (st.verb, st.provenance, st.content) == (
        "lưu ý", "group", "nguy cơ ngộ độc tăng cao vào thời điểm chuyển mùa.")
    assert not [t for t in tasks if "Các thành viên đoàn công tác" in text[t.start : t.end]]
    # leaders of several bodies are a group; "Theo các quy định …" names no speaker
    (st,) = extract_statements("Theo lãnh đạo các huyện, nhiều hồ chứa đã xuống cấp.", source="x")
    assert (st.speaker, st.provenance) == ("lãnh đạo các huyện", "group")
    assert extract_statements("Theo các quy định hiện hành, hồ chứa phải có quy trình vận hành.", source="x") == []



def test_how_often_and_dung_start_the_action() -> None:
    text, _, tasks = extracted(RICE)
    t = task(text, tasks, "Sở Công Thương hằng tuần cập nhật thông tin thị trường, giá cả, thông báo kịp thời đến doanh "
                          "nghiệp và nông dân")
    assert (t.assignee, t.what, t.deadline) == (
        "Sở Công Thương", "hằng tuần cập nhật thông tin thị trường, giá cả, thông báo kịp thời đến doanh nghiệp và nông dân",
        None)
    text, _, tasks = extracted(KITCHEN)
    (t,) = [t for t in tasks if text[t.start : t.end].startswith("các trường dừng ngay")]
    assert (t.assigner, t.assignee) == ("Lò Thị Lan Phương", "các trường")
    assert t.what.startswith("dừng ngay việc sử dụng nguồn thực phẩm không rõ nguồn gốc")


def test_blind5_figures() -> None:
    r = evaluate("blind5")
    assert (r.people.tp, r.people.pred, r.people.gold) == (16, 16, 16)
    assert (r.chairs.tp, r.chairs.pred, r.chairs.gold) == (3, 3, 3)
    assert r.meeting["name"] == 3
    assert (r.titles.tp, r.titles.pred, r.titles.gold) == (26, 26, 26)
    assert (r.statements.tp, r.statements.pred, r.statements.gold) == (51, 51, 51)
    assert (r.tasks.tp, r.tasks.pred, r.tasks.gold) == (31, 31, 31)
