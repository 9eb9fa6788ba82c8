"""What ``collect publish`` writes for served records (``mode: serve``) in decoder token
tables: which records qualify, and the cells that say how they were measured."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def unpublishable(record: Mapping[str, Any]) -> str | None:
    """Why a served ``ok`` (or ``degraded``) record cannot go in a table or card, or None.

    Failed requests within the record's ``max_failed_fraction`` leave it ``ok``; a record
    written before that threshold existed says nothing of its failures' share, so one with
    failed requests is left out (measure or import it again)."""
    if record.get("n_failed") and record.get("max_failed_fraction") is None:
        return (f"{record['n_failed']} of {record.get('n_requests')} requests failed (a record "
                "without max_failed_fraction: measure or import it again)")
    lengths = (record.get("input_length"), record.get("output_length"))
    if not all(isinstance(value, int) for value in lengths):
        return "input/output lengths are not fixed (a range or a dataset)"
    return None


def server_text(record: Mapping[str, Any]) -> str:
    """``vllm 0.11.0``, or what the endpoint told about itself (``uvicorn``), or ``server``."""
    server = record.get("server") or {}
    parts = [str(server[key]) for key in ("name", "version") if server.get(key)]
    return " ".join(parts) or "server"


def load_text(record: Mapping[str, Any]) -> str:
    """``Served, closed loop, concurrency 8``, ``Served, Poisson 4 requests/s``, ..."""
    load, rate = record.get("load"), record.get("offered_rate")
    if load == "closed":
        return f"Served, closed loop, concurrency {record.get('concurrency')}"
    if load == "poisson" and rate is not None:
        return f"Served, Poisson {rate:g} requests/s"
    if rate is not None:
        return f"Served, {load} arrivals {rate:g} requests/s"
    return f"Served, {load or 'load not stated'}"


def served_cells(record: Mapping[str, Any]) -> dict[str, str]:
    """Framework (the server), Run Mode (the load), Batch Size (blank: the server batches)
    and, where the server reported it, the Model Data Type it runs (else the ``--dtypes``
    label stays)."""
    cells = {"Framework": server_text(record), "Run Mode": load_text(record), "Batch Size": ""}
    reported = (record.get("server") or {}).get("dtype")
    if reported:
        cells["Model Data Type"] = str(reported).upper()
    return cells


def source_suffix(record: Mapping[str, Any]) -> str:
    """Appended to the Source cell: which server answered at which endpoint."""
    return f" via {server_text(record)} at {record.get('endpoint')}"
