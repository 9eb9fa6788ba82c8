"""Fixtures for the df-table extension tests: real Sphinx builds of a copied test root."""

from __future__ import annotations

import shutil
import sys
from io import StringIO
from pathlib import Path

import pytest
from sphinx.testing.util import SphinxTestApp

pytest_plugins = ("sphinx.testing.fixtures",)

REPO = Path(__file__).resolve().parents[2]
ROOTS = Path(__file__).resolve().parent / "roots"
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))


class Site:
    """A copy of a test root in a temporary folder, built with a real SphinxTestApp."""

    def __init__(self, srcdir: Path) -> None:
        self.srcdir = srcdir
        self.warnings = ""
        self.read_docs: list[str] = []

    def write(self, relative: str, text: str) -> Path:
        path = self.srcdir / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path

    def build(self, parallel: int = 0, builddir: Path | None = None,
              **confoverrides: object) -> SphinxTestApp:
        warning = StringIO()
        app = SphinxTestApp("html", srcdir=self.srcdir, builddir=builddir,
                            confoverrides=confoverrides, status=StringIO(), warning=warning,
                            parallel=parallel)
        self.read_docs = []
        app.connect("source-read", lambda _app, docname, _src: self.read_docs.append(docname))
        try:
            app.build()
        finally:
            app.cleanup()
        self.warnings = warning.getvalue()
        return app

    def warning_lines(self) -> list[str]:
        """Warnings with the temporary folder removed and colour codes stripped."""
        prefix = str(self.srcdir) + "/"
        return [line.replace(prefix, "") for line in self.warnings.splitlines() if line.strip()]

    def html(self, docname: str, builddir: Path | None = None) -> str:
        out = (builddir or self.srcdir / "_build") / "html" / f"{docname}.html"
        return out.read_text(encoding="utf-8")


@pytest.fixture
def site(tmp_path: Path) -> Site:
    srcdir = tmp_path / "site"
    shutil.copytree(ROOTS / "test-site", srcdir)
    return Site(srcdir)
