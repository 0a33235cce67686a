"""Choosing the answerer from options: CLI flags, then RAG_LLM_* variables, then the config file.

Returns an ``LLMAnswerer`` (OpenAI-compatible endpoint, or an in-process GGUF model) backed by
the library's extractive answerer as its fallback, or None when no LLM is configured.
Left out: talking to the server (``rag.llm.client``) and the answer policy (``rag.llm.answer``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from rag.llm.answer import LLMAnswerer
from rag.llm.client import LLMConfig, OpenAIChatClient
from rag.types import Answer, Hit

if TYPE_CHECKING:
    from rag.library import Library


class _CurrentExtractive:
    """The extractive answerer of the library's current snapshot (documents change while serving)."""

    def __init__(self, lib: Library) -> None:
        self.lib = lib

    def answer(self, question: str, hits: Sequence[Hit]) -> Answer:
        return self.lib.extractive().answer(question, hits)


def answerer_from_options(
    lib: Library,
    url: str | None = None,
    model: str | None = None,
    gguf: str | None = None,
    timeout: float | None = None,
) -> LLMAnswerer | None:
    if gguf:
        from rag.llm.gguf import GGUFChatLLM

        return LLMAnswerer(GGUFChatLLM(gguf), lib.embedder, _CurrentExtractive(lib), fallback_if_unsupported=True)
    config = LLMConfig.from_env()
    if url:
        config = (config or LLMConfig(url=url)).with_overrides(url=url)
    if config is None:
        return None
    config = config.with_overrides(model=model, timeout_s=timeout)
    return LLMAnswerer(OpenAIChatClient(config), lib.embedder, _CurrentExtractive(lib), fallback_if_unsupported=True)
