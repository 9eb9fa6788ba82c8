"""``collect run --backend openai --mode serve``: the served configurations of a sweep,
each appended to the results file as it ends, or (``--goodput-search``) a search for the
highest rate meeting the goodput target."""

from __future__ import annotations

import sys
from dataclasses import replace
from typing import TYPE_CHECKING, Any, TextIO

from collect.engine.progress import Progress
from collect.env.envinfo import utc_now
from collect.errors import CollectError
from collect.serve.client import run_coroutine
from collect.serve.runner import (
    ServeConfig,
    ServeOptions,
    Workload,
    fetch_server_info,
    measure_async,
    plan_serve,
    status_of,
    write_timelines,
)
from perfcore.records import ResultsWriter, config_id, read_records

if TYPE_CHECKING:
    from collect.run.sweep import SweepOptions


def is_slo_search(options: SweepOptions) -> bool:
    return options.serve is not None and options.serve.search


def run_serve_sweep(options: SweepOptions, env: dict, writer: ResultsWriter,
                    stream: TextIO) -> list[dict]:
    """Measure every planned served configuration not already in the file."""
    serve: ServeOptions = options.serve
    rates = [None] if is_slo_search(options) else list(dict.fromkeys(options.rates or []))
    configs = plan_serve(options.models, serve.load, options.dtypes[0], serve, rates,
                         options.concurrency)
    server = fetch_server_info(serve, options.models[0])
    workloads: dict[str, Workload] = {}

    def measure(config: ServeConfig) -> dict:
        if config.model not in workloads:
            workloads[config.model] = Workload(config.model, serve, options.arrival_seed)
        return measure_record(config, options, env, workloads[config.model], server)

    if is_slo_search(options):
        return run_goodput_searches(configs, options, measure, writer, stream)
    todo = [config for config in configs if config_id(config.fields()) not in writer.done]
    if len(todo) < len(configs):
        stream.write(f"resume: {len(configs) - len(todo)} of {len(configs)} configurations "
                     "already have a final status\n")
    progress = Progress(len(todo), stream, options.duration_s + 2.0)
    records = []
    for config in todo:
        progress.start(config.label())
        record = measure(config)
        writer.append(record)
        records.append(record)
        progress.done(config.label(), record)
    return records


def measure_record(config: ServeConfig, options: SweepOptions, env: dict, workload: Workload,
                   server: dict[str, Any]) -> dict:
    """One configuration as a full record (not yet written); timelines go to a sidecar."""
    from collect.run.loadrun import default_warmup_s, sampled
    from collect.run.sweep import classify, make_record

    serve: ServeOptions = options.serve
    started_at = utc_now()
    fault: tuple[str, str] | None = None
    with sampled(options, config) as usage:
        try:
            measured = run_coroutine(measure_async(config, serve, workload, options.duration_s,
                                                   default_warmup_s(options),
                                                   options.arrival_seed))
        except (KeyboardInterrupt, CollectError):
            raise
        except Exception as error:  # a harness fault: recorded, the sweep goes on
            fault = classify(error)
    details = served_details(config, serve, server)
    if fault is not None:
        return make_record(config, env, started_at, *fault, {**details, **usage})
    timelines = measured.pop("_timelines")
    measured["requests_file"] = write_timelines(options.out, config_id(config.fields()),
                                                timelines)
    status, reason = status_of(measured)
    return make_record(config, env, started_at, status, reason,
                       {**details, **measured, **usage})


def served_details(config: ServeConfig, serve: ServeOptions,
                   server: dict[str, Any]) -> dict[str, Any]:
    """How a served configuration was measured (record fields beside the metrics)."""
    return {
        "load": config.load, "api": serve.api, "endpoint": server["endpoint"],
        "server": server, "max_concurrency": serve.max_concurrency,
        "ignore_eos": serve.ignore_eos, "request_timeout_s": serve.request_timeout_s,
        "dataset": None if serve.dataset is None else str(serve.dataset),
        "tokenizer": serve.tokenizer or config.model,
    }


def goodput_judge(percentile: int) -> Any:
    """A rate meets the goodput target when at least ``percentile``% of its requests
    (failed ones included) completed within every SLO."""
    def judge(record: dict) -> bool:
        fraction = record.get("goodput_fraction")
        return record.get("status") == "ok" and fraction is not None \
            and fraction >= percentile / 100
    return judge


def run_goodput_searches(configs: list[ServeConfig], options: SweepOptions, measure: Any,
                         writer: ResultsWriter, stream: TextIO) -> list[dict]:
    """Per model: the highest Poisson rate meeting the goodput target (resumable)."""
    from collect.engine.slo import keeping, measured_from_records, search_max_rate

    existing = read_records(options.out).records if options.resume else []
    target = ", ".join(f"{key} <= {value:g} ms" for key, value in options.serve.goodput.items())
    records: list[dict] = []

    def keep(record: dict) -> None:
        writer.append(record)
        records.append(record)

    for config in configs:
        identity = {key: value for key, value in config.fields().items() if key != "offered_rate"}
        measured = measured_from_records(existing, identity, mode="serve")
        judge = goodput_judge(options.slo_percentile)
        best = [rate for rate, record in measured.items() if judge(record)]

        def at_rate(rate: float, config: ServeConfig = config) -> dict:
            stream.write(f"SLO search: measuring {replace(config, offered_rate=rate).label()}\n")
            return measure(replace(config, offered_rate=rate))

        result = search_max_rate(at_rate, None, options.slo_percentile, rates=options.rates,
                                 start_rate=options.slo_start_rate, measured=measured,
                                 on_measured=keeping(best, keep), judge=judge)
        tried = ", ".join(f"{p.rate:g}/s {'met' if p.met else 'missed'}" for p in result.probes)
        best_text = "no rate" if result.best_rate is None else f"{result.best_rate:g} requests/s"
        print(f"SLO search {config.model}: {options.slo_percentile}% of requests within "
              f"{target}: {best_text} (tried {tried})", file=sys.stdout)
    return records
