"""Immutable segments of an index, and the snapshot that puts a generation's segments together.

A segment ``seg-NNNNNN/`` holds the chunks one commit added (or a merge rewrote): ``vectors.faiss``,
``chunks.jsonl`` (local ids 0..n-1), the same rows as ``chunks.marshal`` (loads in half the time;
read when written by this Python version and intact, else the JSON lines are) and its lexical data
(``lexical/``, see ``rag.lexical``). It is
written into a temporary folder, fsynced and renamed into place, and never changed afterwards. A
generation lists its segments in order (``segments.json``) and says in ``docs.json`` which segment
holds each document's current chunks: a chunk is alive iff ``docs[chunk.source]["segment"]`` names
its segment, so removing or replacing a document rewrites only docs.json.

``Snapshot`` stitches a generation together: alive chunks get contiguous global ids in segment order
(``Chunk.id``); dense search queries each segment's FAISS index (restricted to its alive and allowed
rows) and merges the top k by score; BM25, the lexicon and the document frequencies combine the
segments' saved data (``rag.lexical``). Parsed segments are cached per process (they are immutable),
so reloading after a commit reads only the new segment.

``merge_start`` is the merge policy: a commit rewrites the newest segments together with its new
chunks when they hold no more rows than those (a binary counter: each chunk is rewritten O(log n)
times, and adding a few files to a large index writes little more than them), keeps at most
``MAX_SEGMENTS``, and rewrites everything as one segment when more than ``DEAD_SHARE`` of the rows
are dead or a segment is of an older format (compaction).
"""

from __future__ import annotations

import functools
import json
import marshal
import os
import shutil
import sys
import threading
import weakref
import zlib
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import faiss
import numpy as np

from rag.errors import IndexError_
from rag.lexical import BM25, Lexicon, Postings, SummedCounts, build_postings, document_frequencies
from rag.lexical_store import Reuse, load_df, load_lexicon, load_postings, save_lexical, saved_lexical
from rag.types import Chunk

FAISS_TYPES = ("flat", "hnsw")
MAX_SEGMENTS = 8
CHUNKS_MARSHAL = "chunks.marshal"  # the chunks again, for fast loading; chunks.jsonl is the record
# marshal's format belongs to the Python version: another one reads the JSON lines instead
_MARSHAL_TAG = f"rag-chunks 1 py{sys.version_info[0]}.{sys.version_info[1]} m{marshal.version}"
DEAD_SHARE = 0.25

_T = TypeVar("_T")


def fsync_write(path: Path, data: bytes) -> None:
    with open(path, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def new_faiss_index(kind: str, dim: int) -> Any:
    if kind == "flat":
        return faiss.IndexFlatIP(dim)
    if kind == "hnsw":
        idx = faiss.IndexHNSWFlat(dim, 32, faiss.METRIC_INNER_PRODUCT)
        idx.hnsw.efConstruction = 80
        idx.hnsw.efSearch = 128
        return idx
    raise IndexError_(f"unknown faiss index type '{kind}' (choose from {', '.join(FAISS_TYPES)})")


def _renumbered(chunks: Sequence[Chunk], first: int) -> list[Chunk]:
    """Copies of ``chunks`` with ids ``first``, ``first + 1``, ...: their fields copied as a dict, a
    quarter of the time of ``dataclasses.replace`` (0.3 s for 64k chunks on a cold start)."""
    out = []
    for i, c in enumerate(chunks, first):
        n = object.__new__(Chunk)
        n.__dict__.update(c.__dict__, id=i)  # Chunk is a frozen, non-slotted dataclass
        out.append(n)
    return out


class Segment:
    """One immutable folder of chunks, shared by every snapshot of this process that lists it.
    ``legacy``: the folder of a format-1 generation (its lexical data is rebuilt in memory)."""

    def __init__(self, name: str, path: Path, chunks: list[Chunk], index: Any, legacy: bool = False) -> None:
        self.name = name
        self.path = path
        self.chunks = chunks
        self.index = index
        self.legacy = legacy
        by_source: dict[str, list[int]] = {}
        for i, c in enumerate(chunks):
            by_source.setdefault(c.source, []).append(i)
        self.rows_by_source = {s: np.asarray(r, dtype=np.int64) for s, r in by_source.items()}
        self._memo: dict[str, Any] = {}
        self._lock = threading.RLock()  # a build may use another memoized value
        self._view: tuple[int, list[Chunk]] | None = None

    @property
    def rows(self) -> int:
        return len(self.chunks)

    def alive(self, docs: Mapping[str, Mapping[str, Any]]) -> np.ndarray:
        """Local ids (ascending) of the rows whose document's record in ``docs`` names this segment."""
        found = [r for s, r in self.rows_by_source.items() if (d := docs.get(s)) is not None and d.get("segment") == self.name]
        if len(found) == len(self.rows_by_source):
            return np.arange(self.rows, dtype=np.int64)
        return np.sort(np.concatenate(found)) if found else np.empty(0, dtype=np.int64)

    def view(self, offset: int, alive: np.ndarray) -> list[Chunk]:
        """The alive chunks with their global ids (``offset`` onwards); reused while nothing changes."""
        if len(alive) != self.rows:
            return _renumbered([self.chunks[r] for r in alive.tolist()], offset)
        if offset == 0:
            return self.chunks  # local ids are the global ones
        last = self._view
        if last is None or last[0] != offset:
            last = self._view = (offset, _renumbered(self.chunks, offset))
        return last[1]

    def vectors(self) -> np.ndarray:
        n = self.index.ntotal
        if n == 0:
            return np.empty((0, self.index.d), dtype=np.float32)
        return np.asarray(self.index.reconstruct_n(0, n), dtype=np.float32)

    def search(self, q: np.ndarray, k: int, rows: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        """Top-k (local ids, scores) by inner product; ``rows`` restricts to those local ids."""
        if rows is not None:
            sel = faiss.IDSelectorBatch(np.ascontiguousarray(rows, dtype=np.int64))
            params = (
                # faiss's type stubs omit SearchParametersHNSW; the filtered hnsw search test exercises it
                faiss.SearchParametersHNSW(sel=sel, efSearch=max(128, k))  # type: ignore[attr-defined]
                if isinstance(self.index, faiss.IndexHNSW)
                else faiss.SearchParameters(sel=sel)  # type: ignore[call-arg]
            )
            scores, ids = self.index.search(q, min(k, len(rows)), params=params)
        else:
            scores, ids = self.index.search(q, min(k, self.rows))
        keep = ids[0] >= 0
        return ids[0][keep], scores[0][keep]

    # -- lexical data: saved with the segment, else (older rules, or pruned under a reader) built ----
    def _memoized(self, key: str, build: Callable[[], _T]) -> _T:
        with self._lock:
            if key not in self._memo:
                self._memo[key] = build()
            found: _T = self._memo[key]
            return found

    def saved_lexical(self) -> Path | None:
        return self._memoized("saved", lambda: saved_lexical(self.path, self.rows))

    def _saved_or_built(self, load: Callable[[Path], _T], build: Callable[[], _T]) -> _T:
        saved = self.saved_lexical()
        if saved is not None:
            try:
                return load(saved)
            except (OSError, ValueError):
                pass  # a writer pruned this segment since it was read: build from its chunks
        return build()

    def postings(self, folded: bool) -> Postings:
        return self._memoized(f"postings:{folded}", lambda: self._saved_or_built(
            lambda p: load_postings(p, folded),
            lambda: build_postings([c.title for c in self.chunks], [c.text for c in self.chunks], folded)))

    def lexicon(self) -> Lexicon:
        return self._memoized("lexicon", lambda: self._saved_or_built(
            load_lexicon, lambda: Lexicon([c.text for c in self.chunks])))

    def df(self) -> Mapping[str, int]:
        return self._memoized("df", lambda: self._saved_or_built(
            load_df, lambda: document_frequencies([c.text for c in self.chunks])))

    def reuse(self, alive: np.ndarray) -> Reuse:
        """This segment's lexical data, to merge its rows ``alive`` into a new segment."""
        dead = np.setdiff1d(np.arange(self.rows), alive)
        return Reuse(self.postings(False), self.postings(True), self.lexicon(), self.df(), alive,
                     [self.chunks[r].text for r in dead.tolist()])


def _read_chunks(path: Path) -> list[Chunk]:
    """The chunks of the segment in ``path``: from ``chunks.marshal`` when it is there, of this
    Python and intact (0.6 s less than the JSON lines on a cold start at 125k chunks), else from
    ``chunks.jsonl``, which every version writes and reads."""
    try:
        with open(path / CHUNKS_MARSHAL, "rb") as f:
            data = f.read()
        end = data.find(b"\n") + 1
        tag, n, crc = data[:end].decode("ascii").rsplit(" ", 2)
        body = memoryview(data)[end:]
        if tag == _MARSHAL_TAG and crc == f"crc{zlib.crc32(body):08x}\n":
            rows = marshal.loads(body)
            if isinstance(rows, list) and n == f"n{len(rows)}":
                return [Chunk(*r) for r in rows]
    except (OSError, ValueError, EOFError, TypeError):
        pass  # absent (written by an older version) or unreadable: the JSON lines hold the same
    with open(path / "chunks.jsonl", encoding="utf-8") as f:
        return [Chunk(**json.loads(line)) for line in f]


@functools.lru_cache(maxsize=1)
def _reader() -> ThreadPoolExecutor:  # started on first use
    return ThreadPoolExecutor(1, thread_name_prefix="rag-faiss-read")


# Segments open in this process, by folder and identity: a reload after a commit parses only new ones.
_OPEN: weakref.WeakValueDictionary[tuple[str, int, int], Segment] = weakref.WeakValueDictionary()
_OPEN_LOCK = threading.Lock()


def open_segment(path: Path, legacy: bool = False) -> Segment:
    """The segment in ``path``. FileNotFoundError when a writer pruned it (the caller retries)."""
    st = os.stat(path)
    key = (str(path), st.st_ino, st.st_ctime_ns)
    seg = _OPEN.get(key)
    if seg is not None:
        return seg
    vec = path / "vectors.faiss"
    # FAISS reads the vectors without the GIL, beside the parsing of the chunks (0.09 s at 100k chunks)
    reading = _reader().submit(faiss.read_index, str(vec))
    chunks = _read_chunks(path)
    try:
        index = reading.result()
    except RuntimeError as e:  # faiss reports a missing file as RuntimeError
        if not vec.exists():
            raise FileNotFoundError(vec) from None
        raise IndexError_(f"index {path.parent}: unreadable {path.name}/vectors.faiss ({str(e)[-200:]})") from None
    if index.ntotal != len(chunks):
        raise IndexError_(f"index {path.parent}: {path.name} has {index.ntotal} vectors but {len(chunks)} chunks (corrupt)")
    with _OPEN_LOCK:
        return _OPEN.setdefault(key, Segment(path.name, path, chunks, index, legacy))


def write_segment(root: Path, name: str, chunks: Sequence[Chunk], vectors: np.ndarray, faiss_type: str, dim: int,
                  merged: Sequence[tuple[Segment, np.ndarray]] = ()) -> None:
    """Write ``root/name`` (vectors, chunks with local ids, lexical data) via a temporary folder.
    ``chunks`` begin with the alive rows of the ``merged`` segments, whose lexical data is reused."""
    final, tmp = root / name, root / f".{name}.tmp"
    for p in (final, tmp):
        if p.exists():  # left by a crashed writer: no generation lists it
            shutil.rmtree(p)
    tmp.mkdir(parents=True)
    index = new_faiss_index(faiss_type, dim)
    if len(vectors):
        index.add(np.ascontiguousarray(vectors, dtype=np.float32))
    faiss.write_index(index, str(tmp / "vectors.faiss"))
    with open(tmp / "vectors.faiss", "rb") as f:
        os.fsync(f.fileno())
    rows = [{**c.to_dict(), "id": i} for i, c in enumerate(chunks)]
    fsync_write(tmp / "chunks.jsonl", "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows).encode("utf-8"))
    body = marshal.dumps([tuple(r.values()) for r in rows])  # field order: Chunk's, as to_dict gives it
    fsync_write(tmp / CHUNKS_MARSHAL, f"{_MARSHAL_TAG} n{len(rows)} crc{zlib.crc32(body):08x}\n".encode() + body)
    del rows, body  # not held through the merge of lexical data below, the peak of a large commit
    reuse = [seg.reuse(alive) for seg, alive in merged]
    new = chunks[sum(len(r.alive) for r in reuse):]
    save_lexical(tmp, [c.title for c in new], [c.text for c in new], reuse)
    fsync_dir(tmp)
    os.replace(tmp, final)


def merge_start(sizes: Sequence[int], rows: int, new: int, force: bool = False) -> int:
    """How many of a generation's segments (alive rows ``sizes``, oldest first; ``rows`` rows in all,
    dead ones included) a commit adding ``new`` rows keeps as they are. The others are rewritten,
    with the new rows, as one segment."""
    if force or rows - sum(sizes) > DEAD_SHARE * rows:
        return 0
    j, tail = len(sizes), new
    while j > 0 and tail and sizes[j - 1] <= tail:
        j -= 1
        tail += sizes[j]
    return min(j, MAX_SEGMENTS - 1) if new else j


@dataclass(frozen=True)
class IndexSize:
    """What callers read of a snapshot's vector index: the number of (alive) vectors and their dimension."""

    ntotal: int
    d: int


@dataclass(frozen=True)
class Part:
    """One segment as a generation sees it."""

    segment: Segment
    alive: np.ndarray  # local ids of the alive rows, ascending
    gid: np.ndarray  # global id of every local row, -1 when dead
    offset: int  # global id of the first alive row

    @property
    def all_alive(self) -> bool:
        return len(self.alive) == self.segment.rows


class Snapshot:
    """One loaded generation: its documents and the alive chunks of its segments. Immutable once
    built and shared by concurrent readers; ``cache`` holds what is derived from it (BM25, facts)."""

    def __init__(self, path: Path, manifest: dict[str, Any], docs: dict[str, dict[str, Any]],
                 segments: Sequence[Segment]) -> None:
        self.path = path
        self.manifest = manifest
        self.docs = docs
        self.parts: list[Part] = []
        self.chunks: list[Chunk] = []
        for seg in segments:
            alive = seg.alive(docs)
            if not len(alive):
                continue
            off = len(self.chunks)
            gid = np.full(seg.rows, -1, dtype=np.int64)
            gid[alive] = np.arange(off, off + len(alive))
            self.parts.append(Part(seg, alive, gid, off))
            self.chunks.extend(seg.view(off, alive))
        dim = int(manifest.get("dim") or (segments[0].index.d if segments else 0))
        self.index = IndexSize(len(self.chunks), dim)
        self.cache: dict[str, Any] = {}

    @property
    def generation(self) -> str:
        return str(self.manifest.get("generation") or "")

    @property
    def rows(self) -> int:
        """Rows of the segments this generation uses, dead ones included."""
        return sum(p.segment.rows for p in self.parts)

    @property
    def stale(self) -> bool:
        """A segment is of an older format, or its lexical data of other rules: the next write rewrites it."""
        return any(p.segment.legacy or p.segment.saved_lexical() is None for p in self.parts)

    def vectors(self) -> np.ndarray:
        vs = [v if p.all_alive else v[p.alive] for p in self.parts for v in [p.segment.vectors()]]
        return np.concatenate(vs) if vs else np.empty((0, self.index.d), dtype=np.float32)

    def search(self, qvec: np.ndarray, k: int, allowed: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Top-k (ids, scores) by inner product; ``allowed`` restricts to those chunk ids."""
        if not self.chunks or k <= 0 or (allowed is not None and len(allowed) == 0):
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float32)
        q = np.ascontiguousarray(qvec.reshape(1, -1), dtype=np.float32)
        wanted = None if allowed is None else np.unique(np.asarray(allowed, dtype=np.int64))
        ids, scores = [], []
        for p in self.parts:
            rows = None if p.all_alive else p.alive
            if wanted is not None:
                lo, hi = np.searchsorted(wanted, [p.offset, p.offset + len(p.alive)])
                rows = p.alive[wanted[lo:hi] - p.offset]
            if rows is not None and len(rows) == 0:
                continue
            local, sc = p.segment.search(q, k, rows)
            ids.append(p.gid[local])
            scores.append(sc)
        if len(ids) == 1:
            return ids[0], scores[0]
        if not ids:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float32)
        all_ids, all_scores = np.concatenate(ids), np.concatenate(scores)
        top = np.argsort(-all_scores, kind="stable")[:k]
        return all_ids[top], all_scores[top]

    def bm25(self, folded: bool) -> BM25:
        return BM25([(p.segment.postings(folded), p.gid) for p in self.parts], len(self.chunks), folded)

    def lexicon(self) -> Lexicon:
        lexicons = [p.segment.lexicon() for p in self.parts]
        return lexicons[0] if len(lexicons) == 1 else Lexicon.merge(lexicons)

    def df(self) -> Mapping[str, int]:
        """Document frequencies for the answerer (rows of removed or replaced documents count until compaction)."""
        dfs = [p.segment.df() for p in self.parts]
        return dfs[0] if len(dfs) == 1 else SummedCounts(dfs)
