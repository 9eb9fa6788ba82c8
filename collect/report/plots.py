"""Report plots as SVG: latency vs throughput, the batch-size sweep, utilisation time series.

Uses :class:`matplotlib.figure.Figure` directly (no pyplot state, no GUI backend)
and writes SVGs without a date and with a fixed hash salt, so the same records
give the same files; files are written with :func:`perfcore.atomic.write_atomic` (0644).

A line joins one configuration's points of one run: where the records hold several runs
of a series (``run_id``), each run is its own line labelled with its run, and a
configuration measured twice within a run (resume) counts once, its later record.
A log axis is used only where the values span a decade or more, with ticks at 1, 2 and
5 of each decade so at least two are labelled; a narrower span gets a linear axis.
"""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import matplotlib
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import (
    LogLocator,
    MaxNLocator,
    NullFormatter,
    NullLocator,
    ScalarFormatter,
)

from collect.report.data import OPEN_LOOP_MODES, TIMESERIES_COLUMNS, headline
from perfcore.atomic import write_atomic

SVG_SETTINGS = {"svg.hashsalt": "collect-report", "svg.fonttype": "none"}


def _plain(text: str) -> str:
    """Text from records shown literally (``$`` would start matplotlib mathtext)."""
    return text.replace("$", r"\$")


def _save(figure: Figure, path: Path) -> Path:
    buffer = io.BytesIO()
    with matplotlib.rc_context(SVG_SETTINGS):
        figure.savefig(buffer, format="svg", metadata={"Date": None})
    write_atomic(path, buffer.getvalue())
    return path


def log_axis_if_wide(axes: Axes, which: str, values: Sequence[float]) -> bool:
    """``which`` (``x`` or ``y``) on a log scale with ticks at 1, 2, 5 x 10^k (all labelled)
    when ``values`` span a decade or more, else linear; True when the axis is logarithmic."""
    positive = [value for value in values if value > 0]
    if not positive or max(positive) < 10 * min(positive):
        return False
    getattr(axes, f"set_{which}scale")("log")
    axis = getattr(axes, f"{which}axis")
    axis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    axis.set_major_formatter(ScalarFormatter())
    axis.set_minor_locator(NullLocator())
    axis.set_minor_formatter(NullFormatter())
    return True


def _runs_of(records: Sequence[Mapping[str, Any]]) -> dict[str, list[Mapping[str, Any]]]:
    """Records per line: series key, and the run where a series holds several runs; a
    configuration recorded twice in one run counts once (its later record)."""
    grouped: dict[tuple[str, str], dict[object, Mapping[str, Any]]] = {}
    for position, record in enumerate(records):
        key = (_series_key(record), str(record.get("run_id") or ""))
        config = record.get("config_id") or position
        grouped.setdefault(key, {})[config] = record
    runs_per_series = Counter(name for name, _run in grouped)
    return {(f"{name} run {run}" if runs_per_series[name] > 1 else name): list(found.values())
            for (name, run), found in grouped.items()}


def _series_key(record: Mapping[str, Any]) -> str:
    """What a line connects: the same model/setting over the swept variable."""
    mode = record.get("mode") or "offline"
    parts = [str(record.get("model")), mode]
    if mode in OPEN_LOOP_MODES:
        parts.append(f"max batch {record.get('max_batch_size')}")
    elif mode == "generate":
        parts.append(f"in {record.get('input_length')} out {record.get('output_length')}")
    else:
        parts.append(f"{record.get('n_models') or 1}x{record.get('workers_per_model') or 1}")
    for key in ("sequence_length", "dtype", "backend"):
        if record.get(key) not in (None, ""):
            parts.append(str(record[key]))
    return " ".join(parts)


def latency_vs_throughput(records: Sequence[Mapping[str, Any]], path: Path) -> Path | None:
    """P50 (solid) and P99 (dashed) latency against throughput, one line per series."""
    figure = latency_figure(records)
    return None if figure is None else _save(figure, path)


def latency_figure(records: Sequence[Mapping[str, Any]]) -> Figure | None:
    """The figure :func:`latency_vs_throughput` saves (None when nothing was measured)."""
    series: dict[tuple[str, str], list[tuple[float, float, float | None]]] = {}
    for name, found in _runs_of(records).items():
        for record in found:
            head = headline(record)
            if record.get("status") != "ok" or head["throughput"] is None \
                    or head["p50"] is None:
                continue
            series.setdefault((head["unit"], name), []).append(
                (head["throughput"], head["p50"], head["p99"]))
    if not series:
        return None
    units = list(dict.fromkeys(unit for unit, _ in series))
    figure = Figure(figsize=(7, 3.6 * len(units)), layout="constrained")
    for row, unit in enumerate(units, start=1):
        axes = figure.add_subplot(len(units), 1, row)
        for (line_unit, name), points in series.items():
            if line_unit != unit:
                continue
            points.sort()
            xs = [p[0] for p in points]
            line = axes.plot(xs, [p[1] for p in points], marker="o", label=_plain(f"{name} P50"))[0]
            p99 = [(p[0], p[2]) for p in points if p[2] is not None]
            if p99:
                axes.plot([p[0] for p in p99], [p[1] for p in p99], marker="x", linestyle="--",
                          color=line.get_color(), label=_plain(f"{name} P99"))
        axes.set_xlabel(f"throughput ({unit})")
        axes.set_ylabel("latency (ms)")
        log_axis_if_wide(axes, "y", [value for (line_unit, _), points in series.items()
                                      if line_unit == unit for point in points
                                      for value in point[1:] if value is not None])
        axes.grid(True, alpha=0.3)
        axes.legend(fontsize="x-small")
    figure.suptitle("Latency vs throughput")
    return figure


def batch_sweep(records: Sequence[Mapping[str, Any]], path: Path) -> Path | None:
    """Throughput against batch size per series, the peak marked (seed 000/001 style).

    Failed, oom and skipped cells are marked on the x axis with their status.
    """
    figure = sweep_figure(records)
    return None if figure is None else _save(figure, path)


def sweep_figure(records: Sequence[Mapping[str, Any]]) -> Figure | None:
    """The figure :func:`batch_sweep` saves (None when there is no sweep)."""
    swept = [record for record in records
             if (record.get("mode") or "offline") not in (*OPEN_LOOP_MODES, "serve")
             and record.get("batch_size") is not None]
    series = _runs_of(swept)
    series = {k: v for k, v in series.items() if len(v) > 1 or v[0].get("status") == "ok"}
    if not series:
        return None
    figure = Figure(figsize=(7, 2.8 * len(series)), layout="constrained")
    for row, (name, found) in enumerate(series.items(), start=1):
        axes = figure.add_subplot(len(series), 1, row)
        found = sorted(found, key=lambda r: r["batch_size"])
        ok = [(r["batch_size"], headline(r)["throughput"]) for r in found
              if r.get("status") == "ok" and headline(r)["throughput"] is not None]
        if ok:
            axes.plot([b for b, _ in ok], [t for _, t in ok], marker="o", color="tab:blue")
            peak_batch, peak = max(ok, key=lambda pair: pair[1])
            axes.plot([peak_batch], [peak], marker="*", markersize=16, color="tab:red",
                      label=f"peak {peak:.1f} at batch {peak_batch}")
            axes.axhline(0.95 * peak, color="tab:red", linestyle=":", linewidth=1,
                         label="95% of peak")
        for record in found:
            if record.get("status") != "ok":
                axes.annotate(str(record.get("status")), (record["batch_size"], 0),
                              xycoords=("data", "axes fraction"), rotation=90, fontsize=7,
                              color="tab:gray", va="bottom", ha="center")
        sizes = sorted({r["batch_size"] for r in found})
        if len(sizes) > 1:
            axes.set_xscale("log", base=2)
            axes.set_xlim(sizes[0] / 1.4, sizes[-1] * 1.4)
            axes.set_xticks(sizes, [str(size) for size in sizes])
            axes.xaxis.set_minor_locator(NullLocator())
        else:  # one batch size: a linear axis around it with integer ticks, not a lone log tick
            axes.set_xlim(sizes[0] / 2, sizes[0] * 1.5)
            axes.xaxis.set_major_locator(MaxNLocator(integer=True))
        axes.set_xlabel("batch size")
        axes.set_ylabel(headline(found[0])["unit"])
        axes.set_title(_plain(name), fontsize="small")
        axes.grid(True, alpha=0.3)
        if ok:
            axes.legend(fontsize="x-small")
    return figure


def timeseries(samples: Sequence[Mapping[str, Any]], title: str, path: Path) -> Path | None:
    """One panel per sampled metric against time."""
    present = [(key, label) for key, label in TIMESERIES_COLUMNS[1:]
               if any(s.get(key) is not None for s in samples)]
    if not present:
        return None
    figure = Figure(figsize=(7, 1.6 * len(present) + 0.6), layout="constrained")
    axes_list = figure.subplots(len(present), 1, sharex=True, squeeze=False)[:, 0]
    for axes, (key, label) in zip(axes_list, present, strict=True):
        points = [(s.get("t"), s.get(key)) for s in samples if s.get(key) is not None]
        axes.plot([p[0] for p in points], [p[1] for p in points], marker=".", linewidth=1)
        axes.set_ylabel(label, fontsize="x-small")
        axes.grid(True, alpha=0.3)
    axes_list[-1].set_xlabel("time (s)")
    figure.suptitle(_plain(title), fontsize="small")
    return _save(figure, path)
