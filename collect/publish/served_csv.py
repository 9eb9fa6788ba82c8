"""``collect publish`` of served records (``mode: serve``, collected or imported) into the
model cards' results: ``data/model-cards/<model>.csv``, one row per instance, data type,
parallelism, load (concurrency or offered rate) and input|output length (columns:
:data:`perfcore.columns.SERVED_TABLE`; the card page: ``.. model-card::``).

Every ``ok`` record whose requests all completed and whose lengths are fixed becomes a row
(a card shows each point of a concurrency sweep, not only the best one); the upsert replaces
a row of the same key by a later run, and says what changed. A card's file is named by the
model's id in the model catalog (``data/models.yaml``), so every name of one model (an alias,
a served name) goes to one card; a name the catalog does not know goes to a card of its own
name, with a note (the card's page needs the model in the catalog).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from collect.publish.cells import format_value
from collect.publish.served import load_text, server_text, unpublishable
from perfcore import columns
from perfcore.csvstore import Changes, upsert_csv
from perfcore.model_cards import card_csv
from perfcore.models import ModelCatalog

SERVED_COLUMNS = columns.SERVED_TABLE
SERVED_KEY = columns.upsert_key(SERVED_COLUMNS)


def served_row(record: dict[str, Any], instance: str, source: str) -> dict[str, str]:
    """The card row of one served record (numbers as :func:`format_value` writes them)."""
    reported = (record.get("server") or {}).get("dtype") or record.get("dtype")
    values = {name: format_value(columns.record_value(name, record), 2)
              for name in SERVED_COLUMNS if columns.BY_NAME[name].unit}
    return {
        **values,
        "Model": record["model"], "Inst. Type": instance,
        "Server": server_text(record) if _server_stated(record) else "",
        "Model Data Type": str(reported or "").upper(),
        "TP Degree": str(record.get("tp_degree") or 1),
        "DP Degree": str(record.get("n_models") or 1),
        "Load": str(record.get("load") or ""),
        "Concurrency": _count(record.get("concurrency")),
        "Offered Rate (requests/second)": "" if record.get("offered_rate") is None
        else f"{record['offered_rate']:g}",
        "Input Length": _count(record.get("input_length")),
        "Output Length": _count(record.get("output_length")),
        "Requests": _count(record.get("n_requests")),
        "Failed Requests": _count(record.get("n_failed")),
        "Status": str(record.get("status") or ""),
        "Effective Concurrency": format_value(record.get("effective_concurrency"), 2),
        "Source": f"{source} ({load_text(record)})",
        "Run ID": str(record.get("run_id") or ""),
    }


def _server_stated(record: dict[str, Any]) -> bool:
    server = record.get("server") or {}
    return bool(server.get("name") or server.get("version"))


def _count(value: Any) -> str:
    return "" if value is None else str(value)


def card_rows(records: Sequence[tuple[dict[str, Any], str, str]], notes: list[str],
              models: ModelCatalog | None = None) -> dict[str, list[dict[str, str]]]:
    """``(record, instance, source)`` of served ``ok`` records -> model id -> card rows; a
    record with failed requests or lengths that are not fixed is left out with a note."""
    models = models or ModelCatalog.none()
    rows: dict[str, list[dict[str, str]]] = {}
    unknown: set[str] = set()
    for record, instance, source in records:
        why = unpublishable(record)
        if why:
            notes.append(f"model card: left out {record['model']} ({source}): {why}")
            continue
        if models.resolve(record["model"]) is None:
            unknown.add(record["model"])
        rows.setdefault(models.id_of(record["model"]), []).append(
            served_row(record, instance, source))
    notes += [f"model card: {name!r} is not in the model catalog {models.path}: its rows go "
              f"to {card_csv(name)}; add the model (or an alias) there for its card to show "
              "them" for name in sorted(unknown)]
    return rows


def publish_cards(rows: dict[str, list[dict[str, str]]], data_dir: Path) -> dict[Path, Changes]:
    """Upsert each model's rows into ``data_dir/model-cards/<model id>.csv``."""
    changes = {}
    for model, model_rows in sorted(rows.items()):
        path = Path(data_dir) / card_csv(model)
        changes[path] = upsert_csv(path, model_rows, SERVED_COLUMNS, SERVED_KEY)
    return changes
