"""The arithmetic of benchmarks/accuracy.py (M/D/1 and the replay of the same arrivals),
without timing anything."""

import importlib.util
import sys
from pathlib import Path

import pytest

from collect.engine.schedule import poisson_schedule

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "accuracy.py"


def load_accuracy():
    spec = importlib.util.spec_from_file_location("accuracy_benchmark", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_pollaczek_khinchine_for_deterministic_service():
    accuracy = load_accuracy()
    assert accuracy.md1_mean_latency(0.02, 0.0) == pytest.approx(0.02)
    assert accuracy.md1_mean_latency(1.0, 0.5) == pytest.approx(1.5)
    assert accuracy.md1_mean_latency(1.0, 0.8) == pytest.approx(3.0)
    with pytest.raises(ValueError, match="utilisation"):
        accuracy.md1_mean_latency(1.0, 1.0)


def test_replay_is_a_fifo_server_fed_the_same_arrivals():
    accuracy = load_accuracy()
    assert accuracy.replay_mean_latency([0.0, 2.0, 4.0], 1.0) == pytest.approx(1.0)
    assert accuracy.replay_mean_latency([0.0, 0.0], 1.0) == pytest.approx(1.5)
    assert accuracy.replay_mean_latency([0.0, 0.5, 3.0], 1.0) == pytest.approx((1 + 1.5 + 1) / 3)


def test_the_benchmarks_default_schedule_replays_close_to_md1():
    # the seed the benchmark uses is one whose arrivals are representative (docstring)
    accuracy = load_accuracy()
    service_s = 0.02
    for utilisation in accuracy.UTILISATIONS:
        schedule = poisson_schedule(utilisation / service_s, 45.0, seed=7)
        replay = accuracy.replay_mean_latency(list(schedule.arrivals_s), service_s)
        assert replay / accuracy.md1_mean_latency(service_s, utilisation) == pytest.approx(
            1.0, abs=0.01)


def test_replay_as_served_takes_each_requests_own_service_time():
    accuracy = load_accuracy()
    # the second request waits for the slow first one: (3 + (3 - 1 + 1) + 1) / 3
    assert accuracy.replay_mean_latency([0.0, 1.0, 5.0], [3.0, 1.0, 1.0]) == pytest.approx(
        (3 + 3 + 1) / 3)
    with pytest.raises(ValueError, match="2 service times for 3 arrivals"):
        accuracy.replay_mean_latency([0.0, 1.0, 5.0], [3.0, 1.0])


def test_rows_judge_the_low_rate_by_latency_minus_service_and_loads_by_md1():
    accuracy = load_accuracy()
    low = accuracy.LatencyRow(2.0, "low", 20.0, 300, 0.00215, 0.00210, 0.002142, 0.00214, 0.01)
    assert low.light and low.over_service_ms == pytest.approx(0.05) and low.passed
    slowed = accuracy.LatencyRow(2.0, "low", 20.0, 300, 0.0031, 0.0027, 0.0027, 0.0027, 0.4)
    assert slowed.by_overhead and not slowed.passed  # rho 0.054 as run: still judged so
    busy = accuracy.LatencyRow(20.0, "low", 20.0, 300, 0.0271, 0.0201, 0.0270, 0.0270, 0.01)
    assert not busy.light and not busy.by_overhead  # rho 0.4: judged against M/D/1
    assert busy.measured_s / busy.md1_s == pytest.approx(1.0091, abs=1e-4) and busy.passed
    loaded = accuracy.LatencyRow(1.0, "rho 0.8", 800.0, 1800, 0.00310, 0.001, 0.003, 0.003,
                                 None)
    assert loaded.md1_s == pytest.approx(0.003) and loaded.passed  # 1.033
    overrun = accuracy.LatencyRow(1.0, "rho 0.8", 800.0, 1800, 0.01, 0.0013, 0.01, 0.01, None)
    assert overrun.md1_s == float("inf") and not overrun.passed  # the model ran at rho 1.04
