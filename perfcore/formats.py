"""Column formats shared by all tables (numbers in, text out). No Sphinx import.

A column format is one of:

* ``sig3`` (any digit 1-9): that many significant figures, thousands separators,
  never an exponent and never fewer integer digits (``0.08333`` -> ``0.0833``,
  ``17584.68`` -> ``17,585``); text around it is kept (``$sig3`` -> ``$0.0833``);
* a ``str.format`` template with one field (``${:,.3f}``);
* ``round2`` (any digit 0-9): that many decimals, rounded as pandas' ``.round(2)`` rounds
  (scale by 10**2, round half to even, scale back), so ``1170.045`` -> ``1170.04``
  where ``.2f`` gives ``1170.05`` (the binary value is a hair above the half);
* a format spec for a float (``.2f``, ``,.1f``).
"""

from __future__ import annotations

import math
import re

from perfcore.numbers import parse_number

_SIG = re.compile(r"^(?P<prefix>[^{}]*?)sig(?P<digits>[1-9])(?P<suffix>[^{}]*)$")
_ROUND = re.compile(r"^round(?P<digits>[0-9])$")


def check_format(fmt: str) -> str | None:
    """None if ``fmt`` is usable, else why not."""
    try:
        format_number(fmt, 0.083333)
        format_number(fmt, 17584.681)
    except (ValueError, IndexError, KeyError, TypeError) as err:
        return f"format {fmt!r} cannot format a number: {err}"
    return None


def format_number(fmt: str, value: float) -> str:
    match = _SIG.match(fmt)
    if match:
        body = significant(value, int(match["digits"]))
        return f"{match['prefix']}{body}{match['suffix']}"
    rounding = _ROUND.match(fmt)
    if rounding:
        digits = int(rounding["digits"])
        return f"{round(value * 10**digits) / 10**digits:.{digits}f}"
    if "{" in fmt:
        return fmt.format(value)
    return format(value, fmt)


def significant(value: float, digits: int) -> str:
    """``digits`` significant figures, without exponent, keeping all integer digits."""
    if value == 0:
        return "0"
    integer_digits = math.floor(math.log10(abs(value))) + 1
    decimals = max(digits - integer_digits, 0)
    return f"{round(value, decimals):,.{decimals}f}"


# Display rounding of measured numbers on the cost pages, the changes page and the explorer
# (its JSON carries these texts, so the browser never rounds on its own): at most this many
# significant figures, never more decimals than the CSV wrote (``0.07`` stays ``0.07``,
# ``3147.09984049`` shows as ``3,147``). Costs use :func:`perfcore.cost.cost_format`.
MEASURE_DIGITS = 4


def display_number(value: object, digits: int = MEASURE_DIGITS) -> str:
    """A measured value for reading: ``n/a`` when it is not a number, else at most
    ``digits`` significant figures (all integer digits kept) and the CSV's decimals at most."""
    number = parse_number(value) if not isinstance(value, int | float) else float(value)
    if number is None or not math.isfinite(number):
        return "n/a" if value is None or not str(value).strip() else str(value).strip()
    if number == 0:
        return "0"
    integer_digits = math.floor(math.log10(abs(number))) + 1
    decimals = max(digits - integer_digits, 0)
    if isinstance(value, str):
        written = value.strip().lstrip("+-$").replace(",", "")
        if "e" not in written.lower():
            decimals = min(decimals, len(written.partition(".")[2]))
    elif isinstance(value, float):
        decimals = min(decimals, _float_decimals(value))
    return f"{round(number, decimals):,.{decimals}f}"


def _float_decimals(value: float) -> int:
    """Decimals of the shortest text of ``value`` (``12.5`` -> 1, ``3.0`` -> 0)."""
    text = repr(value)
    if "e" in text or "E" in text:
        return 12
    decimals = text.partition(".")[2].rstrip("0")
    return len(decimals)
