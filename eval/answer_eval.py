"""Extractive answer evaluation on XQuAD-vi, and calibration of the "not found" threshold.

For each question the real pipeline retrieves passages and the extractive answerer picks
sentences. Reported: how often an answer is given when the paragraph is in the index, how often
the quoted sentences contain the gold answer span, and, with every paragraph of the question's
own article filtered out of the search (so the answer is not in the searchable documents), how
often it wrongly answers instead of saying "not found". The coverage table shows both rates for
other thresholds (``MIN_COVERAGE`` in rag/extractive.py).

    python -m eval.answer_eval [--limit N]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

from rag.chunking import ChunkSettings
from rag.extractive import MIN_COVERAGE
from rag.retrieval import Filters
from rag.textnorm import fold

from .retrieval_eval import DEFAULT_DATA, build_index


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--workdir", type=Path, help="keep the XQuAD index here and reuse it (default: a temporary folder)")
    args = ap.parse_args(argv)
    data = json.loads(args.data.read_text(encoding="utf-8"))
    paragraphs: list[str] = []
    article_of: list[int] = []
    items: list[tuple[str, int, list[str]]] = []
    for ai, art in enumerate(data["data"]):
        for p in art["paragraphs"]:
            paragraphs.append(p["context"])
            article_of.append(ai)
            for qa in p["qas"]:
                items.append((qa["question"], len(paragraphs) - 1, [a["text"] for a in qa["answers"]]))
    if args.limit:
        items = items[:: max(1, len(items) // args.limit)][: args.limit]
    with tempfile.TemporaryDirectory() as tmp:
        lib = build_index(paragraphs, args.workdir or Path(tmp), ChunkSettings())
        ans = lib.extractive()
        sources = {int(Path(d.source).stem[1:]): d.source for d in lib.documents()}
        pos_cov: list[float] = []
        neg_cov: list[float] = []
        contains = found = wrong = 0
        for q, gold, answers in items:
            hits = lib.search(q, k=5)
            scored = ans.score_sentences(q, hits)
            pos_cov.append(scored[0][0] if scored else 0.0)
            a = ans.answer(q, hits)
            if a.found:
                found += 1
                if any(fold(x) in fold(a.answer) for x in answers):
                    contains += 1
            others = tuple(s for pid, s in sources.items() if article_of[pid] != article_of[gold])
            neg_hits = lib.search(q, k=5, filters=Filters(sources=others))
            scored = ans.score_sentences(q, neg_hits)
            neg_cov.append(scored[0][0] if scored else 0.0)
            if ans.answer(q, neg_hits).found:
                wrong += 1
    n = len(items)
    print(f"{n} questions; MIN_COVERAGE = {MIN_COVERAGE}")
    print(f"answered when the paragraph is indexed:     {found / n:.3f}")
    print(f"answer quotes the gold answer span:          {contains / n:.3f}")
    print(f"answered when the article is filtered out:   {wrong / n:.3f}  (should be low)")
    print("\nthreshold  answered(in index)  answered(not in index)")
    for t in (0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6):
        print(f"{t:>9.2f}  {sum(c >= t for c in pos_cov) / n:>18.3f}  {sum(c >= t for c in neg_cov) / n:>22.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
