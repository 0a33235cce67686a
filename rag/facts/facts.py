"""Who said what over a whole index: ``Facts``, the statements, meetings and people of one generation.

Covers: look-ups over the extracted facts (people by name, accent-insensitive and partial; a
person's statements; meetings; the meeting of an article; the task ledger) and a structured summary of a meeting
(extractive, or written by an LLM from the extracted facts and checked). Every statement or meeting
fact converts to a ``rag.types.Citation`` whose ``text`` is the exact source span, so the CLI, UI and
chat can cite it like a retrieved passage; ``CitationList`` numbers them for one answer.
Left out: building the facts of a generation (``rag.facts.extraction``), the extraction rules
themselves (``rag.facts.speech``, ``rag.facts.meetings``), rendering (``rag.cli_facts``,
``ui.format_facts``) and question routing (``rag.facts.router``).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

from rag.enumeration import without_bullet
from rag.errors import LLMError, RagError
from rag.facts.meetings import Meeting
from rag.facts.people import PersonEntry, build_people, find_people, person_key
from rag.facts.speech import Statement
from rag.facts.summarize import HEADINGS, SummaryLine, display_date, summarize_meeting
from rag.facts.tasks import Task, tasks_for_articles
from rag.records import resolve_source
from rag.textnorm import sentence_around
from rag.types import Answer, AnswerSentence, Article, Citation

if TYPE_CHECKING:
    from rag.embedders import Embedder
    from rag.llm.client import ChatLLM



@dataclass(frozen=True)
class DocFacts:
    """What was extracted from one indexed document (one content version of it). Its text is read on
    first use (``read``: a string, or a function that reads it), as most questions quote few documents."""

    source: str
    sha256: str
    read: str | Callable[[], str] = field(repr=False, compare=False)
    articles: tuple[Article, ...]
    statements: tuple[Statement, ...]
    meetings: tuple[Meeting, ...]
    pages: tuple[tuple[int, int], ...]  # (chunk start, page), sorted; empty for unpaginated formats

    @cached_property
    def text(self) -> str:
        return self.read if isinstance(self.read, str) else self.read()


@dataclass(frozen=True)
class SummaryItem:
    """One line of a summary: its section (None for an LLM line outside any heading) and citations."""

    section: str | None
    text: str
    citations: tuple[int, ...]
    supported: bool | None = None  # None: not checked (extractive lines quote the source)

    def to_dict(self) -> dict[str, Any]:
        return {"section": self.section, "text": self.text, "citations": list(self.citations),
                "supported": self.supported}


@dataclass(frozen=True)
class FactSummary:
    """A meeting summary ready to show: markdown with ``[n]`` markers and its numbered citations."""

    source: str
    article: int
    title: str
    date: str | None
    markdown: str
    lines: tuple[SummaryItem, ...]
    citations: tuple[Citation, ...]
    summarizer: str  # "extractive" or "llm:<model>"
    notice: str | None = None  # why the extractive summary was used although an LLM was given

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "source": self.source, "article": self.article, "title": self.title, "date": self.date,
            "summarizer": self.summarizer, "markdown": self.markdown,
            "lines": [ln.to_dict() for ln in self.lines],
            "citations": [c.to_dict() for c in self.citations],
        }
        if self.notice:
            d["notice"] = self.notice
        return d


def _has_meeting_facts(m: Meeting, spoken: bool) -> bool:
    return bool(spoken or m.name or m.chairs or m.bridges or m.participants or m.tasks or m.decisions)


class Facts:
    """The extracted facts of one snapshot. Read-only once built; shared by concurrent readers."""

    def __init__(self, docs: dict[str, DocFacts], generation: str = "") -> None:
        self.docs = docs
        self.generation = generation
        self.statements: list[Statement] = [s for d in docs.values() for s in d.statements]
        self.meetings: list[Meeting] = [m for d in docs.values() for m in d.meetings]
        self.people: list[PersonEntry] = build_people(self.statements, self.meetings)
        self._by_key = {p.key: p for p in self.people}
        self._spoken = {(s.source, s.article) for s in self.statements}

    # -- look-ups ------------------------------------------------------------------------------
    def resolve(self, source: str) -> str:
        """An analysed source by exact name, or by a unique file-name / path-suffix match."""
        return resolve_source(source, self.docs)

    def text(self, source: str) -> str:
        return self.docs[self.resolve(source)].text

    def article(self, source: str, index: int) -> Article | None:
        return next((a for a in self.docs[source].articles if a.index == index), None)

    def find_person(self, name: str) -> list[PersonEntry]:
        """People matching ``name`` accent-insensitively, whole or in part ("tran quoc to", "Tỏ"), best first."""
        return find_people(name, self.people)

    def person(self, key_or_name: str) -> PersonEntry | None:
        return self._by_key.get(person_key(key_or_name))

    def statements_of(self, key_or_name: str) -> list[Statement]:
        """A person's statements in document order (a folded key or a name as written)."""
        key = person_key(key_or_name)
        return [s for s in self.statements if person_key(s.speaker) == key]

    @cached_property
    def tasks(self) -> tuple[Task, ...]:
        """The task ledger of every document (``rag.facts.tasks``), by source then position. Built on
        first use and kept with this generation: it reads every document's text, which most questions
        never need."""
        out: list[Task] = []
        for _, d in sorted(self.docs.items()):
            names = {m.article: m.label for m in d.meetings}
            out.extend(tasks_for_articles(d.text, d.articles, d.statements, names))
        return tuple(out)

    def has_facts(self, m: Meeting) -> bool:
        """Whether an article reads as a meeting report (a name, chair, speaker, task...), not just text."""
        return _has_meeting_facts(m, (m.source, m.article) in self._spoken)

    def meetings_list(self) -> list[Meeting]:
        """Articles that report a meeting, by date (those without a year, then undated, last), then source."""
        found = [m for m in self.meetings if self.has_facts(m)]
        return sorted(found, key=lambda m: (m.date is None, m.date.value.startswith("--") if m.date else True,
                                            m.date.value if m.date else "", m.source, m.article))

    def meeting_for(self, source: str, article: int | None = None) -> Meeting:
        """The meeting of an article; without ``article``, the source's first article that reports one."""
        src = self.resolve(source)
        ms = list(self.docs[src].meetings)
        if article is not None:
            m = next((m for m in ms if m.article == article), None)
            if m is None:
                raise RagError(f"'{src}' has no article {article} (it has {len(ms)})")
            return m
        if not ms:
            raise RagError(f"'{src}' holds no text to analyse")
        return next((m for m in ms if self.has_facts(m)), ms[0])

    def meetings_of(self, source: str) -> list[Meeting]:
        """Every article of a source that reports a meeting (or its first article when none does)."""
        ms = list(self.docs[self.resolve(source)].meetings)
        return [m for m in ms if self.has_facts(m)] or ms[:1]

    # -- citations -----------------------------------------------------------------------------
    def citation(self, n: int, source: str, start: int, end: int, article: int | None = None) -> Citation:
        """Citation ``n`` for the exact span ``[start, end)`` of ``source``, highlighted whole."""
        d = self.docs[source]
        art = self.article(source, article) if article is not None else None
        if art is None:
            art = next((a for a in d.articles if a.start <= start < a.end), d.articles[0] if d.articles else None)
        text = d.text[start:end]
        return Citation(
            n, source, art.title if art else source, art.date if art else None, _page(d.pages, start),
            start, end, text, ((0, len(text)),) if text else (),
        )

    def sentence_span(self, source: str, start: int, end: int) -> tuple[int, int]:
        """The sentence(s) covering ``[start, end)``: where a name or date is read from, with its verb."""
        return sentence_around(self.docs[source].text, start, end)

    def sentence_citation(self, n: int, source: str, start: int, end: int, article: int | None = None) -> Citation:
        s, e = self.sentence_span(source, start, end)
        return self.citation(n, source, s, e, article)

    def statement_citation(self, n: int, st: Statement) -> Citation:
        return self.citation(n, st.source, st.start, st.end, st.article)

    # -- summaries -----------------------------------------------------------------------------
    def summary(self, source: str, article: int | None = None, llm: ChatLLM | None = None,
                embedder: Embedder | None = None) -> FactSummary:
        """A structured summary of one article's meeting.

        Extractive by default (every line quotes or templates a cited span). With ``llm`` (a
        ``rag.llm.ChatLLM``), ``rag.llm.answer.llm_summarize`` has the model write the summary
        from the numbered spans and each sentence is checked against what it cites; on an LLM
        failure or a summary citing nothing the extractive one is returned with a ``notice``.
        """
        m = self.meeting_for(source, article)
        text = self.docs[m.source].text
        own = [s for s in self.statements if s.source == m.source and s.article == m.article]
        base = summarize_meeting(m, own, text)
        cites = tuple(self.citation(s.n, m.source, s.start, s.end, m.article) for s in base.sources)
        num = {(s.start, s.end): s.n for s in base.sources}
        date = m.date.value if m.date else None
        art = self.article(m.source, m.article)
        title = base.title if m.title or art is None else art.title  # no title line: the article's own heading
        extractive = FactSummary(
            m.source, m.article, title, date, base.to_markdown(),
            tuple(_line_item(ln, num) for ln in base.lines), cites, "extractive",
        )
        if llm is None:
            return extractive
        from rag.llm.answer import llm_summarize  # only with a model: the LLM modules load httpx

        facts = [(c.n, c.text) for c in cites]
        try:
            markdown, sentences = llm_summarize(llm, facts, embedder, title=title)
        except LLMError as e:
            return _with_notice(extractive, f"Không dùng được LLM ({e}); đây là bản tóm tắt trích xuất.")
        cited = {n for s in sentences for n in s.citations}
        if not markdown.strip() or not cited:
            return _with_notice(extractive, "Bản tóm tắt của LLM không trích dẫn dữ kiện nào; đây là bản tóm tắt trích xuất.")
        used = tuple(c for c in cites if c.n in cited)
        body = markdown.rstrip() + "\n\n**Nguồn**\n" + "\n".join(_source_line(c) for c in used) + "\n"
        name = llm.name
        return FactSummary(m.source, m.article, title, date, body, _llm_items(sentences), used, f"llm:{name}")

    def summaries(self, source: str, llm: ChatLLM | None = None, embedder: Embedder | None = None) -> list[FactSummary]:
        """One summary per meeting article of ``source`` (a glued file may report several)."""
        return [self.summary(m.source, m.article, llm, embedder) for m in self.meetings_of(source)]


class CitationList:
    """Numbers the citations of one answer from 1 in first-use order; the same span keeps its number."""

    def __init__(self, facts: Facts) -> None:
        self.facts = facts
        self.items: dict[tuple[str, int, int], Citation] = {}

    def span(self, source: str, start: int, end: int, article: int | None = None) -> int:
        key = (source, start, end)
        if key not in self.items:
            self.items[key] = self.facts.citation(len(self.items) + 1, source, start, end, article)
        return self.items[key].n

    def sentence(self, source: str, start: int, end: int, article: int | None = None) -> int:
        s, e = self.facts.sentence_span(source, start, end)
        return self.span(source, s, e, article)

    def to_list(self) -> list[dict[str, Any]]:
        """The citations as JSON, each with ``date_label``: its meeting's date as shown ("18/09 (không rõ năm)",
        "10/07/2024 (năm suy ra)"), which the article's ``date`` (a full date or null) cannot say."""
        out = []
        for c in self.items.values():
            m = next((m for m in self.facts.docs[c.source].meetings if m.start <= c.start < m.end), None)
            out.append({**c.to_dict(), "date_label": (m.date_label if m else "") or display_date(c.date)})
        return out


def clip_text(text: str, limit: int) -> str:
    """``text`` on one line, cut at a word boundary with "…" when longer than ``limit``."""
    s = " ".join(text.split())
    return s if len(s) <= limit else s[: limit - 1].rsplit(" ", 1)[0] + "…"


def _page(pages: Sequence[tuple[int, int]], pos: int) -> int | None:
    if not pages:
        return None
    i = bisect_right([p[0] for p in pages], pos) - 1
    return pages[max(i, 0)][1]


def _line_item(ln: SummaryLine, num: dict[tuple[int, int], int]) -> SummaryItem:
    return SummaryItem(ln.section, ln.text, tuple(num[sp] for sp in ln.spans))


def _llm_items(sentences: Sequence[AnswerSentence]) -> tuple[SummaryItem, ...]:
    out: list[SummaryItem] = []
    section: str | None = None
    for s in sentences:
        if s.text.lstrip().startswith("#"):  # headings name the section of the lines below them
            section = s.text.lstrip("# ").strip() or None
            continue
        out.append(SummaryItem(section, s.text.lstrip("-*• ").strip(), s.citations, s.supported))
    return tuple(out)


def _with_notice(s: FactSummary, notice: str) -> FactSummary:
    return FactSummary(s.source, s.article, s.title, s.date, s.markdown, s.lines, s.citations, s.summarizer, notice)


def _source_line(c: Citation) -> str:
    return f"{c.n}. {c.source}, ký tự {c.start}–{c.end}: “{clip_text(c.text, 160)}”"


def summary_answer(question: str, s: FactSummary) -> Answer:
    """A meeting summary as a chat answer: the title, then each section's lines with their [n] markers."""
    head = s.title + (f" ({display_date(s.date)})" if s.date else "")
    out = [f"Tóm tắt: {head}"]
    sentences: list[AnswerSentence] = []
    sections: dict[str | None, list[SummaryItem]] = {}
    for ln in s.lines:
        sections.setdefault(ln.section, []).append(ln)
    for section, lines in sections.items():
        label = HEADINGS.get(section, section) if section else None
        for ln in lines:
            marks = "".join(f" [{n}]" for n in ln.citations)
            sentences.append(AnswerSentence(ln.text, ln.citations, ln.supported))
            if label and len(lines) == 1:
                out.append(f"{label}: {ln.text}{marks}")
            else:
                out.append(f"- {without_bullet(ln.text)}{marks}")
        if label and len(lines) > 1:
            out.insert(len(out) - len(lines), f"{label}:")
    return Answer(question, "\n".join(out), True, s.citations, f"facts:{s.summarizer}", tuple(sentences), s.notice,
                  kind="summary")
