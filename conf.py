"""Sphinx configuration for the inference performance site.

Built from the repository root with ``sphinx-build -c . docs _build/html``
(``make html``); ``ext`` is the project's own extension package.
"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))

project = "ML Inference Performance"
author = "Performance publishing team"
copyright = "2026, Performance publishing team"

extensions = ["ext"]  # loads sphinx_design itself

html_theme = "furo"
html_title = "ML Inference Performance"
exclude_patterns = ["_build"]

# Where df-table and perf-family find data/ (CSVs, price catalog, family catalog).
df_table_data_dir = str(ROOT / "data")
smartquotes = False  # values show exactly as written (no curly quotes in table cells)

# A price a rendered cost uses that was read more than df_table_price_max_age_days (365 by
# default) before the build is a dated notice on each page that uses it and an info line in
# the build log, never a warning: a strict build does not fail because the calendar moved
# (docs/dev/cost-review.rst). The Inf1 RI-effective rates (read 2024-09-16) carry that notice.

html_static_path = ["docs/_static"]  # relative to this file
html_css_files = ["site.css"]
