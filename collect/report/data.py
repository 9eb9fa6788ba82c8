"""Run reports: the tables of a report, computed from results records (no Sphinx, no plotting).

``collect report RESULTS.jsonl --out DIR`` (see :mod:`collect.report_cli`) reads
the records with :func:`load_results`, builds these tables, draws the plots
(:mod:`collect.report.plots`) and writes reST (:mod:`collect.report.rst`) in the
shape of seed 004: summary table, per-configuration latency and throughput
distributions, latency-vs-throughput by latency band, dashboard metrics, time
series. Every table is a plain DataFrame; absent values stay ``None`` and are
shown as ``n/a``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from perfcore.numbers import PERCENTILES, percentile
from perfcore.records import read_located

OPEN_LOOP_MODES = ("poisson", "closed")


@dataclass
class LoadedResults:
    """Records read from one or more results files, with where each came from."""

    records: list[dict[str, Any]] = field(default_factory=list)
    sources: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def load_results(paths: Sequence[str | os.PathLike[str]]) -> LoadedResults:
    """Read results JSONL files with the one reader; a torn last line (a crash mid-write) is
    skipped with a note."""
    results = read_located(map(Path, paths))
    return LoadedResults(
        records=[item.record for item in results.records],
        sources=[item.path for item in results.records],
        notes=[f"{path.name}:{line}: incomplete last line skipped" for path, line in results.torn])


def load_timeseries(record: Mapping[str, Any], results_path: Path) -> tuple[list[dict], str | None]:
    """The samples of a record's time-series sidecar, and a note if it cannot be read."""
    relative = record.get("timeseries_file")
    if not relative:
        return [], None
    path = results_path.parent / relative
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        return [], f"time series {relative} could not be read ({type(exc).__name__})"
    samples = data.get("samples") if isinstance(data, dict) else None
    if not isinstance(samples, list):
        return [], f"time series {relative} has no samples list"
    return [s for s in samples if isinstance(s, dict)], None


# --- labels -----------------------------------------------------------------------------------


def config_label(record: Mapping[str, Any]) -> str:
    """A short human label of a record's configuration."""
    parts = [str(record.get("model") or "model?")]
    mode = record.get("mode") or "offline"
    if mode == "generate":
        parts.append(f"generate in={record.get('input_length')} out={record.get('output_length')}")
        parts.append(f"batch={record.get('batch_size')}")
    elif mode == "serve":
        load = (f"rate={_number(record.get('offered_rate'))}/s" if record.get("load") == "poisson"
                else f"conc={record.get('concurrency')}")
        parts.append(f"serve {record.get('load')} {load} in={record.get('input_length')} "
                     f"out={record.get('output_length')}")
    elif mode == "poisson":
        parts.append(f"poisson rate={_number(record.get('offered_rate'))}/s")
        parts.append(f"max batch={record.get('max_batch_size')}")
    elif mode == "closed":
        parts.append(f"closed conc={record.get('concurrency')}")
        parts.append(f"max batch={record.get('max_batch_size')}")
    else:
        parts.append(f"batch={record.get('batch_size')}")
        if record.get("n_models") or record.get("workers_per_model"):
            parts.append(f"{record.get('n_models') or 1}x{record.get('workers_per_model') or 1}")
    for key, name in (("sequence_length", "seq"), ("dtype", "")):
        if record.get(key) not in (None, ""):
            parts.append(f"{name}{'=' if name else ''}{record[key]}")
    if record.get("backend"):
        parts.append(f"on {record['backend']}")
    return " ".join(parts)


def _number(value: Any) -> str:
    return f"{value:g}" if isinstance(value, int | float) else str(value)


def headline(record: Mapping[str, Any]) -> dict[str, Any]:
    """The latency and throughput a summary row shows, by mode."""
    mode = record.get("mode") or "offline"
    if mode == "generate":
        return {"kind": "per generation", "p50": record.get("e2e_ms_p50"),
                "p95": record.get("e2e_ms_p95"), "p99": record.get("e2e_ms_p99"),
                "throughput": record.get("total_tokens_per_s"), "unit": "tokens/s (in+out)"}
    if mode == "serve":
        return {"kind": "per served request", "p50": record.get("e2e_ms_p50"),
                "p95": record.get("e2e_ms_p95"), "p99": record.get("e2e_ms_p99"),
                "throughput": record.get("output_tokens_per_s"), "unit": "output tokens/s"}
    if mode in OPEN_LOOP_MODES:
        return {"kind": "per request", "p50": record.get("request_latency_ms_p50"),
                "p95": record.get("request_latency_ms_p95"),
                "p99": record.get("request_latency_ms_p99"),
                "throughput": record.get("achieved_rate"), "unit": "requests/s achieved"}
    return {"kind": "per batch", "p50": record.get("latency_ms_p50"),
            "p95": record.get("latency_ms_p95"), "p99": record.get("latency_ms_p99"),
            "throughput": record.get("throughput_avg"), "unit": "inferences/s"}


# --- tables -----------------------------------------------------------------------------------


def _table(rows: Any, columns: Sequence[str] | None = None) -> pd.DataFrame:
    """A table of mixed cells: object dtype keeps whole numbers whole next to missing ones."""
    return pd.DataFrame(rows, columns=columns, dtype=object)


def load_label(record: Mapping[str, Any]) -> str | None:
    """The load a configuration ran under: rate, concurrency or lengths."""
    mode = record.get("mode") or "offline"
    if mode == "poisson":
        return f"{_number(record.get('offered_rate'))}/s, max batch {record.get('max_batch_size')}"
    if mode == "closed":
        return f"{record.get('concurrency')} clients, max batch {record.get('max_batch_size')}"
    if mode == "generate":
        return f"in {record.get('input_length')}, out {record.get('output_length')}"
    if mode == "serve":
        return served_load_text(record)
    copies, workers = record.get("n_models"), record.get("workers_per_model")
    if not (copies or workers):
        return None
    return f"{_count(copies or 1, 'model')} x {_count(workers or 1, 'worker')}"


def served_load_text(record: Mapping[str, Any]) -> str:
    """The load of a ``--mode serve`` record: clients, or the offered rate and its cap."""
    if record.get("load") == "closed":
        return f"{record.get('concurrency')} clients"
    cap = record.get("max_concurrency")
    return f"{record.get('offered_rate'):g}/s" + (f", at most {cap} in flight" if cap else "")


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def summary_table(records: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """One row per configuration (seed 004's "Results Summary").

    Latency is the mode's headline latency: per batch (offline), per request from
    its scheduled arrival (poisson, closed), per generation (generate).
    """
    rows = []
    for number, record in enumerate(records, start=1):
        head = headline(record)
        rows.append({
            "#": number,
            "Model": record.get("model"),
            "Mode": record.get("mode") or "offline",
            "Batch": record.get("batch_size"),
            "Load": load_label(record),
            "Seq": record.get("sequence_length"),
            "Dtype": record.get("dtype"),
            "Status": record.get("status"),
            "P50 (ms)": head["p50"],
            "P95 (ms)": head["p95"],
            "P99 (ms)": head["p99"],
            "Throughput": head["throughput"],
            "Unit": head["unit"],
        })
    return _table(rows)


def overall_summary(records: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """Best throughput and latency per headline unit, over the ``ok`` records."""
    rows = []
    ok = [(r, headline(r)) for r in records if r.get("status") == "ok"]
    for unit in dict.fromkeys(h["unit"] for _, h in ok):
        same = [(r, h) for r, h in ok if h["unit"] == unit]
        with_tp = [(r, h) for r, h in same if h["throughput"] is not None]
        with_lat = [(r, h) for r, h in same if h["p50"] is not None]
        if with_tp:
            best, head = max(with_tp, key=lambda pair: pair[1]["throughput"])
            rows.append({"Metric": "Best throughput", "Value": head["throughput"], "Unit": unit,
                         "Configuration": config_label(best)})
        if with_lat:
            best, head = min(with_lat, key=lambda pair: pair[1]["p50"])
            rows.append({"Metric": f"Lowest P50 latency ({head['kind']})", "Value": head["p50"],
                         "Unit": "ms", "Configuration": config_label(best)})
    return _table(rows, columns=["Metric", "Value", "Unit", "Configuration"])


LATENCY_KEYS = {
    "per batch": "latency_ms",
    "per request": "request_latency_ms",
    "per generation": "e2e_ms",
    "per served request": "e2e_ms",
}


def latency_distribution(record: Mapping[str, Any]) -> pd.DataFrame:
    """Average/Min/Max/Std/P50/P90/P95/P99 of the record's headline latency (ms)."""
    prefix = LATENCY_KEYS[headline(record)["kind"]]
    names = [("Average", "mean"), ("Min", "min"), ("Max", "max"), ("Std Dev", "std"),
             ("P50", "p50"), ("P90", "p90"), ("P95", "p95"), ("P99", "p99")]
    rows = [{"Metric": label, "Value": record.get(f"{prefix}_{key}")} for label, key in names]
    return _table([row for row in rows if row["Value"] is not None],
                        columns=["Metric", "Value"])


def distribution(values: Sequence[float]) -> pd.DataFrame:
    """Average/Min/Max/Std/P50/P90/P95/P99 of a list of numbers (e.g. per-window throughput)."""
    data = np.array([v for v in values if v is not None], dtype=float)
    if data.size == 0:
        return pd.DataFrame(columns=["Metric", "Value"])
    rows = [("Average", data.mean()), ("Min", data.min()), ("Max", data.max()),
            ("Std Dev", data.std()),
            *((f"P{point}", percentile(data.tolist(), point)) for point in PERCENTILES)]
    return _table([{"Metric": m, "Value": float(v)} for m, v in rows])


def latency_bands(
    latency_ms: Sequence[float], throughput: Sequence[float]
) -> tuple[pd.DataFrame, float | None]:
    """Throughput by latency band (< P50, P50-P75, P75-P90, >= P90) and the correlation.

    Pairs are per measurement window (``latency_windows_ms`` with
    ``throughput_windows``); windows without a latency are dropped.
    """
    paired = list(zip(latency_ms, throughput, strict=False))  # window by window
    pairs = pd.DataFrame(paired, columns=["latency", "throughput"], dtype=float).dropna()
    columns = ["Latency Range", "Avg Throughput", "Min Throughput", "Max Throughput", "Count"]
    if len(pairs) < 2:
        return pd.DataFrame(columns=columns), None
    p50, p75, p90 = (percentile(pairs["latency"].tolist(), point) for point in (50, 75, 90))
    bands = [
        (f"< {p50:.1f} ms (P50)", pairs["latency"] < p50),
        (f"{p50:.1f}-{p75:.1f} ms (P50-P75)", (pairs["latency"] >= p50) & (pairs["latency"] < p75)),
        (f"{p75:.1f}-{p90:.1f} ms (P75-P90)", (pairs["latency"] >= p75) & (pairs["latency"] < p90)),
        (f">= {p90:.1f} ms (P90+)", pairs["latency"] >= p90),
    ]
    rows = []
    for label, inside in bands:
        band = pairs.loc[inside, "throughput"]
        if band.empty:
            continue
        rows.append({"Latency Range": label, "Avg Throughput": float(band.mean()),
                     "Min Throughput": float(band.min()), "Max Throughput": float(band.max()),
                     "Count": int(band.size)})
    spread = pairs.std()
    correlation = None
    if spread["latency"] > 0 and spread["throughput"] > 0:
        correlation = float(pairs["latency"].corr(pairs["throughput"]))
    return _table(rows, columns=columns), correlation


DASHBOARD_UTILIZATION = (
    ("GPU Memory (MB)", "gpu_mem_mb"),
    ("GPU Utilization (%)", "gpu_util_percent"),
    ("Neuron Device Memory (MB)", "neuron_device_mem_mb"),
    ("NeuronCore Utilization (%)", "neuroncore_util_percent"),
    ("CPU Usage (%)", "cpu_percent"),
    ("Process CPU (%)", "process_cpu_percent"),
    ("Process RSS (MB)", "rss_mb"),
)
DASHBOARD_COLUMNS = ["Metric", "Avg", "Min", "Max", "P50", "P95", "P99"]


def dashboard(record: Mapping[str, Any]) -> pd.DataFrame:
    """Seed 004's "Dashboard Metrics Summary", with the rows this record has values for."""
    rows = []
    utilization = record.get("utilization") or {}
    for label, key in DASHBOARD_UTILIZATION:
        stats = utilization.get(key)
        if isinstance(stats, Mapping):
            rows.append({"Metric": label, **_stats_columns(stats)})
    rows.append({"Metric": "Tokenization (ms)", "Avg": record.get("tokenize_ms_mean"),
                 "P50": record.get("tokenize_ms_p50")})
    rows.append({"Metric": "Inference (ms, per batch)", "Avg": record.get("latency_ms_mean"),
                 "Min": record.get("latency_ms_min"), "Max": record.get("latency_ms_max"),
                 "P50": record.get("latency_ms_p50"), "P95": record.get("latency_ms_p95"),
                 "P99": record.get("latency_ms_p99")})
    rows.append({"Metric": "Queue Wait (ms)", "P50": record.get("queue_wait_ms_p50"),
                 "P99": record.get("queue_wait_ms_p99")})
    rows.append({"Metric": "Schedule Lag (ms)", "P50": record.get("schedule_lag_ms_p50"),
                 "P99": record.get("schedule_lag_ms_p99")})
    padding = record.get("padding_waste_percent")
    if isinstance(padding, Mapping):
        rows.append({"Metric": "Padding Waste (%)", **_stats_columns(padding)})
    elif isinstance(padding, int | float):
        rows.append({"Metric": "Padding Waste (%)", "Avg": padding})
    frame = pd.DataFrame(rows, columns=DASHBOARD_COLUMNS).astype(object)
    frame = frame.where(frame.notna(), None)
    has_value = frame[DASHBOARD_COLUMNS[1:]].notna().any(axis=1)
    return frame[has_value].reset_index(drop=True)


def _stats_columns(stats: Mapping[str, Any]) -> dict[str, Any]:
    return {column: stats.get(column.lower()) for column in DASHBOARD_COLUMNS[1:]}


def open_loop_table(record: Mapping[str, Any]) -> pd.DataFrame:
    """Offered vs achieved rate, request latency, queue wait and schedule lag."""
    stability = record.get("stability") or {}
    rows = [
        ("Offered rate (requests/s)", record.get("offered_rate")),
        ("Concurrency (closed loop)", record.get("concurrency")),
        ("Achieved rate (requests/s)", record.get("achieved_rate")),
        ("Max batch size", record.get("max_batch_size")),
        ("Max batch delay (ms)", record.get("max_batch_delay_ms")),
        ("Request latency P50 (ms)", record.get("request_latency_ms_p50")),
        ("Request latency P90 (ms)", record.get("request_latency_ms_p90")),
        ("Request latency P95 (ms)", record.get("request_latency_ms_p95")),
        ("Request latency P99 (ms)", record.get("request_latency_ms_p99")),
        ("P99, first third of requests (ms)", stability.get("p99_first_third_ms")),
        ("P99, last third of requests (ms)", stability.get("p99_last_third_ms")),
        ("Queue wait P50 / P99 (ms)", _pair(record, "queue_wait_ms")),
        ("Schedule lag P50 / P99 (ms)", _pair(record, "schedule_lag_ms")),
        ("Sustained (kept up, latency not growing)", record.get("stable")),
    ]
    return _table([{"Metric": m, "Value": v} for m, v in rows if v is not None],
                        columns=["Metric", "Value"])


def _pair(record: Mapping[str, Any], prefix: str) -> str | None:
    p50, p99 = record.get(f"{prefix}_p50"), record.get(f"{prefix}_p99")
    if p50 is None and p99 is None:
        return None
    return f"{_fmt(p50)} / {_fmt(p99)}"


def _fmt(value: Any) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def batch_histogram(record: Mapping[str, Any]) -> pd.DataFrame:
    histogram = record.get("batch_size_histogram") or {}
    total = sum(histogram.values()) or 1
    rows = [{"Batch size": int(size), "Batches": count, "Share (%)": 100 * count / total}
            for size, count in sorted(histogram.items(), key=lambda item: int(item[0]))]
    return _table(rows, columns=["Batch size", "Batches", "Share (%)"])


def generation_table(records: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """Generation cells: tokens/s, TTFT, TPOT, e2e, with status for oom/skipped/failed."""
    rows = []
    for record in records:
        if record.get("mode") != "generate":
            continue
        rows.append({
            "Model": record.get("model"), "Dtype": record.get("dtype"),
            "Batch": record.get("batch_size"), "In": record.get("input_length"),
            "Out": record.get("output_length"), "Status": record.get("status"),
            "Total tokens/s": record.get("total_tokens_per_s"),
            "Output tokens/s": record.get("output_tokens_per_s"),
            "TTFT P50 (ms)": record.get("ttft_ms_p50"), "TTFT P99 (ms)": record.get("ttft_ms_p99"),
            "TPOT P50 (ms)": record.get("tpot_ms_p50"), "TPOT P99 (ms)": record.get("tpot_ms_p99"),
            "E2E P50 (ms)": record.get("e2e_ms_p50"), "E2E P99 (ms)": record.get("e2e_ms_p99"),
        })
    return _table(rows)


def slo_table(records: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """Highest rate meeting the SLO, per SLO search (records carrying ``slo_ms``)."""
    searches: dict[tuple, list[Mapping[str, Any]]] = {}
    for record in records:
        if record.get("slo_ms") is None or record.get("mode") != "poisson":
            continue
        key = (record.get("model"), record.get("max_batch_size"), record.get("max_batch_delay_ms"),
               record.get("slo_ms"), record.get("slo_percentile"))
        searches.setdefault(key, []).append(record)
    rows = []
    for (model, batch, delay, slo, slo_percentile), found in searches.items():
        met = [r["offered_rate"] for r in found if r.get("slo_met")]
        tried = sorted(r["offered_rate"] for r in found if r.get("offered_rate") is not None)
        rows.append({"Model": model, "Max batch": batch, "Max delay (ms)": delay,
                     "SLO": f"P{slo_percentile} <= {slo:g} ms",
                     "Highest rate meeting it (requests/s)": max(met) if met else None,
                     "Rates tried": ", ".join(f"{rate:g}" for rate in tried)})
    return _table(rows)


TIMESERIES_COLUMNS = (
    ("t", "Time (s)"),
    ("cpu_percent", "CPU (%)"),
    ("process_cpu_percent", "Process CPU (%)"),
    ("rss_mb", "RSS (MB)"),
    ("gpu_util_percent", "GPU Util (%)"),
    ("gpu_mem_mb", "GPU Mem (MB)"),
    ("neuroncore_util_percent", "NeuronCore Util (%)"),
    ("neuron_device_mem_mb", "Neuron Mem (MB)"),
)


def timeseries_table(samples: Sequence[Mapping[str, Any]], max_rows: int = 40) -> pd.DataFrame:
    """The sampled time series, evenly thinned to at most ``max_rows`` rows."""
    if not samples:
        return pd.DataFrame()
    keep = np.unique(np.linspace(0, len(samples) - 1, min(max_rows, len(samples))).astype(int))
    present = [(key, label) for key, label in TIMESERIES_COLUMNS
               if any(s.get(key) is not None for s in samples)]
    rows = [{"Index": int(i), **{label: samples[i].get(key) for key, label in present}}
            for i in keep]
    return _table(rows)
