"""Rate search: the highest offered rate meeting a target, for every mode that asks for one
(:meth:`collect.engine.mode.Mode.rate_search`). The target is a latency SLO unless the mode
passes its own ``judge`` (served endpoints: a goodput target).

A rate *meets* a latency SLO when its run finished ``ok``, the chosen request-latency
percentile (measured from scheduled arrival) is at most ``slo_ms``, and the
system kept up (achieved rate at least 98% of offered; an overloaded system
whose queue has not yet grown past the SLO in a short run does not pass).

The search is deterministic: which rate is tried next depends only on which of
the rates tried so far met the SLO. Resuming is therefore replaying: rates
already in the results file are looked up instead of measured again, and the
search continues where it stopped.

* With a list of rates (``--rate 100,200,400,800``) it bisects the sorted list,
  assuming latency grows with the rate.
* Without one it starts at ``start_rate``, doubles while the SLO is met (halves
  while it is not), then bisects geometrically between the last rate that met
  it and the first that did not until they are within ``rel_tol``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from perfcore.numbers import PERCENTILES

SLO_PERCENTILES = PERCENTILES

SUSTAINED_FRACTION = 0.98
"""A rate is sustained when the achieved rate is at least this fraction of the offered one."""

Measure = Callable[[float], dict[str, Any]]
OnMeasured = Callable[[dict[str, Any]], None]
Judge = Callable[[Mapping[str, Any]], bool]


@dataclass(frozen=True)
class Probe:
    rate: float
    latency_ms: float | None
    achieved_rate: float | None
    met: bool
    reused: bool


@dataclass
class SloResult:
    slo_ms: float
    percentile: int
    best_rate: float | None
    probes: list[Probe] = field(default_factory=list)

    def summary(self) -> str:
        tried = ", ".join(
            f"{p.rate:g}/s {'met' if p.met else 'missed'}" for p in self.probes
        )
        best = "no rate" if self.best_rate is None else f"{self.best_rate:g} requests/s"
        return f"P{self.percentile} <= {self.slo_ms:g} ms: {best} (tried {tried})"


def keeping(best: list[float], keep: Callable[[dict], None]) -> Callable[[dict], None]:
    """The ``on_measured`` of a search: each record gets the best rate so far (in ``best``,
    which holds the met rates already on file), then ``keep`` stores it."""
    def on_measured(record: dict) -> None:
        if record["slo_met"]:
            best.append(record["offered_rate"])
        record["slo_best_rate"] = max(best, default=None)
        keep(record)
    return on_measured


def nice_rate(rate: float) -> float:
    """Round to 3 significant digits so replayed searches hit the same rates."""
    return float(f"{rate:.3g}")


def slo_met(record: Mapping[str, Any], slo_ms: float, percentile: int) -> bool:
    """Whether one open-loop record meets the SLO (see module docstring)."""
    latency = record.get(f"request_latency_ms_p{percentile}")
    offered, achieved = record.get("offered_rate"), record.get("achieved_rate")
    if record.get("status") != "ok" or latency is None or not offered or achieved is None:
        return False
    return latency <= slo_ms and achieved >= SUSTAINED_FRACTION * offered


def measured_from_records(
    records: Iterable[Mapping[str, Any]], configuration: Mapping[str, Any],
    mode: str = "poisson",
) -> dict[float, Mapping[str, Any]]:
    """Rates already measured for this configuration, read back from a results file.

    Records of ``mode`` (``poisson``; ``serve`` for served benchmarks) whose fields equal
    every item of ``configuration`` (e.g. model, backend, max_batch_size,
    max_batch_delay_ms, dtype) count; the last
    record of a rate wins. Pass the result as ``measured`` to resume a search.
    """
    found: dict[float, Mapping[str, Any]] = {}
    for record in records:
        if record.get("mode") != mode or record.get("offered_rate") is None:
            continue
        if all(record.get(key) == value for key, value in configuration.items()):
            found[nice_rate(record["offered_rate"])] = record
    return found


class _Prober:
    def __init__(
        self,
        measure: Measure,
        slo_ms: float | None,
        percentile: int,
        measured: Mapping[float, Mapping[str, Any]],
        on_measured: OnMeasured | None,
        judge: Judge | None = None,
    ) -> None:
        self._measure = measure
        self._judge = judge or (lambda record: slo_met(record, slo_ms, percentile))
        self._on_measured = on_measured
        self._known = {nice_rate(rate): record for rate, record in measured.items()}
        self.slo_ms, self.percentile = slo_ms, percentile
        self.probes: list[Probe] = []

    def met(self, rate: float) -> bool:
        rate = nice_rate(rate)
        reused = rate in self._known
        if not reused:
            fresh = self._measure(rate)
            fresh.update(self._fields(fresh))
            if self._on_measured is not None:
                self._on_measured(fresh)
            self._known[rate] = fresh
        record = self._known[rate]
        ok = self._fields(record)["slo_met"]
        latency = record.get(f"request_latency_ms_p{self.percentile}")
        self.probes.append(Probe(rate, latency, record.get("achieved_rate"), ok, reused))
        return ok

    def _fields(self, record: Mapping[str, Any]) -> dict[str, Any]:
        return {"slo_ms": self.slo_ms, "slo_percentile": self.percentile,
                "slo_met": self._judge(record)}


def search_max_rate(
    measure: Measure,
    slo_ms: float | None,
    percentile: int = 99,
    *,
    rates: Sequence[float] | None = None,
    start_rate: float = 100.0,
    rel_tol: float = 0.05,
    max_probes: int = 20,
    measured: Mapping[float, Mapping[str, Any]] | None = None,
    on_measured: OnMeasured | None = None,
    judge: Judge | None = None,
) -> SloResult:
    """Find the highest rate meeting the SLO; ``measure(rate)`` runs one open-loop config.

    ``measured`` maps rates already measured (e.g. read back from the results
    file) to their records; those rates are not measured again. Each new record
    gets ``slo_ms``, ``slo_percentile`` and ``slo_met`` and is passed to
    ``on_measured`` (e.g. the results writer) as soon as it is measured. ``judge``, if
    given, decides whether a record meets the target instead of the latency SLO (served
    benchmarks: the goodput target); ``slo_ms`` is then not used.
    """
    if percentile not in SLO_PERCENTILES:
        raise ValueError(f"SLO percentile must be one of {SLO_PERCENTILES}, got {percentile}")
    if judge is None and not slo_ms > 0:
        raise ValueError(f"SLO must be a positive number of milliseconds, got {slo_ms}")
    prober = _Prober(measure, slo_ms, percentile, measured or {}, on_measured, judge)
    if rates:
        best = _bisect_list(prober, sorted({nice_rate(r) for r in rates}))
    else:
        best = _expand_and_bisect(prober, start_rate, rel_tol, max_probes)
    return SloResult(slo_ms, percentile, best, prober.probes)


def _bisect_list(prober: _Prober, rates: list[float]) -> float | None:
    passing, failing = -1, len(rates)
    while failing - passing > 1:
        middle = (passing + failing) // 2
        if prober.met(rates[middle]):
            passing = middle
        else:
            failing = middle
    return rates[passing] if passing >= 0 else None


def _expand_and_bisect(
    prober: _Prober, start_rate: float, rel_tol: float, max_probes: int
) -> float | None:
    if not start_rate > 0:
        raise ValueError(f"start rate must be positive, got {start_rate}")
    low: float | None = None
    high: float | None = None
    rate = nice_rate(start_rate)
    while len(prober.probes) < max_probes and (low is None or high is None):
        if prober.met(rate):
            low, rate = rate, nice_rate(rate * 2)
        else:
            high, rate = rate, nice_rate(rate / 2)
    while low is not None and high is not None and len(prober.probes) < max_probes:
        if high / low <= 1 + rel_tol:
            break
        middle = nice_rate(math.sqrt(low * high))
        if middle in (low, high):
            break
        if prober.met(middle):
            low = middle
        else:
            high = middle
    return low
