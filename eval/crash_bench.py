"""Crash-safety and read-while-write harness for the on-disk index, with real processes.

``rag ingest`` runs in a child process and is killed with SIGKILL at many points: during start-up,
mid-commit (as soon as a ``.seg-*.tmp`` or ``.gen-*.tmp`` folder appears: writing a segment or the
generation that lists it), right after a manifest switch, a moment later (embedding the next files),
or right after a text was written but not yet committed. Runs are chained on one index, so each one
resumes what the killed one left. A copy of the index is taken after every kill and checked later in
one child process: it loads, answers a search, its chunk count equals the FAISS count, it holds a
whole number of commit batches, and the next ingest completes and leaves no stray folder.

    python -m eval.crash_bench                       # 30 kill points over a 90-file ingest
    python -m eval.crash_bench --kills 60 --files 160

The children run with ``OMP_NUM_THREADS=1``: the bundled engine's OpenMP threads spin-wait, and on
a busy 2-core machine one embedding call then takes seconds instead of milliseconds.
``tests/test_reliability.py`` uses the same functions with fewer kill points; ``check``, ``writer``
and ``readers`` are the child-process entry points it runs.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
QUERY = "kiểm tra kho hàng"
PEOPLE = ["Nguyễn Văn An", "Trần Thị Bình", "Lê Quốc Cường", "Phạm Minh Dũng", "Hoàng Thu Hà", "Võ Đức Long"]
PLACES = ["kho hàng", "trạm bơm", "đê biển", "trường học", "bệnh viện", "cầu cảng", "chợ đầu mối"]


# -- helpers used by the tests and by the bench -----------------------------------------------------
def child_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(OMP_NUM_THREADS="1", PYTHONPATH=str(ROOT) + os.pathsep + env.get("PYTHONPATH", ""))
    env.update(extra)
    return env


def make_corpus(folder: Path, n: int, prefix: str = "bb") -> list[Path]:
    """``n`` distinct one-sentence reports (one chunk each, cheap to embed)."""
    folder.mkdir(parents=True, exist_ok=True)
    files = []
    for i in range(n):
        who, where = PEOPLE[i % len(PEOPLE)], PLACES[i % len(PLACES)]
        f = folder / f"{prefix}-{i:03d}.txt"
        f.write_text(
            f"Biên bản họp số {i}. Đồng chí {who} đề nghị kiểm tra {where} số {i} "
            f"trước ngày {1 + i % 28} tháng {1 + i % 12} năm 2024.\n",
            encoding="utf-8",
        )
        files.append(f)
    return files


def ingest_cmd(idx: Path | str, *paths: Path | str, wait: float | None = None) -> list[str]:
    cmd = [sys.executable, "-m", "rag.cli", "ingest", "--index", str(idx)]
    if wait is not None:
        cmd += ["--wait", str(wait)]
    return cmd + [str(p) for p in paths]


def generation(idx: Path) -> int:
    """The manifest's generation number, 0 when there is none (or it is being replaced)."""
    try:
        return int(json.loads((idx / "manifest.json").read_text("utf-8"))["generation"].split("-")[1])
    except (OSError, ValueError, KeyError, IndexError):
        return 0


def _used_segments(idx: Path) -> set[str]:
    used: set[str] = set()
    for g in idx.glob("gen-*"):
        try:
            used |= set(json.loads((g / "segments.json").read_text("utf-8")))
        except (OSError, ValueError):
            pass
    return used


def leftovers(idx: Path) -> dict[str, int]:
    """What a killed writer left behind: temp generations or segments, generations newer than the
    manifest, segments no generation uses, temp files."""
    if not idx.is_dir():
        return {"tmp_gen": 0, "orphan_gen": 0, "orphan_seg": 0, "tmp_files": 0}
    cur = generation(idx)
    gens = [p for p in idx.glob("gen-*") if p.is_dir()]
    texts = idx / "texts"
    used = _used_segments(idx)
    return {
        "tmp_gen": sum(1 for _ in idx.glob(".gen-*.tmp")) + sum(1 for _ in idx.glob(".seg-*.tmp")),
        "orphan_gen": sum(1 for p in gens if int(p.name.split("-")[1]) > cur),
        "orphan_seg": sum(1 for p in idx.glob("seg-*") if p.name not in used),
        "tmp_files": sum(1 for _ in idx.glob(".manifest.*.tmp")) + (sum(1 for _ in texts.glob("*.tmp")) if texts.is_dir() else 0),
    }


def _texts(idx: Path) -> int:
    d = idx / "texts"
    return sum(1 for p in d.iterdir() if p.suffix == ".txt") if d.is_dir() else 0


def kill_during_ingest(
    idx: Path, folder: str, trigger: tuple[Any, ...], cwd: Path, env: dict[str, str], timeout: float = 120.0
) -> dict[str, Any]:
    """Run ``rag ingest`` and SIGKILL it when ``trigger`` fires. Triggers:

    ("after", s)          s seconds after the start (start-up, before the lock)
    ("commit", n)         when the n-th new ``.seg-*.tmp`` or ``.gen-*.tmp`` folder of this run appears
                          (mid-commit: writing a segment, or the generation that lists it)
    ("segment", n)        when the n-th new ``.seg-*.tmp`` folder of this run appears (writing a segment)
    ("manifest", n, s)    s seconds after the manifest has advanced n generations in this run
    ("text", n)           when n new texts are written (embedded, not yet committed)
    ("orphan", n)         when a generation folder newer than the manifest appears for the n-th time
                          (the window between renaming the new generation and switching the manifest)
    Returns what happened; ``killed`` is False when the ingest finished first.
    """
    gen0, texts0 = generation(idx), _texts(idx)
    seen_tmp: set[str] = set()
    fired_at: float | None = None
    t0 = time.monotonic()
    proc = subprocess.Popen(ingest_cmd(idx, folder), cwd=cwd, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    killed = False
    try:
        while proc.poll() is None:
            now = time.monotonic() - t0
            if now > timeout:
                raise TimeoutError(f"ingest did not reach trigger {trigger} in {timeout} s")
            kind = trigger[0]
            fire = False
            if kind == "after":
                fire = now >= trigger[1]
            elif kind in ("commit", "segment"):
                seen_tmp |= {p.name for p in idx.glob(".seg-*.tmp")}
                if kind == "commit":
                    seen_tmp |= {p.name for p in idx.glob(".gen-*.tmp")}
                fire = len(seen_tmp) >= trigger[1]
            elif kind == "manifest":
                if fired_at is None and generation(idx) - gen0 >= trigger[1]:
                    fired_at = now
                fire = fired_at is not None and now - fired_at >= trigger[2]
            elif kind == "text":
                fire = _texts(idx) - texts0 >= trigger[1]
            elif kind == "orphan":
                cur = generation(idx)
                seen_tmp |= {p.name for p in idx.glob("gen-*") if int(p.name.split("-")[1]) > cur}
                fire = len(seen_tmp) >= trigger[1]
            if fire:
                proc.send_signal(signal.SIGKILL)
                killed = True
                break
            time.sleep(0.002)
        _, stderr = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    if killed and proc.returncode != -signal.SIGKILL:
        killed = False  # it finished just before the signal
    return {
        "trigger": list(trigger),
        "killed": killed,
        "rc": proc.returncode,
        "stderr": stderr.decode(errors="replace")[-2000:],
        "seconds": round(time.monotonic() - t0, 2),
        "gen_before": gen0,
        "gen_after": generation(idx),
        "left": leftovers(idx),
    }


def default_triggers(n: int) -> list[tuple[Any, ...]]:
    """``n`` kill points cycling through the phases of an ingest."""
    cycle: list[tuple[Any, ...]] = [
        ("commit", 1), ("manifest", 1, 0.0), ("orphan", 1), ("text", 1), ("manifest", 1, 0.05),
        ("commit", 2), ("after", 0.4), ("orphan", 2), ("text", 2), ("manifest", 2, 0.02), ("after", 1.5),
    ]
    return [cycle[i % len(cycle)] for i in range(n)]


def run_kills(work: Path, n_files: int, kills: int, batch: int = 2) -> dict[str, Any]:
    """Make a corpus under ``work``, kill ``kills`` chained ingests, copy the index after each kill,
    check every copy in one child process, then run the ingest to the end. Returns the figures."""
    make_corpus(work / "docs", n_files)
    idx = work / "idx"
    env = child_env(RAG_COMMIT_EVERY_CHUNKS=str(batch))
    runs: list[dict[str, Any]] = []
    copies: list[str] = []
    for i, trig in enumerate(default_triggers(kills)):
        r = kill_during_ingest(idx, "docs", trig, work, env)
        runs.append(r)
        if not r["killed"]:
            break
        dest = work / f"kill-{i:03d}"
        if idx.exists():
            shutil.copytree(idx, dest, symlinks=True)
        else:
            dest.mkdir()
        copies.append(dest.name)
    check = subprocess.run(
        [sys.executable, "-m", "eval.crash_bench", "check", "--folder", "docs", "--batch", str(batch), *copies],
        cwd=work, env=child_env(), capture_output=True, text=True, timeout=600,
    )
    if check.returncode != 0:
        raise RuntimeError(f"check failed ({check.returncode}): {check.stderr[-3000:]}")
    results = [json.loads(line) for line in check.stdout.splitlines() if line.startswith("{")]
    final = subprocess.run(ingest_cmd(idx, "docs"), cwd=work, env=env, capture_output=True, text=True, timeout=600)
    return {"runs": runs, "checks": results, "final_rc": final.returncode, "final_stderr": final.stderr[-2000:],
            "final_generation": generation(idx)}


# -- child: check killed copies ----------------------------------------------------------------------
def check_index(idx: Path, folder: str, batch: int) -> dict[str, Any]:
    """Everything a killed ingest must leave true, then the next ingest must complete."""
    from rag.library import Library
    from rag.loaders import expand_paths, source_name

    problems: list[str] = []
    files, _ = expand_paths([folder])
    names = [source_name(f) for f in files]
    out: dict[str, Any] = {"index": idx.name, "left": leftovers(idx), "manifest": (idx / "manifest.json").exists()}
    try:
        lib = Library(idx)
        snap = lib.snapshot()
        if snap is not None:
            m = snap.manifest
            n_chunks = len(snap.chunks)
            out.update(generation=snap.generation, docs=len(snap.docs), chunks=n_chunks)
            if not (snap.index.ntotal == n_chunks == m["chunks"]):
                problems.append(f"faiss {snap.index.ntotal} vectors, {n_chunks} chunks, manifest {m['chunks']}")
            if len(snap.docs) != m["documents"] or sum(d["chunks"] for d in snap.docs.values()) != n_chunks:
                problems.append("docs.json disagrees with the chunks or the manifest")
            if [c.id for c in snap.chunks] != list(range(n_chunks)):
                problems.append("chunk ids are not 0..n-1")
            if sorted(snap.docs) != names[: len(snap.docs)]:
                problems.append(f"committed documents are not the first {len(snap.docs)} files")
            if len(snap.docs) % batch and len(snap.docs) != len(names):
                problems.append(f"{len(snap.docs)} documents is not a whole number of {batch}-file batches")
            for c in snap.chunks:
                if lib.store.read_text(snap.docs[c.source]["sha256"])[c.start : c.end] != c.text:
                    problems.append(f"chunk {c.id} text differs from its source text")
            hits = lib.search(QUERY, k=3)
            if n_chunks and (not hits or any(h.chunk.source not in snap.docs for h in hits)):
                problems.append(f"search answered {len(hits)} hits")
            out["hits"] = len(hits)
        rep = Library(idx).ingest([folder])
        after = Library(idx)
        docs = after.documents()
        out["next_ingest"] = {"added": len(rep.added), "unchanged": len(rep.unchanged), "failed": len(rep.failed)}
        if rep.failed or len(docs) != len(names) or not after.search(QUERY, k=3):
            problems.append(f"next ingest: {len(rep.failed)} failed, {len(docs)}/{len(names)} documents")
        left = leftovers(idx)
        gens = sum(1 for p in idx.glob("gen-*") if p.is_dir())
        if any(left.values()) or gens > 2 or _texts(idx) != len(names):
            problems.append(f"after the next ingest: leftovers {left}, {gens} generations, {_texts(idx)} texts")
    except Exception:
        problems.append(traceback.format_exc(limit=4))
    out["problems"] = problems
    return out


# -- child: the writer and the readers of the read-while-write test ----------------------------------
def writer(idx: Path, base: str, extra: list[str], log: Path, start_file: Path | None) -> None:
    """Ingest ``base``; wait for ``start_file``; then ingest each extra file and remove every second
    one again. Logs every committed state (generation and documents) as JSON lines."""
    from rag.library import Library

    lib = Library(idx)

    def record(op: str) -> None:
        g = lib.store.read_manifest()["generation"]
        with open(log, "a", encoding="utf-8") as f:
            f.write(json.dumps({"op": op, "generation": g, "docs": [d.source for d in lib.documents()]},
                               ensure_ascii=False) + "\n")

    lib.ingest([base])
    record("base")
    deadline = time.monotonic() + 120
    while start_file is not None and not start_file.exists():
        if time.monotonic() > deadline:
            raise TimeoutError("the readers never started")
        time.sleep(0.02)
    for i, f in enumerate(extra):
        rep = lib.ingest([f])
        assert rep.ok, rep.failed
        record(f"ingest {f}")
        if i % 2 == 1:
            lib.remove(rep.added[0])
            record(f"remove {f}")


def readers(idx: Path, folder: str, n_threads: int, ready: Path, stop: Path, out: Path) -> None:
    """Threads that search, ask and list documents until ``stop`` exists; every result is checked
    against its snapshot. Writes a JSON summary to ``out``."""
    from rag.library import Library
    from rag.loaders import expand_paths, load, source_name

    expected = {source_name(f): load(f, source_name(f)).text for f in expand_paths([folder])[0]}
    lock = threading.Lock()
    summary: dict[str, Any] = {"iterations": 0, "hits_checked": 0, "citations_checked": 0, "raced": 0,
                               "stale_text": 0, "errors": [], "states": {}, "backwards": 0, "loads": 0}
    questions = ["kiểm tra trạm bơm", "Ai đề nghị kiểm tra kho hàng?", "đê biển số 5", "chợ đầu mối"]

    def check_chunk(snap: Any, src: str, start: int, end: int, text: str, what: str) -> None:
        if expected[src][start:end] != text:
            raise AssertionError(f"{what} text of {src} [{start}:{end}] differs from the source text")
        if snap is None:
            return
        if src not in snap.docs:
            raise AssertionError(f"{what} from {src}, which {snap.generation} does not hold")
        try:
            if lib_text(snap, src)[start:end] != text:
                raise AssertionError(f"{what} differs from the stored text of {src}")
        except FileNotFoundError:
            with lock:
                summary["stale_text"] += 1  # the snapshot is 2+ generations old and its text was pruned

    def lib_text(snap: Any, src: str) -> str:
        return (idx / "texts" / f"{snap.docs[src]['sha256']}.txt").read_text(encoding="utf-8")

    def loop(n: int) -> None:
        lib = Library(idx)
        last_gen = ""
        i = 0
        while True:
            done = stop.exists()
            if not done and not lib.store.exists():
                time.sleep(0.02)  # the writer has not committed its first generation yet
                continue
            try:
                q = questions[(i + n) % len(questions)]
                # documents(): its count must be that of one committed state
                s1 = lib.snapshot()
                docs = [d.source for d in lib.documents()]
                s2 = lib.snapshot()
                if s1 is s2:
                    g = s1.generation if s1 else ""
                    with lock:
                        summary["states"].setdefault(g, set()).add(tuple(docs))
                    if g < last_gen:
                        with lock:
                            summary["backwards"] += 1
                    last_gen = g
                else:
                    with lock:
                        summary["raced"] += 1
                # a search bound to one snapshot
                r = lib.retriever()
                for h in r.search(q, k=3) if r else []:
                    check_chunk(r.snap, h.chunk.source, h.chunk.start, h.chunk.end, h.chunk.text, "hit")
                    with lock:
                        summary["hits_checked"] += 1
                # the public calls, checked against the snapshot when it did not change under them
                s1 = lib.snapshot()
                hits = lib.search(q, k=3)
                ans = lib.ask(q, k=3)
                s2 = lib.snapshot()
                snap = s1 if s1 is s2 else None
                for h in hits:
                    check_chunk(snap, h.chunk.source, h.chunk.start, h.chunk.end, h.chunk.text, "hit")
                for c in ans.citations:
                    check_chunk(snap, c.source, c.start, c.end, c.text, "citation")
                with lock:
                    summary["hits_checked"] += len(hits)
                    summary["citations_checked"] += len(ans.citations)
                    summary["iterations"] += 1
            except Exception:
                with lock:
                    summary["errors"].append(traceback.format_exc(limit=6))
            i += 1
            if n == 0 and i == 1:
                ready.touch()
            if done:
                break

    def load_loop() -> None:
        """Loads whole snapshots straight from the store, many times per commit."""
        from rag.store import IndexStore

        store = IndexStore(idx)
        while not stop.exists():
            try:
                if not store.exists():
                    time.sleep(0.02)
                    continue
                snap = store.load()
                if not (snap.index.ntotal == len(snap.chunks) == snap.manifest["chunks"] == sum(
                        d["chunks"] for d in snap.docs.values())):
                    raise AssertionError(f"{snap.generation}: vectors, chunks and documents disagree")
                with lock:
                    summary["states"].setdefault(snap.generation, set()).add(tuple(sorted(snap.docs)))
                    summary["loads"] += 1
            except Exception:
                with lock:
                    summary["errors"].append(traceback.format_exc(limit=6))
            time.sleep(0.003)

    threads = [threading.Thread(target=loop, args=(n,)) for n in range(n_threads)]
    threads.append(threading.Thread(target=load_loop))
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    summary["states"] = {g: sorted(list(s) for s in v) for g, v in summary["states"].items()}
    out.write_text(json.dumps(summary, ensure_ascii=False), encoding="utf-8")


# -- command line -------------------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m eval.crash_bench", description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd")
    p = sub.add_parser("check")
    p.add_argument("indexes", nargs="*")
    p.add_argument("--folder", required=True)
    p.add_argument("--batch", type=int, default=2)
    p = sub.add_parser("writer")
    p.add_argument("index")
    p.add_argument("base")
    p.add_argument("--extra", nargs="*", default=[])
    p.add_argument("--log", required=True)
    p.add_argument("--start-file")
    p = sub.add_parser("readers")
    p.add_argument("index")
    p.add_argument("folder")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--ready", required=True)
    p.add_argument("--stop", required=True)
    p.add_argument("--out", required=True)
    ap.add_argument("--kills", type=int, default=30)
    ap.add_argument("--files", type=int, default=90)
    ap.add_argument("--batch", type=int, default=2)
    args = ap.parse_args(argv)
    if args.cmd == "check":
        for name in args.indexes:
            print(json.dumps(check_index(Path(name), args.folder, args.batch), ensure_ascii=False), flush=True)
        return 0
    if args.cmd == "writer":
        writer(Path(args.index), args.base, args.extra, Path(args.log), Path(args.start_file) if args.start_file else None)
        return 0
    if args.cmd == "readers":
        readers(Path(args.index), args.folder, args.threads, Path(args.ready), Path(args.stop), Path(args.out))
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        t = time.monotonic()
        res = run_kills(Path(tmp), args.files, args.kills, args.batch)
    killed = [r for r in res["runs"] if r["killed"]]
    bad = [c for c in res["checks"] if c["problems"]]
    for r, c in zip(killed, res["checks"]):
        print(f"{str(r['trigger']):24} {r['seconds']:6.2f}s gen {r['gen_before']:>3}->{r['gen_after']:<3} "
              f"left {r['left']}  docs {c.get('docs', '-')}  {'OK' if not c['problems'] else c['problems']}")
    print(f"kill points survived: {len(killed) - len(bad)}/{len(killed)}; final ingest rc {res['final_rc']}, "
          f"generation {res['final_generation']}; {time.monotonic() - t:.0f} s")
    return 0 if not bad and res["final_rc"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
