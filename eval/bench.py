"""Speed and memory benchmark: what a user waits for, at the size of their library.

Prints figures; asserts nothing (targets are judged by reading them). Corpora:
``--corpus DIR`` (default: the bundled sample reports) or ``--synthetic N`` (at least N chunks of
XQuAD-vi sentences re-combined into distinct passages, plus the realistic meeting reports of
``eval/answers``). With ``--vectors random`` the passages get pseudo-random unit vectors instead of
being embedded (labelled in the output): for the figures where embedding is not what is measured
(cold ask, warm latency, adding files, memory) at 10k-100k chunks, which would otherwise take hours
to embed on 2 cores. Queries are always embedded by the real model.

Figures: ingest time and chunks/s (and, with real vectors, the bare embedder's passages/s on the
same passages); cold ``rag ask`` (a new process, start to answer, as from a shell); a new process
opening the index, warming up and answering its first question (what a server start costs); warm
``search``/``ask`` p50/p95; time and bytes written to add 10 files; index size; peak memory (of the
whole bench, and of each new process as it reports its own high-water mark).

    python -m eval.bench                                          # samples, real vectors
    python -m eval.bench --synthetic 10000 --vectors random       # 12.5k chunks
    python -m eval.bench --synthetic 80000 --vectors random       # 100.6k chunks
    python -m eval.bench --synthetic 100000 --vectors random      # 125.7k chunks
    python -m eval.bench --synthetic 80000 --vectors random --work DIR   # keep DIR/index to profile it
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from rag.embedders import DEFAULT_EMBEDDER, get_embedder
from rag.library import Library
from rag.textnorm import sentence_spans

ROOT = Path(__file__).resolve().parents[1]
XQUAD = ROOT.parent / "shared" / "eval" / "xquad.vi.json"
REPORTS = ROOT / "eval" / "answers" / "reports"
SAMPLE_QUESTIONS = [
    "Ai chủ trì hội nghị?", "Giám đốc Công an tỉnh yêu cầu gì?", "kinh phí bổ sung là bao nhiêu",
    "nhiệm vụ giao cho Sở Xây dựng", "hoan thanh truoc ngay nao", "chuyển đổi số 6 tháng đầu năm",
    "phòng chống thiên tai", "điểm cầu", "kết luận hội nghị", "tỷ lệ hồ sơ trực tuyến",
]
COLD_QUESTIONS = [
    "Ai chủ trì hội nghị sơ kết công tác đảng?", "phat hien vi pham bao nhieu tien",
    "Tóm tắt hội nghị giao ban Sở Xây dựng", "Kết quả chuyển đổi số 6 tháng đầu năm là gì?",
    "Thượng tá Lê Minh Khoa cho biết những gì?",
]


class RandomVectors:
    """Pseudo-random unit vectors under the default embedder's name: stands in for embedding when the
    passages' vectors are not what is measured (the real model still embeds every query)."""

    name = DEFAULT_EMBEDDER
    dim = 384

    def embed_passages(self, texts: Sequence[str], progress: Callable[[int, int], None] | None = None) -> np.ndarray:
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        for i, t in enumerate(texts):
            seed = int.from_bytes(hashlib.blake2b(t.encode(), digest_size=8).digest(), "little")
            out[i] = np.random.default_rng(seed).standard_normal(self.dim)
        out /= np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-9)
        return out

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return get_embedder().embed_queries(texts)


def _du(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def _files(path: Path) -> dict[str, tuple[int, int]]:
    return {str(p): (p.stat().st_size, p.stat().st_mtime_ns) for p in path.rglob("*") if p.is_file()}


def _pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(q * (len(xs) - 1))))]


def _sentences() -> list[str]:
    data = json.loads(XQUAD.read_text(encoding="utf-8"))
    out = []
    for art in data["data"]:
        for p in art["paragraphs"]:
            t = p["context"]
            out.extend(t[s:e] for s, e in sentence_spans(t))
    return out


def synthetic_corpus(folder: Path, n_chunks: int, seed: int = 7, prefix: str = "doc") -> None:
    """Distinct ~700-character passages from XQuAD sentences, 10 passages per file, plus the
    realistic meeting reports of eval/answers (so who-said-what has meetings to analyse)."""
    sents = _sentences()
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    made = f = 0
    while made < n_chunks:
        paras = []
        for _ in range(10):
            buf: list[str] = []
            while sum(len(s) + 1 for s in buf) < 650:
                buf.append(rng.choice(sents))
            paras.append(" ".join(buf))
        body = f"Tài liệu tổng hợp số {f}\n\n" + "\n\n".join(paras)
        (folder / f"{prefix}{f:06d}.txt").write_text(body, encoding="utf-8")
        made += 10
        f += 1
    if prefix == "doc" and REPORTS.is_dir():
        for r in REPORTS.iterdir():
            shutil.copy(r, folder / r.name)


# A child's own peak memory, printed as it exits: getrusage(RUSAGE_CHILDREN) is no measure of it, as
# Linux starts a child's ru_maxrss from the parent's resident size at fork (this bench holds a whole index).
_PEAK = """
import atexit, sys
def _peak():
    try:
        with open("/proc/self/status") as f:
            print("peak_kb", next(ln for ln in f if ln.startswith("VmHWM")).split()[1], file=sys.stderr)
    except (OSError, StopIteration):
        pass
atexit.register(_peak)
"""
# ``rag ask`` as ``python -m rag.cli ask`` runs it, plus the peak report
_COLD_ASK = _PEAK + """
import runpy
sys.argv = ["rag", *sys.argv[1:]]
runpy.run_module("rag.cli", run_name="__main__", alter_sys=True)
"""
_SERVER_START = _PEAK + """
import time
t = time.perf_counter()
from rag.library import Library
lib = Library(sys.argv[1]); lib.warm_up(); lib.ask(sys.argv[2])
print(time.perf_counter() - t)
"""


def _peak_mb(stderr: str) -> float:
    found = [ln.split()[1] for ln in stderr.splitlines() if ln.startswith("peak_kb ")]
    return int(found[-1]) / 1024 if found else float("nan")


def _cold(idx: Path, question: str) -> tuple[float, float]:
    """Wall seconds and peak MB of ``rag ask`` in a new process."""
    t = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", _COLD_ASK, "ask", "--index", str(idx), question], check=True,
                         capture_output=True, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    return time.perf_counter() - t, _peak_mb(out.stderr)


def bench(corpus: Path, questions: list[str], label: str, index_type: str, vectors: str, work: Path) -> dict[str, object]:
    idx = work / "index"
    embedder = RandomVectors() if vectors == "random" else None
    lib = Library(idx, embedder=embedder, faiss_type=index_type)
    if embedder is None:
        lib.embedder.embed_queries(["khởi động"])  # model load is not ingest throughput
    t = time.perf_counter()
    rep = lib.ingest([corpus])
    first = time.perf_counter() - t
    n = len(lib.chunks())
    res: dict[str, object] = {
        "corpus": label, "vectors": vectors, "index_type": index_type, "files": len(rep.added), "chunks": n,
        "ingest_s": round(first, 1), "chunks_per_s": round(n / first, 1),
        "ingest_split_s": {k: round(v, 1) for k, v in rep.seconds.items()},
    }
    if embedder is None:  # the bare embedder on the same passages (a fresh cache), for the ratio
        sample = [c.text for c in lib.chunks()[:200]]
        fresh = type(lib.embedder)()
        t = time.perf_counter()
        fresh.embed_passages(sample)
        res["bare_embedder_passages_per_s"] = round(len(sample) / (time.perf_counter() - t), 1)
    t = time.perf_counter()
    again = lib.ingest([corpus])
    res["reingest_unchanged_s"] = round(time.perf_counter() - t, 2)
    assert not again.added and not again.replaced
    res["index_mb"] = round(_du(idx) / 2**20, 1)

    cold = [_cold(idx, q) for q in COLD_QUESTIONS]
    res["cold_ask_s_median"] = round(statistics.median(c[0] for c in cold), 2)
    res["cold_ask_s_max"] = round(max(c[0] for c in cold), 2)
    res["cold_ask_peak_mb"] = round(max(c[1] for c in cold), 1)
    out = subprocess.run([sys.executable, "-c", _SERVER_START, str(idx), COLD_QUESTIONS[0]],
                         check=True, capture_output=True, text=True)
    res["open_warm_first_answer_s"] = round(float(out.stdout.strip().splitlines()[-1]), 2)
    res["open_warm_first_answer_peak_mb"] = round(_peak_mb(out.stderr), 1)

    reader = Library(idx)
    reader.warm_up()
    lat: dict[str, list[float]] = {"search": [], "ask": []}
    for q in questions:
        for op in ("search", "ask"):
            t = time.perf_counter()
            reader.search(q, 5) if op == "search" else reader.ask(q, 5)
            lat[op].append((time.perf_counter() - t) * 1000)
    for op, xs in lat.items():
        res[f"{op}_p50_ms"] = round(statistics.median(xs), 1)
        res[f"{op}_p95_ms"] = round(_pct(xs, 0.95), 1)

    extra = work / "extra"
    synthetic_corpus(extra, 100, seed=11, prefix="them") if XQUAD.exists() else None
    before = _files(idx)
    t = time.perf_counter()
    add = lib.ingest([extra]) if extra.is_dir() else None
    if add is not None:
        res["add_10_files_s"] = round(time.perf_counter() - t, 2)
        res["add_10_files_embed_s"] = round(add.seconds.get("embed", 0.0), 2)
        after = _files(idx)
        written = sum(size for p, (size, mt) in after.items() if before.get(p) != (size, mt))
        res["add_10_files_written_mb"] = round(written / 2**20, 1)
        res["add_10_files_written_share"] = round(written / max(1, _du(idx)), 3)
        res["segments"] = json.loads((idx / "manifest.json").read_text(encoding="utf-8")).get("segments", 1)
    return res


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", type=Path, default=ROOT / "samples")
    ap.add_argument("--synthetic", type=int, default=0, help="build a corpus of at least N chunks")
    ap.add_argument("--vectors", default="embed", choices=["embed", "random"])
    ap.add_argument("--index-type", default="flat", choices=["flat", "hnsw"])
    ap.add_argument("--queries", type=int, default=100)
    ap.add_argument("--work", type=Path, help="build in this (new or empty) folder and keep it, to profile the index "
                    "afterwards (default: a temporary folder, removed)")
    args = ap.parse_args(argv)
    questions = list(SAMPLE_QUESTIONS)
    if XQUAD.exists():
        data = json.loads(XQUAD.read_text(encoding="utf-8"))
        questions += [qa["question"] for a in data["data"] for p in a["paragraphs"] for qa in p["qas"]]
    questions = questions[: args.queries]
    with tempfile.TemporaryDirectory() as tmp:
        work = args.work or Path(tmp)
        if args.synthetic:
            corpus = work / "synthetic"
            synthetic_corpus(corpus, args.synthetic)
            label = f"synthetic>={args.synthetic}"
        else:
            corpus, label = args.corpus, str(args.corpus.name)
        res = bench(corpus, questions, label, args.index_type, args.vectors, work)
    res["bench_peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    width = max(len(k) for k in res)
    for k, v in res.items():
        print(f"{k:<{width}}  {v}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
