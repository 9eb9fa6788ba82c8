"""The offline mode's record fields from a fixed per-batch log (no timing): every key, in
order, with its value, so that how the summary is built can change and the records not."""

import json

from collect.offline.measure import offline_metrics

LOG = [(-2.0, -1.2, 0.0), (-1.2, -0.5, 0.0), (-0.5, 0.3, 0.0), (0.3, 1.05, 0.002),
       (1.05, 1.4, 0.001), (1.4, 2.2, 0.003), (2.2, 2.9, 0.001), (2.9, 3.45, 0.002),
       (3.45, 4.3, 0.004)]

MEASURED = [
    ("duration_s", 3.0), ("warmup_s", 3.0), ("window_s", 3.0), ("n_batches", 5),
    ("n_inferences", 20), ("throughput_avg", 6.284967320261438),
    ("throughput_peak", 6.284967), ("throughput_windows", [6.284967]),
    ("latency_ms_p50", 699.9999999999998), ("latency_ms_p90", 780.0000000000001),
    ("latency_ms_p95", 790.0000000000002), ("latency_ms_p99", 798.0000000000002),
    ("latency_ms_mean", 630.0), ("latency_ms_std", 163.09506430300092),
    ("latency_ms_min", 349.9999999999999), ("latency_ms_max", 800.0000000000002),
    ("stable", False),
    ("stability", {"window_spread": None, "windows": 1, "threshold": 0.1,
                   "reason": "1 full window(s); at least 2 are needed (use a longer "
                             "--duration)"}),
    ("tokenize_ms_p50", 2.0), ("tokenize_ms_mean", 1.8),
]

NOTHING_MEASURED = [
    ("duration_s", 0.1), ("warmup_s", 0.5), ("window_s", 1.0), ("n_batches", 0),
    ("n_inferences", 0), ("throughput_avg", 0.0), ("throughput_peak", None),
    ("throughput_windows", []), ("latency_ms_p50", None), ("latency_ms_p90", None),
    ("latency_ms_p95", None), ("latency_ms_p99", None), ("latency_ms_mean", None),
    ("latency_ms_std", None), ("latency_ms_min", None), ("latency_ms_max", None),
    ("stable", False),
    ("stability", {"window_spread": None, "windows": 0, "threshold": 0.1,
                   "reason": "0 full window(s); at least 2 are needed (use a longer "
                             "--duration)"}),
    ("tokenize_ms_p50", None), ("tokenize_ms_mean", None),
]


def offline_fields(entries, batch_size, measure_start, measure_end, warmup_s) -> dict:
    measured = offline_metrics(entries, batch_size, measure_start, measure_end, warmup_s)
    return measured.record_fields()


def test_offline_fields_keep_their_keys_order_and_values():
    fields = offline_fields(LOG, 4, measure_start=1.0, measure_end=4.0, warmup_s=3.0)
    assert list(fields.items()) == MEASURED
    assert json.loads(json.dumps(fields)) == fields


def test_offline_fields_of_a_window_without_batches():
    fields = offline_fields([(0.0, 0.1, 0.0)], 2, measure_start=0.5, measure_end=0.6,
                            warmup_s=0.5)
    assert list(fields.items()) == NOTHING_MEASURED
