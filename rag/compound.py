"""Questions that ask two things at once, answered one part at a time.

"Ai chủ trì hội nghị sơ kết 9 tháng của Công an tỉnh Bắc Lâm và ai chủ trì phiên họp về giải ngân của
thành phố Hải Ninh?" names two meetings in two reports; one retrieval serves one of them. Such a
question is split where a clause with its own question word follows ", và", " và", ";" or a second
"?", each part is retrieved and answered on its own, and the answers are joined with their citations
renumbered in order. A part that finds nothing says so, so the answer says which part is missing.
Left out: parts that share a question word ("Ai chủ trì và phát biểu ...?" stays one question).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from rag.textnorm import fold
from rag.types import Answer, AnswerSentence, Citation

_ASKS = re.compile(r"(?<!\w)(?:ai|gi|nao|bao nhieu|khi nao|o dau|vi sao|tai sao|the nao|ra sao|may)(?!\w)")
_JOINS = re.compile(
    r"\s*(?:[,;]\s*(?:và|còn|va|con)\s+|\s+(?:và|va)\s+(?=(?:do\s+|được\s+|duoc\s+)?"
    r"(?:ai|khi nào|khi nao|ở đâu|o dau|bao nhiêu|bao nhieu)(?!\w))|;\s*|\?\s+)",
    re.IGNORECASE,
)
# Where the subject of a question ends: "Hội nghị X | được tổ chức vào ngày nào" (folded).
_PREDICATE = re.compile(r"\s(?:duoc|vao|dien ra|co|la|to chuc|da|do|o|tai|dat|xay ra)\s")
_MIN_WORDS = 4
MAX_PARTS = 3


def split_question(question: str) -> list[str]:
    """The parts of a question that asks two (or more) things; ``[question]`` when it asks one."""
    parts: list[str] = []
    pos = 0
    for m in _JOINS.finditer(question):
        left, right = question[pos : m.start()], question[m.end() :]
        # ("... diễn ra vào ngày nào và ở đâu?": a bare "ở đâu" takes the first part's subject below)
        if _asks(left) and _asks(right) and len(left.split()) >= _MIN_WORDS and len(right.split()) >= 2:
            parts.append(left.strip(" ,;?") + "?")
            pos = m.end()
    if not parts:
        return [question]
    last = question[pos:].strip(" ,;?")
    if len(last.split()) < _MIN_WORDS + 1:  # "... vào ngày nào và do ai chủ trì?": the first part's subject
        subject = _PREDICATE.search(fold(parts[0]), 10)
        last = (parts[0][: subject.start()] + " " if subject else "") + last
    parts.append(last + "?")
    parts = list(dict.fromkeys(parts))
    # more parts than a person asks at once is pasted text, not a question list: answer it whole
    return parts if 1 < len(parts) <= MAX_PARTS else [question]


def _asks(text: str) -> bool:
    return bool(_ASKS.search(fold(text)))


def _shift_markers(text: str, offset: int) -> str:
    return re.sub(r"\[(\d+)\]", lambda m: f"[{int(m.group(1)) + offset}]", text) if offset else text


def join_answers(question: str, answers: Sequence[Answer]) -> Answer:
    """One answer from the answers to the parts: their texts in order, citations renumbered."""
    lines: list[str] = []
    citations: list[Citation] = []
    sentences: list[AnswerSentence] = []
    for a in answers:
        offset = len(citations)
        lines.append(_shift_markers(a.answer, offset))
        citations += [replace(c, n=c.n + offset) for c in a.citations]
        sentences += [replace(s, citations=tuple(n + offset for n in s.citations)) for s in a.sentences]
    notices = [a.notice for a in answers if a.notice]
    return Answer(question, "\n".join(lines), any(a.found for a in answers), tuple(citations),
                  "+".join(dict.fromkeys(a.answerer for a in answers)), tuple(sentences),
                  " ".join(dict.fromkeys(notices)) or None, kind="compound")
