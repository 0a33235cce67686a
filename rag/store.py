"""The on-disk index: immutable segments of vectors and chunks, small generations, and a manifest.

Layout of an index folder (see index/README.md)::

    manifest.json     format version, embedder, dimension, chunking, faiss type, current generation
    seg-000007/       one immutable segment: vectors.faiss, chunks.jsonl, lexical/ (``rag.segments``)
    gen-000007/       one generation: docs.json (each document's record names the segment holding its
                      chunks) and segments.json (the segments it uses, in order)
    texts/<sha>.txt   normalised full text of each indexed file (content-addressed, immutable)
    .lock             held by the one process writing

A commit writes at most one new segment (the chunks it adds, plus the newest segments when the
merge policy rewrites them with it: ``rag.segments.merge_start``), then a new generation, each into
a temporary folder fsynced and renamed into place, then replaces ``manifest.json`` in one
``os.replace``. A crash at any point leaves the previous manifest pointing at a complete generation
whose segments are all in place; readers see the old snapshot or the new one, never a mix. Segments
and generations no kept generation uses are pruned. An index of format 1 (one folder per generation
with vectors, chunks, documents and lexical data) is read as one segment and rewritten in this format
by the next write. Opening an index with another embedder or dimension raises ``IndexMismatchError``.
Left out: sharding, multi-writer merging.
"""

from __future__ import annotations

import fcntl
import gc
import json
import os
import shutil
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import faiss  # noqa: F401  (segments are read through this module: tests patch rag.store.faiss.read_index)
import numpy as np

from rag.errors import IndexError_, IndexLockedError, IndexMismatchError
from rag.segments import (
    FAISS_TYPES,
    IndexSize,
    Segment,
    Snapshot,
    fsync_dir,
    fsync_write,
    merge_start,
    new_faiss_index,
    open_segment,
    write_segment,
)
from rag.types import Chunk

__all__ = ["FAISS_TYPES", "FORMAT_VERSION", "IndexSize", "IndexStore", "Snapshot", "new_faiss_index"]

FORMAT_VERSION = 2  # 1: every generation a complete copy (still read, rewritten by the next write)
_KEEP_GENERATIONS = 2  # the current one and the one a slow reader may still be loading


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Loading 100k chunks makes millions of objects, none in a cycle; the cyclic collector would walk
    the growing heap again at every 25% of growth (0.17 s of a cold start at 125k chunks)."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


class IndexStore:
    """Reads and writes one index folder."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.manifest_path = self.path / "manifest.json"

    # -- reading -----------------------------------------------------------------------------
    def exists(self) -> bool:
        return self.manifest_path.exists()

    def read_manifest(self) -> dict[str, Any]:
        try:
            m: dict[str, Any] = json.loads(self.manifest_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise IndexError_(f"no index at {self.path} (run 'rag ingest' first)") from None
        except (OSError, ValueError) as e:
            raise IndexError_(f"unreadable manifest {self.manifest_path}: {e}") from None
        if m.get("format_version") not in range(1, FORMAT_VERSION + 1):
            raise IndexMismatchError(
                f"index {self.path} has format version {m.get('format_version')}, this rag reads versions "
                f"1 to {FORMAT_VERSION}: re-create it with 'rag ingest --index NEW_DIR ...'"
            )
        return m

    def manifest_stamp(self) -> tuple[int, int, int]:
        """Cheap change detector for readers: (inode, mtime_ns, size) of manifest.json.

        The inode changes on every commit (the manifest is replaced, never rewritten in place), so
        two quick commits are told apart even where timestamps are coarse.
        """
        try:
            st = self.manifest_path.stat()
        except FileNotFoundError:
            return (0, 0, 0)
        return (st.st_ino, st.st_mtime_ns, st.st_size)

    def check_compatible(self, manifest: dict[str, Any], embedder: str, dim: int) -> None:
        if manifest.get("embedder") != embedder or int(manifest.get("dim", -1)) != dim:
            raise IndexMismatchError(
                f"index {self.path} was built with embedder '{manifest.get('embedder')}' "
                f"(dimension {manifest.get('dim')}), but '{embedder}' (dimension {dim}) was requested. "
                f"Use the same --embedder, or build a new index with --index NEW_DIR."
            )

    def load(self) -> Snapshot:
        # Retry once: a writer may swap the manifest and prune the generation we were about to read.
        for attempt in range(3):
            manifest = self.read_manifest()
            gen = self.path / str(manifest["generation"])
            try:
                with _gc_paused():
                    return self._load_generation(gen, manifest)
            except FileNotFoundError:
                if attempt == 2:
                    raise IndexError_(f"index {self.path}: generation {gen.name} is missing") from None
                time.sleep(0.05)
        raise AssertionError("unreachable")

    def _load_generation(self, gen: Path, manifest: dict[str, Any]) -> Snapshot:
        docs: dict[str, dict[str, Any]] = json.loads((gen / "docs.json").read_text(encoding="utf-8"))
        if manifest["format_version"] == 1:  # the generation's folder is its one segment
            docs = {s: {**d, "segment": gen.name} for s, d in docs.items()}
            segments = [open_segment(gen, legacy=True)]
        else:
            names = json.loads((gen / "segments.json").read_text(encoding="utf-8"))
            segments = [open_segment(self.path / n) for n in names]
        return Snapshot(gen, manifest, docs, segments)

    # A cold start reads every document's text and saved facts (rag.facts): from plain string paths,
    # decoded in one go, that is 40% less CPU than pathlib's read_text/read_bytes (0.35 s at 10k documents).
    def read_text(self, sha: str) -> str:
        with open(f"{self.path}/texts/{sha}.txt", "rb") as f:
            text = f.read().decode("utf-8")
        return text.replace("\r\n", "\n").replace("\r", "\n") if "\r" in text else text  # as text mode reads

    def read_facts(self, sha: str, key: str) -> bytes | None:
        """What ``write_facts`` saved for a text under ``key``, or None."""
        try:
            with open(f"{self.path}/facts/{sha}/{key}.json", "rb") as f:
                return f.read()
        except OSError:
            return None

    def write_facts(self, sha: str, key: str, data: bytes) -> None:
        """Save what was extracted from the text ``sha`` (content-addressed, so safe without the lock:
        two processes write the same bytes). Other keys of the same text (older rules) are dropped."""
        d = self.path / "facts" / sha
        try:
            d.mkdir(parents=True, exist_ok=True)
            tmp = d / f".{key}.{os.getpid()}.{threading.get_ident()}.tmp"
            tmp.write_bytes(data)
            os.replace(tmp, d / f"{key}.json")
            for p in d.glob("*.json"):
                if p.name != f"{key}.json":
                    p.unlink(missing_ok=True)
        except OSError:
            pass  # a read-only index still answers: the facts are rebuilt in memory

    # -- writing -----------------------------------------------------------------------------
    @contextmanager
    def lock(self, wait_s: float = 0.0) -> Iterator[None]:
        """Exclusive writer lock; waits up to ``wait_s`` then raises IndexLockedError."""
        self.path.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path / ".lock", os.O_RDWR | os.O_CREAT, 0o644)
        deadline = time.monotonic() + wait_s
        try:
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        holder = os.pread(fd, 32, 0).decode(errors="replace").strip()
                        raise IndexLockedError(
                            f"index {self.path} is being written by another process"
                            + (f" (pid {holder})" if holder else "")
                            + "; try again when it has finished"
                        ) from None
                    time.sleep(0.2)
            os.ftruncate(fd, 0)
            os.pwrite(fd, str(os.getpid()).encode(), 0)
            yield
        finally:
            os.close(fd)  # closing releases the flock

    def write_text(self, sha: str, text: str) -> None:
        d = self.path / "texts"
        d.mkdir(parents=True, exist_ok=True)
        target = d / f"{sha}.txt"
        if target.exists():
            return
        tmp = d / f".{sha}.{os.getpid()}.tmp"
        fsync_write(tmp, text.encode("utf-8"))
        os.replace(tmp, target)

    def commit(self, base: dict[str, Any], chunks: list[Chunk], vectors: np.ndarray,
               docs: dict[str, dict[str, Any]]) -> dict[str, Any]:
        """Replace the whole index: one new segment holding ``chunks`` (ids are reassigned) and a
        generation of ``docs``. Caller holds the lock."""
        return self._write(base, docs, [], chunks, vectors, len(chunks))

    def commit_changes(self, base: dict[str, Any], snap: Snapshot | None, docs: dict[str, dict[str, Any]],
                       chunks: Sequence[Chunk], vectors: np.ndarray, compact: bool = False) -> dict[str, Any]:
        """A new generation of ``snap``: ``docs`` is every document afterwards, ``chunks`` (with their
        ``vectors``) the chunks of the documents added or replaced since ``snap``. They make one new
        segment, together with the newest segments when the merge policy says so, or with every
        segment when ``compact`` (or when ``snap`` is of an older format). Caller holds the lock."""
        parts = snap.parts if snap else []
        alive = [p.segment.alive(docs) for p in parts]
        live = [(p.segment, a) for p, a in zip(parts, alive) if len(a)]
        force = compact or any(seg.legacy or seg.saved_lexical() is None for seg, _ in live)
        sizes = [len(a) for _, a in live]
        j = merge_start(sizes, sum(seg.rows for seg, _ in live), len(chunks), force)
        tail = live[j:]
        merged = [seg.chunks[r] for seg, a in tail for r in a.tolist()] + list(chunks)
        vecs = [v if len(a) == seg.rows else v[a] for seg, a in tail for v in [seg.vectors()]] + [vectors]
        return self._write(base, docs, [seg.name for seg, _ in live[:j]], merged,
                           np.concatenate(vecs), sum(sizes[:j]) + len(merged), tail)

    def _write(self, base: dict[str, Any], docs: dict[str, dict[str, Any]], keep: Sequence[str],
               chunks: Sequence[Chunk], vectors: np.ndarray, n_chunks: int,
               merged: Sequence[tuple[Segment, np.ndarray]] = ()) -> dict[str, Any]:
        prev = self.read_manifest() if self.exists() else None
        number = int(str(prev["generation"]).split("-")[1]) + 1 if prev else 1
        name = f"gen-{number:06d}"
        gen = self.path / name
        if gen.exists():  # left by a crashed writer
            shutil.rmtree(gen)
        tmpgen = self.path / f".{name}.tmp"
        if tmpgen.exists():
            shutil.rmtree(tmpgen)
        self.path.mkdir(parents=True, exist_ok=True)
        docs = dict(docs)
        segments = list(keep)
        if chunks:
            seg = f"seg-{number:06d}"
            write_segment(self.path, seg, chunks, vectors, base["faiss"], int(base["dim"]), merged)
            for src in dict.fromkeys(c.source for c in chunks):
                if src in docs:
                    docs[src] = {**docs[src], "segment": seg}
            segments.append(seg)
        tmpgen.mkdir()
        fsync_write(tmpgen / "docs.json", json.dumps(docs, ensure_ascii=False, indent=1).encode("utf-8"))
        fsync_write(tmpgen / "segments.json", json.dumps(segments).encode("utf-8"))
        fsync_dir(tmpgen)
        os.replace(tmpgen, gen)
        manifest = dict(base)
        manifest.update(
            format_version=FORMAT_VERSION,
            generation=name,
            chunks=n_chunks,
            documents=len(docs),
            segments=len(segments),
            updated=time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        )
        manifest.setdefault("created", manifest["updated"])
        tmp = self.path / f".manifest.{os.getpid()}.tmp"
        fsync_write(tmp, json.dumps(manifest, ensure_ascii=False, indent=2).encode("utf-8"))
        os.replace(tmp, self.manifest_path)
        fsync_dir(self.path)
        self._prune(name, docs)
        return manifest

    def _prune(self, current: str, docs: dict[str, dict[str, Any]]) -> None:
        gens = sorted(p for p in self.path.glob("gen-*") if p.is_dir())
        for p in gens[: max(0, len(gens) - _KEEP_GENERATIONS)]:
            if p.name != current:
                shutil.rmtree(p, ignore_errors=True)
        for p in [*self.path.glob(".gen-*.tmp"), *self.path.glob(".seg-*.tmp")]:
            shutil.rmtree(p, ignore_errors=True)
        for p in self.path.glob(".manifest.*.tmp"):
            p.unlink(missing_ok=True)
        # Segments no kept generation uses (merged away, or left by a crashed writer). A format-1
        # generation is its own segment; a generation whose list cannot be read keeps them all.
        used: set[str] = set()
        complete = True
        for g in gens[-_KEEP_GENERATIONS:]:
            try:
                used |= set(json.loads((g / "segments.json").read_text("utf-8")))
            except FileNotFoundError:
                complete = complete and (g / "vectors.faiss").exists()
            except (OSError, ValueError):
                complete = False
        for p in self.path.glob("seg-*") if complete else ():
            if p.is_dir() and p.name not in used:
                shutil.rmtree(p, ignore_errors=True)
        # Texts still referenced by the previous generation stay until it is pruned too.
        keep = {d["sha256"] for d in docs.values()}
        for g in gens[-_KEEP_GENERATIONS:]:
            try:
                keep |= {d["sha256"] for d in json.loads((g / "docs.json").read_text("utf-8")).values()}
            except (OSError, ValueError):
                pass
        facts = self.path / "facts"
        if facts.is_dir():
            for p in facts.iterdir():
                if p.name not in keep:
                    shutil.rmtree(p, ignore_errors=True)
        texts = self.path / "texts"
        if texts.is_dir():
            for p in texts.iterdir():
                if p.suffix == ".txt" and p.stem not in keep:
                    p.unlink(missing_ok=True)
                elif p.suffix == ".tmp":
                    p.unlink(missing_ok=True)
