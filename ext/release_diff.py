"""``perf-diff``: what changed between two releases, as a table on a page.

::

    .. perf-diff::
       :old: raw/sdk-2.20.jsonl
       :new: raw/sdk-2.21.jsonl
       :threshold: 5%

``:old:`` / ``:new:`` are results JSONL files, directories of published CSVs, or
``git:<rev>[:<path>]`` (read from the repository holding ``conf.py``). Paths are looked
up in ``df_table_data_dir`` first, then relative to the page. The comparison itself is
:mod:`perfcore.diff` (no Sphinx there); this module only renders it. It is imported where
it is used, so a Sphinx start whose pages compare nothing does not load it.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.application import Sphinx

from ext.base import PRICES, DataDirective, DirectiveError, add_data_directive
from ext.details import make_collapsible
from ext.filecache import FileCache
from ext.tables import table_node, table_row
from perfcore.numbers import parse_fraction, parse_probability
from perfcore.prices import PriceCatalog
from perfcore.tabledata import Rows

if TYPE_CHECKING:
    from perfcore.diff import DiffResult, Snapshot

VERDICT_CLASSES = {
    "regression": "perf-regression",
    "improvement": "perf-improvement",
    "mixed": "perf-mixed",
    "possible": "perf-possible-change",  # beyond the threshold, noise unknown
}


def diff_table(table: Rows, classes: list[str], verdict_column: str | None = None
               ) -> nodes.table:
    """The rows of a comparison as a table of display strings (docutils escapes the text)."""
    body = []
    for record in table.records:
        verdict = str(record[verdict_column]).split(" ")[0] if verdict_column else ""
        body.append(table_row([str(record[c]) for c in table.columns],
                              classes=[VERDICT_CLASSES[verdict]]
                              if verdict in VERDICT_CLASSES else ()))
    return table_node([str(c) for c in table.columns], body, classes=classes)


def _row_list(rows: list[dict[str, str]], empty: str) -> nodes.Node:
    if not rows:
        return nodes.paragraph(text=empty)
    from perfcore.diff import format_key

    bullets = nodes.bullet_list()
    for row in rows:
        status = "" if row["status"] == "ok" else f" [{row['status']}]"
        bullets += nodes.list_item("", nodes.paragraph(text=format_key(row) + status))
    return bullets


def _hoist_constant_keys(table: Rows, result: DiffResult) -> tuple[Rows, str]:
    """The table without key columns that are equal in every row, and those as a sentence."""
    from perfcore.diff import KEY_LABELS

    key_columns = [KEY_LABELS[k] for k in result.key_fields if k not in ("model",
                                                                             "instance_type")]
    constant = [c for c in key_columns
                if len(table.records) > 1 and len(set(table.values(c))) == 1]
    shared = ", ".join(f"{c} {table.records[0][c] or '(not stated)'}" for c in constant)
    kept = tuple(c for c in table.columns if c not in constant)
    records = tuple({c: record[c] for c in kept} for record in table.records)
    return Rows(table.path, kept, records, table.lines), shared


class PerfDiff(DataDirective):
    """Render :func:`perfcore.diff.compare` of two snapshots as a table plus new/removed rows."""

    has_content = False
    option_spec: ClassVar[dict[str, Any]] = {
        "old": directives.unchanged,
        "new": directives.unchanged,
        "threshold": directives.unchanged,
        "alpha": directives.unchanged,
        "prices": directives.unchanged,
        "pricing-model": directives.unchanged,
        "unchanged": directives.unchanged,
        "class": directives.class_option,
    }

    user_errors = (ValueError,)  # a threshold or alpha that is no number

    def build(self) -> list[nodes.Node]:
        result = self._compare()
        self._warn_missing_prices(result)
        return self._render(result)

    def _compare(self) -> DiffResult:
        from perfcore.diff import DEFAULT_ALPHA, DEFAULT_THRESHOLD, compare

        self.require_values()
        if self.options.get("unchanged", "count").strip() not in ("count", "list"):
            raise DirectiveError(f":unchanged: must be count or list, got "
                                 f"{self.options['unchanged']!r}")
        for required in ("old", "new"):
            if not self.options.get(required):
                raise DirectiveError(f"missing option :{required}: (a results JSONL file, a "
                                     "directory of published CSVs or git:<rev>)")
        try:
            threshold = parse_fraction(self.options.get("threshold", str(DEFAULT_THRESHOLD)))
        except ValueError as exc:
            raise DirectiveError(f":threshold: {exc}") from exc
        try:
            alpha = parse_probability(self.options.get("alpha", str(DEFAULT_ALPHA)))
        except ValueError as exc:
            raise DirectiveError(f":alpha: {exc}") from exc
        old = self._snapshot("old")
        new = self._snapshot("new")
        return compare(old, new, threshold, alpha, self._prices(),
                       self.options.get("pricing-model", "on-demand"))

    def _snapshot(self, option: str) -> Snapshot:
        from perfcore.diff import load_snapshot

        value = self.options[option].strip()
        if value.startswith("git:"):
            self.env.note_reread()
            return load_snapshot(value, Path(self.env.srcdir), self.model_catalog())
        path = self.find_input(option, value)
        snapshot = load_snapshot(str(path), models=self.model_catalog())
        # a directory is no dependency (Sphinx would re-read the page on every build);
        # its CSV files are
        for dependency in snapshot.dependencies:
            if Path(dependency).is_file():
                self.depend(dependency)
        return snapshot

    def _prices(self) -> PriceCatalog | None:
        if "prices" in self.options:
            return self.prices_at(self.find_input("prices", self.options["prices"].strip()))
        try:
            return self.prices_at(self.find_input("prices", PRICES))
        except DirectiveError:
            return None

    def _warn_missing_prices(self, result: DiffResult) -> None:
        for note in result.notes:
            if note.startswith("no ") and note.endswith(": cost n/a"):
                self.warn(note, "price")

    def _render(self, result: DiffResult) -> list[nodes.Node]:
        from perfcore.diff import tests_used

        container = nodes.container(classes=["perf-diff", *self.options.get("class", [])],
                                    support_smartquotes=False)
        container += nodes.paragraph(text=self._intro(result))
        if result.matched:
            container += self._changes(result)
        else:
            container += nodes.paragraph(text="No rows match between the two sides.")
        container += nodes.rubric(text=f"New rows ({len(result.added)})")
        container += _row_list(result.added, "None.")
        container += nodes.rubric(text=f"Removed rows ({len(result.removed)})")
        container += _row_list(result.removed, "None.")
        tests = tests_used(result)
        container += nodes.paragraph(text="Tests: " + ("; ".join(tests) if tests else "none") + ".")
        if result.notes:
            notes = nodes.bullet_list(classes=["perf-diff-notes"])
            base = f"{Path(self.config.df_table_data_dir)}/"
            for note in result.notes:
                notes += nodes.list_item("", nodes.paragraph(text=note.replace(base, "")))
            container += notes
        self.set_source_info(container)
        return [container]

    def _changes(self, result: DiffResult) -> list[nodes.Node]:
        """The changed rows as a table of numbers; unchanged rows counted (listed, closed,
        with ``:unchanged: list``)."""
        from perfcore.diff import change_rows

        found: list[nodes.Node] = []
        changed = change_rows(result)
        same = change_rows(result, unchanged=True)
        if changed.records:
            table, shared = _hoist_constant_keys(changed, result)
            if shared:
                found.append(nodes.paragraph(text=f"Every changed row has {shared}."))
            found.append(diff_table(table, ["perf-diff-table"], "Verdict"))
        else:
            found.append(nodes.paragraph(text="No matched row changed beyond the threshold."))
        if same.records:
            count = len(same.records)
            text = (f"{count} matched row{'s are' if count != 1 else ' is'} unchanged (every "
                    f"metric within {result.threshold:.0%}): counted, not listed.")
            found.append(nodes.paragraph(text=text, classes=["perf-diff-unchanged"]))
            if self.options.get("unchanged", "count").strip() == "list":
                table, _ = _hoist_constant_keys(same, result)
                found.append(make_collapsible(
                    f"The {count} unchanged rows", [diff_table(
                        table, ["perf-diff-table", "perf-diff-unchanged"])]))
        return found

    def _intro(self, result: DiffResult) -> str:
        from perfcore.diff import price_statement, summary_line

        cost = "" if result.prices is None else \
            f" {price_statement(result.prices, result.pricing_model)}."
        return (f"Comparing {self.options['old'].strip()} (old) with "
                f"{self.options['new'].strip()} (new): {summary_line(result)}. "
                "A change is flagged only when it exceeds the threshold and the measured "
                f"noise.{cost}")


def setup_release_diff(app: Sphinx, cache: FileCache) -> None:
    add_data_directive(app, "perf-diff", PerfDiff, cache)
