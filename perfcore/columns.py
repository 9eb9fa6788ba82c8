"""Published columns and their units: what a column name means, declared once. No Sphinx import."""

from __future__ import annotations

import re

_UNIT = re.compile(r"\((?P<unit>[^()/]+)/\s*(s|sec|second)\)\s*$", re.IGNORECASE)
_PLURAL = {"inference": "inferences", "token": "tokens", "image": "images", "sample": "samples",
           "sequence": "sequences", "request": "requests"}


def unit_from_column(column: str) -> str | None:
    """``Throughput (tokens/second)`` -> ``tokens``; None when the header names no unit."""
    match = _UNIT.search(column)
    if not match:
        return None
    unit = match["unit"].strip().lower()
    return _PLURAL.get(unit, unit)


def cost_label(unit: str) -> str:
    return f"Cost per 1M {unit}"
