"""The chat window in a real browser: ``rag serve`` in a subprocess on a free loopback port with an
empty index, driven by Playwright + Debian chromium. Upload (including a broken file and a hostile
one), the documents table, a cited answer with its "Nguồn" block and highlighted passage,
follow-up and new conversation, search scope, delete, the who-said-what, summary and task tabs.
Screenshots go to ``test-artifacts/``."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import CORPUS_000, CORPUS_003, IN_CI, free_port, missing, require, stop_process  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
if not Path(CHROMIUM).exists():
    if IN_CI:
        raise RuntimeError(f"CI=true but {CHROMIUM} is not installed (scripts/setup-dev.sh installs it)")
    pytest.skip(f"{CHROMIUM} not installed (apt-get install chromium)", allow_module_level=True)
require("gradio")
sync_api = require("playwright.sync_api")

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"
ARTIFACTS = ROOT / "test-artifacts"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--no-first-run", "--disable-sync"]
TIMEOUT_MS = 60_000
HOSTILE = """# Biên bản họp kiểm thử hiển thị

Ngày 05/03/2024, Tổ kiểm thử họp về hiển thị tài liệu.

Đồng chí Trần Văn Kiểm cho biết dòng chữ <script>window.__pwned = 1</script> cùng thẻ <img src="http://evil.example/a.png" onerror="window.__pwned = 2"> và ảnh ![ảnh độc](http://evil.example/b.png) phải hiện thành chữ.
"""
HOSTILE_Q = "Đồng chí Trần Văn Kiểm cho biết dòng chữ nào phải hiện thành chữ?"



@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    work = tmp_path_factory.mktemp("browser")
    port = free_port()
    log = open(work / "serve.log", "w+", encoding="utf-8")  # noqa: SIM115
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "RAG_LLM_URL": "", "RAG_LLM_MODEL": ""}
    proc = subprocess.Popen(
        [sys.executable, "-m", "rag.cli", "serve", "--index", str(work / "index"), "--port", str(port), "--no-browser"],
        cwd=work, stdout=log, stderr=subprocess.STDOUT, env=env,
    )
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 120
    while True:
        try:
            urllib.request.urlopen(url, timeout=2)
            break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                log.seek(0)
                proc.kill()
                pytest.fail(f"rag serve did not start:\n{log.read()}")
            time.sleep(0.3)
    yield url
    stop_process(proc, 15)
    log.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser, server: str):  # type: ignore[no-untyped-def]
    ctx = browser.new_context(locale="vi-VN", viewport={"width": 1280, "height": 1000})
    pg = ctx.new_page()
    pg.set_default_timeout(TIMEOUT_MS)
    pg.outside = []  # requests that left the loopback server
    pg.on("request", lambda r: None if r.url.startswith(server) or r.url.startswith("data:") else pg.outside.append(r.url))
    pg.goto(server)
    pg.locator("#chatbot").wait_for()
    yield pg
    ctx.close()


def _shot(pg, name: str) -> None:  # type: ignore[no-untyped-def]
    ARTIFACTS.mkdir(exist_ok=True)
    pg.screenshot(path=str(ARTIFACTS / name), full_page=True)


def _upload(pg, files: list[Path]) -> str:  # type: ignore[no-untyped-def]
    """Upload on the documents tab; returns the ingest summary once indexing finished."""
    pg.get_by_role("tab", name="Tài liệu").click()
    pg.locator("#upload input[type=file]").set_input_files([str(f) for f in files])
    status = pg.locator("#ingest-status")
    sync_api.expect(status).to_contain_text("Đã lập chỉ mục", timeout=TIMEOUT_MS)
    return status.inner_text()


def _table_has(pg, name: str) -> None:  # type: ignore[no-untyped-def]
    sync_api.expect(pg.locator("#docs-table").get_by_role("gridcell", name=name, exact=True)).to_be_visible()


def _ask(pg, question: str):  # type: ignore[no-untyped-def]
    """Ask on the chat tab; returns the locator of the finished answer bubble."""
    pg.get_by_role("tab", name="Hỏi đáp").click()
    bots = pg.locator("#chatbot .message.bot")
    before = bots.count()
    box = pg.locator("#question textarea")
    box.fill(question)
    box.press("Enter")
    sync_api.expect(bots).to_have_count(before + 1)
    last = bots.last
    sync_api.expect(last).not_to_contain_text("▌", timeout=TIMEOUT_MS)
    sync_api.expect(last.locator(".answer, .notice").first).to_be_visible()
    return last


def test_1_empty_index_says_how_to_add(page) -> None:  # type: ignore[no-untyped-def]
    sync_api.expect(page.locator("#empty-note")).to_contain_text("Chưa có tài liệu nào")
    bubble = _ask(page, "Ai chủ trì hội nghị?")
    sync_api.expect(bubble).to_contain_text("Mở thẻ Tài liệu để tải lên, hoặc chạy: rag ingest THƯ_MỤC")
    sync_api.expect(page.locator("#settings")).to_contain_text("Cài đặt")


def test_2_upload_ask_cited_answer(page, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    doc = tmp_path / "Giao ban Sở Xây dựng quý III.md"
    shutil.copyfile(SAMPLES / "giao-ban-so-xay-dung-quy-3-2024.md", doc)
    summary = _upload(page, [doc])
    assert "1 mới" in summary
    _table_has(page, doc.name)
    sync_api.expect(page.locator("#docs-table")).to_contain_text("Giao ban Sở Xây dựng quý III năm 2024")
    _shot(page, "ui-documents.png")
    bubble = _ask(page, "Trong quý III toàn tỉnh đã cấp bao nhiêu giấy phép xây dựng?")
    sync_api.expect(bubble.locator(".answer")).to_contain_text("1.240 giấy phép")
    sync_api.expect(bubble.locator(".answer .cite").first).to_have_text("[1]")
    details = bubble.locator("details.nguon")
    assert details.get_attribute("open") is None
    details.locator("summary").click()
    mark = details.locator("mark").first
    sync_api.expect(mark).to_be_visible()
    sync_api.expect(mark).to_contain_text("1.240 giấy phép xây dựng")
    sync_api.expect(details).to_contain_text(doc.name)
    sync_api.expect(details).to_contain_text("2024-10-15")
    _shot(page, "ui-chat-answer.png")
    # a follow-up uses the conversation; a new conversation clears it
    _ask(page, "Còn tỷ lệ hồ sơ giải quyết đúng hạn thì sao?")
    sync_api.expect(page.locator("#chatbot .message.bot")).to_have_count(2)
    page.locator("#new-chat").click()
    sync_api.expect(page.locator("#chatbot .message.bot")).to_have_count(0)
    assert page.outside == []


def test_3_broken_file_named_others_indexed(page, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    broken = tmp_path / "báo cáo hỏng.pdf"
    broken.write_bytes(b"%PDF-1.4\n\x00\x01 garbage, not a real pdf \xff\xfe" * 20)
    good = SAMPLES / "hop-ban-chi-dao-phong-chong-thien-tai-2024.txt"
    summary = _upload(page, [broken, good])
    assert "báo cáo hỏng.pdf" in summary and "Không lập chỉ mục được 1 tệp" in summary
    _table_has(page, good.name)
    sync_api.expect(page.locator("#docs-table")).not_to_contain_text("báo cáo hỏng.pdf")
    _shot(page, "ui-broken-upload.png")
    bubble = _ask(page, "Trong quý III toàn tỉnh đã cấp bao nhiêu giấy phép xây dựng?")
    sync_api.expect(bubble.locator(".answer .cite").first).to_have_text("[1]")


def test_4_hostile_document_shown_as_text(page, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    doc = tmp_path / "kiem-thu-hien-thi.md"
    doc.write_text(HOSTILE, encoding="utf-8")
    _upload(page, [doc])
    _table_has(page, doc.name)
    bubble = _ask(page, HOSTILE_Q)
    bubble.locator("details.nguon summary").click()
    sync_api.expect(bubble.locator("mark").first).to_be_visible()
    text = bubble.inner_text()
    assert "<script>window.__pwned = 1</script>" in text
    assert '<img src="http://evil.example/a.png"' in text
    assert "![ảnh độc](http://evil.example/b.png)" in text
    assert bubble.locator("img, script, a[href*='evil']").count() == 0
    assert page.evaluate("window.__pwned") is None
    _shot(page, "ui-hostile-document.png")
    assert not [u for u in page.outside if "evil" in u]


def test_5_scope_and_delete(page) -> None:  # type: ignore[no-untyped-def]
    page.get_by_role("tab", name="Hỏi đáp").click()
    page.get_by_text("Phạm vi tìm kiếm").click()
    page.get_by_label("Từ ngày (NĂM-THÁNG-NGÀY)").fill("15/10/2024")
    bubble = _ask(page, "Trong quý III toàn tỉnh đã cấp bao nhiêu giấy phép xây dựng?")
    sync_api.expect(bubble).to_contain_text("Từ ngày không hợp lệ")
    page.get_by_label("Từ ngày (NĂM-THÁNG-NGÀY)").fill("2030-01-01")
    bubble = _ask(page, "Trong quý III toàn tỉnh đã cấp bao nhiêu giấy phép xây dựng?")
    sync_api.expect(bubble).to_contain_text("Không tìm thấy")
    # re-index keeps everything (unchanged files are skipped), then delete the hostile test document
    page.get_by_role("tab", name="Tài liệu").click()
    page.locator("#reindex").click()
    sync_api.expect(page.locator("#ingest-status")).to_contain_text("0 mới, 0 cập nhật, 3 không đổi")
    sync_api.expect(page.locator("#ingest-status")).not_to_contain_text("hỏng")  # failed uploads are not kept
    page.locator("#to-delete input").click()
    page.get_by_role("option", name=re.compile("kiem-thu-hien-thi.md")).click()
    page.locator("#delete").click()
    sync_api.expect(page.locator("#ingest-status")).to_contain_text("Đã xoá kiem-thu-hien-thi.md")
    sync_api.expect(page.locator("#docs-table")).not_to_contain_text("kiem-thu-hien-thi.md")


def test_6_who_said_what_and_summary(page) -> None:  # type: ignore[no-untyped-def]
    page.get_by_role("tab", name="Ai nói gì").click()
    people = page.locator("#people-table")
    sync_api.expect(people.get_by_role("gridcell", name="Vũ Thị Mai", exact=True)).to_be_visible()
    page.locator("#who-person input").click()
    page.get_by_role("option", name=re.compile("^Vũ Thị Mai")).click()
    stmts = page.locator("#who-statements")
    sync_api.expect(stmts.locator("li.statement").first).to_contain_text("Vũ Thị Mai")
    stmts.locator("details.nguon summary").first.click()
    sync_api.expect(stmts.locator("mark").first).to_be_visible()
    _shot(page, "ui-who-said-what.png")
    page.locator("#who-view").get_by_text("Tóm tắt người này").click()  # roles per meeting, requests by topic
    sync_api.expect(stmts).to_contain_text("Tóm tắt: Vũ Thị Mai")
    sync_api.expect(stmts).to_contain_text("Vai trò theo cuộc họp")
    sync_api.expect(stmts.locator("details.nguon")).to_have_count(1)
    page.locator("#who-view").get_by_text("Phát biểu").click()
    sync_api.expect(stmts.locator("li.statement").first).to_contain_text("Vũ Thị Mai")
    page.get_by_role("tab", name="Tóm tắt").click()
    page.locator("#summary-meeting input").click()
    page.get_by_role("option", name=re.compile("giao ban")).click()
    summary = page.locator("#summary")
    sync_api.expect(summary).to_contain_text("Chủ trì")
    sync_api.expect(summary).to_contain_text("Nguyễn Minh Tuấn")
    sync_api.expect(summary.locator("details.nguon")).to_have_count(1)
    _shot(page, "ui-summary.png")


def test_7_tasks_tab(page) -> None:  # type: ignore[no-untyped-def]
    """The task ledger of the two reports left: rows, the assignee filter without accents, "hạn trước"
    typed dd/mm/yyyy, and the CSV download (UTF-8 with BOM)."""
    page.get_by_role("tab", name="Nhiệm vụ").click()
    table, status = page.locator("#tasks-table"), page.locator("#tasks-status")
    sync_api.expect(table.get_by_role("gridcell", name="Sở Xây dựng", exact=True)).to_be_visible()
    sync_api.expect(status).to_contain_text("7 / 7 nhiệm vụ")
    page.locator("#tasks-to textarea").fill("so nong nghiep")
    sync_api.expect(status).to_contain_text("1 / 7 nhiệm vụ")
    sync_api.expect(table.get_by_role("gridcell", name="2024-09-20 (trước ngày 20/9/2024)")).to_be_visible()
    due = page.locator("#tasks-due textarea")
    due.fill("19/9/2024")
    due.press("Enter")
    sync_api.expect(status).to_contain_text("Không có nhiệm vụ nào khớp")
    due.fill("20/9/2024")
    due.press("Enter")
    sync_api.expect(status).to_contain_text("1 / 7 nhiệm vụ")
    _shot(page, "ui-tasks.png")
    with page.expect_download() as dl:
        page.locator("#tasks-csv").click()
    data = Path(dl.value.path()).read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and dl.value.suggested_filename == "nhiem-vu.csv"
    lines = data.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("Giao cho,Việc,") and len(lines) == 2
    assert lines[1].startswith("Sở Nông nghiệp và Phát triển nông thôn,\"kiểm tra an toàn các hồ chứa, báo cáo UBND tỉnh\",")
    assert page.outside == []


def _bots(pg):  # type: ignore[no-untyped-def]
    return pg.locator("#chatbot .message.bot")


def test_conversation_of_several_turns_survives_reload(page) -> None:  # type: ignore[no-untyped-def]
    """One conversation over the real reports: a fact, a broad question, "X yêu cầu những gì?", "còn
    ông Y thì sao?", a failed turn, "Tóm tắt hội nghị …"; each answer checked with its sources; the
    conversation survives a reload and downloads as Markdown; a new conversation starts clean."""
    if not CORPUS_000.exists():
        pytest.fail("../shared/corpus is missing")  # CI always has it; this test is about real reports
    summary = _upload(page, [CORPUS_000, CORPUS_003])
    assert "Không lập chỉ mục" not in summary
    page.get_by_role("tab", name="Hỏi đáp").click()
    page.locator("#new-chat").click()
    sync_api.expect(_bots(page)).to_have_count(0)

    def sources(bubble):  # type: ignore[no-untyped-def]
        details = bubble.locator("details.nguon")
        details.locator("summary").click()
        sync_api.expect(details.locator("mark").first).to_be_visible()
        return details

    b = _ask(page, "Ai chủ trì hội nghị giao ban công tác Đảng năm 2021?")
    sync_api.expect(b.locator(".answer")).to_contain_text("Trần Quốc Tỏ")
    sync_api.expect(sources(b)).to_contain_text(CORPUS_000.name)
    b = _ask(page, "Năm 2021 công tác đảng, công tác chính trị trong CAND đạt được những kết quả nổi bật nào?")
    sync_api.expect(b.locator(".answer")).to_contain_text("dân vận")
    sync_api.expect(sources(b)).to_contain_text(CORPUS_000.name)
    b = _ask(page, "Thứ trưởng Trần Quốc Tỏ yêu cầu những gì?")
    sync_api.expect(b.locator(".answer")).to_contain_text("thi đua")
    sync_api.expect(sources(b).locator("mark").first).to_contain_text("Thứ trưởng Trần Quốc Tỏ yêu cầu")
    page.get_by_text("Phạm vi tìm kiếm").click()  # a turn that fails is reported in its own bubble ...
    page.get_by_label("Từ ngày (NĂM-THÁNG-NGÀY)").fill("15/10/2024")
    b = _ask(page, "còn ông Nguyễn Ngọc Toàn thì sao?")
    sync_api.expect(b).to_contain_text("Từ ngày không hợp lệ")
    page.get_by_label("Từ ngày (NĂM-THÁNG-NGÀY)").fill("")
    b = _ask(page, "còn ông Nguyễn Ngọc Toàn thì sao?")  # ... and the next one still follows the conversation
    sync_api.expect(b.locator(".answer")).to_contain_text("Nguyễn Ngọc Toàn")
    details = sources(b)
    sync_api.expect(details.locator(".searched")).to_contain_text("Nguyễn Ngọc Toàn yêu cầu những gì?")
    sync_api.expect(details.locator("mark").first).to_contain_text("Nguyễn Ngọc Toàn")
    b = _ask(page, "Tóm tắt hội nghị giao ban công tác Đảng năm 2021")
    sync_api.expect(b.locator(".answer")).to_contain_text("Chủ trì: Trần Quốc Tỏ")
    sync_api.expect(b.locator(".answer")).to_contain_text("Bắc Ninh")
    sync_api.expect(sources(b)).to_contain_text(CORPUS_000.name)
    _shot(page, "ui-conversation.png")

    page.reload()  # the conversation is kept in this browser (its five answered turns)
    page.locator("#chatbot").wait_for()
    sync_api.expect(_bots(page)).to_have_count(5)
    sync_api.expect(_bots(page).nth(3).locator(".answer")).to_contain_text("Nguyễn Ngọc Toàn")
    sync_api.expect(_bots(page).nth(3).locator(".searched")).to_have_count(1)
    b = _ask(page, "Hội nghị đó có những điểm cầu nào?")  # and still followed after the reload
    sync_api.expect(b.locator(".answer")).to_contain_text("Bắc Ninh")
    sources(b)
    sync_api.expect(b.locator(".searched")).to_contain_text("Hội nghị giao ban công tác Đảng")
    with page.expect_download() as dl:
        page.locator("#download-chat").click()
    md = Path(dl.value.path()).read_text(encoding="utf-8")
    assert md.startswith("# Cuộc trò chuyện") and "## 1. Ai chủ trì hội nghị giao ban công tác Đảng năm 2021?" in md
    assert "*Đã tìm: Nguyễn Ngọc Toàn yêu cầu những gì?*" in md and md.count("**Nguồn**") == 6
    assert CORPUS_000.name in md and "không hợp lệ" not in md

    page.locator("#new-chat").click()
    sync_api.expect(_bots(page)).to_have_count(0)
    b = _ask(page, "Ai chủ trì tại điểm cầu tỉnh Bắc Ninh?")
    sync_api.expect(b.locator(".answer")).to_contain_text("Nguyễn Hữu Hưng")
    sync_api.expect(b.locator(".searched")).to_have_count(0)  # nothing to follow: asked as typed
    page.reload()
    page.locator("#chatbot").wait_for()
    sync_api.expect(_bots(page)).to_have_count(1)
    assert page.outside == []


def test_scanned_report_source_shows_its_page(page, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """A report scanned to an image-only PDF: uploaded (read by OCR page by page), asked about, and
    its source opened shows the passage read, a note with its confidence and the scanned page beside it."""
    from rag import ocr

    why = ocr.unavailable_reason()
    if why is not None:
        missing(f"OCR is not available: {why}")
    from eval.ocr_render import FONTS, PAGES, render

    pdf = tmp_path / "Sơ kết công an (bản quét).pdf"
    pages = [render(PAGES[0], FONTS[0]), render(PAGES[1], FONTS[1])]
    pages[0].save(pdf, save_all=True, append_images=pages[1:], resolution=300)
    assert "1 mới" in _upload(page, [pdf])
    _table_has(page, pdf.name)
    bubble = _ask(page, "Lực lượng chức năng đã bắt giữ bao nhiêu đối tượng?")
    sync_api.expect(bubble.locator(".answer")).to_contain_text("312")
    details = bubble.locator("details.nguon")
    source = details.locator("li.source", has_text=pdf.name).first
    img = source.locator(".scan img")
    sync_api.expect(img).to_have_count(1)
    sync_api.expect(img).to_be_hidden()  # until the sources are opened
    details.locator("summary").click()
    sync_api.expect(img).to_be_visible()
    sync_api.expect(source).to_contain_text(f"{pdf.name}, trang 2")
    sync_api.expect(source).to_contain_text("nhận dạng chữ từ bản quét, độ tin cậy")
    sync_api.expect(source.locator(".scan blockquote mark").first).to_contain_text("312")
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=img.element_handle())
    assert img.evaluate("i => i.naturalWidth") == ocr.PREVIEW_WIDTH
    box, text = img.bounding_box(), source.locator(".scan blockquote").bounding_box()
    assert box and text and box["x"] > text["x"] + text["width"] - 1  # beside the text, not under it
    _shot(page, "ui-scanned-source.png")
    assert page.outside == []
