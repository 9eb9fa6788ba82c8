"""Fixture provider for the cost explorer: the rows in cost_rows.json (test fixtures, not data)."""

import json
from pathlib import Path
from typing import Any


def rows(app: Any) -> dict[str, Any]:
    return json.loads((Path(__file__).resolve().parent / "cost_rows.json").read_text("utf-8"))
