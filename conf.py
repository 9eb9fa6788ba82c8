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

# A price a rendered cost uses warns when read longer ago than this. The RI-effective rates
# are those of the published Neuron pages (migrated from shared/neuron-pages/current): Inf2
# and Trn1 read 2026-02-26, Inf1 2024-09-16 (the last change of that page's price table, the
# newest Inf1 rate at hand), so the limit covers the Inf1 rates until 2027-03-05; replace
# them with newer rates rather than raising this further.
df_table_price_max_age_days = 900

html_static_path = ["docs/_static"]  # relative to this file
html_css_files = ["site.css"]
