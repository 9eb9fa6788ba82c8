"""Sphinx extension for the inference performance site.

One module per concern, each with a ``setup_<x>(app)``; ``setup`` wires them up.
Table logic (load, join prices, compute, sort, format) lives in modules that do
not import Sphinx, so it can be tested with plain pandas.
"""

from __future__ import annotations

from typing import Any

from sphinx.application import Sphinx

from ext.chart_directive import setup_chart_directive
from ext.cost_explorer import setup_cost_explorer
from ext.interactive import setup_interactive
from ext.release_diff import setup_release_diff
from ext.run_reports import setup_run_reports

__version__ = "0.1.0"


def setup(app: Sphinx) -> dict[str, Any]:
    setup_interactive(app)
    setup_cost_explorer(app)
    setup_release_diff(app)
    setup_chart_directive(app)
    setup_run_reports(app)
    return {
        "version": __version__,
        "parallel_read_safe": True,
        "parallel_write_safe": True,
    }
