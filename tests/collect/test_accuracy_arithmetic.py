"""The arithmetic of benchmarks/accuracy.py (M/D/1 and the replay of the same arrivals),
without timing anything."""

import importlib.util
from pathlib import Path

import pytest

from collect.engine.schedule import poisson_schedule

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "accuracy.py"


def load_accuracy():
    spec = importlib.util.spec_from_file_location("accuracy_benchmark", SCRIPT)
    module = importlib.util.module_from_spec(spec)
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
