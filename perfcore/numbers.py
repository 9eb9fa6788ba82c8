"""Numbers: the one parser of a cell's number and the one percentile. No Sphinx import."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

_NUMBER_JUNK = str.maketrans("", "", "$,_ ")


def parse_number(text: object) -> float | None:
    """The number a cell holds (``$1,234.5`` -> 1234.5), or None for text, blanks and NaN."""
    if isinstance(text, bool) or text is None:
        return None
    if isinstance(text, int | float):
        value = float(text)
    else:
        cleaned = str(text).strip().translate(_NUMBER_JUNK)
        if not cleaned:
            return None
        try:
            value = float(cleaned)
        except ValueError:
            return None
    return value if math.isfinite(value) else None


def percentile(values: Sequence[float], pct: float) -> float:
    """Linear-interpolated percentile (numpy's default "linear" method)."""
    if not values:
        raise ValueError("percentile of an empty sequence")
    if not 0 <= pct <= 100:
        raise ValueError(f"percentile must be within 0..100, got {pct}")
    ordered = sorted(values)
    rank = (len(ordered) - 1) * pct / 100
    low = math.floor(rank)
    high = math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def parse_fraction(text: str) -> float:
    """``"0.05"`` or ``"5%"`` -> 0.05; anything else, or outside [0, 1), is a ValueError."""
    cleaned = text.strip()
    try:
        value = float(cleaned.rstrip("%")) / (100.0 if cleaned.endswith("%") else 1.0)
    except ValueError:
        raise ValueError(f"expected a fraction like 0.05 or 5%, got {text!r}") from None
    if not 0 <= value < 1:
        raise ValueError(f"expected a fraction in [0, 1), got {text!r}")
    return value


def parse_probability(text: str) -> float:
    """``"0.01"`` -> 0.01; anything else, or outside (0, 1), is a ValueError."""
    try:
        value = float(text.strip())
    except ValueError:
        raise ValueError(f"expected a probability like 0.01, got {text!r}") from None
    if not 0 < value < 1:
        raise ValueError(f"expected a probability in (0, 1), got {text!r}")
    return value


def percentile_fields(values: Iterable[float], name: str, points: Sequence[int],
                      digits: int = 4) -> dict[str, float | None]:
    """``{f"{name}_p{p}": value}`` for each point, rounded; None for every point of no values."""
    ordered = sorted(float(value) for value in values)
    if not ordered:
        return {f"{name}_p{point}": None for point in points}
    return {f"{name}_p{point}": round(percentile(ordered, point), digits) for point in points}
