"""``offline`` (``collect run``'s default): fixed batches back to back on every model copy,
for throughput and per-batch latency (:mod:`collect.offline.measure`)."""

from __future__ import annotations

import argparse
from typing import Any

from collect.backends import Request, get_backend
from collect.engine.config import Config, expand
from collect.engine.mode import BackendSession
from collect.engine.options import SweepOptions
from collect.offline.measure import MeasureOptions, measure_offline


class OfflineSession(BackendSession):
    def measure(self, config: Config) -> dict:
        """Prepare the copies, measure, clean up."""
        options = self.options
        request = Request(config.spec, config.batch_size, config.sequence_length, config.dtype,
                          config.n_models, config.workers_per_model, config.compiled,
                          options.intra_op_threads)
        prepared = self.backend.prepare(request)
        try:
            timing = options.timing
            measured = measure_offline(
                prepared, config.batch_size, config.workers_per_model,
                MeasureOptions(timing.duration_s, timing.warmup_s, timing.timeout_s))
        finally:
            prepared.cleanup()
        return {**measured, "compile_time_s": prepared.compile_time_s, **prepared.extra}


class OfflineMode:
    name = "offline"

    def settings(self, args: argparse.Namespace) -> None:
        return None

    def plan(self, options: SweepOptions) -> list[Config]:
        return expand(options, batch_sizes=options.batch_sizes)

    def open(self, options: SweepOptions, backend: Any = None) -> OfflineSession:
        return OfflineSession(backend or get_backend(options.backend), options)

    def rate_search(self, options: SweepOptions) -> None:
        return None


MODE = OfflineMode()
