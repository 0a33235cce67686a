"""Honest refusals: what a question names that the retrieved reports do not hold.

Covers the names and units a question gives ("Sở Y tế", "Vân Hải"), an office asked about ("Ai là Giám đốc
Sở X?" when only its Phó Giám đốc is named), what a "bao nhiêu <unit>" measures ("kg cần sa" in a report
on heroin), spending asked of reports on revenue ("tổng chi"), days ("dịp lễ 2/9"), units named by their
number ("khu vực 6"), figures, and years or periods no report fits. The answerer refuses naming it.
Left out: refusing for low coverage (``rag.extractive``, after the sentences are scored).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from rag.cues import measured_thing
from rag.evidence import Pool, typed
from rag.question import Question, Scope
from rag.textnorm import fold

# offices a question may ask the holder of ("Phó Chủ tịch" does not answer "Chủ tịch ... là ai?")
TITLES = ("chu tich", "giam doc", "bo truong", "thu truong", "truong phong", "truong ban", "bi thu", "cuc truong",
          "chanh thanh tra", "hieu truong", "tong cuc truong", "chanh van phong", "vien truong", "chanh an")

# a unit named by its number: "khu vực 6", "tổ 12", "phường 3"
_NUMBERED = re.compile(r"(?<!\w)(khu vuc|to|doi|ap|thon|khu pho|tieu khu|cum|lo|phan khu|quan|phuong|tram|chot|so) (\d{1,3})(?![\d.,/%])")


def missing(qa: Question, pool: Pool, fit: Callable[[Scope, tuple[str, int]], int]) -> str | None:
    """What the question names that none of the retrieved reports holds, as the user wrote it, or None.
    ``fit``: how well an article of the pool fits a scope (``rag.question.scope_fit``)."""
    texts = fold("\n".join(h.chunk.title + "\n" + h.chunk.text for h in pool.passages))
    for name in qa.names:
        # whole words for a unit ("Sở Y tế", not "số yêu cầu"); a foreign name may take an ending ("Franks")
        end = r"(?!\w)" if " " in name else ""
        if not re.search(rf"(?<!\w){re.escape(fold(name))}{end}", texts) and not _spread(fold(name), texts):
            return f"thông tin về «{name}»"
    # a title the question names ("Chủ tịch UBND tỉnh", not "Phó Chủ tịch") in a report that names
    # the places asked about: "Phó Chủ tịch" does not answer "ai là Chủ tịch ...?"
    asked = [t for t in TITLES if re.search(rf"(?<!\w)(?<!pho ){t}(?!\w)", fold(qa.text))]
    if asked:
        about = [fold(pool.titles[k] + "\n" + pool.article_text(k)) for k in pool.order]
        about = [a for a in about if all(fold(n) in a for n in qa.names)] or about
        for t in asked:
            # "Giám đốc Sở Nông nghiệp và Môi trường" in a report that names only its Phó Giám đốc
            held = re.search(rf"(?<!\w)(?<!pho ){t}((?:\s+\w+){{0,8}}?)(?=\s+(?:tinh|huyen|thanh pho|xa|phuong|quan"
                             rf"|hien nay|hien|la|nam|ten)(?!\w)|\s*[?,.]|$)", fold(qa.text))
            # (its first words: "Sở Y tế Nghệ An" may be written "Sở Y tế tỉnh Nghệ An")
            office = " ".join((t + (held.group(1) if held else "")).split()[: len(t.split()) + 2])
            if not any(re.search(rf"(?<!\w)(?<!pho ){re.escape(office)}(?!\w)", a) for a in about):
                return f"thông tin về «{typed(qa.text, office)}»"
    thing = measured_thing(qa) if qa.type == "number" else ""
    if thing and not re.search(rf"(?<!\w){re.escape(thing)}(?!\w)", texts) and not any(
            all(re.search(rf"(?<!\w){w}(?!\w)", fold(h.chunk.text)) for w in thing.split()) for h in pool.passages):
        return f"thông tin về «{typed(qa.text, thing)}»"  # "bao nhiêu kg cần sa" in a report on heroin
    flow = re.search(r"(?<!\w)tong (thu|chi)(?!\w)", fold(qa.text)) if qa.type == "number" else None
    if flow and not re.search(rf"(?<!\w)(?:tong {flow.group(1)}|{flow.group(1)} (?:ngan sach|thuong xuyen|dau tu)[^.;,]{{0,50}}\d[\d.,]*\s*(?:ty|trieu|nghin))", texts):
        return f"thông tin về «{typed(qa.text, flow.group(0))}»"  # "Tổng chi ..." in reports of "tổng thu"
    dates = re.findall(r"(?:ngày|dịp|lễ|sáng|chiều|tối|trưa|hôm|ngay|dip|le|sang|chieu|toi|trua|hom)\s+(?:\w+\s+){0,2}?"
                       r"(\d{1,2})/(\d{1,2})(?![\d/])", qa.text, re.I)
    for d, m in dates:  # "dịp lễ Quốc khánh 2/9", "ngày 10/7" (not "1/3 dân số")
        day = rf"(?<![\d])0?{int(d)}\s*[/.-]\s*0?{int(m)}(?![\d])|(?<!\w)0?{int(d)} thang 0?{int(m)}(?!\d)"
        if not re.search(day, texts):
            return f"thông tin về ngày {d}/{m}"
    for m in _NUMBERED.finditer(fold(qa.text)):  # "Phòng THADS khu vực 6" in reports of khu vực 1 to 5
        if not re.search(rf"(?<!\w){m.group(1)} 0?{m.group(2)}(?!\d)", texts):
            return f"thông tin về «{typed(qa.text, m.group(0))}»"
    for n in qa.numbers:
        if len(n) > 1 and not re.search(rf"(?<![\d.,]){re.escape(n)}(?![\d]|[.,]\d)", texts):
            return f"«{n}»"
    for sc in qa.scopes:
        if not any(fit(sc, key) for key in pool.order):
            return f"thông tin về {sc.text}"
    return None


def holds_name(name: str, text: str) -> bool:
    """Whether folded ``text`` names folded ``name``, whole or spread (``_spread``)."""
    return name in text or _spread(name, text)


def _spread(name: str, texts: str) -> bool:
    """A name of several words written with others between ("Tết Bính Ngọ" in "Tết Nguyên đán Bính Ngọ"):
    its words in order, at most three words apart."""
    ws = name.split()
    if len(ws) < 2:
        return False
    gap = r"(?:\W+\w+){0,3}?\W+"
    return re.search(r"(?<!\w)" + gap.join(map(re.escape, ws)) + r"(?!\w)", texts) is not None
