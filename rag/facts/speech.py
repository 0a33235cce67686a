"""Who said what: statements extracted from Vietnamese reported speech in meeting reports.

Covers the forms these reports use: "<cấp bậc/chức danh> <Họ tên>[, <chức vụ>...] yêu cầu / đề nghị /
báo cáo / cho biết / khẳng định ... <nội dung>", the same after an opening clause ("Phát biểu tại Hội
nghị, ...", "Kết luận cuộc họp, ...", "Tại điểm cầu ..., ..."), titles written before the name
("Giám đốc Sở Xây dựng Nguyễn Minh Tuấn"), "Thầy Hòe" for a teacher, "Theo <người>, <nội dung>" (also "Theo
ông, …" after the speaker was named, and "Theo Giám đốc Sở Công Thương, …" by the title alone), direct quotes
attributed after the closing mark ("“...”, bà Hà nhấn mạnh."), a second verb on the same subject ("… cho biết
…, đồng thời khẳng định …"), and follow-up sentences of the same speaker ("Ông cũng cho biết ...", "Đồng thời,
Giám đốc Công an tỉnh giao ...", list continuations in the same paragraph). A list a statement announces ("…
các nhiệm vụ sau:") is not part of it: its items are read with ``rag.enumeration`` where they are shown, and as
tasks by ``rag.facts.tasks``.
Every statement carries absolute (start, end) offsets of its sentence(s) in the source text.
Organisations as subjects ("Sở Xây dựng đề xuất ...") and names inside quotes or contest titles are
not speakers, and a photo caption ("Bà X chia sẻ kinh nghiệm …. Ảnh: Thảo Nguyên") says nothing. Also group
statements ("Các đại biểu kiến nghị …", "Các thành viên đoàn công tác lưu ý …"), a body's representative (also
"Theo đại diện công ty, …"), "Theo báo cáo của …" and the meeting's own
conclusions ("Hội nghị đã thống nhất …"), each with its provenance.
Left out: finding the people named (``rag.facts.mentions``), who a pronoun or a title refers to
(``rag.facts.referents``) and the vocabulary (``rag.facts.lexicon``), speech reported without any subject
("thảo luận, làm rõ …"), and speakers resolved across articles.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from rag.facts.lexicon import OPEN_CLOSE, SUBJECT_VERB, TITLE_HEADS, VERB_KINDS, mask_quotes
from rag.facts.mentions import SHORT_REF, Mention, full_name_for, person_mentions, person_mentions_in
from rag.facts.referents import honorific_female, honorific_genders, resolve_pronoun, resolve_short, resolve_title
from rag.textnorm import nfc, sentence_spans
from rag.types import Article
from rag.vi import MEETING_BODY_RE

_APPOSITIVE = re.compile(r"(?:\s*,\s*[A-ZĐ][^,;:.“”\"]{2,120}?)?,(?=\s)")
# What a caption or an attendance line says: only where ("phát biểu tại hội nghị", "… tại điểm cầu xã. Ảnh: …").
_FRAME_ONLY = re.compile(
    r"\W*(?:(?:chỉ đạo|kết luận|tham luận|khai mạc|bế mạc)\s+)?(?:tại\s+)?"
    r"(?:hội nghị|buổi làm việc|cuộc họp|phiên họp|buổi lễ|điểm cầu(?:\s[^.;:“”\"\n]{1,40})?)\W*(?:$|Ảnh:)",
    re.IGNORECASE
)
# Provenance of a statement: direct speech, reported speech, the reporter's summary of the meeting, a group.
PROVENANCES = ("quote", "reported", "summary", "group")
# A collective subject ("Các đại biểu", "Nhiều ý kiến", "lãnh đạo nhiều huyện", "Đại diện Sở Tài chính")
# or the meeting itself ("Hội nghị đã thống nhất ...") at the start of a subject.
_GROUP_VERBS = (
    "thống nhất cho rằng", "thống nhất đánh giá", "cho rằng", "kiến nghị", "đề xuất", "đề nghị", "phản ánh",
    "cho biết", "chỉ ra", "đánh giá", "nêu", "khẳng định", "báo cáo", "cam kết", "lưu ý",
)
_GROUP_VERBS_ALT = "|".join(map(re.escape, _GROUP_VERBS))
# A representative of a body with a long capitalised name may run to 14 words ("Đại diện Công ty TNHH MTV Khai
# thác công trình thủy lợi Thanh Viễn cho biết …").
_SUBJECT_WORD = r"\s+(?!(?:đã|đang|sẽ|được|là|có|thảo|tập)\b)[^\s,.;:“”\"]+"
_GROUP_SUBJECT = re.compile(
    rf"((?:[Cc]ác|[Nn]hiều|[Mm]ột số|[Ll]ãnh đạo|[Đđ]ại diện)(?:,?{_SUBJECT_WORD}){{1,9}}?"
    rf"|[Đđ]ại diện\s+[A-ZĐ]\w*(?:{_SUBJECT_WORD}){{9,13}}?)"
    rf"\s+(?:(?:đều|cũng|đã|thẳng thắn)\s+)*({_GROUP_VERBS_ALT})(?!\w)"
)
# "Lãnh đạo huyện Kim Thạch và huyện Vĩnh Đoài": "và" before a second body (the same head word again, or a level
# of government) makes the leaders of two bodies a group; "và" inside one name ("Sở Nông nghiệp và Môi trường") does not.
_SEVERAL_BODIES = re.compile(
    r"^\S+\s+\S+\s+(\S+)\s.*?\svà\s+(?:\1|tỉnh|huyện|xã|thành phố|thị xã|quận|phường)\s"
)
_SINGLE_REPRESENTATIVE = re.compile(r"(?:[Đđ]ại diện|[Ll]ãnh đạo)\s+(?!các\b|nhiều\b|một số\b|một\s+số\b)")
_MEETING_SUBJECT = re.compile(
    rf"({MEETING_BODY_RE})\s+(?:(?:cũng|đã)\s+)*(thống nhất(?: đánh giá)?)(?!\w)"
)
_THEO_TITLE = re.compile(
    "(?:" + "|".join(map(re.escape, [h for h in TITLE_HEADS if h not in ("Ông", "Bà", "Đồng chí")])) + r")(?!\w)"
    r"(?:\s+[^\s,.;:“”\"]+){0,6}?(?=\s*,)"
)
_THEO_BAO_CAO = re.compile(r"Theo báo cáo của\s+([^,.;:]{3,80}?)\s*,\s*")
# "Theo đại diện công ty, …", "Theo lãnh đạo các huyện, …": a body's representative or leaders as the source.
_THEO_REPRESENTATIVE = re.compile(r"(?:Cũng\s+)?[Tt]heo\s+((?:đại diện|lãnh đạo)\s+[^,.;:“”\"]{2,80}?)\s*,\s*")
# The photographer's credit on its own: what its paragraph said before it is the caption under a photo, whatever
# its verb ("Bà X, Giám đốc …, chia sẻ kinh nghiệm bán hàng trực tuyến. Ảnh: Thảo Nguyên").
_CREDIT = re.compile(r"Ảnh:\s+(?:[A-ZĐ]\w*\s*){1,3}$")
_CAPTION = re.compile(r"Ảnh:\s+(?:[A-ZĐ]\w*\s+){1,3}(?=[A-ZĐ])")
_KIND_OVERRIDE = re.compile(r"^\s*(?:Phát biểu\s+)?[Kk]ết luận")
# Sentence openings that name a new, non-person subject: they end a running statement.
_OWN_VOICE = re.compile(r"(?<!\w)(?:cho biết|báo cáo|thông tin|phát biểu|cho rằng|nêu|đề nghị|kiến nghị|đề xuất|chia sẻ|"
                        r"tham luận|khẳng định|cam kết|nhấn mạnh|thống nhất|biểu dương|trao)(?!\w)")
_STOP_OPENINGS = re.compile(
    r"^(?:Sở|Bộ|Ban|Cục|Công an|UBND|Ủy ban|Uỷ ban|Hội nghị|Cuộc họp|Hội đồng|Tại|Dịp này|Theo|Phòng|"
    r"Trung tâm|Viễn thông|Đài|Các đại biểu|Đại biểu|Văn phòng|Thanh tra|Lực lượng|Buổi|Lễ|Kết thúc|#)"
)


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
    """Whether a person said it: not a group, a body or the meeting itself ("Các đại biểu", "Hội nghị"), nor the
    body a report is by ("Theo báo cáo của Sở Công Thương": capitalised like a name)."""
    words = st.speaker.split()
    return (st.provenance not in ("group", "summary") and st.verb != "theo báo cáo" and len(words) >= 2
            and all(w[:1].isupper() for w in words))



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


def extract_statements(
    text: str, *, source: str, article: int = 0, date: str | None = None, offset: int = 0
) -> list[Statement]:
    """Statements in one article's text; spans are ``offset``-shifted into the source text."""
    text = nfc(text)
    masked = mask_quotes(text)
    mentions = person_mentions(text, masked)
    genders = honorific_genders(masked, mentions)
    by_start = {m.start: m for m in mentions} | {m.name_start: m for m in mentions}
    heads_alt = "|".join(map(re.escape, TITLE_HEADS))
    title_ref = re.compile(rf"({heads_alt})((?:\s+[^\s,.;:“”\"]+){{0,6}}?)(?={SUBJECT_VERB.pattern})")
    opened: list[_Open] = []
    para, prev_start, prev_end = 0, 0, 0
    speakers: list[Mention] = []  # mentions that have spoken, for pronoun resolution
    for s, e in _split_after_quotes(text, sentence_spans(text)):
        if "\n" in text[prev_end:s]:
            para += 1
        caption_start, prev_start, prev_end = prev_start, s, e
        if _CREDIT.match(text, s, e):
            # the sentence right before the credit is the caption: what it opened is no statement
            while opened and opened[-1].start >= caption_start and opened[-1].quote is None:
                opened.pop()
            continue
        found = _attribute(text, masked, s, e, by_start, mentions, speakers, title_ref, opened, para, genders)
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
# "ghi nhận …, song thẳng thắn chỉ ra …", "…; đồng thời yêu cầu …"; "chỉ đạo" only after "đồng thời" ("…; đồng
# thời chỉ đạo Chi cục …"), as "dự và chỉ đạo hội nghị" is attending.
_SECOND_VERBS = (
    "kiến nghị", "đề nghị", "yêu cầu", "chỉ ra", "đề xuất", "giao", "nhấn mạnh", "cho rằng", "lưu ý", "khẳng định",
    "cam kết", "(?<=đồng thời )chỉ đạo",
)
_SECOND_CLAUSE = re.compile(
    r"(?:,\s*song\s+|\s+và\s+|;\s*đồng thời\s+|,\s*đồng thời\s+)(?:(?:cũng|thẳng thắn|đã)\s+)*"
    r"(" + "|".join(v if v.startswith("(?") else re.escape(v) for v in _SECOND_VERBS) + r")\s"
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
    if len(c) <= 2 or c[0] not in OPEN_CLOSE or c.count(c[0]) != 1:
        return False
    close = OPEN_CLOSE[c[0]]
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
        tr = _THEO_REPRESENTATIVE.match(masked, b, e)
        if tr:  # "Theo đại diện công ty, …": the representative speaks as written, one body's voice
            several = re.search(r"(?<!\w)(?:các|nhiều|một số)(?!\w)", tr.group(1)) is not None
            return _Open(tr.group(1).strip(), "", "theo", "statement", tr.end(), s, e, para,
                         provenance="group" if several else "reported")
        mm = _MEETING_SUBJECT.match(masked, b, e)
        if mm:
            return _Open(mm.group(1), "", mm.group(2), "conclusion", mm.end(), s, e, para, provenance="summary")
        gm = _GROUP_SUBJECT.match(masked, b, e)
        if gm:
            subject = gm.group(1)
            single = (_SINGLE_REPRESENTATIVE.match(subject) and not _SEVERAL_BODIES.search(subject)
                      and not re.search(r"(?<!\w)(?:các|nhiều|một số)(?!\w)", subject))
            prov = "reported" if single else "group"
            verb = gm.group(2)
            return _Open(subject, "", verb, _kind(verb.split()[-1] if verb.startswith("thống nhất") else verb, ""),
                         gm.end(), s, e, para, provenance=prov)
    return None



def _prev_sentence_end(text: str, s: int) -> int:
    i = s
    while i > 0 and text[i - 1].isspace():
        i -= 1
    return i


def _attribute(
    text: str, masked: str, s: int, e: int, by_start: dict[int, Mention], mentions: Sequence[Mention],
    speakers: list[Mention], title_ref: re.Pattern[str], opened: list[_Open], para: int, genders: dict[str, bool],
) -> _Open | None:
    opening = text[s:e]
    last = (opened[-1].speaker, opened[-1].para) if opened else None
    for b in _subject_starts(masked, s, e):
        who: Mention | None = None
        theo = re.match(r"(?:[Cc]ũng\s+)?[Tt]heo\s+(?!báo cáo)", masked[b:e])
        p = b + theo.end() if theo else b
        m = by_start.get(p)
        short = SHORT_REF.match(masked[p:e])
        vpos = None
        if m is not None:
            who, vpos = m, m.end
            # "ông X, Phó Giám đốc Sở Tài chính, đề nghị ...": the comma closing an appositive title
            ap = _APPOSITIVE.match(masked, vpos, e)
            if ap and not SUBJECT_VERB.match(masked, vpos, e) and SUBJECT_VERB.match(masked, ap.end(), e):
                vpos = ap.end()
                # "bà X, Hiệu trưởng Trường THPT chuyên Y Z, chia sẻ": a name inside the appositive is
                # not the speaker; the person the appositive describes is
                head = [x for x in mentions if s <= x.start < m.start and not re.search(r"[.;:]", masked[x.end : m.start])]
                who = head[0] if head else m
        elif short and short.group(1)[:1].isupper() and (r := resolve_short(short.group(1), mentions, p)):
            who, vpos = r, p + short.end()
        elif theo and (tp := re.match(r"([Ôô]ng|[Bb]à|[Đđ]ồng chí)(?=\s*,)", masked[p:e])):
            # "Theo ông, …": the pronoun is the speaker in the paragraph's running account
            who, vpos = resolve_pronoun(tp.group(1), speakers, last, para, genders), p + tp.end()
        elif theo and (tt := _THEO_TITLE.match(masked, p, e)) and not person_mentions_in(mentions, p, tt.end()):
            # "Theo Giám đốc Sở Công Thương, sở sẽ …": a title alone names the person who holds it
            who, vpos = resolve_title(tt.group(), mentions, p, None, genders), tt.end()
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
                who, vpos = resolve_pronoun(pm.group(1), speakers, last, para, genders), p + pm.end()
            elif tm and not person_mentions_in(mentions, p, tm.end()):
                ref = tm.group(1) + tm.group(2)
                given = tm.group(2).split()
                by_name = (full_name_for(given, [k for k in mentions if k.start < p])
                           if given and all(w[:1].isupper() for w in given) else None)
                who = by_name or resolve_title(ref, mentions, p, honorific_female(masked[p:at]), genders)
                vpos = tm.end()
        if who is None or vpos is None:
            continue
        vm = SUBJECT_VERB.match(masked, vpos, e)
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


def statements_for_articles(text: str, articles: Iterable[Article]) -> list[Statement]:
    """Statements of every article (objects with source, index, date, start, end) of one source text."""
    out: list[Statement] = []
    for a in articles:
        out.extend(
            extract_statements(text[a.start : a.end], source=a.source, article=a.index, date=a.date, offset=a.start)
        )
    return out
