"""Questions that ask two things at once, answered one part at a time.

"Ai chủ trì hội nghị sơ kết 9 tháng của Công an tỉnh Bắc Lâm và ai chủ trì phiên họp về giải ngân của
thành phố Hải Ninh?" names two meetings in two reports; one retrieval serves one of them. Such a
question is split where a clause with its own question word follows ", và", " và", ";" or a second
"?", each part is retrieved and answered on its own, and the answers are joined with their citations
renumbered in order. A part that finds nothing says so, so the answer says which part is missing.
A comparison of two events ("So sánh số vụ tai nạn dịp Tết 2026 với dịp lễ 30/4", "... dịp Tết và dịp lễ
30/4 khác nhau thế nào?") is split the same way into one question per event, each answer labelled with
its event; comparisons of two years or periods are left to the answerer (``Question.cross``).
Left out: parts that share a question word ("Ai chủ trì và phát biểu ...?" stays one question), and
saying which side is larger (the figures are shown side by side).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from rag.question import analyse
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


# "... dịp Tết 2026 với / và dịp lễ 30/4 ...": a second event of the same kind (folded)
_COMPARE_JOIN = re.compile(r"\s(?:voi|va|so voi)\s+(dip|hoi nghi|cuoc hop|ky hop|dot)(?!\w)")
# where the second event's words end: the rest is what is asked of both (folded)
_EVENT_END = re.compile(r"\s*(?:[,?;)]|\s(?:khac nhau|chenh lech|nhu the nao|the nao|ra sao|la bao nhieu|bao nhieu|co|dat|la"
                        r"|tang|giam|da|duoc)(?!\w))")
_COMPARING = re.compile(r"^\W*so sanh\s+|\s*(?:khac nhau|chenh lech)(?:\s+(?:nhu\s+)?the nao|\s+ra sao)?(?=\W*$)")


def split_compared(question: str) -> list[tuple[str, str]]:
    """A comparison of two events as (event, question) pairs, one per event; [] when it is not one."""
    qf = fold(question)  # same offsets as ``question``
    m = _COMPARE_JOIN.search(qf)
    if m is None:
        return []
    firsts = [x.start() for x in re.finditer(rf"(?<!\w){m.group(1)}\s", qf[: m.start()])]
    if not firsts or analyse(question).cross:  # two years or periods: the answerer's parts (Question.cross)
        return []
    a_start = firsts[-1]
    end = _EVENT_END.search(qf, m.end(1))
    b_end = end.start() if end else len(question)
    a, b = question[a_start : m.start()].strip(), question[m.start(1) : b_end].strip()
    if len(a.split()) < 2 or len(b.split()) < 2:
        return []
    head, tail = question[:a_start], question[b_end:]
    head = re.sub(r"(?<!\w)(?:hai|2|cả hai)\s+(?=(?:hội nghị|hoi nghi|cuộc họp|cuoc hop|dịp|dip)\b)", "", head)
    out = []
    for event in (a, b):
        part = head + event + tail
        cut = [(x.start(), x.end()) for x in _COMPARING.finditer(fold(part))]
        for s, e in reversed(cut):
            part = part[:s] + part[e:]
        part = " ".join(part.split()).strip(" ,;")
        out.append((event[:1].upper() + event[1:], part if part.endswith("?") else part + "?"))
    return out


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
        return [p for _, p in split_compared(question)] or [question]
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
    """One answer from the answers to the parts: their texts in order (each labelled with its event
    for a comparison), citations renumbered."""
    lines: list[str] = []
    citations: list[Citation] = []
    sentences: list[AnswerSentence] = []
    labels = [label for label, _ in split_compared(question)] if len(answers) == 2 else []
    for i, a in enumerate(answers):
        offset = len(citations)
        text = _shift_markers(a.answer, offset)
        lines.append(f"{labels[i]}: {text}" if labels and len(labels) == len(answers) else text)
        citations += [replace(c, n=c.n + offset) for c in a.citations]
        sentences += [replace(s, citations=tuple(n + offset for n in s.citations)) for s in a.sentences]
    notices = [a.notice for a in answers if a.notice]
    return Answer(question, "\n".join(lines), any(a.found for a in answers), tuple(citations),
                  "+".join(dict.fromkeys(a.answerer for a in answers)), tuple(sentences),
                  " ".join(dict.fromkeys(notices)) or None, kind="compound")
