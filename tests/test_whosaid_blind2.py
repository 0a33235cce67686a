"""Who said what on the second blind set (eval/whosaid/blind2, issue #12), used as a development set once it had
been scored: the forms its reports brought, each checked on the real report with exact spans. Covers people
named after a title without an honorific (an upland surname after a commune's name, "và" inside the body's
name), a surname-first short form ("bà Mai Phương"), "Thầy Hòe", a caption placed at a bridge point, and the
tasks: a fronted addressee with a comma inside ("Đối với UBND các xã, phường có rừng, …"), a time phrase fronted
before the committing unit, "nhà trường sẽ …" with a condition, and a person told to act by title and name or by
a short form; then the blind2 figures of ``eval.whosaid_v2``. A few made-up lines check the limits of the rules."""

from __future__ import annotations

import functools

from eval.whosaid_v2 import evaluate
from rag.facts.mentions import person_mentions
from tests import whosaid_sets
from tests.whosaid_sets import said, task

extracted = functools.partial(whosaid_sets.extracted, "blind2")
FOREST = "hoi_nghi_phong_chay_rung_mua_kho_lung_van.txt"
LABOUR = "hoi_nghi_xuat_khau_lao_dong_bich_giang.txt"
SCHOOLS = "hop_an_toan_truong_hoc_khai_giang_cam_ha.txt"


def test_an_upland_surname_after_a_communes_name_and_a_caption_at_a_bridge_point() -> None:
    # "Vàng" (Hmông) starts the name right after the commune "Khau Mận"; the caption is not a statement
    text, statements, tasks = extracted(FOREST)
    (m,) = [m for m in person_mentions(text) if m.name == "Vàng A Sính"]
    assert (text[m.start : m.name_end], m.title) == ("Chủ tịch UBND xã Khau Mận Vàng A Sính", "Chủ tịch UBND xã Khau Mận")
    assert said(statements, "Vàng A Sính", "phát biểu") == []
    assert said(statements, "Vàng A Sính", "cho biết") == [
        ("nhiều khu rừng của xã có địa hình chia cắt, xe chữa cháy không thể tiếp cận.", "reported")]
    t = task(text, tasks, "Ông Sính cam kết xã Khau Mận sẽ thành lập thêm 6 tổ đội phòng cháy, chữa cháy rừng tại các "
                          "thôn giáp rừng và tổ chức diễn tập chữa cháy tại chỗ từ nay đến ngày 31/3")
    assert (t.kind, t.assigner, t.assignee, t.deadline_text, t.deadline) == (
        "commitment", "Vàng A Sính", "xã Khau Mận", "từ nay đến ngày 31/3", {"from": "2026-03-05", "to": "2026-03-31"})
    assert t.what == ("thành lập thêm 6 tổ đội phòng cháy, chữa cháy rừng tại các thôn giáp rừng và tổ chức diễn tập "
                      "chữa cháy tại chỗ")


def test_va_inside_a_bodys_name_before_the_name_and_the_pronoun_after_it() -> None:
    text, statements, _ = extracted(FOREST)
    again = [m for m in person_mentions(text) if m.name == "Lã Thị Thu Hằng" and text[m.start : m.start + 8] == "Giám đốc"]
    assert [text[m.start : m.name_end] for m in again] == ["Giám đốc Sở Nông nghiệp và Môi trường Lã Thị Thu Hằng"]
    assert said(statements, "Lã Thị Thu Hằng", "cho biết") == [
        ("kinh phí phòng cháy, chữa cháy rừng năm 2026 của tỉnh là 9,6 tỷ đồng, chưa đủ để mua sắm máy thổi gió, "
         "bơm chữa cháy cho các tổ đội quần chúng.", "reported")]
    assert said(statements, "Lã Thị Thu Hằng", "thừa nhận") == [
        ("nhiều chủ rừng là hộ gia đình chưa xây dựng phương án phòng cháy, chậm tiến độ phát dọn thực bì trước mùa "
         "khô.", "reported")]
    # a second person after "và" keeps their own title: "và" right before a name does not join a body's name
    made_up = "Cùng dự có ông Nguyễn Văn An, Giám đốc Sở Tài chính; Phó Giám đốc Sở Xây dựng và Trần Minh Bảo."
    assert [(m.name, m.title) for m in person_mentions(made_up)] == [("Nguyễn Văn An", "Giám đốc Sở Tài chính")]


def test_a_surname_first_short_form_after_an_honorific() -> None:
    # "Mai" is a surname, yet "bà Mai Phương" after "Thân Thị Mai Phương" is her short form
    text, statements, _ = extracted(LABOUR)
    assert {m.name for m in person_mentions(text) if text[m.start : m.name_end].lower() == "bà mai phương"} == {
        "Thân Thị Mai Phương"}
    assert said(statements, "Thân Thị Mai Phương", "nói") == [
        ("Đi làm việc ở nước ngoài phải là con đường thoát nghèo, chứ không phải con đường dẫn vào nợ nần", "quote")]
    # with no longer name to end in it, a two-syllable name stays as written
    assert [m.name for m in person_mentions("Bà Mai Phương, Giám đốc Công ty An Bình, cho biết …")] == ["Mai Phương"]


def test_thay_and_a_schools_commitment_with_a_condition() -> None:
    text, statements, tasks = extracted(SCHOOLS)
    assert said(statements, "Giáp Văn Hòe", "cho biết") == [
        ("nhà trường sẽ đưa 6 phòng học mới vào sử dụng trước ngày 5/9 nếu nhà thầu bàn giao công trình trong tháng 8.",
         "reported")]
    t = task(text, tasks, "Thầy Hòe cho biết nhà trường sẽ đưa 6 phòng học mới vào sử dụng trước ngày 5/9 nếu nhà thầu "
                          "bàn giao công trình trong tháng 8")
    assert (t.kind, t.assigner, t.assignee, t.what, t.deadline_text, t.deadline) == (
        "commitment", "Giáp Văn Hòe", "nhà trường", "đưa 6 phòng học mới vào sử dụng", "trước ngày 5/9", "--09-05")


def test_a_fronted_addressee_with_a_comma_and_a_fronted_time_phrase() -> None:
    text, _, tasks = extracted(FOREST)
    t = task(text, tasks, "Đối với UBND các xã, phường có rừng, ông Tiến yêu cầu rà soát, cập nhật phương án phòng "
                          "cháy, chữa cháy rừng theo phương châm “bốn tại chỗ”, kiểm tra phương án của 100% chủ rừng là "
                          "tổ chức, hoàn thành chậm nhất ngày 31/3/2026")
    assert (t.assigner, t.assignee, t.deadline) == ("Nông Đức Tiến", "UBND các xã, phường có rừng", "2026-03-31")
    assert t.what == ("rà soát, cập nhật phương án phòng cháy, chữa cháy rừng theo phương châm “bốn tại chỗ”, kiểm tra "
                      "phương án của 100% chủ rừng là tổ chức")
    t = task(text, tasks, "Giám đốc Sở cho biết thêm, trong tháng 3, ngành nông nghiệp và môi trường sẽ phối hợp với "
                          "các chủ rừng tổ chức phát dọn thực bì, làm mới 85 km đường băng cản lửa tại các lâm phần "
                          "trọng điểm")
    assert (t.kind, t.assigner, t.assignee, t.deadline_text, t.deadline) == (
        "commitment", "Lã Thị Thu Hằng", "ngành nông nghiệp và môi trường", "trong tháng 3",
        {"from": "2026-03-01", "to": "2026-03-31"})
    assert t.what == ("phối hợp với các chủ rừng tổ chức phát dọn thực bì, làm mới 85 km đường băng cản lửa tại các "
                      "lâm phần trọng điểm")


def test_a_person_told_to_act_by_a_short_form_or_by_title_and_name() -> None:
    text, _, tasks = extracted(LABOUR)
    t = task(text, tasks, "Bà Mai Phương giao đồng chí Kiên chủ trì tổng kết mô hình “xã xuất khẩu lao động”, đề xuất "
                          "cơ chế hỗ trợ người lao động sau khi về nước, báo cáo UBND tỉnh vào cuối năm")
    assert (t.assigner, t.assignee, t.deadline) == ("Thân Thị Mai Phương", "Đàm Xuân Kiên", "2025-12-31")
    text, _, tasks = extracted(SCHOOLS)
    t = task(text, tasks, "Ông giao Phó Chủ tịch UBND thành phố Đồng Sĩ Nguyên trực tiếp chỉ đạo, đôn đốc tiến độ các "
                          "công trình trường học đang thi công, giải quyết dứt điểm tình trạng thiếu phòng học ở các "
                          "phường trung tâm từ nay đến cuối năm")
    assert (t.assigner, t.assignee) == ("Kha Hoài An", "Đồng Sĩ Nguyên")
    assert t.what.startswith("trực tiếp chỉ đạo, đôn đốc") and t.deadline == {"from": "--08-26", "to": "--12-31"}


def test_whosaid_v2_blind2_figures() -> None:
    res = evaluate("blind2")
    assert res.people.p >= 0.95 and res.people.r >= 0.95
    assert res.statements.p >= 0.9 and res.statements.r >= 0.9
    assert res.tasks.f1 >= 0.85 and res.provenance >= 0.9
