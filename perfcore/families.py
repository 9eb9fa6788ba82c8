"""Table families (``data/families.yaml``): one spec per family, shared by every platform.

No Sphinx import. A family is a declarative table spec without ``data``; its CSVs are
``<platform>/throughput_data_<family>.csv`` and ``<platform>/latency_data_<family>.csv``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from perfcore.errors import DataFileError
from perfcore.tablespec import FAMILY_ONLY_KEYS, SPEC_KEYS, SpecError, TableSpec, spec_from_node
from perfcore.textfile import read_text
from perfcore.yamlfile import YamlError, compose, line_of, mapping_items, scalar

VARIANTS = {"throughput": "Throughput optimized", "latency": "Latency optimized"}
FAMILY_KEYS = {k: v for k, v in {**SPEC_KEYS, **FAMILY_ONLY_KEYS}.items() if k != "data"}
# ``platforms: {inf2: {columns: [...]}}``: keys a platform may set instead of the family's.
PLATFORMS_KEY = "platforms"
CARDS_DIR = "model-cards"  # data/model-cards/<model>.{yaml,csv}: perfcore.model_cards
# Folders of data/ that hold no platform's tables: results, run reports, frozen releases and
# the model cards.
NOT_PLATFORMS = frozenset({"raw", "reports", "releases", CARDS_DIR})


@dataclass(frozen=True)
class FamilyCatalog:
    path: str
    families: dict[str, TableSpec]
    per_platform: dict[str, dict[str, TableSpec]] = field(default_factory=dict)

    def get(self, name: str, platform: str | None = None) -> TableSpec:
        """The family's spec, with the keys ``platform`` declares under ``platforms`` applied."""
        if name not in self.families:
            raise YamlError(self.path, 0, f"no family {name!r} "
                                          f"(families: {', '.join(self.families)})")
        return self.per_platform.get(name, {}).get(platform or "", self.families[name])


_SWEEP_CSV = re.compile(r"^sweep_(?P<name>.+)\.csv$")
_FAMILY_CSV = re.compile(r"^(?P<variant>throughput|latency)_data_(?P<family>[A-Za-z0-9_-]+)\.csv$")


def family_csv(platform: str, family: str, variant: str) -> str:
    """The CSV of one tab, relative to the data directory: the one place published CSV names
    are made (``collect publish``, the pages) and read back (:func:`family_csv_parts`)."""
    return f"{platform}/{variant}_data_{family}.csv"


def family_csv_parts(file_name: str) -> tuple[str, str] | None:
    """``(variant, family)`` of a published CSV's file name (``latency_data_decoder.csv`` ->
    ``("latency", "decoder")``), or None when the name is not one :func:`family_csv` makes."""
    match = _FAMILY_CSV.match(file_name)
    return (match["variant"], match["family"]) if match else None


def sweep_csv(platform: str, name: str) -> str:
    """A sweep CSV (``collect publish-sweep``), relative to the data directory."""
    return f"{platform}/sweep_{name}.csv"


def sweep_csv_name(file_name: str) -> str | None:
    """The sweep's name of a sweep CSV's file name (``sweep_bloom.csv`` -> ``bloom``), or None."""
    match = _SWEEP_CSV.match(file_name)
    return match["name"] if match else None


def load_families(path: str | Path) -> FamilyCatalog:
    path = str(path)
    try:
        text = read_text(path, path, missing="family catalog not found")
    except DataFileError as err:
        raise YamlError(err.path, err.line, err.message) from None
    root = compose(text, path)
    if root is None:
        raise YamlError(path, 0, "family catalog is empty")
    top = {key: node for key, _, node in mapping_items(root, path, "family catalog")}
    for key, node in top.items():
        if key not in ("schema_version", "families"):
            raise YamlError(path, line_of(node),
                            f"unknown key {key!r} (expected schema_version, families)")
    if "schema_version" not in top or scalar(top["schema_version"], path, "schema_version") != "1":
        raise YamlError(path, 1, "schema_version must be 1")
    if "families" not in top:
        raise YamlError(path, 1, "families is missing")
    families: dict[str, TableSpec] = {}
    per_platform: dict[str, dict[str, TableSpec]] = {}
    for name, _, node in mapping_items(top["families"], path, "families"):
        base, platforms = _split_platforms(node, path, name)
        try:
            families[name] = spec_from_node(base, path, FAMILY_KEYS)
            per_platform[name] = {
                platform: spec_from_node(_overlay(base, override, path, f"{name}: {platform}"),
                                         path, FAMILY_KEYS)
                for platform, override in platforms.items()}
        except SpecError as err:
            raise YamlError(path, err.line, f"family {name}: {err.message}") from None
    return FamilyCatalog(path=path, families=families, per_platform=per_platform)


def _split_platforms(node: yaml.Node, path: str, name: str
                     ) -> tuple[yaml.MappingNode, dict[str, yaml.Node]]:
    """The family's own keys, and its ``platforms`` overrides by platform."""
    pairs, platforms = [], {}
    for key, key_node, value_node in mapping_items(node, path, f"family {name}"):
        if key != PLATFORMS_KEY:
            pairs.append((key_node, value_node))
            continue
        for platform, _, override in mapping_items(value_node, path, f"family {name}: platforms"):
            platforms[platform] = override
    return yaml.MappingNode(node.tag, pairs, node.start_mark, node.end_mark), platforms


def _overlay(base: yaml.MappingNode, override: yaml.Node, path: str, what: str) -> yaml.MappingNode:
    """``base`` with each key ``override`` sets replaced by the override's value."""
    replaced = {key: (key_node, value)
                for key, key_node, value in mapping_items(override, path, what)}
    pairs = [(key_node, value) for key_node, value in base.value if key_node.value not in replaced]
    return yaml.MappingNode(base.tag, pairs + list(replaced.values()),
                            base.start_mark, base.end_mark)
