"""Answers "who said / chaired what" questions from the extracted facts, and the rest by another answerer.

Covers seven question forms, in this order, matched accent-insensitively:

* "Tóm tắt hội nghị ...", "tóm lại ..." -> the structured summary (``Facts.summary``) of the meeting named,
  or of the best-ranked retrieved article (written by the LLM when there is one, else extractive);
* "<đơn vị> được giao những việc gì?", "Những việc nào hạn trước 30/6/2024?" -> the tasks of the ledger
  given to that unit or due then, each cited to its clause (read by ``rag.facts.task_answers``);
* "Ai chủ trì hội nghị ...?"  -> the chairs (and bridge-point chairs) of the best-matching meeting;
* "<người> yêu cầu / đề nghị / nói ... gì?", "<người> chủ trì hội nghị nào?" -> that person's statements
  of that kind (or the meetings they chaired); the name may be whole or partial, with or without accents;
* "Ai phát biểu tại hội nghị ...?" -> one statement per speaker of the best-matching meeting;
* "Hội nghị ... có những điểm cầu nào?" -> the bridge points of the best-matching meeting, with their chairs;
* "Ai <động từ> <nội dung>?" ("Ai đề xuất bổ sung kinh phí?") -> statements of the verb's kind whose
  source sentence covers most of the question's content words (IDF-weighted, as in ``rag.extractive``).

Facts from the articles the retrieved hits come from are preferred. Every sentence of an answer ends
with ``[n]``; citation ``n`` is the exact source span the fact is read from (the statement, or the
sentence naming the chair). When no form applies or no fact matches well enough, the question goes
to the inner answerer (extractive or LLM) unchanged.
Which form a question takes is read by ``rag.facts.intent``.
Left out: questions combining several facts ("Ai chủ trì và ai phát biểu ...?"), counting questions,
and anything the extraction does not capture (see ``rag.facts.speech`` and ``rag.facts.meetings``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any, Protocol

from rag.enumeration import announces, items_after, without_bullet
from rag.events import Done, Event
from rag.facts.factmatch import (
    FAMILY,
    MIN_MEETING,
    Idf,
    content_terms,
    coverage,
    pick_meeting,
    pools,
    prefer_hits,
    question_parts,
)
from rag.facts.facts import Facts, clip_text, summary_answer
from rag.facts.intent import Intent, find_verb, parse_question
from rag.facts.lexicon import VERB_KINDS
from rag.facts.meetings import Meeting
from rag.facts.people import person_key
from rag.facts.speech import Statement
from rag.facts.summarize import display_date
from rag.facts.task_answers import TaskQuestion, parse_task_question, task_lines
from rag.textnorm import fold, nfc
from rag.types import Answer, AnswerSentence, Citation, Hit
from rag.vi import CHAIR_VERBS

if TYPE_CHECKING:
    from rag.answerer import Answerer
    from rag.embedders import Embedder
    from rag.extractive import ExtractiveAnswerer
    from rag.llm.client import ChatLLM

NAME = "facts"
TOPIC_OF_MEETING = 0.6  # share of a "... về <topic>" the meeting's own name holds when it is the meeting's topic
MIN_TOPIC = 0.3  # share of a "... về <topic>" a person's statements must hold (IDF-weighted, bigrams too)
MIN_CONTENT_AT_MEETING = 0.3  # the same, among the statements of the meeting the question names
MIN_CONTENT = 0.5  # share of the question's content weight a statement must cover to answer "Ai <verb> ...?"
MAX_STATEMENTS = 6
MAX_SPEAKERS = 8
CLIP = 400
LIST_CLIP = 1500  # a statement that enumerates items ("Thứ nhất, …", "- …"), shown up to this many characters
_ITEM_MARK = re.compile(r"(?:^|[.:;]\s+|\n)(?:Thứ (?:nhất|hai|ba|tư|năm|sáu)|Một là|Hai là|Ba là|- )")

_ASKING_TAIL = re.compile(r"[,;]\s*(?=[^,;]*(?:ra sao|thế nào|the nao|khi nào|khi nao|bao giờ|bao gio|bao lâu|bao lau)\W*$)")
_CAPTION = re.compile(r"\s*\(?(?:Ảnh|Ảnh minh họa|Nguồn ảnh)\s*:\s*[^.()]{1,60}\)?\s*$")
_VERB_SHOWN = {"theo": "cho rằng"}
# "Tóm tắt hội nghị ...", "tóm lại nội dung ...", "hãy tóm tắt ..." (folded): the rest names the meeting.
_SUMMARY = re.compile(r"^\W*(?:hay\s+|xin\s+|ban\s+|vui long\s+)?(?:tom\s+tat|tom\s+luoc|tom\s+lai)(?:\s+(?:lai|giup|cho\s+toi|giup\s+toi|ngan\s+gon))*\b")


def _who(name: str, title: str) -> str:
    return f"{name} ({title})" if title else name


def _placed(st: Statement, text: str) -> str:
    """The speaker's title with the place its sentence gives it: "Phát biểu tại điểm cầu huyện Nậm Khoa,
    Phó Chủ tịch UBND huyện Lục Văn Phẩm ..." is the Phó Chủ tịch UBND huyện Nậm Khoa."""
    level = re.search(r"(?<!\w)(huyện|xã|phường|thị xã|thành phố|quận|tỉnh)$", st.speaker_title)
    if level is None:
        return st.speaker_title
    start = text.rfind("\n", 0, st.start) + 1
    where = re.search(rf"(?<!\w){level.group(1)} ((?:[A-ZĐ]\w*)(?: [A-ZĐ]\w*){{0,3}})", text[start : st.start + 200])
    return f"{st.speaker_title} {where.group(1)}" if where and where.group(1) not in st.speaker else st.speaker_title


def _when(m: Meeting) -> str:
    return f" ({display_date(m.date.value)})" if m.date else ""


class _Builder:
    """Collects answer sentences and numbers their citations, one number per distinct span."""

    def __init__(self, facts: Facts) -> None:
        self.facts = facts
        self.cites: dict[tuple[str, int, int], Citation] = {}
        self.sentences: list[AnswerSentence] = []
        self.refusal: str | None = None  # a facts question the facts answer with "not found"

    def add(self, text: str, source: str, start: int, end: int, article: int | None = None) -> None:
        key = (source, start, end)
        if key not in self.cites:
            self.cites[key] = self.facts.citation(len(self.cites) + 1, source, start, end, article)
        self.sentences.append(AnswerSentence(text.rstrip(), (self.cites[key].n,), None))

    def answer(self, question: str, kind: str | None = None) -> Answer | None:
        if not self.sentences:
            return Answer(question, self.refusal, False, (), NAME, (), kind=kind) if self.refusal else None
        body = "\n".join(f"{s.text} [{s.citations[0]}]" for s in self.sentences)
        return Answer(question, body, True, tuple(self.cites.values()), NAME, tuple(self.sentences), kind=kind)


class FactsSource(Protocol):
    """What answering from facts needs of the index (``rag.library.Library`` is one): the facts of the
    current generation, its extractive answerer (whose document frequencies weigh a question's words),
    and the embedder an LLM-written summary is checked with."""

    def facts(self) -> Facts: ...

    def extractive(self) -> ExtractiveAnswerer: ...

    @property
    def embedder(self) -> Embedder: ...


def _idf(ex: ExtractiveAnswerer) -> Idf:
    def idf(t: str) -> float:
        return math.log(1 + (ex.n_docs + 1) / (ex.df.get(t, 0) + 0.5))

    return idf


def _ranks(hits: Sequence[Hit]) -> dict[tuple[str, int], int]:
    """The best hit rank of each retrieved article."""
    ranks: dict[tuple[str, int], int] = {}
    for i, h in enumerate(hits):
        ranks.setdefault((h.chunk.source, h.chunk.article), i)
    return ranks


class FactsAwareAnswerer:
    """An ``Answerer``: facts questions from ``rag.facts``, everything else by ``inner``."""

    def __init__(self, source: FactsSource, inner: Answerer) -> None:
        self.source = source
        self.inner = inner

    @property
    def name(self) -> str:
        return f"{NAME}+{self.inner.name}"

    @property
    def llm(self) -> ChatLLM | None:
        return self.inner.llm

    def answer(self, question: str, hits: Sequence[Hit]) -> Answer:
        found = self.facts_answer(question, hits)
        return found if found is not None else self.inner.answer(question, hits)

    def stream(self, question: str, hits: Sequence[Hit]) -> Iterator[Event]:
        found = self.facts_answer(question, hits)
        if found is not None:
            yield Done(found)
            return
        yield from self.inner.stream(question, hits)

    # -- routing -------------------------------------------------------------------------------
    def facts_answer(self, question: str, hits: Sequence[Hit]) -> Answer | None:
        """The answer from facts, or None when the question is for the inner answerer."""
        summary = _SUMMARY.match(fold(nfc(question)))
        if summary:
            return self._summary(question, question[summary.end() :], hits)
        task = parse_task_question(question)
        if task is not None:  # "Sở Y tế được giao những việc gì?"; nothing in the ledger: the other forms
            found = self._tasks(question, task, hits)
            if found is not None:
                return found
        if not re.search(r"(?<!\w)(?:ai|gi|nao)(?!\w)", fold(question)) and not find_verb(question):
            return None  # cheap exit before building facts: not a who/what question at all
        facts = self.source.facts()
        if not facts.statements and not facts.meetings:
            return None
        ranks = _ranks(hits)
        preferred: dict[str, int] = {}  # person -> the best rank of a retrieved article they spoke in
        for st in facts.statements:
            if (st.source, st.article) in ranks:
                key = person_key(st.speaker)
                preferred[key] = min(preferred.get(key, len(ranks)), ranks[(st.source, st.article)])
        intent = parse_question(question, facts.people, preferred)
        if intent is None:
            return None
        b = _Builder(facts)
        idf = _idf(self.source.extractive())  # its document frequencies are built once per generation
        forms = {"chair": self._chairs, "person": self._person, "speakers": self._speakers, "who_verb": self._who_verb,
                 "bridges": self._bridges}
        forms[intent.form](b, facts, intent, ranks, idf)
        return b.answer(question, intent.form)

    def _summary(self, question: str, content: str, hits: Sequence[Hit]) -> Answer | None:
        """"Tóm tắt hội nghị ...": the structured summary (``Facts.summary``) of the meeting named, or of
        the best-ranked retrieved article when none is named."""
        facts = self.source.facts()
        ranks = _ranks(hits)
        m = pick_meeting(facts, content, ranks, _idf(self.source.extractive()), lambda m: True)
        if m is None and hits:  # an article without a title line: the best retrieved one
            top = hits[0].chunk
            m = next((x for x in facts.meetings if (x.source, x.article) == (top.source, top.article)), None)
        if m is None:
            return None
        s = facts.summary(m.source, m.article, llm=self.inner.llm, embedder=self.source.embedder)
        return summary_answer(question, s)

    def _tasks(self, question: str, task: TaskQuestion, hits: Sequence[Hit]) -> Answer | None:
        """The ledger's tasks for a unit or a deadline (``rag.facts.task_answers``), each cited to its clause."""
        facts = self.source.facts()
        b = _Builder(facts)
        lines, more = task_lines(facts, task, _ranks(hits), _idf(self.source.extractive()))
        for line, t in lines:
            b.add(line, t.source, t.start, t.end, t.article)
        found = b.answer(question, "tasks")
        if found is not None and more:
            found = replace(found, notice=f"Còn {more} nhiệm vụ khác: xem thẻ Nhiệm vụ hoặc lệnh rag tasks.")
        return found

    # -- the four forms ------------------------------------------------------------------------
    def _chairs(self, b: _Builder, facts: Facts, it: Intent, ranks: dict[tuple[str, int], int], idf: Idf) -> None:
        at = fold(it.content).find("diem cau")
        if at >= 0 and self._bridge_chairs(b, facts, it.content[at + len("diem cau") :], ranks, idf):
            return
        m = pick_meeting(facts, it.content, ranks, idf, lambda m: bool(m.chairs or any(x.chair for x in m.bridges)))
        if m is None:
            return
        bridges = [x for x in m.bridges if x.chair]
        when = _when(m)
        groups: dict[tuple[int, int], list[Any]] = {}
        for c in m.chairs:
            groups.setdefault(facts.sentence_span(m.source, c.start, c.end), []).append(c)
        for (s, e), people in groups.items():
            names = " và ".join(_who(p.name, p.title) for p in people)
            verb = "đồng chủ trì" if len(people) > 1 else "chủ trì"
            b.add(f"{names} {verb} {m.label}{when}.", m.source, s, e, m.article)
        for x in bridges:
            assert x.chair is not None
            b.add(f"Tại điểm cầu {x.place}, {_who(x.chair.name, x.chair.title)} chủ trì.", m.source, x.start, x.end, m.article)

    def _bridge_chairs(self, b: _Builder, facts: Facts, place: str, ranks: dict[tuple[str, int], int], idf: Idf) -> bool:
        """"Ai chủ trì tại điểm cầu X?": the chairs of bridge points named X, retrieved meetings first."""
        terms = content_terms(place, idf)
        found = []
        for m in facts.meetings:
            for x in m.bridges:
                cov = coverage(terms, x.place) if x.chair else 0.0
                if cov >= MIN_MEETING:
                    found.append((-round(cov, 3), ranks.get((m.source, m.article), len(ranks)), m, x))
        if not found:
            return False
        found.sort(key=lambda t: t[:2])
        top = found[0][:2]
        for neg_cov, rank, m, x in found:
            if (neg_cov, rank) == top:
                assert x.chair is not None
                b.add(f"Tại điểm cầu {x.place} của {m.label}{_when(m)}, {_who(x.chair.name, x.chair.title)} chủ trì.",
                      m.source, x.start, x.end, m.article)
        return True

    def _person(self, b: _Builder, facts: Facts, it: Intent, ranks: dict[tuple[str, int], int], idf: Idf) -> None:
        p = it.person
        assert p is not None
        if it.verb in CHAIR_VERBS:
            for ref in p.chaired:
                m = next((x for x in facts.meetings if (x.source, x.article) == (ref.source, ref.article)), None)
                if m is None:
                    continue
                for c in [*m.chairs, *(x.chair for x in m.bridges if x.chair)]:
                    if c is not None and person_key(c.name) == p.key:
                        s, e = facts.sentence_span(m.source, c.start, c.end)
                        b.add(f"{_who(p.name, c.title)} chủ trì {m.label}{_when(m)}.", m.source, s, e, m.article)
                        break
            return
        own = facts.statements_of(p.key)
        family = FAMILY.get(VERB_KINDS.get(it.verb or "", ""))
        if family in ("direct", "propose"):  # "X yêu cầu những gì?": all X asked of others (yêu cầu, giao, đề nghị)
            picked = [s for s in own if FAMILY.get(s.kind) in ("direct", "propose")] or ([] if it.by_role else own)
        else:  # nothing of that kind: all X said, each with its own verb
            picked = next((pool for pool in pools(own, it.verb) if pool), own)
        topic, meeting, years = question_parts(it.content)
        where = {(s.source, s.article) for s in picked}
        two = len(re.findall(r"(?:hội nghị|hoi nghi|cuộc họp|cuoc hop|phiên họp|phien hop)", meeting)) > 1
        if (meeting or years) and not two:  # "... tại hội nghị phòng, chống thiên tai", "... cho năm 2025"
            m = pick_meeting(facts, meeting, ranks, idf, lambda m: (m.source, m.article) in where, years)
            if m is None and meeting and content_terms(meeting, idf):  # named a meeting the person did not speak at
                if it.by_role:
                    return  # (a role's holder is a guess: the other answerer reads the reports)
                b.refusal = f"Không tìm thấy ý kiến của {p.name} {meeting.strip(' ?.')} trong tài liệu."
                return
            picked = [s for s in picked if m is None or (s.source, s.article) == (m.source, m.article)] or picked
        about = re.search(r"(?<!\w)(?:về|ve|liên quan đến|lien quan den)\s+(.+)", topic)
        # "... về xử lý rác, hạn chót ra sao?": the clause after the comma asks, it is not the topic
        subject = re.split(_ASKING_TAIL, about.group(1))[0] if about else ""
        terms = content_terms(subject, idf) if about else {}
        # "... yêu cầu gì về chuyển đổi số?" at a meeting on chuyển đổi số: all said there is about it
        framed = bool(terms) and all(coverage(terms, facts.meeting_for(s.source, s.article).label) >= TOPIC_OF_MEETING
                                     for s in picked)
        if terms and not framed:  # "... yêu cầu gì về thi đua?": the statements about that
            covs = {s: coverage(terms, facts.docs[s.source].text[s.start : s.end]) for s in picked}
            top = max(covs.values(), default=0.0)
            # a few common syllables ("thi" of "thực thi") are not the topic: most of it must be there
            if top < MIN_TOPIC and about is not None:
                if it.by_role:
                    return
                b.refusal = f"Không tìm thấy ý kiến của {p.name} về {subject.strip(' ?.')} trong tài liệu."
                return
            picked = [s for s in picked if covs[s] >= 0.5 * top] or picked
        ordered = prefer_hits(picked, ranks)
        first = (ordered[0].source, ordered[0].article) if ordered else None
        # all the person said at the best meeting, in the order said, then other meetings
        ordered = sorted(ordered, key=lambda s: (s.source, s.article) != first)
        if it.by_role:  # a role's holder at the retrieved meeting; a namesake elsewhere is someone else
            ordered = [s for s in ordered if (s.source, s.article) == first]
        for st in ordered[:MAX_STATEMENTS]:
            self._say(b, facts, st)

    def _bridges(self, b: _Builder, facts: Facts, it: Intent, ranks: dict[tuple[str, int], int], idf: Idf) -> None:
        m = pick_meeting(facts, it.content, ranks, idf, lambda m: bool(m.bridges))
        if m is None:
            return
        b.add(f"{m.label}{_when(m)} có {len(m.bridges)} điểm cầu:", m.source, m.bridges[0].start, m.bridges[0].end,
              m.article)
        for x in m.bridges:
            who = f" ({_who(x.chair.name, x.chair.title)} chủ trì)" if x.chair else ""
            b.add(f"- {x.place}{who}", m.source, x.start, x.end, m.article)

    def _speakers(self, b: _Builder, facts: Facts, it: Intent, ranks: dict[tuple[str, int], int], idf: Idf) -> None:
        spoken = {(s.source, s.article) for s in facts.statements}
        m = pick_meeting(facts, it.content, ranks, idf, lambda m: (m.source, m.article) in spoken)
        if m is None:
            return
        seen: set[str] = set()
        for st in facts.statements:
            if (st.source, st.article) != (m.source, m.article) or person_key(st.speaker) in seen:
                continue
            seen.add(person_key(st.speaker))
            if len(seen) > MAX_SPEAKERS:
                break
            self._say(b, facts, st, clip=200, context=False)

    def _who_verb(self, b: _Builder, facts: Facts, it: Intent, ranks: dict[tuple[str, int], int], idf: Idf) -> None:
        terms = content_terms(it.content, idf)
        if not terms:
            return
        statements, least = facts.statements, MIN_CONTENT
        _topic, meeting, years = question_parts(it.where)
        if meeting:  # "Tại hội nghị rút kinh nghiệm ..., ai báo cáo tình hình ...?": that meeting's speakers
            spoken = {(s.source, s.article) for s in statements}
            m = pick_meeting(facts, meeting, ranks, idf, lambda m: (m.source, m.article) in spoken, years)
            if m is not None:
                statements = [s for s in statements if (s.source, s.article) == (m.source, m.article)]
                least = MIN_CONTENT_AT_MEETING
        scored: list[tuple[float, Statement]] = []
        for pool in pools(statements, it.verb):
            covs = [(coverage(terms, facts.docs[st.source].text[st.start : st.end]), st) for st in pool]
            scored = [(c, st) for c, st in covs if c >= least]
            if scored:
                break
        if not scored:
            return
        best = max(c for c, _ in scored)
        good = [st for c, st in sorted(scored, key=lambda x: -x[0]) if c >= best * 0.8]
        for st in prefer_hits(good, ranks)[:MAX_STATEMENTS]:
            self._say(b, facts, st)

    def _say(self, b: _Builder, facts: Facts, st: Statement, clip: int = CLIP, context: bool = True) -> None:
        verb = _VERB_SHOWN.get(st.verb, st.verb)
        # a list of tasks is read whole: "Thứ nhất, … Thứ hai, … Thứ ba, …" cut after the second item loses the rest
        listed = len(_ITEM_MARK.findall(st.content)) >= 2
        said = clip_text(_CAPTION.sub("", st.content), max(clip, LIST_CLIP) if listed else clip)  # "... Ảnh: Thanh Tùng"
        if facts.docs[st.source].text[st.start : st.start + 1] in ("“", '"', "«"):  # a direct quote stays one
            said = f"“{said}”"
        line = f"{_who(st.speaker, _placed(st, facts.docs[st.source].text))} {verb}: {said}"
        m = next((x for x in facts.docs[st.source].meetings if x.article == st.article), None) if context else None
        if m is not None and m.name:
            line = f"Tại {m.name.value}{_when(m)}, {line}"
        elif m is not None and m.title:
            line = f"Theo bài “{m.title.value}”{_when(m)}, {line}"
        b.add(line, st.source, st.start, st.end, st.article)
        text = facts.docs[st.source].text
        if announces(text[st.start : st.end]) or text[st.end : st.end + 1] == ":":
            # "... tập trung thực hiện một số nhiệm vụ trọng tâm." is said with the items that follow it
            end = st.end + len(text[st.end : st.end + 2]) - len(text[st.end : st.end + 2].lstrip(".:"))
            for s, e in items_after(text, end):
                b.add(f"- {clip_text(without_bullet(text[s:e]), clip)}", st.source, s, e, st.article)


def default_answerer(source: FactsSource, inner: Answerer) -> Answerer:
    """``inner`` wrapped so facts questions are answered from facts (never wrapped twice)."""
    return inner if isinstance(inner, FactsAwareAnswerer) else FactsAwareAnswerer(source, inner)
