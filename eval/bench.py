"""Speed and memory benchmark: ingest throughput, query latency, index size, peak memory.

Prints figures; asserts nothing (targets are judged by reading them). Two corpora:
``--corpus samples`` (the bundled sample reports) and ``--synthetic N`` (at least N chunks made
of XQuAD-vi sentences re-combined into distinct passages, embedded for real).

    python -m eval.bench                      # samples
    python -m eval.bench --synthetic 10000    # >= 10,000 chunks (about 10-20 minutes on 2 cores)
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

from rag.library import Library
from rag.textnorm import sentence_spans

ROOT = Path(__file__).resolve().parents[1]
XQUAD = ROOT.parent / "shared" / "eval" / "xquad.vi.json"
SAMPLE_QUESTIONS = [
    "Ai chủ trì hội nghị?", "Giám đốc Công an tỉnh yêu cầu gì?", "kinh phí bổ sung là bao nhiêu",
    "nhiệm vụ giao cho Sở Xây dựng", "hoan thanh truoc ngay nao", "chuyển đổi số 6 tháng đầu năm",
    "phòng chống thiên tai", "điểm cầu", "kết luận hội nghị", "tỷ lệ hồ sơ trực tuyến",
]


def _du(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def _pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(q * (len(xs) - 1))))]


def synthetic_corpus(folder: Path, n_chunks: int, seed: int = 7) -> None:
    """Distinct ~700-character passages from XQuAD sentences, 10 passages per file."""
    data = json.loads(XQUAD.read_text(encoding="utf-8"))
    sents = []
    for art in data["data"]:
        for p in art["paragraphs"]:
            t = p["context"]
            sents.extend(t[s:e] for s, e in sentence_spans(t))
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    made = 0
    f = 0
    while made < n_chunks:
        paras = []
        for _ in range(10):
            buf: list[str] = []
            while sum(len(s) + 1 for s in buf) < 650:
                buf.append(rng.choice(sents))
            paras.append(" ".join(buf))
        (folder / f"doc{f:05d}.txt").write_text(f"Tài liệu tổng hợp số {f}\n\n" + "\n\n".join(paras), encoding="utf-8")
        made += 10
        f += 1


def bench(corpus: Path, questions: list[str], label: str, index_type: str) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as tmp:
        idx = Path(tmp) / "index"
        lib = Library(idx, faiss_type=index_type)
        lib.embedder.embed_queries(["khởi động"])  # model load is not ingest throughput
        t = time.perf_counter()
        rep = lib.ingest([corpus])
        first = time.perf_counter() - t
        n = len(lib.chunks())
        t = time.perf_counter()
        rep2 = lib.ingest([corpus])
        again = time.perf_counter() - t
        assert not rep2.added and not rep2.replaced
        lib = Library(idx)
        t = time.perf_counter()
        lib.warm_up()
        warm = time.perf_counter() - t
        lat: dict[str, list[float]] = {"search": [], "ask": []}
        for q in questions:
            for op in ("search", "ask"):
                t = time.perf_counter()
                lib.search(q, 5) if op == "search" else lib.ask(q, 5)
                lat[op].append((time.perf_counter() - t) * 1000)
        res = {
            "corpus": label,
            "index_type": index_type,
            "files": len(rep.added),
            "chunks": n,
            "ingest_s": round(first, 2),
            "chunks_per_s": round(n / first, 1),
            "split_s": {k: round(v, 2) for k, v in rep.seconds.items()},
            "reingest_unchanged_s": round(again, 4),
            "reingest_ratio": round(again / first, 5),
            "open_and_warm_s": round(warm, 2),
            "index_bytes": _du(idx),
        }
        for op, xs in lat.items():
            res[f"{op}_p50_ms"] = round(statistics.median(xs), 1)
            res[f"{op}_p95_ms"] = round(_pct(xs, 0.95), 1)
        return res


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", type=Path, default=ROOT / "samples")
    ap.add_argument("--synthetic", type=int, default=0, help="build a corpus of at least N chunks")
    ap.add_argument("--index-type", default="flat", choices=["flat", "hnsw"])
    ap.add_argument("--queries", type=int, default=100)
    args = ap.parse_args(argv)
    questions = list(SAMPLE_QUESTIONS)
    if XQUAD.exists():
        data = json.loads(XQUAD.read_text(encoding="utf-8"))
        questions += [qa["question"] for a in data["data"] for p in a["paragraphs"] for qa in p["qas"]]
    questions = questions[: args.queries]
    with tempfile.TemporaryDirectory() as tmp:
        if args.synthetic:
            corpus = Path(tmp) / "synthetic"
            synthetic_corpus(corpus, args.synthetic)
            label = f"synthetic>={args.synthetic}"
        else:
            corpus, label = args.corpus, str(args.corpus.name)
        res = bench(corpus, questions, label, args.index_type)
    res["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    width = max(len(k) for k in res)
    for k, v in res.items():
        print(f"{k:<{width}}  {v}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
