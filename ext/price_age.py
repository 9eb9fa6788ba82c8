"""Stale prices: a price a page uses, read longer ago than the review age, is a dated notice.

A site must not stop building because the calendar moved, and must not hide an old price.
Pages note the prices they use (catalog, instance, pricing model) in the environment while
they are read. Each price read more than ``df_table_price_max_age_days`` (365 by default)
before the build is then

- a visible notice at the top of every page whose costs use it (``doctree-resolved``: which
  price, its read date and its age on the build date), and
- one line in the build log, at its entry in the price file (``env-updated``: main process,
  after parallel readers merged, on every build even when no page changed)::

      data/prices.yaml:50: price notice: inf1.xlarge ri-effective rate was read 2024-09-16,
      808 days before 2026-12-03 (older than df_table_price_max_age_days = 365); the pages
      that use it say so

This log line is an *info* message, outside Sphinx's warning stream, so ``-W`` (the strict
``make html``) never fails on a date; ``df_table_price_notice_warns = True`` makes it a
warning (``df_table.stale_price``) for a check that wants to fail on old prices.
On a new build date the pages that use prices are read again, so each notice's age is that of
the build. Only prices a rendered cost uses count (a catalog may keep old entries no page
shows). ``df_table_price_max_age_days = 0`` turns notices off. "Today" is the build date, or
``SOURCE_DATE_EPOCH`` when set (reproducible builds, tests).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.util import logging

from ext.filecache import FileCache
from ext.render import shown_path
from perfcore.prices import PriceCatalog, load_price_catalog
from perfcore.yamlfile import YamlError

logger = logging.getLogger(__name__)
ATTRIBUTE = "df_table_prices_used"  # {docname: {(catalog path, instance key, pricing model)}}
BUILD_DAY = "df_table_price_day"  # the build date the pages' notices were computed for


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


def _stale_by_catalog(app: Sphinx, entries: Iterable[tuple[str, str, str]], cache: FileCache,
                      today: date) -> list[tuple[str, StalePrice]]:
    """``(catalog path, stale price)`` for the used prices older than the review age."""
    by_catalog: dict[str, set[tuple[str, str]]] = {}
    for path, instance, pricing in entries:
        by_catalog.setdefault(path, set()).add((instance, pricing))
    found = []
    for path in sorted(by_catalog):
        try:
            catalog = cache.get("prices", path, lambda path=path: load_price_catalog(path))
        except YamlError:
            continue  # the pages that use it already show the error
        found += [(path, price) for price in stale_prices(
            catalog, by_catalog[path], today, app.config.df_table_price_max_age_days)]
    return found


def _log_stale(app: Sphinx, env: BuildEnvironment, cache: FileCache) -> None:
    today = build_date()
    setattr(env, BUILD_DAY, today.isoformat())
    used = [entry for entries in _used(env).values() for entry in entries]
    max_age = app.config.df_table_price_max_age_days
    for path, price in _stale_by_catalog(app, used, cache, today):
        shown = shown_path(path, app.config.df_table_display_root)
        message = (f"{price.instance} {price.pricing} rate was read {price.read}, "
                   f"{price.age_days} days before {today.isoformat()} (older than "
                   f"df_table_price_max_age_days = {max_age}); the pages that use it say so")
        if app.config.df_table_price_notice_warns:
            logger.warning("price is stale: %s", message, location=f"{shown}:{price.line}",
                           type="df_table", subtype="stale_price")
        else:
            logger.info("%s:%d: price notice: %s", shown, price.line, message)


def notice_text(stale: list[tuple[str, StalePrice]], today: date, max_age: int,
                shown: dict[str, str]) -> str:
    """The page's notice: which prices, read when, how old on the build date (prices of one
    pricing model read on one day are named together)."""
    groups: dict[tuple[str, str, int, str], list[str]] = {}
    for path, price in stale:
        key = (price.pricing, price.read, price.age_days, shown[path])
        groups.setdefault(key, []).append(price.instance)
    items = "; ".join(f"{', '.join(instances)} {pricing} "
                      f"rate{'s' if len(instances) > 1 else ''} ({where}), read {read}, "
                      f"{age} days before this build"
                      for (pricing, read, age, where), instances in groups.items())
    return (f"Some costs on this page use prices read more than {max_age} days before this "
            f"build ({today.isoformat()}): {items}. Prices may have changed since; those costs "
            "are as of the read date.")


def _page_notice(app: Sphinx, doctree: nodes.document, docname: str, cache: FileCache) -> None:
    entries = _used(app.env).get(docname)
    if not entries:
        return
    today = build_date()
    stale = _stale_by_catalog(app, entries, cache, today)
    if not stale:
        return
    shown = {path: shown_path(path, app.config.df_table_display_root) for path, _ in stale}
    text = notice_text(stale, today, app.config.df_table_price_max_age_days, shown)
    notice = nodes.admonition(classes=["price-age-notice", "caution"])
    notice += nodes.title("Price notice", "Price notice")
    notice += nodes.paragraph(text, text)
    section = next(iter(doctree.findall(nodes.section)), None)
    if section is not None and section.children and isinstance(section[0], nodes.title):
        section.insert(1, notice)
    else:
        doctree.insert(0, notice)


def _new_day(app: Sphinx, env: BuildEnvironment, added: set[str], changed: set[str],
             removed: set[str]) -> list[str]:
    """On a new build date, pages with costs are read again, so their notices are current."""
    if getattr(env, BUILD_DAY, None) == build_date().isoformat():
        return []
    return sorted(docname for docname, entries in _used(env).items()
                  if entries and docname not in removed)


def setup_price_age(app: Sphinx, cache: FileCache) -> None:
    app.add_config_value("df_table_price_max_age_days", 365, "", types=frozenset({int}),
                         description="a used price read longer ago than this is a dated notice "
                                     "on its pages (0: never)")
    app.add_config_value("df_table_price_notice_warns", False, "", types=frozenset({bool}),
                         description="log a stale price as a warning (fails -W) instead of info")
    app.connect("env-purge-doc", _purge)
    app.connect("env-merge-info", _merge)
    app.connect("env-get-outdated", _new_day)
    app.connect("env-updated", lambda app, env: _log_stale(app, env, cache))
    app.connect("doctree-resolved",
                lambda app, doctree, docname: _page_notice(app, doctree, docname, cache))
