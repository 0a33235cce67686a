"""The words of reported speech in Vietnamese meeting reports, shared by the mention finder and the statements.

Covers: the surnames a person's name starts with, military and police ranks, the heads of titles written
before or after a name ("Phó Giám đốc", "Trưởng ban", "Tỉnh ủy viên"), honorifics, the reporting verbs with
the kind of statement each one gives ("yêu cầu" a requirement, "cam kết" a commitment), and masking the
inside of quotation marks so that names and verbs quoted are not read as the report's own.
Left out: finding names in the text (``rag.facts.mentions``) and attributing statements (``rag.facts.speech``).
"""

from __future__ import annotations

import re

from rag.vi import GIAO_OTHER_WORD_RE

SURNAMES = frozenset(
    "Nguyễn Trần Lê Phạm Hoàng Huỳnh Phan Vũ Võ Đặng Bùi Đỗ Hồ Ngô Dương Lý Đào Đinh Lương Trịnh Mai Tô Tạ "
    "Hà Lâm Cao Chu Châu Đoàn Đàm Kiều Khúc Lại Lò Lục Mạc Nông Quách Thái Thân Tống Triệu Trương "
    "Vương Vi Kim Diệp Hứa Lưu Mẫn Nghiêm Phí Phùng Tăng Thạch Từ Hầu Cù Khổng Biện Bạch Chế Doãn Lăng "
    "Quản Tiêu Trình Ứng Ưng".split()
)
# Surnames of the upland ethnic groups (Hmông, Thái, Tày, Dao: "Vàng A Sính", "Lường Văn Lâm"), matched with
# their accents only. Kept apart from SURNAMES, which questions match folded: folded, several of these are
# syllables of common place names ("Giàng"/"Hà Giang", "Lã"/"Sơn La", "Sầm"/"Sầm Sơn", "Cầm"/"Cam Ranh").
UPLAND_SURNAMES = frozenset("Vàng Giàng Thào Sùng Lầu Vừ Hờ Chảo Tẩn Phàn Sầm Lường Lã Tòng Quàng Cầm".split())
NAME_STARTS = SURNAMES | UPLAND_SURNAMES
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
    "Thẩm phán", "Điều tra viên", "Đội trưởng", "Tổ trưởng", "Tổng Tham mưu trưởng", "Trạm trưởng", "Kế toán trưởng",
    "Người phát ngôn", "Chi cục trưởng",
    "Đại diện", "GS", "PGS", "TS", "ThS", "BS", "Luật sư", "Nhà báo", "Đồng chí", "Ông", "Bà",
    "Tỉnh ủy viên", "Tỉnh uỷ viên", "Thành ủy viên", "Thành uỷ viên", "Huyện ủy viên", "Quận ủy viên",
)
TITLE_HEADS = tuple(sorted({*RANKS, *_POSITION_HEADS, *("Phó " + h for h in _POSITION_HEADS)}, key=len, reverse=True))
HONORIFICS = ("đồng chí", "ông", "bà")
# Membership, written lower-case after a first title ("Phó Cục trưởng Cục …, thành viên đoàn công tác"): a title too.
MEMBER_HEADS = ("thành viên", "ủy viên", "uỷ viên")

# verb -> kind; multi-word verbs first so "đánh giá cao" wins over "đánh giá".
VERB_KINDS: dict[str, str] = {
    "yêu cầu": "requirement", "lưu ý": "requirement", "nhắc nhở": "requirement", "đề nghị": "proposal",
    "đề xuất": "proposal", "kiến nghị": "proposal", "mong muốn": "proposal", "báo cáo": "report",
    "cho biết": "report", "cho biết thêm": "report", "thông tin": "report", "thông báo": "report",
    "trình bày": "report", "giải trình": "report", "kết luận": "conclusion", "cam kết": "commitment",
    "hứa": "commitment",
    "chỉ đạo": "direction", "quán triệt": "direction", "chỉ thị": "direction", "phát động": "direction",
    "giao": "assignment", "khẳng định": "statement", "nhấn mạnh": "statement", "phát biểu": "statement",
    "nói": "statement", "cho rằng": "statement", "nêu rõ": "statement", "đánh giá cao": "statement",
    "đánh giá": "statement", "biểu dương": "statement", "ghi nhận": "statement", "chia sẻ": "statement",
    "bày tỏ": "statement", "tiếp thu": "statement", "hoan nghênh": "statement", "chúc mừng": "statement",
    "phân tích": "statement", "chia sẻ thêm": "statement", "chỉ ra": "statement", "nhận định": "statement",
    "đề cập": "statement", "thừa nhận": "statement", "phản ánh": "report", "chỉ rõ": "statement",
}
KINDS = frozenset(VERB_KINDS.values())
VERBS_ALT = "|".join(sorted(map(re.escape, VERB_KINDS), key=len, reverse=True))
# A verb as its own word, lower-case as written; "giao ban" is a meeting, not an assignment.
NOT_VERB = (
    r"(?<!Truyền )(?<!truyền )(?<!Ban )(?<!ban )"
    rf"(?!giao {GIAO_OTHER_WORD_RE})(?!nói chung)(?!hứa hẹn)(?!thông tin\w)"
)
VERB_RE = re.compile(rf"(?<!\w){NOT_VERB}({VERBS_ALT})(?!\w)")
_ADVERBS = r"(?:(?:cũng|đã|sẽ|tiếp tục|đồng thời|trực tiếp|thẳng thắn|một lần nữa)\s+)*"
# Verbs that report speech only right after the speaker ("Bà Hà dự báo lượng hàng sẽ …"): elsewhere they are words
# of a body's name ("Trung tâm dự báo khí tượng thủy văn") or of the content ("được dự báo"), so the title and
# appositive scan (``VERB_RE``) and the questions (``VERB_KINDS``) leave them out.
_SUBJECT_ONLY_VERBS = r"(?<![Tt]rung tâm )(?<!được )dự báo(?!\s+(?:khí tượng|thủy văn|thuỷ văn|thời tiết|viên))"
SUBJECT_VERB = re.compile(rf"\s*{_ADVERBS}{NOT_VERB}({VERBS_ALT}|{_SUBJECT_ONLY_VERBS})(?!\w)")
OPEN_CLOSE = {"“": "”", "«": "»", '"': '"'}
# Scanning left to right, each opening mark is closed by the first closing mark on its line.
_QUOTED = re.compile("|".join(f"{re.escape(o)}[^{re.escape(c)}\n]*{re.escape(c)}" for o, c in OPEN_CLOSE.items()))


def mask_quotes(text: str) -> str:
    """``text`` with the inside of quotation marks replaced by "_" (same length, newlines kept).

    A quotation closes on the same line; an opening mark without its closing one is left as is."""
    return _QUOTED.sub(lambda m: m.group()[0] + "_" * (len(m.group()) - 2) + m.group()[-1], text)

