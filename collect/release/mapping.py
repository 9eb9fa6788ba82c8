"""The declared mapping of old file and column names onto today's (``column-map.yaml``).

Nothing is guessed: a column whose name is neither one of today's names nor declared as a
rename is *unmappable* (reported, left out); a file that is neither one of today's tables,
a declared rename, a price file nor declared as skipped is *unmapped* (reported, left out).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from perfcore.prices import PRICING_MODELS
from perfcore.yamlfile import YamlError, compose, line_of, mapping_items, scalar, string_list

SCHEMA_VERSION = "1"
KEYS = ("schema_version", "columns", "renames", "file_renames", "tables", "files", "skip",
        "price_files", "price_columns")


@dataclass(frozen=True)
class ColumnMap:
    """Today's names and the declared renames; see ``data/releases/column-map.yaml``."""

    path: str
    columns: frozenset[str]
    renames: dict[str, str]
    file_renames: dict[str, dict[str, str]]
    tables: frozenset[str]
    files: dict[str, str]
    skip: dict[str, str]
    price_files: frozenset[str]
    price_columns: dict[str, str]

    def target_of(self, old_file: str) -> tuple[str, str]:
        """``(kind, target)``: kind is table, price, skip or unmapped; target a file or reason."""
        if old_file in self.tables:
            return "table", old_file
        if old_file in self.files:
            return "table", self.files[old_file]
        if old_file in self.price_files:
            return "price", old_file
        if old_file in self.skip:
            return "skip", self.skip[old_file]
        return "unmapped", "not declared in the column map"

    def column_for(self, target: str, old_column: str) -> str | None:
        """Today's name of ``old_column`` in today's file ``target``; None when unmappable."""
        name = old_column.strip()
        specific = self.file_renames.get(target, {})
        if name in specific:
            return specific[name]
        if name in self.renames:
            return self.renames[name]
        return name if name in self.columns else None


def load_column_map(path: Path) -> ColumnMap:
    """Read and check ``column-map.yaml``; errors name the file and line."""
    shown = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise YamlError(shown, 0, f"cannot read the column map ({exc.strerror})") from None
    root = compose(text, shown)
    if root is None:
        raise YamlError(shown, 0, "the column map is empty")
    sections = {key: value for key, _, value in mapping_items(root, shown, "the column map")}
    _check_sections(root, sections, shown)
    columns = frozenset(string_list(sections["columns"], shown, "columns"))
    renames = _renames(sections.get("renames"), shown, "renames", columns)
    file_renames = {
        target: _renames(value, shown, f"file_renames: {target}", columns)
        for target, _, value in _items(sections.get("file_renames"), shown, "file_renames")
    }
    tables = frozenset(string_list(sections["tables"], shown, "tables"))
    files = _text_mapping(sections.get("files"), shown, "files")
    price_columns = _text_mapping(sections.get("price_columns"), shown, "price_columns")
    column_map = ColumnMap(shown, columns, renames, file_renames, tables, files,
                           _text_mapping(sections.get("skip"), shown, "skip"),
                           frozenset(string_list(sections["price_files"], shown, "price_files")),
                           price_columns)
    _check_targets(column_map, sections)
    return column_map


def _items(node: yaml.Node | None, path: str, what: str):
    if node is None:
        return iter(())
    return mapping_items(node, path, what)


def _text_mapping(node: yaml.Node | None, path: str, what: str) -> dict[str, str]:
    return {key.strip(): scalar(value, path, f"{what}: {key}").strip()
            for key, _, value in _items(node, path, what)}


def _renames(node: yaml.Node | None, path: str, what: str,
             columns: frozenset[str]) -> dict[str, str]:
    """Old name -> today's name; a target that is not one of today's columns is located."""
    renames: dict[str, str] = {}
    for key, _, value in _items(node, path, what):
        new = scalar(value, path, f"{what}: {key}").strip()
        if new not in columns:
            raise YamlError(path, line_of(value),
                            f"rename target {new!r} is not one of today's columns")
        renames[key.strip()] = new
    return renames


def _check_sections(root: yaml.Node, sections: dict[str, yaml.Node], path: str) -> None:
    for key, key_node, _ in mapping_items(root, path, "the column map"):
        if key not in KEYS:
            raise YamlError(path, line_of(key_node),
                            f"unknown section {key!r} (expected one of {', '.join(KEYS)})")
    for key in ("schema_version", "columns", "tables", "price_files"):
        if key not in sections:
            raise YamlError(path, line_of(root), f"missing section {key!r}")
    version = scalar(sections["schema_version"], path, "schema_version")
    if version != SCHEMA_VERSION:
        raise YamlError(path, line_of(sections["schema_version"]),
                        f"schema_version {version!r} is not supported (expected 1)")


def _check_targets(column_map: ColumnMap, sections: dict[str, yaml.Node]) -> None:
    """Every file must map onto one of today's tables, every price column onto a model."""
    path = column_map.path
    for old, new in column_map.files.items():
        if new not in column_map.tables:
            raise YamlError(path, _line(sections, "files"),
                            f"files: {old} maps to {new!r}, which is not one of today's tables")
    for column, model in column_map.price_columns.items():
        if model not in PRICING_MODELS:
            raise YamlError(path, _line(sections, "price_columns"),
                            f"price_columns: {column!r} maps to unknown pricing model {model!r} "
                            f"(expected one of {', '.join(PRICING_MODELS)})")


def _line(sections: dict[str, yaml.Node], *names: str) -> int:
    return next((line_of(sections[n]) for n in names if n in sections), 0)
