"""Numbers: the one parser of a cell's number, the one mean and the one percentile. No Sphinx
import."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from decimal import Decimal

PERCENTILES = (50, 90, 95, 99)
"""The percentiles the collector records and an SLO may name (``*_p50`` ... ``*_p99``)."""

_NUMBER_JUNK = str.maketrans("", "", "$_ ")
# A comma inside a number is a thousands separator only in groups of exactly three digits
# (``1,650``, ``1,650.25``); any other comma between digits (``812,5``, ``1,65``,
# ``1,6500``) could be a decimal comma and is refused rather than guessed.
_THOUSANDS = re.compile(r"[+-]?\d{1,3}(,\d{3})+(\.\d*)?")
_COMMA_NUMBER = re.compile(r"[+-]?[\d.]*\d,[\d,.]*")


class AmbiguousNumberError(ValueError):
    """A number written with a comma that is not a thousands separator (``812,5``).

    The CSV reader (:mod:`perfcore.csvfile`) refuses such a cell at its line and column
    first, so a number read from a data file never gets here unlocated.
    """


def ambiguous_comma(text: str) -> str | None:
    """Why ``text`` is refused as a number (a possible decimal comma), or None."""
    cleaned = text.strip().translate(_NUMBER_JUNK)
    if "," not in cleaned or not _COMMA_NUMBER.fullmatch(cleaned) \
            or _THOUSANDS.fullmatch(cleaned):
        return None
    return (f"{text.strip()!r} is not a number this site reads: a comma is a thousands "
            "separator only in groups of three digits (1,650 or 1,650.25); write a "
            "decimal point (812.5), not a decimal comma")


def parse_number(text: object) -> float | None:
    """The number a cell holds (``$1,234.5`` -> 1234.5), or None for text, blanks and NaN.

    A comma that is not a thousands separator (``812,5``) raises
    :class:`AmbiguousNumberError` instead of being dropped (which read 812,5 as 8125).
    """
    if isinstance(text, bool) or text is None:
        return None
    if isinstance(text, int | float):
        value = float(text)
    else:
        why = ambiguous_comma(str(text))
        if why:
            raise AmbiguousNumberError(why)
        cleaned = str(text).strip().translate(_NUMBER_JUNK).replace(",", "")
        if not cleaned:
            return None
        try:
            value = float(cleaned)
        except ValueError:
            return None
    return value if math.isfinite(value) else None


def mean(values: Sequence[float]) -> float:
    """The arithmetic mean, ``sum / n``."""
    if not values:
        raise ValueError("mean of an empty sequence")
    return sum(values) / len(values)


def std(values: Sequence[float]) -> float:
    """The population standard deviation (numpy's ``std``, ``ddof=0``)."""
    average = mean(values)
    return math.sqrt(sum((value - average) ** 2 for value in values) / len(values))


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


def shift_decimal(value: float, power: int) -> float:
    """``value`` x 10**``power``, digit for digit: 0.1234 s -> 123.4 ms (float arithmetic
    would give 123.39999999999999). Unit changes of imported values use this, so a value
    keeps the digits its file gave."""
    return float(Decimal(repr(float(value))).scaleb(power))


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


def parse_positive(text: str | None, unit: str) -> float:
    """``"20"`` -> 20.0; anything else, zero, negative or infinite is a ValueError that names
    ``unit`` (``must be a positive number of milliseconds, got '0'``)."""
    try:
        value = float(text or "")
    except ValueError:
        value = math.nan
    if not 0 < value < math.inf:
        raise ValueError(f"must be a positive number of {unit}, got {text!r}")
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
