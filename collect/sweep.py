"""A sweep: every combination of the list options, run in order, one record each.

Within a group (same everything but batch size) batch sizes run smallest first, so that
after an out-of-memory at batch B the larger batches are recorded as ``skipped``.
"""

from __future__ import annotations

import itertools
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from collect.backends import Backend, Request, get_backend
from collect.envinfo import collect_env, new_run_id, utc_now
from collect.errors import CollectError, CompileFailed
from collect.measure import MeasureOptions, MeasureTimeout, measure_offline
from collect.models import ModelSpec, resolve
from collect.progress import Progress
from collect.results import OFFLINE_FIELDS, SCHEMA_VERSION, ResultsWriter, config_id

if TYPE_CHECKING:
    from collect.serve.runner import ServeOptions

SOURCE = "collect run"


@dataclass(frozen=True)
class SweepOptions:
    models: list[str]
    backend: str
    out: Path
    batch_sizes: list[int] = field(default_factory=lambda: [1])
    sequence_lengths: list[int] = field(default_factory=lambda: [128])
    n_models: list[int] = field(default_factory=lambda: [1])
    workers_per_model: list[int] = field(default_factory=lambda: [1])
    dtypes: list[str] = field(default_factory=lambda: ["fp32"])
    compiled: bool = False
    intra_op_threads: int | None = None
    duration_s: float = 10.0
    warmup_s: float | None = None
    timeout_s: float = 600.0
    instance_type: str | None = None
    resume: bool = False
    force: bool = False
    mode: str = "offline"
    # on-demand load and generation (collect/loadrun.py); None where a mode does not use it
    rates: list[float] | None = None
    concurrency: int | None = None
    max_batch_size: int | None = None
    max_batch_delay_ms: float | None = None
    arrival_seed: int = 0
    slo_ms: float | None = None
    slo_percentile: int = 99
    slo_start_rate: float = 100.0
    input_length: int | None = None
    output_length: int | None = None
    sample_utilization: bool = True
    serve: ServeOptions | None = None  # mode "serve" (collect/serve/): the endpoint and workload


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


def plan(options: SweepOptions) -> list[Config]:
    """Every combination, batch sizes ascending inside each group, duplicates removed.

    Open-loop modes sweep rates (poisson) instead of batch sizes: the dynamic batcher
    forms batches up to ``max_batch_size``; an SLO search plans one configuration per
    group with no rate (the search picks the rates). Generation uses input and output
    lengths instead of a sequence length.
    """
    from collect.loadrun import check_mode_options

    check_mode_options(options)
    specs = [resolve(name) for name in options.models]
    open_loop = options.mode in ("poisson", "closed")
    batch_sizes = [1] if open_loop else sorted(set(options.batch_sizes))
    rates: list[float | None] = [None]
    if options.mode == "poisson" and options.slo_ms is None:
        rates = list(dict.fromkeys(options.rates or []))
    configs: dict[str, Config] = {}
    for spec, seq, dtype, copies, workers, rate, batch in itertools.product(
        specs, options.sequence_lengths, options.dtypes, options.n_models,
        options.workers_per_model, rates, batch_sizes,
    ):
        generate = options.mode == "generate"
        if not generate:
            spec.check_sequence_length(seq)
        config = Config(
            spec, options.backend, options.mode, batch, copies, workers,
            seq if spec.uses_sequence_length and not generate else None, dtype,
            options.compiled,
            input_length=options.input_length if generate else None,
            output_length=options.output_length if generate else None,
            offered_rate=rate,
            concurrency=options.concurrency if options.mode == "closed" else None,
            max_batch_size=options.max_batch_size if open_loop else None,
            max_batch_delay_ms=options.max_batch_delay_ms if open_loop else None,
        )
        configs.setdefault(config_id(config.fields()), config)
    return list(configs.values())


def classify(error: BaseException) -> tuple[str, str]:
    """``(status, reason)`` of a failed configuration."""
    text = f"{type(error).__name__}: {error}".strip().splitlines()[0][:500]
    if isinstance(error, CompileFailed):
        return "compile_failed", str(error).splitlines()[0][:500]
    if isinstance(error, MeasureTimeout):
        return "timeout", str(error)
    if isinstance(error, MemoryError) or (
        isinstance(error, RuntimeError) and "out of memory" in str(error).lower()
    ):
        return "oom", text
    return "failed", text


Measurement = Callable[[Backend, Config, SweepOptions], dict]


def measure_config(backend: Backend, config: Config, options: SweepOptions) -> dict:
    """Offline measurement: prepare the copies, measure, clean up."""
    request = Request(config.spec, config.batch_size, config.sequence_length, config.dtype,
                      config.n_models, config.workers_per_model, config.compiled,
                      options.intra_op_threads)
    prepared = backend.prepare(request)
    try:
        measured = measure_offline(
            prepared, config.batch_size, config.workers_per_model,
            MeasureOptions(options.duration_s, options.warmup_s, options.timeout_s),
        )
    finally:
        prepared.cleanup()
    return {**measured, "compile_time_s": prepared.compile_time_s, **prepared.extra}


def measurement_for(mode: str) -> Measurement:
    """The function that measures one configuration of ``mode`` (issue 4 adds modes)."""
    from collect.loadrun import measure_closed, measure_poisson

    measurements: dict[str, Measurement] = {
        "offline": measure_config, "poisson": measure_poisson, "closed": measure_closed,
    }
    if mode in measurements:
        return measurements[mode]
    raise CollectError(f"mode {mode!r} has no per-configuration measurement; known: "
                       f"{', '.join(measurements)} (generate runs through collect.loadrun)")


def make_record(config: Config, env: dict, started_at: str, status: str,
                reason: str | None, measured: dict) -> dict:
    fields = config.fields()
    empty = dict.fromkeys(OFFLINE_FIELDS)
    return {
        "schema_version": SCHEMA_VERSION, "run_id": env["run_id"],
        "config_id": config_id(fields), "status": status, "reason": reason,
        "source": SOURCE, "started_at": started_at, "ended_at": utc_now(),
        **fields, **empty, **measured, **fields, "env": env,
    }


def run_sweep(options: SweepOptions, stream: TextIO | None = None,
              backend: Backend | None = None) -> list[dict]:
    """Run every planned configuration not already done; returns the new records.

    ``backend`` overrides ``options.backend`` (e.g. a backend object built elsewhere).
    """
    stream = stream or sys.stderr
    serve = options.mode == "serve"
    configs = [] if serve else plan(options)
    backend = None if serve else backend or get_backend(options.backend)
    writer = ResultsWriter(options.out, resume=options.resume, force=options.force)
    if writer.repaired_line is not None:
        stream.write(f"{options.out}:{writer.repaired_line}: removed a torn last line "
                     "(the configuration it belonged to runs again)\n")
    env = collect_env(options.instance_type, new_run_id())
    if env["instance_type"] == "unknown":
        stream.write("instance type: unknown (not an EC2 instance type in DMI); name it with "
                     "--instance-type, or later with publish --instance-type\n")
    if serve:
        from collect.serve.sweep import run_serve_sweep

        return run_serve_sweep(options, env, writer, stream)
    if options.slo_ms is not None or options.mode == "generate":
        from collect.loadrun import run_generation, run_slo_searches

        run_special = run_slo_searches if options.slo_ms is not None else run_generation
        return run_special(configs, backend, options, env, writer, stream)
    measure = measurement_for(options.mode)
    todo = [config for config in configs if config_id(config.fields()) not in writer.done]
    if len(todo) < len(configs):
        stream.write(f"resume: {len(configs) - len(todo)} of {len(configs)} configurations "
                     "already have a final status\n")
    progress = Progress(len(todo), stream, options.duration_s + 2.0)
    oom_at: dict[tuple, int] = {}
    records = []
    for config in todo:
        progress.start(config.label())
        record = run_one(measure, backend, config, options, env, oom_at)
        writer.append(record)
        records.append(record)
        progress.done(config.label(), record)
    return records


def run_one(measure: Measurement, backend: Backend, config: Config, options: SweepOptions,
            env: dict, oom_at: dict[tuple, int]) -> dict:
    from collect.loadrun import sampled

    started_at = utc_now()
    failed_batch = oom_at.get(config.group())
    if failed_batch is not None and config.batch_size > failed_batch:
        reason = f"batch size {failed_batch} ran out of memory"
        return make_record(config, env, started_at, "skipped", reason, {})
    with sampled(options, config) as usage:
        try:
            measured = measure(backend, config, options)
        except (KeyboardInterrupt, CollectError):
            raise
        except Exception as error:
            status, reason = classify(error)
            if status == "oom":
                oom_at[config.group()] = config.batch_size
            measured = {"status": status, "reason": reason}
    status, reason = measured.pop("status", "ok"), measured.pop("reason", None)
    return make_record(config, env, started_at, status, reason, {**measured, **usage})


def measure_poisson_record(backend: Backend, config: Config, rate: float,
                           options: SweepOptions, env: dict, stream: TextIO) -> dict:
    """One rate of an SLO search as a full record (not yet written)."""
    from dataclasses import replace

    from collect.loadrun import measure_poisson

    at_rate = replace(config, offered_rate=rate)
    stream.write(f"SLO search: measuring {at_rate.label()}\n")
    return run_one(measure_poisson, backend, at_rate, options, env, {})
