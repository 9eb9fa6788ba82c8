"""Published columns and their units: what a column name means, declared once. No Sphinx import."""

from __future__ import annotations

import re

_UNIT = re.compile(r"\((?P<unit>[^()/]+)/\s*(s|sec|second)\)\s*$", re.IGNORECASE)
_PLURAL = {"inference": "inferences", "token": "tokens", "image": "images", "sample": "samples",
           "sequence": "sequences", "request": "requests"}


def unit_from_column(column: str) -> str | None:
    """``Throughput (tokens/second)`` -> ``tokens``; None when the header names no unit."""
    match = _UNIT.search(column)
    if not match:
        return None
    unit = match["unit"].strip().lower()
    return _PLURAL.get(unit, unit)


def cost_label(unit: str) -> str:
    return f"Cost per 1M {unit}"


# Column names of the published Neuron pages that mean a published column under another
# name (CONTRIBUTING.md "Published CSV columns"); ``collect migrate`` writes today's name.
LEGACY_NAMES = {
    "Throughput (inference/second)": "Throughput (inference/sec)",
    "Avg Throughput (/sec)": "Throughput (inference/sec)",
    "Output Token Throughput (tokens/sec)": "Output Token Throughput (tokens/second)",
    "TTFT Latency P50 (ms)": "TTFT P50 (ms)",
    "TTFT Latency P99 (ms)": "TTFT P99 (ms)",
    "TPOT Latency P50 (ms)": "TPOT P50 (ms)",
    "TPOT Latency P99 (ms)": "TPOT P99 (ms)",
    "Seq. Length": "Sequence Length",
}


def published_name(column: str) -> str:
    """Today's name of a column a published page may have used (itself if unchanged)."""
    return LEGACY_NAMES.get(column, column)
