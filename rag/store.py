"""The on-disk index: a FAISS vector index plus the chunk and document store, with a manifest.

Layout of an index folder (see index/README.md)::

    manifest.json     format version, embedder, dimension, chunking, faiss type, current generation
    gen-000007/       one immutable snapshot: vectors.faiss, chunks.jsonl, docs.json
    texts/<sha>.txt   normalised full text of each indexed file (content-addressed, immutable)
    .lock             held by the one process writing

Writes are atomic: a new generation is written and fsynced in full, then ``manifest.json`` is
replaced in one ``os.replace``. A crash at any point leaves the previous manifest pointing at a
complete generation; readers see the old snapshot or the new one, never a mix. Opening an index
with another embedder or dimension raises ``IndexMismatchError``.
This is the only module that imports faiss. Left out: sharding, multi-writer merging.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import faiss
import numpy as np

from rag.errors import IndexError_, IndexLockedError, IndexMismatchError
from rag.types import Chunk

FORMAT_VERSION = 1
FAISS_TYPES = ("flat", "hnsw")
_KEEP_GENERATIONS = 2  # the current one and the one a slow reader may still be loading


def _fsync_write(path: Path, data: bytes) -> None:
    with open(path, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


def _fsync_dir(path: Path) -> None:
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


@dataclass
class Snapshot:
    """One loaded generation: immutable once built; shared by concurrent readers."""

    path: Path
    manifest: dict[str, Any]
    chunks: list[Chunk]
    docs: dict[str, dict[str, Any]]
    index: Any
    cache: dict[str, Any] = field(default_factory=dict)  # derived structures (BM25, lexicon)

    @property
    def generation(self) -> str:
        return str(self.manifest.get("generation") or "")

    def vectors(self) -> np.ndarray:
        n = self.index.ntotal
        if n == 0:
            return np.empty((0, self.index.d), dtype=np.float32)
        return np.asarray(self.index.reconstruct_n(0, n), dtype=np.float32)

    def search(self, qvec: np.ndarray, k: int, allowed: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Top-k (ids, scores) by inner product; ``allowed`` restricts to those chunk ids."""
        n = self.index.ntotal
        if n == 0 or k <= 0:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float32)
        q = np.ascontiguousarray(qvec.reshape(1, -1), dtype=np.float32)
        if allowed is not None:
            if len(allowed) == 0:
                return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float32)
            sel = faiss.IDSelectorBatch(np.ascontiguousarray(allowed, dtype=np.int64))
            params = (
                # faiss's type stubs omit SearchParametersHNSW; the filtered hnsw search test exercises it
                faiss.SearchParametersHNSW(sel=sel, efSearch=max(128, k))  # type: ignore[attr-defined]
                if isinstance(self.index, faiss.IndexHNSW)
                else faiss.SearchParameters(sel=sel)  # type: ignore[call-arg]
            )
            scores, ids = self.index.search(q, min(k, len(allowed)), params=params)
        else:
            scores, ids = self.index.search(q, min(k, n))
        keep = ids[0] >= 0
        return ids[0][keep], scores[0][keep]


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
        if m.get("format_version") != FORMAT_VERSION:
            raise IndexMismatchError(
                f"index {self.path} has format version {m.get('format_version')}, this rag reads version "
                f"{FORMAT_VERSION}: re-create it with 'rag ingest --index NEW_DIR ...'"
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
                return self._load_generation(gen, manifest)
            except FileNotFoundError:
                if attempt == 2:
                    raise IndexError_(f"index {self.path}: generation {gen.name} is missing") from None
                time.sleep(0.05)
        raise AssertionError("unreachable")

    def _load_generation(self, gen: Path, manifest: dict[str, Any]) -> Snapshot:
        path = gen / "vectors.faiss"
        try:
            index = faiss.read_index(str(path))
        except RuntimeError as e:  # faiss reports a missing file as RuntimeError
            if not path.exists():  # pruned by a writer since we read the manifest: load() retries
                raise FileNotFoundError(path) from None
            raise IndexError_(f"index {self.path}: unreadable {gen.name}/vectors.faiss ({str(e)[-200:]})") from None
        chunks = []
        with open(gen / "chunks.jsonl", encoding="utf-8") as f:
            for line in f:
                chunks.append(Chunk(**json.loads(line)))
        docs = json.loads((gen / "docs.json").read_text(encoding="utf-8"))
        if index.ntotal != len(chunks):
            raise IndexError_(f"index {self.path}: {index.ntotal} vectors but {len(chunks)} chunks (corrupt)")
        return Snapshot(gen, manifest, chunks, docs, index)

    def read_text(self, sha: str) -> str:
        return (self.path / "texts" / f"{sha}.txt").read_text(encoding="utf-8")

    def read_facts(self, sha: str, key: str) -> bytes | None:
        """What ``write_facts`` saved for a text under ``key``, or None."""
        try:
            return (self.path / "facts" / sha / f"{key}.json").read_bytes()
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
        _fsync_write(tmp, text.encode("utf-8"))
        os.replace(tmp, target)

    def commit(
        self,
        base: dict[str, Any],
        chunks: list[Chunk],
        vectors: np.ndarray,
        docs: dict[str, dict[str, Any]],
        derived: Callable[[Path], None] | None = None,
    ) -> dict[str, Any]:
        """Write a new generation and switch the manifest to it. Caller holds the lock.

        ``derived`` writes the structures computed from the chunks (search indexes) into the new
        generation's folder before it becomes visible, so readers never see one without them."""
        prev = self.read_manifest() if self.exists() else None
        number = int(str(prev["generation"]).split("-")[1]) + 1 if prev else 1
        name = f"gen-{number:06d}"
        gen = self.path / name
        if gen.exists():  # left by a crashed writer
            shutil.rmtree(gen)
        tmpgen = self.path / f".{name}.tmp"
        if tmpgen.exists():
            shutil.rmtree(tmpgen)
        tmpgen.mkdir(parents=True)
        index = new_faiss_index(base["faiss"], int(base["dim"]))
        if len(vectors):
            index.add(np.ascontiguousarray(vectors, dtype=np.float32))
        faiss.write_index(index, str(tmpgen / "vectors.faiss"))
        with open(tmpgen / "vectors.faiss", "rb") as f:
            os.fsync(f.fileno())
        body = "".join(json.dumps(c.to_dict(), ensure_ascii=False) + "\n" for c in chunks)
        _fsync_write(tmpgen / "chunks.jsonl", body.encode("utf-8"))
        _fsync_write(tmpgen / "docs.json", json.dumps(docs, ensure_ascii=False, indent=1).encode("utf-8"))
        if derived is not None:
            derived(tmpgen)
        _fsync_dir(tmpgen)
        os.replace(tmpgen, gen)
        manifest = dict(base)
        manifest.update(
            format_version=FORMAT_VERSION,
            generation=name,
            chunks=len(chunks),
            documents=len(docs),
            updated=time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        )
        manifest.setdefault("created", manifest["updated"])
        tmp = self.path / f".manifest.{os.getpid()}.tmp"
        _fsync_write(tmp, json.dumps(manifest, ensure_ascii=False, indent=2).encode("utf-8"))
        os.replace(tmp, self.manifest_path)
        _fsync_dir(self.path)
        self._prune(name, docs)
        return manifest

    def _prune(self, current: str, docs: dict[str, dict[str, Any]]) -> None:
        gens = sorted(p for p in self.path.glob("gen-*") if p.is_dir())
        for p in gens[: max(0, len(gens) - _KEEP_GENERATIONS)]:
            if p.name != current:
                shutil.rmtree(p, ignore_errors=True)
        for p in self.path.glob(".gen-*.tmp"):
            shutil.rmtree(p, ignore_errors=True)
        for p in self.path.glob(".manifest.*.tmp"):
            p.unlink(missing_ok=True)
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
