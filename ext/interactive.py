"""Interactive performance tables: ships ``df-table.js`` / ``df-table.css``.

The script enhances every ``table.df-table`` on a page (sortable headers, a
filter box with a row count, a "Download CSV" link) and fits it to the page's
width by the column priorities ``ext/column_roles.py`` writes. The HTML written
by Sphinx is left whole, so without JavaScript the tables read as before.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sphinx.application import Sphinx
from sphinx.config import Config

STATIC_DIR = Path(__file__).resolve().parent / "static"


def _add_static_dir(app: Sphinx, config: Config) -> None:
    static = str(STATIC_DIR)
    if static not in config.html_static_path:
        # a new list: never mutate a default shared with other Sphinx apps
        config.html_static_path = [*config.html_static_path, static]


def setup_interactive(app: Sphinx) -> dict[str, Any]:
    """Register the static directory and the table script/stylesheet."""
    app.connect("config-inited", _add_static_dir)
    app.add_css_file("df-table.css")
    app.add_js_file("df-table.js", loading_method="defer")
    return {"parallel_read_safe": True, "parallel_write_safe": True}
