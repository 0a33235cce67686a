"""Citation markers and the sentence support check (real bundled embedder)."""

from __future__ import annotations

import pytest

from rag.embedders import get_embedder
from rag.llm.citecheck import (
    DEFAULT_THRESHOLDS,
    Thresholds,
    check_answer,
    cited_sentences,
    clean_markers,
    decide,
    lexical_support,
    numbers_missing,
    parse_markers,
    strip_markers,
)

PASSAGE = (
    "Đội thủ của Panthers chỉ thua 308 điểm, đứng thứ sáu trong giải đấu, đồng thời dẫn đầu NFL về "
    "số lần đoạt bóng với 24 lần. Kawann Short dẫn đầu đội về số lần vật ngã với 11 lần. "
    "Jared Allen dẫn đầu về số lần vật ngã trong sự nghiệp NFL với 136 lần."
)
OTHER = (
    "Sông Rhine chảy qua Thụy Sĩ, Áo, Đức và Hà Lan trước khi đổ ra Biển Bắc. "
    "Chiều dài của sông là khoảng 1.230 km."
)


@pytest.fixture(scope="module")
def embedder():  # noqa: ANN201
    return get_embedder()


def test_parse_marker_forms() -> None:
    text = "A [1]. B [1, 2]. C [1][3]. D [2-4]. E [ 5 ;6 ]. F [x] [2024 ]"
    assert [m.numbers for m in parse_markers(text)] == [(1,), (1, 2), (1, 3), (2, 3, 4), (5, 6)]
    assert text[parse_markers(text)[2].start : parse_markers(text)[2].end] == "[1][3]"


def test_clean_markers_drops_unknown_numbers() -> None:
    assert clean_markers("Một [1]. Hai [7]. Ba [1, 7][2].", {1, 2}) == "Một [1]. Hai. Ba [1][2]."
    assert strip_markers("Ba [1][2]. ") == "Ba."


def test_leading_markers_belong_to_previous_sentence() -> None:
    text = "Câu một. [1] Câu hai [2]. Câu ba không có nguồn."
    got = [(text[s:e], c) for s, e, c in cited_sentences(text)]
    assert got == [("Câu một. [1]", (1,)), ("Câu hai [2].", (2,)), ("Câu ba không có nguồn.", ())]


def test_supported_sentence_accepted(embedder) -> None:  # noqa: ANN001
    r = check_answer("Kawann Short dẫn đầu đội về số lần vật ngã với 11 lần [1].", {1: PASSAGE, 2: OTHER}, embedder)
    (c,) = r.checks
    assert c.sentence.supported is True and c.sentence.citations == (1,)
    assert c.sentence.text == "Kawann Short dẫn đầu đội về số lần vật ngã với 11 lần."
    ((n, s, e),) = c.best
    assert n == 1 and PASSAGE[s:e].startswith("Kawann Short")


def test_paraphrase_without_diacritics_accepted(embedder) -> None:  # noqa: ANN001
    r = check_answer("Jared Allen co 136 lan vat nga trong su nghiep [1].", {1: PASSAGE}, embedder)
    assert r.sentences[0].supported is True


def test_unsupported_sentence_rejected(embedder) -> None:  # noqa: ANN001
    # Cited against the wrong passage: the claim is about the Rhine, the passage about football.
    r = check_answer("Sông Rhine chảy qua Thụy Sĩ và đổ ra Biển Bắc [1].", {1: PASSAGE, 2: OTHER}, embedder)
    assert r.sentences[0].supported is False
    # Same claim, right passage.
    r = check_answer("Sông Rhine chảy qua Thụy Sĩ và đổ ra Biển Bắc [2].", {1: PASSAGE, 2: OTHER}, embedder)
    assert r.sentences[0].supported is True


def test_same_topic_but_unstated_claim_rejected(embedder) -> None:  # noqa: ANN001
    r = check_answer("Huấn luyện viên của Panthers bị sa thải sau mùa giải vì thành tích kém [1].", {1: PASSAGE}, embedder)
    assert r.sentences[0].supported is False


def test_wrong_number_rejected(embedder) -> None:  # noqa: ANN001
    assert numbers_missing("Kawann Short có 12 lần vật ngã.", PASSAGE)
    r = check_answer("Kawann Short dẫn đầu đội về số lần vật ngã với 12 lần [1].", {1: PASSAGE}, embedder)
    assert r.checks[0].lexical >= DEFAULT_THRESHOLDS.lexical and r.sentences[0].supported is False


def test_unchecked_and_uncited_sentences(embedder) -> None:  # noqa: ANN001
    text = "## Kết quả\nKhông tìm thấy thông tin này trong tài liệu.\nKawann Short có 11 lần vật ngã."
    r = check_answer(text, {1: PASSAGE}, embedder)
    assert [s.supported for s in r.sentences] == [None, None, False]
    assert r.cited == ()


def test_multi_citation_uses_union_of_passages(embedder) -> None:  # noqa: ANN001
    text = "Kawann Short có 11 lần vật ngã, còn sông Rhine đổ ra Biển Bắc [1][2]."
    r = check_answer(text, {1: PASSAGE, 2: OTHER}, embedder)
    assert r.sentences[0].supported is True and {b[0] for b in r.checks[0].best} == {1, 2}


def test_decision_rule() -> None:
    th = Thresholds(lexical=0.6, embedding=0.85, lexical_floor=0.3)
    assert decide(0.6, None, th)
    assert not decide(0.5, None, th)
    assert decide(0.4, 0.9, th) and not decide(0.2, 0.99, th) and not decide(0.4, 0.8, th)


def test_lexical_support_folds_diacritics() -> None:
    assert lexical_support("KAWANN SHORT DAN DAU DOI", PASSAGE) == pytest.approx(1.0)
    assert lexical_support("Sông Rhine", PASSAGE) == 0.0
