"""A directory of the people in the reports, built from extracted statements and meetings.

Merges every way a person is written ("Trung tướng Trần Quốc Tỏ", "Thứ trưởng Trần Quốc Tỏ", "đồng chí
Trần Quốc Tỏ") into one entry keyed by the folded full name, with the titles seen (and when), the
meetings chaired, spoken at and attended, and statement counts by kind. ``find_people`` looks names up
accent-insensitively and by part ("tran quoc to", "Tỏ", "quoc to", "Thứ trưởng Tỏ"); ``split_titles``
turns the title chains one report gives a person into their rank and titles there.
Left out: telling apart two different people with the same full name, and people only mentioned in
passing (award or contest names), who never reach this directory.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

from rag.facts.lexicon import MEMBER_HEADS, RANKS, TITLE_HEADS
from rag.facts.meetings import Meeting, Person
from rag.facts.speech import Statement, is_person_speaker
from rag.textnorm import fold, has_diacritics, nfc


@dataclass(frozen=True)
class TitleSeen:
    title: str
    date: str | None
    source: str
    article: int


@dataclass(frozen=True)
class MeetingRef:
    source: str
    article: int
    name: str
    date: str | None
    role: str  # "chair", "bridge chair", "speaker", "participant"


@dataclass(frozen=True)
class PersonEntry:
    key: str  # folded full name: "tran quoc to"
    name: str  # NFC full name as written
    titles: tuple[TitleSeen, ...]
    meetings: tuple[MeetingRef, ...]
    statements: int
    kinds: tuple[tuple[str, int], ...]  # (kind, count), most frequent first

    @property
    def chaired(self) -> tuple[MeetingRef, ...]:
        return tuple(m for m in self.meetings if m.role in ("chair", "bridge chair"))

    @property
    def spoke_at(self) -> tuple[MeetingRef, ...]:
        return tuple(m for m in self.meetings if m.role == "speaker")

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["kinds"] = dict(self.kinds)
        return d


def person_key(name: str) -> str:
    return " ".join(fold(nfc(name)).split())


# A chain "Phó Bí thư Tỉnh ủy, Chủ tịch UBND tỉnh, Trưởng ban Chỉ đạo phòng, chống tội phạm tỉnh" is split
# at the commas followed by a title head, never at one inside a body's name (", chống", ", thiên tai").
# So is a comma before a lower-case membership ("…, thành viên đoàn công tác").
_TITLE_SPLIT = re.compile(r",\s+(?=(?:" + "|".join(map(re.escape, (*TITLE_HEADS, *MEMBER_HEADS))) + r")(?!\w))")
_RANK = re.compile(r"(?:" + "|".join(map(re.escape, RANKS)) + r"|(?:GS|PGS|TS|ThS|BS)(?:\.(?:TS|GS|BS))*)")


def split_titles(chains: Iterable[str]) -> tuple[str | None, tuple[str, ...]]:
    """(rank, titles) of one person from the title strings one report gives them, in order of first mention.

    Ranks ("Đại tá", "PGS.TS") are not titles; a title that another one of the same report continues
    ("Thứ trưởng" beside "Thứ trưởng Bộ Giao thông vận tải", "Trưởng ban Chỉ đạo" beside "Trưởng ban Chỉ
    đạo phòng, chống tội phạm tỉnh") is that short form, not a title of its own."""
    rank: str | None = None
    found: dict[str, str] = {}  # folded -> as written
    for chain in chains:
        for part in _TITLE_SPLIT.split(chain.strip()):
            part = part.strip(" ,")
            if not part:
                continue
            if _RANK.fullmatch(part):
                rank = rank or part
                continue
            found.setdefault(" ".join(fold(part).split()), part)
    keys = list(found)
    kept = [k for k in keys if not any(o != k and o.startswith(k + " ") for o in keys)]
    return rank, tuple(found[k] for k in kept)


class _Acc:
    def __init__(self, name: str) -> None:
        self.name = name
        self.titles: dict[tuple[str, str | None, str, int], None] = {}
        self.meetings: dict[tuple[str, int, str], MeetingRef] = {}
        self.kinds: Counter[str] = Counter()


def build_people(statements: Iterable[Statement], meetings: Iterable[Meeting]) -> list[PersonEntry]:
    """One entry per person, most statements first, then by name."""
    acc: dict[str, _Acc] = {}
    names: dict[tuple[str, int], tuple[str, str | None]] = {}
    meetings = list(meetings)
    for m in meetings:
        names[(m.source, m.article)] = (m.label, m.date.value if m.date else None)

    def get(name: str) -> _Acc:
        k = person_key(name)
        if k not in acc:
            acc[k] = _Acc(nfc(name))
        return acc[k]

    def add_title(a: _Acc, title: str, date: str | None, source: str, article: int) -> None:
        if title.strip():
            a.titles.setdefault((title.strip(), date, source, article), None)

    def add_meeting(a: _Acc, source: str, article: int, role: str) -> None:
        label, date = names.get((source, article), (f"{source} #{article}", None))
        key = (source, article, role)
        a.meetings.setdefault(key, MeetingRef(source, article, label, date, role))

    for m in meetings:
        date = m.date.value if m.date else None
        groups: list[tuple[str, Iterable[Person | None]]] = [
            ("chair", m.chairs),
            ("bridge chair", (b.chair for b in m.bridges)),
            ("participant", m.participants),
        ]
        for role, people in groups:
            for p in people:
                if p is None:
                    continue
                a = get(p.name)
                add_title(a, p.title, date, m.source, m.article)
                add_meeting(a, m.source, m.article, role)
    for st in statements:
        if not is_person_speaker(st):
            continue  # groups, bodies and the meeting are not people (their statements stay listed)
        a = get(st.speaker)
        add_title(a, st.speaker_title, st.date, st.source, st.article)
        add_meeting(a, st.source, st.article, "speaker")
        a.kinds[st.kind] += 1
    out = [
        PersonEntry(
            key=k, name=a.name, titles=tuple(TitleSeen(*t) for t in a.titles),
            meetings=tuple(a.meetings.values()), statements=sum(a.kinds.values()),
            kinds=tuple(a.kinds.most_common()),
        )
        for k, a in acc.items()
    ]
    out.sort(key=lambda p: (-p.statements, p.key))
    return out


def _strip_titles(query: str) -> str:
    q = " ".join(nfc(query).split())
    changed = True
    while changed:
        changed = False
        for h in TITLE_HEADS:
            if fold(q).startswith(fold(h) + " "):
                q, changed = q[len(h) :].strip(), True
                break
    return q


def find_people(query: str, people: Iterable[PersonEntry]) -> list[PersonEntry]:
    """People whose name contains the query's syllables as a run, accent-insensitively; best first.

    Ranking: the whole name, then a run ending at the given name ("Tỏ", "quoc to"), then any run;
    when the query carries accents, exact-accent matches come before folded-only ones ("Tô" vs "Tỏ").
    """
    q = _strip_titles(query)
    qf = fold(q).split()
    if not qf:
        return []
    accented = has_diacritics(q)
    scored = []
    for p in people:
        nf = p.key.split()
        raw = nfc(p.name).lower().split()
        best = None
        for i in range(len(nf) - len(qf) + 1):
            if nf[i : i + len(qf)] != qf:
                continue
            score = 3 if len(qf) == len(nf) else 2 if i + len(qf) == len(nf) else 1
            if accented and raw[i : i + len(qf)] == q.lower().split():
                score += 10
            best = max(best or 0, score)
        if best is not None:
            scored.append((-best, -p.statements, p.key, p))
    scored.sort(key=lambda t: t[:3])
    if accented and scored and scored[0][0] <= -10:  # exact-accent matches hide folded-only ones
        scored = [t for t in scored if t[0] <= -10]
    return [t[3] for t in scored]
