"""Who said what: statements, meetings and people read from the indexed reports, and the answers built on them.

Modules: ``lexicon`` (surnames, titles, reporting verbs), ``mentions`` (people named with a title and
their short forms), ``speech`` (statements in reported speech), ``meetings`` (each article's meeting: name, date,
place, chairs, bridge points, participants, tasks, decisions), ``people`` (one entry per person,
however written), ``profile`` (one person across meetings: titles per meeting, requests and
commitments by topic), ``summarize`` (the extractive meeting summary), ``facts`` (``Facts``: all of them
for one generation, look-ups and citations), ``extraction`` (building ``Facts`` from a generation,
reusing what was saved), ``tasks`` (the task ledger: assignments and commitments) with ``deadlines`` (normalised) and
``ledger`` (its filters), ``factmatch``, ``intent``, ``task_answers`` and ``router`` (answering "Ai chủ
trì ...?", "X yêu cầu gì?", "Sở Y tế được giao những việc gì?", "Tóm tắt ..." from the facts). The names the shells use are importable from here.
Left out: rendering (``rag.cli_facts``, ``ui.format_facts``) and the index itself: this package is
handed what it needs (a generation's records and chunks, a text reader, a facts source) and never
imports the library.
"""

from rag.facts.extraction import TextStore, build_facts
from rag.facts.facts import DocFacts, Facts, FactSummary, SummaryItem, clip_text, summary_answer

__all__ = ["DocFacts", "FactSummary", "Facts", "SummaryItem", "TextStore", "build_facts", "clip_text", "summary_answer"]
