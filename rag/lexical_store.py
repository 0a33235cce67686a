"""A segment's saved lexical data (see ``rag.lexical`` for what it is and how it is scored).

``save_lexical`` writes it into ``<segment>/lexical/`` when a segment is written: BM25 postings of the
accented and the folded tokens (``Postings``, .npy arrays loaded memory-mapped), ``lexicon.json``
(accented forms of each folded syllable and bigram counts), ``df.json`` (document frequencies for the
extractive answerer) and, last, ``version.json`` (the rules that wrote it and the number of chunks:
a folder without it, from a crash mid-way or another version, is never read). When a commit merges
segments, their saved data is merged (``Reuse``): postings of the rows kept are concatenated, the
counts of the rows dropped are taken off, and only the new chunks are tokenised, so a merge costs
little more than writing its files. The result equals building from the merged chunks' texts, but for
the order of accented forms with equal counts.
"""

from __future__ import annotations

import json
import os
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from rag.lexical import LEXICAL_DIR, LEXICAL_VERSION, Lexicon, Postings, _fold_word
from rag.textnorm import words


def _bigrams(ws: list[str]) -> list[str]:
    return ws + [f"{a}_{b}" for a, b in zip(ws, ws[1:])]


def _analyse(titles: Sequence[str], texts: Sequence[str]) -> tuple[
        list[list[str]], list[list[str]], Counter[str], dict[str, Counter[str]], Counter[tuple[str, str]]]:
    """Each text split into words once: the accented and folded BM25 tokens of each chunk (title, then
    text), and the counts the lexicon and the answerer use (of the texts only): document frequencies,
    accented forms of each folded syllable (in order of first occurrence), bigrams."""
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
    return accented, folded, df, uni, bi


@dataclass(frozen=True)
class Reuse:
    """A segment's lexical data carried into a merged segment: its rows ``alive`` (local ids, in
    order) are kept, the counts of the texts of the others (``dead_texts``) are taken off."""

    accented: Postings
    folded: Postings
    lexicon: Lexicon
    df: Mapping[str, int]
    alive: np.ndarray
    dead_texts: Sequence[str]


def merge_postings(parts: Sequence[tuple[Postings, np.ndarray]], folded: bool) -> Postings:
    """The postings of the rows ``alive`` of each part, one after the other, as one segment's: equal
    to building them from those rows' tokens (terms held by no kept row are dropped).

    Placed by counting, not sorted: a term's postings are those of each part in turn, and a part's
    postings of one term are contiguous and ascending, so each kept posting's place is known from
    the counts. Peak memory is the result plus one part's int32 temporaries, a third of
    concatenating every part and sorting (which made merging at 100k chunks peak at 2.4 GB)."""
    vocab: dict[str, int] = {}
    ids_of: list[np.ndarray] = []  # per part: the merged vocabulary id of each of its terms
    new_docs: list[np.ndarray] = []  # per part: the new local id of each of its rows, -1 when dropped
    counts = np.zeros(0, dtype=np.int64)
    kept: list[np.ndarray] = []  # per part: kept postings of each of its terms
    offset = 0
    for p, alive in parts:
        new_doc = np.full(len(p.lengths), -1, dtype=np.int32)
        new_doc[alive] = np.arange(offset, offset + len(alive), dtype=np.int32)
        offset += len(alive)
        ids = np.fromiter((vocab.setdefault(t, len(vocab)) for t in p.vocab), dtype=np.int64, count=len(p.vocab))
        running = np.concatenate([[0], np.cumsum(new_doc[np.asarray(p.docs)] >= 0)])
        indptr = np.asarray(p.indptr)
        n_kept = running[indptr[1:]] - running[indptr[:-1]]
        counts = np.concatenate([counts, np.zeros(len(vocab) - len(counts), dtype=np.int64)])
        counts[ids] += n_kept  # a part's terms are distinct
        ids_of.append(ids)
        new_docs.append(new_doc)
        kept.append(n_kept)
    used = counts > 0
    if not used.all():
        vocab = {t: i for i, t in enumerate(t for t, u in zip(vocab, used.tolist()) if u)}
    indptr_out = np.concatenate([[0], np.cumsum(counts[used])]).astype(np.int64)
    # where the next posting of each (merged, unused ones included) term goes
    cursor = np.zeros(len(counts), dtype=np.int64)
    cursor[used] = indptr_out[:-1]
    total = int(indptr_out[-1])
    docs_out, tf_out = np.empty(total, dtype=np.int32), np.empty(total, dtype=np.int32)
    for (p, _), ids, new_doc, n_kept in zip(parts, ids_of, new_docs, kept):
        d = new_doc[np.asarray(p.docs)]
        keep = d >= 0
        term = np.repeat(np.arange(len(ids), dtype=np.int32), n_kept)  # local term of each kept posting
        first = np.concatenate([[0], np.cumsum(n_kept)[:-1]])  # its first kept posting's rank
        at = cursor[ids][term]  # in place from here: these arrays are as long as the part's postings
        at -= first[term]
        at += np.arange(len(term))
        docs_out[at] = d[keep]
        tf_out[at] = np.asarray(p.tf)[keep]
        cursor[ids] += n_kept
    lengths = [np.asarray(p.lengths, dtype=np.int64)[alive] for p, alive in parts]
    size = np.concatenate(lengths) if lengths else np.zeros(0, np.int64)
    return Postings(folded, vocab, indptr_out, docs_out, tf_out, size)


def _combine(parts: Sequence[Mapping[Any, int]], minus: Mapping[Any, int]) -> Counter[Any]:
    total: Counter[Any] = Counter()
    for p in parts:
        total.update(p)
    total.subtract(minus)
    return +total  # drops what fell to zero


def save_lexical(folder: Path, titles: Sequence[str], texts: Sequence[str], reuse: Sequence[Reuse] = ()) -> None:
    """Build and write the lexical data of one segment into ``folder/lexical``: the alive rows of the
    ``reuse`` segments (merged from their data, not re-tokenised), then the chunks ``titles``/``texts``.

    Each new text is split into words once; the results equal ``build_postings``, ``Lexicon`` and
    ``document_frequencies`` over all the segment's chunks."""
    out = folder / LEXICAL_DIR
    out.mkdir()
    accented, folded, df, uni, bi = _analyse(titles, texts)
    postings = [Postings.build(accented, False), Postings.build(folded, True)]
    if reuse:
        new_rows = np.arange(len(texts), dtype=np.int64)
        postings = [merge_postings([(r.folded if f else r.accented, r.alive) for r in reuse] + [(postings[f], new_rows)], f)
                    for f in (False, True)]
        _, _, dead_df, dead_uni, dead_bi = _analyse([""] * sum(len(r.dead_texts) for r in reuse),
                                                    [t for r in reuse for t in r.dead_texts])
        df = _combine([r.df for r in reuse] + [df], dead_df)
        bi = _combine([p[1] for r in reuse for p in r.lexicon.parts] + [bi], dead_bi)
        forms: dict[str, list[Mapping[str, int]]] = defaultdict(list)
        for part in [p[0] for r in reuse for p in r.lexicon.parts]:
            for f, ws in part.items():
                forms[f].append(dict(ws))
        for f, c in uni.items():
            forms[f].append(c)
        uni = {f: c for f, cs in forms.items() if (c := _combine(cs, dead_uni.get(f, {})))}
    for name, p in zip(("accented", "folded"), postings):
        sub = out / f"bm25-{name}"
        sub.mkdir()
        p.save(sub)
    lexicon = Lexicon()
    lexicon.parts = [({f: list(c.items()) for f, c in uni.items()}, bi)]
    (out / "lexicon.json").write_text(json.dumps(lexicon.to_json(), ensure_ascii=False), encoding="utf-8")
    (out / "df.json").write_text(json.dumps(df, ensure_ascii=False), encoding="utf-8")
    # written last: a folder without it (a crash mid-way, or another version) is never read
    n = sum(len(r.alive) for r in reuse) + len(texts)
    (out / "version.json").write_text(json.dumps({"version": LEXICAL_VERSION, "chunks": n}))
    for path in [*out.rglob("*"), out]:
        fd = os.open(path, os.O_RDONLY)
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


def load_postings(out: Path, folded: bool) -> Postings:
    return Postings.load(out / f"bm25-{'folded' if folded else 'accented'}")


def load_lexicon(out: Path) -> Lexicon:
    return Lexicon.from_json(json.loads((out / "lexicon.json").read_text(encoding="utf-8")))


def load_df(out: Path) -> Counter[str]:
    return Counter(json.loads((out / "df.json").read_text(encoding="utf-8")))
