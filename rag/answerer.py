"""The ``Answerer`` protocol: what the library asks of anything that writes answers.

Met by the extractive answerer (``rag.extractive``), the LLM answerer (``rag.llm.answer``) and the
facts router wrapped around either (``rag.facts.router``); the shells pass one to the library, which
never needs to know which it is.
Left out: the answerers themselves, and choosing one from options (``rag.llm.setup``).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Protocol

from rag.events import Event
from rag.types import Answer, Hit

if TYPE_CHECKING:
    from rag.llm.client import ChatLLM


class Answerer(Protocol):
    """Answers a question from retrieved passages. ``llm`` is the chat model behind it, if any
    (follow-ups and summaries use it too); ``None`` for the extractive answerer."""

    @property
    def name(self) -> str: ...

    @property
    def llm(self) -> ChatLLM | None: ...

    def answer(self, question: str, hits: Sequence[Hit]) -> Answer: ...

    def stream(self, question: str, hits: Sequence[Hit]) -> Iterator[Event]: ...
