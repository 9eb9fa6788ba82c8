"""The one sort order of table cells, used by pages, the browser script's twin and the CLI.

Numbers sort numerically, text naturally and case-insensitively, and blanks and ``n/a`` sort
after everything else in either direction. No Sphinx import.
"""

from __future__ import annotations

import math
import re

from perfcore.numbers import parse_number

_DIGITS = re.compile(r"(\d+)")


def sort_key(text: object) -> tuple:
    """Order: numbers numerically, then text naturally and case-insensitively; blanks last.

    ``resnet18 < resnet34 < resnet101 < UNet``; ``n/a``, ``''`` and None sort after all.
    """
    if text is None or (isinstance(text, float) and math.isnan(text)):
        return (1,)
    number = parse_number(text)
    if number is not None:
        return (0, 0, number)
    words = str(text).strip().lower()
    if words in ("", "n/a", "nan", "none", "null", "-"):
        return (1,)
    parts = _DIGITS.split(words)
    return (0, 1, tuple(int(part) if index % 2 else part for index, part in enumerate(parts)))


def is_missing(text: object) -> bool:
    return sort_key(text) == (1,)
