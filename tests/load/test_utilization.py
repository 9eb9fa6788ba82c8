import json
import sys
import time
from pathlib import Path

import pytest

from collect.env.utilization import (
    UtilizationSampler,
    summarize,
    timeseries_path,
    write_timeseries,
)

FIXTURE = Path(__file__).parent / "fixtures" / "neuron_monitor_inf2.jsonl"


def test_real_psutil_sampling_during_half_a_second():
    with UtilizationSampler(interval_s=0.1, neuron_monitor_command=[]) as sampler:
        ballast = bytearray(64 * 1024 * 1024)  # resident memory the samples should see
        ballast[::4096] = b"x" * len(ballast[::4096])
        time.sleep(0.5)
    # About 5 rows plus the final one; fewer only if the shared machine starves the thread.
    assert 3 <= len(sampler.samples) <= 8
    summary = sampler.summary()
    assert {"cpu_percent", "process_cpu_percent", "rss_mb"} <= set(summary)
    assert "gpu_util_percent" not in summary  # no NVML here
    assert summary["rss_mb"]["max"] > 64
    for stats in summary.values():
        assert stats["min"] <= stats["p50"] <= stats["p95"] <= stats["max"]
        assert stats["min"] <= stats["avg"] <= stats["max"]
    assert 0 <= summary["cpu_percent"]["max"] <= 100
    times = [row["t"] for row in sampler.samples]
    assert times == sorted(times)
    del ballast


def test_neuron_monitor_stream_is_read_into_the_samples():
    # A stand-in process that prints the fixture reports as neuron-monitor would, one a second
    # (here one every 0.1 s), then stays alive until the sampler stops it.
    script = (
        "import sys, time\n"
        f"for line in open({str(FIXTURE)!r}):\n"
        "    print(line.strip(), flush=True); time.sleep(0.1)\n"
        "time.sleep(30)\n"
    )
    with UtilizationSampler(interval_s=0.05,
                            neuron_monitor_command=[sys.executable, "-c", script]) as sampler:
        time.sleep(0.8)
    assert "neuron-monitor" in sampler.sources
    util = [row["neuroncore_util_percent"] for row in sampler.samples
            if "neuroncore_util_percent" in row]
    assert util == [pytest.approx(99.38037580375642), pytest.approx(98.75)]
    summary = sampler.summary()
    assert summary["neuroncore_util_percent"]["max"] == pytest.approx(99.380, abs=1e-3)
    assert summary["neuron_device_mem_mb"]["max"] == pytest.approx(400.0)
    assert sampler.errors == ["neuroncore_counters: failed to read counters"]


def test_summarize_skips_missing_values():
    assert summarize([None, None]) is None
    assert summarize([1.0, None, 3.0]) == {"avg": 2.0, "min": 1.0, "max": 3.0, "p50": 2.0,
                                           "p95": 2.9}


def test_timeseries_sidecar_sits_beside_the_results_file(tmp_path):
    results = tmp_path / "raw" / "run-1.jsonl"
    results.parent.mkdir()
    relative = write_timeseries(results, "abc123", {"samples": [{"t": 0.0, "cpu_percent": 5}]})
    assert relative == "run-1.timeseries/abc123.json"
    written = results.parent / relative
    assert json.loads(written.read_text())["samples"][0]["cpu_percent"] == 5
    assert not [p for p in written.parent.iterdir() if p.name.endswith(".tmp")]


def test_unsafe_config_ids_are_refused(tmp_path):
    with pytest.raises(ValueError, match="safe file name"):
        timeseries_path(tmp_path / "r.jsonl", "../escape")
