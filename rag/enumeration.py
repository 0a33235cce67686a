"""Lists a sentence announces, and the items that follow it in the report.

Covers the way reports give a leader's tasks: a sentence that announces them ("... tập trung thực hiện
các nhiệm vụ sau:", "... thực hiện tốt một số nhiệm vụ trọng tâm.") followed by items that open with an
enumerator, each its own paragraph or line ("Thứ nhất, ...", "Hai là, ...", "- ...", "1. ...", "a) ...")
or sentences of one paragraph. An item runs to the end of its paragraph or to the next enumerator.
Left out: items run together inside one sentence ("...: a; b; c", see ``rag.evidence.list_items``), and
lists that no sentence announces (they are read as ordinary sentences).
"""

from __future__ import annotations

import re

MAX_ITEMS = 8

# "các nhiệm vụ sau", "một số nhiệm vụ trọng tâm", "5 nhóm giải pháp": the sentence ends soon after
_ANNOUNCES = re.compile(
    r"(?:các|một số|những|mấy|\d+|hai|ba|bốn|năm|sáu|bảy|tám) (?:nhóm )?(?:nhiệm vụ|nội dung|giải pháp|yêu cầu|"
    r"vấn đề|biện pháp|việc|công việc|kiến nghị|đề xuất|chỉ tiêu|mục tiêu)(?!\w)[^.;:]{0,50}[.:]?\s*$",
    re.I,
)
ENUMERATOR = re.compile(
    r"(?:Thứ (?:nhất|hai|ba|tư|năm|sáu|bảy|tám|chín|mười)|(?:Một|Hai|Ba|Bốn|Năm|Sáu|Bảy|Tám|Chín|Mười) là"
    r"|[-+•–]\s|\d{1,2}[.)]\s|[a-h]\)\s)"
)


def announces(sentence: str) -> bool:
    """Whether a sentence announces a list of items that follows it."""
    s = sentence.rstrip()
    return s.endswith(":") or _ANNOUNCES.search(s) is not None


def items_after(text: str, end: int, limit: int = MAX_ITEMS) -> list[tuple[int, int]]:
    """Spans of the enumerated items right after offset ``end`` of ``text`` (none when the next words
    do not open with an enumerator)."""
    out: list[tuple[int, int]] = []
    pos = end
    while len(out) < limit:
        m = re.compile(r"\s*").match(text, pos)
        start = m.end() if m else pos
        if start >= len(text) or not ENUMERATOR.match(text, start):
            break
        line_end = text.find("\n", start)
        line_end = len(text) if line_end < 0 else line_end
        # the next item may follow in the same paragraph: "Thứ nhất, ... . Thứ hai, ..."
        nxt = re.compile(r"(?<=[.;!?])\s+(?=" + ENUMERATOR.pattern + ")").search(text, start + 1, line_end)
        stop = nxt.start() if nxt else line_end
        out.append((start, len(text[:stop].rstrip())))
        pos = stop
    return out


def without_bullet(text: str) -> str:
    """An item's text without the dash it opens with ("- Thuế tỉnh ..."), to show under a bullet of our own."""
    return re.sub(r"^[-+•–]\s+", "", text)
