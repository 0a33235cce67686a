"""underthesea's CRF NER as a second opinion on person names (issue #12 item 4).

Two interpreters, data exchanged as JSON (``eval/results/`` is git-ignored):

1. The product's person finder, with the project's venv (the people ``eval/whosaid_v2.py`` scores: person
   speakers, chairs, participants, bridge chairs, person assignees), plus the product's own lexicon (titles,
   ranks, honorifics, reporting verbs) for the filtered union::

       PYTHONPATH=. .venv/bin/python eval/underthesea_probe.py patterns --set main

2. underthesea's ``ner`` (CRF model ``ner_crf_2017_10_12.bin``, shipped in the wheel; never ``deep=True``,
   which downloads transformer weights) in its own venv, so the project's venv is untouched::

       python3 -m venv /tmp/uts && /tmp/uts/bin/pip install underthesea
       /tmp/uts/bin/python eval/underthesea_probe.py underthesea --set main

   ``HOME=$(mktemp -d) /tmp/uts/bin/python eval/underthesea_probe.py offline`` runs each underthesea function
   with sockets and DNS refused and an empty model cache, and says which ones work and which try to download.

3. Scores (standard library only, either interpreter)::

       python3 eval/underthesea_probe.py score --set main

A found name matches a gold person when, NFC and case-folded, it equals the full name or a short form with
its honorific, title or rank removed ("Chủ tịch Chung" gives "Chung", "bà Lan Anh" gives "Lan Anh").
Precision: distinct found names (per report) that match a gold person; recall: gold people matched by at
least one found name. Pooled over the reports of a set. Rows:

- patterns: the product alone;
- underthesea: every PER entity (B-/I- tokens merged);
- union: patterns + the PER names the patterns miss (a PER name equal to, or a run of words inside, a
  pattern name is the same person and is not added);
- filtered union: as union, but only PER names of at least two syllables, all capitalised, standing next to
  a title, rank or honorific (before the name, in the same clause, or ", <title>" right after it) or
  followed by a reporting verb (the product's lexicon, not tuned for this probe).

The blind set (``--set blind``) is for one final run only.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import unicodedata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SETS = {
    "main": ROOT / "eval" / "whosaid" / "gold.json",
    "blind": ROOT / "eval" / "whosaid" / "blind" / "gold.json",
}
OUT = ROOT / "eval" / "results" / "underthesea_probe"


def _nfc(s: str) -> str:
    return unicodedata.normalize("NFC", s)


def _key(s: str) -> str:
    return " ".join(_nfc(s).casefold().split())


def _reports(set_name: str) -> tuple[dict[str, Any], dict[str, str]]:
    path = SETS[set_name]
    gold = json.loads(path.read_text(encoding="utf-8"))["reports"]
    texts = {f: _nfc((path.parent / "reports" / f).read_text(encoding="utf-8")) for f in sorted(gold)}
    return gold, texts


def _write(name: str, data: Any) -> Path:
    OUT.mkdir(parents=True, exist_ok=True)
    p = OUT / name
    p.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    return p


# --- 1. the product's people (project venv) ------------------------------------------------------------------


def dump_patterns(set_name: str) -> Path:
    from eval.whosaid_v2 import _is_person, _predict_tasks
    from rag.facts.lexicon import HONORIFICS, RANKS, SURNAMES, TITLE_HEADS, VERB_KINDS
    from rag.facts.meetings import extract_meeting
    from rag.facts.speech import extract_statements
    from rag.vi import CHAIR_VERBS

    _, texts = _reports(set_name)
    out: dict[str, Any] = {}
    for fname, text in texts.items():
        # the same set eval/whosaid_v2.evaluate_report scores, names kept as written
        statements = extract_statements(text, source=fname)
        meeting = extract_meeting(text, source=fname, statements=statements)
        tasks = _predict_tasks(text, fname, statements)
        names = [s.speaker for s in statements if _is_person(s.speaker)]
        names += [p.name for p in (*meeting.chairs, *meeting.participants)]
        names += [b.chair.name for b in meeting.bridges if b.chair]
        names += [t.assignee for t in tasks if t.assignee and _is_person(t.assignee) and t.assignee.split()[0] in SURNAMES]
        seen: dict[str, str] = {}
        for n in names:
            seen.setdefault(_key(n), _nfc(n))
        out[fname] = sorted(seen.values())
    lexicon = {"titles": sorted({*TITLE_HEADS, *RANKS, *HONORIFICS}), "verbs": sorted({*VERB_KINDS, *CHAIR_VERBS})}
    return _write(f"patterns-{set_name}.json", {"set": set_name, "people": out, "lexicon": lexicon})


# --- 2. underthesea's PER entities (underthesea venv) -------------------------------------------------------


def _locate(text: str, token: str, pos: int) -> tuple[int, int] | None:
    """Where ``token`` (whose inner spaces may differ) next occurs in ``text`` from ``pos``."""
    pat = r"\s*".join(re.escape(w) for w in token.split()) if token.strip() else re.escape(token)
    m = re.compile(pat).search(text, pos)
    return (m.start(), m.end()) if m else None


def dump_underthesea(set_name: str) -> Path:
    import underthesea
    from underthesea import ner, sent_tokenize

    _, texts = _reports(set_name)
    out: dict[str, Any] = {}
    for fname, text in texts.items():
        ents: list[dict[str, Any]] = []
        cursor = 0
        for para in text.split("\n"):
            if not para.strip():
                cursor += len(para) + 1
                continue
            pstart = text.index(para, cursor)
            cursor = pstart + len(para)
            pos = pstart
            for sent in sent_tokenize(para):
                cur: list[tuple[int, int]] = []
                for word, _pos, _chunk, tag in [*ner(sent), ("", "", "", "O")]:
                    span = _locate(text, word, pos) if word else None
                    if span and span[0] - pos > 200:  # a token underthesea rewrote: do not jump ahead
                        span = None
                    if tag == "I-PER" and cur and span:
                        cur.append(span)
                    else:
                        if cur:
                            s, e = cur[0][0], cur[-1][1]
                            ents.append({"name": text[s:e], "start": s, "end": e})
                        cur = [span] if tag in ("B-PER", "I-PER") and span else []  # a stray I-PER starts one
                    if span:
                        pos = span[1]
        out[fname] = ents
    return _write(f"underthesea-{set_name}.json",
                  {"set": set_name, "underthesea": underthesea.__version__, "model": "ner (CRF, ner_crf_2017_10_12.bin)",
                   "entities": out})


def offline_check() -> dict[str, Any]:
    """Which underthesea functions run with the network cut (sockets and DNS refused) and an empty model cache.

    Run with ``HOME`` set to an empty folder so no earlier download is reused.
    """
    import socket

    attempts: list[str] = []

    def refuse_connect(self: Any, addr: Any) -> None:
        attempts.append(repr(addr))
        raise OSError("network blocked by probe")

    def refuse_dns(host: Any, *a: Any, **k: Any) -> Any:
        attempts.append(f"dns:{host}")
        raise socket.gaierror("dns blocked by probe")

    socket.socket.connect = refuse_connect  # type: ignore[method-assign]
    socket.getaddrinfo = refuse_dns
    import underthesea as u

    s = "Chiều 10/7, ông Hoàng Văn Chung, Chủ tịch UBND tỉnh Lam Giang, chủ trì hội nghị."
    calls = {
        "sent_tokenize": lambda: u.sent_tokenize(s), "text_normalize": lambda: u.text_normalize(s),
        "word_tokenize": lambda: u.word_tokenize(s), "pos_tag": lambda: u.pos_tag(s), "chunk": lambda: u.chunk(s),
        "ner": lambda: u.ner(s), "ner(deep=True)": lambda: u.ner(s, deep=True), "classify": lambda: u.classify(s),
        "sentiment": lambda: u.sentiment(s), "dependency_parse": lambda: u.dependency_parse(s),
        "lang_detect": lambda: u.lang_detect(s),
    }
    out: dict[str, Any] = {"underthesea": u.__version__}
    for name, fn in calls.items():
        before = len(attempts)
        try:
            r = fn()
            out[name] = {"ok": True, "network": attempts[before:], "sample": repr(r)[:160]}
        except Exception as e:  # a missing module or a refused download
            out[name] = {"ok": False, "network": attempts[before:], "error": f"{type(e).__name__}: {str(e)[:160]}"}
    return out


# --- 3. scores (standard library) ---------------------------------------------------------------------------


def _gold_keys(person: dict[str, Any]) -> set[str]:
    words = _key(person["name"]).split()
    keys = {" ".join(words)}
    for sf in person.get("short_forms", []):
        sw = _key(sf).split()
        for k in range(len(sw)):  # drop words from the left until the rest is a run of the name's words
            rest = sw[k:]
            if any(words[i : i + len(rest)] == rest for i in range(len(words) - len(rest) + 1)):
                keys.add(" ".join(rest))
                break
    return keys


def _inside(name: str, others: list[str]) -> bool:
    w = _key(name).split()
    for o in others:
        ow = _key(o).split()
        if any(ow[i : i + len(w)] == w for i in range(len(ow) - len(w) + 1)):
            return True
    return False


def _context_ok(text: str, s: int, e: int, titles: list[str], verbs: list[str]) -> bool:
    left = re.split(r"[.;:!?“”\"\n]", text[max(0, s - 120) : s])[-1]
    title_alt = "|".join(re.escape(t) for t in sorted(titles, key=len, reverse=True))
    if re.search(rf"(?<!\w)(?:{title_alt})(?!\w)", left, re.IGNORECASE):
        return True
    right = text[e : e + 60]
    if re.match(rf",\s*(?:{title_alt})(?!\w)", right):
        return True
    verb_alt = "|".join(re.escape(v) for v in sorted(verbs, key=len, reverse=True))
    return re.match(rf"\s*(?:(?:cũng|đã|sẽ|tiếp tục|đồng thời)\s+)*(?:{verb_alt})(?!\w)", right) is not None


def _filtered(ent: dict[str, Any], text: str, lexicon: dict[str, list[str]]) -> bool:
    words = ent["name"].split()
    if len(words) < 2 or not all(w[:1].isupper() for w in words):
        return False
    return _context_ok(text, ent["start"], ent["end"], lexicon["titles"], lexicon["verbs"])


def _strip_titles(name: str, titles: list[str]) -> str:
    """Drop an honorific, rank or title that underthesea kept at the front of a name ("Bà Nguyệt")."""
    alt = "|".join(re.escape(t) for t in sorted(titles, key=len, reverse=True))
    return re.sub(rf"^(?:(?:{alt})\s+)+", "", name, flags=re.IGNORECASE).strip() or name


def _dedupe(names: list[str]) -> list[str]:
    seen: dict[str, str] = {}
    for n in names:
        seen.setdefault(_key(n), n)
    return list(seen.values())


def score(set_name: str, verbose: bool = False) -> dict[str, Any]:
    gold, texts = _reports(set_name)
    pat = json.loads((OUT / f"patterns-{set_name}.json").read_text(encoding="utf-8"))
    uts = json.loads((OUT / f"underthesea-{set_name}.json").read_text(encoding="utf-8"))
    lexicon = pat["lexicon"]
    for ents in uts["entities"].values():
        for x in ents:
            x["name"] = _strip_titles(x["name"], lexicon["titles"])
    rows = {k: {"tp_names": 0, "names": 0, "found": 0, "gold": 0}
            for k in ("patterns", "underthesea", "union", "filtered union")}
    notes: list[str] = []
    for fname, g in gold.items():
        people = [(p["name"], _gold_keys(p)) for p in g["people"]]
        p_names = _dedupe(pat["people"][fname])
        ents = uts["entities"][fname]
        u_names = _dedupe([x["name"] for x in ents])
        extra = [n for n in u_names if not _inside(n, p_names)]
        extra_f = _dedupe([x["name"] for x in ents if _filtered(x, texts[fname], lexicon) and not _inside(x["name"], p_names)])
        for row, names in (("patterns", p_names), ("underthesea", u_names), ("union", p_names + extra),
                           ("filtered union", p_names + extra_f)):
            hit = {name for name, keys in people if any(_key(n) in keys for n in names)}
            good = [n for n in names if any(_key(n) in keys for _, keys in people)]
            r = rows[row]
            r["tp_names"] += len(good)
            r["names"] += len(names)
            r["found"] += len(hit)
            r["gold"] += len(people)
        if verbose:
            for n in extra:
                ok = any(_key(n) in keys for _, keys in people)
                flag = "F" if n in extra_f else " "
                notes.append(f"{fname}: {flag} union adds {n!r} ({'gold person' if ok else 'not a gold person'})")
            missed_u = [name for name, keys in people if not any(_key(n) in keys for n in u_names)]
            notes += [f"{fname}:   underthesea misses {m!r}" for m in missed_u]
    for r in rows.values():
        r["precision"] = round(r["tp_names"] / r["names"], 4) if r["names"] else None
        r["recall"] = round(r["found"] / r["gold"], 4) if r["gold"] else None
    return {"set": set_name, "rows": rows, "notes": notes}


def _print(res: dict[str, Any]) -> None:
    print(f"{'set':<6} {'finder':<15} {'P':>6} {'R':>6}   right names/names  people found/gold")
    for k, r in res["rows"].items():
        print(f"{res['set']:<6} {k:<15} {r['precision']:6.3f} {r['recall']:6.3f}   "
              f"{r['tp_names']:>4}/{r['names']:<4}           {r['found']:>3}/{r['gold']}")
    for n in res["notes"]:
        print("  " + n)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    ap.add_argument("step", choices=["offline", "patterns", "underthesea", "score"])
    ap.add_argument("--set", choices=["main", "blind"], default="main")
    ap.add_argument("--verbose", action="store_true", help="list the names the union adds and underthesea's misses")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    if args.step == "offline":
        res = offline_check()  # underthesea logs its download attempts on stdout: the table is printed last
        print(_write("offline.json", res))
        for name, r in res.items():
            if isinstance(r, dict):
                print(f"{name:<17} {'works offline' if r['ok'] else 'fails':<14} network={r['network']} {r.get('error', '')[:90]}")
    elif args.step == "patterns":
        print(dump_patterns(args.set))
    elif args.step == "underthesea":
        print(dump_underthesea(args.set))
    else:
        res = score(args.set, args.verbose)
        if args.json:
            print(json.dumps(res, ensure_ascii=False, indent=1))
        else:
            _print(res)
    return 0


if __name__ == "__main__":
    sys.exit(main())
