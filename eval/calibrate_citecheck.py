"""Calibrate the citation support thresholds of ``rag.llm.citecheck`` on XQuAD-vi.

Data built from ``../shared/eval/xquad.vi.json`` (each question belongs to one paragraph):

* true, "qa": a declarative answer sentence made from a question and its gold answer (the question
  word, e.g. "bao nhiêu", "ai", "khi nào", replaced by the answer), cited against the gold
  paragraph. This is what an LLM answer looks like: the question's wording, not the passage's.
* true, "gold": the paragraph sentence that contains the answer, cited against its paragraph.
* false, "qa": the answer sentence of a question from another paragraph of the same article (same
  topic, shared names), cited against the wrong paragraph.
* false, "sent": a sentence of another paragraph of the same article, cited against the wrong one.

For every pair the script computes the lexical parts (unigram, bigram coverage), the embedding
support (best cosine with a sentence of the cited paragraph) and the number guard, then grid
searches ``W_UNI``, T1, T2, T3 on the even-numbered articles for the highest true-accept rate with
at most ``--max-false`` false accepts, and reports the result on the odd-numbered articles.

    python eval/calibrate_citecheck.py [--per-paragraph 2] [--max-false 0.03] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rag.embedders import get_embedder  # noqa: E402
from rag.llm.citecheck import lexical_scores, numbers_missing  # noqa: E402
from rag.textnorm import sentence_spans  # noqa: E402

XQUAD = Path(__file__).resolve().parents[2] / "shared" / "eval" / "xquad.vi.json"

# Longest first, so "khi nào" wins over "nào".
_WH = [
    "như thế nào", "vào năm nào", "năm nào", "khi nào", "bao giờ", "bao nhiêu", "ở đâu", "tại sao",
    "vì sao", "thế nào", "là gì", "là ai", "cái gì", "điều gì", "mấy", "ai", "gì", "nào", "đâu",
]
_WH_RE = re.compile(r"\b(" + "|".join(re.escape(w) for w in _WH) + r")\b", re.IGNORECASE)


def declarative(question: str, answer: str) -> str:
    """"Jared Allen có bao nhiêu lần vật ngã?" + "136" -> "Jared Allen có 136 lần vật ngã."."""
    q = question.strip().rstrip("?").strip()
    m = _WH_RE.search(q)
    if m is None:
        return f"{q}: {answer}."
    wh = m.group(1).lower()
    repl = f"là {answer}" if wh.startswith("là ") else answer
    out = q[: m.start()] + repl + q[m.end() :]
    return out[0].upper() + out[1:] + "."


def build_pairs(per_paragraph: int, seed: int = 0) -> list[dict]:
    data = json.loads(XQUAD.read_text(encoding="utf-8"))["data"]
    rng = random.Random(seed)
    pairs: list[dict] = []
    for ai, art in enumerate(data):
        paras = art["paragraphs"]
        for pi, para in enumerate(paras):
            ctx = para["context"]
            others = [j for j in range(len(paras)) if j != pi]
            if not others:
                continue
            qas = rng.sample(para["qas"], min(per_paragraph, len(para["qas"])))
            spans = sentence_spans(ctx)
            for qa in qas:
                ans = qa["answers"][0]
                pairs.append(dict(article=ai, label=True, kind="qa", sentence=declarative(qa["question"], ans["text"]), passage=ctx))
                gold = next((ctx[s:e] for s, e in spans if s <= ans["answer_start"] < e), None)
                if gold:
                    pairs.append(dict(article=ai, label=True, kind="gold", sentence=gold, passage=ctx))
                other = paras[rng.choice(others)]
                oqa = rng.choice(other["qas"])
                pairs.append(dict(article=ai, label=False, kind="qa", sentence=declarative(oqa["question"], oqa["answers"][0]["text"]), passage=ctx))
                osp = sentence_spans(other["context"])
                s, e = rng.choice(osp)
                pairs.append(dict(article=ai, label=False, kind="sent", sentence=other["context"][s:e], passage=ctx))
    return pairs


def score_pairs(pairs: list[dict]) -> None:
    emb = get_embedder()
    sents = sorted({p["sentence"] for p in pairs})
    passages = sorted({p["passage"] for p in pairs})
    p_spans = {p: [p[s:e] for s, e in sentence_spans(p)] for p in passages}
    p_texts = sorted({t for v in p_spans.values() for t in v})
    t0 = time.time()
    vecs = emb.embed_queries(sents + p_texts)
    print(f"embedded {len(sents) + len(p_texts)} sentences in {time.time() - t0:.0f}s", file=sys.stderr)
    sv = dict(zip(sents, vecs[: len(sents)], strict=True))
    pv = dict(zip(p_texts, vecs[len(sents) :], strict=True))
    for p in pairs:
        p["uni"], p["bi"] = lexical_scores(p["sentence"], p["passage"])
        m = np.stack([pv[t] for t in p_spans[p["passage"]]])
        p["emb"] = float(np.max(m @ sv[p["sentence"]]))
        p["nums"] = numbers_missing(p["sentence"], p["passage"])


def _arrays(pairs: list[dict], w: float) -> tuple[np.ndarray, ...]:
    lex = np.array([w * p["uni"] + (1 - w) * p["bi"] for p in pairs])
    emb = np.array([p["emb"] for p in pairs])
    ok_num = np.array([not p["nums"] for p in pairs])
    label = np.array([p["label"] for p in pairs])
    return lex, emb, ok_num, label


def accept(lex: np.ndarray, emb: np.ndarray, ok_num: np.ndarray, t1: float, t2: float, t3: float) -> np.ndarray:
    return ((lex >= t1) | ((emb >= t2) & (lex >= t3))) & ok_num


def rates(acc: np.ndarray, label: np.ndarray) -> tuple[float, float]:
    return float(acc[label].mean()), float(acc[~label].mean())


def search(pairs: list[dict], max_false: float) -> dict:
    best: dict = {}
    for w in (0.5, 0.6, 0.7, 0.8, 0.9, 1.0):
        lex, emb, ok, label = _arrays(pairs, w)
        for t1 in np.arange(0.30, 0.951, 0.05):
            for t2 in np.arange(0.80, 0.961, 0.01):
                for t3 in np.arange(0.0, t1 + 1e-9, 0.05):
                    tr, fa = rates(accept(lex, emb, ok, t1, t2, t3), label)
                    key = (tr, -fa, t1)  # ties: stricter lexical threshold
                    if fa <= max_false and (not best or key > best["key"]):
                        best = dict(key=key, w=w, t1=round(float(t1), 2), t2=round(float(t2), 2), t3=round(float(t3), 2), true=tr, false=fa)
        # The lexical-only rule at the same false-accept budget, for comparison.
        for t1 in np.arange(0.30, 0.951, 0.01):
            tr, fa = rates(accept(lex, emb, ok, t1, 9.0, 9.0), label)
            if fa <= max_false and tr > best.get(f"lex_only_{w}", (0,))[0]:
                best[f"lex_only_{w}"] = (tr, fa, round(float(t1), 2))
    best.pop("key")
    return best


def report(pairs: list[dict], w: float, t1: float, t2: float, t3: float) -> dict:
    lex, emb, ok, label = _arrays(pairs, w)
    acc = accept(lex, emb, ok, t1, t2, t3)
    out = {"true_accepted": rates(acc, label)[0], "false_accepted": rates(acc, label)[1], "n_true": int(label.sum()), "n_false": int((~label).sum())}
    for kind in ("qa", "gold", "sent"):
        for lab in (True, False):
            sel = np.array([p["kind"] == kind and p["label"] == lab for p in pairs])
            if sel.any():
                out[f"{'true' if lab else 'false'}_{kind}_accepted"] = round(float(acc[sel].mean()), 4)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--per-paragraph", type=int, default=2)
    ap.add_argument("--max-false", type=float, default=0.03)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args(argv)
    pairs = build_pairs(args.per_paragraph)
    score_pairs(pairs)
    dev = [p for p in pairs if p["article"] % 2 == 0]
    test = [p for p in pairs if p["article"] % 2 == 1]
    best = search(dev, args.max_false)
    result = {
        "chosen": best,
        "dev": report(dev, best["w"], best["t1"], best["t2"], best["t3"]),
        "held_out": report(test, best["w"], best["t1"], best["t2"], best["t3"]),
    }
    lo = best[f"lex_only_{best['w']}"]
    result["held_out_lexical_only"] = report(test, best["w"], lo[2], 9.0, 9.0)
    text = json.dumps(result, indent=2, ensure_ascii=False)
    print(text)
    if args.json:
        args.json.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
