"""Answers by question type on realistic reports (the frozen ``eval/answers`` set, written in the style of
published meeting reports) and on the real shared corpus: the key facts in the answer, the report cited,
and the quoted span highlighted inside the cited passage."""

from __future__ import annotations

from pathlib import Path

import pytest

from rag.library import Library
from rag.types import Answer
from tests.conftest import needs_shared

REPORTS = Path(__file__).resolve().parents[1] / "eval" / "answers" / "reports"


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> Library:
    lib = Library(tmp_path_factory.mktemp("answers") / "index")
    files = sorted(REPORTS.glob("*.txt"))
    rep = lib.ingest(files, names={str(f): f.name for f in files})
    assert rep.ok and len(rep.added) == len(files) >= 10
    return lib


def check(lib: Library, a: Answer, facts: list[str], sources: list[str]) -> None:
    """Found, holds every key fact, cites every report named, and each quoted sentence is highlighted
    inside its citation, which is the exact source span."""
    assert a.found, a.answer
    for f in facts:
        assert f in a.answer, (f, a.answer)
    cited = {c.source for c in a.citations}
    assert set(sources) <= cited, (sources, cited)
    for c in a.citations:
        assert lib.source_text(c.source)[c.start : c.end] == c.text
        assert c.highlights and all(0 <= s < e <= len(c.text) for s, e in c.highlights)
    for s in a.sentences:
        if a.answerer == "extractive":
            c = a.citations[s.citations[0] - 1]
            assert any(" ".join(c.text[x:y].split()) == s.text for x, y in c.highlights), s.text


@pytest.mark.parametrize(("question", "kind", "facts", "source"), [
    ("Trong 9 tháng năm 2024 tỉnh Bình Định cấp bao nhiêu giấy phép xây dựng?", "number", ["1.215"],
     "so-xay-dung-binh-dinh-quy-3-2024.txt"),
    ("Thiên tai năm 2023 ở Yên Bái gây thiệt hại bao nhiêu tiền?", "number", ["186 tỷ đồng"],
     "phong-chong-thien-tai-yen-bai-2024.txt"),
    ("Hội nghị tổng kết công tác công an năm 2024 của Công an Lạng Sơn diễn ra khi nào?", "date", ["Chiều 26/12"],
     "cong-an-lang-son-tong-ket-2024.txt"),
    ("Trận lũ quét gây thiệt hại nặng nề nhất ở Yên Bái năm 2023 xảy ra ở đâu?", "place", ["Văn Chấn"],
     "phong-chong-thien-tai-yen-bai-2024.txt"),
    ("yen bai con bao nhieu ho dan can di doi khan cap ra khoi vung nguy hiem", "number", ["412 hộ"],
     "phong-chong-thien-tai-yen-bai-2024.txt"),
])
def test_one_sentence_holds_the_fact(reports: Library, question: str, kind: str, facts: list[str], source: str) -> None:
    a = reports.ask(question)
    assert a.kind == kind
    check(reports, a, facts, [source])
    assert len(a.sentences) <= 2  # the sentence that holds it, not the article's lead


def test_list_gives_every_item_as_bullets(reports: Library) -> None:
    a = reports.ask("Thiệt hại do thiên tai năm 2023 ở Yên Bái tập trung ở những địa phương nào?")
    assert a.kind == "list"
    check(reports, a, ["Văn Chấn", "Trạm Tấu", "Mù Cang Chải", "Nghĩa Lộ"], ["phong-chong-thien-tai-yen-bai-2024.txt"])
    assert "\n- " in a.answer


def test_broad_question_gets_key_sentences_of_the_report(reports: Library) -> None:
    a = reports.ask("Kết quả thanh tra đất đai năm 2024 ở Long An như thế nào?")
    assert a.kind == "broad" and 3 <= len(a.sentences) <= 6
    check(reports, a, ["38,6 ha"], ["quan-ly-dat-dai-long-an-2024.txt"])
    assert "tổ chức hội nghị" not in a.answer  # the meeting's frame is not a result
    starts = [reports.source_text(a.citations[s.citations[0] - 1].source).find(s.text) for s in a.sentences]
    assert starts == sorted(starts)  # in document order


def test_two_years_one_part_each_from_its_own_report(reports: Library) -> None:
    a = reports.ask("Lạng Sơn xảy ra bao nhiêu vụ cháy trong năm 2023 và năm 2024?")
    check(reports, a, ["Năm 2023:", "23 vụ cháy", "Năm 2024:", "19 vụ"],
          ["cong-an-lang-son-tong-ket-2023.txt", "cong-an-lang-son-tong-ket-2024.txt"])


def test_two_questions_in_one(reports: Library) -> None:
    a = reports.ask("Ai chủ trì hội nghị phòng, chống thiên tai của tỉnh Yên Bái và ai chủ trì hội nghị thanh tra thuế "
                    "của Cục Thuế Bắc Giang?")
    assert a.kind == "compound"
    check(reports, a, ["Đinh Công Sáu", "Đào Xuân Quang"],
          ["phong-chong-thien-tai-yen-bai-2024.txt", "thanh-tra-thue-bac-giang-9-thang-2024.txt"])


def test_who_required_gives_all_the_person_asked(reports: Library) -> None:
    a = reports.ask("Phó Chủ tịch UBND tỉnh Thái Quốc Dũng yêu cầu những gì đối với ngành giáo dục?")
    assert a.answerer == "facts"
    check(reports, a, ["30/9", "phòng học tạm", "nhà công vụ"], ["giao-duc-kien-giang-nam-hoc-2023-2024.txt"])


def test_summary_in_the_chat(reports: Library) -> None:
    a = reports.ask("Tóm tắt hội nghị tổng kết công tác công an năm 2024 của Công an tỉnh Lạng Sơn")
    assert a.kind == "summary"
    check(reports, a, ["Chủ trì: Hoàng Văn Khiêm"], ["cong-an-lang-son-tong-ket-2024.txt"])


@pytest.mark.parametrize(("question", "says"), [
    ("Năm 2025 Công an tỉnh Lạng Sơn điều tra làm rõ được bao nhiêu vụ phạm tội về trật tự xã hội?", "Không tìm thấy"),
    ("Thiệt hại do thiên tai năm 2023 ở tỉnh Lào Cai là bao nhiêu?", "«Lào Cai»"),
    ("Ai là Giám đốc Sở Xây dựng tỉnh Quảng Ngãi?", "«Quảng Ngãi»"),
    ("ai la chu tich ubnd tinh yen bai", "«chu tich ubnd»"),  # only a "Phó Chủ tịch" is named there
    ("Chỉ số chuyển đổi số DTI năm 2024 của Thái Bình xếp thứ mấy?", "Không tìm thấy"),  # the report gives 2023's
    ("Đảng ủy Khối các cơ quan tỉnh Quảng Trị kết nạp bao nhiêu đảng viên trong 6 tháng cuối năm 2024?", "Không tìm thấy"),
    # he spoke, but not about exams: "thị xã" folds to "thi", which is not the topic
    ("Ông Lê Đình Nam đề nghị gì về kỳ thi tốt nghiệp THPT năm 2024?", "Lê Đình Nam về kỳ thi tốt nghiệp THPT"),
])
def test_refuses_what_the_reports_do_not_say(reports: Library, question: str, says: str) -> None:
    a = reports.ask(question)
    assert not a.found and a.citations == () and a.answer.startswith("Không tìm thấy") and says in a.answer, a.answer


@needs_shared
def test_broad_questions_on_the_real_reports(lib: Library) -> None:
    a = lib.ask("Trong 6 tháng đầu năm 2022, công tác đảng đạt được những kết quả gì?")
    assert a.found and a.kind == "broad" and len(a.sentences) >= 3
    assert {c.source.rsplit("/", 1)[-1] for c in a.citations} == {"003_ac84f5803c50524e.txt"}
    a = lib.ask("Năm 2021 công tác đảng, công tác chính trị trong CAND đạt được những kết quả nổi bật nào?")
    assert a.found and "dân vận" in a.answer and "Ngày 07/12, tại Hà Nội" not in a.answer
    assert {c.source.rsplit("/", 1)[-1] for c in a.citations} == {"000_0d3035ee6233f0e5.txt"}
    a = lib.ask("Lãnh đạo đã yêu cầu gì tại hội nghị giao ban năm 2021 và hội nghị sơ kết 6 tháng đầu năm 2022?")
    assert a.found and "Năm 2021:" in a.answer and "6 tháng đầu năm 2022:" in a.answer
    assert {c.source.rsplit("/", 1)[-1] for c in a.citations} == {"000_0d3035ee6233f0e5.txt", "003_ac84f5803c50524e.txt"}


def test_any_counted_noun_is_a_figure() -> None:
    """Broad answers rank sentences by their figures: "14.862 thí sinh" counts though "thí sinh" is in no
    list of units; a year or a day/month is not a count."""
    from rag.sentences import passage_sentences

    text = ("Toàn tỉnh có 14.862 thí sinh đăng ký dự thi, trong đó 757 thí sinh tự do. "
            "Sáng 3/6 năm 2025 của tỉnh, hội nghị họp tại hội trường lớn của Sở.")
    first, second = passage_sentences(text)
    assert (first.figures, second.figures) == (2, 0)


@pytest.fixture(scope="module")
def samples_lib(tmp_path_factory: pytest.TempPathFactory) -> Library:
    lib = Library(tmp_path_factory.mktemp("samples-index"))
    lib.ingest([Path(__file__).resolve().parents[1] / "samples"])
    return lib


def test_shortcomings_are_the_ones_the_report_names_or_an_honest_no(samples_lib: Library) -> None:
    a = samples_lib.ask("Sở Xây dựng quý III năm 2024 còn những khó khăn, tồn tại gì?")
    assert a.found and a.kind == "broad", a.answer
    assert "nguyên nhân chậm triển khai nhà ở xã hội là do thủ tục giao đất kéo dài" in a.answer
    assert all(c.source.endswith("giao-ban-so-xay-dung-quy-3-2024.md") for c in a.citations), [c.source for c in a.citations]
    # the digital transformation report names no shortcoming at all: say so, do not quote its results
    b = samples_lib.ask("Công tác chuyển đổi số 6 tháng đầu năm 2024 còn những hạn chế gì?")
    assert not b.found and b.citations == () and "không nêu hạn chế" in b.answer, b.answer
