"""Who-said-what: statements, meetings, people directory and summaries on the real sample files
and the shared corpus (skipped, with the reason, when ../shared is missing)."""

from __future__ import annotations

from pathlib import Path

import pytest

from rag.facts.meetings import extract_meeting
from rag.facts.people import build_people, find_people
from rag.facts.speech import KINDS, extract_statements, person_mentions
from rag.facts.summarize import summarize_meeting
from rag.textnorm import fold

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"
SHARED = Path(__file__).resolve().parents[1].parent / "shared"
CORPUS_000 = SHARED / "corpus" / "000_0d3035ee6233f0e5.txt"
CORPUS_003 = SHARED / "corpus" / "003_ac84f5803c50524e.txt"
GLUED = SAMPLES / "hoi-nghi-tong-ket-cong-tac-cong-an-2023.txt"
SECOND_TITLE = "Công an tỉnh ra quân cao điểm"

needs_shared = pytest.mark.skipif(not CORPUS_000.exists(), reason=f"shared corpus missing: {SHARED / 'corpus'}")


def read(p: Path) -> str:
    return p.read_text(encoding="utf-8")


def glued_articles() -> tuple[str, list[tuple[int, int]]]:
    text = read(GLUED)
    cut = text.index(SECOND_TITLE)
    return text, [(0, cut), (cut, len(text))]


def all_samples() -> tuple[list, list, dict[str, str]]:
    statements, meetings, texts = [], [], {}
    for p in sorted(SAMPLES.glob("*.txt")) + sorted(SAMPLES.glob("*.md")):
        if p.name == "README.md":
            continue
        text = read(p)
        texts[p.name] = text
        spans = glued_articles()[1] if p == GLUED else [(0, len(text))]
        for k, (s, e) in enumerate(spans):
            own = extract_statements(text[s:e], source=p.name, article=k, offset=s)
            statements += own
            meetings.append(extract_meeting(text[s:e], source=p.name, article=k, offset=s, statements=own))
    return statements, meetings, texts


@needs_shared
def test_tran_quoc_to_requirement_in_corpus_000() -> None:
    text = read(CORPUS_000)
    sts = extract_statements(text, source=CORPUS_000.name, date="2021-12-07")
    to = [s for s in sts if s.speaker == "Trần Quốc Tỏ"]
    assert len(to) == 1
    st = to[0]
    assert st.kind == "requirement" and st.verb == "yêu cầu"
    assert text[st.start : st.end].startswith("Phát biểu tại Hội nghị, Thứ trưởng Trần Quốc Tỏ yêu cầu")
    # the statement runs on through the list sentences of the same paragraph
    assert "Tiếp tục siết chặt kỷ luật" in text[st.start : st.end]
    assert st.content.startswith("trong thời gian tới")


@needs_shared
def test_corpus_chairs_and_bridge() -> None:
    text = read(CORPUS_000)
    m = extract_meeting(text, source=CORPUS_000.name)
    assert [c.name for c in m.chairs] == ["Trần Quốc Tỏ"]
    assert "Thứ trưởng Bộ Công an" in m.chairs[0].title
    bridge = [b for b in m.bridges if b.chair]
    assert bridge and bridge[0].place == "tỉnh Bắc Ninh" and bridge[0].chair.name == "Nguyễn Hữu Hưng"
    assert m.date is not None and m.date.value == "2021-12-07" and m.place is not None and m.place.value == "Hà Nội"
    for fact in (m.date, m.place, m.name):
        assert fact is not None and text[fact.start : fact.end].strip()
    assert text[m.date.start : m.date.end] == "Ngày 07/12"


@needs_shared
def test_corpus_003_conclusion_and_quoted_names() -> None:
    text = read(CORPUS_003)
    sts = extract_statements(text, source=CORPUS_003.name)
    # "…; đồng thời đề nghị Công an các đơn vị …": a second reporting clause of the same sentence (issue #12)
    assert [(s.speaker, s.kind) for s in sts] == [("Nguyễn Ngọc Toàn", "conclusion"), ("Nguyễn Ngọc Toàn", "proposal")]
    assert sts[1].content.startswith("Công an các đơn vị") and sts[0].start == sts[1].start
    assert "Cục trưởng" in sts[0].speaker_title
    assert not any("Hồ" in m.name for m in person_mentions(text))  # "Bác Hồ" inside a contest title


def test_offsets_point_at_the_text() -> None:
    statements, _, texts = all_samples()
    assert len(statements) >= 40
    for st in statements:
        span = texts[st.source][st.start : st.end]
        assert span == span.strip() and span
        assert st.kind in KINDS
        last = st.speaker.split()[-1]
        # the span names the speaker, or refers back to them (pronoun / title / quote attribution)
        assert last in span or fold(span).startswith(("ong ", "ba ", "dong thoi", "“", '"')) or any(
            w in span for w in ("Giám đốc", "Phó Chủ tịch", "Chủ tịch", "Thứ trưởng")
        ), span[:80]


def test_glued_file_articles_and_offsets() -> None:
    text, spans = glued_articles()
    s, e = spans[1]
    sts = extract_statements(text[s:e], source=GLUED.name, article=1, offset=s)
    assert all(s <= st.start < st.end <= e for st in sts)
    quote = [st for st in sts if st.verb == "nói"]
    assert quote and quote[0].speaker == "Lê Văn Hùng" and quote[0].content.startswith("Không có vùng cấm")
    assert text[quote[0].start : quote[0].end].endswith("đồng chí Lê Văn Hùng nói.")


def test_titles_merge_into_one_person() -> None:
    statements, meetings, _ = all_samples()
    people = build_people(statements, meetings)
    hung = [p for p in people if p.key == "le van hung"]
    assert len(hung) == 1
    titles = " | ".join(t.title for t in hung[0].titles)
    assert "Thiếu tướng" in titles and "Giám đốc" in titles
    assert len({m.source for m in hung[0].meetings}) >= 3
    assert hung[0].chaired and hung[0].spoke_at
    ha = find_people("Phạm Thị Thu Hà", people)[0]
    assert {m.role for m in ha.meetings} >= {"chair", "speaker", "participant"}


def test_organisations_and_mentions_are_not_speakers() -> None:
    statements, meetings, _ = all_samples()
    speakers = {fold(s.speaker) for s in statements}
    for org in ("Sở Xây dựng", "Sở Tài chính", "Ban Quản lý dự án", "Viễn thông Thanh Hóa", "Công an tỉnh"):
        assert not any(fold(org) in sp for sp in speakers), org
    for mentioned in ("Võ Nguyên Giáp", "Lê Quý Đôn"):
        assert fold(mentioned) not in speakers
    people = {p.key for p in build_people(statements, meetings)}
    assert "vo nguyen giap" not in people and "le quy don" not in people


def test_accentless_and_partial_lookup() -> None:
    statements, meetings, _ = all_samples()
    if CORPUS_000.exists():
        text = read(CORPUS_000)
        own = extract_statements(text, source=CORPUS_000.name)
        statements += own
        meetings.append(extract_meeting(text, source=CORPUS_000.name, statements=own))
        for q in ("tran quoc to", "Tỏ", "quoc to", "Thứ trưởng Tỏ", "TRAN QUOC TO"):
            assert find_people(q, build_people(statements, meetings))[0].name == "Trần Quốc Tỏ", q
    people = build_people(statements, meetings)
    assert find_people("le van hung", people)[0].name == "Lê Văn Hùng"
    assert find_people("hung", people)[0].key in {"le van hung", "nguyen huu hung"}
    assert [p.name for p in find_people("Hùng", people)] == ["Lê Văn Hùng"]
    assert find_people("Tuấn", people)[0].name == "Nguyễn Minh Tuấn"
    assert find_people("không có ai", people) == []


def test_short_name_and_title_references_resolve() -> None:
    text = read(SAMPLES / "hoi-nghi-so-ket-chuyen-doi-so-6-thang-2024.txt")
    sts = extract_statements(text, source="x")
    theo = [s for s in sts if s.verb == "theo"]
    assert theo and theo[0].speaker == "Nguyễn Minh Tuấn"  # "Theo ông Tuấn, ..."
    giao = [s for s in sts if s.kind == "assignment"]
    assert giao and giao[0].speaker == "Tạ Quang Huy"  # "Chủ tịch UBND tỉnh cũng giao ..."
    pron = [s for s in sts if text[s.start : s.end].startswith("Bà cũng cho biết")]
    assert pron and pron[0].speaker == "Dương Thị Hồng Nhung"


def test_meeting_tasks_with_deadlines() -> None:
    text = read(SAMPLES / "hop-ban-chi-dao-phong-chong-thien-tai-2024.txt")
    m = extract_meeting(text, source="x")
    assert m.date is not None and m.date.value == "2024-09-18"
    assert [c.name for c in m.chairs] == ["Phạm Thị Thu Hà"]
    assert any(b.chair and b.chair.name == "Lương Văn Định" and b.place == "huyện Bá Thước" for b in m.bridges)
    fin = [t for t in m.tasks if t.who == "Sở Tài chính"]
    assert fin and fin[0].deadline == "trước ngày 30/11/2024" and fin[0].assigned_by == "Phạm Thị Thu Hà"
    assert "Sở Tài chính" in text[fin[0].start : fin[0].end]


def test_summary_lines_carry_spans() -> None:
    path = SAMPLES / "giao-ban-so-xay-dung-quy-3-2024.md"
    text = read(path)
    sts = extract_statements(text, source=path.name)
    m = extract_meeting(text, source=path.name, statements=sts)
    summ = summarize_meeting(m, sts, text)
    assert summ.section("chair")[0].text.startswith("Nguyễn Minh Tuấn")
    assert summ.section("when")[0].text == "15/10/2024"
    assert any("30/11/2024" in ln.text for ln in summ.section("tasks"))
    for ln in summ.lines:
        assert ln.spans
        for s, e in ln.spans:
            assert 0 <= s < e <= len(text)
    md = summ.to_markdown()
    assert "[1]" in md and "**Nguồn**" in md
    d = summ.to_dict()
    assert d["lines"] and all(line["spans"] for line in d["lines"])
    n = len(summ.sources)
    assert f"\n{n}. " in md


def test_eval_figures_meet_targets() -> None:
    from eval.whosaid_eval import GOLD, evaluate

    res = evaluate(GOLD)
    assert res.people.p >= 0.95 and res.people.r >= 0.9
    assert res.statements.p >= 0.85 and res.statements.r >= 0.85
