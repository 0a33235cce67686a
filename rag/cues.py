"""How a sentence serves a question's type: the cues the extractive answerer weighs per sentence.

Covers whether a sentence holds what a "bao nhiêu" question counts (a count of what is counted, a
percentage, an amount, a rank; a target is not a result), the slot a place, date, person or list question
asks ("những xã nào": a run of names after the noun asked), the bonus of its cues by question type (a
figure, a date, a named thing for "<noun> nào", the day an asked period ends), and the cues of a broad
question's aspect (results, tasks, decisions, shortcomings).
Left out: the candidates, their coverage and scope (``rag.evidence``), choosing the answer (``rag.extractive``).
"""

from __future__ import annotations

import itertools
import re

from rag.acronyms import with_expansions
from rag.question import PROBLEMS, QUESTION_WORDS, Question
from rag.sentences import Sentence, is_frame
from rag.textnorm import fold

_CAP = r"(?:(?:huyện|thị xã|thành phố|quận|xã|phường|tỉnh|TP\.?)\s+)?[A-ZĐÂĂÊÔƠƯ][\w-]*(?:\s+[A-ZĐÂĂÊÔƠƯ0-9][\w-]*)*"
NAME_LIST = re.compile(rf"{_CAP}(?:,\s*{_CAP})+(?:,?\s+và\s+{_CAP})?")


# After "bao nhiêu", words that are not what is counted ("bao nhiêu tiền" is any amount, "bao nhiêu
# phần trăm" a percentage, "là bao nhiêu" ends the question).
# Verbs that may follow a counted noun ("bao nhiêu người đóng / tham gia / được hưởng ...")
_COUNT_VERBS = frozenset("dong tham gia duoc bi da co lam mac nhan huong di den ve tro dang vao ra du xay phat bat xu ky"
                         " chua khong chiu".split())
# words that end what is counted: "bao nhiêu vụ cháy trong 9 tháng", "... tại Hà Nội", "... của tỉnh"
_COUNT_STOPS = frozenset("tai o trong nam thang quy cua duoc da tren voi cho den tu va la gi nao nhu so ke qua theo bang ve vao thuoc giua hien con".split())
_PEOPLE = r"nguoi|lao dong|cong nhan|can bo|hoc sinh|thi sinh|sinh vien|benh nhan|doi tuong|hoi vien|dang vien|ho dan|ho"
_NOT_COUNTED = frozenset("tien phan la nam thang ngay lan muc so ty trieu dong kinh von ngan chi gia".split())


_MONEY_ASKED = re.compile(r"bao nhieu (?:ty|trieu|nghin|tien|dong)|^\W*(?:tong\s+)?so tien(?!\w)|(?:kinh phi|von|muc dau tu|so tien)\b.*bao nhieu"
                          r"|(?:so sanh|lon hon|nhieu hon|cao hon).*(?:kinh phi|von|so tien)|(?:kinh phi|von|so tien).*(?:lon hon|nhieu hon|cao hon)")
_MONEY = re.compile(r"\d[\d.,]*\s*(?:ty|trieu|nghin)?\s*(?:dong|usd|\$)|\d[\d.,]*\s*(?:ty|trieu)(?!\w)")
_MEETING_ASKED = re.compile(r"(?<!\w)(?:hoi nghi|cuoc hop|phien hop|buoi lam viec|hoi thao)(?!\w)")
_NAMED_THINGS = frozenset(
    "huyen xa tinh thanh quan phuong thi dia don vi so nganh nuoc doanh truong benh co diem cong to chi dong ong ba"
    " tuyen du khu cum nha".split()
)
_REPORTS = re.compile(r"(?<!\w)(?:cho biết|báo cáo|thông tin)(?!\w)")
# A sentence that goes on with the assignments of the one before, unit by unit, without repeating the
# verb: "Ban Chỉ đạo giao Sở Y tế ... Sở Giáo dục và Đào tạo phối hợp với ngành Y tế đưa ..."
UNIT_FIRST = re.compile(r"^(?:Sở|Bộ|Ban|Cục|Công an|Bộ Chỉ huy|UBND|Ủy ban|Các|Ngành|Đài|Báo|Trung tâm|Chi cục|Phòng|Văn phòng|Thanh tra|Quân đội|Đoàn|Hội|Viện|Tòa án) ")
_ASKS_FOR = re.compile(r"(?<!\w)(?:yêu cầu|đề nghị|kiến nghị|đề xuất|chỉ đạo)(?!\w)")
_MEASURES = frozenset("ha km m m2 m3 tan kg lit ty trieu nghin hecta met".split())
_TARGET = re.compile(r"(?<!\w)(?:phan dau|muc tieu|ke hoach|du kien|du bao|se dat|nham dat)(?!\w)")


def measured_thing(qa: Question) -> str:
    """What a "bao nhiêu <unit> <thing>" question measures, folded ("can sa" of "bao nhiêu kg cần sa"),
    or "" when it names no unit of measure or nothing after it."""
    m = re.search(r"bao nhieu\s+(\w+)\s+(?:vuong\s+|khoi\s+)?((?:\w+\s*){1,3})", fold(qa.text))  # "km vuông"
    if m is None or m.group(1) not in _MEASURES:
        return ""
    thing: list[str] = []
    for w in m.group(2).split():
        if w in QUESTION_WORDS or w.isdigit() or w in ("nam", "thang", "quy", "tai", "trong", "cua", "duoc"):
            break
        thing.append(w)
    return " ".join(thing)


def holds_type(qa: Question, s: Sentence) -> bool:
    """A "bao nhiêu" answer holds a number: a percentage for "tỷ lệ", "phần trăm"; a count of what is
    counted for "bao nhiêu đảng viên" ("86 đảng viên"); others anything."""
    if qa.type != "number":
        return True
    qf = fold(qa.text)
    # ("đạt 112% kế hoạch" measures a result against the plan: not a target)
    reached = re.sub(r"(?:%|dat|vuot|bang|so voi)\s+(?:\S+\s+){0,2}?ke hoach", " ", s.folded)
    if _TARGET.search(reached) and not _TARGET.search(qf) and not re.search(r"(?<!\w)da(?!\w)", s.folded):
        return False  # "phấn đấu giữ vững tỷ lệ trên 98%" is a target, not the rate reached
    if s.frame and not asks_about_frame(qa):
        return False  # "... tổ chức hội nghị đánh giá ... Đề án 06 năm 2024" holds no figure that was asked
    if re.search(r"xep thu|xep hang", qf):
        return bool(re.search(r"thu \d|\d+/\d+", s.folded))
    if re.search(r"ty le|phan tram", qf):
        return "%" in s.text or "phần trăm" in s.text
    if _MONEY_ASKED.search(qf):  # "tổng mức đầu tư bao nhiêu tỷ đồng?": a length in km does not answer
        return bool(_MONEY.search(s.folded))
    counted = re.search(r"(?:bao nhieu|^\W*(?:so sanh\s+)?(?:tong\s+)?so)\s+(\w+(?:\s+\w+){0,2})", qf)
    if counted and counted.group(1).split()[0] not in _NOT_COUNTED:
        # ("bao nhiêu người đóng bảo hiểm", "bao nhiêu ca mắc sởi": past a verb, what they do or have)
        words_ = list(itertools.takewhile(lambda w: w not in _COUNT_STOPS, counted.group(1).split()))
        noun = [w for i, w in enumerate(words_) if i == 0 or w not in _COUNT_VERBS][:3]
        # "bao nhiêu vụ cướp", "bao nhiêu vụ cháy rừng": a count of "vụ", in a sentence about "cướp", "cháy
        # rừng" ("làm chết 139 người" answers "bao nhiêu người chết": these words need not follow the number)
        # ("bao nhiêu ha mặt bằng": after a unit of measure comes what is measured, often not repeated)
        held = fold(with_expansions(s.text))
        if noun and noun[0] not in _MEASURES and any(
                w not in QUESTION_WORDS and not re.search(rf"(?<!\w){re.escape(w)}(?!\w)", held) for w in noun[1:]):
            return False
        if not noun:
            return s.numbers > 0
        # ("bao nhiêu người" is counted in people of any kind: "61.500 lao động", "1.038 thí sinh")
        counted_as = _PEOPLE if noun[0] == "nguoi" else re.escape(noun[0])
        return bool(re.search(rf"\d[\d.,]*\s+(?:\w+\s+){{0,2}}?(?:{counted_as})(?!\w)", s.folded))
    return s.numbers > 0


def asks_about_frame(qa: Question) -> bool:
    """Whether the question asks about the meeting's frame (who chaired or attended, how it was held,
    bridge points), which the frame sentences answer; other questions are not answered by them."""
    return bool(re.search(r"chu tri|tham du|to chuc|dien ra|dai bieu", fold(qa.text))) or is_frame(qa.text)


def has_slot(qa: Question, s: Sentence) -> bool:
    """Whether the sentence holds what a place, date or person question asks (other types: yes)."""
    if qa.type == "place":
        return s.place
    if qa.type == "date":
        return s.dates > 0
    if qa.type == "person":
        return s.person
    if qa.type == "list":  # "những hạn chế nào": the sentence that names them ("chỉ ra bốn hạn chế")
        asked = list_noun(qa)
        if asked and re.split(r"[,\s]+", asked)[0] in _NAMED_THINGS:
            # "những xã, phường nào": a run of names after one of the nouns asked ("các xã Yên Thạch, Cẩm Vân
            # và phường Bình Khê")
            # and "huyện Nậm Khoa ... 412 con, tiếp đến là huyện Phù Lang 356 con": two or more of them named
            words = ["huyen", "xa", "thanh pho", "quan", "phuong", "tinh"] if asked.startswith("dia phuong") else [
                w for w in re.split(r"[,\s]+", asked) if w]  # "những địa phương nào": places of any kind
            nouns = "|".join(re.escape(w) for w in words)
            named = [m for m in re.finditer(r"(?<![\w.])[A-ZĐÂĂÊÔƠƯ]", s.text)
                     if re.search(rf"(?<!\w)(?:{nouns})\s+$", fold(s.text[max(0, m.start() - 12) : m.start()]))]
            return len(named) >= 2 or any(re.match(rf"(?:{nouns})\s", fold(m.group(0))) for m in NAME_LIST.finditer(s.text))
        return bool(asked) and (bool(re.search(rf"(?<!\w){re.escape(asked)}(?!\w)", s.folded)) or _named_items(asked, s) >= 2)
    return True


def _named_items(asked: str, s: Sentence) -> int:
    """How often the asked noun's head comes with a name: "như: mô hình “Camera an ninh” ...; mô hình “Tổ tự
    quản bến sông” ..." names the items of "những mô hình tự quản nào", one each."""
    head = " ".join(asked.split()[:2])
    if not head:
        return 0
    return sum(bool(re.match(r"\s*[“\"«]|\s+[A-ZĐ]", s.text[m.end():]))
               for m in re.finditer(rf"(?<!\w){re.escape(head)}(?!\w)", s.folded))


_HEAD_ENDS = frozenset("gay cua tai o trong dip nam thang quy la duoc da do ma khi ve voi cho".split())


def asked_head(qa: Question) -> str:
    """The noun phrase a "<X> ... là gì?" question opens with, folded ("nguyen nhan chu yeu"), or ""."""
    qf = fold(qa.text)
    if not re.search(r"(?<!\w)(?:la|gom) gi\W*$", qf):
        return ""
    head: list[str] = []
    for w in re.findall(r"\w+", qf):
        if w in _HEAD_ENDS or len(head) == 4:
            break
        head.append(w)
    return " ".join(head) if len(head) >= 2 else ""


def list_noun(qa: Question) -> str:
    """What a list question asks for, folded: "han che" of "Những hạn chế nào ...?"."""
    qf = fold(qa.text)
    noun = re.search(r"(?:nhung|cac)\s+((?:\w+\s*,?\s*){1,4}?)\s*nao(?!\w)", qf)
    # "Kể tên các xã của huyện ...": the noun runs to the first word that attaches it to something
    named = noun or re.search(r"(?:ke ten|liet ke)\s+(?:(?:ra|het|day du)\s+)?(?:(?:tat ca|toan bo)\s+)?(?:cac|nhung)?\s*"
                              r"((?:(?!(?:cua|tai|o|trong|thuoc|da|duoc|chua|co|nam|ma|dang|nay|do)\b)\w+\s*){1,3})", qf)
    return named.group(1).strip(" ,") if named else ""


def type_bonus(qa: Question, s: Sentence) -> float:
    t = qa.type
    bonus = 0.0
    if t == "number":
        bonus += 0.25 if s.figures else 0.12 if s.numbers else -0.15
    elif t == "date":
        bonus += 0.25 if s.dates else -0.15
    elif t == "place":
        bonus += 0.2 if s.place else -0.05
        if s.place and s.frame and _MEETING_ASKED.search(fold(qa.text)):
            bonus += 0.15  # "Hội nghị ... ở đâu?": where the meeting was held, not a place it spoke of
    elif t == "person":
        bonus += 0.2 if s.person else -0.15
        # "Ai là Trưởng ban Chỉ đạo …?": "Đồng chí Huỳnh Tấn Phát, …, Trưởng Ban Chỉ đạo chủ trì" names its holder
        office = re.search(r"(?<!\w)(?:ai la|la ai)\s+((?:pho\s+)?\w+ \w+(?: \w+){0,2})", fold(qa.text))
        if office and s.person and re.search(rf"(?<!pho ){re.escape(' '.join(office.group(1).split()[:3]))}", s.folded):
            bonus += 0.25
    elif t == "list":
        asked = list_noun(qa)
        if asked and re.search(rf"(?<!\w){re.escape(asked)}(?!\w)", s.folded):
            # "những hạn chế nào": a sentence about "hạn chế"; "4 nhóm vướng mắc chính" announces them all
            bonus += 0.1 + (0.2 if len(asked.split()) > 1 else 0.0)
        if _named_items(asked, s) >= 2:
            bonus += 0.25
        names = NAME_LIST.search(s.text)
        bonus += min(0.3, 0.04 * (s.text.count(",") + 2 * s.text.count(";") + 3 * s.text.count(":")))
        # a run of names answers "những huyện / đơn vị nào", not "những nhóm vướng mắc nào"
        named = not asked or re.split(r"[,\s]+", asked)[0] in _NAMED_THINGS
        if named and names and names.group(0).count(",") >= 2:
            bonus += 0.2
            if asked:  # "... còn 5 xã chưa đạt chuẩn gồm Nậm Khiêu, Lũng Pá, ...": are they names of what is asked?
                near = re.search(rf"(?<!\w){re.escape(asked.split()[0])}(?!\w)(?:\W+\w+){{0,6}}\W*$",
                                 fold(s.text[: names.start()]))
                bonus += 0.15 if near else -0.1
    elif t == "fact":
        if _names_which(qa, s):
            bonus += 0.15  # "Doanh nghiệp nào ...?": "Công ty TNHH Giày Vĩnh Thành đã dừng hoạt động ..." names one
        head = asked_head(qa)
        if head and fold(s.text).startswith(head):
            bonus += 0.2  # "Nguyên nhân chủ yếu ... là gì?": "Nguyên nhân chủ yếu do ..." says it
    if t == "number" and _at_period_end(qa, s):
        bonus += 0.12  # "đến ngày 30/6, toàn tỉnh giải ngân ..." is the figure of "6 tháng đầu năm"
    qf = fold(qa.text)
    about_meeting = asks_about_frame(qa) or (t in ("date", "place", "person") and _MEETING_ASKED.search(qf))
    if s.frame and not about_meeting:
        bonus -= 0.2  # "... yêu cầu bàn giao trước thời điểm nào?" is not asking when the meeting was
    return bonus


_PERIOD_END = {"h1": 6, "h2": 12, "q1": 3, "q2": 6, "q3": 9, "q4": 12}


_WHICH = re.compile(r"(?<!\w)(doanh nghiep|cong ty|don vi|co quan|benh vien|truong|xa|huyen|phuong|tinh|du an|nha may"
                    r"|khu cong nghiep|cum cong nghiep|cho|ben|ho|so|nganh|dia phuong) nao(?!\w)")
_WHICH_AS = {"doanh nghiep": "doanh nghiep|cong ty", "don vi": "don vi|cong ty|doanh nghiep|co quan|so|phong|ban",
             "dia phuong": "tinh|huyen|xa|phuong|thi xa|thanh pho|quan", "so": "so", "nganh": "nganh|so"}


def _names_which(qa: Question, s: Sentence) -> bool:
    """Whether a "<noun> nào?" question's sentence names one such thing: the noun, then a capitalised name."""
    m = _WHICH.search(fold(qa.text))
    if m is None:
        return False
    nouns = _WHICH_AS.get(m.group(1), m.group(1))
    for x in re.finditer(rf"(?<!\w)(?:{nouns})(?!\w)", s.folded):
        if re.match(r"(?:\s+[a-zđ]\w*){0,3}?\s+[A-ZĐ]", s.text[x.end():]):
            return True
    return False


def _at_period_end(qa: Question, s: Sentence) -> bool:
    """The sentence gives a figure at the day the asked period ends ("đến ngày 30/6" for "6 tháng đầu năm"),
    where a report states the period's result without naming the period again."""
    for sc in qa.scopes:
        if sc.period is None and sc.year and re.search(rf"(?:cuoi|het) nam {sc.year}", fold(qa.text)):
            if re.search(rf"31/12(?:/{sc.year})?(?!\d)", s.text):  # "cuối năm 2025": "đến ngày 31/12/2025, ..."
                return True
            continue
        if not sc.period or re.match(r"(?:tinh den |den )?(?:het|cuoi) ", fold(sc.text)):
            continue  # (a question that says "đến hết tháng 9" matches such a sentence by its words)
        end = _PERIOD_END.get(sc.period) or (int(sc.period[1:]) if sc.period[1:].isdigit() else 0)
        if end and re.search(rf"(?:đến|tính đến|hết)\s+(?:ngày\s+)?(?:\d{{1,2}}/0?{end}(?![\d])|tháng 0?{end}(?!\d))", s.text, re.I):
            return True
    return False


# as written: folded, "chưa" is also "chữa" ("khám chữa bệnh")
_SHORTFALL = re.compile(r"(?<!\w)(?:chưa|còn chậm|chậm|mới (?:đạt|giải ngân|hoàn thành)|thấp hơn|không đạt|sụt giảm|giảm sút"
                        r"|chững lại|còn (?:\d|nhiều|thấp)|nợ đọng|thất thoát|lúng túng|hạn hẹp|thiếu|chênh lệch)(?!\w)")


def aspect_cue(qa: Question, s: Sentence) -> float:
    """How much a sentence reads as the broad question's aspect (results, tasks, decisions), by its cues."""
    if qa.aspect == "decisions":
        return 0.3 * min(s.decisions, 2) + 0.05 * min(s.tasks, 2)
    if qa.aspect == "problems":
        # "vốn sự nghiệp mới giải ngân được 18,6%", "chưa quan tâm duy trì": shortfalls, named or shown
        named = len(PROBLEMS.findall(s.folded))
        shown = len(_SHORTFALL.findall(s.text.lower()))
        turns = 0.15 if re.match(r"(?:Tuy nhiên|Song|Bên cạnh đó)\b", s.text) else 0.0
        return 0.25 * min(named, 2) + 0.1 * min(shown, 3) + turns - 0.15 * (_ASKS_FOR.search(s.text) is not None)
    if qa.aspect == "tasks":
        # (a speaker's report of what was done, "... cho biết năm 2024 đã ...", is a result, not a task)
        reports = _REPORTS.search(s.text) is not None and _ASKS_FOR.search(s.text) is None
        # in a report of what was done, "phải", "cần" are facts ("207 ca nặng phải điều trị"), not asks
        directives = len(_ASKS_FOR.findall(s.text)) if _REPORTS.search(s.text) else s.directives
        return (0.2 * min(directives, 2) + 0.06 * min(s.tasks, 3) + 0.05 * min(s.decisions, 1) + 0.3 * s.enumerated
                - 0.15 * reports)
    # results: what was done and reached, not what someone asked for next
    asks = _ASKS_FOR.search(s.text) is not None  # ("cần", "giao", "phải" are also "cần sa", "bàn giao", "phải thu")
    opens = 0.15 if re.match(r"(?:Kết quả|Qua đó|Nhờ đó)\b", s.text) else 0.0  # "Kết quả, ... phạt tiền 17,6 tỷ đồng"
    return 0.1 * min(s.results, 3) + 0.12 * min(s.figures, 3) - 0.15 * asks + opens
