"""``serve``: an OpenAI-compatible endpoint under Poisson or closed-loop load, one record per
configuration (:mod:`collect.serve.runner` drives it), or with ``--goodput-search`` the
highest rate at which ``--slo-percentile`` % of requests meet the ``--goodput`` SLOs (the
engine's rate search with a goodput judge).

A server that does not answer the first configuration's warm-up is a user error (nothing was
measured: ``collect run`` exits 1). One that stops answering later, after the sweep measured
a configuration, fails only the configuration that finds it gone: it is recorded ``failed``
with the warm-up's error, and the sweep goes on (the records so far stand)."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Mapping
from typing import Any

from collect.engine.mode import RateSearch
from collect.engine.options import SweepOptions
from collect.engine.slo import SloResult
from collect.serve.client import run_coroutine
from collect.serve.options import ServeConfig, ServeOptions, plan_serve, serve_options
from collect.serve.runner import (
    WarmUpFailed,
    Workload,
    fetch_server_info,
    measure_async,
    status_of,
    write_timelines,
)
from perfcore.records import config_id


class ServeSession:
    """The server's provenance (asked once) and one workload (prompts, tokenizer) per model."""

    def __init__(self, options: SweepOptions) -> None:
        self.options = options
        self.serve: ServeOptions = options.settings
        self.server = fetch_server_info(self.serve, options.models[0])
        self.workloads: dict[str, Workload] = {}
        self.answered = False  # a configuration of this sweep got past its warm-up

    def workload(self, model: str) -> Workload:
        if model not in self.workloads:
            self.workloads[model] = Workload(model, self.serve, self.options.arrival_seed)
        return self.workloads[model]

    def measure(self, config: ServeConfig) -> dict:
        """Warm up, run the load, summarise; the timelines go to a sidecar."""
        timing = self.options.timing
        workload = self.workload(config.model)
        try:
            measured = run_coroutine(measure_async(
                config, self.serve, workload, timing.duration_s, timing.effective_warmup_s(),
                self.options.arrival_seed))
        except WarmUpFailed as error:
            if not self.answered:
                raise
            return {"status": "failed", "reason": f"{error} (the server answered earlier "
                    "configurations of this sweep)"}
        self.answered = True
        timelines = measured.pop("_timelines")
        measured["requests_file"] = write_timelines(self.options.out,
                                                    config_id(config.fields()), timelines)
        status, reason = status_of(measured, self.serve.max_failed)
        return {**measured, "status": status, "reason": reason}

    def details(self, config: ServeConfig) -> dict[str, Any]:
        """How a served configuration was measured (record fields beside the metrics)."""
        serve = self.serve
        return {
            "load": config.load, "api": serve.api, "endpoint": self.server["endpoint"],
            "endpoint_policy": serve.endpoint_policy, "ttft_at": serve.ttft_at,
            "max_failed_fraction": serve.max_failed,
            "server": self.server, "max_concurrency": serve.max_concurrency,
            "ignore_eos": serve.ignore_eos, "request_timeout_s": serve.request_timeout_s,
            "dataset": None if serve.dataset is None else str(serve.dataset),
            "tokenizer": serve.tokenizer or config.model,
        }

    def close(self) -> None:
        return None


def goodput_judge(percentile: int) -> Callable[[Mapping[str, Any]], bool]:
    """A rate meets the goodput target when at least ``percentile``% of its requests
    (failed ones included) completed within every SLO."""
    def judge(record: Mapping[str, Any]) -> bool:
        fraction = record.get("goodput_fraction")
        return record.get("status") == "ok" and fraction is not None \
            and fraction >= percentile / 100
    return judge


class ServeMode:
    name = "serve"

    def settings(self, args: argparse.Namespace) -> ServeOptions:
        return serve_options(args)

    def plan(self, options: SweepOptions) -> list[ServeConfig]:
        return plan_serve(options)

    def open(self, options: SweepOptions, backend: Any = None) -> ServeSession:
        return ServeSession(options)

    def rate_search(self, options: SweepOptions) -> RateSearch | None:
        serve: ServeOptions = options.settings
        if not serve.search:
            return None
        percentile = options.slo_percentile
        target = ", ".join(f"{key} <= {value:g} ms" for key, value in serve.goodput.items())

        def summary(config: ServeConfig, result: SloResult) -> str:
            tried = ", ".join(f"{p.rate:g}/s {'met' if p.met else 'missed'}"
                              for p in result.probes)
            best = "no rate" if result.best_rate is None else f"{result.best_rate:g} requests/s"
            return (f"SLO search {config.model}: {percentile}% of requests within {target}: "
                    f"{best} (tried {tried})")

        return RateSearch(goodput_judge(percentile), None, percentile, summary)


MODE = ServeMode()
