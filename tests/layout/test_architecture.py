"""The layout's promises, checked the way a newcomer would: dependencies point one way
(perfcore <- pandas_compat <- ext, collect; ext and collect never on each other), no import
cycles among modules nor among subpackages, perfcore without pandas or Sphinx, light entry
points, installable. The declared layers themselves are import-linter contracts
(pyproject.toml, ``lint-imports`` in ``make test``)."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("perfcore", "pandas_compat", "ext", "collect")


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def project_modules() -> dict[str, Path]:
    return {module_name(path): path for package in PACKAGES
            for path in sorted((ROOT / package).rglob("*.py"))}


def imported_names(path: Path) -> set[str]:
    """Every module name ``path`` imports anywhere (also inside functions)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found |= {node.module} | {f"{node.module}.{alias.name}" for alias in node.names}
    return found


def imported_modules(path: Path, known: set[str]) -> set[str]:
    """Project modules ``path`` imports anywhere (also inside functions)."""
    return imported_names(path) & known


def import_graph() -> dict[str, set[str]]:
    modules = project_modules()
    known = set(modules)
    return {name: imported_modules(path, known) - {name} for name, path in modules.items()}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    path: list[str] = []

    def visit(name: str) -> list[str] | None:
        state[name] = 1
        path.append(name)
        for target in sorted(graph.get(name, ())):
            if state.get(target) == 1:
                return [*path[path.index(target):], target]
            if target not in state and (cycle := visit(target)):
                return cycle
        path.pop()
        state[name] = 2
        return None

    for name in sorted(graph):
        if name not in state and (cycle := visit(name)):
            return cycle
    return None


def test_no_import_cycle_among_the_projects_modules():
    cycle = find_cycle(import_graph())
    assert cycle is None, " -> ".join(cycle or ())


def test_find_cycle_finds_one():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]


def fold(graph: dict[str, set[str]], depth: int) -> dict[str, set[str]]:
    """The import graph between packages: every module counted as its ancestor ``depth``
    names deep (``collect.run.options`` -> ``collect.run`` at depth 2, ``collect`` at 1)."""
    def unit(name: str) -> str:
        return ".".join(name.split(".")[:depth])

    folded: dict[str, set[str]] = {}
    for name, targets in graph.items():
        folded.setdefault(unit(name), set()).update(unit(target) for target in targets)
    return {name: targets - {name} for name, targets in folded.items()}


def test_folding_finds_a_cycle_between_packages_that_modules_do_not_show():
    modules = {"p.a.one": {"p.b.one"}, "p.b.one": set(), "p.b.two": {"p.a.two"},
               "p.a.two": set()}
    assert find_cycle(modules) is None
    assert find_cycle(fold(modules, 2)) == ["p.a", "p.b", "p.a"]


@pytest.mark.parametrize("depth", [1, 2], ids=["packages", "subpackages"])
def test_no_import_cycle_among_packages_or_subpackages(depth):
    """Folded into their subpackages (``collect.run``, ``collect.serve``, ...) or their top-level
    packages, the modules still import one way: imports inside functions count."""
    cycle = find_cycle(fold(import_graph(), depth))
    assert cycle is None, " -> ".join(cycle or ())


@pytest.mark.parametrize(("package", "forbidden"), [
    ("perfcore", ("pandas_compat", "ext", "collect")),
    ("pandas_compat", ("ext", "collect")),
    ("ext", ("collect",)),
    ("collect", ("ext",)),
])
def test_dependencies_point_one_way(package, forbidden):
    wrong = {name: sorted(target for target in targets
                          if target.split(".")[0] in forbidden)
             for name, targets in import_graph().items() if name.split(".")[0] == package}
    assert not {name: targets for name, targets in wrong.items() if targets}


def test_perfcore_imports_neither_pandas_nor_sphinx_anywhere():
    """Not even inside a function: the core stays light for the site and the collector."""
    third_party = {"pandas", "sphinx", "docutils"}
    wrong = {module_name(path): sorted(name for name in imported_names(path)
                                       if name.split(".")[0] in third_party)
             for path in sorted((ROOT / "perfcore").rglob("*.py"))}
    assert not {name: found for name, found in wrong.items() if found}


def imported_at_start(*argv: str) -> set[str]:
    """Top-level packages imported by ``python -X importtime *argv``."""
    done = subprocess.run([sys.executable, "-X", "importtime", *argv], cwd=ROOT,
                          capture_output=True, text=True, check=True)
    lines = [line.split("|")[-1].strip() for line in done.stderr.splitlines()
             if line.startswith("import time:") and "|" in line]
    return {name.split(".")[0] for name in lines}


def test_collect_diff_help_loads_no_sphinx_and_no_pandas():
    imported = imported_at_start("-m", "collect", "diff", "--help")
    assert not imported & {"sphinx", "docutils", "pandas", "torch"}


def test_collect_run_help_loads_neither_torch_nor_ray():
    imported = imported_at_start("-m", "collect", "run", "--help")
    assert not imported & {"torch", "ray", "sphinx", "pandas"}


def test_a_site_build_with_charts_and_diffs_loads_no_pandas(tmp_path):
    source = ROOT / "tests" / "review" / "roots" / "test-review"
    imported = imported_at_start("-m", "sphinx", "-q", "-b", "html", "-c", str(source),
                                 str(source), str(tmp_path / "out"))
    assert "sphinx" in imported and "pandas" not in imported


def test_the_project_builds_as_a_wheel_with_the_collect_command(tmp_path):
    tree = tmp_path / "tree"
    tree.mkdir()
    for name in ("pyproject.toml", "README.md", *PACKAGES):
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, tree / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, tree / name)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                    "-q", str(tree), "-w", str(tmp_path / "dist")], check=True, cwd=tree)
    wheel = next((tmp_path / "dist").glob("*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert {"perfcore/tabledata.py", "pandas_compat/runner.py", "ext/static/df-table.js",
            "collect/cli.py"} <= set(names)
    entry_points = next(name for name in names if name.endswith("entry_points.txt"))
    assert "collect = collect.cli:main" in zipfile.ZipFile(wheel).read(entry_points).decode()


def test_the_browser_script_sorts_the_same_no_values_last_as_the_core():
    import json
    import re

    from perfcore.ordering import NOT_A_VALUE
    from perfcore.tabledata import Rows, sort_rows
    from perfcore.tablespec import SortKey

    script = (ROOT / "ext" / "static" / "df-table.js").read_text(encoding="utf-8")
    listed = re.search(r"var MISSING = new Set\((\[.*?\])\);", script, re.S).group(1)
    assert set(json.loads(listed)) == NOT_A_VALUE
    cells = ["12", "oom", "3", "n/a", "100"]
    rows = Rows("t.csv", ("v",), tuple({"v": cell} for cell in cells), tuple(range(5)))
    ordered = sort_rows(rows, (SortKey("v", descending=True),)).values("v")
    assert ordered == ["100", "12", "3", "oom", "n/a"]  # no-values last, as in the browser
