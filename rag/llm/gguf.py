"""In-process GGUF chat model through llama-cpp-python (``--llm-gguf PATH``, optional extra ``llm``).

Covers: ``GGUFChatLLM``, a ``ChatLLM`` that loads a local GGUF file and streams chat completions
without any server. This is the only module that imports ``llama_cpp``; it is imported lazily so
the library works without the extra. The chat template comes from the GGUF metadata when present;
``chat_format`` overrides it (e.g. "gemma" for files that ship without a template).
Left out: downloading models, GPU offload tuning beyond ``n_gpu_layers``, and a wall-clock
deadline (an in-process model cannot hang on the network; ``max_tokens`` bounds the work).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from rag.errors import LLMError
from rag.llm.client import Message


class GGUFChatLLM:
    """``ChatLLM`` backed by a GGUF file loaded in this process."""

    def __init__(
        self,
        path: str | Path,
        *,
        n_ctx: int = 4096,
        max_tokens: int = 512,
        temperature: float = 0.1,
        n_threads: int | None = None,
        n_gpu_layers: int = 0,
        chat_format: str | None = None,
    ) -> None:
        self.path = Path(path).expanduser()
        if not self.path.is_file():
            raise LLMError(f"Không tìm thấy tệp mô hình GGUF: {self.path}")
        try:
            from llama_cpp import Llama
        except ImportError as e:
            raise LLMError(
                "Chưa cài llama-cpp-python (cần cho --llm-gguf): pip install 'rag-meetings[llm]'. "
                f"Chi tiết: {e}"
            ) from e
        self.name = f"gguf:{self.path.stem}"
        self.context_tokens = n_ctx
        self.max_tokens = max_tokens
        self.temperature = temperature
        try:
            self._llm = Llama(
                model_path=str(self.path),
                n_ctx=n_ctx,
                n_threads=n_threads or max(1, os.cpu_count() or 1),
                n_gpu_layers=n_gpu_layers,
                chat_format=chat_format,
                verbose=False,  # the library never prints; llama.cpp logs to stderr otherwise
            )
        except (ValueError, RuntimeError, OSError) as e:
            raise LLMError(f"Không nạp được mô hình GGUF {self.path}: {e}") from e
        # One Llama object holds one KV cache: concurrent calls (e.g. two UI sessions) must queue.
        self._lock = threading.Lock()

    def _create(self, messages: Sequence[Message], stream: bool) -> Any:
        # Our Message is llama_cpp's request-message shape; its TypedDict union cannot be narrowed from a str role.
        chat: list[Any] = [{"role": m["role"], "content": m["content"]} for m in messages]
        return self._llm.create_chat_completion(
            messages=chat,
            max_tokens=self.max_tokens,
            temperature=self.temperature,
            stream=stream,
        )

    def stream(self, messages: Sequence[Message]) -> Iterator[str]:
        with self._lock:
            try:
                for chunk in self._create(messages, stream=True):
                    piece = (chunk["choices"][0].get("delta") or {}).get("content")
                    if piece:
                        yield piece
            except (ValueError, RuntimeError) as e:  # e.g. prompt longer than the context
                raise LLMError(f"Mô hình GGUF lỗi khi sinh câu trả lời: {e}") from e

    def complete(self, messages: Sequence[Message]) -> str:
        with self._lock:
            try:
                out = self._create(messages, stream=False)
            except (ValueError, RuntimeError) as e:
                raise LLMError(f"Mô hình GGUF lỗi khi sinh câu trả lời: {e}") from e
        return out["choices"][0]["message"].get("content") or ""
