"""Published token-table columns (CONTRIBUTING.md, ``kind: tokens``) of a generation record.

For ``collect publish`` (generation and served records): the token tables'
``Throughput (tokens/second)`` counts input
and output tokens (``total_tokens_per_s``); ``Latency per Token`` is e2e latency per
output token. Decoder tables add output-token throughput and TTFT/TPOT percentiles.
TP degree is the record's ``tp_degree`` (1 when the run did not shard the model); DP
degree is its ``n_models`` (model copies, 1 when absent).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def _text(value: Any, digits: int = 2) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return str(value)
    return f"{float(value):.{digits}f}"


def token_columns(record: Mapping[str, Any], decoder: bool) -> dict[str, str]:
    """The token-table cells of one ``mode: generate`` (or served, ``mode: serve``) record
    with ``status: ok``."""
    if record.get("mode") not in ("generate", "serve"):
        raise ValueError(f"token columns need a generate record, got mode {record.get('mode')!r}")
    columns = {
        "Throughput (tokens/second)": _text(record.get("total_tokens_per_s")),
        "Latency per Token P50 (ms)": _text(record.get("latency_per_token_ms_p50")),
        "Latency per Token P99 (ms)": _text(record.get("latency_per_token_ms_p99")),
        "TP Degree": _text(record.get("tp_degree") or 1),
        "DP Degree": _text(record.get("n_models") or 1),
        "Input Length": _text(record.get("input_length")),
        "Output Length": _text(record.get("output_length")),
    }
    if decoder:
        columns.update({
            "Output Token Throughput (tokens/second)": _text(record.get("output_tokens_per_s")),
            "TTFT P50 (ms)": _text(record.get("ttft_ms_p50")),
            "TTFT P99 (ms)": _text(record.get("ttft_ms_p99")),
            "TPOT P50 (ms)": _text(record.get("tpot_ms_p50")),
            "TPOT P99 (ms)": _text(record.get("tpot_ms_p99")),
        })
    return columns
