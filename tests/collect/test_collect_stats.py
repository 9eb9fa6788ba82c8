import math

import numpy as np
import pytest

from perfcore.numbers import percentile
from perfcore.stats import inferences_between, latency_summary, stability, window_throughputs


def test_percentile_matches_numpy_linear():
    values = [5.0, 1.0, 3.0, 2.0, 4.0, 10.0, 7.5]
    for pct in (0, 1, 50, 90, 95, 99, 100):
        assert percentile(values, pct) == pytest.approx(np.percentile(values, pct))


def test_percentile_rejects_empty_and_out_of_range():
    with pytest.raises(ValueError, match="empty"):
        percentile([], 50)
    with pytest.raises(ValueError, match=r"0\.\.100"):
        percentile([1.0], 101)


def test_latency_summary_fields():
    summary = latency_summary([1.0, 2.0, 3.0, 4.0])
    assert summary["latency_ms_p50"] == 2.5
    assert summary["latency_ms_mean"] == 2.5
    assert summary["latency_ms_min"] == 1.0
    assert summary["latency_ms_max"] == 4.0
    assert summary["latency_ms_std"] == pytest.approx(math.sqrt(1.25))
    assert set(summary) == {f"latency_ms_{k}" for k in
                            ("p50", "p90", "p95", "p99", "mean", "std", "min", "max")}


def test_latency_summary_of_nothing_is_null_not_zero():
    assert all(value is None for value in latency_summary([]).values())


def test_windows_split_a_batch_that_straddles_a_boundary_and_drop_the_partial_window():
    # back-to-back 0.4 s batches of 4 from t=10: 10 inferences/s in every full window,
    # although whole-batch counting would give 3 batches (12/s) then 2 (8/s)
    batches = [(10.0 + 0.4 * i, 10.4 + 0.4 * i) for i in range(7)]  # to 12.8
    windows = window_throughputs(batches, 4, start=10.0, end=12.5, window_s=1.0)
    assert windows == pytest.approx([10.0, 10.0])


def test_windows_count_only_the_share_inside_the_measurement():
    # a warm-up batch that ends 0.5 s into the window counts half
    windows = window_throughputs([(9.5, 10.5), (10.5, 11.0)], 2, start=10.0, end=11.0)
    assert windows == pytest.approx([3.0])


def test_inferences_between_counts_shares_of_straddling_batches():
    batches = [(0.0, 0.7), (0.7, 1.4), (1.4, 2.1)]
    assert inferences_between(batches, 4, 0.35, 1.75) == pytest.approx(8.0)
    assert inferences_between(batches, 4, 5.0, 6.0) == 0.0
    # windows and the average agree: the windows' sum is the interval's inferences
    windows = window_throughputs(batches, 4, 0.0, 2.0, window_s=0.5)
    assert sum(windows) * 0.5 == pytest.approx(inferences_between(batches, 4, 0.0, 2.0))


def test_windows_of_custom_width():
    batches = [(0.0, 0.5), (0.5, 1.0), (1.0, 1.5), (2.0, 2.5)]
    windows = window_throughputs(batches, 1, start=0.0, end=4.0, window_s=2.0)
    assert windows == [1.5, 0.5]


def test_stability_within_and_beyond_ten_percent():
    assert stability([100.0, 105.0, 95.0])["stable"] is True
    result = stability([100.0, 100.0, 85.0])
    assert result["stable"] is False
    assert result["stability"]["window_spread"] == pytest.approx(0.15)


def test_stability_needs_two_windows():
    result = stability([100.0])
    assert result["stable"] is False
    assert "at least 2" in result["stability"]["reason"]
