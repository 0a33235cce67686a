"""The stream of events a question produces, for shells that render progress (CLI, UI).

``Library.ask_stream`` yields, in order: one ``Retrieved``, zero or more ``Status`` and ``Token``
events while an answer is produced, then exactly one ``Done`` carrying the final ``Answer``.
Left out: rendering; the UI and CLI decide how each event looks.
"""

from __future__ import annotations

from dataclasses import dataclass

from rag.types import Answer, Hit


@dataclass(frozen=True)
class Retrieved:
    question: str  # the stand-alone question actually searched (after follow-up rewriting)
    hits: tuple[Hit, ...]


@dataclass(frozen=True)
class Status:
    message: str


@dataclass(frozen=True)
class Token:
    text: str


@dataclass(frozen=True)
class Done:
    answer: Answer


Event = Retrieved | Status | Token | Done
