"""The sweep loop, once for every mode: plan, resume, measure each configuration (or search
a rate), record, append, report progress.

:func:`run_sweep` plans the mode's configurations, opens the results file (refusing to
overwrite it unless resuming or forced; a torn last line is cut off on resume), leaves out
the configurations the file already has a final status for, and measures the rest in order,
each through :func:`measure_one`: skipped after an out-of-memory of a smaller batch of its
group, utilisation sampled around it, a failure recorded with its status and reason, the
record appended (and fsync'd) as soon as it ends. A mode that asks for a rate search
(:meth:`collect.engine.mode.Mode.rate_search`) gets one search per planned configuration
instead, each measured rate appended as it ends and rates already on file reused.
"""

from __future__ import annotations

import sys
from dataclasses import replace
from typing import Any, TextIO

from collect.engine.mode import Mode, RateSearch, Session
from collect.engine.options import SweepOptions
from collect.engine.outcome import Configuration, OomSkips, attempt, make_record
from collect.engine.progress import Progress
from collect.engine.sampling import sampled
from collect.engine.slo import keeping, measured_from_records, search_max_rate
from collect.env.envinfo import collect_env, new_run_id, utc_now
from perfcore.records import ResultsWriter, config_id, read_records

PROGRESS_OVERHEAD_S = 2.0
"""Seconds a configuration takes beyond its measured duration, for the first ETA."""


def run_sweep(mode: Mode, options: SweepOptions, stream: TextIO | None = None,
              backend: Any = None) -> list[dict]:
    """Run every planned configuration not already done; returns the new records.

    ``backend`` overrides ``options.backend`` (e.g. a backend object built elsewhere).
    """
    stream = stream or sys.stderr
    configs = mode.plan(options)
    session = mode.open(options, backend)
    try:
        writer = open_results(options, stream)
        env = collect_env(options.instance_type, new_run_id())
        if env["instance_type"] == "unknown":
            stream.write("instance type: unknown (not an EC2 instance type in DMI); name it "
                         "with --instance-type, or later with publish --instance-type\n")
        sweep = Sweep(session, options, env, writer, stream)
        search = mode.rate_search(options)
        if search is None:
            return sweep.each(configs)
        return sweep.searches(configs, search)
    finally:
        session.close()


def open_results(options: SweepOptions, stream: TextIO) -> ResultsWriter:
    writer = ResultsWriter(options.out, resume=options.resume, force=options.force)
    if writer.repaired_line is not None:
        stream.write(f"{options.out}:{writer.repaired_line}: removed a torn last line "
                     "(the configuration it belonged to runs again)\n")
    return writer


def measure_one(session: Session, config: Configuration, options: SweepOptions, env: dict,
                skips: OomSkips) -> dict:
    """One configuration as a full record (not yet written)."""
    started_at = utc_now()
    details = session.details(config)
    skipped = skips.reason(config.group(), config.batch_size)
    if skipped is not None:  # nothing runs: no utilisation, no sidecar
        return make_record(config, env, started_at, "skipped", skipped, details)
    with sampled(options, config) as usage:
        measured = attempt(lambda: session.measure(config), skips, config.group(),
                           config.batch_size)
    status, reason = measured.pop("status", "ok"), measured.pop("reason", None)
    return make_record(config, env, started_at, status, reason,
                       {**details, **measured, **usage})


class Sweep:
    """One sweep's session, results file and progress."""

    def __init__(self, session: Session, options: SweepOptions, env: dict,
                 writer: ResultsWriter, stream: TextIO) -> None:
        self.session, self.options, self.env = session, options, env
        self.writer, self.stream = writer, stream
        self.records: list[dict] = []

    def keep(self, record: dict) -> None:
        self.writer.append(record)
        self.records.append(record)

    def each(self, configs: list[Configuration]) -> list[dict]:
        """Measure the configurations the results file does not have yet, in order."""
        todo = [config for config in configs
                if config_id(config.fields()) not in self.writer.done]
        if len(todo) < len(configs):
            self.stream.write(f"resume: {len(configs) - len(todo)} of {len(configs)} "
                              "configurations already have a final status\n")
        progress = Progress(len(todo), self.stream,
                            self.options.timing.duration_s + PROGRESS_OVERHEAD_S)
        skips = OomSkips()
        for config in todo:
            progress.start(config.label())
            record = measure_one(self.session, config, self.options, self.env, skips)
            self.keep(record)
            progress.done(config.label(), record)
        return self.records

    def searches(self, configs: list[Configuration], search: RateSearch) -> list[dict]:
        """One rate search per planned configuration; the answer is printed on stdout.

        Every record a search measures carries ``slo_ms``, ``slo_percentile``, ``slo_met``
        and ``slo_best_rate`` (the highest rate meeting the target among the search's rates
        so far: on the search's last record, its answer)."""
        existing = []
        if self.options.resume and self.options.out.exists():
            existing = read_records(self.options.out).records
        for config in configs:
            identity = {key: value for key, value in config.fields().items()
                        if key != "offered_rate"}
            measured = measured_from_records(existing, identity, mode=identity["mode"])
            best = [rate for rate, record in measured.items() if search.judge(record)]
            if measured:
                self.stream.write(f"resume: {len(measured)} rate(s) of this search already "
                                  "measured\n")

            def at_rate(rate: float, config: Any = config) -> dict:
                probe = replace(config, offered_rate=rate)
                self.stream.write(f"SLO search: measuring {probe.label()}\n")
                return measure_one(self.session, probe, self.options, self.env, OomSkips())

            result = search_max_rate(
                at_rate, search.slo_ms, search.percentile, rates=self.options.rates,
                start_rate=self.options.slo_start_rate, measured=measured,
                on_measured=keeping(best, self.keep), judge=search.judge)
            print(search.summary(config, result), file=sys.stdout)
        return self.records
