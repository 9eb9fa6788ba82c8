"""Dynamic batcher: groups queued requests into batches for a model worker.

A batch is dispatched when it holds ``max_batch_size`` requests, or when the
oldest request in it has waited ``max_batch_delay_ms`` since it was enqueued,
whichever comes first (the policy of Triton's and TorchServe's dynamic
batchers). A worker that was busy for longer than the delay takes what is
already queued, up to the maximum, without waiting further.
"""

from __future__ import annotations

import math
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

Clock = Callable[[], float]


@dataclass(slots=True)
class Request:
    """One request and its timestamps (seconds on the runner's clock)."""

    index: int
    scheduled: float
    enqueued: float = math.nan
    started: float = math.nan
    done: float = math.nan
    batch_size: int = 0
    batch_id: int = -1
    done_event: threading.Event | None = None


_CLOSED = object()


class DynamicBatcher:
    """Thread-safe request queue that hands out dynamic batches."""

    def __init__(
        self,
        max_batch_size: int,
        max_batch_delay_ms: float,
        clock: Clock = time.perf_counter,
    ) -> None:
        if max_batch_size < 1:
            raise ValueError(f"max batch size must be at least 1, got {max_batch_size}")
        if not max_batch_delay_ms >= 0:
            raise ValueError(f"max batch delay must be >= 0 ms, got {max_batch_delay_ms}")
        self.max_batch_size = max_batch_size
        self.max_batch_delay_s = max_batch_delay_ms / 1000.0
        self._clock = clock
        self._queue: queue.SimpleQueue[object] = queue.SimpleQueue()
        self._closed = threading.Event()

    def submit(self, request: Request) -> None:
        """Enqueue a request, stamping its enqueue time."""
        request.enqueued = self._clock()
        self._queue.put(request)

    def close(self) -> None:
        """No more requests: workers get the queued ones, then ``None``."""
        self._queue.put(_CLOSED)

    def next_batch(self) -> list[Request] | None:
        """Block for the next batch; ``None`` once closed and drained."""
        first = self._take(timeout=None)
        if first is None:
            return None
        batch = [first]
        deadline = first.enqueued + self.max_batch_delay_s
        while len(batch) < self.max_batch_size:
            request = self._take(timeout=deadline - self._clock())
            if request is None:
                break
            batch.append(request)
        return batch

    def _take(self, timeout: float | None) -> Request | None:
        """One request, or ``None`` on timeout or close (``timeout <= 0``: only if queued)."""
        if self._closed.is_set() and timeout is None:
            timeout = 0.0
        try:
            if timeout is None:
                item = self._queue.get()
            elif timeout <= 0:
                item = self._queue.get_nowait()
            else:
                item = self._queue.get(timeout=timeout)
        except queue.Empty:
            return None
        if item is _CLOSED:
            # Put it back so every other worker sees it too.
            self._closed.set()
            self._queue.put(_CLOSED)
            return None
        assert isinstance(item, Request)
        return item
