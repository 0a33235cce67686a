"""Measure who-said-what extraction (rag.facts.speech, rag.facts.meetings) against hand-built gold sets.

Run ``python -m eval.whosaid_eval`` (add ``--verbose`` to list misses, ``--json`` for machine output,
``--splitter`` to cut articles with ``rag.articles.split_articles`` instead of the gold boundaries).
Scores, per gold set: speakers, chairs and people (speakers plus chairs) as sets of names per document;
statements, where a prediction matches a gold statement when the folded speaker is equal and its span
overlaps the gold sentence (located by its first words inside the gold article); and verb accuracy on
matched statements. Documents under ``shared/`` are read from the shared folder beside the project and
skipped, with a note, when it is missing.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rag.facts.meetings import extract_meeting
from rag.facts.speech import Statement, extract_statements
from rag.textnorm import fold, nfc, sentence_spans

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
GOLD = ROOT / "eval" / "whosaid_gold.json"
HELDOUT = ROOT / "eval" / "heldout" / "whosaid_heldout_gold.json"
BLIND = ROOT / "eval" / "blind" / "whosaid_blind_gold.json"  # written after the rules were frozen


def resolve(path: str) -> Path:
    if path.startswith("shared/"):
        return SHARED / path[len("shared/") :]
    return ROOT / path


@dataclass(frozen=True)
class GoldArticle:
    start: int
    end: int
    chairs: tuple[str, ...]
    statements: tuple[tuple[str, str, int, int], ...]  # (speaker, verb, sentence start, sentence end)
    not_speakers: tuple[str, ...]


def gold_articles(text: str, doc: dict[str, Any]) -> list[GoldArticle]:
    """Articles of a gold document, their boundaries found from ``starts_with`` in order."""
    starts, pos = [], 0
    for a in doc["articles"]:
        i = text.find(nfc(a["starts_with"]), pos)
        if i < 0:
            raise ValueError(f"{doc['path']}: article start not found: {a['starts_with']!r}")
        starts.append(i)
        pos = i + 1
    out = []
    for k, a in enumerate(doc["articles"]):
        s, e = starts[k], (starts[k + 1] if k + 1 < len(starts) else len(text))
        sts = []
        for g in a["statements"]:
            fw = nfc(g["first_words"])
            i = text.find(fw, s, e)
            if i < 0 or text.find(fw, i + 1, e) >= 0:
                raise ValueError(f"{doc['path']}: first words not found once: {fw!r}")
            end = next((se for ss, se in sentence_spans(text, s, e) if ss <= i < se), e)
            sts.append((nfc(g["speaker"]), nfc(g["verb"]), i, end))
        out.append(GoldArticle(s, e, tuple(map(nfc, a["chairs"])), tuple(sts), tuple(a.get("not_speakers", ()))))
    return out


@dataclass
class Counts:
    tp: int = 0
    pred: int = 0
    gold: int = 0

    def add(self, tp: int, pred: int, gold: int) -> None:
        self.tp, self.pred, self.gold = self.tp + tp, self.pred + pred, self.gold + gold

    @property
    def p(self) -> float:
        return self.tp / self.pred if self.pred else 1.0

    @property
    def r(self) -> float:
        return self.tp / self.gold if self.gold else 1.0

    @property
    def f1(self) -> float:
        return 2 * self.p * self.r / (self.p + self.r) if self.p + self.r else 0.0


@dataclass
class Result:
    name: str
    documents: int = 0
    skipped: list[str] = field(default_factory=list)
    speakers: Counts = field(default_factory=Counts)
    chairs: Counts = field(default_factory=Counts)
    people: Counts = field(default_factory=Counts)
    statements: Counts = field(default_factory=Counts)
    verbs_ok: int = 0
    not_speaker_hits: int = 0
    misses: list[str] = field(default_factory=list)

    def rows(self) -> list[tuple[str, Counts]]:
        return [("people", self.people), ("speakers", self.speakers), ("chairs", self.chairs), ("statements", self.statements)]

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"name": self.name, "documents": self.documents, "skipped": self.skipped}
        for k, c in self.rows():
            d[k] = {"tp": c.tp, "pred": c.pred, "gold": c.gold, "precision": round(c.p, 4), "recall": round(c.r, 4)}
        d["verb_accuracy"] = round(self.verbs_ok / self.statements.tp, 4) if self.statements.tp else None
        d["not_speaker_hits"] = self.not_speaker_hits
        d["misses"] = self.misses
        return d


def _predict(text: str, source: str, spans: list[tuple[int, int]]) -> tuple[list[Statement], set[str]]:
    statements: list[Statement] = []
    chairs: set[str] = set()
    for k, (s, e) in enumerate(spans):
        own = extract_statements(text[s:e], source=source, article=k, offset=s)
        # this gold annotates people only: groups, bodies and the meeting itself (issue #12) are left out
        own = [st for st in own if all(w[:1].isupper() for w in st.speaker.split())]
        m = extract_meeting(text[s:e], source=source, article=k, offset=s, statements=own)
        statements += own
        chairs |= {fold(c.name) for c in m.chairs} | {fold(b.chair.name) for b in m.bridges if b.chair}
    return statements, chairs


def _set_score(c: Counts, pred: set[str], gold: set[str], label: str, doc: str, misses: list[str]) -> None:
    c.add(len(pred & gold), len(pred), len(gold))
    misses += [f"{doc}: {label} missed {g}" for g in sorted(gold - pred)]
    misses += [f"{doc}: {label} spurious {p}" for p in sorted(pred - gold)]


def evaluate(gold_path: Path, use_splitter: bool = False) -> Result:
    spec = json.loads(gold_path.read_text(encoding="utf-8"))
    res = Result(gold_path.name)
    for doc in spec["documents"]:
        path = resolve(doc["path"])
        if not path.exists():
            res.skipped.append(f"{doc['path']} (missing: {path})")
            continue
        text = nfc(path.read_text(encoding="utf-8"))
        arts = gold_articles(text, doc)
        if use_splitter:
            from rag.articles import split_articles

            spans = [(a.start, a.end) for a in split_articles(text, doc["path"])]
        else:
            spans = [(a.start, a.end) for a in arts]
        preds, chairs = _predict(text, doc["path"], spans)
        res.documents += 1
        name = doc["path"]
        gold_st = [g for a in arts for g in a.statements]
        g_speakers = {fold(g[0]) for g in gold_st}
        p_speakers = {fold(p.speaker) for p in preds}
        g_chairs = {fold(c) for a in arts for c in a.chairs}
        _set_score(res.speakers, p_speakers, g_speakers, "speaker", name, res.misses)
        _set_score(res.chairs, chairs, g_chairs, "chair", name, [])
        _set_score(res.people, p_speakers | chairs, g_speakers | g_chairs, "person", name, [])
        res.misses += [f"{name}: chair missed {c}" for c in sorted(g_chairs - chairs)]
        res.misses += [f"{name}: chair spurious {c}" for c in sorted(chairs - g_chairs)]
        not_sp = {fold(n) for a in arts for n in a.not_speakers}
        res.not_speaker_hits += len(p_speakers & not_sp)
        used: set[int] = set()
        tp = 0
        for speaker, verb, gs, ge in gold_st:
            hit = next(
                (i for i, p in enumerate(preds) if i not in used and fold(p.speaker) == fold(speaker) and p.start < ge and gs < p.end),
                None,
            )
            if hit is None:
                res.misses.append(f"{name}: statement missed {speaker} / {verb} @ {text[gs:gs + 60]!r}")
                continue
            used.add(hit)
            tp += 1
            res.verbs_ok += fold(preds[hit].verb) == fold(verb)
        # This gold has one statement per sentence: a second clause of the same speaker in a matched
        # sentence ("… và đề nghị …", issue #12) is part of it, neither a hit nor spurious.
        matched = {(fold(preds[i].speaker), preds[i].start) for i in used}
        extra = {i for i, p in enumerate(preds) if i not in used and (fold(p.speaker), p.start) in matched}
        for i, p in enumerate(preds):
            if i not in used and i not in extra:
                res.misses.append(f"{name}: statement spurious {p.speaker} / {p.verb} @ {text[p.start:p.start + 60]!r}")
        res.statements.add(tp, len(preds) - len(extra), len(gold_st))
    return res


def format_table(results: list[Result]) -> str:
    lines = [f"{'set':<32} {'measure':<11} {'P':>6} {'R':>6} {'F1':>6}   tp/pred/gold"]
    for r in results:
        for label, c in r.rows():
            lines.append(f"{r.name:<32} {label:<11} {c.p:6.3f} {c.r:6.3f} {c.f1:6.3f}   {c.tp}/{c.pred}/{c.gold}")
        va = r.verbs_ok / r.statements.tp if r.statements.tp else float("nan")
        lines.append(
            f"{r.name:<32} {'verb acc':<11} {va:6.3f}{'':>14}   docs={r.documents} not-speaker hits={r.not_speaker_hits}"
        )
        lines += [f"  skipped: {s}" for s in r.skipped]
    return "\n".join(lines)


def print_results(results: Sequence[Any], table: Callable[[Any], str], as_json: bool, verbose: bool) -> None:
    """Results as JSON, or as the table then (``verbose``) every miss; shared with ``eval.whosaid_v2``."""
    if as_json:
        print(json.dumps([r.to_dict() for r in results], ensure_ascii=False, indent=2))
        return
    print(table(results))
    if verbose:
        for r in results:
            for m in r.misses:
                print(f"[{r.name}] {m}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--gold", type=Path, action="append", help="gold file(s); default: the gold and held-out sets")
    ap.add_argument("--splitter", action="store_true", help="cut articles with rag.articles.split_articles")
    ap.add_argument("--verbose", action="store_true", help="list missed and spurious items")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    paths = args.gold or [p for p in (GOLD, HELDOUT, BLIND) if p.exists()]
    results = [evaluate(p, args.splitter) for p in paths]
    print_results(results, format_table, args.json, args.verbose)
    return 0


if __name__ == "__main__":
    sys.exit(main())
