"""The on-disk index with the real bundled embedder and real FAISS: manifest, atomicity, re-ingest."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from rag.chunking import ChunkSettings
from rag.errors import IndexLockedError, IndexMismatchError, RagError
from rag.library import Library
from rag.store import IndexStore

from .conftest import CORPUS_000, CORPUS_003, SAMPLES, needs_shared


@pytest.fixture()
def docs(tmp_path: Path) -> Path:
    d = tmp_path / "docs"
    d.mkdir()
    for f in sorted(SAMPLES.glob("*.txt"))[:2]:
        shutil.copy(f, d / f.name)
    return d


def test_manifest_describes_the_index(tmp_path: Path, docs: Path) -> None:
    lib = Library(tmp_path / "idx")
    lib.ingest([docs])
    m = json.loads((tmp_path / "idx" / "manifest.json").read_text())
    assert m["format_version"] == 2 and m["segments"] == 1
    assert m["embedder"] == lib.embedder.name and m["dim"] == 384
    assert m["chunking"]["size"] == ChunkSettings().size and m["chunking"]["overlap"] == ChunkSettings().overlap
    assert m["faiss"] == "flat" and m["chunks"] == len(lib.chunks()) > 0
    segments = json.loads((tmp_path / "idx" / m["generation"] / "segments.json").read_text())
    assert (tmp_path / "idx" / segments[0] / "vectors.faiss").exists()


def test_chunk_offsets_point_into_the_source_text(tmp_path: Path, docs: Path) -> None:
    lib = Library(tmp_path / "idx")
    lib.ingest([docs])
    for c in lib.chunks():
        text = lib.source_text(c.source)
        assert text[c.start : c.end] == c.text
        assert len(c.text) <= ChunkSettings().size


def test_other_embedder_is_a_clear_error(tmp_path: Path, docs: Path) -> None:
    Library(tmp_path / "idx").ingest([docs])
    with pytest.raises(IndexMismatchError, match="was built with embedder"):
        Library(tmp_path / "idx", embedder="sentence-transformers/all-MiniLM-L6-v2")


def test_other_chunking_or_format_version_is_a_clear_error(tmp_path: Path, docs: Path) -> None:
    Library(tmp_path / "idx").ingest([docs])
    with pytest.raises(IndexMismatchError, match="chunking"):
        Library(tmp_path / "idx", chunking=ChunkSettings(300, 50))
    mpath = tmp_path / "idx" / "manifest.json"
    m = json.loads(mpath.read_text())
    m["format_version"] = 99
    mpath.write_text(json.dumps(m))
    with pytest.raises(IndexMismatchError, match="format version 99"):
        Library(tmp_path / "idx").search("hội nghị")


def test_dimension_mismatch_is_a_clear_error(tmp_path: Path, docs: Path) -> None:
    Library(tmp_path / "idx").ingest([docs])
    store = IndexStore(tmp_path / "idx")
    m = store.read_manifest()
    with pytest.raises(IndexMismatchError, match="dimension"):
        store.check_compatible(m, m["embedder"], 768)


def test_reingest_skips_unchanged_replaces_changed_and_removes(tmp_path: Path, docs: Path) -> None:
    lib = Library(tmp_path / "idx")
    first = lib.ingest([docs])
    assert len(first.added) == 2 and first.chunks_added > 0
    again = lib.ingest([docs])
    assert again.added == () and again.replaced == () and len(again.unchanged) == 2 and again.chunks_added == 0
    target = sorted(docs.iterdir())[0]
    target.write_text("Báo cáo mới\n\nĐồng chí Phạm Minh Khôi đề nghị mua thêm máy phát điện dự phòng.", encoding="utf-8")
    changed = lib.ingest([docs])
    assert len(changed.replaced) == 1 and len(changed.unchanged) == 1
    src = changed.replaced[0]
    assert all("Khôi" in c.text or c.source != src for c in lib.chunks())
    hits = lib.search("máy phát điện dự phòng", k=1)
    assert hits and hits[0].chunk.source == src
    n_before = len(lib.documents())
    assert lib.remove(target.name) == src
    assert len(lib.documents()) == n_before - 1
    assert all(c.source != src for c in lib.chunks())
    with pytest.raises(RagError, match="no indexed document"):
        lib.remove(target.name)


def test_bad_file_in_a_batch_is_named_and_the_rest_is_indexed(tmp_path: Path, docs: Path) -> None:
    (docs / "hỏng.pdf").write_bytes(b"%PDF-1.4 not really")
    (docs / "trống.txt").write_bytes(b"")
    lib = Library(tmp_path / "idx")
    rep = lib.ingest([docs, tmp_path / "không-có.txt"])
    reasons = dict(rep.failed)
    assert len(rep.added) == 2
    assert "corrupt PDF" in next(r for p, r in reasons.items() if p.endswith("hỏng.pdf"))
    assert "empty file" in next(r for p, r in reasons.items() if p.endswith("trống.txt"))
    assert any(p.endswith("không-có.txt") for p in reasons)


def test_failed_later_ingest_keeps_what_was_indexed(tmp_path: Path, docs: Path) -> None:
    lib = Library(tmp_path / "idx")
    lib.ingest([docs])
    before = {d.source for d in lib.documents()}
    bad = tmp_path / "bad.docx"
    bad.write_bytes(b"not a zip")
    rep = lib.ingest([bad])
    assert not rep.ok and {d.source for d in lib.documents()} == before


def test_crash_leftovers_do_not_break_loading(tmp_path: Path, docs: Path) -> None:
    lib = Library(tmp_path / "idx")
    lib.ingest([docs])
    m = json.loads((tmp_path / "idx" / "manifest.json").read_text())
    n = int(m["generation"].split("-")[1])
    # What a writer killed mid-commit leaves: a half-written next generation and a temp manifest.
    half = tmp_path / "idx" / f"gen-{n + 1:06d}"
    half.mkdir()
    (half / "chunks.jsonl").write_text('{"id": 0, "sou')
    (tmp_path / "idx" / ".manifest.123.tmp").write_text("{")
    lib2 = Library(tmp_path / "idx")
    assert lib2.search("hội nghị", k=3)
    lib2.ingest([SAMPLES])  # the next ingest completes and cleans up
    assert len(lib2.documents()) >= 4
    assert not (tmp_path / "idx" / ".manifest.123.tmp").exists()


def test_second_writer_fails_clearly_while_the_first_holds_the_lock(tmp_path: Path, docs: Path) -> None:
    Library(tmp_path / "idx").ingest([docs])
    store = IndexStore(tmp_path / "idx")
    with store.lock():
        with pytest.raises(IndexLockedError, match="being written by another process"):
            Library(tmp_path / "idx", lock_wait_s=0.3).ingest([SAMPLES])
    assert Library(tmp_path / "idx", lock_wait_s=0.3).ingest([SAMPLES]).ok


def test_reader_sees_a_new_generation_written_by_another_library(tmp_path: Path, docs: Path) -> None:
    reader = Library(tmp_path / "idx")
    writer = Library(tmp_path / "idx")
    writer.ingest([docs])
    assert len(reader.documents()) == 2
    writer.ingest([SAMPLES])
    assert len(reader.documents()) >= 4


def test_hnsw_index_type(tmp_path: Path, docs: Path) -> None:
    lib = Library(tmp_path / "idx", faiss_type="hnsw")
    lib.ingest([docs])
    assert json.loads((tmp_path / "idx" / "manifest.json").read_text())["faiss"] == "hnsw"
    hits = lib.search("phòng chống thiên tai", k=3)
    assert len(hits) == 3


@needs_shared
def test_glued_reports_are_split_into_articles(tmp_path: Path) -> None:
    glued = tmp_path / "glued.txt"
    glued.write_text(CORPUS_000.read_text(encoding="utf-8") + CORPUS_003.read_text(encoding="utf-8"), encoding="utf-8")
    lib = Library(tmp_path / "idx")
    lib.ingest([glued])
    arts = lib.articles("glued.txt")
    assert len(arts) == 2
    text = lib.source_text("glued.txt")
    assert arts[0].title.startswith("Hội nghị giao ban công tác Đảng") and arts[0].date == "2021-12-07"
    assert text[arts[0].start : arts[0].end].rstrip().endswith("Phòng Công tác đảng và Công tác chính trị")
    assert text[arts[1].start :].startswith("Sáu tháng đầu năm 2022") and arts[1].period == "6 tháng đầu năm 2022"
    assert {c.article for c in lib.chunks()} == {0, 1}
    for c in lib.chunks():
        art = arts[c.article]
        assert art.start <= c.start and c.end <= art.end


def test_a_missing_test_tool_skips_here_and_fails_in_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    from .conftest import require

    monkeypatch.setenv("CI", "")
    with pytest.raises(pytest.skip.Exception, match="not installed"):
        require("no_such_test_tool_xyz")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI=true but no_such_test_tool_xyz is not installed"):
        require("no_such_test_tool_xyz")
