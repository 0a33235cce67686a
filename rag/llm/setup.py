"""Choosing the answerer from options: CLI flags, then RAG_LLM_* variables, then the config file.

Covers: ``build_answerer`` (what every shell calls: ``rag ask``, ``chat``, ``summarize``, ``serve``)
and ``answerer_from_options``: an ``LLMAnswerer`` (OpenAI-compatible endpoint, or an in-process GGUF
model) backed by the library's current extractive answerer as its fallback, or None when no LLM is
configured or ``--extractive`` asks for none.
Left out: talking to the server (``rag.llm.client``), the answer policy (``rag.llm.answer``) and
the flags themselves (``rag.cli``).
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Protocol

from rag.embedders import Embedder
from rag.llm.answer import FallbackAnswerer, LLMAnswerer
from rag.llm.client import LLMConfig, OpenAIChatClient
from rag.types import Answer, Hit


class AnswerParts(Protocol):
    """What an LLM answerer needs of the library (``rag.library.Library`` is one): the embedder its
    citation check uses, and the extractive answerer of the current generation to fall back on."""

    @property
    def embedder(self) -> Embedder: ...

    def extractive(self) -> FallbackAnswerer: ...


class _CurrentExtractive:
    """The extractive answerer of the library's current generation (documents change while serving)."""

    def __init__(self, lib: AnswerParts) -> None:
        self.lib = lib

    def answer(self, question: str, hits: Sequence[Hit]) -> Answer:
        return self.lib.extractive().answer(question, hits)


def build_answerer(args: argparse.Namespace, lib: AnswerParts) -> LLMAnswerer | None:
    """The LLM answerer a command's options ask for (``--llm-url``, ``--llm-model``, ``--llm-gguf``,
    ``--llm-timeout``, else the environment and config file), or None: none configured, or ``--extractive``."""
    if getattr(args, "extractive", False):
        return None
    return answerer_from_options(
        lib,
        url=getattr(args, "llm_url", None),
        model=getattr(args, "llm_model", None),
        gguf=getattr(args, "llm_gguf", None),
        timeout=getattr(args, "llm_timeout", None),
    )


def answerer_from_options(
    lib: AnswerParts,
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
