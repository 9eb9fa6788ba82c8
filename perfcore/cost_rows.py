"""Every published row with its cost under every pricing model. No Sphinx import.

The rows behind the cost review: all ``data/<platform>/throughput_data_*.csv`` and
``latency_data_*.csv`` (folders such as ``data/raw`` and ``data/reports`` are not
platforms), each row with model, instance, batch size, throughput and its unit, latency
P50/P99 and the cost per 1M units under each pricing model of the catalog (None where
there is no price, with the reason). CSV reading, number parsing and cost maths are
those of the tables (:mod:`perfcore.csvfile`, :mod:`perfcore.tabledata`).

:func:`cost_explorer_rows` is the cost explorer's provider (``conf.py``:
``cost_explorer_rows_provider = "perfcore.cost_rows:cost_explorer_rows"``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from perfcore.columns import columns_with, unit_from_column
from perfcore.cost import cost_per_million
from perfcore.csvfile import CsvText, read_csv_text
from perfcore.errors import DataFileError
from perfcore.families import FamilyCatalog, load_families
from perfcore.numbers import parse_number
from perfcore.ordering import sort_key
from perfcore.prices import PriceCatalog, load_price_catalog, rate_basis
from perfcore.tabledata import Rows, throughput_values
from perfcore.tablespec import TableSpec

NOT_PLATFORMS = frozenset({"raw", "reports", "releases"})
_PUBLISHED = re.compile(r"^(?P<table>throughput|latency)_data_(?P<family>[A-Za-z0-9_-]+)\.csv$")
LATENCY_P50 = columns_with("latency_p50")
LATENCY_P99 = columns_with("latency_p99")
TTFT = {"ttft-p50": "TTFT P50 (ms)", "ttft-p99": "TTFT P99 (ms)"}  # decoder tables


@dataclass(frozen=True)
class CostRow:
    """One published configuration; texts are as written in the CSV, numbers parsed."""

    model: str
    platform: str
    instance: str
    batch_size: str
    throughput: float
    throughput_text: str
    unit: str
    latency_p50_ms: float | None
    latency_p99_ms: float | None
    latency_p50_text: str
    latency_p99_text: str
    costs: dict[str, float | None]
    no_price: dict[str, str]  # pricing model -> why the cost is None
    source: str | None
    table: str  # "throughput" or "latency" (the tab the row is published in)
    per_token: bool  # latency is per token (token tables' "Latency per Token" columns)
    path: str
    line: int
    ttft_text: dict[str, str] = field(default_factory=dict)  # "ttft-p99" -> cell text

    def latency_ms(self, percentile: str) -> float | None:
        """``p99``/``p50`` latency, or ``ttft-p99``/``ttft-p50`` time to first token."""
        if percentile in TTFT:
            return parse_number(self.ttft_text.get(percentile))
        return self.latency_p99_ms if percentile == "p99" else self.latency_p50_ms


def cost_order(row: CostRow, pricing: str) -> tuple:
    """The one order of configurations by cost (the cost pages and the explorer's script):
    priced before unpriced, cheaper first, then higher throughput, lower P99 latency and the
    instance's natural order, so an exact tie always resolves the same way."""
    cost = row.costs.get(pricing)
    latency = row.latency_p99_ms
    return (cost is None, cost if cost is not None else 0.0, -row.throughput,
            latency is None, latency if latency is not None else 0.0, sort_key(row.instance))


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
                  if path.is_file() and _PUBLISHED.match(path.name)]
    return found


def load_cost_rows(
    data_dir: str | Path,
    catalog: PriceCatalog,
    families: FamilyCatalog | None = None,
    read: Callable[[Path], CsvText] = read_csv_text,
) -> CostData:
    """Every row of every published CSV with its costs; ``read`` reads one CSV (cached, noted)."""
    data = CostData()
    for path in published_csvs(data_dir):
        data.files.append(path)
        match = _PUBLISHED.match(path.name)
        assert match is not None  # published_csvs only returns matching names
        csv = read(path)
        if not csv.rows:
            continue
        spec = _family_spec(families, match["family"], path.parent.name)
        throughput = _throughput_column(csv, spec)
        unit = _unit(throughput, spec)
        rows = _rows(csv, path.parent.name, match["table"], throughput, unit, catalog)
        data.rows += rows
        for row in rows:
            if (catalog.lookup(row.instance) is None and catalog.unpriced_reason(row.instance)
                    is None and row.instance not in data.missing_prices):
                data.missing_prices.append(row.instance)
    return data


def _family_spec(families: FamilyCatalog | None, family: str, platform: str) -> TableSpec | None:
    if families is None or family not in families.families:
        return None
    return families.get(family, platform)


def _throughput_column(csv: CsvText, spec: TableSpec | None) -> str:
    if spec is not None and spec.throughput in csv.columns:
        return spec.throughput or ""
    for column in columns_with("throughput"):
        if column in csv.columns and unit_from_column(column):
            return column
    raise DataFileError(csv.path, 1, "no throughput column (expected e.g. 'Throughput "
                                     "(inference/sec)' or 'Throughput (tokens/second)')")


def _unit(column: str, spec: TableSpec | None) -> str:
    return (spec.unit if spec and spec.unit else None) or unit_from_column(column) or "inferences"


def _first(columns: Iterable[str], names: tuple[str, ...]) -> str | None:
    return next((name for name in names if name in columns), None)


def _rows(csv: CsvText, platform: str, table: str, throughput_column: str, unit: str,
          catalog: PriceCatalog) -> list[CostRow]:
    rows = Rows.from_csv(csv)
    rows.require(["Model", "Inst. Type"], "column", "")
    per_second = throughput_values(rows, throughput_column)
    p50, p99 = _first(csv.columns, LATENCY_P50), _first(csv.columns, LATENCY_P99)
    result = []
    for record, line, value in zip(rows.records, rows.lines, per_second, strict=True):
        instance = str(record["Inst. Type"]).strip()
        if not instance:
            raise DataFileError(csv.path, line, "Inst. Type is empty (the instance the cost is "
                                                "for)")
        costs, no_price = costs_of(instance, value, catalog)
        p50_text = str(record[p50]) if p50 else ""
        p99_text = str(record[p99]) if p99 else ""
        result.append(CostRow(
            model=str(record["Model"]).strip(), platform=platform, instance=instance,
            batch_size=str(record.get("Batch Size", "")).strip(), throughput=value,
            throughput_text=str(record[throughput_column]).strip(), unit=unit,
            latency_p50_ms=parse_number(p50_text), latency_p99_ms=parse_number(p99_text),
            latency_p50_text=p50_text.strip(), latency_p99_text=p99_text.strip(),
            costs=costs, no_price=no_price,
            source=str(record["Source"]).strip() or None if "Source" in record else None,
            table=table, per_token="per Token" in (p50 or p99 or ""), path=csv.path, line=line,
            ttft_text={key: str(record[column]).strip() for key, column in TTFT.items()
                       if column in record},
        ))
    return result


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


def explorer_row(row: CostRow) -> dict[str, Any]:
    """One row in the cost explorer's JSON shape (CONTRIBUTING.md, "Cost explorer export")."""
    batch = parse_number(row.batch_size)
    return {
        "model": row.model, "platform": row.platform, "instance": row.instance,
        "batch_size": int(batch) if batch is not None and batch.is_integer() else batch,
        "throughput": row.throughput, "unit": row.unit,
        "latency_p50_ms": row.latency_p50_ms, "latency_p99_ms": row.latency_p99_ms,
        "cost_per_1m": dict(row.costs), "source": row.source, "table": row.table,
    }


def explorer_payload(data_dir: str | Path) -> dict[str, Any]:
    """Rows, price notes, pricing models and currency for the cost explorer JSON."""
    data_dir = Path(data_dir)
    catalog = load_price_catalog(data_dir / "prices.yaml")
    families_path = data_dir / "families.yaml"
    families = load_families(families_path) if families_path.is_file() else None
    data = load_cost_rows(data_dir, catalog, families)
    models = catalog.pricing_models()
    notes = {model: note for model in models
             if (note := price_note(catalog, model, (row.instance for row in data.rows)))}
    return {"rows": [explorer_row(row) for row in data.rows], "price_notes": notes,
            "pricing_models": models, "currency": catalog.currency}


def cost_explorer_rows(app: Any) -> dict[str, Any]:
    """The provider named in ``conf.py``: every published row of ``df_table_data_dir``.

    It runs once per HTML build (``build-finished``), so an edited CSV or catalog is in
    the next build's JSON without any page dependency.
    """
    return explorer_payload(app.config.df_table_data_dir)
