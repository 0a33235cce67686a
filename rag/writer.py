"""Writing changes to an index: the one ``IndexWriter`` that ingest, remove and compact go through.

Covers: under the writer lock the caller holds, documents added or replaced (``add``: the record,
its passages and vectors; its text is stored at once, content-addressed) and dropped (``drop``),
written as one new generation by ``commit`` (``rag.store.IndexStore.commit_changes``), after which
the writer reads the generation it wrote, so a long ingest can commit in batches. The records of
the documents kept pass through unchanged (``DocRecord`` reads and writes its JSON key for key), in
the order they were indexed; an added or replaced document goes last.
Left out: the lock (``IndexStore.lock``, taken by ``rag.library``), reading files (``rag.ingest``),
the segments and when they merge (``rag.store``, ``rag.segments``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from rag.records import DocRecord
from rag.store import IndexStore, Snapshot
from rag.types import Chunk


class IndexWriter:
    """Pending changes to one index, on top of the generation read when it was made or last committed."""

    def __init__(self, store: IndexStore, base: Callable[[], dict[str, Any]],
                 reload: Callable[[], Snapshot | None]) -> None:
        self.store = store
        self._base = base  # the manifest's fixed part (embedder, dimension, chunking, faiss type)
        self._reload = reload  # reads the current generation again (the library reuses its segments)
        self._start(reload())

    def _start(self, snap: Snapshot | None) -> None:
        self.snap = snap
        self.records: dict[str, DocRecord] = (
            {s: DocRecord.from_json(s, d) for s, d in snap.docs.items()} if snap else {}
        )  # as committed
        self._added: dict[str, tuple[DocRecord, Sequence[Chunk], np.ndarray]] = {}
        self._dropped: set[str] = set()

    @property
    def pending_chunks(self) -> int:
        return sum(len(chunks) for _, chunks, _ in self._added.values())

    @property
    def dirty(self) -> bool:
        return bool(self._added or self._dropped)

    @property
    def stale(self) -> bool:
        """The generation read has a segment of an older format or of older lexical rules."""
        return self.snap is not None and self.snap.stale

    def add(self, record: DocRecord, chunks: Sequence[Chunk], vectors: np.ndarray, text: str) -> None:
        """Add or replace ``record.source`` with these passages (and their vectors) at the next commit."""
        self.store.write_text(record.sha256, text)
        self._added[record.source] = (record, chunks, vectors)
        self._dropped.discard(record.source)

    def drop(self, source: str) -> None:
        """Leave ``source`` out of the next generation (its passages stay in their segment, dead, until a merge)."""
        self._added.pop(source, None)
        self._dropped.add(source)

    def commit(self, compact: bool = False) -> None:
        """Write the pending changes as one new generation (with ``compact``, in one segment), then read it."""
        base = self._base()
        kept = {s: r for s, r in self.records.items() if s not in self._added and s not in self._dropped}
        records = {**kept, **{s: rec for s, (rec, _, _) in self._added.items()}}
        chunks = [c for _, cs, _ in self._added.values() for c in cs]
        vectors = (np.concatenate([v for _, _, v in self._added.values()]) if self._added
                   else np.empty((0, int(base["dim"])), dtype=np.float32))
        docs = {s: r.to_json() for s, r in records.items()}
        self.store.commit_changes(base, self.snap, docs, chunks, vectors, compact=compact)
        self._start(self._reload())
