"""Retrieval evaluation on XQuAD-vi: hit@1, hit@5 and MRR@10 for dense, BM25 and hybrid search.

Each of the 240 XQuAD paragraphs is written to its own file and ingested through the real
pipeline (loader, chunker, bundled e5 embedder, FAISS); each of the 1,190 questions was written
for one paragraph, so a hit is a retrieved chunk of that paragraph. Questions are asked as
written and with their diacritics stripped ("typed without accents").

    python -m eval.retrieval_eval [--data ../shared/eval/xquad.vi.json] [--chunk-size 800 --chunk-overlap 160]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

from rag.chunking import ChunkSettings
from rag.library import Library
from rag.textnorm import fold

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = ROOT.parent / "shared" / "eval" / "xquad.vi.json"


def load_xquad(path: Path) -> tuple[list[str], list[tuple[str, int]]]:
    data = json.loads(path.read_text(encoding="utf-8"))
    paragraphs: list[str] = []
    questions: list[tuple[str, int]] = []
    for art in data["data"]:
        for p in art["paragraphs"]:
            paragraphs.append(p["context"])
            for qa in p["qas"]:
                questions.append((qa["question"], len(paragraphs) - 1))
    return paragraphs, questions


def build_index(paragraphs: list[str], workdir: Path, settings: ChunkSettings) -> Library:
    docs = workdir / "docs"
    docs.mkdir(parents=True, exist_ok=True)
    for i, text in enumerate(paragraphs):
        (docs / f"p{i:03d}.txt").write_text(text, encoding="utf-8")
    lib = Library(workdir / "index", chunking=settings)
    lib.ingest([docs])
    return lib


def evaluate(lib: Library, questions: list[tuple[str, int]], mode: str, strip: bool) -> dict[str, float]:
    h1 = h5 = mrr = 0.0
    for q, gold in questions:
        query = fold(q) if strip else q
        if mode == "hybrid-rrf":
            hits = lib.search(query, k=30, mode="hybrid", fusion="rrf")
        else:
            hits = lib.search(query, k=30, mode=mode)
        ranked: list[int] = []
        for h in hits:
            pid = int(Path(h.chunk.source).stem[1:])
            if pid not in ranked:
                ranked.append(pid)
        if gold in ranked[:1]:
            h1 += 1
        if gold in ranked[:5]:
            h5 += 1
        if gold in ranked[:10]:
            mrr += 1 / (ranked.index(gold) + 1)
    n = len(questions)
    return {"hit@1": h1 / n, "hit@5": h5 / n, "mrr@10": mrr / n}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--chunk-size", type=int, default=ChunkSettings().size)
    ap.add_argument("--chunk-overlap", type=int, default=ChunkSettings().overlap)
    ap.add_argument("--modes", default="dense,bm25,hybrid-rrf,hybrid")
    ap.add_argument("--limit", type=int, default=0, help="only the first N questions")
    ap.add_argument("--json", type=Path, help="also write the figures to this file")
    args = ap.parse_args(argv)
    if not args.data.exists():
        print(f"no evaluation data at {args.data}", file=sys.stderr)
        return 1
    paragraphs, questions = load_xquad(args.data)
    if args.limit:
        questions = questions[: args.limit]
    settings = ChunkSettings(args.chunk_size, args.chunk_overlap)
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        lib = build_index(paragraphs, Path(tmp), settings)
        n_chunks = len(lib.chunks())
        print(f"indexed {len(paragraphs)} paragraphs as {n_chunks} chunks (size {settings.size}, overlap "
              f"{settings.overlap}) in {time.perf_counter() - t:.1f}s; {len(questions)} questions")
        print(f"{'retriever':<11} {'questions':<16} {'hit@1':>7} {'hit@5':>7} {'MRR@10':>7}")
        for strip in (False, True):
            for mode in args.modes.split(","):
                r = evaluate(lib, questions, mode, strip)
                label = "no diacritics" if strip else "as written"
                print(f"{mode:<11} {label:<16} {r['hit@1']:>7.3f} {r['hit@5']:>7.3f} {r['mrr@10']:>7.3f}", flush=True)
                results.append({"mode": mode, "questions": label, **r})
    if args.json:
        args.json.write_text(json.dumps({"chunking": settings.to_dict(), "results": results}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
