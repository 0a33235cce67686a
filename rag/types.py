"""Result types shared by every part of the library.

Frozen dataclasses only: what a loader, the chunker, the retriever and the answerers hand to each
other and to the shells (CLI, UI). No behaviour beyond small conversions to plain dicts.
Left out: anything about storage layout (see ``rag.store``) or scoring (see ``rag.retrieval``).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Article:
    """One report inside a source file; offsets index the file's normalised (NFC) text."""

    source: str
    index: int
    title: str
    date: str | None  # ISO yyyy-mm-dd when a day is known
    period: str | None  # e.g. "6 tháng đầu năm 2022" when only a period is given
    start: int
    end: int


@dataclass(frozen=True)
class Chunk:
    """A passage that is embedded and searched; ``text == source_text[start:end]``."""

    id: int
    source: str
    article: int
    title: str
    date: str | None
    page: int | None  # 1-based page for paginated formats (pdf)
    start: int
    end: int
    text: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Hit:
    """A retrieved chunk with its fused score and the per-retriever scores behind it."""

    rank: int
    score: float
    chunk: Chunk
    scores: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        c = self.chunk
        return {
            "rank": self.rank,
            "score": round(self.score, 6),
            "source": c.source,
            "title": c.title,
            "date": c.date,
            "page": c.page,
            "start": c.start,
            "end": c.end,
            "text": c.text,
        }


@dataclass(frozen=True)
class Citation:
    """A numbered source of an answer. ``highlights`` are (start, end) spans inside ``text``.
    ``ocr_confidence``: set when the passage's page was read by OCR from a scan, Tesseract's mean
    word confidence on it (0-100); in ``to_dict`` as ``"ocr": {"confidence": x}``, absent otherwise."""

    n: int
    source: str
    title: str
    date: str | None
    page: int | None
    start: int
    end: int
    text: str
    highlights: tuple[tuple[int, int], ...] = ()
    ocr_confidence: float | None = None

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["highlights"] = [list(h) for h in self.highlights]
        del d["ocr_confidence"]
        if self.ocr_confidence is not None:
            d["ocr"] = {"confidence": self.ocr_confidence}
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Citation:
        """The inverse of ``to_dict``; KeyError/TypeError/ValueError on a malformed one."""
        return cls(int(d["n"]), str(d["source"]), str(d.get("title") or ""), d.get("date"), d.get("page"),
                   int(d["start"]), int(d["end"]), str(d.get("text") or ""),
                   tuple((int(s), int(e)) for s, e in d.get("highlights") or ()),
                   _ocr_confidence(d.get("ocr")))


def _ocr_confidence(mark: Any) -> float | None:
    conf = mark.get("confidence") if isinstance(mark, dict) else None
    return float(conf) if isinstance(conf, (int, float)) else None


@dataclass(frozen=True)
class AnswerSentence:
    """One sentence of an answer with the citation numbers it carries."""

    text: str
    citations: tuple[int, ...]
    supported: bool | None = None  # None: not checked (extractive sentences are quotes)

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "citations": list(self.citations), "supported": self.supported}


@dataclass(frozen=True)
class Answer:
    question: str
    answer: str
    found: bool
    citations: tuple[Citation, ...]
    answerer: str = "extractive"
    sentences: tuple[AnswerSentence, ...] = ()
    notice: str | None = None  # e.g. why the extractive fallback was used
    standalone: str | None = None  # the question as searched, when follow-up rewriting changed it
    kind: str | None = None  # the question type the answer was built for (e.g. "fact", "list", "summary")

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "question": self.question,
            "standalone": self.standalone or self.question,
            "answer": self.answer,
            "found": self.found,
            "answerer": self.answerer,
            "citations": [c.to_dict() for c in self.citations],
            "sentences": [s.to_dict() for s in self.sentences],
        }
        if self.notice:
            d["notice"] = self.notice
        if self.kind:
            d["kind"] = self.kind
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Answer:
        """The inverse of ``to_dict`` (for answers kept by a shell, e.g. a conversation in the browser)."""
        cites = tuple(Citation.from_dict(c) for c in d.get("citations") or ())
        sents = tuple(
            AnswerSentence(s["text"], tuple(int(n) for n in s.get("citations") or ()), s.get("supported"))
            for s in d.get("sentences") or ()
        )
        q = str(d["question"])
        standalone = d.get("standalone")
        return cls(q, str(d["answer"]), bool(d.get("found")), cites, str(d.get("answerer") or "extractive"), sents,
                   d.get("notice"), standalone if standalone and standalone != q else None, d.get("kind"))


@dataclass(frozen=True)
class DocInfo:
    """An indexed source file as listed by ``rag docs``."""

    source: str
    title: str
    date: str | None
    chunks: int
    articles: int
    sha256: str
    size: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class IngestReport:
    added: tuple[str, ...]
    replaced: tuple[str, ...]
    unchanged: tuple[str, ...]
    failed: tuple[tuple[str, str], ...]  # (path, reason)
    chunks_added: int
    seconds: dict[str, float] = field(default_factory=dict)  # load/chunk/embed/store
    warnings: tuple[tuple[str, str], ...] = ()  # (path, what was left out) for files indexed in part

    @property
    def ok(self) -> bool:
        return not self.failed

    def to_dict(self) -> dict[str, Any]:
        return {
            "added": list(self.added),
            "replaced": list(self.replaced),
            "unchanged": list(self.unchanged),
            "failed": [{"path": p, "reason": r} for p, r in self.failed],
            "chunks_added": self.chunks_added,
            "seconds": {k: round(v, 3) for k, v in self.seconds.items()},
            "warnings": [{"path": p, "warning": w} for p, w in self.warnings],
        }
