"""Precomputed request arrival schedules for on-demand (open-loop) load.

A schedule is computed before the run starts, so when requests arrive does not
depend on how fast the system under test answers: latency is then measured from
each request's *scheduled* arrival and a slow system cannot hide its queueing
(coordinated omission).

The Poisson schedule draws ``n = round(rate * duration)`` arrival times uniformly
on ``[0, duration)`` and sorts them. Given its count, a Poisson process is exactly
that (order statistics of uniforms), so the schedule is Poisson while the offered
rate is exactly ``n / duration``: short runs do not carry the +-1/sqrt(n) noise of
summing exponential gaps into the offered rate.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Schedule:
    """Arrival offsets in seconds from the start of the run, sorted ascending."""

    arrivals_s: np.ndarray
    rate: float
    duration_s: float
    kind: str
    seed: int | None

    def __len__(self) -> int:
        return len(self.arrivals_s)

    @property
    def offered_rate(self) -> float:
        """Requests per second actually offered by this schedule."""
        return len(self.arrivals_s) / self.duration_s


def _check(rate: float, duration_s: float) -> int:
    if not (rate > 0 and np.isfinite(rate)):
        raise ValueError(f"rate must be a positive number of requests per second, got {rate!r}")
    if not (duration_s > 0 and np.isfinite(duration_s)):
        raise ValueError(f"duration must be a positive number of seconds, got {duration_s!r}")
    n_requests = round(rate * duration_s)
    if n_requests < 1:
        raise ValueError(
            f"rate {rate}/s over {duration_s} s gives no request; raise the rate or the duration"
        )
    return n_requests


def poisson_schedule(rate: float, duration_s: float, seed: int = 0) -> Schedule:
    """Poisson arrivals at ``rate`` requests/s for ``duration_s`` seconds, reproducible by seed."""
    n_requests = _check(rate, duration_s)
    rng = np.random.default_rng(seed)
    arrivals = np.sort(rng.uniform(0.0, duration_s, size=n_requests))
    return Schedule(arrivals, float(rate), float(duration_s), "poisson", seed)


def constant_schedule(rate: float, duration_s: float) -> Schedule:
    """Evenly spaced arrivals, one every ``1 / rate`` seconds."""
    n_requests = _check(rate, duration_s)
    arrivals = np.arange(n_requests, dtype=float) * (duration_s / n_requests)
    return Schedule(arrivals, float(rate), float(duration_s), "constant", None)
