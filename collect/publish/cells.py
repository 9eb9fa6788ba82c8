"""How ``collect publish`` writes a record's value into a published CSV cell."""

from __future__ import annotations

import math

from perfcore import columns


def format_value(value: float | None, decimals: int) -> str:
    """``decimals`` places, or more for small values so 3 significant digits survive."""
    if value is None or not math.isfinite(value):
        return ""
    if value != 0 and abs(value) < 1:
        decimals = max(decimals, 2 - math.floor(math.log10(abs(value))))
    return f"{value:.{decimals}f}"


def published_cell(column: str, record: dict) -> str:
    """``column``'s text from ``record``, as :mod:`perfcore.columns` declares it: the value of
    its record field, a measured number with the column's decimals (:func:`format_value`), a
    count or a word as recorded; blank when the record has none."""
    value = columns.record_value(column, record)
    declared = columns.BY_NAME[column]
    if value is None:
        return ""
    if declared.unit and isinstance(value, int | float) and not isinstance(value, bool):
        return format_value(value, declared.decimals)
    return str(value)
