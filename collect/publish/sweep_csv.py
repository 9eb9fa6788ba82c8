"""``collect publish-sweep``: every configuration of a batch-size sweep into one long-form
sweep CSV (``data/<platform>/sweep_<name>.csv``), the shape ``perf-sweep`` and
``perf-chart :kind: sweep`` read (CONTRIBUTING.md, "Sweep CSVs").

Unlike ``publish``, nothing is selected: each configuration is a row, and one that did not
finish ``ok`` keeps its status (``oom`` stays ``oom``) with empty values, as in seed 003.
Rows are upserted by (Model, Batch Size, Engine, Data Type) with the same keyed, atomic,
locked writer as ``publish``, so a second model's sweep adds its rows beside the first's.
Values are read as the shared schema declares (``perfcore.columns.record_value``): a
``collect run --mode generate`` record's ``total_tokens_per_s``, ``latency_per_token_ms_p50``
and ``e2e_ms_p50``, or a seed transcription's ``tokens_per_s``, ``ms_per_token``, ``e2e_s``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from collect.errors import CollectError
from collect.publish.cells import published_cell
from collect.publish.tables import load_located, source_of
from perfcore.csvstore import Changes, upsert_csv
from perfcore.families import sweep_csv

KEY_COLUMNS = ("Model", "Batch Size", "Engine", "Data Type")
OFFLINE_VALUES = ("Throughput (inference/sec)", "Latency P50 (ms)", "Latency P99 (ms)")
GENERATE_VALUES = ("Throughput (tokens/second)", "Time per Token (ms)", "Latency (s)")
"""Value columns (perfcore.columns: which record fields, in which unit, how many decimals)."""
SWEEP_NAME = re.compile(r"[a-z0-9][a-z0-9_-]*")


@dataclass(frozen=True)
class SweepOptions:
    results: list[Path]
    name: str
    data_dir: Path = Path("data")
    platform: str = "cpu"


def engine_label(record: dict) -> str:
    """What distinguishes a series besides the data type: the engine, or the parallelism."""
    if record.get("engine"):
        return str(record["engine"])
    backend = {"neuron": "Neuron", "cuda": "CUDA", "cpu": "CPU"}.get(
        str(record.get("backend")), str(record.get("backend")))
    copies, workers = record.get("n_models") or 1, record.get("workers_per_model") or 1
    copies_text = "1 copy" if copies == 1 else f"{copies} copies"
    workers_text = "1 thread" if workers == 1 else f"{workers} threads"
    return f"{backend}, {copies_text} x {workers_text}"


def value_columns(records: list[dict]) -> tuple[str, ...]:
    modes = {record.get("mode", "offline") for record in records}
    if modes == {"offline"}:
        return OFFLINE_VALUES
    if modes == {"generate"}:
        return GENERATE_VALUES
    raise CollectError(f"a sweep CSV holds one mode; these results mix {', '.join(sorted(modes))}")


def sweep_row(record: dict, source: str, values: tuple[str, ...]) -> dict[str, str]:
    status = str(record.get("status") or "")
    row = {
        "Model": str(record.get("model") or ""),
        "Batch Size": str(record["batch_size"]),
        "Engine": engine_label(record),
        "Data Type": str(record.get("dtype") or "dtype not stated"),
    }
    for column in values:
        row[column] = published_cell(column, record) if status == "ok" else ""
    row.update({"Status": status, "Source": source, "Run ID": str(record.get("run_id") or "")})
    return row


def publish_sweep(options: SweepOptions) -> tuple[Path, Changes]:
    if not SWEEP_NAME.fullmatch(options.name):
        raise CollectError(f"--name must be lower-case letters, digits, '-' or '_', "
                           f"got {options.name!r}")
    located = load_located(options.results, [])
    if not located:
        raise CollectError("nothing to publish: the results files hold no records")
    values = value_columns([item.record for item in located])
    rows = [sweep_row(item.record, source_of(item), values) for item in located]
    columns = (*KEY_COLUMNS, *values, "Status", "Source", "Run ID")
    path = options.data_dir / sweep_csv(options.platform, options.name)
    return path, upsert_csv(path, rows, columns, KEY_COLUMNS)
