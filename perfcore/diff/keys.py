"""What the rows of two snapshots are matched by: the comparison key as
:data:`perfcore.columns.COMPARISON_KEYS` declares it, the one normaliser both readers use,
and a key's labels."""

from __future__ import annotations

import math
from typing import Any

from perfcore.columns import COMPARISON_KEYS, comparison_label

# Part of every comparison's key.
KEY_FIELDS = tuple(key.name for key in COMPARISON_KEYS if key.always)
# Part of a comparison's key where both sides state them.
OPTIONAL_KEY_FIELDS = tuple(key.name for key in COMPARISON_KEYS if not key.always)
ALL_KEY_FIELDS = (*KEY_FIELDS, *OPTIONAL_KEY_FIELDS)
# A key's column header: its published column's name (``Model Data Type``), else its label.
KEY_LABELS = {key.name: comparison_label(key.name) for key in COMPARISON_KEYS}

# Key fields whose text differs only in case between CSVs and records (FP32 / fp32); the
# instance type is compared caseless too, but shown as written (perfcore.diff.compare).
CASELESS_KEYS = ("dtype",)
UNSTATED = ("not stated", "none", "nan", "n/a")


def _canonical(value: Any) -> str:
    """Key text: numbers without a trailing '.0', None/NaN as ''."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        return str(int(value)) if value.is_integer() else repr(value)
    text = str(value).strip()
    try:
        number = float(text)
    except ValueError:
        return "" if text.lower() in ("none", "nan", "n/a") else text
    if math.isfinite(number) and number.is_integer() and "e" not in text.lower():
        return str(int(number))
    return text


def normalise_key(name: str, value: Any) -> str:
    """The one text a key field is compared as, whichever reader it came from."""
    text = _canonical(value)
    if text.lower() in UNSTATED:
        return ""
    if name in CASELESS_KEYS:
        return text.lower()
    if name == "mode" and text == "serve":  # served generation publishes into token tables
        return "generate"
    return text


def format_key(key: dict[str, str]) -> str:
    """One-line description of a row key, e.g. ``bert-base | inf2.xlarge | seq 128 | ...``."""
    parts = [f"{declared.short} {key.get(declared.name, '')}".strip()
             for declared in COMPARISON_KEYS
             if declared.short is not None and key.get(declared.name, "")]
    return " | ".join(parts)
