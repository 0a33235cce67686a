"""Matching a question's words against extracted facts: which meeting it names, which statements
are about what it asks, and in what order to show them.

Shared by the question forms of ``rag.facts.router``: IDF-weighted content terms (framing words dropped),
their coverage of a text, statements of a verb's kind or family (đề nghị ~ đề xuất, yêu cầu ~ chỉ đạo ~
giao), statements of the retrieved articles first, a question split into topic / meeting / years, and
the meeting a question names (by its name and title words, the retrieved articles and the years asked).
Left out: recognising the question forms (``rag.facts.router``) and extracting the facts (``rag.facts``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from rag.facts.facts import Facts
from rag.facts.lexicon import VERB_KINDS
from rag.facts.meetings import Meeting
from rag.facts.speech import Statement
from rag.lexical import tokens
from rag.vi import FRAME_WORDS

MIN_MEETING = 0.4  # share of the question's meeting words a meeting name must cover when no hit points at it
Idf = Callable[[str], float]

# Verbs that ask for any statement ("nói gì", "phát biểu gì"), not one kind.
ANY_KIND = {"nói", "phát biểu", "tham luận", "phát biểu ý kiến"}
FAMILY = {
    "requirement": "direct", "direction": "direct", "assignment": "direct", "conclusion": "direct",
    "proposal": "propose", "commitment": "commit", "report": "inform", "statement": "inform",
}
# Words that only frame the question; they say nothing about which statement or meeting is meant.
FRAME = FRAME_WORDS


def content_terms(text: str, idf: Idf) -> dict[str, float]:
    """Content syllables and bigrams of a question part, weighted by IDF; framing words dropped."""
    out: dict[str, float] = {}
    for t in tokens(text, folded=True):
        parts = t.split("_")
        if all(p in FRAME for p in parts):
            continue
        out[t] = idf(t)
    return out


def coverage(terms: dict[str, float], text: str) -> float:
    if not terms:
        return 0.0
    have = set(tokens(text, folded=True))
    return sum(w for t, w in terms.items() if t in have) / sum(terms.values())


def pools(statements: Sequence[Statement], verb: str | None) -> list[list[Statement]]:
    """Candidates, closest first: made with ``verb``, then of its kind, then of the kind's family
    (đề nghị ~ đề xuất, yêu cầu ~ chỉ đạo ~ giao). "nói", "phát biểu" or no verb: every statement."""
    if verb is None or verb in ANY_KIND:
        return [list(statements)]
    kind = VERB_KINDS.get(verb, "")
    return [
        [s for s in statements if s.verb == verb],
        [s for s in statements if s.kind == kind],
        [s for s in statements if FAMILY.get(s.kind) == FAMILY.get(kind)],
    ]


def prefer_hits(statements: Sequence[Statement], ranks: dict[tuple[str, int], int]) -> list[Statement]:
    """Statements of the retrieved articles first (by hit rank), keeping the given order otherwise."""
    order = {st: i for i, st in enumerate(statements)}
    sources = {s for s, _ in ranks}
    far = len(ranks)
    return sorted(statements, key=lambda st: (ranks.get((st.source, st.article), far + (st.source not in sources)), order[st]))


def question_parts(content: str) -> tuple[str, str, tuple[int, ...]]:
    """What was said about (the topic), which meeting ("tại hội nghị ..."), and the years named."""
    years = tuple(int(y) for y in re.findall(r"(?<!\d)((?:19|20)\d{2})(?!\d)", content))
    text = re.sub(r"(?:năm|nam)?\s*(?<!\d)(?:19|20)\d{2}(?!\d)", " ", content)
    at = re.search(r"(?<!\w)(?:tại|tai|ở|o|trong)\s+(?:các\s+|cac\s+)?(?:hội nghị|hoi nghi|cuộc họp|cuoc hop|buổi|buoi|phiên|phien)",
                   text, re.IGNORECASE)
    if at is None:
        return text, "", years
    return text[: at.start()], text[at.start() :], years


def pick_meeting(facts: Facts, content: str, ranks: dict[tuple[str, int], int], idf: Idf, ok: Callable[[Meeting], bool],
                  years: tuple[int, ...] = ()) -> Meeting | None:
    """The meeting a question names: best coverage of its words by the meeting's name and title,
    retrieved articles first; with no naming words, the best-ranked retrieved meeting. Years named
    ("năm 2024") prefer the meeting held that year, then one whose title names it."""
    terms = content_terms(re.sub(r"(?<!\d)(?:19|20)\d{2}(?!\d)", " ", content), idf)
    years = years or tuple(int(y) for y in re.findall(r"(?<!\d)((?:19|20)\d{2})(?!\d)", content))
    best: tuple[float, Meeting] | None = None
    for m in facts.meetings:
        if not ok(m):
            continue
        label = " ".join(f.value for f in (m.name, m.title, m.place) if f is not None)
        cov = coverage(terms, label) if terms else 0.0
        rank = ranks.get((m.source, m.article))
        if terms and (cov == 0 or (cov < MIN_MEETING and rank is None)):
            continue
        if not terms and rank is None and not years:
            continue
        score = cov + (0.5 / (1 + rank) if rank is not None else 0.0)
        if years:
            held = m.date.value[:4] if m.date and m.date.value[:4].isdigit() else ""  # "--09-18": no year
            named = any(str(y) in label for y in years)
            # (a report dated "Sáng 24/2" with no year, on "mùa lễ hội Xuân 2026", is of that year too)
            score += 1.0 if held and int(held) in years else (0.9 if not held else 0.4) if named else 0.0
        if best is None or score > best[0]:
            best = (score, m)
    return best[1] if best else None
