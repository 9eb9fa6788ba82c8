"""What an importer read, and the served record (results schema v1, ``mode: serve``) it
becomes.

An importer fills :class:`Reading` with the tool's values under the record's own field
names, each with the tool's name for it. A value the file does not have is not put: the
record's field stays null. Values are copied as the file wrote them; a unit change is a
decimal shift (:func:`perfcore.numbers.shift_decimal`), so digits are kept.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from collect.errors import CollectError
from collect.serve.metrics import served_status, spread, summary
from collect.serve.options import DEFAULT_MAX_FAILED, ServeConfig
from perfcore.numbers import shift_decimal
from perfcore.records import SCHEMA_VERSION, config_id

SERVED_METRICS = ("ttft", "ttft_reasoning", "ttft_answer", "ttst", "tpot", "itl", "text_itl",
                  "e2e", "latency_per_token")  # ``<name>_ms_*``
SERVED_SPREADS = ("per_user_output_tokens_per_s", "chunks_per_request")  # ``<name>_*``
SERVED_TOTALS = ("n_requests", "n_completed", "n_failed", "duration_s", "total_input_tokens",
                 "total_output_tokens", "request_throughput", "output_tokens_per_s",
                 "total_tokens_per_s", "input_tokens_per_s", "goodput_requests_per_s",
                 "effective_concurrency", "failed_fraction", "ttft_at")
SCALES = {"ms": 0, "s": 3, "sec": 3, "us": -3, "ns": -6}  # power of ten to milliseconds


@dataclass
class Reading:
    """One run of another tool, in the record's terms."""

    tool: str
    version: str | None
    model: str | None = None
    load: str | None = None
    api: str | None = None
    endpoint: str | None = None
    offered_rate: float | None = None
    concurrency: int | None = None
    input_length: int | None = None
    output_length: int | None = None
    values: dict[str, Any] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def put(self, record_field: str, value: Any, tool_name: str) -> None:
        """Record ``value`` (the tool's ``tool_name``) as ``record_field``; None is skipped."""
        if value is not None:
            self.values[record_field] = value
            self.names[record_field] = tool_name

    def put_ms(self, record_field: str, value: float | None, unit: str,
               tool_name: str) -> None:
        """A time in ``unit`` (ms, s, us, ns) as milliseconds, digit for digit."""
        if value is not None:
            self.put(record_field, shift_decimal(value, SCALES[unit]) if SCALES[unit]
                     else value, tool_name)


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def served_record(reading: Reading, *, digest: str, shown: str, index: int, fmt: str,
                  instance_type: str, model: str | None, imported_at: str,
                  max_failed: float | None = None) -> dict[str, Any]:
    """The results record of one reading (``index``: its place among the file's documents;
    ``digest``: the file's :func:`sha256_of`)."""
    if max_failed is None:
        max_failed = DEFAULT_MAX_FAILED
    name = model or reading.model
    if not name:
        raise CollectError(f"{shown}: the file does not name the model; pass --model")
    config = ServeConfig(name, reading.load or "unknown", None, reading.input_length,
                         reading.output_length, offered_rate=reading.offered_rate,
                         concurrency=reading.concurrency)
    fields = config.fields()
    status, reason = status_of(reading, max_failed)
    version = reading.version or "(version not stated)"
    return {
        "schema_version": SCHEMA_VERSION, "run_id": import_run_id(imported_at, digest),
        "config_id": config_id(fields), "status": status, "reason": reason,
        "source": f"imported {reading.tool} {version} result ({shown})",
        "started_at": None, "ended_at": None, **fields,
        "load": reading.load, "api": reading.api, "endpoint": reading.endpoint,
        "server": {"name": None, "version": None}, "max_failed_fraction": max_failed,
        **empty_served_fields(), **reading.values,
        "imported": {"tool": reading.tool, "version": reading.version, "format": fmt,
                     "file": shown, "sha256": digest, "document": index,
                     "imported_at": imported_at, "fields": dict(reading.names),
                     "notes": list(reading.notes)},
        "env": {"instance_type": instance_type},
    }


def import_run_id(imported_at: str, digest: str) -> str:
    """``20261203T141302Z-import-25bb0c23``: sorts by time among collector run ids (a later
    import replaces an earlier row on publish), and names the file's content."""
    stamp = imported_at.replace("-", "").replace(":", "")
    return f"{stamp}-import-{digest[:8]}"


def status_of(reading: Reading, max_failed: float) -> tuple[str, str | None]:
    """``failed`` when no request completed; ``degraded`` when more than ``max_failed`` of
    the requests failed (:func:`collect.serve.metrics.served_status`); ``ok`` otherwise."""
    values = reading.values
    if values.get("n_completed") == 0:
        return "failed", f"no request completed ({reading.tool} file)"
    return served_status(values.get("n_requests"), values.get("n_failed"),
                         values.get("failure_reasons"), max_failed)


def empty_served_fields() -> dict[str, None]:
    """The served record's metric fields, null: what a file does not give stays empty."""
    fields: dict[str, None] = dict.fromkeys(SERVED_TOTALS)
    for name in SERVED_METRICS:
        fields.update(dict.fromkeys(summary(name, [])))
    for name in SERVED_SPREADS:
        fields.update(dict.fromkeys(spread([]).fields(name)))
    return fields
