"""Scanned pages of indexed documents, as the answers show them.

Covers: the OCR mark on a citation (``mark_ocr``: the confidence of the cited page, from the
document record the ingest wrote, ``rag.records.OcrPages``), and
the image of a scanned page drawn from the original file on first use and kept in the index's
``pages/`` folder (``page_image``, ``forget_pages``), so the chat window can show it beside the text.
Left out: reading the scans (``rag.ocr``) and serving the images (the UI).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

from rag import ocr
from rag.loaders import sha256_file
from rag.records import DocRecord
from rag.types import Answer


def mark_ocr(answer: Answer, records: Mapping[str, DocRecord]) -> Answer:
    """The answer with each citation from a page read by OCR carrying that page's confidence, so
    every shell (terminal, chat window, JSON) can tell the reader to check the scan."""
    if not any(_scanned(records.get(c.source)) for c in answer.citations):
        return answer
    cites = tuple(replace(c, ocr_confidence=ocr_confidence(records.get(c.source), c.page)) for c in answer.citations)
    return replace(answer, citations=cites)


def _scanned(rec: DocRecord | None) -> bool:
    return rec is not None and rec.ocr is not None and bool(rec.ocr.pages)


def ocr_confidence(rec: DocRecord | None, page: int | None) -> float | None:
    """The OCR confidence of ``page`` of a document record (None: not read by OCR). A citation
    without a page is from a single image, read as page 1."""
    return rec.ocr_confidence(page) if rec is not None else None


def page_image(folder: Path, rec: DocRecord, page: int | None = None) -> Path | None:
    """A PNG of the scanned page ``page`` (None: a single image) of the document ``rec``, drawn from
    its original file on first use and kept in ``folder``; None when that page was not read by OCR,
    or the original file is gone or changed since it was indexed."""
    n = page or 1
    if rec.ocr is None or n not in rec.ocr.pages or not rec.ocr.path:
        return None
    out = folder / f"{rec.sha256}-{n}.png"
    if out.is_file():
        return out
    original = Path(rec.ocr.path)
    try:
        if not original.is_file() or sha256_file(original) != rec.sha256:
            return None
        png = ocr.page_png(original, n)
        out.parent.mkdir(exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=out.parent, suffix=".tmp")
        with os.fdopen(fd, "wb") as f:
            f.write(png)
        os.replace(tmp, out)  # whole or not at all: two threads may draw the same page
    except (OSError, ValueError, ImportError):
        return None
    return out


def forget_pages(folder: Path, sha: str) -> None:
    """Delete the page images drawn for a document version no longer indexed."""
    for p in folder.glob(f"{sha}-*.png"):
        p.unlink(missing_ok=True)
