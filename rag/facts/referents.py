"""Who a later reference in a meeting report points to, among the people named before it: a pronoun ("Ông đề
nghị …", "Bà cam kết …", "Theo ông, …"), a short form ("ông Hạ") or a title alone ("Giám đốc Sở Tài chính cho
biết …", "bà Chủ tịch nói").

A pronoun is the last speaker when the gender fits, else one of the few speakers before. The gender of a person is
the honorific the report gives them ("Bà Đoàn Thu Trang": a woman's name need not hold "Thị"), else "Thị" inside
the name (a woman) or a title that opens with "Bà"; a name of two syllables or one with no such sign fits either.
Left out: finding the people named (``rag.facts.mentions``) and deciding which sentences are statements
(``rag.facts.speech``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from rag.facts.mentions import Mention
from rag.textnorm import fold

_HONORIFIC_BEFORE = re.compile(r"(?<!\w)([Ôô]ng|[Bb]à)\s+$")


def honorific_genders(masked: str, mentions: Sequence[Mention]) -> dict[str, bool]:
    """Full name -> female, from "ông"/"bà" written right before the name (the first time it is)."""
    out: dict[str, bool] = {}
    for m in mentions:
        h = _HONORIFIC_BEFORE.search(masked, max(0, m.name_start - 5), m.name_start)
        if h and m.name not in out:
            out[m.name] = fold(h.group(1)) == "ba"
    return out


def honorific_female(honorific: str) -> bool | None:
    """True for "bà", False for "ông", None otherwise ("đồng chí")."""
    h = honorific.strip().lower()
    return True if h == "bà" else False if h == "ông" else None


def gender_ok(m: Mention, female: bool | None, genders: dict[str, bool] | None = None) -> bool:
    """Whether ``m`` can be referred to with a pronoun of that gender (None: either)."""
    if female is None:
        return True
    if genders and m.name in genders:
        return genders[m.name] == female
    parts = fold(m.name).split()
    if len(parts) > 2 and "thi" in parts[1:-1]:
        return female
    if fold(m.title).startswith(("ba ", "ba,")):
        return female
    return not female or len(parts) <= 2


def resolve_short(word: str, known: Sequence[Mention], pos: int) -> Mention | None:
    """The last person before ``pos`` whose given name is ``word`` ("ông Hạ")."""
    fw = fold(word)
    for m in reversed([k for k in known if k.start < pos]):
        if fold(m.name).split()[-1] == fw:
            return m
    return None


def resolve_title(ref: str, known: Sequence[Mention], pos: int, female: bool | None = None,
                  genders: dict[str, bool] | None = None) -> Mention | None:
    """The last person before ``pos`` one of whose titles is or starts with ``ref`` (any person for "")."""
    fr = fold(ref).strip()
    for m in reversed([k for k in known if k.start < pos]):
        if female is not None and len(m.name.split()) > 2 and not gender_ok(m, female, genders):
            continue
        if not fr:
            return m
        segs = [fold(t).strip() for t in re.split(r",\s*", m.title)]
        if any(sg == fr or sg.startswith(fr + " ") for sg in segs):
            return m
    return None


def resolve_pronoun(word: str, speakers: Sequence[Mention], last: tuple[str, int] | None, para: int,
                    genders: dict[str, bool] | None = None) -> Mention | None:
    """The speaker a pronoun in paragraph ``para`` refers to; ``last`` is (speaker, paragraph) of the last
    statement. Only within the same or the next paragraph."""
    if last is None or last[1] < para - 1:
        return None
    female: bool | None = None if fold(word) == "dong chi" else fold(word) == "ba"
    recent = [m for m in speakers if m.name == last[0]]
    if recent and gender_ok(recent[-1], female, genders):
        return recent[-1]
    for m in reversed(speakers[-4:]):
        if gender_ok(m, female, genders):
            return m
    return None
