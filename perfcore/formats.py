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
