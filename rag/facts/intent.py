"""Which who-said-what question a question is: its reporting verb, the person it names (whole, in
part, without accents, or by a role alone), and the form it takes (chair, person, speakers, who_verb,
bridges). Used by ``rag.facts.router``, which answers each form from the extracted facts.
Left out: answering (``rag.facts.router``) and matching the rest of the question against the facts
(``rag.facts.factmatch``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass

from rag.facts.factmatch import ANY_KIND
from rag.facts.lexicon import RANKS, SURNAMES, TITLE_HEADS, VERB_KINDS
from rag.facts.people import PersonEntry
from rag.question import analyse
from rag.textnorm import fold, has_diacritics, nfc
from rag.vi import CHAIR_VERBS, GIAO_OTHER_WORD_FOLDED

_VERBS = sorted({*VERB_KINDS, *ANY_KIND, *CHAIR_VERBS}, key=len, reverse=True)
# Folded words that look like a verb but are another word with the next syllable: "giao ban" is a meeting,
# "noi vu" / "noi bat" / "noi dung" (typed without accents) are "nội vụ" / "nổi bật" / "nội dung", not "nói".
_NOT_VERB_AFTER = {
    "giao": tuple(GIAO_OTHER_WORD_FOLDED),
    "noi": ("vu", "bat", "dung", "bo", "dia", "thanh", "o", "tru", "that", "khoa", "tam", "lam", "cu"),
}
_HONORIFICS = {"ong", "ba", "chi"}  # "ông Tỏ", "bà Hà", "đồng chí Hưng"
_PLACE_NOUNS = {"tinh", "huyen", "xa", "phuong", "quan", "pho", "tran"}  # folded last syllable of a place noun
_FOLDED_HEADS = tuple(fold(h).lower() for h in TITLE_HEADS)
_AFTER_NAME = ("co ", "da ", "duoc ", "tai ", "o ", "ve ", "trong ", "la ", "thi ", "va ", "con ", "noi", "cung ", "gi", "neu", "chi ",
               "de ", "nhan ", "khang ", "danh ", "giao", "kien ", "bao ", "cho ", "phat ", "chu ")
_FOLDED_RANKS = frozenset(fold(r).lower() for r in RANKS)  # "Đại tá" alone is a rank, not a role


@dataclass(frozen=True)
class Intent:
    form: str  # "chair", "person", "speakers", "who_verb"
    verb: str | None  # the verb as in VERB_KINDS (accented), None when the question has none
    content: str  # the question after the verb (or after the name): what was said, or which meeting
    person: PersonEntry | None = None
    by_role: bool = False  # the person was named by a role alone: answer only what they clearly said
    where: str = ""  # the question before the verb: "Tại hội nghị ..., ai là người báo cáo ...?" names a meeting


def find_verb(question: str, start: int = 0) -> tuple[str, int, int] | None:
    """The first reporting verb of a question at or after ``start`` (accented form, start, end),
    with or without accents."""
    accented = has_diacritics(question)
    q = nfc(question).lower() if accented else fold(nfc(question))
    best: tuple[str, int, int] | None = None
    for v in _VERBS:
        pat = v if accented else fold(v)
        for m in re.finditer(rf"(?<!\w){re.escape(pat)}(?!\w)", q[start:]):
            m_start, m_end = m.start() + start, m.end() + start
            after = re.findall(r"\w+", fold(q[m_end : m_end + 20]))[:1]
            if after and after[0] in _NOT_VERB_AFTER.get(fold(pat), ()):
                continue
            if re.search(r"(?<!\w)ban\s*$", fold(q[max(0, m_start - 5) : m_start])):
                continue  # "Trưởng Ban Chỉ đạo 389": a body, not "chỉ đạo"
            if best is None or m_start < best[1]:
                best = (v, m_start, m_end)
            break
    return best


def person_in(question: str, people: Sequence[PersonEntry], preferred: AbstractSet[str] = frozenset()) -> tuple[PersonEntry, int] | None:
    """The person a question names, and where the name ends (a character offset), or None.

    A whole name, its last two syllables ("Quốc Tỏ"), or the given name after a title or
    honorific ("Thứ trưởng Tỏ", "bà Hà"); folded, so "tran quoc to" works. Exact accents win over
    folded-only matches, then people of the retrieved articles (``preferred`` keys), then by
    statement count.
    """
    q = nfc(question)
    spans = [(m.start(), m.end()) for m in re.finditer(r"\w+", q)]
    raw = [q[s:e].lower() for s, e in spans]
    qf = [fold(w) for w in raw]
    accented = has_diacritics(q)
    best: tuple[tuple[int, int, int], PersonEntry, int] | None = None
    for p in people:
        nf = p.key.split()
        pr = nfc(p.name).lower().split()
        tries = [(len(nf), 3)] + ([(2, 2)] if len(nf) >= 3 else []) + [(1, 1)]
        for size, rank in tries:
            run = nf[-size:]
            for i in range(len(qf) - size + 1):
                if qf[i : i + size] != run or (i and qf[i - 1] in _PLACE_NOUNS):  # "tỉnh Thái Bình" is a place
                    continue
                if size == 1 and not _titled_given_name(q, spans, qf, i):
                    continue
                exact = int(accented and raw[i : i + size] == pr[-size:])
                score = (rank * 10 + exact * 5, int(p.key in preferred), p.statements)
                if best is None or score > best[0]:
                    best = (score, p, spans[i + size - 1][1])
            if best is not None and best[1] is p:
                break
    return (best[1], best[2]) if best else None


_ROLE_PLACE = re.compile(r"\s(?:tinh|huyen|thanh pho|thi xa|quan|xa|phuong|tp)\s.*$")


def role_in(question: str, people: Sequence[PersonEntry], preferred: Mapping[str, int]) -> tuple[PersonEntry, int] | None:
    """The person a question names by a role alone ("Giám đốc Sở Tài chính Hòa Giang đề nghị gì?"), and
    where the role ends, or None. A role is one part of a title as written at a meeting, up to its place
    ("Giám đốc Sở Tài chính" of "Tỉnh ủy viên, Giám đốc Sở Tài chính tỉnh Hòa Giang"); "Chủ tịch" is not
    "Phó Chủ tịch". Only people of the retrieved articles (``preferred``: person key -> best hit rank), the
    best-ranked first, then the longest role, then those whose title names a place the question names."""
    qf = fold(nfc(question))
    best: tuple[tuple[int, int, int, int], PersonEntry, int] | None = None
    for p in people:
        if p.key not in preferred:
            continue  # a role is held in many reports: the retrieved ones say whose it is
        for seen in p.titles:
            for part in seen.title.split(","):
                role = _ROLE_PLACE.sub("", " " + fold(part).strip() + " ").strip()
                if len(role.split()) < 2 or not role.startswith(_FOLDED_HEADS) or role in _FOLDED_RANKS:
                    continue
                m = re.search(rf"(?<!\w)(?<!pho ){re.escape(role)}(?!\w)", qf)
                # "Chủ tịch huyện Mường Khê" is the Chủ tịch UBND huyện Mường Khê, when the place is the same
                bare = re.sub(r" (?:ubnd|uy ban nhan dan)$", "", role)
                m = m or (re.search(rf"(?<!\w)(?<!pho ){re.escape(bare)}(?=\s+(?:tinh|huyen|xa|thanh pho|quan|phuong|thi xa)\s)", qf)
                          if bare != role else None)
                if m is None:
                    continue
                place = _ROLE_PLACE.search(" " + fold(part).strip())
                asked = _ROLE_PLACE.search(" " + qf[m.end() : m.end() + 40])  # "Chủ tịch UBND thành phố Hải Ninh"
                if place is not None and asked is not None and place.group(0).split()[:2] != asked.group(0).split()[:2]:
                    continue  # the Chủ tịch UBND of another place
                if bare != role and m.group(0) == bare and (place is None or asked is None):
                    continue
                named_place = int(place is not None and place.group(0).split()[-1] in qf)
                score = (-preferred[p.key], len(role), named_place, p.statements)
                if best is None or score > best[0]:
                    best = (score, p, m.end())
    return (best[1], best[2]) if best else None


def _titled_given_name(q: str, spans: list[tuple[int, int]], qf: list[str], i: int) -> bool:
    """A lone given name counts only when capitalised and right after a title or honorific."""
    if not q[spans[i][0]].isupper() or i == 0:
        return False
    before = " ".join(qf[max(0, i - 6) : i])
    if not (qf[i - 1] in _HONORIFICS or any((" " + before).endswith(" " + h) for h in _FOLDED_HEADS)):
        return False
    # "Giám đốc Bảo đề nghị ..." names a person; "Giám đốc Bảo hiểm xã hội ..." a unit: a name is followed
    # by what is said of it (a verb, a preposition) or by nothing
    after = " ".join(qf[i + 1 : i + 3])
    return not after or after.startswith(_AFTER_NAME) or any(after.startswith(fold(v)) for v in _VERBS)


def _person_like(name: str, question: str) -> bool:
    """A name that may be a person's: two words or more from a surname, not a place ("tỉnh Hà Lâm")."""
    place = re.search(rf"(?i:tỉnh|tinh|huyện|huyen|thành phố|thanh pho|xã|xa|phường|phuong|quận|quan|thị xã|thi xa|TP\.?)"
                      rf"\s+{re.escape(name)}", question)
    return len(name.split()) >= 2 and name.split()[0] in SURNAMES and place is None


def parse_question(question: str, people: Sequence[PersonEntry], preferred: Mapping[str, int] | None = None) -> Intent | None:
    """Which facts question this is, or None when it is not one the facts can answer."""
    qf = fold(nfc(question))
    asks_who = re.search(r"(?<!\w)ai(?!\w)", qf) is not None
    verb = find_verb(question)
    around = question[: verb[1]] + " " + question[verb[2] :] if verb else question  # "Hội nghị X do ai chủ trì?"
    if asks_who and verb and verb[0] in CHAIR_VERBS:
        return Intent("chair", verb[0], around)
    bridges = re.search(r"(?<!\w)(?:nhung|cac)\s+diem\s+cau(?!\w)|diem\s+cau\s+nao|bao\s+nhieu\s+diem\s+cau", qf)
    if bridges and not asks_who:  # "Hội nghị X có những điểm cầu nào?"
        return Intent("bridges", None, question[: bridges.start()] + " " + question[bridges.end() :])
    preferred = preferred or {}
    if re.search(r"(?<!\w)(?:tu luc nao|tu khi nao|tu bao gio|khi nao|bao gio|luc nao|nam nao|ngay nao)(?!\w)", qf):
        return None  # "Ông X làm Trưởng ban từ lúc nào?" asks a date the reports give, not what X said
    named = person_in(question, people, set(preferred))
    by_role = named is None and not any(_person_like(n, question) for n in analyse(question).names)
    named = named or (role_in(question, people, preferred) if by_role else None)
    # The verb a person is asked about follows the name; an earlier one belongs to the title or topic.
    said = find_verb(question, max(0, named[1] - 1)) if named else None
    if named and said:
        return Intent("person", said[0], question[said[2] :], named[0], by_role=by_role)
    if asks_who and verb:
        rest = fold(question[verb[2] :]).strip(" ?.!")
        if verb[0] in ANY_KIND and (not rest or re.match(r"(?:tai|o|trong)\s", rest)):
            return Intent("speakers", verb[0], around)
        return Intent("who_verb", verb[0], question[verb[2] :], where=question[: verb[1]])
    return None
