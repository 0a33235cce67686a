"""Deadlines of the task ledger, normalised against the meeting's date.

Covers the deadline phrases of Vietnamese meeting reports (``DEADLINE``): a day with or without a year
("trước ngày 30/9/2024", "trước 15/8", "chậm nhất ngày 25/1/2024", "từ nay đến ngày 30/6"), quarters
("trong quý III/2024", "trong quý IV"), months ("trong tháng 10 và tháng 11"), halves of the year ("trong 6
tháng cuối năm"), "từ nay đến (hết) cuối năm", "từ nay đến hết tháng 3/2024" and "vào cuối năm". A date without
a year is the first such day on or after the meeting, whose date is ``rag.dates.meeting_date``; with no year
for the meeting, deadlines keep the same shape without one ("--11-15").
Left out: where a deadline phrase lies in a clause, and which phrases are conditions (``rag.facts.tasks``), and
times given as events ("trước khi mùa mưa đến").
"""

from __future__ import annotations

import calendar
import re

from rag.dates import meeting_date as lead_date

# --- the meeting's date -------------------------------------------------------------------------------


def meeting_date(text: str) -> tuple[int | None, int, int] | None:
    """(year or None, month, day) of the meeting named in the lead: ``rag.dates.meeting_date``'s."""
    md = lead_date(text)
    return md.ymd if md is not None else None


# --- deadlines ----------------------------------------------------------------------------------------

_ROMAN = {"I": 1, "II": 2, "III": 3, "IV": 4}
DEADLINE = re.compile(
    r"(?P<date>(?:trước|chậm nhất(?: là)?|từ nay đến|đến hết|hạn chót|trong|vào)(?:\s+ngày)?\s+(?P<d>\d{1,2})/(?P<m>\d{1,2})(?:/(?P<y>\d{4}))?(?![\d/]))"
    r"|(?P<quarter>trong\s+quý\s+(?P<q>IV|I{1,3})(?:/(?P<qy>\d{4}))?)(?!\w)"
    r"|(?P<month>trong\s+tháng\s+(?P<mo>\d{1,2})(?:/(?P<moy>\d{4}))?(?:\s+và\s+tháng\s+(?P<mo2>\d{1,2}))?)(?![\d/])"
    r"|(?P<half>trong\s+6\s+tháng\s+(?P<h>đầu|cuối)\s+năm(?:\s+(?P<hy>\d{4}))?)"
    r"|(?P<yearend>từ nay đến\s+(?:hết\s+)?cuối\s+năm(?:\s+(?P<yey>\d{4}))?)"
    r"|(?P<monthend>từ nay đến\s+hết\s+tháng\s+(?P<me>\d{1,2})(?:/(?P<mey>\d{4}))?)(?![\d/])"
    r"|(?P<byend>vào\s+cuối\s+năm(?:\s+(?P<bey>\d{4}))?)"
)


def _iso(y: int | None, m: int, d: int) -> str:
    return f"{y:04d}-{m:02d}-{d:02d}" if y is not None else f"--{m:02d}-{d:02d}"


def _last_day(y: int | None, m: int) -> int:
    return calendar.monthrange(y if y is not None else 2001, m)[1] if m != 2 or y is not None else 29


def _first_on_or_after(meet: tuple[int | None, int, int], m: int, d: int) -> int | None:
    y = meet[0]
    return None if y is None else (y if (m, d) >= (meet[1], meet[2]) else y + 1)


def normalise_deadline(
    m: re.Match[str], meet: tuple[int | None, int, int] | None
) -> tuple[str | None, str | None]:
    """(from, to) of a deadline phrase matched by ``DEADLINE``; from is None for a single day."""
    meet = meet or (None, 1, 1)
    y0 = meet[0]
    today = _iso(y0, meet[1], meet[2])
    if m.group("date"):
        mo, d = int(m.group("m")), int(m.group("d"))
        y = int(m.group("y")) if m.group("y") else _first_on_or_after(meet, mo, d)
        day = _iso(y, mo, d)
        return (today, day) if m.group("date").startswith("từ nay") else (None, day)
    if m.group("quarter"):
        q = _ROMAN[m.group("q")]
        fm, lm = 3 * q - 2, 3 * q
        y = int(m.group("qy")) if m.group("qy") else _first_on_or_after(meet, lm, _last_day(y0, lm))
        return _iso(y, fm, 1), _iso(y, lm, _last_day(y, lm))
    if m.group("month"):
        fm = int(m.group("mo"))
        lm = int(m.group("mo2") or fm)
        y = int(m.group("moy")) if m.group("moy") else _first_on_or_after(meet, lm, _last_day(y0, lm))
        return _iso(y, fm, 1), _iso(y, lm, _last_day(y, lm))
    if m.group("half"):
        y = int(m.group("hy")) if m.group("hy") else y0
        return (_iso(y, 1, 1), _iso(y, 6, 30)) if m.group("h") == "đầu" else (_iso(y, 7, 1), _iso(y, 12, 31))
    if m.group("yearend"):
        y = int(m.group("yey")) if m.group("yey") else y0
        return today, _iso(y, 12, 31)
    if m.group("monthend"):
        lm = int(m.group("me"))
        y = int(m.group("mey")) if m.group("mey") else _first_on_or_after(meet, lm, _last_day(y0, lm))
        return today, _iso(y, lm, _last_day(y, lm))
    y = int(m.group("bey")) if m.group("bey") else y0
    return None, _iso(y, 12, 31)
