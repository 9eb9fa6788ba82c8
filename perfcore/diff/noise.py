"""Is a change beyond the measured noise? Welch's t-test (without scipy: the site environment
has none) and which sample of a matched row's throughput it compares."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from perfcore.numbers import mean

NOISE_UNKNOWN = "noise unknown: threshold only"


@dataclass(frozen=True)
class NoiseTest:
    """How a metric's noise was judged: p-value, the test in words, the sample used."""

    p_value: float | None
    test: str
    sample: str | None = None  # "runs", "windows" or None (no test)


def _betacf(a: float, b: float, x: float) -> float:
    """Continued fraction of the regularised incomplete beta function (modified Lentz)."""
    tiny = 1e-300
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c, d = 1.0, 1.0 - qab * x / qap
    d = 1.0 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 500):
        m2 = 2 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + aa / c
        c = c if abs(c) > tiny else tiny
        h *= d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + aa / c
        c = c if abs(c) > tiny else tiny
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < 1e-15:
            break
    return h


def regularized_incomplete_beta(a: float, b: float, x: float) -> float:
    """I_x(a, b), computed without scipy (the site environment has none)."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    log_front = (
        math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    )
    front = math.exp(log_front)
    if x < (a + 1.0) / (a + b + 2.0):
        return front * _betacf(a, b, x) / a
    return 1.0 - front * _betacf(b, a, 1.0 - x) / b


def welch_t_test(sample_a: Sequence[float], sample_b: Sequence[float]) -> float | None:
    """Two-sided p-value of Welch's t-test for equal means; None with fewer than 2 values."""
    a = [float(v) for v in sample_a]
    b = [float(v) for v in sample_b]
    if len(a) < 2 or len(b) < 2:
        return None
    mean_a, mean_b = mean(a), mean(b)
    var_a = sum((v - mean_a) ** 2 for v in a) / (len(a) - 1)
    var_b = sum((v - mean_b) ** 2 for v in b) / (len(b) - 1)
    se2_a, se2_b = var_a / len(a), var_b / len(b)
    se2 = se2_a + se2_b
    if se2 == 0.0:
        return 1.0 if mean_a == mean_b else 0.0
    t = (mean_a - mean_b) / math.sqrt(se2)
    dof = se2**2 / (se2_a**2 / (len(a) - 1) + se2_b**2 / (len(b) - 1))
    return regularized_incomplete_beta(dof / 2.0, 0.5, dof / (dof + t * t))


def throughput_test(old_row: dict[str, Any], new_row: dict[str, Any], alpha: float) -> NoiseTest:
    """Welch's t-test on repeated runs when both sides have them, else on the 1-second
    windows of one run per side (correlated: that test understates the noise)."""
    old_runs, new_runs = old_row.get("runs"), new_row.get("runs")
    if old_runs and new_runs:
        return NoiseTest(welch_t_test(old_runs, new_runs),
                         f"Welch t-test on repeated runs ({len(old_runs)} old, "
                         f"{len(new_runs)} new), alpha {alpha:g}", "runs")
    old_windows, new_windows = old_row["windows"], new_row["windows"]
    if not old_windows or not new_windows:
        return NoiseTest(None, NOISE_UNKNOWN)
    p_value = welch_t_test(old_windows, new_windows)
    if p_value is None:
        return NoiseTest(None, NOISE_UNKNOWN)
    return NoiseTest(p_value, f"Welch t-test on throughput windows, alpha {alpha:g}", "windows")
