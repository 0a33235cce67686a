"""Retrieval and extractive answers over the real sample reports and the shared corpus."""

from __future__ import annotations

from pathlib import Path

from rag.extractive import NOT_FOUND
from rag.library import Library
from rag.retrieval import Filters
from rag.textnorm import fold

from .conftest import CORPUS_000


def _src(lib: Library, name: str) -> str:
    return lib.resolve_source(name)


def test_accentless_query_finds_tran_quoc_to(lib: Library) -> None:
    src = _src(lib, CORPUS_000.name)
    for q in ("tran quoc to yeu cau gi", "Trần Quốc Tỏ yêu cầu gì?", "TRAN QUOC TO"):
        hits = lib.search(q, k=3)
        assert hits[0].chunk.source == src, q
        assert "Trần Quốc Tỏ" in hits[0].chunk.text, q


def test_accents_restored_from_the_corpus_for_the_dense_model(lib: Library) -> None:
    r = lib.retriever()
    assert r is not None
    restored = r.dense_query("tran quoc to yeu cau gi")
    assert restored.startswith("trần quốc tỏ yêu cầu")


def test_decomposed_query_matches_composed_text(lib: Library) -> None:
    import unicodedata

    q = unicodedata.normalize("NFD", "Trần Quốc Tỏ yêu cầu")
    assert "Trần Quốc Tỏ" in lib.search(q, k=1)[0].chunk.text


def test_answer_quotes_sentences_with_citations_that_point_at_the_text(lib: Library) -> None:
    a = lib.ask("tran quoc to yeu cau gi", answerer=lib.extractive())
    assert a.answerer == "extractive" and a.found and a.citations and "[1]" in a.answer
    for c in a.citations:
        text = lib.source_text(c.source)
        assert text[c.start : c.end] == c.text
        for s, e in c.highlights:
            assert c.text[s:e] in a.answer
    assert "Trần Quốc Tỏ" in a.answer


def test_who_chaired_question_quotes_the_chair_sentence(lib: Library) -> None:
    a = lib.ask("Ai chủ trì tại điểm cầu tỉnh Bắc Ninh?", answerer=lib.extractive())
    assert a.found and "Nguyễn Hữu Hưng" in a.answer


def test_not_found_instead_of_unrelated_sentences(lib: Library) -> None:
    a = lib.ask("Giá vàng SJC hôm nay là bao nhiêu?")
    assert not a.found and a.answer == NOT_FOUND and a.citations == ()
    a = lib.ask("Đội bóng nào vô địch World Cup 2018?")  # what is missing is named
    assert not a.found and a.answer == "Không tìm thấy thông tin về «World Cup» trong tài liệu." and a.citations == ()


def test_sample_question_about_funding(lib: Library) -> None:
    a = lib.ask("Ai đề nghị bổ sung kinh phí lập quy hoạch?")
    assert a.found and "4,5 tỷ" in a.answer


def test_filter_by_source_and_date(lib: Library) -> None:
    src = _src(lib, CORPUS_000.name)
    hits = lib.search("hội nghị", k=10, filters=Filters(sources=(src,)))
    assert hits and all(h.chunk.source == src for h in hits)
    hits = lib.search("hội nghị", k=20, filters=Filters(date_from="2021-01-01", date_to="2021-12-31"))
    assert hits and all(h.chunk.date and h.chunk.date.startswith("2021") for h in hits)
    # An article known only by its period ("Sáu tháng đầu năm 2022") is found by a 2022 range.
    hits = lib.search("công tác đảng", k=20, filters=Filters(date_from="2022-03-01", date_to="2022-05-31"))
    assert hits and all(h.chunk.source.endswith("003_ac84f5803c50524e.txt") for h in hits)
    assert lib.search("hội nghị", filters=Filters(date_from="1990-01-01", date_to="1990-12-31")) == []


def test_one_letter_syllables_are_searchable(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("Ý kiến của đại biểu ở xã A về việc ở lại.\n\nBáo cáo khác về giao thông đường bộ.", encoding="utf-8")
    lib = Library(tmp_path / "idx")
    lib.ingest([tmp_path / "a.txt"])
    bm = lib.retriever("bm25")
    assert bm is not None
    assert bm.bm25(False).scores("ý kiến ở xã")[0] > 0
    assert fold("Ý") == "y"


def test_overlong_question_is_a_clear_error(lib: Library) -> None:
    import pytest

    from rag.errors import RagError

    with pytest.raises(RagError, match="question too long"):
        lib.ask("hội nghị " * 1000)
