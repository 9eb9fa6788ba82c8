"""Published columns and their units: what a column name means, declared once. No Sphinx import."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

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
    present wins; ``record_scale`` converts a field given in another unit, see
    :func:`record_value`); ``key``: the comparison key it states (``collect diff``, perf-diff);
    ``metric``: the compared metric it holds (``throughput``, ``latency_p50``, ``latency_p99``;
    where a table has several columns of one metric, the first declared wins);
    ``upsert``: part of the key ``collect publish`` replaces a table's rows by (a
    configuration, parallelism included, is one row per application type); ``default``:
    what a blank cell, or a CSV without the column, means in that key (``1`` copy);
    ``decimals``: the places ``collect publish`` writes a number of the column with.
    """

    name: str
    meaning: str
    unit: str = ""
    record_fields: tuple[str, ...] = ()
    key: str | None = None
    metric: str | None = None
    legacy_names: tuple[str, ...] = ()  # what the published Neuron pages called it
    upsert: bool = False
    default: str = ""
    record_scale: tuple[tuple[str, float], ...] = ()  # (field, factor): e.g. ms -> s
    latency: str | None = None  # what a latency column measures: a key of LATENCY_MEASURES
    percentile: str | None = None  # "p50", "p95", "p99" of a latency column
    counts: str | None = None  # what a throughput column counts; costs of two counts differ
    decimals: int = 2


SCHEMA: tuple[Column, ...] = (
    Column("Model", "model name as the registry or the source names it", key="model",
           record_fields=("model",), upsert=True),
    Column("Scripts", "link to the script that ran it (optional)"),
    Column("Framework", "framework and version, e.g. PyTorch 2.13.0"),
    Column("Inst. Type", "cloud instance type (matched to prices case-insensitively)",
           key="instance_type", upsert=True),
    Column("Task", "what the model does, e.g. Text Classification"),
    Column("Throughput (inference/sec)", "inferences per second over the measured interval",
           "inferences/s", ("throughput_avg",), metric="throughput", counts="inferences",
           legacy_names=("Throughput (inference/second)", "Avg Throughput (/sec)")),
    Column("Latency P50 (ms)", "median latency of one batch", "ms", ("latency_ms_p50",),
           metric="latency_p50", latency="batch", percentile="p50", decimals=3),
    Column("Latency P99 (ms)", "99th-percentile latency of one batch", "ms",
           ("latency_ms_p99",), metric="latency_p99", latency="batch", percentile="p99",
           decimals=3),
    Column("Latency P95 (ms)", "95th-percentile latency of one batch", "ms",
           ("latency_ms_p95",), latency="batch", percentile="p95", decimals=3),
    # seed transcriptions (seed 003) recorded ``tokens_per_s`` / ``ms_per_token`` / ``e2e_s``
    Column("Throughput (tokens/second)", "input plus output tokens per second", "tokens/s",
           ("total_tokens_per_s", "tokens_per_s"), metric="throughput",
           counts="input and output tokens"),
    Column("Latency per Token P50 (ms)", "median end-to-end latency per output token", "ms",
           ("latency_per_token_ms_p50",), metric="latency_p50", latency="token",
           percentile="p50"),
    Column("Latency per Token P99 (ms)", "99th-percentile end-to-end latency per output token",
           "ms", ("latency_per_token_ms_p99",), metric="latency_p99", latency="token",
           percentile="p99"),
    # decoder tables without the columns above compare these instead (the Neuron pages' LLMs)
    Column("Output Token Throughput (tokens/second)", "generated tokens per second",
           "tokens/s", ("output_tokens_per_s",), metric="throughput", counts="output tokens",
           legacy_names=("Output Token Throughput (tokens/sec)",)),
    Column("TTFT P50 (ms)", "median time to first token", "ms", ("ttft_ms_p50",),
           legacy_names=("TTFT Latency P50 (ms)",), latency="ttft", percentile="p50"),
    Column("TTFT P99 (ms)", "99th-percentile time to first token", "ms", ("ttft_ms_p99",),
           legacy_names=("TTFT Latency P99 (ms)",), latency="ttft", percentile="p99"),
    Column("TPOT P50 (ms)", "median time per output token after the first", "ms",
           ("tpot_ms_p50",), metric="latency_p50", legacy_names=("TPOT Latency P50 (ms)",),
           latency="tpot", percentile="p50"),
    Column("TPOT P99 (ms)", "99th-percentile time per output token after the first", "ms",
           ("tpot_ms_p99",), metric="latency_p99", legacy_names=("TPOT Latency P99 (ms)",),
           latency="tpot", percentile="p99"),
    # generation sweeps (collect publish-sweep --mode generate results, seed 003)
    Column("Time per Token (ms)", "median end-to-end latency per output token (sweeps)", "ms",
           ("latency_per_token_ms_p50", "ms_per_token")),
    Column("Latency (s)", "median end-to-end latency of one generate call (sweeps)", "s",
           ("e2e_s", "e2e_ms_p50"), record_scale=(("e2e_ms_p50", 0.001),)),
    Column("Application Type", "Real Time (latency-optimized) or Batch (throughput-optimized)"),
    Column("Neuron Version", "torch-neuronx version (Neuron rows)"),
    Column("Run Mode", "Single Copy or Data Parallel", key="run_mode"),
    Column("Batch Size", "inputs per call", key="batch_size", record_fields=("batch_size",)),
    Column("Sequence Length", "tokens per input (encoders)", key="sequence_length",
           record_fields=("sequence_length",), legacy_names=("Seq. Length",), upsert=True),
    Column("Model Data Type", "data type of the weights, e.g. FP32, BF16", key="dtype",
           record_fields=("dtype",), upsert=True),
    Column("Compilation Autocast Data Type", "what the compiler cast matmuls to (Neuron)",
           record_fields=("compiler_autocast",)),
    Column("Weight Storage Data Type", "data type the weights are stored in (Neuron decoders)"),
    Column("Image Size", "input image size of a vision model", key="image_size"),
    Column("Model details", "what the row's model is, in words (Inf1 tables)"),
    Column("OS Type", "operating system of the run"),
    Column("TP Degree", "tensor-parallel degree", key="tp_degree", record_fields=("tp_degree",),
           upsert=True, default="1"),
    Column("DP Degree", "data-parallel degree (model copies)", key="dp_degree",
           record_fields=("n_models",), upsert=True, default="1"),
    Column("Input Length", "prompt tokens per sequence", key="input_length",
           record_fields=("input_length",), upsert=True),
    Column("Output Length", "generated tokens per sequence", key="output_length",
           record_fields=("output_length",), upsert=True),
    Column("Source", "where the row came from: a seed or a collector run and its results file"),
    Column("Run ID", "the collector run the row came from", record_fields=("run_id",)),
    Column("Workers per Model", "threads per model copy", key="workers_per_model",
           record_fields=("workers_per_model",), upsert=True, default="1"),
    Column("Model Copies", "model copies measured together", key="n_models",
           record_fields=("n_models",), upsert=True, default="1"),
    # served results of model cards (data/model-cards/<model>.csv; collect publish of mode: serve)
    Column("Server", "the serving software and its version, e.g. vllm 0.32.0 (blank: not "
           "stated)", upsert=True),
    Column("Load", "how requests were sent: closed (N users), poisson, ...", upsert=True,
           record_fields=("load",)),
    Column("Concurrency", "users of a closed loop (requests in flight)", key="concurrency",
           record_fields=("concurrency",), upsert=True),
    Column("Offered Rate (requests/second)", "requests sent per second (open loop)",
           "requests/s", ("offered_rate",), key="offered_rate", upsert=True),
    Column("Request Throughput (requests/second)", "completed requests per second",
           "requests/s", ("request_throughput",)),
    Column("E2E P50 (ms)", "median end-to-end latency of a request", "ms", ("e2e_ms_p50",)),
    Column("E2E P99 (ms)", "99th-percentile end-to-end latency of a request", "ms",
           ("e2e_ms_p99",)),
    Column("ITL P50 (ms)", "median gap between streamed chunks with a choices entry (vLLM's "
           "ITL)", "ms", ("itl_ms_p50",)),
    Column("ITL P99 (ms)", "99th-percentile gap between chunks with a choices entry", "ms",
           ("itl_ms_p99",)),
    Column("Text ITL P50 (ms)", "median gap between streamed chunks with text (AIPerf's ICL)",
           "ms", ("text_itl_ms_p50",)),
    Column("Requests", "requests sent in the measured interval", record_fields=("n_requests",)),
    Column("Failed Requests", "requests that did not complete", record_fields=("n_failed",)),
    Column("Status", "how a served point ended: ok, or degraded (more failed requests than "
           "its --max-failed; published to model cards only when asked)",
           record_fields=("status",)),
    Column("Output Tokens per User P50 (tokens/second)", "median over requests of one user's "
           "output tokens per second after the first token, 1 / TPOT (AIPerf's output token "
           "throughput per user)", "tokens/s", ("per_user_output_tokens_per_s_p50",)),
    Column("TTST P50 (ms)", "median time from the first to the second token (AIPerf's time "
           "to second token)", "ms", ("ttst_ms_p50",)),
    Column("Input Token Throughput (tokens/second)", "prompt tokens of completed requests per "
           "second", "tokens/s", ("input_tokens_per_s",)),
    Column("Effective Concurrency", "mean requests in flight over the measured interval",
           record_fields=("effective_concurrency",)),
)
BY_NAME: dict[str, Column] = {column.name: column for column in SCHEMA}

# What a latency column measures: its short label and its meaning, shown wherever a latency or
# a bound on one is (cost pages, explorer, history). A bound of one measure never ranks a row
# by another: a per-token figure is not the latency of a request.
LATENCY_MEASURES: dict[str, tuple[str, str]] = {
    "batch": ("per batch", "the time to run one batch of Batch Size inputs (one request of "
                           "that many inputs), end to end"),
    "ttft": ("TTFT", "time to first token: from a generation request to its first output token"),
    "tpot": ("TPOT", "time per output token after the first (inter-token latency)"),
    "token": ("per token", "a generation request's end-to-end latency divided by its output "
                           "tokens"),
}
# One user's output speed while its answer streams, for cost against speed (model cards, the
# cost page, the explorer): 1000 / TPOT P50 (ms), the median request's tokens per second after
# its first (AIPerf's output token throughput per user is 1 / TPOT per request). Every token
# row publishing TPOT P50 has it, whichever tool measured it.
TOKENS_PER_USER = "Output tokens/s per user (1000 / TPOT P50)"
TOKENS_PER_USER_SOURCE = "TPOT P50 (ms)"


def tokens_per_user(tpot_p50_ms: float | None) -> float | None:
    """1000 / TPOT P50 (ms): the median user's output tokens per second; None without one."""
    return 1000.0 / tpot_p50_ms if tpot_p50_ms and tpot_p50_ms > 0 else None


# Column names of the published Neuron pages that mean a published column under another name;
# ``collect migrate`` writes today's name, the release history and diffs read either.
LEGACY_NAMES: dict[str, str] = {old: column.name for column in SCHEMA
                                for old in column.legacy_names}

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

# A model card's served results: one row per model, instance, data type, parallelism, load
# (concurrency or offered rate) and input|output length.
SERVED_TABLE = (
    "Model", "Inst. Type", "Server", "Model Data Type", "TP Degree", "DP Degree", "Load",
    "Concurrency", "Offered Rate (requests/second)", "Input Length", "Output Length",
    "Request Throughput (requests/second)", "Output Token Throughput (tokens/second)",
    "Throughput (tokens/second)", "TTFT P50 (ms)", "TTFT P99 (ms)", "TPOT P50 (ms)",
    "TPOT P99 (ms)", "ITL P50 (ms)", "ITL P99 (ms)", "Text ITL P50 (ms)", "E2E P50 (ms)",
    "E2E P99 (ms)", "Requests", "Failed Requests", "Source", "Run ID", "Status",
    "Output Tokens per User P50 (tokens/second)", "TTST P50 (ms)",
    "Input Token Throughput (tokens/second)", "Effective Concurrency",
)


def columns_with(metric: str) -> tuple[str, ...]:
    """Names (today's, then the legacy ones) of the columns that hold ``metric``."""
    return tuple(name for column in SCHEMA if column.metric == metric
                 for name in (column.name, *column.legacy_names))


def counted_by(column: str) -> str | None:
    """What a throughput column counts (``inferences``, ``output tokens``, ...); a cost per 1M of
    one is never compared with a cost per 1M of another."""
    declared = BY_NAME.get(published_name(column))
    return declared.counts if declared else None


def latency_key(measure: str, percentile: str) -> str:
    """``batch-p99``, ``ttft-p50``, ...: how a latency (and a bound on it) is named in code,
    options and the explorer's JSON."""
    return f"{measure}-{percentile}"


def latency_label(key: str) -> str:
    """``batch-p99`` -> ``P99 per batch``; ``ttft-p99`` -> ``TTFT P99``; ``token-p50`` ->
    ``P50 per token (e2e)`` (end-to-end latency / output tokens)."""
    measure, _, percentile = key.partition("-")
    short = LATENCY_MEASURES[measure][0]
    if measure in ("ttft", "tpot"):
        return f"{short} {percentile.upper()}"
    if measure == "token":
        return f"{percentile.upper()} per token (e2e)"
    return f"{percentile.upper()} {short}"


def latency_meaning(key: str) -> str:
    return LATENCY_MEASURES[key.partition("-")[0]][1]


def latency_columns() -> dict[str, tuple[str, ...]]:
    """Latency key -> the column names (today's, then legacy) that hold it, schema order."""
    found: dict[str, tuple[str, ...]] = {}
    for column in SCHEMA:
        if column.latency and column.percentile:
            key = latency_key(column.latency, column.percentile)
            found[key] = (*found.get(key, ()), column.name, *column.legacy_names)
    return found


def published_name(column: str) -> str:
    """Today's name of a column a published page may have used (itself if unchanged)."""
    return LEGACY_NAMES.get(column, column)


@dataclass(frozen=True)
class ComparisonKey:
    """A field ``collect diff`` and ``perf-diff`` match two snapshots' rows by (perfcore.diff).

    ``name`` is a column's ``key`` (that column's name is its label; its cells and its
    ``record_fields`` state it), or a field no column publishes: then ``label`` is its header
    and ``record_field`` the results-record field stating it (None: records do not).
    ``always``: in every comparison's key, stated or not (the others count where both sides
    state them). ``short``: the word before its value in a row's one-line label (``seq 128``;
    ``""``: the value alone; None: not in that label).
    """

    name: str
    always: bool = False
    short: str | None = ""
    label: str | None = None
    record_field: str | None = None


# In this order rows sort and a row's one-line label reads; the ``always`` keys come first.
COMPARISON_KEYS: tuple[ComparisonKey, ...] = (
    ComparisonKey("model", always=True),
    ComparisonKey("instance_type", always=True),
    ComparisonKey("sequence_length", always=True, short="seq"),
    ComparisonKey("dtype", always=True),
    ComparisonKey("batch_size", always=True, short="batch"),
    # a record's mode; a published table's kind (token tables hold generation)
    ComparisonKey("mode", always=True, label="Mode", record_field="mode"),
    ComparisonKey("run_mode"),
    ComparisonKey("n_models", short="copies"),
    ComparisonKey("workers_per_model", short="workers"),
    ComparisonKey("tp_degree", short="tp"),
    ComparisonKey("dp_degree", short="dp"),
    ComparisonKey("input_length", short="in"),
    ComparisonKey("output_length", short="out"),
    ComparisonKey("image_size", short=None),
    # the published CSV (``throughput_data_vision_cnn``), so each table's row is compared with
    # the same table's row: not a superseded table's with its successor's, nor a
    # throughput-optimized row with a latency-optimized one of the same configuration
    ComparisonKey("table", short="table", label="Table"),
    # open-loop runs: one row per offered rate / concurrency / batcher setting (the first two
    # are columns of the model cards' served results)
    ComparisonKey("offered_rate", short="rate"),
    ComparisonKey("concurrency", short="concurrency"),
    ComparisonKey("max_batch_size", short="max batch", label="Max Batch Size",
                  record_field="max_batch_size"),
    ComparisonKey("max_batch_delay_ms", short="delay ms", label="Max Batch Delay (ms)",
                  record_field="max_batch_delay_ms"),
)
# Compared metrics an open-loop record states in fields no column publishes; read after the
# fields of the metric's columns.
UNPUBLISHED_METRIC_FIELDS: dict[str, tuple[str, ...]] = {
    "throughput": ("achieved_rate",),
    "latency_p50": ("request_latency_ms_p50",),
    "latency_p99": ("request_latency_ms_p99",),
}


def comparison_label(name: str) -> str:
    """The header of comparison key ``name``: its column's name, else its declared label."""
    column = next((column.name for column in SCHEMA if column.key == name), None)
    if column is not None:
        return column
    declared = next(key for key in COMPARISON_KEYS if key.name == name)
    if declared.label is None:
        raise KeyError(f"comparison key {name!r} has neither a column nor a label")
    return declared.label


def record_fields_of(metric: str) -> tuple[str, ...]:
    """Results-record fields published as ``metric``, in the order columns are declared."""
    return tuple(field for column in SCHEMA if column.metric == metric
                 for field in column.record_fields)


def key_columns() -> dict[str, str]:
    """Comparison key -> the column that states it."""
    return {column.key: column.name for column in SCHEMA if column.key}


def record_value(column: str, record: Mapping[str, Any]) -> Any:
    """The value ``column`` publishes from ``record``: its first record field that is set;
    a number in the column's unit (a count stays an int unless scaled), a word as it is
    (None when none is set)."""
    declared = BY_NAME[column]
    scale = dict(declared.record_scale)
    for name in declared.record_fields:
        value = record.get(name)
        if value is None or value == "":
            continue
        if isinstance(value, int | float) and not isinstance(value, bool) and name in scale:
            return float(value) * scale[name]
        return value
    return None


def upsert_key(table: Sequence[str]) -> tuple[str, ...]:
    """The columns of ``table`` that ``collect publish`` upserts its rows by (schema order)."""
    return tuple(column.name for column in SCHEMA if column.upsert and column.name in table)


def key_default(name: str) -> str:
    """What a blank (or absent) ``name`` cell means in an upsert key."""
    column = BY_NAME.get(name)
    return column.default if column else ""


def is_published(name: str) -> bool:
    """A declared column, or the cost column the site computes from one."""
    return name in BY_NAME or name in LEGACY_NAMES or name.startswith("Cost per 1M ")


# How much a reader needs a column to answer "which configuration, how fast, at what cost"
# (the browser keeps priority 1 in view at any width and hides the highest numbers first when
# a table is wider than the page; docs/dev/interactive.rst):
# 1 model, instance, batch size, throughput, the P99 latency a bound uses, cost;
# 2 columns the schema does not declare (a cost note, a diff's verdict, a sweep's series);
# 3 other latencies (P50, TTFT/TPOT P50) and a comparison's old values;
# 4 details the schema declares (framework, versions, data types, lengths, source, ...).
ROLE_PRIORITY = {"model": 1, "instance": 1, "batch": 1, "throughput": 1, "bound-latency": 1,
                 "cost": 1, "other": 2, "latency": 3, "previous": 3, "detail": 4}
_KEY_ROLES = {"model": "model", "instance_type": "instance", "batch_size": "batch"}
_LATENCY_LABEL = re.compile(r"^(latency|ttft|tpot|itl|time per token|p\d+\b)|"
                            r"\bp\d+\b.*\((ms|s)\)$", re.IGNORECASE)
_BOUND_PERCENTILE = re.compile(r"\bp99\b", re.IGNORECASE)
# A comparison's columns (perf-diff): ``Throughput old``, ``P99 new (ms)``, ``P50 change (%)``.
_COMPARED = re.compile(r"^(?P<metric>.+?) (?P<side>old|new|change)(?P<unit> \(.*\))?$")


def column_role(label: str) -> str:
    """What a table column is for, from its header: a key of :data:`ROLE_PRIORITY`.

    Declared columns (today's or legacy names) take their role from the schema (key, metric,
    unit); the site's derived headers (``Cost per 1M tokens (on-demand)``, ``Instance``,
    ``Throughput (tokens/s)``, ``P99 (ms)``) from their words. A latency at P99 is the one a
    cost bound uses (``bound-latency``). Of a comparison's columns, the new value and the
    change have their metric's role and the old value is ``previous``.
    """
    name = published_name(" ".join(label.split()))
    compared = _COMPARED.match(name)
    if compared:  # the old value is context; the new one and the change are the metric's
        if compared["side"] == "old":
            return "previous"
        unit = compared["unit"] if compared["side"] == "new" else ""
        return column_role(compared["metric"] + (unit or ""))
    declared = BY_NAME.get(name)
    if declared is not None:
        if declared.key in _KEY_ROLES:
            return _KEY_ROLES[declared.key]
        if declared.metric == "throughput":
            return "throughput"
        if declared.latency:
            return "bound-latency" if declared.percentile == "p99" else "latency"
        if declared.unit in ("ms", "s"):
            return "latency"
        return "detail"
    if name.startswith("Cost"):
        return "cost"
    if name == "Instance":
        return "instance"
    if "Throughput" in name:
        return "throughput"
    if _LATENCY_LABEL.search(name):
        return _latency_role(name)
    return "other"


def _latency_role(name: str) -> str:
    return "bound-latency" if _BOUND_PERCENTILE.search(name) else "latency"


def column_priority(label: str) -> int:
    """1 (always in view) to 4 (shown when there is room): see :data:`ROLE_PRIORITY`."""
    return ROLE_PRIORITY[column_role(label)]
