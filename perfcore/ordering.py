"""The one sort order of table cells, used by pages, the browser script's twin and the CLI.

Numbers sort numerically, text naturally and case-insensitively, and blanks and ``n/a`` sort
after everything else in either direction. No Sphinx import.
"""

from __future__ import annotations

import math
import re

from perfcore.numbers import parse_number

_DIGITS = re.compile(r"(\d+)")
# Cells that hold no value: blanks, "not available" and the statuses of runs that did not
# finish (``oom`` stays ``oom`` on the page). They sort after every value in either direction;
# ext/static/df-table.js keeps the same list (a test compares them).
NOT_A_VALUE = frozenset({"", "n/a", "na", "nan", "none", "null", "-", "\u2014", "\u2013", "oom",
                         "failed", "timeout", "skipped", "compile_failed"})


def sort_key(text: object) -> tuple:
    """Order: numbers numerically, then text naturally and case-insensitively; no-values last.

    ``resnet18 < resnet34 < resnet101 < UNet``; ``n/a``, ``oom``, ``''`` and None (see
    :data:`NOT_A_VALUE`) sort after all, also in a descending sort (:func:`is_missing`).
    """
    if text is None or (isinstance(text, float) and math.isnan(text)):
        return (1,)
    number = parse_number(text)
    if number is not None:
        return (0, 0, number)
    words = str(text).strip().lower()
    if words in NOT_A_VALUE:
        return (1,)
    parts = _DIGITS.split(words)
    return (0, 1, tuple(int(part) if index % 2 else part for index, part in enumerate(parts)))


def is_missing(text: object) -> bool:
    return sort_key(text) == (1,)


# A displayed cell's number (df-table.js ``cellNumber`` is the twin; a browser test compares):
# an optional sign and currency sign, digits (commas only as thousands groups), decimals, an
# exponent, an optional ``%``, then nothing or a space and words (``859 tokens/s``, ``2,120
# (+0.0%)``). In ``OLD -> NEW`` only ``NEW`` counts.
_ARROW = re.compile(r"->|\u2192")
_CELL_NUMBER = re.compile(r"([-+]?)[$\u20ac\u00a3\u00a5]?"
                          r"(\d{1,3}(?:,\d{3})+(?:\.\d*)?|\d+(?:\.\d*)?|\.\d+)"
                          r"((?:[eE][-+]?\d+)?)%?(?:\s+\D.*)?", re.DOTALL)


def cell_number(text: str) -> float | None:
    """The number a rendered cell sorts by in the browser, or None for text and no-values.

    ``$0.0669`` -> 0.0669, ``12.3%`` -> 12.3, ``1,234.5 tokens/s`` -> 1234.5,
    ``2,120 -> 2,164 (+2.1%)`` -> 2164.0; ``812,5`` (a decimal comma), ``n/a`` -> None.
    """
    words = _ARROW.split(str(text))[-1].strip()
    match = _CELL_NUMBER.fullmatch(words)
    if match is None:
        return None
    value = float(match[1] + match[2].replace(",", "") + match[3])
    return value if math.isfinite(value) else None
