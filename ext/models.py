"""Every model name in the data resolves to one model of ``models.yaml``, or the build says so.

After the pages are read (``env-updated``: the main process, on every build, even when no page
changed), every ``Model`` cell of the published tables, the sweeps and the release history is
resolved with the model catalog (:mod:`perfcore.models`); each one that resolves to no model
is a warning located at its CSV line, naming what was expected::

    data/inf2/throughput_data_encoder.csv:7: WARNING: Model 'bert-base-uncasd' is not in the
    model catalog data/models.yaml: add it as a model (id, name, family, params) or as an
    alias of the model it is [models.unknown]

so a new spelling never becomes a new model silently (a strict build stops on it). A data
directory without ``models.yaml`` has no catalog: every name is its own model, no warning.
"""

from __future__ import annotations

from pathlib import Path

from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.util import logging

from ext.filecache import FileCache
from ext.render import shown_path
from perfcore.csvfile import read_csv_text
from perfcore.models import CATALOG_NAME, check_data_models, load_model_catalog
from perfcore.yamlfile import YamlError

logger = logging.getLogger(__name__)


def _check_models(app: Sphinx, env: BuildEnvironment, cache: FileCache) -> None:
    data_dir = Path(app.config.df_table_data_dir)
    path = data_dir / CATALOG_NAME
    if not path.is_file():
        return
    root = app.config.df_table_display_root
    try:
        catalog = cache.get("models", str(path), lambda: load_model_catalog(path))
    except YamlError as err:
        logger.warning("model catalog: %s", err.message,
                       location=f"{shown_path(path, root)}:{err.line}", type="models",
                       subtype="catalog")
        return

    def read(csv_path: Path):
        return cache.get("csv", str(csv_path),
                         lambda: read_csv_text(csv_path, shown_path(csv_path, root)))

    for problem in check_data_models(catalog, data_dir, read=read):
        message = problem.message.replace(str(path), shown_path(path, root))
        logger.warning("%s", message, location=f"{problem.path}:{problem.line}",
                       type="models", subtype="unknown")


def setup_models(app: Sphinx, cache: FileCache) -> None:
    app.connect("env-updated", lambda app, env: _check_models(app, env, cache))
