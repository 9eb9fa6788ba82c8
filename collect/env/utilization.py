"""Background sampling of CPU, memory, GPU and NeuronCore utilisation.

Used around each configuration::

    with UtilizationSampler(interval_s=0.5) as sampler:
        ...  # run the configuration
    record["utilization"] = sampler.summary()
    record["timeseries_file"] = write_timeseries(results_path, config_id, sampler.timeseries())

Sources, each only when present:

* psutil (always): ``cpu_percent`` (system-wide, 0-100 averaged over all cores),
  ``process_cpu_percent`` (this process, 100 per busy core) and ``rss_mb``;
* NVML (``pynvml`` from nvidia-ml-py importable and a GPU present):
  ``gpu_util_percent`` (mean over GPUs) and ``gpu_mem_mb`` (sum over GPUs);
* ``neuron-monitor`` on the PATH: ``neuroncore_util_percent`` (mean over the
  NeuronCores in use) and ``neuron_device_mem_mb``, one value per neuron-monitor
  report (about 1 s), in the row sampled right after the report arrived.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import psutil

from collect.env.neuron_monitor import NeuronMonitorFormatError, monitor_config, parse_report
from perfcore.atomic import write_atomic
from perfcore.numbers import percentile

TIMESERIES_SCHEMA_VERSION = 1
MB = 1024 * 1024


def summarize(values: Sequence[float]) -> dict[str, float] | None:
    """``{avg, min, max, p50, p95}`` of the non-null values, or ``None`` if there are none."""
    data = np.array([v for v in values if v is not None], dtype=float)
    if data.size == 0:
        return None
    p50, p95 = (percentile(data.tolist(), point) for point in (50, 95))
    return {
        "avg": round(float(data.mean()), 3),
        "min": round(float(data.min()), 3),
        "max": round(float(data.max()), 3),
        "p50": round(float(p50), 3),
        "p95": round(float(p95), 3),
    }


class _Nvml:
    """NVML readings when nvidia-ml-py is importable and a GPU is present."""

    def __init__(self) -> None:
        self.handles: list[Any] = []
        try:
            import pynvml
        except ImportError:
            return
        try:
            pynvml.nvmlInit()
            count = pynvml.nvmlDeviceGetCount()
            self.handles = [pynvml.nvmlDeviceGetHandleByIndex(i) for i in range(count)]
        except pynvml.NVMLError:
            self.handles = []
        self._nvml = pynvml

    def read(self) -> dict[str, float]:
        if not self.handles:
            return {}
        utils = [self._nvml.nvmlDeviceGetUtilizationRates(h).gpu for h in self.handles]
        used = [self._nvml.nvmlDeviceGetMemoryInfo(h).used for h in self.handles]
        return {"gpu_util_percent": float(np.mean(utils)), "gpu_mem_mb": sum(used) / MB}

    def close(self) -> None:
        if self.handles:
            with contextlib.suppress(self._nvml.NVMLError):
                self._nvml.nvmlShutdown()


class _NeuronMonitorReader:
    """Runs neuron-monitor and keeps the newest report not yet taken."""

    def __init__(self, command: Sequence[str]) -> None:
        self._lock = threading.Lock()
        self._pending: dict[str, float] | None = None
        self.errors: list[str] = []
        self._process = subprocess.Popen(
            list(command), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
        )
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        assert self._process.stdout is not None
        for number, line in enumerate(self._process.stdout, start=1):
            if not line.strip():
                continue
            try:
                sample = parse_report(line, f"neuron-monitor output line {number}")
            except NeuronMonitorFormatError as exc:
                self.errors.append(str(exc))
                continue
            self.errors.extend(sample.errors)
            values = {}
            if sample.mean_utilization is not None:
                values["neuroncore_util_percent"] = sample.mean_utilization
            if sample.device_memory_bytes is not None:
                values["neuron_device_mem_mb"] = sample.device_memory_bytes / MB
            with self._lock:
                self._pending = values

    def take(self) -> dict[str, float]:
        with self._lock:
            values, self._pending = self._pending, None
        return values or {}

    def close(self) -> None:
        self._process.terminate()
        try:
            self._process.wait(timeout=2)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        self._thread.join(timeout=2)


def default_neuron_monitor_command(config_path: Path) -> list[str] | None:
    binary = shutil.which("neuron-monitor")
    return [binary, "-c", str(config_path)] if binary else None


class UtilizationSampler:
    """Samples every ``interval_s`` on a background thread between start and stop.

    ``neuron_monitor_command``: the command whose stdout is neuron-monitor's JSON
    stream; by default ``neuron-monitor -c <config>`` when it is on the PATH,
    ``[]`` to disable.
    """

    def __init__(
        self,
        interval_s: float = 0.5,
        pid: int | None = None,
        neuron_monitor_command: Sequence[str] | None = None,
        use_nvml: bool = True,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not interval_s > 0:
            raise ValueError(f"sampling interval must be positive, got {interval_s}")
        self.interval_s = interval_s
        self._process = psutil.Process(pid)
        self._neuron_command = neuron_monitor_command
        self._use_nvml = use_nvml
        self._clock = clock
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._nvml: _Nvml | None = None
        self._neuron: _NeuronMonitorReader | None = None
        self._config_dir: tempfile.TemporaryDirectory[str] | None = None
        self.samples: list[dict[str, float | None]] = []
        self.sources: list[str] = ["psutil"]

    def __enter__(self) -> UtilizationSampler:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def start(self) -> None:
        psutil.cpu_percent(interval=None)  # the first call only sets the reference point
        self._process.cpu_percent(interval=None)
        if self._use_nvml:
            self._nvml = _Nvml()
            if self._nvml.handles:
                self.sources.append("nvml")
        command = self._neuron_command
        if command is None:
            self._config_dir = tempfile.TemporaryDirectory(prefix="neuron-monitor-")
            config = Path(self._config_dir.name) / "monitor.json"
            config.write_text(json.dumps(monitor_config(min(1.0, self.interval_s))))
            command = default_neuron_monitor_command(config)
        if command:
            self._neuron = _NeuronMonitorReader(command)
            self.sources.append("neuron-monitor")
        self._started = self._clock()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._thread is None:
            return
        self._stop.set()
        self._thread.join()
        self._thread = None
        self._sample()  # one last row so short configurations still get one
        if self._neuron is not None:
            self._neuron.close()
            self._sample_neuron_leftover()
        if self._nvml is not None:
            self._nvml.close()
        if self._config_dir is not None:
            self._config_dir.cleanup()

    def _run(self) -> None:
        while not self._stop.wait(self.interval_s):
            self._sample()

    def _sample(self) -> None:
        row: dict[str, float | None] = {
            "t": round(self._clock() - self._started, 4),
            "cpu_percent": psutil.cpu_percent(interval=None),
            "process_cpu_percent": self._process.cpu_percent(interval=None),
            "rss_mb": round(self._process.memory_info().rss / MB, 3),
        }
        if self._nvml is not None:
            row.update(self._nvml.read())
        if self._neuron is not None:
            row.update(self._neuron.take())
        self.samples.append(row)

    def _sample_neuron_leftover(self) -> None:
        assert self._neuron is not None
        leftover = self._neuron.take()
        if leftover and self.samples:
            self.samples[-1].update(leftover)

    @property
    def errors(self) -> list[str]:
        return list(self._neuron.errors) if self._neuron is not None else []

    def summary(self) -> dict[str, dict[str, float]]:
        """Summaries of every metric that was sampled at least once."""
        names = {name for row in self.samples for name in row if name != "t"}
        found = {name: summarize([row.get(name) for row in self.samples]) for name in names}
        return {name: found[name] for name in sorted(found) if found[name] is not None}

    def timeseries(self) -> dict[str, Any]:
        return {
            "schema_version": TIMESERIES_SCHEMA_VERSION,
            "interval_s": self.interval_s,
            "sources": self.sources,
            "errors": self.errors,
            "samples": self.samples,
        }


def timeseries_path(results_path: str | os.PathLike[str], config_id: str) -> tuple[Path, str]:
    """Where a configuration's time series goes: ``(absolute path, path relative to results)``."""
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", config_id):
        raise ValueError(f"config id {config_id!r} is not a safe file name")
    results = Path(results_path)
    relative = f"{results.stem}.timeseries/{config_id}.json"
    return results.parent / relative, relative


def write_timeseries(
    results_path: str | os.PathLike[str], config_id: str, data: dict[str, Any]
) -> str:
    """Write the sidecar atomically (temp file + rename); return its ``timeseries_file`` value."""
    target, relative = timeseries_path(results_path, config_id)
    write_atomic(target, json.dumps(data, indent=1) + "\n")
    return relative
