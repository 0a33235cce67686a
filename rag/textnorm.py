"""Vietnamese text normalisation: NFC, diacritic folding, tokenisation and sentence spans.

Covers what every other module needs to treat "Tỏ", "To" and a decomposed "Tỏ" as matching
words, and to cut text into sentences without losing offsets. Leaves out word segmentation
(multi-syllable words are approximated with syllable bigrams by the callers that need them).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator

_FOLD_EXTRA = str.maketrans({"đ": "d", "Đ": "D"})
_WORD_RE = re.compile(r"\w+", re.UNICODE)
# Letters that only exist with diacritics in Vietnamese; their presence means the user typed accents.
_VI_MARKED = re.compile(
    "[àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ]",
    re.IGNORECASE,
)


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def fold(text: str) -> str:
    """Lower-case and strip diacritics: "Trần Quốc Tỏ" -> "tran quoc to". Length-preserving on NFC text."""
    decomposed = unicodedata.normalize("NFD", text.translate(_FOLD_EXTRA))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return unicodedata.normalize("NFC", stripped).lower()


def has_diacritics(text: str) -> bool:
    return bool(_VI_MARKED.search(text))


def words(text: str) -> list[str]:
    """Lower-cased NFC syllables (Vietnamese writes one syllable per space-separated token)."""
    return [w.lower() for w in _WORD_RE.findall(nfc(text))]


def word_spans(text: str) -> Iterator[tuple[int, int]]:
    for m in _WORD_RE.finditer(text):
        yield m.start(), m.end()


# A sentence ends at . ! ? … (possibly followed by closing quotes/brackets) and whitespace,
# or at a line break. Abbreviations like "TP." or numbers like "1.000" are protected by
# requiring the next non-space char to be an upper-case letter, a digit, a quote or a bullet.
_SENT_END = re.compile(r"(?<=[.!?…])[\"”’»)\]]*\s+(?=[\"“‘«(\[\-–•*]?(\w))|\n+")
_ABBREV = re.compile(r"(?:\b(?:TP|Tp|ThS|TS|PGS|GS|BS|Th\.S|St|Mr|Ms|Dr|v\.v)\.)$")


def sentence_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """(start, end) offsets of the sentences of ``text[start:end]``, whitespace trimmed."""
    end = len(text) if end is None else end
    spans: list[tuple[int, int]] = []
    pos = start
    segment = text[start:end]
    for m in _SENT_END.finditer(segment):
        cut = start + m.start()
        if "\n" not in m.group(0):
            nxt = m.group(1)
            if not (nxt.isupper() or nxt.isdigit()) or _ABBREV.search(text[max(pos, cut - 8) : cut]):
                continue
        spans.append((pos, cut))
        pos = start + m.end()
    spans.append((pos, end))
    out: list[tuple[int, int]] = []
    for s, e in spans:
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        credit = _caption_end(text, s, e)
        if credit is not None:  # "Ảnh: Minh Châu Kết luận hội nghị, ...": the credit, then the next paragraph
            out.append((s, credit[0]))
            s = credit[1]
        if e > s:
            out.append((s, e))
    return out


_CAPTION_HEAD = re.compile(r"[(\[]?\s*(?:Ảnh|Ảnh minh họa|Ảnh minh hoạ|Nguồn ảnh)\s*:\s*")
# words that open a sentence, never a photographer's name
_OPENERS = frozenset("Ông Bà Đồng Phó Tổng Theo Tại Trong Phát Báo Thay Cùng Chiều Sáng Tối Trưa Ngày Hội Kết Tham Về Đối Với Qua "
                     "Năm Các Những Đến Từ Thời Sau Trước Nhằm Để Bên Tuy Riêng Hiện Trên Dịp Nhân".split())


def _caption_end(text: str, s: int, e: int) -> tuple[int, int] | None:
    """(end of the credit, start of the next sentence) when [s, e) opens with a photo credit glued to the
    next paragraph: the credit is a run of capitalised words ("An Đăng/TTXVN", "Minh Châu"); the next
    sentence starts at its first capitalised word that a lower-case word follows, or at an opener."""
    m = _CAPTION_HEAD.match(text, s, e)
    if not m:
        return None
    ws = list(re.finditer(r"\S+", text[m.end() : e]))
    base = m.end()
    for i, w in enumerate(ws):
        word = w.group(0)
        if i and (word.strip("(“\"") in _OPENERS or not word[:1].isupper() and word[:1] not in "(/"):
            j = i if word.strip("(“\"") in _OPENERS else i - 1
            if j < 1:
                return None
            prev_end = base + ws[j - 1].end()
            return prev_end, base + ws[j].start()
        if "/" in word.strip("/") or word.startswith("(") and word.endswith(")"):
            if i + 1 < len(ws):  # "An Đăng/TTXVN Tại ...": a credit ending with its agency
                return base + w.end(), base + ws[i + 1].start()
            return None
    return None


def sentence_around(text: str, start: int, end: int) -> tuple[int, int]:
    """The sentence(s) of ``text`` covering ``[start, end)``: where a name or date is cited from."""
    lo = text.rfind("\n", 0, start) + 1
    hi = text.find("\n", end)
    hi = len(text) if hi == -1 else hi
    for s, e in sentence_spans(text, lo, hi):
        if s <= start < e:
            return s, max(e, end)
    return start, end
