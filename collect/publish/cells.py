"""How ``collect publish`` writes a number into a published CSV cell."""

from __future__ import annotations

import math


def format_value(value: float | None, decimals: int) -> str:
    """``decimals`` places, or more for small values so 3 significant digits survive."""
    if value is None or not math.isfinite(value):
        return ""
    if value != 0 and abs(value) < 1:
        decimals = max(decimals, 2 - math.floor(math.log10(abs(value))))
    return f"{value:.{decimals}f}"
