"""Adapter for runners that choose the batch size per call (open-loop load with a
dynamic batcher): ``make_infer(...)(batch_size)`` runs one batch of that size."""

from __future__ import annotations

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
