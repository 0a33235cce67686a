"""Who said what: statements extracted from Vietnamese reported speech in meeting reports.

Covers the forms these reports use: "<cấp bậc/chức danh> <Họ tên>[, <chức vụ>...] yêu cầu / đề nghị /
báo cáo / cho biết / khẳng định ... <nội dung>", the same after an opening clause ("Phát biểu tại Hội
nghị, ...", "Kết luận cuộc họp, ...", "Tại điểm cầu ..., ..."), titles written before the name
("Giám đốc Sở Xây dựng Nguyễn Minh Tuấn"), "Theo <người>, <nội dung>", direct quotes attributed after
the closing mark ("“...”, bà Hà nhấn mạnh."), and follow-up sentences of the same speaker ("Ông cũng
cho biết ...", "Đồng thời, Giám đốc Công an tỉnh giao ...", list continuations in the same paragraph).
Every statement carries absolute (start, end) offsets of its sentence(s) in the source text.
Organisations as subjects ("Sở Xây dựng đề xuất ...") and names inside quotes or contest titles are
not speakers. Left out: speech reported without any name or title ("các đại biểu thảo luận"), indirect
speakers resolved across articles, and named-entity recognition beyond these patterns.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from rag.textnorm import fold, nfc, sentence_spans
from rag.types import Article
from rag.vi import CHAIR_VERB, GIAO_OTHER_WORD_RE

SURNAMES = frozenset(
    "Nguyễn Trần Lê Phạm Hoàng Huỳnh Phan Vũ Võ Đặng Bùi Đỗ Hồ Ngô Dương Lý Đào Đinh Lương Trịnh Mai Tô Tạ "
    "Hà Lâm Cao Chu Châu Đoàn Đàm Kiều Khúc Lại Lò Lục Mạc Nông Quách Thái Thân Tống Triệu Trương "
    "Vương Vi Kim Diệp Hứa Lưu Mẫn Nghiêm Phí Phùng Tăng Thạch Từ Hầu Cù Khổng Biện Bạch Chế Doãn Lăng "
    "Quản Tiêu Trình Ứng".split()
)
# Ranks and positions that stand before a name or head an appositive ("Phó Giám đốc Công an tỉnh").
RANKS = (
    "Đại tướng", "Thượng tướng", "Trung tướng", "Thiếu tướng", "Đại tá", "Thượng tá", "Trung tá",
    "Thiếu tá", "Đại úy", "Thượng úy", "Trung úy", "Thiếu úy",
)
_POSITION_HEADS = (
    "Thủ tướng", "Bộ trưởng", "Thứ trưởng", "Chủ tịch", "Giám đốc", "Tổng Giám đốc", "Cục trưởng",
    "Tổng cục trưởng", "Vụ trưởng", "Viện trưởng", "Hiệu trưởng", "Chánh Văn phòng", "Chánh Thanh tra",
    "Chánh án", "Trưởng", "Bí thư", "Ủy viên", "Uỷ viên", "Chỉ huy trưởng", "Tư lệnh", "Chính ủy",
    "Thủ trưởng", "Chủ nhiệm", "Tổng Thư ký", "Thư ký", "Đại biểu", "Tổng Biên tập", "Kiểm sát viên",
    "Thẩm phán", "Điều tra viên", "Đội trưởng", "Tổ trưởng", "Tổng Tham mưu trưởng", "Trạm trưởng", "Kế toán trưởng", "Người phát ngôn",
    "Đại diện", "GS", "PGS", "TS", "ThS", "BS", "Luật sư", "Nhà báo", "Đồng chí", "Ông", "Bà",
    "Tỉnh ủy viên", "Tỉnh uỷ viên", "Thành ủy viên", "Thành uỷ viên", "Huyện ủy viên", "Quận ủy viên",
)
TITLE_HEADS = tuple(sorted({*RANKS, *_POSITION_HEADS, *("Phó " + h for h in _POSITION_HEADS)}, key=len, reverse=True))
_HONORIFICS = ("đồng chí", "ông", "bà")
_HONORIFIC_END = re.compile(r"(?:đồng chí|ông|bà|Đồng chí|Ông|Bà|" + "|".join(RANKS) + r")\s$")

# verb -> kind; multi-word verbs first so "đánh giá cao" wins over "đánh giá".
VERB_KINDS: dict[str, str] = {
    "yêu cầu": "requirement", "lưu ý": "requirement", "nhắc nhở": "requirement", "đề nghị": "proposal",
    "đề xuất": "proposal", "kiến nghị": "proposal", "mong muốn": "proposal", "báo cáo": "report",
    "cho biết": "report", "thông tin": "report", "thông báo": "report", "trình bày": "report",
    "giải trình": "report", "kết luận": "conclusion", "cam kết": "commitment", "hứa": "commitment",
    "chỉ đạo": "direction", "quán triệt": "direction", "chỉ thị": "direction", "phát động": "direction",
    "giao": "assignment", "khẳng định": "statement", "nhấn mạnh": "statement", "phát biểu": "statement",
    "nói": "statement", "cho rằng": "statement", "nêu rõ": "statement", "đánh giá cao": "statement",
    "đánh giá": "statement", "biểu dương": "statement", "ghi nhận": "statement", "chia sẻ": "statement",
    "bày tỏ": "statement", "tiếp thu": "statement", "hoan nghênh": "statement", "chúc mừng": "statement",
    "phân tích": "statement", "chia sẻ thêm": "statement", "chỉ ra": "statement", "nhận định": "statement",
    "đề cập": "statement", "thừa nhận": "statement", "phản ánh": "report",
}
KINDS = frozenset(VERB_KINDS.values())
_VERBS_ALT = "|".join(sorted(map(re.escape, VERB_KINDS), key=len, reverse=True))
# A verb as its own word, lower-case as written; "giao ban" is a meeting, not an assignment.
_NOT_VERB = (
    r"(?<!Truyền )(?<!truyền )(?<!Ban )(?<!ban )"
    rf"(?!giao {GIAO_OTHER_WORD_RE})(?!nói chung)(?!hứa hẹn)(?!thông tin\w)"
)
_VERB_RE = re.compile(rf"(?<!\w){_NOT_VERB}({_VERBS_ALT})(?!\w)")
_ADVERBS = r"(?:(?:cũng|đã|sẽ|tiếp tục|đồng thời|trực tiếp|thẳng thắn|một lần nữa)\s+)*"
_SUBJECT_VERB = re.compile(rf"\s*{_ADVERBS}{_NOT_VERB}({_VERBS_ALT})(?!\w)")
_APPOSITIVE = re.compile(r"(?:\s*,\s*[A-ZĐ][^,;:.“”\"]{2,120}?)?,(?=\s)")
_FRAME_ONLY = re.compile(
    r"\W*(?:(?:chỉ đạo|kết luận|tham luận|khai mạc|bế mạc)\s+)?(?:tại\s+)?"
    r"(?:hội nghị|buổi làm việc|cuộc họp|phiên họp|buổi lễ)\W*(?:$|Ảnh:)", re.IGNORECASE
)
# Provenance of a statement: direct speech, reported speech, the reporter's summary of the meeting, a group.
PROVENANCES = ("quote", "reported", "summary", "group")
# A collective subject ("Các đại biểu", "Nhiều ý kiến", "lãnh đạo nhiều huyện", "Đại diện Sở Tài chính")
# or the meeting itself ("Hội nghị đã thống nhất ...") at the start of a subject.
_GROUP_VERBS = (
    "thống nhất cho rằng", "thống nhất đánh giá", "cho rằng", "kiến nghị", "đề xuất", "đề nghị", "phản ánh",
    "cho biết", "chỉ ra", "đánh giá", "nêu", "khẳng định", "báo cáo", "cam kết",
)
_GROUP_VERBS_ALT = "|".join(map(re.escape, _GROUP_VERBS))
_GROUP_SUBJECT = re.compile(
    r"((?:[Cc]ác|[Nn]hiều|[Mm]ột số|[Ll]ãnh đạo|[Đđ]ại diện)(?:,?\s+(?!(?:đã|đang|sẽ|được|là|có|thảo|tập)\b)"
    r"[^\s,.;:“”\"]+){1,9}?)"
    rf"\s+(?:(?:đều|cũng|đã|thẳng thắn)\s+)*({_GROUP_VERBS_ALT})(?!\w)"
)
_SINGLE_REPRESENTATIVE = re.compile(r"(?:[Đđ]ại diện|[Ll]ãnh đạo)\s+(?!các\b|nhiều\b|một số\b|một\s+số\b)")
_MEETING_SUBJECT = re.compile(
    r"(Hội nghị|Cuộc họp|Buổi làm việc|Phiên họp)\s+(?:(?:cũng|đã)\s+)*(thống nhất(?: đánh giá)?)(?!\w)"
)
_THEO_BAO_CAO = re.compile(r"Theo báo cáo của\s+([^,.;:]{3,80}?)\s*,\s*")
_CAPTION = re.compile(r"Ảnh:\s+(?:[A-ZĐ]\w*\s+){1,3}(?=[A-ZĐ])")
_ACRONYM = re.compile(r"\([A-ZĐ0-9&]{2,10}\)")
# Words that start upper-case: the only ones a name can start or continue with (most words are not).
_UPPER = "".join(sorted({c for c in map(chr, range(0x41, 0x2000)) if c.isupper()}))
_CAPITALISED = re.compile(r"\b[" + re.escape(_UPPER) + r"]\w*")
_OPEN_CLOSE = {"“": "”", "«": "»", '"': '"'}
# Scanning left to right, each opening mark is closed by the first closing mark on its line.
_QUOTED = re.compile("|".join(f"{re.escape(o)}[^{re.escape(c)}\n]*{re.escape(c)}" for o, c in _OPEN_CLOSE.items()))
_KIND_OVERRIDE = re.compile(r"^\s*(?:Phát biểu\s+)?[Kk]ết luận")
# Sentence openings that name a new, non-person subject: they end a running statement.
_OWN_VOICE = re.compile(r"(?<!\w)(?:cho biết|báo cáo|thông tin|phát biểu|cho rằng|nêu|đề nghị|kiến nghị|đề xuất|chia sẻ|"
                        r"tham luận|khẳng định|cam kết|nhấn mạnh|thống nhất|biểu dương|trao)(?!\w)")
_STOP_OPENINGS = re.compile(
    r"^(?:Sở|Bộ|Ban|Cục|Công an|UBND|Ủy ban|Uỷ ban|Hội nghị|Cuộc họp|Hội đồng|Tại|Dịp này|Theo|Phòng|"
    r"Trung tâm|Viễn thông|Đài|Các đại biểu|Đại biểu|Văn phòng|Thanh tra|Lực lượng|Buổi|Lễ|Kết thúc|#)"
)


@dataclass(frozen=True)
class Mention:
    """A person named in the text: ``text[start:end]`` is title prefix + name (+ appositive title)."""

    name: str  # canonical full name, NFC
    title: str  # ranks/positions as written, prefix and appositive joined by ", "
    start: int  # local offsets within the analysed text
    name_start: int
    name_end: int
    end: int  # end of the appositive title (== name_end when none)


@dataclass(frozen=True)
class Statement:
    speaker: str
    speaker_title: str
    verb: str
    kind: str
    content: str
    source: str
    article: int
    date: str | None
    start: int
    end: int
    # "quote", "reported", "summary" or "group" (PROVENANCES); facts saved before it existed read "reported"
    provenance: str = "reported"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def is_person_speaker(st: Statement) -> bool:
    """Whether a person said it: not a group, a body or the meeting itself ("Các đại biểu", "Hội nghị")."""
    words = st.speaker.split()
    return st.provenance not in ("group", "summary") and len(words) >= 2 and all(w[:1].isupper() for w in words)


def mask_quotes(text: str) -> str:
    """``text`` with the inside of quotation marks replaced by "_" (same length, newlines kept).

    A quotation closes on the same line; an opening mark without its closing one is left as is."""
    return _QUOTED.sub(lambda m: m.group()[0] + "_" * (len(m.group()) - 2) + m.group()[-1], text)


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
        if n >= 10 or _BREAK_WORD.match(masked, s) or _VERB_RE.match(masked, s):
            break
        cand = masked[s:name_start].strip()
        up = cand[:1].upper() + cand[1:]
        if any(up.startswith(h) and (len(up) == len(h) or not up[len(h)].isalnum()) for h in TITLE_HEADS):
            best = (s, cand)
    return best


_HEAD_AFTER = re.compile(r"\s*(?:" + "|".join(map(re.escape, TITLE_HEADS)) + r")(?!\w)")
_AND_STOP = re.compile(
    r"(?:\d|hơn|các|những|nhiều|toàn|đại diện|lãnh đạo|đồng chí|ông|bà|"
    + "|".join(map(re.escape, TITLE_HEADS))
    + r")(?!\w)"
)
_SHORT_REF = re.compile(
    r"(?:[Đđ]ồng chí|[Ôô]ng|[Bb]à|" + "|".join(map(re.escape, TITLE_HEADS)) + r")\s+(\w+)(?!\s+[A-ZĐÂĂÊÔƠƯ])"
)
_BREAK_WORD = re.compile(r"(?:và|có|của|với|tại|từ|cho|là|thì|do|như|gồm|dự|trao|tặng|về)\s")
_PLACE_WORD = re.compile(r"(?:tỉnh|thành phố|huyện|xã|phường|quận|thị xã|thị trấn|TP\.?|điểm cầu|tại|ở)\s$")
_PLACE_BEFORE_WORD = re.compile(r"(?:tỉnh|thành phố|huyện|xã|phường|quận|thị xã)\s+[A-ZĐ]\w*\s$")
_PLACE_NAMES = frozenset({"ho chi minh", "ba ria vung tau", "thua thien hue"})


def _strip_honorific(title: str) -> str:
    t = title.strip()
    changed = True
    while changed:
        changed = False
        for h in _HONORIFICS:
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
        if s >= stop or not masked[s].isupper() or not any(masked.startswith(h, s) for h in TITLE_HEADS):
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
            if masked[e - 1 : e] == " " and (_VERB_RE.match(masked, e) or CHAIR_VERB.match(masked, e)):
                break
            e += 1
        seg = masked[s:e].strip()
        seg = re.sub(r"\s+và$", "", seg)
        if not seg:
            break
        parts.append(seg)
        end = s + len(masked[s:e].rstrip())
        if end < e and masked[e - 1 : e] == " " and (_VERB_RE.match(masked, e) or CHAIR_VERB.match(masked, e)):
            break
    return ", ".join(parts), end


def _name_tail_before_verb(masked: str, pos: int) -> bool:
    """Whether a short lower-case run at ``pos`` ends a body's name right before the predicate
    ("…, thiên tai và tìm kiếm cứu nạn chủ trì hội nghị"), not a clause of its own."""
    m = re.match(r"[^,;.:“”\"()]{1,60}", masked[pos:])
    if not m:
        return False
    seg = m.group()
    v = next((x for x in (_VERB_RE.search(seg), CHAIR_VERB.search(seg)) if x is not None and x.start() > 0), None)
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
        if w[:1].isupper() and (w in SURNAMES or _honorific_before(masked, s)):
            if w not in SURNAMES and any(masked.startswith(h, s) for h in TITLE_HEADS):
                i += 1  # "Đồng chí Phó Chủ tịch UBND tỉnh yêu cầu": a title after the honorific, not a name
                continue
            j = i + 1
            while j < len(toks) and j - i < 4 and toks[j][2][:1].isupper() and masked[toks[j - 1][1] : toks[j][0]] == " ":
                if toks[j][2].isupper() and len(toks[j][2]) > 1:  # acronyms (UBND) are not syllables of names
                    break
                j += 1
            if j - i >= 3 and toks[i + 1][2] in SURNAMES and _PLACE_BEFORE_WORD.search(masked, max(0, s - 24), s):
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
    out: list[Mention] = []
    for k, (ns, ne, name) in enumerate(raw):
        stop = raw[k + 1][0] if k + 1 < len(raw) else len(masked)
        ps, prefix = _title_prefix(masked, ns)
        appos, aend = _appositive(masked, ne, stop)
        title = ", ".join(t for t in (_strip_honorific(prefix), appos) if t)
        if not prefix and not appos:
            continue
        out.append(Mention(nfc(name), title, ps, ns, ne, aend))
    return _resolve_short_forms(out)


def _resolve_short_forms(mentions: list[Mention]) -> list[Mention]:
    """Short forms ("bà Lan Anh", "Chủ tịch Chung") named by the full name introduced earlier.

    A mention of one or two syllables not starting with a surname becomes the unique earlier full
    name (three syllables or more) ending with the same syllables; its own title is kept when it has one."""
    out: list[Mention] = []
    for m in mentions:
        words = m.name.split()
        full = _full_name_for(words, out) if len(words) <= 2 and words[0] not in SURNAMES else None
        if full is not None:
            m = Mention(full.name, m.title or full.title, m.start, m.name_start, m.name_end, m.end)
        out.append(m)
    return out


def _full_name_for(words: Sequence[str], known: Sequence[Mention]) -> Mention | None:
    """The unique full name among ``known`` that ends with ``words`` (exact accents), else None."""
    n = len(words)
    names = {k.name: k for k in known if len(k.name.split()) >= n + 1 and k.name.split()[-n:] == list(words)}
    return next(iter(names.values())) if len(names) == 1 else None


def _honorific_before(masked: str, pos: int) -> bool:
    return _HONORIFIC_END.search(masked, max(0, pos - 40), pos) is not None


@dataclass
class _Open:
    speaker: str
    title: str
    verb: str
    kind: str
    content_start: int
    start: int
    end: int
    para: int
    quote: str | None = None
    provenance: str = "reported"


def _kind(verb: str, opening: str) -> str:
    kind = VERB_KINDS.get(verb, "statement")
    if kind == "statement" and _KIND_OVERRIDE.match(opening):
        return "conclusion"
    return kind


def _subject_starts(masked: str, s: int, e: int) -> list[int]:
    """Where a subject may begin in sentence [s, e): its start and after up to three opening clauses."""
    starts = [s]
    cap = _CAPTION.match(masked, s, e)
    if cap:  # "Ảnh: Thanh Tùng Tại các điểm cầu, ...": a caption glued to the next paragraph
        words = list(re.finditer(r"\S+", masked[s : cap.end() + 1]))
        starts.extend(s + w.start() for w in words[2:])
    for m in re.finditer(r",\s*", masked[s:e]):
        if m.start() > 200 or len(starts) > 3:
            break
        starts.append(s + m.end())
    return starts


def _resolve_short(word: str, known: Sequence[Mention], pos: int) -> Mention | None:
    fw = fold(word)
    for m in reversed([k for k in known if k.start < pos]):
        if fold(m.name).split()[-1] == fw:
            return m
    return None


def _resolve_title(ref: str, known: Sequence[Mention], pos: int, female: bool | None = None) -> Mention | None:
    fr = fold(ref).strip()
    for m in reversed([k for k in known if k.start < pos]):
        if female is not None and ("thi" in fold(m.name).split()[1:-1]) != female and len(m.name.split()) > 2:
            continue
        if not fr:
            return m
        segs = [fold(t).strip() for t in re.split(r",\s*", m.title)]
        if any(sg == fr or sg.startswith(fr + " ") for sg in segs):
            return m
    return None


def extract_statements(
    text: str, *, source: str, article: int = 0, date: str | None = None, offset: int = 0
) -> list[Statement]:
    """Statements in one article's text; spans are ``offset``-shifted into the source text."""
    text = nfc(text)
    masked = mask_quotes(text)
    mentions = person_mentions(text, masked)
    by_start = {m.start: m for m in mentions} | {m.name_start: m for m in mentions}
    heads_alt = "|".join(map(re.escape, TITLE_HEADS))
    title_ref = re.compile(rf"({heads_alt})((?:\s+[^\s,.;:“”\"]+){{0,6}}?)(?={_SUBJECT_VERB.pattern})")
    opened: list[_Open] = []
    para, prev_end = 0, 0
    speakers: list[Mention] = []  # mentions that have spoken, for pronoun resolution
    for s, e in _split_after_quotes(text, sentence_spans(text)):
        if "\n" in text[prev_end:s]:
            para += 1
        prev_end = e
        found = _attribute(text, masked, s, e, by_start, mentions, speakers, title_ref, opened, para)
        if found and _FRAME_ONLY.match(text, found.content_start, e):
            continue  # "... dự và chỉ đạo hội nghị.": attending, not a statement
        if found is None:
            found = _collective(text, masked, s, e, para)
        if found:
            opened.append(found)
            second = _second_clause(masked, found, e)
            if second is not None:
                found.end = second[0]
                opened.append(_Open(found.speaker, found.title, second[1], _kind(second[1], ""), second[2], s, e, para,
                                    provenance=found.provenance))
            continue
        last = opened[-1] if opened else None
        # ("... yêu cầu Sở A ... UBND các xã xử lý dứt điểm ...": after a directive, a unit that is given the
        # next task without a verb of its own is still the speaker's list, not the unit speaking)
        goes_on = not _STOP_OPENINGS.match(text[s:e]) or (
            last is not None and last.kind in ("requirement", "assignment") and not _OWN_VOICE.search(text, s, e))
        if last and last.para == para and last.end == _prev_sentence_end(text, s) and goes_on:
            if not person_mentions_in(mentions, s, e):
                last.end = e  # the same speaker's statement runs on (list items, "Trong đó, ...")
    out = []
    for o in opened:
        content = o.quote or " ".join(text[o.content_start : o.end].split()).lstrip(":,; ")
        provenance = "quote" if o.quote or _whole_quote(content) else o.provenance
        out.append(Statement(
            speaker=o.speaker, speaker_title=o.title, verb=o.verb, kind=o.kind, content=content,
            source=source, article=article, date=date, start=offset + o.start, end=offset + o.end,
            provenance=provenance,
        ))
    return out


# A second reporting verb on the same subject in one sentence: "phản ánh … và kiến nghị …",
# "ghi nhận …, song thẳng thắn chỉ ra …", "…; đồng thời yêu cầu …".
_SECOND_VERBS = ("kiến nghị", "đề nghị", "yêu cầu", "chỉ ra", "đề xuất", "giao", "nhấn mạnh", "cho rằng", "lưu ý")
_SECOND_CLAUSE = re.compile(
    r"(?:,\s*song\s+|\s+và\s+|;\s*đồng thời\s+|,\s*đồng thời\s+)(?:(?:cũng|thẳng thắn|đã)\s+)*"
    r"(" + "|".join(map(re.escape, _SECOND_VERBS)) + r")\s"
)


def _second_clause(masked: str, o: _Open, e: int) -> tuple[int, str, int] | None:
    """(end of the first clause, second verb, start of its content), or None."""
    if o.quote is not None:
        return None
    m = _SECOND_CLAUSE.search(masked, o.content_start, e)
    if m is None:
        return None
    return m.start(), m.group(1), m.end(1)


def _whole_quote(content: str) -> bool:
    """Whether ``content`` is one direct quotation ("“...”." after "nhấn mạnh:")."""
    c = content.strip().rstrip(".;")
    if len(c) <= 2 or c[0] not in _OPEN_CLOSE or c.count(c[0]) != 1:
        return False
    close = _OPEN_CLOSE[c[0]]
    # the sentence may end inside the quote, before its closing mark (".” Ông cũng …")
    return c[-1] == close or close not in c[1:]


def _split_after_quotes(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sentences cut after a quote that ends a sentence (".” Ông cũng yêu cầu ...")."""
    out: list[tuple[int, int]] = []
    for s, e in spans:
        for m in _QUOTE_SENTENCE_END.finditer(text, s, e):
            out.append((s, m.start() + 2))
            s = m.end()
        out.append((s, e))
    return out


_QUOTE_SENTENCE_END = re.compile(r"[.!?][”»\"]\s+(?=[A-ZĐÂĂÊÔƠƯ“])")


def _collective(text: str, masked: str, s: int, e: int, para: int) -> _Open | None:
    """A statement of a group, a body's representative, a report of a body or the meeting itself."""
    for b in _subject_starts(masked, s, e):
        tb = _THEO_BAO_CAO.match(masked, b, e)
        if tb:
            return _Open(tb.group(1).strip(), "", "theo báo cáo", "report", tb.end(), s, e, para)
        mm = _MEETING_SUBJECT.match(masked, b, e)
        if mm:
            return _Open(mm.group(1), "", mm.group(2), "conclusion", mm.end(), s, e, para, provenance="summary")
        gm = _GROUP_SUBJECT.match(masked, b, e)
        if gm:
            subject = gm.group(1)
            single = _SINGLE_REPRESENTATIVE.match(subject) and not re.search(r"(?<!\w)(?:các|nhiều|một số)(?!\w)", subject)
            prov = "reported" if single else "group"
            verb = gm.group(2)
            return _Open(subject, "", verb, _kind(verb.split()[-1] if verb.startswith("thống nhất") else verb, ""),
                         gm.end(), s, e, para, provenance=prov)
    return None


def person_mentions_in(mentions: Iterable[Mention], s: int, e: int) -> list[Mention]:
    return [m for m in mentions if s <= m.name_start < e]


def _prev_sentence_end(text: str, s: int) -> int:
    i = s
    while i > 0 and text[i - 1].isspace():
        i -= 1
    return i


def _attribute(
    text: str, masked: str, s: int, e: int, by_start: dict[int, Mention], mentions: Sequence[Mention],
    speakers: list[Mention], title_ref: re.Pattern[str], opened: list[_Open], para: int,
) -> _Open | None:
    opening = text[s:e]
    for b in _subject_starts(masked, s, e):
        who: Mention | None = None
        theo = re.match(r"(?:[Cc]ũng\s+)?[Tt]heo\s+(?!báo cáo)", masked[b:e])
        p = b + theo.end() if theo else b
        m = by_start.get(p)
        short = _SHORT_REF.match(masked[p:e])
        vpos = None
        if m is not None:
            who, vpos = m, m.end
            # "ông X, Phó Giám đốc Sở Tài chính, đề nghị ...": the comma closing an appositive title
            ap = _APPOSITIVE.match(masked, vpos, e)
            if ap and not _SUBJECT_VERB.match(masked, vpos, e) and _SUBJECT_VERB.match(masked, ap.end(), e):
                vpos = ap.end()
                # "bà X, Hiệu trưởng Trường THPT chuyên Y Z, chia sẻ": a name inside the appositive is
                # not the speaker; the person the appositive describes is
                head = [x for x in mentions if s <= x.start < m.start and not re.search(r"[.;:]", masked[x.end : m.start])]
                who = head[0] if head else m
        elif short and short.group(1)[:1].isupper() and (r := _resolve_short(short.group(1), mentions, p)):
            who, vpos = r, p + short.end()
        if theo and who is not None and vpos is not None:
            cm = re.match(r"\s*,\s*", masked[vpos:e])
            if cm:
                speakers.append(who)
                return _Open(who.name, who.title, "theo", "statement", vpos + cm.end(), s, e, para)
            continue
        if who is None and not theo:
            pm = re.match(r"([Ôô]ng|[Bb]à|[Đđ]ồng chí)(?=\s)", masked[p:e])
            # "Đồng chí Giám đốc yêu cầu …", "ông Chủ tịch nói": an honorific before a title is the title's holder
            at = p + pm.end() + 1 if pm else p
            tm = title_ref.match(masked, at, e)
            if tm and pm:
                pm = None
            if pm:
                who, vpos = _resolve_pronoun(pm.group(1), speakers, opened, para), p + pm.end()
            elif tm and not person_mentions_in(mentions, p, tm.end()):
                ref = tm.group(1) + tm.group(2)
                given = tm.group(2).split()
                by_name = (_full_name_for(given, [k for k in mentions if k.start < p])
                           if given and all(w[:1].isupper() for w in given) else None)
                who = by_name or _resolve_title(ref, mentions, p, _female(masked[p:at]))
                vpos = tm.end()
        if who is None or vpos is None:
            continue
        vm = _SUBJECT_VERB.match(masked, vpos, e)
        if not vm:
            continue
        verb = vm.group(1)
        speakers.append(who)
        quote = None
        start = s
        if b > s and re.match(r"\s*[“\"«]_*[”\"»]\s*,\s*$", masked[s:b]):
            quote = text[s:b].strip().rstrip(",").strip()[1:-1].strip()
        elif b > s and (cq := re.match(r"_+([”»])\s*,\s*$", masked[s:b])):
            # "“A. B”, ông Hậu nói.": the quote opened in an earlier sentence of the paragraph
            close = s + cq.start(1)
            para_start = text.rfind("\n", 0, s) + 1
            op = text.rfind({"”": "“", "»": "«"}[cq.group(1)], para_start, s)
            if op >= 0 and cq.group(1) not in text[op + 1 : close]:
                quote, start = text[op + 1 : close].strip(), op
                while opened and opened[-1].start >= op:
                    opened.pop()
                if opened and opened[-1].end > op:
                    opened[-1].end = _prev_sentence_end(text, op)
        return _Open(who.name, who.title, verb, _kind(verb, opening), vm.end(), start, e, para, quote)
    return None


def _female(honorific: str) -> bool | None:
    h = honorific.strip().lower()
    return True if h == "bà" else False if h == "ông" else None


def _resolve_pronoun(word: str, speakers: Sequence[Mention], opened: Sequence[_Open], para: int) -> Mention | None:
    if not opened or opened[-1].para < para - 1:
        return None
    female: bool | None = None if fold(word) == "dong chi" else fold(word) == "ba"
    recent = [m for m in speakers if m.name == opened[-1].speaker]
    if recent and _gender_ok(recent[-1], female):
        return recent[-1]
    for m in reversed(speakers[-4:]):
        if _gender_ok(m, female):
            return m
    return None


def _gender_ok(m: Mention, female: bool | None) -> bool:
    if female is None:
        return True
    parts = fold(m.name).split()
    if len(parts) > 2 and "thi" in parts[1:-1]:
        return female
    if fold(m.title).startswith(("ba ", "ba,")):
        return female
    return not female or len(parts) <= 2


def statements_for_articles(text: str, articles: Iterable[Article]) -> list[Statement]:
    """Statements of every article (objects with source, index, date, start, end) of one source text."""
    out: list[Statement] = []
    for a in articles:
        out.extend(
            extract_statements(text[a.start : a.end], source=a.source, article=a.index, date=a.date, offset=a.start)
        )
    return out
