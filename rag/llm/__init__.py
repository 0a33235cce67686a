"""Answers and summaries written by a chat model, and everything that keeps them grounded.

Modules: ``client`` (the ``ChatLLM`` protocol, ``LLMConfig``, the OpenAI-compatible HTTP client),
``gguf`` (a local GGUF model in-process, the only importer of ``llama_cpp``), ``prompt`` (the
grounded prompt over numbered passages), ``citecheck`` (each sentence checked against what it
cites), ``answer`` (``LLMAnswerer`` and ``llm_summarize``) and ``setup`` (the answerer chosen from
flags, environment and config file). The client's names are importable from here.
Left out: retrieval and the extractive answers the LLM falls back to (``rag``), and the facts a
summary is written from (``rag.facts``).
"""

from rag.llm.client import DEFAULT_CONFIG_PATH, ChatLLM, LLMConfig, Message, OpenAIChatClient, chat_completions_url

__all__ = ["DEFAULT_CONFIG_PATH", "ChatLLM", "LLMConfig", "Message", "OpenAIChatClient", "chat_completions_url"]
