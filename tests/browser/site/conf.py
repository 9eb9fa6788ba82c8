"""Fixture site for the browser tests (copied to a temporary directory and built)."""

import sys
from pathlib import Path

# cost_rows.py lives next to this file
sys.path.insert(0, str(Path(__file__).resolve().parent))

project = "Fixture performance site"
extensions = ["ext", "sphinx_design"]
html_theme = "furo"
cost_explorer_rows_provider = "cost_rows:rows"
# Cells show as written (curly quotes would break the CSV round-trip check)
smartquotes = False
