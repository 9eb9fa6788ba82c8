"""A comparison as people and programs read it: the terminal report of ``collect diff``,
its ``collect-diff/1`` JSON, and the tables ``perf-diff`` shows."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Any

from perfcore import cost
from perfcore.diff.compare import METRICS, DiffResult, MetricChange
from perfcore.diff.keys import KEY_LABELS, format_key
from perfcore.diff.snapshots import Snapshot
from perfcore.formats import display_number
from perfcore.prices import PriceCatalog
from perfcore.tabledata import Rows

JSON_SCHEMA = "collect-diff/1"
METRIC_LABELS = {
    "throughput": "Throughput",
    "latency_p50": "P50 (ms)",
    "latency_p99": "P99 (ms)",
    "cost_per_1m": "Cost per 1M (USD)",
}


def format_value(value: float | None) -> str:
    if value is None:
        return "n/a"
    return f"{value:.4g}" if abs(value) < 1000 else f"{value:,.0f}"


def format_change(change: MetricChange) -> str:
    """``old -> new (+x.x%)``, e.g. ``1,200 -> 1,100 (-8.3%)``."""
    if change.change is None:
        return f"{format_value(change.old)} -> {format_value(change.new)}"
    return f"{format_value(change.old)} -> {format_value(change.new)} ({change.change:+.1%})"


def price_statement(prices: PriceCatalog, pricing_model: str) -> str:
    """Which price the costs use, e.g. ``Cost uses on-demand rates (USD/hour) from ...``."""
    dates = prices.read_dates(pricing_model)
    read = "" if not dates else (f", read {dates[0]}" if len(dates) == 1
                                 else f", read {dates[0]} to {dates[-1]}")
    return (f"Cost uses {pricing_model} rates (USD/hour) from "
            f"{Path(prices.path).name}{read}")


def summary_line(result: DiffResult) -> str:
    return (f"{len(result.matched)} matched, {len(result.regressions)} regressed, "
            f"{len(result.improvements)} improved, {len(result.added)} new, "
            f"{len(result.removed)} removed (threshold {result.threshold:.0%}, "
            f"alpha {result.alpha:g})")


def tests_used(result: DiffResult) -> list[str]:
    """Which test judged which metric, in words."""
    tests = sorted({(m.metric, m.test) for row in result.matched for m in row.metrics
                    if m.test not in ("no value on one side", "status not ok")})
    return [f"{METRIC_LABELS[metric]}: {test}" for metric, test in tests]


def result_table(result: DiffResult, split_key: bool = False) -> Rows:
    """The matched rows as display strings (one column per metric).

    ``split_key`` gives one column per key field instead of one ``Row`` label.
    """
    metrics = [m for m in METRICS if m != "cost_per_1m" or result.prices is not None]
    key_columns = [KEY_LABELS[k] for k in result.key_fields] if split_key else ["Row"]
    records = []
    for row in result.matched:
        if split_key:
            record = {KEY_LABELS[k]: row.key.get(k, "") for k in result.key_fields}
        else:
            record = {"Row": row.label()}
        by_metric = {m.metric: m for m in row.metrics}
        for metric in metrics:
            record[METRIC_LABELS[metric]] = format_change(by_metric[metric])
        status = "" if row.old_status == row.new_status == "ok" else (
            f" (status {row.old_status} -> {row.new_status})")
        record["Verdict"] = row.verdict + status
        records.append(record)
    columns = (*key_columns, *(METRIC_LABELS[m] for m in metrics), "Verdict")
    return Rows("", columns, tuple(records), tuple(range(len(records))))


# The changes page's columns per metric: its name, and the unit its old and new values are in.
CHANGE_COLUMNS = {"throughput": ("Throughput", ""), "latency_p50": ("P50", " (ms)"),
                  "latency_p99": ("P99", " (ms)"), "cost_per_1m": ("Cost per 1M", "")}


def change_rows(result: DiffResult, unchanged: bool = False) -> Rows:
    """The matched rows whose verdict is (``unchanged``: is not) ``unchanged``, one column per
    key field and, per metric, ``old``, ``new`` and ``change (%)`` as plain numbers in display
    rounding (:func:`perfcore.formats.display_number`), so a browser sorts them as numbers."""
    metrics = [m for m in METRICS if m != "cost_per_1m" or result.prices is not None]
    records = []
    for row in result.matched:
        if (row.verdict == "unchanged") != unchanged:
            continue
        record: dict[str, object] = {KEY_LABELS[k]: row.key.get(k, "") for k in result.key_fields}
        by_metric = {m.metric: m for m in row.metrics}
        for metric in metrics:
            name, unit = CHANGE_COLUMNS[metric]
            change = by_metric[metric]
            shown = (display_number if metric != "cost_per_1m" else
                     lambda value: cost.cost_text(value, result.prices.currency))
            record[f"{name} old{unit}"] = shown(change.old)
            record[f"{name} new{unit}"] = shown(change.new)
            record[f"{name} change (%)"] = ("n/a" if change.change is None
                                           else f"{change.change * 100:+.1f}")
        status = "" if row.old_status == row.new_status == "ok" else (
            f" (status {row.old_status} -> {row.new_status})")
        record["Verdict"] = row.verdict + status
        records.append(record)
    columns = (*(KEY_LABELS[k] for k in result.key_fields),
               *(f"{CHANGE_COLUMNS[m][0]} {part}" for m in metrics
                 for part in (f"old{CHANGE_COLUMNS[m][1]}", f"new{CHANGE_COLUMNS[m][1]}",
                              "change (%)")),
               "Verdict")
    return Rows("", columns, tuple(records), tuple(range(len(records))))


def text_table(table: Rows) -> str:
    """Left-aligned plain-text rendering of a table of strings."""
    columns = list(table.columns)
    cells = [[str(record[c]) for c in columns] for record in table.records]
    widths = [max(len(c), *(len(r[i]) for r in cells)) for i, c in enumerate(columns)]
    def line(values: list[str]) -> str:
        return "  ".join(v.ljust(w) for v, w in zip(values, widths, strict=True)).rstrip()
    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(columns), rule, *(line(r) for r in cells)])


def format_text(result: DiffResult) -> str:
    """Readable report for a terminal."""
    lines = [f"old: {result.old.spec} ({result.old.kind})",
             f"new: {result.new.spec} ({result.new.kind})",
             "key: " + ", ".join(result.key_fields)]
    if result.prices is not None:
        lines.append(price_statement(result.prices, result.pricing_model))
    lines.append("")
    table = result_table(result)
    lines.append(text_table(table) if table.records else "no matched rows")
    for title, rows in (("new rows", result.added), ("removed rows", result.removed)):
        lines.append("")
        lines.append(f"{title} ({len(rows)}):")
        lines.extend(f"  {format_key(row)} [{row['status']}] ({row['origin']})" for row in rows)
    lines.append("")
    lines.append("tests: " + ("; ".join(tests_used(result)) or "none"))
    lines.extend(f"note: {note}" for note in result.notes)
    lines.append(summary_line(result))
    return "\n".join(lines) + "\n"


def to_json(result: DiffResult) -> dict[str, Any]:
    """Machine-readable report (``collect-diff/1``)."""
    def side(snapshot: Snapshot) -> dict[str, Any]:
        return {"spec": snapshot.spec, "kind": snapshot.kind, "rows": len(snapshot.rows)}

    return {
        "schema": JSON_SCHEMA,
        "old": side(result.old),
        "new": side(result.new),
        "threshold": result.threshold,
        "alpha": result.alpha,
        "key_fields": list(result.key_fields),
        "prices": None if result.prices is None else {
            "path": result.prices.path, "pricing_model": result.pricing_model},
        "matched": [asdict(row) for row in result.matched],
        "new_rows": result.added,
        "removed_rows": result.removed,
        "notes": result.notes,
        "summary": {
            "matched": len(result.matched),
            "regressions": len(result.regressions),
            "improvements": len(result.improvements),
            "new": len(result.added),
            "removed": len(result.removed),
        },
    }
