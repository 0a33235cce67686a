"""Who said what on the sixth blind set (eval/whosaid/blind6, issue #12), used as a development set once it had
been scored: the forms its reports brought, each checked on the real report with exact spans. Covers a title
before a name whose surname is "Ưng" ("Giám đốc Cảng vụ … Ưng Thế Vĩnh"); a chair named after a fronted verb
("Dự và chủ trì hội nghị có bà …"); a plural "tại các …" in the meeting's name (the topic, not a venue); a
lower-case collective split before "và doanh nghiệp"; a commitment with a fronted condition ("Theo ông, nếu được hỗ
trợ, hợp tác xã sẽ …") and "liên minh sẽ …"; then the blind6 figures of ``eval.whosaid_v2``. Made-up lines check
the limits."""

from __future__ import annotations

import functools

from eval.whosaid_v2 import evaluate
from rag.facts.meetings import extract_meeting
from rag.facts.mentions import person_mentions
from tests import whosaid_sets
from tests.whosaid_sets import made_up_tasks, said, task

extracted = functools.partial(whosaid_sets.extracted, "blind6")
OCOP = "hoi_nghi_hoi_cho_ocop_tra_linh.txt"
PORT = "hoi_nghi_logistics_cang_vinh_cat_hai_van.txt"
HOSPITALS = "so_ket_tu_chu_benh_vien_lac_thuy.txt"


def test_a_title_before_a_name_with_surname_ung() -> None:
    text, statements, _ = extracted(PORT)
    (m,) = [m for m in person_mentions(text) if text[m.name_start : m.name_end] == "Ưng Thế Vĩnh"]
    assert text[m.start : m.end] == "Giám đốc Cảng vụ Hàng hải Hải Vân Ưng Thế Vĩnh"
    assert m.title == "Giám đốc Cảng vụ Hàng hải Hải Vân"
    assert said(statements, "Ưng Thế Vĩnh", "cho biết") == [(
        "luồng hàng hải vào cảng mới chỉ cho phép tàu trọng tải đến 50.000 tấn ra vào khi thủy triều lên, nhiều tàu "
        "lớn phải chờ ngoài phao số 0 từ 12 đến 18 giờ.", "reported")]
    # the later short form "Ông Vĩnh" is resolved to him
    (content,) = [c for c, _ in said(statements, "Ưng Thế Vĩnh", "cho biết thêm")]
    assert content.startswith("tuyến đường bộ kết nối từ cảng ra quốc lộ thường xuyên ùn tắc")


def test_a_chair_named_after_a_fronted_verb() -> None:
    text, statements, _ = extracted(HOSPITALS)
    meeting = extract_meeting(text, source=HOSPITALS, statements=statements)
    (c,) = meeting.chairs
    assert text[c.start : c.end] == "bà Hoàng Thị Thanh Nhàn, Tỉnh ủy viên, Phó Chủ tịch UBND tỉnh"
    assert c.name == "Hoàng Thị Thanh Nhàn"
    # she chairs; the attendee of the next sentence does not
    assert "Hoàng Thị Thanh Nhàn" not in [p.name for p in meeting.participants]
    assert "Hà Đình Khuê" in [p.name for p in meeting.participants]
    made_up = "Sáng 3/4, UBND tỉnh tổ chức hội nghị. Chủ trì hội nghị là ông Lê Văn An, Chủ tịch UBND tỉnh."
    assert [c.name for c in extract_meeting(made_up, source="x").chairs] == ["Lê Văn An"]
    # "chủ trì" that does not open the clause keeps its old reading: the named body chairs, no person
    made_up = "Sáng 3/4, UBND tỉnh tổ chức hội nghị. Sở Y tế chủ trì hội nghị có ông Lê Văn An dự."
    assert extract_meeting(made_up, source="x").chairs == ()


def test_a_plural_tai_cac_is_the_topic_of_the_meeting_name() -> None:
    text, statements, _ = extracted(HOSPITALS)
    meeting = extract_meeting(text, source=HOSPITALS, statements=statements)
    assert meeting.name is not None
    assert text[meeting.name.start : meeting.name.end] == (
        "hội nghị sơ kết 9 tháng năm 2026 thực hiện cơ chế tự chủ tại các bệnh viện công lập, triển khai nhiệm vụ "
        "những tháng cuối năm")
    assert meeting.place is None  # "các bệnh viện công lập" is no venue
    # one place still ends the name, and so do the bridge points "tại các điểm cầu"
    made_up = "Sáng 3/4, Sở Y tế tổ chức hội nghị sơ kết công tác y tế tại hội trường Sở Y tế."
    name = extract_meeting(made_up, source="x").name
    assert name is not None and name.value == "Hội nghị sơ kết công tác y tế"
    made_up = "Sáng 3/4, Sở Y tế tổ chức hội nghị sơ kết công tác y tế tại các điểm cầu huyện."
    name = extract_meeting(made_up, source="x").name
    assert name is not None and name.value == "Hội nghị sơ kết công tác y tế"


def test_a_lower_case_collective_and_a_second_collective() -> None:
    text, _, tasks = extracted(PORT)
    t = task(text, tasks, "Kết luận hội nghị, Phó Chủ tịch Lìn yêu cầu các sở, ngành và doanh nghiệp xác định rõ "
                          "“nút thắt” để tháo gỡ dứt điểm, không đùn đẩy trách nhiệm")
    assert (t.assigner, t.assignee, t.what) == (
        "Chẩu Văn Lìn", "các sở, ngành", "xác định rõ “nút thắt” để tháo gỡ dứt điểm, không đùn đẩy trách nhiệm")
    # a "và" that joins no collective noun is part of the name
    made_up = "Ông Lê Văn An yêu cầu ngành nông nghiệp và môi trường rà soát các hồ chứa."
    assert [a for _, _, a, _ in made_up_tasks(made_up)] == ["ngành nông nghiệp và môi trường"]


def test_commitments_with_a_fronted_condition_and_lien_minh() -> None:
    text, _, tasks = extracted(OCOP)
    t = task(text, tasks, "Theo ông, nếu được hỗ trợ, hợp tác xã sẽ đưa khoảng 5 tấn chè, măng khô và mật ong về hội "
                          "chợ")
    assert (t.kind, t.assigner, t.assignee, t.what, t.deadline) == (
        "commitment", "Lầu A Chứ", "hợp tác xã", "đưa khoảng 5 tấn chè, măng khô và mật ong về hội chợ", None)
    t = task(text, tasks, "Chủ tịch Liên minh Hợp tác xã tỉnh Giàng Seo Phử cam kết liên minh sẽ hỗ trợ 30 hợp tác xã "
                          "vùng cao mở gian hàng trên các sàn thương mại điện tử từ nay đến cuối năm")
    assert (t.kind, t.assigner, t.assignee) == ("commitment", "Giàng Seo Phử", "liên minh")
    assert t.what == "hỗ trợ 30 hợp tác xã vùng cao mở gian hàng trên các sàn thương mại điện tử"


def test_blind6_figures() -> None:
    r = evaluate("blind6")
    assert (r.people.tp, r.people.pred, r.people.gold) == (16, 16, 16)
    assert (r.chairs.tp, r.chairs.pred, r.chairs.gold) == (4, 4, 4)
    assert r.meeting["name"] == 3
    assert (r.titles.tp, r.titles.pred, r.titles.gold) == (20, 20, 20)
    assert (r.statements.tp, r.statements.pred, r.statements.gold) == (58, 58, 58)
    assert (r.tasks.tp, r.tasks.pred, r.tasks.gold) == (27, 27, 27)
