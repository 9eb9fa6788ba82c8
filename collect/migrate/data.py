"""What a migration writes under DATA: CSVs with a Source, price entries, families.

Every function here returns the new text of a file (or raises :class:`MergeConflict`);
nothing is written until the whole migration is known to merge cleanly.
Existing files are merged, never overwritten: rows of another source are kept as they are,
rows of the same source must be the same, a price or family that differs is a conflict
naming both values.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from perfcore.columns import published_name
from perfcore.csvfile import CsvText, format_csv_text, read_csv_text
from perfcore.errors import DataFileError, UserError
from perfcore.families import load_families
from perfcore.prices import PRICING_MODELS, load_price_catalog
from perfcore.yamlfile import YamlError

SOURCE = "Source"
RENAMED_SOURCE = "Model Source"  # a legacy column called Source that is not the provenance


class MergeConflict(UserError):
    """Migrated data disagrees with what DATA already holds; the message names both values."""


@dataclass(frozen=True)
class MigratedCsv:
    csv: CsvText
    notes: tuple[str, ...]


def stored_name(column: str) -> str:
    """The name a migrated CSV keeps a page's column under: today's name, and ``Source``
    (which the migration fills with where a row came from) as ``Model Source``."""
    name = published_name(column)
    return RENAMED_SOURCE if name == SOURCE else name


def migrated_csv(original: CsvText, source: str) -> MigratedCsv:
    """Today's column names, and a ``Source`` column saying where each row came from."""
    notes = []
    names = []
    for column in original.columns:
        name = stored_name(column)
        if name == RENAMED_SOURCE and column != RENAMED_SOURCE:
            notes.append(f"column {column!r} renamed {RENAMED_SOURCE!r} ({SOURCE} says where a "
                         f"row came from)")
        elif name != column:
            notes.append(f"column {column!r} renamed {name!r}")
        names.append(name)
    rows = tuple((*row, source) for row in original.rows)
    migrated = CsvText(original.path, (*names, SOURCE), rows, original.lines)
    return MigratedCsv(migrated, tuple(notes))


def merged_csv_text(target: Path, new: CsvText) -> tuple[str | None, str]:
    """The merged file's text (None when unchanged) and a one-line summary."""
    if not target.is_file():
        return _csv_text(list(new.columns), [dict(zip(new.columns, row, strict=True))
                                              for row in new.rows]), f"{len(new.rows)} rows"
    old = read_csv_text(target)
    old_rows = [dict(zip(old.columns, row, strict=True)) for row in old.rows]
    new_rows = [dict(zip(new.columns, row, strict=True)) for row in new.rows]
    sources = {row[SOURCE] for row in new_rows}
    same_source = [(line, row) for line, row in zip(old.lines, old_rows, strict=True)
                   if row.get(SOURCE) in sources]
    if same_source:
        _check_same(target, same_source, new_rows)
        return None, f"unchanged ({len(new_rows)} rows of this source already there)"
    header = list(old.columns) + [name for name in new.columns if name not in old.columns]
    return _csv_text(header, old_rows + new_rows), \
        f"{len(new_rows)} rows added to {len(old_rows)} kept"


def _check_same(target: Path, old: list[tuple[int, dict[str, str]]],
                new: list[dict[str, str]]) -> None:
    if len(old) != len(new):
        raise MergeConflict(f"{target}: holds {len(old)} rows of source "
                            f"{new[0][SOURCE]!r}, the migration has {len(new)}; remove them "
                            f"first to replace them")
    for (line, before), after in zip(old, new, strict=True):
        for column, value in after.items():
            if before.get(column, "") != value:
                raise MergeConflict(f"{target}:{line}: {column!r} is {before.get(column, '')!r} "
                                    f"there but {value!r} in the migrated data")


def _csv_text(header: list[str], rows: list[dict[str, str]]) -> str:
    return format_csv_text([header, *([row.get(column, "") for column in header]
                                      for row in rows)])


# ------------------------------------------------------------------------ prices

@dataclass(frozen=True)
class PriceEntry:
    instance: str
    pricing: str
    rate: float
    read: date
    region: str
    source: str


def price_entries(prices: CsvText, instance_column: str, rate_columns: dict[str, str],
                  read: date, region: str, source: str) -> list[PriceEntry]:
    """One entry per instance and rate column (``{column: pricing model}``)."""
    entries = []
    for line, row in zip(prices.lines, prices.rows, strict=True):
        record = dict(zip(prices.columns, row, strict=True))
        for column, pricing in rate_columns.items():
            text = record.get(column, "").strip()
            try:
                rate = float(text)
            except ValueError:
                raise DataFileError(prices.path, line, f"{column!r} must be an hourly rate "
                                                       f"(a number), got {text!r}") from None
            entries.append(PriceEntry(record[instance_column].strip(), pricing, rate, read,
                                      region, source))
    return entries


def merged_prices_text(target: Path, entries: list[PriceEntry]) -> tuple[str | None, list[str]]:
    """The catalog with the entries merged in (None when unchanged) and what changed."""
    if target.is_file():
        load_price_catalog(target)  # a broken catalog is a located error before any merge
    head, catalog = _load_yaml(target, {"schema_version": 1, "currency": "USD",
                                        "instances": {}})
    instances = catalog.setdefault("instances", {})
    changes = []
    for entry in entries:
        if entry.pricing not in PRICING_MODELS:
            raise MergeConflict(f"pricing model {entry.pricing!r} is not one of "
                                f"{', '.join(PRICING_MODELS)}")
        key = _instance_key(instances, entry.instance)
        current = instances.setdefault(key, {"region": entry.region, "prices": {}})
        change = _merge_price(target, key, current, entry)
        if change:
            changes.append(change)
    if not changes:
        return None, []
    if "unpriced" in catalog:  # keep the unpriced list last (the README appends to it)
        catalog["unpriced"] = catalog.pop("unpriced")
    return _with_comments(head, _dump(_flow_prices(catalog))), changes


def _flow_prices(catalog: dict[str, Any]) -> dict[str, Any]:
    for entry in catalog.get("instances", {}).values():
        prices = entry.get("prices", {})
        for model, price in prices.items():
            prices[model] = Flow(price)
    return catalog


def _instance_key(instances: dict[str, Any], instance: str) -> str:
    for key in instances:
        if key.lower() == instance.lower():
            return key
    return instance.lower()


def _merge_price(target: Path, key: str, current: dict[str, Any], entry: PriceEntry) -> str:
    if current.get("region") != entry.region:
        raise MergeConflict(f"{target}: {key} region is {current.get('region')!r} there but "
                            f"{entry.region!r} in the migration")
    prices = current.setdefault("prices", {})
    old = prices.get(entry.pricing)
    new = {"rate": entry.rate, "read": entry.read, "source": entry.source}
    if old is None:
        prices[entry.pricing] = new
        return f"{key} {entry.pricing}: added {entry.rate} (read {entry.read})"
    if float(old["rate"]) != entry.rate:
        raise MergeConflict(f"{target}: {key} {entry.pricing} rate is {old['rate']} there "
                            f"(read {old.get('read')}) but {entry.rate} in {entry.source} "
                            f"(read {entry.read})")
    if str(old.get("read")) >= entry.read.isoformat():
        return ""
    prices[entry.pricing] = new
    return (f"{key} {entry.pricing}: rate {entry.rate} unchanged, read {old.get('read')} -> "
            f"{entry.read} (source: {entry.source})")


# ---------------------------------------------------------------------- families

# A key a platform's tables do without, written in its ``platforms`` entry as "none".
EMPTY = {"labels": {}, "rates": {}, "formats": {}, "filter": [], "notes": []}
DEFAULTS = {"instance": "Inst. Type"}
NOT_SHOWN = ("title",)  # family keys that do not change the tables


class Unexpressible(Exception):
    """A platform's tables need the family without a key it sets (no ``platforms`` entry can
    say so); the tab-set stays per-table specs."""


def merged_families_text(target: Path, found: dict[str, dict[str, dict[str, Any]]]
                         ) -> tuple[str | None, list[str], dict[tuple[str, str], str]]:
    """Families ``{family: {platform: spec}}`` merged into the catalog.

    A new family takes the first platform's spec; a platform whose spec differs from the
    family's declares the differing keys under ``platforms: {<platform>: ...}`` (a key it
    does without as ``{}``/``[]``). Returns the text (None when unchanged), what changed, and
    ``{(family, platform): why}`` for platforms whose tables the family cannot reproduce
    (the caller keeps their tab-sets as per-table specs). A platform entry already in the
    file with other values is a conflict.
    """
    if target.is_file():
        load_families(target)  # duplicate keys and unknown keys are located errors
    head, catalog = _load_yaml(target, {"schema_version": 1, "families": {}})
    families = catalog.setdefault("families", {})
    existing = set(families)
    changes: list[str] = []
    refused: dict[tuple[str, str], str] = {}
    for name, per_platform in found.items():
        for platform, spec in per_platform.items():
            try:
                change = _merge_family(target, families, name, platform, spec)
            except Unexpressible as why:
                if name in existing:
                    raise MergeConflict(str(why)) from None
                refused[(name, platform)] = str(why)
                continue
            if change:
                changes.append(change)
    return (_with_comments(head, _dump(catalog)) if changes else None), changes, refused


def resolved_family(family: dict[str, Any], platform: str) -> dict[str, Any]:
    """The spec a platform's tables get: the family's keys, then its platform entry."""
    base = {key: value for key, value in family.items() if key != "platforms"}
    return base | family.get("platforms", {}).get(platform, {})


def _shown(spec: dict[str, Any]) -> dict[str, Any]:
    """What makes the tables: keys with their "none" or default value, and titles, left out."""
    return {key: value for key, value in spec.items() if key not in NOT_SHOWN
            and value != EMPTY.get(key, object()) and value != DEFAULTS.get(key, object())}


def _merge_family(target: Path, families: dict[str, Any], name: str, platform: str,
                  spec: dict[str, Any]) -> str:
    if name not in families:
        families[name] = dict(spec)
        return f"family {name}: added (from {platform})"
    base = {key: value for key, value in families[name].items() if key != "platforms"}
    differing = {key: value for key, value in spec.items() if base.get(key) != value}
    unset = []
    for key in base:
        if key in spec or key in NOT_SHOWN:
            continue
        if key in EMPTY or key in DEFAULTS:
            if base[key] != EMPTY.get(key, DEFAULTS.get(key)):
                differing[key] = EMPTY.get(key, DEFAULTS.get(key))
        else:
            unset.append(key)
    if unset:
        raise Unexpressible(f"{target}: family {name} sets {', '.join(unset)}, which the "
                            f"migrated {platform} tables do not have (give it under "
                            f"platforms: {platform} by hand, or keep per-table specs)")
    declared = families[name].get("platforms", {}).get(platform)
    if not differing and declared is None:
        return ""
    if declared is not None and declared != differing:
        key = next(k for k in set(declared) | set(differing)
                   if declared.get(k) != differing.get(k))
        raise MergeConflict(f"{target}: family {name} platform {platform}: {key} is "
                            f"{declared.get(key)!r} there but {differing.get(key)!r} in the "
                            f"migration")
    if declared == differing:
        return ""
    platforms = families[name].setdefault("platforms", {})
    platforms[platform] = differing
    if _shown(resolved_family(families[name], platform)) != _shown(spec):  # a guard
        del platforms[platform]
        if not platforms:
            del families[name]["platforms"]
        raise Unexpressible(f"{target}: family {name} cannot declare what the migrated "
                            f"{platform} tables show")
    return f"family {name}: platform {platform} declares {', '.join(differing)}"


# -------------------------------------------------------------------------- YAML

def _load_yaml(target: Path, empty: dict[str, Any]) -> tuple[dict[str, str], dict[str, Any]]:
    """The file's comment blocks (by the top-level key they precede) and its data."""
    if not target.is_file():
        return {}, empty
    text = target.read_text(encoding="utf-8")
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as err:
        raise YamlError(str(target), 0, f"invalid YAML: {err}") from None
    if not isinstance(data, dict):
        raise YamlError(str(target), 1, "expected a mapping")
    comments: dict[str, str] = {}
    block: list[str] = []
    for line in text.splitlines():
        if line.startswith("#"):
            block.append(line)
            continue
        key = re.match(r"^([A-Za-z_][\w-]*):", line)
        if key and block:
            comments[key[1]] = "".join(f"{comment}\n" for comment in block)
        if line.strip():
            block = []
    return comments, data


def _with_comments(comments: dict[str, str], text: str) -> str:
    """``text`` with each comment block put back before its top-level key."""
    out = []
    for line in text.splitlines(keepends=True):
        key = re.match(r"^([A-Za-z_][\w-]*):", line)
        if key and key[1] in comments:
            out.append(comments[key[1]])
        out.append(line)
    return "".join(out)


class _Dumper(yaml.SafeDumper):
    """Block style, no ``&id001`` anchors for repeated values."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


class Flow(dict):
    """A mapping written on one line (``{rate: 0.5, read: ..., source: ...}``)."""


_Dumper.add_representer(
    Flow, lambda dumper, data: dumper.represent_mapping("tag:yaml.org,2002:map", data,
                                                        flow_style=True))


def yaml_text(data: dict[str, Any]) -> str:
    """YAML as a maintainer would write it: block style, keys in order, no line wrapping."""
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=4096,
                     default_flow_style=False)


_dump = yaml_text
