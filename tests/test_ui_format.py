"""The UI's plain functions (``ui.format``, ``ui.logic``) without Gradio: escaping, highlights,
the "Nguồn" block, the documents table, upload names and storage, search scope, options.
The answers and documents come from a real index built with the bundled embedder."""

from __future__ import annotations

import re
import socket
import sys
from pathlib import Path

import pytest

from rag.facts import Facts
from rag.library import Library
from rag.retrieval import Filters
from rag.types import Answer, Citation, IngestReport
from ui import format as fmt
from ui import logic

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
HOSTILE = (
    "# Tài liệu thử\n\nÔng A nói: <script>alert(1)</script> và <img src=http://evil.example/x.png> "
    "cùng ![x](http://evil.example/x.png) & **đậm** $$x$$ [1](javascript:alert(1))\n\nHết."
)


def _visible(html_fragment: str) -> str:
    """Roughly what a browser shows: tags dropped, entities decoded."""
    import html

    return html.unescape(re.sub(r"<[^>]+>", "", html_fragment.replace("<br>", "\n")))


def test_escape_text_leaves_nothing_active() -> None:
    out = fmt.escape_text(HOSTILE)
    assert "<script" not in out and "<img" not in out
    for active in ("![", "](", "**", "$$", "\n\n"):
        assert active not in out
    assert _visible(out) == HOSTILE


def test_highlight_marks_spans_and_escapes() -> None:
    text = "Câu một <b>. Câu hai & ba."
    out = fmt.highlight(text, [(12, 26), (0, 3), (100, 200), (5, 2)])
    assert out.count("<mark>") == 2
    assert "<b>" not in out
    marked = re.findall(r"<mark>(.*?)</mark>", out)
    assert [_visible(m) for m in marked] == ["Câu", " Câu hai & ba."]
    assert _visible(out) == text
    # overlapping spans merge
    assert fmt.highlight("abcdef", [(0, 3), (2, 5)]).count("<mark>") == 1


def test_sources_and_answer_html() -> None:
    c = Citation(1, "x/<bad>.md", "Tiêu đề <i>", "2024-10-15", 3, 10, 40, HOSTILE, ((29, 59),))
    a = Answer("q", "Ông A nói điều đó <script>x</script> [1].", True, (c,), notice="Dùng trả lời trích đoạn")
    out = fmt.answer_html(a)
    assert '<details class="nguon">' in out and "<summary>Nguồn (1)</summary>" in out
    assert "<script" not in out and "<img" not in out and "<i>" not in out
    assert '<span class="cite">&#91;1&#93;</span>' in out
    assert "\n\n" not in out
    vis = _visible(out)
    assert "Tiêu đề <i>" in vis and "2024-10-15" in vis and "x/<bad>.md, trang 3" in vis
    assert "Dùng trả lời trích đoạn" in vis
    assert _visible(re.search(r"<mark>(.*?)</mark>", out).group(1)) == HOSTILE[29:59]
    assert fmt.sources_html(()) == ""
    nodate = Citation(2, "a.txt", "T", None, None, 0, 1, "x")
    assert fmt.NO_DATE in _visible(fmt.sources_html([nodate], open_=True))
    assert "<details class=\"nguon\" open>" in fmt.sources_html([nodate], open_=True)


def test_a_source_read_from_a_scan_says_so_and_shows_the_page() -> None:
    scan = Citation(1, "quét.pdf", "Sơ kết", "2024-06-03", 2, 0, 20, "Bắt giữ 312 đối tượng.", ((0, 7),), 93.6)
    typed = Citation(2, "a.md", "Giao ban", None, None, 0, 4, "Chữ")
    note = "(nhận dạng chữ từ bản quét, độ tin cậy 94%)"
    out = fmt.sources_html([scan, typed])  # no page image to show: the note only
    assert _visible(out).count(note) == 1 and "<img" not in out
    urls = {1: 'gradio_api/file=/i/pages/ab-2.png?"><script>'}
    out = fmt.answer_html(Answer("q", "312 [1] [2].", True, (scan, typed)), lambda c: urls.get(c.n))
    scan_li, typed_li = out.split('<li class="source">')[1:]
    assert note in _visible(scan_li) and note not in _visible(typed_li) and "<img" not in typed_li
    src = 'gradio_api/file=/i/pages/ab-2.png?&quot;&gt;&lt;script&gt;'  # the URL stays inside its attribute
    assert f'<a class="page-image" href="{src}" target="_blank"><img src="{src}" alt="Bản quét trang 2"' in scan_li
    assert "<script" not in out and "\n\n" not in out
    assert "<blockquote><mark>Bắt giữ</mark>" in scan_li  # the recognised text beside the page
    # a conversation restored from the browser shows them again
    restored = fmt.conversation_messages([Answer.from_dict(Answer("q", "312 [1].", True, (scan,)).to_dict())],
                                         lambda c: urls[c.n])
    assert note in _visible(restored[1]["content"]) and "<img" in restored[1]["content"]


def test_streaming_and_messages() -> None:
    out = fmt.streaming_html("Đang viết [1] <b>", "Máy LLM không phản hồi")
    assert "<b>" not in out and '<span class="cite">&#91;1&#93;</span>' in out
    assert "Máy LLM không phản hồi" in _visible(out)
    assert _visible(fmt.message_html(fmt.EMPTY_INDEX)) == fmt.EMPTY_INDEX


def test_ingest_summary_names_failures() -> None:
    rep = IngestReport(("a.md",), (), ("b.md",), (("hỏng.pdf", "PDF bị lỗi"),), 4)
    out = fmt.ingest_summary(rep, [("virus.exe", "loại tệp không được hỗ trợ")])
    assert "1 mới" in out and "1 không đổi" in out and "4 đoạn mới" in out
    assert "hỏng" in _visible(out) and "PDF bị lỗi" in out and "virus" in _visible(out)
    assert fmt.ingest_summary(None) == "Không có tệp nào."


@pytest.fixture(scope="module")
def lib(tmp_path_factory: pytest.TempPathFactory) -> Library:
    lib = Library(tmp_path_factory.mktemp("idx"))
    rep = lib.ingest([SAMPLES / "giao-ban-so-xay-dung-quy-3-2024.md"], names={
        str(SAMPLES / "giao-ban-so-xay-dung-quy-3-2024.md"): "giao-ban.md"})
    assert rep.added == ("giao-ban.md",)
    return lib


def test_real_answer_renders_with_highlight(lib: Library) -> None:
    a = lib.ask("Trong quý III toàn tỉnh đã cấp bao nhiêu giấy phép xây dựng?")
    assert a.found and a.citations
    out = fmt.answer_html(a)
    c = a.citations[0]
    s, e = c.highlights[0]
    assert _visible(re.search(r"<mark>(.*?)</mark>", out).group(1)) == c.text[s:e]
    assert lib.source_text(c.source)[c.start:c.end] == c.text
    rows = fmt.docs_table(lib.documents())
    assert rows == [["Giao ban Sở Xây dựng quý III năm 2024", "2024-10-15", "giao-ban.md", rows[0][3]]]
    assert rows[0][3] >= 1


@pytest.mark.parametrize(("raw", "want"), [
    ("Báo cáo tổng kết 2024.pdf", "Báo cáo tổng kết 2024.pdf"),
    ("../../etc/passwd", "passwd"),
    ("..\\..\\win.ini", "win.ini"),
    ("a<b>c:d|e?.txt", "a_b_c_d_e.txt"),
    ("....", "tai-lieu"),
    ("\x00\x01.md", "tai-lieu.md"),
    ("Giao  ban sơ\u0300 .md", "Giao ban sờ.md"),
])
def test_sanitize_filename(raw: str, want: str) -> None:
    assert logic.sanitize_filename(raw) == want


def test_store_uploads_copies_and_refuses(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    good = inbox / "Biên bản họp.md"
    good.write_text("# Họp\n\nNội dung.", encoding="utf-8")
    bad = inbox / "chương trình.exe"
    bad.write_bytes(b"MZ")
    big = inbox / "lớn.txt"
    big.write_bytes(b"x" * (1024 * 1024 + 1))
    dest = tmp_path / "index" / "uploads"
    stored, rejected = logic.store_uploads([good, bad, big, inbox / "mất.txt"], dest, max_mb=1)
    assert stored == {str(dest / "Biên bản họp.md"): "Biên bản họp.md"}
    assert (dest / "Biên bản họp.md").read_text(encoding="utf-8") == "# Họp\n\nNội dung."
    reasons = dict(rejected)
    assert "không được hỗ trợ" in reasons["chương trình.exe"]
    assert "quá lớn" in reasons["lớn.txt"] and "không đọc được" in reasons["mất.txt"]
    assert logic.stored_uploads(dest) == stored
    assert not logic.forget_upload(dest, "samples/Biên bản họp.md")
    assert logic.forget_upload(dest, "Biên bản họp.md") and logic.stored_uploads(dest) == {}


def test_build_filters() -> None:
    assert logic.build_filters([], "", " ") == Filters(None, None, None)
    assert logic.build_filters(["a.md"], "2024-01-01", "2024-12-31") == Filters(("a.md",), "2024-01-01", "2024-12-31")
    with pytest.raises(ValueError, match="Từ ngày không hợp lệ"):
        logic.build_filters(None, "15/10/2024", "")
    with pytest.raises(ValueError, match="Khoảng ngày"):
        logic.build_filters(None, "2024-12-31", "2024-01-01")


def test_parse_auth_and_port_free() -> None:
    assert logic.parse_auth("an:mật:khẩu") == ("an", "mật:khẩu")
    assert logic.parse_auth(None) is None
    with pytest.raises(ValueError):
        logic.parse_auth("chỉ-tên")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        assert not logic.port_free("127.0.0.1", s.getsockname()[1])


def test_format_and_logic_do_not_import_gradio() -> None:
    from ui import format_facts, format_tasks

    assert "gradio" not in sys.modules or all(
        "gradio" not in (getattr(m, "__file__", "") or "") for m in (fmt, logic)
    )
    for mod in (fmt, logic, format_facts, format_tasks):
        src = Path(mod.__file__).read_text(encoding="utf-8")
        assert "import gradio" not in src


def test_facts_tabs_formatting(tmp_path: Path) -> None:
    from ui import format_facts as ff

    lib = Library(tmp_path / "idx")
    docs = [SAMPLES / "giao-ban-so-xay-dung-quy-3-2024.md", SAMPLES / "hoi-nghi-tong-ket-cong-tac-cong-an-2023.txt"]
    lib.ingest(docs)
    facts = lib.facts()
    rows = ff.people_rows(facts.people)
    assert rows and {"Nguyễn Minh Tuấn", "Vũ Thị Mai"} <= {r[0] for r in rows}
    key = dict((label.split(" (")[0], k) for label, k in ff.person_choices(facts))["Vũ Thị Mai"]
    sts = ff.select_statements(facts, key, None)
    assert sts and all(s.speaker == "Vũ Thị Mai" for s in sts)
    out = ff.statements_html(facts, sts)
    assert out.count('<details class="nguon">') == len(sts) and "Vũ Thị Mai" in _visible(out)
    marked = _visible(re.search(r"<mark>(.*?)</mark>", out).group(1))
    assert marked == lib.source_text(sts[0].source)[sts[0].start:sts[0].end]
    meetings = ff.meeting_choices(facts)
    assert len(meetings) >= 2
    label, mkey = next((lab, k) for lab, k in meetings if "giao-ban-so-xay-dung" in lab)
    src, art = ff.parse_meeting_key(mkey)
    in_meeting = ff.select_statements(facts, None, mkey)
    assert in_meeting and all((s.source, s.article) == (src, art) for s in in_meeting)
    assert ff.select_statements(facts, key, mkey) == [s for s in in_meeting if s.speaker == "Vũ Thị Mai"]
    html_ = ff.summary_html(facts.summary(src, art))
    vis = _visible(html_)
    assert "Chủ trì" in vis and "Nguyễn Minh Tuấn" in vis and '<details class="nguon">' in html_
    assert ff.parse_meeting_key("x") is None and ff.parse_meeting_key(None) is None
    assert ff.NO_FACTS in _visible(ff.statements_html(Facts({}), []))
    assert "Không có phát biểu" in _visible(ff.statements_html(facts, []))
    many = ff.statements_html(facts, list(facts.statements), limit=2)
    assert many.count("<li class=\"statement\">") == 2 and "phát biểu khác" in _visible(many)


def test_who_tab_person_summary_view_and_meeting_dates() -> None:
    from ui import format_facts as ff

    from .test_whosaid import DIGITAL, facts_of

    facts = facts_of(DIGITAL)
    key = facts.find_person("Đinh Công Hậu")[0].key
    out = ff.person_profile_html(facts, key)
    vis = _visible(out)
    assert "Tóm tắt: Đinh Công Hậu" in vis and "Vai trò theo cuộc họp" in vis
    assert "18/09 (không rõ năm) — Hội nghị giao ban trực tuyến về chuyển đổi số" in vis
    assert "Chức danh: Ủy viên Ban Thường vụ Tỉnh ủy; Phó Chủ tịch Thường trực UBND tỉnh" in vis
    assert "Chuyển đổi số (từ khóa: " in vis and "[đề nghị] Công an tỉnh: hoàn thành việc làm sạch dữ liệu hộ tịch" in vis
    text = facts.docs[DIGITAL.name].text
    marked = [_visible(m) for m in re.findall(r"<mark>(.*?)</mark>", out)]
    assert marked and all(m in text for m in marked)  # each source quotes its exact span
    assert any(m.startswith("“Tôi đề nghị Công an tỉnh") for m in marked)
    assert out.count('<details class="nguon">') == 1 and "[1]" in vis
    assert "Chọn một người" in _visible(ff.person_profile_html(facts, None))
    sts = ff.select_statements(facts, key, None)
    shown = _visible(ff.statements_html(facts, sts))
    assert "18/09 (không rõ năm) — " in shown and fmt.NO_DATE not in shown
    (m,) = ff.meeting_choices(facts)
    assert m[0].startswith("18/09 (không rõ năm) — Hội nghị giao ban trực tuyến")


def test_unsupported_sentences_are_marked() -> None:
    from rag.types import Answer, AnswerSentence

    a = Answer(
        question="q",
        answer="Đã cấp 1.240 giấy phép [1]. Giá vàng tăng <b>mạnh</b> [1].",
        found=True,
        citations=(),
        answerer="llm:test",
        sentences=(AnswerSentence("Đã cấp 1.240 giấy phép.", (1,), True),
                   AnswerSentence("Giá vàng tăng <b>mạnh</b>.", (1,), False)),
        notice="1 câu không được xác nhận",
    )
    html_ = fmt.answer_html(a)
    assert html_.count('class="unsupported"') == 1
    marked = html_.split('class="unsupported"')[1]
    assert "Giá vàng" in marked and "<b>" not in html_ and "giấy phép" not in marked and "giấy phép" in html_


def test_tasks_tab_rows_filters_and_csv(tmp_path: Path) -> None:
    """The "Nhiệm vụ" tab's functions over a real index of two reports: rows, the filters of `rag tasks`
    (assignee without accents, "hạn trước" as dd/mm/yyyy or ISO, a bad day reported), and the CSV file
    (UTF-8 with BOM, one row per task with the clause it is read from)."""
    import csv
    import io

    from ui import format_tasks as ft

    reports = Path(__file__).resolve().parents[1] / "eval" / "whosaid" / "reports"
    lib = Library(tmp_path / "idx")
    files = [SAMPLES / "giao-ban-so-xay-dung-quy-3-2024.md", reports / "hop_ban_chi_dao_giai_ngan_von_dau_tu_cong_phu_van.txt"]
    lib.ingest(files, names={str(f): f.name for f in files})
    facts = lib.facts()
    everything = ft.select(facts, None, None)
    assert everything.total == len(everything.tasks) == 11 and everything.error is None
    assert "11 / 11 nhiệm vụ" in _visible(ft.status_html(everything))
    view = ft.select(facts, "so tai", "")
    assert [t.assignee for t in view.tasks] == ["Sở Tài nguyên và Môi trường", "Sở Tài chính"]
    rows = ft.task_rows(facts, view.tasks)
    assert len(ft.TASK_HEADERS) == len(rows[0]) == 6
    assert rows[1] == ["Sở Tài chính", "chủ trì thu hồi dứt điểm các khoản tạm ứng quá hạn",
                       "2024-06-30 (trong 6 tháng đầu năm 2024)", "Lương Văn Chính",
                       "Cuộc họp đánh giá tình hình giải ngân vốn đầu tư công năm 2023 và bàn giải pháp thực hiện kế "
                       "hoạch năm 2024 (29/12/2023)", "hop_ban_chi_dao_giai_ngan_von_dau_tu_cong_phu_van.txt"]
    # "hạn trước" as users type it; the same rule as `rag tasks --due-before`
    assert ft.select(facts, "so tai", "31/3/2024").tasks == ft.select(facts, "so tai", "2024-03-31").tasks == view.tasks[:1]
    bad = ft.select(facts, "so tai", "31/13/2024")
    assert bad.tasks == view.tasks and "DD/MM/YYYY" in (bad.error or "")
    assert "chưa được áp dụng" in _visible(ft.status_html(bad))
    assert "Không có nhiệm vụ nào khớp" in _visible(ft.status_html(ft.select(facts, "Sở Văn hóa", None)))
    assert "Chưa có nhiệm vụ nào" in _visible(ft.status_html(ft.select(Facts({}), None, None)))
    data = ft.tasks_csv(facts, view.tasks)
    assert data.startswith(b"\xef\xbb\xbf")
    table = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert table[0] == ft.CSV_HEADERS and len(table) == 3
    row = dict(zip(table[0], table[2], strict=True))
    t = view.tasks[1]
    assert row["Giao cho"] == "Sở Tài chính" and row["Hạn từ"] == "2024-01-01" and row["Hạn đến"] == "2024-06-30"
    assert row["Loại"] == "giao" and row["Vị trí"] == f"{t.start}-{t.end}"
    assert row["Trích đoạn"] == lib.source_text(t.source)[t.start : t.end]
    assert row["Hạn (như trong văn bản)"] == "trong 6 tháng đầu năm 2024"
    path = logic.export_file(data, ft.CSV_NAME, tmp_path / "exports")
    assert path.name == "nhiem-vu.csv" and path.read_bytes() == data
    assert logic.export_file(data, ft.CSV_NAME, tmp_path / "exports") == path  # the same content: written once
