"""Check the who-said-what gold sets in eval/whosaid/ (issue #12) against their reports.

Run ``python eval/whosaid/check_gold.py`` (add ``--counts`` for a per-file table only, ``--set NAME`` for one set:
main, blind, dev2, blind2; sets whose folder is absent are skipped). Checks: every gold file parses;
every report file has a gold entry and the other way round; reports are NFC, ascii snake_case .txt, 600-1100 words;
every verbatim field (meeting name/organiser/date_text/year_evidence, people names/titles/short forms/title refs/ranks,
not_people, statement spans, task what/deadline_text/span, non-person speakers/assigners/assignees) occurs verbatim in
its report after NFC; ``what`` and ``deadline_text`` lie inside the task ``span``; person speakers, assigners and chairs
are listed people; dates and deadlines are well formed and agree with their text. Exits 1 on any error.
"""

from __future__ import annotations

import calendar
import json
import re
import sys
import unicodedata
from pathlib import Path

HERE = Path(__file__).resolve().parent
# the main set, and every folder beside it with a gold.json ("blind", "dev2", "blind2", ...)
SETS = {"main": (HERE / "gold.json", HERE / "reports")} | {
    p.parent.name: (p, p.parent / "reports") for p in sorted(HERE.glob("*/gold.json"))
}
PROVENANCE = {"quote", "reported", "summary", "group"}
KINDS = {"assignment", "commitment"}
ISO = re.compile(r"^(\d{4}|-)-(\d{2})-(\d{2})$")  # 2024-07-10 or --07-10
ROMAN = {"I": 1, "II": 2, "III": 3, "IV": 4}


def nfc(s: str) -> str:
    return unicodedata.normalize("NFC", s)


def parse_date(s: str) -> tuple[int | None, int, int]:
    m = ISO.match(s)
    if not m:
        raise ValueError(f"bad date {s!r}")
    y = None if m.group(1) == "-" else int(m.group(1))
    mo, d = int(m.group(2)), int(m.group(3))
    if not (1 <= mo <= 12 and 1 <= d <= calendar.monthrange(y or 2024, mo)[1]):
        raise ValueError(f"bad date {s!r}")
    return y, mo, d


def expected_md(text: str, meeting_md: tuple[int, int]) -> tuple[tuple[int, int], tuple[int, int]] | None:
    """(from month/day, to month/day) implied by a deadline phrase, or None when the checker has no rule for it."""
    t = text.lower()
    if "từ nay" in t:
        m = re.search(r"hết tháng (\d{1,2})", t)
        if m:
            mo = int(m.group(1))
            return meeting_md, (mo, calendar.monthrange(2024, mo)[1])
        m = re.search(r"(\d{1,2})/(\d{1,2})", t)
        if m:
            return meeting_md, (int(m.group(2)), int(m.group(1)))
        if "cuối năm" in t:
            return meeting_md, (12, 31)
        return None
    m = re.search(r"(\d{1,2})/(\d{1,2})(?:/\d{4})?", t)
    if m and "quý" not in t:
        md = (int(m.group(2)), int(m.group(1)))
        return md, md
    m = re.search(r"quý (IV|III|II|I)\b", text)
    if m:
        q = ROMAN[m.group(1)]
        return (3 * q - 2, 1), (3 * q, calendar.monthrange(2024, 3 * q)[1])
    if "6 tháng cuối năm" in t:
        return (7, 1), (12, 31)
    if "6 tháng đầu năm" in t:
        return (1, 1), (6, 30)
    months = [int(x) for x in re.findall(r"tháng (\d{1,2})", t)]
    if months:
        return (months[0], 1), (months[-1], calendar.monthrange(2024, months[-1])[1])
    if "cuối năm" in t:
        return (12, 31), (12, 31)
    return None


def check_set(name: str, gold_path: Path, rep_dir: Path, errors: list[str]) -> list[tuple[str, int, int, int, int]]:
    def err(msg: str) -> None:
        errors.append(f"[{name}] {msg}")

    try:
        raw_gold = gold_path.read_text(encoding="utf-8")
        if raw_gold != nfc(raw_gold):
            err(f"{gold_path.name}: gold file is not NFC")
        gold = json.loads(raw_gold)
    except Exception as e:  # noqa: BLE001
        err(f"{gold_path}: does not parse: {e}")
        return []
    reports = gold.get("reports", {})
    on_disk = sorted(p.name for p in rep_dir.glob("*.txt"))
    for f in sorted(set(on_disk) ^ set(reports)):
        err(f"{f}: report file and gold entry do not match one to one")
    rows = []
    for fname, g in reports.items():
        path = rep_dir / fname
        if not path.exists():
            continue
        raw = path.read_text(encoding="utf-8")
        if raw != nfc(raw):
            err(f"{fname}: file is not NFC")
        if not re.fullmatch(r"[a-z0-9]+(_[a-z0-9]+)*\.txt", fname):
            err(f"{fname}: name is not ascii snake_case .txt")
        text = nfc(raw)
        words = len(text.split())
        if not 600 <= words <= 1100:
            err(f"{fname}: {words} words, outside 600-1100")

        def verbatim(s: str | None, what: str, inside: str | None = None, fname: str = fname, text: str = text) -> None:
            if s is None:
                return
            if not isinstance(s, str) or not s:
                err(f"{fname}: {what}: empty or not a string: {s!r}")
            elif nfc(s) not in (inside if inside is not None else text):
                err(f"{fname}: {what} not verbatim{' in its span' if inside else ''}: {s!r}")

        m = g["meeting"]
        for k in ("name", "organiser", "date_text", "year_evidence"):
            verbatim(m.get(k), f"meeting.{k}")
        y, mo, d = parse_date(m["date"])
        dm = re.search(r"(\d{1,2})/(\d{1,2})", m["date_text"])
        if not dm or (int(dm.group(2)), int(dm.group(1))) != (mo, d):
            err(f"{fname}: meeting.date {m['date']} disagrees with date_text {m['date_text']!r}")
        if m["year_inferred"] != (y is not None and not re.search(r"\d{4}", m["date_text"])):
            err(f"{fname}: year_inferred inconsistent with date/date_text")
        if (y is None) != (m.get("year_evidence") is None):
            err(f"{fname}: year_evidence must be given exactly when the date has a year")
        people = {p["name"]: p for p in g["people"]}
        for p in g["people"]:
            verbatim(p["name"], "person name")
            verbatim(p.get("rank"), "rank")
            for t in p["titles"]:
                verbatim(t, f"title of {p['name']}")
            for t in p["short_forms"]:
                verbatim(t, f"short form of {p['name']}")
            for t in p["title_refs"]:
                verbatim(t, f"title ref of {p['name']}")
        for n in g.get("not_people", []):
            verbatim(n, "not_people")
        for c in m["chairs"]:
            if c not in people:
                err(f"{fname}: chair {c!r} is not in people")
        for s in g["statements"]:
            if s["provenance"] not in PROVENANCE:
                err(f"{fname}: bad provenance {s['provenance']!r}")
            verbatim(s["span"], "statement span")
            if s.get("verb") and nfc(s["verb"]) not in text.lower():
                err(f"{fname}: verb not in text: {s['verb']!r}")
            if s["speaker"] not in people:
                verbatim(s["speaker"], "non-person speaker")
                if s["provenance"] in ("quote",):
                    err(f"{fname}: quote by a non-person {s['speaker']!r}")
        for t in g["tasks"]:
            if t["kind"] not in KINDS:
                err(f"{fname}: bad task kind {t['kind']!r}")
            if t["meeting"] != m["name"]:
                err(f"{fname}: task meeting differs from meeting.name")
            verbatim(t["span"], "task span")
            verbatim(t["what"], "task what")
            verbatim(t["what"], "task what", inside=t["span"])
            verbatim(t["deadline_text"], "deadline_text")
            verbatim(t["deadline_text"], "deadline_text", inside=t["span"])
            for who, label in [(t["assigner"], "assigner"), (t["assignee"], "assignee")] + [(c, "co_assignee") for c in t["co_assignees"]]:
                if who not in people:
                    verbatim(who, label)
            dl, dt = t["deadline"], t["deadline_text"]
            if (dl is None) != (dt is None):
                err(f"{fname}: deadline and deadline_text must both be null or both set: {t['what'][:40]!r}")
            if dl is None:
                continue
            try:
                if isinstance(dl, str):
                    a = b = parse_date(dl)
                else:
                    a, b = parse_date(dl["from"]), parse_date(dl["to"])
                    if set(dl) != {"from", "to"} or (a[0] or 0, a[1], a[2]) > (b[0] or 0, b[1], b[2]):
                        err(f"{fname}: bad range {dl!r}")
            except (ValueError, KeyError, TypeError) as e:
                err(f"{fname}: bad deadline {dl!r}: {e}")
                continue
            if (a[0] is None or b[0] is None) != (y is None):
                err(f"{fname}: deadline {dl!r} year presence differs from meeting date")
            yr = re.search(r"/(\d{4})\b|năm (\d{4})", dt)
            if yr and b[0] is not None and int(yr.group(1) or yr.group(2)) != b[0]:
                err(f"{fname}: deadline {dl!r} year disagrees with {dt!r}")
            exp = expected_md(dt, (mo, d))
            if exp is None:
                err(f"{fname}: no normalisation rule for {dt!r}")
            elif exp != ((a[1], a[2]), (b[1], b[2])):
                err(f"{fname}: deadline {dl!r} disagrees with {dt!r} (expected month/day {exp})")
            if y is not None and b[0] is not None and (b[0], b[1], b[2]) < (y, mo, d):
                err(f"{fname}: deadline {dl!r} before the meeting")
        rows.append((fname, words, len(g["people"]), len(g["statements"]), len(g["tasks"])))
    return rows


def main() -> int:
    errors: list[str] = []
    only = sys.argv[sys.argv.index("--set") + 1] if "--set" in sys.argv[:-1] else None
    tables = {name: check_set(name, gp, rd, errors) for name, (gp, rd) in SETS.items()
              if (only is None or name == only) and gp.exists()}
    for name, rows in tables.items():
        print(f"{name}: {'file':<52} {'words':>5} {'people':>6} {'stmts':>5} {'tasks':>5}")
        for r in rows:
            print(f"{name}: {r[0]:<52} {r[1]:>5} {r[2]:>6} {r[3]:>5} {r[4]:>5}")
        tot = [sum(r[i] for r in rows) for i in (2, 3, 4)]
        print(f"{name}: {'TOTAL (' + str(len(rows)) + ' reports)':<52} {'':>5} {tot[0]:>6} {tot[1]:>5} {tot[2]:>5}")
    if "--counts" in sys.argv:
        return 0
    for e in errors:
        print("ERROR", e)
    print("OK" if not errors else f"{len(errors)} error(s)")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
