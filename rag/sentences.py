"""Candidate answer sentences of a passage, and what each one holds.

A report's text mixes answers with what is not one: the title line, the publication line ("Đăng vào
08/12/2021"), photo captions glued to a paragraph ("... phát biểu tại hội nghị. Ảnh: An Đăng/TTXVN"),
and the frame of the meeting ("Sáng 3/6, ... tổ chức hội nghị ...", "... chủ trì hội nghị"). This
module cuts a passage into sentence spans without those, and tags each span with the cues the
answerer weighs by question type: figures, dates, places, named people, results, tasks, decisions.
Spans index the passage text exactly, so citations stay exact.
Left out: scoring against a question (``rag.extractive``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rag.textnorm import fold, sentence_spans

_CAPTION = re.compile(r"\s*[(\[]?\s*(?:Ảnh|Ảnh minh họa|Ảnh minh hoạ|Nguồn ảnh|Clip|Video)\s*:[^.\n]*(?:[.)\]]|$)", re.I)
# (a weekday dateline is followed by its date: "Thứ Hai, 12/5/2025"; "Thứ hai, UBND các huyện ..." is
# the second item of a list of tasks)
_DATELINE = re.compile(r"^(?:(?i:Đăng vào|Đăng ngày|Cập nhật|Ngày đăng|Đăng lúc)"
                       r"|(?:Thứ \w+|Chủ nhật|Chủ Nhật),\s*(?:ngày\s*)?\d{1,2}/\d{1,2})")
_FRAME = re.compile(
    r"tổ chức hội nghị|tổ chức hội thảo|tổ chức buổi|tổ chức cuộc họp|chủ trì(?!,? phối hợp)|đồng chủ trì|tham dự|dự hội nghị|đến dự"
    r"|dưới hình thức trực tuyến|kết nối trực tuyến|điểm cầu|có sự tham gia|cùng dự|hội nghị có"
    r"|(?:hội nghị|cuộc họp|phiên họp|buổi làm việc) (?:được tổ chức|diễn ra)",
    re.I,
)
_UNIT = (r"vụ|người|đối tượng|tỷ|triệu|nghìn|đồng|%|ha|km|m2|m³|cuộc|hồ sơ|lượt|trường hợp|bậc|điểm|căn|dự án|"
         r"doanh nghiệp|xã|huyện|hộ|ca|trường|giáo viên|phòng|giấy phép|kg|tấn|viên|bánh|khẩu|xe|phương tiện|"
         r"cán bộ|đảng viên|tập thể|cá nhân|giờ|ngày|tháng|lần|chiếc|cơ sở|đơn vị|nhóm|tiêu chí|chỉ tiêu")
_FIGURE = re.compile(rf"(?<![\w/])\d+(?:[.,]\d+)*\s*(?:{_UNIT})(?!\w)|\d+(?:[.,]\d+)?\s*%|\d+/\d+\s+(?:tỉnh|đơn vị)", re.I)
_NUMBER = re.compile(r"(?<![\w/])\d+(?:[.,]\d+)*(?![/\d])")
# Any count of something: a number followed by a noun ("14.862 thí sinh", "757 em"), not by a function
# word ("2025 của", "3 và"); years after "năm" and day/month dates are not counts.
_COUNT = re.compile(
    r"(?<![\w/.,])(?<!năm )(?<!Năm )(?:\d{1,3}(?:\.\d{3})+|\d+)(?:,\d+)?\s+"
    r"(?!(?:của|và|là|đã|được|với|tại|trong|từ|đến|so|cho|theo|các|những|năm|tháng|ngày|giờ|hoặc|với|thì|mà|này|đó)(?!\w))"
    r"[^\W\d_]{2,}"
)
_DATE = re.compile(r"(?<!\d)\d{1,2}/\d{1,2}(?:/\d{2,4})?(?!\d)|ngày \d{1,2}|tháng \d{1,2}|năm (?:19|20)\d{2}"
                   r"|quý (?:IV|III|II|I|[1-4])(?:/(?:19|20)\d{2})?(?!\w)", re.I)  # "trong quý II/2027" dates it too
_PLACE = re.compile(r"(?<!\w)(?:tại|ở)\s+(?:[\w-]+\s+){0,4}?[A-ZĐÂĂÊÔƠƯ]")
_PERSON = re.compile(r"(?:ông|bà|đồng chí|[Đđ]ại tá|[Tt]hượng tá|[Tt]rung tá|[Tt]hiếu tướng|[Tt]rung tướng|Giám đốc|Chủ tịch|"
                     r"Trưởng|Phó|Bí thư|Thứ trưởng|Bộ trưởng)[\w\s,]{0,40}?[A-ZĐ]\w+\s+[A-ZĐ]\w+")
_RESULT = re.compile(r"đạt|tăng|giảm|hoàn thành|phát hiện|xử lý|xảy ra|triệt phá|thu giữ|bắt giữ|kiến nghị|thu hồi|cấp|"
                     r"giải ngân|xếp thứ|vượt|bảo đảm|ban hành|kết nạp|tổ chức|thực hiện|thành lập|có\s+\d", re.I)
_TASK = re.compile(r"yêu cầu|đề nghị|đề xuất|chỉ đạo|giao|cần|phải|tập trung|tiếp tục|khẩn trương|chủ động|"
                   r"triển khai|quyết liệt|tăng cường|nâng cao|đẩy mạnh|hoàn thành trước|phấn đấu|nhiệm vụ", re.I)
_DIRECTIVE = re.compile(r"(?<!\w)(?:yêu cầu|đề nghị|kiến nghị|đề xuất|giao|phải|cần|nhấn mạnh|lưu ý|quán triệt)(?!\w)", re.I)
_ENUMERATED = re.compile(r"\s*(?:Thứ (?:nhất|hai|ba|tư|năm|sáu|bảy|tám|chín|mười)|(?:Một|Hai|Ba|Bốn|Năm|Sáu|Bảy) là),")
_DECISION = re.compile(r"thống nhất|quyết định|thông qua|nhất trí|kết luận|chủ trương|biểu quyết", re.I)


@dataclass(frozen=True)
class Sentence:
    start: int  # offsets in the passage text
    end: int
    text: str
    frame: bool  # says who organised, chaired or attended, where and when: the meeting's frame
    figures: int  # numbers with a unit ("186 vụ", "96,5%")
    numbers: int  # any number that is not a date
    dates: int
    place: bool
    person: bool
    results: int
    tasks: int
    directives: int  # a leader asking something of others: "yêu cầu", "đề nghị", "giao", "phải"
    decisions: int
    enumerated: bool = False  # an item of a numbered list of tasks: "Thứ nhất, ...", "Hai là, ..."

    @property
    def folded(self) -> str:
        return fold(self.text)


def is_frame(text: str) -> bool:
    """Whether ``text`` speaks of a meeting's frame (who chaired or attended, bridge points, online)."""
    for m in _FRAME.finditer(text):
        # "giao Sở Y tế chủ trì phát động chiến dịch ..." assigns a task; it does not chair the meeting
        if "chủ trì" in m.group(0).lower() and _ASSIGNS.search(text[max(0, m.start() - 80) : m.start()]):
            continue
        return True
    return False


_ASSIGNS = re.compile(r"(?<!\w)(?<!bàn )(?:giao|phân công|đề nghị|yêu cầu)\s+[^,.;:()]{1,60}$", re.I)


def passage_sentences(text: str, title: str = "") -> list[Sentence]:
    """The sentences of a passage worth quoting: title lines, datelines and captions left out."""
    out: list[Sentence] = []
    title_f = fold(" ".join(title.split()))
    for s, e in sentence_spans(text):
        s, e = _without_caption(text, s, e)
        if e - s < 15:
            continue
        sent = text[s:e]
        flat = " ".join(sent.split())
        if _DATELINE.match(flat) or (title_f and fold(flat).rstrip(" .") == title_f.rstrip(" .")):
            continue
        n = len(flat.split())
        # a heading (Markdown or plain) or a signature line, not a sentence ("Văn phòng thường trực Ban Chỉ huy
        # Phòng, chống thiên tai và tìm kiếm cứu nạn tỉnh" at a report's end: long, but no figure, no stop)
        unended = not re.search(r"[.!?…:;”\"]\s*$", sent)
        if flat.startswith("#") or (unended and (n < 14 or (n < 22 and not re.search(r"\d", flat) and flat[:1] != "-"))):
            continue
        out.append(_tag(s, e, sent))
    return out


def _without_caption(text: str, s: int, e: int) -> tuple[int, int]:
    """The span with a photo caption glued to its end (or standing alone) cut off."""
    m = _CAPTION.search(text, s, e)
    if m is None:
        return s, e
    if m.start() <= s + 2:
        return s, s  # the whole "sentence" is a caption
    end = m.start()
    while end > s and text[end - 1].isspace():
        end -= 1
    return s, end


def _tag(s: int, e: int, sent: str) -> Sentence:
    without_dates = _DATE.sub(lambda m: " " * len(m.group()), sent)  # offsets kept
    return Sentence(
        s, e, sent,
        frame=is_frame(sent),
        figures=len({m.start() for m in _FIGURE.finditer(sent)} | {m.start() for m in _COUNT.finditer(without_dates)}),
        numbers=len(_NUMBER.findall(without_dates)),
        dates=len(_DATE.findall(sent)),
        place=bool(_PLACE.search(sent)),
        person=bool(_PERSON.search(sent)),
        results=len(_RESULT.findall(sent)),
        tasks=len(_TASK.findall(sent)),
        directives=len(_DIRECTIVE.findall(sent)),
        decisions=len(_DECISION.findall(sent)),
        enumerated=bool(_ENUMERATED.match(sent)),
    )
