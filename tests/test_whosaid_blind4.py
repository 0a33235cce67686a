"""Who said what on the fourth blind set (eval/whosaid/blind4, issue #12), used as a development set once it had
been scored: the forms its reports brought, each checked on the real report with exact spans. Covers the tasks:
"hứa" as a commitment verb ("Thượng tá Luân hứa Công an tỉnh sẽ …", "Bà Trang cũng hứa sẽ …"), "Theo <chức danh>,
sở sẽ …", a list run on in the paragraph after its colon ("… bốn nhóm nhiệm vụ sau: Thứ nhất, …. Thứ hai, …") and
a feast ending the action ("trước Tết Nguyên đán"); then a pronoun's gender from the honorific, a photo caption
that is no statement, a body behind "Theo báo cáo của …" that is no person, a fronted title ("Giám đốc Công ty …,
ông X, cho biết"), a chair whose title holds a list ("xúc tiến đầu tư, thương mại, du lịch tỉnh") and a season that
fixes the meeting's year; then the blind4 figures of ``eval.whosaid_v2``. Made-up lines check the limits."""

from __future__ import annotations

import functools

from eval.whosaid_v2 import evaluate
from rag.dates import meeting_date
from rag.facts.meetings import extract_meeting
from rag.facts.mentions import person_mentions
from rag.facts.speech import extract_statements, is_person_speaker
from tests import whosaid_sets
from tests.whosaid_sets import made_up_tasks, task

extracted = functools.partial(whosaid_sets.extracted, "blind4")
POWER = "hoi_nghi_cung_ung_dien_mua_nang_nong_nam_kha.txt"
SHOP = "hoi_nghi_thuong_mai_dien_tu_nong_san_dong_nguyen.txt"
INVEST = "hoi_nghi_xuc_tien_dau_tu_bao_khe.txt"


def test_hua_is_a_commitment_verb() -> None:
    text, _, tasks = extracted(POWER)
    t = task(text, tasks, "Thượng tá Luân hứa Công an tỉnh sẽ kiểm tra an toàn phòng cháy đối với toàn bộ cơ sở sản xuất "
                          "có công suất sử dụng điện lớn trong tháng 6")
    assert (t.kind, t.assigner, t.assignee, t.deadline_text, t.deadline) == (
        "commitment", "Hứa Minh Luân", "Công an tỉnh", "trong tháng 6", {"from": "2026-06-01", "to": "2026-06-30"})
    assert t.what == "kiểm tra an toàn phòng cháy đối với toàn bộ cơ sở sản xuất có công suất sử dụng điện lớn"
    text, _, tasks = extracted(INVEST)
    t = task(text, tasks, "Bà Trang cũng hứa sẽ dành ít nhất 70% vị trí việc làm của dự án cho lao động địa phương")
    assert (t.kind, t.assigner, t.assignee, t.what, t.deadline) == (
        "commitment", "Đoàn Thu Trang", "Đoàn Thu Trang",
        "dành ít nhất 70% vị trí việc làm của dự án cho lao động địa phương", None)
    # "không hứa" inside a quote is no task, and neither is the surname "Hứa"
    assert not [t for t in tasks if "không hứa" in text[t.start : t.end]]
    text, _, tasks = extracted(SHOP)
    t = task(text, tasks, "Bà hứa sàn Chợ Việt Số sẽ hoàn thành xây dựng gian hàng chung “Đặc sản Đồng Nguyên” trước "
                          "ngày 20/1")
    assert (t.assigner, t.assignee, t.what, t.deadline) == (
        "Chu Ngọc Yến", "sàn Chợ Việt Số", "hoàn thành xây dựng gian hàng chung “Đặc sản Đồng Nguyên”", "--01-20")


def test_a_feast_ending_the_action_is_no_deadline() -> None:
    text, statements, tasks = extracted(INVEST)
    t = task(text, tasks, "Bà cam kết công ty sẽ khởi công hạng mục hạ tầng kỹ thuật giai đoạn 1 trước Tết Nguyên đán")
    assert (t.assigner, t.assignee, t.what, t.deadline_text) == (
        "Đoàn Thu Trang", "công ty", "khởi công hạng mục hạ tầng kỹ thuật giai đoạn 1", None)
    # the pronoun "Bà" is Đoàn Thu Trang, introduced with "Bà" though her name holds no "Thị"
    assert [(s.content, s.provenance) for s in statements if s.verb == "cam kết"] == [
        ("công ty sẽ khởi công hạng mục hạ tầng kỹ thuật giai đoạn 1 trước Tết Nguyên đán.", "reported")]
    assert [s.speaker for s in statements if s.verb == "cam kết"] == ["Đoàn Thu Trang"]


def test_theo_a_title_is_the_speakers_statement_and_commitment() -> None:
    text, statements, tasks = extracted(SHOP)
    # (the reporter's "Trước đó, tỉnh đã giao …" after it still runs on in the same statement: a known limit)
    (st,) = [s for s in statements if s.verb == "theo" and s.speaker == "Hồ Thị Mai Phương" and s.content.startswith("sở")]
    assert st.content.startswith("sở sẽ phối hợp với Bưu điện tỉnh mở thêm 30 điểm thu gom hàng tại các xã vùng cao từ "
                                 "nay đến cuối năm.")
    t = task(text, tasks, "Theo Giám đốc Sở Công Thương, sở sẽ phối hợp với Bưu điện tỉnh mở thêm 30 điểm thu gom hàng "
                          "tại các xã vùng cao từ nay đến cuối năm")
    assert (t.kind, t.assigner, t.assignee, t.deadline) == (
        "commitment", "Hồ Thị Mai Phương", "sở", {"from": "--10-08", "to": "--12-31"})
    assert t.what == "phối hợp với Bưu điện tỉnh mở thêm 30 điểm thu gom hàng tại các xã vùng cao"
    # "Theo kế hoạch, …" names no speaker: a plan, not a commitment
    assert made_up_tasks("Ông Nguyễn Văn An, Chủ tịch UBND tỉnh, cho biết tỉnh đã chuẩn bị.\n\nTheo kế hoạch, tỉnh sẽ "
                         "khởi công cầu mới.") == []


def test_a_list_run_on_after_its_colon() -> None:
    text, _, tasks = extracted(POWER)
    got = [(t.assignee, t.what, t.deadline_text) for t in tasks if t.assigner == "Phùng Thị Thu Hà"][:4]
    assert got == [
        ("Công ty Điện lực Nam Kha", "xây dựng phương án cấp điện chi tiết cho từng tình huống thiếu nguồn, gửi Sở Công "
                                     "Thương", "trước 5/6"),
        ("Sở Công Thương", "chủ trì, phối hợp với Sở Xây dựng kiểm tra việc chấp hành quy định sử dụng điện tiết kiệm "
                           "tại trụ sở cơ quan nhà nước, hệ thống chiếu sáng công cộng", "trong tháng 6 và tháng 7"),
        ("Sở Giáo dục và Đào tạo", "lồng ghép nội dung tiết kiệm điện vào hoạt động hè của học sinh", None),
        ("UBND các huyện, thành phố", "vận động người dân không sử dụng điện để bẫy chuột, bảo vệ hành lang an toàn lưới "
                                      "điện", None),
    ]
    first = task(text, tasks, "Công ty Điện lực Nam Kha xây dựng phương án cấp điện chi tiết cho từng tình huống thiếu "
                              "nguồn, gửi Sở Công Thương trước 5/6")
    assert first.deadline == "2026-06-05"  # the year from "mùa nắng nóng năm 2026"
    assert not [t for t in tasks if t.assignee == "các thành viên Ban Chỉ đạo"]  # the announcing clause is no task


def test_a_season_in_the_lead_fixes_the_year() -> None:
    text = whosaid_sets.read("blind4", POWER)
    md = meeting_date(text)
    assert md is not None and (md.iso, md.year_inferred, md.evidence) == ("2026-05-21", True, "mùa nắng nóng năm 2026")
    # a December lead prepares next year's season
    dec = meeting_date("Tin\n\nSáng 20/12, tỉnh tổ chức hội nghị chuẩn bị phòng, chống thiên tai mùa mưa bão năm 2025.")
    assert dec is not None and dec.iso == "2024-12-20"


def test_a_photo_caption_is_no_statement() -> None:
    _, statements, _ = extracted(SHOP)
    assert not [s for s in statements if "Ảnh:" in s.content]
    # (the reporter's "Tỉnh phấn đấu …" after the second still runs on in it: a known limit)
    got = [s.content for s in statements if s.speaker == "Chu Ngọc Yến"]
    assert [s.verb for s in statements if s.speaker == "Chu Ngọc Yến"] == ["cho biết", "hứa"]
    assert got[0] == ("sàn Chợ Việt Số đang có khoảng 1,2 triệu lượt truy cập mỗi ngày, trong đó nhóm hàng đặc sản vùng "
                      "miền tăng trưởng nhanh nhất.")
    assert got[1].startswith("sàn Chợ Việt Số sẽ hoàn thành xây dựng gian hàng chung “Đặc sản Đồng Nguyên” trước ngày 20/1.")


def test_a_body_behind_theo_bao_cao_is_no_person() -> None:
    _, statements, _ = extracted(POWER)
    (st,) = [s for s in statements if s.verb == "theo báo cáo"]
    assert (st.speaker, st.provenance, is_person_speaker(st)) == ("Sở Công Thương", "reported", False)


def test_a_fronted_title_and_a_chair_whose_title_holds_a_list() -> None:
    text = whosaid_sets.read("blind4", POWER)
    assert [m.title for m in person_mentions(text) if m.name == "Triệu Đức Hạ"][0] == "Giám đốc Công ty Điện lực Nam Kha"
    text = whosaid_sets.read("blind4", INVEST)
    titles = {m.name: m.title for m in reversed(person_mentions(text))}
    assert titles["Khổng Minh Đạt"] == "Trưởng Ban Quản lý các khu công nghiệp tỉnh"
    meeting = extract_meeting(text, source=INVEST, statements=extract_statements(text, source=INVEST))
    assert [(c.name, c.title) for c in meeting.chairs] == [
        ("Tạ Quang Thuận", "Phó Bí thư Tỉnh ủy, Chủ tịch UBND tỉnh, Trưởng ban Chỉ đạo xúc tiến đầu tư, thương mại, du "
                           "lịch tỉnh")]
    # an action after the comma ends the title
    assert [m.title for m in person_mentions(text) if m.name == "Nông Quốc Bảo"][-1] == "Phó Chủ tịch UBND tỉnh"
    # inside a list of attendees, the title before a comma stays the previous person's
    listed = person_mentions("Dự hội nghị có ông Nguyễn Văn An, Giám đốc Sở Y tế, ông Trần Văn Bình, Giám đốc Sở Tài chính.")
    assert [(m.name, m.title) for m in listed] == [
        ("Nguyễn Văn An", "Giám đốc Sở Y tế"), ("Trần Văn Bình", "Giám đốc Sở Tài chính")]


def test_blind4_figures() -> None:
    res = evaluate("blind4")
    for name in ("people", "chairs", "statements", "tasks", "titles"):
        c = getattr(res, name)
        assert (c.tp, c.pred, c.gold) == (c.gold, c.gold, c.gold), (name, res.misses)
    assert res.meeting["date+inferred"] == 3 and res.meeting["evidence"] == 3
