"""A change to the extension's code re-reads every page of a kept build environment."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from df_site import REPO, ROOTS

from ext.source_version import extension_version, source_version


def _tree(root: Path, files: dict[str, str]) -> Path:
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def test_source_version_follows_read_time_files_only(tmp_path):
    package = _tree(tmp_path / "pkg", {"a.py": "x = 1\n", "templates/t.rst.j2": "{{ x }}\n",
                                       "static/s.js": "let a;\n"})
    first = source_version([package])
    assert source_version([package]) == first
    (package / "static" / "s.js").write_text("let b;\n", encoding="utf-8")
    assert source_version([package]) == first  # copied at write, not read
    (package / "templates" / "t.rst.j2").write_text("{{ y }}\n", encoding="utf-8")
    second = source_version([package])
    assert second != first
    (package / "a.py").write_text("x = 2\n", encoding="utf-8")
    assert source_version([package]) not in (first, second)
    assert 0 <= second < 2**31


def test_a_build_environment_carries_the_source_version(site):
    app = site.build()
    assert app.env.version["ext"] == extension_version()  # what Sphinx compares on reload


def _build(code: Path, site: Path) -> str:
    env = {**os.environ, "PYTHONPATH": str(code)}
    done = subprocess.run([sys.executable, "-m", "sphinx", "-b", "html", str(site),
                           str(site / "_build" / "html"), "-d", str(site / "_build" / "doctrees")],
                          env=env, cwd=code, capture_output=True, text=True, check=True)
    return done.stdout


def test_a_code_change_rereads_a_kept_environment(tmp_path):
    code = tmp_path / "code"
    for package in ("ext", "perfcore"):
        shutil.copytree(REPO / package, code / package,
                        ignore=shutil.ignore_patterns("__pycache__"))
    site = tmp_path / "site"
    shutil.copytree(ROOTS / "test-site", site)
    assert "5 added" in _build(code, site)
    assert "0 added, 0 changed, 0 removed" in _build(code, site)
    with (code / "ext" / "tables.py").open("a", encoding="utf-8") as source:
        source.write("\n# an edit\n")
    again = _build(code, site)
    assert "5 added" in again  # every page read by the new code
