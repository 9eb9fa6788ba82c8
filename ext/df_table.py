"""The ``df-table`` directive: a declarative YAML spec (default) or, opt-in, seed-002 code.

Every file a table uses is recorded with ``env.note_dependency``, so editing a CSV or a
catalog re-reads exactly the pages that use it. A broken table is a located error in
the log and a visible error box on the page, never a silent gap.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, ClassVar

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

from ext.filecache import FileCache
from ext.missing_files import note_missing_file
from ext.price_age import note_prices_used
from ext.render import error_box, shown_path, table_nodes, unsafe_target
from perfcore.csvfile import CsvText, read_csv_text
from perfcore.errors import DataFileError
from perfcore.families import VARIANTS, FamilyCatalog, family_csv, load_families
from perfcore.models import CATALOG_NAME, ModelCatalog, load_model_catalog
from perfcore.prices import PriceCatalog, load_price_catalog
from perfcore.tabledata import Rows, SpecMismatch, apply_filters, build_table
from perfcore.tablespec import SpecError, TableSpec, code_problem, looks_like_code, parse_spec
from perfcore.yamlfile import YamlError

logger = logging.getLogger(__name__)
NO_RESULTS = "No published results yet."


class TableError(Exception):
    """A problem to report at ``line`` of the page (None: the directive's own line)."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


def plain_name(name: str) -> bool:
    """A folder name, not a path (no separators, no leading dot)."""
    return bool(name) and not {"/", "\\"} & set(name) and not name.startswith(".")


class DataDirective(SphinxDirective):
    """Shared plumbing: the data directory, cached file loading, dependencies, error boxes."""

    cache: ClassVar[FileCache]

    def data_path(self, relative: str) -> Path:
        return Path(self.config.df_table_data_dir, relative)

    def shown(self, path: str | Path) -> str:
        return shown_path(path, self.config.df_table_display_root)

    def depend(self, path: str | Path) -> None:
        self.env.note_dependency(os.path.abspath(path))

    def depend_if_present(self, path: str | Path) -> None:
        """A dependency, or for an absent file a note to re-read this page once it appears."""
        if os.path.isfile(path):
            self.depend(path)
        else:
            note_missing_file(self.env, path)

    def read_csv(self, path: Path) -> CsvText:
        self.depend_if_present(path)
        shown = self.shown(path)
        return self.cache.get("csv", str(path), lambda: read_csv_text(path, shown))

    def price_catalog(self, relative: str) -> PriceCatalog:
        path = self.data_path(relative)
        self.depend(path)
        shown = self.shown(path)
        catalog = self.cache.get("prices", str(path), lambda: load_price_catalog(path))
        return PriceCatalog(shown, catalog.currency, catalog.instances, catalog.unpriced)

    def family_catalog(self) -> FamilyCatalog:
        path = self.data_path("families.yaml")
        self.depend(path)
        catalog = self.cache.get("families", str(path), lambda: load_families(path))
        return FamilyCatalog(self.shown(path), catalog.families, catalog.per_platform)

    def model_catalog(self) -> ModelCatalog:
        """The data directory's model catalog (``models.yaml``), or none: each name its own."""
        path = self.data_path(CATALOG_NAME)
        self.depend_if_present(path)
        if not path.is_file():
            return ModelCatalog.none()
        catalog = self.cache.get("models", str(path), lambda: load_model_catalog(path))
        return ModelCatalog(self.shown(path), catalog.entries, catalog.names, catalog.ambiguous)

    def check_platform(self, platform: str) -> None:
        """A :platform: must name a folder of the data directory (a typo is not "no results")."""
        data_dir = Path(self.config.df_table_data_dir)
        if plain_name(platform) and self.data_path(platform).is_dir():
            return
        known = sorted(path.name for path in (data_dir.iterdir() if data_dir.is_dir() else ())
                       if path.is_dir() and plain_name(path.name))
        raise TableError(f":platform: {platform!r} is not a folder of {self.shown(data_dir)} "
                         f"(folders: {', '.join(known) or 'none'}; a platform without results "
                         "yet needs its folder)")

    def report(self, message: str, line: int | None = None) -> list[nodes.Node]:
        """Log a located error and return the error box that takes the table's place."""
        text = f"{self.name}: {message}"
        logger.error(text, location=(self.env.docname, line or self.get_source_info()[1]),
                     type="df_table", subtype="error")
        return [error_box(text)]

    def _blame_spec(self, err: SpecMismatch, spec: TableSpec, family: str | None) -> TableError:
        """Report a spec/data mismatch at the spec's line: the page's, or families.yaml's."""
        line = spec.key_lines.get(err.key) or min(spec.key_lines.values(), default=0)
        if family is None:
            return TableError(err.message, line or None)
        where = self.shown(self.data_path("families.yaml"))
        return TableError(f"{where}:{line}: family {family}: {err.message}")

    def warn_missing_prices(self, instances: list[str], pricing: str, csv_shown: str,
                            prices: str) -> None:
        for instance in instances:
            logger.warning(
                "%s: no %s price for instance %r (from %s) in %s; its cost shows n/a",
                self.name, pricing, instance, csv_shown, prices,
                location=(self.env.docname, self.get_source_info()[1]),
                type="df_table", subtype="price",
            )

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


class DfTable(DataDirective):
    has_content = True
    option_spec: ClassVar[dict[str, Any]] = {
        # all checked in run(), so a bad value leaves an error box (docutils' converters don't)
        "header-rows": directives.unchanged,  # accepted for seed-002 bodies
        "family": directives.unchanged,
        "platform": directives.unchanged,
        "variant": directives.unchanged,
    }

    def run(self) -> list[nodes.Node]:
        try:
            return self._run()
        except TableError as err:
            return self.report(str(err), err.line)
        except SpecError as err:
            return self.report(err.message, err.line or None)
        except (YamlError, DataFileError) as err:
            return self.report(str(err))

    def _check_options(self) -> None:
        for name in ("family", "platform", "variant"):
            if name in self.options and not (self.options[name] or "").strip():
                raise TableError(f":{name}: needs a value")
        variant = self.options.get("variant")
        if variant is not None and variant.strip() not in VARIANTS:
            raise TableError(f":variant: must be one of {', '.join(VARIANTS)}, got {variant!r}")
        rows = (self.options.get("header-rows") or "1").strip()
        if rows != "1":
            raise TableError(f":header-rows: must be 1 (the DataFrame's column names), "
                             f"got {rows!r}")
        if "family" not in self.options and {"platform", "variant"} & set(self.options):
            raise TableError(":platform: and :variant: go with :family: (a family table)")

    def _run(self) -> list[nodes.Node]:
        self._check_options()
        self.options = {name: (value or "").strip() for name, value in self.options.items()}
        if "family" in self.options:
            return self._run_family()
        body = "\n".join(self.content)
        if looks_like_code(body):
            return self._run_code(body)
        return self.render_spec(self._parse_spec(body))

    def _parse_spec(self, body: str) -> TableSpec:
        try:
            return parse_spec(body, self.get_source_info()[0], first_line=self.content_offset + 1)
        except SpecError:
            problem = code_problem(body)
            if problem is None:
                raise
            raise TableError(problem[1], self.content_offset + problem[0]) from None

    def _run_family(self) -> list[nodes.Node]:
        if self.content:
            raise TableError("a family table takes no body (its spec is in families.yaml)")
        missing = [name for name in ("platform", "variant") if name not in self.options]
        if missing:
            raise TableError(f"a family table needs :{missing[0]}:")
        if not plain_name(self.options["platform"]):
            self.check_platform(self.options["platform"])
        spec = self.family_catalog().get(self.options["family"], self.options["platform"])
        data = family_csv(self.options["platform"], self.options["family"],
                          self.options["variant"])
        path = self.data_path(data)
        if not path.is_file() or not self.read_csv(path).rows:
            self.depend_if_present(path)
            self.check_platform(self.options["platform"])
            return [nodes.paragraph(NO_RESULTS, NO_RESULTS, classes=["df-table-empty"])]
        result = self.render_spec(spec.with_data(data), family=self.options["family"])
        for note in spec.notes:
            result.append(self._note_box(note, spec))
        return result

    def _note_box(self, text: str, spec: TableSpec) -> nodes.Node:
        box = nodes.note()
        box.extend(self.parse_text_to_nodes(text))
        unsafe = unsafe_target(box.children)
        if unsafe is not None:
            where = self.shown(self.data_path("families.yaml"))
            raise TableError(f"{where}:{spec.key_lines.get('notes', 0)}: family "
                             f"{self.options['family']}: notes: {unsafe}")
        return box

    def _run_code(self, body: str) -> list[nodes.Node]:
        if not self.config.df_table_allow_code:
            raise TableError(
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
            raise TableError(result.error, result.error_line)
        return table_nodes(self.state, result.table, self.get_source_info()[0])


def setup_df_table(app: Sphinx, cache: FileCache) -> None:
    app.add_config_value("df_table_data_dir", "", "env", types=frozenset({str}),
                         description="directory of data CSVs and catalogs (default: srcdir)")
    app.add_config_value("df_table_allow_code", False, "env", types=frozenset({bool}),
                         description="run pandas-code df-table bodies (compatibility form)")
    app.add_config_value("df_table_code_timeout", 5.0, "env", types=frozenset({int, float}),
                         description="seconds a compatibility-form body may run (0: no limit)")
    app.add_config_value("df_table_display_root", "", "", types=frozenset({str}),
                         description="paths in messages are relative to this (default: confdir)")
    app.add_directive("df-table", type("DfTable", (DfTable,), {"cache": cache}))
    app.connect("config-inited", _resolve_paths)


def _resolve_paths(app: Sphinx, config: Config) -> None:
    """Make the configured folders absolute once, relative to the folder of conf.py."""
    data_dir = config.df_table_data_dir or str(app.srcdir)
    config.df_table_data_dir = str(Path(app.confdir, data_dir).resolve())
    config.df_table_display_root = str(Path(app.confdir, config.df_table_display_root).resolve())
