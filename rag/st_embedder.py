"""sentence-transformers backend for any other embedding model (name on disk or local path).

The only module importing sentence_transformers/torch (installed with the ``st`` extra). Query
and passage prefixes are chosen from the model family: e5 models want "query: "/"passage: ",
bge-m3 and MiniLM-style models want none; a model's own prompts (``prompts`` in its config) win.
Left out: downloads when the workplace is offline (HF_HUB_OFFLINE=1 makes a missing model a clear
error instead of a hang).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from rag.errors import EmbedderError


def prefixes_for(name: str) -> tuple[str, str]:
    n = name.lower()
    if "e5" in n:
        return "query: ", "passage: "
    if "bge" in n and "m3" not in n and ("zh" in n or "en" in n):
        return "Represent this sentence for searching relevant passages: ", ""
    return "", ""


class SentenceTransformerEmbedder:
    batch_size = 32

    def __init__(self, name: str) -> None:
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as e:
            raise EmbedderError(
                f"embedder '{name}' needs sentence-transformers: pip install 'rag-meetings[st]' ({e})"
            ) from e
        try:
            self._model = SentenceTransformer(name, device="cpu")
        except Exception as e:  # hub errors, missing files, bad configs all surface here
            raise EmbedderError(f"cannot load embedding model '{name}': {type(e).__name__}: {str(e)[:200]}") from e
        self.name = name
        get_dim = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        self.dim = int(get_dim() or len(self._model.encode(["x"])[0]))
        prompts = getattr(self._model, "prompts", {}) or {}
        qp, pp = prefixes_for(name)
        self.query_prefix = prompts.get("query", qp)
        self.passage_prefix = prompts.get("passage", prompts.get("document", pp))

    def _encode(self, texts: Sequence[str]) -> np.ndarray:
        v = self._model.encode(list(texts), batch_size=self.batch_size, normalize_embeddings=True,
                               convert_to_numpy=True, show_progress_bar=False)
        return np.asarray(v, dtype=np.float32)

    def embed_passages(
        self, texts: Sequence[str], progress: Callable[[int, int], None] | None = None
    ) -> np.ndarray:
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        for i in range(0, len(texts), self.batch_size):
            batch = [self.passage_prefix + t for t in texts[i : i + self.batch_size]]
            out[i : i + len(batch)] = self._encode(batch)
            if progress:
                progress(min(i + len(batch), len(texts)), len(texts))
        return out

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.empty((0, self.dim), dtype=np.float32)
        return self._encode([self.query_prefix + t for t in texts])
