"""Stale prices: a price a page uses whose ``read`` date is older than a configured age warns.

Pages note the prices they use (catalog, instance, pricing model) in the environment
while they are read; after reading (``env-updated``: main process, after parallel
readers merged, on every build even when no page changed) each stale one is reported
ONCE per build, located at its entry in the price file::

    data/prices.yaml:11: WARNING: price is stale: inf2.xlarge ri-effective rate was
    read 2025-05-20, 551 days before 2026-11-22 (df_table_price_max_age_days = 365)
    [df_table.stale_price]

(one line in the log).

Only prices a rendered cost uses count (a catalog may keep old entries no page shows).
``df_table_price_max_age_days = 0`` turns the check off. "Today" is the build date, or
``SOURCE_DATE_EPOCH`` when set (reproducible builds, tests).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.util import logging

from ext.filecache import FileCache
from ext.render import shown_path
from perfcore.prices import PriceCatalog, load_price_catalog
from perfcore.yamlfile import YamlError

logger = logging.getLogger(__name__)
ATTRIBUTE = "df_table_prices_used"  # {docname: {(catalog path, instance key, pricing model)}}


@dataclass(frozen=True)
class StalePrice:
    instance: str
    pricing: str
    read: str
    line: int
    age_days: int


def build_date() -> date:
    """Today (UTC), or the day of ``SOURCE_DATE_EPOCH`` when it is set."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    moment = datetime.fromtimestamp(int(epoch), UTC) if epoch else datetime.now(UTC)
    return moment.date()


def stale_prices(catalog: PriceCatalog, used: Iterable[tuple[str, str]], today: date,
                 max_age_days: int) -> list[StalePrice]:
    """The used ``(instance, pricing model)`` prices read more than ``max_age_days`` ago."""
    if max_age_days <= 0:
        return []
    stale = []
    for instance, pricing in sorted(set(used)):
        entry = catalog.lookup(instance)
        price = entry.prices.get(pricing) if entry else None
        read = price.read_date() if price else None
        if price is None or entry is None or read is None:
            continue
        age = (today - read).days
        if age > max_age_days:
            stale.append(StalePrice(entry.name, pricing, price.read, price.line, age))
    return stale


def _used(env: BuildEnvironment) -> dict[str, set[tuple[str, str, str]]]:
    if not hasattr(env, ATTRIBUTE):
        setattr(env, ATTRIBUTE, {})
    return getattr(env, ATTRIBUTE)


def note_prices_used(env: BuildEnvironment, catalog_path: str | os.PathLike[str],
                     instances: Iterable[str], pricing: str) -> None:
    """Record that the page being read shows costs of ``instances`` under ``pricing``."""
    path = os.path.abspath(catalog_path)
    noted = _used(env).setdefault(env.docname, set())
    noted.update((path, str(instance).strip().lower(), pricing) for instance in instances)


def _purge(app: Sphinx, env: BuildEnvironment, docname: str) -> None:
    _used(env).pop(docname, None)


def _merge(app: Sphinx, env: BuildEnvironment, docnames: Iterable[str],
           other: BuildEnvironment) -> None:
    theirs = _used(other)
    for docname in docnames:
        if docname in theirs:
            _used(env)[docname] = theirs[docname]


def _warn_stale(app: Sphinx, env: BuildEnvironment, cache: FileCache) -> None:
    by_catalog: dict[str, set[tuple[str, str]]] = {}
    for entries in _used(env).values():
        for path, instance, pricing in entries:
            by_catalog.setdefault(path, set()).add((instance, pricing))
    max_age = app.config.df_table_price_max_age_days
    today = build_date()
    for path in sorted(by_catalog):
        try:
            catalog = cache.get("prices", path, lambda path=path: load_price_catalog(path))
        except YamlError:
            continue  # the pages that use it already show the error
        shown = shown_path(path, app.config.df_table_display_root)
        for price in stale_prices(catalog, by_catalog[path], today, max_age):
            logger.warning(
                "price is stale: %s %s rate was read %s, %d days before %s "
                "(df_table_price_max_age_days = %d)",
                price.instance, price.pricing, price.read, price.age_days, today.isoformat(),
                max_age, location=f"{shown}:{price.line}", type="df_table",
                subtype="stale_price",
            )


def setup_price_age(app: Sphinx, cache: FileCache) -> None:
    app.add_config_value("df_table_price_max_age_days", 365, "", types=frozenset({int}),
                         description="a used price read longer ago than this warns (0: never)")
    app.connect("env-purge-doc", _purge)
    app.connect("env-merge-info", _merge)
    app.connect("env-updated", lambda app, env: _warn_stale(app, env, cache))
