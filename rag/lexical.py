"""Lexical retrieval for Vietnamese: BM25 over syllables and syllable bigrams, with accents and without.

Vietnamese words are mostly one or two syllables separated by spaces ("hội nghị", "công an"), so
syllable unigrams plus adjacent bigrams approximate word segmentation well without a segmenter;
one-letter syllables ("ở", "ý", "à") are real words and are kept. Two BM25 indexes are built over
the same chunks: one on accented syllables, one on diacritic-folded syllables, so a query typed as
"tran quoc to yeu cau gi" still matches "Trần Quốc Tỏ yêu cầu gì". ``Lexicon`` restores accents of
an accent-less query from the corpus' own syllable and bigram counts, so the dense model can be
given the accented question too.
Left out: stemming (Vietnamese has no inflection), stop-word lists (BM25's IDF handles them).
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Sequence

import bm25s
import numpy as np

from rag.textnorm import fold, words


def tokens(text: str, folded: bool = False) -> list[str]:
    ws = words(text)
    if folded:
        ws = [fold(w) for w in ws]
    return ws + [f"{a}_{b}" for a, b in zip(ws, ws[1:])]


class BM25Index:
    """A bm25s index over a fixed list of texts; scores every document for a query."""

    def __init__(self, texts: Sequence[str], folded: bool, k1: float = 1.2, b: float = 0.75) -> None:
        self.folded = folded
        self.size = len(texts)
        self._bm25 = bm25s.BM25(k1=k1, b=b)
        if texts:
            self._bm25.index([tokens(t, folded) for t in texts], show_progress=False)

    def scores(self, query: str) -> np.ndarray:
        if not self.size:
            return np.zeros(0, dtype=np.float32)
        q = [t for t in tokens(query, self.folded) if t in self._bm25.vocab_dict]
        if not q:
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(self._bm25.get_scores(q), dtype=np.float32)


class Lexicon:
    """Accented forms of each folded syllable and bigram, counted over the indexed text."""

    def __init__(self, texts: Sequence[str]) -> None:
        uni: dict[str, Counter[str]] = defaultdict(Counter)
        bi: Counter[tuple[str, str]] = Counter()
        for t in texts:
            ws = words(t)
            for w in ws:
                uni[fold(w)][w] += 1
            bi.update(zip(ws, ws[1:]))
        self.uni = {f: c.most_common(8) for f, c in uni.items()}
        self.bi = bi

    def restore(self, query: str) -> str:
        """Best accented reading of an accent-less query (Viterbi over corpus bigram counts)."""
        qs = words(query)
        if not qs:
            return query
        cands = [self.uni.get(fold(w), [(w, 1)]) for w in qs]
        # score[i][cand] = best log-score of a path ending in cand at position i
        prev: dict[str, tuple[float, list[str]]] = {}
        for c, n in cands[0]:
            prev[c] = (math.log(n + 1), [c])
        for i in range(1, len(qs)):
            cur: dict[str, tuple[float, list[str]]] = {}
            for c, n in cands[i]:
                emit = math.log(n + 1)
                best = max(
                    ((s + emit + 3.0 * math.log1p(self.bi.get((p, c), 0)), path) for p, (s, path) in prev.items()),
                    key=lambda x: x[0],
                )
                cur[c] = (best[0], best[1] + [c])
            prev = cur
        return " ".join(max(prev.values(), key=lambda x: x[0])[1])
