"""Comparing two snapshots: rows matched by key, every metric's change judged.

Rows are matched by the comparison key (:mod:`perfcore.diff.keys`): the ``always`` keys
(model, instance type, sequence length, dtype, batch size and mode) plus those of the others
(run mode, model copies, workers per model, TP/DP degree, input/output length, ...) that both
sides state.

A change is flagged (``regression`` / ``improvement``) only when it exceeds BOTH the
relative threshold AND the measured noise. Throughput noise is judged with Welch's
two-sample t-test (alpha 0.01 by default) on repeated runs where both sides have them
(several records of one configuration with different ``run_id``, from one results file or
several: ``a.jsonl,b.jsonl``; each run is a separate process, so the runs' throughputs are
independent samples, and the compared values are the runs' means); with one run on a side it
falls back to that run's per-second throughput windows (``throughput_windows``), which are
correlated, so that test understates the noise. The metric's ``sample`` says which
(``runs`` or ``windows``). Cost scales with 1/throughput at a fixed price, so it shares the
throughput test. Where no distribution is recorded (published CSVs, latency percentiles)
the test says ``noise unknown: threshold only`` and a change beyond the threshold is only a
``possible regression`` / ``possible improvement``: listed, never counted as a regression.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from perfcore import cost
from perfcore.diff.keys import ALL_KEY_FIELDS, KEY_FIELDS, OPTIONAL_KEY_FIELDS, format_key
from perfcore.diff.noise import NOISE_UNKNOWN, NoiseTest, throughput_test
from perfcore.diff.snapshots import DiffError, Snapshot
from perfcore.numbers import mean
from perfcore.ordering import sort_key
from perfcore.prices import PriceCatalog

DEFAULT_THRESHOLD = 0.05
DEFAULT_ALPHA = 0.01
METRICS = ("throughput", "latency_p50", "latency_p99", "cost_per_1m")
# +1: a higher value is better; -1: a lower value is better.
METRIC_DIRECTION = {"throughput": 1, "latency_p50": -1, "latency_p99": -1, "cost_per_1m": -1}


@dataclass
class MetricChange:
    metric: str
    old: float | None
    new: float | None
    change: float | None  # relative: new / old - 1
    verdict: str  # regression, improvement, unchanged, within noise, n/a
    test: str
    p_value: float | None = None
    sample: str | None = None  # what the test compared: "runs" or "windows"


@dataclass
class RowDiff:
    key: dict[str, str]
    old_status: str
    new_status: str
    metrics: list[MetricChange]
    verdict: str
    old_origin: str
    new_origin: str

    def label(self) -> str:
        return format_key(self.key)


@dataclass
class DiffResult:
    old: Snapshot
    new: Snapshot
    threshold: float
    alpha: float
    key_fields: tuple[str, ...]
    matched: list[RowDiff]
    added: list[dict[str, str]]
    removed: list[dict[str, str]]
    notes: list[str] = field(default_factory=list)
    prices: PriceCatalog | None = None
    pricing_model: str = "on-demand"

    @property
    def regressions(self) -> list[RowDiff]:
        return [row for row in self.matched if row.verdict in ("regression", "mixed")]

    @property
    def improvements(self) -> list[RowDiff]:
        return [row for row in self.matched if row.verdict in ("improvement", "mixed")]


def _cost_per_million(throughput: float | None, hourly_rate: float | None) -> float | None:
    """Cost of 1M inferences (or tokens) at ``throughput`` per second and an hourly rate."""
    if throughput is None or hourly_rate is None or throughput <= 0:
        return None
    return cost.cost_per_million(throughput, hourly_rate)


def _key_fields(old: Sequence[dict[str, Any]], new: Sequence[dict[str, Any]]) -> tuple[str, ...]:
    def stated(rows: Sequence[dict[str, Any]], name: str) -> bool:
        return any(str(row[name]) != "" for row in rows)

    shared = [name for name in OPTIONAL_KEY_FIELDS if stated(old, name) and stated(new, name)]
    return (*KEY_FIELDS, *shared)


def _keyed(rows: Sequence[dict[str, Any]], key_fields: Sequence[str],
           side: str) -> tuple[dict, list[str]]:
    """Rows by key. A configuration published twice with the same numbers (in the throughput
    and the latency table) is one row; one published twice with different numbers keeps the
    later and says so; records of the same key from different runs are repeated runs and
    become one row (:func:`_combine_runs`)."""
    runs: dict[tuple[str, ...], dict[object, dict[str, Any]]] = {}
    notes = []
    for row in rows:
        key = tuple(str(row[name]).lower() if name == "instance_type" else str(row[name])
                    for name in key_fields)
        of_key = runs.setdefault(key, {})
        earlier = of_key.get(row["run"])
        if earlier is not None and _measured(earlier) != _measured(row):
            notes.append(f"{side}: {earlier['origin']} and {row['origin']} state the same "
                         f"configuration ({format_key(_key_dict(row))}) with different "
                         f"numbers; {row['origin']} is compared")
        of_key[row["run"]] = row
    return {key: _combine_runs(list(of_key.values())) for key, of_key in runs.items()}, notes


def _measured(row: dict[str, Any]) -> tuple:
    return (row["throughput"], row["latency_p50"], row["latency_p99"], row["status"],
            row["windows"])


def _combine_runs(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """One row for a configuration's runs: with two or more ``ok`` runs, the runs' mean
    metrics and ``runs`` (each run's throughput, the sample of the runs test)."""
    ok = [row for row in rows if row["status"] == "ok" and row["throughput"] is not None]
    if len(ok) < 2:
        return {**rows[-1], "runs": None}
    combined = {**ok[-1], "runs": tuple(row["throughput"] for row in ok),
                "origin": f"{ok[0]['origin']} and {len(ok) - 1} more run(s)"}
    for metric in ("throughput", "latency_p50", "latency_p99"):
        present = [row[metric] for row in ok if row[metric] is not None]
        combined[metric] = mean(present) if present else None
    return combined


def _judge(metric: str, old: float | None, new: float | None, threshold: float,
           noise: NoiseTest, alpha: float) -> MetricChange:
    if old is None or new is None or old <= 0:
        return MetricChange(metric, old, new, None, "n/a", "no value on one side")
    change = new / old - 1.0
    p_value, test, sample = noise.p_value, noise.test, noise.sample
    if abs(change) <= threshold:
        return MetricChange(metric, old, new, change, "unchanged", test, p_value, sample)
    direction = "improvement" if change * METRIC_DIRECTION[metric] > 0 else "regression"
    if test == NOISE_UNKNOWN:  # beyond the threshold, but nothing says it is beyond noise
        return MetricChange(metric, old, new, change, f"possible {direction}", test, None)
    if p_value is not None and p_value >= alpha:
        return MetricChange(metric, old, new, change, "within noise", test, p_value, sample)
    return MetricChange(metric, old, new, change, direction, test, p_value, sample)


def _row_verdict(old_status: str, new_status: str, metrics: list[MetricChange]) -> str:
    if old_status == "ok" and new_status != "ok":
        return "regression"
    if old_status != "ok" and new_status == "ok":
        return "improvement"
    verdicts = {m.verdict for m in metrics}
    if "regression" in verdicts and "improvement" in verdicts:
        return "mixed"
    for verdict in ("regression", "improvement", "possible regression", "possible improvement",
                    "within noise", "unchanged"):
        if verdict in verdicts:
            return verdict
    return "n/a"


def _compare_rows(old_row: dict, new_row: dict, threshold: float, alpha: float,
                  rates: dict[str, float] | None) -> RowDiff:
    noise = throughput_test(old_row, new_row, alpha)
    metrics = [_judge("throughput", old_row["throughput"], new_row["throughput"], threshold,
                      noise, alpha)]
    for metric in ("latency_p50", "latency_p99"):
        metrics.append(_judge(metric, old_row[metric], new_row[metric], threshold,
                              NoiseTest(None, NOISE_UNKNOWN), alpha))
    if rates is not None:
        rate = rates.get(new_row["instance_type"].strip().lower())
        metrics.append(_judge("cost_per_1m", _cost_per_million(old_row["throughput"], rate),
                              _cost_per_million(new_row["throughput"], rate), threshold,
                              noise, alpha))
    if old_row["status"] != "ok" or new_row["status"] != "ok":
        metrics = [MetricChange(m.metric, m.old, m.new, m.change, "n/a", "status not ok")
                   if m.verdict != "n/a" else m for m in metrics]
    return RowDiff(
        key={name: str(new_row[name]) for name in ALL_KEY_FIELDS},
        old_status=old_row["status"],
        new_status=new_row["status"],
        metrics=metrics,
        verdict=_row_verdict(old_row["status"], new_row["status"], metrics),
        old_origin=old_row["origin"],
        new_origin=new_row["origin"],
    )


def _key_dict(row: dict[str, Any]) -> dict[str, str]:
    described = {name: str(row[name]) for name in ALL_KEY_FIELDS}
    described["status"] = row["status"]
    described["origin"] = row["origin"]
    return described


def compare(old: Snapshot, new: Snapshot, threshold: float = DEFAULT_THRESHOLD,
            alpha: float = DEFAULT_ALPHA, prices: PriceCatalog | None = None,
            pricing_model: str = "on-demand") -> DiffResult:
    """Match the rows of two snapshots by key and judge every metric's change."""
    if not 0 <= threshold < 1:
        raise DiffError(f"threshold: expected a fraction in [0, 1), got {threshold}")
    if not 0 < alpha < 1:
        raise DiffError(f"alpha: expected a probability in (0, 1), got {alpha}")
    key_fields = _key_fields(old.rows, new.rows)
    old_rows, old_notes = _keyed(old.rows, key_fields, "old")
    new_rows, new_notes = _keyed(new.rows, key_fields, "new")
    matched = [
        _compare_rows(old_rows[key], new_rows[key], threshold, alpha,
                      prices.hourly_rates(pricing_model) if prices else None)
        for key in sorted(old_rows.keys() & new_rows.keys(), key=_natural_key)
    ]
    added = [_key_dict(new_rows[k]) for k in sorted(new_rows.keys() - old_rows.keys(),
                                                     key=_natural_key)]
    removed = [_key_dict(old_rows[k]) for k in sorted(old_rows.keys() - new_rows.keys(),
                                                       key=_natural_key)]
    notes = [*old.notes, *new.notes, *old_notes, *new_notes]
    notes.extend(
        f"{new_rows[k]['origin']}: throughput in {new_rows[k]['throughput_unit']}, but "
        f"{old_rows[k]['origin']} in {old_rows[k]['throughput_unit']}"
        for k in sorted(old_rows.keys() & new_rows.keys(), key=_natural_key)
        if old_rows[k]["throughput_unit"] != new_rows[k]["throughput_unit"]
    )
    notes.extend(
        f"{new_rows[k]['origin']}: one side has repeated runs, the other one run: throughput "
        "is tested on the 1-second windows of one run per side"
        for k in sorted(old_rows.keys() & new_rows.keys(), key=_natural_key)
        if bool(old_rows[k].get("runs")) != bool(new_rows[k].get("runs")))
    if prices is not None:
        notes.extend(_price_notes(prices, pricing_model, matched))
    return DiffResult(old, new, threshold, alpha, key_fields, matched, added, removed, notes,
                      prices, pricing_model)


def _price_notes(prices: PriceCatalog, pricing_model: str,
                 matched: list[RowDiff]) -> list[str]:
    missing = sorted({row.key["instance_type"] for row in matched
                      if prices.rate(row.key["instance_type"], pricing_model) is None})
    notes = []
    for name in missing:
        reason = prices.unpriced_reason(name)
        notes.append(f"{name}: cost n/a (unpriced: {reason})" if reason is not None else
                     f"no {pricing_model} price in {prices.path} for {name}: cost n/a")
    return notes


def _natural_key(key: tuple[str, ...]) -> tuple:
    return tuple(sort_key(part) for part in key)
