"""Open-loop (``poisson``) and closed-loop (``closed``) load runners.

Both drive an ``infer(batch_size)`` callable through a :class:`DynamicBatcher`
served by one or more worker threads, and return the record fields of the
results schema (CONTRIBUTING.md, "open loop").

Open loop: a feeder submits each request at its precomputed arrival time.
Request latency is measured from the *scheduled* arrival, not from when the
feeder managed to submit it, so neither a late feeder nor a saturated worker can
hide queueing (coordinated omission). ``schedule_lag`` is how late the feeder
submitted (a health figure of the harness itself), ``queue_wait`` is scheduled
arrival to the start of the request's batch.

Closed loop: ``concurrency`` clients each send one request and wait for its
answer before sending the next; latency is measured from the submission.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from collect.engine.gcpause import gc_paused
from collect.engine.schedule import Schedule
from collect.engine.slo import SUSTAINED_FRACTION
from collect.openloop.batcher import Clock, DynamicBatcher, Request
from perfcore.numbers import PERCENTILES, percentile, percentile_fields

InferFn = Callable[[int], None]

GROWTH_LIMIT = 2.0
"""Latency is called growing when the P99 of the last third of requests exceeds this
multiple of the P99 of the first third, and by more than GROWTH_FLOOR_SERVICES median
batch service times."""

GROWTH_FLOOR_SERVICES = 10
"""A fast model's P99 at low load is a few ms of scheduler noise: 2 ms -> 5 ms is a
doubling but no queue. A growing queue adds many service times."""

LEAD_S = 0.002
"""The first arrival is this long after the start is taken, so that it is not already late."""


def warm_up(infer: InferFn, max_batch_size: int, seconds: float, clock: Clock) -> None:
    """Run every batch size the batcher can form (1..``max_batch_size``) once, so that a
    backend that prepares (compiles, traces) a shape on first use does it now and not
    inside the measured run; then sizes 1 and ``max_batch_size`` in turn until ``seconds``
    have passed (all discarded)."""
    end = clock() + seconds
    for size in range(1, max_batch_size + 1):
        infer(size)
    sizes = sorted({1, max_batch_size})
    while clock() < end:
        for size in sizes:
            infer(size)


def run_poisson(
    infer: InferFn | Sequence[InferFn],
    schedule: Schedule,
    max_batch_size: int = 1,
    max_batch_delay_ms: float = 0.0,
    warmup_s: float = 0.0,
    clock: Clock = time.perf_counter,
) -> dict[str, Any]:
    """Offer ``schedule`` to the workers (one per ``infer`` callable) and measure."""
    # Set-up stays out of the measured interval: the requests are built (with arrival
    # offsets) before the start is taken, and the collector is paused (collect.engine.gcpause).
    requests = [Request(i, float(offset)) for i, offset in enumerate(schedule.arrivals_s)]
    service = _start_service(infer, max_batch_size, max_batch_delay_ms, warmup_s, clock)
    with gc_paused() as gc_info:
        start = clock() + LEAD_S
        _feed(requests, start, service, clock)
        service.finish()
    record = _summarise(requests, start, schedule.duration_s)
    record.update(
        gc=gc_info,
        mode="poisson",
        offered_rate=schedule.rate,
        concurrency=None,
        max_batch_size=max_batch_size,
        max_batch_delay_ms=max_batch_delay_ms,
        warmup_s=warmup_s,
        arrival_schedule={"kind": schedule.kind, "seed": schedule.seed, "n": len(schedule)},
    )
    _add_stability(record, requests, schedule.offered_rate)
    return record


def _feed(requests: list[Request], start: float, service: _Service, clock: Clock) -> None:
    """Submit each request at ``start`` + its offset (``scheduled`` becomes absolute)."""
    for request in requests:
        request.scheduled += start
    for request in requests:
        _sleep_until(request.scheduled, clock)
        if service.stop.is_set():
            return
        service.batcher.submit(request)


def run_closed(
    infer: InferFn | Sequence[InferFn],
    concurrency: int,
    duration_s: float,
    max_batch_size: int = 1,
    max_batch_delay_ms: float = 0.0,
    warmup_s: float = 0.0,
    clock: Clock = time.perf_counter,
) -> dict[str, Any]:
    """``concurrency`` clients in a send-wait loop for ``duration_s`` seconds."""
    if concurrency < 1:
        raise ValueError(f"concurrency must be at least 1, got {concurrency}")
    if not duration_s > 0:
        raise ValueError(f"duration must be positive, got {duration_s}")
    service = _start_service(infer, max_batch_size, max_batch_delay_ms, warmup_s, clock)
    per_client: list[list[Request]] = [[] for _ in range(concurrency)]
    with gc_paused() as gc_info:
        start = clock()
        end = start + duration_s
        clients = [
            threading.Thread(target=_client,
                             args=(service.batcher, mine, end, clock, service.stop),
                             daemon=True)
            for mine in per_client
        ]
        for client in clients:
            client.start()
        for client in clients:
            client.join()
        service.finish()
    requests = sorted((r for mine in per_client for r in mine), key=lambda r: r.scheduled)
    for index, request in enumerate(requests):
        request.index = index
    record = _summarise(requests, start, 0.0)
    record.update(
        gc=gc_info,
        mode="closed",
        offered_rate=None,
        concurrency=concurrency,
        max_batch_size=max_batch_size,
        max_batch_delay_ms=max_batch_delay_ms,
        warmup_s=warmup_s,
        schedule_lag_ms_p50=None,
        schedule_lag_ms_p99=None,
    )
    _add_stability(record, requests, None)
    return record


@dataclass
class _Service:
    """The dynamic batcher and its worker threads, warmed up and serving."""

    batcher: DynamicBatcher
    stop: threading.Event
    failures: list[BaseException]
    threads: list[threading.Thread]

    def finish(self) -> None:
        """Close the queue, wait for the workers, and re-raise the first model error."""
        self.batcher.close()
        for thread in self.threads:
            thread.join()
        if self.failures:
            raise self.failures[0]


def _start_service(infer: InferFn | Sequence[InferFn], max_batch_size: int,
                   max_batch_delay_ms: float, warmup_s: float, clock: Clock) -> _Service:
    workers = _as_workers(infer)
    batcher = DynamicBatcher(max_batch_size, max_batch_delay_ms, clock)
    if warmup_s > 0:
        for worker in workers:
            warm_up(worker, max_batch_size, warmup_s, clock)
    failures: list[BaseException] = []
    stop = threading.Event()
    return _Service(batcher, stop, failures,
                    _start_workers(workers, batcher, clock, failures, stop))


def _as_workers(infer: InferFn | Sequence[InferFn]) -> list[InferFn]:
    workers = [infer] if callable(infer) else list(infer)
    if not workers:
        raise ValueError("at least one infer callable is needed")
    return workers


def _start_workers(
    workers: list[InferFn],
    batcher: DynamicBatcher,
    clock: Clock,
    failures: list[BaseException],
    stop: threading.Event,
) -> list[threading.Thread]:
    batch_ids = itertools.count()  # shared by the workers; next() is atomic
    threads = [
        threading.Thread(
            target=_serve, args=(infer, batcher, clock, failures, stop, batch_ids), daemon=True
        )
        for infer in workers
    ]
    for thread in threads:
        thread.start()
    return threads


def _serve(
    infer: InferFn,
    batcher: DynamicBatcher,
    clock: Clock,
    failures: list[BaseException],
    stop: threading.Event,
    batch_ids: itertools.count,
) -> None:
    while (batch := batcher.next_batch()) is not None:
        if stop.is_set():
            _release(batch)
            continue
        started = clock()
        try:
            infer(len(batch))
        except BaseException as exc:  # recorded and re-raised by the runner's thread
            failures.append(exc)
            stop.set()
            _release(batch)
            continue
        done = clock()
        batch_id = next(batch_ids)
        for request in batch:
            request.started = started
            request.done = done
            request.batch_size = len(batch)
            request.batch_id = batch_id
        _release(batch)


def _release(batch: list[Request]) -> None:
    for request in batch:
        if request.done_event is not None:
            request.done_event.set()


def _client(
    batcher: DynamicBatcher,
    mine: list[Request],
    end: float,
    clock: Clock,
    stop: threading.Event,
) -> None:
    while not stop.is_set() and (now := clock()) < end:
        request = Request(len(mine), now, done_event=threading.Event())
        batcher.submit(request)
        request.done_event.wait()
        mine.append(request)


def _sleep_until(deadline: float, clock: Clock) -> None:
    remaining = deadline - clock()
    if remaining > 0:
        time.sleep(remaining)


def _summarise(requests: list[Request], start: float, min_span: float) -> dict[str, Any]:
    """Record fields from the requests' timestamps.

    The achieved rate divides completions by the time from the start to the last
    completion, and at least by the schedule's length (``min_span``).
    """
    done = [r for r in requests if r.done == r.done]  # NaN != NaN: skip unfinished ones
    scheduled = np.array([r.scheduled for r in done])
    finished = np.array([r.done for r in done])
    began = np.array([r.started for r in done])
    enqueued = np.array([r.enqueued for r in done])
    span = max(min_span, float(finished.max() - start)) if done else 0.0
    batches = {r.batch_id: (r.started, r.done, r.batch_size) for r in done}
    batch_ms = np.array([(end - begin) * 1000.0 for begin, end, _ in batches.values()])
    histogram = Counter(size for _, _, size in batches.values())
    latency_ms = (finished - scheduled) * 1000.0
    record: dict[str, Any] = {
        "status": "ok",
        "reason": None,
        "duration_s": round(span, 6),
        "n_requests": len(requests),
        "n_inferences": len(done),
        "n_batches": len(batches),
        "achieved_rate": round(len(done) / span, 4) if span > 0 else None,
        **percentile_fields(latency_ms, "request_latency_ms", PERCENTILES),
        "request_latency_ms_mean": round(float(latency_ms.mean()), 4) if done else None,
        "request_latency_ms_max": round(float(latency_ms.max()), 4) if done else None,
        **_p50_p99((began - scheduled) * 1000.0, "queue_wait_ms"),
        **_p50_p99((enqueued - scheduled) * 1000.0, "schedule_lag_ms"),
        "batch_size_histogram": {str(size): histogram[size] for size in sorted(histogram)},
        **_batch_latency(batch_ms),
        **_windows(finished - start, latency_ms, span),
    }
    return record


def _p50_p99(values_ms: np.ndarray, prefix: str) -> dict[str, float | None]:
    every = percentile_fields(values_ms, prefix, PERCENTILES)
    return {key: every[key] for key in (f"{prefix}_p50", f"{prefix}_p99")}


def _batch_latency(batch_ms: np.ndarray) -> dict[str, float | None]:
    """Per-batch inference time (the schema's ``latency_ms_*``: per batch)."""
    if batch_ms.size == 0:
        return {}
    return {
        **percentile_fields(batch_ms, "latency_ms", PERCENTILES),
        "latency_ms_mean": round(float(batch_ms.mean()), 4),
        "latency_ms_min": round(float(batch_ms.min()), 4),
        "latency_ms_max": round(float(batch_ms.max()), 4),
        "latency_ms_std": round(float(batch_ms.std()), 4),
    }


def _windows(finish_offsets: np.ndarray, latency_ms: np.ndarray, span: float) -> dict[str, list]:
    """Completions per 1-second window, and the median latency of each window."""
    n_windows = int(span)  # full windows only
    if n_windows < 1:
        return {"throughput_windows": [], "latency_windows_ms": []}
    which = np.floor(finish_offsets).astype(int)
    throughput, latency = [], []
    for window in range(n_windows):
        inside = latency_ms[which == window]
        throughput.append(int(inside.size))
        latency.append(round(float(np.median(inside)), 4) if inside.size else None)
    return {"throughput_windows": throughput, "latency_windows_ms": latency}


def thirds_p99(requests_latency_ms: np.ndarray) -> tuple[float, float] | None:
    """P99 latency of the first and of the last third of requests (arrival order)."""
    third = requests_latency_ms.size // 3
    if third < 1:
        return None
    first = percentile(requests_latency_ms[:third].tolist(), 99)
    last = percentile(requests_latency_ms[-third:].tolist(), 99)
    return first, last


def _add_stability(record: dict[str, Any], requests: list[Request], offered: float | None) -> None:
    done = [r for r in requests if r.done == r.done]
    latency_ms = np.array([(r.done - r.scheduled) * 1000.0 for r in done])
    thirds = thirds_p99(latency_ms)
    growth = thirds[1] / thirds[0] if thirds and thirds[0] > 0 else None
    ratio = None
    if offered and record["achieved_rate"] is not None:
        ratio = record["achieved_rate"] / offered
    record["stability"] = {
        "achieved_over_offered": None if ratio is None else round(ratio, 4),
        "p99_growth": None if growth is None else round(growth, 3),
        "p99_first_third_ms": None if thirds is None else round(thirds[0], 4),
        "p99_last_third_ms": None if thirds is None else round(thirds[1], 4),
    }
    sustained = ratio is None or ratio >= SUSTAINED_FRACTION
    floor_ms = GROWTH_FLOOR_SERVICES * (record.get("latency_ms_p50") or 0.0)
    growing = growth is not None and growth > GROWTH_LIMIT and thirds[1] - thirds[0] > floor_ms
    record["stable"] = bool(sustained and not growing)
