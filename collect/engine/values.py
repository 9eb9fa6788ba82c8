"""Value types of the collector's options (argparse ``type=``): each parses one option value or
raises ``argparse.ArgumentTypeError`` saying what was expected (argparse names the option)."""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable, Sequence

from collect.backends.base import DTYPES
from perfcore.numbers import parse_fraction


def positive_ints(text: str) -> list[int]:
    """``"1,2,4"`` -> ``[1, 2, 4]``."""
    try:
        values = [int(part) for part in text.split(",")]
    except ValueError:
        values = []
    if not values or any(value < 1 for value in values):
        raise argparse.ArgumentTypeError(
            f"expected comma-separated positive integers, got {text!r}")
    return values


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, got {text!r}")
    return value


def names(choices: Sequence[str] | None = None) -> Callable[[str], list[str]]:
    def parse(text: str) -> list[str]:
        values = [part.strip() for part in text.split(",") if part.strip()]
        if not values:
            raise argparse.ArgumentTypeError(f"expected a comma-separated list, got {text!r}")
        unknown = [value for value in values if choices and value not in choices]
        if unknown:
            raise argparse.ArgumentTypeError(
                f"unknown value(s) {', '.join(unknown)}; choose from {', '.join(choices or ())}")
        return values

    return parse


def finite_float(text: str) -> float:
    """A finite number: ``nan`` and ``inf`` are refused (``inf`` would never end a run)."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"expected a finite number, got {text!r}")
    return value


def non_negative_float(text: str) -> float:
    value = finite_float(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a number >= 0, got {text!r}")
    return value


def positive_float(text: str) -> float:
    value = finite_float(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected a number > 0, got {text!r}")
    return value


def positive_float_list(text: str) -> list[float]:
    """``"100,200,400"`` to ``[100.0, 200.0, 400.0]``."""
    try:
        return [positive_float(part) for part in text.split(",") if part.strip()] or \
            positive_float_list("")
    except argparse.ArgumentTypeError:
        raise argparse.ArgumentTypeError(
            f"expected positive numbers separated by commas, e.g. 100,200,400; got {text!r}"
        ) from None


def dtype_list(text: str) -> list[str]:
    """``"fp32,bf16"`` to ``["fp32", "bf16"]``; unknown names list the known ones."""
    names = [part.strip() for part in text.split(",") if part.strip()]
    unknown = [name for name in names if name not in DTYPES]
    if not names or unknown:
        raise argparse.ArgumentTypeError(
            f"expected dtypes from {', '.join(DTYPES)} separated by commas; got {text!r}"
        )
    return names


def fraction(text: str) -> float:
    """``0.05`` or ``5%``: a share in [0, 1)."""
    try:
        return parse_fraction(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None
