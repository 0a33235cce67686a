"""Loading each format for real: files are made with the libraries that write those formats."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pytest

from rag.errors import LoadError
from rag.loaders import html_to_text, load

VI = "Thứ trưởng Trần Quốc Tỏ yêu cầu tăng cường kỷ luật, kỷ cương. Đồng chí Nguyễn Hữu Hưng chủ trì."
FONTS = [Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"), Path("/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf")]


def _font() -> Path:
    for f in FONTS:
        if f.exists():
            return f
    pytest.fail("no TTF font with Vietnamese glyphs (scripts/setup-dev.sh installs fonts-dejavu-core)")


def make_pdf(path: Path, pages: list[str]) -> Path:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_font("V", "", str(_font()))
    pdf.set_font("V", size=12)
    for text in pages:
        pdf.add_page()
        pdf.multi_cell(0, 8, text)
    pdf.output(str(path))
    return path


def test_txt_md_utf8_with_and_without_bom(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_bytes(VI.encode("utf-8"))
    (tmp_path / "b.md").write_bytes(b"\xef\xbb\xbf# Ti\xc3\xaau \xc4\x91\xe1\xbb\x81\n\n" + VI.encode("utf-8"))
    assert load(tmp_path / "a.txt").text == VI
    doc = load(tmp_path / "b.md")
    assert doc.text.startswith("# Tiêu đề") and VI in doc.text and "\ufeff" not in doc.text


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_with_and_without_bom(tmp_path: Path, encoding: str) -> None:
    (tmp_path / "u.txt").write_bytes(VI.encode(encoding))
    assert load(tmp_path / "u.txt").text == VI


def _cp1258(text: str) -> bytes:
    """Encode as windows-1258 does: letters like ê, ơ, ư precomposed, tone marks as combining bytes."""
    tones = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}
    out = b""
    for ch in text:
        try:
            out += ch.encode("cp1258")
            continue
        except UnicodeEncodeError:
            pass
        parts = unicodedata.normalize("NFD", ch)
        base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in tones))
        out += base.encode("cp1258") + "".join(c for c in parts if c in tones).encode("cp1258")
    return out


def test_windows_1258_legacy_code_page(tmp_path: Path) -> None:
    data = _cp1258(VI)
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    (tmp_path / "legacy.txt").write_bytes(data)
    text = load(tmp_path / "legacy.txt").text
    assert text == VI and unicodedata.is_normalized("NFC", text)


def test_decomposed_text_is_normalised_to_nfc(tmp_path: Path) -> None:
    (tmp_path / "nfd.txt").write_text(unicodedata.normalize("NFD", VI), encoding="utf-8")
    assert load(tmp_path / "nfd.txt").text == VI


def test_pdf_text_and_pages(tmp_path: Path) -> None:
    p = make_pdf(tmp_path / "r.pdf", ["Trang một: Hội nghị giao ban quý 3.", VI])
    doc = load(p)
    assert doc.kind == "pdf" and doc.pages is not None and len(doc.pages) == 2
    i = doc.text.index("Trần Quốc Tỏ")
    assert doc.page_at(i) == 2 and doc.page_at(0) == 1
    assert "Hội nghị giao ban" in doc.text


def test_docx_paragraphs_and_tables(tmp_path: Path) -> None:
    import docx

    d = docx.Document()
    d.add_heading("Báo cáo hội nghị", level=1)
    d.add_paragraph(VI)
    t = d.add_table(rows=1, cols=2)
    t.rows[0].cells[0].text = "Sở Xây dựng"
    t.rows[0].cells[1].text = "hoàn thành trước 30/11/2024"
    d.save(str(tmp_path / "r.docx"))
    text = load(tmp_path / "r.docx").text
    assert "Báo cáo hội nghị" in text and VI in text and "Sở Xây dựng | hoàn thành trước 30/11/2024" in text


def test_html_main_text_without_menus_and_scripts(tmp_path: Path) -> None:
    html = f"""<html><head><title>Tin hội nghị</title><script>var x = "không lấy";</script>
    <style>.a{{color:red}}</style></head><body><nav><a href="/">Trang chủ</a> | <a>Liên hệ</a></nav>
    <header>Cổng thông tin</header><main><h1>Hội nghị giao ban</h1><p>{VI}</p>
    <p>Đoạn <b>thứ hai</b> có chữ đậm.</p></main><footer>Bản quyền 2024</footer></body></html>"""
    (tmp_path / "p.html").write_text(html, encoding="utf-8")
    text = load(tmp_path / "p.html").text
    assert "Hội nghị giao ban" in text and VI in text and "Đoạn thứ hai có chữ đậm." in text
    for junk in ("không lấy", "Trang chủ", "Liên hệ", "Cổng thông tin", "Bản quyền", "color:red"):
        assert junk not in text


def test_html_deeply_nested_tags_do_not_crash() -> None:
    html = "<div>" * 50000 + "Nội dung sâu" + "</div>" * 50000
    assert "Nội dung sâu" in html_to_text(html)


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("empty.txt", b"", "empty file"),
        ("bin.txt", bytes(range(256)) * 64, "binary data"),
        ("fake.docx", b"PK\x05\x06" + b"\x00" * 18, "not a valid .docx"),
        ("broken.pdf", b"%PDF-1.4\n garbage garbage", "corrupt PDF"),
        ("sheet.xlsx", b"PK\x03\x04" + b"\x00" * 26, "unsupported file type"),
        ("image.png", b"\x89PNG\r\n", "image"),  # not a readable image, or: an image needs OCR (not installed)
    ],
)
def test_bad_files_give_a_clear_reason(tmp_path: Path, name: str, data: bytes, reason: str) -> None:
    (tmp_path / name).write_bytes(data)
    with pytest.raises(LoadError) as e:
        load(tmp_path / name)
    assert reason in e.value.reason and name in str(e.value)


def test_pdf_without_text_layer(tmp_path: Path) -> None:
    from fpdf import FPDF

    from rag.ocr import unavailable_reason

    pdf = FPDF()
    pdf.add_page()
    pdf.rect(10, 10, 50, 50, style="F")  # a "scan" of nothing: drawing only, no text to read
    pdf.output(str(tmp_path / "scan.pdf"))
    # read by OCR when Tesseract is installed (tests/test_ocr.py), refused with the install line when not
    why = unavailable_reason()
    expected = "page 1: no text recognised" if why is None else "no text layer (a scan) and OCR needs"
    with pytest.raises(LoadError, match=re.escape(expected)):
        load(tmp_path / "scan.pdf")


def test_encrypted_pdf(tmp_path: Path) -> None:
    from pypdf import PdfReader, PdfWriter

    src = make_pdf(tmp_path / "plain.pdf", [VI])
    w = PdfWriter()
    for page in PdfReader(str(src)).pages:
        w.add_page(page)
    w.encrypt(user_password="mật-khẩu", owner_password="x", algorithm="RC4-128")
    w.write(str(tmp_path / "locked.pdf"))
    with pytest.raises(LoadError, match="encrypted PDF"):
        load(tmp_path / "locked.pdf")
