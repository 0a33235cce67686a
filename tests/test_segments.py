"""An index that grows without rewriting itself: immutable segments, small generations, merges,
compaction, reading and migrating format-1 indexes, and SIGKILL during a segment write.

Real embedder, real FAISS. The base index is built once, one file per ingest, so it has several
segments; each test works on a copy."""

from __future__ import annotations

import json
import math
import shutil
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

import rag.segments
from rag import lexical
from rag.library import Library
from rag.loaders import expand_paths
from rag.segments import merge_start

from .conftest import ROOT, SAMPLES

REPORTS = ROOT / "eval" / "answers" / "reports"
QUERIES = ["Ai chủ trì hội nghị?", "phong chong thien tai", "kinh phí bổ sung bao nhiêu tỷ đồng",
           "chuyển đổi số", "Giám đốc Công an tỉnh yêu cầu gì?", "tỷ lệ hồ sơ trực tuyến"]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("docs")
    for f in [*sorted(SAMPLES.glob("*.txt")), *sorted(REPORTS.glob("*.txt"))[:6]]:
        shutil.copy(f, d / f.name)
    return d


@pytest.fixture(scope="module")
def grown(corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An index built one file per ingest: several segments."""
    idx = tmp_path_factory.mktemp("grown") / "index"
    lib = Library(idx)
    files, _ = expand_paths([corpus])
    for f in files:
        assert lib.ingest([f], names={str(f): f.name}).ok
    return idx


@pytest.fixture(scope="module")
def fresh(corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same files in one ingest: one segment."""
    idx = tmp_path_factory.mktemp("fresh") / "index"
    files, _ = expand_paths([corpus])
    assert Library(idx).ingest(files, names={str(f): f.name for f in files}).ok
    return idx


def _copy(idx: Path, tmp_path: Path) -> Path:
    dest = tmp_path / "index"
    shutil.copytree(idx, dest)
    return dest


def _manifest(idx: Path) -> dict[str, object]:
    return json.loads((idx / "manifest.json").read_text())


def _segments(idx: Path) -> list[str]:
    """The segments the current generation uses."""
    return list(json.loads((idx / str(_manifest(idx)["generation"]) / "segments.json").read_text()))


def _results(lib: Library) -> list[list[tuple[str, int, float]]]:
    return [[(h.chunk.source, h.chunk.start, round(h.score, 5)) for h in lib.search(q, 8)] for q in QUERIES]


def _reference_bm25(token_lists: list[list[str]], query: list[str], k1: float = 1.2, b: float = 0.75) -> np.ndarray:
    """BM25 by its formula, one document at a time (what a fresh single build must give)."""
    n = len(token_lists)
    avgdl = sum(map(len, token_lists)) / n
    df = Counter(t for ts in token_lists for t in set(ts))
    out = np.zeros(n)
    for i, ts in enumerate(token_lists):
        tf = Counter(ts)
        for t in query:
            if tf[t]:
                idf = math.log(1 + (n - df[t] + 0.5) / (df[t] + 0.5))
                out[i] += idf * tf[t] / (tf[t] + k1 * (1 - b + b * len(ts) / avgdl))
    return out


def test_merge_policy() -> None:
    assert merge_start([], 0, 10) == 0
    assert merge_start([1000, 400], 1400, 10) == 2  # small additions get a segment of their own
    assert merge_start([1000, 400, 10], 1410, 10) == 2  # equal neighbours merge (a binary counter)
    assert merge_start([1000, 400, 20, 10], 1430, 30) == 2  # ... and cascade
    assert merge_start([1000, 400, 200, 100], 1700, 100) == 1
    assert merge_start([1000, 400], 2000, 0) == 0  # more than a quarter dead: everything is rewritten
    assert merge_start([1000, 400], 1400, 0) == 2  # a removal alone writes no segment
    assert merge_start([2 ** (20 - i) for i in range(12)], sum(2 ** (20 - i) for i in range(12)), 1) == 7
    assert merge_start([5, 4], 9, 1, force=True) == 0


def test_adding_files_writes_one_new_segment_and_leaves_the_others_untouched(grown: Path, tmp_path: Path) -> None:
    idx = _copy(grown, tmp_path)
    segs_before = _segments(idx)
    assert len(segs_before) > 1
    before = {p: (p.stat().st_ino, p.stat().st_mtime_ns) for s in segs_before for p in (idx / s).rglob("*")}
    new = tmp_path / "mới.txt"
    new.write_text("Báo cáo mới\n\nĐồng chí Phạm Minh Khôi đề nghị mua thêm máy phát điện dự phòng cho trạm bơm.",
                   encoding="utf-8")
    lib = Library(idx)
    assert lib.ingest([new]).added
    segs = _segments(idx)
    assert segs[:-1] == segs_before and segs[-1] not in segs_before  # one new segment, the others as they were
    assert {p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in before} == before
    gen = idx / str(_manifest(idx)["generation"])
    assert sorted(p.name for p in gen.iterdir()) == ["docs.json", "segments.json"]
    hits = lib.search("máy phát điện dự phòng trạm bơm", k=1)
    assert hits[0].chunk.source.endswith("mới.txt")
    assert [c.id for c in lib.chunks()] == list(range(len(lib.chunks())))


def test_a_grown_index_searches_and_answers_as_one_built_at_once(grown: Path, fresh: Path) -> None:
    assert int(str(_manifest(grown)["segments"])) > 1 and _manifest(fresh)["segments"] == 1
    a, b = Library(grown), Library(fresh)
    assert [(c.source, c.start, c.text) for c in a.chunks()] == [(c.source, c.start, c.text) for c in b.chunks()]
    assert _results(a) == _results(b)
    for q in QUERIES[:3]:
        assert a.ask(q).answer == b.ask(q).answer


def test_replaced_and_removed_documents_disappear(grown: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rag.segments, "DEAD_SHARE", 1.0)  # keep the dead rows: no compaction here
    idx = _copy(grown, tmp_path)
    lib = Library(idx)
    docs = [d.source for d in lib.documents()]
    gone, changed = docs[1], docs[3]
    target = tmp_path / changed
    shutil.copy(_source_file(changed), target)
    segs = _segments(idx)
    lib.remove(gone)
    assert _segments(idx) == segs  # a removal writes only a generation
    target.write_text("Báo cáo thay thế\n\nĐồng chí Lê Quốc Cường yêu cầu sửa chữa đê biển trước mùa mưa bão.",
                      encoding="utf-8")
    assert lib.ingest([target], names={str(target): changed}).replaced == (changed,)
    snap = lib.snapshot()
    assert snap is not None and snap.rows > len(snap.chunks)  # dead rows are still in their segments
    assert gone not in snap.docs and all(c.source != gone for c in snap.chunks)
    assert [c.text for c in snap.chunks if c.source == changed] == [
        "Báo cáo thay thế\n\nĐồng chí Lê Quốc Cường yêu cầu sửa chữa đê biển trước mùa mưa bão."]
    assert snap.index.ntotal == len(snap.chunks) == sum(d["chunks"] for d in snap.docs.values())
    for q in QUERIES + ["sửa chữa đê biển trước mùa mưa bão"]:
        for mode in ("hybrid", "dense", "bm25"):
            for h in lib.search(q, 10, mode=mode):
                assert h.chunk.source != gone and (h.chunk.source != changed or "đê biển" in h.chunk.text)
    assert lib.search("sửa chữa đê biển trước mùa mưa bão", 1)[0].chunk.source == changed
    assert len(snap.vectors()) == len(snap.chunks)


def _source_file(name: str) -> Path:
    return next(p for p in [*SAMPLES.glob("*.txt"), *REPORTS.glob("*.txt")] if p.name == name)


def test_bm25_over_segments_with_dead_rows_equals_a_fresh_build(
        grown: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rag.segments, "DEAD_SHARE", 1.0)
    idx = _copy(grown, tmp_path)
    lib = Library(idx)
    docs = [d.source for d in lib.documents()]
    lib.remove(docs[0])
    lib.remove(docs[4])
    snap = lib.snapshot()
    assert snap is not None and len(snap.parts) >= 2 and snap.rows > len(snap.chunks)
    titles, texts = [c.title for c in snap.chunks], [c.text for c in snap.chunks]
    for folded in (False, True):
        merged, built = snap.bm25(folded), lexical.build_bm25(titles, texts, folded)
        token_lists = [lexical.tokens(t, folded) for t in lexical.bm25_texts(titles, texts)]
        for q in QUERIES + ["Ai chủ trì hội nghị hội nghị?"]:
            a, b = merged.scores(q), built.scores(q)
            ref = _reference_bm25(token_lists, lexical.tokens(q, folded))
            assert a.max() > 0 and np.allclose(a, b, atol=1e-5) and np.allclose(a, ref, atol=1e-4)


def test_compaction_by_count_and_by_hand_keeps_the_results(grown: Path, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    idx = _copy(grown, tmp_path)
    lib = Library(idx)
    expected = _results(lib)
    n_segments = int(str(_manifest(idx)["segments"]))
    assert n_segments >= 2
    monkeypatch.setattr(rag.segments, "MAX_SEGMENTS", 2)
    extra = tmp_path / "thêm.txt"
    extra.write_text("Thông báo\n\nKhông có nội dung họp.", encoding="utf-8")
    lib.ingest([extra])
    assert _manifest(idx)["segments"] == 2  # the newest segments were merged with the new one
    lib.remove("thêm.txt")
    assert _results(lib) == expected
    assert lib.compact() is True
    assert _manifest(idx)["segments"] == 1 and len(list(idx.glob("seg-*"))) <= 3
    snap = lib.snapshot()
    assert snap is not None and snap.rows == len(snap.chunks)
    assert _results(lib) == expected
    # merged from the segments' saved data, less the removed rows: as if built from the texts
    seg = snap.parts[0].segment
    texts = [c.text for c in snap.chunks]
    assert seg.saved_lexical() is not None and dict(seg.df()) == dict(lexical.document_frequencies(texts))
    (uni, bi), = seg.lexicon().parts
    (uni2, bi2), = lexical.Lexicon(texts).parts
    assert {f: dict(ws) for f, ws in uni.items()} == {f: dict(ws) for f, ws in uni2.items()} and bi == bi2
    assert lib.compact() is False
    lib.ingest([extra])
    lib.ingest([extra])  # unchanged: no new generation
    lib.remove("thêm.txt")
    lib.remove(lib.documents()[0].source)
    lib.remove(lib.documents()[0].source)
    lib.remove(lib.documents()[0].source)  # more than a quarter of the rows dead: compacted
    snap = lib.snapshot()
    assert snap is not None and snap.rows == len(snap.chunks) and len(snap.parts) == 1


def test_a_format_1_index_opens_and_the_next_write_migrates_it(fresh: Path, tmp_path: Path) -> None:
    # The layout the previous version wrote: one complete folder per generation.
    idx = tmp_path / "v1"
    m = _manifest(fresh)
    seg = fresh / json.loads((fresh / str(m["generation"]) / "segments.json").read_text())[0]
    gen = idx / "gen-000003"
    gen.mkdir(parents=True)
    for name in ("vectors.faiss", "chunks.jsonl"):
        shutil.copy(seg / name, gen / name)
    docs = json.loads((fresh / str(m["generation"]) / "docs.json").read_text())
    (gen / "docs.json").write_text(json.dumps({s: {k: v for k, v in d.items() if k != "segment"}
                                               for s, d in docs.items()}, ensure_ascii=False))
    (gen / "lexical").mkdir()  # structures of the old kind (precomputed scores): not read
    (gen / "lexical" / "version.json").write_text(json.dumps({"version": "1", "chunks": m["chunks"]}))
    shutil.copytree(fresh / "texts", idx / "texts")
    del m["segments"]
    (idx / "manifest.json").write_text(json.dumps({**m, "format_version": 1, "generation": "gen-000003"}))

    old, ref = Library(idx), Library(fresh)
    assert _results(old) == _results(ref)
    assert old.ask(QUERIES[0]).answer == ref.ask(QUERIES[0]).answer
    assert not list(idx.glob("seg-*"))  # reading does not write

    old.ingest([_source_file(ref.documents()[0].source)], names={str(_source_file(ref.documents()[0].source)):
                                                                  ref.documents()[0].source})  # unchanged file
    m2 = _manifest(idx)
    assert m2["format_version"] == 2 and m2["generation"] == "gen-000004" and m2["segments"] == 1
    assert (idx / "gen-000003" / "vectors.faiss").exists()  # the previous generation, for slow readers
    assert _results(Library(idx)) == _results(ref)
    new = tmp_path / "mới.txt"
    new.write_text("Báo cáo mới\n\nĐồng chí Phạm Minh Khôi đề nghị mua thêm máy phát điện dự phòng.", encoding="utf-8")
    Library(idx).ingest([new])
    assert not (idx / "gen-000003").exists() and _manifest(idx)["segments"] == 2


def test_newer_format_is_a_clear_error(fresh: Path, tmp_path: Path) -> None:
    from rag.errors import IndexMismatchError

    idx = _copy(fresh, tmp_path)
    m = _manifest(idx)
    (idx / "manifest.json").write_text(json.dumps({**m, "format_version": 3}))
    with pytest.raises(IndexMismatchError, match="format version 3, this rag reads versions 1 to 2"):
        Library(idx).search("hội nghị")


def test_leftovers_of_a_crashed_segment_write_are_ignored_and_cleaned(grown: Path, tmp_path: Path) -> None:
    idx = _copy(grown, tmp_path)
    n = int(str(_manifest(idx)["generation"]).split("-")[1])
    half = idx / f"seg-{n + 1:06d}"  # renamed into place, but no generation lists it yet
    shutil.copytree(next(idx.glob("seg-*")), half)
    (half / "chunks.jsonl").write_text('{"id": 0, "sou')
    (idx / f".seg-{n + 1:06d}.tmp").mkdir()
    lib = Library(idx)
    assert lib.search("hội nghị", k=3)
    new = tmp_path / "mới.txt"
    new.write_text("Báo cáo mới\n\nĐồng chí Phạm Minh Khôi đề nghị mua thêm máy phát điện dự phòng.", encoding="utf-8")
    lib.ingest([new])
    used = {s for g in idx.glob("gen-*") for s in json.loads((g / "segments.json").read_text())}
    assert {p.name for p in idx.glob("seg-*")} == used and not list(idx.glob(".seg-*"))
    assert lib.search("máy phát điện dự phòng", k=1)[0].chunk.source.endswith("mới.txt")


def test_sigkill_during_a_segment_write_leaves_the_index_loadable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from eval.crash_bench import check_index, child_env, kill_during_ingest, make_corpus

    make_corpus(tmp_path / "docs", 40)
    monkeypatch.chdir(tmp_path)  # source names are relative to the ingest's folder
    env = child_env(RAG_COMMIT_EVERY_CHUNKS="8")
    copies = []
    for n in (2, 2, 3, 3):  # chained: each run resumes what the killed one left
        r = kill_during_ingest(tmp_path / "idx", "docs", ("segment", n), tmp_path, env)
        if r["killed"] and r["left"]["tmp_gen"]:  # killed with a segment half written
            copies.append(tmp_path / f"kill-{len(copies)}")
            shutil.copytree(tmp_path / "idx", copies[-1])
    assert copies, "every ingest finished before a segment write was caught"
    for copy in copies:
        out = check_index(copy, "docs", 8)
        assert not out["problems"] and out["next_ingest"]["failed"] == 0, out


def test_rag_compact_command(grown: Path, tmp_path: Path) -> None:
    import io

    from rag.cli import main

    idx = _copy(grown, tmp_path)
    out = io.StringIO()
    assert main(["compact", "--index", str(idx)], out=out) == 0 and "một phân đoạn" in out.getvalue()
    assert _manifest(idx)["segments"] == 1
    out = io.StringIO()
    assert main(["compact", "--index", str(idx), "--json"], out=out) == 0
    assert json.loads(out.getvalue()) == {"compacted": False}
