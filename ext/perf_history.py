"""``perf-history`` and ``perf-release-changes``: the release history on a page.

::

    .. perf-history::
       :table: inf2/throughput_data_encoder.csv
       :model: bert-base-cased
       :instance: inf2.xlarge
       :metric: Throughput (inference/second)
       :where: Batch Size=1          (optional: Column=value; Column=value)
       :releases: releases           (optional: the history folder in df_table_data_dir)

draws one metric across the releases of ``releases/index.csv`` (line chart, gaps shaded)
with a table of the values as written. ``perf-release-changes`` compares the last two
releases of the index with :mod:`perfcore.diff` (the ``perf-diff`` directive's engine and
rendering). The logic is :mod:`perfcore.history` and :mod:`perfcore.releases`; an option
that names nothing is an error box on the page and a located warning.
"""

from __future__ import annotations

import hashlib
from typing import Any, ClassVar

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective

from ext.chart_directive import perf_chart
from ext.release_diff import (
    InputError,
    PerfDiff,
    add_data_dir_config,
    error_node,
    find_input,
    model_catalog,
)
from perfcore import diff, history, releases
from perfcore.errors import UserError
from perfcore.prices import PriceCatalog

REQUIRED = ("table", "model", "instance", "metric")


def _table(header: list[str], rows: list[list[str]]) -> nodes.table:
    table = nodes.table(classes=["df-table", "perf-history-table"])
    group = nodes.tgroup(cols=len(header))
    table += group
    group += [nodes.colspec(colwidth=1) for _ in header]
    head = nodes.thead()
    head += _row(header)
    body = nodes.tbody()
    body += [_row(cells, gap=cells[2].startswith("gap: ")) for cells in rows]
    group += [head, body]
    return table


def _row(cells: list[str], gap: bool = False) -> nodes.row:
    row = nodes.row(classes=["perf-history-gap"] if gap else [])
    for cell in cells:
        entry = nodes.entry()
        entry += nodes.paragraph(text=cell)
        row += entry
    return row


class PerfHistory(SphinxDirective):
    """One metric of a model on an instance across releases: chart + table."""

    has_content = False
    option_spec: ClassVar[dict[str, Any]] = {
        "table": directives.unchanged_required,
        "model": directives.unchanged_required,
        "instance": directives.unchanged_required,
        "metric": directives.unchanged_required,
        "where": directives.unchanged_required,
        "releases": directives.unchanged_required,
        "title": directives.unchanged,
        "class": directives.class_option,
    }

    def run(self) -> list[nodes.Node]:
        try:
            found = self._history()
            svg = history.history_chart_svg(found, self.options.get("title"))
        except (InputError, UserError, ValueError) as exc:
            return error_node(self, f"perf-history: {exc}", "history")
        return self._render(found, svg)

    def _history(self) -> history.History:
        missing = [name for name in REQUIRED if not self.options.get(name, "").strip()]
        if missing:
            raise InputError("missing option(s) " + ", ".join(f":{m}:" for m in missing))
        folder = find_input(self, "releases", self.options.get("releases", "releases").strip())
        self.env.note_dependency(str(releases.index_path(folder)))
        where = history.parse_where(self.options.get("where", ""))
        found = history.load_history(folder, self.options["table"].strip(),
                                     self.options["model"].strip(),
                                     self.options["instance"].strip(),
                                     self.options["metric"].strip(), where,
                                     models=model_catalog(self))
        for path in found.files:
            self.env.note_dependency(str(path))
        return found

    def _render(self, found: history.History, svg: str) -> list[nodes.Node]:
        container = nodes.container(classes=["perf-history", *self.options.get("class", [])],
                                    support_smartquotes=False)
        digest = hashlib.sha256(svg.encode("utf-8")).hexdigest()[:20]
        container += perf_chart(svg=svg, alt=history.description(found),
                                filename=f"perf-history-{digest}.svg", classes=["perf-chart"])
        header, rows = history.history_rows(found)
        container += _table(header, rows)
        self.set_source_info(container)
        return [container]


class PerfReleaseChanges(PerfDiff):
    """``perf-diff`` of the last two releases in ``releases/index.csv``."""

    option_spec: ClassVar[dict[str, Any]] = {
        "releases": directives.unchanged_required,
        "threshold": directives.unchanged_required,
        "unchanged": directives.unchanged,
        "class": directives.class_option,
    }

    def _compare(self) -> diff.DiffResult:
        folder = find_input(self, "releases", self.options.get("releases", "releases").strip())
        self.env.note_dependency(str(releases.index_path(folder)))
        try:
            self._pair = releases.previous_and_last(releases.read_index(folder))
        except UserError as exc:
            raise InputError(str(exc)) from exc
        base = self.options.get("releases", "releases").strip().rstrip("/")
        self.options["old"] = f"{base}/{self._pair[0].version}"
        self.options["new"] = f"{base}/{self._pair[1].version}"
        return super()._compare()

    def _prices(self) -> PriceCatalog | None:
        return None  # a release's prices are its own; today's catalog would misstate them

    def _intro(self, result: diff.DiffResult) -> str:
        old, new = self._pair
        return (f"Release {new.version} ({new.date}) compared with release {old.version} "
                f"({old.date}): {diff.summary_line(result)}. The published CSVs carry no "
                "spread, so a change beyond the threshold is only a possible regression or "
                "improvement.")


def setup_perf_history(app: Sphinx) -> None:
    add_data_dir_config(app)
    app.add_directive("perf-history", PerfHistory)
    app.add_directive("perf-release-changes", PerfReleaseChanges)

