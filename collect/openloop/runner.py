"""Open-loop (``poisson``) and closed-loop (``closed``) load runners.

Both drive one or more ``infer(batch_size)`` callables (one worker thread each) in
dynamic batches (collect.openloop.batcher), and return the record fields of the results
schema (CONTRIBUTING.md, "open loop").

Open loop: the arrival times are known before the run, so each worker, when free,
claims the next batch the batching policy forms from them, waits for the instant it
is due and runs it itself (no feeder thread, no queue, no wake-up between threads).
Request latency is measured from the *scheduled* arrival, so neither a late harness
nor a saturated worker can hide queueing (coordinated omission). ``schedule_lag`` is
how late a batch started against an ideal harness (a health figure of the harness
itself), ``queue_wait`` is scheduled arrival to the start of the request's batch.

Closed loop: ``concurrency`` clients each send one request and wait for its
answer before sending the next; latency is measured from the submission.
"""

from __future__ import annotations

import itertools
import math
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from collect.engine.gcpause import gc_paused
from collect.engine.metrics import FLATTEN, Distribution, Summary
from collect.engine.schedule import Schedule
from collect.engine.slo import SUSTAINED_FRACTION
from collect.openloop.batcher import Clock, DynamicBatcher, Request, plan_batch
from perfcore.numbers import PERCENTILES, percentile

InferFn = Callable[[int], None]

GROWTH_LIMIT = 2.0
"""Latency is called growing when the P99 of the last third of requests exceeds this
multiple of the P99 of the first third, and by more than GROWTH_FLOOR_SERVICES median
batch service times."""

GROWTH_FLOOR_SERVICES = 10
"""A fast model's P99 at low load is a few ms of scheduler noise: 2 ms -> 5 ms is a
doubling but no queue. A growing queue adds many service times."""

LEAD_S = 0.005
"""Arrival offsets count from this long after the start is taken, so that the workers,
woken to begin, are waiting before the first arrival."""

DIGITS = 4
"""Decimal places of the recorded milliseconds and rates."""

SPIN_S = 0.001
"""A worker sleeps until this long before a batch is due, then spins: a sleep wakes
60-100 microseconds late on an idle Linux machine (timer slack, wake-up), a spin within
a microsecond."""


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
    workers = _as_workers(infer)
    # Set-up stays out of the measured interval: the schedule is read and the threads
    # built before the start is taken, and the collector is paused (collect.engine.gcpause).
    loop = _OpenLoop(schedule.arrivals_s.tolist(), max_batch_size,
                     max_batch_delay_ms / 1000.0, len(workers), clock)
    if warmup_s > 0:
        for worker in workers:
            warm_up(worker, max_batch_size, warmup_s, clock)
    threads = [threading.Thread(target=loop.serve, args=(worker,), daemon=True)
               for worker in workers]
    with gc_paused() as gc_info:
        for thread in threads:
            thread.start()
        loop.begin(clock() + LEAD_S)
        for thread in threads:
            thread.join()
    if loop.failures:
        raise loop.failures[0]
    requests = loop.requests()
    record = open_loop_metrics(requests, loop.start, schedule.duration_s).record_fields()
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


class _OpenLoop:
    """The schedule the workers dispatch from, without a feeder or a queue.

    A free worker claims the next batch that the batching policy forms from the known
    arrivals (:func:`collect.openloop.batcher.plan_batch`), waits for the instant it closes
    (sleeping until ``SPIN_S`` before, then spinning) and runs it on its own thread. No
    thread hands a request to another: a handoff costs a wake-up (tens to hundreds of
    microseconds, more on a busy machine), which a 1 ms model would read as latency.
    """

    def __init__(self, offsets: list[float], max_batch_size: int, max_batch_delay_s: float,
                 n_workers: int, clock: Clock) -> None:
        if max_batch_size < 1:
            raise ValueError(f"max batch size must be at least 1, got {max_batch_size}")
        if not max_batch_delay_s >= 0:
            raise ValueError(f"max batch delay must be >= 0 ms, got {max_batch_delay_s * 1000}")
        self.offsets = offsets
        self.max_batch_size = max_batch_size
        self.max_batch_delay_s = max_batch_delay_s
        self.n_workers = n_workers
        self.clock = clock
        self.start = math.nan
        self.failures: list[BaseException] = []
        # (head, end, planned, started, done) per batch, absolute times
        self.batches: list[tuple[int, int, float, float, float]] = []
        self._cursor = 0
        self._lock = threading.Lock()
        self._begun = threading.Event()
        self._stop = threading.Event()

    def begin(self, start: float) -> None:
        """Arrival offsets count from ``start``; the workers begin claiming."""
        self.start = start
        self._begun.set()

    def serve(self, infer: InferFn) -> None:
        """One worker: claim a batch, wait until it is due, run it; until none is left.

        The time from the end of a batch to the start of the next queued one is the
        harness's own, and near saturation queueing multiplies it (at rho 0.8 each
        microsecond per batch adds 13 to the M/D/1 mean: dW/dS). So the loops run over
        local names, and a worker alone takes no lock and checks no stop flag (on the
        development VM each of those, and the call of plan_batch, cost 1-2 microseconds
        there: 10 in all against 3-4 without).
        """
        self._begun.wait()
        if self.n_workers == 1:
            self._serve_alone(infer)
        else:
            self._serve_shared(infer)

    def _serve_alone(self, infer: InferFn) -> None:
        clock, start, stop = self.clock, self.start, self._stop
        arrivals, size, delay = self.offsets, self.max_batch_size, self.max_batch_delay_s
        keep = self.batches.append
        head, done = 0, start
        while head < len(arrivals):
            if size == 1:  # plan_batch for batches of one, without the call
                free, arrival = done - start, arrivals[head]
                end, close = head + 1, (free if free > arrival else arrival)
            else:
                end, close = plan_batch(arrivals, head, done - start, size, delay)
            due = start + close
            if due > done:  # not yet due when the model freed up: wait (else go at once)
                _wait_until(due, clock, stop, alone=True)
            began = clock()
            try:
                infer(end - head)
            except BaseException as exc:  # re-raised by run_poisson on its own thread
                self.failures.append(exc)
                return
            done = clock()
            keep((head, end, due, began, done))
            head = end

    def _serve_shared(self, infer: InferFn) -> None:
        clock, start, lock, stop = self.clock, self.start, self._lock, self._stop
        arrivals, size, delay = self.offsets, self.max_batch_size, self.max_batch_delay_s
        keep = self.batches.append
        done = start
        while True:
            with lock:  # claim: the next batch for a model free since ``done``
                head = self._cursor
                if head == len(arrivals) or stop.is_set():
                    return
                end, close = plan_batch(arrivals, head, done - start, size, delay)
                self._cursor = end
            due = start + close
            if due > done and _wait_until(due, clock, stop, alone=False):
                return
            began = clock()
            try:
                infer(end - head)
            except BaseException as exc:  # re-raised by run_poisson on its own thread
                self.failures.append(exc)
                stop.set()
                return
            done = clock()
            keep((head, end, due, began, done))

    def requests(self) -> list[Request]:
        """Every request with its absolute times (unserved ones keep NaN)."""
        requests = [Request(index, self.start + offset)
                    for index, offset in enumerate(self.offsets)]
        for batch_id, (head, end, planned, started, done) in enumerate(
                sorted(self.batches, key=lambda batch: batch[0])):
            for request in requests[head:end]:
                request.planned = planned
                request.started = started
                request.done = done
                request.batch_size = end - head
                request.batch_id = batch_id
        return requests


def _wait_until(deadline: float, clock: Clock, stop: threading.Event, alone: bool) -> bool:
    """Return at ``deadline``; True when stopped meanwhile.

    Sleeps until ``SPIN_S`` before, then spins. A spin holds the GIL: a worker ``alone``
    spins on the clock, but beside other workers, whose models return into Python and
    would wait for the GIL (up to the 5 ms switch interval), it spins on ``sleep(0)``,
    which lets them take it (a wake-up, some tens of microseconds, of precision lost).
    """
    remaining = deadline - clock()
    if remaining > SPIN_S and stop.wait(remaining - SPIN_S):
        return True
    if alone:
        while clock() < deadline:
            pass
    else:
        while clock() < deadline:
            time.sleep(0)
    return False


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
    record = open_loop_metrics(requests, start, 0.0).record_fields()
    record.update(
        gc=gc_info,
        mode="closed",
        offered_rate=None,
        concurrency=concurrency,
        max_batch_size=max_batch_size,
        max_batch_delay_ms=max_batch_delay_ms,
        warmup_s=warmup_s,
    )  # no schedule: the closed loop plans nothing, so its schedule lag fields are None
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


@dataclass(frozen=True)
class BatchLatency(Summary):
    """Per-batch inference time (the schema's ``latency_ms_*``: per batch)."""

    latency_ms: Distribution
    latency_ms_mean: float
    latency_ms_min: float
    latency_ms_max: float
    latency_ms_std: float


@dataclass(frozen=True)
class OpenLoopMetrics(Summary):
    """What one open- or closed-loop run measured; :meth:`record_fields` are the record's
    fields (no ``latency_ms_*`` at all when no batch finished)."""

    status: str
    reason: str | None
    duration_s: float
    n_requests: int
    n_inferences: int
    n_batches: int
    achieved_rate: float | None
    request_latency_ms: Distribution
    request_latency_ms_mean: float | None
    request_latency_ms_max: float | None
    queue_wait_ms: Distribution
    schedule_lag_ms: Distribution
    schedule_lag_ms_mean: float | None
    batch_size_histogram: dict[str, int]
    batch_latency: BatchLatency | None = field(metadata=FLATTEN)
    throughput_windows: list[int]
    latency_windows_ms: list[float | None]


def open_loop_metrics(requests: list[Request], start: float, min_span: float) -> OpenLoopMetrics:
    """The measurement from the requests' timestamps.

    The achieved rate divides completions by the time from the start to the last
    completion, and at least by the schedule's length (``min_span``).
    """
    done = [r for r in requests if r.done == r.done]  # NaN != NaN: skip unfinished ones
    scheduled = np.array([r.scheduled for r in done])
    finished = np.array([r.done for r in done])
    began = np.array([r.started for r in done])
    lag_ms = np.array([r.started - r.planned for r in done]) * 1000.0
    lag_ms = lag_ms[np.isfinite(lag_ms)]  # the closed loop plans nothing
    span = max(min_span, float(finished.max() - start)) if done else 0.0
    batches = {r.batch_id: (r.started, r.done, r.batch_size) for r in done}
    histogram = Counter(size for _, _, size in batches.values())
    latency_ms = (finished - scheduled) * 1000.0
    throughput, latency_windows = _windows(finished - start, latency_ms, span)
    return OpenLoopMetrics(
        status="ok", reason=None, duration_s=round(span, 6), n_requests=len(requests),
        n_inferences=len(done), n_batches=len(batches),
        achieved_rate=round(len(done) / span, DIGITS) if span > 0 else None,
        request_latency_ms=_percentiles(latency_ms, PERCENTILES),
        request_latency_ms_mean=round(float(latency_ms.mean()), DIGITS) if done else None,
        request_latency_ms_max=round(float(latency_ms.max()), DIGITS) if done else None,
        queue_wait_ms=_percentiles((began - scheduled) * 1000.0, (50, 99)),
        schedule_lag_ms=_percentiles(lag_ms, (50, 99)),
        schedule_lag_ms_mean=round(float(lag_ms.mean()), DIGITS) if lag_ms.size else None,
        batch_size_histogram={str(size): histogram[size] for size in sorted(histogram)},
        batch_latency=_batch_latency(np.array(
            [(end - begin) * 1000.0 for begin, end, _ in batches.values()])),
        throughput_windows=throughput, latency_windows_ms=latency_windows,
    )


def _percentiles(values_ms: np.ndarray, points: tuple[int, ...]) -> Distribution:
    return Distribution.of(values_ms, points, digits=DIGITS)


def _batch_latency(batch_ms: np.ndarray) -> BatchLatency | None:
    if batch_ms.size == 0:
        return None
    return BatchLatency(
        _percentiles(batch_ms, PERCENTILES),
        latency_ms_mean=round(float(batch_ms.mean()), DIGITS),
        latency_ms_min=round(float(batch_ms.min()), DIGITS),
        latency_ms_max=round(float(batch_ms.max()), DIGITS),
        latency_ms_std=round(float(batch_ms.std()), DIGITS),
    )


def _windows(finish_offsets: np.ndarray, latency_ms: np.ndarray,
             span: float) -> tuple[list[int], list[float | None]]:
    """Completions per 1-second window, and the median latency of each window."""
    n_windows = int(span)  # full windows only
    if n_windows < 1:
        return [], []
    which = np.floor(finish_offsets).astype(int)
    throughput, latency = [], []
    for window in range(n_windows):
        inside = latency_ms[which == window]
        throughput.append(int(inside.size))
        latency.append(round(float(np.median(inside)), DIGITS) if inside.size else None)
    return throughput, latency


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
