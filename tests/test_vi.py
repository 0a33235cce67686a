"""The shared Vietnamese rules of ``rag.vi`` hold in every place that uses them."""

from __future__ import annotations

import pytest

from rag import vi
from rag.articles import split_articles
from rag.facts import meetings, speech
from rag.facts.intent import find_verb
from rag.types import IngestReport


@pytest.mark.parametrize("word", vi.GIAO_OTHER_WORD)
def test_giao_followed_by_another_word_is_not_the_verb_anywhere(word: str) -> None:
    text = f"Giám đốc Sở Nguyễn Văn An giao {word} với các đơn vị trong tỉnh."
    assert [s.verb for s in speech.extract_statements(text, source="a.txt")] == []
    assert meetings._ASSIGN.search(f"Sở đã giao {word} các đơn vị") is None
    assert find_verb(f"Ai giao {word} với các đơn vị?") is None
    # the verb itself still counts
    assert [s.verb for s in speech.extract_statements(text.replace(f"giao {word}", "giao Sở Tài chính rà soát"),
                                                      source="a.txt")] == ["giao"]
    assert find_verb("Ai giao Sở Tài chính rà soát?") == ("giao", 3, 7)


def test_one_publication_line_for_articles_and_meeting_titles() -> None:
    text = "Hội nghị sơ kết công tác quý III\nĐăng lúc: thứ Tư, 08/12/2021\n\nSáng nay, hội nghị đã diễn ra."
    (art,) = split_articles(text, "a.txt")
    assert art.date == "2021-12-08"
    assert vi.PUBLISHED.match("Đăng lúc: thứ Tư, 08/12/2021") and vi.PUBLISHED.match("cập nhật 8/12/2021")
    assert vi.CHAIR_VERB.search("Ông A đồng chủ trì hội nghị").group(1) == "đồng chủ trì"  # type: ignore[union-attr]


def test_one_ingest_sentence() -> None:
    rep = IngestReport(("a",), (), ("b", "c"), (("d", "hỏng"),), 7)
    assert vi.ingest_summary(rep) == "Đã lập chỉ mục: 1 mới, 0 cập nhật, 2 không đổi, 1 lỗi; 7 đoạn mới."
    assert vi.ingest_summary(rep, failed=3).endswith("3 lỗi; 7 đoạn mới.")
