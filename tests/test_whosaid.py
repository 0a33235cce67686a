"""Who-said-what: statements, meetings, people directory and summaries on the real sample files,
the issue #12 reports (eval/whosaid/reports: meeting dates with an inferred year, meeting names, titles
per meeting, a person's summary) and the shared corpus (skipped, with the reason, when ../shared is missing)."""

from __future__ import annotations

from pathlib import Path

import pytest

from rag.articles import split_articles
from rag.dates import date_label, meeting_date
from rag.facts.facts import DocFacts, Facts
from rag.facts.lexicon import KINDS
from rag.facts.meetings import extract_meeting, meetings_for_articles
from rag.facts.mentions import person_mentions
from rag.facts.people import build_people, find_people, split_titles
from rag.facts.profile import build_profile, meeting_roles, topic_of
from rag.facts.speech import extract_statements, statements_for_articles
from rag.facts.summarize import summarize_meeting
from rag.textnorm import fold, nfc

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


# -- issue #12 v2: meeting dates and names, titles per meeting, a person's summary ------------------------
REPORTS = ROOT / "eval" / "whosaid" / "reports"
CRIME = REPORTS / "so_ket_phong_chong_toi_pham_lam_giang.txt"
FUNDS = REPORTS / "hop_ban_chi_dao_giai_ngan_von_dau_tu_cong_phu_van.txt"
DISASTER = REPORTS / "hoi_nghi_phong_chong_thien_tai_toan_quoc.txt"
DIGITAL = REPORTS / "giao_ban_chuyen_doi_so_van_linh.txt"
ROAD = REPORTS / "lam_viec_cao_toc_bac_hoa_hoa_lam.txt"
RURAL = REPORTS / "so_ket_nong_thon_moi_thach_lam.txt"
STORM = SAMPLES / "hop-ban-chi-dao-phong-chong-thien-tai-2024.txt"


def facts_of(*paths: Path) -> Facts:
    """The facts of real files, extracted in memory as an index would (one document per file)."""
    docs = {}
    for p in paths:
        text = nfc(read(p))
        arts = tuple(split_articles(text, p.name))
        sts = statements_for_articles(text, arts)
        docs[p.name] = DocFacts(p.name, p.name, text, arts, tuple(sts), tuple(meetings_for_articles(text, arts, sts)), ())
    return Facts(docs)


@pytest.mark.parametrize(("path", "date", "date_text", "inferred", "evidence", "label"), [
    (CRIME, "2024-07-10", "Chiều 10/7", True, "11/07/2024", "10/07/2024 (năm suy ra)"),  # "Thứ Năm, 11/07/2024 14:35"
    (FUNDS, "2023-12-29", "Chiều 29/12", True, "02/01/2024", "29/12/2023 (năm suy ra)"),  # published the next year
    (DISASTER, "2024-04-24", "Sáng 24/4", True, "triển khai nhiệm vụ năm 2024", "24/04/2024 (năm suy ra)"),
    (RURAL, "2024-11-14", "Chiều 14/11", True,
     "10 tháng thực hiện Chương trình mục tiêu quốc gia xây dựng nông thôn mới năm 2024", "14/11/2024 (năm suy ra)"),
    (DIGITAL, "--09-18", "Sáng 18/9", False, None, "18/09 (không rõ năm)"),  # no year anywhere in the report
    (STORM, "2024-09-18", "Chiều ngày 18 tháng 9 năm 2024", False, "Chiều ngày 18 tháng 9 năm 2024", "18/09/2024"),
])
def test_meeting_date_shows_day_month_and_marks_an_inferred_year(
    path: Path, date: str, date_text: str, inferred: bool, evidence: str | None, label: str,
) -> None:
    text = nfc(read(path))
    m = extract_meeting(text, source=path.name)
    assert m.date is not None and m.date.value == date and text[m.date.start : m.date.end] == date_text
    assert (m.date_text, m.year_inferred, m.date_label) == (date_text, inferred, label)
    ev = m.year_evidence
    assert (ev.value if ev else None) == evidence
    assert ev is None or text[ev.start : ev.end] == ev.value
    # the same rule dates the article and the task ledger
    (art,) = split_articles(text, path.name)
    assert art.date == (date if not date.startswith("--") else None)
    assert meeting_date(text) is not None and meeting_date(text).iso == date  # type: ignore[union-attr]


def test_year_rules_no_real_report_covers() -> None:
    # a forward-looking "nhiệm vụ năm Y" in December is the year before; a compared period is no evidence
    dec = "Sơ kết\n\nChiều 28/12, Sở Y tế tổ chức hội nghị tổng kết năm 2023, triển khai nhiệm vụ năm 2024."
    assert meeting_date(dec).iso == "2023-12-28"  # type: ignore[union-attr]
    cmp_ = "Tin\n\nSáng 5/7, Sở Tài chính họp.\n\nThu ngân sách tăng 8% so với 6 tháng đầu năm 2023."
    assert meeting_date(cmp_).iso == "--07-05"  # type: ignore[union-attr]
    late = cmp_ + " Kết quả 6 tháng đầu năm 2024 được đánh giá cao."
    assert meeting_date(late).iso == "2024-07-05"  # type: ignore[union-attr]
    assert date_label("--07-05") == "05/07 (không rõ năm)" and date_label(None) == ""


@pytest.mark.parametrize(("path", "name"), [
    (CRIME, "hội nghị sơ kết công tác phòng, chống tội phạm, tệ nạn xã hội và xây dựng phong trào toàn dân bảo vệ an "
            "ninh Tổ quốc 6 tháng đầu năm, triển khai nhiệm vụ 6 tháng cuối năm"),
    (DISASTER, "hội nghị trực tuyến tổng kết công tác phòng, chống thiên tai, tìm kiếm cứu nạn năm 2023, triển khai "
               "nhiệm vụ năm 2024"),  # stops before ", kết nối đến điểm cầu …"
    (DIGITAL, "hội nghị giao ban trực tuyến về chuyển đổi số và triển khai Đề án 06 của Chính phủ"),  # not "với 11 huyện"
    (ROAD, "buổi làm việc với UBND tỉnh Hòa Lâm về tiến độ thi công dự án đường bộ cao tốc Bắc Hòa - Hòa Lâm đoạn qua "
           "địa bàn tỉnh"),  # "… có buổi làm việc với …"
    (SAMPLES / "hoi-nghi-tong-ket-cong-tac-cong-an-2023.txt",
     "Hội nghị tổng kết công tác Công an năm 2023, triển khai nhiệm vụ năm 2024"),  # not "dưới hình thức …"
])
def test_meeting_name_is_the_leads_whole_name(path: Path, name: str) -> None:
    text = nfc(read(path))
    m = extract_meeting(text, source=path.name)
    assert m.name is not None and text[m.name.start : m.name.end] == name
    assert m.label == name[0].upper() + name[1:]


def test_titles_in_force_at_each_meeting() -> None:
    facts = facts_of(CRIME, ROAD, *(SAMPLES / n for n in ("hoi-nghi-tong-ket-cong-tac-cong-an-2023.txt",
                                                          "hop-ban-chi-dao-phong-chong-thien-tai-2024.txt")))
    (chung,) = meeting_roles(facts, facts.find_person("Hoàng Văn Chung")[0])
    assert chung.roles == ("chair", "speaker") and chung.rank is None
    assert chung.titles == ("Phó Bí thư Tỉnh ủy", "Chủ tịch UBND tỉnh", "Trưởng ban Chỉ đạo phòng, chống tội phạm tỉnh")
    assert facts.docs[CRIME.name].text[chung.start : chung.end].startswith("Đồng chí Hoàng Văn Chung, Phó Bí thư")
    assert chung.date_label == "10/07/2024 (năm suy ra)" and chung.year_evidence == "11/07/2024"
    (khai,) = meeting_roles(facts, facts.find_person("Nguyễn Đình Khải")[0])
    assert khai.rank == "Đại tá" and khai.titles[1] == "Giám đốc Công an tỉnh" and khai.roles == ("participant", "speaker")
    (dat,) = meeting_roles(facts, facts.find_person("Lâm Quang Đạt")[0])
    assert dat.titles == ("Thứ trưởng Bộ Giao thông vận tải",)  # "Thứ trưởng" alone is its short form
    # one person, two meetings, the title each report gives her there
    ha = meeting_roles(facts, facts.find_person("Phạm Thị Thu Hà")[0])
    assert [(r.date, r.roles[0], r.titles) for r in ha] == [
        ("2023-12-07", "participant", ("Phó Chủ tịch UBND tỉnh",)),
        ("2024-09-18", "chair", ("Phó Chủ tịch UBND tỉnh", "Trưởng Ban Chỉ huy Phòng, chống thiên tai và tìm kiếm cứu nạn tỉnh")),
    ]
    assert split_titles(["Thiếu tướng, Phó Tổng Tham mưu trưởng Quân đội nhân dân Việt Nam"]) == (
        "Thiếu tướng", ("Phó Tổng Tham mưu trưởng Quân đội nhân dân Việt Nam",))


def test_person_summary_groups_requests_and_commitments_by_topic() -> None:
    facts = facts_of(DISASTER, DIGITAL, ROAD)
    pr = build_profile(facts, facts.find_person("Đinh Công Hậu")[0])
    (meeting,) = pr.meetings
    assert meeting.date_label == "18/09 (không rõ năm)" and meeting.meeting.startswith("Hội nghị giao ban trực tuyến")
    topics = dict(pr.topics())
    text = facts.docs[DIGITAL.name].text
    digital = topics["Chuyển đổi số"]
    assert {it.assignee for it in digital} >= {"Công an tỉnh", "Sở Tài chính"}
    police = next(it for it in digital if it.assignee == "Công an tỉnh")
    assert (police.kind, police.verb, police.deadline_text) == ("assignment", "đề nghị", "trong tháng 11")
    assert "dữ liệu" in police.keywords and police.what in text[police.start : police.end]
    assert text[police.start : police.end].startswith("“Tôi đề nghị Công an tỉnh")
    assert "Việc khác" not in [t for t, _ in pr.topics()][:-1]  # the items with no topic word come last
    # a commitment of a contractor, and a request with no task read from it stays a request
    loi = build_profile(facts, facts.find_person("Huỳnh Tấn Lợi")[0])
    (c,) = loi.items
    assert (c.kind, c.verb, c.topic, c.deadline) == ("commitment", "cam kết", "Giao thông", "2024-11-30")
    vinh = build_profile(facts, facts.find_person("Trần Quốc Vinh")[0])
    assert vinh.topics()[0][0] == "Thiên tai, cứu nạn, phòng cháy"
    for it in vinh.items:  # every item's span is the clause or statement it is read from
        span = facts.docs[DISASTER.name].text[it.start : it.end]
        assert span and it.what.split()[0] in span
    assert topic_of("rà soát, cập nhật kế hoạch phòng, chống thiên tai")[0] == "Thiên tai, cứu nạn, phòng cháy"
    assert topic_of("báo cáo kết quả") == ("Việc khác", ())
