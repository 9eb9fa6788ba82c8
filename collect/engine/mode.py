"""What a measurement mode gives the sweep engine (:mod:`collect.engine.sweep`).

A mode plans its configurations from the sweep's options and opens a session that measures
one configuration at a time; the engine does the rest once for every mode: resume, the
to-do list, progress, utilisation sampling, out-of-memory skipping, failures as records,
appending, and the rate search (:mod:`collect.engine.slo`) when the mode asks for one.
``collect.run.modes`` lists the modes ``collect run`` knows.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from collect.backends import Backend
from collect.engine.options import SweepOptions
from collect.engine.outcome import Configuration
from collect.engine.slo import SloResult


class Session(Protocol):
    """The measuring side of a mode for one sweep (a backend, a loaded model, a server)."""

    def measure(self, config: Any) -> dict:
        """Measure one configuration: its record fields. An exception is the configuration's
        failure (classified by :func:`collect.engine.outcome.classify`); a ``status`` and
        ``reason`` in the fields say how it ended when it ran but not well."""

    def details(self, config: Any) -> dict:
        """Fields every record of ``config`` carries, measured or not (e.g. the endpoint)."""

    def close(self) -> None:
        """Release what the session holds (models, prepared copies)."""


class BackendSession:
    """A session of a mode that runs models on a backend (offline, open loop, generation):
    the backend and the sweep's options; the mode adds ``measure``."""

    def __init__(self, backend: Backend, options: SweepOptions) -> None:
        self.backend, self.options = backend, options

    def details(self, config: Any) -> dict:
        return {}

    def close(self) -> None:
        return None


@dataclass(frozen=True)
class RateSearch:
    """A search for the highest rate meeting a target, one per planned configuration.

    ``judge`` decides whether a record meets it; ``slo_ms`` (a latency SLO, or None for
    another target) and ``percentile`` are recorded with each measured rate; ``summary``
    says the result in one line on stdout."""

    judge: Callable[[Mapping[str, Any]], bool]
    slo_ms: float | None
    percentile: int
    summary: Callable[[Any, SloResult], str]


class Mode(Protocol):
    name: str

    def settings(self, args: argparse.Namespace) -> Any:
        """The mode's own options (:attr:`SweepOptions.settings`) from ``collect run``'s
        checked arguments (a campaign job's too), or None."""

    def plan(self, options: SweepOptions) -> list[Configuration]:
        """Every configuration of the sweep, in order (a rate search: one per search, without
        a rate); raises :class:`collect.errors.CollectError` for options the mode cannot
        honour."""

    def open(self, options: SweepOptions, backend: Any = None) -> Session:
        """A session measuring this sweep; ``backend`` overrides ``options.backend``."""

    def rate_search(self, options: SweepOptions) -> RateSearch | None:
        """The rate search the options ask for, or None to measure each configuration."""
