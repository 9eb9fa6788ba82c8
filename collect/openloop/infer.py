"""Adapter for runners that choose the batch size per call (open-loop load with a
dynamic batcher): ``make_infer(...)(batch_size)`` runs one batch of that size."""

from __future__ import annotations

import threading
from collections.abc import Callable

from collect.backends.base import Backend, Prepared, Request
from collect.models import ModelSpec


def make_infer(backend: Backend, spec: ModelSpec, sequence_length: int | None, dtype: str,
               compiled: bool = False, copy_index: int = 0,
               n_models: int = 1) -> Callable[[int], None]:
    """``infer(batch_size)`` running copy ``copy_index``; each batch size is prepared
    (built, compiled or traced) the first time it is asked for, then reused."""
    prepared: dict[int, Prepared] = {}

    def infer(batch_size: int) -> None:
        if batch_size not in prepared:
            request = Request(spec, batch_size, sequence_length, dtype, n_models, 1, compiled)
            prepared[batch_size] = backend.prepare(request)
        prepared[batch_size].steps[copy_index]()

    return infer


class CopyInfers:
    """One ``infer(batch_size)`` callable per model copy, for the open-loop workers.

    The copies of a batch size are prepared together, once, by whichever worker asks
    first (the others wait); :meth:`cleanup` releases every prepared batch size.
    """

    def __init__(self, backend: Backend, spec: ModelSpec, sequence_length: int | None,
                 dtype: str, compiled: bool = False, n_models: int = 1) -> None:
        self._backend, self._spec = backend, spec
        self._sequence_length, self._dtype = sequence_length, dtype
        self._compiled, self._n_models = compiled, n_models
        self._prepared: dict[int, Prepared] = {}
        self._lock = threading.Lock()
        self.workers = [self._worker(index) for index in range(n_models)]

    def _copies(self, batch_size: int) -> Prepared:
        with self._lock:
            if batch_size not in self._prepared:
                request = Request(self._spec, batch_size, self._sequence_length, self._dtype,
                                  self._n_models, 1, self._compiled)
                self._prepared[batch_size] = self._backend.prepare(request)
            return self._prepared[batch_size]

    def _worker(self, index: int) -> Callable[[int], None]:
        def infer(batch_size: int) -> None:
            self._copies(batch_size).steps[index]()

        return infer

    @property
    def compile_time_s(self) -> float | None:
        times = [p.compile_time_s for p in self._prepared.values() if p.compile_time_s]
        return round(sum(times), 6) if times else None

    def cleanup(self) -> None:
        for prepared in self._prepared.values():
            prepared.cleanup()
        self._prepared.clear()
