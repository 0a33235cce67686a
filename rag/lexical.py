"""Lexical retrieval for Vietnamese: BM25 over syllables and syllable bigrams, with accents and without.

Vietnamese words are mostly one or two syllables separated by spaces ("hội nghị", "công an"), so
syllable unigrams plus adjacent bigrams approximate word segmentation well without a segmenter;
one-letter syllables ("ở", "ý", "à") are real words and are kept. Two BM25 indexes are built over
the same chunks: one on accented syllables, one on diacritic-folded syllables, so a query typed as
"tran quoc to yeu cau gi" still matches "Trần Quốc Tỏ yêu cầu gì". ``Lexicon`` restores accents of
an accent-less query from the corpus' own syllable and bigram counts, so the dense model can be
given the accented question too.
All three structures (the two BM25 indexes, the lexicon and the document frequencies the
extractive answerer weighs words with) are built once per generation when the index is written
(``save_lexical``) and loaded, memory-mapped, by every process that opens it (``load_lexical``),
so a cold ``rag ask`` does not re-tokenise the corpus. Files written by another version of these
rules (``LEXICAL_VERSION``) are ignored and the structures rebuilt in memory.
Left out: stemming (Vietnamese has no inflection), stop-word lists (BM25's IDF handles them),
incremental updates (a generation's structures are written whole).
"""

from __future__ import annotations

import json
import math
import os
from collections import Counter, defaultdict
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from rag.textnorm import fold, words

# The format of the saved structures and the rules that make them: bump it whenever ``tokens``,
# ``words``/``fold`` (rag.textnorm), the BM25 parameters or the saved files change, so indexes
# written before are not read with other rules (tests/test_saved_structures.py pins the tokens).
LEXICAL_VERSION = "1"
LEXICAL_DIR = "lexical"


@lru_cache(maxsize=500_000)
def _fold_word(w: str) -> str:
    # A corpus has a few tens of thousands of distinct syllables but millions of occurrences.
    return fold(w)


def tokens(text: str, folded: bool = False) -> list[str]:
    ws = words(text)
    if folded:
        ws = [_fold_word(w) for w in ws]
    return ws + [f"{a}_{b}" for a, b in zip(ws, ws[1:])]


class BM25Index:
    """BM25 (Robertson/Lucene: k1=1.2, b=0.75, idf = ln(1 + (N - df + 0.5) / (df + 0.5))) over a fixed
    list of token lists; scores every document for a query.

    Stored term-major, as bm25s does: for each term, the documents holding it and its precomputed
    score in each, so a query is a sum of a few slices. Built with numpy in one pass (no per-document
    Python loop besides mapping tokens to ids) and saved as .npy arrays that load memory-mapped.
    """

    def __init__(self, folded: bool, vocab: dict[str, int], indptr: np.ndarray, docs: np.ndarray,
                 scores: np.ndarray, size: int) -> None:
        self.folded = folded
        self.vocab = vocab
        self.size = size
        self._indptr = indptr  # term t's postings are docs[indptr[t]:indptr[t + 1]]
        self._docs = docs
        self._scores = scores

    @classmethod
    def build(cls, token_lists: Sequence[Sequence[str]], folded: bool, k1: float = 1.2, b: float = 0.75) -> BM25Index:
        vocab: dict[str, int] = {}
        ids = np.fromiter((vocab.setdefault(t, len(vocab)) for ts in token_lists for t in ts), dtype=np.int64)
        lengths = np.fromiter((len(ts) for ts in token_lists), dtype=np.int64, count=len(token_lists))
        n, v = len(token_lists), len(vocab)
        if not len(ids):
            return cls(folded, vocab, np.zeros(v + 1, dtype=np.int64), np.zeros(0, np.int32), np.zeros(0, np.float32), n)
        doc_of = np.repeat(np.arange(n, dtype=np.int64), lengths)
        pairs, tf = np.unique(ids * n + doc_of, return_counts=True)  # sorted by term, then document
        term, doc = pairs // n, pairs % n
        df = np.bincount(term, minlength=v)
        idf = np.log1p((n - df + 0.5) / (df + 0.5))
        norm = k1 * (1 - b + b * lengths / max(float(lengths.mean()), 1e-9))
        scores = idf[term] * tf / (norm[doc] + tf)
        indptr = np.concatenate([[0], np.cumsum(df)])
        return cls(folded, vocab, indptr, doc.astype(np.int32), scores.astype(np.float32), n)

    def save(self, folder: Path) -> None:
        np.save(folder / "indptr.npy", self._indptr)
        np.save(folder / "docs.npy", self._docs)
        np.save(folder / "scores.npy", self._scores)
        vocab = sorted(self.vocab, key=self.vocab.__getitem__)
        meta = {"size": self.size, "folded": self.folded, "vocab": vocab}
        (folder / "bm25.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> BM25Index:
        meta = json.loads((folder / "bm25.json").read_text(encoding="utf-8"))
        vocab = {t: i for i, t in enumerate(meta["vocab"])}
        # memory-mapped: a large index is paged in as queries touch it, not read whole at start
        indptr, docs, scores = (np.load(folder / f"{n}.npy", mmap_mode="r") for n in ("indptr", "docs", "scores"))
        return cls(bool(meta["folded"]), vocab, indptr, docs, scores, int(meta["size"]))

    def scores(self, query: str) -> np.ndarray:
        ids = [self.vocab[t] for t in tokens(query, self.folded) if t in self.vocab]
        if not ids or not self.size:
            return np.zeros(self.size, dtype=np.float32)
        # a token repeated in the query counts each time, as in bm25s
        docs = np.concatenate([self._docs[self._indptr[i] : self._indptr[i + 1]] for i in ids])
        weights = np.concatenate([self._scores[self._indptr[i] : self._indptr[i + 1]] for i in ids])
        return np.bincount(docs, weights=weights, minlength=self.size).astype(np.float32)


class Lexicon:
    """Accented forms of each folded syllable and bigram, counted over the indexed text."""

    def __init__(self, texts: Sequence[str]) -> None:
        uni: dict[str, Counter[str]] = defaultdict(Counter)
        bi: Counter[tuple[str, str]] = Counter()
        for t in texts:
            ws = words(t)
            for w in ws:
                uni[_fold_word(w)][w] += 1
            bi.update(zip(ws, ws[1:]))
        self.uni = {f: c.most_common(8) for f, c in uni.items()}
        self.bi = bi

    def to_json(self) -> dict[str, Any]:
        return {"uni": self.uni, "bi": [[a, b, n] for (a, b), n in self.bi.items()]}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Lexicon:
        self = cls.__new__(cls)
        self.uni = {f: [(w, int(n)) for w, n in forms] for f, forms in data["uni"].items()}
        self.bi = Counter({(a, b): int(n) for a, b, n in data["bi"]})
        return self

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


def document_frequencies(texts: Sequence[str]) -> Counter[str]:
    """In how many of ``texts`` each folded syllable and bigram occurs (the extractive answerer's IDF)."""
    df: Counter[str] = Counter()
    for t in texts:
        df.update(set(tokens(t, folded=True)))
    return df


def bm25_texts(titles: Sequence[str], texts: Sequence[str]) -> list[str]:
    """What BM25 indexes for a chunk: its article title, then its text."""
    return [a + "\n" + b for a, b in zip(titles, texts)]


def _bigrams(ws: list[str]) -> list[str]:
    return ws + [f"{a}_{b}" for a, b in zip(ws, ws[1:])]


def save_lexical(folder: Path, titles: Sequence[str], texts: Sequence[str]) -> None:
    """Build and write the lexical structures of one generation's chunks into ``folder/lexical``.

    Each text is split into words once; the four structures are derived from those words (the
    results equal ``BM25Index.build(tokens(title + "\n" + text))``, ``Lexicon(texts)`` and
    ``document_frequencies(texts)``)."""
    out = folder / LEXICAL_DIR
    out.mkdir()
    title_words: dict[str, list[str]] = {}
    accented: list[list[str]] = []
    folded: list[list[str]] = []
    df: Counter[str] = Counter()
    uni: dict[str, Counter[str]] = defaultdict(Counter)
    bi: Counter[tuple[str, str]] = Counter()
    for title, text in zip(titles, texts):
        tw = title_words.get(title)
        if tw is None:
            tw = title_words[title] = words(title)
        ws = words(text)
        fws = [_fold_word(w) for w in ws]
        ftw = [_fold_word(w) for w in tw]
        accented.append(_bigrams(tw + ws))
        folded.append(_bigrams(ftw + fws))
        df.update(set(_bigrams(fws)))
        for w, f in zip(ws, fws):
            uni[f][w] += 1
        bi.update(zip(ws, ws[1:]))
    for name, lists, is_folded in (("accented", accented, False), ("folded", folded, True)):
        sub = out / f"bm25-{name}"
        sub.mkdir()
        BM25Index.build(lists, folded=is_folded).save(sub)
    lexicon = Lexicon.from_json({"uni": {f: c.most_common(8) for f, c in uni.items()}, "bi": []})
    lexicon.bi = bi
    (out / "lexicon.json").write_text(json.dumps(lexicon.to_json(), ensure_ascii=False), encoding="utf-8")
    (out / "df.json").write_text(json.dumps(df, ensure_ascii=False), encoding="utf-8")
    # written last: a folder without it (a crash mid-way, or another version) is never read
    (out / "version.json").write_text(json.dumps({"version": LEXICAL_VERSION, "chunks": len(texts)}))
    for p in [*out.rglob("*"), out]:
        fd = os.open(p, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def saved_lexical(folder: Path, n_chunks: int) -> Path | None:
    """``folder/lexical`` when it was written by these rules for ``n_chunks`` chunks, else None."""
    out = folder / LEXICAL_DIR
    try:
        meta = json.loads((out / "version.json").read_text())
    except (OSError, ValueError):
        return None
    return out if meta.get("version") == LEXICAL_VERSION and meta.get("chunks") == n_chunks else None


def build_bm25(titles: Sequence[str], texts: Sequence[str], folded: bool) -> BM25Index:
    return BM25Index.build([tokens(t, folded) for t in bm25_texts(titles, texts)], folded=folded)


def load_bm25(out: Path, folded: bool) -> BM25Index:
    return BM25Index.load(out / f"bm25-{'folded' if folded else 'accented'}")


def load_lexicon(out: Path) -> Lexicon:
    return Lexicon.from_json(json.loads((out / "lexicon.json").read_text(encoding="utf-8")))


def load_df(out: Path) -> Counter[str]:
    return Counter(json.loads((out / "df.json").read_text(encoding="utf-8")))
