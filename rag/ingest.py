"""Reading one file into what the index stores: its text, passages, vectors and record.

Covers: ``prepare`` (content hash, then, when the content changed, load (OCR included), articles,
passages, embeddings and the ``DocRecord``), the progress callback shells pass to an ingest
(``Progress``), the commit batch size, and ``Stopwatch``, the seconds each stage took (an
``IngestReport`` carries them).
Left out: writing (``rag.writer``), which files a folder holds (``rag.loaders.expand_paths``), and the
order of the steps over many files (``rag.library.Library.ingest``).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rag.articles import split_articles
from rag.chunking import ChunkSettings, chunk_document, embedding_text
from rag.embedders import Embedder
from rag.errors import LoadError
from rag.loaders import load, sha256_file
from rag.records import DocRecord, OcrPages
from rag.types import Chunk

Progress = Callable[[str, int, int, str], None]  # (stage, done, total, current file)
COMMIT_EVERY_CHUNKS = 2000  # long ingests commit in batches so a crash loses little work


def commit_every_chunks() -> int:
    """The commit batch size: ``COMMIT_EVERY_CHUNKS``, or $RAG_COMMIT_EVERY_CHUNKS (tests force small batches)."""
    try:
        return max(1, int(os.environ.get("RAG_COMMIT_EVERY_CHUNKS") or COMMIT_EVERY_CHUNKS))
    except ValueError:
        return COMMIT_EVERY_CHUNKS


class Stopwatch:
    """Seconds spent per stage, summed over the files of an ingest."""

    def __init__(self, *stages: str) -> None:
        self.seconds = dict.fromkeys(stages, 0.0)

    @contextmanager
    def time(self, stage: str) -> Iterator[None]:
        t = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[stage] = self.seconds.get(stage, 0.0) + time.perf_counter() - t


@dataclass(frozen=True)
class Prepared:
    """A file ready to be written: its record, normalised text, passages and their vectors."""

    record: DocRecord
    text: str
    chunks: list[Chunk]
    vectors: np.ndarray
    warnings: tuple[str, ...]  # what was left out of it, e.g. a page OCR could not read


def prepare(f: Path, src: str, old: DocRecord | None, chunking: ChunkSettings, embedder: Embedder,
            progress: Progress, clock: Stopwatch) -> Prepared | None:
    """``f`` read as the source ``src``; None when its content is that of ``old`` (the record indexed now).
    Raises ``LoadError`` (with the reason) when the file cannot be read or holds no usable text."""
    with clock.time("load"):
        try:
            sha = sha256_file(f)
        except OSError as e:
            raise LoadError(src, f"cannot read file: {e.strerror or e}") from None
        if old is not None and old.sha256 == sha:
            return None
        doc = load(f, src, lambda done, total: progress("ocr", done, total, src))
    with clock.time("chunk"):
        arts = split_articles(doc.text, src)
        chunks = chunk_document(doc, arts, chunking)
    with clock.time("embed"):
        vectors = embedder.embed_passages([embedding_text(c) for c in chunks],
                                          lambda done, total: progress("embed", done, total, src))
    # the text of OCR'd pages comes with their confidences, and the scan, to show a page beside its text
    scanned = OcrPages(tuple(doc.ocr_pages), doc.ocr_confidence, tuple(doc.ocr_page_confidence),
                       str(f.resolve())) if doc.ocr_pages else None
    record = DocRecord(
        source=src, sha256=sha, size=f.stat().st_size, kind=doc.kind, title=arts[0].title if arts else Path(src).name,
        date=next((a.date for a in arts if a.date), None), chunks=len(chunks), articles=tuple(arts),
        pages=len(doc.pages) if doc.pages else None, indexed=time.strftime("%Y-%m-%dT%H:%M:%S"), ocr=scanned,
    )
    return Prepared(record, doc.text, chunks, vectors, tuple(doc.warnings))
