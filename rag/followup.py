"""Follow-up questions made stand-alone, from the earlier turns of a conversation.

Without an LLM, by rules on the Vietnamese forms people use to lean on the previous turn:

* "còn ông/bà X thì sao?", "thế còn X?", "X thì sao?" -> the previous question with its person (or
  year, or meeting, or the unit a task question names) replaced by X; when X is a topic, X asked in
  the previous question's scope;
* "người đó", "ông ấy", "bà ấy", "họ", "vị này" -> the person the previous turn was about;
* "hội nghị đó", "cuộc họp này", "báo cáo trên" -> the meeting the previous answer cited;
* "năm trước/năm ngoái/năm sau thì sao?" -> the previous question one year earlier/later;
* "tóm tắt lại", "tóm tắt hội nghị đó" -> "Tóm tắt <the meeting the previous answer cited>";
* a bare short question ("kinh phí?") -> asked in the previous question's terms;
* a role without a name ("Giám đốc Công an tỉnh yêu cầu gì?") -> at the meeting the previous answer cited.

With an LLM (``rag.llm.ChatLLM``), the model rewrites first; an implausible reply or a failure falls
back to the rules. Never raises. The previous turn's person comes from the people the library knows
(``rag.people.PersonEntry``) or, failing that, a capitalised name after a title or "ông/bà".
Left out: references further back than the previous two turns, and ellipsis without any cue.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from rag.conversation import Turn
from rag.errors import LLMError
from rag.facts.lexicon import TITLE_HEADS
from rag.facts.task_answers import parse_task_question
from rag.textnorm import fold, has_diacritics, nfc, words

if TYPE_CHECKING:
    from rag.facts.people import PersonEntry
    from rag.llm import ChatLLM

REWRITE_SYSTEM = """Bạn viết lại câu hỏi tiếp nối trong một cuộc trò chuyện thành một câu hỏi độc lập, đầy đủ chủ ngữ và đối tượng, bằng tiếng Việt.
Chỉ trả về đúng một câu hỏi đã viết lại, không giải thích, không trả lời câu hỏi."""

# Patterns are written accented and compiled twice: as written, for questions typed with accents
# (folding would merge "họ" = they with "Hồ" in a name), and folded, for questions typed without.
class _Pat:
    def __init__(self, pattern: str) -> None:
        self.accented = re.compile(pattern)
        # fold() lower-cases too, which would break "(?P<x>...)": the patterns are lower-case already.
        self.folded = re.compile("".join(c if c == "P" else fold(c) for c in pattern))

    def form(self, text: str) -> re.Pattern[str]:
        return self.accented if has_diacritics(text) else self.folded

    def search(self, text: str) -> re.Match[str] | None:
        return self.form(text).search(_lower(text))

    def match(self, text: str) -> re.Match[str] | None:
        return self.form(text).match(_lower(text))


def _lower(text: str) -> str:
    return text.lower() if has_diacritics(text) else fold(text)


_HONORIFIC = r"(?:ông|bà|anh|chị|đồng chí|đ/c)"
_TITLE_ALT = "|".join(re.escape(t.lower()) for t in TITLE_HEADS)
_MEETING = r"(?:hội nghị|cuộc họp|buổi họp|phiên họp|báo cáo|tài liệu|sự kiện|bài)"
_THEN_WHAT = _Pat(r"^(?:(?:thế|vậy|còn)\s+)?(?:còn\s+)?(?P<x>.+?)\s+(?:thì sao|thế nào|ra sao|thì thế nào)\s*\??$")
_AND_X = _Pat(r"^(?:thế\s+|vậy\s+)?còn\s+(?P<x>.+?)\s*(?:nữa)?\s*\??$")
_SUMMARY = _Pat(
    r"^(?:hãy\s+|xin\s+|bạn\s+)?(?:tóm tắt|tóm lại)(?:\s+(?:lại|giúp|cho tôi|giúp tôi|ngắn gọn))*"
    rf"(?:\s+(?:nội dung\s+)?{_MEETING}(?:\s+(?:đó|này|ấy|trên|vừa rồi))?)?\s*[?.!]*$"
)
_MEETING_REF = _Pat(rf"{_MEETING}\s+(?:đó|này|ấy|trên|vừa rồi)(?!\w)")
_PERSON_REF = _Pat(r"(?:người|vị|đồng chí|ông|bà|anh|chị)\s+(?:đó|này|ấy)(?!\w)|(?<!\w)họ(?!\w)")
_YEAR_REL = _Pat(r"(?:của\s+)?năm\s+(?P<rel>trước|ngoái|sau|nay|\d{4})")
_YEAR = re.compile(r"(?<!\d)(?:19|20)\d{2}(?!\d)")
# Scope of a question that a topic follow-up keeps: periods, dates, places.
_SCOPE = _Pat(
    r"(?:\d+\s+tháng\s+(?:đầu|cuối)\s+năm\s+\d{4}|quý\s+[ivx\d]+(?:/\d{4}|\s+năm\s+\d{4})?|năm\s+\d{4}|"
    r"tháng\s+\d{1,2}(?:/\d{4})?|ngày\s+\d{1,2}/\d{1,2}(?:/\d{4})?|"
    r"(?P<place>(?:tỉnh|thành phố|huyện|quận|thị xã)\s+)\w+(?:\s+\w+)?)"
)
# A period or year alone: what "còn <it> thì sao?" replaces in the previous question.
_TIME = _Pat(r"(?:trong\s+)?(?:\d+\s+tháng\s+(?:đầu|cuối)\s+năm(?:\s+\d{4})?|quý\s+[ivx\d]+(?:/\d{4}|\s+năm\s+\d{4})?|"
             r"năm\s+\d{4}|\d+\s+tháng(?:\s+năm\s+\d{4})?)")
_MORE = _Pat(r"\s+nữa(?=\s*\??$)")


def rewrite(question: str, turns: Sequence[Turn], people: Sequence[PersonEntry] = (), llm: ChatLLM | None = None) -> str:
    """A stand-alone version of ``question`` given the earlier ``turns`` (oldest first)."""
    question = " ".join(nfc(question).split())
    if not turns or not question:
        return question
    if llm is not None:
        rewritten = _rewrite_with_llm(turns, question, llm)
        if rewritten:
            return rewritten
    return rewrite_by_rules(question, turns, people)


_NEW_MEETING = _Pat(rf"{_MEETING}(?!\s+(?:đó|này|ấy|trên|vừa rồi)(?!\w))")


def keeps_topic(question: str) -> bool:
    """Whether a follow-up stays with the documents of the previous turn ("còn ông X thì sao?",
    "người đó", "hội nghị đó"), rather than moving to another year or naming another meeting."""
    return not (_YEAR_REL.search(question) or _NEW_MEETING.search(question))


def rewrite_by_rules(question: str, turns: Sequence[Turn], people: Sequence[PersonEntry] = ()) -> str:
    prev = turns[-1]
    base = prev.searched
    meeting = _meeting_of(prev)
    if _SUMMARY.match(question):
        return f"Tóm tắt {meeting}" if meeting else question
    m = _THEN_WHAT.match(question) or _AND_X.match(question)
    if m:
        x = question[m.start("x") : m.end("x")].strip(" ,")
        out = _substitute(base, x, prev, people)
        if out:
            return out
    out = question
    ref = _MEETING_REF.search(out)
    if ref and meeting:
        out = out[: ref.start()] + meeting + out[ref.end() :]
    ref = _PERSON_REF.search(out)
    if ref:
        who = _person_of(prev, people) or (_person_of(turns[-2], people) if len(turns) > 1 else None)
        if who:
            out = out[: ref.start()] + who + out[ref.end() :]
    if out != question:
        more = _MORE.search(out)
        return out[: more.start()] + out[more.end() :] if more else out
    if len(words(question)) <= 3:
        return _substitute(base, question.rstrip(" ?"), prev, people) or question
    short = len(words(question)) <= _SHORT and not _names_any(question, people) and not _PERSON_REF.search(question)
    if meeting and (_role_only(question, people) or short):
        # "Giám đốc Công an tỉnh yêu cầu những gì?", "Lãnh đạo yêu cầu những gì?": at the meeting just discussed
        # (of a headline "Công an Lạng Sơn: Năm 2024 tội phạm ... giảm 5,6%", who it is about)
        if meeting.endswith("…"):  # no title, only its clipped first sentence: the previous question's scope
            return _in_scope_of(question, base)
        return f"{question.rstrip(' ?')} tại {meeting.split(': ')[0]}?"
    return question


_SHORT = 7  # words: a question this short that names nothing leans on the conversation


def _names_any(question: str, people: Sequence[PersonEntry]) -> bool:
    """Whether a question names a person, place, period or meeting of its own."""
    low = _lower(question)
    places = [m for m in _SCOPE.form(question).finditer(low)
              if not m.group("place") or question[m.end("place")].isupper()]
    return bool(_person_span(question, people) or places or _NEW_MEETING.search(question)
                or re.search(r"(?<![\w.])[A-ZĐ]\w*\s+[A-ZĐ]", question[1:]))


def _role_only(question: str, people: Sequence[PersonEntry]) -> bool:
    """A question about a role ("Giám đốc Công an tỉnh ...") naming no person, place, year or meeting:
    in a conversation it means the holder of that role at the meeting just discussed."""
    low = _lower(question)
    starts = any(low.startswith(_lower(h) + " ") for h in TITLE_HEADS if h not in ("Ông", "Bà", "Đồng chí"))
    places = [m for m in _SCOPE.form(question).finditer(low)
              if not m.group("place") or question[m.end("place")].isupper()]  # "tỉnh Lạng Sơn", not "tỉnh yêu cầu"
    named = _person_span(question, people) is not None or places or _NEW_MEETING.search(question)
    return starts and not named


def _substitute(base: str, x: str, prev: Turn, people: Sequence[PersonEntry]) -> str | None:
    """``base`` with the part of the same kind as ``x`` (a year, a person, a meeting) replaced by ``x``."""
    year = _YEAR_REL.form(x).fullmatch(_lower(x))
    if year:
        return _shift_year(base, fold(year.group("rel")), prev)
    if _TIME.form(x).fullmatch(_lower(x)):  # "còn 6 tháng đầu năm 2026 thì sao?": the same, for that period
        times = list(_TIME.form(base).finditer(_lower(base)))
        if not times:
            return f"{base.rstrip(' ?')} {x}?"
        out = base[: times[0].start()] + x + base[times[0].end() :]
        return re.sub(r"\s+", " ", out).strip()
    task = parse_task_question(base)
    if task is not None and task.unit and not re.match(r"(?:hoi nghi|cuoc hop|buoi hop|phien hop)(?!\w)", fold(x)):
        # "còn Sở Y tế thì sao?" after "Công an tỉnh được giao nhiệm vụ gì?": the same, for that unit
        pos = base.find(task.unit)
        if pos >= 0:
            return base[:pos] + _clean_person(x) + base[pos + len(task.unit) :]
    if _looks_like_person(x, people):
        span = _person_span(base, people)
        if span:
            return (base[: span[0]] + _clean_person(x) + base[span[1] :]).strip()
        return None
    if re.match(r"(?:hoi nghi|cuoc hop|buoi hop|phien hop)(?!\w)", fold(x)):
        at = re.search(r"(?:hoi nghi|cuoc hop|buoi hop|phien hop)(?!\w)", fold(base))
        return base[: at.start()] + x + "?" if at else None
    if _person_span(base, people) and not _SCOPE.search(x):  # "còn về kinh phí thì sao?" after "X yêu cầu gì?"
        topic = re.sub(r"^(?:về|ve)\s+", "", x)
        return f"{base.rstrip(' ?')} về {topic}?"
    return _in_scope_of(x, base)


def _in_scope_of(x: str, base: str) -> str:
    """A topic asked in the previous question's scope (period, date, place), else with its key terms."""
    low = _lower(base)
    pat = _SCOPE.form(base)
    # a place noun counts only before a capitalised name ("tỉnh Bắc Ninh", not "tỉnh đã cấp")
    scope = [base[m.start() : m.end()] for m in pat.finditer(low) if not m.group("place") or base[m.end("place")].isupper()]
    scope = [s for s in scope if fold(s) not in fold(x)]
    if scope:
        return f"{x.rstrip(' ?')} {' '.join(scope)}?"
    have = {fold(w) for w in words(x)}
    terms = [t for t in key_terms(base) if fold(t) not in have]
    return f"{x} – {' '.join(terms[:8])}" if terms else x


def _shift_year(base: str, rel: str, prev: Turn) -> str | None:
    """``base`` asked for year ``rel`` ("2023", or "truoc"/"ngoai"/"sau"/"nay" relative to its own year
    or to the year of the previous answer's first dated citation)."""
    years = [int(y.group(0)) for y in _YEAR.finditer(base)]
    cited = [int(c.date[:4]) for c in prev.citations if c.date and c.date[:4].isdigit()]
    ref = years[-1] if years else (cited[0] if cited else None)
    if rel.isdigit():
        target = int(rel)
    elif ref is None:
        return None
    else:
        target = ref + {"truoc": -1, "ngoai": -1, "sau": 1, "nay": 0}[rel]
    if years:
        last = list(_YEAR.finditer(base))[-1]
        return base[: last.start()] + str(target) + base[last.end() :]
    return f"{base.rstrip(' ?')} năm {target}?"


def _meeting_of(turn: Turn) -> str | None:
    """The meeting (article title) the turn's first citation comes from."""
    for c in turn.citations:
        t = " ".join(c.title.split())
        if t:
            return t.rstrip(".")
    return None


def _person_of(turn: Turn, people: Sequence[PersonEntry]) -> str | None:
    """The person a turn was about: named in its question, else the first one its answer names."""
    for text in (turn.searched, turn.answer):
        span = _person_span(text, people, with_title=False)
        if span:
            return text[span[0] : span[1]]
    return None


def _looks_like_person(x: str, people: Sequence[PersonEntry]) -> bool:
    if re.match(rf"(?:{fold(_HONORIFIC)}|{fold(_TITLE_ALT)})\s+\w", fold(x)):
        return True
    return _known_person(x, people) is not None


def _clean_person(x: str) -> str:
    """'ông Nguyễn Ngọc Toàn' -> 'Nguyễn Ngọc Toàn' when a full name follows the honorific."""
    m = re.match(rf"{fold(_HONORIFIC)}\s+", fold(x))
    rest = x[m.end() :] if m else x
    return rest if len(rest.split()) >= 2 else x


def _known_person(text: str, people: Sequence[PersonEntry]) -> tuple[int, int] | None:
    """The span of the first known full name (or its last two syllables) in ``text``, folded."""
    tf = fold(text)
    best: tuple[int, int] | None = None
    for p in people:
        parts = p.key.split()
        for size in (len(parts), 2):
            if size < 2 or size > len(parts):
                continue
            name = " ".join(parts[-size:])
            m = re.search(rf"(?<!\w){re.escape(name)}(?!\w)", tf)
            # the first person named, then the longest name there
            if m and (best is None or (m.start(), -m.end()) < (best[0], -best[1])):
                best = (m.start(), m.end())
            if m:
                break
    return best


_CAP_NAME = re.compile(r"(?:[A-ZĐ]\w*\s+){1,3}[A-ZĐ]\w*")


def _person_span(text: str, people: Sequence[PersonEntry], with_title: bool = True) -> tuple[int, int] | None:
    """Where a person is named in ``text`` (a known name, else a capitalised name after a title or
    honorific), with the title or honorific in front when ``with_title``."""
    span = _known_person(text, people)
    if span is None:
        tf = fold(text)
        for m in re.finditer(rf"(?:{fold(_HONORIFIC)}|{fold(_TITLE_ALT)})\s+", tf):
            name = _CAP_NAME.match(text, m.end())
            if name and name.start() == m.end():
                span = (name.start(), name.end())
                break
    if span is None:
        return None
    if with_title:  # the title goes with the name: "Chủ tịch UBND tỉnh Tạ Quang Huy", up to 8 words before it
        before = fold(text[: span[0]])
        t = re.search(rf"(?<!\w)(?:{fold(_TITLE_ALT)}|{fold(_HONORIFIC)})(?:\s+[^\s,;:.?!]+){{0,8}}?\s+$", before)
        if t:
            return t.start(), span[1]
    return span


# Function words and question words that carry no topic.
_STOP = frozenset(fold(w) for w in """
ai gì nào đâu sao bao nhiêu mấy khi nào lúc thế nào như thế nào tại sao vì sao là có không của và
với cho trong ngoài trên dưới được bị đã đang sẽ những các một này đó kia thì mà hay hoặc thế vậy
ra vào về từ đến theo để nhé ạ à ư hả nhỉ gồm bao gồm nêu cho biết hãy hỏi xin còn họ ông bà anh
chị ấy người việc điều nội dung cái
""".split())


def key_terms(text: str, limit: int = 12) -> list[str]:
    """Topic syllables of ``text`` as typed, in order, function words and question words removed."""
    out: list[str] = []
    seen: set[str] = set()
    for m in re.finditer(r"\w+", nfc(text)):
        w = m.group(0)
        f = fold(w)
        if f in _STOP or f in seen or (len(w) == 1 and not w.isdigit()):
            continue
        seen.add(f)
        out.append(w)
    return out[:limit]


def _rewrite_with_llm(turns: Sequence[Turn], question: str, llm: ChatLLM) -> str | None:
    lines = []
    for t in list(turns)[-3:]:
        lines.append(f"Người dùng: {' '.join(t.question.split())[:400]}")
        lines.append(f"Trợ lý: {' '.join(t.answer.split())[:400]}")
    user = "Cuộc trò chuyện:\n" + "\n".join(lines) + f"\n\nCâu hỏi tiếp theo: {question}\n\nCâu hỏi độc lập:"
    try:
        reply = llm.complete([{"role": "system", "content": REWRITE_SYSTEM}, {"role": "user", "content": user}])
    except LLMError:
        return None
    line = next((ln.strip() for ln in reply.splitlines() if ln.strip()), "")
    line = re.sub(r"^(câu hỏi( độc lập)?\s*:\s*)", "", line, flags=re.IGNORECASE).strip(" \"'“”«»*")
    # A reply much longer than the question, or one sharing none of its words, is an answer or
    # rambling rather than a rewrite.
    if not line or len(line) > 3 * len(question) + 200:
        return None
    if not ({fold(w) for w in words(line)} & {fold(w) for w in words(question)}):
        return None
    return line if has_diacritics(line) or not has_diacritics(question) else None
