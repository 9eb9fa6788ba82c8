"""Performance charts as SVG text: pandas DataFrame in, deterministic SVG out.

Three charts:
- :func:`pareto_chart_svg`: latency vs throughput per model, Pareto front marked
  (a point is on the front when no other point of its model has lower-or-equal latency
  and higher-or-equal throughput, one of them strictly);
- :func:`cost_chart_svg`: cost per 1M by instance, cheapest marked;
- :func:`sweep_chart_svg`: throughput and latency vs batch size, one curve per
  engine/dtype, peak emphasised, ``oom`` cells drawn as markers on a gap.

No Sphinx import: the ``perf-chart`` directive builds on these. Output is reproducible
(fixed ``svg.hashsalt``, no date) and carries ``<title>``/``<desc>`` for screen readers.
"""

from __future__ import annotations

import csv
import hashlib
import io
import math
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING
from xml.sax.saxutils import escape, quoteattr

from perfcore.cost import cost_per_million

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd
    from matplotlib.figure import Figure

# pandas, numpy and matplotlib are imported only when a chart is drawn: importing them costs
# about a second, which every Sphinx start (``import ext``) would otherwise pay, charts or not.

SVG_RC = {
    "svg.hashsalt": "perf-chart",
    "svg.fonttype": "none",
    "font.family": "DejaVu Sans",
    "font.size": 9.0,
    "axes.grid": True,
    "grid.alpha": 0.3,
}
COLORS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2",
          "#17becf", "#7f7f7f", "#bcbd22")
OOM_TEXT = "oom"
MAX_LABELLED_POINTS = 40


class ChartError(ValueError):
    """Data a chart cannot be drawn from; the message says which column or file and why."""


# --------------------------------------------------------------------------- data helpers


def read_csv_strict(path: Path) -> pd.DataFrame:
    """A CSV as text cells; a row with the wrong number of fields is an error naming the line."""
    import pandas as pd

    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise ChartError(f"{path}: cannot read ({exc.strerror})") from exc
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        raise ChartError(f"{path}: empty file (expected a header row)")
    header = [name.strip() for name in rows[0]]
    body = []
    for number, cells in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) != len(header):
            raise ChartError(f"{path}:{number}: expected {len(header)} fields, found {len(cells)}")
        body.append([cell.strip() for cell in cells])
    return pd.DataFrame(body, columns=header, dtype=object)


def require_columns(df: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    missing = [name for name in columns if name not in df.columns]
    if missing:
        existing = ", ".join(str(c) for c in df.columns)
        raise ChartError(f"{what}: no column {', '.join(repr(m) for m in missing)} "
                         f"(columns: {existing})")


def to_numbers(values: pd.Series) -> pd.Series:
    """Numbers from text cells (``$1,234.5`` -> 1234.5); anything else (``oom``, ``n/a``) NaN."""
    import pandas as pd

    cleaned = values.astype(str).str.strip().str.replace(",", "", regex=False)
    cleaned = cleaned.str.lstrip("$")
    return pd.to_numeric(cleaned, errors="coerce").astype(float)


def is_oom(values: pd.Series) -> pd.Series:
    return values.astype(str).str.strip().str.lower().eq(OOM_TEXT)


def pareto_front(throughput: Sequence[float], latency: Sequence[float]) -> np.ndarray:
    """Boolean mask of the points no other point dominates (lower latency, higher throughput).

    NaN points are never on the front. Identical points are both on it.
    """
    import numpy as np

    thr = np.asarray(throughput, dtype=float)
    lat = np.asarray(latency, dtype=float)
    valid = ~(np.isnan(thr) | np.isnan(lat))
    better_or_equal = (lat[None, :] <= lat[:, None]) & (thr[None, :] >= thr[:, None])
    strictly = (lat[None, :] < lat[:, None]) | (thr[None, :] > thr[:, None])
    dominated = (better_or_equal & strictly & valid[None, :]).any(axis=1)
    return valid & ~dominated


def add_cost_column(df: pd.DataFrame, throughput_column: str, instance_column: str,
                    hourly_rates: Mapping[str, float], cost_column: str) -> pd.DataFrame:
    """Copy of ``df`` with ``cost_column`` = 1e6 / throughput * rate / 3600 (NaN without a rate).

    ``hourly_rates`` is keyed by lower-case instance type.
    """
    require_columns(df, [throughput_column, instance_column], "cost chart")
    out = df.copy()
    rates = out[instance_column].astype(str).str.strip().str.lower().map(hourly_rates)
    throughput = to_numbers(out[throughput_column])
    out[cost_column] = [
        cost_per_million(per_second, rate)
        if per_second > 0 and not math.isnan(rate) else math.nan  # NaN rate: no price
        for per_second, rate in zip(throughput, rates.astype(float), strict=True)
    ]
    return out


def unit_of(column: str) -> str:
    """The unit in a column name's parentheses: ``Latency P50 (ms)`` -> ``ms``."""
    match = re.search(r"\(([^()]*)\)\s*$", column)
    return match.group(1) if match else ""


# --------------------------------------------------------------------------- SVG output


def _new_figure(width: float, height: float) -> Figure:
    from matplotlib.backends.backend_svg import FigureCanvasSVG
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height), dpi=100, layout="constrained")
    FigureCanvasSVG(figure)
    return figure


def figure_to_svg(figure: Figure, title: str, description: str) -> str:
    """Deterministic SVG text with ``<title>`` and ``<desc>`` (escaped) and ``role="img"``."""
    import matplotlib

    buffer = io.StringIO()
    with matplotlib.rc_context(SVG_RC):
        figure.savefig(buffer, format="svg", metadata={"Date": None, "Title": title})
    svg = buffer.getvalue()
    ident = "chart-" + hashlib.sha1((title + description).encode("utf-8")).hexdigest()[:10]
    start = svg.index("<svg")
    end = svg.index(">", start)
    open_tag = svg[start:end].rstrip("/")
    accessible = (
        f'{open_tag} role="img" aria-labelledby={quoteattr(ident + "-title")} '
        f'aria-describedby={quoteattr(ident + "-desc")}>'
        f'\n <title id={quoteattr(ident + "-title")}>{escape(title)}</title>'
        f'\n <desc id={quoteattr(ident + "-desc")}>{escape(description)}</desc>'
    )
    return svg[:start] + accessible + svg[end + 1:]


def _render(draw, width: float, height: float, title: str, description: str) -> str:
    import matplotlib

    with matplotlib.rc_context(SVG_RC):
        figure = _new_figure(width, height)
        draw(figure)
        return figure_to_svg(figure, title, description)


def _format_number(value: float) -> str:
    if not math.isfinite(value):
        return "n/a"
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.3g}"


# --------------------------------------------------------------------------- Pareto chart


def pareto_chart_svg(df: pd.DataFrame, throughput_column: str, latency_column: str,
                     group_column: str = "Model", label_columns: Sequence[str] = (),
                     title: str | None = None) -> str:
    """Latency (x) vs throughput (y), one colour per ``group_column`` value, front marked."""
    require_columns(df, [throughput_column, latency_column, group_column, *label_columns],
                    "pareto chart")
    data = df.assign(_thr=to_numbers(df[throughput_column]), _lat=to_numbers(df[latency_column]))
    data = data.dropna(subset=["_thr", "_lat"])
    if data.empty:
        raise ChartError(f"pareto chart: no row has numeric {throughput_column!r} "
                         f"and {latency_column!r}")
    groups = sorted(data[group_column].astype(str).unique(), key=str.lower)
    title = title or f"{latency_column} vs {throughput_column}"
    summary = []
    fronts = {}
    for group in groups:
        rows = data[data[group_column].astype(str) == group]
        front = rows[pareto_front(rows["_thr"], rows["_lat"])].sort_values("_lat")
        fronts[group] = (rows, front)
        points = "; ".join(_point_text(r, label_columns, throughput_column, latency_column)
                           for r in front.to_dict("records"))
        summary.append(f"{group}: {len(front)} of {len(rows)} points on the front ({points})")
    description = (f"Scatter of {latency_column} (x) against {throughput_column} (y), one colour "
                   f"per {group_column}; the Pareto front (lower latency, higher throughput) is "
                   "joined by a line. " + ". ".join(summary) + ".")

    def draw(figure: Figure) -> None:
        axes = figure.add_subplot()
        label_points = len(data) <= MAX_LABELLED_POINTS and label_columns
        for index, group in enumerate(groups):
            rows, front = fronts[group]
            color = COLORS[index % len(COLORS)]
            axes.scatter(rows["_lat"], rows["_thr"], s=24, facecolors="none", edgecolors=color,
                         label=group)
            axes.plot(front["_lat"], front["_thr"], "-o", color=color, markersize=6,
                      drawstyle="default")
            if label_points:
                for row in front.to_dict("records"):
                    axes.annotate(_label(row, label_columns), (row["_lat"], row["_thr"]),
                                  textcoords="offset points", xytext=(4, 4), fontsize=7)
        axes.plot([], [], "-o", color="black", label="Pareto front (filled, joined)")
        _maybe_log(axes, data["_lat"], "x")
        _maybe_log(axes, data["_thr"], "y")
        axes.set_xlabel(_axis_label(latency_column, "lower is better"))
        axes.set_ylabel(_axis_label(throughput_column, "higher is better"))
        axes.set_title(title)
        axes.legend(fontsize=7, loc="best")

    return _render(draw, 7.0, 4.8, title, description)


def _label(row: Mapping, label_columns: Sequence[str]) -> str:
    return ", ".join(str(row[c]) for c in label_columns if str(row[c]).strip())


def _point_text(row: Mapping, label_columns: Sequence[str], thr_col: str, lat_col: str) -> str:
    label = _label(row, label_columns)
    values = (f"{_format_number(row['_lat'])} {unit_of(lat_col)}".strip() + ", "
              + f"{_format_number(row['_thr'])} {unit_of(thr_col)}".strip())
    return f"{label}: {values}" if label else values


def _axis_label(column: str, note: str) -> str:
    return f"{column} - {note}" if note else column


def _maybe_log(axes, values: pd.Series, axis: str) -> None:
    positive = values[values > 0]
    if len(positive) and positive.max() / positive.min() > 100:
        (axes.set_xscale if axis == "x" else axes.set_yscale)("log")


# --------------------------------------------------------------------------- cost chart


def cost_chart_svg(df: pd.DataFrame, cost_column: str, label_columns: Sequence[str],
                   title: str | None = None, cost_label: str | None = None) -> str:
    """Horizontal bars of cost per 1M, cheapest first and marked; unpriced rows show ``n/a``."""
    require_columns(df, [cost_column, *label_columns], "cost chart")
    if df.empty:
        raise ChartError("cost chart: no rows")
    data = df.assign(_cost=to_numbers(df[cost_column]))
    data["_label"] = [_label(row, label_columns) or f"row {i + 1}"
                      for i, row in enumerate(data.to_dict("records"))]
    data = data.sort_values(["_cost", "_label"], na_position="last", kind="mergesort")
    priced = data.dropna(subset=["_cost"])
    if priced.empty:
        raise ChartError(f"cost chart: no row has a numeric {cost_column!r}")
    cheapest = priced["_cost"].min()
    axis_label = cost_label or (cost_column if "USD" in cost_column or "$" in cost_column
                                else f"{cost_column} (USD)")
    title = title or f"{cost_column} by instance"
    parts = [f"{row['_label']}: " + (f"${row['_cost']:.4g}" if math.isfinite(row["_cost"])
                                     else "n/a (no price)") for row in data.to_dict("records")]
    description = (f"Bar chart of {axis_label}, cheapest first (marked 'cheapest'). "
                   + "; ".join(parts) + ".")

    def draw(figure: Figure) -> None:
        import numpy as np

        axes = figure.add_subplot()
        positions = np.arange(len(data))
        costs = data["_cost"].fillna(0.0).to_numpy()
        colors = ["#2ca02c" if value == cheapest else "#1f77b4" for value in data["_cost"]]
        axes.barh(positions, costs, color=colors)
        axes.set_yticks(positions, labels=list(data["_label"]))
        axes.invert_yaxis()
        for position, value in zip(positions, data["_cost"], strict=True):
            text = "n/a (no price)" if not math.isfinite(value) else f"${value:.4g}"
            if math.isfinite(value) and value == cheapest:
                text += "  cheapest"
            axes.annotate(text, (0 if not math.isfinite(value) else value, position),
                          textcoords="offset points", xytext=(3, -3), fontsize=7)
        axes.set_xlim(0, float(priced["_cost"].max()) * 1.35)
        axes.set_xlabel(axis_label)
        axes.set_title(title)
        axes.grid(axis="y", visible=False)

    return _render(draw, 7.0, 1.2 + 0.32 * len(data), title, description)


# --------------------------------------------------------------------------- sweep chart


def sweep_chart_svg(throughput: pd.DataFrame, latency: pd.DataFrame | None, x_column: str,
                    series: Sequence[str] = (), throughput_label: str = "Throughput",
                    latency_label: str = "Latency", title: str | None = None) -> str:
    """Throughput (and latency) vs batch size per series, peak starred, ``oom`` marked.

    Both frames are wide (seed 003): one row per batch size, one column per engine/dtype,
    cells numeric, ``oom`` or empty (not measured).
    """
    series = list(series) or [c for c in throughput.columns if c != x_column]
    require_columns(throughput, [x_column, *series], "sweep chart (throughput)")
    if latency is not None:
        require_columns(latency, [x_column, *series], "sweep chart (latency)")
    title = title or f"{throughput_label} vs {x_column}"
    panels = [(throughput, throughput_label)] + ([(latency, latency_label)] if latency is not None
                                                 else [])
    description = _sweep_description(throughput, latency, x_column, series, throughput_label)

    def draw(figure: Figure) -> None:
        axes_list = figure.subplots(len(panels), 1, sharex=True, squeeze=False)[:, 0]
        peaks = {name: _peak_x(throughput, x_column, name) for name in series}
        for index, (axes, (frame, label)) in enumerate(zip(axes_list, panels, strict=True)):
            _draw_sweep_panel(axes, frame, x_column, series, peaks, "peak" if index == 0
                              else f"at peak {throughput_label.split(' (')[0].lower()}")
            axes.set_ylabel(label)
        axes_list[-1].set_xlabel(x_column)
        axes_list[0].set_title(title)
        axes_list[0].legend(fontsize=7, loc="best")

    return _render(draw, 7.0, 3.2 * len(panels) + 0.6, title, description)


def _xs(frame: pd.DataFrame, x_column: str) -> pd.Series:
    xs = to_numbers(frame[x_column])
    if xs.isna().any():
        bad = frame.loc[xs.isna(), x_column].iloc[0]
        raise ChartError(f"sweep chart: {x_column!r} must be numeric, found {bad!r}")
    return xs


def _peak_x(frame: pd.DataFrame, x_column: str, name: str) -> float | None:
    values = to_numbers(frame[name])
    if values.isna().all():
        return None
    return float(_xs(frame, x_column)[values.idxmax()])


def _draw_sweep_panel(axes, frame: pd.DataFrame, x_column: str, series: Sequence[str],
                      peaks: Mapping[str, float | None], peak_text: str) -> None:
    from matplotlib.transforms import blended_transform_factory

    xs = _xs(frame, x_column)
    marker_transform = blended_transform_factory(axes.transData, axes.transAxes)
    oom_labelled = False
    for index, name in enumerate(series):
        values = to_numbers(frame[name])
        oom = is_oom(frame[name])
        if values.isna().all() and not oom.any():
            continue
        color = COLORS[index % len(COLORS)]
        axes.plot(xs, values, "-o", color=color, markersize=3, label=name)
        peak = peaks.get(name)
        if peak is not None and (xs == peak).any():
            peak_value = values[xs == peak].iloc[0]
            if math.isfinite(peak_value):
                axes.plot([peak], [peak_value], "*", color=color, markersize=13,
                          markeredgecolor="black")
                axes.annotate(f"{peak_text} {_format_number(peak_value)}", (peak, peak_value),
                              textcoords="offset points", xytext=(5, 5), fontsize=7, color=color)
        if oom.any():
            axes.plot(xs[oom], [0.03 + 0.04 * index] * int(oom.sum()), "x", color=color,
                      markersize=7, transform=marker_transform,
                      label=None if oom_labelled else "oom (out of memory)")
            oom_labelled = True
    if xs.max() / max(xs.min(), 1e-12) > 16:
        axes.set_xscale("log", base=2)


def _sweep_description(throughput: pd.DataFrame, latency: pd.DataFrame | None, x_column: str,
                       series: Sequence[str], throughput_label: str) -> str:
    xs = _xs(throughput, x_column)
    parts = []
    for name in series:
        values = to_numbers(throughput[name])
        oom = is_oom(throughput[name])
        if values.isna().all() and not oom.any():
            parts.append(f"{name}: no data")
            continue
        text = f"{name}: peak {_format_number(values.max())} at {x_column} " \
               f"{_format_number(xs[values.idxmax()])}" if values.notna().any() else f"{name}:"
        if oom.any():
            text += f", oom from {x_column} {_format_number(xs[oom].min())}"
        parts.append(text)
    panels = "throughput and latency" if latency is not None else "throughput"
    return (f"Line chart of {panels} against {x_column}, one line per series; the peak "
            f"{throughput_label} of each series is starred and out-of-memory (oom) batch sizes "
            "are crosses on a gap in the line. " + "; ".join(parts) + ".")
