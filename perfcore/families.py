"""Table families (``data/families.yaml``): one spec per family, shared by every platform.

No Sphinx import. A family is a declarative table spec without ``data``; its CSVs are
``<platform>/throughput_data_<family>.csv`` and ``<platform>/latency_data_<family>.csv``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from perfcore.errors import DataFileError
from perfcore.tablespec import FAMILY_ONLY_KEYS, SPEC_KEYS, SpecError, TableSpec, spec_from_node
from perfcore.textfile import read_text
from perfcore.yamlfile import YamlError, compose, line_of, mapping_items, scalar

VARIANTS = {"throughput": "Throughput optimized", "latency": "Latency optimized"}
FAMILY_KEYS = {k: v for k, v in {**SPEC_KEYS, **FAMILY_ONLY_KEYS}.items() if k != "data"}


@dataclass(frozen=True)
class FamilyCatalog:
    path: str
    families: dict[str, TableSpec]

    def get(self, name: str) -> TableSpec:
        if name not in self.families:
            raise YamlError(self.path, 0, f"no family {name!r} "
                                          f"(families: {', '.join(self.families)})")
        return self.families[name]


def family_csv(platform: str, family: str, variant: str) -> str:
    """The CSV of one tab, relative to the data directory."""
    return f"{platform}/{variant}_data_{family}.csv"


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
    families = {}
    for name, _, node in mapping_items(top["families"], path, "families"):
        try:
            families[name] = spec_from_node(node, path, FAMILY_KEYS)
        except SpecError as err:
            raise YamlError(path, err.line, f"family {name}: {err.message}") from None
    return FamilyCatalog(path=path, families=families)
