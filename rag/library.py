"""The library's public face: one ``Library`` per index folder, used by the CLI, the UI and tests.

Ingest files or folders (incrementally: unchanged files are skipped by content hash, changed
ones replaced; each commit adds one segment to the index, ``rag.store``), search, ask (with
streaming events), list and remove documents, compact the index, who said what (``facts``). A
citation from a page read by OCR carries its confidence, and ``page_image`` draws that scanned page.
Readers pick up a new generation written by another process on their next call; the library keeps
one ``IndexView`` (typed records, search structures) and one ``Facts`` per generation. Errors are
raised, never printed.
Left out: rendering (CLI/UI), choosing an LLM (``rag.llm.setup``), reading a file (``rag.ingest``),
writing a generation (``rag.writer``, ``rag.store``), and the answer rules themselves.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from rag import scans
from rag.answerer import Answerer
from rag.chunking import ChunkSettings
from rag.compound import join_answers, split_question
from rag.conversation import Turn, focus
from rag.embedders import DEFAULT_EMBEDDER, Embedder, canonical_name, get_embedder
from rag.errors import IndexMismatchError, LoadError, RagError
from rag.events import Done, Event, Retrieved
from rag.extractive import ExtractiveAnswerer
from rag.facts import Facts, build_facts
from rag.facts.router import default_answerer
from rag.followup import keeps_topic, rewrite
from rag.ingest import Progress, Stopwatch, commit_every_chunks, prepare
from rag.loaders import expand_paths, source_name
from rag.question import analyse, rank_by_scope
from rag.records import DocRecord, resolve_source
from rag.retrieval import Filters, HybridRetriever
from rag.store import FAISS_TYPES, IndexStore, Snapshot
from rag.types import Answer, Article, Chunk, DocInfo, Hit, IngestReport
from rag.vi import MAX_QUESTION_CHARS
from rag.view import IndexView
from rag.writer import IndexWriter

__all__ = ["Answerer", "Library", "Progress", "default_index_dir"]

def default_index_dir() -> Path:
    return Path(os.environ.get("RAG_INDEX") or "index")


class Library:
    def __init__(
        self,
        index_dir: str | Path | None = None,
        embedder: str | Embedder | None = None,
        chunking: ChunkSettings | None = None,
        faiss_type: str | None = None,
        answerer: Answerer | None = None,
        lock_wait_s: float = 60.0,
    ) -> None:
        self.store = IndexStore(index_dir or default_index_dir())
        self.path = self.store.path
        self.lock_wait_s = lock_wait_s
        self._snap: Snapshot | None = None
        self._stamp: tuple[int, int, int] = (0, 0, 0)
        self._view: IndexView | None = None
        self._facts: Facts | None = None  # of the newest generation asked for; the next reuses its documents
        self._view_lock = threading.Lock()  # one view per generation, whatever the threads
        self._facts_lock = threading.Lock()  # one facts build per generation; questions go on meanwhile
        manifest = self.store.read_manifest() if self.store.exists() else None
        if isinstance(embedder, str) or embedder is None:
            name = embedder or (manifest["embedder"] if manifest else DEFAULT_EMBEDDER)
            self._embedder_name = get_embedder_name(name)
            self._embedder: Embedder | None = None
        else:
            self._embedder_name = embedder.name
            self._embedder = embedder
        if manifest:
            if manifest["embedder"] != self._embedder_name:
                raise IndexMismatchError(
                    f"index {self.path} was built with embedder '{manifest['embedder']}', "
                    f"but '{self._embedder_name}' was requested. Use the same --embedder, or "
                    f"build a new index with --index NEW_DIR."
                )
            if chunking and ChunkSettings(**manifest["chunking"]) != chunking:
                raise IndexMismatchError(
                    f"index {self.path} uses chunking {manifest['chunking']}; requested "
                    f"{chunking.to_dict()}. Build a new index with --index NEW_DIR to change it."
                )
            if faiss_type and manifest["faiss"] != faiss_type:
                raise IndexMismatchError(f"index {self.path} uses faiss type '{manifest['faiss']}', not '{faiss_type}'")
        self.chunking = chunking or (ChunkSettings(**manifest["chunking"]) if manifest else ChunkSettings())
        self.faiss_type = faiss_type or (manifest["faiss"] if manifest else "flat")
        if self.faiss_type not in FAISS_TYPES:
            raise RagError(f"unknown index type '{self.faiss_type}' (choose from {', '.join(FAISS_TYPES)})")
        self._answerer = answerer

    # -- parts ---------------------------------------------------------------------------------
    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            self._embedder = get_embedder(self._embedder_name)
            manifest = self.store.read_manifest() if self.store.exists() else None
            if manifest:
                self.store.check_compatible(manifest, self._embedder.name, self._embedder.dim)
        return self._embedder

    @property
    def embedder_name(self) -> str:
        return self._embedder_name

    def snapshot(self) -> Snapshot | None:
        """The current generation, reloaded when another process has committed a new one."""
        stamp = self.store.manifest_stamp()
        if stamp == (0, 0, 0):
            self._snap = None
        elif self._snap is None or stamp != self._stamp:
            self._snap = self.store.load()
            self._stamp = stamp
        return self._snap

    def _reload(self) -> Snapshot | None:
        """The current generation read again; the segments of the one held are reused, not re-read
        (they are cached while a snapshot uses them)."""
        held = self._snap
        self._snap = self._view = None
        snap = self.snapshot()
        del held
        return snap

    def view(self) -> IndexView | None:
        """The current generation with its typed records and derived search structures (built once)."""
        snap = self.snapshot()
        if snap is None:
            return None
        with self._view_lock:
            if self._view is None or self._view.snap is not snap:
                self._view = IndexView(snap)
            return self._view

    def facts(self) -> Facts:
        """Who said what in the current generation (``rag.facts``), extracted on first use; documents
        unchanged since the generation asked before are not analysed again."""
        view = self.view()
        if view is None:
            return Facts({})
        done = self._facts
        if done is not None and done.generation == view.generation:
            return done
        with self._facts_lock:
            if self._facts is None or self._facts.generation != view.generation:
                self._facts = build_facts(view, self.store, self._facts)
            return self._facts

    def retriever(self, mode: str = "hybrid", fusion: str = "minmax") -> HybridRetriever | None:
        view = self.view()
        return HybridRetriever(view, self.embedder, mode, fusion) if view else None

    @property
    def answerer(self) -> Answerer:
        """The configured answerer (else the extractive one), with facts questions ("Ai chủ trì ...?",
        "<người> yêu cầu gì?") answered from the extracted statements and meetings (``rag.facts.router``)."""
        return default_answerer(self, self._answerer or self.extractive())

    def set_answerer(self, answerer: Answerer | None) -> None:
        self._answerer = answerer

    def extractive(self) -> ExtractiveAnswerer:
        view = self.view()
        if view is None:
            return ExtractiveAnswerer()
        return ExtractiveAnswerer(view.df(), len(view.chunks), view.article_chunks)

    def warm_up(self) -> None:
        """Load the model and build the search structures before the first question."""
        view = self.view()
        if view:
            view.prepare()
            self.embedder.embed_queries(["khởi động"])

    # -- reading -------------------------------------------------------------------------------
    def search(self, query: str, k: int = 5, filters: Filters | None = None, mode: str = "hybrid",
               fusion: str = "minmax") -> list[Hit]:
        _check_query(query)
        r = self.retriever(mode, fusion)
        return r.search(query, k, filters) if r else []

    def ask_stream(
        self,
        question: str,
        k: int = 5,
        filters: Filters | None = None,
        history: Sequence[Turn] = (),
        answerer: Answerer | None = None,
    ) -> Iterator[Event]:
        """Events for one turn of a conversation: ``Retrieved`` (with the stand-alone question
        searched), ``Status``/``Token`` while the answer is written, then one ``Done``."""
        _check_query(question)
        standalone = self.standalone_question(question, history)
        followup = bool(history) and standalone != " ".join(question.split()) and keeps_topic(question)
        ans = answerer or self.answerer
        parts = split_question(standalone)
        if len(parts) > 1:  # two questions in one: each part retrieved and answered on its own
            answers = []
            for part in parts:
                hits = self._retrieve(part, k, filters, history[-1] if followup else None)
                yield Retrieved(part, tuple(hits))
                answers.append(ans.answer(part, hits))
            done = join_answers(standalone, answers)
        else:
            hits = self._retrieve(standalone, k, filters, history[-1] if followup else None)
            yield Retrieved(standalone, tuple(hits))
            last: Answer | None = None
            for ev in ans.stream(standalone, hits):
                if isinstance(ev, Done):
                    last = ev.answer
                else:
                    yield ev
            if last is None:  # pragma: no cover - every answerer ends its stream with Done
                raise RagError("the answerer produced no answer")
            done = last
        done = self._mark_ocr(done)
        yield Done(replace(done, question=question, standalone=standalone if standalone != question else None))

    def _mark_ocr(self, answer: Answer) -> Answer:
        view = self.view()
        return scans.mark_ocr(answer, view.records) if view else answer

    def page_image(self, source: str, page: int | None = None) -> Path | None:
        """A PNG of the scanned page ``page`` of ``source`` (None: a single image), drawn on first use
        (``rag.scans.page_image``); None when there is no such scanned page or its original is gone."""
        view = self.view()
        rec = view.records.get(source) if view else None
        return scans.page_image(self.path / "pages", rec, page) if rec else None

    def _retrieve(self, question: str, k: int, filters: Filters | None, previous: Turn | None) -> list[Hit]:
        """The passages to answer from: with a year or period named, a wider search with the reports
        that fit it first; for a follow-up, the documents of the previous answer first."""
        asked = analyse(question)
        if asked.scopes:
            hits = rank_by_scope(self.search(question, max(2 * k, 10), filters), asked, k)
        else:
            hits = self.search(question, k, filters)
        view = self.view() if previous is not None else None
        if previous is None or view is None:
            return hits
        # a citation is a passage (extractive) or an exact statement span (facts): the chunk holding its start
        cited = [next((x for x in view.source_chunks(c.source) if x.start <= c.start < x.end), None)
                 for c in previous.citations]
        return focus(hits, previous, [c for c in cited if c is not None][:2])

    def ask(self, question: str, k: int = 5, filters: Filters | None = None,
            history: Sequence[Turn] = (), answerer: Answerer | None = None) -> Answer:
        for ev in self.ask_stream(question, k, filters, history, answerer):
            if isinstance(ev, Done):
                return ev.answer
        raise RagError("the answerer produced no answer")  # pragma: no cover

    def standalone_question(self, question: str, history: Sequence[Turn]) -> str:
        """``question`` made stand-alone from the conversation so far (``rag.followup``)."""
        if not history:
            return " ".join(question.split())
        llm = self._answerer.llm if self._answerer is not None else None
        return rewrite(question, history, self.facts().people, llm)

    def documents(self) -> list[DocInfo]:
        view = self.view()
        return [rec.info() for _, rec in sorted(view.records.items())] if view else []

    def resolve_source(self, source: str) -> str:
        """An indexed source by exact name, or by a unique file-name / path-suffix match."""
        view = self.view()
        return resolve_source(source, view.records if view else ())

    def record(self, source: str) -> DocRecord:
        """The record of an indexed document (``resolve_source`` finds it by name)."""
        view = self.view()
        src = self.resolve_source(source)
        assert view is not None  # resolve_source found it
        return view.records[src]

    def source_text(self, source: str) -> str:
        return self.store.read_text(self.record(source).sha256)

    def articles(self, source: str) -> list[Article]:
        return list(self.record(source).articles)

    def chunks(self, source: str | None = None) -> list[Chunk]:
        snap = self.snapshot()
        if not snap:
            return []
        return [c for c in snap.chunks if source is None or c.source == source]

    # -- writing -------------------------------------------------------------------------------
    def _base_manifest(self) -> dict[str, Any]:
        return {
            "embedder": self.embedder.name,
            "dim": self.embedder.dim,
            "chunking": self.chunking.to_dict(),
            "faiss": self.faiss_type,
            "metric": "inner_product (cosine on L2-normalised vectors)",
            "rag_version": _version(),
        }

    def ingest(self, paths: Iterable[str | Path], progress: Progress | None = None,
               names: dict[str, str] | None = None) -> IngestReport:
        """Index files and folders: each file read and prepared (``rag.ingest.prepare``), then written;
        long ingests commit in batches. ``names`` maps a path to the source name to record for it."""
        files, failed = expand_paths(paths)
        say: Progress = progress or (lambda stage, done, total, name: None)
        clock = Stopwatch("load", "chunk", "embed", "store")
        added: list[str] = []
        replaced: list[str] = []
        unchanged: list[str] = []
        warnings: list[tuple[str, str]] = []  # (source, what was left out of it), e.g. a page OCR could not read
        n_added = 0
        batch = commit_every_chunks()
        embedder = self.embedder  # loaded, and checked against the index, before waiting for the lock
        with self.store.lock(self.lock_wait_s):
            writer = IndexWriter(self.store, self._base_manifest, self._reload)
            for i, f in enumerate(files):
                src = (names or {}).get(str(f)) or source_name(f)
                say("load", i, len(files), src)
                old = writer.records.get(src)
                try:
                    ready = prepare(f, src, old, self.chunking, embedder, say, clock)
                except LoadError as e:
                    failed.append((src, e.reason))
                    continue
                if ready is None:
                    unchanged.append(src)
                    continue
                warnings.extend((src, w) for w in ready.warnings)
                writer.add(ready.record, ready.chunks, ready.vectors, ready.text)
                if old is not None:
                    self._forget_pages(old.sha256)
                (replaced if old else added).append(src)
                n_added += len(ready.chunks)
                if writer.pending_chunks >= batch and i < len(files) - 1:
                    with clock.time("store"):
                        writer.commit()
            # also when a segment is of an older format or its search structures of older rules:
            # any ingest rewrites the index in the current format
            if writer.dirty or writer.stale or (not self.store.exists() and files):
                with clock.time("store"):
                    writer.commit()
        if added or replaced:
            # Extract who-said-what of the new documents now (saved with the index), so the first
            # question after an ingest, in any process, does not pay for it.
            with clock.time("facts"):
                self.facts()
        say("done", len(files), len(files), "")
        return IngestReport(tuple(added), tuple(replaced), tuple(unchanged), tuple(failed), n_added, clock.seconds,
                            tuple(warnings))

    def remove(self, source: str) -> str:
        """Remove one document from the index (a new generation without it: its chunks stay in their
        segment, dead, until a compaction); returns the source name removed."""
        with self.store.lock(self.lock_wait_s):
            writer = IndexWriter(self.store, self._base_manifest, self._reload)
            src = self.resolve_source(source)
            sha = writer.records[src].sha256
            writer.drop(src)
            writer.commit()
            self._forget_pages(sha)
        return src

    def compact(self) -> bool:
        """Rewrite the index as one segment without the chunks of removed or replaced documents
        (commits do it on their own when segments pile up); False when it already is one."""
        with self.store.lock(self.lock_wait_s):
            writer = IndexWriter(self.store, self._base_manifest, self._reload)
            snap = writer.snap
            if snap is None or (len(snap.parts) <= 1 and snap.rows == len(snap.chunks) and not snap.stale):
                return False
            writer.commit(compact=True)
        return True

    def _forget_pages(self, sha: str) -> None:
        scans.forget_pages(self.path / "pages", sha)


def _check_query(query: str) -> None:
    if len(query) > MAX_QUESTION_CHARS:  # a question, not a document: longer input only slows every user down
        raise RagError(f"question too long ({len(query)} characters, at most {MAX_QUESTION_CHARS})")


def get_embedder_name(name: str) -> str:
    return canonical_name(name)


def _version() -> str:
    try:
        from importlib.metadata import version

        return version("rag-meetings")
    except Exception:
        return "0+local"
