"""Published columns and their units: what a column name means, declared once. No Sphinx import."""

from __future__ import annotations

import re
from dataclasses import dataclass

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


@dataclass(frozen=True)
class Column:
    """One published column: its name on the pages and in the CSVs, and what it means.

    ``record_fields``: the results-record fields it is published from (the first that is
    present wins); ``key``: the comparison key it states (``collect diff``, perf-diff);
    ``metric``: the compared metric it holds (``throughput``, ``latency_p50``, ``latency_p99``).
    """

    name: str
    meaning: str
    unit: str = ""
    record_fields: tuple[str, ...] = ()
    key: str | None = None
    metric: str | None = None


SCHEMA: tuple[Column, ...] = (
    Column("Model", "model name as the registry or the source names it", key="model",
           record_fields=("model",)),
    Column("Scripts", "link to the script that ran it (optional)"),
    Column("Framework", "framework and version, e.g. PyTorch 2.13.0"),
    Column("Inst. Type", "cloud instance type (matched to prices case-insensitively)",
           key="instance_type"),
    Column("Task", "what the model does, e.g. Text Classification"),
    Column("Throughput (inference/sec)", "inferences per second over the measured interval",
           "inferences/s", ("throughput_avg",), metric="throughput"),
    Column("Latency P50 (ms)", "median latency of one batch", "ms", ("latency_ms_p50",),
           metric="latency_p50"),
    Column("Latency P99 (ms)", "99th-percentile latency of one batch", "ms",
           ("latency_ms_p99",), metric="latency_p99"),
    Column("Latency P95 (ms)", "95th-percentile latency of one batch", "ms",
           ("latency_ms_p95",)),
    Column("Throughput (tokens/second)", "input plus output tokens per second", "tokens/s",
           ("total_tokens_per_s",), metric="throughput"),
    Column("Latency per Token P50 (ms)", "median end-to-end latency per output token", "ms",
           ("latency_per_token_ms_p50",), metric="latency_p50"),
    Column("Latency per Token P99 (ms)", "99th-percentile end-to-end latency per output token",
           "ms", ("latency_per_token_ms_p99",), metric="latency_p99"),
    Column("Output Token Throughput (tokens/second)", "generated tokens per second",
           "tokens/s", ("output_tokens_per_s",)),
    Column("TTFT P50 (ms)", "median time to first token", "ms", ("ttft_ms_p50",)),
    Column("TTFT P99 (ms)", "99th-percentile time to first token", "ms", ("ttft_ms_p99",)),
    Column("TPOT P50 (ms)", "median time per output token after the first", "ms",
           ("tpot_ms_p50",)),
    Column("TPOT P99 (ms)", "99th-percentile time per output token after the first", "ms",
           ("tpot_ms_p99",)),
    # the published Neuron pages' names for the same metrics (migrated tables, release history)
    Column("Throughput (inference/second)", "inferences per second", "inferences/s",
           metric="throughput"),
    Column("Avg Throughput (/sec)", "inferences per second (Inf1 pages)", "inferences/s",
           metric="throughput"),
    Column("Output Token Throughput (tokens/sec)", "generated tokens per second", "tokens/s",
           metric="throughput"),
    Column("TPOT Latency P50 (ms)", "median time per output token after the first", "ms",
           metric="latency_p50"),
    Column("TPOT Latency P99 (ms)", "99th-percentile time per output token after the first",
           "ms", metric="latency_p99"),
    Column("Application Type", "Real Time (latency-optimized) or Batch (throughput-optimized)"),
    Column("Neuron Version", "torch-neuronx version (Neuron rows)"),
    Column("Run Mode", "Single Copy or Data Parallel", key="mode"),
    Column("Batch Size", "inputs per call", key="batch_size", record_fields=("batch_size",)),
    Column("Sequence Length", "tokens per input (encoders)", key="sequence_length",
           record_fields=("sequence_length",)),
    Column("Model Data Type", "data type of the weights, e.g. FP32, BF16", key="dtype",
           record_fields=("dtype",)),
    Column("Compilation Autocast Data Type", "what the compiler cast matmuls to (Neuron)"),
    Column("OS Type", "operating system of the run"),
    Column("TP Degree", "tensor-parallel degree", key="tp_degree", record_fields=("tp_degree",)),
    Column("DP Degree", "data-parallel degree (model copies)", key="dp_degree"),
    Column("Input Length", "prompt tokens per sequence", key="input_length",
           record_fields=("input_length",)),
    Column("Output Length", "generated tokens per sequence", key="output_length",
           record_fields=("output_length",)),
    Column("Source", "where the row came from: a seed or a collector run and its results file"),
    Column("Run ID", "the collector run the row came from"),
    Column("Workers per Model", "threads per model copy", key="workers_per_model",
           record_fields=("workers_per_model",)),
    Column("Model Copies", "model copies measured together", key="n_models",
           record_fields=("n_models",)),
)
BY_NAME: dict[str, Column] = {column.name: column for column in SCHEMA}

INFERENCE_TABLE = (
    "Model", "Scripts", "Framework", "Inst. Type", "Task", "Throughput (inference/sec)",
    "Latency P50 (ms)", "Latency P99 (ms)", "Application Type", "Neuron Version", "Run Mode",
    "Batch Size", "Sequence Length", "Model Data Type", "Compilation Autocast Data Type",
    "OS Type", "Source", "Run ID", "Latency P95 (ms)", "Workers per Model", "Model Copies",
)
DECODER_ONLY = ("Output Token Throughput (tokens/second)", "TTFT P50 (ms)", "TTFT P99 (ms)",
                "TPOT P50 (ms)", "TPOT P99 (ms)")
TOKEN_TABLE = (
    "Model", "Scripts", "Framework", "Inst. Type", "Task", "Throughput (tokens/second)",
    "Latency per Token P50 (ms)", "Latency per Token P99 (ms)", *DECODER_ONLY,
    "Application Type", "Neuron Version", "Run Mode", "TP Degree", "DP Degree", "Batch Size",
    "Sequence Length", "Input Length", "Output Length", "Model Data Type",
    "Compilation Autocast Data Type", "OS Type", "Source", "Run ID", "Workers per Model",
    "Model Copies",
)


def columns_with(metric: str) -> tuple[str, ...]:
    """Names of the published columns that hold ``metric`` (e.g. ``throughput``)."""
    return tuple(column.name for column in SCHEMA if column.metric == metric)


def record_fields_of(metric: str) -> tuple[str, ...]:
    """Results-record fields published as ``metric``, in the order columns are declared."""
    return tuple(field for column in SCHEMA if column.metric == metric
                 for field in column.record_fields)


def key_columns() -> dict[str, str]:
    """Comparison key -> the column that states it."""
    return {column.key: column.name for column in SCHEMA if column.key}


def is_published(name: str) -> bool:
    """A declared column, or the cost column the site computes from one."""
    return name in BY_NAME or name.startswith("Cost per 1M ")
