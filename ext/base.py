"""The one base of the data directives: the data folder, inputs, dependencies and errors.

Every directive that reads data (``df-table``, ``perf-family``, ``perf-sweep``, ``perf-chart``,
``perf-diff``, ``perf-release-changes``, ``perf-history``, ``cost-comparison``,
``cheapest-under-sla``, ``cost-explorer``, ``model-card``) is a :class:`DataDirective`:

- ``df_table_data_dir`` is one typed setting, made absolute once (relative to the folder of
  ``conf.py``; empty means the source folder) when the configuration is read;
- a file is found and noted as a page dependency in one step (:meth:`DataDirective.find_input`,
  :meth:`DataDirective.read_csv`, the catalogs), so an edited file re-reads exactly the pages
  that use it, and a file looked for and not found re-reads them once it appears;
- a directive implements :meth:`DataDirective.build` and raises what is wrong
  (:class:`DirectiveError`, or the core's located errors); :meth:`DataDirective.run` turns it
  into one located error in the log and one error box where the table would have been, so a
  page never silently lacks a table;
- every message the extension logs has the type ``df_table`` (its subtypes:
  docs/dev/errors.rst), located at the page line, or the data file line, it is about.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any, ClassVar

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

from ext.filecache import FileCache
from ext.missing_files import note_missing_file
from perfcore.csvfile import CsvText, read_csv_text
from perfcore.errors import UserError
from perfcore.families import FamilyCatalog, load_families
from perfcore.models import CATALOG_NAME, ModelCatalog, load_model_catalog
from perfcore.prices import PriceCatalog, load_price_catalog
from perfcore.tablespec import SpecError

logger = logging.getLogger(__name__)
WARNING_TYPE = "df_table"  # the one type of the extension's messages; subtypes say what
ERROR_CLASS = "df-table-error"
PRICES = "prices.yaml"
FAMILIES = "families.yaml"


class DirectiveError(Exception):
    """A problem to report at ``line`` of the page (None: the directive's own line)."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


def log_error(message: str, location: Any, subtype: str = "error") -> None:
    logger.error("%s", message, location=location, type=WARNING_TYPE, subtype=subtype)


def log_warning(message: str, location: Any, subtype: str) -> None:
    logger.warning("%s", message, location=location, type=WARNING_TYPE, subtype=subtype)


def error_box(message: str) -> nodes.Node:
    """The visible box where a table (or chart) would have been; its text is the log's."""
    box = nodes.error(classes=[ERROR_CLASS], support_smartquotes=False)
    box += nodes.paragraph(message, message)
    return box


def shown_path(path: str | os.PathLike[str], root: str | os.PathLike[str]) -> str:
    """``path`` relative to ``root`` (``df_table_display_root``) when inside it."""
    path, root = os.path.abspath(path), os.path.abspath(root)
    if os.path.commonpath([path, root]) == root:
        return os.path.relpath(path, root)
    return path


def plain_name(name: str) -> bool:
    """A folder name, not a path (no separators, no leading dot)."""
    return bool(name) and not {"/", "\\"} & set(name) and not name.startswith(".")


class DataDirective(SphinxDirective):
    """A directive over the data folder; subclasses implement :meth:`build`."""

    cache: ClassVar[FileCache]  # set per application by add_data_directive
    # what else build() may raise for the page to show (a bad option value, for example)
    user_errors: ClassVar[tuple[type[Exception], ...]] = ()

    def build(self) -> list[nodes.Node]:
        raise NotImplementedError

    def run(self) -> list[nodes.Node]:
        try:
            return self.build()
        except DirectiveError as err:
            return self.report(str(err), err.line)
        except SpecError as err:  # its line is the page's; its file, the page
            return self.report(err.message, err.line or None)
        except (UserError, *self.user_errors) as err:
            return self.report(str(err))

    # ------------------------------------------------------------- messages

    def report(self, message: str, line: int | None = None) -> list[nodes.Node]:
        """Log a located error and return the error box that takes the table's place."""
        text = f"{self.name}: {message}"
        source, own_line = self.get_source_info()
        log_error(text, f"{source}:{line or own_line}")
        return [error_box(text)]

    def warn(self, message: str, subtype: str) -> None:
        """A warning at the directive's line; the page still shows its table."""
        log_warning(f"{self.name}: {message}", self.get_location(), subtype)

    def warn_missing_prices(self, instances: Iterable[str], pricing: str, csv_shown: str,
                            prices: str) -> None:
        for instance in instances:
            self.warn(f"no {pricing} price for instance {instance!r} (from {csv_shown}) in "
                      f"{prices}; its cost shows n/a", "price")

    def require_values(self, optional: Iterable[str] = ()) -> None:
        """An option given without a value is an error with a box (docutils' has none)."""
        for name, value in self.options.items():
            if name not in optional and isinstance(value, str) and not value.strip():
                raise DirectiveError(f":{name}: needs a value")

    # ------------------------------------------------------------- the data folder

    @property
    def data_dir(self) -> Path:
        return Path(self.config.df_table_data_dir)

    def data_path(self, relative: str | os.PathLike[str]) -> Path:
        return self.data_dir / relative

    def shown(self, path: str | os.PathLike[str]) -> str:
        return shown_path(path, self.config.df_table_display_root)

    def check_platform(self, platform: str) -> None:
        """A :platform: must name a folder of the data directory (a typo is not "no results")."""
        if plain_name(platform) and self.data_path(platform).is_dir():
            return
        data_dir = self.data_dir
        known = sorted(path.name for path in (data_dir.iterdir() if data_dir.is_dir() else ())
                       if path.is_dir() and plain_name(path.name))
        raise DirectiveError(f":platform: {platform!r} is not a folder of "
                             f"{self.shown(data_dir)} (folders: {', '.join(known) or 'none'}; "
                             "a platform without results yet needs its folder)")

    # ------------------------------------------------------------- inputs and dependencies

    def depend(self, path: str | os.PathLike[str]) -> None:
        self.env.note_dependency(os.path.abspath(path))

    def depend_if_present(self, path: str | os.PathLike[str]) -> None:
        """A dependency, or for an absent file a note to re-read this page once it appears."""
        if os.path.isfile(path):
            self.depend(path)
        else:
            note_missing_file(self.env, path)

    def find_input(self, option: str, value: str) -> Path:
        """``value`` in the data folder, else relative to the page (``/x``: to the source
        folder); a file found is a page dependency (a folder's files are the caller's), and
        one not found re-reads the page when it appears."""
        candidates = [] if value.startswith("/") else [self.data_path(value)]
        candidates.append(Path(self.env.relfn2path(value, self.env.docname)[1]))
        for candidate in candidates:
            if candidate.exists():
                if candidate.is_file():
                    self.depend(candidate)
                return candidate
        for candidate in candidates:  # the page is read again once one appears
            note_missing_file(self.env, candidate)
        looked = " and ".join(str(c) for c in candidates)
        raise DirectiveError(f":{option}: {value!r} not found (looked in {looked})")

    def read_csv(self, path: Path) -> CsvText:
        self.depend_if_present(path)
        return self.cache.get("csv", str(path), lambda: read_csv_text(path, self.shown(path)))

    def price_catalog(self, relative: str = PRICES) -> PriceCatalog:
        """The data folder's price catalog (``prices`` of a spec names another)."""
        return self.prices_at(self.data_path(relative))

    def prices_at(self, path: Path) -> PriceCatalog:
        self.depend(path)
        catalog = self.cache.get("prices", str(path), lambda: load_price_catalog(path))
        return PriceCatalog(self.shown(path), catalog.currency, catalog.instances,
                            catalog.unpriced)

    def family_catalog(self) -> FamilyCatalog:
        path = self.data_path(FAMILIES)
        self.depend(path)
        catalog = self.cache.get("families", str(path), lambda: load_families(path))
        return FamilyCatalog(self.shown(path), catalog.families, catalog.per_platform)

    def model_catalog(self) -> ModelCatalog:
        """The data folder's model catalog (``models.yaml``), or none: each name its own."""
        path = self.data_path(CATALOG_NAME)
        self.depend_if_present(path)
        if not path.is_file():
            return ModelCatalog.none()
        catalog = self.cache.get("models", str(path), lambda: load_model_catalog(path))
        return ModelCatalog(self.shown(path), catalog.entries, catalog.names, catalog.ambiguous)


def add_data_directive(app: Sphinx, name: str, directive: type[DataDirective],
                       cache: FileCache) -> None:
    """Register ``directive`` with this application's file cache."""
    app.add_directive(name, type(directive.__name__, (directive,), {"cache": cache}))


def _resolve_paths(app: Sphinx, config: Config) -> None:
    """Make the configured folders absolute once, relative to the folder of conf.py."""
    data_dir = config.df_table_data_dir or str(app.srcdir)
    config.df_table_data_dir = str(Path(app.confdir, data_dir).resolve())
    config.df_table_display_root = str(Path(app.confdir, config.df_table_display_root).resolve())


def setup_base(app: Sphinx) -> None:
    app.add_config_value("df_table_data_dir", "", "env", types=frozenset({str}),
                         description="folder of data CSVs and catalogs (default: srcdir)")
    app.add_config_value("df_table_display_root", "", "", types=frozenset({str}),
                         description="paths in messages are relative to this (default: confdir)")
    app.connect("config-inited", _resolve_paths)
