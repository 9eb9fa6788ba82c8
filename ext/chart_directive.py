"""``perf-chart``: a build-time SVG chart of a performance CSV.

::

    .. perf-chart::
       :kind: pareto
       :data: inf2/throughput_data_encoder.csv

``:kind: cost-speed`` draws a model card's served results (``model-cards/<model>.csv``): cost
per 1M output tokens against each user's output tokens/s (1000 / TPOT P50), one line per
instance, server, data type and input|output length across its concurrencies.

The SVG is drawn while the page is read (:mod:`perfcore.charts`, no Sphinx there) and kept in
the doctree; the HTML writer saves it as ``_images/perf-chart-<hash>.svg`` (content-hashed,
written atomically, so parallel writers agree) and shows it with ``<img alt=...>``. Other
builders get the alt text. The CSVs (and the price catalog) are page dependencies.
"""

from __future__ import annotations

import hashlib
import html
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.application import Sphinx

from ext.base import PRICES, DataDirective, DirectiveError, add_data_directive
from ext.filecache import FileCache
from ext.image_sizes import svg_size
from perfcore import charts
from perfcore.atomic import write_atomic
from perfcore.columns import (
    TOKENS_PER_USER,
    TOKENS_PER_USER_SOURCE,
    columns_with,
    cost_label,
    tokens_per_user,
    unit_from_column,
)
from perfcore.model_cards import OUTPUT_TOKENS
from perfcore.prices import PriceCatalog
from perfcore.sweep import SweepSpec, build_sweep
from perfcore.tabledata import Rows

KINDS = ("pareto", "cost", "sweep", "cost-speed")
SPEED_SERIES = ("Inst. Type", "Server", "Model Data Type", "Input Length", "Output Length")
THROUGHPUT_COLUMNS = columns_with("throughput")
LATENCY_COLUMNS = columns_with("latency_p50")
COST_COLUMNS = tuple(dict.fromkeys(cost_label(unit_from_column(name) or "inferences")
                                   for name in THROUGHPUT_COLUMNS))
LABEL_COLUMNS = ("Inst. Type", "Batch Size")
LONG_SWEEP_COLUMNS = ("Batch Size", "Engine", "Data Type", "Status")  # CONTRIBUTING.md


class perf_chart(nodes.General, nodes.Element):  # docutils names node classes in lower case
    """Holds ``svg`` (text), ``alt`` and ``filename``; written out by the HTML visitor."""


def _comma_list(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def _first_present(table: Rows, names: Sequence[str], option: str) -> str:
    for name in names:
        if name in table.columns:
            return name
    raise DirectiveError(f"no {' or '.join(repr(n) for n in names)} column; name one with "
                         f":{option}: (columns: {', '.join(table.columns)})")


def _first_starting(table: Rows, prefix: str, option: str,
                    required: bool = True) -> str | None:
    for name in table.columns:
        if name.startswith(prefix):
            return name
    if required:
        raise DirectiveError(f"no {prefix} column; name one with :{option}: "
                             f"(columns: {', '.join(table.columns)})")
    return None


def _text_rows(path: str, columns: Sequence[str], cells: list[list[str]]) -> Rows:
    records = tuple(dict(zip(columns, row, strict=True)) for row in cells)
    return Rows(path, tuple(columns), records, tuple(range(len(records))))


class PerfChart(DataDirective):
    """Draw a Pareto, cost or batch-size sweep chart of CSV data as an SVG image."""

    has_content = False
    option_spec: ClassVar[dict[str, Any]] = {
        # every value is checked in run(), for a visible error box (docutils' check has none)
        "kind": directives.unchanged,
        "data": directives.unchanged,
        "title": directives.unchanged,
        "alt": directives.unchanged,
        "model": directives.unchanged,
        "group-column": directives.unchanged,
        "label-columns": directives.unchanged,
        "throughput-column": directives.unchanged,
        "latency-column": directives.unchanged,
        "cost-column": directives.unchanged,
        "instance-column": directives.unchanged,
        "prices": directives.unchanged,
        "pricing-model": directives.unchanged,
        "x-column": directives.unchanged,
        "columns": directives.unchanged,
        "throughput-label": directives.unchanged,
        "latency-label": directives.unchanged,
        "class": directives.class_option,
    }

    def build(self) -> list[nodes.Node]:
        self.require_values(optional=("title", "alt"))
        kind = self.options.get("kind", "").strip()
        if kind not in KINDS:
            got = f", got {kind!r}" if kind else ""
            raise DirectiveError(f"missing or unknown :kind: (one of {', '.join(KINDS)}{got})")
        if not self.options.get("data"):
            raise DirectiveError("missing option :data: (CSV path(s))")
        self._paths: list[Path] = []
        self._left_out: dict[str, str] = {}
        frames = [self._read(path) for path in self.options["data"].split()]
        svg = getattr(self, f"_{kind.replace('-', '_')}")(frames)
        result: list[nodes.Node] = [self._node(svg)]
        if self._left_out:
            text = "Not drawn: rows on " + "; ".join(
                f"{instance} ({reason})" for instance, reason in sorted(self._left_out.items()))
            result.append(nodes.paragraph(text=text, classes=["perf-chart-note"]))
        return result

    def _sized(self, frame: Rows) -> Rows:
        """Rows on an instance the price catalog lists as unpriced (its size not stated, not
        a cloud instance) are left out of a Pareto chart that also has priced instances,
        where they would rank beside instances of known size; the note under the chart names
        them. A chart of unpriced machines only (a development VM) keeps its rows."""
        try:
            catalog = self._prices()
        except DirectiveError:
            return frame
        instance = self.options.get("instance-column", "Inst. Type")
        if instance not in frame.columns:
            return frame
        if not any(catalog.lookup(str(record[instance])) for record in frame.records):
            return frame
        keep = []
        for position, record in enumerate(frame.records):
            reason = catalog.unpriced_reason(str(record[instance]))
            if reason is None:
                keep.append(position)
            else:
                self._left_out[str(record[instance]).strip()] = reason
        return frame.take(keep)

    def _read(self, value: str) -> Rows:
        path = self.find_input("data", value)
        self._paths.append(path)
        return Rows.from_csv(self.read_csv(path))

    def _prices(self) -> PriceCatalog:
        return self.prices_at(self.find_input("prices",
                                              self.options.get("prices", PRICES).strip()))

    def _filtered(self, table: Rows, group_column: str) -> Rows:
        if "model" not in self.options:
            return table
        charts.require_columns(table, [group_column], ":model:")
        wanted = self.options["model"]
        selected = table.take([i for i, value in enumerate(table.values(group_column))
                               if str(value) == wanted])
        if not selected.records:
            raise DirectiveError(f":model: no row has {group_column} = {wanted!r}")
        return selected

    def _label_columns(self, table: Rows, defaults: Sequence[str]) -> list[str]:
        if "label-columns" in self.options:
            return _comma_list(self.options["label-columns"])
        return [c for c in defaults if c in table.columns]

    def _single(self, tables: list[Rows]) -> Rows:
        """One table of several CSVs; a row in both (throughput and latency tables) counts once."""
        if len(tables) == 1:
            return tables[0]
        columns = tuple(dict.fromkeys(name for table in tables for name in table.columns))
        seen: dict[tuple, dict[str, object]] = {}
        for table in tables:
            for record in table.records:
                row = {name: record.get(name, "") for name in columns}
                seen.setdefault(tuple(row.values()), row)
        records = tuple(seen.values())
        return Rows(tables[0].path, columns, records, tuple(range(len(records))))

    def _pareto(self, frames: list[Rows]) -> str:
        frame = self._single(frames)
        group = self.options.get("group-column", "Model")
        frame = self._sized(self._filtered(frame, group))
        return charts.pareto_chart_svg(
            frame,
            self.options.get("throughput-column")
            or _first_present(frame, THROUGHPUT_COLUMNS, "throughput-column"),
            self.options.get("latency-column")
            or _first_present(frame, LATENCY_COLUMNS, "latency-column"),
            group,
            self._label_columns(frame, LABEL_COLUMNS),
            self.options.get("title"),
        )

    def _cost(self, frames: list[Rows]) -> str:
        frame = self._filtered(self._single(frames), self.options.get("group-column", "Model"))
        cost_column = self.options.get("cost-column") or next(
            (c for c in COST_COLUMNS if c in frame.columns), None)
        cost_label = None
        if cost_column is None or cost_column not in frame.columns:
            frame, cost_column, cost_label = self._with_cost(frame, cost_column)
        labels = self._label_columns(frame, ("Model", *LABEL_COLUMNS))
        return charts.cost_chart_svg(frame, cost_column, labels, self.options.get("title"),
                                     cost_label)

    def _cost_speed(self, frames: list[Rows]) -> str:
        """Cost per 1M output tokens against 1000 / TPOT P50, per served configuration;
        a degraded point (published only when asked) is not drawn."""
        frame = self._filtered(self._single(frames), self.options.get("group-column", "Model"))
        charts.require_columns(frame, [TOKENS_PER_USER_SOURCE, OUTPUT_TOKENS], "cost-speed chart")
        if "Status" in frame.columns:
            frame = frame.take([i for i, status in enumerate(frame.values("Status"))
                                if status != "degraded"])
        speeds = [tokens_per_user(value) for value in
                  charts.to_numbers(frame.values(TOKENS_PER_USER_SOURCE))]
        frame = frame.with_column(TOKENS_PER_USER, [math.nan if v is None else v for v in speeds])
        if "throughput-column" not in self.options:
            self.options["throughput-column"] = OUTPUT_TOKENS
        frame, cost_column, _ = self._with_cost(frame, "Cost per 1M output tokens")
        currency = self._prices().currency
        axis = f"{cost_column} ({currency}, {self.options.get('pricing-model', 'on-demand')})"
        loads = [f"c={record['Concurrency']}" if record.get("Load") == "closed"
                 else f"{record.get('Offered Rate (requests/second)') or '?'}/s"
                 for record in frame.records]
        frame = frame.with_column("Load point", loads)
        series = [name for name in SPEED_SERIES if name in frame.columns]
        title = self.options.get("title") or "Cost per 1M output tokens against speed per user"
        return charts.cost_speed_chart_svg(frame, TOKENS_PER_USER, cost_column, series,
                                           "Load point", title, axis, currency)

    def _with_cost(self, frame: Rows,
                   cost_column: str | None) -> tuple[Rows, str, str]:
        throughput = self.options.get("throughput-column") or _first_present(
            frame, THROUGHPUT_COLUMNS, "throughput-column")
        cost_column = cost_column or cost_label(unit_from_column(throughput) or "inferences")
        pricing_model = self.options.get("pricing-model", "on-demand")
        catalog = self._prices()
        instance = self.options.get("instance-column", "Inst. Type")
        frame = charts.add_cost_column(frame, throughput, instance,
                                       catalog.hourly_rates(pricing_model), cost_column)
        unpriced = {str(record[instance]) for record in frame.records
                    if math.isnan(record[cost_column])}
        for name in sorted(unpriced, key=str.lower):
            if catalog.unpriced_reason(name) is None:
                self.warn(f"no {pricing_model} price for {name!r} in {catalog.path}: cost n/a",
                          "price")
        dates = catalog.read_dates(pricing_model)
        read = f", read {dates[0]}" if len(dates) == 1 else (
            f", read {dates[0]} to {dates[-1]}" if dates else "")
        return frame, cost_column, f"{cost_column} (USD, {pricing_model} rate{read})"

    def _sweep(self, frames: list[Rows]) -> str:
        if len(frames) == 1 and all(c in frames[0].columns for c in LONG_SWEEP_COLUMNS):
            return self._long_sweep(self._paths[0], frames[0])
        if len(frames) > 2:
            raise DirectiveError(":data: a sweep takes one throughput CSV and optionally "
                                 f"one latency CSV, got {len(frames)} files")
        throughput = frames[0]
        x_column = self.options.get("x-column") or str(throughput.columns[0])
        series = _comma_list(self.options.get("columns", ""))
        return charts.sweep_chart_svg(
            throughput, frames[1] if len(frames) == 2 else None, x_column, series,
            self.options.get("throughput-label", "Throughput (inferences/s)"),
            self.options.get("latency-label", "Latency (ms)"),
            self.options.get("title"),
        )

    def _long_sweep(self, path: Path, frame: Rows) -> str:
        """The published shape: one row per (batch size, engine, data type) with a Status.

        The pivot is the ``perf-sweep`` table's (:func:`perfcore.sweep.build_sweep`), so a chart
        and a table of one CSV agree, and a repeated row is an error naming its line.
        """
        csv = self.read_csv(path)
        throughput = self.options.get("throughput-column") or _first_starting(
            frame, "Throughput", "throughput-column")
        latency = self.options.get("latency-column") or _first_starting(
            frame, "Latency", "latency-column", required=False)
        wide = {}
        for column in filter(None, (throughput, latency)):
            charts.require_columns(frame, [column], "sweep chart")
            table = build_sweep(csv, SweepSpec(data=str(path), value=column))
            wide[column] = _text_rows(str(path), table.columns,
                                      [[c.text for c in r] for r in table.rows])
        series = _comma_list(self.options.get("columns", ""))
        return charts.sweep_chart_svg(
            wide[throughput], wide.get(latency or ""), "Batch Size", series,
            self.options.get("throughput-label", throughput),
            self.options.get("latency-label", latency or "Latency (ms)"),
            self.options.get("title"),
        )

    def _node(self, svg: str) -> perf_chart:
        digest = hashlib.sha256(svg.encode("utf-8")).hexdigest()[:20]
        alt = self.options.get("alt") or _description(svg)
        node = perf_chart(svg=svg, alt=alt, filename=f"perf-chart-{digest}.svg",
                          classes=["perf-chart", *self.options.get("class", [])])
        self.set_source_info(node)
        return node


def _description(svg: str) -> str:
    start = svg.index("<desc")
    start = svg.index(">", start) + 1
    return html.unescape(svg[start:svg.index("</desc>", start)])


def visit_perf_chart_html(self, node: perf_chart) -> None:
    write_atomic(Path(self.builder.outdir) / "_images" / node["filename"], node["svg"],
                 skip_if_unchanged=True)
    source = f"{self.builder.imgpath}/{node['filename']}"
    classes = " ".join(node["classes"])
    size = svg_size(node["svg"])
    dimensions = f' width="{size[0]}" height="{size[1]}"' if size else ""
    self.body.append(
        f'<figure class="{html.escape(classes)}">'
        f'<img src="{html.escape(source)}" alt="{html.escape(node["alt"])}"{dimensions} '
        'loading="lazy"></figure>\n'
    )
    raise nodes.SkipNode


def charts_as_text(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """Builders other than HTML get the chart's alt text instead of the image."""
    if app.builder.format == "html":
        return
    for node in list(doctree.findall(perf_chart)):
        node.replace_self(nodes.paragraph(text=f"[Chart: {node['alt']}]"))


def setup_chart_directive(app: Sphinx, cache: FileCache) -> None:
    app.add_node(perf_chart, html=(visit_perf_chart_html, None))
    app.connect("doctree-resolved", charts_as_text)
    add_data_directive(app, "perf-chart", PerfChart, cache)
