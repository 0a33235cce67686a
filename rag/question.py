"""What a question asks: its type, its content words, and the scope it names (years, periods, places).

Types, matched accent-insensitively on the question's own words:

* ``number`` ("bao nhiêu", "mấy", "tỷ lệ ... là"), ``date`` ("khi nào", "ngày nào", "bao giờ"),
  ``place`` ("ở đâu", "tại đâu", "địa điểm"), ``person`` ("ai", "người nào") -> one sentence holds it;
* ``list`` ("những/các ... nào", "gồm những", "kể tên") -> every item the report gives;
* ``broad`` ("kết quả gì/ra sao", "tình hình", "nhiệm vụ gì", "yêu cầu những gì", "thống nhất những
  gì", "như thế nào") -> the key sentences of the matching report, with an ``aspect``: results,
  tasks, decisions or situation;
* ``fact`` -> anything else.

Scope: years ("năm 2022"), periods ("6 tháng đầu năm 2022", "quý III/2024", "9 tháng") and the
places and names written with capitals; two years or periods make a ``cross`` question, answered
one part per scope. Pure functions, no index access.
Left out: who-said-what forms (``rag.router``) and summaries ("Tóm tắt ...", also ``rag.router``).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from itertools import zip_longest

from rag.facts.lexicon import SURNAMES
from rag.textnorm import fold, has_diacritics, nfc, words
from rag.types import Hit

# (type, folded pattern), first match wins; "những ... nào" is a list unless it asks for a number.
_TYPES: tuple[tuple[str, str], ...] = (
    ("number", r"bao nhieu|(?:^\W*|so sanh\s+)(?:tong\s+)?so\s+(?:vu|nguoi|tien|truong hop|ca|luot|ho|xe|phuong tien|doi tuong|tai nan)(?!\w)|(?<!\w)may(?!\w)(?! bay)|ty le|bao lau|muc nao|xep thu|dat (?:muc|ty le)"
               r"|(?:so sanh|lon hon|nhieu hon|cao hon).*(?:kinh phi|von|so tien)|(?:kinh phi|von|so tien).*(?:lon hon|nhieu hon|cao hon)"),
    ("date", r"khi nao|ngay nao|bao gio|thoi gian nao|luc nao|thang nao|(?<!\w)hom nao|thoi diem nao|thoi han nao|han chot|(?:truoc|den|cham nhat) (?:ngay|thoi diem|thoi han) nao"),
    ("place", r"o dau|tai dau|dia diem nao|dia diem|noi nao|(?<!\w)dau\s*\??$"),
    ("broad", r"ket qua|tinh hinh|nhiem vu|giai phap|yeu cau (?:nhung )?gi|de nghi (?:nhung )?gi|(?:yeu cau|de nghi|chi dao|giao|can|phai)\s.*(?<!\w)lam (?:nhung )?gi(?!\w)|thong nhat|chu truong"
              r"|nhu the nao|the nao|ra sao|dat duoc (?:nhung )?gi|noi dung (?:chinh|gi)|van de gi|dinh huong|trong tam"),
    ("list", r"(?<!\w)(?:nhung|cac) (?:\w+,? ){0,8}nao(?!\w)|^\W*(?:dia phuong|don vi|huyen|xa|phuong|tinh|quan|nganh) nao(?!\w)|gom nhung|ke ten|liet ke|bao gom nhung|nhung (?:\w+ ){0,3}gi(?!\w)"),
    ("person", r"(?<!\w)ai(?!\w)|nguoi nao|vi nao|dong chi nao"),
)
_TYPE_RES = tuple((t, re.compile(p)) for t, p in _TYPES)

# What a broad question wants, by its cue words (folded).
_ASPECTS: tuple[tuple[str, str], ...] = (
    ("decisions", r"thong nhat|chu truong|quyet dinh|thong qua|ket luan"),
    ("tasks", r"nhiem vu|giai phap|yeu cau|de nghi|chi dao|dinh huong|trong tam|can lam|phai lam|ke hoach"),
    ("results", r"ket qua|dat duoc|thanh tich|noi bat|tinh hinh|nhu the nao|the nao|ra sao"),
)

# "khó khăn", "tồn tại", "hạn chế": what a report says went wrong (folded); also cues in its sentences
_PROBLEMS = re.compile(r"(?<!\w)(?:kho khan|ton tai|han che|vuong mac|bat cap|yeu kem|thieu sot|diem nghen|diem yeu)(?!\w)")
PROBLEMS = _PROBLEMS

# Words that only frame a question (folded syllables): never content to match on.
QUESTION_WORDS = frozenset("""
ai gi nao bao nhieu khi dau sao the la co khong duoc nhu vay hoi cho biet cac nhung mot cua va voi trong tai o
da do nay ve thi hay bang gio chua roi lam may may nguoi vi dong chi hay xin neu ke ten liet gom ra
""".split())
# The same words as written with accents, where a question has them: "bao" of "bao phủ", "bảo hiểm" or
# "đầu" of "6 tháng đầu năm" is content, only "bao nhiêu", "đâu" ask. Phrases first.
_ASKING_PHRASES = re.compile(
    r"(?<!\w)(?:bao nhiêu|bao giờ|bao lâu|khi nào|lúc nào|thế nào|ra sao|là gì|là ai|ở đâu|cho biết|hãy cho|"
    r"như thế nào|những gì|những ai|đồng chí|xin hỏi)(?!\w)"
)
_ASKING_WORDS = frozenset("""
ai gì nào đâu sao thế là có không được như vậy hỏi các những một của và với trong tại ở đã đó này về thì hay
hãy bằng chưa rồi làm mấy người vì nêu kể tên liệt gồm ra cho biết
""".split())


def asking_mask(question: str) -> list[bool] | None:
    """For each word of ``words(question)``: True where it only asks (a question word, not content).
    None for a question typed without accents, where "dau" may be "đầu" or "đâu": callers then fall
    back to ``QUESTION_WORDS`` on folded words."""
    if not has_diacritics(question):
        return None
    text = " ".join(words(question))
    asking = [False] * len(text.split())
    starts = {m.start() for m in re.finditer(r"\S+", text)}
    index = {pos: i for i, pos in enumerate(sorted(starts))}
    for m in _ASKING_PHRASES.finditer(text):
        first = index[m.start()]
        for i in range(first, first + len(m.group().split())):
            asking[i] = True
    for i, w in enumerate(text.split()):
        asking[i] = asking[i] or w in _ASKING_WORDS
    return asking


# Cue phrases of the types (folded bigrams and syllables), removed from the content terms too.
CUE_WORDS = frozenset("""
ket qua tinh hinh nhiem vu giai phap yeu cau thong nhat chu truong dat noi bat the nao ra sao noi dung van de
dinh huong trong tam ty le muc xep thu thoi gian ngay dia diem noi chinh
""".split())

_YEAR = re.compile(r"(?<![\d/.,])((?:19|20)\d{2})(?![\d/.,]\d)")
_YEAR_RANGE = re.compile(r"(?:19|20)\d{2}\s*[-–]\s*(?:19|20)\d{2}")  # "năm học 2023-2024", "nhiệm kỳ 2025-2027"
_PERIOD = re.compile(
    r"(?<!\w)(?P<halfyear>nua (?:dau|cuoi)) nam(?:\s+(?P<y3>(?:19|20)\d{2}))?(?!\w)"
    r"|(?<!\w)(?P<months>\d{1,2}|sau|chin|ba) thang(?:\s+(?P<half>dau|cuoi))?(?:\s+nam)?(?:\s+(?P<y1>(?:19|20)\d{2}))?(?!\w)"
    r"|quy (?P<q>iv|iii|ii|i|[1-4])(?:[/ ](?:nam )?(?P<y2>(?:19|20)\d{2}))?"
)
_UNTIL = re.compile(r"(?<!\w)(?:tinh den |den )?(?:het|cuoi) (?:quy (?P<q>iv|iii|ii|i|[1-4])|thang (?P<n>\d{1,2}))"
                    r"(?:(?:/|\s+nam\s+|\s+)(?P<y>(?:19|20)\d{2}))?(?![\w/])")
_PLACE = re.compile(r"(?<!\w)(?i:tỉnh|tinh|thành phố|thanh pho|TP\.?|huyện|huyen|quận|quan|thị xã|thi xa|xã|xa|phường|phuong)\s+((?:[A-ZĐÂĂÊÔƠƯ][\w-]*\s?){1,3})")
_CAPS = re.compile(r"(?<![\w.])([A-ZĐÂĂÊÔƠƯ][\w-]*(?:\s+[A-ZĐÂĂÊÔƠƯ][\w-]*)+)")
_CAP_WORD = re.compile(r"(?<![\w.])([A-ZĐÂĂÊÔƠƯ][\w-]{2,})(?!\s+[A-ZĐÂĂÊÔƠƯ])")
_VI_SYLLABLE = re.compile(r"^(?:ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdghklmnpqrstvx])?[aeiouy]{1,3}(?:ch|ng|nh|[cmnpt])?$")
_ORG_HEAD = re.compile(r"(?:Sở|Bộ|Cục|Chi cục|Ban|Trung tâm|Bệnh viện|Viện|Tổng cục|Ủy ban|Hội) [A-ZĐÂĂÊÔƠƯ]")
_ORG_TAIL_STOPS = frozenset(fold(w) for w in (
    "tỉnh huyện xã thành phố quận năm tháng quý đã có là tại của về trong cho báo cáo yêu cầu đề nghị chỉ đạo nói "
    "phát biểu được bao nhiêu gì nào ai và với").split())
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


@dataclass(frozen=True)
class Scope:
    """A year or period named in a question, as written and as (year, period key)."""

    text: str
    year: int | None
    period: str | None  # "h1", "h2", "q1".."q4", "m9" (9 months), None for a whole year

    def label(self) -> str:
        return self.text[:1].upper() + self.text[1:]


@dataclass(frozen=True)
class Question:
    text: str
    type: str  # number | date | place | person | list | broad | fact
    aspect: str | None  # for broad questions: results | tasks | decisions
    scopes: tuple[Scope, ...]
    names: tuple[str, ...]  # capitalised places and names the answer must be about
    numbers: tuple[str, ...]  # figures the question quotes ("38,6 ha")

    @property
    def cross(self) -> bool:
        """Two years or periods asked side by side ("năm 2023 và năm 2024"), one part each; not one
        period inside another of the same year, the usual name of one report ("sơ kết quý III và 9
        tháng đầu năm 2025", "quý II và 6 tháng đầu năm")."""
        distinct = list(dict.fromkeys((s.year, s.period) for s in self.scopes))
        if len(distinct) == 2 and self._review_then_plan():
            return False
        return any(not _nested(a, b) for i, a in enumerate(distinct) for b in distinct[i + 1 :])

    def _review_then_plan(self) -> bool:
        """"sơ kết 6 tháng đầu năm ... yêu cầu làm gì trong 6 tháng cuối năm?": one report reviews a period
        and sets the tasks of the next (its usual name: "sơ kết ... và triển khai nhiệm vụ 6 tháng cuối năm")."""
        a, b = self.scopes[0], self.scopes[-1]
        following = (a.year == b.year and (a.period, b.period) == ("h1", "h2")) or (
            a.period is None and b.period is None and a.year is not None and b.year == a.year + 1)
        before = fold(self.text[: self.text.find(b.text)])[-40:] if b.text in self.text else ""
        return (following and _PLANS.search(before) is not None
                and re.search(r"so sanh|so voi|khac nhau", fold(self.text)) is None)


_PLANS = re.compile(r"nhiem vu|phuong huong|ke hoach|trien khai|thoi gian toi|lam gi|can lam|phai lam|muc tieu|(?<!\w)trong\s*$")
# "so với năm 2023", "gấp 2,6 lần năm 2024": a year a sentence compares with, not the one it reports on
COMPARED = re.compile(r"(?:so với|cùng kỳ|như|gấp\s+[\d.,]+\s+lần|(?:cao|thấp|nhiều|ít) hơn)\s+(?:cùng kỳ\s+|(?:cuối|đầu|hết|cùng thời điểm|thời điểm(?: cuối| đầu)?)\s+)?(?:năm\s+|năm học\s+)?(?:19|20)\d{2}(?:\s*[-–]\s*(?:19|20)\d{2})?", re.I)
_MONTHS = {"q1": (1, 3), "q2": (4, 6), "q3": (7, 9), "q4": (10, 12), "h1": (1, 6), "h2": (7, 12), None: (1, 12)}


def _months(period: str | None) -> tuple[int, int]:
    if period in _MONTHS:
        return _MONTHS[period]
    n = int(period[1:]) if period and period[0] == "m" and period[1:].isdigit() else 12
    return 1, min(n, 12)  # "9 tháng" (đầu năm): January to September


def _nested(a: tuple[int | None, str | None], b: tuple[int | None, str | None]) -> bool:
    if a[0] != b[0]:
        return False
    (a0, a1), (b0, b1) = _months(a[1]), _months(b[1])
    return (a0 <= b0 and b1 <= a1) or (b0 <= a0 and a1 <= b1)


def analyse(question: str) -> Question:
    q = " ".join(nfc(question).split())
    qf = fold(q)
    names = _names(q)
    # the type is in the question's own words, not in a name ("bãi chôn lấp Đồi Mây" does not ask "mấy")
    unnamed = qf
    for n in names:
        unnamed = unnamed.replace(fold(n), " ")
    kind = next((t for t, rx in _TYPE_RES if rx.search(unnamed)), "fact")
    which = re.search(r"(?<!\w)(?:nhung|cac) ((?:\w+,? ){0,4})nao(?!\w)", qf)  # "những huyện, thị xã nào"
    if kind == "broad" and which and "ket qua" not in which.group(1):
        kind = "list"  # "những nhiệm vụ nào" lists tasks, "những huyện nào có kết quả ..." districts
    if kind in ("fact", "broad", "list") and _PROBLEMS.search(qf) and re.search(r"(?<!\w)(?:gi|ra sao|the nao|nao)\W*$", qf):
        kind = "broad"  # "… còn những khó khăn, tồn tại gì?": the report's shortcomings, several sentences
        aspect: str | None = "problems"
    else:
        aspect = next((a for a, p in _ASPECTS if re.search(p, qf)), "results") if kind == "broad" else None
        if aspect == "decisions" and re.search(r"(?:nhiem vu|muc tieu|giai phap|ke hoach)(?:,? \w+){0,3} (?:gi|nao)(?!\w)", qf):
            aspect = "tasks"  # "thống nhất những mục tiêu, nhiệm vụ gì": what is asked are the tasks
    # "9 tháng năm 2024 so với cùng kỳ năm 2023": the first is asked; "… cuối năm 2025 so với cuối tháng 9/2026
    # thay đổi ra sao?" asks for both
    change = re.search(r"thay doi|tang hay giam|giam hay tang|chenh lech|khac (?:nhau|gi)|bien dong|so sanh"
                       r"|so voi .*(?:the nao|ra sao)\W*$", qf)
    compared = None if change else re.search(r"so voi|cung ky", qf)
    scopes = scopes_in(q[: compared.start()] if compared else q) or scopes_in(q)
    return Question(q, kind, aspect, scopes, names, tuple(m.group(0) for m in _NUMBER.finditer(_drop_scopes(q))))


def scopes_in(text: str) -> tuple[Scope, ...]:
    """Years and periods named in ``text``, in order; a year inside a period is not counted twice."""
    tf = fold(text)
    out: list[Scope] = []
    taken: list[tuple[int, int]] = []
    for m in _UNTIL.finditer(tf):  # "tính đến hết quý III/2026", "đến hết tháng 9": the months so far
        quarter, upto = m.group("q"), m.group("n")
        count = 3 * int({"i": "1", "ii": "2", "iii": "3", "iv": "4"}.get(quarter, quarter)) if quarter else int(upto)
        y = m.group("y")
        if 1 <= count < 12:
            out.append(Scope(text[m.start() : m.end()].strip(), int(y) if y else None, "h1" if count == 6 else f"m{count}"))
            taken.append((m.start(), m.end()))
    for m in _PERIOD.finditer(tf):
        if any(s <= m.start() < e for s, e in taken):
            continue
        months, q = m.group("months"), m.group("q")
        y = m.group("y1") or m.group("y2") or m.group("y3")
        if m.group("halfyear"):  # "nửa đầu năm 2026"
            key = "h1" if m.group("halfyear").endswith("dau") else "h2"
        elif months:
            n = {"sau": "6", "chin": "9", "ba": "3"}.get(months, months)
            half = m.group("half")
            # ("6 tháng năm 2026" is its first half)
            key = {"dau": "h1", "cuoi": "h2"}[half or "dau"] if n == "6" else f"m{n}"
        else:
            key = "q" + str({"i": 1, "ii": 2, "iii": 3, "iv": 4}.get(q, q))
        out.append(Scope(text[m.start() : m.end()].strip(), int(y) if y else None, key))
        taken.append((m.start(), m.end()))
    taken += [(m.start(), m.end()) for m in _YEAR_RANGE.finditer(tf)]  # a span of years is not a scope to split on
    for m in _YEAR.finditer(tf):
        if any(s <= m.start() < e for s, e in taken):
            continue
        start = m.start() - 4 if tf[max(0, m.start() - 4) : m.start()] == "nam " else m.start()
        out.append(Scope(text[start : m.end()], int(m.group(1)), None))
    # a period without a year takes the question's only year, which then belongs to the periods
    years = {s.year for s in out if s.year}
    if len(years) == 1:
        y = next(iter(years))
        out = [Scope(s.text, s.year or y, s.period) for s in out]
        if any(s.period for s in out):
            out = [s for s in out if s.period]
    return tuple(out)


_FOLDED_SURNAMES = frozenset(fold(w) for w in SURNAMES)


def _split_person(run: str) -> list[str]:
    """"Hòa Phong Vũ Đình Khang" (a province, then a person's full name) as its two names: a surname
    inside a capitalised run followed by two more syllables starts a person's name."""
    ws = run.split()
    for i in range(1, len(ws) - 2):
        if fold(ws[i]) in _FOLDED_SURNAMES:  # typed with or without accents ("Vương", "Vuong")
            return [" ".join(ws[:i]), " ".join(ws[i:])]
    return [run]


def _after_acronym(run: str) -> str:
    """"BHXH Bình Khê" is the place a report writes "BHXH tỉnh Bình Khê": an acronym opening a run is not
    part of the name (and an acronym alone is not required: reports often write it out)."""
    first, _, rest = run.partition(" ")
    return _after_acronym(rest) if rest and len(first) > 1 and first.isupper() else run


def _names(q: str) -> tuple[str, ...]:
    """Capitalised names after a place noun, other capitalised runs, and single capitalised words
    ("Broncos", "Victoria"), none at the question's start, where every word is capitalised."""
    caps = list(_CAPS.finditer(q))

    def place(name: str) -> str:  # "tỉnh Hòa Phong Vũ Đình Khang": the province is "Hòa Phong"
        for m in caps:
            parts = _split_person(m.group(1))
            if len(parts) == 2 and m.group(1).startswith(name) and len(parts[0]) < len(name):
                return parts[0]
        return name

    out = [place(m.group(1).strip()) for m in _PLACE.finditer(q)]
    # each part at its own offset: "Ông Trần Minh Khải ..." opens the question, the name does not
    runs = [(m.start() + m.group(1).find(part), part) for m in caps for part in _split_person(_after_acronym(m.group(1)))]
    for start, word in runs + [(m.start(), m.group(1)) for m in _CAP_WORD.finditer(q)]:
        m_start = start
        if _ORG_HEAD.match(word):
            # "Sở Y tế ... báo cáo gì?": a unit, with the lower-case words of its name ("Bộ Tài chính")
            rest = re.match(r"(?:\s+[a-zđàáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵ]+)?",
                            q[start + len(word) :])
            tail = [w for w in (rest.group(0).split() if rest else [])]
            keep = list(itertools.takewhile(lambda w: fold(w) not in _ORG_TAIL_STOPS, tail))
            out.append(" ".join([word, *keep]))
            continue
        if m_start == 0 or any(word in n for n in out) or word.isupper():
            continue  # an acronym ("THPT") is often written out in full in the report
        if " " not in word and _VI_SYLLABLE.match(fold(word)):
            continue  # a capitalised Vietnamese word ("Đồng bằng", "Trung ương"), not a foreign name
        out.append(word)
    if not has_diacritics(q):  # "So y te tinh Van Hai ...": a unit typed without accents is not capitalised
        out += [q[m.start() : m.end()] for m in _FOLDED_UNIT.finditer(fold(q))]
    return tuple(dict.fromkeys(out))


# Departments and ministries by their sector (folded), for questions typed without accents
_FOLDED_UNIT = re.compile(
    r"(?<!\w)(?:so|bo) (?:y te|tai chinh|giao duc(?: va dao tao)?|xay dung|cong thuong|noi vu|tu phap|nong nghiep"
    r"(?: va (?:phat trien nong thon|moi truong))?|ke hoach va dau tu|giao thong van tai|van hoa|lao dong|tai nguyen"
    r"(?: va moi truong)?|khoa hoc(?: va cong nghe)?|thong tin va truyen thong|du lich|ngoai vu|dan toc|cong an|quoc phong)(?!\w)")


def _drop_scopes(q: str) -> str:
    tf = fold(q)
    for rx in (_PERIOD, _YEAR):
        tf = rx.sub(" ", tf)
    # dates are not figures the answer must quote: "30/11/2024", "tháng 9/2025" (not "9/20" + "25"), "3/6"
    return re.sub(r"\d{1,2}/\d{1,2}/\d{2,4}|\d{1,2}/(?:19|20)\d{2}(?!\d)|\d{1,2}/\d{1,2}", " ", tf)


# "..., triển khai nhiệm vụ năm 2025": the period a report plans for is not the one it reports on
PLAN = re.compile(r"(?:triển khai|phương hướng|kế hoạch|chương trình công tác)[^.,;\n]*", re.IGNORECASE)


def scope_fit(scope: Scope, date: str | None, title: str, text: str, lead: str = "", planned: bool = False) -> int:
    """How well an article fits a scope: 3 when it is dated in that year (and its title or lead names
    the period asked), 2 when its title or lead names it ("tổng kết năm 2023" held in March 2024), 1
    when its text only mentions it (a 2024 report comparing with 2023), 0 when not at all. The period
    a report plans for ("triển khai nhiệm vụ quý IV") is its own only when ``planned`` (tasks asked)."""
    head = title + "\n" + lead
    own = scopes_in(head if planned else PLAN.sub(" ", head))
    held = {int(date[:4])} if date and date[:4].isdigit() else set()
    named = {s.year for s in own if s.year}

    def period_in(scopes: tuple[Scope, ...]) -> bool:
        return scope.period is None or any(
            s.period == scope.period and (scope.year is None or s.year in (None, scope.year)) for s in scopes)

    # held in 2026 but "tổng kết năm 2025": the year it names is the one it reports on, not the year held
    if named and scope.year not in named:
        held = set()
    if (scope.year is None or scope.year in held) and period_in(own):
        return 3
    if (scope.year is None or scope.year in named | held) and period_in(own):
        return 2
    mentioned = scopes_in(text)
    if not held and not named and scope.year is not None and scope.year in {
            s.year for s in scopes_in(COMPARED.sub(" ", text))}:
        # a report dated "Chiều 6/5" with no year names its year in the text ("mùa du lịch hè năm 2026")
        named = {scope.year}
        if period_in(own):
            return 2
    if (scope.year is None or scope.year in named | held or any(s.year == scope.year for s in mentioned)) and period_in(
            own + mentioned):
        return 1
    return 0


def rank_by_scope(hits: Sequence[Hit], question: Question, k: int) -> list[Hit]:
    """The ``k`` hits to answer from, those of reports that fit the question's scopes first (a boost,
    not a filter: the rest follow in their order). For a two-scope question, the best hits of each
    scope alternate, so both reports reach the answer."""
    if not question.scopes:
        return list(hits)[:k]
    fits = [[scope_fit(sc, h.chunk.date, h.chunk.title, h.chunk.text) for sc in question.scopes] for h in hits]
    if question.cross:
        lanes = []
        for i in range(len(question.scopes)):
            top = max((f[i] for f in fits), default=0)
            lanes.append([h for h, f in zip(hits, fits) if top and f[i] == top])
        merged: list[Hit] = []
        for group in zip_longest(*lanes):
            merged += [h for h in group if h is not None and h not in merged]
        ordered = merged + [h for h in hits if h not in merged]
    else:
        # fitting or not, not how well: a report dated the next year ("tổng kết năm 2024" held in January
        # 2025) must not fall behind better-dated reports on other subjects
        # (a passage of an undated report, "Chiều 6/5", that names no year at all may be of any year)
        def off(i: int) -> bool:
            c = hits[i].chunk
            return min(fits[i]) == 0 and bool((c.date and c.date[:4].isdigit())
                                               or scopes_in(COMPARED.sub(" ", c.title + "\n" + c.text)))

        order = sorted(range(len(hits)), key=off)
        ordered = [hits[i] for i in order]
    return [replace(h, rank=i) for i, h in enumerate(ordered[:k], start=1)]
