"""The SLO search logic, against a queueing-model stand-in for measured runs."""

import pytest

from collect.engine.slo import nice_rate, search_max_rate, slo_met

CAPACITY = 1000.0


def modelled_run(rate):
    """Record of an M/M/1-like system: latency grows as 1/(capacity - rate)."""
    achieved = min(rate, CAPACITY * 0.999)
    p99 = 1000.0 * 4.6 / (CAPACITY - rate) if rate < CAPACITY else 1e6
    return {"status": "ok", "offered_rate": rate, "achieved_rate": achieved,
            "request_latency_ms_p99": p99, "request_latency_ms_p50": p99 / 6.6}


class Counting:
    def __init__(self):
        self.rates = []

    def __call__(self, rate):
        self.rates.append(rate)
        return modelled_run(rate)


def true_limit(slo_ms):
    return CAPACITY - 4600.0 / slo_ms


def test_search_over_a_rate_list_finds_the_highest_rate_meeting_the_slo():
    measure = Counting()
    rates = [100, 200, 400, 600, 700, 800, 900, 950]
    result = search_max_rate(measure, slo_ms=20, percentile=99, rates=rates)
    assert result.best_rate == 700  # limit 770/s
    assert len(measure.rates) <= 4  # bisection, not a full sweep


def test_open_search_brackets_then_bisects_to_the_tolerance():
    result = search_max_rate(Counting(), slo_ms=20, percentile=99, start_rate=50, rel_tol=0.02)
    assert true_limit(20) * 0.97 <= result.best_rate <= true_limit(20)
    assert all(p.met == (p.rate <= true_limit(20)) for p in result.probes)


def test_search_resumes_from_already_measured_rates():
    full = search_max_rate(Counting(), slo_ms=50, percentile=99, start_rate=100, rel_tol=0.02)
    interrupted = Counting()
    partial = search_max_rate(interrupted, slo_ms=50, percentile=99, start_rate=100,
                              rel_tol=0.02, max_probes=4)
    assert len(partial.probes) == 4
    measured = {rate: modelled_run(rate) for rate in interrupted.rates}
    resumed_measure = Counting()
    resumed = search_max_rate(resumed_measure, slo_ms=50, percentile=99, start_rate=100,
                              rel_tol=0.02, measured=measured)
    assert resumed.best_rate == full.best_rate
    assert [p.rate for p in resumed.probes] == [p.rate for p in full.probes]
    assert not set(resumed_measure.rates) & set(interrupted.rates)
    assert [p.reused for p in resumed.probes][:4] == [True] * 4


def test_no_rate_meets_an_impossible_slo():
    result = search_max_rate(Counting(), slo_ms=1, percentile=99, rates=[100, 200])
    assert result.best_rate is None
    assert "no rate" in result.summary()


def test_a_rate_that_is_not_kept_up_with_does_not_meet_the_slo():
    record = {"status": "ok", "offered_rate": 1000, "achieved_rate": 900,
              "request_latency_ms_p99": 5.0}
    assert not slo_met(record, 10, 99)
    assert slo_met({**record, "achieved_rate": 995}, 10, 99)
    assert not slo_met({**record, "status": "failed", "achieved_rate": 995}, 10, 99)


def test_rates_are_rounded_to_three_significant_digits():
    assert nice_rate(1234.5) == 1230
    assert nice_rate(0.012345) == 0.0123


@pytest.mark.parametrize("percentile", [0, 75, 100])
def test_unsupported_percentiles_are_rejected(percentile):
    with pytest.raises(ValueError, match="percentile"):
        search_max_rate(Counting(), slo_ms=10, percentile=percentile, rates=[1])


def test_each_new_measurement_is_annotated_and_handed_over_as_it_ends():
    written = []
    search_max_rate(Counting(), slo_ms=20, percentile=99, rates=[100, 800, 900],
                    on_measured=written.append)
    assert [(r["offered_rate"], r["slo_met"]) for r in written] == [(800, False), (100, True)]
    assert all(r["slo_ms"] == 20 and r["slo_percentile"] == 99 for r in written)


def test_search_over_real_open_loop_runs():
    """Bisecting real runs of a 2 ms model (capacity 500/s): 800/s cannot meet any SLO."""
    import time

    from collect.engine.schedule import poisson_schedule
    from collect.openloop.runner import run_poisson

    def infer(batch_size):
        time.sleep(0.002)

    def measure(rate):
        return run_poisson(infer, poisson_schedule(rate, 0.3, seed=0))

    result = search_max_rate(measure, slo_ms=50, percentile=99, rates=[50, 200, 800])
    assert [(p.rate, p.met) for p in result.probes] == [(200, True), (800, False)]
    assert result.best_rate == 200


def test_measured_rates_are_read_back_for_the_same_configuration_only():
    from collect.engine.slo import measured_from_records

    records = [
        {**modelled_run(100), "mode": "poisson", "model": "bert", "max_batch_size": 8},
        {**modelled_run(200), "mode": "poisson", "model": "bert", "max_batch_size": 16},
        {**modelled_run(400), "mode": "poisson", "model": "bert", "max_batch_size": 8},
        {"mode": "offline", "model": "bert", "max_batch_size": 8},
    ]
    found = measured_from_records(records, {"model": "bert", "max_batch_size": 8})
    assert sorted(found) == [100, 400]
