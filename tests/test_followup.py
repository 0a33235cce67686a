"""Follow-up questions in a conversation: the rules of ``rag.followup`` on their own (people as the
library knows them), the LLM rewrite and its fallback, and whole conversations through
``Library.ask`` on the real corpus and sample reports, asserting answers and citations per turn."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from rag.cli import main
from rag.conversation import Turn, conversation_markdown, turns_from
from rag.errors import LLMError, RagError
from rag.followup import rewrite
from rag.library import Library
from rag.llm import Message
from rag.types import Answer, Citation
from tests.conftest import needs_shared

MEETING = "Hội nghị giao ban công tác Đảng và công tác chính trị trong CAND năm 2021"
CITE = Citation(1, "000.txt", MEETING, "2021-12-07", None, 0, 10, "x")


def turn(q: str, a: str = "…", cites: tuple[Citation, ...] = (CITE,)) -> Turn:
    return Turn(q, a, "", cites)


class ScriptedLLM:
    name = "scripted"

    def __init__(self, reply: str = "", error: LLMError | None = None) -> None:
        self.reply, self.error = reply, error
        self.calls: list[list[Message]] = []

    def stream(self, messages: Sequence[Message]) -> Iterator[str]:
        yield self.complete(messages)

    def complete(self, messages: Sequence[Message]) -> str:
        self.calls.append(list(messages))
        if self.error:
            raise self.error
        return self.reply


@pytest.mark.parametrize(("question", "expected"), [
    ("còn ông Nguyễn Ngọc Toàn thì sao?", "Nguyễn Ngọc Toàn yêu cầu những gì?"),
    ("con ong Nguyen Ngoc Toan thi sao", "Nguyen Ngoc Toan yêu cầu những gì?"),
    ("Thế còn bà Lê Thị Hoa?", "Lê Thị Hoa yêu cầu những gì?"),
    ("Còn năm 2022 thì sao?", "Thứ trưởng Trần Quốc Tỏ yêu cầu những gì năm 2022?"),
    ("năm trước thì sao?", "Thứ trưởng Trần Quốc Tỏ yêu cầu những gì năm 2020?"),
    ("còn về thi đua thì sao?", "Thứ trưởng Trần Quốc Tỏ yêu cầu những gì về thi đua?"),
    ("Hội nghị đó do ai chủ trì?", f"{MEETING} do ai chủ trì?"),
    ("tóm tắt lại", f"Tóm tắt {MEETING}"),
    ("Tóm tắt hội nghị đó.", f"Tóm tắt {MEETING}"),
    ("Ông Hưng phát biểu gì tại hội nghị sơ kết chuyển đổi số?", "Ông Hưng phát biểu gì tại hội nghị sơ kết chuyển đổi số?"),
])
def test_rules_against_a_person_question(question: str, expected: str) -> None:
    assert rewrite(question, [turn("Thứ trưởng Trần Quốc Tỏ yêu cầu những gì?")]) == expected


def test_pronouns_take_the_person_of_the_previous_turn() -> None:
    asked = turn("Thứ trưởng Trần Quốc Tỏ yêu cầu những gì?")
    assert rewrite("Người đó còn yêu cầu gì nữa?", [asked]) == "Trần Quốc Tỏ còn yêu cầu gì?"
    assert rewrite("họ yêu cầu gì nữa?", [asked]) == "Trần Quốc Tỏ yêu cầu gì?"
    # "Hồ" in a place name is not the pronoun "họ"
    assert rewrite("Ai chủ trì hội nghị ở Thành phố Hồ Chí Minh?", [asked]) == "Ai chủ trì hội nghị ở Thành phố Hồ Chí Minh?"
    # no person in the question: the one the answer named (people known to the library)
    chair = turn("Ai chủ trì hội nghị?", "Trần Quốc Tỏ (Trung tướng) chủ trì hội nghị [1].")
    assert rewrite("Người đó yêu cầu gì?", [chair]) == "Người đó yêu cầu gì?"  # not a known name, no honorific


def test_topic_followups_keep_the_scope() -> None:
    t = turn("Trong quý III toàn tỉnh đã cấp bao nhiêu giấy phép xây dựng?")
    assert rewrite("Còn tỷ lệ hồ sơ giải quyết đúng hạn thì sao?", [t]) == "tỷ lệ hồ sơ giải quyết đúng hạn quý III?"
    t = turn("Kết quả phòng chống thiên tai của tỉnh Yên Bái năm 2024?")
    assert rewrite("kinh phí?", [t]) == "kinh phí tỉnh Yên Bái năm 2024?"
    standalone = "Tỷ lệ hòa giải thành công năm 2023 của toàn ngành tư pháp đạt bao nhiêu?"
    assert rewrite(standalone, [t]) == standalone
    assert rewrite("Còn năm 2022 thì sao?", []) == "Còn năm 2022 thì sao?"


def test_a_role_means_its_holder_at_the_meeting_just_discussed() -> None:
    headline = Citation(1, "ls.txt", "Công an Lạng Sơn: Năm 2024 tội phạm về trật tự xã hội giảm 5,6%", "2024-12-26",
                        None, 0, 10, "x")
    t = turn("Năm 2024 công an Lạng Sơn đạt kết quả gì?", cites=(headline,))
    assert rewrite("Giám đốc Công an tỉnh yêu cầu những gì?", [t]) == (
        "Giám đốc Công an tỉnh yêu cầu những gì tại Công an Lạng Sơn?")
    assert rewrite("Phó Chủ tịch UBND tỉnh nói gì?", [turn("Ai chủ trì?")]) == f"Phó Chủ tịch UBND tỉnh nói gì tại {MEETING}?"
    for named in ("Giám đốc Công an tỉnh Lạng Sơn yêu cầu gì?", "Giám đốc Sở yêu cầu gì năm 2023?",
                  "Thứ trưởng Trần Quốc Tỏ yêu cầu gì?"):
        assert rewrite(named, [t]) == named  # a person, place or year named: a question of its own


def test_llm_rewrites_first_and_falls_back_to_rules() -> None:
    t = turn("Ai chủ trì hội nghị tổng kết?", "Ông Trần Văn An chủ trì [1].")
    llm = ScriptedLLM("Câu hỏi: Ông Trần Văn An giữ chức vụ gì?")
    assert rewrite("Ông ấy giữ chức vụ gì?", [t], llm=llm) == "Ông Trần Văn An giữ chức vụ gì?"
    assert "Ông ấy giữ chức vụ gì?" in llm.calls[0][1]["content"]
    assert "Trần Văn An" in llm.calls[0][1]["content"]  # the earlier answer is part of the context
    broken = ScriptedLLM(error=LLMError("down"))
    assert rewrite("Ông ấy giữ chức vụ gì?", [t], llm=broken) == "Trần Văn An giữ chức vụ gì?"
    rambling = ScriptedLLM("Hội nghị tổng kết diễn ra tại Hà Nội với sự tham gia của nhiều đại biểu. " * 8)
    assert rewrite("Ông ấy giữ chức vụ gì?", [t], llm=rambling) == "Trần Văn An giữ chức vụ gì?"


def test_turns_from_the_json_shells_send() -> None:
    a = Answer("Ai chủ trì?", "X chủ trì [1].", True, (CITE,), standalone="Ai chủ trì hội nghị Y?")
    t = turns_from([a.to_dict(), {"question": "q", "answer": "a"}, a])
    assert t[0] == Turn("Ai chủ trì?", "X chủ trì [1].", "Ai chủ trì hội nghị Y?", (CITE,))
    assert t[1] == Turn("q", "a") and t[1].searched == "q"
    assert t[2] == t[0]
    assert Answer.from_dict(a.to_dict()) == a
    with pytest.raises(RagError, match="question"):
        turns_from([{"question": "q"}])
    with pytest.raises(RagError):
        turns_from(["q"])  # type: ignore[list-item]
    md = conversation_markdown([a])
    assert "## 1. Ai chủ trì?" in md and "*Đã tìm: Ai chủ trì hội nghị Y?*" in md and "1. " + MEETING in md


@needs_shared
def test_conversation_on_real_reports(lib: Library) -> None:
    """Six turns in one conversation, each answered, follow-ups resolved, citations on the right spans."""
    people = lib.facts().people
    assert people
    turns: list[Turn] = []

    def say(q: str) -> Answer:
        a = lib.ask(q, history=turns)
        assert a.found, q
        for c in a.citations:
            assert lib.source_text(c.source)[c.start:c.end] == c.text
        turns.append(Turn.from_answer(a))
        return a

    a = say("Ai chủ trì hội nghị giao ban công tác Đảng năm 2021?")
    assert "Trần Quốc Tỏ" in a.answer and a.citations[0].source.endswith("000_0d3035ee6233f0e5.txt")
    a = say("Thứ trưởng Trần Quốc Tỏ yêu cầu những gì?")
    assert a.answerer == "facts" and "yêu cầu" in a.answer and "Phát biểu tại Hội nghị" in a.citations[0].text
    a = say("còn ông Nguyễn Ngọc Toàn thì sao?")
    assert a.standalone == "Nguyễn Ngọc Toàn yêu cầu những gì?"
    assert "Nguyễn Ngọc Toàn" in a.answer and "Nguyễn Ngọc Toàn" in a.citations[0].text
    a = say("Người đó nói gì?")
    assert a.standalone == "Nguyễn Ngọc Toàn nói gì?" and "Nguyễn Ngọc Toàn" in a.answer
    a = say("Tóm tắt hội nghị giao ban công tác Đảng năm 2021")
    assert a.kind == "summary" and "Chủ trì: Trần Quốc Tỏ" in a.answer and "Điểm cầu" in a.answer
    a = say("Hội nghị đó có những điểm cầu nào?")
    assert a.standalone and "Hội nghị giao ban" in a.standalone and "Bắc Ninh" in a.answer


@needs_shared
def test_rag_chat_holds_the_conversation_from_stdin(built_index: Path) -> None:
    stdin = io.StringIO("Thứ trưởng Trần Quốc Tỏ yêu cầu những gì?\ncòn ông Nguyễn Ngọc Toàn thì sao?\n/moi\n"
                        "còn ông Nguyễn Ngọc Toàn thì sao?\n")
    out, err = io.StringIO(), io.StringIO()
    assert main(["chat", "--index", str(built_index), "--json"], out, err, stdin) == 0
    turns = [json.loads(line) for line in out.getvalue().splitlines()]
    assert len(turns) == 3 and all(t["citations"] for t in turns[:2])
    assert turns[1]["standalone"] == "Nguyễn Ngọc Toàn yêu cầu những gì?" and "Nguyễn Ngọc Toàn" in turns[1]["answer"]
    assert turns[2]["standalone"] == turns[2]["question"]  # after "/moi" there is nothing to follow


def test_a_period_replaces_the_period_asked() -> None:
    asked = turn("Hội nghị về thu ngân sách năm 2025 của tỉnh Hòa Giang có kết quả gì?")
    assert rewrite("Còn 6 tháng đầu năm 2026 thì sao?", [asked]) == (
        "Hội nghị về thu ngân sách 6 tháng đầu năm 2026 của tỉnh Hòa Giang có kết quả gì?")
    assert rewrite("quý III thì sao?", [turn("Kết quả thu ngân sách?")]) == "Kết quả thu ngân sách quý III?"


def test_a_short_question_naming_nothing_is_about_the_meeting_just_discussed() -> None:
    asked = turn("Năm 2021 công tác đảng đạt kết quả gì?")
    assert rewrite("Lãnh đạo yêu cầu những gì?", [asked]) == f"Lãnh đạo yêu cầu những gì tại {MEETING}?"
    # a question naming a place of its own, or a longer one, stands alone
    assert rewrite("Tỉnh Hòa Giang thu ngân sách được bao nhiêu?", [asked]) == "Tỉnh Hòa Giang thu ngân sách được bao nhiêu?"
    untitled = Citation(1, "003.txt", "Sáu tháng đầu năm 2022, dưới sự lãnh đạo…", None, None, 0, 10, "x")
    after = turn("Trong 6 tháng đầu năm 2022, công tác đảng đạt được những kết quả gì?", cites=(untitled,))
    assert rewrite("Lãnh đạo yêu cầu những gì?", [after]) == "Lãnh đạo yêu cầu những gì 6 tháng đầu năm 2022?"
