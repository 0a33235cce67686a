"""Acronyms of Vietnamese administrative writing: "BHXH" is "bảo hiểm xã hội", both ways.

Reports write a body or programme out once and then by its acronym ("bảo hiểm thất nghiệp (BHTN)"),
and users ask either way ("bao nhiêu người đóng bảo hiểm xã hội" of a report that says "BHXH").
``with_expansions`` adds, after a text, the expansion of each acronym it holds and the acronym of each
expansion it holds, so word matching (BM25 queries, the sentence scoring of ``rag.extractive``) meets
both forms. Covers a fixed table of common acronyms.
Left out: acronyms a report defines for its own bodies ("Ban Chỉ đạo 389"), and ambiguous short ones
("TT", "CA").
"""

from __future__ import annotations

import re
from functools import lru_cache

from rag.textnorm import fold

# Acronym -> what it stands for, as written in reports.
TABLE: dict[str, str] = {
    "BHXH": "bảo hiểm xã hội", "BHYT": "bảo hiểm y tế", "BHTN": "bảo hiểm thất nghiệp",
    "UBND": "ủy ban nhân dân", "HĐND": "hội đồng nhân dân", "MTTQ": "mặt trận tổ quốc",
    "THADS": "thi hành án dân sự", "CAND": "công an nhân dân", "QĐND": "quân đội nhân dân",
    "ATGT": "an toàn giao thông", "TTATGT": "trật tự an toàn giao thông", "PCCC": "phòng cháy chữa cháy",
    "PCCC&CNCH": "phòng cháy chữa cháy và cứu nạn cứu hộ", "CNCH": "cứu nạn cứu hộ",
    "MTQG": "mục tiêu quốc gia", "NTM": "nông thôn mới", "KT-XH": "kinh tế xã hội",
    "ANTT": "an ninh trật tự", "TTXH": "trật tự xã hội", "VKSND": "viện kiểm sát nhân dân",
    "TAND": "tòa án nhân dân", "CCHC": "cải cách hành chính", "CĐS": "chuyển đổi số",
    "GPMB": "giải phóng mặt bằng", "XDCB": "xây dựng cơ bản", "KCN": "khu công nghiệp",
    "DNNN": "doanh nghiệp nhà nước", "ĐTXD": "đầu tư xây dựng", "TNGT": "tai nạn giao thông",
    "VSATTP": "vệ sinh an toàn thực phẩm", "ATTP": "an toàn thực phẩm", "CTR": "chất thải rắn",
    "PCTP": "phòng chống tội phạm", "GD&ĐT": "giáo dục và đào tạo", "GDĐT": "giáo dục đào tạo",
    "LĐTB&XH": "lao động thương binh và xã hội", "TN&MT": "tài nguyên và môi trường",
    "NN&PTNT": "nông nghiệp và phát triển nông thôn", "KH&ĐT": "kế hoạch và đầu tư",
    "OCOP": "mỗi xã một sản phẩm", "THCS": "trung học cơ sở", "THPT": "trung học phổ thông",
    "BCĐ": "ban chỉ đạo", "CSGT": "cảnh sát giao thông", "CSHS": "cảnh sát hình sự",
}
_ACRONYM = re.compile(r"(?<![\w&-])([A-ZĐ][A-ZĐ&-]{1,9})(?![\w&-])")


@lru_cache(maxsize=1)
def _expansions() -> tuple[re.Pattern[str], dict[str, str], dict[str, str]]:
    """One pattern for every expansion (folded), expansion -> acronym, acronym -> expansion."""
    by_exp = {fold(e): a for a, e in TABLE.items()}
    alt = "|".join(sorted(map(re.escape, by_exp), key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{alt})(?!\w)"), by_exp, dict(TABLE)


def with_expansions(text: str) -> str:
    """``text`` followed by the expansions of the acronyms in it and the acronyms of the expansions in it."""
    pattern, by_exp, by_acr = _expansions()
    added = [by_acr[m.group(1)] for m in _ACRONYM.finditer(text) if m.group(1) in by_acr]
    added += [by_exp[m.group(0)] for m in pattern.finditer(fold(text))]
    return text if not added else text + "\n" + "\n".join(dict.fromkeys(added))
