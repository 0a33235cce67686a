"""Hybrid retrieval: dense (FAISS) + BM25 (accented and diacritic-folded), fused by score.

Fusion is a convex combination of min-max normalised scores over each retriever's top
candidates (dense weight 1, the two BM25 lists 0.5 each, so dense and lexical count equally).
On XQuAD-vi it beat reciprocal-rank fusion at hit@1 (0.957 vs 0.939, see eval/README.md), as
Bruch et al. (2023, "An Analysis of Fusion Functions for Hybrid Retrieval") found on English
sets: RRF throws away how far ahead the best candidate is. RRF stays available (``fusion="rrf"``).

A query typed without any Vietnamese diacritics is first given back its accents from the corpus'
own vocabulary (``Lexicon.restore``) so the dense model sees real Vietnamese; the folded BM25 index
matches the query as typed. Filters restrict the search to some source files and to a date range
(an article known only by a period such as "6 tháng đầu năm 2022" counts as that period's range).
Left out: cross-encoder re-ranking (no offline Vietnamese re-ranker ships on PyPI).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from rag.acronyms import with_expansions
from rag.embedders import Embedder
from rag.lexical import BM25, Lexicon
from rag.textnorm import has_diacritics
from rag.types import Hit
from rag.view import IndexView

RRF_K = 60
CANDIDATES = 100


@dataclass(frozen=True)
class Filters:
    sources: tuple[str, ...] | None = None
    date_from: str | None = None  # ISO yyyy-mm-dd, inclusive
    date_to: str | None = None

    @property
    def active(self) -> bool:
        return bool(self.sources) or bool(self.date_from) or bool(self.date_to)


_PERIOD_RANGES = {
    "6 tháng đầu năm": ("01-01", "06-30"),
    "6 tháng cuối năm": ("07-01", "12-31"),
    "3 tháng đầu năm": ("01-01", "03-31"),
    "9 tháng đầu năm": ("01-01", "09-30"),
    "quý I": ("01-01", "03-31"),
    "quý II": ("04-01", "06-30"),
    "quý III": ("07-01", "09-30"),
    "quý IV": ("10-01", "12-31"),
    "năm": ("01-01", "12-31"),
}


def period_range(period: str | None) -> tuple[str, str] | None:
    if not period:
        return None
    m = re.search(r"(\d{4})", period)
    if not m:
        return None
    year = m.group(1)
    head = period[: m.start()].strip().lower()
    for key, (a, b) in _PERIOD_RANGES.items():
        if head == key.lower():
            return f"{year}-{a}", f"{year}-{b}"
    return f"{year}-01-01", f"{year}-12-31"


def _in_range(lo: str, hi: str, f: Filters) -> bool:
    return not ((f.date_from and hi < f.date_from) or (f.date_to and lo > f.date_to))


def allowed_ids(view: IndexView, f: Filters) -> np.ndarray | None:
    if not f.active:
        return None
    wanted = set(f.sources) if f.sources else None
    keep: list[int] = []
    ranges: dict[tuple[str, int], tuple[str, str] | None] = {}
    for src, rec in view.records.items():
        for art in rec.articles:
            ranges[(src, art.index)] = (art.date, art.date) if art.date else period_range(art.period)
    for c in view.chunks:
        if wanted is not None and c.source not in wanted:
            continue
        if f.date_from or f.date_to:
            r = ranges.get((c.source, c.article))
            if r is None or not _in_range(r[0], r[1], f):
                continue
        keep.append(c.id)
    return np.asarray(keep, dtype=np.int64)


class HybridRetriever:
    """Searches one generation. Its lexical structures are the view's, built once per generation."""

    name = "hybrid"

    def __init__(self, view: IndexView, embedder: Embedder, mode: str = "hybrid", fusion: str = "minmax") -> None:
        self.view = view
        self.snap = view.snap
        self.embedder = embedder
        self.mode = mode  # "hybrid", "dense" or "bm25" (the latter two for evaluation)
        self.fusion = fusion  # "minmax" (default) or "rrf"

    def bm25(self, folded: bool) -> BM25:
        return self.view.bm25(folded)

    def lexicon(self) -> Lexicon:
        return self.view.lexicon()

    def prepare(self) -> None:
        """Build the search structures now (servers call this at start, not on the first query)."""
        self.view.prepare()

    def dense_query(self, query: str) -> str:
        return query if has_diacritics(query) else self.lexicon().restore(query)

    def search(self, query: str, k: int = 5, filters: Filters | None = None) -> list[Hit]:
        snap = self.snap
        if not snap.chunks or not query.strip():
            return []
        f = filters or Filters()
        allowed = allowed_ids(self.view, f)
        if allowed is not None and len(allowed) == 0:
            return []
        n_cand = max(CANDIDATES, k)
        lists: list[tuple[str, np.ndarray, np.ndarray, float]] = []
        dq = self.dense_query(query)
        if self.mode in ("hybrid", "dense"):
            qv = self.embedder.embed_queries([dq])[0]
            ids, scores = snap.search(qv, n_cand, allowed)
            lists.append(("dense", ids, scores, 1.0))
        if self.mode in ("hybrid", "bm25"):
            mask = None
            if allowed is not None:
                mask = np.zeros(len(snap.chunks), dtype=bool)
                mask[allowed] = True
            # Accented BM25 on what the user typed (or its restored accents); folded BM25 always,
            # so a query with partial accents or a rare name still matches.
            for name, folded, q in (("bm25", False, dq), ("bm25_folded", True, query)):
                s = self.bm25(folded).scores(with_expansions(q))  # "bảo hiểm xã hội" finds "BHXH", and back
                if mask is not None:
                    s = np.where(mask, s, 0.0)
                top = np.argsort(-s)[:n_cand]
                top = top[s[top] > 0]
                lists.append((name, top.astype(np.int64), s[top], 0.5))
        fused: dict[int, float] = {}
        per: dict[int, dict[str, float]] = {}
        for name, ids, scores, w in lists:
            if len(scores) == 0:
                continue
            lo, hi = float(scores.min()), float(scores.max())
            for rank, (i, sc) in enumerate(zip(ids.tolist(), scores.tolist())):
                if self.fusion == "rrf":
                    contrib = w / (RRF_K + rank + 1)
                else:
                    contrib = w * ((sc - lo) / (hi - lo) if hi > lo else 1.0)
                fused[i] = fused.get(i, 0.0) + contrib
                per.setdefault(i, {})[name] = float(sc)
        order = sorted(fused, key=lambda i: -fused[i])[:k]
        return [Hit(r + 1, fused[i], snap.chunks[i], per[i]) for r, i in enumerate(order)]
