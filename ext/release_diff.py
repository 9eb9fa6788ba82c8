"""``perf-diff``: what changed between two releases, as a table on a page.

::

    .. perf-diff::
       :old: raw/sdk-2.20.jsonl
       :new: raw/sdk-2.21.jsonl
       :threshold: 5%

``:old:`` / ``:new:`` are results JSONL files, directories of published CSVs, or
``git:<rev>[:<path>]`` (read from the repository holding ``conf.py``). Paths are looked
up in ``df_table_data_dir`` first, then relative to the page. The comparison itself is
:mod:`perfcore.diff` (no Sphinx there); this module only renders it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

from ext.details import make_collapsible
from perfcore import diff
from perfcore.models import CATALOG_NAME, ModelCatalog, load_model_catalog
from perfcore.numbers import parse_fraction, parse_probability
from perfcore.prices import PriceCatalog, load_price_catalog
from perfcore.tabledata import Rows

logger = logging.getLogger(__name__)

VERDICT_CLASSES = {
    "regression": "perf-regression",
    "improvement": "perf-improvement",
    "mixed": "perf-mixed",
    "possible": "perf-possible-change",  # beyond the threshold, noise unknown
}


class InputError(Exception):
    """A directive option names an input that cannot be used; the message says why."""


def find_input(directive: SphinxDirective, option: str, value: str) -> Path:
    """Resolve ``value`` in ``df_table_data_dir``, then relative to the page (or srcdir, '/...')."""
    candidates = []
    data_dir = getattr(directive.config, "df_table_data_dir", None)
    if data_dir and not value.startswith("/"):
        candidates.append(Path(data_dir) / value)
    _, page_path = directive.env.relfn2path(value, directive.env.docname)
    candidates.append(Path(page_path))
    for candidate in candidates:
        if candidate.exists():
            return candidate
    looked = " and ".join(str(c) for c in candidates)
    raise InputError(f":{option}: {value!r} not found (looked in {looked})")


def model_catalog(directive: SphinxDirective) -> ModelCatalog:
    """The data folder's model catalog (a page dependency), or none: each name its own."""
    data_dir = getattr(directive.config, "df_table_data_dir", "")
    path = Path(data_dir, CATALOG_NAME) if data_dir else None
    if path is None or not path.is_file():
        return ModelCatalog.none()
    directive.env.note_dependency(str(path))
    return load_model_catalog(path)


def error_node(directive: SphinxDirective, message: str, subtype: str) -> list[nodes.Node]:
    """Log a located warning and return a visible error box for the page."""
    logger.warning(message, location=directive.get_location(), type="perf", subtype=subtype)
    box = nodes.error("", nodes.paragraph(text=message), classes=["perf-error"],
                      support_smartquotes=False)
    return [box]


def check_values(options: dict[str, object], optional: tuple[str, ...] = ()) -> None:
    """An option given without a value is an error with a box (not docutils' boxless one)."""
    for name, value in options.items():
        if name not in optional and isinstance(value, str) and not value.strip():
            raise InputError(f":{name}: needs a value")


def build_table(table: Rows, classes: list[str],
                verdict_column: str | None = None) -> nodes.table:
    """A docutils table of display strings (docutils escapes the text)."""
    node = nodes.table(classes=classes)
    group = nodes.tgroup(cols=len(table.columns))
    node += group
    for _ in table.columns:
        group += nodes.colspec(colwidth=1)
    head = nodes.thead()
    group += head
    head += _row([str(c) for c in table.columns])
    body = nodes.tbody()
    group += body
    for record in table.records:
        row = _row([str(record[c]) for c in table.columns])
        if verdict_column is not None:
            verdict = str(record[verdict_column]).split(" ")[0]
            if verdict in VERDICT_CLASSES:
                row["classes"].append(VERDICT_CLASSES[verdict])
        body += row
    return node


def _row(values: list[str]) -> nodes.row:
    row = nodes.row()
    for value in values:
        entry = nodes.entry()
        entry += nodes.paragraph(text=value)
        row += entry
    return row


def _row_list(rows: list[dict[str, str]], empty: str) -> nodes.Node:
    if not rows:
        return nodes.paragraph(text=empty)
    bullets = nodes.bullet_list()
    for row in rows:
        status = "" if row["status"] == "ok" else f" [{row['status']}]"
        bullets += nodes.list_item("", nodes.paragraph(text=diff.format_key(row) + status))
    return bullets


def _hoist_constant_keys(table: Rows, result: diff.DiffResult) -> tuple[Rows, str]:
    """The table without key columns that are equal in every row, and those as a sentence."""
    key_columns = [diff.KEY_LABELS[k] for k in result.key_fields if k not in ("model",
                                                                             "instance_type")]
    constant = [c for c in key_columns
                if len(table.records) > 1 and len(set(table.values(c))) == 1]
    shared = ", ".join(f"{c} {table.records[0][c] or '(not stated)'}" for c in constant)
    kept = tuple(c for c in table.columns if c not in constant)
    records = tuple({c: record[c] for c in kept} for record in table.records)
    return Rows(table.path, kept, records, table.lines), shared


class PerfDiff(SphinxDirective):
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

    def run(self) -> list[nodes.Node]:
        try:
            result = self._compare()
        except (InputError, diff.DiffError, ValueError) as exc:
            return error_node(self, f"perf-diff: {exc}", "diff")
        self._warn_missing_prices(result)
        return self._render(result)

    def _compare(self) -> diff.DiffResult:
        check_values(self.options)
        if self.options.get("unchanged", "count").strip() not in ("count", "list"):
            raise InputError(f":unchanged: must be count or list, got "
                             f"{self.options['unchanged']!r}")
        for required in ("old", "new"):
            if not self.options.get(required):
                raise InputError(f"missing option :{required}: (a results JSONL file, a "
                                 "directory of published CSVs or git:<rev>)")
        try:
            threshold = parse_fraction(self.options.get("threshold", str(diff.DEFAULT_THRESHOLD)))
        except ValueError as exc:
            raise InputError(f":threshold: {exc}") from exc
        try:
            alpha = parse_probability(self.options.get("alpha", str(diff.DEFAULT_ALPHA)))
        except ValueError as exc:
            raise InputError(f":alpha: {exc}") from exc
        old = self._snapshot("old")
        new = self._snapshot("new")
        return diff.compare(old, new, threshold, alpha, self._prices(),
                            self.options.get("pricing-model", "on-demand"))

    def _snapshot(self, option: str) -> diff.Snapshot:
        value = self.options[option].strip()
        if value.startswith("git:"):
            self.env.note_reread()
            return diff.load_snapshot(value, Path(self.env.srcdir), model_catalog(self))
        path = find_input(self, option, value)
        snapshot = diff.load_snapshot(str(path), models=model_catalog(self))
        # a directory is no dependency (Sphinx would re-read the page on every build);
        # its CSV files are
        for dependency in {path, *snapshot.dependencies}:
            if Path(dependency).is_file():
                self.env.note_dependency(str(dependency))
        return snapshot

    def _prices(self) -> PriceCatalog | None:
        if "prices" in self.options:
            path = find_input(self, "prices", self.options["prices"].strip())
        else:
            try:
                path = find_input(self, "prices", "prices.yaml")
            except InputError:
                return None
        self.env.note_dependency(str(path))
        return load_price_catalog(path)

    def _warn_missing_prices(self, result: diff.DiffResult) -> None:
        for note in result.notes:
            if note.startswith("no ") and note.endswith(": cost n/a"):
                logger.warning(f"perf-diff: {note}", location=self.get_location(), type="perf",
                               subtype="price")

    def _render(self, result: diff.DiffResult) -> list[nodes.Node]:
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
        tests = diff.tests_used(result)
        container += nodes.paragraph(text="Tests: " + ("; ".join(tests) if tests else "none") + ".")
        if result.notes:
            notes = nodes.bullet_list(classes=["perf-diff-notes"])
            base = f"{Path(self.config.df_table_data_dir)}/"
            for note in result.notes:
                notes += nodes.list_item("", nodes.paragraph(text=note.replace(base, "")))
            container += notes
        self.set_source_info(container)
        return [container]

    def _changes(self, result: diff.DiffResult) -> list[nodes.Node]:
        """The changed rows as a table of numbers; unchanged rows counted (listed, closed,
        with ``:unchanged: list``)."""
        found: list[nodes.Node] = []
        changed = diff.change_rows(result)
        same = diff.change_rows(result, unchanged=True)
        if changed.records:
            table, shared = _hoist_constant_keys(changed, result)
            if shared:
                found.append(nodes.paragraph(text=f"Every changed row has {shared}."))
            found.append(build_table(table, ["df-table", "perf-diff-table"], "Verdict"))
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
                    f"The {count} unchanged rows", [build_table(
                        table, ["df-table", "perf-diff-table", "perf-diff-unchanged"])]))
        return found

    def _intro(self, result: diff.DiffResult) -> str:
        cost = "" if result.prices is None else \
            f" {diff.price_statement(result.prices, result.pricing_model)}."
        return (f"Comparing {self.options['old'].strip()} (old) with "
                f"{self.options['new'].strip()} (new): {diff.summary_line(result)}. "
                "A change is flagged only when it exceeds the threshold and the measured "
                f"noise.{cost}")


def absolute_data_dir(app: Sphinx, config: Config) -> None:
    """Make a relative ``df_table_data_dir`` relative to the directory of conf.py."""
    data_dir = config.df_table_data_dir
    if data_dir and not Path(data_dir).is_absolute():
        config.df_table_data_dir = str(Path(app.confdir) / data_dir)


def add_data_dir_config(app: Sphinx) -> None:
    """``df_table_data_dir`` unless the df-table extension registered it already."""
    if "df_table_data_dir" not in app.config:
        app.add_config_value("df_table_data_dir", "", "env", types=frozenset({str}))
        app.connect("config-inited", absolute_data_dir)


def setup_release_diff(app: Sphinx) -> None:
    add_data_dir_config(app)
    app.add_directive("perf-diff", PerfDiff)
