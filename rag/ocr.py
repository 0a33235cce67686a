"""OCR of scanned pages and photos of pages in Vietnamese, offline, with the Tesseract command line.

Covers: whether OCR can run here (``unavailable_reason``: the ``tesseract`` program, its Vietnamese
model and the Python packages), reading one page image (``recognise``), the pages of an image file
(every frame of a multi-page TIFF, photos turned upright by their EXIF tag) and the pages of a PDF
that have no text layer (drawn one at a time at 300 dpi with pdfium), several pages at once on a
small pool (``ocr_pages``, reporting each page done) where a page that fails is reported with its
reason and the others go on, cleaning what Tesseract returns (``fix_text``), and a page drawn again
as a PNG to show beside the text read from it (``page_png``). This is the only module that runs
tesseract or imports Pillow and pypdfium2, so the rest of the library works without them.
Left out: handwriting, table structure (a table comes back as lines of text), pages turned 90° or
upside down without an EXIF tag (orientation detection doubles the time per page), languages other
than Vietnamese, and correcting misread letters by a dictionary (only slips that are unambiguous
in Vietnamese text are fixed).
"""

from __future__ import annotations

import io
import os
import re
import shutil
import statistics
import subprocess
import threading
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pypdfium2 as pdfium
    from PIL.Image import Image

INSTALL_HINT = "apt install tesseract-ocr tesseract-ocr-vie"
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".tif", ".tiff")
LANG = "vie"
# --psm 3 (automatic layout), chosen by CER in eval/ocr_eval.py: --psm 4 and 11 interleave the
# lines of a page tilted 1.5° (CER 11-14 % against 0 %) and of an official letter's two-column
# heading ("UBND TỈNH ..." | "CỘNG HÒA XÃ HỘI ..."); --psm 6 loses words on noisy pages (2.4 % / 0.8 %).
PSM = 3
DPI = 300  # PDF pages are drawn at this resolution: Tesseract reads 10-12 pt text best at 300 dpi
MAX_PIXELS = 40_000_000  # a bigger page (A2 at 300 dpi, a 50 MP photo) is scaled down to bound memory
PAGE_TIMEOUT_S = 180.0
LOW_CONFIDENCE = 50.0  # below this mean word confidence a page's text is flagged as unreliable
PREVIEW_WIDTH = 1000  # px: a page image shown beside its text (an A4 page at 120 dpi, readable when enlarged)
# pdfium is not thread-safe, even across documents: the app answers (and draws page images) on several
# threads while an upload may be OCR'd on another.
_PDFIUM = threading.Lock()
PageProgress = Callable[[int, int], None]  # (pages done, pages in all)


def note(confidence: float) -> str:
    """What a source read by OCR says about itself, for the terminal and the chat window."""
    return f"nhận dạng chữ từ bản quét, độ tin cậy {confidence:.0f}%"


@dataclass(frozen=True)
class PageText:
    """What OCR read on one page: ``text`` ("" when nothing), mean word ``confidence`` (0-100,
    None when no word was read), number of ``words``, or why the page failed (``error``)."""

    page: int  # 1-based
    text: str = ""
    confidence: float | None = None
    words: int = 0
    error: str | None = None


_checked: set[str] = set()  # tesseract programs found working (a failure is checked again: it may get installed)


def unavailable_reason() -> str | None:
    """None when OCR can run here, else why not and how to install what is missing."""
    exe = shutil.which("tesseract")
    if exe is None:
        return f"OCR needs the tesseract program: {INSTALL_HINT}"
    if exe in _checked:
        return None
    try:
        out = subprocess.run([exe, "--list-langs"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError) as e:
        return f"tesseract does not run ({e}); reinstall it: {INSTALL_HINT}"
    if LANG not in (out.stdout + out.stderr).split():
        return f"tesseract has no Vietnamese model: apt install tesseract-ocr-{LANG}"
    try:
        import PIL  # noqa: F401
        import pypdfium2  # noqa: F401
    except ImportError as e:
        return f"OCR needs the Python package {e.name}: pip install 'rag-meetings[ocr]'"
    _checked.add(exe)
    return None


def workers() -> int:
    """Pages read at once: one Tesseract process per core (up to 4), or $RAG_OCR_WORKERS."""
    try:
        n = int(os.environ.get("RAG_OCR_WORKERS") or 0)
    except ValueError:
        n = 0
    return n if n > 0 else max(1, min(4, len(os.sched_getaffinity(0))))


# -- reading one page ------------------------------------------------------------------------------


def _grey(img: Image) -> Image:
    """The page as 8-bit grey on white, scaled down past ``MAX_PIXELS``."""
    from PIL import Image as PILImage

    if img.mode.startswith("I"):  # 16/32-bit grey scans: to 8 bits by value, not by clipping at 255
        img = img.convert("I").point(lambda v: v / 256)
    if img.mode in ("RGBA", "LA", "P", "PA"):  # transparent areas are paper, not black
        rgba = img.convert("RGBA")
        bg = PILImage.new("RGBA", rgba.size, (255, 255, 255, 255))
        img = PILImage.alpha_composite(bg, rgba)
    img = img.convert("L")
    w, h = img.size
    if w * h > MAX_PIXELS:
        f = (MAX_PIXELS / (w * h)) ** 0.5
        img = img.resize((max(1, int(w * f)), max(1, int(h * f))), PILImage.Resampling.LANCZOS)
    return img


def recognise(img: Image, page: int = 1, dpi: int | None = None) -> PageText:
    """Read one page image. ``dpi``: given, else the image's own when it is a scanner's (150-1200;
    a phone writes 72 whatever the distance), else Tesseract estimates it from the letter sizes.
    Raises ``RuntimeError`` when Tesseract fails."""
    if dpi is None:
        own = img.info.get("dpi")
        try:
            x = round(float(own[0])) if own else 0
        except (TypeError, ValueError, IndexError):
            x = 0
        dpi = x if 150 <= x <= 1200 else None
    return parse_tsv(run_tesseract(img, dpi), page)


def run_tesseract(img: Image, dpi: int | None = None, psm: int = PSM, thresholding: int = 2) -> str:
    """Tesseract's TSV for one page image (one row per block, paragraph, line and word).
    ``thresholding``: 2 Sauvola (used), 0 Otsu (Tesseract's default; the eval compares them)."""
    grey = _grey(img)
    buf = io.BytesIO()
    grey.save(buf, "PPM")  # uncompressed PGM: no time spent compressing what is read back at once
    cmd = ["tesseract", "stdin", "stdout", "-l", LANG, "--psm", str(psm),
           # Sauvola (local) thresholding: Otsu's single threshold loses the darker side of a
           # photographed page (CER 49 % -> 0 % on eval's photo pages) and costs nothing on scans.
           "-c", f"thresholding_method={thresholding}"]
    if dpi:
        cmd += ["--dpi", str(dpi)]
    # One thread per process: on 2 cores Tesseract's OpenMP threads make a page twice as slow;
    # ``ocr_pages`` runs pages side by side instead.
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    try:
        done = subprocess.run([*cmd, "tsv"], input=buf.getvalue(), capture_output=True,
                              timeout=PAGE_TIMEOUT_S, env=env)
    except subprocess.TimeoutExpired:
        raise RuntimeError(f"OCR took longer than {PAGE_TIMEOUT_S:.0f} s") from None
    except OSError as e:
        raise RuntimeError(f"cannot run tesseract: {e.strerror or e}") from None
    if done.returncode != 0:
        msg = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise RuntimeError(f"tesseract failed: {(msg[-1] if msg else f'exit status {done.returncode}')[:200]}")
    return done.stdout.decode("utf-8", "replace")


@dataclass
class _Word:
    text: str
    left: int
    right: int
    conf: float


def parse_tsv(tsv: str, page: int = 1, clean: bool = True) -> PageText:
    """Text from Tesseract's TSV: words joined per line, paragraphs apart by a blank line.
    ``clean``: specks dropped, stray spaces inside a word removed where the word boxes touch, the
    lines of a paragraph joined (``_reflow``) and ``fix_text``; without it, Tesseract's words and
    lines as they are (the eval compares the two)."""
    lines: dict[tuple[int, int, int], list[_Word]] = {}
    for row in tsv.splitlines()[1:]:
        f = row.split("\t")
        if len(f) < 12:
            continue
        level, block, par, line = int(f[0]), int(f[2]), int(f[3]), int(f[4])
        if level == 5 and f[11].strip():
            left, width, conf = int(f[6]), int(f[8]), float(f[10])
            lines.setdefault((block, par, line), []).append(_Word(f[11].strip(), left, left + width, conf))
    confs: list[float] = []
    paras: dict[tuple[int, int], list[_Line]] = {}
    for key, words in lines.items():
        if clean:
            words = [w for i, w in enumerate(words) if not _is_speck(w, i == 0 and len(words) > 1)]
        if not words:
            continue
        confs.extend(w.conf for w in words)
        text = _join_words(words) if clean else " ".join(w.text for w in words)
        paras.setdefault(key[:2], []).append(_Line(text, words[0].left, words[-1].right))
    if clean:
        text = "\n\n".join(_reflow(ls) for ls in paras.values())
        return PageText(page, fix_text(text), statistics.fmean(confs) if confs else None, len(confs))
    text = "\n\n".join("\n".join(ln.text for ln in ls) for ls in paras.values())
    return PageText(page, text, statistics.fmean(confs) if confs else None, len(confs))


@dataclass
class _Line:
    text: str
    left: int
    right: int


_LIST_ITEM = re.compile(r"(?:[-–—•+*·]|\d{1,2}[.)]|[a-zđ][.)])\s")


def _reflow(lines: list[_Line]) -> str:
    """A paragraph's lines as running text. The rest of the library reads a line break as the end of
    a sentence, and a sentence cut at the margin loses its subject or its figure ("Đại tá Nguyễn Văn
    An, Giám đốc ... | chủ trì"). A line is joined to the next when it runs to the right margin, the
    next is not a list item and it does not end with ":"; a short line (a title, a paragraph's
    last line that Tesseract put in the same paragraph as the next) keeps its break."""
    left = min(ln.left for ln in lines)
    right = max(ln.right for ln in lines)
    out = lines[0].text
    for prev, cur in zip(lines, lines[1:]):
        full = prev.right >= left + 0.85 * (right - left)
        joined = full and not prev.text.endswith(":") and not _LIST_ITEM.match(cur.text)
        out += (" " if joined else "\n") + cur.text
    return out


def _is_speck(w: _Word, leads_line: bool) -> bool:
    """Dust or noise read as a lone mark ("-", ".", "_"): punctuation only and hardly recognised.
    Real punctuation sticks to a word or is read with far higher confidence, except the dash or
    bullet of a list item, which Tesseract often reads with low confidence: kept at a line start."""
    if leads_line and w.text in ("-", "–", "—", "•", "+", "*", "·"):
        return False
    if any(ch.isalnum() for ch in w.text):
        return False
    # a lone "_", "." or "|" between words is never text, however sure Tesseract is of it
    return w.conf < 30 or all(ch in "._,'`|~^¸" for ch in w.text)


def _join_words(words: list[_Word]) -> str:
    """A line's words, without the space Tesseract sometimes puts inside a word ("N guyễn"): two
    letters whose boxes are much closer than the line's other word gaps are one word."""
    gaps = [b.left - a.right for a, b in zip(words, words[1:])]
    typical = statistics.median(gaps) if len(gaps) >= 3 else 0
    out = words[0].text
    for gap, w in zip(gaps, words[1:]):
        # A gap under a quarter of the usual word space is a letter gap (3 px against 15 at 300 dpi).
        # Overlapping boxes (a negative gap) are Tesseract misplacing a box, not evidence: kept apart.
        tight = typical > 0 and 0 <= gap <= 0.25 * typical
        out += w.text if tight and out[-1].isalpha() and w.text[0].isalpha() else " " + w.text
    return out


# -- cleaning the text -----------------------------------------------------------------------------

# A tone or vowel mark read as its spacing form right after the vowel ("Nguye˜n"); attached again,
# NFC composes it with the vowel.
_SPACING_MARKS = {"\u00b4": "\u0301", "`": "\u0300", "\u02cb": "\u0300", "\u02ca": "\u0301",
                  "\u02dc": "\u0303", "\u02c6": "\u0302", "\u02c0": "\u0309"}
_VOWELS = "aăâeêioôơuưyAĂÂEÊIOÔƠUƯY"
_DETACHED = re.compile(f"(?<=[{_VOWELS}])([{''.join(_SPACING_MARKS)}])")
# Glyphs that only differ in shape from the ones the rest of the library looks for: quotes the
# speech extractor pairs, the dash that sets off a title ("Lê Văn Hùng - Giám đốc"), and the eth
# (ð/Ð) Tesseract gives for đ/Đ, which never occurs in Vietnamese.
_GLYPHS = str.maketrans({"„": "“", "‟": "“", "″": '"', "〝": "“", "〞": "”", "‚": "‘", "‛": "‘", "′": "'",
                         "—": "–", "―": "–", "‒": "–", "‐": "-", "‑": "-", "ð": "đ", "Ð": "Đ",
                         "ﬁ": "fi", "ﬂ": "fl", "\u00ad": None, "\u200b": None, "\ufeff": None})


def fix_text(text: str) -> str:
    """NFC text with the OCR slips that are unambiguous in Vietnamese fixed: detached or spaced-out
    diacritics, lookalike quote/dash glyphs, ``,,`` for an opening quote, and runs of spaces."""
    text = unicodedata.normalize("NFD", text.translate(_GLYPHS))
    # A combining mark cannot start a word: a space before it was put there by the OCR.
    text = re.sub(r"[ \t]+(?=[\u0300-\u036f])", "", text)
    text = unicodedata.normalize("NFC", text)
    text = _DETACHED.sub(lambda m: _SPACING_MARKS[m.group(1)], text)
    text = re.sub(r"(?<!\S),,(?=\w)", "“", text)
    text = re.sub(r"[ \t]{2,}", " ", text)
    return unicodedata.normalize("NFC", text).strip()


# -- the pages of a file ---------------------------------------------------------------------------

PageSource = Callable[[], "Image"]  # draws or opens one page when called


def frame_count(path: Path) -> int:
    """Pages in an image file (frames of a multi-page TIFF; 1 for a photo). ``ValueError`` when unreadable."""
    from PIL import Image as PILImage
    from PIL import UnidentifiedImageError

    try:
        with PILImage.open(path) as im:
            return int(getattr(im, "n_frames", 1))
    except (UnidentifiedImageError, OSError, PILImage.DecompressionBombError) as e:
        raise ValueError(f"not a readable image: {str(e)[:150] or type(e).__name__}") from None


def image_file_pages(path: Path) -> Iterator[tuple[int, PageSource | str]]:
    """(page, how to get its image) for each frame of an image file, or (page, why it cannot be read).
    Raises ``ValueError`` when the file is not an image Pillow can open."""
    from PIL import Image as PILImage
    from PIL import ImageOps, UnidentifiedImageError

    try:
        im = PILImage.open(path)
    except (UnidentifiedImageError, OSError, PILImage.DecompressionBombError) as e:
        raise ValueError(f"not a readable image: {str(e)[:150] or type(e).__name__}") from None
    with im:
        n = getattr(im, "n_frames", 1)
        for i in range(n):
            try:
                im.seek(i)
                frame = ImageOps.exif_transpose(im)  # a phone photo taken sideways is stored sideways
                frame.load()
            except (OSError, EOFError, ValueError, SyntaxError, PILImage.DecompressionBombError) as e:
                yield i + 1, f"unreadable image data: {str(e)[:150] or type(e).__name__}"
                continue
            yield i + 1, _const(frame)


def _const(img: Image) -> PageSource:
    return lambda: img


def pdf_pages(path: Path, pages: Sequence[int], dpi: int = DPI) -> Iterator[tuple[int, PageSource | str]]:
    """(page, how to draw it) for the 1-based ``pages`` of a PDF, one open page at a time."""
    import pypdfium2 as pdfium

    with _PDFIUM:
        doc = pdfium.PdfDocument(str(path))
    try:
        for n in pages:

            def draw(n: int = n) -> Image:
                with _PDFIUM:
                    return _draw_pdf_page(doc, n, lambda w, h: min(dpi / 72, (MAX_PIXELS / max(w * h, 1.0)) ** 0.5))

            yield n, draw
    finally:
        with _PDFIUM:
            doc.close()


def _draw_pdf_page(doc: pdfium.PdfDocument, n: int, scale_for: Callable[[float, float], float]) -> Image:
    """Page ``n`` in grey, at the scale ``scale_for(width, height in points)`` gives; under ``_PDFIUM``."""
    page = doc[n - 1]
    try:
        scale = scale_for(*page.get_size())
        bitmap = page.render(scale=scale, grayscale=True)
        try:
            img: Image = bitmap.to_pil().copy()  # the copy outlives the pdfium buffer
            img.info["dpi"] = (round(72 * scale),) * 2
            return img
        finally:
            bitmap.close()
    finally:
        page.close()


def page_png(path: Path, page: int = 1, width: int = PREVIEW_WIDTH) -> bytes:
    """Page ``page`` (1-based) of a PDF or an image file (a TIFF's frame; a photo turned upright by
    its EXIF tag) as a grey PNG at most ``width`` pixels wide, to show beside the text OCR read from
    it. ``ValueError`` when the file cannot be read or has no such page."""
    from PIL import Image as PILImage
    from PIL import ImageOps, UnidentifiedImageError

    if path.suffix.lower() == ".pdf":
        import pypdfium2 as pdfium

        with _PDFIUM:
            try:
                doc = pdfium.PdfDocument(str(path))
            except pdfium.PdfiumError as e:
                raise ValueError(f"cannot open the PDF: {e}") from None
            try:
                if not 1 <= page <= len(doc):
                    raise ValueError(f"the PDF has no page {page}")
                img = _draw_pdf_page(doc, page, lambda w, h: width / max(w, 1.0))
            finally:
                doc.close()
    else:
        try:
            with PILImage.open(path) as im:
                if not 1 <= page <= getattr(im, "n_frames", 1):
                    raise ValueError(f"the image has no page {page}")
                im.seek(page - 1)
                img = _grey(ImageOps.exif_transpose(im))
        except (UnidentifiedImageError, OSError, EOFError, SyntaxError, PILImage.DecompressionBombError) as e:
            raise ValueError(f"not a readable image: {str(e)[:150] or type(e).__name__}") from None
    if img.width > width:
        img = img.resize((width, max(1, round(img.height * width / img.width))), PILImage.Resampling.LANCZOS)
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


def ocr_pages(pages: Iterator[tuple[int, PageSource | str]], dpi: int | None = None,
              n_workers: int | None = None, progress: PageProgress | None = None, total: int = 0) -> list[PageText]:
    """Read pages with ``n_workers`` Tesseract processes. Pages are drawn in this thread in order
    (pdfium is not thread-safe) and at most ``n_workers`` page images are alive at once, so memory
    stays bounded on a 500-page scan. A page that fails comes back with its ``error``.
    ``progress(done, total)`` is called in this thread once per page, read or failed."""
    n = n_workers or workers()
    results: list[PageText] = []
    pending: list[Future[PageText]] = []

    def finished(r: PageText) -> None:
        results.append(r)
        if progress:
            progress(len(results), max(total, len(results)))

    def read(page: int, img: Image) -> PageText:
        try:
            return recognise(img, page, dpi)
        except (RuntimeError, OSError, ValueError) as e:
            return PageText(page, error=str(e))

    with ThreadPoolExecutor(max_workers=n) as pool:
        for page, source in pages:
            if isinstance(source, str):
                finished(PageText(page, error=source))
                continue
            while len(pending) >= n:  # wait for a free worker before drawing the next page
                finished(pending.pop(0).result())
            try:
                img = source()
            except Exception as e:  # pdfium and Pillow raise their own types on a damaged page
                finished(PageText(page, error=f"cannot draw the page: {str(e)[:150] or type(e).__name__}"))
                continue
            pending.append(pool.submit(read, page, img))
            del img
        for f in pending:
            finished(f.result())
    return sorted(results, key=lambda r: r.page)
