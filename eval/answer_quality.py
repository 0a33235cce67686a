"""End-to-end answer quality on a frozen set of Vietnamese meeting reports and questions.

Covers: the whole ``Library.ask`` path (retrieval, router, extractive or LLM answerer, citations) on
hand-written fictional reports (``eval/answers/reports``) and questions (``eval/answers/questions.jsonl``),
or on the blind set (``eval/answers/blind``). Per question it checks that unanswerable questions are
refused, and that answerable ones are answered, cite every expected source and contain at least 60%
of the key facts (case-, whitespace- and accent-insensitive substring match; ``a|b`` = either).
Leaves out: fluency, hallucinated extra claims, and whether the cited passage really supports the
answer; key facts are literal strings, so a correct paraphrase of a figure can be scored as missing.

    python -m eval.answer_quality [--set main|blind|blind2..blind11] [--k 5] [--json OUT] [--show] [--embedder e5-onnx]
                                  [--distractors]

The index is built once per set in ``eval/results/answers-index-<set>/`` and rebuilt when any report
file changes (keyed by a hash of the report files). ``--distractors`` indexes the reports of every other
set beside the set's own (about 30 reports on similar subjects), as a user's index would hold them.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import re
import shutil
import sys
import time
import unicodedata
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
# every eval/answers/blind*/ folder with questions is a set ("blind", "blind2", ...)
SETS = {"main": HERE / "answers", **{p.name: p for p in sorted((HERE / "answers").glob("blind*"))
                                      if (p / "questions.jsonl").is_file()}}
RESULTS = HERE / "results"
KINDS = ("fact", "number", "list", "who_required", "broad", "cross", "summary", "unanswerable")
MIN_SHARE = 0.6


def norm(text: str) -> str:
    """NFC, lower case, whitespace collapsed."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", text).lower()).strip()


def fold(text: str) -> str:
    """``norm`` with Vietnamese diacritics removed (đ -> d)."""
    decomposed = unicodedata.normalize("NFD", norm(text).replace("đ", "d"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def has_fact(fact: str, answer: str) -> bool:
    """True when any ``|``-separated alternative of ``fact`` occurs in ``answer`` (accented or folded)."""
    a_norm, a_fold = norm(answer), fold(answer)
    return any(norm(alt) in a_norm or fold(alt) in a_fold for alt in fact.split("|") if alt.strip())


@dataclass
class Result:
    id: str
    kind: str
    question: str
    answerable: bool
    found: bool
    right: bool
    facts_share: float | None
    missing: list[str]
    cited_ok: bool | None
    cited: list[str]
    expected_sources: list[str]
    seconds: float
    answer: str
    raw: dict[str, Any] = field(default_factory=dict)


def load_questions(path: Path) -> list[dict[str, Any]]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    for r in rows:
        if r["kind"] not in KINDS:
            raise SystemExit(f"{path}: {r['id']}: unknown kind {r['kind']!r}")
    return rows


def report_files(rdir: Path) -> list[Path]:
    return sorted(p for p in rdir.iterdir() if p.is_file() and not p.name.startswith(".")) if rdir.is_dir() else []


def reports_hash(files: list[Path]) -> str:
    h = hashlib.sha256()
    for f in files:
        h.update(f.name.encode())
        h.update(hashlib.sha256(f.read_bytes()).digest())
    return h.hexdigest()


def open_library(set_name: str, files: list[Path], embedder: str | None = None) -> Any:
    """The set's index, rebuilt from scratch when the report files changed since it was built."""
    from rag.library import Library

    suffix = f"-{embedder.replace('/', '_').replace(':', '_')}" if embedder else ""
    index_dir = RESULTS / f"answers-index-{set_name}{suffix}"
    stamp = RESULTS / f"answers-index-{set_name}{suffix}.sha256"
    key = reports_hash(files)
    fresh = index_dir.is_dir() and stamp.is_file() and stamp.read_text().strip() == key
    if not fresh:
        shutil.rmtree(index_dir, ignore_errors=True)
        stamp.unlink(missing_ok=True)
    lib = Library(index_dir, embedder=embedder)
    if not fresh:
        t = time.perf_counter()
        print(f"indexing {len(files)} reports into {index_dir} ...", file=sys.stderr)
        rep = lib.ingest([str(f) for f in files], names={str(f): f.name for f in files})
        if rep.failed:
            raise SystemExit(f"ingest failed: {rep.failed}")
        print(f"  {len(rep.added)} reports, {rep.chunks_added} chunks in {time.perf_counter() - t:.0f} s",
              file=sys.stderr)
        stamp.write_text(key + "\n")
    return lib


def score(lib: Any, q: dict[str, Any], k: int) -> Result:
    t = time.perf_counter()
    ans = lib.ask(q["question"], k=k)
    secs = time.perf_counter() - t
    cited = sorted({c.source for c in ans.citations})
    base = dict(id=q["id"], kind=q["kind"], question=q["question"], answerable=bool(q["answerable"]),
                found=bool(ans.found), cited=cited, expected_sources=list(q.get("sources", [])),
                seconds=secs, answer=ans.answer, raw=ans.to_dict())
    if not q["answerable"]:
        return Result(**base, right=not ans.found, facts_share=None, missing=[], cited_ok=None)
    facts = q.get("key_facts", [])
    missing = [f for f in facts if not has_fact(f, ans.answer)] if ans.found else list(facts)
    share = (len(facts) - len(missing)) / len(facts) if facts else 1.0
    cited_ok = all(s in cited for s in q.get("sources", []))
    need = math.ceil(MIN_SHARE * len(facts) - 1e-9)
    right = ans.found and cited_ok and len(facts) - len(missing) >= need
    return Result(**base, right=right, facts_share=share, missing=missing, cited_ok=cited_ok)


def pct(n: int, d: int) -> str:
    return f"{100 * n / d:5.1f}%" if d else "   - "


def quantile(xs: list[float], q: float) -> float:
    s = sorted(xs)
    return s[min(len(s) - 1, max(0, math.ceil(q * len(s)) - 1))] if s else 0.0


def report(results: list[Result], show: bool) -> None:
    by_kind: dict[str, list[Result]] = defaultdict(list)
    for r in results:
        by_kind[r.kind].append(r)
    print(f"{'kind':<14}{'n':>4}{'right':>9}{'key facts':>11}{'refused':>9}{'cited ok':>10}")
    for kind in KINDS:
        rs = by_kind.get(kind, [])
        if not rs:
            continue
        shares = [r.facts_share for r in rs if r.facts_share is not None]
        share = f"{sum(shares) / len(shares):.2f}" if shares else "-"
        cited = [r for r in rs if r.cited_ok is not None]
        print(f"{kind:<14}{len(rs):>4}{pct(sum(r.right for r in rs), len(rs)):>9}{share:>11}"
              f"{pct(sum(not r.found for r in rs), len(rs)):>9}"
              f"{pct(sum(bool(r.cited_ok) for r in cited), len(cited)):>10}")
    ans = [r for r in results if r.answerable]
    una = [r for r in results if not r.answerable]
    secs = [r.seconds for r in results]
    print(f"\noverall right: {pct(sum(r.right for r in results), len(results))} of {len(results)}")
    print(f"unanswerable refused: {pct(sum(not r.found for r in una), len(una))} of {len(una)}")
    print(f"answerable refused:   {pct(sum(not r.found for r in ans), len(ans))} of {len(ans)}")
    print(f"seconds per question: median {quantile(secs, 0.5):.2f}, p95 {quantile(secs, 0.95):.2f}")
    if show:
        for r in results:
            if r.right:
                continue
            why = ("answered (should refuse)" if not r.answerable else "refused" if not r.found
                   else f"facts {r.facts_share:.2f}" + ("" if r.cited_ok else f", cited {r.cited}"))
            print(f"\n--- {r.id} [{r.kind}] {why}\nQ: {r.question}")
            if r.missing:
                print(f"missing: {r.missing}  (expected sources {r.expected_sources})")
            print("A: " + r.answer[:400].replace("\n", " ") + ("…" if len(r.answer) > 400 else ""))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--set", choices=sorted(SETS), default="main")
    ap.add_argument("--k", type=int, default=5)
    ap.add_argument("--json", type=Path, help="write per-question results here")
    ap.add_argument("--show", action="store_true", help="print each wrong answer and its missing facts")
    ap.add_argument("--embedder", help="embedding model (default: the index default), e.g. e5-onnx")
    ap.add_argument("--distractors", action="store_true", help="index the other sets' reports too")
    args = ap.parse_args(argv)
    root = SETS[args.set]
    qpath, rdir = root / "questions.jsonl", root / "reports"
    if not qpath.is_file() or not rdir.is_dir():
        print(f"set {args.set!r} not found: need {rdir}/ and {qpath}", file=sys.stderr)
        return 2
    files = report_files(rdir)
    if args.distractors:
        files += [f for name, root in SETS.items() if name != args.set for f in report_files(root / "reports")]
    questions = load_questions(qpath)
    lib = open_library(args.set + ("+others" if args.distractors else ""), files, args.embedder)
    results = [score(lib, q, args.k) for q in questions]
    report(results, args.show)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps([asdict(r) for r in results], ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
