"""Table logic: filter, join prices, compute cost, sort, format. No Sphinx import.

Every CSV value is text shown as written, so this works on plain Python rows rather
than pandas: importing pandas alone costs a clean build of a small site about as
much as rendering its tables (see benchmarks/build_speed.py). Each row keeps the CSV
line it came from, so every later problem can name that line.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from perfcore.columns import cost_label, unit_from_column
from perfcore.cost import cost_format, cost_per_million
from perfcore.csvfile import CsvText
from perfcore.errors import DataFileError
from perfcore.formats import format_number
from perfcore.numbers import parse_number
from perfcore.ordering import is_missing, sort_key
from perfcore.prices import PriceCatalog, rate_basis
from perfcore.tablespec import RowFilter, SortKey, TableSpec, TopPerGroup


@dataclass
class SpecMismatch(DataFileError):
    """The spec names something the data does not have; ``key`` is the spec key to blame.

    The message names the CSV (or catalog); the caller knows where the spec came from
    (a page line, or a line of ``families.yaml``) and reports it there.
    """

    key: str = ""

    def __str__(self) -> str:
        return self.message


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


@dataclass(frozen=True)
class Rows:
    """Columns, one dict per row (CSV text, or a computed number / None), and CSV lines."""

    path: str
    columns: tuple[str, ...]
    records: tuple[dict[str, object], ...]
    lines: tuple[int, ...]

    @classmethod
    def from_csv(cls, csv: CsvText) -> Rows:
        records = tuple(dict(zip(csv.columns, row, strict=True)) for row in csv.rows)
        return cls(csv.path, csv.columns, records, csv.lines)

    def values(self, column: str) -> list[object]:
        return [record[column] for record in self.records]

    def take(self, positions: list[int]) -> Rows:
        return Rows(self.path, self.columns, tuple(self.records[i] for i in positions),
                    tuple(self.lines[i] for i in positions))

    def with_column(self, name: str, values: list[object]) -> Rows:
        records = tuple({**record, name: value}
                        for record, value in zip(self.records, values, strict=True))
        return Rows(self.path, (*self.columns, name), records, self.lines)

    def require(self, names: list[str], what: str, key: str) -> None:
        missing = [name for name in names if name not in self.columns]
        if missing:
            raise SpecMismatch(
                self.path, 0,
                f"{what} {', '.join(repr(name) for name in missing)} not found in "
                f"{self.path}; the columns are: {', '.join(self.columns)}",
                key=key,
            )


def apply_filters(rows: Rows, filters: tuple[RowFilter, ...]) -> Rows:
    """Rows passing every filter; a filter that leaves no row is an error naming it."""
    rows.require([flt.column for flt in filters], "filter column", "filter")
    for flt in filters:
        before = rows
        if flt.op not in ("==", "!="):
            _check_ordered(flt, rows)
        rows = rows.take([i for i, text in enumerate(rows.values(flt.column))
                          if _passes(text, flt)])
        if before.records and not rows.records:
            raise SpecMismatch(rows.path, 0, f"filter {flt.text!r} matches no row of {rows.path} "
                                             f"({len(before.records)} rows reach it; "
                                             f"{_some_values(before, flt.column)})",
                               key="filter")
    return rows


def _some_values(rows: Rows, column: str) -> str:
    values = list(dict.fromkeys(str(value).strip() for value in rows.values(column)))
    shown = ", ".join(repr(value) for value in values[:8]) + (", ..." if len(values) > 8 else "")
    return f"{column} has {shown}"


def _check_ordered(flt: RowFilter, rows: Rows) -> None:
    """``<``, ``>``, ... compare numbers: a word for the value, or a column without any
    number, is an error rather than a filter that silently matches nothing."""
    if parse_number(flt.value) is None:
        raise SpecMismatch(rows.path, 0, f"filter {flt.text!r}: {flt.op} compares numbers, but "
                                         f"{flt.value!r} is not a number", key="filter")
    if rows.records and all(parse_number(value) is None for value in rows.values(flt.column)):
        raise SpecMismatch(rows.path, 0, f"filter {flt.text!r}: {flt.op} compares numbers, but "
                                         f"{flt.column} holds no number in {rows.path} "
                                         f"({_some_values(rows, flt.column)})", key="filter")


def _passes(text: object, flt: RowFilter) -> bool:
    left, right = parse_number(text), parse_number(flt.value)
    if flt.op not in ("==", "!=") and left is None:
        return False  # a cell without a number (blank, n/a, oom) is not < or > any number
    if left is not None and right is not None:
        pair: tuple = (left, right)
    else:
        pair = (str(text).strip().lower(), flt.value.strip().lower())
    return {
        "==": pair[0] == pair[1], "!=": pair[0] != pair[1],
        "<": pair[0] < pair[1], "<=": pair[0] <= pair[1],
        ">": pair[0] > pair[1], ">=": pair[0] >= pair[1],
    }[flt.op]


def throughput_values(rows: Rows, column: str) -> list[float]:
    """Throughput as floats; a non-numeric, zero or negative value is an error at its line."""
    values = []
    for line, text in zip(rows.lines, rows.values(column), strict=True):
        value = parse_number(text)
        if value is None:
            raise DataFileError(rows.path, line, f"{column} must be a number, got {text!r}")
        if value <= 0:
            raise DataFileError(rows.path, line, f"{column} must be positive, got {text!r}")
        values.append(value)
    return values


def add_cost(
    rows: Rows, spec: TableSpec, catalog: PriceCatalog, label: str
) -> tuple[Rows, BuiltTable]:
    """Add the cost column (float, or None where there is no price); report what it used."""
    rows.require([spec.instance], "instance column", "instance")
    rows.require([spec.throughput or ""], "throughput column", "throughput")
    pricing = spec.pricing or ""
    if pricing not in catalog.pricing_models():
        raise SpecMismatch(catalog.path, 0,
                           f"pricing model {pricing!r} is not in {catalog.path} "
                           f"(it has: {', '.join(catalog.pricing_models())})", key="pricing")
    throughput = throughput_values(rows, spec.throughput or "")
    report = BuiltTable(columns=(), rows=[], row_lines=[])
    used: set[tuple[str, str]] = set()
    costs: list[object] = []
    for instance, per_second, line in zip(rows.values(spec.instance), throughput, rows.lines,
                                          strict=True):
        instance = str(instance)
        if not instance.strip():
            raise DataFileError(rows.path, line, f"{spec.instance} is empty (the instance the "
                                                 "cost is for)")
        entry = catalog.lookup(instance)
        price = entry.prices.get(pricing) if entry else None
        if entry is None or price is None:
            costs.append(None)
            reason = catalog.unpriced_reason(instance)
            if reason is not None:
                report.unpriced[instance] = reason
            elif instance not in report.missing_prices:
                report.missing_prices.append(instance)
            continue
        used.add((entry.region, price.read))
        costs.append(cost_per_million(per_second, price.rate))
    if rows.records:  # an empty table has no cost to explain
        report.cost_note = _cost_note(label, pricing, catalog, used)
    return rows.with_column(label, costs), report


def _cost_note(label: str, pricing: str, catalog: PriceCatalog,
               used: set[tuple[str, str]]) -> str:
    basis = rate_basis(used)
    currency = catalog.currency
    if basis is None:
        return (f"{label}: n/a in every row; {catalog.path} has no {pricing} price for any "
                "instance of this table.")
    return f"{label}: {pricing} hourly rate ({currency}), {basis.replace('read', 'prices read')}."


def add_rates(rows: Rows, spec: TableSpec, catalog: PriceCatalog) -> Rows:
    """One column per ``rates`` entry: each row's hourly rate under that pricing model
    (None where the catalog has none), as the old pages showed their price CSV's columns."""
    for header, pricing in spec.rates.items():
        if pricing not in catalog.pricing_models():
            raise SpecMismatch(catalog.path, 0,
                               f"rates: {header}: pricing model {pricing!r} is not in "
                               f"{catalog.path} (it has: {', '.join(catalog.pricing_models())})",
                               key="rates")
        values: list[object] = []
        for instance in rows.values(spec.instance):
            entry = catalog.lookup(str(instance))
            price = entry.prices.get(pricing) if entry else None
            values.append(price.rate if price else None)
        rows = rows.with_column(header, values)
    return rows


def shown_headers(columns: list[str], labels: dict[str, str], path: str) -> tuple[str, ...]:
    """The header of each shown column: its label, else its name; each header once."""
    unknown = [name for name in labels if name not in columns]
    if unknown:
        raise SpecMismatch(path, 0, f"labels: {', '.join(repr(name) for name in unknown)} "
                                    f"not among the shown columns ({', '.join(columns)})",
                           key="labels")
    headers = tuple(labels.get(name, name) for name in columns)
    twice = [header for position, header in enumerate(headers) if header in headers[:position]]
    if twice:
        raise SpecMismatch(path, 0, f"labels: two columns would both be shown as {twice[0]!r}",
                           key="labels")
    return headers


def sort_rows(rows: Rows, keys: tuple[SortKey, ...]) -> Rows:
    """Stable multi-key sort on the underlying values; missing values last in either direction."""
    rows.require([key.column for key in keys], "sort column", "sort")
    order = list(range(len(rows.records)))
    for key in reversed(keys):
        values = rows.values(key.column)
        present = [i for i in order if not is_missing(values[i])]
        absent = [i for i in order if is_missing(values[i])]
        present.sort(key=lambda i, values=values: sort_key(values[i]), reverse=key.descending)
        order = present + absent
    return rows.take(order)


def top_per_group(rows: Rows, top: TopPerGroup | None) -> Rows:
    """The first ``top.n`` rows of each group of equal ``top.per`` values, order kept."""
    if top is None:
        return rows
    rows.require(list(top.per), "top: per column", "top")
    counts: dict[tuple[str, ...], int] = {}
    keep = []
    for position, record in enumerate(rows.records):
        group = tuple(str(record[column]) for column in top.per)
        counts[group] = counts.get(group, 0) + 1
        if counts[group] <= top.n:
            keep.append(position)
    return rows.take(keep)


def format_column(values: list[object], fmt: str | None) -> list[str]:
    """Text as written, or the number formatted with ``fmt`` (cells that are not numbers stay)."""
    texts = []
    for value in values:
        if value is None:
            texts.append("n/a")
            continue
        number = parse_number(value) if fmt else None
        texts.append(format_number(fmt, number) if fmt and number is not None else str(value))
    return texts


def peak_position(values: list[object]) -> int | None:
    numbers = [parse_number(value) for value in values]
    best = None
    for position, number in enumerate(numbers):
        if number is not None and (best is None or number > numbers[best]):
            best = position
    return best


def _peak_row(rows: Rows, column: str) -> int | None:
    position = peak_position(rows.values(column))
    if position is None and rows.records:
        raise SpecMismatch(rows.path, 0, f"peak column {column!r} has no number in any shown "
                                         f"row of {rows.path} (peak marks the highest number)",
                           key="peak")
    return position


def build_table(
    csv: CsvText, spec: TableSpec, catalog: PriceCatalog | None = None
) -> BuiltTable:
    """Everything a declarative df-table shows, from the CSV text, the spec and the prices."""
    if not csv.rows:
        raise DataFileError(csv.path, 0, "has a header but no data rows (the table would be "
                                         "empty)")
    rows = apply_filters(Rows.from_csv(csv), spec.filters)
    report = BuiltTable(columns=(), rows=[], row_lines=[])
    formats = dict(spec.formats)
    label = None
    if spec.pricing:
        if catalog is None:
            raise ValueError("a priced table needs a price catalog")
        label = cost_label(spec.unit or unit_from_column(spec.throughput or "") or "inferences")
        formats.setdefault(label, cost_format(catalog.currency))
        rows, report = add_cost(rows, spec, catalog, label)
        rows = add_rates(rows, spec, catalog)
    columns = list(spec.columns or rows.columns)
    rows.require(columns, "column", "columns")
    rows.require(list(formats), "formatted column", "formats")
    rows.require([spec.peak] if spec.peak else [], "peak column", "peak")
    rows = top_per_group(sort_rows(rows, spec.sort), spec.top)
    report.columns = shown_headers(columns, spec.labels, rows.path)
    report.row_lines = list(rows.lines)
    report.peak_row = _peak_row(rows, spec.peak) if spec.peak else None
    report.rows = _cells(rows, columns, formats, spec, label, report)
    return report


def _cells(rows: Rows, columns: list[str], formats: dict[str, str], spec: TableSpec,
           cost_column: str | None, report: BuiltTable) -> list[list[Cell]]:
    texts = {column: format_column(rows.values(column), formats.get(column))
             for column in columns}
    instances = rows.values(spec.instance) if cost_column else []
    cells = []
    for position in range(len(rows.records)):
        row = []
        for column in columns:
            text = texts[column][position]
            explanation = None
            if column == cost_column and text == "n/a":
                explanation = report.unpriced.get(str(instances[position]))
            strong = position == report.peak_row and column == spec.peak
            row.append(Cell(text, strong=strong, explanation=explanation))
        cells.append(row)
    return cells
