"""``poisson`` and ``closed``: on-demand load through the dynamic batcher, one worker thread
per model copy (:mod:`collect.openloop.runner`).

``poisson`` plans one configuration per offered rate; with ``--slo-ms`` it plans one per
group and the engine searches the highest rate meeting the latency SLO
(:mod:`collect.engine.slo`). ``closed`` runs ``--concurrency`` clients in a send-wait loop.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from typing import Any

from collect.backends import Backend, get_backend
from collect.engine.config import Config, expand
from collect.engine.mode import BackendSession, RateSearch
from collect.engine.options import SweepOptions
from collect.engine.schedule import poisson_schedule
from collect.engine.slo import SloResult, slo_met
from collect.errors import CollectError
from collect.openloop.infer import CopyInfers
from collect.openloop.runner import run_closed, run_poisson


@dataclass(frozen=True)
class OpenLoopSettings:
    """The dynamic batcher, and the latency SLO of a rate search (None: measure each rate)."""

    max_batch_size: int = 1
    max_batch_delay_ms: float = 0.0
    slo_ms: float | None = None


def settings_of(options: SweepOptions) -> OpenLoopSettings:
    return options.settings or OpenLoopSettings()


def copies(backend: Backend, config: Config) -> CopyInfers:
    return CopyInfers(backend, config.spec, config.sequence_length, config.dtype,
                      config.compiled, config.n_models)


class PoissonSession(BackendSession):
    def measure(self, config: Config) -> dict:
        """One offered rate through the dynamic batcher (latency from scheduled arrival)."""
        timing = self.options.timing
        try:
            schedule = poisson_schedule(config.offered_rate, timing.duration_s,
                                        seed=self.options.arrival_seed)
        except ValueError as error:
            raise CollectError(f"--rate {config.offered_rate:g}: {error}") from None
        infers = copies(self.backend, config)
        try:
            measured = run_poisson(infers.workers, schedule, config.max_batch_size or 1,
                                   config.max_batch_delay_ms or 0.0,
                                   timing.effective_warmup_s())
        finally:
            infers.cleanup()
        return {**measured, "compile_time_s": infers.compile_time_s}


class ClosedSession(BackendSession):
    def measure(self, config: Config) -> dict:
        """``concurrency`` clients in a send-wait loop for the sweep's duration."""
        timing = self.options.timing
        infers = copies(self.backend, config)
        try:
            measured = run_closed(infers.workers, config.concurrency or 1, timing.duration_s,
                                  config.max_batch_size or 1, config.max_batch_delay_ms or 0.0,
                                  timing.effective_warmup_s())
        finally:
            infers.cleanup()
        return {**measured, "compile_time_s": infers.compile_time_s}


class OpenLoopMode:
    """``poisson`` or ``closed``."""

    def __init__(self, name: str, session: type[BackendSession]) -> None:
        self.name = name
        self._session = session

    def settings(self, args: argparse.Namespace) -> OpenLoopSettings:
        return OpenLoopSettings(args.max_batch_size, args.max_batch_delay_ms, args.slo_ms)

    def plan(self, options: SweepOptions) -> list[Config]:
        settings = settings_of(options)
        if options.workers_per_model != [1]:
            raise CollectError(f"--load {self.name} runs one worker per model copy; leave "
                               "--workers-per-model at 1 (use --n-models for more workers)")
        rates: list[float | None] = [None]
        if self.name == "poisson":
            if not options.rates and settings.slo_ms is None:
                raise CollectError("--load poisson needs --rate or --slo-ms")
            if settings.slo_ms is None:
                rates = list(dict.fromkeys(options.rates or []))
        if self.name == "closed" and not options.concurrency:
            raise CollectError("--load closed needs --concurrency")
        concurrencies = (list(dict.fromkeys(options.concurrency or []))
                         if self.name == "closed" else [None])
        return [config for concurrency in concurrencies
                for config in expand(options, batch_sizes=[1], rates=rates,
                                     concurrency=concurrency,
                                     max_batch_size=settings.max_batch_size,
                                     max_batch_delay_ms=settings.max_batch_delay_ms)]

    def open(self, options: SweepOptions, backend: Any = None) -> BackendSession:
        return self._session(backend or get_backend(options.backend), options)

    def rate_search(self, options: SweepOptions) -> RateSearch | None:
        slo_ms = settings_of(options).slo_ms
        if self.name != "poisson" or slo_ms is None:
            return None
        percentile = options.slo_percentile

        def judge(record: Any) -> bool:
            return slo_met(record, slo_ms, percentile)

        return RateSearch(judge, slo_ms, percentile, search_summary)


def search_summary(config: Config, result: SloResult) -> str:
    return (f"SLO search {config.spec.name} {config.dtype} max_batch={config.max_batch_size}: "
            f"{result.summary()}")


POISSON = OpenLoopMode("poisson", PoissonSession)
CLOSED = OpenLoopMode("closed", ClosedSession)
