"""The open- and closed-loop record fields from fixed request timestamps and a stepping
clock (no timing): every key, in order, with its value, so that how the summary is built
can change and the records not."""

import json
import math
import time

from collect.engine.schedule import constant_schedule
from collect.openloop.batcher import Request
from collect.openloop.runner import open_loop_metrics, run_closed, run_poisson

NAN = math.nan


def served(index, scheduled, planned, started, done, batch_size, batch_id) -> Request:
    return Request(index, scheduled, planned=planned, started=started, done=done,
                   batch_size=batch_size, batch_id=batch_id)


OPEN = [served(0, 10.0, 10.0, 10.001, 10.2, 1, 0), served(1, 10.3, 10.31, 10.312, 10.9, 2, 1),
        served(2, 10.5, 10.31, 10.312, 10.9, 2, 1), served(3, 11.2, 11.25, 11.251, 11.6, 1, 2),
        served(4, 12.05, 12.06, 12.07, 12.4, 3, 3), served(5, 12.1, 12.06, 12.07, 12.4, 3, 3),
        served(6, 12.15, 12.06, 12.07, 12.4, 3, 3), Request(7, 12.9)]

OPEN_FIELDS = [
    ("status", "ok"), ("reason", None), ("duration_s", 2.5), ("n_requests", 8),
    ("n_inferences", 7), ("n_batches", 4), ("achieved_rate", 2.8),
    ("request_latency_ms_p50", 350.0), ("request_latency_ms_p90", 480.0),
    ("request_latency_ms_p95", 540.0), ("request_latency_ms_p99", 588.0),
    ("request_latency_ms_mean", 357.1429), ("request_latency_ms_max", 600.0),
    ("queue_wait_ms_p50", 1.0), ("queue_wait_ms_p99", 49.14), ("schedule_lag_ms_p50", 2.0),
    ("schedule_lag_ms_p99", 10.0), ("schedule_lag_ms_mean", 5.1429),
    ("batch_size_histogram", {"1": 2, "2": 1, "3": 1}), ("latency_ms_p50", 339.5),
    ("latency_ms_p90", 516.3), ("latency_ms_p95", 552.15), ("latency_ms_p99", 580.83),
    ("latency_ms_mean", 366.5), ("latency_ms_min", 199.0), ("latency_ms_max", 588.0),
    ("latency_ms_std", 140.3184), ("throughput_windows", [3, 1]),
    ("latency_windows_ms", [400.0, 400.0]),
]

CLOSED = [served(0, 5.0, NAN, 5.01, 5.2, 1, 0), served(1, 5.2, NAN, 5.21, 5.5, 1, 1)]

CLOSED_FIELDS = [
    ("status", "ok"), ("reason", None), ("duration_s", 0.5), ("n_requests", 2),
    ("n_inferences", 2), ("n_batches", 2), ("achieved_rate", 4.0),
    ("request_latency_ms_p50", 250.0), ("request_latency_ms_p90", 290.0),
    ("request_latency_ms_p95", 295.0), ("request_latency_ms_p99", 299.0),
    ("request_latency_ms_mean", 250.0), ("request_latency_ms_max", 300.0),
    ("queue_wait_ms_p50", 10.0), ("queue_wait_ms_p99", 10.0), ("schedule_lag_ms_p50", None),
    ("schedule_lag_ms_p99", None), ("schedule_lag_ms_mean", None),
    ("batch_size_histogram", {"1": 2}), ("latency_ms_p50", 240.0), ("latency_ms_p90", 280.0),
    ("latency_ms_p95", 285.0), ("latency_ms_p99", 289.0), ("latency_ms_mean", 240.0),
    ("latency_ms_min", 190.0), ("latency_ms_max", 290.0), ("latency_ms_std", 50.0),
    ("throughput_windows", []), ("latency_windows_ms", []),
]

# No request finished: no per-batch latency keys at all (not None), no windows.
UNSERVED_FIELDS = [
    ("status", "ok"), ("reason", None), ("duration_s", 0.0), ("n_requests", 1),
    ("n_inferences", 0), ("n_batches", 0), ("achieved_rate", None),
    ("request_latency_ms_p50", None), ("request_latency_ms_p90", None),
    ("request_latency_ms_p95", None), ("request_latency_ms_p99", None),
    ("request_latency_ms_mean", None), ("request_latency_ms_max", None),
    ("queue_wait_ms_p50", None), ("queue_wait_ms_p99", None), ("schedule_lag_ms_p50", None),
    ("schedule_lag_ms_p99", None), ("schedule_lag_ms_mean", None),
    ("batch_size_histogram", {}), ("throughput_windows", []), ("latency_windows_ms", []),
]


def measured_fields(requests: list[Request], start: float, min_span: float) -> dict:
    return open_loop_metrics(requests, start, min_span).record_fields()


def test_open_loop_fields_keep_their_keys_order_and_values():
    fields = measured_fields(OPEN, 10.0, 2.5)
    assert list(fields.items()) == OPEN_FIELDS
    assert json.loads(json.dumps(fields)) == fields


def test_closed_loop_fields_keep_their_keys_order_and_values():
    assert list(measured_fields(CLOSED, 5.0, 0.0).items()) == CLOSED_FIELDS


def test_fields_when_no_request_finished():
    assert list(measured_fields([Request(0, 1.0)], 1.0, 0.5).items()) == UNSERVED_FIELDS


class SteppingClock:
    """Each reading is 0.1 ms after the last; the model moves it by its service time."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        self.now += 1e-4
        return self.now


POISSON_RECORD = [
    ("status", "ok"), ("reason", None), ("duration_s", 2.0064), ("n_requests", 800),
    ("n_inferences", 800), ("n_batches", 287), ("achieved_rate", 398.7241),
    ("request_latency_ms_p50", 10.2), ("request_latency_ms_p90", 13.0),
    ("request_latency_ms_p95", 13.3), ("request_latency_ms_p99", 13.3),
    ("request_latency_ms_mean", 10.2705), ("request_latency_ms_max", 13.3),
    ("queue_wait_ms_p50", 3.25), ("queue_wait_ms_p99", 6.2), ("schedule_lag_ms_p50", 0.1),
    ("schedule_lag_ms_p99", 0.1), ("schedule_lag_ms_mean", 0.1),
    ("batch_size_histogram", {"1": 1, "2": 59, "3": 227}), ("latency_ms_p50", 7.1),
    ("latency_ms_p90", 7.1), ("latency_ms_p95", 7.1), ("latency_ms_p99", 7.1),
    ("latency_ms_mean", 6.8875), ("latency_ms_min", 5.1), ("latency_ms_max", 7.1),
    ("latency_ms_std", 0.4175), ("throughput_windows", [397, 398]),
    ("latency_windows_ms", [10.2, 10.5]), ("gc", "(left out)"), ("mode", "poisson"),
    ("offered_rate", 400.0), ("concurrency", None), ("max_batch_size", 4),
    ("max_batch_delay_ms", 1.0), ("warmup_s", 0.0),
    ("arrival_schedule", {"kind": "constant", "seed": None, "n": 800}),
    ("stability", {"achieved_over_offered": 0.9968, "p99_growth": 1.0,
                   "p99_first_third_ms": 13.3, "p99_last_third_ms": 13.3}),
    ("stable", True),
]


def test_poisson_record_from_a_stepping_clock():
    # One worker reads the clock alone, so the run is the same every time.
    clock = SteppingClock()

    def infer(batch_size: int) -> None:
        clock.now += 0.004 + 0.001 * batch_size

    record = run_poisson(infer, constant_schedule(400, 2.0), max_batch_size=4,
                         max_batch_delay_ms=1.0, clock=clock)
    assert record["gc"]["policy"]
    record["gc"] = "(left out)"
    assert list(record.items()) == POISSON_RECORD


def test_closed_record_keys():
    record = run_closed(lambda batch_size: time.sleep(0.001), concurrency=2, duration_s=0.1)
    measured = [key for key, _ in CLOSED_FIELDS]
    assert list(record) == [*measured, "gc", "mode", "offered_rate", "concurrency",
                            "max_batch_size", "max_batch_delay_ms", "warmup_s",
                            "stability", "stable"]
    assert (record["schedule_lag_ms_p50"], record["schedule_lag_ms_p99"]) == (None, None)
