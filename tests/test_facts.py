"""Who said what over a real index: ``rag who``, ``rag meetings``, ``rag summarize`` and chat questions
answered from the extracted facts. The sample reports and ../shared/corpus are ingested with the real
bundled embedder into a temporary index; tests on the shared corpus are skipped, with the reason,
when ../shared is missing."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from rag import cli_facts
from rag.cli import build_parser, main
from rag.embedders import Embedder, get_embedder
from rag.errors import LLMError
from rag.events import Done
from rag.facts.intent import parse_question
from rag.facts.router import FactsAwareAnswerer
from rag.library import Library
from rag.types import Answer, Citation

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"
CORPUS = ROOT.parent / "shared" / "corpus"
CORPUS_000 = CORPUS / "000_0d3035ee6233f0e5.txt"
GIAO_BAN = "giao-ban-so-xay-dung-quy-3-2024.md"
GLUED = "hoi-nghi-tong-ket-cong-tac-cong-an-2023.txt"

needs_shared = pytest.mark.skipif(not CORPUS_000.exists(), reason=f"shared corpus missing: {CORPUS} (../shared beside the project)")


@pytest.fixture(scope="module")
def embedder() -> Embedder:
    return get_embedder()


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Path:
    """The sample reports, plus the shared corpus when it is there, in one real index."""
    idx = tmp_path_factory.mktemp("facts") / "index"
    paths = [p for p in sorted(SAMPLES.iterdir()) if p.name != "README.md"]
    if CORPUS.is_dir():
        paths.append(CORPUS)
    rep = Library(idx, embedder=embedder).ingest(paths)
    assert rep.ok and rep.added
    return idx


@pytest.fixture()
def lib(index: Path, embedder: Embedder) -> Library:
    return Library(index, embedder=embedder)


def rag(index: Path, *argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    rc = main([*argv, "--index", str(index)], out=out, err=err)
    return rc, out.getvalue(), err.getvalue()


def rag_json(index: Path, *argv: str) -> dict[str, Any]:
    rc, out, err = rag(index, *argv, "--json")
    assert rc == 0, err
    return json.loads(out)


def assert_exact(lib: Library, c: dict[str, Any] | Citation) -> None:
    """A citation's text is the source span it names, highlighted whole."""
    d = c.to_dict() if isinstance(c, Citation) else c
    assert d["text"] and lib.source_text(d["source"])[d["start"] : d["end"]] == d["text"]
    assert d["highlights"] == [[0, len(d["text"])]]


# -- rag who -----------------------------------------------------------------------------------
def test_who_lists_each_person_once_whatever_the_title(index: Path) -> None:
    people = rag_json(index, "who")["people"]
    hung = [p for p in people if p["key"] == "le van hung"]
    assert len(hung) == 1  # "Thiếu tướng Lê Văn Hùng", "Giám đốc Lê Văn Hùng", "Ông" ... are one person
    assert {"Giám đốc Công an tỉnh", "Thiếu tướng, Giám đốc Công an tỉnh"} <= set(hung[0]["titles"])
    assert hung[0]["counts"]["statements"] >= 5 and hung[0]["counts"]["chaired"] >= 1
    rc, out, _ = rag(index, "who")
    assert rc == 0 and sum(ln.startswith("Lê Văn Hùng —") for ln in out.splitlines()) == 1


@needs_shared
def test_who_lists_tran_quoc_to_once(index: Path) -> None:
    people = rag_json(index, "who")["people"]
    to = [p for p in people if p["key"] == "tran quoc to"]
    assert len(to) == 1
    assert "Thứ trưởng" in to[0]["titles"] and any("Trung tướng" in t for t in to[0]["titles"])
    assert to[0]["counts"] == {"statements": 1, "chaired": 1, "spoke_at": 1, "attended": 0}
    rc, out, _ = rag(index, "who")
    assert sum(ln.startswith("Trần Quốc Tỏ —") for ln in out.splitlines()) == 1


@needs_shared
@pytest.mark.parametrize("name", ["tran quoc to", "Trần Quốc Tỏ", "Tỏ", "quoc to", "Thứ trưởng Tỏ"])
def test_who_name_gives_statements_pointing_into_the_source(index: Path, lib: Library, name: str) -> None:
    data = rag_json(index, "who", name)
    person = data["people"][0]
    assert person["name"] == "Trần Quốc Tỏ"
    cites = {c["n"]: c for c in data["citations"]}
    (st,) = person["statements"]
    text = lib.source_text(st["source"])
    assert text[st["start"] : st["end"]] == st["text"]
    assert st["text"].startswith("Phát biểu tại Hội nghị, Thứ trưởng Trần Quốc Tỏ yêu cầu") and st["kind"] == "requirement"
    assert (cites[st["citation"]]["start"], cites[st["citation"]]["end"]) == (st["start"], st["end"])
    (role,) = person["roles"]
    assert role["role"] == "chair" and "chủ trì" in cites[role["citation"]]["text"]
    for c in data["citations"]:
        assert_exact(lib, c)


@needs_shared
def test_who_name_text_has_markers_and_numbered_sources(index: Path) -> None:
    rc, out, _ = rag(index, "who", "tran quoc to")
    assert rc == 0 and "[1]" in out and "[2]" in out and "\nNguồn:\n[1] " in out and "yêu cầu" in out


def test_who_unknown_name_is_a_clear_error(index: Path) -> None:
    rc, out, err = rag(index, "who", "Nguyễn Văn Không Có")
    assert rc == 1 and not out and "không tìm thấy ai tên “Nguyễn Văn Không Có”" in err


def test_who_on_an_empty_index_says_so(tmp_path: Path) -> None:
    rc, out, _ = rag(tmp_path / "none", "who")
    assert rc == 0 and "Chưa có ai" in out


def test_who_summary_gives_roles_per_meeting_and_requests_by_topic(index: Path, lib: Library) -> None:
    data = rag_json(index, "who", "Phạm Thị Thu Hà", "--summary")
    (p,) = data["people"]
    cites = {c["n"]: c for c in data["citations"]}
    for c in data["citations"]:
        assert_exact(lib, c)
    ms = p["meetings"]  # by date, each with the roles held and the titles that report gives her
    assert [m["date"] for m in ms] == ["2023-12-07", "2024-07-12", "2024-09-18", "2024-10-15"]
    storm = ms[2]
    assert storm["meeting"] == "Cuộc họp khẩn triển khai các biện pháp ứng phó với bão số 4 và mưa lũ"
    assert storm["roles"] == ["chair", "speaker"] and storm["date_label"] == "18/09/2024"
    assert storm["titles"] == ["Phó Chủ tịch UBND tỉnh", "Trưởng Ban Chỉ huy Phòng, chống thiên tai và tìm kiếm cứu nạn tỉnh"]
    assert "chủ trì cuộc họp" in cites[storm["citation"]]["text"]
    assert ms[0]["roles"] == ["participant", "speaker"] and ms[0]["titles"] == ["Phó Chủ tịch UBND tỉnh"]
    topics = {t["topic"]: t for t in p["topics"]}
    disaster = topics["Thiên tai, cứu nạn, phòng cháy"]
    assert "hồ chứa" in disaster["keywords"]
    dam = next(it for it in disaster["items"] if it["assignee"] == "Sở Nông nghiệp và Phát triển nông thôn")
    assert (dam["kind"], dam["verb"], dam["deadline"]) == ("assignment", "giao", "2024-09-20")
    cited = cites[dam["citation"]]
    assert (cited["start"], cited["end"]) == (dam["start"], dam["end"])
    assert cited["text"] == "Đồng thời, Phó Chủ tịch giao Sở Nông nghiệp và Phát triển nông thôn kiểm tra an toàn " \
                            "các hồ chứa, báo cáo UBND tỉnh trước ngày 20/9/2024"
    land = topics["Đất đai, mặt bằng"]["items"][0]  # "Phát biểu chỉ đạo, … yêu cầu Sở Xây dựng …": the verb used
    assert (land["verb"], land["assignee"], land["date"]) == ("yêu cầu", "Sở Xây dựng", "2024-10-15")
    rc, out, _ = rag(index, "who", "pham thi thu ha", "--summary")
    assert rc == 0 and out.startswith("Tóm tắt: Phạm Thị Thu Hà\n\nVai trò theo cuộc họp:\n")
    assert "chức danh: Phó Chủ tịch UBND tỉnh; Trưởng Ban Chỉ huy Phòng, chống thiên tai" in out
    assert "Thiên tai, cứu nạn, phòng cháy (từ khóa: " in out and "\nNguồn:\n[1] " in out
    assert f"kiểm tra an toàn các hồ chứa, báo cáo UBND tỉnh — hạn: trước ngày 20/9/2024 — 18/09/2024 [{dam['citation']}]" in out
    rc, _, err = rag(index, "who", "--summary")
    assert rc == 1 and "rag who TÊN --summary" in err


REPORTS = ROOT / "eval" / "whosaid" / "reports"


@pytest.fixture(scope="module")
def reports_index(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Path:
    """Two issue #12 reports: one published the next year, one that gives no year at all."""
    idx = tmp_path_factory.mktemp("reports") / "index"
    names = ("hop_ban_chi_dao_giai_ngan_von_dau_tu_cong_phu_van.txt", "giao_ban_chuyen_doi_so_van_linh.txt")
    assert Library(idx, embedder=embedder).ingest([REPORTS / n for n in names]).ok
    return idx


def test_who_dates_show_day_and_month_and_mark_an_inferred_year(reports_index: Path) -> None:
    rc, out, _ = rag(reports_index, "who", "Đinh Công Hậu")
    assert rc == 0 and "không rõ ngày" not in out
    assert "◦ 18/09 (không rõ năm) — Hội nghị giao ban trực tuyến về chuyển đổi số và triển khai Đề án 06" in out
    assert "chức danh: Ủy viên Ban Thường vụ Tỉnh ủy; Phó Chủ tịch Thường trực UBND tỉnh; Chủ tịch Ủy ban Chuyển" in out
    assert "  • 18/09 (không rõ năm) — " in out
    data = rag_json(reports_index, "who", "Lương Văn Chính")
    (at,) = data["people"][0]["at_meetings"]
    assert (at["date"], at["date_text"], at["year_inferred"], at["year_evidence"]) == (
        "2023-12-29", "Chiều 29/12", True, "02/01/2024")
    assert all(st["date_label"] == "29/12/2023 (năm suy ra)" for st in data["people"][0]["statements"])
    ms = {m["source"].rsplit("/", 1)[-1][:8]: m for m in rag_json(reports_index, "meetings")["meetings"]}
    assert (ms["giao_ban"]["date"]["value"], ms["giao_ban"]["year_evidence"]) == ("--09-18", None)
    assert ms["hop_ban_"]["date_label"] == "29/12/2023 (năm suy ra)" and ms["hop_ban_"]["date_text"] == "Chiều 29/12"
    rc, out, _ = rag(reports_index, "meetings")
    assert "— 18/09 (không rõ năm)" in out and "— 29/12/2023 (năm suy ra)" in out


# -- rag meetings ------------------------------------------------------------------------------
@needs_shared
def test_meetings_give_the_chair_of_the_corpus_000_meeting(index: Path, lib: Library) -> None:
    meetings = rag_json(index, "meetings")["meetings"]
    (m,) = [m for m in meetings if m["source"].endswith(CORPUS_000.name)]
    cites = {c["n"]: c for c in m["citations"]}
    assert [c["name"] for c in m["chairs"]] == ["Trần Quốc Tỏ"]
    chair_text = cites[m["chairs"][0]["citation"]]["text"]
    assert "Trần Quốc Tỏ" in chair_text and "chủ trì" in chair_text
    assert m["date"]["value"] == "2021-12-07" and m["place"]["value"] == "Hà Nội"
    bridge = [b for b in m["bridges"] if b["chair"]]
    assert bridge[0]["place"] == "tỉnh Bắc Ninh" and bridge[0]["chair"]["name"] == "Nguyễn Hữu Hưng"
    for c in m["citations"]:
        assert_exact(lib, c)


def test_meetings_list_tasks_with_deadlines_and_skip_non_reports(index: Path, lib: Library) -> None:
    meetings = rag_json(index, "meetings")["meetings"]
    (m,) = [m for m in meetings if m["source"].endswith(GIAO_BAN)]
    task = next(t for t in m["tasks"] if t["who"] == "Phòng Quản lý xây dựng")
    assert task["deadline"] == "trước ngày 30/11/2024" and task["assigned_by"] == "Nguyễn Minh Tuấn"
    cites = {c["n"]: c for c in m["citations"]}
    assert "30/11/2024" in cites[task["citation"]]["text"]
    assert len([m for m in meetings if m["source"].endswith(GLUED)]) == 2  # two reports in one file
    rc, out, _ = rag(index, "meetings")
    assert rc == 0 and "Chủ trì: Nguyễn Minh Tuấn" in out and "thời hạn: trước ngày 30/11/2024" in out


# -- rag summarize -----------------------------------------------------------------------------
def test_summarize_json_every_line_carries_citations(index: Path, lib: Library) -> None:
    data = rag_json(index, "summarize", GIAO_BAN)
    assert data["source"].endswith(GIAO_BAN)
    (s,) = data["summaries"]
    assert s["summarizer"] == "extractive" and s["lines"]
    numbers = {c["n"] for c in s["citations"]}
    for ln in s["lines"]:
        assert ln["citations"] and set(ln["citations"]) <= numbers, ln
    for c in s["citations"]:
        assert_exact(lib, c)
    chair = next(ln for ln in s["lines"] if ln["section"] == "chair")
    assert chair["text"].startswith("Nguyễn Minh Tuấn")
    rc, out, _ = rag(index, "summarize", GLUED)
    assert rc == 0 and out.count("**Chủ trì**") == 2 and "[1]" in out


class ScriptedLLM:
    """A ``ChatLLM`` that writes a fixed summary (or fails), to check the LLM summary path."""

    name = "scripted"

    def __init__(self, reply: str = "", error: LLMError | None = None) -> None:
        self.reply = reply
        self.error = error

    def complete(self, messages: Sequence[dict[str, str]]) -> str:
        if self.error:
            raise self.error
        return self.reply

    def stream(self, messages: Sequence[dict[str, str]]) -> Iterator[str]:
        yield self.complete(messages)


class LLMOnly:
    """What ``build_answerer`` returns when an LLM is configured: an answerer holding ``llm``."""

    name = "llm:scripted"

    def __init__(self, llm: ScriptedLLM) -> None:
        self.llm = llm
        self.embedder = None


def _summarize_with(index: Path, llm: ScriptedLLM) -> dict[str, Any]:
    args = build_parser().parse_args(["summarize", GIAO_BAN, "--index", str(index), "--json"])
    out = io.StringIO()
    assert cli_facts.run(args, out, io.StringIO(), lambda a, lib: LLMOnly(llm)) == 0
    return json.loads(out.getvalue())["summaries"][0]


def test_summarize_with_an_llm_uses_its_text_and_checks_citations(index: Path, lib: Library) -> None:
    reply = ("## Chủ trì\n- Giám đốc Sở Xây dựng Nguyễn Minh Tuấn chủ trì hội nghị [2].\n"
             "## Nhiệm vụ\n- Phòng Quản lý xây dựng hoàn thành rà soát các công trình chậm tiến độ trước ngày 30/11/2024 [99].")
    s = _summarize_with(index, ScriptedLLM(reply))
    assert s["summarizer"] == "llm:scripted" and "notice" not in s
    assert [c["n"] for c in s["citations"]] == [2]  # [99] points at no fact and is dropped
    first = s["lines"][0]
    assert first["section"] == "Chủ trì" and first["citations"] == [2] and first["supported"] is True
    assert_exact(lib, s["citations"][0])


def test_summarize_falls_back_to_extractive_when_the_llm_fails(index: Path) -> None:
    s = _summarize_with(index, ScriptedLLM(error=LLMError("máy chủ không trả lời")))
    assert s["summarizer"] == "extractive" and "máy chủ không trả lời" in s["notice"]
    s = _summarize_with(index, ScriptedLLM("Một bản tóm tắt không trích dẫn gì."))
    assert s["summarizer"] == "extractive" and "không trích dẫn" in s["notice"]


# -- chat questions answered from facts ---------------------------------------------------------
def facts_answer(lib: Library, question: str) -> Answer:
    a = lib.ask(question)
    assert a.found and a.answerer == "facts", (a.answerer, a.answer)
    assert "[1]" in a.answer and a.citations and all(s.citations for s in a.sentences)
    for c in a.citations:
        assert_exact(lib, c)
    return a


@needs_shared
def test_chat_who_chaired_the_party_work_meeting(lib: Library) -> None:
    a = facts_answer(lib, "Ai chủ trì hội nghị giao ban công tác Đảng và công tác chính trị trong CAND năm 2021?")
    assert a.answer.startswith("Trần Quốc Tỏ")
    c = a.citations[0]
    assert c.source.endswith(CORPUS_000.name) and c.text.startswith("Đồng chí Trung tướng Trần Quốc Tỏ")
    assert c.text.endswith("chủ trì hội nghị.")
    assert "Nguyễn Hữu Hưng" in a.answer  # the bridge point's chair, with its own citation
    assert lib.ask("Ai chủ trì hội nghị giao ban công tác Đảng...?").citations[0].text == c.text


@needs_shared
@pytest.mark.parametrize("q", ["Thứ trưởng Trần Quốc Tỏ yêu cầu gì?", "thu truong tran quoc to yeu cau gi", "Ông Tỏ yêu cầu những gì?"])
def test_chat_what_did_tran_quoc_to_require(lib: Library, q: str) -> None:
    a = facts_answer(lib, q)
    (c,) = a.citations
    assert c.text.startswith("Phát biểu tại Hội nghị, Thứ trưởng Trần Quốc Tỏ yêu cầu trong thời gian tới")
    assert "Tiếp tục siết chặt kỷ luật" in c.text  # the statement runs through its list sentences
    assert "Trần Quốc Tỏ (Thứ trưởng) yêu cầu:" in a.answer


def test_chat_who_proposed_more_funding(lib: Library) -> None:
    a = facts_answer(lib, "Ai đề xuất bổ sung kinh phí?")
    assert "Hồ Thị Ngọc Anh" in a.answer and "4,5 tỷ đồng" in a.answer
    assert a.citations[0].text.startswith("Tại hội nghị, đồng chí Hồ Thị Ngọc Anh")


def test_chat_who_spoke_and_who_chaired_a_bridge_point(lib: Library) -> None:
    a = facts_answer(lib, "Ai phát biểu tại hội nghị sơ kết chuyển đổi số?")
    assert {"Dương Thị Hồng Nhung", "Lê Văn Hùng", "Tạ Quang Huy"} <= {s.text.split(" (")[0] for s in a.sentences}
    assert all(c.source.endswith("hoi-nghi-so-ket-chuyen-doi-so-6-thang-2024.txt") for c in a.citations)
    a = facts_answer(lib, "Ai chủ trì tại điểm cầu huyện Bá Thước?")
    assert "Lương Văn Định" in a.answer and a.citations[0].text.startswith("Tại điểm cầu huyện Bá Thước")


def test_other_questions_go_to_the_inner_answerer(lib: Library) -> None:
    a = lib.ask("Trong quý III toàn tỉnh đã cấp bao nhiêu giấy phép xây dựng?")
    assert a.answerer == "extractive" and "1.240" in a.answer
    # an organisation, not a person, made this commitment: no statement, so retrieval answers
    assert lib.ask("Ai cam kết phủ sóng 4G?").answerer == "extractive"


def test_router_protocol_and_question_forms(lib: Library) -> None:
    ans = lib.answerer
    assert isinstance(ans, FactsAwareAnswerer) and ans.name == "facts+extractive" and ans.llm is None
    hits = lib.search("Ai đề xuất bổ sung kinh phí?")
    events = list(ans.stream("Ai đề xuất bổ sung kinh phí?", hits))
    assert len(events) == 1 and isinstance(events[0], Done) and events[0].answer.answerer == "facts"
    people = lib.facts().people
    assert parse_question("Ai chủ trì cuộc họp?", people).form == "chair"  # type: ignore[union-attr]
    assert parse_question("Giám đốc Lê Văn Hùng đề nghị gì?", people).form == "person"  # type: ignore[union-attr]
    assert parse_question("Ai phát biểu tại hội nghị?", people).form == "speakers"  # type: ignore[union-attr]
    assert parse_question("Ai giao ban?", people) is None  # "giao ban" is a meeting, not "giao"
    assert parse_question("Tỷ lệ hồ sơ trực tuyến là bao nhiêu?", people) is None


# -- the cache ---------------------------------------------------------------------------------
def test_facts_are_cached_per_generation_and_reuse_unchanged_documents(tmp_path: Path, embedder: Embedder) -> None:
    lib = Library(tmp_path / "idx", embedder=embedder)
    lib.ingest([SAMPLES / GIAO_BAN])
    first = lib.facts()
    assert lib.facts() is first  # kept by the library until the next generation
    lib.ingest([SAMPLES / GLUED])
    second = lib.facts()
    assert second is not first and second.generation != first.generation
    (giao_ban,) = [s for s in second.docs if s.endswith(GIAO_BAN)]
    assert second.docs[giao_ban] is first.docs[giao_ban]  # not re-analysed
    assert second.find_person("Trinh Van Son") and not first.find_person("Trinh Van Son")
    lib.remove(giao_ban)
    assert not lib.facts().find_person("Hồ Thị Ngọc Anh")
