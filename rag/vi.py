"""Vietnamese words, patterns and limits that more than one part of the library relies on.

Covers: the syllables that make "giao" another word than the verb ("giao ban" is a meeting, "giao
thông" traffic), the chair verbs, the publication line of a scraped report ("Đăng vào 08/12/2021"),
the function words a claim check ignores and the framing words a facts question is matched without,
the longest question answered (library, CLI and chat window alike), and the one-line summary of an
ingest the shells print. One copy each, so the speech and meeting extraction, the facts router and
the shells cannot drift apart.
Left out: word lists used in one place only (they stay beside their rule), and the lists of the
answer rules (``rag.question``, ``rag.extractive``, ``rag.followup``), which keep their own.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from rag.textnorm import fold

if TYPE_CHECKING:
    from rag.types import IngestReport

# -- limits ---------------------------------------------------------------------------------------
# Longer questions are refused: answering costs grow with the question (10,000 characters took ~5 s of
# CPU, 30,000 ~17 s), so a few pasted texts would hold every answering thread of the chat window.
MAX_QUESTION_CHARS = 1000

# -- words and patterns ---------------------------------------------------------------------------
# "giao" assigns a task, but not as the first syllable of another word: "giao ban" (a briefing
# meeting), "giao thông", "giao dịch", "giao lưu", "giao đất", "giao nhận", "giao tiếp", "giao hữu",
# "giao thừa". The syllable after "giao", as written.
GIAO_OTHER_WORD = ("ban", "thông", "dịch", "lưu", "đất", "nhận", "tiếp", "hữu", "thừa")
# The same as a regular expression alternative, for a look-ahead right after "giao ".
GIAO_OTHER_WORD_RE = "(?:" + "|".join(GIAO_OTHER_WORD) + ")"
GIAO_OTHER_WORD_FOLDED = frozenset(fold(w) for w in GIAO_OTHER_WORD)

# A meeting as the subject of its own decisions ("Hội nghị thống nhất …", "Cuộc họp đã thống nhất giao …").
MEETING_BODY_RE = "(?:Hội nghị|Cuộc họp|Buổi làm việc|Phiên họp)"

# The verbs that name a meeting's chair, longest first ("đồng chủ trì" before "chủ trì"). A working delegation's
# head leads it ("do PGS.TS …, Thứ trưởng Bộ Y tế, làm trưởng đoàn"), as "dẫn đầu" says.
CHAIR_VERBS = ("làm trưởng đoàn", "đồng chủ trì", "chủ trì", "dẫn đầu")
CHAIR_VERB = re.compile(r"(?<!\w)(" + "|".join(CHAIR_VERBS) + r")(?!\w)")

# The publication line of a scraped report: "Đăng vào 08/12/2021", "Cập nhật: thứ Tư, 08/12/2021".
PUBLISHED = re.compile(
    r"(?:Đăng vào|Đăng ngày|Cập nhật|Ngày đăng|Đăng lúc)\s*:?\s*(?:[^\d\n]{0,20})?(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})",
    re.I,
)

# Function words (folded): they carry no claim, so a sentence checked against its source is matched
# without them; else any Vietnamese sentence would "match" (``rag.llm.citecheck``).
FUNCTION_WORDS = frozenset(fold(w) for w in """
là và của có không được bị đã đang sẽ những các một này đó kia thì mà hay hoặc với cho trong
ngoài trên dưới ra vào về từ đến theo để như nhưng cũng rất nhiều ít hơn nhất vẫn còn đều lại
khi nếu vì do nên tại bởi sau trước giữa cùng nhau việc điều người ai gì nào đâu sao bao nhiêu
thế vậy nhé ạ à họ ông bà anh chị em nó chúng tôi ta mình ấy này kể gồm bao gồm tuy tới qua
""".split())

# Words (folded) that only frame a facts question: they say nothing about which statement or meeting
# is meant ("Ai đã nói gì về ... tại hội nghị ...?"), so matching ignores them (``rag.facts.factmatch``).
FRAME_WORDS = frozenset(fold(w) for w in """
ai gì nào những các người đã có là được của và với trong tại ở về cho hãy biết không bao nhiêu
khi nào đâu sao thế nào vậy này đó do một mọi ông bà đồng chí hội nghị cuộc họp phiên buổi lễ
điều việc nội dung vấn đề ý kiến
""".split())


# -- messages -------------------------------------------------------------------------------------
def ingest_summary(report: IngestReport, failed: int | None = None) -> str:
    """The sentence every shell prints after an ingest; ``failed`` counts the files that failed when the
    shell refused some itself (the chat window's upload filter), else those the report names."""
    n_failed = len(report.failed) if failed is None else failed
    return (f"Đã lập chỉ mục: {len(report.added)} mới, {len(report.replaced)} cập nhật, "
            f"{len(report.unchanged)} không đổi, {n_failed} lỗi; {report.chunks_added} đoạn mới.")
