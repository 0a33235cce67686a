"""Measure who-said-what v2 (issue #12) against eval/whosaid/gold.json (``--set main``) or another gold set.

Run ``python -m eval.whosaid_v2 [--set main|blind|blind2|blind3|dev2|both] [--verbose] [--json]``: ``dev2`` is a
development set (eval/whosaid/dev2/), ``blind`` is a blind set (scored once, never tuned on), ``blind2`` and
``blind3`` were blind until their first run and are now development sets too, ``both`` is main and blind. Each
report is read as one article. Scores, pooled over the reports of a set:

- chairs: the meeting's chairs (or the head of a working delegation) against ``meeting.chairs``;
- people: predicted person names (speakers that are people, chairs, participants, task assignees that are
  people) against the gold full names, folded; a short form left unresolved ("Chung") is a false positive;
- statements: a prediction matches an unused gold statement when the folded speakers are equal and the
  predicted span (the content, else the sentence) overlaps the gold span; P and R over those matches;
- provenance: accuracy over matched statements (predictions without the field count as "reported");
- tasks: a prediction matches an unused gold task when their spans overlap; it is right when assigner,
  assignee and deadline are all right (folded names; deadlines compared as normalised values). P, R, F1
  count right matches only;
- titles: for each gold person, the titles the report gives them (``rag.facts.people.split_titles`` over the
  chair/participant titles and the titles of their statements) against ``people[].titles``, folded;
- meeting name: the predicted name's span (``text[start:end]``, as written) equals ``meeting.name``;
- meeting date: ``date`` ("2024-07-10" or "--09-18") equals the gold's; year inferred: ``year_inferred`` does;
  evidence: the predicted year evidence overlaps the gold ``year_evidence`` (both absent counts as right).
  These are accuracies over the reports; a prediction without the field counts as not inferred.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eval.whosaid_eval import Counts, print_results
from rag.facts.lexicon import SURNAMES
from rag.facts.meetings import Meeting, extract_meeting
from rag.facts.speech import Statement, extract_statements, is_person_speaker
from rag.textnorm import fold, nfc

ROOT = Path(__file__).resolve().parents[1]
# every eval/whosaid/<set>/ with a gold.json is a set ("blind", "dev2", "blind2", ...), beside the main one
SETS = {"main": ROOT / "eval" / "whosaid" / "gold.json"} | {
    p.parent.name: p for p in sorted((ROOT / "eval" / "whosaid").glob("*/gold.json"))}


MEETING_MEASURES = ("name", "date", "year_inferred", "date+inferred", "evidence")


@dataclass
class PredTask:
    assigner: str | None
    assignee: str | None
    deadline: Any
    start: int
    end: int


@dataclass
class Result:
    name: str
    documents: int = 0
    people: Counts = field(default_factory=Counts)
    chairs: Counts = field(default_factory=Counts)
    statements: Counts = field(default_factory=Counts)
    tasks: Counts = field(default_factory=Counts)
    titles: Counts = field(default_factory=Counts)
    tasks_matched: int = 0
    prov_ok: int = 0
    meeting: dict[str, int] = field(default_factory=lambda: dict.fromkeys(MEETING_MEASURES, 0))
    misses: list[str] = field(default_factory=list)

    @property
    def provenance(self) -> float:
        return self.prov_ok / self.statements.tp if self.statements.tp else float("nan")

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"name": self.name, "documents": self.documents}
        for k, c in (("people", self.people), ("chairs", self.chairs), ("statements", self.statements),
                     ("tasks", self.tasks), ("titles", self.titles)):
            d[k] = {"tp": c.tp, "pred": c.pred, "gold": c.gold, "precision": round(c.p, 4),
                    "recall": round(c.r, 4), "f1": round(c.f1, 4)}
        d["tasks_span_matched"] = self.tasks_matched
        d["provenance_accuracy"] = round(self.provenance, 4) if self.statements.tp else None
        d["meeting"] = {k: {"ok": v, "of": self.documents} for k, v in self.meeting.items()}
        d["misses"] = self.misses
        return d


def _content_span(text: str, st: Statement) -> tuple[int, int]:
    """Where the statement's content lies in ``text``, else its sentence(s)."""
    head = " ".join(st.content.split()[:6])
    if head:
        i = text.find(head, st.start, st.end + 1)
        if i < 0:
            i = text.find(head, max(0, st.start - 2000), st.end + 2000)
        if i >= 0:
            return i, max(i + len(head), st.end if st.start <= i < st.end else i + len(st.content))
    return st.start, st.end


def _predict_tasks(text: str, source: str, statements: list[Statement]) -> list[PredTask]:
    try:
        from rag.facts import tasks as tasks_mod  # type: ignore[attr-defined,unused-ignore]
    except ImportError:
        m = extract_meeting(text, source=source, statements=statements)
        return [PredTask(t.assigned_by, t.who, t.deadline, t.start, t.end) for t in m.tasks]
    return [PredTask(t.assigner, t.assignee, t.deadline, t.start, t.end)
            for t in tasks_mod.extract_tasks(text, source=source, statements=statements)]  # type: ignore[attr-defined,unused-ignore]


def _is_person(name: str) -> bool:
    words = name.split()
    return 2 <= len(words) <= 5 and all(w[:1].isupper() for w in words)


def _norm_deadline(d: Any) -> Any:
    if isinstance(d, dict):
        return (d.get("from"), d.get("to"))
    return d


def evaluate_report(text: str, name: str, gold: dict[str, Any], res: Result) -> None:
    statements = extract_statements(text, source=name)
    meeting = extract_meeting(text, source=name, statements=statements)
    tasks = _predict_tasks(text, name, statements)
    # people
    # a body capitalised like a name ("Theo báo cáo của Sở Công Thương") is no person: the product's own test decides
    pred_people = {fold(s.speaker) for s in statements if _is_person(s.speaker) and is_person_speaker(s)}
    pred_people |= {fold(p.name) for p in (*meeting.chairs, *meeting.participants)}
    pred_people |= {fold(b.chair.name) for b in meeting.bridges if b.chair}
    pred_people |= {fold(t.assignee) for t in tasks
                    if t.assignee and _is_person(t.assignee) and t.assignee.split()[0] in SURNAMES}
    gold_people = {fold(p["name"]) for p in gold["people"]}
    res.people.add(len(pred_people & gold_people), len(pred_people), len(gold_people))
    res.misses += [f"{name}: person missed {g}" for g in sorted(gold_people - pred_people)]
    res.misses += [f"{name}: person spurious {p}" for p in sorted(pred_people - gold_people)]
    pred_chairs = {fold(c.name) for c in meeting.chairs}
    gold_chairs = {fold(c) for c in gold["meeting"].get("chairs", [])}
    res.chairs.add(len(pred_chairs & gold_chairs), len(pred_chairs), len(gold_chairs))
    res.misses += [f"{name}: chair missed {g}" for g in sorted(gold_chairs - pred_chairs)]
    # statements
    spans = [_content_span(text, s) for s in statements]
    used: set[int] = set()
    tp = 0
    for g in gold["statements"]:
        gs = text.find(nfc(g["span"]))
        ge = gs + len(g["span"])
        hit = next((i for i, s in enumerate(statements) if i not in used and fold(s.speaker) == fold(g["speaker"])
                    and spans[i][0] < ge and gs < spans[i][1]), None)
        if hit is None:
            res.misses.append(f"{name}: statement missed {g['speaker']} / {g['verb']} @ {g['span'][:60]!r}")
            continue
        used.add(hit)
        tp += 1
        prov = getattr(statements[hit], "provenance", "reported")
        if prov == g["provenance"]:
            res.prov_ok += 1
        else:
            res.misses.append(f"{name}: provenance {prov} != {g['provenance']} @ {g['span'][:50]!r}")
    for i, s in enumerate(statements):
        if i not in used:
            res.misses.append(f"{name}: statement spurious {s.speaker} / {s.verb} @ {s.content[:60]!r}")
    res.statements.add(tp, len(statements), len(gold["statements"]))
    # tasks
    tused: set[int] = set()
    ttp = 0
    for g in gold["tasks"]:
        gs = text.find(nfc(g["span"]))
        ge = gs + len(g["span"])
        hit = next((i for i, t in enumerate(tasks) if i not in tused and t.start < ge and gs < t.end), None)
        if hit is None:
            res.misses.append(f"{name}: task missed {g['assignee']} @ {g['span'][:60]!r}")
            continue
        tused.add(hit)
        res.tasks_matched += 1
        t = tasks[hit]
        wrong = [k for k, ok in (
            ("assigner", fold(t.assigner or "") == fold(g["assigner"])),
            ("assignee", fold(t.assignee or "") == fold(g["assignee"])),
            ("deadline", _norm_deadline(t.deadline) == _norm_deadline(g["deadline"])),
        ) if not ok]
        if wrong:
            got = {"assigner": t.assigner, "assignee": t.assignee, "deadline": t.deadline}
            res.misses.append(f"{name}: task wrong {','.join(f'{k}={got[k]!r} (gold {g[k]!r})' for k in wrong)}")
        else:
            ttp += 1
    for i, t in enumerate(tasks):
        if i not in tused:
            res.misses.append(f"{name}: task spurious {t.assignee} @ {text[t.start:t.start + 60]!r}")
    res.tasks.add(ttp, len(tasks), len(gold["tasks"]))
    # titles per person, and the meeting itself
    for gp in gold["people"]:
        got = {fold(t) for t in _titles(gp["name"], meeting, statements)}
        want = {fold(t) for t in gp["titles"]}
        res.titles.add(len(got & want), len(got), len(want))
        res.misses += [f"{name}: title missed {gp['name']}: {t}" for t in sorted(want - got)]
        res.misses += [f"{name}: title spurious {gp['name']}: {t}" for t in sorted(got - want)]
    _score_meeting(text, name, gold, meeting, res)


def _titles(name: str, meeting: Meeting, statements: list[Statement]) -> tuple[str, ...]:
    try:
        from rag.facts.people import split_titles  # type: ignore[attr-defined,unused-ignore]
    except ImportError:  # before split_titles: every title string as seen
        def split_titles(chains: Any) -> tuple[None, tuple[str, ...]]:
            return None, tuple(dict.fromkeys(c for c in chains if c))
    key = fold(name)
    people = [*meeting.chairs, *meeting.participants, *(b.chair for b in meeting.bridges if b.chair)]
    chains = [p.title for p in people if p is not None and fold(p.name) == key]
    chains += [s.speaker_title for s in statements if fold(s.speaker) == key]
    return split_titles(chains)[1]


def _score_meeting(text: str, name: str, gold: dict[str, Any], meeting: Meeting, res: Result) -> None:
    """Name, date, year inferred and year evidence of the report's meeting against ``gold["meeting"]``."""
    g = gold["meeting"]
    got_name = text[meeting.name.start : meeting.name.end] if meeting.name else None
    got_date = meeting.date.value if meeting.date else None
    inferred = bool(getattr(meeting, "year_inferred", False))
    ev = getattr(meeting, "year_evidence", None)
    gs = text.find(g["year_evidence"]) if g["year_evidence"] else -1
    ev_ok = (ev is None and gs < 0) or (ev is not None and gs >= 0 and ev.start < gs + len(g["year_evidence"])
                                          and gs < ev.end)
    oks = {"name": got_name == g["name"], "date": got_date == g["date"], "year_inferred": inferred == g["year_inferred"],
           "evidence": ev_ok}
    oks["date+inferred"] = oks["date"] and oks["year_inferred"]
    for k, ok in oks.items():
        res.meeting[k] += ok
    if not oks["name"]:
        res.misses.append(f"{name}: meeting name {got_name!r} (gold {g['name']!r})")
    if not oks["date+inferred"]:
        res.misses.append(f"{name}: meeting date {got_date!r} inferred={inferred} (gold {g['date']!r} {g['year_inferred']})")
    if not ev_ok:
        res.misses.append(f"{name}: year evidence {ev.value if ev else None!r} (gold {g['year_evidence']!r})")


def evaluate(set_name: str) -> Result:
    path = SETS[set_name]
    spec = json.loads(path.read_text(encoding="utf-8"))
    res = Result(set_name)
    for fname, gold in sorted(spec["reports"].items()):
        text = nfc((path.parent / "reports" / fname).read_text(encoding="utf-8"))
        evaluate_report(text, fname, gold, res)
        res.documents += 1
    return res


def format_table(results: list[Result]) -> str:
    lines = [f"{'set':<6} {'measure':<11} {'P':>6} {'R':>6} {'F1':>6}   tp/pred/gold"]
    for r in results:
        for label, c in (("people", r.people), ("chairs", r.chairs), ("statements", r.statements), ("tasks", r.tasks),
                         ("titles", r.titles)):
            lines.append(f"{r.name:<6} {label:<11} {c.p:6.3f} {c.r:6.3f} {c.f1:6.3f}   {c.tp}/{c.pred}/{c.gold}")
        lines.append(f"{r.name:<6} {'provenance':<11} {r.provenance:6.3f}{'':>14}   "
                     f"{r.prov_ok}/{r.statements.tp}  docs={r.documents} tasks span-matched={r.tasks_matched}")
        lines.append(f"{r.name:<6} {'meeting':<11} " + "  ".join(
            f"{k} {v}/{r.documents}" for k, v in r.meeting.items()))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    ap.add_argument("--set", choices=[*SETS, "both"], default="main")
    ap.add_argument("--verbose", action="store_true", help="list missed, spurious and wrong items")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    names = ["main", "blind"] if args.set == "both" else [args.set]
    results = [evaluate(n) for n in names]
    print_results(results, format_table, args.json, args.verbose)
    return 0


if __name__ == "__main__":
    sys.exit(main())
