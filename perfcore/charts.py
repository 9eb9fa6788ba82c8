"""Performance charts as SVG text: table rows in (:class:`perfcore.tabledata.Rows`),
deterministic SVG out.

Four charts:
- :func:`pareto_chart_svg`: latency vs throughput per model, Pareto front marked
  (a point is on the front when no other point of its model has lower-or-equal latency
  and higher-or-equal throughput, one of them strictly);
- :func:`cost_chart_svg`: cost per 1M by instance, cheapest marked;
- :func:`cost_speed_chart_svg`: cost per 1M output tokens against each user's tokens/s, one
  line per served configuration across its concurrencies (a model card's points);
- :func:`sweep_chart_svg`: throughput and latency vs batch size, one curve per
  engine/dtype, peak emphasised, ``oom`` cells drawn as markers on a gap.

No Sphinx import: the ``perf-chart`` directive builds on these. Output is reproducible
(fixed ``svg.hashsalt``, no date) and carries ``<title>``/``<desc>`` for screen readers.
"""

from __future__ import annotations

import hashlib
import io
import math
import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING
from xml.sax.saxutils import escape, quoteattr

from perfcore.cost import cost_per_million, cost_text
from perfcore.errors import UserError
from perfcore.numbers import parse_number
from perfcore.ordering import sort_key
from perfcore.tabledata import Rows

if TYPE_CHECKING:
    from matplotlib.figure import Figure

# matplotlib (and numpy) are imported only when a chart is drawn: importing them costs about a
# second, which every Sphinx start (``import ext``) would otherwise pay, charts or not.

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


class ChartError(UserError):
    """Data a chart cannot be drawn from; the message says which column or file and why."""


# --------------------------------------------------------------------------- data helpers


def require_columns(rows: Rows, columns: Sequence[str], what: str) -> None:
    missing = [name for name in columns if name not in rows.columns]
    if missing:
        raise ChartError(f"{what}: no column {', '.join(repr(m) for m in missing)} "
                         f"(columns: {', '.join(rows.columns)})")


def to_numbers(values: Sequence[object]) -> list[float]:
    """Numbers of cells (``$1,234.5`` -> 1234.5); anything else (``oom``, ``n/a``) NaN."""
    numbers = (parse_number(value) for value in values)
    return [math.nan if number is None else number for number in numbers]


def is_oom(values: Sequence[object]) -> list[bool]:
    return [str(value).strip().lower() == OOM_TEXT for value in values]


def pareto_front(throughput: Sequence[float], latency: Sequence[float]) -> list[bool]:
    """Which points no other point dominates (lower-or-equal latency and higher-or-equal
    throughput, one of them strictly). NaN points are never on the front; identical points
    both are."""
    points = list(zip(throughput, latency, strict=True))
    valid = [not (math.isnan(thr) or math.isnan(lat)) for thr, lat in points]

    def dominated(thr: float, lat: float) -> bool:
        return any(ok and other_lat <= lat and other_thr >= thr
                   and (other_lat < lat or other_thr > thr)
                   for ok, (other_thr, other_lat) in zip(valid, points, strict=True))

    return [ok and not dominated(thr, lat) for ok, (thr, lat) in zip(valid, points, strict=True)]


def add_cost_column(rows: Rows, throughput_column: str, instance_column: str,
                    hourly_rates: Mapping[str, float], cost_column: str) -> Rows:
    """``rows`` with ``cost_column`` (cost per 1M units; NaN without a rate or throughput).

    ``hourly_rates`` is keyed by lower-case instance type.
    """
    require_columns(rows, [throughput_column, instance_column], "cost chart")
    costs = []
    for record in rows.records:
        per_second = parse_number(record[throughput_column])
        rate = hourly_rates.get(str(record[instance_column]).strip().lower())
        priced = per_second is not None and per_second > 0 and rate is not None
        costs.append(cost_per_million(per_second, rate) if priced else math.nan)
    return rows.with_column(cost_column, costs)


def unit_of(column: str) -> str:
    """The unit in a column name's parentheses: ``Latency P50 (ms)`` -> ``ms``."""
    match = re.search(r"\(([^()]*)\)\s*$", column)
    return match.group(1) if match else ""


def _log_scale_fits(values: Sequence[float]) -> bool:
    positive = [value for value in values if value > 0]
    return bool(positive) and max(positive) / min(positive) > 100


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


def pareto_chart_svg(rows: Rows, throughput_column: str, latency_column: str,
                     group_column: str = "Model", label_columns: Sequence[str] = (),
                     title: str | None = None) -> str:
    """Latency (x) vs throughput (y), one colour per ``group_column`` value, front marked."""
    require_columns(rows, [throughput_column, latency_column, group_column, *label_columns],
                    "pareto chart")
    points = [_Point(record, thr, lat) for record, thr, lat in zip(
        rows.records, to_numbers(rows.values(throughput_column)),
        to_numbers(rows.values(latency_column)), strict=True)
        if not (math.isnan(thr) or math.isnan(lat))]
    if not points:
        raise ChartError(f"pareto chart: no row has numeric {throughput_column!r} "
                         f"and {latency_column!r}")
    groups = sorted({str(p.record[group_column]) for p in points}, key=str.lower)
    title = title or f"{latency_column} vs {throughput_column}"
    fronts = {}
    summary = []
    for group in groups:
        members = [p for p in points if str(p.record[group_column]) == group]
        on_front = pareto_front([p.thr for p in members], [p.lat for p in members])
        front = sorted((p for p, on in zip(members, on_front, strict=True) if on),
                       key=lambda p: p.lat)
        fronts[group] = (members, front)
        texts = "; ".join(_point_text(p, label_columns, throughput_column, latency_column)
                          for p in front)
        summary.append(f"{group}: {len(front)} of {len(members)} points on the front ({texts})")
    description = (f"Scatter of {latency_column} (x) against {throughput_column} (y), one colour "
                   f"per {group_column}; the Pareto front (lower latency, higher throughput) is "
                   "joined by a line. " + ". ".join(summary) + ".")

    def draw(figure: Figure) -> None:
        axes = figure.add_subplot()
        for index, group in enumerate(groups):
            members, front = fronts[group]
            color = COLORS[index % len(COLORS)]
            axes.scatter([p.lat for p in members], [p.thr for p in members], s=24,
                         facecolors="none", edgecolors=color, label=group)
            axes.plot([p.lat for p in front], [p.thr for p in front], "-o", color=color,
                      markersize=6, drawstyle="default")
        axes.plot([], [], "-o", color="black", label="Pareto front (filled, joined)")
        if _log_scale_fits([p.lat for p in points]):
            axes.set_xscale("log")
        if _log_scale_fits([p.thr for p in points]):
            axes.set_yscale("log")
        axes.set_xlabel(_axis_label(latency_column, "lower is better"))
        axes.set_ylabel(_axis_label(throughput_column, "higher is better"))
        axes.set_title(title)
        axes.legend(fontsize=7, loc="best")
        if len(points) <= MAX_LABELLED_POINTS and label_columns:
            labels = [(_label(point.record, label_columns), point.lat, point.thr,
                       COLORS[index % len(COLORS)])
                      for index, group in enumerate(groups) for point in fronts[group][1]]
            place_labels(figure, axes, labels, [(p.lat, p.thr) for p in points])

    return _render(draw, 7.0, 4.8, title, description)


# Where a point's label may go, in order: (x, y offset in points, alignment).
_LABEL_CORNERS = ((4, 4, "left", "bottom"), (4, -4, "left", "top"),
                  (-4, 4, "right", "bottom"), (-4, -4, "right", "top"))
_MARKER_HALF_PX = 3.0  # the front's markers are 6 points wide (72 dpi: points are pixels)


def _overlap(one, other) -> bool:
    """Boxes that share area (touching edges do not count)."""
    return (one.x0 < other.x1 and other.x0 < one.x1 and one.y0 < other.y1
            and other.y0 < one.y1)


def place_labels(figure: Figure, axes, labels: Sequence[tuple[str, float, float, str]],
                 markers: Sequence[tuple[float, float]]) -> None:
    """Annotate points (text, x, y, colour) so that no label overlaps another label, a marker
    or the legend.

    Each label takes the first corner of its point that is free and inside the axes; a label
    with no free corner (a point crowded by others, or the same text at the same place) is
    left out: the chart's description lists every point.
    """
    figure.draw_without_rendering()  # lays the figure out, so display boxes are final
    frame = axes.get_window_extent()
    taken = []
    legend = axes.get_legend()
    if legend is not None:
        taken.append(legend.get_window_extent())
    from matplotlib.transforms import Bbox

    for x, y in axes.transData.transform(markers):
        taken.append(Bbox.from_extents(x - _MARKER_HALF_PX, y - _MARKER_HALF_PX,
                                       x + _MARKER_HALF_PX, y + _MARKER_HALF_PX))
    for text, x, y, color in labels:
        for dx, dy, horizontal, vertical in _LABEL_CORNERS:
            note = axes.annotate(text, (x, y), textcoords="offset points", xytext=(dx, dy),
                                 fontsize=7, ha=horizontal, va=vertical, color=color)
            note.set_in_layout(False)  # labels never move the axes once placed
            box = note.get_window_extent()
            inside = (box.x0 >= frame.x0 and box.x1 <= frame.x1 and box.y0 >= frame.y0
                      and box.y1 <= frame.y1)
            if inside and not any(_overlap(box, other) for other in taken):
                taken.append(box)
                break
            note.remove()


class _Point:
    __slots__ = ("lat", "record", "thr")

    def __init__(self, record: Mapping[str, object], thr: float, lat: float) -> None:
        self.record, self.thr, self.lat = record, thr, lat


def _label(record: Mapping[str, object], label_columns: Sequence[str]) -> str:
    return ", ".join(str(record[c]) for c in label_columns if str(record[c]).strip())


def _point_text(point: _Point, label_columns: Sequence[str], thr_col: str, lat_col: str) -> str:
    label = _label(point.record, label_columns)
    values = (f"{_format_number(point.lat)} {unit_of(lat_col)}".strip() + ", "
              + f"{_format_number(point.thr)} {unit_of(thr_col)}".strip())
    return f"{label}: {values}" if label else values


def _axis_label(column: str, note: str) -> str:
    return f"{column} - {note}" if note else column


# --------------------------------------------------------------------------- cost chart


def cost_chart_svg(rows: Rows, cost_column: str, label_columns: Sequence[str],
                   title: str | None = None, cost_label: str | None = None) -> str:
    """Horizontal bars of cost per 1M, cheapest first and marked; unpriced rows show ``n/a``."""
    require_columns(rows, [cost_column, *label_columns], "cost chart")
    if not rows.records:
        raise ChartError("cost chart: no rows")
    bars = [(cost, _label(record, label_columns) or f"row {index + 1}")
            for index, (record, cost) in enumerate(zip(
                rows.records, to_numbers(rows.values(cost_column)), strict=True))]
    bars.sort(key=lambda bar: (math.isnan(bar[0]), 0.0 if math.isnan(bar[0]) else bar[0],
                               sort_key(bar[1])))
    priced = [cost for cost, _ in bars if not math.isnan(cost)]
    if not priced:
        raise ChartError(f"cost chart: no row has a numeric {cost_column!r}")
    cheapest = min(priced)
    axis_label = cost_label or (cost_column if "USD" in cost_column or "$" in cost_column
                                else f"{cost_column} (USD)")
    title = title or f"{cost_column} by instance"
    parts = [f"{label}: " + (f"${cost:.4g}" if math.isfinite(cost) else "n/a (no price)")
             for cost, label in bars]
    description = (f"Bar chart of {axis_label}, cheapest first (marked 'cheapest'). "
                   + "; ".join(parts) + ".")

    def draw(figure: Figure) -> None:
        axes = figure.add_subplot()
        positions = list(range(len(bars)))
        axes.barh(positions, [0.0 if math.isnan(cost) else cost for cost, _ in bars],
                  color=["#2ca02c" if cost == cheapest else "#1f77b4" for cost, _ in bars])
        axes.set_yticks(positions, labels=[label for _, label in bars])
        axes.invert_yaxis()
        for position, (cost, _) in zip(positions, bars, strict=True):
            text = "n/a (no price)" if not math.isfinite(cost) else f"${cost:.4g}"
            if math.isfinite(cost) and cost == cheapest:
                text += "  cheapest"
            axes.annotate(text, (cost if math.isfinite(cost) else 0, position),
                          textcoords="offset points", xytext=(3, -3), fontsize=7)
        axes.set_xlim(0, max(priced) * 1.35)
        axes.set_xlabel(axis_label)
        axes.set_title(title)
        axes.grid(axis="y", visible=False)

    return _render(draw, 7.0, 1.2 + 0.32 * len(bars), title, description)


# --------------------------------------------------------------------------- cost vs speed


def cost_speed_chart_svg(rows: Rows, speed_column: str, cost_column: str,
                         series_columns: Sequence[str], label_column: str,
                         title: str | None = None, cost_label: str | None = None,
                         currency: str = "USD") -> str:
    """Cost per 1M output tokens (y) against one user's output tokens/s (x): one line per
    ``series_columns`` value (an instance, server, data type and input|output length), its
    points labelled by ``label_column`` (the concurrency) and joined in order of speed.
    Rows without both numbers (no price, no TPOT) are not drawn."""
    require_columns(rows, [speed_column, cost_column, label_column, *series_columns],
                    "cost-speed chart")
    points = [(record, speed, cost) for record, speed, cost in zip(
        rows.records, to_numbers(rows.values(speed_column)),
        to_numbers(rows.values(cost_column)), strict=True)
        if math.isfinite(speed) and math.isfinite(cost)]
    if not points:
        raise ChartError(f"cost-speed chart: no row has a numeric {speed_column!r} and "
                         f"{cost_column!r} (a priced instance and a TPOT)")
    series: dict[str, list[tuple[float, float, str]]] = {}
    for record, speed, cost in points:
        name = " | ".join(str(record[c]) for c in series_columns if str(record[c]).strip())
        series.setdefault(name, []).append((speed, cost, str(record[label_column])))
    names = sorted(series, key=sort_key)
    axis_label = cost_label or cost_column
    title = title or f"{cost_column} against {speed_column}"
    summary = []
    for name in names:
        members = sorted(series[name])
        texts = "; ".join(f"{label_column.lower()} {label}: {_format_number(speed)} tokens/s "
                          f"per user, {cost_text(cost, currency)}"
                          for speed, cost, label in members)
        summary.append(f"{name}: {texts}")
    description = (f"Line chart of {axis_label} (y, lower is better) against {speed_column} "
                   f"(x, higher is better), one line per configuration, each point a "
                   f"{label_column.lower()}. " + ". ".join(summary) + ".")

    def draw(figure: Figure) -> None:
        axes = figure.add_subplot()
        for index, name in enumerate(names):
            members = sorted(series[name])
            color = COLORS[index % len(COLORS)]
            axes.plot([m[0] for m in members], [m[1] for m in members], "-o", color=color,
                      markersize=4, label=name)
            if len(points) <= MAX_LABELLED_POINTS:
                for speed, cost, label in members:
                    axes.annotate(label, (speed, cost), textcoords="offset points",
                                  xytext=(4, 4), fontsize=7, color=color)
        if _log_scale_fits([p[1] for p in points]):
            axes.set_yscale("log")
        axes.set_xlabel(_axis_label(speed_column, "higher is better"))
        axes.set_ylabel(_axis_label(axis_label, "lower is better"))
        axes.set_title(title)
        axes.legend(fontsize=7, loc="best")

    return _render(draw, 7.0, 4.8, title, description)


# --------------------------------------------------------------------------- sweep chart


def sweep_chart_svg(throughput: Rows, latency: Rows | None, x_column: str,
                    series: Sequence[str] = (), throughput_label: str = "Throughput",
                    latency_label: str = "Latency", title: str | None = None) -> str:
    """Throughput (and latency) vs batch size per series, peak starred, ``oom`` marked.

    Both tables are wide (seed 003): one row per batch size, one column per engine/dtype,
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
        for index, (axes, (table, label)) in enumerate(zip(axes_list, panels, strict=True)):
            _draw_sweep_panel(axes, table, x_column, series, peaks, "peak" if index == 0
                              else f"at peak {throughput_label.split(' (')[0].lower()}")
            axes.set_ylabel(label)
        axes_list[-1].set_xlabel(x_column)
        axes_list[0].set_title(title)
        axes_list[0].legend(fontsize=7, loc="best")

    return _render(draw, 7.0, 3.2 * len(panels) + 0.6, title, description)


def _xs(table: Rows, x_column: str) -> list[float]:
    xs = to_numbers(table.values(x_column))
    for x, cell in zip(xs, table.values(x_column), strict=True):
        if math.isnan(x):
            raise ChartError(f"sweep chart: {x_column!r} must be numeric, found {cell!r}")
    return xs


def _peak(table: Rows, x_column: str, name: str) -> tuple[float, float] | None:
    """``(x, value)`` of the largest value of ``name``, or None without values."""
    pairs = [(value, x) for x, value in zip(_xs(table, x_column), to_numbers(table.values(name)),
                                            strict=True) if not math.isnan(value)]
    if not pairs:
        return None
    value, x = max(pairs, key=lambda pair: pair[0])  # the first of equal peaks
    return x, value


def _peak_x(table: Rows, x_column: str, name: str) -> float | None:
    peak = _peak(table, x_column, name)
    return None if peak is None else peak[0]


def _draw_sweep_panel(axes, table: Rows, x_column: str, series: Sequence[str],
                      peaks: Mapping[str, float | None], peak_text: str) -> None:
    from matplotlib.transforms import blended_transform_factory

    xs = _xs(table, x_column)
    marker_transform = blended_transform_factory(axes.transData, axes.transAxes)
    oom_labelled = False
    for index, name in enumerate(series):
        values = to_numbers(table.values(name))
        oom = is_oom(table.values(name))
        if all(math.isnan(v) for v in values) and not any(oom):
            continue
        color = COLORS[index % len(COLORS)]
        axes.plot(xs, values, "-o", color=color, markersize=3, label=name)
        peak = peaks.get(name)
        peak_values = [v for x, v in zip(xs, values, strict=True) if x == peak]
        if peak is not None and peak_values and math.isfinite(peak_values[0]):
            axes.plot([peak], [peak_values[0]], "*", color=color, markersize=13,
                      markeredgecolor="black")
            axes.annotate(f"{peak_text} {_format_number(peak_values[0])}",
                          (peak, peak_values[0]), textcoords="offset points", xytext=(5, 5),
                          fontsize=7, color=color)
        oom_xs = [x for x, flag in zip(xs, oom, strict=True) if flag]
        if oom_xs:
            axes.plot(oom_xs, [0.03 + 0.04 * index] * len(oom_xs), "x", color=color,
                      markersize=7, transform=marker_transform,
                      label=None if oom_labelled else "oom (out of memory)")
            oom_labelled = True
    if max(xs) / max(min(xs), 1e-12) > 16:
        axes.set_xscale("log", base=2)


def _sweep_description(throughput: Rows, latency: Rows | None, x_column: str,
                       series: Sequence[str], throughput_label: str) -> str:
    xs = _xs(throughput, x_column)
    parts = []
    for name in series:
        peak = _peak(throughput, x_column, name)
        oom_xs = [x for x, flag in zip(xs, is_oom(throughput.values(name)), strict=True) if flag]
        if peak is None and not oom_xs:
            parts.append(f"{name}: no data")
            continue
        text = (f"{name}: peak {_format_number(peak[1])} at {x_column} "
                f"{_format_number(peak[0])}" if peak is not None else f"{name}:")
        if oom_xs:
            text += f", oom from {x_column} {_format_number(min(oom_xs))}"
        parts.append(text)
    panels = "throughput and latency" if latency is not None else "throughput"
    return (f"Line chart of {panels} against {x_column}, one line per series; the peak "
            f"{throughput_label} of each series is starred and out-of-memory (oom) batch sizes "
            "are crosses on a gap in the line. " + "; ".join(parts) + ".")
