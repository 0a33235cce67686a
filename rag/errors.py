"""The library's error hierarchy. The library raises; only the CLI and UI turn errors into messages."""

from __future__ import annotations


class RagError(Exception):
    """Base class for every error the library raises on purpose."""


class LoadError(RagError):
    """A file could not be read or holds no usable text. The message names the file and why."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


class IndexError_(RagError):
    """The on-disk index is missing, corrupt, or from another format version."""


class IndexMismatchError(IndexError_):
    """The index was built with other settings (embedder, dimension) than the ones requested."""


class IndexLockedError(IndexError_):
    """Another process is writing this index."""


class EmbedderError(RagError):
    """An embedding model could not be loaded."""


class LLMError(RagError):
    """The LLM endpoint failed: unreachable, timed out, or returned an error."""
