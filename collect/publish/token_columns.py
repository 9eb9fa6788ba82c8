"""Published token-table columns (CONTRIBUTING.md, ``kind: tokens``) of a generation record.

For ``collect publish`` (generation and served records): every cell is the record field
:mod:`perfcore.columns` declares for its column. The token tables'
``Throughput (tokens/second)`` counts input and output tokens (``total_tokens_per_s``);
``Latency per Token`` is e2e latency per output token. Decoder tables add output-token
throughput and TTFT/TPOT percentiles. TP degree is the record's ``tp_degree`` and DP degree
its ``n_models`` (model copies); a run that did not record one states the schema's default, 1.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from perfcore.columns import DECODER_ONLY, key_default, record_value

TOKEN_COLUMNS = ("Throughput (tokens/second)", "Latency per Token P50 (ms)",
                 "Latency per Token P99 (ms)", "TP Degree", "DP Degree", "Input Length",
                 "Output Length")
STATED_DEFAULT = ("TP Degree", "DP Degree")


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
    names = (*TOKEN_COLUMNS, *DECODER_ONLY) if decoder else TOKEN_COLUMNS
    cells = {name: _text(record_value(name, record)) for name in names}
    for name in STATED_DEFAULT:
        cells[name] = cells[name] or key_default(name)
    return cells
