"""Splitting a source text into articles and reading each article's title and date.

Scraped report files often hold several reports glued together: one ends with its byline
("Phòng Công tác đảng ...") and the next title follows, sometimes without even a line break.
A boundary is placed where a title-like line is followed by a date line, or where a byline is
followed by a new report. An article's date is its meeting's (``rag.dates``: "Ngày 07/12, tại ...",
"Chiều 10/7" with the year the report fixes), else a full date of its head ("07/12/2021", "ngày 7 tháng
12 năm 2021") or its publication line ("Đăng vào 08/12/2021"); else a period such as "Sáu tháng đầu năm
2022" or "quý III/2024".
Left out: boundaries that leave no visible trace in the text.
"""

from __future__ import annotations

import re
from datetime import date as _date

from rag.dates import DATE_LINE, HEAD_CHARS, meeting_date
from rag.textnorm import fold
from rag.types import Article
from rag.vi import PUBLISHED

_NUM_WORDS = {
    "mot": 1, "hai": 2, "ba": 3, "bon": 4, "tu": 4, "nam": 5, "sau": 6, "bay": 7,
    "tam": 8, "chin": 9, "muoi": 10, "muoi mot": 11, "muoi hai": 12,
}
_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4}

_LONG_DATE = re.compile(r"ngày\s+(\d{1,2})\s+tháng\s+(\d{1,2})\s+năm\s+(\d{4})", re.I)
_NUM_DATE = re.compile(r"(?<![\d/])(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})(?![\d/])")
_PERIOD = re.compile(
    r"\b((?:(?:sáu|6|ba|3|chín|9)\s+tháng\s+(?:đầu|cuối)\s+năm|năm|quý\s+(?:I{1,3}|IV|[1-4]))\s*(?:/\s*)?(\d{4}))",
    re.I,
)
_DATE_LINE = re.compile(
    r"^\s*(?:(?:Đăng vào|Đăng ngày|Cập nhật|Ngày đăng)\b.*\d{4}|(?:[Nn]gày\s+)?\d{1,2}[/.-]\d{1,2}[/.-]\d{4}(?:\s+\d{1,2}:\d{2})?)\s*$"
)
_MEETING_NAME = re.compile(r"((?:Hội nghị|Hội thảo|Cuộc họp|Phiên họp|Buổi làm việc|Lễ)\s[^,.;:\n]{5,140})")


def _iso(d: int, m: int, y: int) -> str | None:
    try:
        return _date(y, m, d).isoformat()
    except ValueError:
        return None


def _is_title_line(line: str) -> bool:
    s = line.strip().lstrip("#").strip()
    if not s or len(s) > 220 or len(s.split()) < 3:
        return False
    if s[-1] in ".,;:…" or _DATE_LINE.match(s) or DATE_LINE.match(s):  # "Thứ Năm, 11/07/2024 14:35" too
        return False
    return s[0].isupper() or s[0].isdigit()


def _is_byline(line: str) -> bool:
    s = line.strip()
    return 0 < len(s) <= 90 and s[-1] not in ".,;:…" and len(s.split()) <= 14


def _lines(text: str) -> list[tuple[int, int]]:
    out, pos = [], 0
    for part in text.split("\n"):
        out.append((pos, pos + len(part)))
        pos += len(part) + 1
    return out


_LEAD = re.compile(
    r"^(?:(?:Sáu|Ba|Chín|\d+)\s+tháng\s+(?:đầu|cuối)\s+năm|(?:Sáng|Chiều|Tối|Trưa)?\s*[Nn]gày\s+\d|(?:Sáng|Chiều|Tối|Trưa)\s+(?:nay|qua|\d)|Trong\s+(?:hai|ba|\d+)\s+ngày|Năm\s+\d{4}|Quý\s+[IV\d]+)"
)


def _ends_sentence(line: str) -> bool:
    t = line.rstrip()
    return len(t) > 120 and t[-1:] in (".", "…", "”", '"', "!", ")")


def _glued_split(line: str) -> int | None:
    """Offset where a byline runs into the next report's first word without a space or break."""
    if len(line) < 200:
        return None
    for j in range(4, min(len(line) - 2, 95)):
        if line[j - 1] in ".,;:!?":
            return None
        if line[j - 1].islower() and line[j].isupper() and line[j + 1].islower():
            return j if _LEAD.match(line[j:]) or len(line[j:].split(",")[0]) < 120 else None
    return None


def find_boundaries(text: str) -> list[int]:
    """Start offsets of the articles in ``text`` (always begins with 0)."""
    starts = {0}
    lines = [(s, e) for s, e in _lines(text) if text[s:e].strip()]
    for i in range(1, len(lines)):
        s, e = lines[i]
        line = text[s:e]
        nxt = [text[a:b] for a, b in lines[i + 1 : i + 3]]
        prev = text[lines[i - 1][0] : lines[i - 1][1]]
        # A title followed by a date line ("Đăng vào ...") opens a new article.
        if _is_title_line(line) and nxt and _DATE_LINE.match(nxt[0]) and not _DATE_LINE.match(prev):
            starts.add(s)
            continue
        # A byline glued to the next report's first word ("...chính trịSáu tháng đầu năm 2022, ...").
        glued = _glued_split(line)
        if glued and _ends_sentence(prev):
            starts.add(s + glued)
            continue
        if _is_byline(prev) and i >= 2 and _ends_sentence(text[lines[i - 2][0] : lines[i - 2][1]]):
            # A byline, then a report opening with a date lead ("Sáu tháng đầu năm 2022, ...").
            if len(line) > 200 and _LEAD.match(line):
                starts.add(s)
            # A byline, then a title line, then body text.
            elif _is_title_line(line) and nxt and (len(nxt[0]) > 200 or _DATE_LINE.match(nxt[0])):
                starts.add(s)
    return sorted(starts)


def date_span(text: str) -> tuple[str, int, int] | None:
    """The meeting date of an article, else its publication date: (ISO date, start, end).

    The meeting date is ``rag.dates.meeting_date`` when it has a year (written, or fixed by the report's
    publication line or framing); else the first full date of the head that is not the publication date.
    """
    md = meeting_date(text)
    if md is not None and md.year is not None:
        return md.iso, md.start, md.end
    head = text[:HEAD_CHARS]
    published = None
    pm = PUBLISHED.search(head)
    if pm:
        published = _iso(int(pm.group(1)), int(pm.group(2)), int(pm.group(3)))
    for rx in (_LONG_DATE, _NUM_DATE):
        for m in rx.finditer(head):
            if pm and pm.start() <= m.start() < pm.end():
                continue
            iso = _iso(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            if iso and not (published and iso == published):
                return iso, m.start(), m.end()
    if published and pm:
        return published, pm.start(), pm.end()
    return None


def _parse_date(text: str) -> tuple[str | None, str | None]:
    """(meeting-or-publication date, period) of an article."""
    found = date_span(text)
    if found:
        return found[0], None
    m = _PERIOD.search(text[:HEAD_CHARS])
    if m:
        return None, _normalise_period(m.group(1))
    return None, None


def _normalise_period(p: str) -> str:
    p = " ".join(p.replace("/", " ").split())
    words = p.split()
    f = fold(words[0])
    if f in _NUM_WORDS:
        words[0] = str(_NUM_WORDS[f])
    if fold(words[0]) == "quy" and len(words) > 1 and words[1].lower() in _ROMAN:
        words[1] = words[1].upper()
    out = " ".join(words)
    return out[0].upper() + out[1:] if out[0].isdigit() is False else out


def _title(text: str, start: int, end: int) -> str:
    for s, e in _lines(text[start:end]):
        line = text[start + s : start + e].strip()
        if not line or DATE_LINE.match(line):  # the publication line above the headline
            continue
        if _is_title_line(line):
            return line.lstrip("#").strip()
        break
    head = text[start : min(end, start + 600)]
    m = _MEETING_NAME.search(head)
    if m:
        return m.group(1).strip()
    first = " ".join(head.split()[:14])
    return first.rstrip(",;:") + "…"


def split_articles(text: str, source: str) -> list[Article]:
    """Articles of a source text, with titles, dates and offsets into ``text``."""
    starts = find_boundaries(text)
    out: list[Article] = []
    for i, s in enumerate(starts):
        e = starts[i + 1] if i + 1 < len(starts) else len(text)
        while e > s and text[e - 1].isspace():
            e -= 1
        if e <= s:
            continue
        date, period = _parse_date(text[s:e])
        out.append(Article(source, len(out), _title(text, s, e), date, period, s, e))
    return out
