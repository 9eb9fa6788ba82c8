"""The ``df-table`` directive: a declarative YAML spec (default) or, opt-in, seed-002 code.

Every file a table uses is a page dependency (:class:`ext.base.DataDirective`), so editing
a CSV or a catalog re-reads exactly the pages that use it. A broken table is a located
error in the log and a visible error box on the page, never a silent gap.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.application import Sphinx

from ext.base import FAMILIES, DataDirective, DirectiveError, add_data_directive, plain_name
from ext.filecache import FileCache
from ext.price_age import note_prices_used
from ext.render import set_table_id, table_nodes, unsafe_target
from ext.tables import no_results
from perfcore.families import VARIANTS, family_csv
from perfcore.tabledata import Rows, SpecMismatch, apply_filters, build_table
from perfcore.tablespec import SpecError, TableSpec, code_problem, looks_like_code, parse_spec


class DfTable(DataDirective):
    """A table of one CSV: a declarative spec, a family tab, or (opt-in) pandas code."""

    has_content = True
    option_spec: ClassVar[dict[str, Any]] = {
        # all checked in build(), so a bad value leaves an error box (docutils' converters
        # don't)
        "header-rows": directives.unchanged,  # accepted for seed-002 bodies
        "family": directives.unchanged,
        "platform": directives.unchanged,
        "variant": directives.unchanged,
    }

    def build(self) -> list[nodes.Node]:
        self._check_options()
        self.options = {name: (value or "").strip() for name, value in self.options.items()}
        if "family" in self.options:
            return self._run_family()
        body = "\n".join(self.content)
        if looks_like_code(body):
            return self._run_code(body)
        return self.render_spec(self._parse_spec(body))

    def render_spec(self, spec: TableSpec, family: str | None = None) -> list[nodes.Node]:
        """The table; ``family`` names the families.yaml entry the spec came from, if any."""
        csv_path = self.data_path(spec.data)
        csv = self.read_csv(csv_path)
        catalog = self.price_catalog(spec.prices) if spec.pricing else None
        try:
            table = build_table(csv, spec, catalog)
        except SpecMismatch as err:
            raise self._blame_spec(err, spec, family) from None
        if catalog is not None:
            self.warn_missing_prices(table.missing_prices, spec.pricing or "", csv.path,
                                     catalog.path)
            shown_rows = apply_filters(Rows.from_csv(csv), spec.filters)
            note_prices_used(self.env, self.data_path(spec.prices),
                             map(str, shown_rows.values(spec.instance)), spec.pricing or "")
        return table_nodes(self.state, table, str(csv_path), caption=spec.caption)

    def _blame_spec(self, err: SpecMismatch, spec: TableSpec,
                    family: str | None) -> DirectiveError:
        """Report a spec/data mismatch at the spec's line: the page's, or families.yaml's."""
        line = spec.key_lines.get(err.key) or min(spec.key_lines.values(), default=0)
        if family is None:
            return DirectiveError(err.message, line or None)
        where = self.shown(self.data_path(FAMILIES))
        return DirectiveError(f"{where}:{line}: family {family}: {err.message}")

    def _check_options(self) -> None:
        for name in ("family", "platform", "variant"):
            if name in self.options and not (self.options[name] or "").strip():
                raise DirectiveError(f":{name}: needs a value")
        variant = self.options.get("variant")
        if variant is not None and variant.strip() not in VARIANTS:
            raise DirectiveError(f":variant: must be one of {', '.join(VARIANTS)}, "
                                 f"got {variant!r}")
        rows = (self.options.get("header-rows") or "1").strip()
        if rows != "1":
            raise DirectiveError(f":header-rows: must be 1 (the DataFrame's column names), "
                                 f"got {rows!r}")
        if "family" not in self.options and {"platform", "variant"} & set(self.options):
            raise DirectiveError(":platform: and :variant: go with :family: (a family table)")

    def _parse_spec(self, body: str) -> TableSpec:
        try:
            return parse_spec(body, self.get_source_info()[0], first_line=self.content_offset + 1)
        except SpecError:
            problem = code_problem(body)
            if problem is None:
                raise
            raise DirectiveError(problem[1], self.content_offset + problem[0]) from None

    def _run_family(self) -> list[nodes.Node]:
        if self.content:
            raise DirectiveError("a family table takes no body (its spec is in families.yaml)")
        missing = [name for name in ("platform", "variant") if name not in self.options]
        if missing:
            raise DirectiveError(f"a family table needs :{missing[0]}:")
        family, platform, variant = (self.options[name]
                                     for name in ("family", "platform", "variant"))
        if not plain_name(platform):
            self.check_platform(platform)
        spec = self.family_catalog().get(family, platform)
        data = family_csv(platform, family, variant)
        path = self.data_path(data)
        if not path.is_file() or not self.read_csv(path).rows:
            self.depend_if_present(path)
            self.check_platform(platform)
            return [no_results()]
        result = self.render_spec(spec.with_data(data), family=family)
        tables = [node for node in result if isinstance(node, nodes.table)]
        if tables:
            set_table_id(self.state.document, tables[0],
                         "-".join((platform, family, VARIANTS[variant])))
        for note in spec.notes:
            result.append(self._note_box(note, spec))
        return result

    def _note_box(self, text: str, spec: TableSpec) -> nodes.Node:
        box = nodes.note()
        box.extend(self.parse_text_to_nodes(text))
        unsafe = unsafe_target(box.children)
        if unsafe is not None:
            where = self.shown(self.data_path(FAMILIES))
            raise DirectiveError(f"{where}:{spec.key_lines.get('notes', 0)}: family "
                                 f"{self.options['family']}: notes: {unsafe}")
        return box

    def _run_code(self, body: str) -> list[nodes.Node]:
        if not self.config.df_table_allow_code:
            raise DirectiveError(
                "this body is pandas code, which runs only when conf.py sets "
                "df_table_allow_code = True (or rewrite it as a declarative spec: "
                "data, columns, sort, ...)"
            )
        from ext.compat import run_table_code  # imported only on sites that opt in

        page_dir = Path(self.env.doc2path(self.env.docname)).parent
        result = run_table_code(body, page_dir, self.get_source_info()[0],
                                self.content_offset, self.shown,
                                timeout=float(self.config.df_table_code_timeout))
        for path in result.files_read:
            self.depend_if_present(path)
        if result.error:
            raise DirectiveError(result.error, result.error_line)
        return table_nodes(self.state, result.table, self.get_source_info()[0])


def setup_df_table(app: Sphinx, cache: FileCache) -> None:
    app.add_config_value("df_table_allow_code", False, "env", types=frozenset({bool}),
                         description="run pandas-code df-table bodies (compatibility form)")
    app.add_config_value("df_table_code_timeout", 5.0, "env", types=frozenset({int, float}),
                         description="seconds a compatibility-form body may run (0: no limit)")
    add_data_directive(app, "df-table", DfTable, cache)
