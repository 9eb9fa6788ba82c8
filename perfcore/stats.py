"""Statistics of one measured configuration: latency percentiles, 1-second throughput
windows and the stability flag. Pure functions over plain lists of floats."""

from __future__ import annotations

import math
from collections.abc import Sequence

from perfcore.numbers import mean, percentile, std

STABILITY_THRESHOLD = 0.10
MIN_STABLE_WINDOWS = 2


def latency_summary(latencies_ms: Sequence[float]) -> dict[str, float | None]:
    """P50/P90/P95/P99, mean, population std, min and max of per-batch latencies (ms)."""
    keys = ("p50", "p90", "p95", "p99", "mean", "std", "min", "max")
    if not latencies_ms:
        return {f"latency_ms_{key}": None for key in keys}
    return {
        "latency_ms_p50": percentile(latencies_ms, 50),
        "latency_ms_p90": percentile(latencies_ms, 90),
        "latency_ms_p95": percentile(latencies_ms, 95),
        "latency_ms_p99": percentile(latencies_ms, 99),
        "latency_ms_mean": mean(latencies_ms),
        "latency_ms_std": std(latencies_ms),
        "latency_ms_min": min(latencies_ms),
        "latency_ms_max": max(latencies_ms),
    }


def _share(batch_start: float, batch_end: float, start: float, end: float) -> float:
    """The fraction of a batch that ran inside ``[start, end)`` (its inferences are spread
    evenly over the time it ran)."""
    overlap = min(batch_end, end) - max(batch_start, start)
    if overlap <= 0:
        return 0.0
    return min(overlap / max(batch_end - batch_start, 1e-12), 1.0)


def inferences_between(
    batches: Sequence[tuple[float, float]],
    inferences_per_batch: int,
    start: float,
    end: float,
) -> float:
    """Inferences done inside ``[start, end)``: each batch counts the share of it that ran
    inside. Counting only the batches that *complete* inside would be up to one batch
    per worker off (a 700 ms batch in a 5 s interval: 12.5% low or high)."""
    return sum(inferences_per_batch * _share(batch_start, batch_end, start, end)
               for batch_start, batch_end in batches)


def window_throughputs(
    batches: Sequence[tuple[float, float]],
    inferences_per_batch: int,
    start: float,
    end: float,
    window_s: float = 1.0,
) -> list[float]:
    """Inferences/s in each *full* window of ``window_s`` seconds from ``start``.

    ``batches`` are (start, end) times. A window counts the share of each batch that ran
    inside it (:func:`inferences_between`): counting a batch whole in the window it ended
    in would make windows jump by a whole batch (25% for four batches a window) and flag
    steady runs as unstable. The partial window at the end of the measurement is left out
    so that it cannot look like a dip.
    """
    if window_s <= 0:
        raise ValueError(f"window_s must be positive, got {window_s}")
    n_windows = int((end - start) / window_s + 1e-9)
    work = [0.0] * n_windows
    for batch_start, batch_end in batches:
        first = max(0, math.floor((batch_start - start) / window_s))
        last = min(n_windows - 1, math.floor((batch_end - start) / window_s))
        for index in range(first, last + 1):
            window_start = start + index * window_s
            work[index] += inferences_per_batch * _share(
                batch_start, batch_end, window_start, window_start + window_s)
    return [amount / window_s for amount in work]


def stability(windows: Sequence[float], threshold: float = STABILITY_THRESHOLD) -> dict:
    """Stable when every full window is within ``threshold`` of the windows' median.

    Returns ``{"stable": bool, "stability": {...}}``; fewer than two full windows
    cannot show stability, so such a result is marked unstable with the reason.
    """
    if len(windows) < MIN_STABLE_WINDOWS:
        return {
            "stable": False,
            "stability": {
                "window_spread": None,
                "windows": len(windows),
                "threshold": threshold,
                "reason": f"{len(windows)} full window(s); at least "
                f"{MIN_STABLE_WINDOWS} are needed (use a longer --duration)",
            },
        }
    median = percentile(windows, 50)
    spread = max(abs(value - median) for value in windows) / median if median > 0 else math.inf
    return {
        "stable": spread <= threshold,
        "stability": {
            "window_spread": None if math.isinf(spread) else round(spread, 6),
            "windows": len(windows),
            "threshold": threshold,
        },
    }
