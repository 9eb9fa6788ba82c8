"""Helpers for the df-table extension tests: real Sphinx builds of a copied test root.

(A module of its own, not ``conftest``, so test files can import it by a unique name.)

Builds use ``sphinx.testing.util.SphinxTestApp`` directly. The ``sphinx.testing.fixtures``
plugin is not loaded here: pytest refuses ``pytest_plugins`` outside the top-level
conftest, and these tests need only the application class.
"""

from __future__ import annotations

import re
import shutil
import sys
from io import StringIO
from pathlib import Path

from docutils import nodes
from sphinx.testing.util import SphinxTestApp

REPO = Path(__file__).resolve().parents[2]
ROOTS = Path(__file__).resolve().parent / "roots"
ANSI = re.compile(r"\x1b\[[0-9;]*m")
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))


class Site:
    """A copy of a test root in a temporary folder, built with a real SphinxTestApp."""

    def __init__(self, srcdir: Path) -> None:
        self.srcdir = srcdir
        self.warnings = ""
        self.status = ""
        self.read_docs: list[str] = []

    def write(self, relative: str, text: str) -> Path:
        path = self.srcdir / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path

    def build(self, parallel: int = 0, builddir: Path | None = None,
              **confoverrides: object) -> SphinxTestApp:
        warning, status = StringIO(), StringIO()
        app = SphinxTestApp("html", srcdir=self.srcdir, builddir=builddir,
                            confoverrides=confoverrides, status=status, warning=warning,
                            parallel=parallel)
        self.read_docs = []
        app.connect("source-read", lambda _app, docname, _src: self.read_docs.append(docname))
        try:
            app.build()
        finally:
            app.cleanup()
        self.warnings = warning.getvalue()
        self.status = ANSI.sub("", status.getvalue()).replace(str(self.srcdir) + "/", "")
        return app

    def warning_lines(self) -> list[str]:
        """Warnings with the temporary folder removed and colour codes stripped."""
        prefix = str(self.srcdir) + "/"
        text = ANSI.sub("", self.warnings)
        return [line.replace(prefix, "") for line in text.splitlines() if line.strip()]

    def html(self, docname: str, builddir: Path | None = None) -> str:
        out = (builddir or self.srcdir / "_build") / "html" / f"{docname}.html"
        return out.read_text(encoding="utf-8")


def tables(app: SphinxTestApp, docname: str) -> list[list[list[str]]]:
    """Every df-table of a page as rows of cell texts (header first)."""
    doctree = app.env.get_doctree(docname)
    return [
        [[entry.astext() for entry in row.children] for row in table.findall(nodes.row)]
        for table in doctree.findall(nodes.table)
        if "df-table" in table["classes"]
    ]


def copy_root(tmp_path: Path, name: str) -> Site:
    srcdir = tmp_path / name
    shutil.copytree(ROOTS / name, srcdir)
    return Site(srcdir)
