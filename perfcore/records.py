"""Results JSONL (schema v1, see CONTRIBUTING.md): config ids, reading with torn-line
handling, and an append-only writer that flushes and fsyncs each record.

A record is written in one ``write`` call ending in a newline, so after a crash the
only possible damage is a last line without its newline (a *torn* line). Reading
reports it; ``--resume`` truncates the file back to the last complete line.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from perfcore.errors import DataFileError, UserError

SCHEMA_VERSION = 1
FINAL_STATUSES = frozenset({"ok", "failed", "oom", "skipped", "timeout", "compile_failed",
                            "degraded"})
CONFIG_FIELDS = (
    "model", "backend", "mode", "batch_size", "n_models", "workers_per_model",
    "sequence_length", "dtype", "compiled", "input_length", "output_length",
    "offered_rate", "concurrency", "max_batch_size", "max_batch_delay_ms",
)
OFFLINE_FIELDS = (
    "duration_s", "warmup_s", "window_s", "n_batches", "n_inferences", "throughput_avg",
    "throughput_peak", "throughput_windows", "latency_ms_p50", "latency_ms_p90",
    "latency_ms_p95", "latency_ms_p99", "latency_ms_mean", "latency_ms_std",
    "latency_ms_min", "latency_ms_max", "stable", "stability", "compile_time_s",
    "tokenize_ms_p50", "tokenize_ms_mean",
)


def config_id(config: dict[str, Any]) -> str:
    """Stable hash of the configuration fields (absent fields count as null)."""
    canonical = json.dumps({key: config.get(key) for key in CONFIG_FIELDS}, sort_keys=True)
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def finite(value: Any) -> Any:
    """NaN and infinities are not JSON: they become null (absent, never invented)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {key: finite(item) for key, item in value.items()}
    if isinstance(value, list):
        return [finite(item) for item in value]
    return value


@dataclass
class ReadResult:
    records: list[dict] = field(default_factory=list)
    line_numbers: list[int] = field(default_factory=list)
    torn_line: int | None = None
    complete_bytes: int = 0


def read_records(path: Path) -> ReadResult:
    """All complete records of ``path``; a torn last line is reported, not returned.

    Any other malformed line is an error naming the file and line.
    """
    try:
        data = path.read_bytes()
    except OSError as error:
        raise DataFileError(str(path), 0, f"cannot read results: {error.strerror}") from error
    result = ReadResult()
    offset = 0
    for number, raw in enumerate(data.splitlines(keepends=True), start=1):
        is_last = offset + len(raw) == len(data)
        offset += len(raw)
        if not raw.strip():
            result.complete_bytes = offset
            continue
        try:
            record = json.loads(raw)
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            if is_last and not raw.endswith(b"\n"):
                result.torn_line = number
                break
            detail = error.msg if isinstance(error, json.JSONDecodeError) else error.reason
            raise DataFileError(str(path), number, f"invalid JSON ({detail}); expected one "
                                f"results record (schema v{SCHEMA_VERSION}) per line") from error
        check_record(record, path, number)
        if not raw.endswith(b"\n"):
            result.torn_line = number  # complete JSON but no newline: still a torn write
            break
        result.records.append(record)
        result.line_numbers.append(number)
        result.complete_bytes = offset
    return result


@dataclass(frozen=True)
class Located:
    """A record and where it came from (for messages and the ``Source`` column)."""

    record: dict
    path: Path
    line: int

    @property
    def where(self) -> str:
        return f"{self.path}:{self.line}"


@dataclass
class LocatedResults:
    """The records of several results files in order, each with its file and line; ``torn``
    lists ``(file, line)`` of every torn last line that was left out."""

    records: list[Located] = field(default_factory=list)
    torn: list[tuple[Path, int]] = field(default_factory=list)


def read_located(paths: Iterable[Path]) -> LocatedResults:
    """The one reader of results files for everything after ``collect run``: every complete
    record of ``paths``, located (:func:`read_records` for each file)."""
    located = LocatedResults()
    for path in map(Path, paths):
        result = read_records(path)
        if result.torn_line is not None:
            located.torn.append((path, result.torn_line))
        located.records += [Located(record, path, line) for record, line
                            in zip(result.records, result.line_numbers, strict=True)]
    return located


def check_record(record: Any, path: Path, number: int) -> None:
    if not isinstance(record, dict):
        raise DataFileError(str(path), number,
                            f"expected a JSON object, got {type(record).__name__}")
    version = record.get("schema_version")
    if version != SCHEMA_VERSION:
        raise DataFileError(
            str(path), number, f"schema_version {version!r} is not supported "
            f"(this collector reads version {SCHEMA_VERSION})"
        )


class ResultsWriter:
    """Appends records to ``path``; refuses to overwrite unless resuming or forced."""

    def __init__(self, path: Path, *, resume: bool = False, force: bool = False) -> None:
        if resume and force:
            raise UserError("--resume and --force exclude each other")
        self.path = path
        self.done: dict[str, dict] = {}
        self.repaired_line: int | None = None
        has_data = path.exists() and path.stat().st_size > 0
        if has_data and not (resume or force):
            raise UserError(
                f"{path} already exists; pass --resume to continue it or --force to overwrite it"
            )
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("ab"):  # writable? (appends nothing; creates an absent file)
                pass
        except OSError as error:
            raise UserError(f"{path}: cannot write: {error.strerror or error}") from None
        if force or not has_data:
            path.write_bytes(b"")
        else:
            self._resume()

    def _resume(self) -> None:
        existing = read_records(self.path)
        if existing.torn_line is not None:
            with self.path.open("r+b") as handle:
                handle.truncate(existing.complete_bytes)
                handle.flush()
                os.fsync(handle.fileno())
            self.repaired_line = existing.torn_line
        for record in existing.records:
            if record.get("status") in FINAL_STATUSES and record.get("config_id"):
                self.done[record["config_id"]] = record

    def append(self, record: dict) -> None:
        line = json.dumps(finite(record), allow_nan=False, ensure_ascii=False) + "\n"
        with self.path.open("a", encoding="utf-8") as handle:
            handle.write(line)
            handle.flush()
            os.fsync(handle.fileno())
