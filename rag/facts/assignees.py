"""Who a task is given to: the addressee at the start of a clause and where its action starts.

``split_assignee`` reads "Sở Nông nghiệp và Môi trường chủ trì, phối hợp …" as the lead unit ("Sở Nông nghiệp và
Môi trường") and the action after the whole addressee; it knows the action verbs that open a task (``ACTION_RE``),
the heads of bodies' names (``UNIT_HEAD``), lower-case collectives ("các sở, ngành", ``LOWER_UNIT``), addressees
above the speaker (``HIGHER``: a proposal, not a task), a person told by name ("đồng chí Lục Văn Dũng, …") and a
co-assignee after the lead ("Sở Y tế, Sở Tài chính …": the first one leads). Words of a body's name that look like
actions are not the action ("Phòng Quản lý xây dựng", "Phòng Cảnh sát giao thông").
Left out: which clauses are tasks and who gives them (``rag.facts.tasks``).
"""

from __future__ import annotations

import re

from rag.vi import GIAO_OTHER_WORD_RE

_ACTIONS = (
    "chủ trì", "phối hợp", "rà soát", "xây dựng", "tăng cường", "kiện toàn", "chỉ đạo", "khẩn trương", "thẩm định",
    "tham mưu", "tập trung", "hoàn thành", "hoàn thiện", "hoàn tất", "nghiên cứu", "tiếp tục", "phải", "tổ chức",
    "đôn đốc", "cân đối", "triển khai", "thu hồi", "mở", "báo cáo", "bàn giao", "kiên quyết", "sớm", "chủ động",
    "thực hiện", "xử lý", "cắt giảm", "bố trí", "trình", "nâng", "đẩy mạnh", "quyết liệt", "khắc phục", "bảo đảm",
    "đảm bảo", "giải ngân", "có", "cần", "ban hành", "cập nhật", "hướng dẫn", "làm", "theo dõi", "kiểm tra",
    "nghiệm thu", "di dời", "chấm dứt", "quan tâm", "hỗ trợ", "khởi công", "thanh toán", "rà", "gửi", "lập",
    "giao", "thành lập", "nâng cao", "đề xuất", "tham gia", "vận động", "tuyên truyền", "số hóa", "chuẩn bị",
    "kịp thời", "trực tiếp", "nghiêm túc", "tích cực", "thường xuyên", "đẩy nhanh", "tổng hợp", "phân bổ", "điều tra",
    "truy xét",
    "xác minh", "thanh tra", "ngăn chặn", "lắp đặt", "phun", "tiêu diệt", "vệ sinh", "xét nghiệm", "điều trị",
    "cưỡng chế", "truy thu", "công khai", "tập huấn", "bổ sung", "điều chỉnh", "sắp xếp", "xử phạt", "đình chỉ",
    "niêm phong", "sơ tán", "dứt điểm", "cung cấp", "khảo sát", "đánh giá", "tổng kết", "sơ kết", "duy trì",
    "mở rộng", "cải tạo", "sửa chữa", "nâng cấp", "thẩm tra", "phê duyệt", "tăng", "giảm", "ra quân", "ký", "nộp",
    "phát động", "vào cuộc", "quán triệt", "đề ra", "làm rõ", "chịu trách nhiệm", "đưa", "ứng phó", "siết chặt",
    "gia cố", "rút ngắn", "phân công", "phấn đấu", "tuyệt đối", "không", "nghiêm cấm", "lưu ý", "cần thiết", "kiểm soát chặt", "xác định", "thống kê", "rà", "khoanh vùng", "xử lý dứt điểm",
    "lồng ghép", "dừng", "tạm dừng",
    # how often, before the action: part of what is done ("Sở Công Thương hằng tuần cập nhật …"), not of the addressee
    "hằng ngày", "hằng tuần", "hằng tháng", "hằng quý", "hàng ngày", "hàng tuần", "hàng tháng", "hàng quý",
)
ACTION_RE = re.compile(r"(?<![\w-])(?:" + "|".join(map(re.escape, sorted(_ACTIONS, key=len, reverse=True))) + r")(?!\w)")
UNIT_HEAD = (
    r"(?:Sở|Bộ|Công an|UBND|Ủy ban|Uỷ ban|Ban|Cục|Chi cục|Chủ tịch|Văn phòng|Thanh tra|Trung tâm|Tổng cục|Kho bạc|"
    r"Đài|Trường|Bệnh viện|Hội|Liên đoàn|Đoàn|Công ty|Tổng công ty|Ngân hàng|Cảnh sát|Phòng|Bộ Chỉ huy|Viện|Đội|"
    r"Tòa án|Viện kiểm sát|Cơ quan|Chi nhánh|Quỹ|Tỉnh đoàn|Thành đoàn|Mặt trận)"
)
LOWER_UNIT = re.compile(
    r"(?:các|toàn|tỉnh|huyện|thành phố|thị xã|xã|phường|quận|lực lượng|ngành|những|mỗi|từng|cơ quan|đơn vị|tổ|đội|"
    r"chính quyền|lãnh đạo|người đứng đầu|chủ đầu tư|nhà thầu|địa phương|cấp ủy|\d+)(?!\w)"
)
# Addressees above the speaker: "đề nghị tỉnh / Chính phủ …" is a proposal, not a task.
HIGHER = re.compile(r"(?:tỉnh|UBND tỉnh|Chính phủ|Trung ương|Thủ tướng(?: Chính phủ)?|cấp trên|Quốc hội)$")
# A person told by name: "đồng chí Lục Văn Dũng, …", or by a short form ("đồng chí Kiên") resolved later.
_PERSON_ADDRESSEE = re.compile(r"(?:đồng chí|ông|bà)\s+([A-ZĐ]\w*(?:\s+[A-ZĐ]\w*){0,4})(?:\s*,|$)")
# "có" right after a plural addressee ("các xã, phường có …") restricts it, unless what follows is what a body is
# told to produce ("có văn bản", "có kế hoạch", "có trách nhiệm").
_PLURAL_BEFORE = re.compile(r"(?<!\w)(?:các|những)\s+[^\s,]+(?:,\s*[^\s,]+)*\s$")
_HAVE_OBJECT = re.compile(r"\s+(?:trách nhiệm|kế hoạch|văn bản|phương án|giải pháp|báo cáo|ý kiến|hướng dẫn)(?!\w)")
_ADVERB_TAIL = re.compile(r"\s+(?:cũng|đồng thời|đã|sẽ|tiếp tục)$")
_CONG_BEFORE = re.compile(r"(?<!\w)công\s$")
_GIAO_NOUN = re.compile(rf"\s{GIAO_OTHER_WORD_RE}(?!\w)")
# What a body's name looks like at the start of a list item: a unit head or a lower-case collective, several
# capitalised words ("Kho bạc Nhà nước"), or a level of government at its end ("Thuế tỉnh"). An item that opens
# with a verb ("- Phân loại chính xác …", "- Ưu tiên …") has none.
ITEM_UNIT = re.compile(
    rf"(?:{UNIT_HEAD}\s|\w+\s+[A-ZĐ]|.*\s(?:tỉnh|huyện|xã|phường|thành phố|thị xã|cơ sở|khu vực)$)"
)
# A body's name as the subject of a clause, with commas inside it when what follows each comma is capitalised and
# heads no second body: "Sở Văn hóa, Thể thao và Du lịch", not "Sở Y tế, Sở Tài chính".
BODY_NAME = rf"{UNIT_HEAD}\s[^,;“”]{{1,80}}?(?:,\s*(?!{UNIT_HEAD}\s)[A-ZĐ][^,;“”]{{0,40}}?)*"
_SPLIT_LEAD = re.compile(rf"(?:,|\s+và)\s+(?={UNIT_HEAD}\s)")
# "các sở, ngành và doanh nghiệp": in a lower-case collective, "và" + a second collective noun adds a partner, as
# "và" + a capitalised body does; "ngành nông nghiệp và môi trường" is one name (its "và" joins no body noun).
_SPLIT_LOWER = re.compile(
    r"\s+và\s+(?=(?:các\s+|những\s+)?(?:doanh nghiệp|địa phương|đơn vị|cơ quan|hợp tác xã|nhà thầu|chủ đầu tư|"
    r"người dân|hộ dân)(?!\w))"
)


def split_assignee(s: str) -> tuple[str, int]:
    """The lead unit at the start of ``s`` and where the action after the whole addressee starts."""
    pos = 0
    for m in ACTION_RE.finditer(s):
        if m.start() == 0:
            continue
        if s[m.start() : m.end()] == "xây dựng" and s[: m.start()].rstrip().endswith(("đầu tư", "lý")):
            continue  # "Cục Kinh tế - Quản lý đầu tư xây dựng", "Phòng Quản lý xây dựng"
        if m.group() == "trình" and _CONG_BEFORE.search(s, 0, m.start()):
            continue  # "Công ty … Khai thác công trình thủy lợi": "công trình" (works) is a noun of the name
        if m.group() == "giao" and _GIAO_NOUN.match(s, m.end()):
            continue  # "Phòng Cảnh sát giao thông": part of the name, not the action
        if m.group() == "có" and _PLURAL_BEFORE.search(s, 0, m.start()) and not _HAVE_OBJECT.match(s, m.end()):
            continue  # "UBND các xã, phường có khu công nghiệp rà soát …": which communes, not the action
        pos = m.start()
        break
    if not pos:
        return "", 0
    unit = s[:pos].rstrip(" ,")
    person = _PERSON_ADDRESSEE.match(unit)
    if person:  # "giao đồng chí Lục Văn Dũng, Phó Chủ tịch UBND tỉnh, chỉ đạo …": the person, by name
        return person.group(1), pos
    lead = _SPLIT_LEAD.search(unit)
    if lead:
        unit = unit[: lead.start()]
    elif unit[:1].islower() and (low := _SPLIT_LOWER.search(unit)):
        unit = unit[: low.start()]
    unit = _ADVERB_TAIL.sub("", unit.strip())  # "Sở Y tế đồng thời chỉ đạo …": the adverb is no part of the name
    if not is_unit(unit):
        return "", 0  # "bổ sung kinh phí …": an action, not an addressee
    return unit, pos


def is_unit(unit: str) -> bool:
    """Whether ``unit`` can name an addressee: a body's name or a lower-case collective ("các sở, ngành")."""
    return len(unit.split()) <= 14 and bool(unit[:1].isupper() or LOWER_UNIT.match(unit))
