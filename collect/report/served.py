"""Run-report pieces for served records (``mode: serve``): the serving table, the
TTFT/TPOT/ITL/E2E distribution of one configuration (table and plot, from its per-request
timelines) and the goodput curve over offered rates."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from itertools import pairwise
from pathlib import Path
from typing import Any

import pandas as pd
from matplotlib.figure import Figure

from collect.report.data import served_load_text
from collect.report.plots import _plain, _save
from perfcore.numbers import percentile

METRICS = (("ttft", "TTFT"), ("tpot", "TPOT"), ("itl", "ITL"), ("e2e", "E2E"))
STATS = (("p50", "P50"), ("p90", "P90"), ("p95", "P95"), ("p99", "P99"), ("mean", "Mean"))


def served(records: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    return [record for record in records if record.get("mode") == "serve"]


def serving_table(records: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """One row per served configuration: load, failures, throughputs, latency percentiles."""
    rows = []
    for record in served(records):
        row = {"Model": record.get("model"), "Load": served_load_text(record),
               "Status": record.get("status"), "Requests": record.get("n_requests"),
               "Failed": record.get("n_failed"), "Requests/s": record.get("request_throughput"),
               "Goodput (requests/s)": record.get("goodput_requests_per_s"),
               "Output tokens/s": record.get("output_tokens_per_s"),
               "Total tokens/s": record.get("total_tokens_per_s")}
        for key, name in METRICS:
            row.update({f"{name} P50 (ms)": record.get(f"{key}_ms_p50"),
                        f"{name} P99 (ms)": record.get(f"{key}_ms_p99")})
        rows.append(row)
    return pd.DataFrame(rows, dtype=object)


def metric_table(record: Mapping[str, Any]) -> pd.DataFrame:
    """TTFT, TPOT, ITL and E2E: P50/P90/P95/P99 and mean (ms)."""
    rows = [{"Metric": name, **{label: record.get(f"{key}_ms_{stat}") for stat, label in STATS}}
            for key, name in METRICS]
    return pd.DataFrame(rows, dtype=object)


def read_timelines(record: Mapping[str, Any], results_path: Path) -> list[dict]:
    """The per-request timelines beside the results file ([] when absent)."""
    name = record.get("requests_file")
    path = results_path.parent / name if name else None
    if path is None or not path.is_file():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def per_request_ms(timelines: Sequence[Mapping[str, Any]]) -> dict[str, list[float]]:
    """TTFT, TPOT (requests of 2+ tokens) and pooled ITL in ms, for the plots."""
    values: dict[str, list[float]] = {"TTFT": [], "TPOT": [], "ITL": []}
    for row in timelines:
        chunks, tokens = row.get("chunks") or [], row.get("usage_completion_tokens")
        if row.get("error") is not None or not chunks:
            continue
        ttft = chunks[0] - row["scheduled"]
        values["TTFT"].append(ttft * 1000)
        # choice chunks (vLLM's ITL); timelines written before they were recorded: the
        # content chunks their record's ITL was computed from
        itl_times = row.get("choice_chunks", chunks)
        values["ITL"] += [(b - a) * 1000 for a, b in pairwise(itl_times)]
        if tokens and tokens > 1:
            values["TPOT"].append((chunks[-1] - row["scheduled"] - ttft) * 1000 / (tokens - 1))
    return values


def distribution_plot(values: Mapping[str, Sequence[float]], title: str,
                      path: Path) -> Path | None:
    """One histogram per metric, P50 and P99 marked."""
    present = [(name, data) for name, data in values.items() if data]
    if not present:
        return None
    figure = Figure(figsize=(9, 2.8), layout="constrained")
    for column, (name, data) in enumerate(present, start=1):
        axes = figure.add_subplot(1, len(present), column)
        axes.hist(data, bins=min(30, max(5, len(data) // 3)), color="#4878a8")
        for pct, style in ((50, "-"), (99, "--")):
            axes.axvline(percentile(data, pct), color="#c44e52", linestyle=style,
                         label=f"P{pct}")
        axes.set_xlabel(f"{name} (ms)")
        axes.set_ylabel("count" if column == 1 else "")
        axes.legend(fontsize="x-small")
    figure.suptitle(_plain(title), fontsize="small")
    return _save(figure, path)


def goodput_curve(records: Sequence[Mapping[str, Any]], path: Path) -> Path | None:
    """Goodput and completed requests/s against the offered rate, per model and SLO set."""
    series: dict[str, list[tuple[float, float, float | None]]] = {}
    for record in served(records):
        if record.get("load") != "poisson" or record.get("offered_rate") is None:
            continue
        slo = ", ".join(f"{k} {v:g}" for k, v in (record.get("goodput_slo") or {}).items())
        key = f"{record.get('model')} ({slo or 'no SLO'})"
        series.setdefault(key, []).append((record["offered_rate"],
                                           record.get("request_throughput") or 0.0,
                                           record.get("goodput_requests_per_s")))
    if not any(len(points) > 1 for points in series.values()):
        return None
    figure = Figure(figsize=(7, 3.6), layout="constrained")
    axes = figure.add_subplot(1, 1, 1)
    for name, points in series.items():
        points.sort()
        rates = [p[0] for p in points]
        line = axes.plot(rates, [p[1] for p in points], marker="o", linestyle="--",
                         label=_plain(f"{name} completed"))[0]
        good = [(p[0], p[2]) for p in points if p[2] is not None]
        if good:
            axes.plot([g[0] for g in good], [g[1] for g in good], marker="s",
                      color=line.get_color(), label=_plain(f"{name} goodput"))
    top = max(p[0] for points in series.values() for p in points)
    axes.plot([0, top], [0, top], color="grey", linewidth=0.8, label="offered")
    axes.set_xlabel("offered rate (requests/s)")
    axes.set_ylabel("requests/s")
    axes.grid(True, alpha=0.3)
    axes.legend(fontsize="x-small")
    figure.suptitle("Goodput curve")
    return _save(figure, path)
