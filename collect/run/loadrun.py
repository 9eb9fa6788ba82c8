"""The collector's run loop for on-demand load and generation (issue 4), and the
utilisation sampling every configuration gets.

``collect.run.sweep`` plans the configurations and calls in here:

* ``poisson`` / ``closed``: one configuration per rate (or concurrency), measured by
  :func:`measure_poisson` / :func:`measure_closed` through the dynamic batcher, one
  worker thread per model copy (:class:`collect.run.infer.CopyInfers`).
* an SLO search (``--slo-ms``): :func:`run_slo_searches`, one search per group; each
  measured rate is appended as soon as it ends, rates already in the file are reused.
* ``generate``: :func:`run_generation`, one record per (dtype, batch size) cell from
  :func:`collect.run.generate.generation_sweep`, appended as each cell ends.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, TextIO

from collect.errors import CollectError
from collect.run.progress import Progress
from perfcore.records import ResultsWriter, config_id, read_records

if TYPE_CHECKING:
    from collect.backends import Backend
    from collect.run.sweep import Config, SweepOptions

MAX_DEFAULT_WARMUP_S = 5.0


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
        from collect.run.models import resolve

        for name in options.models:
            if resolve(name).generation_config is None:
                raise CollectError(f"--mode generate: {name} is not a generation model; "
                                   "use gpt2, t5-small, tiny-gpt2 or tiny-t5")
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


def _copies(backend: Backend, config: Config) -> Any:
    from collect.run.infer import CopyInfers

    return CopyInfers(backend, config.spec, config.sequence_length, config.dtype,
                      config.compiled, config.n_models)


def measure_poisson(backend: Backend, config: Config, options: SweepOptions) -> dict:
    """One offered rate through the dynamic batcher (latency from scheduled arrival)."""
    from collect.run.openloop import run_poisson
    from collect.run.schedule import poisson_schedule

    try:
        schedule = poisson_schedule(config.offered_rate, options.duration_s,
                                    seed=options.arrival_seed)
    except ValueError as error:
        raise CollectError(f"--rate {config.offered_rate:g}: {error}") from None
    copies = _copies(backend, config)
    try:
        measured = run_poisson(copies.workers, schedule, config.max_batch_size or 1,
                               config.max_batch_delay_ms or 0.0, default_warmup_s(options))
    finally:
        copies.cleanup()
    return {**measured, "compile_time_s": copies.compile_time_s}


def measure_closed(backend: Backend, config: Config, options: SweepOptions) -> dict:
    """``concurrency`` clients in a send-wait loop for ``--duration`` seconds."""
    from collect.run.openloop import run_closed

    copies = _copies(backend, config)
    try:
        measured = run_closed(copies.workers, config.concurrency or 1, options.duration_s,
                              config.max_batch_size or 1, config.max_batch_delay_ms or 0.0,
                              default_warmup_s(options))
    finally:
        copies.cleanup()
    return {**measured, "compile_time_s": copies.compile_time_s}


def _existing_records(options: SweepOptions) -> list[dict]:
    if not options.resume or not options.out.exists():
        return []
    return read_records(options.out).records


def run_slo_searches(configs: list[Config], backend: Backend, options: SweepOptions,
                     env: dict, writer: ResultsWriter, stream: TextIO) -> list[dict]:
    """One SLO search per planned group; returns the records measured now.

    Every record the search measures carries ``slo_ms``, ``slo_percentile``, ``slo_met``
    and ``slo_best_rate`` (the highest rate meeting the SLO among the search's rates so
    far: on the search's last record, its answer). The answer is also printed.
    """
    from collect.run.slo import measured_from_records, search_max_rate, slo_met
    from collect.run.sweep import measure_poisson_record

    existing = _existing_records(options)
    records: list[dict] = []
    for config in configs:
        identity = {key: value for key, value in config.fields().items()
                    if key not in ("offered_rate", "mode")}
        measured = measured_from_records(existing, identity)
        best = [rate for rate, record in measured.items()
                if slo_met(record, options.slo_ms, options.slo_percentile)]
        if measured:
            stream.write(f"resume: {len(measured)} rate(s) of this search already measured\n")

        def measure(rate: float, config: Config = config) -> dict:
            return measure_poisson_record(backend, config, rate, options, env, stream)

        def on_measured(record: dict, best: list[float] = best) -> None:
            if record["slo_met"]:
                best.append(record["offered_rate"])
            record["slo_best_rate"] = max(best, default=None)
            writer.append(record)
            records.append(record)

        result = search_max_rate(
            measure, options.slo_ms, options.slo_percentile, rates=options.rates,
            start_rate=options.slo_start_rate, measured=measured, on_measured=on_measured)
        print(f"SLO search {config.spec.name} {config.dtype} max_batch="
              f"{config.max_batch_size}: {result.summary()}", file=sys.stdout)
    return records


def run_generation(configs: list[Config], backend: Backend, options: SweepOptions,
                   env: dict, writer: ResultsWriter, stream: TextIO) -> list[dict]:
    """Generation cells not yet in the file, per (model, dtype), appended as each ends."""
    from collect.env.envinfo import utc_now
    from collect.run.generate import build_random_model, generation_sweep
    from collect.run.sweep import make_record

    todo = [config for config in configs if config_id(config.fields()) not in writer.done]
    if len(todo) < len(configs):
        stream.write(f"resume: {len(configs) - len(todo)} of {len(configs)} configurations "
                     "already have a final status\n")
    device = "cuda" if backend.name == "cuda" else "cpu"
    progress = Progress(len(todo), stream, options.duration_s + 2.0)
    records: list[dict] = []
    groups: dict[tuple, dict[int, Config]] = {}
    for config in todo:
        groups.setdefault((config.spec.name, config.dtype), {})[config.batch_size] = config
    for (_, dtype), by_batch in groups.items():
        spec = next(iter(by_batch.values())).spec

        def load_model(dtype: str, spec: Any = spec) -> Any:
            return build_random_model(spec.generation_config(), dtype, device)

        cells = generation_sweep(load_model, sorted(by_batch), [dtype],
                                 options.input_length, options.output_length,
                                 duration_s=options.duration_s)
        for config in (by_batch[batch] for batch in sorted(by_batch)):
            progress.start(config.label())
            started_at = utc_now()
            with sampled(options, config) as usage:
                cell = next(cells)
            status, reason = cell.pop("status"), cell.pop("reason", None)
            if status == "skipped":  # nothing ran: no utilisation, no sidecar
                _drop_sidecar(options, config, usage)
                usage = {}
            record = make_record(config, env, started_at, status, reason, {**cell, **usage})
            writer.append(record)
            records.append(record)
            progress.done(config.label(), record)
    return records


def _drop_sidecar(options: SweepOptions, config: Config, usage: dict[str, Any]) -> None:
    if "timeseries_file" in usage:
        (options.out.parent / usage["timeseries_file"]).unlink(missing_ok=True)
