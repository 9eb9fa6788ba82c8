"""The run loop of ``collect run``: plan the sweep, measure each configuration not yet in the
results file (or hand the whole plan to an SLO search or a generation sweep), append each record
as it ends.

:mod:`collect.run.sweep` is the sweep's model (options, configurations, records);
:mod:`collect.run.loadrun` measures the on-demand load and generation modes.
"""

from __future__ import annotations

import sys
from typing import TextIO

from collect.backends import Backend, Request, get_backend
from collect.engine.progress import Progress
from collect.env.envinfo import collect_env, new_run_id
from collect.errors import CollectError
from collect.offline.measure import MeasureOptions, measure_offline
from collect.run.loadrun import measure_closed, measure_poisson, run_generation, run_slo_searches
from collect.run.sweep import Config, Measurement, SweepOptions, plan, run_one
from perfcore.records import ResultsWriter, config_id


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
    measurements: dict[str, Measurement] = {
        "offline": measure_config, "poisson": measure_poisson, "closed": measure_closed,
    }
    if mode in measurements:
        return measurements[mode]
    raise CollectError(f"mode {mode!r} has no per-configuration measurement; known: "
                       f"{', '.join(measurements)} (generate runs through collect.run.loadrun)")


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
