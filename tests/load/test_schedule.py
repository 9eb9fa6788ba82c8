import numpy as np
import pytest

from collect.engine.schedule import constant_schedule, poisson_schedule


def test_poisson_schedule_is_reproducible_by_seed():
    first = poisson_schedule(500, 2.0, seed=7)
    again = poisson_schedule(500, 2.0, seed=7)
    other = poisson_schedule(500, 2.0, seed=8)
    np.testing.assert_array_equal(first.arrivals_s, again.arrivals_s)
    assert not np.array_equal(first.arrivals_s, other.arrivals_s)


def test_poisson_schedule_offers_exactly_the_rate_with_exponential_gaps():
    schedule = poisson_schedule(2000, 5.0, seed=1)
    assert len(schedule) == 10_000
    assert schedule.offered_rate == pytest.approx(2000)
    arrivals = schedule.arrivals_s
    assert np.all(np.diff(arrivals) >= 0)
    assert arrivals[0] >= 0 and arrivals[-1] < 5.0
    gaps = np.diff(arrivals)
    # Exponential gaps: mean 1/rate and coefficient of variation 1.
    assert gaps.mean() == pytest.approx(1 / 2000, rel=0.05)
    assert gaps.std() / gaps.mean() == pytest.approx(1.0, abs=0.05)


def test_constant_schedule_is_evenly_spaced():
    schedule = constant_schedule(100, 1.0)
    assert len(schedule) == 100
    np.testing.assert_allclose(np.diff(schedule.arrivals_s), 0.01)


@pytest.mark.parametrize(("rate", "duration"), [(0, 1.0), (-5, 1.0), (10, 0), (0.1, 1.0)])
def test_bad_rates_and_durations_are_rejected_with_the_value(rate, duration):
    with pytest.raises(ValueError, match=r"rate|duration"):
        poisson_schedule(rate, duration)
