"""Load test for the chat app's API: N concurrent clients asking questions for T seconds.

Starts ``rag serve --index TMP --ingest samples --port P --no-browser`` in a child process on a
free loopback port (extractive answerer, no LLM), then runs ``--clients`` threads, each with its
own ``gradio_client.Client``, calling ``Client.submit(question, api_name="/ask")`` in a loop with
questions drawn from a list of Vietnamese questions about the sample reports. The run is bounded
in time (``--seconds``, no new request after it) and in count (``--max-requests`` in all), and each
request has a timeout. Every reply is checked: a dict with an answer, and for questions the
samples answer, at least one citation. Prints requests, errors, p50/p95/max latency, throughput
and the CPU time of the load generator and of the server; exits 1 when there was any error.

``gradio_client`` costs the load generator ~90 ms of CPU per request (the server ~50 ms), so on a
small machine its figures measure the clients; ``--raw`` uses Gradio's plain HTTP API instead
(~5 ms per request) and measures the server.

    python -m eval.load_test                          # 50 clients for 60 s
    python -m eval.load_test --raw                    # the same with plain HTTP clients
    python -m eval.load_test --clients 10 --seconds 10
    python -m eval.load_test --url http://127.0.0.1:7860/ --auth user:pass   # an already running app

``tests/test_security.py`` runs a short version (10 clients for 10 s) with ``run_load``.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"
# (question, whether the sample reports answer it: then the reply must carry citations)
QUESTIONS: list[tuple[str, bool]] = [
    ("Trong quý III toàn tỉnh đã cấp bao nhiêu giấy phép xây dựng?", True),
    ("Tỷ lệ hồ sơ giải quyết đúng hạn của Sở Xây dựng đạt bao nhiêu?", True),
    ("Ai chủ trì hội nghị giao ban Sở Xây dựng quý III năm 2024?", True),
    ("Thanh tra Sở Xây dựng đã kiểm tra bao nhiêu công trình?", True),
    ("Bão số 4 có khả năng đổ bộ vào khu vực nào?", True),
    ("Toàn tỉnh hiện có bao nhiêu tàu cá?", True),
    ("Lực lượng vũ trang đã sẵn sàng bao nhiêu cán bộ, chiến sĩ để hỗ trợ sơ tán dân?", True),
    ("Sở Tài chính đề xuất trích bao nhiêu tiền cho công tác ứng phó bão?", True),
    ("Tỷ lệ hồ sơ thủ tục hành chính được xử lý trực tuyến toàn trình đạt bao nhiêu?", True),
    ("Toàn tỉnh đã thành lập bao nhiêu tổ công nghệ số cộng đồng?", True),
    ("Tội phạm về trật tự xã hội năm 2023 giảm bao nhiêu phần trăm?", True),
    ("Tình trạng lừa đảo qua mạng gây thiệt hại bao nhiêu?", True),
    ("Ông Lê Văn Hùng cam kết huy động bao nhiêu cán bộ, chiến sĩ?", True),
    ("Bà Vũ Thị Mai báo cáo gì về thị trường bất động sản?", True),
    ("Giá vé máy bay đi Đà Nẵng tháng tới là bao nhiêu?", False),
]
REQUEST_TIMEOUT_S = 60.0
SERVER_PIDS: dict[str, int] = {}  # url -> pid of the rag serve started by ``serve``


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def serve(workdir: Path, auth: str | None = None, extra: list[str] | None = None,
          start_timeout_s: float = 180.0) -> Iterator[str]:
    """``rag serve`` with the samples ingested, in a child process; yields its URL, stops it after."""
    port = free_port()
    cmd = [sys.executable, "-m", "rag.cli", "serve", "--index", str(workdir / "index"), "--ingest", str(SAMPLES),
           "--port", str(port), "--no-browser", *(["--auth", auth] if auth else []), *(extra or [])]
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "RAG_LLM_URL": "", "RAG_LLM_MODEL": "",
           "GRADIO_ANALYTICS_ENABLED": "False",
           "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    log_path = workdir / "serve.log"
    with open(log_path, "w+", encoding="utf-8") as log:
        proc = subprocess.Popen(cmd, cwd=workdir, stdout=log, stderr=subprocess.STDOUT, env=env)
        url = f"http://127.0.0.1:{port}/"
        deadline = time.monotonic() + start_timeout_s
        try:
            while True:
                try:
                    urllib.request.urlopen(url, timeout=2).close()
                    break
                except OSError:
                    if proc.poll() is not None or time.monotonic() > deadline:
                        log.seek(0)
                        raise RuntimeError(f"rag serve did not start:\n{log.read()}") from None
                    time.sleep(0.3)
            SERVER_PIDS[url] = proc.pid
            yield url
        finally:
            SERVER_PIDS.pop(url, None)
            proc.terminate()
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


@dataclass
class LoadResult:
    clients: int
    seconds: float  # wall time from the first request to the last reply
    latencies: list[float] = field(default_factory=list)  # seconds, successful requests
    errors: list[str] = field(default_factory=list)

    @property
    def requests(self) -> int:
        return len(self.latencies) + len(self.errors)

    def pct(self, p: float) -> float:
        if not self.latencies:
            return float("nan")
        xs = sorted(self.latencies)
        return xs[min(len(xs) - 1, max(0, round(p / 100 * len(xs)) - 1))]

    def summary(self) -> str:
        lat = self.latencies or [float("nan")]
        lines = [
            f"clients: {self.clients}, duration: {self.seconds:.1f} s",
            f"requests: {self.requests}, ok: {len(self.latencies)}, errors: {len(self.errors)}",
            f"latency ms: p50 {self.pct(50) * 1000:.0f}, p95 {self.pct(95) * 1000:.0f}, "
            f"max {max(lat) * 1000:.0f}, mean {statistics.fmean(lat) * 1000:.0f}",
            f"throughput: {len(self.latencies) / self.seconds if self.seconds else 0:.1f} req/s",
        ]
        for e in sorted(set(self.errors))[:5]:
            lines.append(f"  error ({self.errors.count(e)}×): {e}")
        return "\n".join(lines)


def check_reply(got: object, answerable: bool) -> str | None:
    """None if ``got`` is a proper /ask reply, else what is wrong with it."""
    if not isinstance(got, dict) or not isinstance(got.get("answer"), str) or not got["answer"].strip():
        return f"bad reply: {str(got)[:120]}"
    if answerable and not (got.get("found") and got.get("citations")):
        return f"no citation for an answerable question: {got['answer'][:80]}"
    return None


class RawClient:
    """The same call over Gradio's plain HTTP API (``POST /gradio_api/call/ask``, then its event stream).

    Lighter on the load generator than ``gradio_client`` (about a tenth of the CPU per request), so
    on a small machine the figures measure the server rather than the clients.
    """

    def __init__(self, url: str, auth: tuple[str, str] | None = None, timeout_s: float = REQUEST_TIMEOUT_S) -> None:
        import httpx

        self.base = url.rstrip("/") + "/gradio_api"
        self.http = httpx.Client(timeout=timeout_s)
        if auth:
            r = self.http.post(url.rstrip("/") + "/login", data={"username": auth[0], "password": auth[1]})
            r.raise_for_status()
        self.http.get(url).raise_for_status()

    def ask(self, question: str) -> object:
        import json

        r = self.http.post(f"{self.base}/call/ask", json={"data": [question, 5]})
        r.raise_for_status()
        event_id = r.json()["event_id"]
        event = None
        with self.http.stream("GET", f"{self.base}/call/ask/{event_id}") as s:
            s.raise_for_status()
            for line in s.iter_lines():
                if line.startswith("event:"):
                    event = line[6:].strip()
                elif line.startswith("data:") and event in ("complete", "error"):
                    data = json.loads(line[5:])
                    if event == "error":
                        raise RuntimeError(f"server error: {data}")
                    return data[0]
        raise RuntimeError(f"event stream ended without a result (last event: {event})")

    def close(self) -> None:
        self.http.close()


class GradioClient:
    """``gradio_client.Client(url).submit(question, api_name="/ask")`` with a timeout."""

    def __init__(self, url: str, auth: tuple[str, str] | None = None, timeout_s: float = REQUEST_TIMEOUT_S) -> None:
        from gradio_client import Client

        self.client = Client(url, auth=auth, verbose=False, analytics_enabled=False, download_files=False)
        self.timeout_s = timeout_s

    def ask(self, question: str) -> object:
        return self.client.submit(question, api_name="/ask").result(timeout=self.timeout_s)

    def close(self) -> None:
        self.client.close()


def run_load(url: str, clients: int = 50, seconds: float = 60.0, max_requests: int = 100_000,
             auth: tuple[str, str] | None = None, timeout_s: float = REQUEST_TIMEOUT_S, seed: int = 0,
             raw: bool = False) -> LoadResult:
    """``clients`` threads, each with its own client, asking until ``seconds`` are over.

    Clients are ``gradio_client.Client`` objects, or with ``raw`` plain HTTP (``RawClient``).
    """
    make = RawClient if raw else GradioClient
    lock = threading.Lock()
    res = LoadResult(clients, 0.0)
    sent = [0]
    start = [0.0]
    stop_at = [0.0]

    def go() -> None:  # run by the last thread at the barrier, before any is released
        start[0] = time.monotonic()
        stop_at[0] = start[0] + seconds

    ready = threading.Barrier(clients + 1, action=go)

    def take() -> bool:
        with lock:
            if sent[0] >= max_requests or time.monotonic() >= stop_at[0]:
                return False
            sent[0] += 1
            return True

    def worker(i: int) -> None:
        rnd = random.Random(seed * 1000 + i)
        try:
            client = make(url, auth, timeout_s)
        except Exception as e:  # noqa: BLE001 - every failure is an error of the run
            with lock:
                res.errors.append(f"connect: {type(e).__name__}: {e}"[:200])
            ready.wait()
            return
        ready.wait()
        while take():
            q, answerable = rnd.choice(QUESTIONS)
            t0 = time.perf_counter()
            try:
                got = client.ask(q)
                problem = check_reply(got, answerable)
            except Exception as e:  # noqa: BLE001
                problem = f"{type(e).__name__}: {e}"[:200]
            dt = time.perf_counter() - t0
            with lock:
                if problem:
                    res.errors.append(problem)
                else:
                    res.latencies.append(dt)
        with contextlib.suppress(Exception):
            client.close()

    threads = [threading.Thread(target=worker, args=(i,), daemon=True, name=f"load-{i}") for i in range(clients)]
    for t in threads:
        t.start()
    ready.wait()  # every client connected: the clock starts now
    for t in threads:
        t.join(max(0.0, start[0] + seconds + timeout_s + 30 - time.monotonic()))
    res.seconds = time.monotonic() - start[0]
    hung = sum(t.is_alive() for t in threads)
    if hung:
        res.errors.extend([f"client thread still running {seconds + timeout_s + 30:.0f} s after the start"] * hung)
    return res


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of a process so far (Linux), or None."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--max-requests", type=int, default=100_000, help="stop after this many requests in all")
    ap.add_argument("--timeout", type=float, default=REQUEST_TIMEOUT_S, help="per-request timeout, seconds")
    ap.add_argument("--url", help="an already running app (default: start rag serve with the samples)")
    ap.add_argument("--auth", help="USER:PASS of the app at --url")
    ap.add_argument("--raw", action="store_true", help="plain HTTP API instead of gradio_client (lighter clients)")
    args = ap.parse_args(argv)
    auth = tuple(args.auth.split(":", 1)) if args.auth else None
    with contextlib.ExitStack() as stack:
        if args.url:
            url = args.url
        else:
            work = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="rag-load-")))
            t = time.monotonic()
            url = stack.enter_context(serve(work))
            print(f"rag serve ready at {url} in {time.monotonic() - t:.1f} s")
        print(f"{args.clients} {'raw HTTP' if args.raw else 'gradio_client'} clients, {args.seconds:.0f} s, "
              f"up to {args.max_requests} requests …", flush=True)
        pid = SERVER_PIDS.get(url)
        server0, client0 = cpu_seconds(pid) if pid else None, time.process_time()
        res = run_load(url, args.clients, args.seconds, args.max_requests, auth, args.timeout,  # type: ignore[arg-type]
                       raw=args.raw)
        client_cpu = time.process_time() - client0
        server_cpu = (cpu_seconds(pid) or 0.0) - server0 if pid and server0 is not None else None
    print(res.summary())
    n = max(1, res.requests)
    cpu = f"CPU: load generator {client_cpu:.1f} s ({client_cpu / n * 1000:.0f} ms/request)"
    if server_cpu is not None:
        cpu += f", server {server_cpu:.1f} s ({server_cpu / n * 1000:.0f} ms/request)"
    print(cpu + f"; {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
    return 0 if not res.errors and res.latencies else 1


if __name__ == "__main__":
    sys.exit(main())
