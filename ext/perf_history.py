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
that names nothing is an error box on the page and a located error. The history and
comparison engines are imported where they are used, so a Sphinx start whose pages show no
history does not load them.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any, ClassVar

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.application import Sphinx

from ext.base import DataDirective, DirectiveError, add_data_directive
from ext.chart_directive import perf_chart
from ext.filecache import FileCache
from ext.release_diff import PerfDiff
from ext.tables import table_node, table_row
from perfcore.prices import PriceCatalog

if TYPE_CHECKING:
    from perfcore.diff import DiffResult
    from perfcore.history import History

REQUIRED = ("table", "model", "instance", "metric")


def history_table(header: list[str], rows: list[list[str]]) -> nodes.table:
    """The values as written, one row per release (a gap row: ``perf-history-gap``)."""
    body = [table_row(cells, classes=["perf-history-gap"] if cells[2].startswith("gap: ")
                      else []) for cells in rows]
    return table_node(header, body, classes=["perf-history-table"])


class PerfHistory(DataDirective):
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

    user_errors = (ValueError,)  # a :where: that is not Column=value

    def build(self) -> list[nodes.Node]:
        from perfcore import history

        found = self._history()
        svg = history.history_chart_svg(found, self.options.get("title"))
        return self._render(found, svg)

    def _history(self) -> History:
        from perfcore import history, releases

        missing = [name for name in REQUIRED if not self.options.get(name, "").strip()]
        if missing:
            raise DirectiveError("missing option(s) " + ", ".join(f":{m}:" for m in missing))
        folder = self.find_input("releases", self.options.get("releases", "releases").strip())
        self.depend(releases.index_path(folder))
        where = history.parse_where(self.options.get("where", ""))
        found = history.load_history(folder, self.options["table"].strip(),
                                     self.options["model"].strip(),
                                     self.options["instance"].strip(),
                                     self.options["metric"].strip(), where,
                                     models=self.model_catalog())
        for path in found.files:
            self.depend(path)
        return found

    def _render(self, found: History, svg: str) -> list[nodes.Node]:
        from perfcore import history

        container = nodes.container(classes=["perf-history", *self.options.get("class", [])],
                                    support_smartquotes=False)
        digest = hashlib.sha256(svg.encode("utf-8")).hexdigest()[:20]
        container += perf_chart(svg=svg, alt=history.description(found),
                                filename=f"perf-history-{digest}.svg", classes=["perf-chart"])
        header, rows = history.history_rows(found)
        container += history_table(header, rows)
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

    def _compare(self) -> DiffResult:
        from perfcore import releases

        folder = self.find_input("releases", self.options.get("releases", "releases").strip())
        self.depend(releases.index_path(folder))
        self._pair = releases.previous_and_last(releases.read_index(folder))
        base = self.options.get("releases", "releases").strip().rstrip("/")
        self.options["old"] = f"{base}/{self._pair[0].version}"
        self.options["new"] = f"{base}/{self._pair[1].version}"
        return super()._compare()

    def _prices(self) -> PriceCatalog | None:
        return None  # a release's prices are its own; today's catalog would misstate them

    def _intro(self, result: DiffResult) -> str:
        from perfcore.diff import summary_line

        old, new = self._pair
        return (f"Release {new.version} ({new.date}) compared with release {old.version} "
                f"({old.date}): {summary_line(result)}. The published CSVs carry no "
                "spread, so a change beyond the threshold is only a possible regression or "
                "improvement.")


def setup_perf_history(app: Sphinx, cache: FileCache) -> None:
    add_data_directive(app, "perf-history", PerfHistory, cache)
    add_data_directive(app, "perf-release-changes", PerfReleaseChanges, cache)

