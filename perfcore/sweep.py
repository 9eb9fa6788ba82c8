"""Sweep tables (seed 003 shape): long-form CSV -> batch-size rows x one column per series.

No Sphinx import. The CSV holds one row per (batch size, engine, data type) with a
``Status``; a cell shows the value when the status is ``ok`` and the status itself
otherwise (``oom`` stays ``oom``). Column headers read ``<Engine> (<Data Type>)``, and
``<Model> (<Engine>) (<Data Type>)`` when the CSV's ``Model`` column names more than one
model (``collect publish-sweep`` keys rows by model too).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from perfcore.csvfile import CsvText
from perfcore.errors import DataFileError
from perfcore.numbers import parse_number
from perfcore.ordering import sort_key
from perfcore.tabledata import BuiltTable, Cell
from perfcore.tablespec import SpecError
from perfcore.yamlfile import YamlError, compose, line_of, mapping_items, scalar, string_list

SWEEP_KEYS = ("data", "rows", "series", "value", "also", "status", "peak", "caption")


@dataclass(frozen=True)
class SweepSpec:
    data: str
    value: str
    rows: str = "Batch Size"
    series: tuple[str, ...] = ()  # () = Engine, Data Type (and Model, see default_series)
    also: str | None = None
    status: str = "Status"
    peak: bool = False
    caption: str | None = None


def parse_sweep_spec(text: str, where: str = "perf-sweep", first_line: int = 1) -> SweepSpec:
    """Parse a perf-sweep body; lines in errors count from ``first_line`` (the page line)."""
    try:
        root = compose("\n" * (first_line - 1) + text, where)
        if root is None:
            raise YamlError(where, 0, "the sweep spec is empty (expected data and value)")
        values: dict[str, object] = {}
        for key, key_node, node in mapping_items(root, where, "the sweep spec"):
            if key not in SWEEP_KEYS:
                raise YamlError(where, line_of(key_node),
                                f"unknown key {key!r} (known keys: {', '.join(SWEEP_KEYS)})")
            values[key] = _value(key, node, where)
    except YamlError as err:
        raise SpecError(where, err.line, err.message) from None
    for required in ("data", "value"):
        if required not in values:
            raise SpecError(where, first_line, f"{required!r} is missing")
    return SweepSpec(**values)  # type: ignore[arg-type]


def _value(key: str, node, where: str) -> object:
    if key == "series":
        return tuple(string_list(node, where, key))
    text = scalar(node, where, key)
    if key == "peak":
        if text.lower() not in ("true", "false", "yes", "no"):
            raise YamlError(where, line_of(node), f"peak must be true or false, got {text!r}")
        return text.lower() in ("true", "yes")
    return text


def default_series(csv: CsvText) -> tuple[str, ...]:
    """Engine and Data Type; Model first when the CSV holds several models' sweeps."""
    if "Model" in csv.columns:
        position = csv.columns.index("Model")
        if len({row[position].strip() for row in csv.rows}) > 1:
            return ("Model", "Engine", "Data Type")
    return ("Engine", "Data Type")


def build_sweep(csv: CsvText, spec: SweepSpec) -> BuiltTable:
    """Pivot the sweep; a repeated (row, series) pair is an error naming both lines."""
    if not spec.series:
        spec = replace(spec, series=default_series(csv))
    needed = [spec.rows, *spec.series, spec.value, spec.status] + ([spec.also] if spec.also else [])
    if not csv.rows:
        raise DataFileError(csv.path, 0, "has a header but no data rows (the sweep would be "
                                         "empty)")
    missing = [name for name in needed if name not in csv.columns]
    if missing:
        raise DataFileError(csv.path, 0, f"column {', '.join(map(repr, missing))} not found; "
                                         f"the columns are: {', '.join(csv.columns)}")
    index = {name: csv.columns.index(name) for name in needed}
    series_names: list[str] = []
    row_keys: dict[str, int] = {}
    cells: dict[tuple[str, str], tuple[str, float | None, int]] = {}
    for record, line in zip(csv.rows, csv.lines, strict=True):
        parts = [record[index[name]].strip() for name in spec.series]
        name = parts[0] + "".join(f" ({part})" for part in parts[1:] if part)
        row = record[index[spec.rows]].strip()
        if (row, name) in cells:
            raise DataFileError(csv.path, line, f"{spec.rows} {row} of {name} is repeated "
                                                f"(first on line {cells[(row, name)][2]})")
        series_names += [] if name in series_names else [name]
        row_keys.setdefault(row, line)
        cells[(row, name)] = (*_cell(record, index, spec, csv.path, line), line)
    order = sorted(row_keys, key=sort_key)
    peaks = _peaks(cells, series_names) if spec.peak else set()
    rows = [[Cell(row)] + [
        Cell(cells[(row, name)][0], strong=(row, name) in peaks) if (row, name) in cells
        else Cell("") for name in series_names] for row in order]
    return BuiltTable(columns=(spec.rows, *series_names), rows=rows,
                      row_lines=[row_keys[row] for row in order])


def _cell(record, index, spec: SweepSpec, path: str, line: int) -> tuple[str, float | None]:
    """The cell text and its number; a row that ran (``ok``) must hold its numbers."""
    status = record[index[spec.status]].strip()
    if not status:
        raise DataFileError(path, line, f"{spec.status} is empty (expected ok, or what stopped "
                                        "the run: oom, failed, ...)")
    if status.lower() != "ok":
        return status, None
    value = record[index[spec.value]].strip()
    for column in (spec.value, *([spec.also] if spec.also else [])):
        text = record[index[column]].strip()
        if parse_number(text) is None:
            raise DataFileError(path, line, f"{spec.status} is ok but {column} is "
                                            f"{'empty' if not text else repr(text)} "
                                            "(expected a number)")
    text = f"{value} | {record[index[spec.also]].strip()}" if spec.also else value
    return text, parse_number(value)


def _peaks(cells, series_names: list[str]) -> set[tuple[str, str]]:
    peaks = set()
    for name in series_names:
        numbered = [(value, key) for key, (_, value, _) in cells.items()
                    if key[1] == name and value is not None]
        if numbered:
            peaks.add(max(numbered, key=lambda pair: pair[0])[1])
    return peaks
