"""Sphinx extension for the inference performance site.

One module per concern, each with a ``setup_<x>(app)``; ``setup`` wires them up.
Table logic (load, join prices, compute, sort, format) lives in modules that do
not import Sphinx, so it is unit-tested without a build.
"""

from __future__ import annotations

from typing import Any

from sphinx.application import Sphinx

__version__ = "0.1.0"


def setup(app: Sphinx) -> dict[str, Any]:
    from ext.df_table import setup_df_table
    from ext.filecache import FileCache
    from ext.missing_files import setup_missing_files
    from ext.perf_family import setup_perf_family
    from ext.perf_sweep import setup_perf_sweep

    cache = FileCache()  # parsed inputs, shared by the directives for this application only
    setup_df_table(app, cache)
    setup_perf_family(app, cache)
    setup_perf_sweep(app, cache)
    setup_missing_files(app)
    # Directives build nodes and note dependencies (merged by Sphinx); the one piece of
    # environment data, missing files per page, is purged and merged in missing_files.
    return {
        "version": __version__,
        "parallel_read_safe": True,
        "parallel_write_safe": True,
    }
