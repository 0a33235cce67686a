"""What an index saves besides chunks and vectors: lexical search structures per segment and the
who-said-what extraction per document, so a new process answers without re-analysing the corpus;
and that the fast ways of writing and reading them (merging postings by counting, the chunks' marshal
copy) give what the plain ways give."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

import rag.facts.extraction
import rag.segments
from rag import lexical, lexical_store
from rag.library import Library

from .conftest import SAMPLES


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    docs = tmp_path_factory.mktemp("docs")
    for f in sorted(SAMPLES.glob("*.txt")):
        shutil.copy(f, docs / f.name)
    idx = tmp_path_factory.mktemp("idx") / "index"
    assert Library(idx).ingest([docs]).ok
    return idx


def _segment(idx: Path) -> Path:
    gen = idx / json.loads((idx / "manifest.json").read_text())["generation"]
    (name,) = json.loads((gen / "segments.json").read_text())
    return idx / name


def test_saved_bm25_scores_equal_a_fresh_build(index: Path) -> None:
    lib = Library(index)
    chunks = lib.chunks()
    saved = lexical_store.saved_lexical(_segment(index), len(chunks))
    assert saved is not None
    titles, texts = [c.title for c in chunks], [c.text for c in chunks]
    for folded in (False, True):
        postings = lexical_store.load_postings(saved, folded)
        loaded = lexical.BM25([(postings, np.arange(len(chunks)))], len(chunks), folded)
        built = lexical.build_bm25(titles, texts, folded)
        for q in ("Ai chủ trì hội nghị?", "phong chong thien tai", "kinh phí bổ sung bao nhiêu tỷ đồng"):
            a, b = loaded.scores(q), built.scores(q)
            assert a.max() > 0 and np.array_equal(a, b)
    assert lexical_store.load_df(saved) == lexical.document_frequencies(texts)
    restored = lexical_store.load_lexicon(saved).restore("phong chong thien tai")
    assert restored == lexical.Lexicon(texts).restore("phong chong thien tai") == "phòng chống thiên tai"


def test_a_new_process_searches_without_rebuilding(index: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_build(*a: object, **k: object) -> None:
        raise AssertionError("rebuilt although the generation has its structures saved")

    monkeypatch.setattr(rag.segments, "build_postings", no_build)
    monkeypatch.setattr(rag.segments, "Lexicon", no_build)
    monkeypatch.setattr(rag.segments, "document_frequencies", no_build)
    lib = Library(index)
    hits = lib.search("phong chong thien tai", k=3)
    assert hits and "thien-tai" in hits[0].chunk.source
    assert lib.ask("Ai chủ trì cuộc họp Ban Chỉ đạo phòng chống thiên tai?").found


def test_structures_of_other_rules_are_ignored_and_rebuilt(index: Path, tmp_path: Path) -> None:
    copy = tmp_path / "index"
    shutil.copytree(index, copy)
    version = _segment(copy) / "lexical" / "version.json"
    version.write_text(json.dumps({"version": "older-rules", "chunks": 1}))
    lib, ref = Library(copy), Library(index)
    q = "kinh phí bổ sung"
    assert [h.chunk.id for h in lib.search(q, 5)] == [h.chunk.id for h in ref.search(q, 5)]


def test_facts_are_saved_per_document_and_read_back(index: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fresh = Library(index).facts()
    assert fresh.statements and fresh.meetings
    saved = list((index / "facts").glob("*/*.json"))
    assert len(saved) == len(Library(index).documents())

    def no_extract(*a: object, **k: object) -> None:
        raise AssertionError("re-extracted although the index has the facts saved")

    monkeypatch.setattr(rag.facts.extraction, "statements_for_articles", no_extract)
    monkeypatch.setattr(rag.facts.extraction, "meetings_for_articles", no_extract)
    again = Library(index).facts()
    assert again.statements == fresh.statements and again.meetings == fresh.meetings


def test_corrupt_saved_facts_are_extracted_again(index: Path, tmp_path: Path) -> None:
    copy = tmp_path / "index"
    shutil.copytree(index, copy)
    for p in (copy / "facts").glob("*/*.json"):
        p.write_text("{not json")
    facts = Library(copy).facts()
    assert facts.statements == Library(index).facts().statements
    assert all(json.loads(p.read_text())["statements"] is not None for p in (copy / "facts").glob("*/*.json"))


def test_removing_a_document_drops_its_saved_facts(index: Path, tmp_path: Path) -> None:
    copy = tmp_path / "index"
    shutil.copytree(index, copy)
    lib = Library(copy)
    doc = lib.documents()[0]
    assert (copy / "facts" / doc.sha256).is_dir()
    lib.remove(doc.source)
    assert (copy / "facts" / doc.sha256).is_dir()  # the previous generation, still kept, references it
    lib.remove(lib.documents()[0].source)
    assert not (copy / "facts" / doc.sha256).exists()
    assert len(list((copy / "facts").iterdir())) == 2  # the document left and the one just removed


def test_token_rules_are_pinned_to_the_saved_format_version() -> None:
    """Saved indexes are read only by the rules that wrote them: a change to the tokens must bump
    ``LEXICAL_VERSION`` (and then this fingerprint)."""
    import hashlib

    text = "Sáng 3/6, Đại tá Trần Quốc Tỏ (Giám đốc) yêu cầu: hoàn thành trước 30/11/2024 — UBND tỉnh; ĐẢNG ỦY"
    out = [lexical.tokens(text), lexical.tokens(text, folded=True), lexical.tokens(text.lower(), folded=True)]
    fingerprint = hashlib.sha256(json.dumps(out, ensure_ascii=False).encode()).hexdigest()[:16]
    assert (lexical.LEXICAL_VERSION, fingerprint) == ("2", "d53d46582ea308ca")


def test_merged_postings_equal_a_build_of_the_kept_rows(index: Path) -> None:
    # merge_postings places postings by counting (not by sorting all parts): each term's postings as a build's
    texts = [c.text for c in Library(index).chunks()]
    rng = np.random.default_rng(3)
    for folded in (False, True):
        token_lists = [lexical.tokens(t, folded) for t in texts]
        cuts = [token_lists[:7], token_lists[7:9], [], token_lists[9:]]
        alive = [np.sort(rng.choice(len(c), len(c) // 2, replace=False)) if len(c) > 2 else np.arange(len(c))
                 for c in cuts]
        alive[1] = np.zeros(0, dtype=np.int64)  # every row of a part dropped
        parts = [(lexical.Postings.build(c, folded), a.astype(np.int64)) for c, a in zip(cuts, alive)]
        merged = lexical_store.merge_postings(parts, folded)
        built = lexical.Postings.build([c[r] for c, a in zip(cuts, alive) for r in a.tolist()], folded)
        assert set(merged.vocab) == set(built.vocab)  # ids may differ: a merge numbers terms as the parts do
        assert np.array_equal(merged.lengths, built.lengths) and merged.docs.dtype == built.docs.dtype
        for t, i in built.vocab.items():
            j = merged.vocab[t]
            a, b = slice(built.indptr[i], built.indptr[i + 1]), slice(merged.indptr[j], merged.indptr[j + 1])
            assert np.array_equal(merged.docs[b], built.docs[a]) and np.array_equal(merged.tf[b], built.tf[a]), t


def test_chunks_load_from_their_marshal_copy_else_from_the_json_lines(index: Path, tmp_path: Path) -> None:
    seg = _segment(index)
    from_json = [rag.segments.Chunk(**json.loads(line)) for line in (seg / "chunks.jsonl").read_text().splitlines()]
    assert (seg / rag.segments.CHUNKS_MARSHAL).is_file()
    assert rag.segments._read_chunks(seg) == from_json
    copy = tmp_path / seg.name
    shutil.copytree(seg, copy)
    good = (copy / rag.segments.CHUNKS_MARSHAL).read_bytes()
    flipped = bytearray(good)
    flipped[len(good) // 2] ^= 0xFF
    head = good[: good.index(b"\n")]
    miscounted = head.replace(b" n", b" n1", 1) + good[len(head):]
    for bad in (bytes(flipped), good[: len(good) // 2], b"", good.replace(b"py3", b"py2", 1), miscounted):
        (copy / rag.segments.CHUNKS_MARSHAL).write_bytes(bad)
        assert rag.segments._read_chunks(copy) == from_json
    (copy / rag.segments.CHUNKS_MARSHAL).unlink()  # a segment written before the copy existed
    assert rag.segments._read_chunks(copy) == from_json

