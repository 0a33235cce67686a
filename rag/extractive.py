"""The default answerer: quotes the sentences of the retrieved passages that answer the question.

No LLM is needed. Each sentence of the top passages is scored by how much of the question's
weighted vocabulary (diacritic-folded syllables and bigrams, weighted by inverse document
frequency over the index) it contains; the best sentences are returned, each followed by its
``[n]`` marker, with a numbered citation list whose highlights point at the quoted sentences.
When the best sentence covers too little of the question, the answer is "not found" rather than
unrelated sentences. Thresholds were calibrated on XQuAD-vi (see eval/README.md).
Left out: paraphrasing or synthesis (that is the LLM answerer's job).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from rag.events import Done, Event
from rag.lexical import tokens
from rag.textnorm import sentence_spans
from rag.types import Answer, AnswerSentence, Citation, Hit

if TYPE_CHECKING:
    from rag.llm import ChatLLM

NOT_FOUND = "Không tìm thấy thông tin này trong tài liệu."

# Question words carry no content: "ai", "gì", "nào", "bao nhiêu", "khi nào", "ở đâu", "thế nào".
_QUESTION_WORDS = {
    "ai", "gi", "nao", "bao", "nhieu", "khi", "dau", "sao", "the", "la", "co", "khong", "duoc",
    "nhu", "vay", "hoi", "cho", "biet", "cac", "nhung", "mot", "cua", "va", "voi", "trong", "tai",
    "o", "da", "do", "nay", "ve", "thi", "hay", "bang", "gio", "chua", "roi", "lam", "nhu_the",
    "the_nao", "bao_nhieu", "khi_nao", "o_dau", "la_gi", "la_ai", "co_phai", "tai_sao", "vi_sao",
}

MIN_COVERAGE = 0.30  # below this the best sentence does not answer the question
MAX_SENTENCES = 3


class ExtractiveAnswerer:
    name = "extractive"
    llm: ChatLLM | None = None  # no model behind it

    def __init__(self, df: Counter[str] | None = None, n_docs: int = 0) -> None:
        self.df = df or Counter()
        self.n_docs = n_docs

    def _idf(self, t: str) -> float:
        return math.log(1 + (self.n_docs + 1) / (self.df.get(t, 0) + 0.5))

    def _query_terms(self, question: str) -> dict[str, float]:
        terms = {}
        for t in tokens(question, folded=True):
            if t in _QUESTION_WORDS:
                continue
            parts = t.split("_")
            if len(parts) == 2 and all(p in _QUESTION_WORDS for p in parts):
                continue
            terms[t] = self._idf(t)
        return terms

    def score_sentences(self, question: str, hits: Sequence[Hit]) -> list[tuple[float, int, int, int]]:
        """(coverage, hit index, start, end) for every sentence of every hit, best first."""
        terms = self._query_terms(question)
        total = sum(terms.values()) or 1.0
        out = []
        for hi, h in enumerate(hits):
            text = h.chunk.text
            for s, e in sentence_spans(text):
                st = set(tokens(text[s:e], folded=True))
                cov = sum(w for t, w in terms.items() if t in st) / total
                out.append((cov, hi, s, e))
        # Ties go to the better-ranked passage.
        out.sort(key=lambda x: (-(x[0] + 0.02 / (x[1] + 1)), x[1]))
        return out

    def answer(self, question: str, hits: Sequence[Hit]) -> Answer:
        scored = self.score_sentences(question, hits)
        if not scored or scored[0][0] < MIN_COVERAGE:
            return Answer(question, NOT_FOUND, False, (), self.name, ())
        best = scored[0][0]
        picked: list[tuple[int, int, int]] = []
        seen: set[tuple[str, int]] = set()
        for cov, hi, s, e in scored:
            if len(picked) >= MAX_SENTENCES or cov < max(MIN_COVERAGE, best * 0.6):
                break
            c = hits[hi].chunk
            key = (c.source, c.start + s)  # overlapping chunks repeat sentences
            if key in seen:
                continue
            seen.add(key)
            picked.append((hi, s, e))
        numbers: dict[int, int] = {}
        spans: dict[int, list[tuple[int, int]]] = {}
        sentences = []
        for hi, s, e in picked:
            n = numbers.setdefault(hi, len(numbers) + 1)
            spans.setdefault(hi, []).append((s, e))
            sentences.append(AnswerSentence(hits[hi].chunk.text[s:e], (n,), None))
        citations = tuple(
            _citation(n, hits[hi], tuple(sorted(spans[hi]))) for hi, n in sorted(numbers.items(), key=lambda x: x[1])
        )
        text = " ".join(f"{s.text} [{s.citations[0]}]" for s in sentences)
        return Answer(question, text, True, citations, self.name, tuple(sentences))

    def stream(self, question: str, hits: Sequence[Hit]) -> Iterator[Event]:
        yield Done(self.answer(question, hits))


def _citation(n: int, hit: Hit, highlights: tuple[tuple[int, int], ...]) -> Citation:
    c = hit.chunk
    return Citation(n, c.source, c.title, c.date, c.page, c.start, c.end, c.text, highlights)


def citation_for(n: int, hit: Hit, highlights: tuple[tuple[int, int], ...] = ()) -> Citation:
    """Public helper for other answerers: a Citation for a retrieved passage."""
    return _citation(n, hit, highlights)
