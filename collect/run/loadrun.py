"""The collector's run loop for on-demand load and generation (issue 4), and the
utilisation sampling every configuration gets.

``collect.run.sweep`` plans the configurations and calls in here:

* ``poisson`` / ``closed``: one configuration per rate (or concurrency), measured by
  :func:`measure_poisson` / :func:`measure_closed` through the dynamic batcher, one
  worker thread per model copy (:class:`collect.openloop.infer.CopyInfers`).
* an SLO search (``--slo-ms``): :func:`run_slo_searches`, one search per group; each
  measured rate is appended as soon as it ends, rates already in the file are reused.
* ``generate``: :func:`run_generation`, one record per (dtype, batch size) cell from
  :func:`collect.generate.measure.generation_sweep`, appended as each cell ends.
"""

from __future__ import annotations

import sys
from dataclasses import replace
from typing import TYPE_CHECKING, Any, TextIO

from collect.engine.progress import Progress
from collect.errors import CollectError
from collect.run.sweep import (
    Config,
    SweepOptions,
    default_warmup_s,
    make_record,
    run_one,
    sampled,
)
from perfcore.records import ResultsWriter, config_id, read_records

if TYPE_CHECKING:
    from collect.backends import Backend



def _copies(backend: Backend, config: Config) -> Any:
    from collect.openloop.infer import CopyInfers

    return CopyInfers(backend, config.spec, config.sequence_length, config.dtype,
                      config.compiled, config.n_models)


def measure_poisson(backend: Backend, config: Config, options: SweepOptions) -> dict:
    """One offered rate through the dynamic batcher (latency from scheduled arrival)."""
    from collect.engine.schedule import poisson_schedule
    from collect.openloop.runner import run_poisson

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
    from collect.openloop.runner import run_closed

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
    from collect.engine.slo import keeping, measured_from_records, search_max_rate, slo_met

    existing = _existing_records(options)
    records: list[dict] = []

    def keep(record: dict) -> None:
        writer.append(record)
        records.append(record)

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

        result = search_max_rate(
            measure, options.slo_ms, options.slo_percentile, rates=options.rates,
            start_rate=options.slo_start_rate, measured=measured, on_measured=keeping(best, keep))
        print(f"SLO search {config.spec.name} {config.dtype} max_batch="
              f"{config.max_batch_size}: {result.summary()}", file=sys.stdout)
    return records


def run_generation(configs: list[Config], backend: Backend, options: SweepOptions,
                   env: dict, writer: ResultsWriter, stream: TextIO) -> list[dict]:
    """Generation cells not yet in the file, per (model, dtype), appended as each ends."""
    from collect.env.envinfo import utc_now
    from collect.generate.measure import build_random_model, generation_sweep

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


def measure_poisson_record(backend: Backend, config: Config, rate: float,
                           options: SweepOptions, env: dict, stream: TextIO) -> dict:
    """One rate of an SLO search as a full record (not yet written)."""
    at_rate = replace(config, offered_rate=rate)
    stream.write(f"SLO search: measuring {at_rate.label()}\n")
    return run_one(measure_poisson, backend, at_rate, options, env, {})
