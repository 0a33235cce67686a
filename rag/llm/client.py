"""Client for OpenAI-compatible chat endpoints (Ollama, llama.cpp server, vLLM, ...) over httpx.

Covers: the ``ChatLLM`` protocol every answerer talks to, ``LLMConfig`` (config file + environment),
and ``OpenAIChatClient`` with streaming (SSE) and non-streaming completion. Every request has an
overall deadline: a server that accepts the connection and then stalls raises ``LLMError`` within
``timeout_s`` instead of hanging, and every transport or HTTP failure becomes an ``LLMError`` with a
Vietnamese explanation followed by the technical detail.
Left out: prompt building (``rag.llm.prompt``), in-process models (``rag.llm.gguf``), retries (a chat
turn that fails falls back to the extractive answerer instead of waiting longer).
"""

from __future__ import annotations

import json
import os
import threading
import time
import tomllib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Protocol, Self, runtime_checkable
from urllib.parse import urlsplit

import httpx

from rag.errors import LLMError

Message = Mapping[str, str]  # {"role": "system"|"user"|"assistant", "content": "..."}

DEFAULT_CONFIG_PATH = Path("~/.config/rag/config.toml")


@runtime_checkable
class ChatLLM(Protocol):
    """What the answerers need from a chat model; implementations raise ``LLMError`` on failure."""

    @property
    def name(self) -> str: ...

    def stream(self, messages: Sequence[Message]) -> Iterator[str]: ...

    def complete(self, messages: Sequence[Message]) -> str: ...


@dataclass(frozen=True)
class LLMConfig:
    url: str  # base URL ("http://127.0.0.1:11434/v1") or the full ".../chat/completions" URL
    model: str = ""  # empty: the first model the server lists under /models
    api_key: str | None = None
    timeout_s: float = 120.0  # overall deadline of one request, first byte to last token
    connect_timeout_s: float = 5.0
    max_tokens: int = 512
    temperature: float = 0.1
    context_tokens: int = 4096  # the server's context window; the prompt is trimmed to fit

    # (file key, env var, converter) for every field that can be configured.
    _FIELDS = (
        ("url", "RAG_LLM_URL", str),
        ("model", "RAG_LLM_MODEL", str),
        ("timeout_s", "RAG_LLM_TIMEOUT", float),
        ("connect_timeout_s", "RAG_LLM_CONNECT_TIMEOUT", float),
        ("max_tokens", "RAG_LLM_MAX_TOKENS", int),
        ("temperature", "RAG_LLM_TEMPERATURE", float),
        ("context_tokens", "RAG_LLM_CONTEXT_TOKENS", int),
    )

    @classmethod
    def from_env(
        cls, env: Mapping[str, str] | None = None, path: str | Path | None = None
    ) -> LLMConfig | None:
        """The configured endpoint, or None when no URL is configured (use the extractive answerer).

        Sources, later wins: the ``[llm]`` table of ``path`` (default: ``$RAG_CONFIG`` or
        ``~/.config/rag/config.toml``), then ``RAG_LLM_*`` variables. The API key comes from
        ``api_key`` in the file, ``OPENAI_API_KEY`` or ``RAG_LLM_API_KEY`` (most specific wins).
        """
        env = os.environ if env is None else env
        values: dict[str, Any] = {}
        cfg_path = Path(path or env.get("RAG_CONFIG") or DEFAULT_CONFIG_PATH).expanduser()
        explicit = path is not None or bool(env.get("RAG_CONFIG"))
        if cfg_path.is_file():
            try:
                table = tomllib.loads(cfg_path.read_text(encoding="utf-8")).get("llm", {})
            except (tomllib.TOMLDecodeError, OSError, UnicodeDecodeError) as e:
                raise LLMError(f"Tệp cấu hình {cfg_path} không đọc được ({e}).") from e
            for key, _var, conv in cls._FIELDS:
                if key in table:
                    values[key] = _convert(conv, table[key], f"{cfg_path} [llm].{key}")
            if "api_key" in table:
                values["api_key"] = str(table["api_key"])
        elif explicit:
            raise LLMError(f"Không tìm thấy tệp cấu hình {cfg_path} (RAG_CONFIG).")
        for key, var, conv in cls._FIELDS:
            if env.get(var, "").strip():
                values[key] = _convert(conv, env[var].strip(), var)
        for var in ("OPENAI_API_KEY", "RAG_LLM_API_KEY"):
            if env.get(var, "").strip():
                values["api_key"] = env[var].strip()
        if not values.get("url"):
            return None
        return cls(**values)

    def with_overrides(self, **changes: Any) -> LLMConfig:
        """A copy with the non-None ``changes`` applied (CLI flags override env and file)."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})


def _convert(conv: type, value: Any, where: str) -> Any:
    try:
        return conv(value)
    except (TypeError, ValueError) as e:
        raise LLMError(f"Giá trị cấu hình không hợp lệ ở {where}: {value!r}") from e


def chat_completions_url(url: str) -> str:
    """Accept a server root, a ``/v1`` base or the full endpoint and return the endpoint URL."""
    url = url.strip().rstrip("/")
    if url.endswith("/chat/completions"):
        return url
    if urlsplit(url).path in ("", "/"):
        url += "/v1"  # Ollama, llama.cpp and vLLM all serve the OpenAI API under /v1
    return url + "/chat/completions"


class _Deadline:
    """Closes the response's socket when the overall deadline passes.

    httpx timeouts apply per read, so a server that trickles one byte at a time would never time
    out; shutting the socket down from a timer thread wakes the blocked read in the main thread.
    """

    def __init__(self, seconds: float) -> None:
        self.end = time.monotonic() + seconds
        self.expired = False
        self._timer: threading.Timer | None = None

    def remaining(self) -> float:
        return max(0.001, self.end - time.monotonic())

    def arm(self, response: httpx.Response) -> None:
        stream = response.extensions.get("network_stream")
        sock = stream.get_extra_info("socket") if stream is not None else None
        if sock is None:
            return

        def fire() -> None:
            self.expired = True
            try:
                sock.shutdown(2)  # SHUT_RDWR
            except OSError:
                pass

        self._timer = threading.Timer(self.remaining(), fire)
        self._timer.daemon = True
        self._timer.start()

    def cancel(self) -> None:
        if self._timer is not None:
            self._timer.cancel()


class OpenAIChatClient:
    """``ChatLLM`` over an OpenAI-compatible ``/chat/completions`` endpoint."""

    def __init__(self, config: LLMConfig, transport: httpx.BaseTransport | None = None) -> None:
        self.config = config
        self.endpoint = chat_completions_url(config.url)
        headers = {"Accept": "text/event-stream, application/json"}
        if config.api_key:
            headers["Authorization"] = f"Bearer {config.api_key}"
        self._client = httpx.Client(headers=headers, transport=transport, trust_env=False)
        self._model = config.model

    @property
    def name(self) -> str:
        return self._model or "default"

    @property
    def model(self) -> str:
        if not self._model:
            self._model = self._first_model()
        return self._model

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def models(self) -> list[str]:
        """Model ids the server lists under ``/models``."""
        url = self.endpoint.removesuffix("/chat/completions") + "/models"
        data = self._request_json("GET", url, None)
        return [str(m.get("id")) for m in data.get("data", []) if isinstance(m, dict) and m.get("id")]

    def _first_model(self) -> str:
        try:
            ids = self.models()
        except LLMError:
            ids = []
        # llama.cpp ignores the model field; Ollama and vLLM need a real id and list it first.
        return ids[0] if ids else "default"

    def _body(self, messages: Sequence[Message], stream: bool) -> dict[str, Any]:
        return {
            "model": self.model,
            "messages": [{"role": m["role"], "content": m["content"]} for m in messages],
            "stream": stream,
            "max_tokens": self.config.max_tokens,
            "temperature": self.config.temperature,
        }

    def _timeout(self, deadline: _Deadline) -> httpx.Timeout:
        return httpx.Timeout(
            deadline.remaining(), connect=min(self.config.connect_timeout_s, deadline.remaining())
        )

    def complete(self, messages: Sequence[Message]) -> str:
        data = self._request_json("POST", self.endpoint, self._body(messages, stream=False))
        return _message_text(data, self.endpoint)

    def stream(self, messages: Sequence[Message]) -> Iterator[str]:
        body = self._body(messages, stream=True)
        deadline = _Deadline(self.config.timeout_s)
        try:
            with self._client.stream(
                "POST", self.endpoint, json=body, timeout=self._timeout(deadline)
            ) as resp:
                deadline.arm(resp)
                if resp.status_code >= 400:
                    resp.read()
                    raise _http_error(resp, self.endpoint)
                if "text/event-stream" not in resp.headers.get("content-type", ""):
                    # A server that ignores "stream": answer with the whole completion at once.
                    resp.read()
                    text = _message_text(_json(resp, self.endpoint), self.endpoint)
                    if text:
                        yield text
                    return
                for line in resp.iter_lines():
                    if deadline.expired:
                        raise _timeout_error(self.endpoint, self.config.timeout_s)
                    piece = _sse_piece(line, self.endpoint)
                    if piece is None:
                        return
                    if piece:
                        yield piece
        except httpx.HTTPError as e:
            if deadline.expired or isinstance(e, httpx.TimeoutException):
                raise _timeout_error(self.endpoint, self.config.timeout_s) from e
            raise _transport_error(e, self.endpoint) from e
        finally:
            deadline.cancel()
        if deadline.expired:
            raise _timeout_error(self.endpoint, self.config.timeout_s)

    def _request_json(self, method: str, url: str, body: dict[str, Any] | None) -> dict[str, Any]:
        deadline = _Deadline(self.config.timeout_s)
        try:
            with self._client.stream(method, url, json=body, timeout=self._timeout(deadline)) as resp:
                deadline.arm(resp)
                resp.read()
        except httpx.HTTPError as e:
            if deadline.expired or isinstance(e, httpx.TimeoutException):
                raise _timeout_error(url, self.config.timeout_s) from e
            raise _transport_error(e, url) from e
        finally:
            deadline.cancel()
        if resp.status_code >= 400:
            raise _http_error(resp, url)
        return _json(resp, url)


def _sse_piece(line: str, url: str) -> str | None:
    """The content delta of one SSE line: '' for lines without text, None at ``[DONE]``."""
    if not line.startswith("data:"):
        return ""  # blank separators, ": keep-alive" comments, "event:" lines
    payload = line[5:].strip()
    if payload == "[DONE]":
        return None
    if not payload:
        return ""
    try:
        data = json.loads(payload)
    except json.JSONDecodeError as e:
        raise LLMError(f"Máy chủ LLM gửi dữ liệu không đọc được ({url}): {payload[:200]!r}") from e
    if isinstance(data, dict) and data.get("error"):
        raise LLMError(f"Máy chủ LLM báo lỗi giữa chừng ({url}): {str(data['error'])[:300]}")
    try:
        delta = data["choices"][0].get("delta") or {}
    except (KeyError, IndexError, TypeError, AttributeError):
        return ""
    return delta.get("content") or ""


def _json(resp: httpx.Response, url: str) -> dict[str, Any]:
    try:
        data = resp.json()
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise LLMError(
            f"Máy chủ LLM trả về dữ liệu không phải JSON ({url}): {resp.text[:200]!r}"
        ) from e
    if not isinstance(data, dict):
        raise LLMError(f"Máy chủ LLM trả về JSON không đúng dạng ({url}): {str(data)[:200]}")
    return data


def _message_text(data: Mapping[str, Any], url: str) -> str:
    try:
        content = data["choices"][0]["message"]["content"]
    except (KeyError, IndexError, TypeError) as e:
        raise LLMError(f"Phản hồi của máy chủ LLM thiếu nội dung ({url}): {str(data)[:200]}") from e
    return content or ""


def _timeout_error(url: str, seconds: float) -> LLMError:
    return LLMError(
        f"Máy chủ LLM không trả lời kịp trong {seconds:g} giây (timeout; {url})."
    )


def _transport_error(e: httpx.HTTPError, url: str) -> LLMError:
    if isinstance(e, httpx.ConnectError):
        return LLMError(
            f"Không kết nối được tới máy chủ LLM tại {url} — máy chủ chưa chạy hoặc sai địa chỉ "
            f"(RAG_LLM_URL). Chi tiết: {type(e).__name__}: {e}"
        )
    return LLMError(f"Lỗi kết nối với máy chủ LLM tại {url}. Chi tiết: {type(e).__name__}: {e}")


def _http_error(resp: httpx.Response, url: str) -> LLMError:
    body = " ".join(resp.text.split())[:300]
    hint = " (sai khoá API?)" if resp.status_code in (401, 403) else ""
    hint = " (sai tên mô hình hoặc địa chỉ?)" if resp.status_code == 404 else hint
    return LLMError(f"Máy chủ LLM trả lỗi HTTP {resp.status_code}{hint} tại {url}: {body}")
