"""The conversation: one typed turn list shared by the library, the CLI, the UI and the API.

A ``Turn`` is one question and its answer, with what was actually searched (the stand-alone
question after follow-up rewriting) and the citations, so a later turn can refer back to "hội nghị
đó" or "người đó". ``Turn.from_dict`` reads what every shell already has: the JSON of
``rag ask --json`` (an ``Answer.to_dict()``), or a bare ``{"question", "answer"}``; a script holds a
conversation by sending back the answers it got. ``conversation_markdown`` writes a conversation,
with every answer's sources, for the "Tải cuộc trò chuyện" export. ``focus`` orders the passages of a
follow-up so the previous turn's topic comes first.
Left out: how follow-ups are rewritten (``rag.followup``) and how answers look in the UI (``ui.format``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from rag.errors import RagError
from rag.types import Answer, Chunk, Citation, Hit

MAX_TURNS = 50  # a conversation longer than this keeps its latest turns: only they can be referred back to


@dataclass(frozen=True)
class Turn:
    """One exchange of a conversation."""

    question: str  # as the user typed it
    answer: str  # the answer text, with its [n] markers
    standalone: str = ""  # the question as searched (after follow-up rewriting); "" when not known
    citations: tuple[Citation, ...] = ()

    @property
    def searched(self) -> str:
        return self.standalone or self.question

    @classmethod
    def from_answer(cls, answer: Answer) -> Turn:
        return cls(answer.question, answer.answer, answer.standalone or answer.question, answer.citations)

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Turn:
        """A turn from ``rag ask --json`` output or ``{"question": ..., "answer": ...}``."""
        if not isinstance(d, Mapping):
            raise RagError(f"a conversation turn must be an object with 'question' and 'answer', not {type(d).__name__}")
        q, a = d.get("question"), d.get("answer")
        if not isinstance(q, str) or not isinstance(a, str):
            raise RagError("a conversation turn needs 'question' and 'answer' as text")
        cites = tuple(_citation(c) for c in d.get("citations") or () if isinstance(c, Mapping))
        standalone = d.get("standalone")
        return cls(q, a, standalone if isinstance(standalone, str) else "", tuple(c for c in cites if c))

    def to_dict(self) -> dict[str, Any]:
        return {"question": self.question, "answer": self.answer, "standalone": self.standalone,
                "citations": [c.to_dict() for c in self.citations]}


def turns_from(items: Iterable[Mapping[str, Any] | Turn | Answer] | None) -> list[Turn]:
    """Turns from whatever a shell keeps (turns, answers or their JSON), latest ``MAX_TURNS`` only."""
    out: list[Turn] = []
    for it in items or ():
        if isinstance(it, Turn):
            out.append(it)
        elif isinstance(it, Answer):
            out.append(Turn.from_answer(it))
        else:
            out.append(Turn.from_dict(it))
    return out[-MAX_TURNS:]


def _citation(d: Mapping[str, Any]) -> Citation | None:
    try:
        return Citation.from_dict(dict(d))
    except (KeyError, TypeError, ValueError):
        return None  # a citation a client mangled only loses its back-reference, not the turn


def conversation_markdown(answers: Sequence[Answer], title: str = "Cuộc trò chuyện") -> str:
    """The conversation as Markdown: each question, its answer, and its numbered sources with the cited text."""
    out = [f"# {title}", ""]
    for i, a in enumerate(answers, start=1):
        out += [f"## {i}. {a.question}", ""]
        if a.standalone and a.standalone != a.question:
            out += [f"*Đã tìm: {a.standalone}*", ""]
        out += [a.answer.strip(), ""]
        if a.notice:
            out += [f"> Lưu ý: {a.notice}", ""]
        if a.citations:
            out.append("**Nguồn**")
            out.append("")
            for c in a.citations:
                where = c.source + (f", trang {c.page}" if c.page else "")
                out.append(f"{c.n}. {c.title} — {c.date or 'không rõ ngày'} — {where} [{c.start}:{c.end}]")
                quoted = [c.text[s:e] for s, e in c.highlights] or [c.text]
                out += [f"   > {' '.join(q.split())}" for q in quoted]
            out.append("")
    return "\n".join(out).rstrip() + "\n"


def focus(hits: Sequence[Hit], previous: Turn, cited_chunks: Sequence[Chunk]) -> list[Hit]:
    """A follow-up continues the previous turn's topic: the passages its answer cited come first (they
    may not be retrieved again for "còn ông X thì sao?"), then hits from the same documents, then the
    rest; as many as were retrieved."""
    sources = {c.source for c in previous.citations}
    have = {(h.chunk.source, h.chunk.start) for h in hits}
    extra = [Hit(0, 0.0, c) for c in cited_chunks if (c.source, c.start) not in have]
    ordered = extra + sorted(hits, key=lambda h: h.chunk.source not in sources)
    return [replace(h, rank=i) for i, h in enumerate(ordered[: max(len(hits), 1)], start=1)]
