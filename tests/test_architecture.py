"""The direction of dependencies, read from the source with ``ast``: a reverse edge fails here.

Layers, top to bottom: the shells (``ui``; ``rag.cli`` and ``rag.cli_facts``), the facade
(``rag.library``, re-exported by ``rag/__init__``), the parts of the library (``rag.*``, the
subpackages ``rag.facts`` and ``rag.llm`` among them, which never import the facade; ``rag.llm`` sits
below ``rag.facts``). Every import of every module counts: at module level,
inside a function, or under ``TYPE_CHECKING`` (a type-only import still ties the two together), and
``importlib.import_module("...")`` with a literal name. ``eval`` (measurements) may import anything;
nothing imports it.
"""

from __future__ import annotations

import ast
import io
from collections.abc import Iterator
from pathlib import Path

import pytest

from .conftest import ROOT

SHELLS = {"rag.cli", "rag.cli_facts"}  # the command line: uses the facade like the UI does
FACADE = {"rag", "rag.library"}
# The one place the library's command line reaches the UI: `rag serve` finds ui.app by name (rag.cli._ui).
SEAMS = {("rag.cli", "ui.app")}


def _module(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_module(name: str) -> bool:
    p = ROOT.joinpath(*name.split("."))
    return p.with_suffix(".py").is_file() or (p / "__init__.py").is_file()


def _imports(path: Path) -> Iterator[tuple[str, int, bool]]:
    """(module imported, line, found by name at run time) for every import in ``path``."""
    here = _module(path)
    package = here if path.name == "__init__.py" else here.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from ((a.name, node.lineno, False) for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*up, *([base] if base else [])])
            for a in node.names:  # "from rag import scans" imports the module rag.scans, not the facade
                sub = f"{base}.{a.name}"
                yield (sub if _is_module(sub) else base), node.lineno, False
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "import_module"
              and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
            yield node.args[0].value, node.lineno, True


def _within(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


def violations(edges: dict[str, list[tuple[str, int, bool]]]) -> list[str]:
    """Every import in ``edges`` (module -> its imports) that points the wrong way, with why."""
    out = []
    for mod, found in edges.items():
        for target, line, by_name in found:
            where = f"{mod}:{line} imports {target}"
            if _within(mod, "rag") and (_within(target, "ui") or _within(target, "eval")):
                if not (by_name and (mod, target) in SEAMS):
                    out.append(f"{where}: the library must not depend on a shell or on eval")
            if _within(mod, "ui") and _within(target, "eval"):
                out.append(f"{where}: the UI must not depend on eval")
            if _within(mod, "rag") and mod not in SHELLS | FACADE and (target in FACADE or target in SHELLS):
                out.append(f"{where}: a part of the library must not depend on the facade or the command line")
            if _within(mod, "rag.llm") and _within(target, "rag.facts"):
                out.append(f"{where}: the LLM modules sit below the facts (summaries are written from facts)")
    return out


def _sources(*packages: str) -> list[Path]:
    return sorted(p for pkg in packages for p in (ROOT / pkg).rglob("*.py") if ".venv" not in p.parts)


def test_no_reverse_dependencies() -> None:
    edges = {_module(p): list(_imports(p)) for p in _sources("rag", "ui", "eval")}
    assert len(edges) > 60 and "rag.facts.router" in edges and "rag.llm.setup" in edges
    assert violations(edges) == []


def test_the_rules_catch_reverse_edges() -> None:
    bad = {
        "rag.view": [("ui.app", 3, False), ("eval.bench", 4, False), ("rag.library", 5, False)],
        "rag.facts.router": [("rag", 6, False), ("rag.cli", 7, False)],
        "rag.llm.answer": [("rag.facts.facts", 8, False)],
        "rag.cli": [("ui.app", 9, False), ("ui.app", 10, True), ("rag.library", 11, False)],
        "ui.app": [("eval.bench", 12, False), ("rag.library", 13, False)],
    }
    found = violations(bad)
    assert [v.split(" imports ")[0] for v in found] == [
        "rag.view:3", "rag.view:4", "rag.view:5", "rag.facts.router:6", "rag.facts.router:7", "rag.llm.answer:8",
        "rag.cli:9", "ui.app:12",
    ]


def test_imports_are_read_everywhere_in_a_module() -> None:
    src = ROOT / "rag" / "cli.py"
    found = {(t, by_name) for t, _, by_name in _imports(src)}
    assert ("ui.app", True) in found  # the serve seam, by name
    assert ("rag.library", False) in found  # inside a function and under TYPE_CHECKING
    assert ("rag.ocr", False) in found  # "from rag import ocr" is the module, not the facade


def test_tests_do_not_skip_on_a_missing_project_module() -> None:
    """``importorskip`` of the project's own modules would turn an import bug into a skipped test."""
    for path in _sources("tests"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute | ast.Name):
                name = node.func.attr if isinstance(node.func, ast.Attribute) else node.func.id
                arg = node.args[0].value if node.args and isinstance(node.args[0], ast.Constant) else None
                if name in ("importorskip", "require") and isinstance(arg, str):
                    assert arg.split(".")[0] not in ("rag", "ui", "eval", "tests"), f"{path.name}:{node.lineno}"


def test_rag_serve_without_gradio_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    from rag import cli

    def no_gradio(name: str) -> None:
        raise ModuleNotFoundError("No module named 'gradio'", name="gradio")

    monkeypatch.setattr(cli.importlib, "import_module", no_gradio)
    err = io.StringIO()
    assert cli.main(["serve", "--index", "nowhere"], io.StringIO(), err) == cli.EXIT_FATAL
    assert "pip install 'rag-meetings[ui]'" in err.getvalue()

    def broken(name: str) -> None:  # a module of this project that fails to import is a bug: it surfaces
        raise ModuleNotFoundError("No module named 'rag.no_such_module'", name="rag.no_such_module")

    monkeypatch.setattr(cli.importlib, "import_module", broken)
    with pytest.raises(ModuleNotFoundError, match="rag.no_such_module"):
        cli.main(["serve", "--index", "nowhere"], io.StringIO(), io.StringIO())


def test_a_regular_install_ships_every_package(tmp_path: Path) -> None:
    """``pip install .`` (not editable, as ``start.sh`` does) must ship the subpackages too: build the
    wheel and compare its packages with the folders that hold an ``__init__.py``."""
    import shutil
    import subprocess
    import sys
    import zipfile

    root = Path(__file__).resolve().parents[1]
    src = tmp_path / "src"  # a clean copy: a stale build/ folder in the checkout would hide what is missing
    for top in ("rag", "ui"):
        shutil.copytree(root / top, src / top, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(root / name, src / name)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(tmp_path),
                    str(src)], check=True, capture_output=True)
    wheel = next(tmp_path.glob("rag_meetings-*.whl"))
    shipped = {Path(n).parent.as_posix() for n in zipfile.ZipFile(wheel).namelist() if n.endswith("/__init__.py")}
    expected = {p.parent.relative_to(root).as_posix() for top in ("rag", "ui") for p in (root / top).rglob("__init__.py")}
    assert expected <= shipped, sorted(expected - shipped)
