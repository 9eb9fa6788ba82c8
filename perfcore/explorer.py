"""The cost explorer's data: every published row by model id, ready to rank. No Sphinx import.

:func:`explorer_payload` reads ``data/`` (price catalog, families, model catalog and every
published CSV, :mod:`perfcore.cost_rows`) and returns the JSON document ``cost-explorer.js``
reads (schema version 3; CONTRIBUTING.md, "Cost explorer export"). Every number the page shows
comes with its display text (:func:`perfcore.formats.display_number`, the cost format of
:mod:`perfcore.cost`), so the browser ranks by numbers and never rounds on its own.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from perfcore.columns import (
    LATENCY_MEASURES,
    latency_columns,
    latency_label,
    latency_meaning,
    tokens_per_user,
)
from perfcore.cost import cost_text
from perfcore.cost_rows import CostRow, load_cost_rows, merge_identical, price_note
from perfcore.families import load_families
from perfcore.formats import display_number
from perfcore.models import ModelCatalog, catalog_in
from perfcore.numbers import parse_number
from perfcore.prices import load_price_catalog

SCHEMA_VERSION = 3  # 3: rows carry tokens_per_user (1000 / TPOT P50) for a speed bound


def latency_metrics() -> dict[str, dict[str, str]]:
    """Every latency key the schema declares, with its label and meaning (schema order)."""
    return {key: {"label": latency_label(key), "meaning": latency_meaning(key),
                  "measure": key.partition("-")[0]}
            for key in latency_columns() if key.partition("-")[0] in LATENCY_MEASURES}


def explorer_row(row: CostRow, currency: str) -> dict[str, Any]:
    """One row in the explorer's JSON shape (CONTRIBUTING.md, "Cost explorer export")."""
    batch = parse_number(row.batch_size)
    per_user = tokens_per_user(row.latencies.get("tpot-p50"))
    return {
        "model": row.model_id, "model_name": row.model_name, "published_as": row.model,
        "platform": row.platform, "instance": row.instance,
        "batch_size": int(batch) if batch is not None and batch.is_integer() else batch,
        "throughput": row.throughput, "unit": row.unit, "counts": row.counts,
        "latency_ms": dict(row.latencies),
        "cost_per_1m": dict(row.costs), "no_price": dict(row.no_price),
        "version": row.version, "older": row.superseded,
        "source": row.source, "table": row.optimized_for(), "copies": len(row.copies),
        "tokens_per_user": per_user,
        "display": {
            "throughput": display_number(row.throughput_text),
            "tokens_per_user": display_number(per_user),
            "latency_ms": {key: display_number(text) if text else "n/a"
                           for key, text in row.latency_texts.items()},
            "cost_per_1m": {model: cost_text(cost, currency) for model, cost in row.costs.items()},
        },
    }


def model_entries(rows: list[CostRow], catalog: ModelCatalog) -> dict[str, dict[str, Any]]:
    """Model id -> name, family, size and the names its rows are published under."""
    result: dict[str, dict[str, Any]] = {}
    for row in rows:
        entry = result.setdefault(row.model_id, {"name": row.model_name, "family": "",
                                                 "params": "", "published_as": []})
        if row.model not in entry["published_as"]:
            entry["published_as"].append(row.model)
    for model_id, entry in result.items():
        known = catalog.entries.get(model_id)
        if known is not None:
            entry["family"], entry["params"] = known.family, known.params
    return dict(sorted(result.items(), key=lambda item: (item[1]["name"].casefold(), item[0])))


def explorer_payload(data_dir: str | Path) -> dict[str, Any]:
    """Rows, models, latency metrics, price notes, pricing models and currency."""
    data_dir = Path(data_dir)
    catalog = load_price_catalog(data_dir / "prices.yaml")
    families_path = data_dir / "families.yaml"
    families = load_families(families_path) if families_path.is_file() else None
    models = catalog_in(data_dir)
    data = load_cost_rows(data_dir, catalog, families, models=models)
    rows = merge_identical(data.rows)
    pricing = catalog.pricing_models()
    notes = {model: note for model in pricing
             if (note := price_note(catalog, model, (row.instance for row in rows)))}
    return {"rows": [explorer_row(row, catalog.currency) for row in rows],
            "models": model_entries(rows, models), "latency_metrics": latency_metrics(),
            "price_notes": notes, "pricing_models": pricing, "currency": catalog.currency}
