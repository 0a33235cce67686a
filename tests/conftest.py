"""Shared fixtures: real sample files, the real shared corpus, and a real index built once."""

from __future__ import annotations

import importlib
import os
import shutil
from pathlib import Path
from typing import Any, NoReturn

import pytest

from rag.library import Library

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"
SHARED = ROOT.parent / "shared"
CORPUS = SHARED / "corpus"
XQUAD = SHARED / "eval" / "xquad.vi.json"
CORPUS_000 = CORPUS / "000_0d3035ee6233f0e5.txt"
CORPUS_003 = CORPUS / "003_ac84f5803c50524e.txt"

def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


IN_CI = in_ci()


def missing(reason: str) -> NoReturn:
    """A test tool is not installed: skip with the reason on a developer's machine, fail in CI
    (``CI=true``), where ``./test.sh`` installs every tool, so a broken install cannot pass as skipped."""
    if in_ci():
        pytest.fail(f"CI=true but {reason}", pytrace=False)
    pytest.skip(reason)


def require(module: str, why: str = "") -> Any:
    """Import a test tool (gradio, playwright, onnxruntime, llama_cpp ...), or ``missing``."""
    try:
        return importlib.import_module(module)
    except ImportError as e:
        missing(f"{module} is not installed ({e}){'; ' + why if why else ''}; scripts/setup-dev.sh installs it")


needs_shared = pytest.mark.skipif(
    not CORPUS.is_dir(), reason="../shared/corpus is not beside the project (it always is in CI)"
)


@pytest.fixture(scope="session")
def corpus_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shared corpus and the sample reports copied into one folder."""
    if not CORPUS.is_dir():
        pytest.skip("../shared/corpus is not beside the project (it always is in CI)")
    d = tmp_path_factory.mktemp("corpus")
    for f in list(CORPUS.iterdir()) + [p for p in SAMPLES.iterdir() if p.name != "README.md"]:
        shutil.copy(f, d / f.name)
    return d


@pytest.fixture(scope="session")
def built_index(corpus_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    idx = tmp_path_factory.mktemp("index") / "index"
    rep = Library(idx).ingest([corpus_dir])
    assert rep.ok and rep.added
    return idx


@pytest.fixture()
def lib(built_index: Path) -> Library:
    return Library(built_index)


def free_port() -> int:
    """A loopback port nobody listens on right now (for servers started by tests)."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stop_process(proc, timeout: float = 15) -> None:  # type: ignore[no-untyped-def]
    """Terminate a server a test started; kill it if it does not exit in ``timeout`` seconds."""
    import subprocess

    proc.terminate()
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
