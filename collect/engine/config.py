"""A model configuration of a sweep (offline, open loop, generation) and the combinations a
mode plans from its options.

Within a group (same everything but batch size) batch sizes are planned smallest first, so
that after an out-of-memory at batch B the larger batches are recorded as ``skipped``
(:class:`collect.engine.outcome.OomSkips`).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from collect.engine.options import SweepOptions
from collect.models import ModelSpec, resolve
from perfcore.records import config_id


@dataclass(frozen=True)
class Config:
    spec: ModelSpec
    backend: str
    mode: str
    batch_size: int
    n_models: int
    workers_per_model: int
    sequence_length: int | None
    dtype: str
    compiled: bool
    input_length: int | None = None
    output_length: int | None = None
    offered_rate: float | None = None
    concurrency: int | None = None
    max_batch_size: int | None = None
    max_batch_delay_ms: float | None = None

    def fields(self) -> dict[str, Any]:
        return {
            "model": self.spec.name, "backend": self.backend, "mode": self.mode,
            "batch_size": self.batch_size, "n_models": self.n_models,
            "workers_per_model": self.workers_per_model,
            "sequence_length": self.sequence_length, "dtype": self.dtype,
            "compiled": self.compiled, "input_length": self.input_length,
            "output_length": self.output_length, "offered_rate": self.offered_rate,
            "concurrency": self.concurrency, "max_batch_size": self.max_batch_size,
            "max_batch_delay_ms": self.max_batch_delay_ms,
        }

    def group(self) -> tuple:
        return (self.spec.name, self.n_models, self.workers_per_model, self.sequence_length,
                self.dtype, self.compiled, self.mode, self.input_length, self.output_length,
                self.offered_rate, self.concurrency, self.max_batch_size,
                self.max_batch_delay_ms)

    def label(self) -> str:
        seq = f" seq={self.sequence_length}" if self.sequence_length else ""
        load = {"poisson": f" rate={self.offered_rate:g}/s max_batch={self.max_batch_size}"
                if self.offered_rate else "",
                "closed": f" concurrency={self.concurrency} max_batch={self.max_batch_size}",
                "generate": f" in={self.input_length} out={self.output_length}"}
        if self.mode in load:
            return f"{self.spec.name} {self.mode}{load[self.mode]} {self.dtype}" + (
                f" bs={self.batch_size}" if self.mode == "generate" else
                f" copies={self.n_models}")
        return (f"{self.spec.name} bs={self.batch_size}{seq} {self.dtype} "
                f"copies={self.n_models} workers={self.workers_per_model}")


def expand(options: SweepOptions, *, batch_sizes: Sequence[int],
           rates: Sequence[float | None] = (None,), sequence: bool = True,
           input_length: int | None = None, output_length: int | None = None,
           concurrency: int | None = None, max_batch_size: int | None = None,
           max_batch_delay_ms: float | None = None) -> list[Config]:
    """Every combination of models, sequence lengths (``sequence``: where the model uses
    one), dtypes, model copies, workers per copy, ``rates`` and ``batch_sizes`` (ascending
    within a group), duplicates removed; the other fields are the same for every one."""
    specs = [resolve(name) for name in options.models]
    configs: dict[str, Config] = {}
    for spec, seq, dtype, copies, workers, rate, batch in itertools.product(
        specs, options.sequence_lengths, options.dtypes, options.n_models,
        options.workers_per_model, rates, sorted(set(batch_sizes)),
    ):
        if sequence:
            spec.check_sequence_length(seq)
        config = Config(
            spec, options.backend, options.mode, batch, copies, workers,
            seq if sequence and spec.uses_sequence_length else None, dtype, options.compiled,
            input_length=input_length, output_length=output_length, offered_rate=rate,
            concurrency=concurrency, max_batch_size=max_batch_size,
            max_batch_delay_ms=max_batch_delay_ms,
        )
        configs.setdefault(config_id(config.fields()), config)
    return list(configs.values())
