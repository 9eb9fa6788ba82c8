"""A sweep: every combination of the list options, run in order, one record each.

Within a group (same everything but batch size) batch sizes run smallest first, so that
after an out-of-memory at batch B the larger batches are recorded as ``skipped``.
"""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from collect.backends import Backend
from collect.env.envinfo import utc_now
from collect.errors import CollectError, CompileFailed, is_out_of_memory
from collect.models import ModelSpec, check_generation_lengths, resolve
from collect.offline.measure import MeasureTimeout
from perfcore.errors import UserError
from perfcore.records import OFFLINE_FIELDS, SCHEMA_VERSION, config_id

if TYPE_CHECKING:
    from collect.serve.runner import ServeOptions

SOURCE = "collect run"
MAX_DEFAULT_WARMUP_S = 5.0


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
    if is_out_of_memory(error):
        return "oom", text
    return "failed", text


Measurement = Callable[[Backend, Config, SweepOptions], dict]

ERROR_STATUSES = ("failed", "timeout", "compile_failed")
"""Statuses that mean a configuration could not be measured for a reason to look into
(``collect run --fail-on-error`` exits 3 on them). ``oom`` is not one: it is the expected
upper end of a batch-size sweep (and ``skipped`` follows it)."""

SUMMARY_STATUSES = ("ok", "oom", "failed", "timeout")


def status_counts(records: list[dict]) -> dict[str, int]:
    """Configurations per status: ok, oom, failed, timeout always, other statuses when
    present (skipped, compile_failed)."""
    counts = dict.fromkeys(SUMMARY_STATUSES, 0)
    for record in records:
        status = record.get("status") or "unknown"
        counts[status] = counts.get(status, 0) + 1
    return counts


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


def run_one(measure: Measurement, backend: Backend, config: Config, options: SweepOptions,
            env: dict, oom_at: dict[tuple, int]) -> dict:
    started_at = utc_now()
    failed_batch = oom_at.get(config.group())
    if failed_batch is not None and config.batch_size > failed_batch:
        reason = f"batch size {failed_batch} ran out of memory"
        return make_record(config, env, started_at, "skipped", reason, {})
    with sampled(options, config) as usage:
        try:
            measured = measure(backend, config, options)
        except (KeyboardInterrupt, UserError):
            raise
        except Exception as error:
            status, reason = classify(error)
            if status == "oom":
                oom_at[config.group()] = config.batch_size
            measured = {"status": status, "reason": reason}
    status, reason = measured.pop("status", "ok"), measured.pop("reason", None)
    return make_record(config, env, started_at, status, reason, {**measured, **usage})


def check_mode_options(options: SweepOptions) -> None:
    """Refuse option combinations a mode cannot honour (one-line errors naming them)."""
    open_loop = options.mode in ("poisson", "closed")
    if open_loop and options.workers_per_model != [1]:
        raise CollectError(f"--load {options.mode} runs one worker per model copy; "
                           "leave --workers-per-model at 1 (use --n-models for more workers)")
    if options.mode == "poisson" and not options.rates and options.slo_ms is None:
        raise CollectError("--load poisson needs --rate or --slo-ms")
    if options.mode == "closed" and options.concurrency is None:
        raise CollectError("--load closed needs --concurrency")
    if options.mode == "generate":
        for name in options.models:
            if resolve(name).generation_config is None:
                raise CollectError(f"--mode generate: {name} is not a generation model; "
                                   "use gpt2, t5-small, tiny-gpt2 or tiny-t5")
            if options.input_length and options.output_length:
                check_generation_lengths(resolve(name), options.input_length,
                                         options.output_length)
        ignored = [option for option, used in (
            ("--n-models", options.n_models != [1]),
            ("--workers-per-model", options.workers_per_model != [1]),
            ("--compile", options.compiled)) if used]
        if ignored:
            raise CollectError(f"--mode generate runs one model copy, uncompiled; leave out "
                               f"{', '.join(ignored)}")
        if options.backend not in ("cpu", "cuda"):
            raise CollectError(f"--mode generate runs on the cpu and cuda backends, "
                               f"not {options.backend}")


def default_warmup_s(options: SweepOptions) -> float:
    if options.warmup_s is not None:
        return options.warmup_s
    return min(MAX_DEFAULT_WARMUP_S, max(0.5, 0.1 * options.duration_s))


@contextlib.contextmanager
def sampled(options: SweepOptions, config: Config) -> Iterator[dict[str, Any]]:
    """Sample utilisation around a measurement; the yielded dict receives
    ``utilization`` and ``timeseries_file`` (the sidecar beside the results file)."""
    usage: dict[str, Any] = {}
    if not options.sample_utilization:
        yield usage
        return
    from collect.env.utilization import UtilizationSampler, write_timeseries

    sampler = UtilizationSampler()
    with sampler:
        yield usage
    usage["utilization"] = sampler.summary()
    usage["timeseries_file"] = write_timeseries(options.out, config_id(config.fields()),
                                                sampler.timeseries())
