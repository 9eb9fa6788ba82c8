"""Open- and closed-loop runners on real threads and real sleeps (short runs)."""

import threading
import time

import numpy as np
import pytest

from collect.engine.schedule import constant_schedule, poisson_schedule
from collect.openloop.runner import run_closed, run_poisson


def sleeping_model(base_ms, per_sample_ms=0.0):
    def infer(batch_size):
        time.sleep((base_ms + per_sample_ms * batch_size) / 1000)

    return infer


def test_latency_counts_from_the_scheduled_arrival_not_from_submission():
    """A 60 ms stall delays every request scheduled during it (no coordinated omission)."""
    stalled = threading.Event()

    def infer(batch_size):
        if not stalled.is_set():
            stalled.set()
            time.sleep(0.06)
        else:
            time.sleep(0.0005)

    record = run_poisson(infer, constant_schedule(200, 0.5), max_batch_size=1)
    assert record["n_inferences"] == 100
    # Requests 0..11 are scheduled during the stall; each waits until it ends.
    # A closed-loop client would have sent only one of them and reported one slow request.
    assert record["request_latency_ms_max"] >= 55
    assert record["request_latency_ms_p90"] >= 10
    assert record["queue_wait_ms_p99"] >= 40
    assert record["latency_ms_max"] >= 55  # the stalled batch itself
    assert record["latency_ms_p50"] < 5


def test_below_capacity_the_offered_rate_is_achieved():
    # 2 s (about 400 requests): in 0.5 s one VM stall in the last third was its P99 and
    # made the run read as unstable
    schedule = poisson_schedule(200, 2.0, seed=3)
    record = run_poisson(sleeping_model(1.0), schedule)
    assert record["mode"] == "poisson"
    assert record["offered_rate"] == 200
    assert record["achieved_rate"] == pytest.approx(200, rel=0.03)
    assert record["stable"] is True
    assert record["batch_size_histogram"] == {"1": len(schedule)}
    assert record["schedule_lag_ms_p50"] is not None
    assert record["request_latency_ms_p50"] >= 1.0


def test_overload_is_visible_as_growing_latency_and_a_lower_achieved_rate():
    # Capacity 200/s, offered 400/s for 0.4 s: the queue grows for the whole run.
    record = run_poisson(sleeping_model(5.0), poisson_schedule(400, 0.4, seed=1))
    assert record["achieved_rate"] < 0.7 * 400
    assert record["stability"]["p99_growth"] > 2
    assert record["stable"] is False
    assert record["request_latency_ms_p99"] > 200


def test_dynamic_batching_forms_batches_up_to_the_maximum():
    record = run_poisson(
        sleeping_model(4.0, 0.1),
        poisson_schedule(1000, 0.5, seed=2),
        max_batch_size=8,
        max_batch_delay_ms=2.0,
    )
    sizes = {int(size): count for size, count in record["batch_size_histogram"].items()}
    assert max(sizes) <= 8
    assert sum(size * count for size, count in sizes.items()) == 500
    assert record["n_batches"] == sum(sizes.values()) < 500


def test_closed_loop_keeps_concurrency_requests_in_flight():
    record = run_closed(sleeping_model(2.0), concurrency=4, duration_s=0.3, max_batch_size=4,
                        max_batch_delay_ms=1.0)
    assert record["mode"] == "closed"
    assert record["concurrency"] == 4
    assert record["offered_rate"] is None
    sizes = [int(size) for size in record["batch_size_histogram"]]
    assert max(sizes) <= 4
    assert record["achieved_rate"] > 500  # batching: well above the 1/2ms of one request at a time


def test_a_failing_model_raises_its_own_exception():
    def infer(batch_size):
        raise MemoryError("simulated allocation failure")

    with pytest.raises(MemoryError, match="simulated"):
        run_poisson(infer, constant_schedule(100, 0.2))


def test_several_workers_share_the_queue():
    calls = {"first": 0, "second": 0}

    def counting_model(name):
        def infer(batch_size):
            calls[name] += 1
            time.sleep(0.008)

        return infer

    record = run_poisson(
        [counting_model("first"), counting_model("second")], constant_schedule(200, 0.5)
    )
    # One 8 ms worker cannot keep up with 200/s alone, so both must have taken batches,
    # and every scheduled request was served exactly once.
    assert calls["first"] > 0 and calls["second"] > 0
    served = sum(int(size) * count for size, count in record["batch_size_histogram"].items())
    assert served == 100
    assert np.isfinite(record["request_latency_ms_p99"])


def test_warm_up_runs_every_batch_size_the_batcher_can_form():
    # a backend that compiles a shape on first use compiles all of them before measuring
    from collect.openloop.runner import warm_up

    sizes = []
    warm_up(sizes.append, 4, 0.0, time.perf_counter)
    assert sizes == [1, 2, 3, 4]


def test_the_garbage_collector_is_paused_while_measuring_and_collected_after():
    import gc

    seen = []

    def infer(batch_size):
        seen.append(gc.isenabled())
        cycle = []
        cycle.append(cycle)  # garbage only the collector can free
        time.sleep(0.0005)

    assert gc.isenabled()
    record = run_poisson(infer, constant_schedule(200, 0.2), warmup_s=0.01)
    assert gc.isenabled() and gc.get_freeze_count() == 0
    assert seen[-1] is False  # measured requests ran with the collector disabled
    assert record["gc"]["policy"].startswith("collected and frozen before")
    assert record["gc"]["collected_after"] >= 40  # the cycles made while it was off
    closed = run_closed(infer, concurrency=1, duration_s=0.1)
    assert closed["gc"]["collected_after"] > 0 and gc.isenabled()
