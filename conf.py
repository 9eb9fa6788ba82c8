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

extensions = ["ext", "sphinx_design"]

html_theme = "furo"
html_title = "ML Inference Performance"
exclude_patterns = ["_build"]

# Where df-table and perf-family find data/ (CSVs, price catalog, family catalog).
df_table_data_dir = str(ROOT / "data")
smartquotes = False  # values show exactly as written (no curly quotes in table cells)
