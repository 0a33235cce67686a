"""Building the ``Facts`` of one generation of the index.

Covers: ``build_facts`` runs the pure-text extraction (``rag.facts.speech``, ``rag.facts.meetings``)
on every document and article of a generation, reusing the previous generation's facts for
documents whose content and articles did not change, and the extraction saved in the index by an
earlier process under the same rules (``TextStore.read_facts``); what it extracts it saves for the
next process.
Left out: which generation is current and keeping its facts (``rag.library.Library.facts``), and
the look-ups over the result (``rag.facts.facts``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from rag.errors import IndexError_
from rag.facts.facts import DocFacts, Facts
from rag.facts.meetings import Meeting, meetings_for_articles
from rag.facts.speech import Statement, statements_for_articles
from rag.types import Article

if TYPE_CHECKING:
    from rag.view import IndexView


class TextStore(Protocol):
    """Where the text of an indexed document is read and its extracted facts kept (``rag.store.IndexStore``)."""

    @property
    def path(self) -> Path: ...

    def read_text(self, sha: str) -> str: ...

    def read_facts(self, sha: str, key: str) -> bytes | None: ...

    def write_facts(self, sha: str, key: str, data: bytes) -> None: ...


def build_facts(view: IndexView, texts: TextStore, previous: Facts | None = None) -> Facts:
    """Facts of every document of ``view``, reusing ``previous`` for documents with the same content."""
    pages: dict[str, list[tuple[int, int]]] = {}
    for c in view.chunks:
        if c.page is not None:
            pages.setdefault(c.source, []).append((c.start, c.page))
    docs: dict[str, DocFacts] = {}
    for src, rec in sorted(view.records.items()):
        # Articles and text come from this generation's records (not from the library, which may
        # read a newer manifest) so a concurrent ingest cannot mix two generations.
        old = previous.docs.get(src) if previous else None
        if old is not None and old.sha256 == rec.sha256 and old.articles == rec.articles:
            docs[src] = old
            continue
        # (a document whose extraction is saved is read only when a span of it is quoted: at 100k
        # chunks reading every text made the first facts question of a process a second slower)
        read = _reader(texts, src, rec.sha256)
        statements, meetings = _extracted(texts, src, rec.sha256, read, rec.articles)
        docs[src] = DocFacts(src, rec.sha256, read, rec.articles, statements, meetings,
                             tuple(sorted(pages.get(src, []))))
    return Facts(docs, view.generation)


def _reader(texts: TextStore, src: str, sha: str) -> Callable[[], str]:
    def read() -> str:
        try:
            return texts.read_text(sha)
        except OSError as e:
            raise IndexError_(f"index {texts.path}: text of '{src}' is missing ({e.strerror or e})") from None
    return read


# Saved extractions are keyed by the rules that made them: editing any of these modules re-extracts,
# and so does a new version of the saved shape (2: statements carry ``provenance``; 3: meetings carry
# ``date_text``, ``year_inferred`` and ``year_evidence``).
FACTS_FORMAT = b"facts-3"
_HERE = Path(__file__).resolve().parent
# (every module of rag.facts: a rule moved to a new module, as mentions.py out of speech.py, still counts)
_RULE_FILES = (*sorted(_HERE.glob("*.py")), *(_HERE.parent / name for name in (
    "vi.py", "articles.py", "dates.py", "textnorm.py", "types.py", "enumeration.py")))
_RULES = hashlib.sha256(FACTS_FORMAT + b"".join(p.read_bytes() for p in _RULE_FILES)).hexdigest()[:12]


def _extracted(store: TextStore, src: str, sha: str, read: Callable[[], str],
               arts: tuple[Article, ...]) -> tuple[tuple[Statement, ...], tuple[Meeting, ...]]:
    """The statements and meetings of one document: read from the index when saved by these rules
    for these articles and this source name, else extracted now and saved for the next process."""
    key = hashlib.sha256(
        json.dumps([_RULES, src, [a.__dict__ for a in arts]], ensure_ascii=False, sort_keys=True).encode()
    ).hexdigest()[:16]
    saved = store.read_facts(sha, key)
    if saved is not None:
        try:
            data = json.loads(saved)
            return (tuple(Statement(**x) for x in data["statements"]),
                    tuple(Meeting.from_dict(x) for x in data["meetings"]))
        except (ValueError, KeyError, TypeError):
            pass  # unreadable: extract again and overwrite
    text = read()
    statements = tuple(statements_for_articles(text, arts))
    meetings = tuple(meetings_for_articles(text, arts, list(statements)))
    body = {"statements": [x.to_dict() for x in statements], "meetings": [m.to_dict() for m in meetings]}
    store.write_facts(sha, key, json.dumps(body, ensure_ascii=False).encode("utf-8"))
    return statements, meetings
