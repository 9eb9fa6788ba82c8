"""Table logic: filter, join prices, compute cost, sort, format. Plain pandas, no Sphinx.

Frames hold the CSV text as written (object dtype) indexed by CSV line number,
so every later problem can name the line it came from.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pandas as pd

from ext.csvdata import CsvText, DataFileError
from ext.formats import format_number, is_missing, parse_number, sort_key
from ext.prices import PriceCatalog
from ext.tablespec import RowFilter, SortKey, TableSpec

DEFAULT_COST_FORMAT = "$sig3"
_UNIT = re.compile(r"\((?P<unit>[^()/]+)/\s*(s|sec|second)\)\s*$", re.IGNORECASE)
_PLURAL = {"inference": "inferences", "token": "tokens", "image": "images", "sample": "samples",
           "sequence": "sequences", "request": "requests"}


@dataclass(frozen=True)
class Cell:
    text: str
    strong: bool = False
    explanation: str | None = None


@dataclass
class BuiltTable:
    """What a page shows: header, cell texts (as written or formatted on purpose) and notes."""

    columns: tuple[str, ...]
    rows: list[list[Cell]]
    row_lines: list[int]
    peak_row: int | None = None
    missing_prices: list[str] = field(default_factory=list)
    unpriced: dict[str, str] = field(default_factory=dict)
    cost_note: str | None = None


def unit_from_column(column: str) -> str | None:
    """``Throughput (tokens/second)`` -> ``tokens``; None when the header names no unit."""
    match = _UNIT.search(column)
    if not match:
        return None
    unit = match["unit"].strip().lower()
    return _PLURAL.get(unit, unit)


def cost_label(unit: str) -> str:
    return f"Cost per 1M {unit}"


def cost_per_million(throughput_per_s: float, hourly_rate: float) -> float:
    """``1e6 / throughput * hourly_rate / 3600`` (currency per one million units)."""
    return 1.0e6 / throughput_per_s * hourly_rate / 3600.0


def require_columns(frame: pd.DataFrame, names: list[str], path: str, what: str) -> None:
    missing = [name for name in names if name not in frame.columns]
    if missing:
        raise DataFileError(
            path, 0,
            f"{what} {', '.join(repr(name) for name in missing)} not found; "
            f"the columns are: {', '.join(frame.columns)}",
        )


def apply_filters(frame: pd.DataFrame, filters: tuple[RowFilter, ...], path: str) -> pd.DataFrame:
    require_columns(frame, [flt.column for flt in filters], path, "filter column")
    for flt in filters:
        frame = frame[frame[flt.column].map(lambda text, flt=flt: _passes(text, flt))]
    return frame


def _passes(text: str, flt: RowFilter) -> bool:
    left, right = parse_number(text), parse_number(flt.value)
    if left is not None and right is not None:
        pair: tuple = (left, right)
    else:
        pair = (str(text).strip().lower(), flt.value.strip().lower())
    return {
        "==": pair[0] == pair[1], "!=": pair[0] != pair[1],
        "<": pair[0] < pair[1], "<=": pair[0] <= pair[1],
        ">": pair[0] > pair[1], ">=": pair[0] >= pair[1],
    }[flt.op]


def throughput_values(frame: pd.DataFrame, column: str, path: str) -> pd.Series:
    """Throughput as floats; a non-numeric, zero or negative value is an error at its line."""
    values = []
    for line, text in zip(frame.index, frame[column], strict=True):
        value = parse_number(text)
        if value is None:
            raise DataFileError(path, line, f"{column} must be a number, got {text!r}")
        if value <= 0:
            raise DataFileError(path, line, f"{column} must be positive, got {text!r}")
        values.append(value)
    return pd.Series(values, index=frame.index, dtype=float)


def add_cost(
    frame: pd.DataFrame, spec: TableSpec, catalog: PriceCatalog, path: str, label: str
) -> tuple[pd.DataFrame, BuiltTable]:
    """Add the cost column (float, or None where there is no price); report what it used."""
    require_columns(frame, [spec.instance, spec.throughput], path, "column")
    pricing = spec.pricing or ""
    if pricing not in catalog.pricing_models():
        raise DataFileError(catalog.path, 0, f"pricing model {pricing!r} is not in the catalog "
                                             f"(it has: {', '.join(catalog.pricing_models())})")
    throughput = throughput_values(frame, spec.throughput, path)
    report = BuiltTable(columns=(), rows=[], row_lines=[])
    used: set[tuple[str, str]] = set()
    costs: list[float | None] = []
    for instance, per_second in zip(frame[spec.instance], throughput, strict=True):
        entry = catalog.lookup(instance)
        price = entry.prices.get(pricing) if entry else None
        if price is None:
            costs.append(None)
            reason = catalog.unpriced_reason(instance)
            if reason is not None:
                report.unpriced[instance] = reason
            elif instance not in report.missing_prices:
                report.missing_prices.append(instance)
            continue
        used.add((entry.region, price.read))
        costs.append(cost_per_million(per_second, price.rate))
    frame = frame.assign(**{label: pd.Series(costs, index=frame.index, dtype=object)})
    report.cost_note = _cost_note(label, pricing, catalog.currency, used)
    return frame, report


def _cost_note(label: str, pricing: str, currency: str, used: set[tuple[str, str]]) -> str:
    regions = sorted({region for region, _ in used if region}) or ["region not stated"]
    dates = sorted({read for _, read in used if read}) or ["date not stated"]
    read = dates[0] if len(dates) == 1 else f"{dates[0]} to {dates[-1]}"
    return (f"{label}: {pricing} hourly rate ({currency}), {', '.join(regions)}, "
            f"prices read {read}.")


def sort_frame(frame: pd.DataFrame, keys: tuple[SortKey, ...], path: str) -> pd.DataFrame:
    """Stable multi-key sort on the underlying values; missing values last in either direction."""
    require_columns(frame, [key.column for key in keys], path, "sort column")
    order = list(range(len(frame)))
    for key in reversed(keys):
        values = frame[key.column].tolist()
        present = [i for i in order if not is_missing(values[i])]
        absent = [i for i in order if is_missing(values[i])]
        present.sort(key=lambda i, values=values: sort_key(values[i]), reverse=key.descending)
        order = present + absent
    return frame.iloc[order]


def format_column(values: pd.Series, fmt: str | None) -> list[str]:
    """Text as written, or the number formatted with ``fmt`` (cells that are not numbers stay)."""
    texts = []
    for value in values:
        if value is None:
            texts.append("n/a")
            continue
        number = parse_number(value) if fmt else None
        texts.append(format_number(fmt, number) if number is not None else str(value))
    return texts


def peak_position(frame: pd.DataFrame, column: str) -> int | None:
    numbers = [parse_number(value) for value in frame[column]]
    best = None
    for position, number in enumerate(numbers):
        if number is not None and (best is None or number > numbers[best]):
            best = position
    return best


def build_table(
    csv: CsvText, spec: TableSpec, catalog: PriceCatalog | None = None
) -> BuiltTable:
    """Everything a declarative df-table shows, from the CSV text, the spec and the prices."""
    frame = apply_filters(csv.to_frame(), spec.filters, csv.path)
    report = BuiltTable(columns=(), rows=[], row_lines=[])
    formats = dict(spec.formats)
    label = None
    if spec.pricing:
        if catalog is None:
            raise ValueError("a priced table needs a price catalog")
        unit = spec.unit or unit_from_column(spec.throughput or "") or "inferences"
        label = cost_label(unit)
        formats.setdefault(label, DEFAULT_COST_FORMAT)
        frame, report = add_cost(frame, spec, catalog, csv.path, label)
    columns = list(spec.columns or frame.columns)
    require_columns(frame, columns, csv.path, "column")
    require_columns(frame, list(formats), csv.path, "formatted column")
    frame = sort_frame(frame, spec.sort, csv.path)
    if spec.peak:
        require_columns(frame, [spec.peak], csv.path, "peak column")
    peak = peak_position(frame, spec.peak) if spec.peak else None
    report.columns = tuple(columns)
    report.row_lines = [int(line) for line in frame.index]
    report.peak_row = peak
    report.rows = _cells(frame, columns, formats, spec, label, report.unpriced, peak)
    return report


def _cells(
    frame: pd.DataFrame, columns: list[str], formats: dict[str, str], spec: TableSpec,
    cost_column: str | None, unpriced: dict[str, str], peak: int | None,
) -> list[list[Cell]]:
    texts = {column: format_column(frame[column], formats.get(column)) for column in columns}
    instances = frame[spec.instance].tolist() if cost_column else []
    rows = []
    for position in range(len(frame)):
        row = []
        for column in columns:
            text = texts[column][position]
            explanation = None
            if column == cost_column and text == "n/a":
                explanation = unpriced.get(instances[position])
            row.append(Cell(text, strong=(position == peak and column == spec.peak),
                            explanation=explanation))
        rows.append(row)
    return rows
