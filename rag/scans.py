"""Scanned pages of indexed documents, as the answers show them.

Covers: the OCR mark on a citation (``mark_ocr``: the confidence of the cited page, from the
document record the ingest wrote: ``ocr_pages``, ``ocr_page_confidence``, ``ocr_confidence``), and
the image of a scanned page drawn from the original file on first use and kept in the index's
``pages/`` folder (``page_image``, ``forget_pages``), so the chat window can show it beside the text.
Left out: reading the scans (``rag.ocr``) and serving the images (the UI).
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Any

from rag import ocr
from rag.loaders import sha256_file
from rag.types import Answer


def mark_ocr(answer: Answer, docs: dict[str, dict[str, Any]]) -> Answer:
    """The answer with each citation from a page read by OCR carrying that page's confidence, so
    every shell (terminal, chat window, JSON) can tell the reader to check the scan."""
    if not any(docs.get(c.source, {}).get("ocr_pages") for c in answer.citations):
        return answer
    cites = tuple(replace(c, ocr_confidence=ocr_confidence(docs.get(c.source), c.page)) for c in answer.citations)
    return replace(answer, citations=cites)


def ocr_confidence(rec: dict[str, Any] | None, page: int | None) -> float | None:
    """The OCR confidence of ``page`` of a document record (None: not read by OCR). A citation
    without a page is from a single image, read as page 1."""
    pages = (rec or {}).get("ocr_pages") or []
    n = page or 1
    if rec is None or n not in pages:
        return None
    own = rec.get("ocr_page_confidence") or []
    conf = own[pages.index(n)] if len(own) == len(pages) else rec.get("ocr_confidence")
    return None if conf is None else float(conf)


def page_image(folder: Path, rec: dict[str, Any], page: int | None = None) -> Path | None:
    """A PNG of the scanned page ``page`` (None: a single image) of the document ``rec``, drawn from
    its original file on first use and kept in ``folder``; None when that page was not read by OCR,
    or the original file is gone or changed since it was indexed."""
    n = page or 1
    if n not in (rec.get("ocr_pages") or ()) or not rec.get("path"):
        return None
    out = folder / f"{rec['sha256']}-{n}.png"
    if out.is_file():
        return out
    original = Path(rec["path"])
    try:
        if not original.is_file() or sha256_file(original) != rec["sha256"]:
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
