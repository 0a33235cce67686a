"""OCR quality and speed on rendered Vietnamese report pages (``python -m eval.ocr_eval``).

Character error rate (CER: edit distance / source length, on NFC text with whitespace collapsed,
since line breaks are layout, not content) of ``rag.ocr`` against the text each page was drawn
from (``eval.ocr_render``), per condition: clean, rotated 1.5°, noisy, photo-like. "raw" is
Tesseract's words as they come, "cleaned" after ``rag.ocr``'s fixes (the text that is indexed).
Then the two-column letterhead of an official letter under --psm 3 and 4, optionally every
condition under other --psm values and with Otsu thresholding (``--psm-table``), and the time to index a 10-page image-only
PDF through ``Library.ingest`` (OCR + chunking + embedding + store) on this machine's cores.
Left out: real scans (no licensed set of scanned Vietnamese reports is available offline).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
import unicodedata
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from eval.ocr_render import CONDITIONS, FONTS, LETTERHEAD, PAGES, degrade, render, scan_pages
from rag import ocr


def levenshtein(a: str, b: str) -> int:
    """Edit distance, one row of the table at a time in numpy (a page is ~2,000 characters)."""
    if not a or not b:
        return len(a) or len(b)
    bb = np.frombuffer(b.encode("utf-32-le"), dtype=np.uint32)
    ramp = np.arange(len(b) + 1, dtype=np.int32)
    prev = ramp.copy()
    for i, ch in enumerate(a, 1):
        cur = np.empty_like(prev)
        cur[0] = i
        cur[1:] = np.minimum(prev[:-1] + (bb != ord(ch)), prev[1:] + 1)
        # insertions: cur[j] = min(cur[j], cur[j-1] + 1), a running minimum of cur[k] - k
        prev = np.minimum.accumulate(cur - ramp) + ramp
    return int(prev[-1])


def norm(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split())


def cer(hyp: str, ref: str) -> float:
    ref_n = norm(ref)
    return levenshtein(norm(hyp), ref_n) / max(1, len(ref_n))


def _read(job: tuple[str, Any, int] | tuple[str, Any, int, int]) -> dict[str, Any]:
    truth, img, psm = job[:3]
    thresholding = job[3] if len(job) > 3 else 2
    t = time.perf_counter()
    tsv = ocr.run_tesseract(img, psm=psm, thresholding=thresholding)
    secs = time.perf_counter() - t
    raw, clean = ocr.parse_tsv(tsv, clean=False), ocr.parse_tsv(tsv)
    return {"raw": cer(raw.text, truth), "clean": cer(clean.text, truth), "conf": clean.confidence or 0.0,
            "secs": secs, "len": len(norm(truth))}


def measure(jobs: list[Any], workers: int) -> dict[str, float]:
    with ThreadPoolExecutor(workers) as pool:
        rows = list(pool.map(_read, jobs))
    total = sum(r["len"] for r in rows)  # CER over all characters, not a mean of page rates
    return {
        "pages": len(rows),
        "cer_raw": sum(r["raw"] * r["len"] for r in rows) / total,
        "cer": sum(r["clean"] * r["len"] for r in rows) / total,
        "worst_page_cer": max(r["clean"] for r in rows),
        "confidence": statistics.fmean(r["conf"] for r in rows),
        "s_per_page_one_worker": statistics.fmean(r["secs"] for r in rows),
    }


def condition_pages(condition: str) -> list[tuple[str, Any]]:
    """Every page in both fonts: 12 pages per condition."""
    return [(text, degrade(render(text, font), condition, seed=i * 7 + j))
            for i, text in enumerate(PAGES) for j, font in enumerate(FONTS)]


def letterhead_pages() -> list[tuple[str, Any]]:
    out = []
    for j, font in enumerate(FONTS):
        text = PAGES[3]
        truth = LETTERHEAD[0] + "\n" + LETTERHEAD[1] + "\n" + text
        out.append((truth, degrade(render(text, font, letterhead=LETTERHEAD), "rotated" if j else "clean")))
    return out


def ingest_speed(n_pages: int) -> dict[str, float]:
    """Index an ``n_pages`` image-only PDF (noisy scans) into a fresh index, as a user would."""
    from rag.library import Library

    with tempfile.TemporaryDirectory() as tmp:
        imgs = [img for _, img in scan_pages(n_pages, "noisy", seed=3)]
        pdf = Path(tmp) / "scan" / "bao-cao-scan.pdf"
        pdf.parent.mkdir()
        imgs[0].save(pdf, save_all=True, append_images=imgs[1:], resolution=300)
        del imgs
        lib = Library(Path(tmp) / "index")
        lib.embedder.embed_passages(["khởi động"])  # model loading is not part of indexing a scan
        t = time.perf_counter()
        rep = lib.ingest([pdf.parent])
        total = time.perf_counter() - t
        if rep.failed:
            raise SystemExit(f"ingest failed: {rep.failed}")
        return {"pages": n_pages, "seconds": total, "pages_per_s": n_pages / total,
                "ocr_seconds": rep.seconds.get("load", 0.0), "embed_seconds": rep.seconds.get("embed", 0.0)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--conditions", default=",".join(CONDITIONS))
    ap.add_argument("--psm-table", action="store_true",
                    help="also every condition under --psm 4, 6, 11, and Otsu instead of Sauvola thresholding")
    ap.add_argument("--scan-pages", type=int, default=10, help="pages of the PDF indexed for the speed figure (0: skip)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    why = ocr.unavailable_reason()
    if why:
        raise SystemExit(why)
    workers = ocr.workers()
    cores = len(os.sched_getaffinity(0))
    result: dict[str, Any] = {"cores": cores, "workers": workers, "psm": ocr.PSM, "conditions": {}}
    print(f"tesseract -l {ocr.LANG} --psm {ocr.PSM}, Sauvola; {cores} cores, {workers} pages at once")
    print(f"{'condition':10} {'pages':>5} {'CER raw':>8} {'CER':>7} {'worst':>7} {'conf':>6} {'s/page':>7}")
    for cond in args.conditions.split(","):
        pages = condition_pages(cond)
        r = measure([(t, img, ocr.PSM) for t, img in pages], workers)
        result["conditions"][cond] = r
        print(f"{cond:10} {r['pages']:>5} {r['cer_raw']:>8.2%} {r['cer']:>7.2%} {r['worst_page_cer']:>7.2%} "
              f"{r['confidence']:>6.1f} {r['s_per_page_one_worker']:>7.2f}", flush=True)
    lh = letterhead_pages()
    result["letterhead"] = {}
    for psm in (3, 4):
        r = measure([(t, img, psm) for t, img in lh], workers)
        result["letterhead"][f"psm{psm}"] = r
        print(f"letterhead, --psm {psm}: CER {r['cer']:.2%}", flush=True)
    if args.psm_table:
        result["psm_table"] = {}
        for psm in (3, 4, 6, 11):
            row = {}
            for cond in args.conditions.split(","):
                pages = condition_pages(cond)[::3]  # 4 pages per condition
                row[cond] = measure([(t, img, psm) for t, img in pages], workers)
            result["psm_table"][psm] = row
            print(f"--psm {psm:<3} " + "  ".join(f"{c} {r['cer']:.2%} ({r['s_per_page_one_worker']:.1f} s)"
                                                   for c, r in row.items()), flush=True)
        otsu = {c: measure([(t, img, 3, 0) for t, img in condition_pages(c)[::3]], workers)
                for c in args.conditions.split(",")}
        result["psm_table"]["3, Otsu"] = otsu
        print("--psm 3, Otsu " + "  ".join(f"{c} {r['cer']:.2%}" for c, r in otsu.items()), flush=True)
    if args.scan_pages:
        s = ingest_speed(args.scan_pages)
        result["ingest"] = s
        print(f"indexing a {s['pages']}-page image-only PDF (noisy scans): {s['seconds']:.1f} s "
              f"({s['pages_per_s']:.2f} pages/s; OCR {s['ocr_seconds']:.1f} s, embedding {s['embed_seconds']:.1f} s)")
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
