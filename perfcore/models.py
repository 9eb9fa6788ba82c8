"""The model catalog (``data/models.yaml``): one id per model, whatever a table calls it.

No Sphinx or pandas import. Published tables name one model several ways (the Inf1 page's
``Resnet-50``, the Inf2 page's ``resnet50``); the catalog gives each model one canonical id,
a display name, family and size, and the names tables use for it (``aliases``). A name
that two checkpoints share (the Inf1 page's ``BERT base``) is declared under ``ambiguous``
with the column that says which checkpoint a row is (``Model details``).

Every row resolves to an entry or to nothing: :meth:`ModelCatalog.resolve` returns the
entry, :func:`unknown_model` says (file, line, what was expected) why a name resolves to
nothing. Without a catalog file (:meth:`ModelCatalog.none`), every name is its own model.
Format: CONTRIBUTING.md ("Model catalog").
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from perfcore.csvfile import CsvText, read_csv_text
from perfcore.errors import DataFileError
from perfcore.families import family_csv_parts, sweep_csv_name
from perfcore.textfile import read_text
from perfcore.yamlfile import YamlError, compose, line_of, mapping_items, scalar, string_list

SUPPORTED_SCHEMA = "1"
CATALOG_NAME = "models.yaml"
ENTRY_KEYS = ("name", "family", "params", "aliases", "source")
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/+-]*$")


@dataclass(frozen=True)
class ModelEntry:
    """One model: ``id`` (canonical), ``name`` (shown), family, size and the names it has."""

    id: str
    name: str
    family: str
    params: str
    aliases: tuple[str, ...]
    source: str
    line: int = field(default=0, compare=False)


@dataclass(frozen=True)
class Ambiguous:
    """A name several models share; ``column`` of the row names the model among its parts."""

    name: str
    column: str
    why: str
    line: int = 0


@dataclass(frozen=True)
class ModelCatalog:
    """Entries by id, and every name (id or alias, case-folded) to its id."""

    path: str
    entries: dict[str, ModelEntry] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)
    ambiguous: dict[str, Ambiguous] = field(default_factory=dict)

    @classmethod
    def none(cls) -> ModelCatalog:
        """No catalog: each name is its own model and no name is unknown."""
        return cls(path="")

    @property
    def declared(self) -> bool:
        return bool(self.path)

    def resolve(self, name: str, row: Mapping[str, object] | None = None) -> ModelEntry | None:
        """The entry ``name`` (as a table writes it) stands for; None when it names none.

        An ambiguous name is resolved by the first part of its column (comma-separated)
        that is a known name; without a catalog every name is its own entry.
        """
        text = str(name).strip()
        if not self.declared:
            return ModelEntry(text, text, "", "", (), "")
        known = self.names.get(text.casefold())
        if known is not None:
            return self.entries[known]
        rule = self.ambiguous.get(text.casefold())
        if rule is None or row is None:
            return None
        for part in str(row.get(rule.column, "")).split(","):
            known = self.names.get(part.strip().casefold())
            if known is not None:
                return self.entries[known]
        return None

    def id_of(self, name: str, row: Mapping[str, object] | None = None) -> str:
        """The canonical id, or the name as written when the catalog does not know it."""
        entry = self.resolve(name, row)
        return entry.id if entry else str(name).strip()

    def display_name(self, name: str, row: Mapping[str, object] | None = None) -> str:
        entry = self.resolve(name, row)
        return entry.name if entry else str(name).strip()

    def ids(self) -> list[str]:
        return sorted(self.entries, key=str.casefold)


def unknown_model(catalog: ModelCatalog, name: str, row: Mapping[str, object]) -> str | None:
    """Why ``name`` resolves to no model (what was expected), or None when it resolves."""
    if catalog.resolve(name, row) is not None:
        return None
    text = str(name).strip()
    rule = catalog.ambiguous.get(text.casefold())
    if rule is not None:
        return (f"Model {text!r} names several models ({rule.why}); its {rule.column!r} "
                f"({str(row.get(rule.column, '')).strip()!r}) names none of the catalog's "
                f"models: add the checkpoint to {rule.column!r} or an alias to "
                f"{catalog.path}")
    return (f"Model {text!r} is not in the model catalog {catalog.path}: add it as a model "
            "(id, name, family, params) or as an alias of the model it is")


def check_csv_models(catalog: ModelCatalog, csv: CsvText) -> list[DataFileError]:
    """A located problem for each row whose Model the catalog does not know."""
    if not catalog.declared or "Model" not in csv.columns:
        return []
    problems = []
    for cells, line in zip(csv.rows, csv.lines, strict=True):
        row = dict(zip(csv.columns, cells, strict=True))
        why = unknown_model(catalog, row["Model"], row)
        if why:
            problems.append(DataFileError(csv.path, line, why))
    return problems


def model_tables(data_dir: str | Path) -> list[Path]:
    """Every CSV under ``data_dir`` whose rows name a model: published tables, sweeps and
    the release history (``releases/<version>/<platform>/``); results and reports are not."""
    root = Path(data_dir)
    found = []
    for path in sorted(root.rglob("*.csv")):
        parts = path.relative_to(root).parts
        if parts[0] in ("raw", "reports") or any(part.startswith((".", "_")) for part in parts):
            continue
        if family_csv_parts(path.name) or sweep_csv_name(path.name) or path.name == "data.csv":
            found.append(path)
    return found


def check_data_models(catalog: ModelCatalog, data_dir: str | Path,
                      read=read_csv_text) -> list[DataFileError]:
    """:func:`check_csv_models` over :func:`model_tables`; unreadable files are left to
    the pages that show them."""
    problems: list[DataFileError] = []
    for path in model_tables(data_dir):
        try:
            csv = read(path)
        except DataFileError:
            continue
        problems += check_csv_models(catalog, csv)
    return problems


# --------------------------------------------------------------------------- loading


def load_model_catalog(path: str | Path) -> ModelCatalog:
    """Read and check a catalog; any problem is a :class:`YamlError` naming its line."""
    path = str(path)
    try:
        text = read_text(path, path, missing="model catalog not found")
    except DataFileError as err:
        raise YamlError(err.path, err.line, err.message) from None
    return parse_model_catalog(text, path)


def catalog_in(data_dir: str | Path) -> ModelCatalog:
    """``<data_dir>/models.yaml`` when it exists, else :meth:`ModelCatalog.none`."""
    path = Path(data_dir) / CATALOG_NAME
    return load_model_catalog(path) if path.is_file() else ModelCatalog.none()


def parse_model_catalog(text: str, path: str) -> ModelCatalog:
    root = compose(text, path)
    if root is None:
        raise YamlError(path, 0, "model catalog is empty")
    top = {key: node for key, _, node in mapping_items(root, path, "model catalog")}
    for key, node in top.items():
        if key not in ("schema_version", "models", "ambiguous"):
            raise YamlError(path, line_of(node),
                            f"unknown key {key!r} (expected schema_version, models, ambiguous)")
    if "schema_version" not in top:
        raise YamlError(path, 1, "schema_version is missing (expected 1)")
    if scalar(top["schema_version"], path, "schema_version") != SUPPORTED_SCHEMA:
        raise YamlError(path, line_of(top["schema_version"]), "schema_version must be 1")
    if "models" not in top:
        raise YamlError(path, 1, "models is missing (the models, by canonical id)")
    entries: dict[str, ModelEntry] = {}
    names: dict[str, str] = {}
    name_lines: dict[str, int] = {}
    for model_id, id_node, node in mapping_items(top["models"], path, "models", fold_case=True):
        entry = _entry(model_id, id_node, node, path)
        entries[entry.id] = entry
        for name, line in ((entry.id, entry.line), *((a, entry.line) for a in entry.aliases)):
            folded = name.casefold()
            if folded in names and names[folded] != entry.id:
                raise YamlError(path, line, f"{entry.id}: name {name!r} is already a name of "
                                            f"{names[folded]} (line {name_lines[folded]})")
            names[folded], name_lines[folded] = entry.id, line
    ambiguous = _ambiguous(top.get("ambiguous"), path, names) if "ambiguous" in top else {}
    return ModelCatalog(path=path, entries=entries, names=names, ambiguous=ambiguous)


def _entry(model_id: str, id_node, node, path: str) -> ModelEntry:
    if not _ID.match(model_id):
        raise YamlError(path, line_of(id_node),
                        f"model id {model_id!r} must be letters, digits and . _ / + - "
                        "(e.g. bert-base-uncased)")
    fields = {key: value for key, _, value in mapping_items(node, path, model_id)}
    for key, value in fields.items():
        if key not in ENTRY_KEYS:
            raise YamlError(path, line_of(value), f"{model_id}: unknown key {key!r} "
                                                  f"(expected {', '.join(ENTRY_KEYS)})")
    for key in ("name", "family"):
        if key not in fields:
            raise YamlError(path, line_of(id_node), f"{model_id}: {key} is missing")
    aliases = tuple(string_list(fields["aliases"], path, f"{model_id}: aliases")
                    if "aliases" in fields else ())
    if aliases and "source" not in fields:
        raise YamlError(path, line_of(fields["aliases"]),
                        f"{model_id}: aliases need a source (why these names are this model)")
    def text(key: str) -> str:
        return scalar(fields[key], path, f"{model_id}: {key}").strip() if key in fields else ""
    return ModelEntry(id=model_id, name=text("name"), family=text("family"),
                      params=text("params"), aliases=aliases, source=text("source"),
                      line=line_of(id_node))


def _ambiguous(node, path: str, names: dict[str, str]) -> dict[str, Ambiguous]:
    result = {}
    for name, name_node, value in mapping_items(node, path, "ambiguous", fold_case=True):
        if name.casefold() in names:
            raise YamlError(path, line_of(name_node), f"ambiguous: {name!r} is also the name "
                                                      f"of {names[name.casefold()]}")
        fields = {key: item for key, _, item in mapping_items(value, path, f"ambiguous: {name}")}
        if set(fields) != {"column", "why"}:
            raise YamlError(path, line_of(value), f"ambiguous: {name}: expected column (the "
                                                  "column naming the checkpoint) and why")
        result[name.casefold()] = Ambiguous(
            name, scalar(fields["column"], path, f"ambiguous: {name}: column").strip(),
            scalar(fields["why"], path, f"ambiguous: {name}: why").strip(), line_of(name_node))
    return result

