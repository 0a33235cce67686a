"""The record of one indexed document, as a generation's ``docs.json`` stores it.

Covers: ``DocRecord``, what the ingest knows of a file (content hash, size, kind, title, date,
passage count, its articles, pages, when it was indexed, the OCR confidences of scanned pages, the
segment holding its passages), read from and written to the JSON of ``docs.json`` key for key:
indexes written before this type existed open unchanged, and a record read and written again gives
the same JSON (keys this version does not know are kept as they were); and ``resolve_source``, the
document a user means by a name ("bao-cao.txt" for "tai-lieu/bao-cao.txt").
Left out: the layout of the index folder and when records are written (``rag.store``), and which
passages are alive (``rag.segments`` reads a record's ``segment`` key from the JSON itself).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from rag.errors import RagError
from rag.types import Article, DocInfo

# The keys of docs.json in the order the ingest writes them; "segment" is added last by the store.
_KEYS = ("sha256", "size", "kind", "title", "date", "chunks", "articles", "pages", "indexed")
_OCR_KEYS = ("ocr_pages", "ocr_confidence", "ocr_page_confidence", "path")
_ARTICLE_KEYS = ("index", "title", "date", "period", "start", "end")


@dataclass(frozen=True)
class OcrPages:
    """The pages of a document whose text was read by OCR, and how sure Tesseract was of them."""

    pages: tuple[int, ...]  # 1-based; a single image is page 1
    confidence: float | None  # mean word confidence over those pages (0-100)
    page_confidence: tuple[float | None, ...]  # per page, in the order of ``pages``
    path: str | None  # the original scan, to draw a page beside its text in the chat window

    def confidence_of(self, page: int | None) -> float | None:
        """The confidence of ``page`` (None: a single image, read as page 1); None when it was not OCR'd."""
        n = page or 1
        if n not in self.pages:
            return None
        own = self.page_confidence
        conf = own[self.pages.index(n)] if len(own) == len(self.pages) else self.confidence
        return None if conf is None else float(conf)


@dataclass(frozen=True)
class DocRecord:
    """One indexed document (one content version of a source file)."""

    source: str
    sha256: str
    size: int
    kind: str
    title: str
    date: str | None  # the first dated article's date
    chunks: int
    articles: tuple[Article, ...]
    pages: int | None  # for paginated formats
    indexed: str  # local time, YYYY-MM-DDTHH:MM:SS
    ocr: OcrPages | None = None
    segment: str | None = None  # set by the store when it writes the record's passages
    extra: tuple[tuple[str, Any], ...] = ()  # keys of a newer version, written back as they were read

    def to_json(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "sha256": self.sha256, "size": self.size, "kind": self.kind, "title": self.title, "date": self.date,
            "chunks": self.chunks,
            "articles": [{k: getattr(a, k) for k in _ARTICLE_KEYS} for a in self.articles],
            "pages": self.pages, "indexed": self.indexed,
        }
        if self.ocr is not None:
            d.update(ocr_pages=list(self.ocr.pages), ocr_confidence=self.ocr.confidence,
                     ocr_page_confidence=list(self.ocr.page_confidence), path=self.ocr.path)
        d.update(self.extra)
        if self.segment is not None:
            d["segment"] = self.segment
        return d

    @classmethod
    def from_json(cls, source: str, d: Mapping[str, Any]) -> DocRecord:
        ocr = None
        if "ocr_pages" in d:
            ocr = OcrPages(tuple(d["ocr_pages"] or ()), d.get("ocr_confidence"),
                           tuple(d.get("ocr_page_confidence") or ()), d.get("path"))
        known = {*_KEYS, *_OCR_KEYS, "segment"}
        return cls(
            source=source, sha256=d["sha256"], size=d["size"], kind=d["kind"], title=d["title"], date=d.get("date"),
            chunks=d["chunks"], articles=tuple(Article(source=source, **a) for a in d.get("articles", [])),
            pages=d.get("pages"), indexed=d["indexed"], ocr=ocr, segment=d.get("segment"),
            extra=tuple((k, v) for k, v in d.items() if k not in known),
        )

    def info(self) -> DocInfo:
        return DocInfo(self.source, self.title, self.date, self.chunks, len(self.articles), self.sha256, self.size)

    def ocr_confidence(self, page: int | None) -> float | None:
        """The OCR confidence of ``page`` of this document; None when that page was not read by OCR."""
        return self.ocr.confidence_of(page) if self.ocr else None


def resolve_source(source: str, sources: Collection[str]) -> str:
    """The indexed source ``source`` names: itself, or the one source whose file name or path ends so."""
    if source in sources:
        return source
    norm = source.replace("\\", "/")
    matches = [s for s in sources if s.endswith("/" + norm) or s.rsplit("/", 1)[-1] == norm]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise RagError(f"no indexed document named '{source}' (see 'rag docs')")
    raise RagError(f"'{source}' matches several documents: {', '.join(sorted(matches))}")
