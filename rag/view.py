"""One generation of the index as the library reads it: typed records and what is derived from its chunks.

Covers: ``IndexView`` wraps a loaded ``rag.store.Snapshot`` with its documents as ``DocRecord``s and
the structures searching and answering derive from it (the accented and folded BM25 indexes, the
accent lexicon, document frequencies, the chunks of each article and of each source), each built on
first use, exactly once, and shared by the threads reading that generation.
Left out: loading and writing generations (``rag.store``), what the structures are (``rag.lexical``),
when a new generation is read and the extracted facts (``rag.library`` keeps both).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from functools import partial
from typing import Generic, TypeVar

from rag.lexical import BM25, Lexicon
from rag.records import DocRecord
from rag.store import Snapshot
from rag.types import Chunk

_T = TypeVar("_T")
_K = TypeVar("_K")


class Lazy(Generic[_T]):
    """A value built by ``build`` on the first ``get``; concurrent first callers wait for that one build."""

    def __init__(self, build: Callable[[], _T]) -> None:
        self._build = build
        self._value: _T | None = None
        self._done = False
        self._lock = threading.Lock()

    def get(self) -> _T:
        if not self._done:
            with self._lock:
                if not self._done:
                    self._value = self._build()
                    self._done = True
        return self._value  # type: ignore[return-value]  # set above, and _T may itself include None


def _grouped(chunks: Sequence[Chunk], key: Callable[[Chunk], _K]) -> dict[_K, list[Chunk]]:
    out: dict[_K, list[Chunk]] = {}
    for c in chunks:
        out.setdefault(key(c), []).append(c)
    return out



class IndexView:
    """A snapshot with typed document records and its derived search structures."""

    def __init__(self, snap: Snapshot) -> None:
        self.snap = snap
        self.records: dict[str, DocRecord] = {s: DocRecord.from_json(s, d) for s, d in snap.docs.items()}
        self._bm25 = {folded: Lazy(partial(snap.bm25, folded)) for folded in (False, True)}
        self._lexicon = Lazy(snap.lexicon)
        self._df = Lazy(snap.df)
        self._by_article = Lazy(lambda: _grouped(snap.chunks, lambda c: (c.source, c.article)))
        self._by_source = Lazy(lambda: _grouped(snap.chunks, lambda c: c.source))

    @property
    def chunks(self) -> list[Chunk]:
        return self.snap.chunks

    @property
    def generation(self) -> str:
        return self.snap.generation

    def prepare(self) -> None:
        """Build the search structures now (servers call this at start, not on the first question)."""
        if self.chunks:
            self.bm25(False)
            self.bm25(True)
            self.lexicon()
        self.df()
        self._by_article.get()

    def bm25(self, folded: bool) -> BM25:
        return self._bm25[folded].get()

    def lexicon(self) -> Lexicon:
        return self._lexicon.get()

    def df(self) -> Mapping[str, int]:
        """Document frequencies of the chunks' terms (rows of removed documents count until a compaction)."""
        return self._df.get()

    def article_chunks(self, source: str, article: int) -> Sequence[Chunk]:
        return self._by_article.get().get((source, article), ())

    def source_chunks(self, source: str) -> Sequence[Chunk]:
        return self._by_source.get().get(source, ())
