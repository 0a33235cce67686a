"""rag: offline, cited question answering over Vietnamese meeting reports.

Public API: ``Library`` (ingest, search, ask, documents, remove) and the result types.
Left out: the shells (``rag.cli``; the chat window is the separate ``ui`` package, which imports
``rag``, never the reverse).
"""

from rag.errors import IndexLockedError, IndexMismatchError, LoadError, RagError
from rag.library import Library
from rag.retrieval import Filters
from rag.types import Answer, Article, Chunk, Citation, DocInfo, Hit, IngestReport

__all__ = [
    "Answer", "Article", "Chunk", "Citation", "DocInfo", "Filters", "Hit", "IndexLockedError",
    "IndexMismatchError", "IngestReport", "Library", "LoadError", "RagError",
]
