"""The options of a sweep, shared by every mode: what to measure, for how long, where the
records go. Built from ``collect run``'s arguments (and a campaign job's) by
:mod:`collect.run.options`; a mode's own options (the dynamic batcher, generation lengths,
the served endpoint) ride along in :attr:`SweepOptions.settings`."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DEFAULT_DURATION_S = 10.0
DEFAULT_TIMEOUT_S = 600.0
WARMUP_FRACTION = 0.1
MIN_DEFAULT_WARMUP_S = 0.5
MAX_DEFAULT_WARMUP_S = 5.0
DEFAULT_SLO_PERCENTILE = 99
DEFAULT_SLO_START_RATE = 100.0


@dataclass(frozen=True)
class Timing:
    """How long one configuration runs: ``duration_s`` measured seconds after a warm-up of
    ``warmup_s`` (None: the default, :meth:`effective_warmup_s`); a configuration still
    running ``timeout_s`` after its start is recorded as ``timeout``."""

    duration_s: float = DEFAULT_DURATION_S
    warmup_s: float | None = None
    timeout_s: float = DEFAULT_TIMEOUT_S

    def effective_warmup_s(self) -> float:
        if self.warmup_s is not None:
            return self.warmup_s
        return min(MAX_DEFAULT_WARMUP_S, max(MIN_DEFAULT_WARMUP_S,
                                             WARMUP_FRACTION * self.duration_s))


def default_warmup_text() -> str:
    """The default warm-up in words (``--warmup``'s help)."""
    return (f"max({MIN_DEFAULT_WARMUP_S:g}, {WARMUP_FRACTION:.0%} of --duration) capped at "
            f"{MAX_DEFAULT_WARMUP_S:g}")


@dataclass(frozen=True)
class SweepOptions:
    """One sweep: every combination of the list options, measured in ``mode``.

    ``rates``, ``concurrency`` and ``arrival_seed`` are the load of the open-loop and served
    modes; ``slo_percentile`` and ``slo_start_rate`` steer a rate search
    (:mod:`collect.engine.slo`); ``settings`` holds the mode's own options (its type is
    the mode's: :class:`collect.openloop.mode.OpenLoopSettings`,
    :class:`collect.generate.mode.GenerateSettings`, :class:`collect.serve.options.ServeOptions`).
    """

    models: list[str]
    backend: str
    out: Path
    mode: str = "offline"
    batch_sizes: list[int] = field(default_factory=lambda: [1])
    sequence_lengths: list[int] = field(default_factory=lambda: [128])
    n_models: list[int] = field(default_factory=lambda: [1])
    workers_per_model: list[int] = field(default_factory=lambda: [1])
    dtypes: list[str] = field(default_factory=lambda: ["fp32"])
    compiled: bool = False
    intra_op_threads: int | None = None
    timing: Timing = field(default_factory=Timing)
    instance_type: str | None = None
    resume: bool = False
    force: bool = False
    sample_utilization: bool = True
    rates: list[float] | None = None
    concurrency: list[int] | None = None  # --load closed: one configuration per value
    arrival_seed: int = 0
    slo_percentile: int = DEFAULT_SLO_PERCENTILE
    slo_start_rate: float = DEFAULT_SLO_START_RATE
    settings: Any = None
