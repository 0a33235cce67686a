"""OCR of scans and photos, for real: report pages drawn with Pillow, read by the real Tesseract,
indexed by the real ``Library`` and asked about.

Tesseract missing: the OCR tests fail when $CI is set (the CI image must have it) and are skipped
with the install line otherwise. The text clean-up and the "not installed" refusal run without it.
"""

from __future__ import annotations

import io
import json
import unicodedata
from collections.abc import Sequence
from pathlib import Path

import pytest
from PIL import Image

from eval.ocr_render import FONTS, LETTERHEAD, PAGES, degrade, render
from rag import ocr
from rag.errors import LoadError
from rag.library import Library
from rag.loaders import load
from rag.types import Answer, Citation, IngestReport
from tests.conftest import missing

HINT = "apt install tesseract-ocr tesseract-ocr-vie"
# A third report, scanned with its middle page damaged.
XAY_DUNG = (
    "Sở Xây dựng họp giao ban quý III năm 2024\n\nChiều 8/10, Sở Xây dựng tổ chức họp giao ban công tác quý III. "
    "Ông Hoàng Văn Bình, Giám đốc Sở chủ trì cuộc họp. Trong quý, Sở đã cấp 146 giấy phép xây dựng, thẩm định "
    "38 hồ sơ thiết kế cơ sở và kiểm tra 52 công trình đang thi công trên địa bàn.\n\nTheo báo cáo của Phòng "
    "Kinh tế - Vật liệu xây dựng, giá thép và xi măng trong quý tăng khoảng 4%, làm chậm tiến độ 7 công trình "
    "sử dụng vốn ngân sách. Thanh tra Sở đã lập biên bản 21 trường hợp xây dựng sai phép, xử phạt 615 triệu "
    "đồng.\n\nÔng Lương Minh Đức, Phó Giám đốc Sở đề nghị các phòng chuyên môn rút ngắn thời gian thẩm định "
    "hồ sơ xuống còn 15 ngày làm việc, công khai quy trình trên Cổng dịch vụ công của tỉnh.",
    "Trang này bị hỏng khi quét.",
    "Kết luận cuộc họp, Giám đốc Sở giao Phòng Quản lý nhà rà soát 1.870 căn hộ chung cư cũ, "
    "hoàn thành trước ngày 20/10/2024.\n\nVăn phòng Sở Xây dựng",
)


@pytest.fixture(scope="module")
def tesseract() -> None:
    why = ocr.unavailable_reason()
    if why is not None:
        missing(f"OCR is not available: {why} (scripts/setup-dev.sh installs it)")


def _pdf(path: Path, images: list[Image.Image]) -> Path:
    """An image-only PDF, one image a page, as a scanner writes it (JPEG streams at 300 dpi)."""
    images[0].save(path, save_all=True, append_images=images[1:], resolution=300)
    return path


def _corrupt_image_stream(pdf: Path, page: int) -> None:
    """Overwrite the JPEG data of the ``page``-th image with zeros, keeping every byte offset, so the
    file still opens and only that page is damaged."""
    data = bytearray(pdf.read_bytes())
    at = -1
    for _ in range(page):
        at = data.index(b"/Subtype /Image", at + 1)
    start = data.index(b"stream\n", at) + len(b"stream\n") + 2  # keep the JPEG start marker
    end = data.index(b"endstream", start)
    data[start : end - 2] = bytes(end - 2 - start)
    pdf.write_bytes(bytes(data))


# -- without Tesseract ----------------------------------------------------------------------------


def test_fix_text_repairs_unambiguous_slips() -> None:
    nfd = unicodedata.normalize("NFD", "Nguyễn Văn An")
    assert ocr.fix_text(nfd) == "Nguyễn Văn An"
    assert ocr.fix_text("Nguye\u0302\u0303n") == "Nguyễn"  # combining marks composed
    assert ocr.fix_text("Hô \u0323i nghi\u0323") == "Hội nghị"  # a space before a combining mark
    assert ocr.fix_text("ca´c ðồng chí Ðại tá") == "các đồng chí Đại tá"
    assert ocr.fix_text("„bốn tại chỗ” — ,,không” ‐ x") == "“bốn tại chỗ” – “không” - x"
    assert ocr.fix_text("hai  khoảng\u00ad trắng") == "hai khoảng trắng"
    # what is not a slip stays: a real hyphen, an ASCII quote, numbers with separators
    assert ocr.fix_text('"Không có vùng cấm" - 1.245 vụ, 7,3%') == '"Không có vùng cấm" - 1.245 vụ, 7,3%'


def _tsv(lines: Sequence[Sequence[tuple[str, int, int, float]]]) -> str:
    """Tesseract TSV for lines of (word, left, width, confidence)."""
    rows = ["level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext"]
    for n, words in enumerate(lines, 1):
        rows.append(f"4\t1\t1\t1\t{n}\t0\t0\t{n * 80}\t2000\t70\t-1\t")
        for i, (w, left, width, conf) in enumerate(words, 1):
            rows.append(f"5\t1\t1\t1\t{n}\t{i}\t{left}\t{n * 80}\t{width}\t50\t{conf}\t{w}")
    return "\n".join(rows) + "\n"


def test_tsv_joins_a_word_split_by_a_letter_gap_and_drops_specks() -> None:
    line1 = [("Đại", 0, 80, 96), ("tá", 96, 40, 95), ("N", 152, 40, 90), ("guyễn", 195, 150, 91),
             ("Văn", 361, 90, 96), ("An", 467, 60, 96), (".", 560, 4, 5)]
    line2 = [("-", 0, 20, 20), ("mở", 40, 60, 95), ("đợt", 116, 70, 95), ("cao", 202, 80, 96), ("_", 300, 9, 12)]
    page = ocr.parse_tsv(_tsv([line1, line2]), page=3)
    assert page.text == "Đại tá Nguyễn Văn An\n- mở đợt cao"  # the list dash is kept, the dust is not
    assert page.page == 3 and page.words == 10 and page.confidence is not None and 80 < page.confidence < 95
    raw = ocr.parse_tsv(_tsv([line1]), clean=False)
    assert raw.text == "Đại tá N guyễn Văn An ."


def test_without_tesseract_an_image_is_refused_with_the_install_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    png = tmp_path / "trang.png"
    render(PAGES[0]).save(png)
    scan = _pdf(tmp_path / "scan.pdf", [render(PAGES[0]), render(PAGES[1])])
    monkeypatch.setenv("PATH", str(tmp_path))  # no tesseract on it
    for f in (png, scan):
        with pytest.raises(LoadError) as e:
            load(f)
        assert HINT in e.value.reason and f.name in str(e.value)


def test_without_tesseract_a_mixed_pdf_keeps_its_text_pages(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pdf = _mixed_pdf(tmp_path)
    monkeypatch.setenv("PATH", str(tmp_path))
    doc = load(pdf)
    assert "Hội nghị giao ban quý 3" in doc.text and doc.ocr_pages == ()
    assert len(doc.warnings) == 1 and doc.warnings[0].startswith("page 2: no text layer") and HINT in doc.warnings[0]


def test_a_citation_from_a_scan_says_so_in_json_and_in_the_terminal() -> None:
    from rag.cli import _print_answer
    from rag.records import DocRecord, OcrPages
    from rag.scans import ocr_confidence as _ocr_confidence

    scan = Citation(1, "scan.pdf", "Sơ kết", None, 2, 0, 4, "Chữ", ocr_confidence=93.6)
    typed = Citation(2, "a.md", "Giao ban", None, None, 0, 4, "Chữ")
    assert scan.to_dict()["ocr"] == {"confidence": 93.6} and "ocr_confidence" not in scan.to_dict()
    assert "ocr" not in typed.to_dict() and "ocr_confidence" not in typed.to_dict()
    assert Citation.from_dict(scan.to_dict()) == scan and Citation.from_dict(typed.to_dict()) == typed
    out = io.StringIO()
    _print_answer(Answer("q", "Chữ [1] [2].", True, (scan, typed)), out)
    assert "— scan.pdf, trang 2 [0:4] (nhận dạng chữ từ bản quét, độ tin cậy 94%)\n" in out.getvalue()
    assert "— a.md [0:4]\n" in out.getvalue()
    # the page's own confidence; a typed page of a mixed PDF is not marked; a single image is page 1
    rec = DocRecord.from_json("scan.pdf", {"sha256": "x", "size": 1, "kind": "pdf", "title": "Sơ kết", "chunks": 1,
                                           "indexed": "2024-01-01T00:00:00", "ocr_pages": [2, 3],
                                           "ocr_confidence": 80.0, "ocr_page_confidence": [91.2, 64.0]})
    assert (_ocr_confidence(rec, 3), _ocr_confidence(rec, 1), _ocr_confidence(None, 1)) == (64.0, None, None)
    assert OcrPages((1,), 88.0, (), None).confidence_of(None) == 88.0  # a record without per-page values


def _mixed_pdf(tmp_path: Path) -> Path:
    """Page 1 typed (a text layer), page 2 a scanned page (an image only)."""
    from fpdf import FPDF

    scan = tmp_path / "page2.png"
    render(PAGES[1], FONTS[1]).save(scan)
    pdf = FPDF()
    pdf.add_font("V", "", str(Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")))
    pdf.set_font("V", size=12)
    pdf.add_page()
    pdf.multi_cell(0, 8, "Hội nghị giao ban quý 3 của Công an tỉnh. Trang này có lớp chữ, không cần OCR.")
    pdf.add_page()
    pdf.image(str(scan), x=0, y=0, w=210, h=297)
    pdf.output(str(tmp_path / "hon-hop.pdf"))
    return tmp_path / "hon-hop.pdf"


# -- with Tesseract ---------------------------------------------------------------------------------


def test_mixed_pdf_reads_only_the_page_without_text(tmp_path: Path, tesseract: None) -> None:
    doc = load(_mixed_pdf(tmp_path))
    assert doc.ocr_pages == (2,) and doc.warnings == () and doc.pages is not None and len(doc.pages) == 2
    assert doc.page_at(doc.text.index("Hội nghị giao ban quý 3")) == 1
    assert doc.page_at(doc.text.index("312 đối tượng")) == 2
    assert doc.ocr_confidence is not None and doc.ocr_confidence > 80


def test_multipage_tiff_keeps_pages_and_a_single_photo_has_none(tmp_path: Path, tesseract: None) -> None:
    frames = [degrade(render(PAGES[i], FONTS[i % 2]), "rotated") for i in (3, 4)]
    frames[0].save(tmp_path / "scan.tiff", save_all=True, append_images=frames[1:])
    doc = load(tmp_path / "scan.tiff")
    assert doc.kind == "image" and doc.ocr_pages == (1, 2) and doc.pages is not None
    assert doc.page_at(doc.text.index("Trần Đức Thịnh")) == 1 and doc.page_at(doc.text.index("1.200 cán bộ")) == 2
    degrade(render(PAGES[4]), "photo").save(tmp_path / "anh.jpg")
    photo = load(tmp_path / "anh.jpg")
    assert photo.pages is None and photo.ocr_pages == (1,) and "48 xuồng máy" in " ".join(photo.text.split())


@pytest.fixture(scope="module")
def scanned(tmp_path_factory: pytest.TempPathFactory, tesseract: None) -> tuple[Library, IngestReport, Path]:
    """A folder as a user would drop it: a 3-page scanned report as an image-only PDF (clean,
    rotated and noisy pages, two fonts), a second report as a letterhead scan (PNG), a phone
    photo (JPEG) and a TIFF; a 3-page scan with a damaged page; and a truncated PNG."""
    d = tmp_path_factory.mktemp("scans")
    first = [degrade(render(PAGES[0], FONTS[0]), "clean"), degrade(render(PAGES[1], FONTS[1]), "rotated", 1),
             degrade(render(PAGES[2], FONTS[0]), "noisy", 2)]
    _pdf(d / "cong-an-so-ket-6-thang.pdf", first)
    render(PAGES[3], FONTS[1], letterhead=LETTERHEAD).save(d / "thien-tai-trang-1.png")
    degrade(render(PAGES[4], FONTS[0]), "photo", 4).save(d / "thien-tai-anh-chup.jpg")
    degrade(render(PAGES[5], FONTS[1]), "rotated", 5).save(d / "thien-tai-trang-3.tif")
    damaged = _pdf(d / "xay-dung-hong-trang-2.pdf", [render(t, FONTS[0]) for t in XAY_DUNG])
    _corrupt_image_stream(damaged, 2)
    buf = io.BytesIO()
    render(PAGES[0]).save(buf, "PNG")
    (d / "anh-hong.png").write_bytes(buf.getvalue()[: len(buf.getvalue()) // 3])
    lib = Library(tmp_path_factory.mktemp("index") / "index")
    return lib, lib.ingest([d]), d


def test_scans_are_indexed_and_failures_named(scanned: tuple[Library, IngestReport, Path]) -> None:
    lib, rep, d = scanned
    failed = dict(rep.failed)
    assert len(failed) == 1 and next(iter(failed)).endswith("anh-hong.png")
    assert "image" in next(iter(failed.values()))
    assert len(rep.added) == 5
    warnings = rep.warnings
    assert [(Path(s).name, w) for s, w in warnings] == [("xay-dung-hong-trang-2.pdf", "page 2: no text recognised")]
    snap = lib.snapshot()
    assert snap is not None
    rec = next(r for s, r in snap.docs.items() if s.endswith("cong-an-so-ket-6-thang.pdf"))
    assert rec["ocr_pages"] == [1, 2, 3] and rec["ocr_confidence"] > 85 and rec["pages"] == 3


@pytest.mark.parametrize(
    ("question", "fact", "file", "page"),
    [
        ("Ai chủ trì Hội nghị sơ kết công tác công an 6 tháng đầu năm 2024?", "Nguyễn Văn An", "cong-an-so-ket-6-thang.pdf", 1),
        ("Lực lượng chức năng đã bắt giữ bao nhiêu đối tượng?", "312", "cong-an-so-ket-6-thang.pdf", 2),
        ("Đợt cao điểm tấn công, trấn áp tội phạm kéo dài đến ngày nào?", "15/9/2024", "cong-an-so-ket-6-thang.pdf", 3),
        ("Toàn tỉnh có bao nhiêu hồ chứa nước?", "186", "thien-tai-trang-1.png", None),
        ("Bộ Chỉ huy Quân sự tỉnh sẵn sàng bao nhiêu xuồng máy?", "48 xuồng máy", "thien-tai-anh-chup.jpg", None),
        ("Bao nhiêu điểm có nguy cơ lũ quét, sạt lở đã được cắm biển cảnh báo?", "74 điểm", "thien-tai-trang-3.tif", None),
        # the page after the damaged one keeps its number
        ("Phòng Quản lý nhà phải rà soát bao nhiêu căn hộ chung cư cũ?", "1.870", "xay-dung-hong-trang-2.pdf", 3),
    ],
)
def test_answers_from_scans_cite_the_right_page(scanned: tuple[Library, IngestReport, Path], question: str, fact: str,
                                                file: str, page: int | None) -> None:
    lib, _, _ = scanned
    a = lib.ask(question)
    assert a.found and fact in a.answer, a.answer
    cited = [c for c in a.citations if fact in c.text]
    assert cited and all(c.source.endswith(file) and c.page == page for c in cited), [(c.source, c.page) for c in a.citations]


def test_ask_json_says_a_citation_came_from_ocr(scanned: tuple[Library, IngestReport, Path]) -> None:
    from rag.cli import main

    lib, _, _ = scanned
    out, err = io.StringIO(), io.StringIO()
    assert main(["ask", "--index", str(lib.path), "Lực lượng chức năng đã bắt giữ bao nhiêu đối tượng?", "--json"],
                out=out, err=err) == 0
    cites = json.loads(out.getvalue())["citations"]
    assert cites and all(c["ocr"]["confidence"] > 85 for c in cites if c["source"].endswith(".pdf"))


def test_ingest_summary_lists_pages_left_out() -> None:
    from ui.format import escape_text, ingest_summary

    rep = IngestReport(("scan.pdf",), (), (), (), 3, warnings=(("scan.pdf", "page 2: no text recognised"),))
    text = ingest_summary(rep)
    assert f"**{escape_text('scan.pdf')}**: {escape_text('page 2: no text recognised')}" in text and "Lưu ý" in text
    assert rep.to_dict()["warnings"] == [{"path": "scan.pdf", "warning": "page 2: no text recognised"}]


def test_citation_from_a_scanned_page_carries_that_pages_confidence(scanned: tuple[Library, IngestReport, Path]) -> None:
    lib, _, _ = scanned
    a = lib.ask("Lực lượng chức năng đã bắt giữ bao nhiêu đối tượng?")
    c = next(c for c in a.citations if "312" in c.text)
    snap = lib.snapshot()
    assert snap is not None
    rec = snap.docs[c.source]
    assert c.page == 2 and c.ocr_confidence == rec["ocr_page_confidence"][1] and c.ocr_confidence > 80
    assert c.to_dict()["ocr"] == {"confidence": c.ocr_confidence}
    assert Answer.from_dict(a.to_dict()).citations == a.citations  # kept by the chat window as it was


def _similarity_order(img: Image.Image, candidates: list[Image.Image]) -> list[int]:
    """Indexes of ``candidates``, the one that looks most like ``img`` first (grey thumbnails compared)."""
    def thumb(i: Image.Image) -> list[int]:
        return list(i.convert("L").resize((50, 70)).tobytes())

    t = thumb(img)
    diffs = [sum(abs(a - b) for a, b in zip(t, thumb(c))) for c in candidates]
    return sorted(range(len(candidates)), key=diffs.__getitem__)


def test_ocr_progress_per_page_and_the_page_image(tmp_path: Path, tesseract: None) -> None:
    pages = [render(PAGES[3], FONTS[0]), render(PAGES[4], FONTS[1])]
    pdf = _pdf(tmp_path / "thien-tai-quet.pdf", pages)
    lib = Library(tmp_path / "index")
    calls: list[tuple[str, int, int, str]] = []
    rep = lib.ingest([pdf], progress=lambda *a: calls.append(a))
    assert rep.ok and rep.added
    src = rep.added[0]
    assert [c for c in calls if c[0] == "ocr"] == [("ocr", 1, 2, src), ("ocr", 2, 2, src)]
    png = lib.page_image(src, 2)
    assert png is not None and png.parent == lib.path / "pages"
    with Image.open(png) as img:
        assert img.format == "PNG" and img.width == ocr.PREVIEW_WIDTH
        assert abs(img.height / img.width - 297 / 210) < 0.01  # the A4 page, whole
        assert _similarity_order(img, pages) == [1, 0]  # page 2, not page 1
    assert lib.page_image(src, 2) == png and lib.page_image(src, 3) is None  # drawn once; no page 3
    pdf.rename(tmp_path / "moved.pdf")  # the original is gone: nothing to show, no error
    assert lib.page_image(src, 1) is None
    lib.remove(src)
    assert not png.exists()  # the images of a removed document go with it


def test_page_image_of_an_image_file(scanned: tuple[Library, IngestReport, Path]) -> None:
    lib, _, d = scanned
    src = next(s for s in lib.snapshot().docs if s.endswith("thien-tai-trang-1.png"))  # type: ignore[union-attr]
    png = lib.page_image(src, None)
    assert png is not None
    with Image.open(png) as img, Image.open(d / "thien-tai-trang-1.png") as orig:
        assert img.width == ocr.PREVIEW_WIDTH and abs(img.height / img.width - orig.height / orig.width) < 0.01
    data = ocr.page_png(d / "thien-tai-anh-chup.jpg")  # a phone photo: as the OCR saw it
    with Image.open(io.BytesIO(data)) as img:
        assert img.format == "PNG" and img.mode == "L" and img.width <= ocr.PREVIEW_WIDTH
    with pytest.raises(ValueError):
        ocr.page_png(d / "thien-tai-trang-1.png", 2)
