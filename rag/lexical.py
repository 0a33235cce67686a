"""Lexical retrieval for Vietnamese: BM25 over syllables and syllable bigrams, with accents and without.

Vietnamese words are mostly one or two syllables separated by spaces ("hội nghị", "công an"), so
syllable unigrams plus adjacent bigrams approximate word segmentation well without a segmenter;
one-letter syllables ("ở", "ý", "à") are real words and are kept. Two BM25 indexes are built over
the same chunks: one on accented syllables, one on diacritic-folded syllables, so a query typed as
"tran quoc to yeu cau gi" still matches "Trần Quốc Tỏ yêu cầu gì". ``Lexicon`` restores accents of
an accent-less query from the corpus' own syllable and bigram counts, so the dense model can be
given the accented question too.

An index is made of immutable segments (``rag.segments``), each with its own lexical data, saved
when it is written (``rag.lexical_store``): ``Postings`` (term-major, with *raw* term frequencies and
document lengths), the lexicon's counts and the document frequencies. ``BM25`` scores a query over the
alive documents of several segments with the statistics of all of them (N, average length, each query
term's document frequency) computed at query time for the query's terms only, so the scores equal
those of one index built over the same documents. The lexicon and the document frequencies are sums
over segments looked up on demand; they still count the rows of a segment whose document was removed
or replaced since it was written, until a merge or compaction rewrites it (they only weigh words).
Left out: stemming (Vietnamese has no inflection), stop-word lists (BM25's IDF handles them).
"""

from __future__ import annotations

import json
import math
from collections import Counter, defaultdict
from collections.abc import Iterator, Mapping, Sequence
from functools import lru_cache
from itertools import chain
from pathlib import Path
from typing import Any

import numpy as np

from rag.textnorm import fold, words

# The format of the saved structures (rag.lexical_store) and the rules that make them: bump it
# whenever ``tokens``, ``words``/``fold`` (rag.textnorm), the BM25 parameters or the saved files
# change, so indexes written before are not read with other rules (tests/test_saved_structures.py
# pins the tokens).
LEXICAL_VERSION = "2"
LEXICAL_DIR = "lexical"
K1, B = 1.2, 0.75  # BM25 as in Lucene and bm25s


@lru_cache(maxsize=500_000)
def _fold_word(w: str) -> str:
    # A corpus has a few tens of thousands of distinct syllables but millions of occurrences.
    return fold(w)


def tokens(text: str, folded: bool = False) -> list[str]:
    ws = words(text)
    if folded:
        ws = [_fold_word(w) for w in ws]
    return ws + [f"{a}_{b}" for a, b in zip(ws, ws[1:])]


class Postings:
    """One segment's postings for BM25: for each term the (segment-local) documents holding it and the
    raw term frequency in each, plus every document's length. Built with numpy in one pass and saved
    as .npy arrays that load memory-mapped (a large index is paged in as queries touch it)."""

    def __init__(self, folded: bool, vocab: dict[str, int], indptr: np.ndarray, docs: np.ndarray,
                 tf: np.ndarray, lengths: np.ndarray) -> None:
        self.folded = folded
        self.vocab = vocab
        self.indptr = indptr  # term t's postings are docs[indptr[t]:indptr[t + 1]]
        self.docs = docs
        self.tf = tf
        self.lengths = lengths

    @classmethod
    def build(cls, token_lists: Sequence[Sequence[str]], folded: bool) -> Postings:
        flat = list(chain.from_iterable(token_lists))
        vocab = {t: i for i, t in enumerate(dict.fromkeys(flat))}  # ids in order of first occurrence
        ids = np.fromiter(map(vocab.__getitem__, flat), dtype=np.int64, count=len(flat))
        lengths = np.fromiter(map(len, token_lists), dtype=np.int64, count=len(token_lists))
        n, v = len(token_lists), len(vocab)
        if not len(ids):
            return cls(folded, vocab, np.zeros(v + 1, np.int64), np.zeros(0, np.int32), np.zeros(0, np.int32), lengths)
        doc_of = np.repeat(np.arange(n, dtype=np.int64), lengths)
        pairs, tf = np.unique(ids * n + doc_of, return_counts=True)  # sorted by term, then document
        indptr = np.concatenate([[0], np.cumsum(np.bincount(pairs // n, minlength=v))])
        return cls(folded, vocab, indptr, (pairs % n).astype(np.int32), tf.astype(np.int32), lengths)

    def save(self, folder: Path) -> None:
        for name in ("indptr", "docs", "tf", "lengths"):
            np.save(folder / f"{name}.npy", getattr(self, name))
        vocab = sorted(self.vocab, key=self.vocab.__getitem__)
        meta = {"size": len(self.lengths), "folded": self.folded, "vocab": vocab}
        (folder / "bm25.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> Postings:
        meta = json.loads((folder / "bm25.json").read_text(encoding="utf-8"))
        vocab = {t: i for i, t in enumerate(meta["vocab"])}
        indptr, docs, tf = (np.load(folder / f"{n}.npy", mmap_mode="r") for n in ("indptr", "docs", "tf"))
        lengths = np.load(folder / "lengths.npy")
        if len(lengths) != int(meta["size"]):
            raise ValueError(f"{folder}: {len(lengths)} document lengths for {meta['size']} documents")
        return cls(bool(meta["folded"]), vocab, indptr, docs, tf, lengths)


class BM25:
    """BM25 (Robertson/Lucene: k1=1.2, b=0.75, idf = ln(1 + (N - df + 0.5) / (df + 0.5))) over the alive
    documents of one or more segments. ``parts`` pairs each segment's postings with the global id of
    each of its documents (-1: dead, i.e. removed or replaced since the segment was written); N, the
    average length and each query term's df are those of the alive documents of all parts, so the
    scores equal a single index built over them (to float32 rounding: the same operations, in the
    same order, as a single build)."""

    def __init__(self, parts: Sequence[tuple[Postings, np.ndarray]], size: int, folded: bool,
                 k1: float = K1, b: float = B) -> None:
        self.folded = folded
        self.size = size
        total = sum(int(p.lengths[gid >= 0].sum()) for p, gid in parts)
        avgdl = max(total / size if size else 0.0, 1e-9)
        # per part: postings, global ids, each document's length normalisation, whether all are alive
        self._parts = [(p, gid, k1 * (1 - b + b * p.lengths / avgdl), bool((gid >= 0).all())) for p, gid in parts]

    def _term(self, t: str) -> tuple[np.ndarray, np.ndarray] | None:
        found = []
        df = 0
        for p, gid, norm, all_alive in self._parts:
            i = p.vocab.get(t)
            if i is None:
                continue
            lo, hi = int(p.indptr[i]), int(p.indptr[i + 1])
            d, tf = np.asarray(p.docs[lo:hi]), np.asarray(p.tf[lo:hi])
            g = gid[d]
            if not all_alive:
                keep = g >= 0
                g, d, tf = g[keep], d[keep], tf[keep]
            df += len(g)
            found.append((g, d, tf, norm))
        if not df:
            return None
        idf = np.log1p((self.size - np.int64(df) + 0.5) / (np.int64(df) + 0.5))
        ws = [(idf * tf / (norm[d] + tf)).astype(np.float32) for _, d, tf, norm in found]
        return np.concatenate([f[0] for f in found]), np.concatenate(ws)

    def scores(self, query: str) -> np.ndarray:
        """Every alive document's score (indexed by global id); a token repeated in the query counts
        each time, as in bm25s."""
        terms: dict[str, tuple[np.ndarray, np.ndarray] | None] = {}
        ids, weights = [], []
        for t in tokens(query, self.folded) if self.size else ():
            if t not in terms:
                terms[t] = self._term(t)
            hit = terms[t]
            if hit is not None:
                ids.append(hit[0])
                weights.append(hit[1])
        if not ids:
            return np.zeros(self.size, dtype=np.float32)
        return np.bincount(np.concatenate(ids), weights=np.concatenate(weights), minlength=self.size).astype(np.float32)


class Lexicon:
    """Accented forms of each folded syllable and bigram counts, over the indexed text of one or
    more segments (``merge``): lookups sum the segments' counts."""

    # per segment: the accented forms of each folded syllable (in order of first occurrence, with
    # their counts) and the bigram counts
    parts: list[tuple[dict[str, list[tuple[str, int]]], Counter[tuple[str, str]]]]

    def __init__(self, texts: Sequence[str] = ()) -> None:
        uni: dict[str, Counter[str]] = defaultdict(Counter)
        bi: Counter[tuple[str, str]] = Counter()
        for t in texts:
            ws = words(t)
            for w in ws:
                uni[_fold_word(w)][w] += 1
            bi.update(zip(ws, ws[1:]))
        self.parts = [({f: list(c.items()) for f, c in uni.items()}, bi)]

    @classmethod
    def merge(cls, lexicons: Sequence[Lexicon]) -> Lexicon:
        self = cls.__new__(cls)
        self.parts = [p for lx in lexicons for p in lx.parts]
        return self

    def to_json(self) -> dict[str, Any]:
        (uni, bi), = self.parts
        return {"uni": uni, "bi": [[a, b, n] for (a, b), n in bi.items()]}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Lexicon:
        self = cls.__new__(cls)
        uni = {f: [(w, int(n)) for w, n in forms] for f, forms in data["uni"].items()}
        self.parts = [(uni, Counter({(a, b): int(n) for a, b, n in data["bi"]}))]
        return self

    def forms(self, folded: str) -> list[tuple[str, int]] | None:
        """The 8 commonest accented forms of a folded syllable, with their counts (ties: the first seen)."""
        found = [forms for uni, _ in self.parts if (forms := uni.get(folded))]
        if not found:
            return None
        total: Counter[str] = Counter()
        for forms in found:
            for w, n in forms:
                total[w] += n
        return total.most_common(8)

    def pair(self, a: str, b: str) -> int:
        return sum(bi.get((a, b), 0) for _, bi in self.parts)

    def restore(self, query: str) -> str:
        """Best accented reading of an accent-less query (Viterbi over corpus bigram counts)."""
        qs = words(query)
        if not qs:
            return query
        cands = [self.forms(fold(w)) or [(w, 1)] for w in qs]
        # score[i][cand] = best log-score of a path ending in cand at position i
        prev: dict[str, tuple[float, list[str]]] = {}
        for c, n in cands[0]:
            prev[c] = (math.log(n + 1), [c])
        for i in range(1, len(qs)):
            cur: dict[str, tuple[float, list[str]]] = {}
            for c, n in cands[i]:
                emit = math.log(n + 1)
                best = max(
                    ((s + emit + 3.0 * math.log1p(self.pair(p, c)), path) for p, (s, path) in prev.items()),
                    key=lambda x: x[0],
                )
                cur[c] = (best[0], best[1] + [c])
            prev = cur
        return " ".join(max(prev.values(), key=lambda x: x[0])[1])


class SummedCounts(Mapping[str, int]):
    """Several segments' document frequencies as one mapping, summed on lookup."""

    def __init__(self, parts: Sequence[Mapping[str, int]]) -> None:
        self.parts = parts

    def __getitem__(self, key: str) -> int:
        n = sum(p.get(key, 0) for p in self.parts)
        if not n and not any(key in p for p in self.parts):
            raise KeyError(key)
        return n

    def get(self, key: str, default: Any = None) -> Any:
        n = sum(p.get(key, 0) for p in self.parts)
        return n if n or any(key in p for p in self.parts) else default

    def __iter__(self) -> Iterator[str]:
        return iter(dict.fromkeys(k for p in self.parts for k in p))

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def __bool__(self) -> bool:
        return any(self.parts)


def document_frequencies(texts: Sequence[str]) -> Counter[str]:
    """In how many of ``texts`` each folded syllable and bigram occurs (the extractive answerer's IDF)."""
    df: Counter[str] = Counter()
    for t in texts:
        df.update(set(tokens(t, folded=True)))
    return df


def bm25_texts(titles: Sequence[str], texts: Sequence[str]) -> list[str]:
    """What BM25 indexes for a chunk: its article title, then its text."""
    return [a + "\n" + b for a, b in zip(titles, texts)]


def build_postings(titles: Sequence[str], texts: Sequence[str], folded: bool) -> Postings:
    return Postings.build([tokens(t, folded) for t in bm25_texts(titles, texts)], folded=folded)


def build_bm25(titles: Sequence[str], texts: Sequence[str], folded: bool) -> BM25:
    """A fresh BM25 over these chunks, as one segment with every document alive."""
    p = build_postings(titles, texts, folded)
    return BM25([(p, np.arange(len(texts), dtype=np.int64))], len(texts), folded)
