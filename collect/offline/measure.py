"""Offline (closed-loop, fixed batch) measurement of one configuration.

Every worker thread runs its copy's step back to back and logs ``(start, end,
tokenize_s)`` per batch. The timeline:

1. warm-up (discarded): at least ``warmup_s`` seconds *and* at least
   ``MIN_WARMUP_BATCHES`` batches from every worker;
2. measurement: ``duration_s`` seconds of wall clock. The latency percentiles (and
   ``n_batches``, ``n_inferences``) use the batches that *complete* inside the window;
   ``throughput_avg`` counts every inference of the window, each batch by the share of it
   that ran inside (as the throughput windows do), so a batch longer than a window does
   not make the average one batch off. When fewer than
   ``MIN_MEASURED_BATCHES`` complete in ``duration_s`` (a batch longer than the
   duration), the window is extended until they have, and ``duration_s`` records the
   actual window;
3. the workers are told to stop and finish their current batch.

Python's garbage collector is collected and frozen before the workers start, disabled
until they have stopped, and collected after (:mod:`collect.engine.gcpause`; the record's
``gc`` field).

Throughput windows are 1 s, unless a batch takes longer than a quarter second: then
they grow to four median batch times of the warm-up's later half (rounded up to 0.1 s)
so that each window holds several batches (recorded as ``window_s``).
"""

from __future__ import annotations

import contextlib
import math
import os
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from collect.backends.base import Prepared, Step
from collect.engine.gcpause import gc_paused
from collect.engine.metrics import Summary
from collect.engine.options import Timing
from collect.errors import MeasureTimeout
from perfcore.numbers import percentile
from perfcore.stats import inferences_between, latency_summary, stability, window_throughputs

MIN_WARMUP_BATCHES = 2
MIN_MEASURED_BATCHES = 3
POLL_S = 0.005


@dataclass(frozen=True)
class MeasureOptions(Timing):
    """The sweep's timing, and how many batches every worker runs before measuring."""

    min_warmup_batches: int = MIN_WARMUP_BATCHES


@dataclass
class _Shared:
    stop: threading.Event = field(default_factory=threading.Event)
    errors: list[BaseException] = field(default_factory=list)


def _pin(cores: set[int] | None) -> None:
    if cores and hasattr(os, "sched_setaffinity"):
        # Pinning is best effort (restricted containers refuse it).
        with contextlib.suppress(OSError):
            os.sched_setaffinity(threading.get_native_id(), cores)


def _worker(step: Step, cores: set[int] | None, log: list, shared: _Shared,
            barrier: threading.Barrier) -> None:
    _pin(cores)
    clock = time.perf_counter
    append = log.append
    stopped = shared.stop.is_set
    try:
        barrier.wait()
        while not stopped():
            began = clock()
            tokenize_s = step()
            append((began, clock(), tokenize_s))
    except BaseException as error:  # recorded as the configuration's failure
        shared.errors.append(error)
        shared.stop.set()


def window_seconds(warmup_latencies_s: list[float]) -> float:
    if not warmup_latencies_s:
        return 1.0
    typical = percentile(warmup_latencies_s, 50)
    if typical <= 0.25:
        return 1.0
    return math.ceil(4 * typical * 10) / 10


def _wait_until(moment: float, shared: _Shared) -> None:
    while not shared.errors:
        left = moment - time.perf_counter()
        if left <= 0:
            return
        time.sleep(min(left, 0.05))


def _warm_up(logs: list[list], shared: _Shared, options: MeasureOptions,
             deadline: float) -> None:
    began = time.perf_counter()
    min_s = options.effective_warmup_s()
    while not shared.errors:
        now = time.perf_counter()
        if now - began >= min_s and all(len(log) >= options.min_warmup_batches for log in logs):
            return
        if now > deadline:
            raise MeasureTimeout("warm-up did not finish before the timeout")
        time.sleep(POLL_S)


def _completed_since(logs: list[list], moment: float) -> int:
    return sum(1 for log in logs for entry in log[-MIN_MEASURED_BATCHES:] if entry[1] >= moment)


def _extend(logs: list[list], shared: _Shared, measure_start: float, measure_end: float,
            deadline: float) -> float:
    """Wait until at least MIN_MEASURED_BATCHES completed in the window; the new end."""
    if _completed_since(logs, measure_start) >= MIN_MEASURED_BATCHES:
        return measure_end
    while not shared.errors and _completed_since(logs, measure_start) < MIN_MEASURED_BATCHES:
        if time.perf_counter() > deadline:
            raise MeasureTimeout("too few batches completed before the timeout")
        time.sleep(POLL_S)
    return time.perf_counter()


def measure_offline(prepared: Prepared, batch_size: int, workers_per_model: int,
                    options: MeasureOptions) -> dict:
    """Run the copies of ``prepared`` with ``workers_per_model`` threads each and
    return the offline measurement fields of a results record."""
    with gc_paused() as gc_info:
        logs, measure_start, measure_end, warmup_s = _run_workers(
            prepared, workers_per_model, options)
    entries = [entry for log in logs for entry in log]
    measured = offline_metrics(entries, batch_size, measure_start, measure_end, warmup_s)
    return {**measured.record_fields(), "gc": gc_info}


def _run_workers(prepared: Prepared, workers_per_model: int,
                 options: MeasureOptions) -> tuple[list[list], float, float, float]:
    """Warm up and measure; the workers' logs, the interval and the warm-up seconds."""
    shared = _Shared()
    n_workers = len(prepared.steps) * workers_per_model
    barrier = threading.Barrier(n_workers + 1)
    logs: list[list] = [[] for _ in range(n_workers)]
    threads = []
    for index in range(n_workers):
        copy_index = index // workers_per_model
        cores = prepared.core_sets[copy_index] if prepared.core_sets else None
        thread = threading.Thread(
            target=_worker,
            args=(prepared.steps[copy_index], cores, logs[index], shared, barrier),
            name=f"collect-copy{copy_index}-worker{index % workers_per_model}",
            daemon=True,
        )
        thread.start()
        threads.append(thread)
    barrier.wait()
    started = time.perf_counter()
    deadline = started + options.timeout_s
    try:
        _warm_up(logs, shared, options, deadline)
        measure_start = time.perf_counter()
        warmup_s = measure_start - started
        measure_end = measure_start + options.duration_s
        _wait_until(measure_end, shared)
        measure_end = _extend(logs, shared, measure_start, measure_end, deadline)
    finally:
        shared.stop.set()
    for thread in threads:
        thread.join(max(0.0, deadline - time.perf_counter()))
    if shared.errors:
        raise shared.errors[0]
    if any(thread.is_alive() for thread in threads):
        raise MeasureTimeout(f"a batch was still running {options.timeout_s:g} s after the start")
    return logs, measure_start, measure_end, warmup_s


@dataclass(frozen=True)
class OfflineMetrics(Summary):
    """What one offline configuration measured; :meth:`record_fields` are the record's fields.
    The latency and stability fields are :func:`perfcore.stats.latency_summary`'s and
    :func:`perfcore.stats.stability`'s."""

    duration_s: float
    warmup_s: float
    window_s: float
    n_batches: int
    n_inferences: int
    throughput_avg: float | None
    throughput_peak: float | None
    throughput_windows: list[float]
    latency_ms_p50: float | None
    latency_ms_p90: float | None
    latency_ms_p95: float | None
    latency_ms_p99: float | None
    latency_ms_mean: float | None
    latency_ms_std: float | None
    latency_ms_min: float | None
    latency_ms_max: float | None
    stable: bool
    stability: dict[str, Any]
    tokenize_ms_p50: float | None
    tokenize_ms_mean: float | None


def offline_metrics(entries: list[tuple[float, float, float]], batch_size: int,
                    measure_start: float, measure_end: float,
                    warmup_s: float) -> OfflineMetrics:
    """The measurement from the per-batch log of all workers."""
    # The window width comes from the later half of the warm-up: the first batches of a
    # new shape are slow (allocation, caches) and would make the windows too wide.
    warmup = sorted((end, end - start) for start, end, _ in entries if end < measure_start)
    window_s = window_seconds([latency for _, latency in warmup[len(warmup) // 2:]])
    duration = measure_end - measure_start
    inside = [(start, end, tok) for start, end, tok in entries
              if measure_start <= end < measure_end]
    spans = [(start, end) for start, end, _ in entries]
    windows = [round(value, 6) for value in window_throughputs(
        spans, batch_size, measure_start, measure_end, window_s)]
    done = inferences_between(spans, batch_size, measure_start, measure_end)
    tokenize_p50, tokenize_mean = _tokenize_ms([tok * 1000 for _, _, tok in inside])
    return OfflineMetrics(
        duration_s=round(duration, 6), warmup_s=round(warmup_s, 6), window_s=window_s,
        n_batches=len(inside), n_inferences=len(inside) * batch_size,
        throughput_avg=done / duration if duration > 0 else None,
        throughput_peak=max(windows) if windows else None, throughput_windows=windows,
        **latency_summary([(end - start) * 1000 for start, end, _ in inside]),
        **stability(windows),
        tokenize_ms_p50=tokenize_p50, tokenize_ms_mean=tokenize_mean,
    )


def _tokenize_ms(tokenize_ms: list[float]) -> tuple[float | None, float | None]:
    """The median and mean tokenization time; None when no batch tokenized."""
    if not any(tokenize_ms):
        return None, None
    return percentile(tokenize_ms, 50), sum(tokenize_ms) / len(tokenize_ms)
