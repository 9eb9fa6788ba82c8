"""Sphinx extension for the inference performance site.

One module per concern, each with a ``setup_<x>(app)``; ``setup`` wires them up. Every data
directive is an :class:`ext.base.DataDirective` (the data folder, inputs and dependencies,
the error box, the ``df_table`` messages) and builds its tables with :mod:`ext.tables`;
what a page noted while it was read is kept by environment collectors
(:mod:`ext.page_facts`). Table logic (load, join prices, compute, sort, format) lives in
``perfcore``, which does not import Sphinx, so it is unit-tested without a build.
"""

from __future__ import annotations

from typing import Any

from sphinx.application import Sphinx

from ext.base import setup_base
from ext.chart_directive import setup_chart_directive
from ext.column_roles import setup_column_roles
from ext.cost_explorer import setup_cost_explorer
from ext.cost_review import setup_cost_review
from ext.details import setup_details
from ext.df_table import setup_df_table
from ext.filecache import FileCache
from ext.image_sizes import setup_image_sizes
from ext.interactive import setup_interactive
from ext.mathml import setup_mathml
from ext.missing_files import setup_missing_files
from ext.model_card import setup_model_card
from ext.models import setup_models
from ext.perf_family import setup_perf_family
from ext.perf_history import setup_perf_history
from ext.perf_sweep import setup_perf_sweep
from ext.price_age import setup_price_age
from ext.release_diff import setup_release_diff
from ext.run_reports import setup_run_reports
from ext.source_version import extension_version

__version__ = "0.1.0"


def setup(app: Sphinx) -> dict[str, Any]:
    app.setup_extension("sphinx_design")  # the tab-sets that perf-family emits are its nodes
    setup_base(app)  # df_table_data_dir and the display root, for every directive
    cache = FileCache()  # parsed inputs, shared by the data directives of this application
    setup_df_table(app, cache)
    setup_perf_family(app, cache)
    setup_perf_sweep(app, cache)
    setup_model_card(app, cache)
    setup_cost_review(app, cache)
    setup_cost_explorer(app, cache)
    setup_release_diff(app, cache)
    setup_chart_directive(app, cache)
    setup_perf_history(app, cache)
    setup_price_age(app, cache)
    setup_models(app, cache)
    setup_missing_files(app)
    setup_details(app)
    setup_interactive(app)
    setup_column_roles(app)
    setup_image_sizes(app)
    setup_mathml(app)
    setup_run_reports(app)
    # Directives build nodes and note dependencies (merged by Sphinx); what a page noted
    # (missing files, prices used, CSV listings, explorers) is kept by environment
    # collectors, which clear re-read pages and merge parallel readers' notes.
    return {
        "version": __version__,
        "env_version": extension_version(),  # code changes re-read every page
        "parallel_read_safe": True,
        "parallel_write_safe": True,
    }
