"""The date of the meeting a report covers: the day and month its lead names, and the year only when the
report itself fixes it.

Covers the lead forms of Vietnamese reports ("Chiều 10/7", "Tối 22-8", "Ngày 07/12/2023", "Sáng ngày 18
tháng 9 năm 2024") and where a year the lead leaves out comes from, first found wins:

1. the publication line at the top ("Thứ Năm, 11/07/2024 14:35", "Đăng vào 08/12/2021"): the meeting is
   the last such day on or before it, so "Chiều 29/12" published 02/01/2024 is 2023-12-29;
2. the report's framing of its period in the headline or the lead paragraph ("triển khai nhiệm vụ năm
   2024", "6 tháng đầu năm 2024", "10 tháng thực hiện … năm 2024", a season "mùa nắng nóng năm 2026"); a
   forward-looking "nhiệm vụ / kế hoạch / mùa … năm Y" in a December lead is the year before (year-end
   meetings plan the next year);
3. a period framing further down ("… 6 tháng đầu năm 2024"), unless it is a comparison ("so với",
   "cùng kỳ").

A year found this way is marked inferred and keeps the span of the text that fixed it; a year written in the
date phrase itself is not inferred. Other years in the text ("cùng kỳ năm 2023", "vốn năm 2025", "khởi công
từ tháng 1/2023") are never evidence. ``date_label`` is how every shell shows such a date.
Left out: years from outside the report (the file's date, today), dates in words ("mùng bảy"), and a
backward-looking "tổng kết năm 2023" on its own (held in December or the next January: either year).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from rag.vi import PUBLISHED

HEAD_CHARS = 800  # the lead date is looked for in the first characters of an article, as its date always was
_DEADLINE_WORDS = "".join(f"(?<!{w} )" for w in ("trước", "đến", "từ", "hết", "nhất", "hạn", "sau", "tới", "đầu"))
# "Chiều 10/7", "Tối 22-8", "Ngày 07/12/2023", "ngày 12/7/2024" (lower-case "ngày" not after a deadline word)
_SHORT = re.compile(
    r"(?:(?:Sáng|Chiều|Tối|Trưa|Đêm|sáng|chiều|tối|trưa)\s+(?:ngày\s+)?|Ngày\s+|" + _DEADLINE_WORDS + r"(?<!\w)ngày\s+)"
    r"(\d{1,2})[/.-](\d{1,2})(?:[/.-](\d{4}))?(?![\d/.-]?\d)"
)
_LONG = re.compile(
    r"(?:(?:Sáng|Chiều|Tối|Trưa|Đêm|sáng|chiều|tối|trưa)\s+)?[Nn]gày\s+(\d{1,2})\s+tháng\s+(\d{1,2})"
    r"(?:\s+năm\s+(\d{4}))?(?!\d)"
)
# A line at the top that is only a date, with its weekday and time: "Thứ Năm, 11/07/2024 14:35"
DATE_LINE = re.compile(
    r"^[ \t]*(?:(?:Thứ\s+\w+|Chủ\s+[Nn]hật)\s*,\s*)?(?:[Nn]gày\s+)?(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})"
    r"(?:\s*[,-]?\s*\d{1,2}[:h]\d{2}(?:\s*(?:AM|PM|GMT[+\d]*))?)?[ \t]*$",
    re.MULTILINE,
)
_FORWARD = re.compile(r"(?:triển khai\s+)?(?:nhiệm vụ|kế hoạch)\s+năm\s+(\d{4})(?!\d)")
# A season the meeting prepares for ("bảo đảm cung ứng điện mùa nắng nóng năm 2026", "phòng, chống thiên tai mùa mưa
# bão năm 2025"): the meeting's own period, forward-looking like a plan, so a December lead is the year before.
_SEASON = re.compile(r"mùa\s+(?:[^\W\d]+\s+){1,3}năm\s+(\d{4})(?!\d)")
_PERIOD = re.compile(
    r"(?:\d{1,2}|sáu|Sáu|chín|Chín|ba|Ba)\s+tháng\s+(?:(?:đầu|cuối)\s+)?năm\s+(\d{4})(?!\d)"
    r"|\d{1,2}\s+tháng\s+thực hiện\s+[^.;\n]{0,80}?\s+năm\s+(\d{4})(?!\d)"
)
_COMPARED = re.compile(r"(?:so với|cùng kỳ|bằng|như)\s+(?:\S+\s+){0,2}$")


@dataclass(frozen=True)
class MeetingDate:
    """A meeting's date as its report gives it; offsets are in the text it was read from."""

    year: int | None  # None: the report fixes no year
    month: int
    day: int
    text: str  # the date phrase: "Chiều 10/7"
    start: int
    end: int
    evidence: str | None  # what fixed the year ("11/07/2024", "triển khai nhiệm vụ năm 2024"); the phrase itself
    evidence_start: int | None  # when it carries the year; None when there is no year
    evidence_end: int | None

    @property
    def year_inferred(self) -> bool:
        """Whether the year comes from elsewhere in the report than the date phrase."""
        return self.year is not None and self.evidence_start != self.start

    @property
    def iso(self) -> str:
        """"2024-07-10", or "--07-10" without a year."""
        return iso_date(self.year, self.month, self.day)

    @property
    def ymd(self) -> tuple[int | None, int, int]:
        return self.year, self.month, self.day

    @property
    def label(self) -> str:
        return date_label(self.iso, self.year_inferred)


def iso_date(year: int | None, month: int, day: int) -> str:
    return f"{year:04d}-{month:02d}-{day:02d}" if year is not None else f"--{month:02d}-{day:02d}"


def date_label(value: str | None, year_inferred: bool = False) -> str:
    """How a meeting date is shown: "10/07/2024", "10/07/2024 (năm suy ra)", "18/09 (không rõ năm)", or ""."""
    if not value:
        return ""
    if value.startswith("--") and len(value) == 7:
        return f"{value[5:]}/{value[2:4]} (không rõ năm)"
    if len(value) == 10 and value[4] == "-" and value[7] == "-":
        return f"{value[8:]}/{value[5:7]}/{value[:4]}" + (" (năm suy ra)" if year_inferred else "")
    return value


def _valid(year: int | None, month: int, day: int) -> bool:
    try:
        date(year if year is not None else 2000, month, day)  # 2000: 29/2 without a year is a day
    except ValueError:
        return False
    return True


def publication(text: str) -> tuple[int, int, int, int, int] | None:
    """(year, month, day, start, end) of the publication date at the top of ``text``, the span being its digits."""
    head = text[:HEAD_CHARS]
    found = [m for m in (PUBLISHED.search(head), DATE_LINE.search(head)) if m is not None]
    for m in sorted(found, key=lambda m: m.start()):
        d, mo, y = int(m.group(1)), int(m.group(2)), int(m.group(3))
        if _valid(y, mo, d):
            return y, mo, d, m.start(1), m.end(3)
    return None


def _lead(text: str, skip: tuple[int, int] | None) -> re.Match[str] | None:
    head = text[:HEAD_CHARS]
    found = [m for rx in (_SHORT, _LONG) for m in rx.finditer(head)
             if not (skip and skip[0] <= m.start(1) < skip[1])
             and _valid(int(m.group(3)) if m.group(3) else None, int(m.group(2)), int(m.group(1)))]
    return min(found, key=lambda m: m.start()) if found else None


def _framing(text: str, lead_end: int, month: int) -> tuple[int, int, int] | None:
    """(year, start, end) of the phrase that frames the report's period (rules 2 and 3 of the module)."""
    para = text.find("\n", lead_end)
    head_end = para if para >= 0 else len(text)
    hits = [(m.start(), int(m.group(1)) - (1 if month == 12 else 0), m)
            for rx in (_FORWARD, _SEASON) for m in rx.finditer(text, 0, head_end)]
    hits += [(m.start(), int(m.group(1) or m.group(2)), m) for m in _PERIOD.finditer(text, 0, head_end)]
    if hits:
        _, y, m = min(hits, key=lambda h: h[0])
        return y, m.start(), m.end()
    for m in _PERIOD.finditer(text, head_end):
        if not _COMPARED.search(text, max(0, m.start() - 30), m.start()):
            return int(m.group(1) or m.group(2)), m.start(), m.end()
    return None


def meeting_date(text: str) -> MeetingDate | None:
    """The date of the meeting an article's ``text`` reports, from its lead; None when the lead names no day."""
    pub = publication(text)
    m = _lead(text, (pub[3], pub[4]) if pub else None)
    if m is None:
        return None
    day, month = int(m.group(1)), int(m.group(2))
    phrase = (m.group(), m.start(), m.end())
    if m.group(3):
        return MeetingDate(int(m.group(3)), month, day, *phrase, *phrase)
    if pub:
        y = pub[0] - 1 if (month, day) > (pub[1], pub[2]) else pub[0]
        if _valid(y, month, day):
            return MeetingDate(y, month, day, *phrase, text[pub[3] : pub[4]], pub[3], pub[4])
    f = _framing(text, m.end(), month)
    if f and _valid(f[0], month, day):
        return MeetingDate(f[0], month, day, *phrase, text[f[1] : f[2]], f[1], f[2])
    return MeetingDate(None, month, day, *phrase, None, None, None)
