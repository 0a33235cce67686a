"""People named in a meeting report: a name with a title written before it ("Giám đốc Sở Xây dựng Nguyễn
Minh Tuấn", "Đại tá Dương Hữu Nghĩa") or after it ("ông Hoàng Văn Chung, Chủ tịch UBND tỉnh, …"), and the
short forms that follow ("bà Lan Anh", "Chủ tịch Chung") resolved to the full name introduced earlier.

Covers appositive title chains with commas inside a body's name ("Trưởng ban Chỉ đạo phòng, chống tội phạm
tỉnh"), place names that end right before a name ("tỉnh Hòa Lâm Mạc Văn Hiển"), and the title or short form
of a later reference (``SHORT_REF``, ``full_name_for``). A full name found once (after an honorific or a
listed surname) is found again wherever it is written whole, so a surname missing from the list costs nothing
after the introduction ("Ông Kha Minh Triết …" then "Phó Chủ tịch UBND tỉnh Kha Minh Triết"). A title before
the name may hold "và" inside a body's name ("Giám đốc Sở Nông nghiệp và Môi trường Lã Thị Thu Hằng"), and
upland surnames start a name after a place ("Chủ tịch UBND xã Khau Mận Vàng A Sính"). A surname-first pair after
an honorific ("bà Mai Phương") is a short form of the earlier full name that ends with it. A
representative's role written before the name ("Đại diện Công ty …, ông X, Giám đốc Công ty") is a title, and
so is a position fronted at the start of a sentence ("Giám đốc Công ty Điện lực Nam Kha, ông Triệu Đức Hạ, cho
biết …"). Lower-case items of a list inside a body's name stay in the title ("Trưởng ban Chỉ đạo xúc tiến đầu tư,
thương mại, du lịch tỉnh chủ trì") and so does one that ends with the body's level before the clause ends or the
predicate comes ("vệ sinh, an toàn thực phẩm tỉnh;"); an action after a comma does not ("…, trực tiếp chỉ đạo …").
Names inside quotes are not mentions.
Left out: who says what (``rag.facts.speech``), names without any title or honorific, and named-entity
recognition beyond these patterns.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from rag.facts.lexicon import HONORIFICS, MEMBER_HEADS, NAME_STARTS, RANKS, TITLE_HEADS, VERB_RE, mask_quotes
from rag.textnorm import fold, nfc
from rag.vi import CHAIR_VERB

# The honorific is a word of its own: "Sông Hậu Kiên Lộc" (a river in a company's name) does not end in "ông".
_HONORIFIC_END = re.compile(r"(?<!\w)(?:đồng chí|ông|bà|Đồng chí|Ông|Bà|" + "|".join(RANKS) + r")\s$")
_ACRONYM = re.compile(r"\([A-ZĐ0-9&]{2,10}\)")
# Words that start upper-case: the only ones a name can start or continue with (most words are not).
_UPPER = "".join(sorted({c for c in map(chr, range(0x41, 0x2000)) if c.isupper()}))
_CAPITALISED = re.compile(r"\b[" + re.escape(_UPPER) + r"]\w*")
_HEAD_AFTER = re.compile(r"\s*(?:" + "|".join(map(re.escape, TITLE_HEADS)) + r")(?!\w)")
_AND_STOP = re.compile(
    r"(?:\d|hơn|các|những|nhiều|toàn|đại diện|lãnh đạo|đồng chí|ông|bà|"
    + "|".join(map(re.escape, TITLE_HEADS))
    + r")(?!\w)"
)
# "thầy"/"cô" are how a report refers back to a teacher or headmaster ("Thầy Hòe cho biết …").
SHORT_REF = re.compile(
    r"(?:[Đđ]ồng chí|[Ôô]ng|[Bb]à|[Tt]hầy|[Cc]ô|" + "|".join(map(re.escape, TITLE_HEADS)) + r")\s+(\w+)(?!\s+[A-ZĐÂĂÊÔƠƯ])"
)
_BREAK_WORD = re.compile(r"(?:và|có|của|với|tại|từ|cho|là|thì|do|như|gồm|dự|trao|tặng|về)\s")
# "và" between two capitalised words joins a body's name ("Giám đốc Sở Nông nghiệp và Môi trường Lã Thị Thu
# Hằng"), unless a title or an honorific follows it ("… và Phó Giám đốc …": a second person).
_AND_IN_BODY = re.compile(
    r"và\s+(?!(?:" + "|".join(map(re.escape, TITLE_HEADS)) + r")(?!\w))[" + re.escape(_UPPER) + r"]"
)
_PLACE_WORD = re.compile(r"(?:tỉnh|thành phố|huyện|xã|phường|quận|thị xã|thị trấn|TP\.?|điểm cầu|tại|ở)\s$")
_PLACE_BEFORE_WORD = re.compile(r"(?:tỉnh|thành phố|huyện|xã|phường|quận|thị xã)\s+[A-ZĐ]\w*\s$")
_PLACE_NAMES = frozenset({"ho chi minh", "ba ria vung tau", "thua thien hue"})
# A representative's role fronted before the name it introduces: "Đại diện Công ty …, ông X, …" (sentence or
# clause start, the role, a comma, an honorific, the name).
_FRONTED_ROLE = re.compile(r"(?:^|(?<=[.;:\n])\s*|,\s*)(Đại diện\s+[^,;:.“”\"\n]{3,150}),\s*(?:ông|bà|đồng chí)\s+$")
# A position fronted at the start of a sentence: "Giám đốc Công ty Điện lực Nam Kha, ông Triệu Đức Hạ, cho biết …"
# (only there: inside a list of attendees, the title before a comma is the previous person's).
_FRONTED_TITLE = re.compile(
    r"(?:^|(?<=[.;:\n])\s*)((?:" + "|".join(map(re.escape, [h for h in TITLE_HEADS if h not in ("Ông", "Bà", "Đồng chí")]))
    + r")(?!\w)[^,;:.“”\"\n]{3,150}),\s*(?:ông|bà|đồng chí)\s+$"
)
# A lower-case item after a comma that ends with the body's level ("tỉnh", "thành phố", …) right before the clause
# ends or the predicate comes ("Trưởng ban Chỉ đạo liên ngành về vệ sinh, an toàn thực phẩm tỉnh;", "… phát triển
# nông nghiệp, nông thôn và xây dựng nông thôn mới tỉnh, chủ trì"): a body's name ends there, a clause would not.
_LEVEL_TAIL = re.compile(
    r"(?:(?!" + VERB_RE.pattern + "|" + CHAIR_VERB.pattern + r")[^,;.:“”\"()\n]){1,70}?\s"
    r"(?:tỉnh|thành phố|huyện|quận|thị xã|Trung ương)"
    r"(?=\s*(?:[;.\n]|$|,\s*(?:" + VERB_RE.pattern + "|" + CHAIR_VERB.pattern + r")))"
)
# Words that open the next item of a list of attendees rather than a body's name ("…, đại diện các sở, ngành tỉnh").
_TAIL_OPENER = re.compile(r"(?:đại diện|lãnh đạo|các|những|cùng|và|cán bộ|thành viên)(?!\w)")
# Membership written lower-case after a first title ("Phó Cục trưởng Cục An toàn thực phẩm, thành viên đoàn công tác")
# is a title of its own; alone after the name it is not one.
_LOWER_MEMBER = re.compile(r"(?:" + "|".join(MEMBER_HEADS) + r")\s+\w")
# Words that open an action: after a comma they end a title rather than continue a body's name.
_TAIL_ACTION = re.compile(r"(?:trực tiếp|khẩn trương|chủ động|tiếp tục|đồng thời|cũng|đã|sẽ)(?!\w)")


@dataclass(frozen=True)
class Mention:
    """A person named in the text: ``text[start:end]`` is title prefix + name (+ appositive title)."""

    name: str  # canonical full name, NFC
    title: str  # ranks/positions as written, prefix and appositive joined by ", "
    start: int  # local offsets within the analysed text
    name_start: int
    name_end: int
    end: int  # end of the appositive title (== name_end when none)



def _title_prefix(masked: str, name_start: int) -> tuple[int, str]:
    """Start and text of a title written before a name ("Giám đốc Sở Xây dựng ")."""
    lo = max(0, name_start - 90)
    window = masked[lo:name_start]
    cut = max(
        i for i in [-1, *range(len(window))]
        if i < 0 or (window[i] in ",;:\n“”\"(-–" or (window[i] == "." and window[i + 1 : i + 2] in (" ", "")))
    )
    seg_start = lo + cut + 1
    word_starts = [seg_start + m.start(1) for m in re.finditer(r"(?:^|\s)(\S)", masked[seg_start:name_start])]
    best: tuple[int, str] = (name_start, "")
    for n, s in enumerate(reversed(word_starts)):
        if n >= 10 or VERB_RE.match(masked, s):
            break
        if _BREAK_WORD.match(masked, s) and (n == 0 or not _AND_IN_BODY.match(masked, s)):
            break
        cand = masked[s:name_start].strip()
        up = cand[:1].upper() + cand[1:]
        if any(up.startswith(h) and (len(up) == len(h) or not up[len(h)].isalnum()) for h in TITLE_HEADS):
            best = (s, cand)
    return best



def _strip_honorific(title: str) -> str:
    t = title.strip()
    changed = True
    while changed:
        changed = False
        for h in HONORIFICS:
            if fold(t).startswith(fold(h) + " ") or fold(t) == fold(h):
                t, changed = t[len(h) :].strip(), True
    return t


def _appositive(masked: str, pos: int, stop: int) -> tuple[str, int]:
    """Comma/dash separated positions after a name, up to the first verb, lower-case clause or ``stop``."""
    parts: list[str] = []
    end = pos
    while True:
        m = re.match(r"\s*(?:,|\s[-–])\s*", masked[end:stop]) if end < stop else None
        if not m:
            break
        s = end + m.end()
        member = _LOWER_MEMBER.match(masked, s) is not None and bool(parts)
        if s >= stop or not (member or masked[s].isupper() and any(masked.startswith(h, s) for h in TITLE_HEADS)):
            break
        e = s
        limit = min(stop, s + 160)
        while e < limit:
            ch = masked[e]
            if ch == "," and masked[e - 6 : e].lower() == " phòng" and masked.startswith(", chống", e):
                e += 1
                continue
            if ch == "," and re.match(r", [a-zđ]", masked[e : e + 3]) and _name_tail_before_verb(masked, e + 2):
                e += 1  # "Chủ tịch Ủy ban Quốc gia ứng phó sự cố, thiên tai và …": a comma inside a body's name
                continue
            acronym = _ACRONYM.match(masked, e) if ch == "(" else None
            if acronym:  # "Trưởng Ban Chỉ đạo giải phóng mặt bằng (GPMB) các dự án trọng điểm"
                e = acronym.end()
                continue
            if ch in ",;.:\n“”\"(" or (ch in "-–" and masked[e - 1 : e] == " " and _HEAD_AFTER.match(masked, e + 1)):
                break
            if masked.startswith(" và ", e) and _AND_STOP.match(masked, e + 4):
                break
            if masked[e - 1 : e] == " " and (VERB_RE.match(masked, e) or CHAIR_VERB.match(masked, e)):
                break
            e += 1
        seg = masked[s:e].strip()
        seg = re.sub(r"\s+và$", "", seg)
        if not seg:
            break
        parts.append(seg)
        end = s + len(masked[s:e].rstrip())
        if end < e and masked[e - 1 : e] == " " and (VERB_RE.match(masked, e) or CHAIR_VERB.match(masked, e)):
            break
    return ", ".join(parts), end


def _name_tail_before_verb(masked: str, pos: int) -> bool:
    """Whether a short lower-case run at ``pos`` ends a body's name right before the predicate
    ("…, thiên tai và tìm kiếm cứu nạn chủ trì hội nghị"), not a clause of its own."""
    # "nông, lâm nghiệp và phòng, chống thiên tai tỉnh chủ trì": "phòng, chống" is one word of the name, and so are
    # further lower-case items of a list in it ("xúc tiến đầu tư, thương mại, du lịch tỉnh chủ trì")
    m = re.match(r"(?:[^,;.:“”\"()]|(?<=phòng), (?=chống )|, (?=[a-zđ]))+", masked[pos : pos + 80])
    if not m or _TAIL_ACTION.match(masked, pos):
        return False  # "…, trực tiếp chỉ đạo …": an action after the title, not part of a body's name
    if _LEVEL_TAIL.match(masked, pos) and not _TAIL_OPENER.match(masked, pos):
        return True  # "…, nông thôn và xây dựng nông thôn mới tỉnh, chủ trì": the body's level closes its name
    seg = m.group()
    v = next((x for x in (VERB_RE.search(seg), CHAIR_VERB.search(seg)) if x is not None and x.start() > 0), None)
    if v is None or seg[v.start() - 1] != " " or len(seg[: v.start()].split()) > 8 or v.group(1) == "giao":
        return False
    return pos + m.end() >= len(masked) or masked[pos + m.end()] != ","


def person_mentions(text: str, masked: str | None = None) -> list[Mention]:
    """People named with a title (prefix or appositive), outside quotes, in text order."""
    masked = mask_quotes(text) if masked is None else masked
    # Only capitalised words: a name's syllables are, and two of them are adjacent when only a space
    # separates them, exactly as when every word is listed.
    toks = [(m.start(), m.end(), m.group()) for m in _CAPITALISED.finditer(masked)]
    raw: list[tuple[int, int, str]] = []
    i = 0
    while i < len(toks):
        s, e, w = toks[i]
        # a name starts upper-case; most tokens are not, and need no look behind
        if w[:1].isupper() and (w in NAME_STARTS or _honorific_before(masked, s)):
            if w not in NAME_STARTS and any(masked.startswith(h, s) for h in TITLE_HEADS):
                i += 1  # "Đồng chí Phó Chủ tịch UBND tỉnh yêu cầu": a title after the honorific, not a name
                continue
            j = i + 1
            while j < len(toks) and j - i < 4 and toks[j][2][:1].isupper() and masked[toks[j - 1][1] : toks[j][0]] == " ":
                if toks[j][2].isupper() and len(toks[j][2]) > 1:  # acronyms (UBND) are not syllables of names
                    break
                j += 1
            if j - i >= 3 and toks[i + 1][2] in NAME_STARTS and _PLACE_BEFORE_WORD.search(masked, max(0, s - 24), s):
                i += 1  # "tỉnh Hòa Lâm Mạc Văn Hiển": "Lâm" ends the place, the name starts after it
                continue
            placeish = _PLACE_WORD.search(masked, max(0, s - 14), s) is not None
            if placeish and (j - i < 3 or fold(text[s : toks[j - 1][1]]) in _PLACE_NAMES):
                i += 1
                continue
            if j - i >= 2 and w[:1].isupper() and not (w.isupper() and len(w) > 1):
                raw.append((s, toks[j - 1][1], text[s : toks[j - 1][1]]))
                i = j
                continue
        i += 1
    repeats = _known_name_repeats(text, masked, toks, raw)
    # "Giám đốc Sở Xây dựng Khương Hoàng Anh" after "ông Khương Hoàng Anh": the known full name wins over the
    # shorter name a listed surname starts inside it ("Hoàng Anh")
    raw = sorted([r for r in raw if not any(a < r[0] and r[1] <= b for a, b, _ in repeats)] + repeats)
    out: list[Mention] = []
    for k, (ns, ne, name) in enumerate(raw):
        stop = raw[k + 1][0] if k + 1 < len(raw) else len(masked)
        ps, prefix = _title_prefix(masked, ns)
        appos, aend = _appositive(masked, ne, stop)
        role = None
        if _strip_honorific(prefix) == "":
            role = _FRONTED_ROLE.search(masked, max(0, ns - 200), ns) or _FRONTED_TITLE.search(masked, max(0, ns - 200), ns)
        # "Đại diện Công ty …, ông X, Giám đốc Công ty, khẳng định …": the role fronted before the name is a title
        title = ", ".join(t for t in (role.group(1) if role else "", _strip_honorific(prefix), appos) if t)
        if not prefix and not appos:
            continue
        out.append(Mention(nfc(name), title, ps, ns, ne, aend))
    return _resolve_short_forms(out)


def _known_name_repeats(
    text: str, masked: str, toks: Sequence[tuple[int, int, str]], raw: Sequence[tuple[int, int, str]]
) -> list[tuple[int, int, str]]:
    """Later occurrences of a full name already found (three syllables or more) whose surname is not a listed
    one: once "ông Kha Minh Triết" introduces him, "Phó Chủ tịch UBND tỉnh Kha Minh Triết" names him too.

    The whole run of capitalised words must be the name, so a longer name that contains it is not matched."""
    known: dict[str, set[tuple[str, ...]]] = {}  # first syllable -> full names
    for _, _, n in raw:
        if len(n.split()) >= 3:
            known.setdefault(n.split()[0], set()).add(tuple(n.split()))
    spans = [(s, e) for s, e, _ in raw]
    out: list[tuple[int, int, str]] = []
    for i, (s, _, w) in enumerate(toks):
        if w not in known or w in NAME_STARTS or any(a <= s < b for a, b in spans):
            continue
        if i > 0 and toks[i - 1][2][:1].isupper() and masked[toks[i - 1][1] : s] == " ":
            continue  # inside a longer capitalised run
        for parts in known[w]:
            j = i + len(parts)
            run = toks[i:j]
            longer = j < len(toks) and masked[toks[j - 1][1] : toks[j][0]] == " " and toks[j][2][:1].isupper()
            if (len(run) == len(parts) and tuple(t[2] for t in run) == parts and not longer
                    and all(masked[a[1] : b[0]] == " " for a, b in zip(run, run[1:], strict=False))):
                out.append((s, run[-1][1], text[s : run[-1][1]]))
                break
    return out


def _resolve_short_forms(mentions: list[Mention]) -> list[Mention]:
    """Short forms ("bà Lan Anh", "Chủ tịch Chung") named by the full name introduced earlier.

    A mention of one or two syllables not starting with a surname becomes the unique earlier full
    name (three syllables or more) ending with the same syllables; its own title is kept when it has one."""
    out: list[Mention] = []
    for m in mentions:
        words = m.name.split()
        # a surname-first pair after an honorific alone ("bà Mai Phương") is a short form too, when an earlier
        # full name ends with it ("Thân Thị Mai Phương")
        short = len(words) <= 2 and (words[0] not in NAME_STARTS or not m.title)
        full = full_name_for(words, out) if short else None
        if full is not None:
            m = Mention(full.name, m.title or full.title, m.start, m.name_start, m.name_end, m.end)
        out.append(m)
    return out


def full_name_for(words: Sequence[str], known: Sequence[Mention]) -> Mention | None:
    """The unique full name among ``known`` that ends with ``words`` (exact accents), else None."""
    n = len(words)
    names = {k.name: k for k in known if len(k.name.split()) >= n + 1 and k.name.split()[-n:] == list(words)}
    return next(iter(names.values())) if len(names) == 1 else None


def _honorific_before(masked: str, pos: int) -> bool:
    return _HONORIFIC_END.search(masked, max(0, pos - 40), pos) is not None



def person_mentions_in(mentions: Iterable[Mention], s: int, e: int) -> list[Mention]:
    return [m for m in mentions if s <= m.name_start < e]

