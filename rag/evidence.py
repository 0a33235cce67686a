"""The evidence an extractive answer is drawn from.

``Pool``: the retrieved passages and, for broad and list questions, the other chunks of their articles,
with their sentences (``rag.sentences``), titles and leads. ``Cand``: one candidate sentence with its
coverage of the question's words. Then the rules on candidates: a broad question's score of a sentence,
whether it stays in the years and periods asked, the sentences of the meeting's direction, near-duplicates,
the items of an enumerating sentence and the sentences that continue an announced list.
Left out: how a sentence serves a question's type (``rag.cues``), choosing and composing the answer
(``rag.extractive``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from rag.cues import NAME_LIST, aspect_cue
from rag.enumeration import announces, items_after
from rag.question import COMPARED, PLAN, Question, Scope, scopes_in
from rag.sentences import Sentence, passage_sentences
from rag.textnorm import fold, words
from rag.types import Chunk, Hit

MIN_OWN_COVERAGE = 0.15  # the share of the question's words a sentence itself must hold, not only its context
ArticleChunks = Callable[[str, int], Sequence[Chunk]]  # (source, article) -> its chunks in order


@dataclass(frozen=True)
class Cand:
    p: int  # index of the passage (retrieved hit or a neighbour of one) the sentence is in
    sent: Sentence
    cov: float  # share of the question's words in the sentence, those in its context counting half
    own: float  # share in the sentence itself
    what: float  # share in the sentence of the words that say what is asked (not where or when)
    score: float
    pos: int  # offset in the source text: document order and duplicates across overlapping chunks


class Pool:
    """The passages an answer may quote: the hits, then the other chunks of their articles."""

    def __init__(self, hits: Sequence[Hit], article_chunks: ArticleChunks | None, widen: bool) -> None:
        self.passages: list[Hit] = list(hits)
        self.n_hits = len(hits)
        self.article_chunks = article_chunks
        seen = {(h.chunk.source, h.chunk.start) for h in hits}
        self.order: list[tuple[str, int]] = list(dict.fromkeys((h.chunk.source, h.chunk.article) for h in hits))
        if widen and article_chunks is not None:
            for key in self.order[:3]:
                for c in article_chunks(*key):
                    if (c.source, c.start) not in seen:
                        seen.add((c.source, c.start))
                        self.passages.append(Hit(len(self.passages) + 1, 0.0, c))
        self.sentences = [passage_sentences(h.chunk.text, h.chunk.title) for h in self.passages]
        self.titles = {(h.chunk.source, h.chunk.article): h.chunk.title for h in self.passages}
        self._leads: dict[tuple[str, int], str] = {}
        self._texts: dict[tuple[str, int], str] = {}

    def article(self, p: int) -> tuple[str, int]:
        c = self.passages[p].chunk
        return c.source, c.article

    def lead(self, key: tuple[str, int]) -> str:
        """The article's opening (its first 600 characters: title, dateline, lead sentence)."""
        if key not in self._leads:
            self._leads[key] = self._lead(key)
        return self._leads[key]

    def _lead(self, key: tuple[str, int]) -> str:
        chunks = self.article_chunks(*key) if self.article_chunks else ()
        if not chunks:
            chunks = sorted((h.chunk for h in self.passages if (h.chunk.source, h.chunk.article) == key), key=lambda c: c.start)
        out = ""
        for c in chunks:
            out += c.text[max(0, len(out) - (c.start - chunks[0].start)) :] if out else c.text
            if len(out) >= 600:
                break
        return out[:600]

    def article_text(self, key: tuple[str, int]) -> str:
        """The text of the article's passages in the pool (all of it when the pool was widened)."""
        if key not in self._texts:
            self._texts[key] = "\n".join(h.chunk.text for h in self.passages if (h.chunk.source, h.chunk.article) == key)
        return self._texts[key]

    def rank(self, p: int) -> int:
        """A retrieved passage's rank (0 = best); the neighbours added after them rank last."""
        return p if p < self.n_hits else self.n_hits


def typed(text: str, folded: str) -> str:
    """``folded`` as the user typed it in ``text`` (folding keeps offsets)."""
    at = fold(text).find(folded)
    return text[at : at + len(folded)] if at >= 0 else folded


def aspect_score(qa: Question, c: Cand, cue: float | None = None) -> float:
    """How well a sentence serves a broad question: its aspect's cues and its coverage of the topic."""
    cue = aspect_cue(qa, c.sent) if cue is None else cue
    # what the sentence itself says of the question's topic counts again: "tình hình cháy rừng từ đầu mùa
    # khô" is answered by the sentence on fires since the dry season began, not the one with most figures
    return cue + c.cov + 0.25 * c.own if cue > 0 or c.own >= MIN_OWN_COVERAGE else 0.0


def in_scope(s: Sentence, scopes: Sequence[Scope], strict: Sequence[Scope], planned: bool = False) -> bool:
    """A sentence that names other years (or periods) than the question's does not answer it."""
    if not scopes:
        return True
    # "giảm 5,6% so với năm 2023" is about this year; "... lập phương án xử lý trong quý I/2025" plans
    # ahead: not another year the sentence reports on, though it does name the year it plans for
    # ("... tổng kết năm 2025, triển khai nhiệm vụ năm 2026" does not report on 2026)
    named = scopes_in(COMPARED.sub(" ", s.text if planned else PLAN.sub(" ", s.text)))
    years = {x.year for x in scopes_in(_AHEAD.sub(" ", COMPARED.sub(" ", s.text))) if x.year}
    for sc in scopes:
        if sc.year and years and sc.year not in years:
            return False
        # (a year asked is named by that year: "6 tháng đầu năm" of a report on another year is not it)
        if sc in strict and not any((x.year == sc.year) if sc.period is None else
                                    (x.year in (None, sc.year) and x.period == sc.period) for x in named):
            return False
    return True


_AHEAD = re.compile(r"(?:\bsẽ\b|dự kiến|kế hoạch|phương án|phấn đấu|mục tiêu|chỉ tiêu|lộ trình)[^.;]*", re.I)


def following(pool: Pool, c: Cand, n: int) -> list[Cand]:
    """Up to ``n`` sentences after ``c`` in its paragraph, across the chunks of its article."""
    key = pool.article(c.p)
    found: dict[int, Cand] = {}
    for p in range(len(pool.passages)):
        if pool.article(p) != key:
            continue
        start = pool.passages[p].chunk.start
        for s in pool.sentences[p]:
            if start + s.start > c.pos:
                found.setdefault(start + s.start, Cand(p, s, c.cov, c.own, c.what, c.score, start + s.start))
    out: list[Cand] = []
    end = c.pos + len(c.sent.text)
    for pos in sorted(found):
        chunk = pool.passages[found[pos].p].chunk
        gap = chunk.text[max(0, end - chunk.start) : pos - chunk.start] if end >= chunk.start else " "
        if "\n" in gap or len(out) >= n:
            break
        out.append(found[pos])
        end = pos + len(found[pos].sent.text)
    return out


_DIRECTION_OPENS = re.compile(r"^[^,.;]{0,40}?(?:kết luận|phát biểu chỉ đạo|chỉ đạo tại|phát biểu bế mạc|phát biểu tổng kết)", re.I)


def in_direction(pool: Pool, cands: Sequence[Cand]) -> list[bool]:
    """For sentences in document order: whether each is in the paragraph of the meeting's conclusion or
    direction ("Kết luận hội nghị, ...", "Phát biểu chỉ đạo, ..."), where the tasks a meeting sets are."""
    out: list[bool] = []
    on = False
    for c in cands:
        chunk = pool.passages[c.p].chunk
        before = chunk.text[: c.sent.start]
        opener = _DIRECTION_OPENS.match(c.sent.text) is not None
        if ("\n" in before and not before[before.rfind("\n") :].strip()) or (c.sent.start == 0 and chunk.start == 0):
            on = opener  # a new paragraph
        elif c.sent.start == 0 and opener:
            on = True  # a chunk starts with it: such an opener begins its paragraph
        out.append(on)
    return out


def announced(pool: Pool, c: Cand) -> list[Cand]:
    """The sentences of the enumerated items a sentence announces ("... các nhiệm vụ sau:" then
    "Thứ nhất, ...", "Thứ hai, ..."), from the passages of its article in the pool; none when it announces none."""
    if not announces(c.sent.text):
        return []
    key = pool.article(c.p)
    ps = [p for p in range(len(pool.passages)) if pool.article(p) == key]
    size = max(pool.passages[p].chunk.start + len(pool.passages[p].chunk.text) for p in ps)
    buf = ["\n"] * size  # (what no chunk covers is the paragraph break the chunks were split at)
    for p in ps:
        chunk = pool.passages[p].chunk
        buf[chunk.start : chunk.start + len(chunk.text)] = chunk.text
    text = "".join(buf)
    spans = items_after(text, c.pos + len(c.sent.text))
    out: dict[int, Cand] = {}
    for p in ps:
        start = pool.passages[p].chunk.start
        for sent in pool.sentences[p]:
            pos = start + sent.start
            if any(s <= pos < e for s, e in spans):
                out.setdefault(pos, Cand(p, sent, c.cov, c.own, c.what, c.score, pos))
    return [out[k] for k in sorted(out)]


def near_duplicate(a: Cand, b: Cand) -> bool:
    """Near-duplicates: the same sentence from overlapping chunks, or mostly the same words."""
    if a.pos == b.pos:
        return True
    wa, wb = set(words(a.sent.text)), set(words(b.sent.text))
    return len(wa & wb) / max(1, min(len(wa), len(wb))) > 0.75


def list_items(text: str) -> list[str] | None:
    """The items of an enumerating sentence, if it is one: "...: a; b; c", "...: a, b, c và d", or a run of
    names ("các huyện Văn Chấn, Trạm Tấu, Mù Cang Chải và thị xã Nghĩa Lộ")."""
    _head, colon, rest = text.partition(":")
    if colon and len(rest) > 20:
        sep = r";\s*" if rest.count(";") >= 2 else r",\s*|\s+và\s+"
        parts = [p.strip(" .;") for p in re.split(sep, rest) if p.strip(" .;")]
        if len(parts) >= 3 and all(len(p.split()) <= 16 for p in parts):
            return parts
    names = NAME_LIST.search(text)
    if names:
        parts = [p.strip(" .") for p in re.split(r",\s*|\s+và\s+", names.group(0)) if p.strip(" .")]
        if len(parts) >= 3:
            return parts
    return None
