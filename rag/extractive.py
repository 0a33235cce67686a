"""The default answerer: quotes the sentences of the reports that answer the question, by its type.

No LLM is needed. The question is analysed (``rag.question``): its type, content words and scope.
Candidate sentences come from the retrieved passages and, for broad and list questions, from the
rest of their article (``article_chunks``); titles, datelines and photo captions are never quoted
(``rag.sentences``). Each sentence is scored by how much of the question's IDF-weighted vocabulary it
holds (diacritic-folded syllables and bigrams) plus the cues of the question type: a figure for
"bao nhiêu", a date for "khi nào", a named person for "ai"; the meeting's frame ("... tổ chức hội
nghị", "... chủ trì") counts against it unless that is what is asked. Then:

* fact, number, date, place, person -> the one or two sentences that hold it;
* list -> the sentence that enumerates, its items as bullets;
* broad ("kết quả gì", "nhiệm vụ gì", "thống nhất những gì") -> 3-5 key sentences of the best
  matching article in document order, near-duplicates dropped;
* two years or periods named -> one part per scope, each cited.

It refuses ("Không tìm thấy ...") when the best sentence covers too little of the question, and names
what is missing when the question names a year, period, place, person or figure that no retrieved
report has; when one part of a two-part question is missing it says which. Every sentence ends with
its ``[n]``; citation ``n`` is the passage with the quoted sentences highlighted.
Left out: paraphrasing or synthesis (the LLM answerer's job) and who-said-what forms (``rag.router``).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from rag import refusals
from rag.acronyms import with_expansions
from rag.cues import UNIT_FIRST, aspect_cue, has_slot, holds_type, type_bonus
from rag.enumeration import announces
from rag.events import Done, Event
from rag.evidence import (
    MIN_OWN_COVERAGE,
    ArticleChunks,
    Cand,
    Pool,
    announced,
    aspect_score,
    following,
    in_direction,
    in_scope,
    list_items,
    near_duplicate,
)
from rag.lexical import tokens
from rag.question import CUE_WORDS, PROBLEMS, QUESTION_WORDS, Question, Scope, analyse, asking_mask, scope_fit
from rag.textnorm import fold, words
from rag.types import Answer, AnswerSentence, Citation, Hit

if TYPE_CHECKING:
    from rag.llm import ChatLLM

NOT_FOUND = "Không tìm thấy thông tin này trong tài liệu."
MIN_COVERAGE = 0.30  # below this the best sentence does not answer the question
MIN_ARTICLE_COVERAGE = 0.6  # a broad question's words the chosen article must hold
MAX_FACT_SENTENCES = 2
MAX_BROAD_SENTENCES = 6
CROSS_WHAT_WEIGHT = 0.3  # the same, more, within one part of a question on two reports
WHAT_WEIGHT = 0.15  # of a fact or number sentence's share of what is asked (the question less its places and times)
_NAMES_PROBLEMS = re.compile(r"(?:hạn chế|tồn tại|khó khăn|vướng mắc|bất cập|điểm nghẽn)(?: nhất định)?\s*[.:]\s*$", re.I)
# what a report on a province covers a part of, by name: a figure for it names it ("Khu công nghiệp Phú Điền")
_PART = r"(?<!\w)(?:xa|phuong|thi tran|thon|khu cong nghiep|cum cong nghiep|nha may|du an|cang|benh vien|cong ty)"
# "còn những khó khăn, tồn tại gì": the aspect asked, with its "còn (những)"
_ASKED_PROBLEMS = re.compile(r"(?<!\w)(?:con\s+(?:nhung\s+|nhieu\s+|cac\s+)?)?(?:" + PROBLEMS.pattern + r"(?:,?\s*)?)+")
_MORE = re.compile(r"(?:Bên cạnh đó|Đồng thời|Ngoài ra|Cùng với đó|Mặt khác)\b")
_DETAILS = re.compile(r"(?:Trong đó|Trong số đó|Trong số này|Cụ thể|Riêng|So với cùng kỳ)\b")
WEAK_CUE_FACTOR = 0.5  # of a weakly cued sentence's score, when others ask or decide
STRONG_CUE = 0.2  # a sentence that asks or decides (one "yêu cầu", "giao", "thống nhất" ...)
SHORTFALL_CUE = 0.1  # one word of a shortfall ("chậm", "chưa"): the least a report must say for "còn hạn chế gì?"
ANNOUNCED = 0.3  # added for a tasks question to a directive that announces the items that follow it
DIRECTION = 0.15  # added for a tasks question to the sentences of the meeting's conclusion or direction
CONTINUED = 0.9  # of the sentence before, for a broad answer's sentence that goes on with its figures
MIN_WHAT_ALONE = 0.4  # of what is asked (not where or when), for a sentence that leaves where and when to its report
MIN_SLOT_COVERAGE = 0.2  # a sentence holding the place/date/person asked, when the best one holds none


class ExtractiveAnswerer:
    name = "extractive"
    llm: ChatLLM | None = None  # no model behind it

    def __init__(self, df: Mapping[str, int] | None = None, n_docs: int = 0,
                 article_chunks: ArticleChunks | None = None) -> None:
        self.df: Mapping[str, int] = df if df is not None else Counter()
        self.n_docs = n_docs
        self.article_chunks = article_chunks

    def _idf(self, t: str) -> float:
        return math.log(1 + (self.n_docs + 1) / (self.df.get(t, 0) + 0.5))

    def terms(self, question: str) -> dict[str, float]:
        """Content syllables and bigrams of a question (folded), weighted by IDF; question and cue words dropped."""
        out: dict[str, float] = {}
        # "còn những khó khăn, tồn tại gì?" asks for an aspect (its cues: ``rag.cues``), not about those words
        # (folding keeps offsets, so the folded match blanks the words as written)
        for a, b in [m.span() for m in _ASKED_PROBLEMS.finditer(fold(question))]:
            question = question[:a] + " " * (b - a) + question[b:]
        ws = [fold(w) for w in words(question)]
        mask = asking_mask(question)
        asking = mask if mask is not None else [w in QUESTION_WORDS for w in ws]
        kept: list[tuple[str, ...]] = [(w,) for w, a in zip(ws, asking) if not a]
        # a bigram across a question word ("2023_o", "hai_bao") is not a phrase of the answer
        kept += [(a, b) for (a, x), (b, y) in zip(zip(ws, asking), zip(ws[1:], asking[1:])) if not (x or y)]
        for parts in kept:
            t = "_".join(parts)
            if t in CUE_WORDS or all(p in CUE_WORDS for p in parts):
                continue
            if len(parts) == 2 and " ".join(parts) in {"ket qua", "tinh hinh", "nhiem vu", "yeu cau", "thong nhat"}:
                continue
            out[t] = self._idf(t)
        return out

    # -- the answer ------------------------------------------------------------------------------
    def answer(self, question: str, hits: Sequence[Hit]) -> Answer:
        qa = analyse(question)
        terms = self.terms(question)
        if not hits:
            return _refuse(question, qa, NOT_FOUND)
        pool = Pool(hits, self.article_chunks, widen=qa.type in ("broad", "list") or qa.cross)
        missing = refusals.missing(qa, pool, lambda sc, key: self._fit(sc, pool, key))
        if missing:
            return _refuse(question, qa, f"Không tìm thấy {missing} trong tài liệu.")
        if qa.cross:
            return self._cross(question, qa, terms, pool)
        picked, why = self._pick(qa, qa.scopes, terms, pool)
        if not picked:
            return _refuse(question, qa, why)
        return _compose(question, qa, pool, [(None, picked)])

    def stream(self, question: str, hits: Sequence[Hit]) -> Iterator[Event]:
        yield Done(self.answer(question, hits))

    def score_sentences(self, question: str, hits: Sequence[Hit]) -> list[tuple[float, int, int, int]]:
        """(coverage, hit index, start, end) for every sentence of every hit, best first (for evaluation)."""
        qa, terms = analyse(question), self.terms(question)
        pool = Pool(hits, None, widen=False)
        cands = self._candidates(qa, terms, pool, range(len(pool.passages)), ())
        return [(c.cov, c.p, c.sent.start, c.sent.end) for c in sorted(cands, key=lambda c: -c.score)]

    # -- steps -----------------------------------------------------------------------------------
    def _relevant(self, terms: dict[str, float], pool: Pool) -> list[tuple[str, int]]:
        """The retrieved articles that hold most of the question's words (a scope then chooses among
        them, so a report of the right year on another subject never wins)."""
        words_ = {t: w for t, w in terms.items() if "_" not in t}
        if not words_:
            return list(pool.order)
        total = sum(words_.values())
        rel = {}
        for key in pool.order:
            have = set(tokens(pool.titles[key] + "\n" + pool.article_text(key), folded=True))
            rel[key] = sum(w for t, w in words_.items() if t in have) / total
        top = max(rel.values())
        return [k for k in pool.order if rel[k] >= 0.85 * top]

    def _fit(self, sc: Scope, pool: Pool, key: tuple[str, int], planned: bool = False) -> int:
        c = next(h.chunk for h in pool.passages if (h.chunk.source, h.chunk.article) == key)
        return scope_fit(sc, c.date, c.title, pool.article_text(key), pool.lead(key), planned)

    def _pick(self, qa: Question, scopes: Sequence[Scope], terms: dict[str, float], pool: Pool,
              broad_limit: int = MAX_BROAD_SENTENCES, share: float = 1.0) -> tuple[list[Cand], str]:
        """The sentences that answer, or none and why. ``share``: the part of the question's words one
        answer can be expected to hold (a question about two reports: each holds about half)."""
        keys = self._relevant(terms, pool)
        if share < 1 and qa.names:  # one part of a question about two reports: the reports of its names
            named = [k for k in pool.order if all(refusals.holds_name(fold(n), fold(pool.titles[k] + "\n" + pool.article_text(k)))
                                                  for n in qa.names)]
            keys = named or keys
        planned = _planned(qa)
        fits = {key: min((self._fit(sc, pool, key, planned) for sc in scopes), default=2) for key in keys}
        best_fit = max(fits.values(), default=0)
        if best_fit == 0:
            return [], f"Không tìm thấy thông tin về {', '.join(s.text for s in scopes)} trong tài liệu."
        keys = [k for k in keys if fits[k] == best_fit]
        strict = tuple(scopes) if best_fit == 1 else ()  # the report only mentions the scope: the sentence must say it
        if qa.type == "broad":
            return self._broad(qa, terms, pool, keys, scopes, strict, broad_limit)
        allowed = [p for p in range(len(pool.passages)) if pool.article(p) in keys]
        typed_ = [c for c in self._candidates(qa, terms, pool, allowed, scopes, strict) if holds_type(qa, c.sent)]
        # (a sentence that holds much of what is asked need not repeat where and when: "Kết quả, ... phạt tiền
        # 17,6 tỷ đồng" in the report on Vĩnh Xuyên's Tết answers "số tiền phạt ở Vĩnh Xuyên dịp Tết 2026")
        floor = share * MIN_OWN_COVERAGE
        cands = [c for c in typed_ if c.what >= floor and (c.own >= floor or c.what >= share * MIN_WHAT_ALONE)]
        # (in a report on the places the question names, a sentence that holds much of what is asked answers
        # without repeating them: "Kết quả, ... phạt tiền hơn 17,6 tỷ đồng" in the report on Vĩnh Xuyên's Tết)
        lenient = share * MIN_COVERAGE if qa.names else 0.0
        if not cands or max(c.cov if c.what < MIN_WHAT_ALONE else max(c.cov, lenient) for c in cands) < share * MIN_COVERAGE:
            return [], NOT_FOUND
        # "... được tổ chức ở đâu?": the lead that restates the meeting holds most of the question's
        # words but not the place; a sentence that names one answers, when there is such a sentence
        # (such a sentence often leans on the one before: "Hội nghị được tổ chức tại Hội trường ...")
        # (and a sentence on the meeting's frame, "Hội nghị được tổ chức tại ...", need not repeat its name)
        slotted = [c for c in typed_ if c.cov >= MIN_SLOT_COVERAGE and has_slot(qa, c.sent)
                   and (c.own >= MIN_OWN_COVERAGE or c.sent.frame or qa.type == "list")]
        cands = slotted or cands
        # one part of a question on two periods: each report names its own period and place throughout, so
        # what is asked decides ("số người hưởng trợ cấp thất nghiệp", not the figures that open the report)
        cands.sort(key=lambda c: -(c.score + (CROSS_WHAT_WEIGHT * c.what if share < 1 else 0.0)))
        best = cands[0]
        picked = [best]
        limit = 2 if qa.type == "list" else MAX_FACT_SENTENCES
        for c in cands[1:]:
            if len(picked) >= limit or c.score < 0.85 * best.score or c.cov < MIN_COVERAGE:
                break
            if not any(near_duplicate(c, x) for x in picked):
                picked.append(c)
        nxt = following(pool, best, 1) if qa.type in ("list", "number") else []
        if nxt and _DETAILS.match(nxt[0].sent.text):
            # "Tổng nguồn lực ... đạt 3.846 tỷ đồng." then "Trong đó, ngân sách trung ương 412 tỷ đồng; ..."
            picked = [best, nxt[0]] + [c for c in picked[1:] if c.pos != nxt[0].pos]
        elif qa.type == "list" and list_items(best.sent.text) is None:
            # "... chỉ ra một số hạn chế." announces a list the next sentences of its paragraph give,
            # or the enumerated paragraphs after it ("... các nhiệm vụ sau:" then "Thứ nhất, ...")
            items = announced(pool, best) or following(pool, best, 4 if len(best.sent.text.split()) < 25 else 1)
            picked = [best] + items + [c for c in picked[1:] if all(c.pos != f.pos for f in items)]
        return picked, ""

    def _broad(self, qa: Question, terms: dict[str, float], pool: Pool, keys: list[tuple[str, int]],
               scopes: Sequence[Scope], strict: Sequence[Scope], limit: int) -> tuple[list[Cand], str]:
        key = keys[0]
        unigrams = {t: w for t, w in terms.items() if "_" not in t}
        if unigrams:
            have = set(tokens(pool.article_text(key) + " " + pool.titles[key], folded=True))
            if sum(w for t, w in unigrams.items() if t in have) / sum(unigrams.values()) < MIN_ARTICLE_COVERAGE:
                return [], NOT_FOUND
        allowed = [p for p in range(len(pool.passages)) if pool.article(p) == key]
        cands = [c for c in self._candidates(qa, terms, pool, allowed, scopes, strict) if not c.sent.frame]
        cands = list({c.pos: c for c in sorted(cands, key=lambda c: c.pos)}.values())  # overlapping chunks
        cues = [aspect_cue(qa, c.sent) for c in cands]
        # "nhiệm vụ trọng tâm ... là gì?": when the report sets tasks, a sentence without one (a speaker's
        # figures on the same topic) is not among them, however many of the question's words it holds
        if qa.aspect == "problems" and not any(x >= SHORTFALL_CUE for x in cues):
            # "... còn những hạn chế gì?" of a report that names none: say so, not its results
            return [], "Tài liệu không nêu hạn chế, khó khăn nào về nội dung này."
        only_cued = qa.aspect in ("tasks", "decisions", "problems") and any(x >= STRONG_CUE for x in cues)
        # (and one that merely mentions tasks, "dưới sự lãnh đạo, chỉ đạo của ...", comes after those that ask)
        scores = [aspect_score(qa, c, x) * (WEAK_CUE_FACTOR if only_cued and x < STRONG_CUE else 1.0)
                  if x > 0 or not only_cued else 0.0 for c, x in zip(cands, cues)]
        if qa.aspect == "results":
            # a report goes on with its figures in the next sentence ("Thanh tra Sở đã xử phạt 1,26 tỷ
            # đồng ..." after "Báo cáo về công tác thanh tra, ông ... cho biết ..."), without repeating the topic
            for i in range(1, len(cands)):
                if cands[i].sent.figures >= 2:
                    scores[i] = max(scores[i], CONTINUED * scores[i - 1])
        if qa.aspect == "tasks":
            # the tasks a meeting sets are in its conclusion; a speaker's proposals come second
            scores = [x + DIRECTION if d and x > 0 else x for x, d in zip(scores, in_direction(pool, cands))]
            # ("... yêu cầu các đơn vị triển khai các nhiệm vụ sau:" is the list asked for, items to follow)
            scores = [x + ANNOUNCED if x > 0 and cues[i] >= STRONG_CUE and announced(pool, c) else x
                      for i, (x, c) in enumerate(zip(scores, cands))]
            # "nhiệm vụ trọng tâm ... là gì?": "... tập trung vào các nhiệm vụ trọng tâm, gồm: ..." names them
            focus = re.search(r"(?:nhiem vu|giai phap) (?:trong tam|trong diem|chu yeu|uu tien)", fold(qa.text))
            if focus:
                scores = [x + ANNOUNCED if x > 0 and focus.group(0) in c.sent.folded else x for x, c in zip(scores, cands)]
            for i in range(1, len(cands)):
                if cues[i - 1] > 0 and cands[i - 1].sent.directives and UNIT_FIRST.match(cands[i].sent.text):
                    scores[i] = max(scores[i], CONTINUED * scores[i - 1])
        scored = sorted(zip(scores, cands), key=lambda x: -x[0])
        if not scored or scored[0][0] <= 0:
            return [], NOT_FOUND
        top = scored[0][0]
        picked: list[Cand] = []
        for s, c in scored:
            if len(picked) >= limit or s < 0.4 * top:
                break
            if not any(near_duplicate(c, x) for x in picked):
                picked.append(c)
        # "Trong đó, vi phạm nồng độ cồn là 3.406 trường hợp" details the sentence before: it comes with it
        index = {c.pos: i for i, c in enumerate(cands)}
        picked += [cands[index[c.pos] - 1] for c in picked if _DETAILS.match(c.sent.text) and index[c.pos] > 0]
        if qa.aspect == "tasks":  # "... yêu cầu toàn ngành ... Bên cạnh đó, các phòng nghiệp vụ phải ...": more of it
            picked += [cands[index[c.pos] + 1] for c in picked if cues[index[c.pos]] >= STRONG_CUE
                       and index[c.pos] + 1 < len(cands) and _MORE.match(cands[index[c.pos] + 1].sent.text)]
        picked = sorted({c.pos: c for c in picked}.values(), key=lambda c: c.pos)
        # "... tập trung thực hiện các nhiệm vụ sau:" is answered with the items that follow it
        out: list[Cand] = []
        for c in picked:
            # (or, when no item is enumerated, the sentences after it in its paragraph: "... thống nhất một số
            # nội dung trọng tâm. Theo đó, Sở sẽ tham mưu ...")
            # ("... vẫn còn nhiều hạn chế." is followed by them)
            opens = announces(c.sent.text) or (qa.aspect == "problems" and _NAMES_PROBLEMS.search(c.sent.text) is not None)
            items = announced(pool, c) or (following(pool, c, 4) if opens else [])
            out += [x for x in [c, *items] if all(x.pos != y.pos for y in out)]
        return out, ""

    def _cross(self, question: str, qa: Question, terms: dict[str, float], pool: Pool) -> Answer:
        parts: list[tuple[str | None, list[Cand]]] = []
        scopes = list(dict.fromkeys(qa.scopes))
        for sc in scopes:
            # "Hội nghị quý III/2025 của tỉnh Hà Sơn và hội nghị 6 tháng đầu năm 2025 của tỉnh Đông Lâm":
            # each part keeps the names written nearest its own period
            own = replace(qa, names=tuple(n for n in qa.names if _nearest(qa.text, n, scopes) == sc))
            picked, _why = self._pick(own, (sc,), terms, pool, broad_limit=3, share=1 / len(scopes))
            parts.append((sc.label(), picked if qa.type == "broad" else picked[:1]))
        if not any(p for _, p in parts):
            return _refuse(question, qa, NOT_FOUND)
        return _compose(question, qa, pool, parts)

    def _candidates(self, qa: Question, terms: dict[str, float], pool: Pool, allowed: Sequence[int],
                    scopes: Sequence[Scope], strict: Sequence[Scope] = ()) -> list[Cand]:
        total = sum(terms.values()) or 1.0
        # "Chỉ số DTI năm 2024 của Thái Bình xếp thứ mấy?": a sentence about Thái Bình in 2024 is not an
        # answer unless it also holds some of what is asked
        where_when = {t for n in qa.names for t in tokens(n, folded=True)} | {t for s in qa.scopes for t in tokens(s.text, folded=True)}
        # (single words: a bigram across two phrases, "công chậm", would decide it alone)
        what = {t: w for t, w in terms.items() if "_" not in t and t not in where_when}
        what_total = sum(what.values())
        titles = [t for t in refusals.TITLES if re.search(rf"(?<!\w)(?<!pho ){t}(?!\w)", fold(qa.text))]
        names = [fold(n) for n in qa.names]
        # an answer about "Broncos" is in an article about the Broncos: one whose title, lead or retrieved
        # passages name them (a report names its subject once, "Dengue", paragraphs before the answer)
        units = [fold(n) for n in qa.names if re.search(rf"(?:{_PART})\s+{re.escape(fold(n))}", fold(qa.text))]
        about_names = {k for k in pool.order
                       if all(refusals.holds_name(n, fold(pool.titles[k] + "\n" + pool.lead(k) + "\n" + pool.article_text(k)))
                              for n in names)}
        out: list[Cand] = []
        seen: set[tuple[str, int]] = set()
        planned = _planned(qa)
        for p in allowed:
            c = pool.passages[p].chunk
            key = (c.source, c.article)
            # words of the article's title and of the sentence before count half: "Tổng thiệt hại ước
            # tính 186 tỷ đồng." answers a question about the flood the sentence before describes
            # (a real title only: an article without one is "titled" by its clipped first sentence)
            context = set(tokens(c.title, folded=True)) if not c.title.endswith("…") else set()
            prev_end = 0
            for sent in pool.sentences[p]:
                before = set(tokens(c.text[max(prev_end, sent.start - 300) : sent.start], folded=True))
                prev_end = sent.end
                pos = c.start + sent.start
                if (c.source, pos) in seen:
                    continue
                seen.add((c.source, pos))
                if not in_scope(sent, scopes, strict, planned):
                    continue
                if names and key not in about_names:
                    continue
                # "Xã Khe Dền được chi trả bao nhiêu?": in a report on the province, a figure for the commune
                # is one that names it (here or just before), not the province's
                if any(u not in fold(pool.titles[key] + "\n" + pool.lead(key)) and u not in sent.folded
                       and u not in fold(c.text[max(0, sent.start - 300) : sent.start]) for u in units):
                    continue
                have = set(tokens(with_expansions(sent.text), folded=True))  # "BHXH" holds "bảo hiểm xã hội"
                for t in titles:  # "Phó Chủ tịch" does not answer "Chủ tịch ... là ai?"
                    if not re.search(rf"(?<!\w)(?<!pho ){t}(?!\w)", sent.folded):
                        have.discard(t.replace(" ", "_"))
                near = (context | before) - have
                own = sum(w for t, w in terms.items() if t in have) / total if terms else 0.0
                cov = own + 0.5 * sum(w for t, w in terms.items() if t in near) / total if terms else 0.0
                what_cov = sum(w for t, w in what.items() if t in have) / what_total if what_total else own
                # (what is asked counts again: "tỷ lệ bao phủ BHYT" over "tỉnh ... tính đến hết tháng 9/2025")
                lift = WHAT_WEIGHT * what_cov if qa.type in ("number", "fact") else 0.0
                out.append(Cand(p, sent, cov, own, what_cov, cov + lift + type_bonus(qa, sent) + 0.04 / (1 + pool.rank(p)), pos))
        return out


def _planned(qa: Question) -> bool:
    """"nhiệm vụ quý IV": the tasks a report sets for the next period are what is asked."""
    return qa.aspect == "tasks" or bool(re.search(r"nhiem vu|ke hoach|phuong huong", fold(qa.text)))


def _nearest(text: str, name: str, scopes: Sequence[Scope]) -> Scope | None:
    """The scope written closest to ``name`` in the question."""
    at = text.find(name)
    found = [(abs(text.find(sc.text) - at), i) for i, sc in enumerate(scopes) if sc.text in text]
    return scopes[min(found)[1]] if at >= 0 and found else None


def _compose(question: str, qa: Question, pool: Pool, parts: Sequence[tuple[str | None, list[Cand]]]) -> Answer:
    """The answer text (parts, sentences, list items as bullets), its sentences and numbered citations."""
    numbers: dict[int, int] = {}
    spans: dict[int, list[tuple[int, int]]] = {}
    sentences: list[AnswerSentence] = []
    lines: list[str] = []
    for label, picked in parts:
        if label is not None and not picked:
            lines.append(f"{label}: không tìm thấy thông tin trong tài liệu.")
            continue
        texts = []
        for c in picked:
            n = numbers.setdefault(c.p, len(numbers) + 1)
            spans.setdefault(c.p, []).append((c.sent.start, c.sent.end))
            text = " ".join(c.sent.text.split())
            sentences.append(AnswerSentence(text, (n,), None))
            items = list_items(text) if qa.type == "list" else None
            if items:
                texts.append(f"{text} [{n}]\n" + "\n".join(f"- {it}" for it in items))
            else:
                texts.append(f"{text} [{n}]")
        sep = "\n" if qa.type in ("broad", "list") else " "
        body = sep.join(texts)
        lines.append(f"{label}: {body}" if label is not None else body)
    citations = tuple(
        _citation(n, pool.passages[p], tuple(sorted(spans[p]))) for p, n in sorted(numbers.items(), key=lambda x: x[1])
    )
    return Answer(question, "\n".join(lines), True, citations, ExtractiveAnswerer.name, tuple(sentences), kind=qa.type)


def _refuse(question: str, qa: Question, text: str) -> Answer:
    return Answer(question, text, False, (), ExtractiveAnswerer.name, (), kind=qa.type)


def _citation(n: int, hit: Hit, highlights: tuple[tuple[int, int], ...]) -> Citation:
    c = hit.chunk
    return Citation(n, c.source, c.title, c.date, c.page, c.start, c.end, c.text, highlights)


def citation_for(n: int, hit: Hit, highlights: tuple[tuple[int, int], ...] = ()) -> Citation:
    """Public helper for other answerers: a Citation for a retrieved passage."""
    return _citation(n, hit, highlights)
