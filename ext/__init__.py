"""Sphinx extension for the inference performance site.

One module per concern, each with a ``setup_<x>(app)``; ``setup`` wires them up.
Table logic (load, join prices, compute, sort, format) lives in modules that do
not import Sphinx, so it can be tested with plain pandas.
"""

from __future__ import annotations

from typing import Any

from sphinx.application import Sphinx

from ext.run_reports import setup_run_reports

__version__ = "0.1.0"


def setup(app: Sphinx) -> dict[str, Any]:
    setup_run_reports(app)
    return {
        "version": __version__,
        "parallel_read_safe": True,
        "parallel_write_safe": True,
    }
