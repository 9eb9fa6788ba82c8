"""Every published row with its model id, latencies and cost under every pricing model.

No Sphinx import. The rows behind the cost review: all ``data/<platform>/throughput_data_*.csv``
and ``latency_data_*.csv`` (folders such as ``data/raw`` and ``data/reports`` are not
platforms), each row with

- its model's canonical id and name from the model catalog (:mod:`perfcore.models`), so one
  model is one model across Inf1, Inf2, Trn1, GPU and CPU tables;
- each latency the table publishes, keyed by what it measures (``batch-p99``, ``ttft-p99``,
  ``tpot-p99``, ``token-p99``; :data:`perfcore.columns.LATENCY_MEASURES`), so a bound on one
  measure never ranks a row by another;
- its SDK / framework version, and whether it is current (a family declared ``superseded`` in
  ``families.yaml`` is not);
- the cost per 1M units under each pricing model of the price catalog (None where there is no
  price, with the reason).

:func:`merge_identical` shows a configuration published twice (in the throughput and the
latency table, or in a superseded table and its successor) once; :func:`ranked` is what a
ranking may use. CSV reading, number parsing and cost maths are those of the tables.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

from perfcore.columns import columns_with, counted_by, latency_columns, unit_from_column
from perfcore.cost import cost_per_million
from perfcore.csvfile import CsvText, read_csv_text
from perfcore.errors import DataFileError
from perfcore.families import NOT_PLATFORMS, FamilyCatalog, family_csv_parts
from perfcore.models import ModelCatalog
from perfcore.numbers import parse_number
from perfcore.ordering import sort_key
from perfcore.prices import PriceCatalog, rate_basis
from perfcore.tabledata import Rows, throughput_values
from perfcore.tablespec import TableSpec

LATENCY_COLUMNS = latency_columns()
# The latency a tie between equal costs is broken by: the first of these a row has.
TIE_LATENCY = ("batch-p99", "token-p99", "tpot-p99", "ttft-p99")
# Columns that say which configuration a row is (beyond model, instance and batch size): two
# rows equal in these and in every measured value are one configuration published twice.
CONFIG_COLUMNS = ("Sequence Length", "Image Size", "Model Data Type", "Model details",
                  "Compilation Autocast Data Type", "Weight Storage Data Type", "Run Mode",
                  "TP Degree", "DP Degree", "Input Length", "Output Length", "Model Copies",
                  "Workers per Model", "N Models")
_UNSTATED = ("", "not stated", "n/a", "none")


@dataclass(frozen=True)
class CostRow:
    """One published configuration; texts are as written in the CSV, numbers parsed."""

    model: str  # as the table writes it
    model_id: str
    model_name: str
    platform: str
    instance: str
    batch_size: str
    throughput: float
    throughput_text: str
    unit: str  # what the table calls a counted unit (inferences, images, tokens)
    counts: str  # what the throughput column counts (schema): only equal counts compare
    latencies: dict[str, float | None]  # latency key (batch-p99, ttft-p50, ...) -> ms
    latency_texts: dict[str, str]
    costs: dict[str, float | None]
    no_price: dict[str, str]  # pricing model -> why the cost is None
    source: str | None
    table: str  # "throughput" or "latency" (the tab the row is published in)
    family: str
    version: str  # SDK and framework as the row states them
    superseded: str | None  # why the row is not current; None when it is
    config: tuple[tuple[str, str], ...]
    path: str
    line: int
    tables: tuple[str, ...] = ()  # every tab an identical row is published in
    copies: tuple[str, ...] = ()  # "<path>:<line>" of identical rows shown as this one

    @property
    def current(self) -> bool:
        return self.superseded is None

    def latency_ms(self, key: str) -> float | None:
        return self.latencies.get(key)

    def latency_text(self, key: str) -> str:
        return self.latency_texts.get(key, "")

    def optimized_for(self) -> str:
        return ", ".join(self.tables or (self.table,))


def cost_order(row: CostRow, pricing: str) -> tuple:
    """The one order of configurations by cost (the cost pages and the explorer's script):
    priced before unpriced, cheaper first, then higher throughput, lower latency (the first
    of :data:`TIE_LATENCY` the row has) and the instance's natural order, so an exact tie
    always resolves the same way."""
    cost = row.costs.get(pricing)
    latency = tie_latency(row)
    return (cost is None, cost if cost is not None else 0.0, -row.throughput,
            latency is None, latency if latency is not None else 0.0, sort_key(row.instance))


def tie_latency(row: CostRow) -> float | None:
    return next((row.latencies[key] for key in TIE_LATENCY
                 if row.latencies.get(key) is not None), None)


def ranked(rows: Iterable[CostRow], pricing: str, older: bool = False) -> list[CostRow]:
    """The rows a ranking under ``pricing`` may use: priced, and current unless ``older``.

    A row without a price (an instance whose size the source does not state, a machine
    that is not a priced instance) is never ranked; it is listed with its reason.
    """
    return [row for row in rows if row.costs.get(pricing) is not None
            and (older or row.current)]


@dataclass
class CostData:
    rows: list[CostRow] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)
    missing_prices: list[str] = field(default_factory=list)  # neither priced nor unpriced


def published_csvs(data_dir: str | Path) -> list[Path]:
    """The published tables under ``data_dir``, sorted (platform folders only)."""
    found = []
    for folder in sorted(Path(data_dir).iterdir()):
        hidden = folder.name.startswith((".", "_"))
        if not folder.is_dir() or folder.name in NOT_PLATFORMS or hidden:
            continue
        found += [path for path in sorted(folder.iterdir())
                  if path.is_file() and family_csv_parts(path.name)]
    return found


def load_cost_rows(
    data_dir: str | Path,
    catalog: PriceCatalog,
    families: FamilyCatalog | None = None,
    read: Callable[[Path], CsvText] = read_csv_text,
    models: ModelCatalog | None = None,
) -> CostData:
    """Every row of every published CSV with its costs; ``read`` reads one CSV (cached, noted).

    Rows keep their CSV order, file by file; :func:`merge_identical` folds repeats.
    """
    models = models or ModelCatalog.none()
    data = CostData()
    for path in published_csvs(data_dir):
        data.files.append(path)
        parts = family_csv_parts(path.name)
        assert parts is not None  # published_csvs only returns matching names
        variant, family = parts
        csv = read(path)
        if not csv.rows:
            continue
        spec = _family_spec(families, family, path.parent.name)
        table = _Table(csv, path.parent.name, variant, family, spec)
        rows = _rows(table, catalog, models)
        data.rows += rows
        for row in rows:
            if (catalog.lookup(row.instance) is None and catalog.unpriced_reason(row.instance)
                    is None and row.instance not in data.missing_prices):
                data.missing_prices.append(row.instance)
    return data


@dataclass(frozen=True)
class _Table:
    csv: CsvText
    platform: str
    table: str
    family: str
    spec: TableSpec | None

    @property
    def throughput(self) -> str:
        if self.spec is not None and self.spec.throughput in self.csv.columns:
            return self.spec.throughput or ""
        for column in columns_with("throughput"):
            if column in self.csv.columns and unit_from_column(column):
                return column
        raise DataFileError(self.csv.path, 1, "no throughput column (expected e.g. 'Throughput "
                                              "(inference/sec)' or 'Throughput (tokens/second)')")

    @property
    def unit(self) -> str:
        spec_unit = self.spec.unit if self.spec and self.spec.unit else None
        return spec_unit or unit_from_column(self.throughput) or "inferences"

    def latency_columns(self) -> dict[str, str]:
        """Latency key -> this table's column holding it (the first the schema names)."""
        found = {}
        for key, names in LATENCY_COLUMNS.items():
            column = next((name for name in names if name in self.csv.columns), None)
            if column is not None:
                found[key] = column
        return found


def _family_spec(families: FamilyCatalog | None, family: str, platform: str) -> TableSpec | None:
    if families is None or family not in families.families:
        return None
    return families.get(family, platform)


def _rows(table: _Table, catalog: PriceCatalog, models: ModelCatalog) -> list[CostRow]:
    """The table's rows; a model the catalog does not know keeps its name as its id (the
    build warns about it once, at its line: :func:`perfcore.models.check_data_models`)."""
    rows = Rows.from_csv(table.csv)
    rows.require(["Model", "Inst. Type"], "column", "")
    throughput_column, unit = table.throughput, table.unit
    per_second = throughput_values(rows, throughput_column)
    latencies = table.latency_columns()
    superseded = table.spec.superseded if table.spec else None
    counted = counted_by(throughput_column) or unit
    result = []
    for record, line, value in zip(rows.records, rows.lines, per_second, strict=True):
        instance = str(record["Inst. Type"]).strip()
        if not instance:
            raise DataFileError(table.csv.path, line, "Inst. Type is empty (the instance the "
                                                      "cost is for)")
        name = str(record["Model"]).strip()
        entry = models.resolve(name, record)
        costs, no_price = costs_of(instance, value, catalog)
        texts = {key: str(record[column]).strip() for key, column in latencies.items()}
        result.append(CostRow(
            model=name, model_id=entry.id if entry else name,
            model_name=entry.name if entry else name, platform=table.platform,
            instance=instance, batch_size=str(record.get("Batch Size", "")).strip(),
            throughput=value, throughput_text=str(record[throughput_column]).strip(),
            unit=counted if counted == "output tokens" else unit, counts=counted,
            latencies={key: parse_number(text) for key, text in texts.items()},
            latency_texts=texts, costs=costs, no_price=no_price,
            source=str(record["Source"]).strip() or None if "Source" in record else None,
            table=table.table, family=table.family, version=version_text(record),
            superseded=superseded,
            config=tuple((column, str(record[column]).strip()) for column in CONFIG_COLUMNS
                         if column in record),
            path=table.csv.path, line=line, tables=(table.table,),
        ))
    return result


def version_text(record: dict[str, object]) -> str:
    """The SDK and framework a row states: ``Neuron 2.20.0, PyTorch 1.13.1``, ``PyTorch 2.13.0``,
    or ``not stated``."""
    parts = []
    neuron = str(record.get("Neuron Version", "")).strip()
    if neuron.lower() not in _UNSTATED:
        parts.append(f"Neuron {neuron}")
    framework = str(record.get("Framework", "")).strip()
    if framework.lower() not in _UNSTATED:
        parts.append(framework)
    return ", ".join(parts) or "not stated"


def costs_of(instance: str, per_second: float,
             catalog: PriceCatalog) -> tuple[dict[str, float | None], dict[str, str]]:
    """Cost per 1M units under each pricing model of the catalog, and why one is None."""
    entry = catalog.lookup(instance)
    costs: dict[str, float | None] = {}
    why: dict[str, str] = {}
    for model in catalog.pricing_models():
        price = entry.prices.get(model) if entry else None
        costs[model] = cost_per_million(per_second, price.rate) if price else None
        if price is None:
            why[model] = (catalog.unpriced_reason(instance)
                          or (f"no {model} price for {instance} in {catalog.path}" if entry
                              else f"no price for {instance} in {catalog.path}"))
    return costs, why


def _identity(row: CostRow) -> tuple:
    """What makes two rows the same published configuration with the same numbers."""
    return (row.model_id, row.platform, row.instance.casefold(), row.batch_size,
            row.throughput, tuple(sorted(row.latencies.items())), row.version, row.config,
            row.counts)


def merge_identical(rows: Iterable[CostRow]) -> list[CostRow]:
    """Each configuration once: rows equal in model, instance, configuration, version and
    every measured value become one row (a current copy wins over a superseded one), which
    lists every tab it is published in and the lines of its copies. Order: first seen."""
    groups: dict[tuple, list[CostRow]] = {}
    for row in rows:
        groups.setdefault(_identity(row), []).append(row)
    merged = []
    for group in groups.values():
        keep = next((row for row in group if row.current), group[0])
        tables = tuple(sorted({row.table for row in group}, key=("throughput", "latency").index))
        copies = tuple(f"{row.path}:{row.line}" for row in group if row is not keep)
        merged.append(replace(keep, tables=tables, copies=copies))
    return merged


def price_note(catalog: PriceCatalog, pricing: str, instances: Iterable[str]) -> str | None:
    """Which rate a pricing model's costs use: ``on-demand hourly rate (USD), us-east-1, ...``."""
    used = []
    for instance in sorted(set(instances)):
        entry = catalog.lookup(instance)
        price = entry.prices.get(pricing) if entry else None
        if entry and price:
            used.append((entry.region, price.read))
    basis = rate_basis(set(used))
    if basis is None:
        return None
    return f"{pricing} hourly rate ({catalog.currency}) from {Path(catalog.path).name}, {basis}"


def unit_label(rows: Iterable[CostRow]) -> str:
    """What the rows' costs are per: their tables' unit when they agree (``images``), else
    what the throughput counts (``inferences``: an image model's Inf1 and Inf2 rows)."""
    rows = list(rows)
    units = {row.unit for row in rows}
    if len(units) == 1:
        return units.pop()
    counts = {row.counts for row in rows}
    return counts.pop() if len(counts) == 1 else "units"


def models_of(rows: Iterable[CostRow]) -> list[str]:
    """The model ids of ``rows``, each once, in name order."""
    names = {row.model_id: row.model_name for row in rows}
    return sorted(names, key=lambda model_id: (names[model_id].casefold(), model_id))


def published_names(rows: Iterable[CostRow]) -> dict[str, list[str]]:
    """Model id -> the names its rows are published under, in first-seen order."""
    found: dict[str, dict[str, None]] = {}
    for row in rows:
        found.setdefault(row.model_id, {})[row.model] = None
    return {model_id: list(names) for model_id, names in found.items()}


# --------------------------------------------------------------------------- answers

# A latency bound names what it bounds; ``p99``/``p50`` are the per-batch latency (of one
# request of Batch Size inputs). Per-token figures (TPOT, latency per token) are bounds of
# their own, never read as a request's latency.
BOUND_ALIASES = {"p99": "batch-p99", "p50": "batch-p50"}
BOUND_KEYS = tuple(key for key in LATENCY_COLUMNS if key.endswith(("-p50", "-p99")))


def bound_key(text: str) -> str:
    """The latency key a bound option names (``p99`` -> ``batch-p99``); ValueError if none."""
    key = text.strip().lower()
    key = BOUND_ALIASES.get(key, key)
    if key not in BOUND_KEYS:
        raise ValueError(f"must be one of {', '.join(BOUND_KEYS)} (p99 and p50 mean "
                         f"batch-p99 and batch-p50), got {text.strip()!r}")
    return key


def cheapest(rows: Iterable[CostRow], pricing: str) -> list[CostRow]:
    """The ranked rows (:func:`ranked`) whose cost under ``pricing`` is the lowest (ties: all)."""
    candidates = ranked(rows, pricing)
    costs = [row.costs[pricing] for row in candidates]
    if not costs:
        return []
    best = min(cost for cost in costs if cost is not None)
    return [row for row in candidates if row.costs[pricing] is not None
            and abs(row.costs[pricing] - best) <= 1e-12 * max(abs(best), 1e-300)]


def cheapest_within(rows: Iterable[CostRow], key: str, bound: float,
                    pricing: str) -> CostRow | None:
    """The cheapest ranked row whose ``key`` latency is at most ``bound`` (ties:
    :func:`cost_order`); a row that does not publish ``key`` is never within it."""
    fitting = [row for row in ranked(rows, pricing)
               if (latency := row.latency_ms(key)) is not None and latency <= bound]
    return min(fitting, key=lambda row: cost_order(row, pricing), default=None)


@dataclass(frozen=True)
class Unanswered:
    """Why no row of a model meets a bound: how many rows, and what keeps each out."""

    measured: int
    older: int
    unpriced: int
    other_metric: int  # current, priced, but no value for the bound's latency
    other_keys: tuple[str, ...]  # latency keys those rows publish instead
    over: int  # current, priced, with the latency, above the bound


def unanswered(rows: list[CostRow], key: str, bound: float, pricing: str) -> Unanswered:
    current = [row for row in rows if row.current]
    priced = [row for row in current if row.costs.get(pricing) is not None]
    missing = [row for row in priced if row.latency_ms(key) is None]
    others = sorted({k for row in missing for k, value in row.latencies.items()
                     if value is not None and k in BOUND_KEYS},
                    key=BOUND_KEYS.index)
    return Unanswered(len(rows), len(rows) - len(current), len(current) - len(priced),
                      len(missing), tuple(others), len(priced) - len(missing))
