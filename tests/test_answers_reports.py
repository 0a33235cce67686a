"""Answers on long reports written like published news (``eval/answers/blind7``, after its first blind
run): a leader's announced list of tasks, comparisons of two events in two reports, places named with
figures between them, undated reports, and refusals when the reports lack what is asked. Each test
checks the key facts, the report cited, and that every citation is the exact source span."""

from __future__ import annotations

from pathlib import Path

import pytest

from rag.compound import split_question
from rag.enumeration import announces, items_after
from rag.library import Library
from rag.question import analyse
from tests.test_answers import check

REPORTS = Path(__file__).resolve().parents[1] / "eval" / "answers" / "blind7" / "reports"
TET = "vinh_xuyen_atgt_tet_2026.txt"
HOLIDAY = "vinh_xuyen_atgt_le_30_4_2026.txt"
FLOODS = "huong_thach_phong_chong_thien_tai_2026.txt"
DRUGS = "son_cuong_phong_chong_ma_tuy_6_thang_2026.txt"


@pytest.fixture(scope="module")
def lib(tmp_path_factory: pytest.TempPathFactory) -> Library:
    lib = Library(tmp_path_factory.mktemp("reports") / "index")
    files = sorted(REPORTS.glob("*.txt"))
    rep = lib.ingest(files, names={str(f): f.name for f in files})
    assert rep.ok and len(rep.added) == len(files) == 4
    return lib


def test_a_person_asked_gets_the_tasks_their_sentence_announces(lib: Library) -> None:
    a = lib.ask("Đồng chí Lê Quang Thịnh yêu cầu gì tại hội nghị sơ kết an toàn giao thông dịp Tết Nguyên đán 2026?")
    check(lib, a, ["một số nhiệm vụ trọng tâm", "9 điểm đen còn lại", "không giao xe máy"], [TET])
    items = [line for line in a.answer.splitlines() if line.startswith("- Thứ")]
    assert len(items) == 5  # "Thứ nhất" .. "Thứ năm", each its own cited span
    assert len({c.start for c in a.citations}) == 6


def test_a_list_question_gets_the_announced_items(lib: Library) -> None:
    a = lib.ask("Phó Chủ tịch Thường trực UBND tỉnh Hương Thạch đã yêu cầu các sở, ngành và địa phương những gì "
                "để phòng chống thiên tai năm 2026?")
    check(lib, a, ["trước ngày 31/5/2026", "19 hồ chứa xung yếu", "100% tàu cá", "diễn tập ứng phó bão, lũ"], [FLOODS])


def test_review_then_plan_is_one_report_not_two_parts(lib: Library) -> None:
    q = ("Tại hội nghị sơ kết phòng chống ma túy 6 tháng đầu năm 2026, lãnh đạo UBND tỉnh Sơn Cương yêu cầu các sở "
         "ngành, địa phương làm gì trong 6 tháng cuối năm?")
    assert not analyse(q).cross
    a = lib.ask(q)
    check(lib, a, ["kiểm soát chặt chẽ đường mòn", "thuốc lá điện tử", "thêm 6 xã, phường"], [DRUGS])
    assert "6 tháng cuối năm:" not in a.answer


def test_two_events_compared_one_labelled_part_each(lib: Library) -> None:
    q = "Số tiền phạt vi phạm giao thông ở Vĩnh Xuyên dịp Tết 2026 và dịp lễ 30/4 – 1/5 khác nhau thế nào?"
    assert split_question(q) == ["Số tiền phạt vi phạm giao thông ở Vĩnh Xuyên dịp Tết 2026?",
                                 "Số tiền phạt vi phạm giao thông ở Vĩnh Xuyên dịp lễ 30/4 – 1/5?"]
    a = lib.ask(q)
    check(lib, a, ["17,6 tỷ đồng", "8,9 tỷ đồng"], [TET, HOLIDAY])
    first, second = a.answer.splitlines()[:2]
    assert first.startswith("Dịp Tết 2026:") and "17,6 tỷ" in first
    assert second.startswith("Dịp lễ 30/4 – 1/5:") and "8,9 tỷ" in second


def test_places_named_with_figures_between_them(lib: Library) -> None:
    a = lib.ask("Theo lãnh đạo UBND tỉnh Vĩnh Xuyên, những xã, phường nào tai nạn giao thông dịp Tết 2026 vẫn ở mức cao?")
    assert a.kind == "list"
    check(lib, a, ["Yên Thạch", "Cẩm Vân", "phường Bình Khê"], [TET])


def test_an_undated_report_takes_the_year_its_text_names(lib: Library) -> None:
    # "Chiều 6/5, ..." with no year; the year is in the text ("mùa du lịch hè năm 2026"), and the
    # question is typed without accents
    a = lib.ask("dip le 30/4 nam 2026 vinh xuyen phat tien vi pham giao thong bao nhieu")
    check(lib, a, ["8,9 tỷ đồng"], [HOLIDAY])


def test_broad_results_keep_a_detail_with_the_sentence_it_details(lib: Library) -> None:
    a = lib.ask("Hội nghị ATGT dịp Tết của tỉnh Vĩnh Xuyên có kết quả gì?")
    check(lib, a, ["6.842 trường hợp", "17,6 tỷ đồng", "14 vụ tai nạn giao thông"], [TET])
    texts = [s.text for s in a.sentences]
    detail = next(i for i, t in enumerate(texts) if t.startswith("Trong đó, vi phạm nồng độ cồn"))
    assert texts[detail - 1].startswith("Kết quả, lực lượng chức năng")


def test_who_reported_at_the_meeting_named(lib: Library) -> None:
    a = lib.ask("Tại hội nghị rút kinh nghiệm dịp lễ 30/4 – 1/5 của Công an tỉnh Vĩnh Xuyên, ai là người báo cáo "
                "tình hình tai nạn giao thông?")
    check(lib, a, ["Trịnh Công Vinh"], [HOLIDAY])
    assert "Ảnh:" not in a.answer


@pytest.mark.parametrize(("question", "says"), [
    ("Sơn Cương thu giữ được bao nhiêu kg cần sa trong 6 tháng đầu năm 2026?", "«cần sa»"),
    ("Ông Trần Minh Khải phát biểu gì tại hội nghị an toàn giao thông của tỉnh Vĩnh Xuyên?", "«Trần Minh Khải»"),
    ("Sở Y tế tỉnh Hương Thạch báo cáo gì tại hội nghị phòng chống thiên tai?", "«Sở Y tế»"),
    ("Dịp nghỉ lễ Quốc khánh 2/9 năm 2026, tỉnh Vĩnh Xuyên xảy ra bao nhiêu vụ tai nạn giao thông?", "2/9"),
])
def test_refuses_naming_what_the_reports_lack(lib: Library, question: str, says: str) -> None:
    a = lib.ask(question)
    assert not a.found and says in a.answer, a.answer


def test_the_same_question_answers_when_the_reports_have_it(lib: Library) -> None:
    a = lib.ask("Sơn Cương thu giữ được bao nhiêu kg heroin trong 6 tháng đầu năm 2026?")
    check(lib, a, ["48,6 kg heroin"], [DRUGS])


def test_enumeration_rules() -> None:
    assert announces("Bà yêu cầu các sở, ngành tập trung thực hiện các nhiệm vụ sau:")
    assert announces("... tập trung thực hiện tốt một số nhiệm vụ trọng tâm.")
    assert not announces("Hội nghị đã thống nhất thành lập 4 chốt kiểm dịch.")
    text = "Ông yêu cầu:\nThứ nhất, làm A.\n\nThứ hai, làm B. Thứ ba, làm C.\nCuối cùng, hội nghị bế mạc."
    spans = items_after(text, text.index(":") + 1)
    assert [text[s:e] for s, e in spans] == ["Thứ nhất, làm A.", "Thứ hai, làm B.", "Thứ ba, làm C."]
    assert items_after("Không có gì. Hội nghị kết thúc.", 12) == []


def test_a_role_alone_names_its_holder_at_the_meeting_retrieved(lib: Library) -> None:
    a = lib.ask("giam doc cong an tinh Son Cuong yeu cau cac don vi lam gi trong phong chong ma tuy")
    check(lib, a, ["xác lập chuyên án", "100% người nghiện đủ điều kiện"], [DRUGS])
    assert a.kind == "person"
