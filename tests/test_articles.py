"""Article boundaries, titles and Vietnamese dates."""

from __future__ import annotations

import pytest

from rag.articles import split_articles

from .conftest import CORPUS_000, CORPUS_003, SAMPLES, needs_shared

BODY = "Nội dung " + "báo cáo dài về tình hình công tác trong kỳ, " * 8 + "hết đoạn."


@pytest.mark.parametrize(
    ("head", "date", "period"),
    [
        ("Hội nghị sơ kết công tác\nĐăng vào 08/12/2021\n", "2021-12-08", None),
        ("Hội nghị sơ kết công tác\nĐăng vào 08/12/2021\nNgày 07/12, tại Hà Nội, Bộ tổ chức hội nghị.\n", "2021-12-07", None),
        ("Hội nghị tổng kết\nHà Nội, ngày 7 tháng 12 năm 2021\n", "2021-12-07", None),
        ("Ngày 15/10/2024, tại trụ sở UBND tỉnh, Sở Xây dựng tổ chức giao ban.\n", "2024-10-15", None),
        ("Sáu tháng đầu năm 2022, lực lượng Công an đã hoàn thành nhiệm vụ.\n", None, "6 tháng đầu năm 2022"),
        ("Trong quý III/2024, Sở đã triển khai nhiều nhiệm vụ.\n", None, "Quý III 2024"),
    ],
)
def test_dates_and_periods(head: str, date: str | None, period: str | None) -> None:
    art = split_articles(head + BODY, "x.txt")[0]
    assert art.date == date and art.period == period


def test_title_from_first_line_or_meeting_name() -> None:
    assert split_articles("Hội nghị giao ban quý 3 năm 2024\n\n" + BODY, "x")[0].title == "Hội nghị giao ban quý 3 năm 2024"
    art = split_articles("Sáng nay, Sở Xây dựng tổ chức Hội nghị tổng kết công tác năm 2023 tại Hà Nam. " + BODY, "x")[0]
    assert art.title == "Hội nghị tổng kết công tác năm 2023 tại Hà Nam"


def test_title_then_date_line_opens_a_new_article() -> None:
    text = "Hội nghị thứ nhất về an ninh\nĐăng vào 01/02/2023\n" + BODY + "\n\nPhòng Tham mưu\n\nHội nghị thứ hai về giao thông\nĐăng vào 05/03/2023\n" + BODY
    arts = split_articles(text, "x")
    assert [a.title for a in arts] == ["Hội nghị thứ nhất về an ninh", "Hội nghị thứ hai về giao thông"]
    assert [a.date for a in arts] == ["2023-02-01", "2023-03-05"]
    assert text[arts[0].start : arts[0].end].endswith("Phòng Tham mưu")


def test_single_reports_stay_whole() -> None:
    for f in SAMPLES.glob("*.md"):
        text = f.read_text(encoding="utf-8")
        assert len(split_articles(text, f.name)) == 1


@needs_shared
def test_shared_corpus_files_and_their_glued_form() -> None:
    a = CORPUS_000.read_text(encoding="utf-8")
    b = CORPUS_003.read_text(encoding="utf-8")
    assert len(split_articles(a, "a")) == 1 and len(split_articles(b, "b")) == 1
    for glue in ("", "\n", "\n\n"):
        arts = split_articles(a + glue + b, "ab")
        assert len(arts) == 2, glue
        assert arts[1].period == "6 tháng đầu năm 2022"
