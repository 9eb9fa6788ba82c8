"""Helpers for the cost review tests: real Sphinx builds of a copy of ``roots/test-cost``.

The build helper is tests/ext's ``Site`` (imported by path: test folders are not packages).
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from docutils import nodes
from sphinx.testing.util import SphinxTestApp

HERE = Path(__file__).resolve().parent
ROOT = HERE / "roots" / "test-cost"
if str(HERE.parent / "ext") not in sys.path:
    sys.path.insert(0, str(HERE.parent / "ext"))

from df_site import Site  # noqa: E402

# 2026-11-22 00:00:00 UTC: "today" for the stale-price check in these tests.
BUILD_DAY_EPOCH = "1795305600"

__all__ = ["BUILD_DAY_EPOCH", "Site", "cells", "copy_cost_root"]


def copy_cost_root(tmp_path: Path) -> Site:
    srcdir = tmp_path / "test-cost"
    shutil.copytree(ROOT, srcdir)
    return Site(srcdir)


def cells(app: SphinxTestApp, docname: str) -> list[list[list[str]]]:
    """Every table of a page as rows of cell texts (header first)."""
    doctree = app.env.get_doctree(docname)
    return [[[entry.astext() for entry in row.children] for row in table.findall(nodes.row)]
            for table in doctree.findall(nodes.table)]


def paragraphs(app: SphinxTestApp, docname: str, cls: str) -> list[str]:
    doctree = app.env.get_doctree(docname)
    return [node.astext() for node in doctree.findall(nodes.paragraph) if cls in node["classes"]]
