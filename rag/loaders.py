"""Reading source files into normalised text: txt, md, pdf, docx, html, and scans (png, jpg, tiff).

Each loader returns a ``LoadedDoc`` whose text is NFC-normalised, with the start offset of every
page for paginated formats so a chunk can name its page. Text files may be UTF-8 (with or without
BOM), UTF-16 (BOM or BOM-less, detected by NUL bytes) or the legacy Vietnamese code page
windows-1258. Every failure is a ``LoadError`` naming the file and the reason. Also: which files
a list of paths and folders means (``expand_paths``), their index names and content hashes.
Image files and the PDF pages without a text layer are read by OCR (``rag.ocr``); the pages it read,
its confidence and the pages it could not read are recorded on the ``LoadedDoc``; ``load`` reports
each page OCR finishes to a ``progress`` callback.
Left out: legacy .doc, spreadsheets.
"""

from __future__ import annotations

import hashlib
import logging
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, replace
from html.parser import HTMLParser
from pathlib import Path

from rag import ocr
from rag.errors import LoadError
from rag.textnorm import nfc

SUPPORTED = (".txt", ".md", ".markdown", ".pdf", ".docx", ".html", ".htm", *ocr.IMAGE_SUFFIXES)
MAX_BYTES = 100 * 1024 * 1024  # pdf/docx/images
# A PDF page with less text than this in its text layer is read by OCR as well (the longer text is
# kept): scanners and scanning apps stamp a page number or "Scanned with CamScanner" onto a scan.
MIN_LAYER_CHARS = 40
MAX_TEXT_BYTES = 20 * 1024 * 1024  # txt/md/html: a report is kilobytes; tens of MB is a dump, and would take hours to embed

# pypdf logs what it repairs in a damaged file ("EOF marker not found") without naming the file, and
# with no logging configured Python prints that on stderr beside our LoadError, which does name it.
# A NullHandler keeps those lines off the terminal; an app that configures logging still gets them.
logging.getLogger("pypdf").addHandler(logging.NullHandler())


@dataclass(frozen=True)
class LoadedDoc:
    source: str
    text: str
    pages: tuple[int, ...] | None  # start offset of each page in ``text``
    kind: str
    ocr_pages: tuple[int, ...] = ()  # 1-based pages whose text was read by OCR (an image file: (1,) and up)
    ocr_confidence: float | None = None  # Tesseract's mean word confidence (0-100) over those pages
    warnings: tuple[str, ...] = ()  # what was left out but did not stop the file, e.g. a page OCR could not read
    ocr_page_confidence: tuple[float | None, ...] = ()  # each of ``ocr_pages``' own mean word confidence

    def page_at(self, offset: int) -> int | None:
        if not self.pages:
            return None
        page = 1
        for i, start in enumerate(self.pages):
            if start <= offset:
                page = i + 1
            else:
                break
        return page


def _clean(text: str) -> str:
    text = nfc(text).replace("\r\n", "\n").replace("\r", "\n").replace("\u00a0", " ")
    text = text.replace("\ufeff", "").replace("\u200b", "")
    # Strip control characters except newline and tab: they break tokenisers and JSON output.
    text = re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", "", text)
    text = re.sub(r"[ \t]+\n", "\n", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def decode_text(data: bytes, path: str) -> str:
    """Decode a text file: BOMs first, then UTF-8, UTF-16 without BOM, then windows-1258."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    if data.count(b"\x00") > len(data) // 8:
        # BOM-less UTF-16: ASCII characters leave NULs in every other byte.
        even, odd = data[0::2].count(0), data[1::2].count(0)
        enc = "utf-16-le" if odd > even else "utf-16-be"
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            raise LoadError(path, "binary data, not text") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    if _looks_binary(data):
        raise LoadError(path, "binary data, not text")
    return data.decode("cp1258", errors="replace")


def _looks_binary(data: bytes) -> bool:
    sample = data[:65536]
    if b"\x00" in sample:
        return True
    controls = sum(1 for b in sample if b < 32 and b not in (9, 10, 12, 13))
    return controls > len(sample) * 0.05


def load(path: str | Path, source: str | None = None, progress: ocr.PageProgress | None = None) -> LoadedDoc:
    """Load one file. ``source`` is the name recorded in the index (default: the path).
    ``progress(done, total)``: called once per page read by OCR (scans only)."""
    p = Path(path)
    src = source or str(path)
    suffix = p.suffix.lower()
    if suffix not in SUPPORTED:
        raise LoadError(src, f"unsupported file type '{suffix or p.name}' (supported: {', '.join(SUPPORTED)})")
    try:
        size = p.stat().st_size
    except OSError as e:
        raise LoadError(src, f"cannot read file: {e.strerror or e}") from None
    if size == 0:
        raise LoadError(src, "empty file (0 bytes)")
    limit = MAX_BYTES if suffix in (".pdf", ".docx", *ocr.IMAGE_SUFFIXES) else MAX_TEXT_BYTES
    if size > limit:
        raise LoadError(src, f"file too large ({size / (1024 * 1024):.0f} MB > {limit // (1024 * 1024)} MB limit)")
    try:
        if suffix == ".pdf":
            doc = _load_pdf(p, src, progress)
        elif suffix in ocr.IMAGE_SUFFIXES:
            doc = _load_image(p, src, progress)
        elif suffix == ".docx":
            doc = _load_docx(p, src)
        elif suffix in (".html", ".htm"):
            doc = LoadedDoc(src, _clean(html_to_text(decode_text(p.read_bytes(), src))), None, "html")
        else:
            doc = LoadedDoc(src, _clean(decode_text(p.read_bytes(), src)), None, suffix.lstrip("."))
    except LoadError:
        raise
    except MemoryError:
        raise LoadError(src, "file too large to load in memory") from None
    except OSError as e:
        raise LoadError(src, f"cannot read file: {e.strerror or e}") from None
    if not doc.text.strip():
        raise LoadError(src, "; ".join(doc.warnings) if doc.warnings else "no text found in file")
    return doc


def _load_pdf(p: Path, src: str, progress: ocr.PageProgress | None = None) -> LoadedDoc:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(str(p))
        if reader.is_encrypted:
            try:
                ok = bool(reader.decrypt(""))
            except Exception:
                ok = False
            if not ok:
                raise LoadError(src, "encrypted PDF (password protected)")
        parts: list[str] = []
        for page in reader.pages:
            parts.append(_clean(page.extract_text() or ""))
    except LoadError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, RecursionError) as e:
        raise LoadError(src, f"corrupt PDF: {str(e)[:120] or type(e).__name__}") from None
    except Exception as e:  # pypdf raises many ad-hoc types on damaged files
        raise LoadError(src, f"corrupt PDF: {type(e).__name__}: {str(e)[:100]}") from None
    bare = [i + 1 for i, part in enumerate(parts) if _chars(part) < MIN_LAYER_CHARS]
    if not bare:
        return _paginate(src, parts, "pdf")
    why = ocr.unavailable_reason()
    if why is not None:
        if len(bare) == len(parts) and not any(part.strip() for part in parts):
            raise LoadError(src, f"no text layer (a scan) and {why}")
        warnings = [f"page {n}: no text layer, not read ({why})" for n in bare if not parts[n - 1].strip()]
        return _paginate(src, parts, "pdf", warnings=warnings)
    try:
        read = ocr.ocr_pages(ocr.pdf_pages(p, bare), progress=progress, total=len(bare))
    except Exception as e:  # pdfium refusing a file pypdf read: keep the text layer
        read = [ocr.PageText(n, error=f"cannot draw the page: {str(e)[:120] or type(e).__name__}") for n in bare]
    return _with_ocr(src, parts, read, "pdf")


def _load_image(p: Path, src: str, progress: ocr.PageProgress | None = None) -> LoadedDoc:
    why = ocr.unavailable_reason()
    if why is not None:
        raise LoadError(src, f"an image needs OCR, and {why}")
    try:
        total = ocr.frame_count(p) if progress else 0
        read = ocr.ocr_pages(ocr.image_file_pages(p), progress=progress, total=total)
    except ValueError as e:
        raise LoadError(src, str(e)) from None
    if len(read) == 1 and read[0].error:
        raise LoadError(src, read[0].error)
    doc = _with_ocr(src, [""] * len(read), read, "image")
    # One photo or scan is a page of something else: "trang 1" would mislead; a multi-page TIFF keeps pages.
    return doc if len(read) > 1 else replace(doc, pages=None)


def _chars(text: str) -> int:
    return sum(1 for ch in text if not ch.isspace())


def _with_ocr(src: str, parts: list[str], read: list[ocr.PageText], kind: str) -> LoadedDoc:
    """``parts`` with OCR text in place of a page's text layer where OCR read more."""
    parts = list(parts)
    warnings: list[str] = []
    used: list[ocr.PageText] = []
    for r in read:
        if r.error:
            warnings.append(f"page {r.page}: {r.error}")
        elif _chars(r.text) > _chars(parts[r.page - 1]):
            parts[r.page - 1] = _clean(r.text)
            used.append(r)
            if r.confidence is not None and r.confidence < ocr.LOW_CONFIDENCE:
                warnings.append(f"page {r.page}: OCR confidence {r.confidence:.0f}%, the text may be unreliable")
        elif not parts[r.page - 1].strip():
            warnings.append(f"page {r.page}: no text recognised")
    words = sum(r.words for r in used)
    conf = sum((r.confidence or 0.0) * r.words for r in used) / words if words else None
    doc = _paginate(src, parts, kind, tuple(r.page for r in used), None if conf is None else round(conf, 1), warnings)
    per_page = tuple(None if r.confidence is None else round(r.confidence, 1) for r in used)
    return replace(doc, ocr_page_confidence=per_page)


def _paginate(src: str, parts: list[str], kind: str, ocr_pages: tuple[int, ...] = (),
              ocr_confidence: float | None = None, warnings: list[str] | None = None) -> LoadedDoc:
    starts: list[int] = []
    text = ""
    for part in parts:
        if text:
            text += "\n\n"
        starts.append(len(text))
        text += part
    return LoadedDoc(src, text, tuple(starts), kind, ocr_pages, ocr_confidence, tuple(warnings or ()))


def _load_docx(p: Path, src: str) -> LoadedDoc:
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    if not zipfile.is_zipfile(p):
        raise LoadError(src, "not a valid .docx file (not a zip archive)")
    try:
        with zipfile.ZipFile(p) as z:
            if "word/document.xml" not in z.namelist():
                raise LoadError(src, "not a valid .docx file (no word/document.xml inside)")
        d = docx.Document(str(p))
    except LoadError:
        raise
    except (PackageNotFoundError, KeyError, ValueError, zipfile.BadZipFile) as e:
        raise LoadError(src, f"not a valid .docx file: {str(e)[:120]}") from None
    except Exception as e:
        raise LoadError(src, f"not a valid .docx file: {type(e).__name__}") from None
    blocks = [para.text for para in d.paragraphs]
    for table in d.tables:
        for row in table.rows:
            blocks.append(" | ".join(cell.text.strip() for cell in row.cells))
    return LoadedDoc(src, _clean("\n\n".join(b for b in blocks if b.strip())), None, "docx")


_SKIP = {"script", "style", "noscript", "template", "nav", "header", "footer", "aside", "form", "menu", "svg", "iframe", "button", "select"}
_BLOCK = {"p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "table", "section", "article", "main", "blockquote", "pre", "hr", "dd", "dt", "figcaption", "title"}
_VOID = {"br", "hr", "img", "input", "meta", "link", "area", "base", "col", "embed", "source", "track", "wbr"}


class _Extractor(HTMLParser):
    """Iterative (no recursion), so deeply nested markup cannot overflow the stack."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.skip = 0
        self.main_depth = 0
        self.all: list[str] = []
        self.main: list[str] = []
        self.title: list[str] = []
        self.in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self.skip += 1
        elif tag in ("main", "article"):
            self.main_depth += 1
        elif tag == "title":
            self.in_title = True
        if tag in _BLOCK:
            self._emit("\n")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCK:
            self._emit("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP and self.skip:
            self.skip -= 1
        elif tag in ("main", "article") and self.main_depth:
            self.main_depth -= 1
        elif tag == "title":
            self.in_title = False
        if tag in _BLOCK:
            self._emit("\n")

    def handle_data(self, data: str) -> None:
        if self.in_title:
            self.title.append(data)
            return
        if not self.skip:
            self._emit(re.sub(r"\s+", " ", data))

    def _emit(self, s: str) -> None:
        self.all.append(s)
        if self.main_depth:
            self.main.append(s)


def html_to_text(html: str) -> str:
    """Main text of an HTML page: <main>/<article> when present, without menus and scripts."""
    ex = _Extractor()
    ex.feed(html)
    ex.close()
    body = "".join(ex.main) if "".join(ex.main).strip() else "".join(ex.all)
    lines = [ln.strip() for ln in body.split("\n")]
    text = "\n".join(ln for ln in lines if ln)
    title = " ".join("".join(ex.title).split())
    if title and not text.startswith(title):
        first = text.split("\n", 1)[0]
        if title not in first and first not in title:
            text = title + "\n" + text
    return text.replace("\n", "\n\n")


def sha256_file(path: Path) -> str:
    """Content hash of a file, read in 1 MB blocks (re-ingest skips files whose hash is unchanged)."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def source_name(path: Path) -> str:
    """The name a file is indexed under: relative to the working folder when inside it."""
    p = path.resolve()
    try:
        return p.relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return p.as_posix()


def expand_paths(paths: Iterable[str | Path]) -> tuple[list[Path], list[tuple[str, str]]]:
    """Files to ingest (folders walked for supported types) and (path, reason) for missing ones."""
    files: list[Path] = []
    missing: list[tuple[str, str]] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            for f in sorted(p.rglob("*")):
                if f.is_file() and f.suffix.lower() in SUPPORTED and not any(
                    part.startswith(".") for part in f.relative_to(p).parts
                ):
                    files.append(f)
        elif p.is_file():
            files.append(p)
        else:
            missing.append((str(raw), "no such file or folder"))
    return files, missing
